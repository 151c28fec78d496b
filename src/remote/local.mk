## src/remote
