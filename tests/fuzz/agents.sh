#!/bin/bash
exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" agents
