#!/bin/sh
# tests/emu/vpcd-protocol.sh - vscemu's side of the vpcd protocol against
# a fake vpcd (tests/emu/fake-vpcd.py; no pcscd needed): framing, ATR,
# power off dropping the PIN state, waiting for a vpcd that is not there
# yet, reconnecting after vpcd hangs up, --remove-after, SIGTERM.
. "$top_srcdir/tests/lib.sh"
t_begin "vscemu and the vpcd protocol (fake vpcd)"
command -v python3 >/dev/null 2>&1 || t_skip "python3 is needed for the fake vpcd"
PORT=$(( 40000 + $$ % 20000 ))
CARD="$top_srcdir/tests/cards/pkcs15.card"

cat > "$T_TMP/script" <<'EOS'
atr
on
00A4000C023F00
0020000106313233343536
00200001
off
on
00200001
reset
00A4000400
close
atr
00A40004023F0000
EOS
# vscemu first: it must wait for the fake vpcd to come up.
vscemu --vpcd "127.0.0.1:$PORT" --remove-after 6 --log "$T_TMP/emu.log" "$CARD" &
EMU=$!
t_on_exit "kill $EMU 2>/dev/null"
sleep 0.5
t_check "vscemu waits while nobody listens" 'kill -0 $EMU'
python3 "$top_srcdir/tests/emu/fake-vpcd.py" "$PORT" "$T_TMP/script" > "$T_TMP/out.txt" 2>&1
wait $EMU; rc=$?
t_check "ATR answered" '[ "$(sed -n 1p "$T_TMP/out.txt")" = "atr 3B8C8001807300008056767363656D7533" ]'
t_check "SELECT answered 9000" '[ "$(sed -n 2p "$T_TMP/out.txt")" = "rapdu 9000" ]'
t_check "VERIFY 9000" '[ "$(sed -n 3p "$T_TMP/out.txt")" = "rapdu 9000" ]'
t_check "PIN verified before power off" '[ "$(sed -n 4p "$T_TMP/out.txt")" = "rapdu 9000" ]'
t_check "power off dropped the PIN state" '[ "$(sed -n 5p "$T_TMP/out.txt")" = "rapdu 63C3" ]'
t_check "SELECT MF with Le only (case 2) after reset: FCP" 'sed -n 6p "$T_TMP/out.txt" | grep -q "^rapdu 62.*83023F00.*9000$"'
t_check "reconnected after vpcd hung up" '[ "$(sed -n 7p "$T_TMP/out.txt")" = "accepted" ] && [ "$(sed -n 8p "$T_TMP/out.txt")" = "atr 3B8C8001807300008056767363656D7533" ]'
t_check "FCP over the new connection" 'sed -n 9p "$T_TMP/out.txt" | grep -q "^rapdu 62.*9000$"'
t_check "card hung up after 6 APDUs" '[ "$(sed -n 10p "$T_TMP/out.txt")" = "closed" ]'
t_check "vscemu exit status 0 after --remove-after" '[ "$rc" = 0 ]'
t_check "log says it waited and reconnected" 'grep -q "waiting for vpcd" "$T_TMP/emu.log" && grep -q "closed the connection" "$T_TMP/emu.log"'

# SIGTERM while waiting for vpcd, and while connected.
vscemu --vpcd "127.0.0.1:$PORT" --log "$T_TMP/wait.log" "$CARD" 2>/dev/null &
EMU=$!
# Until it says it waits (a sanitizer build starts slowly: a signal
# before its handler is in place would kill it).
i=0; while [ $i -lt 100 ] && ! grep -q "waiting for vpcd" "$T_TMP/wait.log" 2>/dev/null; do sleep 0.1; i=$((i+1)); done
kill -TERM $EMU; wait $EMU; rc=$?
t_check "SIGTERM while waiting: exit 0" '[ "$rc" = 0 ]'
printf 'atr\n00A4000C023F00\n' > "$T_TMP/script2"
python3 "$top_srcdir/tests/emu/fake-vpcd.py" "$PORT" "$T_TMP/script2" > "$T_TMP/out2.txt" 2>&1 &
FAKE=$!
vscemu --vpcd "127.0.0.1:$PORT" "$CARD" 2>/dev/null &
EMU=$!
i=0; while [ $i -lt 50 ] && ! grep -q rapdu "$T_TMP/out2.txt"; do sleep 0.1; i=$((i+1)); done
kill -TERM $EMU; wait $EMU; rc=$?
wait $FAKE
t_check "SIGTERM while connected: exit 0" '[ "$rc" = 0 ]'
t_check "the fake vpcd saw the card hang up" 'grep -q "^closed" "$T_TMP/out2.txt"'
