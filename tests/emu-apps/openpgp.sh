#!/bin/sh
# tests/emu-apps/openpgp.sh - the emulated OpenPGP card 3.4 read and used
# by independent clients: gpg --card-status, gpg signing and decryption
# with the card's keys (scdaemon over pcscd),
# openpgp-tool, and raw APDUs (scriptor) for signatures verified with
# openssl against the public key the card returns (GENERATE 47 81).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
. "$top_srcdir/tests/emu-apps/apps-lib.sh"
t_begin "vscemu OpenPGP applet with gpg, openpgp-tool, opensc-tool"
need_vpcd
opensc_conf
t_lsan_gcrypt
t_need_tools gpg gpgconf openpgp-tool opensc-tool scriptor openssl xxd

AID=00A4040006D27600012401
emu_start --state "$T_TMP/state.card" "$top_srcdir/tests/cards/yubikey.card"
t_check "the token appears in $VPCD_READER" '[ -n "$EMU_PID" ]'

# ---- gpg --card-status through scdaemon ----
GH="$T_TMP/gnupg"
mkdir -m 700 "$GH"
printf 'disable-ccid\npcsc-shared\nreader-port %s\n' "$VPCD_READER" \
  > "$GH/scdaemon.conf"
t_on_exit "gpgconf --homedir '$GH' --kill all"
# (scdaemon may find the reader busy for a moment right after the card
# appears, e.g. while pcscd is still polling it: try up to 3 times.)
for i in 1 2 3; do
  gpg --homedir "$GH" --batch --card-status > "$T_TMP/gpg.out" 2>&1 && break
  gpgconf --homedir "$GH" --kill scdaemon
  sleep 1
done
cat "$T_TMP/gpg.out"
t_check "gpg: application type OpenPGP 3.4" \
  'grep -q "^Version \.*: 3.4" "$T_TMP/gpg.out"'
t_check "gpg: manufacturer Yubico, serial 01234567" \
  'grep -q "^Manufacturer \.*: Yubico" "$T_TMP/gpg.out" && grep -q "^Serial number \.*: 01234567" "$T_TMP/gpg.out"'
t_check "gpg: cardholder Jane Doe" \
  'grep -q "^Name of cardholder: Jane Doe" "$T_TMP/gpg.out"'
t_check "gpg: language, salutation, URL, login" \
  'grep -q "^Language prefs \.*: en" "$T_TMP/gpg.out" && grep -q "^Salutation \.*: Ms\." "$T_TMP/gpg.out" && grep -q "^URL of public key : https://example.org/jane.asc" "$T_TMP/gpg.out" && grep -q "^Login data \.*: jane" "$T_TMP/gpg.out"'
t_check "gpg: private DO 1" \
  'grep -q "^Private DO 1 \.*: private data 1" "$T_TMP/gpg.out"'
t_check "gpg: key attributes rsa2048 cv25519 ed25519" \
  'grep -q "^Key attributes \.*: rsa2048 cv25519 ed25519" "$T_TMP/gpg.out"'
t_check "gpg: PIN retry counter 3 0 3, signature counter 5" \
  'grep -q "^PIN retry counter : 3 0 3" "$T_TMP/gpg.out" && grep -q "^Signature counter : 5" "$T_TMP/gpg.out"'
t_check "gpg: three fingerprints with creation dates" \
  '[ "$(grep -cE "^(Signature|Encryption|Authentication) key ?\.*: ([0-9A-F]{4} ){5} ([0-9A-F]{4} ?){5}" "$T_TMP/gpg.out")" = 3 ] && [ "$(grep -c "created \.*: 2023-11-14" "$T_TMP/gpg.out")" = 3 ]'

# ---- gpg really uses the card: an OpenPGP key made from the card's keys
# (keygrips from the card), a signature, an encryption to cv25519 ----
G="gpg --homedir $GH --batch --pinentry-mode loopback"
$G --with-keygrip --card-status > "$T_TMP/cs.out" 2>&1
SG=$(gpg_grip "$T_TMP/cs.out" Signature)
EG=$(gpg_grip "$T_TMP/cs.out" Encryption)
CARDFPR=$(sed -n 's/^Signature key \.*: //p' "$T_TMP/gpg.out" | tr -d ' ')
cat > "$T_TMP/keyparm" <<EOP
Key-Type: RSA
Key-Grip: $SG
Key-Usage: sign
Subkey-Type: ECDH
Subkey-Curve: cv25519
Subkey-Grip: $EG
Subkey-Usage: encrypt
Name-Real: Jane Doe
Name-Email: jane@example.org
Creation-Date: 20231114T221320
Expire-Date: 0
%commit
EOP
$G --passphrase 123456 --gen-key "$T_TMP/keyparm" > "$T_TMP/gk.out" 2>&1
t_check "gpg made a key from the card's signature key" \
  '$G --list-keys jane@example.org > "$T_TMP/lk.out" 2>&1'
t_check "gpg's fingerprint of it equals the card's C7 (OpenPGP v4, same date)" \
  '[ -n "$CARDFPR" ] && grep -q "^ *$CARDFPR\$" "$T_TMP/lk.out"'
printf 'hello from the emulated card\n' > "$T_TMP/m.txt"
$G --passphrase 123456 --yes -u jane@example.org --detach-sign \
  -o "$T_TMP/m.sig" "$T_TMP/m.txt" > "$T_TMP/sign.out" 2>&1
$G --verify "$T_TMP/m.sig" "$T_TMP/m.txt" > "$T_TMP/ver.out" 2>&1
t_check "gpg --detach-sign with the card (PSO:CDS), gpg --verify: Good signature" \
  'grep -q "Good signature from \"Jane Doe" "$T_TMP/ver.out"'
$G --yes --trust-model always -r jane@example.org -e -o "$T_TMP/m.gpg" "$T_TMP/m.txt"
$G --passphrase 123456 -d "$T_TMP/m.gpg" > "$T_TMP/dec.out" 2>/dev/null
t_check "gpg -d with the card's cv25519 key (PSO:DECIPHER, ECDH)" \
  'cmp -s "$T_TMP/dec.out" "$T_TMP/m.txt"'
gpgconf --homedir "$GH" --kill all

# ---- openpgp-tool ----
openpgp-tool -r "$VPCD_READER" > "$T_TMP/ot.out" 2>&1
cat "$T_TMP/ot.out"
t_check "openpgp-tool: account, URL, name, language, gender" \
  'grep -q "^Account: *jane" "$T_TMP/ot.out" && grep -q "^URL: *https://example.org/jane.asc" "$T_TMP/ot.out" && grep -q "^Name: *Doe Jane" "$T_TMP/ot.out" && grep -q "^Language: *en" "$T_TMP/ot.out" && grep -q "^Gender: *female" "$T_TMP/ot.out"'
t_check "openpgp-tool: DO 0101" \
  'grep -q "^DO 0101: *private data 1" "$T_TMP/ot.out"'

# ---- signatures with raw APDUs, verified by openssl ----
MSG="$T_TMP/msg"
printf 'signed by the emulated OpenPGP card\n' > "$MSG"
H=$(openssl dgst -sha256 -binary "$MSG" | xxd -p -c 64 | tr a-f A-F)
DI=3031300D060960864801650304020105000420$H

# sign_check WHAT: VERIFY PW1 81, PSO:CDS over DI, read the public key
# back (47 81), check the signature with openssl.
sign_check () {
  apdus "$T_TMP/sig.out" $AID 0020008106313233343536 \
    "002A9E9A33${DI}00" 00478100000002B6000000 "002A9E9A33${DI}00"
  t_check "$1: VERIFY PW1 81 9000, PSO:CDS 9000" \
    '[ "$(resp_sw "$T_TMP/sig.out" 2)" = 9000 ] && [ "$(resp_sw "$T_TMP/sig.out" 3)" = 9000 ]'
  t_check "$1: second CDS needs PW1 again (6982)" \
    '[ "$(resp_sw "$T_TMP/sig.out" 5)" = 6982 ]'
  SIG=$(resp_hex "$T_TMP/sig.out" 3)
  PUB=$(resp_hex "$T_TMP/sig.out" 4)
  N=$(tlv_value "$PUB" 81)
  E=$(tlv_value "$PUB" 82)
  hex2bin "$SIG" > "$T_TMP/sig.bin"
  rm -f "$T_TMP/pub.pem"
  rsa_pub_pem "$N" "$E" "$T_TMP/pub.pem"
  t_check "$1: 2048-bit modulus read back" '[ ${#N} = 512 ]'
  openssl pkeyutl -verifyrecover -pubin -inkey "$T_TMP/pub.pem" \
    -in "$T_TMP/sig.bin" 2>/dev/null | xxd -p -c 256 | tr a-f A-F > "$T_TMP/rec"
  t_check "$1: openssl recovers the DigestInfo from the signature" \
    '[ "$(cat "$T_TMP/rec")" = "$DI" ]'
  openssl dgst -sha256 -verify "$T_TMP/pub.pem" -signature "$T_TMP/sig.bin" \
    "$MSG" > "$T_TMP/v.out" 2>&1
  t_check "$1: openssl dgst -verify: Verified OK" 'grep -q "Verified OK" "$T_TMP/v.out"'
}
apdus "$T_TMP/cnt0.out" $AID 00CA007A00
sign_check "imported profile key"
apdus "$T_TMP/cnt.out" $AID 00CA007A00
C0=$(resp_hex "$T_TMP/cnt0.out" 2 | cut -c9-)
C1=$(resp_hex "$T_TMP/cnt.out" 2 | cut -c9-)
t_check "signature counter: more than the profile's 5 after gpg, +1 per CDS" \
  '[ $((0x$C0)) -gt 5 ] && [ $((0x$C1)) = $((0x$C0 + 1)) ]'

# Generate a new signing key on the card (PW3 first), then sign with it.
apdus "$T_TMP/gen.out" $AID 00478000000002B6000000 \
  00200083083132333435363738 00478000000002B6000000 00478100000002B6000000
t_check "GENERATE without PW3: 6982" '[ "$(resp_sw "$T_TMP/gen.out" 2)" = 6982 ]'
t_check "GENERATE after PW3: 9000 with 7F49" \
  '[ "$(resp_sw "$T_TMP/gen.out" 4)" = 9000 ] && resp_hex "$T_TMP/gen.out" 4 | grep -q "^7F49"'
t_check "GENERATE 80 and READ 81 give the same public key" \
  '[ "$(resp_hex "$T_TMP/gen.out" 4)" = "$(resp_hex "$T_TMP/gen.out" 5)" ]'
sign_check "generated key"

# ---- wrong PW3: clear SW, counter drops by one; right PW3 restores ----
apdus "$T_TMP/pw3.out" $AID 00200083083837363534333231 00CA00C400 \
  00200083083132333435363738 00CA00C400 00200083
t_check "wrong PW3: 63C2" '[ "$(resp_sw "$T_TMP/pw3.out" 2)" = 63C2 ]'
t_check "C4 shows PW3 tries 2" '[ "$(resp_hex "$T_TMP/pw3.out" 3)" = 007F7F7F030002 ]'
t_check "right PW3: 9000, counter back to 3" \
  '[ "$(resp_sw "$T_TMP/pw3.out" 4)" = 9000 ] && [ "$(resp_hex "$T_TMP/pw3.out" 5)" = 007F7F7F030003 ]'
t_check "VERIFY 83 without data after success: 9000" \
  '[ "$(resp_sw "$T_TMP/pw3.out" 6)" = 9000 ]'

# ---- access rules: 0103 needs PW1 82, 0104 needs PW3 ----
apdus "$T_TMP/acc.out" $AID 0020FF82 00DA0103024142 00CA010300 \
  0020008206313233343536 00DA0103024142 00CA010300 0020FF83 00CA010400
t_check "PUT DATA 0103 without PW1: 6982" '[ "$(resp_sw "$T_TMP/acc.out" 3)" = 6982 ]'
t_check "GET DATA 0103 without PW1: 6982" '[ "$(resp_sw "$T_TMP/acc.out" 4)" = 6982 ]'
t_check "PUT/GET DATA 0103 after PW1 82" \
  '[ "$(resp_sw "$T_TMP/acc.out" 6)" = 9000 ] && [ "$(resp_hex "$T_TMP/acc.out" 7)" = 4142 ]'
t_check "VERIFY FF 83 drops PW3, then GET DATA 0104: 6982" \
  '[ "$(resp_sw "$T_TMP/acc.out" 8)" = 9000 ] && [ "$(resp_sw "$T_TMP/acc.out" 9)" = 6982 ]'

# ---- certificates: SELECT DATA + GET DATA 7F21 ----
apdus "$T_TMP/cert.out" $AID 00A502040660045C027F21 00CA7F21000000
CERT=$(resp_hex "$T_TMP/cert.out" 3)
hex2bin "$CERT" > "$T_TMP/cert.der"
t_check "7F21 occurrence 2 (signature) is the profile's certificate" \
  'openssl x509 -inform DER -in "$T_TMP/cert.der" -noout -subject | grep -q "Jane Doe signature"'

emu_stop
# The state file kept the generated key and the new 0103 content.
t_check "state file written" '[ -s "$T_TMP/state.card" ]'

# ---- gpg --card-edit factory-reset (VERIFY until blocked, TERMINATE DF,
# reset, SELECT answering 6285, ACTIVATE FILE) on openpgp.card ----
emu_wait_card absent
emu_start "$top_srcdir/tests/cards/openpgp.card"
# pkcs15-tool: OpenSC's OpenPGP emulation of this card
pkcs15-tool -r "$VPCD_READER" -D > "$T_TMP/p15.out" 2>&1
t_check "pkcs15-tool -D: OpenPGP card with serial ffff00000042" \
  'grep -q "PKCS#15 Card \[OpenPGP card\]" "$T_TMP/p15.out" && grep -q "Serial number *: ffff00000042" "$T_TMP/p15.out"'
t_check "pkcs15-tool -D: three PINs, three keys, three certificates" \
  '[ "$(grep -c "^PIN \[" "$T_TMP/p15.out")" = 3 ] && grep -q "Private RSA Key \[Signature key\]" "$T_TMP/p15.out" && grep -q "Private EDDSA Key \[Authentication key\]" "$T_TMP/p15.out" && [ "$(grep -c "^X.509 Certificate" "$T_TMP/p15.out")" = 3 ]'

gpg --homedir "$GH" --batch --card-status > "$T_TMP/fr0.out" 2>&1
t_check "openpgp.card: serial 00000042, cardholder set, three keys" \
  'grep -q "^Serial number \.*: 00000042" "$T_TMP/fr0.out" && grep -q "^Name of cardholder: Jane Doe" "$T_TMP/fr0.out" && [ "$(grep -c "^ *created" "$T_TMP/fr0.out")" = 3 ]'
printf 'admin\nfactory-reset\ny\nyes\nquit\n' | \
  gpg --homedir "$GH" --no-tty --command-fd 0 --pinentry-mode loopback \
  --card-edit > "$T_TMP/fr.out" 2>&1
gpg --homedir "$GH" --batch --card-status > "$T_TMP/fr1.out" 2>&1
cat "$T_TMP/fr1.out"
t_check "after factory-reset: no cardholder, no keys, counters 3 0 3" \
  'grep -q "^Name of cardholder: \[not set\]" "$T_TMP/fr1.out" && grep -q "^Signature key \.*: \[none\]" "$T_TMP/fr1.out" && grep -q "^PIN retry counter : 3 0 3" "$T_TMP/fr1.out"'
t_check "after factory-reset: same serial number" \
  'grep -q "^Serial number \.*: 00000042" "$T_TMP/fr1.out"'
gpgconf --homedir "$GH" --kill all
emu_stop
