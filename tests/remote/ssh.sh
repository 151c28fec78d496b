#!/bin/sh
# ssh.sh - vsctool remote over ssh to "vscd --stdio" started by a forced
# command (the vscd(8) authorized_keys example), against an sshd of our
# own on 127.0.0.1: create on the server, get, open with the returned
# password, change, put back, another client sees the new generation;
# concurrent puts; a second key with its own forced vault sees nothing
# of the first.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd over ssh"

SSHD=/usr/sbin/sshd
[ "$(id -u)" = 0 ] || t_skip "sshd needs root"
[ -x "$SSHD" ] || t_skip "openssh-server is not installed"
command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1 \
  || t_skip "openssh-client is not installed"
mkdir -p /run/sshd && chmod 755 /run/sshd

K="$T_TMP/keys"; mkdir "$K"
ssh-keygen -q -t ed25519 -N '' -C host -f "$K/host" || exit 1
ssh-keygen -q -t ed25519 -N '' -C alice -f "$K/alice" || exit 1
ssh-keygen -q -t ed25519 -N '' -C bob -f "$K/bob" || exit 1
{
  printf 'command="%s --stdio --vault %s --log-file %s -v -v",restrict %s\n' "$VSCD" "$T_TMP/vault-alice" "$T_TMP/vscd.log" "$(cat "$K/alice.pub")"
  printf 'command="%s --stdio --vault %s",restrict %s\n' "$VSCD" "$T_TMP/vault-bob" "$(cat "$K/bob.pub")"
} > "$K/authorized_keys"

# A free high port on 127.0.0.1.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$K/sshd_config" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $K/host
PidFile $K/sshd.pid
AuthorizedKeysFile $K/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
AllowTcpForwarding no
X11Forwarding no
LogLevel VERBOSE
EOC
"$SSHD" -D -f "$K/sshd_config" -E "$K/sshd.log" &
SSHD_PID=$!
t_on_exit "kill $SSHD_PID 2>/dev/null; wait $SSHD_PID 2>/dev/null"
for i in $(seq 1 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
  sleep 0.05
done
t_check "sshd listens on 127.0.0.1:$PORT" "kill -0 $SSHD_PID"
echo "[127.0.0.1]:$PORT $(cat "$K/host.pub")" > "$K/known_hosts"

ssh_cmd () {
  echo "ssh -F /dev/null -i $K/$1 -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$K/known_hosts -o StrictHostKeyChecking=yes"
}
VSC_SSH=$(ssh_cmd alice); export VSC_SSH
URL="ssh://root@127.0.0.1:$PORT"
cd "$T_TMP" || exit 1

# --- create on the server, the password comes back once ---------------
t_ok "create over ssh" "$VSCTOOL" remote "$URL" create -o a.vsc --password-out pw
cp "$T_TMP/out" create.out
UUID=$(sed -n 's/^Created VSC \([0-9a-f-]*\) .*/\1/p' create.out)
t_check "a UUID came back ($UUID)" "[ \${#UUID} = 36 ]"
t_check "the password came back (file, 0600)" "[ -s pw ] && [ \"\$(stat -c %a pw)\" = 600 ]"
t_check "the vault holds the VSC at generation 1" "[ -f '$T_TMP/vault-alice/$UUID.1.vsc' ]"
t_check "the vault is 0700 and the file 0600" \
  "[ \"\$(stat -c %a '$T_TMP/vault-alice')\" = 700 ] && [ \"\$(stat -c %a '$T_TMP/vault-alice/$UUID.1.vsc')\" = 600 ]"
PWSTR=$(cat pw)
t_check "the password is not in the vault" "[ -n \"\$PWSTR\" ] && ! grep -rqF -- '$PWSTR' '$T_TMP/vault-alice'"
t_check "the password is in no server log (vscd at debug level)" "[ -s '$T_TMP/vscd.log' ] && [ -n \"\$PWSTR\" ] && ! grep -qF -- '$PWSTR' '$K/sshd.log' '$T_TMP/vscd.log' 2>/dev/null"
t_check "the local copy is the server's" "cmp -s a.vsc '$T_TMP/vault-alice/$UUID.1.vsc'"

# --- get, open with the password, change, put back ----------------------
t_ok "get over ssh" "$VSCTOOL" remote "$URL" get "$UUID" mine.vsc
t_ok "vsctool info shows the VSC's UUID" sh -c "'$VSCTOOL' info mine.vsc | grep -q '$UUID'"
t_ok "every byte verifies with the returned password" \
  "$VSCTOOL" verify --password-file pw mine.vsc
echo WRONG-PASSWORD > badpw
t_fail "a wrong password does not open it" "$VSCTOOL" verify --password-file badpw mine.vsc
t_ok "vsctool ls -a of the new VSC" "$VSCTOOL" ls -a --password-file pw mine.vsc
printf 'hello from the test\n' > node.bin
t_ok "vsctool put a node into it" "$VSCTOOL" put --password-file pw mine.vsc 3F00/5015 node.bin
t_ok "remote put sends the generation it got" "$VSCTOOL" remote "$URL" put mine.vsc
t_check "the server is at generation 2 (generation 1 kept as history)" \
  "[ -f '$T_TMP/vault-alice/$UUID.2.vsc' ] && [ -f '$T_TMP/vault-alice/$UUID.1.vsc' ] && [ ! -e '$T_TMP/vault-alice/$UUID.3.vsc' ]"
t_ok "another client gets generation 2" "$VSCTOOL" remote "$URL" get "$UUID" other.vsc
t_check "... recorded as generation 2" "grep -q '^$UUID 2\$' other.vsc.remote"
t_ok "... and sees the change" sh -c "'$VSCTOOL' cat --password-file pw other.vsc 3F00/5015 | grep -q 'hello from the test'"

# --- concurrent puts over ssh: exactly one wins -------------------------
cp other.vsc r1.vsc; cp other.vsc.remote r1.vsc.remote
cp other.vsc r2.vsc; cp other.vsc.remote r2.vsc.remote
"$VSCTOOL" remote "$URL" put r1.vsc >o1 2>e1 & p1=$!
"$VSCTOOL" remote "$URL" put r2.vsc >o2 2>e2 & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
t_check "two concurrent puts: one succeeded, one got the conflict (exit $r1 and $r2)" \
  "{ [ $r1 = 0 ] && [ $r2 = 6 ]; } || { [ $r1 = 6 ] && [ $r2 = 0 ]; }"
t_check "the conflict says so" "cat e1 e2 | grep -q 'generation conflict'"

# --- a second key with its own forced vault sees nothing ----------------
VSC_SSH=$(ssh_cmd bob); export VSC_SSH
t_ok "bob's ls works" "$VSCTOOL" remote "$URL" ls
t_check "... and shows nothing of alice's" "! grep -q '$UUID' '$T_TMP/out'"
t_fail "bob cannot get alice's VSC" "$VSCTOOL" remote "$URL" get "$UUID" x.vsc
t_fail "bob cannot delete alice's VSC" "$VSCTOOL" remote "$URL" rm "$UUID"
t_check "alice's VSC is still there" "ls '$T_TMP/vault-alice' | grep -q '$UUID.3.vsc'"

# --- transport failures are clean errors ---------------------------------
VSC_SSH="ssh -F /dev/null -i $K/host -o IdentitiesOnly=yes -o BatchMode=yes -o UserKnownHostsFile=$K/known_hosts"
export VSC_SSH
t_fail "a key the server does not know: clean failure" "$VSCTOOL" remote "$URL" ls
VSC_SSH=$(ssh_cmd alice); export VSC_SSH
t_ok "alice deletes her VSC" "$VSCTOOL" remote "$URL" rm "$UUID"
t_check "the vault is empty" "[ -z \"\$(ls '$T_TMP/vault-alice')\" ]"
