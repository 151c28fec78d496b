#!/bin/sh
# tests/tui/scan-pin.sh - issue 18: F5 during the background FID scan on
# a card whose files need the PIN (tests/cards/pkcs15.card: 3F00/5015/
# 4F01 is read=pin:1 and no list names it, so only the scan finds it;
# 4B01 is read=never). vscemu answers every APDU after 15 ms
# (--latency 15), so the scan still runs when F5 is pressed.
#   - the listed files are discovered once (the ODF and EF.DIR are
#     SELECTed once by the card screen, counted in vscemu's log);
#   - the scanned nodes show their access as they are added (4F01 "pin
#     01", 4B01 "never"), not "unknown" until the scan ends;
#   - F5 while "scanning..." is on the screen: the backup asks the PIN
#     for 4F01 (the same dialog as a backup after the scan), the PIN is
#     sent once, and 4F01 is in the VSC with its content (vsctool cat),
#     not in the "Not backed up" list;
#   - a second backup during the scan with a wrong PIN: the card refuses
#     it once, it is never sent again, 4F01 is reported (not a crash, no
#     second VERIFY).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
. "$top_srcdir/tests/tui/scan-lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscman: F5 during the scan asks the PIN (vscemu --latency 15)"
need_vpcd
emu_wait_card absent
LOG="$T_TMP/vscemu.log"
VSCTOOL="$top_builddir/vsctool"
# VERIFY of reference 01 with data (a PIN sent; vscemu's log redacts
# it), and all VERIFYs of it (with the retry counter queries).
pins_sent () { grep -c 'apdu: > 00 20 00 01 <redacted' "$LOG" 2>/dev/null || true; }
verifies () { grep -cE 'apdu: > 00 20 00 01' "$LOG" 2>/dev/null || true; }

emu_start -v -v --latency 15 "$CARDS/pkcs15.card"
tui_start 120 40 ESCDELAY=5 -- --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
tui_expect "card listed" "pkcs15" 20
# The start screen has identified the card ("pkcs15" shown): what
# follows in the log is the card screen's.
sleep 0.5
a0=$(wc -l < "$LOG")
tui_keys g Enter
tui_expect "the scan runs" "scanning..." 60

# Wait until the scan has found 4F01 (in its phase 3); F5 at once.
S=""
i=0
while [ $i -lt 1200 ]; do
  S=$(tui_screen)
  printf '%s\n' "$S" | grep -q ' 4F01 ' && break
  sleep 0.05
  i=$((i + 1))
done
t_check "the scan found 4F01 while it runs" \
  'printf "%s\n" "$S" | grep -q " 4F01 " && printf "%s\n" "$S" | grep -q "scanning\.\.\."'
tui_keys F5
# Issue 18: the listed files are discovered once (scapi_card_identify
# and then discover read them twice): the ODF (5031) and EF.DIR (2F00)
# are SELECTed once by the card screen, the scan skips known files.
odf=$(tail -n +"$((a0 + 1))" "$LOG" | grep -c 'apdu: > 00 A4 08 04 04 50 15 50 31' || true)
dir=$(tail -n +"$((a0 + 1))" "$LOG" | grep -c 'apdu: > 00 A4 08 04 02 2F 00' || true)
t_check "the card screen SELECTed the ODF once (got $odf)" '[ "$odf" -eq 1 ]'
t_check "the card screen SELECTed EF.DIR once (got $dir)" '[ "$dir" -eq 1 ]'
t_check "4F01 shows its access (pin 01) while the scan runs" \
  'printf "%s\n" "$S" | grep -E " 4F01 " | grep -q "pin 01"'
t_check "4B01 shows its access (never) while the scan runs" \
  'printf "%s\n" "$S" | grep -E " 4B01 " | grep -q "never"'
printf '%s\n' "$S" | grep -E ' (4F01|4B01) ' | sed 's/^/# at F5: /'

v0=$(verifies)
p0=$(pins_sent)
tui_expect "backup form" "New VSC file:" 10
tui_keys Enter
tui_expect "the backup asks the PIN" "tries left" 30
tui_expect "the PIN is asked for 4F01" "Needed for 3F00/5015/4F01"
tui_keys 1 2 3 4 5 6 Enter
tui_expect "backup summary" "Backup complete" 60
SUM=$(tui_screen)
t_check "4F01 is not in the Not backed up list" \
  '! printf "%s\n" "$SUM" | grep -q "3F00/5015/4F01"'
t_check "the summary says what was not scanned" \
  'printf "%s\n" "$SUM" | grep -q "Not scanned: the FID scan stopped at"'
# One VERIFY for the retry counter, one with the PIN.
t_check "the PIN was sent once ($(( $(pins_sent) - p0 )) times, $(( $(verifies) - v0 )) VERIFYs)" \
  '[ $(( $(pins_sent) - p0 )) -eq 1 ] && [ $(( $(verifies) - v0 )) -le 2 ]'
scan_written "$T_TMP/pw"
"$VSCTOOL" ls -a -l --password-file "$T_TMP/pw" "$VSC" > "$T_TMP/ls" 2>&1
t_check "4F01 is in the VSC, private" 'grep -qE "private .* 3F00/5015/4F01( |\$)" "$T_TMP/ls"'
t_check "4F01 carries no stale \"not given\" note" '! grep "3F00/5015/4F01" "$T_TMP/ls" | grep -q "not given"'
"$VSCTOOL" cat --password-file "$T_TMP/pw" "$VSC" 3F00/5015/4F01 > "$T_TMP/4f01" 2>"$T_TMP/cat.err"
t_check "4F01's content is what the card holds" \
  'grep -q "secret note: readable after VERIFY CHV1" "$T_TMP/4f01"'

# Back on the tree the scan goes on; F5 again during it, wrong PIN.
tui_keys Escape
tui_expect "back on the tree, scanning on" "scanning..." 10
p1=$(pins_sent)
tui_keys F5
tui_expect "second backup form" "New VSC file:" 10
tui_keys Enter
tui_expect "the second backup asks the PIN" "tries left" 30
tui_keys 9 9 9 9 9 9 Enter
tui_expect "second backup summary" "Backup complete" 60
t_check "a refused PIN is reported for 4F01" \
  'tui_screen | grep -q "3F00/5015/4F01 .*PIN 01 not verified"'
t_check "the wrong PIN was sent once ($(( $(pins_sent) - p1 )) times)" \
  '[ $(( $(pins_sent) - p1 )) -eq 1 ]'
scan_written "$T_TMP/pw2"

tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0" 20
emu_stop
t_finish
