#!/bin/bash
# Regression run of the fuzz-vsc libFuzzer target (see run-corpus.sh).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" vsc 2000
