#!/bin/sh
# tests/tui/server.sh - the server screen against a private vscd on a
# Unix socket (started here, stopped by PID): the server creates a VSC
# (password shown once), it is listed, downloaded into the VSC
# directory, opened with the password, uploaded again (generation 2),
# and deleted.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman server screen (vscd --socket)"

tui_vscd

tui_start 120 30 -- --emu "$CARDS/blank.card" --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (1) and cards (1)"
tui_server_connect "$S"
tui_expect "empty vault" "0 VSCs on the server"

tui_keys c
tui_expect "server-created password shown once" "I have written it down?" 20
PW=$(tui_screen | sed -n 's/.*Password: *\([A-Za-z0-9-]\{16,\}\).*/\1/p' | head -n 1)
t_check "password shown" '[ -n "$PW" ]'
tui_keys y
tui_expect "listed on the server" "1 VSCs on the server" 20
UUID=$(tui_screen | grep -oE '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}' | head -n 1)
t_check "UUID listed" '[ -n "$UUID" ]'

tui_keys Enter
tui_expect "downloaded" "Downloaded to" 20
t_check "VSC file in the VSC directory" '[ -f "$TUI_VSCDIR/$UUID.vsc" ]'

tui_keys u
tui_expect "upload choice" "Upload a VSC"
tui_keys Enter
tui_expect "uploaded as generation 2" "(generation 2)" 20

tui_keys x
tui_expect "delete asks" "Delete $UUID from the server?"
tui_keys y
tui_expect "deleted" "0 VSCs on the server" 20

# The downloaded VSC opens with the password the server gave.
tui_keys Escape
tui_expect "start screen" "Readers (1)"
tui_keys g j Enter
tui_expect "password asked" "Password for"
tui_keys "$PW" Enter
tui_expect "server-made VSC opens" "Unlocked and verified" 20
tui_keys Escape F10
tui_expect "quit" "VSCMAN-EXIT=0"
