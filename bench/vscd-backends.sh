#!/bin/sh
# vscd-backends.sh - make bench: vscd's get+put round trips per second
# with 64 clients and 1000 VSCs of 64 KiB, on a directory vault and on a
# PostgreSQL vault in the same run (goal: PostgreSQL >= 0.5 of the
# directory), and vscd's memory per connection. The PostgreSQL cluster is
# a throw-away one (tests/remote/lib-pg.sh), with fsync on: the
# directory vault fsyncs every put too. Needs PostgreSQL 15 (as root, a
# throw-away system user runs it).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
. "$top_srcdir/tests/remote/lib-pg.sh"
RUN="$top_builddir/bench/vscd-backends-run"
[ -x "$RUN" ] || { echo "vscd-backends: $RUN not built"; exit 1; }

pg_setup
PG_DURABLE=1
pg_start || exit 1
as_svc "$SVC_VSCD" --init-db --vault "$PG_VAULT" >/dev/null || exit 1

mkdir -p "$T_TMP/run"
"$VSCD" --socket "$T_TMP/run/dir" --vault "$T_TMP/vaults" --no-check \
  --max-clients 256 --max-per-uid 0 --max-vscs 0 2>>"$T_TMP/vscd.log" &
DIRPID=$!
t_on_exit "kill $DIRPID 2>/dev/null"
if [ "$(id -u)" = 0 ]; then
  setpriv --reuid="$PG_UID" --regid="$PG_UID" --clear-groups \
    env HOME="$PG_DIR" PGPASSFILE="$PGPASSFILE" "$SVC_VSCD" --socket "$SVC_RUN/pg" \
    --vault "$PG_VAULT" --no-check --max-clients 256 --max-per-uid 0 --max-vscs 0 \
    2>>"$T_TMP/vscd.log" &
else
  "$SVC_VSCD" --socket "$SVC_RUN/pg" --vault "$PG_VAULT" --no-check \
    --max-clients 256 --max-per-uid 0 --max-vscs 0 2>>"$T_TMP/vscd.log" &
fi
PGVPID=$!
t_on_exit "kill $PGVPID 2>/dev/null"
for i in $(seq 1 200); do
  [ -S "$T_TMP/run/dir" ] && [ -S "$SVC_RUN/pg" ] && break
  sleep 0.05
done
"$RUN" "unix:$T_TMP/run/dir" "$DIRPID" "unix:$SVC_RUN/pg" "$PGVPID"
rc=$?
[ $rc = 0 ] || tail -n 20 "$T_TMP/vscd.log"
exit $rc
