#!/bin/sh
# vault-pg-fault.sh - the PostgreSQL vault through database faults: the
# database restarts (fast shutdown, then an immediate one: crash
# recovery) during 50 puts - nothing lost, nothing half-written, vscd
# reconnects by itself; the database gone during a put on a long-lived
# connection - a clear error within --db-timeout, the VSC unchanged, and
# the same connection works when the database is back.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
. "$top_srcdir/tests/remote/lib-pg.sh"
. "$top_srcdir/tests/remote/lib-vault.sh"
t_begin "PostgreSQL vault: database restarts and outages"

pg_setup
t_ok "a throw-away PostgreSQL cluster" pg_start
pg_vault_svc
SVC_BIN_VSCTOOL="$SVC_VSCTOOL"
t_ok "vscd --init-db" "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT"

pg_script "$T_TMP/restart.sh" restart
pg_script "$T_TMP/crash.sh" crash-restart
pg_script "$T_TMP/stop.sh" stop
pg_script "$T_TMP/start.sh" start

vault_servers 1 --no-check --keep 100 --db-timeout 60 -v
t_ok "50 puts while PostgreSQL restarts, then crashes and recovers" \
  "$VAULT_CLIENTS" sequence "unix:$RUN_DIR/s1" \
  fa170000-1111-4222-8333-$(printf '%012d' $$) 50 \
  --fault 15 "$T_TMP/restart.sh" --fault 35 "$T_TMP/crash.sh"
sed -n 's/^\(PASS\|FAIL\): /    \1: /;/^    /p' "$T_TMP/out"
t_check "vscd lost the database connection and reconnected by itself" \
  "grep -q 'lost the vault database connection' '$T_TMP/vscd.log' && grep -q 'trying again\|checking whether' '$T_TMP/vscd.log'"
t_check "the database recovered from the crash" "grep -q 'database system was interrupted\|redo done\|database system is ready' '$PG_DIR/server.log'"
vault_kill_servers

vault_servers 1 --no-check --db-timeout 3
t_ok "the database gone during a put on a long-lived connection" \
  "$VAULT_CLIENTS" persist "unix:$RUN_DIR/s1" \
  fa170000-2222-4222-8333-$(printf '%012d' $$) "$T_TMP/stop.sh" "$T_TMP/start.sh"
sed -n 's/^\(PASS\|FAIL\): /    \1: /;/^    /p' "$T_TMP/out"
t_ok "vsctool then says why (exit 1)" sh -c "'$T_TMP/stop.sh'; '$VSCTOOL' remote 'unix:$RUN_DIR/s1' ls > '$T_TMP/o2' 2>&1; rc=\$?; '$T_TMP/start.sh'; [ \$rc = 1 ] && grep -q 'cannot be reached' '$T_TMP/o2'"
t_ok "and works again when it is back" "$VSCTOOL" remote "unix:$RUN_DIR/s1" ls
vault_kill_servers
