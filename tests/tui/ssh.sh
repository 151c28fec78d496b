#!/bin/sh
# tests/tui/ssh.sh - the manager over SSH (ssh -t to a private sshd on
# 127.0.0.1 with its own host key, authorized key, config and PID in the
# test directory): start screen, card tree, backup with PIN and the
# password shown once; then the SSH client is killed and vscman must
# get SIGHUP and exit (no process left behind).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman over ssh -t"

[ "$(id -u)" -eq 0 ] || t_skip "sshd privilege separation needs root"
[ -x /usr/sbin/sshd ] || t_skip "openssh-server is not installed"
command -v ssh >/dev/null 2>&1 || t_skip "ssh client is not installed"
mkdir -p /run/sshd

S="$T_TMP/ssh"
mkdir -p "$S"
chmod 700 "$S"
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key" >/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$S/user_key" >/dev/null
cp "$S/user_key.pub" "$S/authorized_keys"
chmod 600 "$S/authorized_keys"
PORT=$((20000 + $$ % 20000))
cat > "$S/sshd_config" <<EOC
Port $PORT
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
AcceptEnv LANG LC_*
EOC
/usr/sbin/sshd -D -f "$S/sshd_config" -E "$S/sshd.log" &
SSHD_PID=$!
t_on_exit "kill $SSHD_PID 2>/dev/null"
i=0
while [ $i -lt 100 ] && ! ssh -q -p "$PORT" -i "$S/user_key" -o BatchMode=yes \
      -o StrictHostKeyChecking=no -o UserKnownHostsFile="$S/known_hosts" \
      -o IdentitiesOnly=yes root@127.0.0.1 true 2>/dev/null; do
  sleep 0.1; i=$((i + 1))
done
t_check "private sshd answers on 127.0.0.1:$PORT" '[ $i -lt 100 ]'

MARK="$T_TMP/vsc-over-ssh"
mkdir -p "$MARK"
REMOTE="cd '$top_builddir' && XDG_CONFIG_HOME='$TUI_CFG' XDG_DATA_HOME='$TUI_DATA' TERM=xterm-256color ./vscman --emu '$CARDS/pkcs15.card' --emu '$CARDS/blank.card' --vsc-dir '$MARK'"
tui_start_cmd 120 30 "ssh -t -p $PORT -i '$S/user_key' -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile='$S/known_hosts' -o IdentitiesOnly=yes root@127.0.0.1 \"$REMOTE\""
tui_expect "start screen over ssh" "Readers (2) and cards (2)" 20
tui_keys Enter
tui_expect "card tree over ssh" "ef-linear-variable" 30
tui_expect "the scan found the unlisted DF" "7001"
# This test is about the PIN dialog over ssh: back up once the background
# scan is over (F5 during a scan is tests/tui/scan.sh's subject).
tui_expect "the scan is over" "Scan complete" 60
tui_keys F5
tui_expect "backup form over ssh" "New VSC file:"
tui_keys Enter
tui_expect "PIN dialog over ssh" "tries left" 20
tui_keys 1 2 3 4 5 6 Enter
tui_expect "backup complete over ssh" "Backup complete" 30
tui_keys w
tui_expect "password shown over ssh" "I have written it down?"
tui_keys y
tui_keys Escape Escape
tui_expect "back on the start screen" "Readers (2)"
t_check "VSC written over ssh" 'ls "$MARK"/*.vsc >/dev/null 2>&1'

# Start a second backup and drop the connection while it waits for the
# PIN (the operation is running on the worker): vscman gets SIGHUP,
# cancels the operation, restores the terminal and exits; no second VSC
# and no temporary file is left.
tui_keys g F8
tui_expect "card removed (PIN state gone)" "(no card)"
tui_keys F8
tui_expect "card inserted again" "Readers (2) and cards (2)"
tui_keys Enter
tui_expect "card tree again" "ef-linear-variable" 30
tui_expect "the scan is over again" "Scan complete" 60
tui_keys F5
tui_expect "second backup form" "New VSC file:"
tui_keys Enter
tui_expect "second backup waits for the PIN" "tries left" 20
pgrep -f -- "--vsc-dir $MARK" >/dev/null
t_check "vscman runs on the server side" '[ $? -eq 0 ]'
CLIENT=$(pgrep -P "$(tmux_ display-message -p '#{pane_pid}')" -x ssh || true)
t_check "ssh client found" '[ -n "$CLIENT" ]'
[ -n "$CLIENT" ] && kill -9 "$CLIENT"
i=0
while [ $i -lt 100 ] && pgrep -f -- "--vsc-dir $MARK" >/dev/null; do
  sleep 0.1; i=$((i + 1))
done
t_check "vscman exits on hangup during an operation (no process left)" '! pgrep -f -- "--vsc-dir $MARK" >/dev/null'
t_check "only the first VSC exists (the cancelled one was not written)" '[ "$(ls "$MARK" | wc -l)" -eq 1 ]'
