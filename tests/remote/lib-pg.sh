# lib-pg.sh - a throw-away PostgreSQL cluster for the vault tests
# (sourced after tests/lib.sh and tests/remote/lib-remote.sh).
#
#   pg_setup              find initdb (PostgreSQL 15 from Debian), make the
#                         cluster's owner: as root a throw-away system user
#                         (PostgreSQL refuses to run as root), else us.
#                         Skips when there is no PostgreSQL (a failure
#                         under CI=true).
#   pg_start              initdb (first time) and start the server: unix
#                         socket in $PG_SOCK only, no TCP port, password
#                         authentication (scram) for every connection.
#                         The password is in $PGPASSFILE (exported), and
#                         $PG_VAULT is the vault's connection string.
#   pg_stop [crash]       stop it by the postmaster's PID (fast shutdown;
#                         "crash": immediate shutdown, no checkpoint, the
#                         next start recovers from the WAL) and wait until
#                         it is gone.
#   pg_sql SQL            run SQL as the vault's role, print rows (-At).
#   as_svc CMD...         run CMD as the cluster's owner, the account a
#                         real vscd would run as ("the service account").
#   SVC_VSCD SVC_VSCTOOL  copies of vscd/vsctool the service account can run.
#   SVC_RUN               a directory (0755) the service account may
#                         write, for vscd's sockets.
#   pg_vault_svc          (after pg_start; needs tests/remote/lib-vault.sh)
#                         the vault tests' service account on this
#                         cluster (vault_as_svc: as root the cluster's
#                         owner with its home and password file) and
#                         their SVC_BIN_VSCD, RUN_DIR, VAULT_SPEC.
#   PG_DURABLE=1          (set before pg_start) fsync and full page writes
#                         on, as in production (benchmarks); tests run
#                         without them.
#
# The cluster is stopped at exit (t_on_exit), by PID.

pg_setup () {
  PG_BIN=
  for d in "$(pg_config --bindir 2>/dev/null)" /usr/lib/postgresql/15/bin \
           /usr/lib/postgresql/*/bin; do
    if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      PG_BIN=$d; break
    fi
  done
  "$VSCD" --version | grep -q postgresql \
    || t_skip "this vscd was built without PostgreSQL support (--without-libpq)"
  [ -n "$PG_BIN" ] || t_skip "PostgreSQL (initdb) not found: apt-get install postgresql-15"
  command -v psql >/dev/null 2>&1 || t_skip "psql not found: apt-get install postgresql-client-15"
  PG_DIR="$T_TMP/pg"
  PG_SOCK="$PG_DIR/sock"
  PG_DATA="$PG_DIR/data"
  mkdir -p "$T_TMP/bin"
  cp "$VSCD" "$T_TMP/bin/vscd"
  cp "$VSCTOOL" "$T_TMP/bin/vsctool"
  chmod 755 "$T_TMP/bin" "$T_TMP/bin/vscd" "$T_TMP/bin/vsctool"
  SVC_VSCD="$T_TMP/bin/vscd"
  SVC_VSCTOOL="$T_TMP/bin/vsctool"
  SVC_RUN="$T_TMP/run"
  mkdir -p "$SVC_RUN"
  chmod 755 "$SVC_RUN"
  if [ "$(id -u)" = 0 ]; then
    command -v useradd >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 \
      || t_skip "useradd and setpriv are needed to run PostgreSQL as a non-root user"
    PG_USER=vscpg$$
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER" \
      || t_skip "useradd failed"
    t_on_exit "userdel $PG_USER"
    PG_UID=$(id -u "$PG_USER")
    chmod 711 "$T_TMP"
    mkdir -p "$PG_SOCK"
    chown -R "$PG_USER:" "$PG_DIR" "$SVC_RUN"
    chmod 700 "$PG_DIR"
  else
    PG_USER=$(id -un)
    PG_UID=$(id -u)
    mkdir -p "$PG_SOCK"
  fi
  chmod 700 "$PG_SOCK"
  # The role's password, known to libpq only through the password file.
  PG_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  printf '%s\n' "$PG_PASSWORD" > "$PG_DIR/pw"
  printf '%s:*:*:vscd:%s\n' "$PG_SOCK" "$PG_PASSWORD" > "$PG_DIR/pgpass"
  chmod 600 "$PG_DIR/pw" "$PG_DIR/pgpass"
  [ "$(id -u)" = 0 ] && chown "$PG_USER:" "$PG_DIR/pw" "$PG_DIR/pgpass"
  PGPASSFILE="$PG_DIR/pgpass"
  export PGPASSFILE
  PG_VAULT="host=$PG_SOCK dbname=vscd user=vscd"
  t_on_exit "pg_stop"
}

as_svc () {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid="$PG_UID" --regid="$PG_UID" --clear-groups \
      env HOME="$PG_DIR" PGPASSFILE="$PGPASSFILE" "$@"
  else
    "$@"
  fi
}

pg_start () {
  local i
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    as_svc "$PG_BIN/initdb" -D "$PG_DATA" -U vscd --pwfile="$PG_DIR/pw" \
      --auth-local=scram-sha-256 --auth-host=reject -E UTF8 --no-locale \
      --no-sync >"$PG_DIR/initdb.log" 2>&1 \
      || { echo "FAIL: initdb"; cat "$PG_DIR/initdb.log"; return 1; }
  fi
  # No TCP at all (listen_addresses ''); fsync off because a test
  # cluster is thrown away (a killed postgres loses nothing the kernel
  # has; commits still wait for the WAL write).
  PG_SYNC=off
  [ "${PG_DURABLE:-}" = 1 ] && PG_SYNC=on
  as_svc "$PG_BIN/postgres" -D "$PG_DATA" -c listen_addresses= \
    -c unix_socket_directories="$PG_SOCK" -c max_connections=300 \
    -c fsync=$PG_SYNC -c full_page_writes=$PG_SYNC \
    >>"$PG_DIR/server.log" 2>&1 &
  for i in $(seq 1 200); do
    if [ -S "$PG_SOCK/.s.PGSQL.5432" ] \
       && psql "host=$PG_SOCK dbname=postgres user=vscd" -Atc 'select 1' \
          >/dev/null 2>&1; then
      PG_PID=$(head -n 1 "$PG_DATA/postmaster.pid")
      if ! psql "host=$PG_SOCK dbname=postgres user=vscd" -Atc \
           "select 1 from pg_database where datname = 'vscd'" | grep -q 1; then
        psql "host=$PG_SOCK dbname=postgres user=vscd" -qc 'create database vscd' \
          >/dev/null || return 1
      fi
      return 0
    fi
    sleep 0.1
  done
  echo "FAIL: PostgreSQL did not start"; tail -n 20 "$PG_DIR/server.log"
  return 1
}

pg_stop () {
  local pid i
  [ -f "$PG_DATA/postmaster.pid" ] || return 0
  pid=$(head -n 1 "$PG_DATA/postmaster.pid")
  [ -n "$pid" ] || return 0
  if [ "${1:-}" = crash ]; then
    # Immediate shutdown: every backend is killed without a checkpoint,
    # the next start replays the WAL (crash recovery).
    kill -QUIT "$pid" 2>/dev/null
  else
    kill -INT "$pid" 2>/dev/null
  fi
  for i in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  # After a crash the pid file stays; the next start removes it.
  return 0
}

pg_sql () {
  psql "$PG_VAULT" -Atq -v ON_ERROR_STOP=1 -c "$1"
}

# pg_script FILE stop|crash|start|restart|crash-restart: write a script
# (for a fault hook run by another program) that does that to this
# cluster, by the postmaster's PID.
pg_script () {
  local f="$1" what="$2" start stop
  stop="pid=\$(head -n 1 '$PG_DATA/postmaster.pid' 2>/dev/null)
[ -n \"\$pid\" ] && kill -SIG \"\$pid\"
for i in \$(seq 1 300); do kill -0 \"\$pid\" 2>/dev/null || break; sleep 0.1; done"
  if [ "$(id -u)" = 0 ]; then
    start="setpriv --reuid=$PG_UID --regid=$PG_UID --clear-groups"
  else
    start=
  fi
  start="$start '$PG_BIN/postgres' -D '$PG_DATA' -c listen_addresses= \\
  -c unix_socket_directories='$PG_SOCK' -c max_connections=300 \\
  -c fsync=$PG_SYNC -c full_page_writes=$PG_SYNC </dev/null >>'$PG_DIR/server.log' 2>&1 &
for i in \$(seq 1 300); do
  psql 'host=$PG_SOCK dbname=vscd user=vscd' -Atc 'select 1' >/dev/null 2>&1 && exit 0
  sleep 0.1
done
exit 1"
  {
    echo '#!/bin/sh'
    echo "PGPASSFILE='$PGPASSFILE'; export PGPASSFILE"
    case "$what" in
      stop) echo "$stop" | sed 's/-SIG/-INT/' ;;
      crash) echo "$stop" | sed 's/-SIG/-QUIT/' ;;
      start) echo "$start" ;;
      restart) echo "$stop" | sed 's/-SIG/-INT/'; echo "$start" ;;
      crash-restart) echo "$stop" | sed 's/-SIG/-QUIT/'; echo "$start" ;;
    esac
    echo 'exit 0'
  } > "$f"
  chmod 755 "$f"
}

pg_vault_svc () {
  if [ "$(id -u)" = 0 ]; then
    vault_as_svc "$PG_UID" HOME="$PG_DIR" PGPASSFILE="$PGPASSFILE"
  else
    vault_as_svc
  fi
  SVC_BIN_VSCD="$SVC_VSCD"
  RUN_DIR="$SVC_RUN"
  VAULT_SPEC="$PG_VAULT"
}
