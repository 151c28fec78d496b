#!/bin/sh
# tree-vpcd.sh - issue 18: time to the tree of the manager's card screen
# through pcscd + vpcd + vscemu at card speeds (vscemu --latency 0, 5,
# 40 ms per APDU), for tests/cards/pkcs15.card and hidden.card, in
# APDUs and seconds from the connect on (bench/tree-time):
#   - tree-first: until the tree the card screen shows first (PKCS#15:
#     TokenInfo and the ODF, the directory files after it). Reference,
#     same run: the full listed discovery that the tree waited for
#     before (ratio of seconds and of APDUs; goal: the tree within 1 s
#     at 40 ms, i.e. <= 20 APDUs incl. the probes for absent
#     applications), and the minimal APDUs for the nodes shown;
#   - tree-listed: until every listed node is there (the deferred
#     directory files read), against the minimal APDUs for those nodes
#     and the full discovery.
# APDUs are the manager's count; vscemu's transcript is the check.
BENCH_NAME=tree-vpcd
. "${top_srcdir:-.}/bench/vpcd-lib.sh"
mark () { wc -l < "$T/emu.log"; }
apdus () { tail -n +"$(( $1 + 1 ))" "$T/emu.log" | grep -c 'apdu: > '; }
field () { awk -v n="$1" -v c="$2" '$1 == n { print $c }' "$T/out"; }

for card in pkcs15 hidden; do
  for L in 0 5 40; do
    emu_start --latency "$L" "$CARDS/$card.card"
    m=$(mark)
    if ! "$B/bench/tree-time" "$R" > "$T/out" 2> "$T/err"; then
      echo "bench tree-$card-$L: failed: $(cat "$T/err")"
      emu_stop
      exit 1
    fi
    seen=$(apdus "$m")
    emu_stop
    ta=$(field tree 2); ts=$(field tree 3); tm=$(field tree 4); tn=$(field tree 5)
    la=$(field listed 2); ls=$(field listed 3); lm=$(field listed 4); ln=$(field listed 5)
    fa=$(field full 2); fs=$(field full 3)
    echo "bench tree-first-$card-$L: $ta APDUs, $ts s until the tree ($tn nodes) (reference: the full listed discovery before it, $fa APDUs, $fs s; ratio $(ratio "$ts" "$fs") of the time, $(ratio "$ta" "$fa") of the APDUs; goal 20 APDUs; minimal for the nodes shown $tm APDUs, ratio $(ratio "$ta" "$tm"))"
    echo "bench tree-listed-$card-$L: $la APDUs, $ls s until every listed node ($ln nodes) (reference: minimal $lm APDUs, ratio $(ratio "$la" "$lm"); the full discovery $fa APDUs, ratio $(ratio "$la" "$fa"); vscemu saw $seen APDUs for the three)"
  done
done
exit 0
