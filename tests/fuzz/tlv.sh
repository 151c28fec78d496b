#!/bin/bash
# Regression run of the fuzz-tlv libFuzzer target (see run-corpus.sh).
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" tlv
