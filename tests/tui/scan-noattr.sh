#!/bin/sh
# tests/tui/scan-noattr.sh - files whose access the card does not name
# (tests/cards/noattr.card: fcp-access no, so no FCP has security
# attributes) and whose READ BINARY answers 6982 need a PIN:
#   - vsctool backup asks for it (naming the file) and uses it: both
#     protected EFs (3F00/DF01/0002, 0003) are in the VSC's private area
#     with their content, the public one (0001) stays public, the PIN is
#     sent once;
#   - a wrong PIN is sent once and never again: both files are reported,
#     the backup says so (exit 7);
#   - in the manager the scan shows them as "pin 01", and F5 asks the PIN
#     naming the file ("Needed for 3F00/DF01/0002") like a file whose FCP
#     names the PIN; the VSC has both with their content.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
. "$top_srcdir/tests/tui/scan-lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "a 6982 on a file of unknown access asks the PIN (vsctool, vscman)"
need_vpcd
emu_wait_card absent
LOG="$T_TMP/vscemu.log"
VSCTOOL="$top_builddir/vsctool"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
# VERIFY of reference 01 with a PIN in it (vscemu's log redacts it).
pins_sent () { grep -c 'apdu: > 00 20 00 01 <redacted' "$LOG" 2>/dev/null || true; }
echo "test password" > "$T_TMP/pw"

emu_start -v -v "$CARDS/noattr.card"
# The FCP of 0002: size, descriptor, FID, LCS, and no 8C.
opensc-tool -r "$VPCD_READER" -s "00 A4 08 04 04 DF 01 00 02 00" > "$T_TMP/fcp" 2>&1
t_check "the FCP of 0002 names no access condition" \
  'grep -q "83 02 00 02" "$T_TMP/fcp" && ! grep -q "8C" "$T_TMP/fcp"' || cat "$T_TMP/fcp"

# ---- vsctool backup with the right PIN ------------------------------------
echo 1234 > "$T_TMP/pin"
p0=$(pins_sent)
"$VSCTOOL" backup --reader "$VPCD_READER" --pin-file "$T_TMP/pin" \
  --password-file "$T_TMP/pw" $KDF "$T_TMP/a.vsc" > "$T_TMP/a.out" 2>&1
rc=$?
t_check "vsctool backup succeeds (exit $rc)" '[ "$rc" -eq 0 ]' || sed 's/^/    /' "$T_TMP/a.out"
t_check "it said which file needs the PIN" \
  'grep -q "PIN reference 01 is needed for 3F00/DF01/000[23]" "$T_TMP/a.out"'
t_check "the PIN was sent once ($(( $(pins_sent) - p0 )))" '[ $(( $(pins_sent) - p0 )) -eq 1 ]'
"$VSCTOOL" ls -a -l --password-file "$T_TMP/pw" "$T_TMP/a.vsc" > "$T_TMP/a.ls" 2>&1
t_check "0002 and 0003 are in the private area" \
  'grep -qE "private .* 3F00/DF01/0002$" "$T_TMP/a.ls" && grep -qE "private .* 3F00/DF01/0003$" "$T_TMP/a.ls"'
t_check "0001 stays public" 'grep -qE "public .* 3F00/DF01/0001$" "$T_TMP/a.ls"'
"$VSCTOOL" cat --password-file "$T_TMP/pw" "$T_TMP/a.vsc" 3F00/DF01/0002 > "$T_TMP/0002" 2>&1
"$VSCTOOL" cat --password-file "$T_TMP/pw" "$T_TMP/a.vsc" 3F00/DF01/0003 > "$T_TMP/0003" 2>&1
t_check "their content is what the card holds" \
  'grep -q "PIN-protected note" "$T_TMP/0002" && grep -q "second secret" "$T_TMP/0003"'

# ---- a wrong PIN: sent once, never again ------------------------------------
echo 9999 > "$T_TMP/pin"
p0=$(pins_sent)
"$VSCTOOL" backup --reader "$VPCD_READER" --pin-file "$T_TMP/pin" \
  --password-file "$T_TMP/pw" $KDF "$T_TMP/b.vsc" > "$T_TMP/b.out" 2>&1
rc=$?
t_check "the backup reports what it could not read (exit $rc)" '[ "$rc" -eq 7 ]'
t_check "the wrong PIN was sent once ($(( $(pins_sent) - p0 )))" '[ $(( $(pins_sent) - p0 )) -eq 1 ]'
t_check "both protected files are reported" \
  'grep -q "3F00/DF01/0002 .*PIN 01 not verified" "$T_TMP/b.out" && grep -q "3F00/DF01/0003 .*PIN 01 not verified" "$T_TMP/b.out"'

# ---- the manager: the scan shows them, F5 asks the PIN naming the file --
tui_start 120 40 ESCDELAY=5 -- --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
tui_expect "card listed" "iso7816" 20
tui_keys g Enter
tui_expect "the scan ends" "Scan complete" 60
t_check "the scan shows 0002 as needing PIN 01" \
  'tui_screen | grep -E " 0002 " | grep -q "pin 01"'
p0=$(pins_sent)
tui_keys F5
tui_expect "backup form" "New VSC file:" 10
tui_keys Enter
tui_expect "the backup asks the PIN" "tries left" 30
tui_expect "the PIN is asked for the file" "Needed for 3F00/DF01/000"
tui_keys 1 2 3 4 Enter
tui_expect "backup summary" "Backup complete" 60
t_check "the PIN was sent once ($(( $(pins_sent) - p0 )))" '[ $(( $(pins_sent) - p0 )) -eq 1 ]'
scan_written "$T_TMP/uipw"
"$VSCTOOL" cat --password-file "$T_TMP/uipw" "$VSC" 3F00/DF01/0002 > "$T_TMP/ui2" 2>&1
"$VSCTOOL" cat --password-file "$T_TMP/uipw" "$VSC" 3F00/DF01/0003 > "$T_TMP/ui3" 2>&1
t_check "the manager's VSC has both with their content" \
  'grep -q "PIN-protected note" "$T_TMP/ui2" && grep -q "second secret" "$T_TMP/ui3"'
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0" 20
emu_stop
t_finish
