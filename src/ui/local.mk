## src/ui
