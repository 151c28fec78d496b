#!/bin/sh
# tests/interop/map-cross.sh - issue 17: OpenPGP -> PIV and PIV ->
# OpenPGP on the same token. Keys escrowed for the OpenPGP slots (sig
# P-256, aut RSA 2048, from key files) go into the token's PIV
# application with restore --map piv: PIV 9A signs (OpenSC PKCS#11) and
# the signature verifies with the escrowed key; 9C holds the signature
# key (read back by GET METADATA). Keys escrowed for PIV 9A and 9C go
# into its OpenPGP application with restore --map openpgp: gpg sees them
# on the card, signs with the sig key, the signature verifies, and the
# key is the escrowed one.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
t_begin "OpenPGP -> PIV and PIV -> OpenPGP on one token (--map)"
need_vpcd
opensc_conf
interop_need openssl pkcs11-tool gpg gpgconf python3
W="$T_TMP"
echo "cross password" > "$W/pw"
printf '80:123456\n81:12345678\n82:123456\n83:12345678\n' > "$W/pins"
for k in pgp-aut piv-aut; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$W/$k.pem" 2>/dev/null
  openssl pkey -in "$W/$k.pem" -pubout -out "$W/$k.pub"
done
for k in pgp-sig piv-sig; do
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$W/$k.pem" 2>/dev/null
done
echo "one token, two applications" > "$W/msg"

slot_of () {
  pkcs11-tool -L 2>/dev/null | awk -v r="$1" '/^Slot [0-9]+/ { if (index($0, r)) { print n; exit } n++ }'
}
# The EC point of gpg's key FPR in home G (its public key packet).
gpg_point () {
  gpg --homedir "$1" --export "$2" | python3 -c '
import sys
b = sys.stdin.buffer.read()
tag = b[0]
if tag & 0x40:
    l = b[1]; i = 2
    if l >= 192: l = ((l - 192) << 8) + b[2] + 192; i = 3
else:
    n = (1, 2, 4)[tag & 3]
    l = int.from_bytes(b[1:1 + n], "big"); i = 1 + n
p = b[i:i + l]
m = p[7 + p[6]:]
bits = int.from_bytes(m[0:2], "big")
print(m[2:2 + (bits + 7) // 8].hex())'
}
ec_point () {
  openssl pkey -in "$1" -pubout -outform DER | tail -c 65 | od -An -tx1 | tr -d ' \n'
}

tok_start A "$PORT_A"
vsctool backup --reader "$RA" --pin-file "$W/pins" --password-file "$W/pw" \
  $KDF "$W/a.vsc" > "$W/backup.out" 2>&1
t_check "backup of the token" '[ -s "$W/a.vsc" ]' || cat "$W/backup.out"
cp "$W/a.vsc" "$W/b.vsc"

# ---- OpenPGP -> PIV ---------------------------------------------------
t_ok "escrow an OpenPGP signature key (P-256)" \
  vsctool keygen --password-file "$W/pw" --openpgp sig \
  --import "$W/pgp-sig.pem" "$W/a.vsc"
t_ok "escrow an OpenPGP authentication key (RSA 2048)" \
  vsctool keygen --password-file "$W/pw" --openpgp aut \
  --import "$W/pgp-aut.pem" "$W/a.vsc"
vsctool restore --map piv --force --reader "$RA" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/a.vsc" > "$W/r1.out" 2>&1
RC=$?
t_check "restore --map piv: the OpenPGP keys into PIV 9C and 9A" \
  '[ $RC = 0 ] && grep -qE "^openpgp/key-sig +piv:9c" "$W/r1.out" && grep -qE "^openpgp/key-aut +piv:9a" "$W/r1.out" && grep -qE "(create|update) +piv/key-9C +\[written\]" "$W/r1.out" && grep -qE "(create|update) +piv/key-9A +\[written\]" "$W/r1.out"' \
  || cat "$W/r1.out"
t_check "nothing went to the OpenPGP application" \
  '! grep -qE "openpgp/key-(sig|aut) +\[written" "$W/r1.out"'
I=$(slot_of "$RA")
# OpenSC shows a PIV key without a certificate only through its public
# key: put one there (the same as a CA would certify).
openssl req -x509 -key "$W/pgp-aut.pem" -subj "/CN=moved from OpenPGP" \
  -days 30 -out "$W/aut.crt"
t_ok "yubico-piv-tool adds a certificate for 9A" \
  yubico-piv-tool -r "$RA" -a import-certificate -s 9a -i "$W/aut.crt"
t_ok "PKCS#11 signs with PIV 9A" \
  pkcs11-tool --slot-index "$I" --login --pin 123456 --sign --id 01 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig1"
t_ok "the signature verifies with the escrowed OpenPGP key" \
  openssl dgst -sha256 -verify "$W/pgp-aut.pub" -signature "$W/sig1" "$W/msg"

# ---- PIV -> OpenPGP ---------------------------------------------------
t_ok "escrow a PIV 9C key (P-256)" \
  vsctool keygen --password-file "$W/pw" --piv 9c --import "$W/piv-sig.pem" \
  "$W/b.vsc"
t_ok "escrow a PIV 9A key (RSA 2048)" \
  vsctool keygen --password-file "$W/pw" --piv 9a --import "$W/piv-aut.pem" \
  "$W/b.vsc"
vsctool restore --map openpgp --force --reader "$RA" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/b.vsc" > "$W/r2.out" 2>&1
RC=$?
t_check "restore --map openpgp: the PIV keys into OpenPGP sig and aut" \
  '[ $RC = 0 ] && grep -qE "^piv/key-9C +openpgp:sig" "$W/r2.out" && grep -qE "^piv/key-9A +openpgp:aut" "$W/r2.out" && grep -qE "(create|update) +openpgp/key-sig +\[written\]" "$W/r2.out" && grep -qE "(create|update) +openpgp/key-aut +\[written\]" "$W/r2.out"' \
  || cat "$W/r2.out"
G="$W/gnupg"
gpg_home "$G" "$RA"
gpg --homedir "$G" --batch --with-keygrip --card-status > "$W/cs.out" 2>&1
GRIP=$(gpg_grip "$W/cs.out" Signature)
t_check "gpg --card-status shows the signature and authentication keys" \
  '[ ${#GRIP} = 40 ] && grep -qE "^Authentication key: [0-9A-F ]{40}" "$W/cs.out"' \
  || cat "$W/cs.out"
cat > "$W/params" <<EOP
Key-Type: ECDSA
Key-Grip: $GRIP
Key-Usage: sign
Name-Real: Jane Doe
Expire-Date: 0
%no-protection
%commit
EOP
gpg --homedir "$G" --batch --status-fd 1 --generate-key "$W/params" \
  > "$W/gen.out" 2>&1
FPR=$(awk '/KEY_CREATED/ { print $NF; exit }' "$W/gen.out")
gpg --homedir "$G" --batch -u "$FPR" --sign -o "$W/msg.gpg" "$W/msg" \
  > "$W/sign.out" 2>&1
gpg --homedir "$G" --batch --status-fd 1 --verify "$W/msg.gpg" \
  > "$W/verify.out" 2>&1
t_check "gpg signs with the key from PIV 9C, the signature verifies" \
  'grep -q "^\[GNUPG:\] GOODSIG" "$W/verify.out"' \
  || cat "$W/gen.out" "$W/sign.out" "$W/verify.out"
t_check "the card's OpenPGP key is the escrowed PIV key" \
  '[ "$(gpg_point "$G" "$FPR")" = "$(ec_point "$W/piv-sig.pem")" ]'
gpg_done "$G"
tok_stop A
