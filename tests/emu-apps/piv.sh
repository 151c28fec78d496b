#!/bin/sh
# tests/emu-apps/piv.sh - the emulated PIV applet (SP 800-73-4 + YubiKey
# extensions) used by yubico-piv-tool 2.2.0 and OpenSC's pkcs15-tool.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
. "$top_srcdir/tests/emu-apps/apps-lib.sh"
t_begin "vscemu PIV applet with yubico-piv-tool and pkcs15-tool"
need_vpcd
opensc_conf
t_lsan_gcrypt
t_need_tools yubico-piv-tool pkcs15-tool scriptor openssl xxd

Y="yubico-piv-tool -r Virtual"
cd "$T_TMP" || exit 1
emu_start "$top_srcdir/tests/cards/yubikey.card"
t_check "the token appears in $VPCD_READER" '[ -n "$EMU_PID" ]'

# ---- status ----
# (the first connection right after the card appeared may find the
# reader busy while pcscd still polls it: try up to 3 times)
for i in 1 2 3; do
  $Y -a status > st.out 2>&1 && grep -q "^Version:" st.out && break
  cat st.out
  sleep 1
done
cat st.out
t_check "status: version 5.4.3, serial 12345678" \
  'grep -q "^Version:.*5.4.3" st.out && grep -q "^Serial Number:.*12345678" st.out'
t_check "status: CHUID with the FASC-N and CCC" \
  'grep -q "^CHUID:.*3019d4e739da739ced39ce739d836858210842108421c84210c3eb34" st.out && grep -q "^CCC:.*f015a000000116ff02" st.out'
t_check "status: slots 9a RSA2048, 9c P-256, 9d P-384, 9e P-256" \
  '[ "$(grep -A1 "^Slot 9a" st.out | grep -c RSA2048)" = 1 ] && [ "$(grep -A1 "^Slot 9c" st.out | grep -c ECCP256)" = 1 ] && [ "$(grep -A1 "^Slot 9d" st.out | grep -c ECCP384)" = 1 ] && [ "$(grep -A1 "^Slot 9e" st.out | grep -c ECCP256)" = 1 ]'
t_check "status: certificate subjects" \
  'grep -q "Subject DN:.*CN=PIV slot 9a" st.out && grep -q "Subject DN:.*CN=PIV slot 9e" st.out'
t_check "status: PIN tries left 3" 'grep -q "^PIN tries left:.*3" st.out'

# ---- PIN, certificates, signatures with the profile's keys ----
t_ok "verify-pin 123456" $Y -a verify-pin -P 123456
t_ok "read-certificate -s 9a" $Y -a read-certificate -s 9a -o 9a.pem
t_check "9a certificate parses, subject CN=PIV slot 9a" \
  'openssl x509 -in 9a.pem -noout -subject | grep -q "CN = PIV slot 9a"'
$Y -a verify-pin -P 123456 -a test-signature -s 9a -i 9a.pem > ts.out 2>&1
t_check "test-signature 9a (RSA, raw RSA on the card)" 'grep -q "Successful RSA verification" ts.out'
$Y -a read-certificate -s 9e -o 9e.pem
$Y -a test-signature -s 9e -i 9e.pem > ts.out 2>&1
t_check "test-signature 9e (P-256, no PIN needed)" 'grep -q "Successful ECDSA verification" ts.out'
$Y -a read-certificate -s 9d -o 9d.pem
$Y -a verify-pin -P 123456 -a test-signature -s 9d -i 9d.pem > ts.out 2>&1
t_check "test-signature 9d (P-384)" 'grep -q "Successful ECDSA verification" ts.out'

# ---- generate with the default management key ----
t_ok "generate -s 9c ECCP256 (default 3DES management key)" \
  $Y -a generate -s 9c -A ECCP256 -o gen9c.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.pem 2>/dev/null
openssl req -new -key ca.pem -subj '/CN=gen 9c/' -out gen.csr 2>/dev/null
openssl x509 -req -in gen.csr -signkey ca.pem -force_pubkey gen9c.pem \
  -days 30 -out gen9c-cert.pem 2>/dev/null
$Y -a verify-pin -P 123456 -a test-signature -s 9c -i gen9c-cert.pem > ts.out 2>&1
t_check "the generated 9c key signs (verified against the public key from 47)" \
  'grep -q "Successful ECDSA verification" ts.out'

# ---- import-key (YubiKey FE) and import-certificate (PUT DATA) ----
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out imp.pem 2>/dev/null
openssl req -x509 -new -key imp.pem -subj '/CN=imported 9d/' -days 30 -out imp-cert.pem 2>/dev/null
t_ok "import-key -s 9d (RSA 2048)" $Y -a import-key -s 9d -i imp.pem
t_ok "import-certificate -s 9d" $Y -a import-certificate -s 9d -i imp-cert.pem
$Y -a verify-pin -P 123456 -a test-signature -s 9d -i imp-cert.pem > ts.out 2>&1
t_check "the imported key signs" 'grep -q "Successful RSA verification" ts.out'
$Y -a status > st2.out 2>&1
t_check "status shows the imported 9d certificate" \
  'grep -A2 "^Slot 9d" st2.out | grep -q "CN=imported 9d"'

# ---- wrong management key, wrong PIN ----
# (3DES ignores the parity bits: change a bit that counts.)
t_fail "wrong management key is refused" \
  $Y --key=010203040506070801020304050607080102030405060710 -a generate -s 9a -A ECCP256
t_check "wrong management key: 'Failed authentication'" \
  'grep -q "Failed authentication" "$T_TMP/out"'
$Y -a verify-pin -P 000000 > vp.out 2>&1
t_check "wrong PIN: 2 tries left" 'grep -q "2 tries left" vp.out'
$Y -a status > st3.out 2>&1
t_check "status: PIN tries left 2" 'grep -q "^PIN tries left:.*2" st3.out'
t_ok "right PIN resets the counter" $Y -a verify-pin -P 123456
t_ok "change-pin" $Y -a change-pin -P 123456 -N 654321
t_ok "verify the new PIN" $Y -a verify-pin -P 654321
t_ok "set-mgm-key" $Y -a set-mgm-key -n 0102030405060708010203040506070801020304050607FF
t_ok "the new management key authenticates" \
  $Y --key=0102030405060708010203040506070801020304050607FF -a generate -s 9a -A ECCP256 -o /dev/null
t_fail "the old default key no longer does" $Y -a generate -s 9a -A ECCP256 -o /dev/null
emu_stop
emu_wait_card absent

# ---- OpenSC's PIV driver on a PIV-only card ----
emu_start "$top_srcdir/tests/cards/piv.card"
pkcs15-tool -r "$VPCD_READER" -D > p15.out 2>&1
cat p15.out
t_check "pkcs15-tool -D: PIV token with PIN and PUK" \
  'grep -q "PKCS#15 Card" p15.out && grep -q "PIN \[PIN\]" p15.out && grep -q "PIN \[PIV PUK\]" p15.out'
t_check "pkcs15-tool -D: the four certificates" \
  'grep -q "X.509 Certificate \[Certificate for PIV Authentication\]" p15.out && grep -q "X.509 Certificate \[Certificate for Digital Signature\]" p15.out && grep -q "X.509 Certificate \[Certificate for Key Management\]" p15.out && grep -q "X.509 Certificate \[Certificate for Card Authentication\]" p15.out'
t_check "pkcs15-tool -D: private keys 9A RSA, 9C EC" \
  'grep -q "Private RSA Key \[PIV AUTH key\]" p15.out && grep -q "Private EC Key \[SIGN key\]" p15.out'
emu_stop
emu_wait_card absent

# ---- a blank token ----
emu_start "$top_srcdir/tests/cards/piv-blank.card"
$Y -a status > st4.out 2>&1
t_check "blank: no CHUID, no certificates, PIN tries 3" \
  'grep -q "^CHUID:.*No data available" st4.out && ! grep -q "^Slot 9" st4.out && grep -q "^PIN tries left:.*3" st4.out'
t_ok "blank: verify-pin with the default 123456" $Y -a verify-pin -P 123456
emu_stop
emu_wait_card absent

# ---- a blank YubiKey-like token: both applets, factory state ----
emu_start "$top_srcdir/tests/cards/yubikey-blank.card"
$Y -a status > st5.out 2>&1
t_check "yubikey-blank: PIV serial 12345679, no CHUID" \
  'grep -q "^Serial Number:.*12345679" st5.out && grep -q "^CHUID:.*No data available" st5.out'
openpgp-tool -r "$VPCD_READER" -C -K > ot5.out 2>&1
cat ot5.out
t_check "yubikey-blank: openpgp-tool -C reads the OpenPGP applet of the same token" \
  'grep -q "^AID: *d2:76:00:01:24:01:03:04:00:06:01:23:45:68:00:00" ot5.out && grep -q "^Manufacturer: *Yubico" ot5.out'
t_check "yubikey-blank: openpgp-tool -K: RSA2048 attributes, no fingerprints" \
  '[ "$(grep -c "Algorithm: *RSA2048" ot5.out)" = 3 ] && [ "$(grep -c "Fingerprint: *00:00:00" ot5.out)" = 3 ]'
