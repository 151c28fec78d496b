#!/bin/sh
# tests/tui/quit.sh - F10 quits vscman from every screen (issue 14 item
# 8), and the exit path waits for nothing.
#
# No wall-clock limit: vscman runs under strace, and after the read of
# the quit key the trace must show no wait that ran into its timeout (a
# poll/select/futex answering "Timeout"/ETIMEDOUT) and no sleep; the loop
# itself must not poll() again (VSCMAN_LOOP_STATS: polls after the quit
# key 0, no timed poll). The time from the key to the exit is printed for
# information only ("make bench" has it as a ratio: bench/vscman-ui).
# Dialogs (a list to pick from, a PIN or password question) take F10 as
# "cancel"; the test shows that and quits with the second F10.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman: F10 quits from every screen without waiting"

command -v strace >/dev/null 2>&1 || t_skip "strace is not installed"
strace -f -o /dev/null true 2>/dev/null || t_skip "strace cannot trace here"

KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
printf 'quit test password\n' > "$T_TMP/pw"
V="$TUI_VSCDIR/quit.vsc"
t_ok "a VSC to open" vsctool create --password-file "$T_TMP/pw" $KDF "$V"

# start_traced NAME: vscman under strace, its loop statistics in a file
start_traced () {
  tui_start_traced "$1" 120 30 --emu "$CARDS/pkcs15.card" \
    --emu "$CARDS/blank.card" --vsc-dir "$TUI_VSCDIR"
  tui_expect "$1: start screen" "Readers (2) and cards (2)" 20
}
quit_and_check () { tui_quit_checked "$1"; }

start_traced main
quit_and_check main

start_traced help
tui_keys '?'
tui_expect "help: shown" "Everywhere (arrows"
quit_and_check help

start_traced help-then-main
tui_keys '?'
tui_expect "help-then-main: help shown" "Everywhere (arrows"
tui_keys q
tui_expect "help-then-main: back" "Readers (2)"
quit_and_check help-then-main

start_traced log
tui_keys F9
tui_expect "log: shown" "lines, level"
quit_and_check log

start_traced settings
tui_keys s
tui_expect "settings: shown" "ASCII line drawing"
quit_and_check settings

start_traced card
tui_keys Enter
tui_expect "card: tree" "ef-transparent" 30
quit_and_check card

start_traced view
tui_keys Enter
tui_expect "view: tree" "ef-transparent" 30
tui_keys j Enter
tui_expect "view: content" "bytes"
quit_and_check view

start_traced backup
tui_keys Enter
tui_expect "backup: tree" "ef-transparent" 30
tui_keys F5
tui_expect "backup: form" "New VSC file:"
quit_and_check backup

start_traced pick
tui_keys F6
tui_expect "pick: list of VSCs" "Restore onto this card"
tui_keys F10
tui_expect "pick: F10 cancels the dialog" "Readers (2)"
quit_and_check pick

start_traced restore
tui_keys j F6
tui_expect "restore: list of VSCs" "Restore onto this card"
tui_keys Enter
tui_expect "restore: password asked" "Password"
tui_keys "quit test password" Enter
tui_expect "restore: plan" "Plan:" 30
quit_and_check restore

start_traced diff
tui_keys j F7
tui_expect "diff: list" "Compare with"
tui_keys G Enter
tui_expect "diff: password asked (empty: public part)" "Password"
tui_keys Enter
tui_expect "diff: compared" "A: card:vscemu 1" 30
quit_and_check diff

start_traced vsc
tui_keys g j j Enter
tui_expect "vsc: password asked" "Password for"
tui_keys "quit test password" Enter
tui_expect "vsc: unlocked" "Unlocked and verified" 20
quit_and_check vsc

tui_vscd
start_traced server
tui_keys G k k k k Enter
tui_expect "server: URL asked" "Server (ssh://"
tui_keys C-u "unix:$T_TMP/sock" Enter
tui_expect "server: connected" "(connected)" 20
quit_and_check server

# The history of a VSC on the server (screen-history.c).
t_ok "a VSC on the server for the history" "$top_builddir/vsctool" remote \
  "unix:$T_TMP/sock" create -o "$T_TMP/hist.vsc" --password-out "$T_TMP/hist.pw"
start_traced history
tui_keys G k k k k Enter
tui_expect "history: URL asked" "Server (ssh://"
tui_keys C-u "unix:$T_TMP/sock" Enter
tui_expect "history: connected" "1 VSCs on the server" 20
tui_keys h
tui_expect "history: shown" "1 generations kept on the server" 20
quit_and_check history
