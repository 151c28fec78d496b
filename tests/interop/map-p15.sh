#!/bin/sh
# tests/interop/map-p15.sh - issue 17: a PKCS#15 card's identity moved to
# a token of another model. The PKCS#15 card is vscemu presenting a VSC
# with a PKCS#15 structure whose keys it can use (an RSA authentication
# key, a P-256 signature key, their certificates). It is backed up (the
# keys are "not extractable"), the keys are escrowed from the files kept
# when they were made (vsctool keygen --pkcs15 ID --import), and:
#  - restore --map auto puts them into PIV 9A and 9C of token B with their
#    certificates; OpenSC's PKCS#11 module signs with 9A on the token and
#    the signature verifies with the original certificate;
#  - restore --map FILE puts the signature key into OpenPGP's sig slot of
#    token C; gpg signs with the card, the signature verifies, and gpg's
#    key is the escrowed key (its public point).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
. "$top_srcdir/tests/map/keys.sh"
t_begin "a PKCS#15 card's keys onto a token's PIV and OpenPGP slots (--map)"
need_vpcd
opensc_conf
interop_need openssl pkcs11-tool pkcs15-tool gpg gpgconf gpg-connect-agent \
  python3
W="$T_TMP"
P15VSC="$top_builddir/tests/map/p15-vsc"
echo "card password" > "$W/pw"
map_pins "$W/pins"
map_keys "$W" "/CN=Jane Doe/UID=jdoe" "/CN=Jane Doe"
openssl x509 -inform DER -in "$W/c1.der" -pubkey -noout > "$W/c1.pub"
echo "moved to another card model" > "$W/msg"

# pkcs11-tool's slot index of READER.
slot_of () {
  pkcs11-tool -L 2>/dev/null | awk -v r="$1" '/^Slot [0-9]+/ { if (index($0, r)) { print n; exit } n++ }'
}

# ---- the PKCS#15 card (reader A) ------------------------------------
t_ok "the PKCS#15 card: a VSC with the structure and the keys" \
  "$P15VSC" "$W/card.vsc" "$W/pw" "$W/k1.der:$W/c1.der:auth:Jane auth" \
  "$W/k2.der:$W/c2.der:sign:Jane sign"
vscemu --vpcd "$PORT_A" --vsc "$W/card.vsc" --password-file "$W/pw" \
  >> "$W/card.log" 2>&1 &
CARD_PID=$!
t_on_exit "kill $CARD_PID 2>/dev/null"
interop_wait_card "$RA" Yes
I=$(slot_of "$RA")
pkcs11-tool --slot-index "$I" --login --pin 123456 --sign --id 45 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig0" > "$W/p11-0.out" 2>&1
t_ok "the PKCS#15 card signs with its key (OpenSC PKCS#11)" \
  openssl dgst -sha256 -verify "$W/c1.pub" -signature "$W/sig0" "$W/msg"
vsctool backup --reader "$RA" --pin-file "$W/pins" --password-file "$W/pw" \
  $KDF "$W/backup.vsc" > "$W/backup.out" 2>&1
RC=$?
t_check "backup of the PKCS#15 card: its keys are not extractable" \
  '{ [ $RC = 0 ] || [ $RC = 7 ]; } && vsctool ls -l --password-file "$W/pw" "$W/backup.vsc" | grep -qE "^key .* X.* 3F00/5015/key-45"' \
  || cat "$W/backup.out"
kill "$CARD_PID"
wait "$CARD_PID" 2>/dev/null
interop_wait_card "$RA" No
t_ok "escrow the authentication key from its key file" \
  vsctool keygen --password-file "$W/pw" --pkcs15 45 --import "$W/k1.pem" \
  "$W/backup.vsc"
t_ok "escrow the signature key from its key file" \
  vsctool keygen --password-file "$W/pw" --pkcs15 46 --import "$W/k2.pem" \
  "$W/backup.vsc"

# ---- the backup as a stand-in token (vscemu --vsc) ----------------------
# While the replacement is on its way, vscemu presents the backup with
# its escrowed keys: OpenSC finds the same structure and signs with both.
cp "$W/backup.vsc" "$W/standin.vsc"
vscemu --vpcd "$PORT_A" --vsc "$W/standin.vsc" --password-file "$W/pw" \
  >> "$W/standin.log" 2>&1 &
SI_PID=$!
t_on_exit "kill $SI_PID 2>/dev/null"
interop_wait_card "$RA" Yes
pkcs15-tool -r "$RA" -D > "$W/si-d.out" 2>&1
t_check "stand-in: pkcs15-tool -D lists both keys and both certificates" \
  'grep -q "Private RSA Key \[Jane auth\]" "$W/si-d.out" && grep -q "Private EC Key \[Jane sign\]" "$W/si-d.out" && [ "$(grep -c "X.509 Certificate" "$W/si-d.out")" = 2 ]' \
  || cat "$W/si-d.out" "$W/standin.log"
I=$(slot_of "$RA")
pkcs11-tool --slot-index "$I" --login --pin 123456 --sign --id 45 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig-si1" > "$W/si-p11.out" 2>&1
t_ok "stand-in: the escrowed RSA key signs, verified with the certificate" \
  openssl dgst -sha256 -verify "$W/c1.pub" -signature "$W/sig-si1" "$W/msg"
openssl x509 -inform DER -in "$W/c2.der" -pubkey -noout > "$W/c2.pub"
# OpenSC's IsoApplet driver offers ECDSA only as ECDSA-SHA1 (the card
# hashes, as the IsoApplet does).
pkcs11-tool --slot-index "$I" --login --pin 123456 --sign --id 46 \
  -m ECDSA-SHA1 --signature-format openssl -i "$W/msg" -o "$W/sig-si2" \
  >> "$W/si-p11.out" 2>&1
t_ok "stand-in: the escrowed P-256 key signs, verified with the certificate" \
  openssl dgst -sha1 -verify "$W/c2.pub" -signature "$W/sig-si2" "$W/msg"
[ -s "$W/sig-si1" ] && [ -s "$W/sig-si2" ] || cat "$W/si-p11.out" "$W/standin.log"
kill "$SI_PID"
wait "$SI_PID" 2>/dev/null
interop_wait_card "$RA" No
t_check "stand-in: without --rw the backup is unchanged" \
  'cmp -s "$W/standin.vsc" "$W/backup.vsc"'

# ---- token B: PIV by purpose -------------------------------------------
tok_start B "$PORT_B"
vsctool restore --map auto --reader "$RB" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/backup.vsc" > "$W/r-b.out" 2>&1
RC=$?
t_check "restore --map auto: the keys and certificates into PIV 9A and 9C" \
  '[ $RC = 0 ] && grep -qE "^3F00/5015/key-45 +piv:9a" "$W/r-b.out" && grep -qE "^3F00/5015/key-46 +piv:9c" "$W/r-b.out" && grep -qE "(create|update) +piv/key-9A +\[written\]" "$W/r-b.out" && grep -qE "(create|update) +piv/key-9C +\[written\]" "$W/r-b.out" && grep -qE "(create|update) +piv/5FC105 +\[written\]" "$W/r-b.out" && grep -qE "(create|update) +piv/5FC10A +\[written\]" "$W/r-b.out"' \
  || cat "$W/r-b.out"
vsctool restore --map auto --dry-run --reader "$RB" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/backup.vsc" > "$W/dry-b.out" 2>&1
t_check "the token's PIV was read: its algorithms and 2 retired key slots (GET METADATA)" \
  'grep -q "^# target: PIV, key import yes, rsa2048,nistp256,nistp384, 2 retired slots" "$W/dry-b.out"' \
  || cat "$W/dry-b.out"
I=$(slot_of "$RB")
t_ok "PKCS#11 (OpenSC, PIV driver) signs with 9A on the token" \
  pkcs11-tool --slot-index "$I" --login --pin 123456 --sign --id 01 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig-b"
t_ok "the token's signature verifies with the original certificate" \
  openssl dgst -sha256 -verify "$W/c1.pub" -signature "$W/sig-b" "$W/msg"
pkcs15-tool -r "$RB" --read-certificate 02 > "$W/c2-b.pem" 2>/dev/null
t_check "the 9C certificate on the token is the card's" \
  '[ "$(openssl x509 -in "$W/c2-b.pem" -outform DER | od -An -tx1)" = "$(od -An -tx1 "$W/c2.der")" ]'
tok_stop B

# ---- token C: the signature key to OpenPGP sig ------------------------
tok_start C "$PORT_A"
printf '# the signature key to OpenPGP, the other one stays\n3F00/5015/key-46 openpgp:sig\n3F00/5015/key-45 none\n' \
  > "$W/sig.map"
vsctool restore --map "$W/sig.map" --reader "$RA" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/backup.vsc" > "$W/r-c.out" 2>&1
RC=$?
t_check "restore --map FILE: the P-256 key and its certificate into OpenPGP sig" \
  '[ $RC = 0 ] && grep -qE "(create|update) +openpgp/key-sig +\[written\]" "$W/r-c.out" && grep -qE "(create|update) +openpgp/7F21/B6 +\[written\]" "$W/r-c.out"' \
  || cat "$W/r-c.out"
G="$W/gnupg"
gpg_home "$G" "$RA"
gpg --homedir "$G" --batch --with-keygrip --card-status > "$W/cs.out" 2>&1
GRIP=$(gpg_grip "$W/cs.out" Signature)
t_check "gpg --card-status shows the signature key" '[ ${#GRIP} = 40 ]' \
  || cat "$W/cs.out"
# An OpenPGP key around the card's key (gpg's "existing key").
cat > "$W/params" <<EOP
Key-Type: ECDSA
Key-Grip: $GRIP
Key-Usage: sign
Name-Real: Jane Doe
Name-Email: jane@example.org
Expire-Date: 0
%no-protection
%commit
EOP
gpg --homedir "$G" --batch --status-fd 1 --generate-key "$W/params" \
  > "$W/gen.out" 2>&1
FPR=$(awk '/KEY_CREATED/ { print $NF; exit }' "$W/gen.out")
t_check "gpg makes an OpenPGP key of the card's signature key" \
  '[ ${#FPR} = 40 ]' || cat "$W/gen.out"
gpg --homedir "$G" --batch -u "$FPR" --sign -o "$W/msg.gpg" "$W/msg" \
  > "$W/sign.out" 2>&1
gpg --homedir "$G" --batch --status-fd 1 --verify "$W/msg.gpg" \
  > "$W/verify.out" 2>&1
t_check "gpg signs with the token, and the signature verifies" \
  'grep -q "^\[GNUPG:\] GOODSIG" "$W/verify.out"' || cat "$W/sign.out" "$W/verify.out"
# gpg's key is the escrowed key: the same public point.
ESC=$(openssl pkey -in "$W/k2.pem" -pubout -outform DER | tail -c 65 | od -An -tx1 | tr -d ' \n')
# The public key packet's EC point (RFC 4880 5.5.2, RFC 6637 9).
GPGQ=$(gpg --homedir "$G" --export "$FPR" | python3 -c '
import sys
b = sys.stdin.buffer.read()
tag = b[0]
if tag & 0x40:
    l = b[1]; i = 2
    if l >= 192: l = ((l - 192) << 8) + b[2] + 192; i = 3
else:
    lt = tag & 3; n = (1, 2, 4)[lt]
    l = int.from_bytes(b[1:1 + n], "big"); i = 1 + n
p = b[i:i + l]
olen = p[6]
m = p[7 + olen:]
bits = int.from_bytes(m[0:2], "big")
print(m[2:2 + (bits + 7) // 8].hex())')
t_check "the card's key is the escrowed key (its public point)" \
  '[ -n "$ESC" ] && [ "$GPGQ" = "$ESC" ]'
gpg_done "$G"
tok_stop C
