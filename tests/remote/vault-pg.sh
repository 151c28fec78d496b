#!/bin/sh
# vault-pg.sh - the PostgreSQL vault: a throw-away cluster (unix socket
# only, run by an unprivileged user, stopped by PID), the schema and its
# migrations (vscd --init-db, an older and a newer schema refused), no
# password on the command line, the vault contract (tests/unit/test-vault)
# and the tests vault-dir.sh runs on the directory: three vscd processes
# on one database, 64 clients putting to one VSC at once, history and the
# audit log, two unix users kept apart. Faults: vault-pg-fault.sh.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
. "$top_srcdir/tests/remote/lib-pg.sh"
. "$top_srcdir/tests/remote/lib-vault.sh"
t_begin "vault tests: PostgreSQL back end"

pg_setup
t_ok "a throw-away PostgreSQL cluster" pg_start
t_check "... on a unix socket only (no TCP port)" \
  "grep -q 'listening on Unix socket' '$PG_DIR/server.log' && ! grep -q 'listening on IPv' '$PG_DIR/server.log'"
pg_vault_svc
SVC_BIN_VSCTOOL="$SVC_VSCTOOL"

# ---- schema --------------------------------------------------------------
t_fail "a database without the vscd schema is refused" \
  "$AS_SVC" "$SVC_VSCD" --audit --vault "$PG_VAULT"
t_check "... saying to run --init-db" "grep -q 'no vscd schema yet.*--init-db' '$T_TMP/out'"
t_ok "vscd --init-db --schema 1 (an old vscd's schema)" \
  "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT" --schema 1
t_check "... created version 1" "grep -q 'Created the database schema, version 1' '$T_TMP/out'"
t_fail "this vscd refuses to serve schema version 1" \
  "$AS_SVC" "$SVC_VSCD" --socket "$RUN_DIR/old" --vault "$PG_VAULT"
t_check "... and says how to migrate" "grep -q 'schema is version 1, this vscd needs version 2: run .vscd --init-db' '$T_TMP/out'"
t_ok "a VSC stored under version 1 (by hand, as an old vscd would)" pg_sql \
  "insert into vscd.account (name) values ('old'); insert into vscd.vsc (account, uuid, gen, size, mtime) select id, '0dd00000-0000-4000-8000-000000000001', 1, 3, now() from vscd.account where name = 'old'; insert into vscd.generation (vsc, gen, size, stored, stored_by, put_id, data) select id, 1, 3, now(), 'old', '\\x00', '\\x414243' from vscd.vsc where uuid = '0dd00000-0000-4000-8000-000000000001'"
t_ok "vscd --init-db migrates it" "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT"
t_check "... from version 1 to 2" "grep -q 'Migrated the database schema from version 1 to 2' '$T_TMP/out'"
t_check "... keeping the VSC" "[ \"\$(pg_sql \"select encode(g.data, 'escape') from vscd.generation g join vscd.vsc c on c.id = g.vsc where c.uuid = '0dd00000-0000-4000-8000-000000000001'\")\" = ABC ]"
t_ok "vscd --init-db again: nothing to do" "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT"
t_check "... it says so" "grep -q 'at version 2 already' '$T_TMP/out'"
t_ok "a newer vscd's schema (version 99)" pg_sql "insert into vscd.schema_version (version, program) values (99, 'vscd from the future')"
t_fail "is refused by this vscd" "$AS_SVC" "$SVC_VSCD" --socket "$RUN_DIR/new" --vault "$PG_VAULT"
t_check "... which asks for an upgrade of vscd" "grep -q 'version 99, newer than this vscd (version 2): upgrade vscd' '$T_TMP/out'"
t_fail "--init-db does not touch it either" "$AS_SVC" "$SVC_VSCD" --init-db --vault "$PG_VAULT"
t_check "... (still version 99)" "[ \"\$(pg_sql 'select max(version) from vscd.schema_version')\" = 99 ]"
pg_sql "delete from vscd.schema_version where version = 99"

# ---- connection strings ----------------------------------------------------
t_fail "a password in the connection string is refused" \
  "$AS_SVC" "$SVC_VSCD" --audit --vault "$PG_VAULT password=$PG_PASSWORD"
t_check "... pointing to ~/.pgpass" "grep -q 'holds a password.*pgpass' '$T_TMP/out'"
t_fail "... in a postgresql:// URI too" \
  "$AS_SVC" "$SVC_VSCD" --init-db --vault "postgresql://vscd:$PG_PASSWORD@/vscd?host=$PG_SOCK"
t_check "... and the password is not repeated" "grep -q 'holds a password' '$T_TMP/out' && ! grep -qF '$PG_PASSWORD' '$T_TMP/out'"
t_ok "a postgresql:// URI without a password works (~/.pgpass)" \
  "$AS_SVC" "$SVC_VSCD" --init-db --vault "postgresql:///vscd?host=$PG_SOCK&user=vscd"
t_fail "without the password file: a clear error" \
  "$AS_SVC" env PGPASSFILE=/nonexistent "$SVC_VSCD" --audit --vault "$PG_VAULT" --db-timeout 1
t_check "... that names the database" "grep -q 'cannot connect to the vault database' '$T_TMP/out'"
if [ "$(id -u)" = 0 ]; then
  t_fail "vscd does not serve a database vault as root" \
    "$SVC_VSCD" --socket "$RUN_DIR/root" --vault "$PG_VAULT"
  t_check "... saying to use its own account" "grep -q 'not serve a database vault as root' '$T_TMP/out'"
fi

# ---- the contract, as for the directory (tests/unit/test-vault) ------------
t_ok "the vault contract on PostgreSQL (CAS, history, audit, limits, in flight, accounts)" \
  env VSC_TEST_VAULT="$PG_VAULT" "$top_builddir/tests/unit/test-vault"
grep -E '^ +[0-9]+\. ' "$T_TMP/out" | sed 's/^/    /'

# ---- the tests both back ends run -------------------------------------------
RACE_UUID=ace00000-1111-4222-8333-$(printf '%012d' $$)
t_ok "three vscd on one database" vault_servers 3 --no-check --keep 300 --max-clients 200 --max-per-uid 64
vault_race 64 120
vault_kill_servers

vault_servers 1 --no-check --keep 3
vault_history_audit
vault_isolation
t_fail "the audit table is append-only, for its owner too" pg_sql "delete from vscd.audit"
t_check "... (the trigger says so)" "grep -q 'append-only' '$T_TMP/out'"
vault_kill_servers

# ---- ssh: vscd --stdio as a forced command names the account -----------
cat > "$T_TMP/bin/fake-ssh" <<EOS
#!/bin/sh
# what sshd runs for a key with command="vscd --stdio --user alice ..."
SSH_CONNECTION='192.0.2.9 50123 192.0.2.1 22' exec "$AS_SVC" "$SVC_VSCD" \
  --stdio --user alice --vault "$PG_VAULT" --no-check
EOS
chmod 755 "$T_TMP/bin/fake-ssh"
U=55000000-1111-4222-8333-$(printf '%012d' $$)
head -c 1000 /dev/urandom > "$T_TMP/f1"
t_ok "vscd --stdio --user alice (a forced command) stores a VSC" \
  "$VSCTOOL" remote --ssh-command "$T_TMP/bin/fake-ssh" ssh://vault.example/ put --new "$U" "$T_TMP/f1"
t_ok "... listed for alice" sh -c "'$VSCTOOL' remote --ssh-command '$T_TMP/bin/fake-ssh' ssh://vault.example/ history $U | grep -q ' alice (192.0.2.9:50123)'"
t_ok "the audit log has alice and the ssh peer" sh -c \
  "'$AS_SVC' '$SVC_VSCD' --audit --vault '$PG_VAULT' --user alice | grep -q '  alice  put  $U  1  192.0.2.9:50123  .*  ok\$'"
t_ok "... and never a password or VSC bytes (create over ssh)" \
  "$VSCTOOL" remote --ssh-command "$T_TMP/bin/fake-ssh" ssh://vault.example/ create --password-out "$T_TMP/pw"
t_ok "... (the tables, as text)" sh -c "pg_sql() { psql \"\$1\" -Atq -v ON_ERROR_STOP=1 -c \"\$2\"; }; pg_sql '$PG_VAULT' 'select * from vscd.audit' > '$T_TMP/tables' && pg_sql '$PG_VAULT' 'select vsc, gen, size, stored_by, peer, server from vscd.generation' >> '$T_TMP/tables'"
t_check "... the password is in none of them" \
  "[ -s '$T_TMP/pw' ] && [ -s '$T_TMP/tables' ] && ! grep -qF \"\$(cat '$T_TMP/pw')\" '$T_TMP/tables'"
