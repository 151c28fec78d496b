#!/bin/sh
# tests/tokens/clone-yubikey.sh - back up a populated YubiKey-like token
# (OpenPGP card + PIV, tests/cards/yubikey.card) through pcscd+vpcd and
# restore it onto a blank one (yubikey-blank.card). gpg --card-status,
# openpgp-tool, yubico-piv-tool -a status and pkcs15-tool -D must say the
# same about both tokens, line for line, except the lines that name the
# reader, the serial number / application ID and the signature counter,
# and the OpenPGP key lines: keys generated on a card can never be read,
# so they cannot be copied - the backup report lists them and the clone
# shows "[none]". Then a wrong PIV management key: clear error, nothing
# written after it.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
. "$top_srcdir/tests/emu-apps/apps-lib.sh"
. "$top_srcdir/tests/tokens/tokens-lib.sh"
t_begin "clone a YubiKey-like token (OpenPGP + PIV) onto a blank one"
need_vpcd
opensc_conf
t_need_tools gpg gpgconf openpgp-tool yubico-piv-tool pkcs15-tool scriptor

KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
printf 'clone test password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n80:123456\n' > "$T_TMP/pins"
V="$T_TMP/yk.vsc"

# ---- source ----
emu_start --state "$T_TMP/src.card" "$(token_card yubikey)"
client_outputs "$T_TMP/src"
vsctool backup --no-scan --reader "$VPCD_READER" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" $KDF "$V" > "$T_TMP/backup.out" 2>&1
t_check "backup succeeds" '[ $? = 0 ]' || cat "$T_TMP/backup.out"
emu_stop
t_check "the backup report lists the 3 OpenPGP and 4 PIV on-card keys" \
  '[ "$(grep -cE "^  (openpgp/key-(sig|dec|aut)|piv/key-9[ACDE]) +on-card key" "$T_TMP/backup.out")" = 7 ]'
vsctool ls -l --password-file "$T_TMP/pw" "$V" > "$T_TMP/ls.out" 2>&1
t_check "PIN-gated objects are in the private area (0103, 0104, 5FC109)" \
  '[ "$(grep -cE "private .*(openpgp/0103|openpgp/0104|piv/5FC109)" "$T_TMP/ls.out")" = 3 ]'
t_check "certificates of all three OpenPGP keys and four PIV slots" \
  '[ "$(grep -cE "public .*(openpgp/7F21/(B6|B8|A4)|piv/5FC10[15AB])" "$T_TMP/ls.out")" = 7 ]'

# ---- target ----
emu_start --state "$T_TMP/dst.card" "$(token_card yubikey-blank)"
vsctool restore --reader "$VPCD_READER" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/restore.out" 2>&1
t_check "restore onto the blank token succeeds without --force" '[ $? = 0 ]' \
  || cat "$T_TMP/restore.out"
t_check "the restore says the 7 on-card keys are not restorable" \
  '[ "$(grep -cE "not restorable +(openpgp/key-|piv/key-9)" "$T_TMP/restore.out")" = 7 ]'
t_check "everything written was read back equal" \
  'grep -qE "^Written ([0-9]+) nodes, \1 read back equal, 0 failed" "$T_TMP/restore.out"'
# Re-insert the token (power off: the PINs vsctool verified are dropped)
# before the clients look at it, as they looked at a fresh source.
emu_stop
emu_start --state "$T_TMP/dst.card" "$(token_card yubikey-blank)"
client_outputs "$T_TMP/dst"
emu_stop

t_check "the source outputs are not empty" \
  'grep -q "^Name of cardholder: Jane Doe" "$T_TMP/src/gpg.out" && grep -q "CN=PIV slot 9a" "$T_TMP/src/piv.out" && grep -q "Certificate for Digital Signature" "$T_TMP/src/pkcs15.out" && grep -q "^DO 0101" "$T_TMP/src/openpgp-tool.out"'
KEYS='^(Signature key|Encryption key|Authentication key|      created|General key info)'
for o in gpg openpgp-tool piv pkcs15; do
  sed -e '/keybox .* created/d' "$T_TMP/src/$o.out" | token_filter | grep -v -E "$KEYS" > "$T_TMP/src/$o.cmp"
  sed -e '/keybox .* created/d' "$T_TMP/dst/$o.out" | token_filter | grep -v -E "$KEYS" > "$T_TMP/dst/$o.cmp"
  if diff -u "$T_TMP/src/$o.cmp" "$T_TMP/dst/$o.cmp" > "$T_TMP/$o.diff"; then
    t_pass "$o: source and clone say the same"
  else
    t_failed "$o: source and clone differ"; cat "$T_TMP/$o.diff"
  fi
done
t_check "the filter drops only the expected lines (gpg: 5 + 7 key lines)" \
  '[ $(($(wc -l < "$T_TMP/src/gpg.out") - $(wc -l < "$T_TMP/src/gpg.cmp"))) -le 12 ] && [ $(wc -l < "$T_TMP/src/gpg.cmp") -ge 12 ]'
t_check "on-card keys are not copied: the source has three, the clone none" \
  '[ "$(grep -cE "^(Signature|Encryption|Authentication) key ?\.*: [0-9A-F]{4} " "$T_TMP/src/gpg.out")" = 3 ] && [ "$(grep -cE "^(Signature|Encryption|Authentication) key ?\.*: \[none\]" "$T_TMP/dst/gpg.out")" = 3 ]'

# ---- wrong PIV management key ----
head -c 24 /dev/urandom > "$T_TMP/badkey"
t_ok "a management key in the secret-key area" \
  vsctool put --password-file "$T_TMP/pw" --area secret-key --type key "$V" piv/key-9B "$T_TMP/badkey"
emu_start --state "$T_TMP/dst2.card" "$(token_card yubikey-blank)"
vsctool restore --reader "$VPCD_READER" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/restore2.out" 2>&1
RC=$?
t_check "wrong management key: restore fails" '[ $RC != 0 ]'
t_check "wrong management key: the message says so" \
  'grep -q "refused writing piv/5FC107" "$T_TMP/restore2.out"' || cat "$T_TMP/restore2.out"
t_check "wrong management key: the OpenPGP part was written, the PIV part not" \
  'grep -q "openpgp/5B *\[written\]" "$T_TMP/restore2.out" && grep -q "piv/5FC107 *\[failed\]" "$T_TMP/restore2.out" && grep -q "piv/5FC102 *\[not-written\]" "$T_TMP/restore2.out"'
apdus "$T_TMP/chuid.out" 00A4040005A000000308 00CB3FFF055C035FC10200
t_check "wrong management key: no CHUID on the token" \
  '[ "$(resp_sw "$T_TMP/chuid.out" 2)" = 6A82 ]'
emu_stop
