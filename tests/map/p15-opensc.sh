#!/bin/sh
# tests/map/p15-opensc.sh - the PKCS#15 structure a mapped restore puts on
# a blank file-system card (src/map/map-p15.c), in a VSC presented by
# vscemu --vsc (the stand-in token): OpenSC's pkcs15-tool lists its keys,
# public keys and certificates, and OpenSC's PKCS#11 module signs (RSA,
# ECDSA) and decrypts with the keys through the card's ISO 7816-8
# commands; openssl checks the results with the original keys.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/map/keys.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "PKCS#15 structure and key operations with OpenSC"
need_vpcd
opensc_conf
t_need_tools pkcs15-tool pkcs11-tool openssl
R="$VPCD_READER"
W="$T_TMP"
P15VSC="$top_builddir/tests/map/p15-vsc"
echo "stand-in password" > "$W/pw"

map_keys "$W" "/CN=Jane Doe" "/CN=Jane Doe (sign)"
openssl pkey -in "$W/k1.pem" -pubout -out "$W/p1.pem"
openssl pkey -in "$W/k2.pem" -pubout -out "$W/p2.pem"
t_ok "a VSC with the PKCS#15 structure of two escrowed keys" \
  "$P15VSC" "$W/card.vsc" "$W/pw" "$W/k1.der:$W/c1.der:auth:Jane auth" \
  "$W/k2.der:$W/c2.der:sign:Jane sign"
cp "$W/card.vsc" "$W/orig.vsc"

emu_start --vsc "$W/card.vsc" --password-file "$W/pw"
pkcs15-tool -r "$R" -D > "$W/d.out" 2>&1
t_check "pkcs15-tool -D: the PIN" 'grep -q "PIN \[User PIN\]" "$W/d.out"'
t_check "pkcs15-tool -D: the RSA key, ID 45, authentication" \
  'grep -A3 "Private RSA Key \[Jane auth\]" "$W/d.out" | grep -q "sign" && grep -A12 "Private RSA Key \[Jane auth\]" "$W/d.out" | grep -q "ID *: 45"'
t_check "pkcs15-tool -D: the EC key, ID 46, non-repudiation" \
  'grep -A3 "Private EC Key \[Jane sign\]" "$W/d.out" | grep -q nonRepudiation'
t_check "pkcs15-tool -D: public keys and certificates" \
  'grep -q "Public RSA Key \[Jane auth\]" "$W/d.out" && grep -q "Public EC Key \[Jane sign\]" "$W/d.out" && grep -q "X.509 Certificate \[Jane auth\]" "$W/d.out" && grep -q "X.509 Certificate \[Jane sign\]" "$W/d.out"'
pkcs15-tool -r "$R" --read-certificate 45 > "$W/got1.pem" 2>/dev/null
openssl x509 -inform DER -in "$W/c1.der" > "$W/want1.pem"
t_check "the certificate read back equals the original" \
  'cmp -s "$W/got1.pem" "$W/want1.pem"'
pkcs15-tool -r "$R" --read-public-key 46 > "$W/pub2.pem" 2>/dev/null
t_check "the public key file holds the EC key's public part" \
  '[ "$(openssl pkey -pubin -in "$W/pub2.pem" -outform DER | od -An -tx1)" = "$(openssl pkey -pubin -in "$W/p2.pem" -outform DER | od -An -tx1)" ]'

echo "sign me, stand-in" > "$W/msg"
pkcs11-tool --slot-index 0 -O > "$W/o.out" 2>&1
t_check "PKCS#11: the objects" \
  'grep -q "label: *Jane auth" "$W/o.out" && grep -q "ID: *46" "$W/o.out"'
t_ok "PKCS#11: RSA signature (SHA256-RSA-PKCS) with the imported key" \
  pkcs11-tool --slot-index 0 --login --pin 123456 --sign --id 45 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig1"
t_ok "it verifies with the original key" \
  openssl dgst -sha256 -verify "$W/p1.pem" -signature "$W/sig1" "$W/msg"
t_ok "PKCS#11: ECDSA signature (ECDSA-SHA1)" \
  pkcs11-tool --slot-index 0 --login --pin 123456 --sign --id 46 \
  -m ECDSA-SHA1 --signature-format openssl -i "$W/msg" -o "$W/sig2"
t_ok "it verifies with the original key" \
  openssl dgst -sha1 -verify "$W/p2.pem" -signature "$W/sig2" "$W/msg"
openssl pkeyutl -encrypt -pubin -inkey "$W/p1.pem" -in "$W/msg" \
  -out "$W/enc"
t_ok "PKCS#11: RSA decryption (PSO DECIPHER)" \
  pkcs11-tool --slot-index 0 --login --pin 123456 --decrypt --id 45 \
  -m RSA-PKCS -i "$W/enc" -o "$W/dec"
t_check "the plaintext is the message" 'cmp -s "$W/dec" "$W/msg"'
t_fail "a wrong PIN signs nothing" \
  pkcs11-tool --slot-index 0 --login --pin 999999 --sign --id 45 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig3"
t_check "the key cannot be read from the card" \
  'opensc-tool -r "$R" -s 00A4080C0450153001 -s 00B0000000 2>&1 | grep -A1 "00 B0" | grep -q "SW1=0x69, SW2=0x81"'
emu_stop
t_check "without --rw the VSC is unchanged" 'cmp -s "$W/card.vsc" "$W/orig.vsc"'

# --rw: what the card writes goes back, never a key's DER.
emu_start --vsc "$W/card.vsc" --rw --password-file "$W/pw"
opensc-tool -r "$R" -s 0020000106313233343536 -s 00A4080C0450155032 \
  -s 00D6000001FF > "$W/rw.out" 2>&1
emu_stop
t_check "a write reached the VSC" \
  'vsctool cat --password-file "$W/pw" "$W/card.vsc" 3F00/5015/5032 | od -An -tx1 | head -1 | grep -q "^ ff"'
t_check "no public node holds a key" \
  '! vsctool ls -l --password-file "$W/pw" "$W/card.vsc" | grep -E "3F00/5015/300[12]"'
