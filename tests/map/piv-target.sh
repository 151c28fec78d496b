#!/bin/sh
# tests/map/piv-target.sh - vsctool restore --map onto PIV tokens that
# have less than a YubiKey 5 (in-process emulator, no pcscd): the PIV
# agent reads the retired key slots (GET METADATA: 2 on a CanoKey-like
# token, none on an old token without GET METADATA) and the algorithms
# (version, metadata); the planner puts a key only where its algorithm
# fits and says "no room" for keys beyond the retired slots; the restore
# writes what was planned.
. "$top_srcdir/tests/lib.sh"
t_begin "restore --map onto PIV tokens with fewer slots and algorithms"
command -v openssl >/dev/null 2>&1 || t_skip "openssl is not installed"
W="$T_TMP"
C="$top_srcdir/tests/cards"
echo "map test password" > "$W/pw"
printf '80:123456\n81:12345678\n' > "$W/pins"

# A PKCS#15 card's VSC with escrowed keys: a P-384 signature key and
# four RSA decryption keys.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
  -out "$W/s.pem" 2>/dev/null
openssl pkey -in "$W/s.pem" -outform DER -out "$W/s.der"
openssl req -x509 -key "$W/s.pem" -subj "/CN=Jane Doe sign" -days 30 \
  -addext "keyUsage=digitalSignature,nonRepudiation" -outform DER \
  -out "$W/cs.der"
set -- "$W/s.der:$W/cs.der:sign:Sign"
for i in 1 2 3 4; do
  openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$W/d$i.pem" 2>/dev/null
  openssl pkey -in "$W/d$i.pem" -outform DER -out "$W/d$i.der"
  openssl req -x509 -key "$W/d$i.pem" -subj "/CN=Jane Doe decrypt $i" \
    -days 30 -addext "keyUsage=keyEncipherment" -outform DER \
    -out "$W/cd$i.der"
  set -- "$@" "$W/d$i.der:$W/cd$i.der:decrypt:Dec$i"
done
t_ok "a PKCS#15 card's VSC with five escrowed keys" \
  "$top_builddir/tests/map/p15-vsc" "$W/p15.vsc" "$W/pw" "$@"

# Three PIV-only tokens: CanoKey-like (5.7.0, 2 retired slots, GET
# METADATA), an old one (1.0.4: no GET METADATA, no P-384, no retired
# slots), a YubiKey 4 (4.3.7: no GET METADATA, 20 slots, P-384).
head="atr 3BFD1300008131FE158073C021C057597562694B657940
protocol t1
extended-length yes"
printf '%s\napplet piv serial=1262682113 version=5.7.0 retired=2 algs=rsa2048,nistp256,nistp384\n' "$head" > "$W/ck.card"
printf '%s\napplet piv serial=1262682114 version=1.0.4 retired=0 algs=rsa1024,rsa2048,nistp256\n' "$head" > "$W/old.card"
printf '%s\napplet piv serial=1262682115 version=4.3.7\n' "$head" > "$W/yk4.card"

dry () {
  vsctool restore --map auto --dry-run --emu "$1" --password-file "$W/pw" \
    --pin-file "$W/pins" "$W/p15.vsc" > "$2" 2>&1
}

dry "$W/ck.card" "$W/ck.out"
t_check "CanoKey-like: GET METADATA finds 2 retired slots" \
  'grep -q "^# target: PIV, key import yes, rsa2048,nistp256,nistp384, 2 retired slots" "$W/ck.out"' \
  || cat "$W/ck.out"
t_check "CanoKey-like: 9C (P-384), 9D, 82, 83 by purpose" \
  'grep -qE "^3F00/5015/key-45 +piv:9c " "$W/ck.out" && grep -qE "^3F00/5015/key-46 +piv:9d " "$W/ck.out" && grep -qE "^3F00/5015/key-47 +piv:82 " "$W/ck.out" && grep -qE "^3F00/5015/key-48 +piv:83 " "$W/ck.out"'
t_check "CanoKey-like: the fifth key and its certificate: no room" \
  'grep -qE "^3F00/5015/key-49 +none .*no room on this token: its 2 retired key slots \(82 to 83\) are all taken" "$W/ck.out" && grep -qE "^3F00/5015/3405 +none " "$W/ck.out"'
# The retired slots cost probes (GET METADATA of 95, GENERAL AUTHENTICATE
# of an empty template): read for a mapped restore only, not for a plain
# one (make bench, apps-apdus, counts the APDUs of a plain restore).
vsctool --debug-apdu restore --map auto --dry-run --emu "$W/ck.card" \
  --password-file "$W/pw" --pin-file "$W/pins" "$W/p15.vsc" \
  > "$W/ck-apdu.out" 2>&1
vsctool --debug-apdu restore --dry-run --emu "$W/ck.card" \
  --password-file "$W/pw" --pin-file "$W/pins" "$W/p15.vsc" \
  > "$W/plain-apdu.out" 2>&1
t_check "a mapped restore probes the retired slots" \
  'grep -q "> 00 F7 00 95" "$W/ck-apdu.out"'
t_check "a plain restore does not" \
  'grep -q "> 00 FD 00 00" "$W/plain-apdu.out" && ! grep -q "> 00 F7 00 95" "$W/plain-apdu.out"'

dry "$W/old.card" "$W/old.out"
t_check "old token: no GET METADATA, so its version: no P-384, no retired slots" \
  'grep -q "^# target: PIV, key import yes, rsa2048,nistp256, 0 retired slots" "$W/old.out"' \
  || cat "$W/old.out"
t_check "old token: the P-384 key does not fit, with the reason" \
  'grep -qE "^3F00/5015/key-45 +none .*piv:9c takes rsa2048 nistp256, not nistp384" "$W/old.out" && grep -qE "^3F00/5015/3401 +none " "$W/old.out"'
t_check "old token: 9D for the first decryption key, no room for the others" \
  'grep -qE "^3F00/5015/key-46 +piv:9d " "$W/old.out" && grep -qE "^3F00/5015/key-47 +none .*no room on this token: it has no retired key slots" "$W/old.out"'

dry "$W/yk4.card" "$W/yk4.out"
t_check "YubiKey 4 (no GET METADATA): the fixed set and 20 retired slots" \
  'grep -q "^# target: PIV, key import yes, rsa2048,nistp256,nistp384, 20 retired slots" "$W/yk4.out" && grep -qE "^3F00/5015/key-45 +piv:9c " "$W/yk4.out" && grep -qE "^3F00/5015/key-49 +piv:84 " "$W/yk4.out"' \
  || cat "$W/yk4.out"

# The restore onto the CanoKey-like token writes what was planned; the
# key without room is reported (exit 7), nothing is tried in 84.
vsctool restore --map auto --emu "$W/ck.card" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/p15.vsc" > "$W/r.out" 2>&1
RC=$?
t_check "restore: 9C, 9D, 82, 83 and their certificates written, exit 7" \
  '[ $RC = 7 ] && grep -qE "create +piv/key-9C +\[written\]" "$W/r.out" && grep -qE "create +piv/key-83 +\[written\]" "$W/r.out" && grep -qE "create +piv/5FC10E +\[written\]" "$W/r.out" && ! grep -q "piv/key-84" "$W/r.out"' \
  || cat "$W/r.out"
t_finish
