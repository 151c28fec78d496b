#!/bin/sh
# backup-remote.sh - vsctool backup --remote: the server creates the VSC,
# the card (in-process emulator) is backed up into it and stored as
# generation 2; what comes back from the server holds the same files as
# a local backup of the card. Failures: no server, an existing OUT, a
# cancelled backup (the new VSC is deleted again), a put that loses a
# race (the local copy is kept and named), a server idle limit during a
# slow PIN entry (reconnect). Over ssh too when sshd can be started.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vsctool backup --remote"

CARD="$top_srcdir/tests/cards/pkcs15.card"
S="unix:$T_TMP/s"
remote_start_socket "$T_TMP/s" "$T_TMP/vaults"
V="$T_TMP/vaults/$(id -u)"
cd "$T_TMP" || exit 1
# vsctool's private temporary directories go here, to be checked.
mkdir tmp && TMPDIR="$T_TMP/tmp" && export TMPDIR
echo 123456 > pin
echo "local test password" > lpw
json_get () {   # json_get FILE KEY[.KEY]
  python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print("null" if v is None else v)' "$1" "$2"
}
# VSCs in the vault (not generations: the vault keeps a history).
nvault () { ls "$V" 2>/dev/null | grep '\.vsc$' | cut -c1-36 | sort -u | wc -l; }

# The reference: a local backup of the same card (7: the on-card key
# is not extractable, so "partial").
"$VSCTOOL" backup --emu "$CARD" --pin-file pin --password-file lpw local.vsc \
  > local.out 2>&1
rc=$?
t_check "local backup of the card (exit $rc)" \
  '{ [ $rc = 0 ] || [ $rc = 7 ]; } && [ -s local.vsc ]'

# --- backup --remote without OUT -----------------------------------------
"$VSCTOOL" backup --emu "$CARD" --pin-file pin --remote "$S" --json \
  > r.json 2> r.err
rc=$?
t_check "backup --remote exits like the local one ($rc)" \
  '{ [ $rc = 0 ] || [ $rc = 7 ]; } && grep -q "\"nodes\"" r.json'
UUID=$(json_get r.json remote.uuid)
PW=$(json_get r.json password)
t_check "the JSON names the server, the UUID and generation 2" \
  "[ \"\$(json_get r.json remote.url)\" = '$S' ] && [ \${#UUID} = 36 ] \
   && [ \"\$(json_get r.json uuid)\" = \"\$UUID\" ] \
   && [ \"\$(json_get r.json remote.generation)\" = 2 ]"
t_check "no local file is named (\"file\": null)" "[ \"\$(json_get r.json file)\" = null ]"
t_check "the server's password came back once" "[ \${#PW} -ge 16 ]"
t_check "the vault holds exactly that VSC at generation 2, mode 0600" \
  "[ \$(nvault) = 1 ] && [ \"\$(stat -c %a '$V/$UUID.2.vsc')\" = 600 ]"
t_check "the temporary copy is gone" "[ -z \"\$(ls -A tmp)\" ]"
t_check "the password is in no server log" "! grep -qF -- \"\$PW\" '$T_TMP/vscd.log' '$V'/* 2>/dev/null"

t_ok "remote get of the backup" "$VSCTOOL" remote "$S" get "$UUID" x.vsc
printf '%s\n' "$PW" > rpw
t_ok "it verifies with the returned password" "$VSCTOOL" verify --password-file rpw x.vsc
t_ok "vsctool info shows its UUID" sh -c "'$VSCTOOL' info x.vsc | grep -q '$UUID'"
"$VSCTOOL" ls -a --password-file lpw local.vsc > ls-local 2>&1
"$VSCTOOL" ls -a --password-file rpw x.vsc > ls-remote 2>&1
t_check "ls -a lists the card's files ($(wc -l < ls-remote) lines)" \
  "grep -q 5015 ls-remote && [ \$(wc -l < ls-remote) -ge 8 ]"
t_check "... the same as in the local backup" "cmp -s ls-local ls-remote"
t_ok "vsctool diff: local and remote backup hold the same card" \
  "$VSCTOOL" diff --password-file lpw --password-file2 rpw local.vsc x.vsc
# Every readable EF's content, compared with the local backup.
n=0; bad=0
for p in $(cat ls-local); do
  "$VSCTOOL" cat --password-file lpw local.vsc "$p" > c1 2>/dev/null || continue
  "$VSCTOOL" cat --password-file rpw x.vsc "$p" > c2 2>/dev/null || { bad=$((bad+1)); continue; }
  [ -s c1 ] || continue
  n=$((n+1)); cmp -s c1 c2 || bad=$((bad+1))
done
t_check "cat: $n files with content, identical in both ($bad differ)" "[ $n -ge 3 ] && [ $bad = 0 ]"

# --- with OUT: the local copy is kept --------------------------------------
"$VSCTOOL" backup --emu "$CARD" --pin-file pin --remote "$S" out.vsc > out.txt 2>&1
rc=$?
t_check "backup --remote OUT (exit $rc)" '[ $rc = 0 ] || [ $rc = 7 ]'
U2=$(sed -n 's/^UUID: *//p' out.txt)
t_check "text output: UUID, password, where it is stored" \
  "[ \${#U2} = 36 ] && grep -q '^Password: ' out.txt && grep -q '^Stored: *$S, generation 2' out.txt"
t_check "OUT is kept, 0600, byte for byte the server's generation 2" \
  "[ \"\$(stat -c %a out.vsc)\" = 600 ] && cmp -s out.vsc '$V/$U2.2.vsc'"
sed -n 's/^Password: //p' out.txt > opw
t_ok "OUT opens with the printed password" "$VSCTOOL" verify --password-file opw out.vsc

# --- failures ----------------------------------------------------------------
cp out.vsc keep.vsc
"$VSCTOOL" backup --emu "$CARD" --pin-file pin --remote "$S" out.vsc > e.out 2>&1
rc=$?
t_check "an existing OUT is refused (exit $rc = 6), left as it was, no new VSC" \
  "[ $rc = 6 ] && cmp -s out.vsc keep.vsc && [ \$(nvault) = 2 ]"

"$VSCTOOL" backup --emu "$CARD" --pin-file pin --remote "unix:$T_TMP/nothing" \
  gone.vsc > e.out 2>&1
rc=$?
t_check "no server: exit $rc (1), saying so" \
  "[ $rc = 1 ] && grep -q 'cannot connect to the server unix:$T_TMP/nothing' e.out"
t_check "... and no file left behind" "[ ! -e gone.vsc ] && [ -z \"\$(ls -A tmp)\" ]"
t_fail "a bad URL is a usage error" "$VSCTOOL" backup --emu "$CARD" --remote "ssh://-oProxyCommand=x"
t_fail "--password-file with --remote is refused" \
  "$VSCTOOL" backup --emu "$CARD" --remote "$S" --password-file lpw
t_fail "--ssh-command without --remote is refused" \
  "$VSCTOOL" backup --emu "$CARD" --ssh-command ssh y.vsc
t_check "... leaving nothing" "[ ! -e y.vsc ] && [ \$(nvault) = 2 ]"

# A PIN that takes its time: --pin-file is a FIFO we write to later.
mkfifo fifo
slow_backup () {   # slow_backup URL OUTFILE... (runs in the background)
  "$VSCTOOL" backup --emu "$CARD" --pin-file fifo --remote "$@" > slow.out 2>&1 &
  SLOW=$!
  # Created on the server, and now waiting for the PIN.
  for i in $(seq 1 200); do
    [ $(nvault) -gt "$N0" ] && grep -q 'is needed' slow.out && return 0
    sleep 0.05
  done
  return 1
}

# Cancelled while waiting for the PIN: the new VSC is deleted again.
N0=$(nvault)
slow_backup "$S" cancel.vsc
t_check "the server created the VSC before the card was read" "[ \$(nvault) = $((N0 + 1)) ]"
kill -INT $SLOW
timeout 5 sh -c ': > fifo' 2>/dev/null
wait $SLOW; rc=$?
t_check "Ctrl-C: exit $rc (8)" "[ $rc = 8 ]"
t_check "... the server's new VSC was deleted, no local file" \
  "[ \$(nvault) = $N0 ] && [ ! -e cancel.vsc ] && [ -z \"\$(ls -A tmp)\" ]"

# Someone else stores a generation first: the put is a conflict, the
# local copy is kept, named, with its password.
N0=$(nvault)
slow_backup "$S"
U3=$(cd "$V" && ls -t | grep '\.1\.vsc$' | head -n 1 | cut -c1-36)
"$VSCTOOL" remote "$S" get "$U3" theirs.vsc > /dev/null 2>&1
"$VSCTOOL" remote "$S" put theirs.vsc > /dev/null 2>&1
echo 123456 > fifo
wait $SLOW; rc=$?
t_check "a lost race is a conflict (exit $rc = 6)" "[ $rc = 6 ] && grep -q 'generation conflict' slow.out"
KEPT=$(sed -n 's/^vsctool: the backup is kept in //p' slow.out)
sed -n 's/^vsctool: VSC .*, password: //p' slow.out > kpw
t_check "the local copy is kept ($KEPT), 0600, in a private directory" \
  "[ -s \"\$KEPT\" ] && [ \"\$(stat -c %a \"\$KEPT\")\" = 600 ] \
   && [ \"\$(stat -c %a \"\$(dirname \"\$KEPT\")\")\" = 700 ]"
t_ok "... and opens with the printed password" "$VSCTOOL" verify --password-file kpw "$KEPT"
t_check "... holding the card's files" \
  "'$VSCTOOL' ls -a --password-file kpw \"\$KEPT\" > ls-kept 2>&1 && cmp -s ls-local ls-kept"
t_check "the server's VSC is theirs (generation 2)" "cmp -s theirs.vsc '$V/$U3.2.vsc'"
t_check "the message tells how to store it later" \
  "grep -q 'vsctool remote $S put $U3 .* -g 1' slow.out"
rm -rf "$(dirname "$KEPT")"

# The server's idle limit (1 s) passes while the PIN is awaited: the put
# reconnects once and succeeds.
remote_start_socket "$T_TMP/t" "$T_TMP/vaults" --timeout 1 -v
N0=$(nvault)
slow_backup "unix:$T_TMP/t" --json
sleep 2.5
echo 123456 > fifo
wait $SLOW; rc=$?
t_check "idle limit passed during the backup: still stored (exit $rc)" \
  "{ [ $rc = 0 ] || [ $rc = 7 ]; } && grep -q '\"generation\":2' slow.out"
t_check "... the server had dropped the first connection" "grep -q 'idle for too long' '$T_TMP/vscd.log'"
t_check "... no temporary copy left" "[ -z \"\$(ls -A tmp)\" ]"

# --- over ssh (vscd --stdio by a forced command), when we can run sshd ----
SSHD=/usr/sbin/sshd
if [ "$(id -u)" = 0 ] && [ -x "$SSHD" ] && command -v ssh >/dev/null 2>&1; then
  K="$T_TMP/keys"; mkdir "$K" && mkdir -p /run/sshd
  ssh-keygen -q -t ed25519 -N '' -C host -f "$K/host"
  ssh-keygen -q -t ed25519 -N '' -C me -f "$K/me"
  printf 'command="%s --stdio --vault %s",restrict %s\n' "$VSCD" \
    "$T_TMP/vault-ssh" "$(cat "$K/me.pub")" > "$K/authorized_keys"
  PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  printf '%s\n' "Port $PORT" "ListenAddress 127.0.0.1" "HostKey $K/host" \
    "PidFile $K/sshd.pid" "AuthorizedKeysFile $K/authorized_keys" \
    "StrictModes no" "UsePAM no" "PermitRootLogin prohibit-password" \
    "PasswordAuthentication no" "KbdInteractiveAuthentication no" > "$K/sshd_config"
  "$SSHD" -D -f "$K/sshd_config" -E "$K/sshd.log" &
  SSHD_PID=$!
  t_on_exit "kill $SSHD_PID 2>/dev/null; wait $SSHD_PID 2>/dev/null"
  for i in $(seq 1 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
    sleep 0.05
  done
  echo "[127.0.0.1]:$PORT $(cat "$K/host.pub")" > "$K/known_hosts"
  SSHC="ssh -F /dev/null -i $K/me -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$K/known_hosts -o StrictHostKeyChecking=yes"
  URL="ssh://root@127.0.0.1:$PORT"
  "$VSCTOOL" backup --emu "$CARD" --pin-file pin --remote "$URL" \
    --ssh-command "$SSHC" --json > ssh.json 2> ssh.err
  rc=$?
  US=$(json_get ssh.json remote.uuid 2>/dev/null)
  t_check "over ssh: backup --remote --ssh-command (exit $rc)" \
    "{ [ $rc = 0 ] || [ $rc = 7 ]; } && [ -f '$T_TMP/vault-ssh/$US.2.vsc' ]"
  json_get ssh.json password > spw
  VSC_SSH="$SSHC" "$VSCTOOL" remote "$URL" get "$US" s.vsc > /dev/null 2>&1
  t_check "... what comes back holds the card's files" \
    "'$VSCTOOL' ls -a --password-file spw s.vsc > ls-ssh 2>&1 && cmp -s ls-local ls-ssh"
  "$VSCTOOL" backup --emu "$CARD" --pin-file pin --remote "$URL" \
    --ssh-command "$(echo "$SSHC" | sed "s,-i $K/me,-i $K/host,")" nossh.vsc \
    > e.out 2>&1
  rc=$?
  t_check "over ssh: an unknown key is refused (exit $rc), nothing left" \
    "[ $rc = 1 ] && grep -q 'cannot connect' e.out && [ ! -e nossh.vsc ] \
     && [ -z \"\$(ls -A tmp)\" ] && [ \$(ls '$T_TMP/vault-ssh' | grep '\.vsc\$' | cut -c1-36 | sort -u | wc -l) = 1 ]"
else
  echo "# (no ssh run: needs root and openssh-server)"
fi
