#!/bin/sh
# vault-dir.sh - the vault tests on the directory back end (the same as
# vault-pg.sh runs on PostgreSQL): three vscd processes on one vault, 64
# clients putting to one VSC at once (exactly one winner per
# generation), history and the audit log, every vscd killed (-9) and
# restarted during 50 puts (nothing lost, nothing half-written), and two
# unix users kept apart.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
. "$top_srcdir/tests/remote/lib-vault.sh"
t_begin "vault tests: directory back end"

VAULT_SPEC="$T_TMP/vaults"
RUN_DIR="$T_TMP/run"
mkdir -p "$RUN_DIR" "$T_TMP/bin"
chmod 755 "$RUN_DIR" "$T_TMP/bin"
cp "$VSCD" "$T_TMP/bin/vscd"
cp "$VSCTOOL" "$T_TMP/bin/vsctool"
chmod 755 "$T_TMP/bin/vscd" "$T_TMP/bin/vsctool"
SVC_BIN_VSCD="$T_TMP/bin/vscd"
SVC_BIN_VSCTOOL="$T_TMP/bin/vsctool"
vault_as_svc

RACE_UUID=ace00000-1111-4222-8333-$(printf '%012d' $$)
t_ok "three vscd on one vault directory" vault_servers 3 --no-check --keep 300 --max-clients 200 --max-per-uid 64
vault_race 64 120
vault_kill_servers

vault_servers 1 --no-check --keep 3
vault_history_audit
vault_isolation
vault_kill_servers

# kill -9 of every vscd process (listener and connections) at two points
# during 50 puts, each time started again: the client retries on a new
# connection, and checks what the interrupted put left.
vault_servers 1 --no-check --keep 100
cat > "$T_TMP/crash.sh" <<EOS
#!/bin/sh
sleep 0.02
for g in \$(cat "$T_TMP/pgids"); do kill -9 "-\$g" 2>/dev/null; done
rm -f "$RUN_DIR/s1"
setsid "$AS_SVC" "$SVC_BIN_VSCD" --socket "$RUN_DIR/s1" --vault "$VAULT_SPEC" \
  --no-check --keep 100 >/dev/null 2>>"$T_TMP/vscd.log" &
echo \$! > "$T_TMP/pgids"
for i in \$(seq 1 200); do [ -S "$RUN_DIR/s1" ] && exit 0; sleep 0.05; done
exit 1
EOS
chmod 755 "$T_TMP/crash.sh"
echo $VSCD_PGIDS > "$T_TMP/pgids"
t_on_exit 'for g in $(cat "$T_TMP/pgids" 2>/dev/null); do kill -9 "-$g" 2>/dev/null; done'
t_ok "50 puts while vscd is killed -9 twice" "$VAULT_CLIENTS" sequence "unix:$RUN_DIR/s1" \
  fa170000-1111-4222-8333-$(printf '%012d' $$) 50 \
  --fault 15 "$T_TMP/crash.sh" --fault 35 "$T_TMP/crash.sh"
sed -n 's/^\(PASS\|FAIL\): /    \1: /;/^    /p' "$T_TMP/out"
t_check "no temporary file was left in the vault" "! ls -a '$VAULT_SPEC/0' | grep -q '^\.tmp-'"
