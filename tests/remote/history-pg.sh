#!/bin/sh
# tests/remote/history-pg.sh - the manager's history screen on a vscd
# with the PostgreSQL vault (a throw-away cluster, tests/remote/lib-pg.sh):
# two generations stored with vsctool are listed newest first with the
# account and peer the database recorded, and generation 1 downloads
# byte for byte.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
. "$top_srcdir/tests/remote/lib-pg.sh"
. "$top_srcdir/tests/remote/lib-vault.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman history screen on a PostgreSQL vault"

pg_setup
t_ok "a throw-away PostgreSQL cluster" pg_start
pg_vault_svc
t_ok "vscd --init-db" "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT"
t_ok "vscd on the PostgreSQL vault" vault_servers 1 --keep 5 --no-check
S="unix:$RUN_DIR/s1"

tui_two_generations "$S"
t_check "the database keeps both" \
  "[ \"\$(pg_sql 'SELECT count(*) FROM vscd.generation')\" = 2 ]"

tui_start 120 40 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"
tui_server_connect "$S"
tui_expect "the VSC listed" "$UUID"
tui_history_listed
tui_keys j Enter
tui_expect "generation 1 downloaded" "Generation 1 downloaded to" 20
t_check "... byte for byte" 'cmp -s "$TUI_VSCDIR/$UUID.g1.vsc" "$T_TMP/g1.vsc"'
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0" 20
