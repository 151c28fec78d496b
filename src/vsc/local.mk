## src/vsc
