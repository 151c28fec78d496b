#!/bin/bash
# tests/fuzz/run-corpus.sh NAME [RUNS [OPTIONS]] - regression run of a libFuzzer target
#
# Runs tests/fuzz/fuzz-NAME (from the build tree) once over every seed in
# tests/fuzz/corpus/NAME (from the source tree), then RUNS (default 20000)
# random mutations starting from those seeds. Crashing inputs are kept as
# tests/fuzz/crash-NAME-* in the build tree. Only built with
# --enable-fuzzing; each target gets a one-line wrapper tests/fuzz/NAME.sh:
#   exec bash "$top_srcdir/tests/fuzz/run-corpus.sh" NAME
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

name=${1:?usage: run-corpus.sh NAME [RUNS [LIBFUZZER-OPTIONS...]]}
runs=${2:-${FUZZ_RUNS:-20000}}
shift 2 2>/dev/null || shift $#
extra="$*"
bin="$top_builddir/tests/fuzz/fuzz-$name"
seeds="$top_srcdir/tests/fuzz/corpus/$name"
artifacts="$top_builddir/tests/fuzz/crash-$name-"

t_begin "fuzz-$name: every seed once, then $runs random runs"
t_check "fuzz-$name is built" '[ -x "$bin" ]'
t_check "seed corpus $seeds has seeds" \
  '[ -n "$(ls -A "$seeds" 2>/dev/null)" ]'

# libFuzzer may add files to a corpus directory: work on a copy so the
# source tree stays untouched (it is read-only under distcheck).
mkdir -p "$T_TMP/corpus"
cp "$seeds"/* "$T_TMP/corpus/" 2>/dev/null
nseeds=$(ls -A "$T_TMP/corpus" | wc -l)

fuzz_opts="-rss_limit_mb=2048 -timeout=30 -artifact_prefix=$artifacts $extra"
t_ok "all $nseeds seeds run cleanly" \
  "$bin" $fuzz_opts -runs=0 "$T_TMP/corpus"
# libFuzzer reports how many seeds it read and executed.
t_check "libFuzzer executed the $nseeds seeds" \
  'grep -q "INFO: seed corpus: files: $nseeds " "$T_TMP/out"'
t_ok "$runs random runs from the seeds" \
  "$bin" $fuzz_opts -runs="$runs" "$T_TMP/corpus"
t_check "libFuzzer finished the random runs" \
  'grep -q "Done $runs runs" "$T_TMP/out"'
