#!/bin/sh
# tests/remote/history-v1.sh - the manager's history screen against a
# server that speaks protocol version 1 only (like vscd before history,
# tests/remote/frames.py fakev1): the server screen lists the VSC, h
# says why there is no history instead of a protocol error, and the
# server screen stays connected.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman history screen on a protocol version 1 server"

UUID=0123abcd-4567-89ef-0123-456789abcdef
python3 "$FRAMES_PY" fakev1 "$T_TMP/v1" "$UUID" >/dev/null 2>&1 &
V1PID=$!
t_on_exit "kill $V1PID 2>/dev/null"
for i in $(seq 1 100); do [ -S "$T_TMP/v1" ] && break; sleep 0.05; done
t_check "the version 1 server listens" '[ -S "$T_TMP/v1" ]'
S="unix:$T_TMP/v1"

tui_start 120 40 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"
tui_server_connect "$S"
tui_expect "the VSC listed" "$UUID"
tui_keys h
tui_expect "history refused with the reason" \
  "protocol version 1, which has no history" 20
t_check "no generations screen" \
  '! tui_screen | grep -q "generations kept on the server"'
t_check "not taken for a broken server" \
  '! tui_screen | grep -qi "protocol violation\|malformed"'
t_check "still on the server screen, connected, the VSC listed" \
  'tui_screen | grep -q "(connected)" && tui_screen | grep -q "^ *$UUID  *1  *1234 "'
tui_keys F10
tui_expect "vscman quits" "VSCMAN-EXIT=0" 20
t_check "the version 1 server is still there" "kill -0 $V1PID"
