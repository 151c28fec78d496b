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
if [ "$(id -u)" = 0 ]; then
  vault_as_svc "$PG_UID" HOME="$PG_DIR" PGPASSFILE="$PGPASSFILE"
else
  vault_as_svc
fi
SVC_BIN_VSCD="$SVC_VSCD"
RUN_DIR="$SVC_RUN"
VAULT_SPEC="$PG_VAULT"
t_ok "vscd --init-db" "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT"
t_ok "vscd on the PostgreSQL vault" vault_servers 1 --keep 5 --no-check
S="unix:$RUN_DIR/s1"

KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo 123456 > "$T_TMP/pin"
echo "history password" > "$T_TMP/pw"
echo "new node" > "$T_TMP/node"
mkdir -p "$T_TMP/work"
"$VSCTOOL" backup --emu "$CARDS/pkcs15.card" --pin-file "$T_TMP/pin" \
  --password-file "$T_TMP/pw" $KDF --no-scan "$T_TMP/work/h.vsc" \
  > "$T_TMP/backup.out" 2>&1
t_check "a VSC of the PKCS#15 card" '[ -s "$T_TMP/work/h.vsc" ]'
UUID=$("$VSCTOOL" info --json "$T_TMP/work/h.vsc" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
t_check "its UUID" '[ -n "$UUID" ]'
cp "$T_TMP/work/h.vsc" "$T_TMP/g1.vsc"
t_ok "stored in the database (generation 1)" \
  "$VSCTOOL" remote "$S" put --new "$UUID" "$T_TMP/work/h.vsc"
t_ok "a node added" "$VSCTOOL" put --password-file "$T_TMP/pw" \
  "$T_TMP/work/h.vsc" 3F00/5099 "$T_TMP/node"
t_ok "stored again (generation 2)" "$VSCTOOL" remote "$S" put -g 1 \
  "$UUID" "$T_TMP/work/h.vsc"
t_check "the database keeps both" \
  "[ \"\$(pg_sql 'SELECT count(*) FROM vscd.generation')\" = 2 ]"

tui_start 120 40 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"
tui_keys G k k k k
tui_expect "server action listed" "VSC server..."
tui_keys Enter
tui_expect "server URL asked" "Server (ssh://"
tui_keys C-u "$S" Enter
tui_expect "connected" "(connected)" 20
tui_expect "the VSC listed" "$UUID"
tui_keys h
tui_expect "history screen" "2 generations kept on the server" 20
ME=$(id -un)
t_check "generation 2 first, stored by this account from a local process" \
  'tui_screen | grep -E "^ +2 +[0-9]+ +[0-9-]+ [0-9:]+ +$ME \(local pid [0-9]+\)"'
t_check "generation 1 below it" \
  'tui_screen | grep -E "^ +1 +[0-9]+ +[0-9-]+ [0-9:]+ +$ME \(local pid [0-9]+\)"'
tui_keys j Enter
tui_expect "generation 1 downloaded" "Generation 1 downloaded to" 20
t_check "... byte for byte" 'cmp -s "$TUI_VSCDIR/$UUID.g1.vsc" "$T_TMP/g1.vsc"'
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0" 20
