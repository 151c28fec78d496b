#!/bin/sh
# tests/emu/cards.sh - the profile options that model real cards, on
# pcscd/vpcd and seen by independent clients (opensc-tool, pkcs15-tool):
# an application reached only by its AID (select=aid), FCI answers
# (select-template fci), a slow card (--latency), and the option checks of
# vscemu --latency.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu real-card behaviours"

t_check "vscemu --latency -1 exits 2" \
  '"$top_builddir/vscemu" --latency -1 x 2>/dev/null; test $? -eq 2'
t_check "vscemu --latency 60001 exits 2" \
  '"$top_builddir/vscemu" --latency 60001 x 2>/dev/null; test $? -eq 2'
t_check "vscemu --latency ms exits 2" \
  '"$top_builddir/vscemu" --latency 5ms x 2>/dev/null; test $? -eq 2'

need_vpcd
opensc_conf
t_need_tools opensc-tool pkcs15-tool
R="$VPCD_READER"
mkdir "$T_TMP/pkcs15"
cp "$top_srcdir/tests/cards/pkcs15/"*.der "$T_TMP/pkcs15/"
for c in pkcs15 pkcs15-aid pkcs15-nomf pkcs15-fci; do
  cp "$top_srcdir/tests/cards/$c.card" "$T_TMP/"
done
AID=A000000063504B43532D3135

# The application DF only by its AID: paths and FIDs do not reach it,
# the AID does, and relative paths work inside it.
emu_start "$T_TMP/pkcs15-aid.card"
opensc-tool -r "$R" -s 00A4080C025015 -s 00A4040C0C$AID -s 00A4090C025031 \
  -s 00B0000002 > "$T_TMP/aid.out" 2>&1
t_check "select=aid: SELECT by path 6A82" \
  'grep -A1 "Sending: 00 A4 08 0C 02 50 15" "$T_TMP/aid.out" | grep -q "SW1=0x6A, SW2=0x82"'
t_check "select=aid: SELECT by AID 9000" \
  'grep -A1 "Sending: 00 A4 04 0C 0C A0" "$T_TMP/aid.out" | grep -q "SW1=0x90, SW2=0x00"'
t_check "select=aid: relative path inside 9000" \
  'grep -A1 "Sending: 00 A4 09 0C 02 50 31" "$T_TMP/aid.out" | grep -q "SW1=0x90, SW2=0x00"'
# Each opensc-tool run is a new connection; the reset between them (vpcd
# power cycle on connect) loses the selection.
opensc-tool -r "$R" -s 00A4090C025031 > "$T_TMP/aid2.out" 2>&1
t_check "select=aid: a new session starts outside the DF" \
  'grep -A1 "Sending: 00 A4 09 0C 02 50 31" "$T_TMP/aid2.out" | grep -q "SW1=0x6A, SW2=0x82"'
pkcs15-tool -r "$R" -D > "$T_TMP/aid-d.out" 2>&1
t_check "select=aid: pkcs15-tool finds the application through EF.DIR's AID" \
  'grep -q "X.509 Certificate \[Test certificate\]" "$T_TMP/aid-d.out"'
emu_stop

# No selectable MF.
emu_start "$T_TMP/pkcs15-nomf.card"
opensc-tool -r "$R" -s 00A4000C023F00 -s 00A4040C0C$AID -s 00A4090C025032 \
  > "$T_TMP/nomf.out" 2>&1
t_check "MF select=aid: SELECT 3F00 6A82" \
  'grep -A1 "Sending: 00 A4 00 0C 02 3F 00" "$T_TMP/nomf.out" | grep -q "SW1=0x6A, SW2=0x82"'
t_check "MF select=aid: the AID leads to TokenInfo" \
  'grep -A1 "Sending: 00 A4 09 0C 02 50 32" "$T_TMP/nomf.out" | grep -q "SW1=0x90, SW2=0x00"'
emu_stop

# FCI instead of FCP: the same items in a 6F template.
emu_start "$T_TMP/pkcs15.card"
opensc-tool -r "$R" -s 00A40804045015430100 > "$T_TMP/fcp.out" 2>&1
emu_stop
emu_start "$T_TMP/pkcs15-fci.card"
opensc-tool -r "$R" -s 00A40804045015430100 > "$T_TMP/fci.out" 2>&1
pkcs15-tool -r "$R" -D > "$T_TMP/fci-d.out" 2>&1
emu_stop
t_check "select-template fcp: 62 template" 'grep -q "^62 18 80 02 03 3D" "$T_TMP/fcp.out"'
t_check "select-template fci: 6F template, same items" \
  'grep -q "^6F 18 80 02 03 3D" "$T_TMP/fci.out" && [ "$(grep -A1 "^6F" "$T_TMP/fci.out" | cut -c3-47)" = "$(grep -A1 "^62" "$T_TMP/fcp.out" | cut -c3-47)" ]'
t_check "select-template fci: pkcs15-tool reads the card" \
  'grep -q "X.509 Certificate \[Test certificate\]" "$T_TMP/fci-d.out"'

# A slow card: 4 APDUs take at least 4 x 30 ms (a lower bound only).
emu_start --latency 30 "$T_TMP/pkcs15.card"
t0=$(date +%s%N)
opensc-tool -r "$R" -s 00A4000C023F00 -s 00A4000C023F00 -s 00A4000C023F00 \
  -s 00A4000C023F00 > "$T_TMP/lat.out" 2>&1
t1=$(date +%s%N)
emu_stop
t_check "--latency 30: four SELECTs answered" '[ "$(grep -c "SW1=0x90" "$T_TMP/lat.out")" -eq 4 ]'
t_check "--latency 30: four APDUs take at least 120 ms" '[ $(( (t1 - t0) / 1000000 )) -ge 120 ]'
