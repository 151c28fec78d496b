#!/bin/sh
# tests/tui/scan.sh - issue 18 in the manager, on a slow card: vscemu
# answering every APDU after 40 ms (--latency 40) on pcscd's vpcd
# reader, with files that no list names (tests/cards/hidden.card).
#   - the tree first: the listed files are on the screen while the
#     background FID scan still runs ("scanning..." on the same screen);
#   - the scan line moves at least once a second (sampled 1 s apart);
#   - Esc stops the scan: once vscman shows that it stops, vscemu sees
#     at most one more APDU, and none after the "Scan stopped" line;
#   - s scans on; F5 during the scan backs up what is known: the VSC has
#     the listed files and every node the scan had found, the summary
#     says what was not scanned; back on the tree the scan goes on;
#   - leaving the card screen and opening it again resumes the scan
#     where it stopped, with the nodes found shown at once.
# Seconds are printed for information, never judged.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
. "$top_srcdir/tests/tui/scan-lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscman: the tree first, the scan after (vscemu --latency 40)"
need_vpcd
emu_wait_card absent
LOG="$T_TMP/vscemu.log"
VSCTOOL="$top_builddir/vsctool"
apdus () { grep -c 'apdu: > ' "$LOG" 2>/dev/null || echo 0; }
now_ms () { date +%s%3N; }
# The scan line ("3F00  2% of the scan budget (50 of 2048 SELECTs) ...").
scan_line () { tui_screen | grep -F 'of the scan budget' | head -n 1; }

emu_start -v -v --latency 40 "$CARDS/hidden.card"
# ESCDELAY: Esc reaches vscman as a key after 5 ms, not ncurses' 50.
tui_start 120 40 ESCDELAY=5 -- --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
tui_expect "card listed" "iso7816" 20
tui_keys g
t0=$(now_ms)
tui_keys Enter

# 1. The tree first.
if tui_wait "scanning..." 60; then
  t1=$(now_ms)
  S=$(tui_screen)
  echo "# tree with the listed files after $((t1 - t0)) ms (for information)"
  t_check "listed EF.DIR shown while the scan runs" \
    'printf "%s\n" "$S" | grep -q "2F00 .*known-fid" && printf "%s\n" "$S" | grep -q "scanning\.\.\."'
  t_check "listed application DF shown while the scan runs" \
    'printf "%s\n" "$S" | grep -q "DF01 .*ef-dir"'
  t_check "the scan says how to stop it and back up" \
    'printf "%s\n" "$S" | grep -qF "(Esc stops, F5 backs up what is known)"'
  t_check "the footer offers Esc to stop the scan (not Back)" \
    'tui_last_line | grep -q "Esc Stop scan" && ! tui_last_line | grep -q "Esc Back"'
else
  t_failed "the card screen shows the tree and the running scan"
  tui_screen | sed 's/^/    | /'
fi

# 2. The scan line moves at least once a second.
prev=$(scan_line)
changes=0
for i in 1 2 3 4; do
  sleep 1
  cur=$(scan_line)
  [ -n "$cur" ] && [ "$cur" != "$prev" ] && changes=$((changes + 1))
  echo "# sample $i: $cur"
  prev=$cur
done
t_check "the scan line changed in each of 4 seconds" '[ "$changes" -eq 4 ]'
t_check "still scanning after the samples" 'tui_screen | grep -q "scanning\.\.\."'

# 3. Esc stops the scan within one APDU.
n0=$(apdus)
tui_keys Escape
n1=""
i=0
while [ $i -lt 400 ]; do
  if tui_screen | grep -qE 'stopping the scan|Scan stopped'; then
    n1=$(apdus); break
  fi
  i=$((i + 1))
done
tui_expect "the scan stopped" "Scan stopped:" 10
n2=$(apdus)
sleep 1
n3=$(apdus)
echo "# APDUs: $n0 before Esc, $n1 when vscman showed the stop, $n2 when stopped, $n3 a second later"
t_check "vscman showed that it stops" '[ -n "$n1" ]'
t_check "at most one APDU after the stop was shown" '[ $((n2 - ${n1:-0})) -le 1 ]'
t_check "no APDU after the scan stopped" '[ "$n3" -eq "$n2" ]'
tui_expect "what was not scanned is said" "not scanned: 3F00"
tui_expect "found nodes stay in the tree" "fid-scan"
t_check "s is offered to scan on" 'tui_last_line | grep -q "s Scan on"'

# 4. s scans on; F5 during the scan backs up what is known.
tui_keys s
tui_expect "the scan goes on" "scanning..." 10
sleep 2
t_check "the card is scanned again" '[ "$(apdus)" -gt "$n3" ]'
# The nodes the scan had found before F5 (F5 stops it: maybe more).
TREE=$(tui_screen)
tui_keys F5
tui_expect "backup form" "New VSC file:" 10
tui_keys Enter
tui_expect "backup summary" "Backup complete" 60
tui_expect "the summary says what was not scanned" "Not scanned: the FID scan stopped at 3F00"
scan_written "$T_TMP/pw"
"$VSCTOOL" ls -l --password-file "$T_TMP/pw" "$VSC" > "$T_TMP/ls" 2>&1
t_check "listed files in the VSC" \
  'grep -q "3F00/2F00$" "$T_TMP/ls" && grep -q "3F00/DF01$" "$T_TMP/ls"'

SCANNED=$(printf '%s\n' "$TREE" | grep 'fid-scan' | sed 's/^\[.\] *[^0-9A-Z]* *\([0-9A-F]\{4\}\) .*/\1/' | grep -E '^[0-9A-F]{4}$')
t_check "the scan had found nodes" '[ -n "$SCANNED" ]'
missing=""
for fid in $SCANNED; do
  grep -q "/$fid\$" "$T_TMP/ls" || missing="$missing $fid"
done
t_check "every node found before F5 is in the VSC (missing:${missing:- none})" '[ -z "$missing" ]'
echo "# found by the scan and backed up: $(echo $SCANNED)"

# Back on the tree: the scan goes on by itself.
tui_keys Escape
tui_expect "back on the tree, scanning on" "scanning..." 10

# 5. Leave the card screen and come back: the nodes found are shown at
# once and the scan goes on from where it stopped (not from the start:
# the MF's phase 1 FIDs, e.g. 9F00, are not SELECTed again).
sel9f () { grep -cE 'apdu: > 00 A4 .. .. 02 9F 00' "$LOG" || true; }
tui_keys Escape
tui_expect "stopped before leaving" "Scan stopped:" 10
BEFORE=$(tui_screen | grep -c 'fid-scan')
POS=$(tui_screen | sed -n 's/.*not scanned: \(.*\) (s scans on).*/\1/p' | head -n 1)
echo "# left at: $POS, $BEFORE nodes found"
s9=$(sel9f)
t_check "the first visit's scan SELECTed 9F00 in the MF" '[ "$s9" -ge 1 ]'
tui_keys Escape
tui_wait_gone "Scan stopped:" 10
tui_keys g Enter
tui_expect "opened again, scanning on" "scanning..." 60
AFTER=$(tui_screen | grep -c 'fid-scan')
t_check "the nodes found before are there at once ($BEFORE before, $AFTER now)" \
  '[ "$BEFORE" -ge 1 ] && [ "$AFTER" -ge "$BEFORE" ]'
a=$(apdus)
sleep 2
t_check "the scan runs on after the visit" '[ "$(apdus)" -gt "$a" ]'
t_check "not from the start: 9F00 not SELECTed again" '[ "$(sel9f)" -eq "$s9" ]'

tui_keys F10
tui_expect "quit during the scan" "VSCMAN-EXIT=0" 20
t_check "no APDU after vscman exited" \
  'a=$(apdus); sleep 0.5; [ "$(apdus)" -eq "$a" ]'
emu_stop
t_finish
