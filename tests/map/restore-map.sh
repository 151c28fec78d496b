#!/bin/sh
# tests/map/restore-map.sh - vsctool restore --map and keygen --import on
# the in-process emulator (no pcscd): a VSC of a PKCS#15 card whose keys
# are escrowed from key files goes onto a YubiKey-like token (PIV 9A/9C
# by purpose) and, as a map file says, onto OpenPGP; a PIV token's VSC
# onto a blank file-system card (a PKCS#15 structure, the key imported
# and proved by a signature); --dry-run prints the mapping in the map
# file syntax and writes nothing; bad map files and key files are
# refused with clear messages.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/map/keys.sh"
t_begin "vsctool restore --map, keygen --import (in-process emulator)"
command -v openssl >/dev/null 2>&1 || t_skip "openssl is not installed"
W="$T_TMP"
C="$top_srcdir/tests/cards"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo "map test password" > "$W/pw"
map_pins "$W/pins"
map_keys "$W" "/CN=Jane Doe/UID=jdoe" "/CN=Jane Doe"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
  -out "$W/other.pem" 2>/dev/null

# The PKCS#15 card's VSC: its keys were born elsewhere; the backup has
# them as keys it cannot read.
t_ok "a PKCS#15 card's VSC" "$top_builddir/tests/map/p15-vsc" --backup "$W/p15.vsc" \
  "$W/pw" "$W/k1.der:$W/c1.der:auth:Jane auth" \
  "$W/k2.der:$W/c2.der:sign:Jane sign"
vsctool ls -l --password-file "$W/pw" "$W/p15.vsc" > "$W/ls0" 2>&1
t_check "the card's keys are in it, not extractable" \
  'grep -qE "^key +secret-key +X.* 3F00/5015/key-45" "$W/ls0" && grep -qE "^key +secret-key +X.* 3F00/5015/key-46" "$W/ls0"'

# keygen --import: errors first.
t_fail "--pkcs15 without --import is refused" \
  vsctool keygen --password-file "$W/pw" --pkcs15 45 --algo rsa2048 \
  "$W/p15.vsc"
vsctool keygen --password-file "$W/pw" --pkcs15 45 --import "$W/other.pem" \
  "$W/p15.vsc" > /dev/null 2> "$W/e1"
RC=$?
t_check "a key that is not the certificate's is refused (exit 2)" \
  '[ $RC = 2 ] && grep -q "does not belong to the certificate 3F00/5015/3401" "$W/e1"'
vsctool keygen --password-file "$W/pw" --pkcs15 99 --import "$W/k1.pem" \
  "$W/p15.vsc" > /dev/null 2> "$W/e2"
t_check "an iD the PKCS#15 structure does not have is refused" \
  'grep -q "has no private key with iD 99" "$W/e2"'
vsctool keygen --password-file "$W/pw" --pkcs15 46 --import "$W/k1.pem" \
  "$W/p15.vsc" > /dev/null 2> "$W/e3"
t_check "a key of another algorithm is refused" \
  'grep -q "nistp256, the key file holds rsa2048" "$W/e3"'
printf 'not a key\n' > "$W/junk"
vsctool keygen --password-file "$W/pw" --piv 9a --import "$W/junk" \
  "$W/p15.vsc" > /dev/null 2> "$W/e4"
t_check "a file that is no key is refused" \
  'grep -q "holds no usable private key" "$W/e4"'
openssl pkey -in "$W/k1.pem" -aes128 -passout pass:secret \
  -out "$W/enc.pem" 2>/dev/null
vsctool keygen --password-file "$W/pw" --piv 9a --import "$W/enc.pem" \
  "$W/p15.vsc" > /dev/null 2> "$W/e5"
t_check "an encrypted key file is refused with what to do" \
  'grep -q "decrypt it first" "$W/e5"'
t_fail "--algo with --import is refused" \
  vsctool keygen --password-file "$W/pw" --piv 9a --algo rsa2048 \
  --import "$W/k1.pem" "$W/p15.vsc"
# The right ones (PEM PKCS #8 and DER SEC 1).
openssl ec -in "$W/k2.pem" -outform DER -out "$W/k2-sec1.der" 2>/dev/null
t_ok "keygen --pkcs15 45 --import (PEM)" \
  vsctool keygen --password-file "$W/pw" --pkcs15 45 --import "$W/k1.pem" \
  "$W/p15.vsc"
t_ok "keygen --pkcs15 46 --import (SEC 1 DER)" \
  vsctool keygen --password-file "$W/pw" --pkcs15 46 \
  --import "$W/k2-sec1.der" "$W/p15.vsc"

# --dry-run: the mapping in the map file syntax; nothing written.
YK="$C/yubikey-blank.card"
vsctool restore --map auto --dry-run --emu "$YK" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/p15.vsc" > "$W/dry.out" 2>/dev/null
RC=$?
t_check "dry run: exit 0, the keys to 9A and 9C by purpose" \
  '[ $RC = 0 ] && grep -qE "^3F00/5015/key-45 +piv:9a +# key: Jane auth, rsa2048, auth, escrowed" "$W/dry.out" && grep -qE "^3F00/5015/key-46 +piv:9c " "$W/dry.out"'
t_check "dry run: the certificates go with their keys" \
  'grep -qE "^3F00/5015/3401 +piv:9a .*goes with its key" "$W/dry.out" && grep -qE "^3F00/5015/3402 +piv:9c " "$W/dry.out"'
t_check "dry run: the plan of the mapped image" \
  'grep -qE "create +piv/key-9A" "$W/dry.out" && grep -qE "create +piv/5FC10A" "$W/dry.out" && grep -q "Dry run: nothing was written" "$W/dry.out"'
grep -vE '^(Plan|  |Dry run|$)' "$W/dry.out" > "$W/printed.map"
vsctool restore --map "$W/printed.map" --dry-run --emu "$YK" \
  --password-file "$W/pw" --pin-file "$W/pins" "$W/p15.vsc" \
  > "$W/dry2.out" 2>/dev/null
t_check "the printed mapping given back as a map file: the same mapping" \
  '[ "$(grep -E "^3F00" "$W/dry.out" | awk "{print \$1, \$2}")" = "$(grep -E "^3F00" "$W/dry2.out" | awk "{print \$1, \$2}")" ] && grep -q "key-45 .*; map file" "$W/dry2.out"'
vsctool restore --map auto --dry-run --json --emu "$YK" \
  --password-file "$W/pw" --pin-file "$W/pins" "$W/p15.vsc" \
  > "$W/dry.json" 2>/dev/null
t_check "--json: the mapping with source, target, reason" \
  'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); m={e[\"source\"]: e for e in d[\"mapping\"]}; assert m[\"3F00/5015/key-46\"][\"target\"]==\"piv:9c\" and m[\"3F00/5015/key-46\"][\"algorithm\"]==\"nistp256\"" "$W/dry.json"'

# The restore: PIV 9A and 9C, certificates, read back / proved.
vsctool restore --map auto --emu "$YK" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/p15.vsc" > "$W/r1.out" 2>&1
RC=$?
t_check "restore --map auto onto a YubiKey-like token: every entry written" \
  '[ $RC = 0 ] && [ "$(grep -c "\[written\]" "$W/r1.out")" = 4 ] && grep -qE "create +piv/key-9C +\[written\]" "$W/r1.out"' \
  || cat "$W/r1.out"

# A map file: the signature key to OpenPGP's sig slot, the other left.
printf '# mine\n3F00/5015/key-46  openpgp:sig\n3F00/5015/key-45 none\n' \
  > "$W/pgp.map"
vsctool restore --map "$W/pgp.map" --emu "$YK" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/p15.vsc" > "$W/r2.out" 2>&1
RC=$?
t_check "restore --map FILE: the P-256 key and its certificate to OpenPGP sig" \
  '[ $RC = 0 ] && grep -qE "create +openpgp/key-sig +\[written\]" "$W/r2.out" && grep -qE "(create|update) +openpgp/7F21/B6 +\[written\]" "$W/r2.out" && ! grep -q "piv/key-9A" "$W/r2.out"' \
  || cat "$W/r2.out"

# Bad map files: a clear message, exit 2, nothing written.
printf '3F00/5015/key-45 piv:9x\n' > "$W/bad1.map"
vsctool restore --map "$W/bad1.map" --emu "$YK" --password-file "$W/pw" \
  "$W/p15.vsc" > /dev/null 2> "$W/b1"
RC=$?
t_check "a map file naming no place: exit 2 with file and line" \
  '[ $RC = 2 ] && grep -q "bad1.map:1: \"piv:9x\" is not a place" "$W/b1"'
printf 'openpgp/key-sig piv:9a\n' > "$W/bad2.map"
vsctool restore --map "$W/bad2.map" --emu "$YK" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/p15.vsc" > /dev/null 2> "$W/b2"
RC=$?
t_check "a map file naming an object the VSC lacks: exit 2" \
  '[ $RC = 2 ] && grep -q "openpgp/key-sig is not an object the mapping moves" "$W/b2" && grep -q "nothing was written" "$W/b2"'
printf '3F00/5015/key-46 piv:9a\n3F00/5015/key-45 piv:9a\n' > "$W/bad3.map"
vsctool restore --map "$W/bad3.map" --emu "$YK" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/p15.vsc" > /dev/null 2> "$W/b3"
t_check "two keys for one slot: refused, naming the first" \
  'grep -q "piv:9a is taken by 3F00/5015/key-46" "$W/b3"'
t_fail "--map with a file that does not exist" \
  vsctool restore --map "$W/none.map" --emu "$YK" --password-file "$W/pw" \
  "$W/p15.vsc"
t_fail "--holder without --map" \
  vsctool restore --holder --emu "$YK" --password-file "$W/pw" "$W/p15.vsc"

# A PIV token's VSC onto a blank file-system card: PKCS#15 structure.
vsctool backup --emu "$C/yubikey.card" --pin-file "$W/pins" \
  --password-file "$W/pw" "$W/piv.vsc" > /dev/null 2>&1
t_ok "keygen --piv 9a --import (the key a CA certified)" \
  vsctool keygen --password-file "$W/pw" --piv 9a --import "$W/k1.pem" \
  "$W/piv.vsc"
vsctool restore --map auto --emu "$C/blank.card" --password-file "$W/pw" \
  --pin-file "$W/pins" "$W/piv.vsc" > "$W/r3.out" 2>&1
RC=$?
t_check "onto a blank file system: the key and a PKCS#15 structure" \
  'grep -qE "^piv/key-9A +pkcs15:auth" "$W/r3.out" && grep -qE "create +3F00/5015/key-01 +\[written\] import into key file 3001" "$W/r3.out" && grep -qE "create +3F00/5015/5031 +\[written\]" "$W/r3.out"' \
  || cat "$W/r3.out"
t_check "the born-on-card keys stay behind with the commands for this card" \
  'grep -qE "^piv/key-9C +none +# key: Digital Signature key" "$W/r3.out" && grep -q "#     vsctool keygen FILE.vsc --piv 9c --algo eccp256" "$W/r3.out"'
t_check "exit 7: PIV card data has no place on a file-system card" \
  '[ $RC = 7 ] && grep -qE "^piv/5FC102 +none .*only a PIV token takes it" "$W/r3.out"'
