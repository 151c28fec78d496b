#!/bin/sh
# tests/emu/remove.sh - vscemu --remove-after N pulls the card after N
# APDUs: pcscd reports it absent and vscemu exits 0.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu --remove-after"
need_vpcd
command -v opensc-tool >/dev/null 2>&1 || t_skip "opensc-tool is not installed"
R="$VPCD_READER"

emu_start --remove-after 6 "$top_srcdir/tests/cards/blank.card"
t_check "card present first" 'opensc-tool -l | grep -q "Yes.*$R"'
# Each opensc-tool run sends a few APDUs; after six in total the card goes.
i=0
while [ $i -lt 10 ] && kill -0 "$EMU_PID" 2>/dev/null; do
  opensc-tool -r "$R" -s 00A4000C023F00 -s 00A4000C023F00 >/dev/null 2>&1
  i=$((i + 1))
done
t_check "vscemu left by itself" '! kill -0 "$EMU_PID" 2>/dev/null'
wait "$EMU_PID"; rc=$?
EMU_PID=""
t_check "vscemu exit status 0" '[ "$rc" = 0 ]'
t_check "log says removed after 6 APDUs" 'grep -q "removed after 6 APDUs" "$T_TMP/vscemu.log"'
t_check "pcscd sees no card" 'emu_wait_card absent'
t_fail "opensc-tool fails without a card" opensc-tool -r "$R" -s 00A4000C023F00
