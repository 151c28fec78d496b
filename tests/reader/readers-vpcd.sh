#!/bin/sh
# readers-vpcd.sh - vsctool readers sees vscemu on the vpcd reader, with
# the same reader name and ATR that pcsc_scan reports.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_begin "vsctool readers through pcscd + vpcd"
need_vpcd
command -v pcsc_scan >/dev/null 2>&1 || t_skip "pcsc_scan (pcsc-tools) is not installed"

CARD="$top_srcdir/tests/cards/pkcs15.card"

# A card left by an earlier test disappears within pcscd's next vpcd poll
# (400 ms); wait for that (bounded, 5 s) so we start from an empty reader.
i=0
while [ $i -lt 50 ] && ! vsctool readers 2>/dev/null | grep -q "^$VPCD_READER: no card"; do
  sleep 0.1; i=$((i + 1))
done
t_check "'$VPCD_READER' starts without a card" \
  "vsctool readers | grep -q '^$VPCD_READER: no card'"
t_check "test card profile exists" "[ -f '$CARD' ]"

t_check "vscemu is built" "command -v vscemu >/dev/null"
vscemu --vpcd "$VPCD_PORT" "$CARD" >"$T_TMP/vscemu.log" 2>&1 &
EMU_PID=$!
t_on_exit "kill $EMU_PID"

# Bounded wait (10 s) for pcscd to notice the card (it polls vpcd).
i=0
while [ $i -lt 100 ]; do
  vsctool readers >"$T_TMP/list" 2>&1
  grep -q "^$VPCD_READER: card present" "$T_TMP/list" && break
  kill -0 $EMU_PID 2>/dev/null || break
  sleep 0.1; i=$((i + 1))
done
sed 's/^/    /' "$T_TMP/list"
t_check "vsctool readers lists '$VPCD_READER' with a card" \
  "grep -q '^$VPCD_READER: card present, ATR 3B' '$T_TMP/list'"

t_ok "vsctool readers --json" sh -c "vsctool readers --json >'$T_TMP/json'"
t_check "JSON names the reader and has an ATR" \
  "grep -q '\"name\":\"$VPCD_READER\",\"present\":true' '$T_TMP/json'"

ours=$(sed -n "s/^$VPCD_READER: card present[^,]*, ATR //p" "$T_TMP/list" | tr -d ' ')
timeout 5 pcsc_scan -c -t 1 2>/dev/null | sed 's/\x1b\[[0-9;]*m//g' >"$T_TMP/scan"
theirs=$(awk -v r="$VPCD_READER" '
  index($0, "Reader") && index($0, r) { f = 1; next }
  index($0, "Reader") { f = 0 }
  f && /ATR:/ { sub(/.*ATR: */, ""); gsub(/ /, ""); print; exit }' "$T_TMP/scan")
echo "    ours:   $ours"
echo "    pcsc_scan: $theirs"
t_check "ATR is non-empty" "[ -n '$ours' ]"
t_check "pcsc_scan reports the same ATR" "[ '$ours' = '$theirs' ]"
t_check "pcsc_scan -r lists the same reader" \
  "timeout 5 pcsc_scan -r 2>/dev/null | grep -q '$VPCD_READER'"
