## src/image
