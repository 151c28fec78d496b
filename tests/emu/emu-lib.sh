# tests/emu/emu-lib.sh - start/stop vscemu on the vpcd reader (sourced
# after tests/lib.sh and need_vpcd).

EMU_PID=""

# emu_start [VSCEMU ARGS...] PROFILE: start vscemu on $VPCD_PORT and wait
# (bounded) until pcscd shows a card in $VPCD_READER.
emu_start () {
  vscemu --vpcd "$VPCD_PORT" --log "$T_TMP/vscemu.log" "$@" &
  EMU_PID=$!
  t_on_exit "emu_stop"
  emu_wait_card present
}

# emu_stop: SIGTERM our vscemu (by PID), wait for it and for pcscd to
# notice the card is gone (so the next emu_start does not see a stale
# "present").
emu_stop () {
  if [ -n "$EMU_PID" ]; then
    kill -TERM "$EMU_PID" 2>/dev/null
    wait "$EMU_PID" 2>/dev/null
    EMU_RC=$?
    EMU_PID=""
    emu_wait_card absent
  fi
}

# emu_wait_card present|absent: poll pcscd's view for up to 10 s.
emu_wait_card () {
  local i=0
  while [ $i -lt 100 ]; do
    if opensc-tool -l 2>/dev/null | grep -E "^[0-9]+ +Yes +.*$VPCD_READER\$" >/dev/null; then
      [ "$1" = present ] && return 0
    else
      [ "$1" = absent ] && return 0
    fi
    sleep 0.1
    i=$((i + 1))
  done
  return 1
}
