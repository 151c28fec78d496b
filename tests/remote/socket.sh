#!/bin/sh
# socket.sh - vsctool remote over vscd --socket: create-less round trip
# with arbitrary bytes (--no-check), generation CAS with two concurrent
# clients (exactly one wins, the other gets the conflict, exit 6), and
# names with path tricks refused on both sides.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd: socket transport, compare-and-swap"

S="unix:$T_TMP/s"
U=0badc0de-1111-2222-3333-444455556666
remote_start_socket "$T_TMP/s" "$T_TMP/vaults" --no-check
V="$T_TMP/vaults/$(id -u)"
cd "$T_TMP" || exit 1

head -c 4194304 /dev/urandom > big
t_ok "put --new stores generation 1" "$VSCTOOL" remote "$S" put --new $U big
t_check "the vault holds it as <uuid>.1.vsc, mode 0600" \
  "[ \"\$(stat -c %a '$V/$U.1.vsc')\" = 600 ] && cmp -s big '$V/$U.1.vsc'"
t_check "the per-uid vault directory is 0700" "[ \"\$(stat -c %a '$V')\" = 700 ]"
t_fail "put --new again is a conflict" "$VSCTOOL" remote "$S" put --new $U big
t_ok "ls lists it" sh -c "'$VSCTOOL' remote '$S' ls | grep -q '^$U  *1 '"
t_ok "stat --json" sh -c "'$VSCTOOL' remote --json '$S' stat $U | grep -q '\"generation\":1'"
t_ok "get writes the file" "$VSCTOOL" remote "$S" get $U got
t_check "... byte for byte, with its generation recorded" \
  "cmp -s big got && grep -q '^$U 1\$' got.remote"

# Two clients race from the same generation, ten rounds.
wins=0; conflicts=0; other=0
for round in 1 2 3 4 5 6 7 8 9 10; do
  "$VSCTOOL" remote "$S" get $U c1 >/dev/null 2>&1
  cp c1 c2; cp c1.remote c2.remote
  echo "one $round" >> c1; echo "two $round" >> c2
  "$VSCTOOL" remote "$S" put c1 >o1 2>e1 & p1=$!
  "$VSCTOOL" remote "$S" put c2 >o2 2>e2 & p2=$!
  wait $p1; r1=$?; wait $p2; r2=$?
  for r in $r1 $r2; do
    case $r in 0) wins=$((wins+1));; 6) conflicts=$((conflicts+1));; *) other=$((other+1));; esac
  done
  [ $r1 = 0 ] && cp c1 winner; [ $r2 = 0 ] && cp c2 winner
  [ $r1 = 6 ] && cp e1 loser.err; [ $r2 = 6 ] && cp e2 loser.err
done
t_check "10 races: 10 winners, 10 conflicts, no other outcome ($wins/$conflicts/$other)" \
  "[ $wins = 10 ] && [ $conflicts = 10 ] && [ $other = 0 ]"
t_check "the loser is told why" "grep -q 'generation conflict' loser.err"
t_ok "another client gets the last winner" "$VSCTOOL" remote "$S" get $U final
t_check "... at generation 11, byte for byte" "grep -q '^$U 11\$' final.remote && cmp -s final winner"
t_check "the vault keeps the last 10 generations (--keep default)" \
  "[ \$(ls '$V' | grep -c '^$U\.[0-9]*\.vsc\$') = 10 ] && [ ! -e '$V/$U.1.vsc' ]"
t_ok "history lists them" sh -c "'$VSCTOOL' remote '$S' history $U > hist"
t_check "... newest first, generations 11 down to 2" \
  "[ \"\$(awk 'NR > 1 { print \$1 }' hist | tr '\n' ' ')\" = '11 10 9 8 7 6 5 4 3 2 ' ]"
t_check "... each stored by this account" "[ \$(grep -c ' $(id -un) (local pid ' hist) = 10 ]"
t_check "... below the column header" \
  "LC_ALL=C LANGUAGE= '$VSCTOOL' remote '$S' history $U | head -n 1 | grep -Eq '^GEN +BYTES +STORED \(UTC\) +BY\$'"
t_ok "history --json" sh -c "'$VSCTOOL' remote --json '$S' history $U > hist.json"
t_check "... one object: the UUID, the ten generations newest first" \
  "[ \$(wc -l < hist.json) = 1 ] && grep -Eq '^\\{\"uuid\":\"$U\",\"generations\":\\[\\{\"generation\":11,.*\\}\\]\\}\$' hist.json && [ \$(grep -o '\"generation\":' hist.json | wc -l) = 10 ] && [ \$(grep -o '},{' hist.json | wc -l) = 9 ]"
t_ok "ls --json" sh -c "'$VSCTOOL' remote --json '$S' ls > ls.json"
t_check "... one object with the one VSC" \
  "grep -Eq '^\\{\"vscs\":\\[\\{\"uuid\":\"$U\",\"generation\":11,\"size\":[0-9]+,\"mtime\":\"[^\"]+\"\\}\\]\\}\$' ls.json && [ \$(wc -l < ls.json) = 1 ]"
t_ok "get -g fetches an old generation" "$VSCTOOL" remote "$S" get $U old -g 5
t_check "... that generation's bytes" "grep -q '^$U 5\$' old.remote && tail -c 12 old | grep -q 'one 4\|two 4'"

# Stale copy: put with the generation of an older get.
printf '%s 3\n' $U > final.remote
t_fail "a put based on generation 3 is refused" "$VSCTOOL" remote "$S" put final
t_check "with exit code 6 (conflict)" "'$VSCTOOL' remote '$S' put final 2>/dev/null; [ \$? = 6 ]"

# Names: the client refuses, and raw frames are refused by the server.
t_fail "client refuses ../ names" "$VSCTOOL" remote "$S" get ../../etc/passwd x
t_fail "client refuses upper-case UUIDs" "$VSCTOOL" remote "$S" get 0BADC0DE-1111-2222-3333-444455556666 x
t_fail "raw put with a path as UUID is refused by the server" \
  python3 "$FRAMES_PY" put "$T_TMP/s" "../../../../../../tmp/evil-$$" 0 big
t_check "nothing was written outside the vault" "[ ! -e /tmp/evil-$$ ]"

t_ok "rm with a stale generation fails" sh -c "! '$VSCTOOL' remote '$S' rm $U -g 2"
t_ok "rm with the current generation" "$VSCTOOL" remote "$S" rm $U -g 11
t_fail "get after rm: not found" "$VSCTOOL" remote "$S" get $U x
t_check "the vault is empty again" "[ -z \"\$(ls '$V')\" ]"
t_fail "bad URL is a usage error" "$VSCTOOL" remote "ssh://-oProxyCommand=x" ls
t_fail "no server on the socket" "$VSCTOOL" remote "unix:$T_TMP/nothing" ls

# Quota: a vault holds at most --max-vscs VSCs.
remote_start_socket "$T_TMP/q" "$T_TMP/qvaults" --no-check --max-vscs 2
Q="unix:$T_TMP/q"
t_ok "quota: first new VSC" "$VSCTOOL" remote "$Q" put --new 00000000-0000-0000-0000-000000000001 big
t_ok "quota: second new VSC" "$VSCTOOL" remote "$Q" put --new 00000000-0000-0000-0000-000000000002 big
t_fail "quota: a third is refused" "$VSCTOOL" remote "$Q" put --new 00000000-0000-0000-0000-000000000003 big
t_check "... saying why" "grep -q 'the limit is 2' '$T_TMP/out'"
t_fail "quota: create is refused too" "$VSCTOOL" remote "$Q" create
t_ok "quota: updating an existing one is fine" "$VSCTOOL" remote "$Q" put 00000000-0000-0000-0000-000000000001 big -g 1
