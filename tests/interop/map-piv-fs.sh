#!/bin/sh
# tests/interop/map-piv-fs.sh - issue 17: a PIV token's identity onto a
# blank ISO 7816 file-system card (vscemu's, which imports keys into key
# files and does the ISO 7816-8 key operations). Token A gets a key in
# 9A (imported with yubico-piv-tool, its certificate from a CA) and a key
# born on it in 9C; the backup escrows the 9A key from the file kept when
# it was made. restore --map auto writes a PKCS#15 structure: pkcs15-tool
# -D lists the certificate and the key, OpenSC's PKCS#11 module signs with
# the imported key and the signature verifies with the certificate; the
# 9C key stays behind with the commands that make a new one.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
. "$top_srcdir/tests/map/keys.sh"
t_begin "a PIV token onto a blank file-system card (--map auto)"
need_vpcd
opensc_conf
interop_need openssl pkcs11-tool pkcs15-tool yubico-piv-tool
W="$T_TMP"
echo "piv password" > "$W/pw"
map_pins "$W/pins"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
  -out "$W/k1.pem" 2>/dev/null
openssl req -x509 -key "$W/k1.pem" -subj "/CN=Jane Doe (PIV)" -days 365 \
  -addext "keyUsage=digitalSignature" -out "$W/c1.pem"
openssl x509 -in "$W/c1.pem" -outform DER -out "$W/c1.der"
openssl x509 -in "$W/c1.pem" -pubkey -noout > "$W/c1.pub"
echo "a PIV key on a file-system card" > "$W/msg"

slot_of () {
  pkcs11-tool -L 2>/dev/null | awk -v r="$1" '/^Slot [0-9]+/ { if (index($0, r)) { print n; exit } n++ }'
}

# ---- token A: 9A imported, 9C born on the token ----------------------
tok_start A "$PORT_A"
t_ok "yubico-piv-tool imports the 9A key" \
  yubico-piv-tool -r "$RA" -a import-key -s 9a -i "$W/k1.pem"
t_ok "yubico-piv-tool imports its certificate" \
  yubico-piv-tool -r "$RA" -a import-certificate -s 9a -i "$W/c1.pem"
t_ok "yubico-piv-tool generates a key in 9C" \
  yubico-piv-tool -r "$RA" -a generate -s 9c -A ECCP256 -o "$W/pub9c.pem"
vsctool backup --reader "$RA" --pin-file "$W/pins" --password-file "$W/pw" \
  $KDF "$W/piv.vsc" > "$W/backup.out" 2>&1
t_check "backup of token A" '[ -s "$W/piv.vsc" ]' || cat "$W/backup.out"
tok_stop A
t_ok "escrow the 9A key from its key file" \
  vsctool keygen --password-file "$W/pw" --piv 9a --import "$W/k1.pem" \
  "$W/piv.vsc"

# ---- a blank file-system card (B) ----------------------------------------
{ cat "$top_srcdir/tests/cards/blank.card"; echo "isoapplet yes"; } \
  > "$W/blank-iso.card"
vscemu --vpcd "$PORT_B" --state "$W/blank.state" "$W/blank-iso.card" \
  >> "$W/blank.log" 2>&1 &
B_PID=$!
t_on_exit "kill $B_PID 2>/dev/null"
interop_wait_card "$RB" Yes
vsctool restore --map auto --reader "$RB" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/piv.vsc" > "$W/r.out" 2>&1
RC=$?
t_check "restore --map auto: the 9A key and certificate to PKCS#15" \
  'grep -qE "^piv/key-9A +pkcs15:auth" "$W/r.out" && grep -qE "^piv/5FC105 +pkcs15:auth" "$W/r.out"' \
  || cat "$W/r.out"
t_check "the key imported into its key file and proved by a signature" \
  'grep -qE "create +3F00/5015/key-01 +\[written\] import into key file 3001" "$W/r.out" && ! grep -qE "\[(failed|written-differs|not-written)\]" "$W/r.out"' \
  || cat "$W/r.out"
t_check "the 9C key stays behind with the commands for a new one" \
  'grep -qE "^piv/key-9C +none .*generated on the old card" "$W/r.out" && grep -q "#     vsctool keygen FILE.vsc --piv 9c" "$W/r.out"'
t_check "exit 7: PIV card data has no place on the card" '[ $RC = 7 ]'
pkcs15-tool -r "$RB" -D > "$W/d.out" 2>&1
t_check "pkcs15-tool -D: the private key, the public key and the certificate" \
  'grep -q "Private RSA Key \[PIV Authentication key\]" "$W/d.out" && grep -q "Public RSA Key \[PIV Authentication key\]" "$W/d.out" && grep -q "X.509 Certificate \[" "$W/d.out"' \
  || cat "$W/d.out"
pkcs15-tool -r "$RB" --read-certificate 01 > "$W/got.pem" 2>/dev/null
t_check "the certificate is the token's" \
  '[ "$(openssl x509 -in "$W/got.pem" -outform DER | od -An -tx1)" = "$(od -An -tx1 "$W/c1.der")" ]'
I=$(slot_of "$RB")
t_ok "PKCS#11 (OpenSC) signs with the imported key" \
  pkcs11-tool --slot-index "$I" --login --pin 123456 --sign --id 01 \
  -m SHA256-RSA-PKCS -i "$W/msg" -o "$W/sig"
t_ok "the signature verifies with the certificate" \
  openssl dgst -sha256 -verify "$W/c1.pub" -signature "$W/sig" "$W/msg"
