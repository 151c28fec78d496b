#!/bin/sh
# interrupt.sh - the fourth interop flow (issue 12): a restore interrupted
# by pulling the token (its process killed after a few writes) says
# exactly what was written - every node it reports [written] is on the
# token, every node it reports [not-written] is not - and a second
# restore completes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
t_begin "interop: a restore cut by pulling the token reports exactly what was written; a second one completes"
need_vpcd
opensc_conf
interop_need gpg gpgconf gpg-connect-agent yubico-piv-tool openssl
printf 'interop password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n80:123456\n' > "$T_TMP/pins"
V="$T_TMP/a.vsc"
tok_start A $PORT_A
interop_populate "$RA"
vsctool backup --no-scan --reader "$RA" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" $KDF "$V" > "$T_TMP/backup.out" 2>&1
t_check "backup of A" '[ $? = 0 ]' || cat "$T_TMP/backup.out"
tok_stop A

# ---- the cut ----
# vscemu answers in microseconds: slow it down like a token so that the
# kill lands in the middle (a real token takes tens of milliseconds; the
# lab's ignores this).
VSC_INTEROP_LATENCY=${VSC_INTEROP_LATENCY:-30}
export VSC_INTEROP_LATENCY
tok_start B $PORT_B
unset VSC_INTEROP_LATENCY
vsctool --debug-apdu restore --reader "$RB" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r1.out" 2> "$T_TMP/r1.err" &
VPID=$!
# Pull the token after its fourth data write has been answered.
i=0
while [ $i -lt 600 ] && kill -0 $VPID 2>/dev/null \
      && [ "$(grep -c '> 00 D[AB] \|> 10 D[AB] ' "$T_TMP/r1.err")" -lt 4 ]; do
  sleep 0.05; i=$((i + 1))
done
tok_stop B KILL
wait $VPID
RC=$?
t_check "the cut restore fails with the card error (exit 5)" '[ $RC = 5 ]' \
  || cat "$T_TMP/r1.out" "$T_TMP/r1.err"
t_check "it says where it stopped" \
  'grep -q "^Stopped at " "$T_TMP/r1.out" && grep -q "removed" "$T_TMP/r1.err"'
# plan lines: "  ACTION PATH [STATE] reason" (ACTION may be two words)
awk '/^  / && / \[written\]/ { for (i = 1; i <= NF; i++) if ($i == "[written]") print $(i - 1) }' "$T_TMP/r1.out" > "$T_TMP/written"
awk '/^  / && / \[not-written\]/ { for (i = 1; i <= NF; i++) if ($i == "[not-written]") print $(i - 1) }' "$T_TMP/r1.out" > "$T_TMP/notwritten"
echo "# written before the cut: $(tr '\n' ' ' < "$T_TMP/written")"
t_check "some nodes were written before the cut, some not" \
  '[ -s "$T_TMP/written" ] && [ -s "$T_TMP/notwritten" ]'

# ---- what is on the token ----
tok_start B $PORT_B
vsctool diff --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" \
  "$V" card:"$RB" > "$T_TMP/diff1.out" 2>&1
ok=true
while read -r p; do
  if grep -qE "^(changed|removed) +$p( |\$)" "$T_TMP/diff1.out"; then
    echo "# reported written, but not on the token: $p"; ok=false
  fi
done < "$T_TMP/written"
t_check "every node reported [written] is on the token" '$ok'
ok=true
while read -r p; do
  if ! grep -qE "^(changed|removed) +$p( |\$)" "$T_TMP/diff1.out"; then
    echo "# reported not written, but on the token: $p"; ok=false
  fi
done < "$T_TMP/notwritten"
t_check "no node reported [not-written] is on the token" '$ok' \
  || cat "$T_TMP/diff1.out"

# ---- again, to the end ----
vsctool restore --force --reader "$RB" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r2.out" 2>&1
RC=$?
t_check "the second restore completes" '[ $RC = 0 ]' || cat "$T_TMP/r2.out"
t_check "everything it wrote read back equal" \
  'grep -qE "^Written ([0-9]+) nodes, \1 read back equal, 0 failed" "$T_TMP/r2.out"'
vsctool diff --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" \
  "$V" card:"$RB" > "$T_TMP/diff2.out" 2>&1
ok=true
for p in $(cat "$T_TMP/written" "$T_TMP/notwritten"); do
  if grep -qE "^(changed|removed) +$p( |\$)" "$T_TMP/diff2.out"; then
    echo "# still differs: $p"; ok=false
  fi
done
t_check "now every node of the VSC is on the token" '$ok' \
  || cat "$T_TMP/diff2.out"
tok_stop B
