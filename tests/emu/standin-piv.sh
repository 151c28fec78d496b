#!/bin/sh
# tests/emu/standin-piv.sh - vscemu --vsc of a PIV token's VSC is a
# stand-in token: a token (vscemu, piv-blank.card) gets a 9A key (P-256)
# and a 9C key (RSA 2048) its owner made off-card and kept, a 9D key born
# on the card, certificates for all three, CHUID, CCC and a PIN of its
# own; vsctool backs it up (--store-pins) and escrows the two kept keys.
# The VSC, presented by vscemu --vsc, then answers yubico-piv-tool like
# the token did, signs with 9A and 9C (the signatures verify with the
# certificates read from the stand-in, which are the original ones),
# has no key in 9D and says so, takes the stored PIN, and refuses --rw.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu --vsc: a PIV VSC with escrowed keys as a stand-in token"
need_vpcd
opensc_conf
t_lsan_gcrypt
t_need_tools yubico-piv-tool pkcs11-tool openssl
R="$VPCD_READER"
W="$T_TMP"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo "stand-in password" > "$W/pw"
piv () { yubico-piv-tool -r "$R" "$@"; }
der () { openssl x509 -in "$1" -outform DER | od -An -tx1; }

# Keys made off-card and kept, with certificates.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$W/k9a.pem" -subj "/CN=Jane Doe PIV authentication" -days 3650 \
  -out "$W/c9a.pem" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$W/k9c.pem" \
  -subj "/CN=Jane Doe PIV signature" -days 3650 -out "$W/c9c.pem" 2>/dev/null

# ---- the token ----
emu_start --state "$W/token.state" "$top_srcdir/tests/cards/piv-blank.card"
for s in 9a 9c; do
  t_ok "the kept $s key into the token" piv -a import-key -s $s -i "$W/k$s.pem"
  t_ok "its certificate" piv -a import-certificate -s $s -i "$W/c$s.pem"
done
t_ok "a 9D key born on the token" piv -a generate -s 9d -A ECCP256 -o "$W/p9d.pem"
openssl x509 -new -force_pubkey "$W/p9d.pem" -subj "/CN=born on the card" \
  -CA "$W/c9a.pem" -CAkey "$W/k9a.pem" -days 3650 -out "$W/c9d.pem" 2>/dev/null
t_ok "into 9D" piv -a import-certificate -s 9d -i "$W/c9d.pem"
t_ok "CHUID and CCC" piv -a set-chuid -a set-ccc
t_ok "the owner's own PIN" piv -a change-pin -P 123456 -N 654321
piv -a status > "$W/status-token.out" 2>&1
printf '80:654321\n' > "$W/pins"
vsctool backup --reader "$R" --pin-file "$W/pins" --store-pins \
  --password-file "$W/pw" $KDF "$W/token.vsc" > "$W/backup.out" 2>&1
rc=$?
emu_stop
t_check "vsctool backup of the token (exit $rc)" \
  '[ $rc = 0 ] && [ -s "$W/token.vsc" ]' || cat "$W/backup.out"
for s in 9a 9c; do
  t_ok "the kept $s key escrowed in the VSC" vsctool keygen --piv $s \
    --import "$W/k$s.pem" --password-file "$W/pw" "$W/token.vsc"
done
cp "$W/token.vsc" "$W/orig.vsc"

# ---- the stand-in ----
vscemu --vpcd "$VPCD_PORT" --vsc "$W/token.vsc" --password-file "$W/pw" \
  --log "$W/vscemu.log" 2> "$W/standin.err" &
EMU_PID=$!
t_on_exit "emu_stop"
emu_wait_card present
t_check "vscemu: one applet, two escrowed keys" \
  'grep -q "1 applet(s) and 2 private key(s) presented" "$W/standin.err"' \
  || cat "$W/standin.err"
t_check "vscemu names the slot whose key was born on the card" \
  'grep "no private key for" "$W/standin.err" | grep -q "piv/key-9D" && ! grep "no private key for" "$W/standin.err" | grep -q "key-9[AC]"'
t_check "vscemu says where PIN, PUK and management key come from" \
  'grep -q "PIV PIN: the value stored in the VSC" "$W/standin.err" && grep -q "PIV PUK: 12345678 (factory default)" "$W/standin.err" && grep -q "management key: 010203040506070801020304050607080102030405060708" "$W/standin.err"'
t_check "neither the PIN nor key material is logged" \
  '! grep -q 654321 "$W/standin.err" "$W/vscemu.log" && ! grep -qi "$(openssl pkey -in "$W/k9a.pem" -text -noout | sed -n "3,4p" | tr -d " :\n" | cut -c1-16)" "$W/standin.err" "$W/vscemu.log"'

piv -a status > "$W/status-standin.out" 2>&1
grep -v -E 'Serial|Version|CHUID|CCC' "$W/status-token.out" > "$W/st1"
grep -v -E 'Serial|Version|CHUID|CCC' "$W/status-standin.out" > "$W/st2"
t_check "yubico-piv-tool -a status: the same certificates as on the token" \
  'grep -q "Slot 9d" "$W/st1" && diff "$W/st1" "$W/st2"'
t_check "the same CHUID and CCC" \
  '[ "$(grep -E "CHUID|CCC" "$W/status-token.out")" = "$(grep -E "CHUID|CCC" "$W/status-standin.out")" ] && grep -q CHUID "$W/status-standin.out"'
for s in 9a 9c; do
  piv -a read-certificate -s $s -o "$W/got$s.pem" > /dev/null 2>&1
  t_check "the $s certificate of the stand-in is the original" \
    '[ "$(der "$W/got$s.pem")" = "$(der "$W/c$s.pem")" ]'
done
piv -a verify-pin -P 654321 -a test-signature -s 9a -i "$W/got9a.pem" \
  > "$W/ts9a.out" 2>&1
t_check "yubico-piv-tool: 9A signs, the certificate from the VSC verifies" \
  'grep -q "Successful ECDSA verification" "$W/ts9a.out"' || cat "$W/ts9a.out"
piv -a verify-pin -P 654321 -a test-signature -s 9c -i "$W/got9c.pem" \
  > "$W/ts9c.out" 2>&1
t_check "yubico-piv-tool: 9C (RSA 2048) signs and verifies" \
  'grep -q "Successful RSA verification" "$W/ts9c.out"' || cat "$W/ts9c.out"
t_fail "9D has no key on the stand-in" piv -a verify-pin -P 654321 \
  -a test-signature -s 9d -i "$W/c9d.pem"
t_fail "the factory PIN is not the stand-in's PIN" piv -a verify-pin -P 123456

echo "signed by the stand-in" > "$W/msg"
openssl x509 -in "$W/got9a.pem" -pubkey -noout > "$W/p9a.pem"
pkcs11-tool --slot-index 0 --login --pin 654321 --sign --id 01 \
  -m ECDSA-SHA256 --signature-format openssl -i "$W/msg" -o "$W/msg.sig" \
  > "$W/p11.out" 2>&1
t_ok "pkcs11-tool (OpenSC): a 9A signature verifies with the certificate from the VSC" \
  openssl dgst -sha256 -verify "$W/p9a.pem" -signature "$W/msg.sig" "$W/msg" \
  || cat "$W/p11.out"
emu_stop
t_check "the VSC is unchanged" 'cmp -s "$W/token.vsc" "$W/orig.vsc"'

# --rw would lose the applet's changes: refused, with a reason.
vscemu --vpcd "$VPCD_PORT" --vsc "$W/token.vsc" --rw --password-file "$W/pw" \
  > "$W/rw.out" 2>&1
rc=$?
t_check "--rw with a PIV VSC is refused (exit $rc)" \
  '[ $rc != 0 ] && grep -q "cannot write the OpenPGP or PIV application" "$W/rw.out"'

# Without the password the keys stay locked: vscemu says so, and --pin
# is the PIN (the stored one is in the private area).
vscemu --vpcd "$VPCD_PORT" --vsc "$W/token.vsc" --pin 11223344 \
  --log "$W/vscemu2.log" 2> "$W/locked.err" < /dev/null &
EMU_PID=$!
emu_wait_card present
t_check "without the password: no key, and vscemu says why" \
  'grep -q "0 private key(s)" "$W/locked.err" && grep -q "no password: only the public areas" "$W/locked.err"' \
  || cat "$W/locked.err"
t_ok "--pin is the PIN then" piv -a verify-pin -P 11223344
emu_stop
