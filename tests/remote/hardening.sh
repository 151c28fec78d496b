#!/bin/bash
# hardening.sh - vscd against a local user who wants more than a vault
# (issue 13, items 2, 5 and 8): a vault base that is not root's, a
# planted BASE/<uid> symlink, one uid holding every client process, a
# connection that never says hello, lock files for UUIDs that do not
# exist, the quota under concurrent puts, and --socket over a file that
# is not a stale socket.
#
# The attacker is a throw-away user this test creates (and removes); that
# needs root, as in CI. Without root the test is skipped, saying why.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd: hardening against local users"

[ "$(id -u)" = 0 ] || t_skip "needs root: the test creates a throw-away user"
command -v useradd >/dev/null && command -v setpriv >/dev/null \
  || t_skip "useradd and setpriv are needed"

EVIL="vsch$$"
useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$EVIL" \
  || t_skip "useradd failed"
t_on_exit "userdel '$EVIL' 2>/dev/null"
EUID_=$(id -u "$EVIL")
EGID_=$(id -g "$EVIL")
# A python the user can run (not a shim in root's home).
PY=/usr/bin/python3
[ -x "$PY" ] || t_skip "/usr/bin/python3 is needed"
as_evil () { setpriv --reuid="$EUID_" --regid="$EGID_" --clear-groups -- "$@"; }

chmod 711 "$T_TMP"
W="$T_TMP/w"            # a place the user may write to
mkdir -m 1777 "$W"
cd "$T_TMP" || exit 1
head -c 3000 /dev/urandom > "$W/blob"; chmod 644 "$W/blob"

# ---- item 2: the vault base -------------------------------------------
mkdir "$T_TMP/ubase"; chown "$EVIL" "$T_TMP/ubase"
t_fail "a base owned by another user is refused" \
  "$VSCD" --socket "$T_TMP/s1" --vault "$T_TMP/ubase"
t_check "... saying why" "grep -q 'belongs to uid $EUID_' '$T_TMP/out'"
t_check "... and no socket was made" "[ ! -e '$T_TMP/s1' ]"
mkdir -m 777 "$T_TMP/wbase"
t_fail "a base writable by others is refused" \
  "$VSCD" --socket "$T_TMP/s1" --vault "$T_TMP/wbase"
t_check "... saying why" "grep -q 'writable by others' '$T_TMP/out'"
mkdir -m 711 "$T_TMP/realbase"; ln -s realbase "$T_TMP/lbase"
t_fail "a base that is a symlink is refused" \
  "$VSCD" --socket "$T_TMP/s1" --vault "$T_TMP/lbase"

# A link the user planted (while the base was still theirs) to a file of
# root's: vscd must neither chown it nor use it.
B="$T_TMP/base"
mkdir -m 711 "$B"
echo "root's secret" > "$T_TMP/victim"; chmod 600 "$T_TMP/victim"
ln -s "$T_TMP/victim" "$B/$EUID_"
remote_start_socket "$T_TMP/s" "$B" --no-check --max-per-uid 2 \
  --hello-timeout 60
S="unix:$T_TMP/s"
t_fail "the user with a planted vault link is refused" \
  as_evil "$VSCTOOL" remote "$S" ls
t_check "... with a message" "grep -q 'cannot open your vault' '$T_TMP/out'"
t_check "root's file still belongs to root, mode 600" \
  "[ \"\$(stat -c %u:%a '$T_TMP/victim')\" = 0:600 ]"
t_check "... and is unchanged" "grep -q \"root's secret\" '$T_TMP/victim'"
t_check "the base is mode 0711" "[ \"\$(stat -c %a '$B')\" = 711 ]"
rm "$B/$EUID_"
t_ok "without the link the user gets a vault" \
  as_evil "$VSCTOOL" remote "$S" put --new 11111111-2222-3333-4444-555555555555 "$W/blob"
t_check "... made by vscd, the user's own, mode 0700" \
  "[ \"\$(stat -c %u:%a '$B/$EUID_')\" = $EUID_:700 ]"

# ---- item 5: one uid cannot hold every client process -----------------
# Two idle connections of the user (the limit is 2 per uid) ...
cat > "$T_TMP/idle.py" <<'EOF'
import os, socket, sys, time
socks = []
for i in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1]); socks.append(s)
print("connected", flush=True)
for i in range(1200):           # until the test says stop (at most 120 s)
    if os.path.exists(sys.argv[3]): break
    time.sleep(0.1)
EOF
as_evil "$PY" "$T_TMP/idle.py" "$T_TMP/s" 2 "$W/stop" > "$W/idle.out" 2>&1 &
IDLE=$!
t_on_exit "touch '$W/stop'"
for i in $(seq 1 100); do grep -q connected "$W/idle.out" && break; sleep 0.1; done
sleep 0.3
t_fail "a third connection of the same uid is refused" \
  as_evil "$VSCTOOL" remote "$S" ls
t_check "... saying why" "grep -q 'too many connections from uid $EUID_' '$T_TMP/out'"
t_ok "another uid is still served" "$VSCTOOL" remote "$S" ls
touch "$W/stop"; wait $IDLE 2>/dev/null

# A connection that never sends HELLO is closed after --hello-timeout
# (2 s here; the general --timeout is 600 s).
remote_start_socket "$T_TMP/h" "$T_TMP/hbase" --no-check --hello-timeout 2
cat > "$T_TMP/mute.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1]); s.settimeout(120)
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d: break
        data += d
except Exception as e:
    print("no close:", e); sys.exit(1)
print("closed, %d bytes" % len(data)); sys.exit(0)
EOF
t_ok "a connection without HELLO is closed by the server" \
  as_evil "$PY" "$T_TMP/mute.py" "$T_TMP/h"
t_check "... after an error frame" "grep -q 'closed, [1-9]' '$T_TMP/out'"

# Deletes of UUIDs that do not exist leave no lock files.
cat > "$T_TMP/rm.py" <<'EOF'
import socket, struct, sys, uuid
def tlv(t, v): return bytes([t, len(v)]) + v
def frame(b): return struct.pack(">I", len(b)) + b
def rd(s):
    h = b""
    while len(h) < 4: h += s.recv(4 - len(h))
    n = struct.unpack(">I", h)[0]; b = b""
    while len(b) < n: b += s.recv(n - len(b))
    return b
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sys.argv[1])
s.sendall(frame(bytes([1]) + tlv(0x80, b"\x01") + tlv(0x81, b"\x01"))); rd(s)
bad = 0
for i in range(int(sys.argv[2])):
    s.sendall(frame(bytes([7]) + tlv(0x83, str(uuid.uuid4()).encode())))
    if rd(s)[0] != 0x7F: bad += 1
print("answered, %d not refused" % bad)
EOF
t_ok "200 deletes of random UUIDs are answered" \
  as_evil "$PY" "$T_TMP/rm.py" "$T_TMP/s" 200
t_check "... all refused (not found)" "grep -q 'answered, 0 not' '$T_TMP/out'"
t_check "... and leave no lock files" \
  "[ \$(ls -A '$B/$EUID_' | grep -c lock) -le 1 ]"
t_check "... (the one there is the existing VSC's)" \
  "[ \"\$(ls -A '$B/$EUID_' | grep lock)\" = .11111111-2222-3333-4444-555555555555.lock ]"

# The quota holds under concurrent puts of new UUIDs.
remote_start_socket "$T_TMP/q" "$T_TMP/qbase" --no-check --max-vscs 5 \
  --max-per-uid 0
pids=""
for i in $(seq 10 49); do
  as_evil "$VSCTOOL" remote "unix:$T_TMP/q" put --new \
    "00000000-0000-0000-0000-0000000000$i" "$W/blob" >/dev/null 2>&1 &
  pids="$pids $!"
done
for p in $pids; do wait $p; done
t_check "40 concurrent puts into a vault with room for 5 store 5" \
  "[ \$(ls '$T_TMP/qbase/$EUID_' | grep -c '\.vsc\$') = 5 ]"
t_check "... and the refused ones leave no lock files" \
  "[ \$(ls -A '$T_TMP/qbase/$EUID_' | grep -c lock) = 5 ]"

# ---- item 8: --socket never removes what is not a stale socket ---------
echo "precious" > "$T_TMP/notasocket"
t_fail "--socket over a regular file is refused" \
  "$VSCD" --socket "$T_TMP/notasocket" --vault "$T_TMP/base2"
t_check "... saying why" "grep -q 'not a socket' '$T_TMP/out'"
t_check "... and the file is intact" "grep -q precious '$T_TMP/notasocket'"
ln -s "$T_TMP/notasocket" "$T_TMP/linksock"
t_fail "--socket over a symlink is refused" \
  "$VSCD" --socket "$T_TMP/linksock" --vault "$T_TMP/base2"
t_check "... and the link and its target stay" \
  "[ -L '$T_TMP/linksock' ] && grep -q precious '$T_TMP/notasocket'"
t_fail "--socket of a running server is refused" \
  "$VSCD" --socket "$T_TMP/s" --vault "$T_TMP/base2"
t_ok "the running server still answers" "$VSCTOOL" remote "$S" ls
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" \
  "$T_TMP/stale"
t_check "a stale socket is there" "[ -S '$T_TMP/stale' ]"
stale_ino=$(stat -c %i "$T_TMP/stale")
remote_start_socket "$T_TMP/stale" "$T_TMP/base3" --no-check
# The stale file satisfies remote_start_socket at once: wait until the
# new server has replaced it (another inode), or give up after 10 s.
for i in $(seq 1 200); do
  [ "$(stat -c %i "$T_TMP/stale" 2>/dev/null)" != "$stale_ino" ] && \
    [ -S "$T_TMP/stale" ] && break
  sleep 0.05
done
t_ok "... and is taken over by a new server" \
  "$VSCTOOL" remote "unix:$T_TMP/stale" ls
t_check "the new socket is mode 0666" \
  "[ \"\$(stat -c %a '$T_TMP/stale')\" = 666 ]"
