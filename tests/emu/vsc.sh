#!/bin/sh
# tests/emu/vsc.sh - vscemu --vsc presents a VSC (made by vsctool backup
# of the emulated PKCS#15 card) as a live card to OpenSC; --rw writes
# changes back into the VSC, without it the VSC stays as it was.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu --vsc"
need_vpcd
opensc_conf
t_need_tools opensc-tool pkcs15-tool openssl
R="$VPCD_READER"
echo "vscemu test password" > "$T_TMP/pw"
echo 123456 > "$T_TMP/pin"

vsctool backup --emu "$top_srcdir/tests/cards/pkcs15.card" \
  --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/card.vsc" \
  > "$T_TMP/backup.out" 2>&1
rc=$?
# 7 = done, but the on-card key is not extractable (expected).
t_check "vsctool backup of the emulated PKCS#15 card (exit $rc)" \
  '{ [ $rc = 0 ] || [ $rc = 7 ]; } && [ -s "$T_TMP/card.vsc" ]'
cp "$T_TMP/card.vsc" "$T_TMP/orig.vsc"

emu_start --vsc "$T_TMP/card.vsc" --password-file "$T_TMP/pw"
pkcs15-tool -r "$R" -D > "$T_TMP/d.out" 2>&1
t_check "pkcs15-tool -D lists the objects from the VSC" \
  'grep -q "X.509 Certificate \[Test certificate\]" "$T_TMP/d.out" && grep -q "PIN \[User PIN\]" "$T_TMP/d.out"'
pkcs15-tool -r "$R" --read-certificate 45 > "$T_TMP/cert.pem" 2>/dev/null
openssl x509 -inform DER -in "$top_srcdir/tests/cards/pkcs15/cert.der" > "$T_TMP/want.pem"
t_check "certificate from the VSC equals the original" 'cmp -s "$T_TMP/cert.pem" "$T_TMP/want.pem"'
opensc-tool -r "$R" -s 00A4080C0450154F01 -s 00B0000006 -s 0020000106313233343536 \
  -s 00B0000006 -s 00A4080C0470007001 -s 00D60000025858 > "$T_TMP/s.out" 2>&1
t_check "PIN-protected EF still needs VERIFY" 'grep -A1 "Sending: 00 B0 00 00 06" "$T_TMP/s.out" | head -2 | grep -q "SW1=0x69, SW2=0x82"'
t_check "after VERIFY it shows the backed-up content" 'grep -q "73 65 63 72 65 74" "$T_TMP/s.out"'
t_check "hidden DF found by the backup's FID scan is there" 'grep -A1 "Sending: 00 A4 08 0C 04 70 00 70 01" "$T_TMP/s.out" | grep -q "SW1=0x90"'
emu_stop
t_check "without --rw the VSC is unchanged" 'cmp -s "$T_TMP/card.vsc" "$T_TMP/orig.vsc"'

emu_start --vsc "$T_TMP/card.vsc" --rw --password-file "$T_TMP/pw"
opensc-tool -r "$R" -s 00A4080C0470007001 -s 00D60000025858 > "$T_TMP/w.out" 2>&1
t_check "UPDATE BINARY accepted" 'grep -A1 "Sending: 00 D6" "$T_TMP/w.out" | grep -q "SW1=0x90, SW2=0x00"'
emu_stop
t_check "with --rw the change is in the VSC" \
  '[ "$(vsctool cat --password-file "$T_TMP/pw" "$T_TMP/card.vsc" 3F00/7000/7001)" = "XXdden DF content" ]'
t_ok "the VSC still verifies" vsctool verify --password-file "$T_TMP/pw" "$T_TMP/card.vsc"
t_fail "--rw without a password is refused" env VSC_PASSWORD_FILE= vscemu --vsc "$T_TMP/card.vsc" --rw </dev/null
t_fail "wrong password is refused" sh -c 'echo wrong > "$T_TMP/bad"; vscemu --vsc "$T_TMP/card.vsc" --password-file "$T_TMP/bad"'
t_fail "--vsc with --state is a usage error" vscemu --vsc "$T_TMP/card.vsc" --state "$T_TMP/x"
