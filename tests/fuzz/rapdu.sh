#!/bin/bash
# Regression run of the fuzz-rapdu libFuzzer target (see run-corpus.sh).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" rapdu
