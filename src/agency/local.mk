## src/agency
