#!/bin/sh
# tests/tui/scan-tree.sh - issue 18 on a PKCS#15 card at card speed
# (vscemu --latency 40, tests/cards/pkcs15.card): the tree first, the
# PKCS#15 directory files after it, in the background.
#   - the card screen shows the listed tree (EF.DIR, the application DF,
#     TokenInfo and ODF) and then "reading the PKCS#15 directory
#     files..." while the AODF/PrKDF/CDF/PuKDF and the objects they list
#     are added;
#   - the tree does not wait for them: with the card pulled 20 APDUs
#     after the card screen began (vscemu --remove-after: 20 APDUs are
#     0.8 s at 40 ms), the tree with the listed files is on the screen
#     and only the background reading failed; the APDUs the start screen
#     sends are counted in a first run and added;
#   - Esc during that reading stops it ("not read yet", s reads on);
#     F5 then backs up everything a full discovery lists (compared with
#     vsctool backup --no-scan of the same card), and back on the tree
#     the reading goes on and adds the directory files.
# No wall-clock limit: seconds are printed for information only.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
. "$top_srcdir/tests/tui/scan-lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscman: the tree before the PKCS#15 directory files (vscemu --latency 40)"
need_vpcd
emu_wait_card absent
LOG="$T_TMP/vscemu.log"
VSCTOOL="$top_builddir/vsctool"
TREE_APDUS=20
apdus () { grep -c 'apdu: > ' "$LOG" 2>/dev/null || echo 0; }
now_ms () { date +%s%3N; }
row () { tui_screen | grep -qE "^\[.\] +[^0-9A-Za-z]* *$1 "; }

# ---- 1. the tree first, then the directory files ------------------------
emu_start -v -v --latency 40 "$CARDS/pkcs15.card"
tui_start 120 40 ESCDELAY=5 -- --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
tui_expect "card listed" "pkcs15" 20
sleep 0.5
START=$(apdus)
echo "# the start screen sent $START APDUs"
t0=$(now_ms)
tui_keys g Enter
if tui_wait "reading the PKCS#15 directory files..." 30; then
  t1=$(now_ms)
  n=$(( $(apdus) - START ))
  echo "# tree after $((t1 - t0)) ms, about $n APDUs (for information)"
  # At once: Esc stops the reading before its next APDU.
  tui_keys Escape
  t_pass "the tree is shown while the directory files are read"
else
  t_failed "the tree is shown while the directory files are read"
  tui_screen | sed 's/^/    | /'
fi
tui_expect "the reading stopped" "not read yet" 10
t_check "the listed files are in the tree (2F00, 5015, 5031, 5032)" \
  'row 2F00 && row 5015 && row 5031 && row 5032'
t_check "the line says what was not read" \
  'tui_screen | grep -q "Stopped: the PKCS#15 directory files not read yet"'
t_check "s is offered to read on" 'tui_last_line | grep -q "s Scan on"'
a=$(apdus); sleep 0.5
t_check "no APDU after the reading stopped" '[ "$(apdus)" -eq "$a" ]'

# F5 now: the backup reads what the tree does not have yet.
tui_keys F5
tui_expect "backup form" "New VSC file:" 10
tui_keys Enter
tui_expect "backup summary" "Backup complete" 60
scan_written "$T_TMP/pw"
"$VSCTOOL" ls -a --password-file "$T_TMP/pw" "$VSC" > "$T_TMP/ui.ls" 2>&1

# Back on the tree (stopped by Esc, so it stays stopped): s reads on,
# then the scan.
tui_keys Escape
tui_expect "back on the tree" "not read yet" 10
tui_keys s
tui_expect "the directory files are read, then the scan runs" "scanning..." 30
t_check "the directory files and their objects are in the tree now" \
  'row 4401 && row 4402 && row 4403 && row 4404 && row 4301 && row 4501 && row key-45'
tui_keys Escape
tui_expect "the scan stopped" "Scan stopped:" 10
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0" 20

# The reference: what a full discovery of the same card lists.
echo 123456 > "$T_TMP/pin"
echo "reference password" > "$T_TMP/refpw"
"$VSCTOOL" backup --reader "$VPCD_READER" --no-scan --pin-file "$T_TMP/pin" \
  --password-file "$T_TMP/refpw" --kdf-memory 19456 --kdf-iterations 1 \
  --kdf-parallelism 1 "$T_TMP/ref.vsc" > "$T_TMP/ref.out" 2>&1
"$VSCTOOL" ls -a --password-file "$T_TMP/refpw" "$T_TMP/ref.vsc" > "$T_TMP/ref.ls" 2>&1
t_check "the reference lists the directory files" \
  'grep -q "3F00/5015/4401" "$T_TMP/ref.ls" && grep -q "key-45" "$T_TMP/ref.ls"' \
  || sed 's/^/    /' "$T_TMP/ref.out" "$T_TMP/ref.ls"
missing=$(grep -vxF -f "$T_TMP/ui.ls" "$T_TMP/ref.ls" | tr '\n' ' ')
t_check "the backup during the reading has every listed node (missing: ${missing:-none})" \
  '[ -z "$missing" ]'
emu_stop

# ---- 2. the tree within 20 APDUs ------------------------------------------
: > "$LOG"
emu_start -v -v --latency 40 --remove-after $((START + TREE_APDUS)) "$CARDS/pkcs15.card"
tui_start 120 40 ESCDELAY=5 -- --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
tui_expect "card listed again" "pkcs15" 20
sleep 0.5
t_check "the start screen sent as many APDUs as before ($(apdus), $START)" \
  '[ "$(apdus)" -eq "$START" ]'
tui_keys g Enter
tui_expect "the card is pulled during the background reading" "Scan failed" 30
t_check "the tree has the listed files though the card went after $TREE_APDUS APDUs" \
  'row 2F00 && row 5015 && row 5031 && row 5032'
t_check "label and serial (TokenInfo) are shown" \
  'tui_screen | grep -q "Label: vscemu test card  Serial: 0123456789ABCDEF"'
tui_expect_not "no failed discovery" "Reading the card:"
tui_keys F10
tui_expect "quit after the pulled card" "VSCMAN-EXIT=0" 20
emu_stop
t_finish
