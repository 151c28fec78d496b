# tests/tui/scan-lib.sh - what the scan tests of the manager share
# (sourced after tests/tui/tui-lib.sh).

# scan_written PWFILE: on the summary after "Backup complete", w shows
# the generated password and y confirms it was written down; the
# password goes into PWFILE and the newest VSC of $TUI_VSCDIR into $VSC.
scan_written () {
  tui_keys w
  tui_expect "password shown" "I have written it down?"
  PW=$(tui_screen | sed -n 's/.*Password: *\([A-Za-z0-9-]\{16,\}\).*/\1/p' | head -n 1)
  t_check "a generated password was shown" '[ -n "$PW" ]'
  tui_keys y
  tui_wait_gone "I have written it down?" 5
  VSC=$(ls -t "$TUI_VSCDIR"/*.vsc 2>/dev/null | head -n 1)
  t_check "the VSC file exists" '[ -f "$VSC" ]'
  printf '%s\n' "$PW" > "$1"
}
