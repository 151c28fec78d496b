#!/bin/sh
# tests/tui/pcsc.sh - the start screen on PC/SC: a vscemu card attached
# to pcscd's vpcd reader appears when it starts and disappears when it
# stops (live, through the reader monitor; pcscd polls vpcd every
# 400 ms), then a card tree is read through pcscd.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscman on PC/SC with live insertion (vpcd)"
need_vpcd
R="$VPCD_READER"
emu_wait_card absent

tui_start 120 30 -- --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
tui_expect "vpcd reader listed" "$R"
tui_expect "no card yet" "(no card)"
emu_start "$top_srcdir/tests/cards/pkcs15.card"
tui_expect "card appears live" "pkcs15+iso7816" 15
tui_keys g Enter
tui_expect "card tree through pcscd" "known-fid" 180
tui_expect "tree has the PKCS#15 DF" "5015"
tui_keys Escape
tui_expect "start screen" "Readers ("
emu_stop
tui_expect "card disappears live" "(no card)" 15
t_check "no card in the first reader" '! tui_screen | grep -F "$R" | grep -q pkcs15'
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0"

# Issue 14 item 8: with pcscd, after the help screen was open, F10
# quits without a wait on the way out (the reader monitor's cancel
# included); and from the card tree.
if command -v strace >/dev/null 2>&1; then
  emu_start "$top_srcdir/tests/cards/pkcs15.card"
  tui_start_traced pcsc-help 120 30 --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
  tui_expect "pcsc-help: card listed" "pkcs15+iso7816" 15
  tui_keys '?'
  tui_expect "pcsc-help: help" "Everywhere (arrows"
  tui_keys q
  tui_expect "pcsc-help: back" "Readers ("
  tui_quit_checked pcsc-help
  tui_start_traced pcsc-card 120 30 --reader "Virtual PCD" --vsc-dir "$TUI_VSCDIR"
  tui_expect "pcsc-card: card listed" "pkcs15+iso7816" 15
  tui_keys g Enter
  tui_expect "pcsc-card: tree" "known-fid" 180
  tui_quit_checked pcsc-card
  emu_stop
fi
