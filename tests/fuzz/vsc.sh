#!/bin/bash
# Regression run of the fuzz-vsc libFuzzer target (see run-corpus.sh).
# Inputs up to 1 MiB: a VSC with many nodes is large (and that is where a
# quadratic decoder hid).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" vsc 2000 -max_len=1048576
