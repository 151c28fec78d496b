#!/bin/sh
# inetd.sh - vscd --inetd as systemd runs it from vscd.socket (Accept=yes,
# StandardInput=socket), with systemd-socket-activate in place of systemd:
# the per-connection process gets the client's uid from the passed socket,
# and when it runs as a service account with only CAP_SETUID, CAP_SETGID
# and CAP_CHOWN (as the packaged vscd@.service) it serves the client as
# the client's uid with no capability left.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd --inetd: one connection per process, socket activated"

t_fail "--inetd refuses a standard input that is not a socket" \
  sh -c "'$VSCD' --inetd --vault '$T_TMP/x' </dev/null"
t_check "... as a usage error (exit 2)" \
  "'$VSCD' --inetd --vault '$T_TMP/x' </dev/null 2>/dev/null; [ \$? = 2 ]"
t_check "... saying what it needs" "grep -q 'Unix stream socket' '$T_TMP/out'"
t_fail "--inetd and --stdio together are refused" "$VSCD" --inetd --stdio

[ "$(id -u)" = 0 ] || t_skip "needs root to create a service account and a client account"
command -v systemd-socket-activate >/dev/null 2>&1 \
  || t_skip "systemd-socket-activate (package systemd) is needed"
command -v useradd >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 \
  || t_skip "useradd and setpriv are needed"
PY=python3; [ -x /usr/bin/python3 ] && PY=/usr/bin/python3
SVC=vscs$$; CLI=vscc$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$SVC" || t_skip "useradd failed"
t_on_exit "userdel $SVC"
useradd --system --no-create-home --shell /usr/sbin/nologin "$CLI" || t_skip "useradd failed"
t_on_exit "userdel $CLI"
IC=$(id -u "$CLI"); GC=$(id -g "$CLI")

chmod 711 "$T_TMP"
mkdir "$T_TMP/bin" "$T_TMP/vaults" "$T_TMP/c"
cp "$VSCD" "$VSCTOOL" "$T_TMP/bin/"
chmod 755 "$T_TMP/bin" "$T_TMP/bin/vscd" "$T_TMP/bin/vsctool"
chown "$SVC:" "$T_TMP/vaults"
chown "$CLI:" "$T_TMP/c"
VSCTOOL="$T_TMP/bin/vsctool"
asC () { (cd "$T_TMP/c" && setpriv --reuid="$IC" --regid="$GC" --clear-groups "$@"); }

# What vscd@.service does: User=vscd, AmbientCapabilities=CAP_SETUID
# CAP_SETGID CAP_CHOWN, the accepted connection on standard input.
systemd-socket-activate -l "$T_TMP/s" --accept --inetd \
  setpriv --reuid="$SVC" --regid="$SVC" --clear-groups \
    --inh-caps=+setuid,+setgid,+chown --ambient-caps=+setuid,+setgid,+chown \
    "$T_TMP/bin/vscd" --inetd --vault "$T_TMP/vaults" --no-check \
    2>"$T_TMP/activate.log" &
SA=$!
t_on_exit "kill $SA 2>/dev/null; wait $SA 2>/dev/null"
for _ in $(seq 1 100); do [ -S "$T_TMP/s" ] && break; sleep 0.05; done
t_check "systemd-socket-activate listens" "[ -S '$T_TMP/s' ]"
chmod 666 "$T_TMP/s"       # SocketMode=0666 in vscd.socket
S="unix:$T_TMP/s"
U=0badc0de-1111-2222-3333-444455556666

asC sh -c 'head -c 5000 /dev/urandom > mine'
t_ok "the client stores a VSC" asC "$VSCTOOL" remote "$S" put --new $U mine
t_ok "the next connection (a new process) lists it" \
  asC sh -c "'$VSCTOOL' remote '$S' ls | grep -q $U"
t_ok "and gets it back" asC "$VSCTOOL" remote "$S" get $U back
t_check "... byte for byte" "cmp -s '$T_TMP/c/mine' '$T_TMP/c/back'"
t_check "the vault is <base>/<client uid>, owned by the client, mode 0700" \
  "[ \"\$(stat -c '%u %g %a' '$T_TMP/vaults/$IC')\" = '$IC $GC 700' ]"
t_check "the VSC in it was written as the client" \
  "[ \"\$(stat -c %u '$T_TMP/vaults/$IC/$U.1.vsc')\" = '$IC' ]"
t_check "the base directory can be passed, not listed (0711)" \
  "[ \"\$(stat -c %a '$T_TMP/vaults')\" = 711 ]"
t_ok "root as a client gets its own vault, not the client's" \
  sh -c "'$VSCTOOL' remote '$S' ls > '$T_TMP/rootls'; ! grep -q $U '$T_TMP/rootls'"
t_check "... at <base>/0" "[ -d '$T_TMP/vaults/0' ]"

# The serving process while a client holds the connection open.
asC "$PY" - "$T_TMP/s" "$T_TMP/activate.log" > "$T_TMP/status" 2>&1 <<'EOF'
import re, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
pid = None
for _ in range(100):
    time.sleep(0.05)
    pids = re.findall(r"as PID (\d+)", open(sys.argv[2]).read())
    if pids:
        pid = pids[-1]
    try:
        st = open("/proc/%s/status" % pid).read() if pid else ""
    except OSError:
        st = ""
    # wait until the process runs vscd and has left the service account
    if "\nName:\tvscd" in "\n" + st and re.search(r"^Uid:\t%d\t" % __import__("os").getuid(), st, re.M):
        break
print(st)
EOF
t_check "the connection is served by a process running as the client's uid" \
  "grep -q '^Uid:	$IC	$IC	$IC	$IC' '$T_TMP/status'"
t_check "... and gid, with no supplementary groups" \
  "grep -q '^Gid:	$GC	$GC	$GC	$GC' '$T_TMP/status' && grep -q '^Groups:[[:space:]]*\$' '$T_TMP/status'"
t_check "... with no capability left (effective, permitted, ambient)" \
  "grep -q '^CapEff:	0000000000000000' '$T_TMP/status' && grep -q '^CapPrm:	0000000000000000' '$T_TMP/status' && grep -q '^CapAmb:	0000000000000000' '$T_TMP/status'"
