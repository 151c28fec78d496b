# lib-remote.sh - helpers for the vscd tests (sourced after tests/lib.sh)

VSCD="$top_builddir/vscd"
VSCTOOL="$top_builddir/vsctool"
FRAMES_PY="$top_srcdir/tests/remote/frames.py"
[ -x "$VSCD" ] || { echo "FAIL: $VSCD not built"; exit 1; }
command -v python3 >/dev/null 2>&1 || t_skip "python3 is needed for the raw-frame client"

# remote_start_socket SOCKET VAULTBASE [vscd options...]: start vscd
# --socket in the background, remember its PID, wait for the socket.
remote_start_socket () {
  local sock="$1" base="$2" i
  shift 2
  "$VSCD" --socket "$sock" --vault "$base" "$@" 2>>"$T_TMP/vscd.log" &
  REMOTE_PID=$!
  t_on_exit "kill $REMOTE_PID 2>/dev/null; wait $REMOTE_PID 2>/dev/null"
  for i in $(seq 1 100); do
    [ -S "$sock" ] && return 0
    sleep 0.05
  done
  echo "FAIL: vscd did not create $sock"; cat "$T_TMP/vscd.log"
  return 1
}
