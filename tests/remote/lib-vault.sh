# lib-vault.sh - the vault tests both back ends run (sourced after
# tests/lib.sh, lib-remote.sh and, for PostgreSQL, lib-pg.sh).
#
# The caller sets
#   VAULT_SPEC     --vault for vscd: a directory base or a database
#   RUN_DIR        where the sockets go (writable by the server account)
#   AS_SVC         a program that execs its arguments as the account vscd
#                  runs as (root for the directory, the service account
#                  for PostgreSQL): vault_as_svc makes one
#   SVC_BIN_VSCD, SVC_BIN_VSCTOOL   vscd and vsctool that account (and
#                  throw-away users) can run
#
#   vault_servers N OPTS...   start N vscd --socket on the one vault,
#                             each in its own process group; URLS gets
#                             their URLs (comma-separated), VSCD_PGIDS
#                             their group ids
#   vault_kill_servers        SIGKILL every process of those groups
#   vault_race CLIENTS GENS   vault-clients race over all servers
#   vault_history_audit       history, get -g and the audit log
#   vault_isolation           two throw-away unix users on one server

VAULT_CLIENTS="$top_builddir/tests/remote/vault-clients"
[ -x "$VAULT_CLIENTS" ] || { echo "FAIL: $VAULT_CLIENTS not built"; exit 1; }

# vault_as_svc [UID ENV...]: write $T_TMP/bin/as-svc (plain exec, or
# setpriv to UID with the environment assignments ENV) and set AS_SVC.
vault_as_svc () {
  local uid="${1:-}"
  mkdir -p "$T_TMP/bin"
  chmod 755 "$T_TMP/bin"
  if [ -n "$uid" ]; then
    shift
    printf '#!/bin/sh\nexec setpriv --reuid=%s --regid=%s --clear-groups env %s "$@"\n' \
      "$uid" "$uid" "$*" > "$T_TMP/bin/as-svc"
  else
    printf '#!/bin/sh\nexec "$@"\n' > "$T_TMP/bin/as-svc"
  fi
  chmod 755 "$T_TMP/bin/as-svc"
  AS_SVC="$T_TMP/bin/as-svc"
}

vault_servers () {
  local n="$1" i k
  shift
  URLS=; VSCD_PGIDS=
  for i in $(seq 1 "$n"); do
    rm -f "$RUN_DIR/s$i"
    # Not a process group leader (no job control here), so setsid execs
    # in place: $! is vscd, the leader of a new group its connection
    # processes join.
    setsid "$AS_SVC" "$SVC_BIN_VSCD" --socket "$RUN_DIR/s$i" \
      --vault "$VAULT_SPEC" "$@" 2>>"$T_TMP/vscd.log" &
    VSCD_PGIDS="$VSCD_PGIDS $!"
    URLS="${URLS:+$URLS,}unix:$RUN_DIR/s$i"
  done
  for i in $(seq 1 "$n"); do
    for k in $(seq 1 200); do [ -S "$RUN_DIR/s$i" ] && break; sleep 0.05; done
    [ -S "$RUN_DIR/s$i" ] || { echo "FAIL: vscd $i did not start"; tail "$T_TMP/vscd.log"; return 1; }
  done
  t_on_exit "vault_kill_servers"
}

vault_kill_servers () {
  local g
  for g in $VSCD_PGIDS; do kill -9 "-$g" 2>/dev/null; done
  for g in $VSCD_PGIDS; do
    for k in $(seq 1 100); do kill -0 "-$g" 2>/dev/null || break; sleep 0.05; done
  done
  VSCD_PGIDS=
}

vault_race () {
  t_ok "$1 clients race on one VSC through $(echo "$URLS" | tr ',' '\n' | wc -l) vscd processes on one vault" \
    "$VAULT_CLIENTS" race "$URLS" "$RACE_UUID" "$1" "$2"
  sed -n 's/^\(PASS\|FAIL\): /    \1: /p' "$T_TMP/out"
}

vault_history_audit () {
  local S U since
  S="unix:$RUN_DIR/s1"
  U=5eed0000-aaaa-4bbb-8ccc-$(printf '%012d' $$)
  since=$(date -u +%Y-%m-%dT%H:%M:%S)
  sleep 1
  cd "$T_TMP" || return 1
  head -c 3000 /dev/urandom > h1
  t_ok "history: generation 1" "$VSCTOOL" remote "$S" put --new "$U" h1
  for i in 2 3 4 5; do
    head -c $((3000 + i)) /dev/urandom > "h$i"
    cp h1.remote "h$i.remote"; sed -i "s/ [0-9]*\$/ $((i - 1))/" "h$i.remote"
    "$VSCTOOL" remote "$S" put "h$i" >/dev/null 2>&1 || t_failed "put generation $i"
  done
  t_ok "history of the VSC" sh -c "'$VSCTOOL' remote '$S' history $U > hist.txt"
  t_check "... the last 3 generations (--keep 3), newest first" \
    "[ \"\$(awk 'NR > 1 { print \$1 }' hist.txt | tr '\n' ' ')\" = '5 4 3 ' ]"
  t_check "... with their sizes" "awk 'NR == 2 { exit \$2 != 3005 } NR == 4 { exit \$2 != 3003 }' hist.txt"
  t_check "... stored by this account, from this host" \
    "[ \$(grep -c \" $(id -un) (local pid \" hist.txt) = 3 ]"
  t_ok "history --json" sh -c "'$VSCTOOL' remote --json '$S' history $U | grep -q '\"generation\":4,\"size\":3004'"
  t_ok "get -g 4: an old generation" "$VSCTOOL" remote "$S" get "$U" old4 -g 4
  t_check "... byte for byte, recorded as generation 4" "cmp -s old4 h4 && grep -q ' 4\$' old4.remote"
  t_fail "get -g 2: no longer kept" "$VSCTOOL" remote "$S" get "$U" old2 -g 2
  t_check "... saying so" "grep -q 'does not keep generation 2' '$T_TMP/out'"
  t_fail "a put based on the old generation is a conflict" "$VSCTOOL" remote "$S" put old4
  t_ok "restoring it: put it as the next generation" "$VSCTOOL" remote "$S" put "$U" old4 -g 5
  t_ok "... which the next get returns" "$VSCTOOL" remote "$S" get "$U" now
  t_check "... generation 6 with generation 4's bytes" "cmp -s now h4 && grep -q ' 6\$' now.remote"
  t_ok "rm" "$VSCTOOL" remote "$S" rm "$U"
  t_fail "history of a deleted VSC" "$VSCTOOL" remote "$S" history "$U"

  # The audit log: every create, get, put and delete and every refused
  # request, with account, peer and result; never a secret.
  t_ok "vscd --audit --since" sh -c "'$AS_SVC' '$SVC_BIN_VSCD' --audit --vault '$VAULT_SPEC' --since '$since' > audit.txt"
  t_check "... lists the 5 puts, the restoring put and the 2 gets" \
    "[ \$(grep -c \"  $(id -un)  put  $U  [0-9]*  local pid [0-9]*  .*  ok\$\" audit.txt) = 6 ] && [ \$(grep -c \"  get  $U  [46]  .*  ok\$\" audit.txt) = 2 ]"
  t_check "... the refused get of generation 2, the conflict, the delete, the refused history" \
    "grep -q \"  get  $U  2  .*No data\" audit.txt && grep -q \"  put  $U  4  .*Conflict\" audit.txt && grep -q \"  delete  $U  .*  ok\$\" audit.txt && grep -q \"  history  $U  .*Not found\" audit.txt"
  t_ok "vscd --audit --json --user" sh -c "'$AS_SVC' '$SVC_BIN_VSCD' --audit --vault '$VAULT_SPEC' --since '$since' --json --user '$(id -un)' > audit.json"
  t_check "... one JSON object per line, the same records" \
    "[ \$(wc -l < audit.json) = \$(wc -l < audit.txt) ] && python3 -c 'import json,sys; [json.loads(l) for l in open(\"audit.json\")]'"
  t_check "... with user, op, uuid, generation, peer, result" \
    "grep -q '\"user\":\"$(id -un)\",\"op\":\"put\",\"uuid\":\"$U\",\"generation\":3,\"peer\":\"local pid [0-9]*\"' audit.json"
  t_ok "vscd --audit --user someone-else: nothing" sh -c "[ -z \"\$('$AS_SVC' '$SVC_BIN_VSCD' --audit --vault '$VAULT_SPEC' --user nobody-here)\" ]"
  t_ok "vscd --audit --since tomorrow: nothing" sh -c "[ -z \"\$('$AS_SVC' '$SVC_BIN_VSCD' --audit --vault '$VAULT_SPEC' --since '$(date -u -d tomorrow +%Y-%m-%d)')\" ]"
  t_fail "a bad --since is refused" "$AS_SVC" "$SVC_BIN_VSCD" --audit --vault "$VAULT_SPEC" --since yesterday-ish
  cd - >/dev/null || return 1
}

# Two throw-away users on one server: each sees only their own VSCs.
vault_isolation () {
  local UA UB IA IB S U
  [ "$(id -u)" = 0 ] || { echo "# (isolation with two unix users needs root: not run)"; [ "${CI:-}" = true ] && t_failed "isolation needs root under CI"; return 0; }
  UA=vsa$$; UB=vsb$$
  useradd --system --no-create-home --shell /usr/sbin/nologin "$UA" || { t_failed "useradd"; return 1; }
  t_on_exit "userdel $UA"
  useradd --system --no-create-home --shell /usr/sbin/nologin "$UB" || { t_failed "useradd"; return 1; }
  t_on_exit "userdel $UB"
  IA=$(id -u "$UA"); IB=$(id -u "$UB")
  mkdir -p "$T_TMP/ua" "$T_TMP/ub"
  chown "$UA:" "$T_TMP/ua"; chown "$UB:" "$T_TMP/ub"
  chmod 711 "$T_TMP"
  S="unix:$RUN_DIR/s1"
  U=a1a1a1a1-0000-4000-8000-$(printf '%012d' $$)
  asA () { (cd "$T_TMP/ua" && setpriv --reuid="$IA" --regid="$IA" --clear-groups "$@"); }
  asB () { (cd "$T_TMP/ub" && setpriv --reuid="$IB" --regid="$IB" --clear-groups "$@"); }
  asA sh -c 'head -c 5000 /dev/urandom > mine'
  asB sh -c 'echo evil > evil'
  t_ok "user A stores a VSC" asA "$SVC_BIN_VSCTOOL" remote "$S" put --new "$U" mine
  t_ok "user B's list does not show it" asB sh -c "! '$SVC_BIN_VSCTOOL' remote '$S' ls | grep -q $U"
  t_fail "B cannot get A's VSC" asB "$SVC_BIN_VSCTOOL" remote "$S" get "$U" stolen
  t_fail "B cannot see its history" asB "$SVC_BIN_VSCTOOL" remote "$S" history "$U"
  t_fail "B cannot overwrite it" asB "$SVC_BIN_VSCTOOL" remote "$S" put "$U" evil -g 1
  t_fail "B cannot delete it" asB "$SVC_BIN_VSCTOOL" remote "$S" rm "$U"
  t_ok "B stores the same UUID as B's own VSC" asB "$SVC_BIN_VSCTOOL" remote "$S" put --new "$U" evil
  t_ok "A still gets A's bytes" asA "$SVC_BIN_VSCTOOL" remote "$S" get "$U" back
  t_check "... generation 1, byte for byte" "cmp -s '$T_TMP/ua/mine' '$T_TMP/ua/back' && grep -q ' 1\$' '$T_TMP/ua/back.remote'"
  t_ok "the audit log names each user for their own requests" \
    sh -c "'$AS_SVC' '$SVC_BIN_VSCD' --audit --vault '$VAULT_SPEC' --user $UB > '$T_TMP/iso.txt'; grep -q '  $UB  get  $U  .*Not found' '$T_TMP/iso.txt' && grep -q '  $UB  put  $U  1  .*  ok\$' '$T_TMP/iso.txt' && ! grep -q '  $UA  ' '$T_TMP/iso.txt'"
}
