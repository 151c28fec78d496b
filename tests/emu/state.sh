#!/bin/sh
# tests/emu/state.sh - vscemu --state keeps what clients wrote across a
# vscemu restart; without --state the card starts from its profile.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu --state persistence through pcscd"
need_vpcd
opensc_conf
command -v opensc-tool >/dev/null 2>&1 || t_skip "opensc-tool is not installed"
R="$VPCD_READER"
ST="$T_TMP/card.state"

emu_start --state "$ST" "$top_srcdir/tests/cards/blank.card"
t_check "state file written at start" '[ -s "$ST" ]'
t_check "state file is private (0600)" '[ "$(stat -c %a "$ST")" = 600 ]'
opensc-tool -r "$R" -s 00A4000C023F00 \
  -s 00E000000D620B80020010820101830210AA \
  -s 00D600000B70657273697374656E7421 \
  -s 002400010C313233343536383838383838 > "$T_TMP/w.out" 2>&1
t_check "CREATE FILE 9000" 'grep -A1 "Sending: 00 E0" "$T_TMP/w.out" | grep -q "SW1=0x90, SW2=0x00"'
t_check "UPDATE BINARY 9000" 'grep -A1 "Sending: 00 D6" "$T_TMP/w.out" | grep -q "SW1=0x90, SW2=0x00"'
t_check "CHANGE REFERENCE DATA 9000" 'grep -A1 "Sending: 00 24" "$T_TMP/w.out" | grep -q "SW1=0x90, SW2=0x00"'
emu_stop
t_check "vscemu stopped cleanly" '[ "$EMU_RC" = 0 ]'
t_check "no temporary state files left" '[ -z "$(ls "$T_TMP" | grep "card.state.tmp")" ]'

emu_start --state "$ST" "$top_srcdir/tests/cards/blank.card"
opensc-tool -r "$R" -s 00A4000C0210AA -s 00B000000B -s 00200001 \
  -s 0020000106383838383838 > "$T_TMP/r.out" 2>&1
t_check "file and content survive the restart" 'grep -q "70 65 72 73 69 73 74 65 6E 74 21" "$T_TMP/r.out"'
t_check "changed PIN survives the restart" 'grep -A1 "Sending: 00 20 00 01 06" "$T_TMP/r.out" | grep -q "SW1=0x90, SW2=0x00"'
t_check "verification itself did not survive (63C3 before VERIFY)" 'grep -A1 "Sending: 00 20 00 01 \$" "$T_TMP/r.out" | grep -q "SW1=0x63, SW2=0xC3"'
emu_stop

# Without --state the profile is untouched.
emu_start "$top_srcdir/tests/cards/blank.card"
opensc-tool -r "$R" -s 00A4000C0210AA > "$T_TMP/n.out" 2>&1
t_check "without --state the file does not exist" 'grep -A1 "Sending: 00 A4" "$T_TMP/n.out" | grep -q "SW1=0x6A, SW2=0x82"'
emu_stop

# A broken state file is refused with a message and non-zero exit.
echo "garbage line" >> "$ST"
t_fail "broken state file refused" vscemu --vpcd "$VPCD_PORT" --state "$ST" "$top_srcdir/tests/cards/blank.card"
t_check "message names the state file" 'grep -q "card.state" "$T_TMP/out"'
t_fail "missing profile refused" vscemu --vpcd "$VPCD_PORT" "$T_TMP/nope.card"
t_fail "bad --vpcd refused" vscemu --vpcd "host:notaport" "$top_srcdir/tests/cards/blank.card"
t_fail "bad --remove-after refused" vscemu --remove-after -3 "$top_srcdir/tests/cards/blank.card"
