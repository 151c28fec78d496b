#!/bin/sh
# frames.sh - garbage, truncated, oversized and out-of-order frames get
# error frames or a clean close; the server keeps serving other clients.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd: rude clients"

# All clients of a test are one uid: the per-uid limit (tested in
# hardening.sh with a second user) is off here, so that the good client
# among 40 rude ones is served.
remote_start_socket "$T_TMP/s" "$T_TMP/vaults" --max-frame 65536 --no-check \
  --max-per-uid 0
t_ok "raw-frame client: every bad frame handled" python3 "$FRAMES_PY" frames "$T_TMP/s"
sed -n 's/^\(PASS\|FAIL\): /    \1: /p' "$T_TMP/out"
t_check "the listener survived" "kill -0 $REMOTE_PID"
t_ok "and still answers vsctool" "$VSCTOOL" remote "unix:$T_TMP/s" ls
t_check "no server process crashed (no signal deaths logged)" \
  "! grep -qi 'segmentation\|sanitizer\|abort' '$T_TMP/vscd.log'"

remote_start_socket "$T_TMP/t" "$T_TMP/vaults-t" --timeout 1 --no-check
t_ok "slow (trickled) frames are cut off by --timeout" python3 "$FRAMES_PY" trickle "$T_TMP/t"
sed -n 's/^\(PASS\|FAIL\): /    \1: /p' "$T_TMP/out"

# The client against a server that speaks version 1 only: the old
# operations work, history and older generations are refused with a
# reason, not a protocol error.
python3 "$FRAMES_PY" fakev1 "$T_TMP/v1" >/dev/null 2>&1 &
V1PID=$!
t_on_exit "kill $V1PID 2>/dev/null"
for i in $(seq 1 100); do [ -S "$T_TMP/v1" ] && break; sleep 0.05; done
t_ok "a version 2 client lists on a version 1 server" "$VSCTOOL" remote "unix:$T_TMP/v1" ls
t_fail "history on a version 1 server is refused" \
  "$VSCTOOL" remote "unix:$T_TMP/v1" history 0123abcd-4567-89ef-0123-456789abcdef
t_check "... saying why" "grep -q 'protocol version 1, which has no history' '$T_TMP/out'"
t_fail "get -g on a version 1 server is refused" \
  "$VSCTOOL" remote "unix:$T_TMP/v1" get 0123abcd-4567-89ef-0123-456789abcdef x -g 2
t_check "... saying why" "grep -q 'no older generations' '$T_TMP/out'"
