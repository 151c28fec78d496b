#!/bin/sh
# tests/tui/german.sh - the German UI (LANG=de_DE.UTF-8): start screen,
# card tree, the backup form and the confirmation keys are German.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman in German"

locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' \
  || t_skip "locale de_DE.UTF-8 is not generated (scripts/setup does it)"
# The uninstalled vscman reads the build tree's catalogue (make fills
# po/locale; tests/integration/locale.sh checks how).
t_check "the build tree has the German catalogue" \
  "[ -f '$top_builddir/po/locale/de/LC_MESSAGES/vscman.mo' ]"

tui_start 130 30 LANG=de_DE.UTF-8 LC_ALL= LANGUAGE= \
  -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "German title" "Chipkarten-Verwaltung"
tui_expect "German reader heading" "Leser (2) und Karten (2)"
tui_expect "German footer" "F5 Sichern"
tui_expect "German action list" "Einstellungen"
tui_expect_not "no English heading left" "Readers (2)"
tui_keys Enter
tui_expect "German tree header" "Knoten"
tui_expect "German flag" "nicht extrahierbar"
# Esc stops a running background scan before it leaves the screen: the
# two Escapes below must find the scan over (slow sanitizer builds).
tui_expect "German scan complete" "Suche vollständig"
tui_keys F5
tui_expect "German backup form" "Neue VSC-Datei:"
tui_keys Escape Escape
tui_expect "back on the German start screen" "Leser (2)"
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0"

# --help in German too.
t_check "German --help" \
  'LANG=de_DE.UTF-8 LC_ALL= LANGUAGE= "$VSCMAN" --help | grep -q "Aufruf: vscman"'
