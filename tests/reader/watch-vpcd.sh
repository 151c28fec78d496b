#!/bin/sh
# watch-vpcd.sh - vsctool readers --watch reports vscemu attaching to the
# vpcd reader (card inserted) and going away (card removed).
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_begin "vsctool readers --watch through pcscd + vpcd"
need_vpcd

CARD="$top_srcdir/tests/cards/pkcs15.card"

# A card left by an earlier test disappears within pcscd's next vpcd poll
# (400 ms); wait for that (bounded, 5 s) so we start from an empty reader.
i=0
while [ $i -lt 50 ] && ! vsctool readers 2>/dev/null | grep -q "^$VPCD_READER: no card"; do
  sleep 0.1; i=$((i + 1))
done
t_check "'$VPCD_READER' starts without a card" \
  "vsctool readers | grep -q '^$VPCD_READER: no card'"
OUT="$T_TMP/watch"

# wait_for PATTERN: bounded wait (10 s) for a line in the watch output.
wait_for () {
  i=0
  while [ $i -lt 100 ]; do
    grep -q "$1" "$OUT" 2>/dev/null && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

vsctool readers --watch >"$OUT" 2>&1 &
WATCH_PID=$!
t_on_exit "kill $WATCH_PID"
vsctool readers --watch --json >"$OUT.json" 2>&1 &
JSON_PID=$!
t_on_exit "kill $JSON_PID"
t_check "watch prints the reader list first" "wait_for '^$VPCD_READER: no card'"

t_check "vscemu is built" "command -v vscemu >/dev/null"
vscemu --vpcd "$VPCD_PORT" "$CARD" >"$T_TMP/vscemu.log" 2>&1 &
EMU_PID=$!
t_on_exit "kill $EMU_PID"
t_check "insertion reported" "wait_for 'card inserted: $VPCD_READER, ATR 3B'"
t_check "insertion has an ISO 8601 timestamp with ms" \
  "grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z card inserted' '$OUT'"

kill $EMU_PID
wait $EMU_PID 2>/dev/null
t_check "removal reported" "wait_for 'card removed: $VPCD_READER'"

kill -TERM $WATCH_PID
wait $WATCH_PID
rc=$?
t_check "watch exits 0 on SIGTERM (got $rc)" "[ $rc -eq 0 ]"
OUT="$OUT.json"
t_check "JSON: removal reported" \
  "wait_for '^{\"time\":\"[0-9T:.-]*Z\",\"event\":\"card-removed\",\"reader\":\"$VPCD_READER\"}\$'"
t_check "JSON: insertion with ATR" \
  "grep -q '\"event\":\"card-inserted\",\"reader\":\"$VPCD_READER\",\"atr\":\"3B' '$OUT'"
t_check "JSON: reader list first" "head -n 1 '$OUT' | grep -q '^{\"readers\":\\['"
kill -TERM $JSON_PID
wait $JSON_PID
sed 's/^/    /' "$OUT"
OUT="$T_TMP/watch"
sed 's/^/    /' "$OUT"
