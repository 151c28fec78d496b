#!/bin/sh
# tests/emu/clients.sh - vscemu on pcscd/vpcd, read and written by
# independent clients: opensc-tool, opensc-explorer, pkcs15-tool,
# pcsc_scan.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu with OpenSC and pcsc-tools"
need_vpcd
opensc_conf
t_need_tools opensc-tool opensc-explorer pkcs15-tool pcsc_scan openssl

cp "$top_srcdir/tests/cards/pkcs15.card" "$T_TMP/"
mkdir "$T_TMP/pkcs15"
cp "$top_srcdir/tests/cards/pkcs15/"*.der "$T_TMP/pkcs15/"
emu_start "$T_TMP/pkcs15.card"
t_check "card appears in $VPCD_READER" '[ -n "$EMU_PID" ] && opensc-tool -l | grep -q "Yes.*$VPCD_READER"'

R="$VPCD_READER"
opensc-tool -r "$R" -a > "$T_TMP/atr.out" 2>&1; cat "$T_TMP/atr.out"
t_check "opensc-tool -a gives the profile's ATR" \
  '[ "$(opensc-tool -r "$R" -a 2>/dev/null)" = "3b:8c:80:01:80:73:00:00:80:56:76:73:63:65:6d:75:33" ]'

opensc-tool -r "$R" -s 00A4000C023F00 -s 00A4040C0CA000000063504B43532D3135 \
  -s 00A4020C025032 -s 00B0000004 -s 00A4000C021234 -s 00AA0000 \
  -s 80A4000C023F00 -s 00200001 -s 00A4020C024F01 -s 00B0000000 \
  > "$T_TMP/s.out" 2>&1
t_check "SELECT MF 9000" 'sed -n 2p "$T_TMP/s.out" | grep -q "SW1=0x90, SW2=0x00"'
t_check "SELECT by AID 9000" 'sed -n 4p "$T_TMP/s.out" | grep -q "SW1=0x90, SW2=0x00"'
t_check "READ BINARY of TokenInfo starts 30 2A" 'grep -A1 "Sending: 00 B0 00 00 04" "$T_TMP/s.out" | grep -q "SW1=0x90" && grep -q "^30 2A 02 01" "$T_TMP/s.out"'
t_check "unknown FID 6A82" 'grep -A1 "Sending: 00 A4 00 0C 02 12 34" "$T_TMP/s.out" | grep -q "SW1=0x6A, SW2=0x82"'
t_check "unknown INS 6D00" 'grep -A1 "Sending: 00 AA 00 00" "$T_TMP/s.out" | grep -q "SW1=0x6D, SW2=0x00"'
t_check "proprietary CLA 6E00" 'grep -A1 "Sending: 80 A4" "$T_TMP/s.out" | grep -q "SW1=0x6E, SW2=0x00"'
t_check "VERIFY status 63C3" 'grep -A1 "Sending: 00 20 00 01" "$T_TMP/s.out" | grep -q "SW1=0x63, SW2=0xC3"'
t_check "PIN-protected EF 6982" 'grep -A1 "Sending: 00 B0 00 00 00" "$T_TMP/s.out" | grep -q "SW1=0x69, SW2=0x82"'

# pkcs15-tool: objects and the certificate.
pkcs15-tool -r "$R" -D > "$T_TMP/d.out" 2>&1
t_check "pkcs15-tool -D: token label" 'grep -q "vscemu test card" "$T_TMP/d.out"'
t_check "pkcs15-tool -D: PIN object" 'grep -q "PIN \[User PIN\]" "$T_TMP/d.out"'
t_check "pkcs15-tool -D: private key" 'grep -q "Private RSA Key \[Signing key\]" "$T_TMP/d.out"'
t_check "pkcs15-tool -D: public key" 'grep -q "Public RSA Key \[Public key\]" "$T_TMP/d.out"'
t_check "pkcs15-tool -D: certificate" 'grep -q "X.509 Certificate \[Test certificate\]" "$T_TMP/d.out"'
pkcs15-tool -r "$R" --read-certificate 45 > "$T_TMP/cert.pem" 2>"$T_TMP/cert.err"
openssl x509 -inform DER -in "$top_srcdir/tests/cards/pkcs15/cert.der" > "$T_TMP/want.pem"
t_check "pkcs15-tool --read-certificate 45 equals the profile's certificate" \
  'cmp -s "$T_TMP/cert.pem" "$T_TMP/want.pem"'

# opensc-explorer, scripted.
cat > "$T_TMP/explorer.in" <<'EOS'
cd 5015
cat 4F01
verify CHV1 31:32:33:34:35:36
cat 4F01
create 4444 16
update_binary 4444 0 "hello world"
cat 4444
rm 4444
cat 4444
cd ..
cd 7000
update_record 7002 2 0 "updated!"
cat 7002
EOS
opensc-explorer -r "$R" < "$T_TMP/explorer.in" > "$T_TMP/x.out" 2>&1
t_check "explorer: cd 5015" 'grep -q "OpenSC \[3F00/5015\]>" "$T_TMP/x.out"'
t_check "explorer: cat before verify fails (only one copy shown)" '[ "$(grep -c "secret note: rea" "$T_TMP/x.out")" = 1 ]'
t_check "explorer: verify CHV1" 'grep -q "Code correct" "$T_TMP/x.out"'
t_check "explorer: cat after verify" 'grep -q "secret note: rea" "$T_TMP/x.out"'
t_check "explorer: create + update_binary + cat" 'grep -q "68 65 6C 6C 6F 20 77 6F 72 6C 64 00 00 00 00 00" "$T_TMP/x.out"'
t_check "explorer: rm removes the file" 'grep -q "unable to select file: File not found" "$T_TMP/x.out"'
t_check "explorer: update_record on a linear variable EF" 'grep -q "updated!" "$T_TMP/x.out"'
t_check "explorer: record EF shows both records" 'grep -q "Record 2:" "$T_TMP/x.out"'

# pcsc_scan
timeout 10 pcsc_scan -r > "$T_TMP/scan.out" 2>&1
t_check "pcsc_scan -r lists $R" 'grep -q "$R" "$T_TMP/scan.out"'
timeout 10 pcsc_scan -c -n > "$T_TMP/scan2.out" 2>&1; cat "$T_TMP/scan2.out"
t_check "pcsc_scan -c shows the card's ATR" 'grep -qi "3B 8C 80 01 80 73 00 00 80 56 76 73 63 65 6D 75 33" "$T_TMP/scan2.out"'

emu_stop
t_check "vscemu exits 0 on SIGTERM" '[ "$EMU_RC" = 0 ]'
t_check "card gone after vscemu stops" 'emu_wait_card absent'
