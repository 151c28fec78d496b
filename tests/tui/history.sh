#!/bin/sh
# tests/tui/history.sh - the server screen's history (issue 15): a VSC
# backed up from the emulated PKCS#15 card is stored on a private vscd
# twice (generation 2 has an extra node 3F00/5099); the manager lists
# both generations with who stored them, downloads generation 2, and
# restores generation 1 onto the blank emulated card. The files it
# fetched are byte for byte the generations stored, and the restore plan
# of generation 1 has no 3F00/5099.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman server screen: history and restoring an old generation"

tui_vscd --no-check --keep 5

# Generation 1: a backup of the PKCS#15 card; generation 2: plus 3F00/5099.
tui_two_generations "$S"

tui_start 120 40 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"
tui_server_connect "$S"
tui_expect "the VSC listed" "$UUID"
tui_expect "history key in the footer" "History"
tui_history_listed

# Download the newest (under the cursor).
tui_keys Enter
tui_expect "generation 2 downloaded" "Generation 2 downloaded to" 20
t_check "... byte for byte" 'cmp -s "$TUI_VSCDIR/$UUID.g2.vsc" "$T_TMP/g2.vsc"'

# Restore generation 1 onto the blank card.
tui_keys j r
tui_expect "card choice for generation 1" "Restore generation 1 onto" 20
t_check "generation 1 downloaded byte for byte" \
  'cmp -s "$TUI_VSCDIR/$UUID.g1.vsc" "$T_TMP/g1.vsc"'
tui_expect "the blank card offered" "Card in vscemu 1"
tui_keys j Enter
tui_expect "password asked" "Password for"
tui_keys "history password" Enter
tui_expect "restore plan shown" "Plan:" 30
tui_expect "from generation 1's file" "From: $TUI_VSCDIR/$UUID.g1.vsc"
tui_expect_not "generation 2's node is not in the plan" 5099
tui_keys F5
tui_expect "typed confirmation for another model" "Type overwrite"
tui_keys o v e r w r i t e Enter
tui_expect "PIN of the target card" "tries left" 20
tui_keys 1 2 3 4 5 6 Enter
tui_expect "restore finished" "Restore finished" 30
t_check "nothing failed" 'tui_screen | grep -q "Restore finished: [0-9]* written, [0-9]* verified, 0 failed"'
tui_keys Escape
tui_expect "back in the history" "2 generations kept on the server"
tui_keys Escape
tui_expect "back on the server screen" "(connected)"
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0"
