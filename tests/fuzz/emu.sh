#!/bin/bash
# Regression run of the fuzz-emu libFuzzer target (see run-corpus.sh).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" emu
