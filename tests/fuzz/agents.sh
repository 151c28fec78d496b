#!/bin/bash
# 5000 random runs: each input is a whole backup and restore.
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" agents 5000
