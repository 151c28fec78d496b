## src/scapi
