# bench/vpcd-lib.sh - what the benchmarks through pcscd + vpcd + vscemu
# share (sourced with BENCH_NAME set): temporary directory T, the vpcd
# lock, starting and stopping vscemu with an APDU transcript in
# $T/emu.log, clocks and ratios. Exits 0 with "skipped" when there is no
# pcscd with the vpcd reader.
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
B="$top_builddir"
CARDS="$top_srcdir/tests/cards"
R="${VPCD_READER:-Virtual PCD 00 00}"
T=$(mktemp -d "${TMPDIR:-/tmp}/bench-$BENCH_NAME.XXXXXX")
EMU_PID=
cleanup () {
  [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null && wait "$EMU_PID" 2>/dev/null
  rm -rf "$T"
}
trap cleanup EXIT

if ! opensc-tool -l 2>/dev/null | grep -q "$R"; then
  echo "bench $BENCH_NAME: skipped (no pcscd with the vpcd reader)"
  exit 0
fi
exec 9>"${TMPDIR:-/tmp}/vscman-vpcd.lock"
flock 9

now () { date +%s.%N; }
card_state () {
  opensc-tool -l 2>/dev/null | awk -v r="$R" 'index($0, r) { print $2; exit }'
}
wait_card () {
  i=0
  while [ "$(card_state)" != "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
emu_start () {
  : > "$T/emu.log"
  "$B/vscemu" -v -v --log "$T/emu.log" "$@" 2>/dev/null &
  EMU_PID=$!
  wait_card Yes
}
emu_stop () {
  kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null; EMU_PID=
  wait_card No
}
ratio () { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
