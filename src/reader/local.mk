## src/reader
