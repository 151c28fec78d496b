#!/bin/bash
# Regression run of the fuzz-frame libFuzzer target (see run-corpus.sh).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" frame
