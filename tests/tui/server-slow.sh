#!/bin/sh
# tests/tui/server-slow.sh - the server screen over a slow link: a proxy
# (started here, stopped by PID) holds each reply of a private vscd for
# 1.5 s, so every operation outlasts the progress dialog's one-second
# redraw, which draws the server screen's list below it. The list shown
# is never the one the worker is replacing: a refresh of a listed VSC
# redraws meanwhile and ends with the VSC listed again (before the list
# view took the worker's rows in the done callback, the redraw read the
# list the worker had just freed).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman server screen over a slow link"

command -v python3 >/dev/null 2>&1 || t_skip "python3 is not installed"
tui_vscd

python3 - "$T_TMP/slow" "$T_TMP/sock" 1.5 >"$T_TMP/proxy.log" 2>&1 <<'EOF' &
import socket, sys, threading, time
listen, target, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
srv = socket.socket(socket.AF_UNIX)
srv.bind(listen)
srv.listen(4)

def pump(src, dst, wait):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            time.sleep(wait)
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass

while True:
    client, _ = srv.accept()
    server = socket.socket(socket.AF_UNIX)
    server.connect(target)
    threading.Thread(target=pump, args=(client, server, 0), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, delay), daemon=True).start()
EOF
PROXY_PID=$!
t_on_exit "kill $PROXY_PID 2>/dev/null"
t_wait 50 test -S "$T_TMP/slow"
t_check "slow proxy ready" '[ -S "$T_TMP/slow" ]'

tui_start 120 30 -- --emu "$CARDS/blank.card" --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (1) and cards (1)"
tui_keys G k k k k
tui_expect "server action listed" "VSC server..."
tui_keys Enter
tui_expect "server URL asked" "Server (ssh://"
tui_keys C-u "unix:$T_TMP/slow" Enter
tui_expect "connected over the slow link" "0 VSCs on the server" 30

tui_keys c
tui_expect "server-created password shown once" "I have written it down?" 30
tui_keys y
tui_expect "listed on the server" "1 VSCs on the server" 30

# The refresh waits for the slow reply; the dialog redraws the list below
# it (its elapsed time counts) before the reply is there.
tui_keys F3
tui_expect "refresh running over the slow link" "Talking to the server" 10
tui_expect "the list redrawn below the dialog meanwhile" "elapsed: 1." 10
t_ok "the refresh ends" tui_wait_gone "Talking to the server" 30
tui_expect "listed again after the refresh" "1 VSCs on the server"
t_check "vscman still runs" '! tui_screen | grep -q VSCMAN-EXIT'
tui_keys Escape F10
tui_expect "quit" "VSCMAN-EXIT=0"
