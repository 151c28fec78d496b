#!/bin/sh
# pcscd-restart.sh - the monitor survives pcscd going away and coming back.
#
# The test never touches the system's pcscd: it runs in a private mount
# namespace (unshare -m) with its own tmpfs on /run/pcscd, starts its own
# pcscd there with a vpcd reader on port 35999, stops and restarts that
# pcscd (by PID) and checks what vsctool readers --watch printed.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_begin "reader monitor survives a pcscd restart"

if [ "${VSC_IN_NS:-}" != 1 ]; then
  command -v pcscd >/dev/null 2>&1 || t_skip "pcscd is not installed"
  [ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || t_skip "vsmartcard-vpcd is not installed"
  [ "$(id -u)" = 0 ] || t_skip "needs root for a private /run/pcscd (unshare -m)"
  command -v unshare >/dev/null 2>&1 || t_skip "unshare is not installed"
  unshare -m true 2>/dev/null || t_skip "cannot create a mount namespace here"
  trap - EXIT
  rm -rf "$T_TMP"
  VSC_IN_NS=1 exec unshare -m sh "$0"
fi

# One run at a time (port 35999 is ours, but other builds run this too).
exec 8>"${TMPDIR:-/tmp}/vscman-pcscd-restart.lock"
flock 8
mkdir -p /run/pcscd
t_ok "private tmpfs on /run/pcscd" mount -t tmpfs -o mode=0755 tmpfs /run/pcscd
mkdir -p "$T_TMP/conf.d"
cat >"$T_TMP/conf.d/vpcd" <<EOC
FRIENDLYNAME "Virtual PCD"
DEVICENAME   /dev/null:0x8C9F
LIBPATH      /usr/lib/pcsc/drivers/serial/libifdvpcd.so
CHANNELID    0x8C9F
EOC
OUT="$T_TMP/watch"

wait_for () {
  i=0
  while [ $i -lt 100 ]; do
    grep -q "$1" "$OUT" 2>/dev/null && return 0
    sleep 0.1; i=$((i + 1))
  done
  return 1
}

start_pcscd () {
  pcscd --foreground -c "$T_TMP/conf.d" >>"$T_TMP/pcscd.log" 2>&1 &
  PCSCD_PID=$!
  i=0
  while [ $i -lt 100 ] && ! vsctool readers >/dev/null 2>&1; do
    sleep 0.1; i=$((i + 1))
  done
}

start_pcscd
t_on_exit 'kill $PCSCD_PID'
t_ok "our pcscd answers" vsctool readers

vsctool readers --watch >"$OUT" 2>&1 &
WATCH_PID=$!
t_on_exit "kill $WATCH_PID"
t_check "watch lists the reader" "wait_for '^Virtual PCD 00 00: no card'"

kill $PCSCD_PID
wait $PCSCD_PID 2>/dev/null
t_check "service loss reported" "wait_for 'pcscd went away'"
t_check "readers reported gone" "wait_for 'reader removed: Virtual PCD 00 00'"
t_ok "watch is still running" kill -0 $WATCH_PID

start_pcscd
t_check "service back reported" "wait_for 'pcscd is back'"
t_check "reader reported again" "wait_for 'reader added: Virtual PCD 00 00'"

kill -TERM $WATCH_PID
wait $WATCH_PID
rc=$?
t_check "watch exits 0 on SIGTERM (got $rc)" "[ $rc -eq 0 ]"
sed 's/^/    /' "$OUT"
