#!/bin/sh
# escrow.sh - the second interop flow (issue 12): keys generated off-card
# (vsctool keygen: OpenPGP sig ed25519, dec cv25519, aut ed25519; PIV 9A
# and 9C P-256) and restored onto a factory-fresh token B. gpg, given the
# token's key grips and the keys' creation time, gets exactly the
# fingerprints keygen printed (OpenPGP v4 over the escrowed public keys):
# it signs with B and the signature verifies, and what is encrypted to the
# escrowed decryption key B decrypts. A certificate for the escrowed 9A
# and 9C public keys (issued by a throw-away CA, the private keys never
# leave the VSC and the token) lets yubico-piv-tool test a signature made
# by B, and a signature made through PKCS#11 verifies with openssl against
# the escrowed public key.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
t_begin "interop: escrowed keys restored onto a fresh token sign and decrypt"
need_vpcd
opensc_conf
interop_need gpg gpgconf yubico-piv-tool pkcs11-tool openssl python3
printf 'interop password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n80:123456\n' > "$T_TMP/pins"
V="$T_TMP/keys.vsc"
CREATED=1700000100          # 2023-11-14 22:15:00 UTC

t_ok "an empty VSC for the keys" \
  vsctool create --password-file "$T_TMP/pw" $KDF "$V"
keygen () {  # NAME ARGS...
  n=$1; shift
  vsctool keygen --json --password-file "$T_TMP/pw" "$@" "$V" \
    > "$T_TMP/$n.json" 2> "$T_TMP/$n.err"
}
jfield () {  # NAME FIELD
  sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" "$T_TMP/$1.json"
}
t_ok "keygen openpgp sig ed25519" keygen sig --openpgp sig --algo ed25519 --created $CREATED
t_ok "keygen openpgp dec cv25519" keygen dec --openpgp dec --algo cv25519 --created $CREATED
t_ok "keygen openpgp aut ed25519" keygen aut --openpgp aut --algo ed25519 --created $CREATED
t_ok "keygen piv 9a eccp256" keygen 9a --piv 9a --algo eccp256
t_ok "keygen piv 9c eccp256" keygen 9c --piv 9c --algo eccp256
FSIG=$(jfield sig fingerprint)
FDEC=$(jfield dec fingerprint)
FAUT=$(jfield aut fingerprint)
t_check "keygen printed three fingerprints" \
  '[ ${#FSIG} = 40 ] && [ ${#FDEC} = 40 ] && [ ${#FAUT} = 40 ]'

tok_start B $PORT_B
vsctool restore --reader "$RB" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/restore.out" 2>&1
RC=$?
t_check "restore of the keys onto the fresh token succeeds" '[ $RC = 0 ]' \
  || cat "$T_TMP/restore.out"
t_check "five keys written and read back" \
  'grep -qE "^Written 5 nodes, 5 read back equal, 0 failed" "$T_TMP/restore.out"'
tok_stop B
tok_start B $PORT_B

# ---- OpenPGP with gpg ----
G="$T_TMP/gnupg"
gpg_home "$G" "$RB"
gpg --homedir "$G" --batch --card-status --with-keygrip > "$T_TMP/cs.out" 2>&1
t_check "gpg --card-status shows the escrowed fingerprints" \
  'grep -q "^Signature key ....: $(gpg_spaced $FSIG)" "$T_TMP/cs.out" && grep -q "created ....: 2023-11-14 22:15:00" "$T_TMP/cs.out"' \
  || cat "$T_TMP/cs.out"
gpg_card_key "$G" "$T_TMP/cs.out" "$T_TMP/key"
t_check "gpg's key from the token has the escrowed fingerprints" \
  'grep -q "^fpr:::::::::$FSIG:" "$T_TMP/key.keys" && grep -q "^fpr:::::::::$FDEC:" "$T_TMP/key.keys"' \
  || cat "$T_TMP/key.genkey" "$T_TMP/key.keys"
gpg_card_use "$G" "$FSIG" "$FDEC" "$T_TMP"
t_check "the token signs; the signature verifies with the escrowed key" \
  'grep -q "Good signature" "$T_TMP/verify.out" && grep -q "using EDDSA key $FSIG" "$T_TMP/verify.out"' \
  || cat "$T_TMP/sign.out" "$T_TMP/verify.out"
t_check "encrypted to the escrowed key, the token decrypts" \
  'cmp -s "$T_TMP/msg" "$T_TMP/msg.dec"' || cat "$T_TMP/enc.out" "$T_TMP/dec.out"
gpg_done "$G"

# ---- PIV ----
# The escrowed public keys (04 || X || Y) as SubjectPublicKeyInfo.
spki () {  # NAME -> $T_TMP/NAME.pub.pem
  unhex "3059301306072a8648ce3d020106082a8648ce3d030107034200$(jfield "$1" public)" \
    > "$T_TMP/$1.pub.der"
  openssl pkey -pubin -inform DER -in "$T_TMP/$1.pub.der" \
    -out "$T_TMP/$1.pub.pem" 2>/dev/null
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$T_TMP/ca.key" -subj "/CN=interop CA" -days 3650 \
  -out "$T_TMP/ca.pem" 2>/dev/null
for s in 9a 9c; do
  spki $s
  openssl x509 -new -force_pubkey "$T_TMP/$s.pub.pem" \
    -subj "/CN=escrowed $s" -CA "$T_TMP/ca.pem" -CAkey "$T_TMP/ca.key" \
    -days 3650 -out "$T_TMP/$s.cert.pem" 2>/dev/null
  t_ok "a certificate for the escrowed $s key into the token" \
    yubico-piv-tool -r "$RB" -a import-certificate -s $s -i "$T_TMP/$s.cert.pem"
  yubico-piv-tool -r "$RB" -P 123456 -a verify-pin -a test-signature \
    -s $s -i "$T_TMP/$s.cert.pem" > "$T_TMP/ts-$s.out" 2>&1
  t_check "yubico-piv-tool: $s signs, the escrowed public key verifies" \
    'grep -q "Successful ECDSA verification" "$T_TMP/ts-$s.out"' \
    || cat "$T_TMP/ts-$s.out"
done
tok_stop B
tok_start B $PORT_B
pkcs11-tool --slot-index 1 --login --pin 123456 --sign --id 01 \
  -m ECDSA-SHA256 --signature-format openssl -i "$T_TMP/msg" \
  -o "$T_TMP/msg.p11sig" > "$T_TMP/p11.out" 2>&1
openssl dgst -sha256 -verify "$T_TMP/9a.pub.pem" -signature \
  "$T_TMP/msg.p11sig" "$T_TMP/msg" > "$T_TMP/p11v.out" 2>&1
t_check "pkcs11-tool: a 9A signature by the token verifies with openssl against the escrowed key" \
  'grep -q "Verified OK" "$T_TMP/p11v.out"' \
  || cat "$T_TMP/p11.out" "$T_TMP/p11v.out"
tok_stop B
