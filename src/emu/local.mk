## src/emu
