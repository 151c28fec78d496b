#!/bin/sh
# tests/tokens/escrow-openpgp.sh - key escrow: vsctool keygen puts an
# OpenPGP signing key (ed25519) and an authentication key (rsa2048) into
# a VSC; vsctool restore imports them into two blank emulated tokens
# through pcscd+vpcd. A signature made by token 1 (raw APDUs: VERIFY PW1
# 81, PSO:CDS) verifies (openssl) with the public key read from token 2
# (GENERATE ASYMMETRIC KEY PAIR 47 81), and the fingerprint that python3
# computes from that public key and the card's date (CD) equals what
# keygen printed, what both tokens hold in C5 and what gpg --card-status
# shows. The same VSC carries a PIV 9A key (eccp256): the tokens are
# YubiKey-like, so it is imported too (IMPORT KEY FE), and an ECDSA
# signature of token 1 (GENERAL AUTHENTICATE) verifies with the public
# key token 2 reports (GET METADATA). Then a wrong PW3 on an OpenPGP-only
# token: clear error, the counter drops once, no retry, and the PIV key is
# "not restorable" there.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
. "$top_srcdir/tests/emu-apps/apps-lib.sh"
. "$top_srcdir/tests/tokens/tokens-lib.sh"
t_begin "escrowed OpenPGP keys restored onto two tokens"
need_vpcd
t_need_tools gpg gpgconf opensc-tool scriptor openssl xxd python3

AID=00A4040006D27600012401
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
printf 'escrow test password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n' > "$T_TMP/pins"
V="$T_TMP/keys.vsc"

t_ok "vsctool create" vsctool create --password-file "$T_TMP/pw" $KDF "$V"
vsctool keygen --password-file "$T_TMP/pw" --openpgp sig --algo ed25519 \
  --created 1700000100 --json "$V" > "$T_TMP/kg-sig.json"
t_check "keygen ed25519 signing key" '[ $? = 0 ] && grep -q "\"path\":\"openpgp/key-sig\"" "$T_TMP/kg-sig.json"'
vsctool keygen --password-file "$T_TMP/pw" --openpgp aut --algo rsa2048 \
  --created 1700000200 --json "$V" > "$T_TMP/kg-aut.json"
t_check "keygen rsa2048 authentication key" 'grep -q "\"algorithm\":\"rsa2048\"" "$T_TMP/kg-aut.json"'
vsctool keygen --password-file "$T_TMP/pw" --piv 9a --algo eccp256 \
  --json "$V" > "$T_TMP/kg-piv.json"
t_check "keygen eccp256 PIV 9A key" 'grep -q "\"path\":\"piv/key-9A\"" "$T_TMP/kg-piv.json"'
PIV_PUB=$(sed -n 's/.*"public":"\([0-9A-F]*\)".*/\1/p' "$T_TMP/kg-piv.json")
t_fail "keygen refuses ed25519 for the decryption key" \
  vsctool keygen --password-file "$T_TMP/pw" --openpgp dec --algo ed25519 "$V"
t_fail "keygen refuses an unknown slot" \
  vsctool keygen --password-file "$T_TMP/pw" --piv 9f --algo eccp256 "$V"
FPR_SIG=$(sed -n 's/.*"fingerprint":"\([0-9A-F]*\)".*/\1/p' "$T_TMP/kg-sig.json")
FPR_AUT=$(sed -n 's/.*"fingerprint":"\([0-9A-F]*\)".*/\1/p' "$T_TMP/kg-aut.json")
t_check "keygen printed two 40-digit fingerprints" '[ ${#FPR_SIG} = 40 ] && [ ${#FPR_AUT} = 40 ]'
vsctool ls -l --password-file "$T_TMP/pw" "$V" > "$T_TMP/ls.out" 2>&1
t_check "the keys are in the secret-key area" \
  '[ "$(grep -cE "secret-key.*(openpgp|piv)/key-" "$T_TMP/ls.out")" = 3 ]'

# restore --keys-only onto a token that already holds data (in-process
# emulator): without --force, only the three keys are planned and
# written; a full restore of the same VSC is refused (not blank).
YK="$(token_card yubikey)"
vsctool restore --keys-only --emu "$YK" --password-file "$T_TMP/pw" \
  --pin-file "$T_TMP/pins" --json "$V" > "$T_TMP/ko.json" 2>"$T_TMP/ko.err"
RC=$?
t_check "restore --keys-only onto a non-blank token succeeds" '[ $RC = 0 ]'
t_check "the keys-only plan lists exactly the three keys, all written" \
  '[ "$(grep -o "\"path\":\"[^\"]*\"" "$T_TMP/ko.json" | tr "\n" " ")" = "\"path\":\"openpgp/key-sig\" \"path\":\"openpgp/key-aut\" \"path\":\"piv/key-9A\" " ] && [ "$(grep -o "\"result\":\"written\"" "$T_TMP/ko.json" | wc -l)" = 3 ] && grep -q "\"keys_only\":true" "$T_TMP/ko.json"'
vsctool restore --emu "$YK" --password-file "$T_TMP/pw" \
  --pin-file "$T_TMP/pins" "$V" > /dev/null 2>"$T_TMP/full.err"
RC=$?
t_check "a full restore onto the same token is refused (not blank)" \
  '[ $RC = 6 ] && grep -q "not blank" "$T_TMP/full.err"'
vsctool restore --keys-only --emu "$(token_card openpgp)" \
  --password-file "$T_TMP/pw" --pin-file "$T_TMP/pins" "$V" \
  > "$T_TMP/ko2.out" 2>/dev/null
RC=$?
t_check "keys-only onto an OpenPGP-only token: partial, the PIV key not restorable" \
  '[ $RC = 7 ] && grep -q "not restorable *piv/key-9A" "$T_TMP/ko2.out" && [ "$(grep -c "\[written\]" "$T_TMP/ko2.out")" = 2 ]'

# python3: OpenPGP v4 fingerprint from the public key as a card returns
# it (7F49 hex) and the creation time.
v4fpr () {
  python3 - "$1" "$2" "$3" <<'EOP'
import sys, hashlib, struct
kind, pub, ts = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3])
def tlvs(b):
    i, out = 0, {}
    while i < len(b):
        t = b[i]; i += 1
        if t & 0x1F == 0x1F:
            t = (t << 8) | b[i]; i += 1
        l = b[i]; i += 1
        if l == 0x81: l = b[i]; i += 1
        elif l == 0x82: l = (b[i] << 8) | b[i + 1]; i += 2
        out[t] = b[i:i + l]; i += l
    return out
def mpi(x):
    x = x.lstrip(b'\0')
    return struct.pack('>H', (len(x) - 1) * 8 + x[0].bit_length()) + x
d = tlvs(tlvs(pub)[0x7F49])
if kind == 'ed25519':
    q = d[0x86]
    if len(q) == 32: q = b'\x40' + q
    oid = bytes.fromhex('2B06010401DA470F01')
    body = bytes([4]) + struct.pack('>I', ts) + bytes([22, len(oid)]) + oid + mpi(q)
else:
    body = bytes([4]) + struct.pack('>I', ts) + bytes([1]) + mpi(d[0x81]) + mpi(d[0x82])
print(hashlib.sha1(b'\x99' + struct.pack('>H', len(body)) + body).hexdigest().upper())
EOP
}

MSG=$(printf 'escrowed key, token one' | xxd -p -c 256 | tr a-f A-F)
MLEN=$(printf '%02X' $((${#MSG} / 2)))

# ---- token 1: restore, sign ----
emu_start --state "$T_TMP/t1.card" "$(token_card yubikey-blank)"
vsctool restore --reader "$VPCD_READER" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r1.out" 2>&1
t_check "token 1: restore succeeds, both keys imported and read back" \
  '[ $? = 0 ] && grep -q "create *openpgp/key-sig *\[written\]" "$T_TMP/r1.out" && grep -q "create *openpgp/key-aut *\[written\]" "$T_TMP/r1.out"' \
  || cat "$T_TMP/r1.out"
apdus "$T_TMP/t1.out" $AID 0020008106313233343536 "002A9E9A${MLEN}${MSG}00" \
  00CA00C500 00CA00CD00
t_check "token 1: VERIFY PW1 81 and PSO:CDS 9000" \
  '[ "$(resp_sw "$T_TMP/t1.out" 2)" = 9000 ] && [ "$(resp_sw "$T_TMP/t1.out" 3)" = 9000 ]'
SIG=$(resp_hex "$T_TMP/t1.out" 3)
C5_1=$(resp_hex "$T_TMP/t1.out" 4)
CD_1=$(resp_hex "$T_TMP/t1.out" 5)
t_check "token 1: a 64-byte EdDSA signature" '[ ${#SIG} = 128 ]'
t_check "token 1: the PIV key was imported too" \
  'grep -q "create *piv/key-9A *\[written\]" "$T_TMP/r1.out"'
H=$(printf 'escrowed PIV key' | openssl dgst -sha256 -binary | xxd -p -c 64 | tr a-f A-F)
apdus "$T_TMP/p1.out" 00A4040005A000000308 0020008008313233343536FFFF \
  "0087119A267C2482008120${H}00"
t_check "token 1: PIV VERIFY and GENERAL AUTHENTICATE (ECDSA) 9000" \
  '[ "$(resp_sw "$T_TMP/p1.out" 2)" = 9000 ] && [ "$(resp_sw "$T_TMP/p1.out" 3)" = 9000 ]'
PSIG=$(tlv_value "$(resp_hex "$T_TMP/p1.out" 3)" 82)
emu_stop

# ---- token 2: restore, read the public keys, gpg ----
emu_start --state "$T_TMP/t2.card" "$(token_card yubikey-blank)"
vsctool restore --reader "$VPCD_READER" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r2.out" 2>&1
t_check "token 2: restore succeeds" '[ $? = 0 ]'
apdus "$T_TMP/t2.out" $AID 00478100000002B6000000 00478100000002A4000000 \
  00CA00C500 00CA00CD00
apdus "$T_TMP/p2.out" 00A4040005A000000308 00F7009A00
PMETA=$(resp_hex "$T_TMP/p2.out" 2)
PUB_SIG=$(resp_hex "$T_TMP/t2.out" 2)
PUB_AUT=$(resp_hex "$T_TMP/t2.out" 3)
C5_2=$(resp_hex "$T_TMP/t2.out" 4)
CD_2=$(resp_hex "$T_TMP/t2.out" 5)
t_check "token 2: public keys read (47 81)" \
  '[ "$(resp_sw "$T_TMP/t2.out" 2)" = 9000 ] && [ "$(resp_sw "$T_TMP/t2.out" 3)" = 9000 ]'
GH="$T_TMP/gnupg"
mkdir -m 700 "$GH"
printf 'disable-ccid\npcsc-shared\nreader-port %s\n' "$VPCD_READER" > "$GH/scdaemon.conf"
t_on_exit "gpgconf --homedir '$GH' --kill all"
gpg --homedir "$GH" --batch --card-status > "$T_TMP/gpg.out" 2>&1
gpgconf --homedir "$GH" --kill all
emu_stop

# The signature of token 1 with the key of token 2.
Q=$(tlv_value "$PUB_SIG" 86)
[ ${#Q} = 66 ] && Q=${Q#40}
hex2bin "302A300506032B6570032100$Q" > "$T_TMP/ed.der"
openssl pkey -pubin -inform DER -in "$T_TMP/ed.der" -out "$T_TMP/ed.pem" 2>/dev/null
hex2bin "$SIG" > "$T_TMP/sig.bin"
printf 'escrowed key, token one' > "$T_TMP/msg.bin"
t_ok "openssl verifies token 1's signature with token 2's public key" \
  openssl pkeyutl -verify -pubin -inkey "$T_TMP/ed.pem" -rawin \
    -in "$T_TMP/msg.bin" -sigfile "$T_TMP/sig.bin"
printf 'another message' > "$T_TMP/msg2.bin"
t_fail "... and not for another message" \
  openssl pkeyutl -verify -pubin -inkey "$T_TMP/ed.pem" -rawin \
    -in "$T_TMP/msg2.bin" -sigfile "$T_TMP/sig.bin"

# The PIV signature of token 1 with the public key of token 2.
PQ=$(tlv_value "$(tlv_value "$PMETA" 04)" 86)
t_check "token 2: GET METADATA 9A gives the escrowed public key" \
  '[ -n "$PQ" ] && [ "$PQ" = "$PIV_PUB" ]'
hex2bin "3059301306072A8648CE3D020106082A8648CE3D030107034200$PQ" > "$T_TMP/p256.der"
openssl pkey -pubin -inform DER -in "$T_TMP/p256.der" -out "$T_TMP/p256.pem" 2>/dev/null
hex2bin "$H" > "$T_TMP/h.bin"
hex2bin "$PSIG" > "$T_TMP/psig.der"
t_ok "openssl verifies token 1's PIV signature with token 2's 9A key" \
  openssl pkeyutl -verify -pubin -inkey "$T_TMP/p256.pem" -in "$T_TMP/h.bin" \
    -sigfile "$T_TMP/psig.der"

# Fingerprints: python3 from the public keys and CD dates.
TS_SIG=$(printf '%d' 0x$(printf '%s' "$CD_2" | cut -c1-8))
TS_AUT=$(printf '%d' 0x$(printf '%s' "$CD_2" | cut -c17-24))
t_check "CD holds the keygen dates" '[ "$TS_SIG" = 1700000100 ] && [ "$TS_AUT" = 1700000200 ]'
PY_SIG=$(v4fpr ed25519 "$PUB_SIG" "$TS_SIG")
PY_AUT=$(v4fpr rsa "$PUB_AUT" "$TS_AUT")
t_check "python3 v4 fingerprint = keygen's (ed25519)" '[ "$PY_SIG" = "$FPR_SIG" ]'
t_check "python3 v4 fingerprint = keygen's (rsa2048)" '[ "$PY_AUT" = "$FPR_AUT" ]'
t_check "C5 of both tokens: the same fingerprints, decryption slot empty" \
  '[ "$C5_1" = "$C5_2" ] && [ "$C5_2" = "${FPR_SIG}0000000000000000000000000000000000000000${FPR_AUT}" ]'
t_check "CD of both tokens agree" '[ "$CD_1" = "$CD_2" ]'
GPG_SIG=$(sed -n 's/^Signature key \.*: //p' "$T_TMP/gpg.out" | tr -d ' ')
GPG_AUT=$(sed -n 's/^Authentication key: //p' "$T_TMP/gpg.out" | tr -d ' ')
t_check "gpg --card-status shows both fingerprints" \
  '[ "$GPG_SIG" = "$FPR_SIG" ] && [ "$GPG_AUT" = "$FPR_AUT" ]' || cat "$T_TMP/gpg.out"

# ---- wrong PW3: one failed VERIFY, clear message, nothing written ----
printf '83:87654321\n' > "$T_TMP/badpins"
emu_start --state "$T_TMP/t3.card" "$(token_card openpgp-blank)"
vsctool restore --reader "$VPCD_READER" --pin-file "$T_TMP/badpins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r3.out" 2>&1
RC=$?
cat "$T_TMP/r3.out" | grep -v "only on the card"
t_check "wrong PW3: restore fails" '[ $RC != 0 ]'
t_check "wrong PW3: the message says so and that it is not retried" \
  'grep -q "refused writing openpgp/key-sig: wrong PIN, 2 tries left (63C2)" "$T_TMP/r3.out"'
apdus "$T_TMP/t3.out" $AID 0020008300 00CA00C500
t_check "wrong PW3: the counter dropped exactly once (63C2)" \
  '[ "$(resp_sw "$T_TMP/t3.out" 2)" = 63C2 ]'
t_check "the PIV key is not restorable on an OpenPGP-only token" \
  'grep -q "not restorable *piv/key-9A .*no PIV application" "$T_TMP/r3.out"'
t_check "wrong PW3: no key was imported" \
  '[ "$(resp_hex "$T_TMP/t3.out" 3)" = "$(printf "%0120d" 0)" ]'
emu_stop
