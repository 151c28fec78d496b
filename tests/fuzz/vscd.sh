#!/bin/bash
# Regression run of the fuzz-vscd libFuzzer target (see run-corpus.sh).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" vscd 2000
