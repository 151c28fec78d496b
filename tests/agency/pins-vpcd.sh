#!/bin/sh
# pins-vpcd.sh - restore --set-pins through pcscd + vpcd onto a blank
# OpenPGP card in vscemu, then VERIFY with opensc-tool: without
# --set-pins the old PIN still works; with it the new one works and the
# old one is refused.
. "$top_srcdir/tests/lib.sh"
t_begin "restore --set-pins through pcscd, checked with opensc-tool"
need_vpcd

B="$top_builddir"
CARDS="$top_srcdir/tests/cards"
R="$VPCD_READER"
EMU_PID=
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
AID="00 A4 04 00 06 D2 76 00 01 24 01"
printf '81:123456\n82:123456\n83:12345678\n' > "$T_TMP/pins"
echo "test password" > "$T_TMP/pw"
printf 'Z7x9q2' > "$T_TMP/new81"

card_state () {
  opensc-tool -l 2>/dev/null | awk -v r="$R" 'index($0, r) { print $2; exit }'
}
wait_card () {
  i=0
  while [ "$(card_state)" != "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ "$(card_state)" = "$1" ]
}
emu_start () {
  "$B/vscemu" "$@" >>"$T_TMP/vscemu.log" 2>&1 &
  EMU_PID=$!
  wait_card Yes
}
emu_stop () {
  if [ -n "$EMU_PID" ]; then
    kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null; EMU_PID=
  fi
  wait_card No
}
t_on_exit 'emu_stop'
wait_card No || t_skip "another card sits in $R"

# verify_sw REF ASCII-PIN: the status word of VERIFY after SELECT.
verify_sw () {
  hex=$(printf '%s' "$2" | od -An -tx1 | tr -d '\n' | sed 's/^ //')
  len=$(printf '%02X' ${#2})
  opensc-tool -r "$R" -s "$AID" -s "00 20 00 $1 $len $hex" 2>/dev/null |
    sed -n 's/^Received (SW1=0x\(..\), SW2=0x\(..\)).*/\1\2/p' | tail -n 1 |
    tr 'a-f' 'A-F'
}

"$B/vsctool" backup --emu "$CARDS/openpgp.card" --no-scan --store-pins --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" $KDF "$T_TMP/p.vsc" > "$T_TMP/b.out" 2>&1
t_ok "put pins/81" "$B/vsctool" put --area private --password-file "$T_TMP/pw" "$T_TMP/p.vsc" pins/81 "$T_TMP/new81"

emu_start "$CARDS/openpgp-blank.card"
"$B/vsctool" restore --reader "$R" --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/r1" 2>&1
t_check "restore without --set-pins: PINs skipped" "grep -q 'pins/81 .*skipped' '$T_TMP/r1'"
t_check "the old PW1 still works" "[ \"\$(verify_sw 81 123456)\" = 9000 ]"
t_check "the stored one does not" "[ \"\$(verify_sw 81 Z7x9q2)\" = 63C2 ]"
t_check "(old PW1 again: counter back to 3)" "[ \"\$(verify_sw 81 123456)\" = 9000 ]"

"$B/vsctool" restore --force --reader "$R" --set-pins --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/r2" 2>&1
t_check "restore --set-pins: PW1 set" "grep -q 'pins/81 .*\[written\]' '$T_TMP/r2'"
t_check "the new PW1 works" "[ \"\$(verify_sw 81 Z7x9q2)\" = 9000 ]"
t_check "the old PW1 is refused" "[ \"\$(verify_sw 81 123456)\" = 63C2 ]"
t_check "PW3 (stored = its old value) works" "[ \"\$(verify_sw 83 12345678)\" = 9000 ]"
emu_stop
t_check "no PIN value in vsctool's output" \
  "! grep -l -e Z7x9q2 -e 123456 '$T_TMP/b.out' '$T_TMP/r1' '$T_TMP/r2'"
