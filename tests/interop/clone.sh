#!/bin/sh
# clone.sh - the first interop flow (issue 12): populate token A with the
# tools people use (gpg --card-edit: name, URL, login data, language,
# salutation, a CA fingerprint, a certificate; yubico-piv-tool:
# certificates in 9A, 9C, 9D, CHUID, CCC, printed information), back it
# up, restore the VSC onto a factory-fresh token B, and check that
# gpg --card-status, openpgp-tool, yubico-piv-tool -a status and
# pkcs15-tool -D say the same about A and B.
#
# Lines dropped before comparing, and why: the reader's name (A and B sit
# in different readers); the OpenPGP application ID and serial number and
# the PIV serial number (each token keeps its own identity: they are
# defined by the token and never written); gpg's signature counter
# (defined by the token). Nothing else is filtered.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
t_begin "interop: populate A with gpg and yubico-piv-tool, back up, restore onto a fresh B: the clients see the same"
need_vpcd
opensc_conf
interop_need gpg gpgconf gpg-connect-agent yubico-piv-tool openpgp-tool \
  pkcs15-tool opensc-tool openssl
printf 'interop password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n80:123456\n' > "$T_TMP/pins"
V="$T_TMP/a.vsc"

# ---- token A, populated with gpg and yubico-piv-tool ----
tok_start A $PORT_A
t_check "token A is in $RA" '[ "$(interop_card_state "$RA")" = Yes ]'
interop_populate "$RA"

# ---- back up A ----
vsctool backup --no-scan --reader "$RA" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" $KDF "$V" > "$T_TMP/backup.out" 2>&1
RC=$?
t_check "backup of A exits 0 (absent objects are not 'not backed up')" \
  '[ $RC = 0 ] && ! grep -q "Not backed up" "$T_TMP/backup.out"' \
  || cat "$T_TMP/backup.out"
tok_stop A
tok_start A $PORT_A
interop_clients "$T_TMP/A" "$RA"
tok_stop A

# ---- restore onto a factory-fresh B ----
tok_start B $PORT_B
vsctool restore --reader "$RB" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/restore.out" 2>&1
RC=$?
t_check "restore onto the fresh token succeeds without --force" '[ $RC = 0 ]' \
  || cat "$T_TMP/restore.out"
t_check "every node written was read back equal" \
  'grep -qE "^Written ([0-9]+) nodes, \1 read back equal, 0 failed" "$T_TMP/restore.out"'
tok_stop B
tok_start B $PORT_B
interop_clients "$T_TMP/B" "$RB"
tok_stop B

t_check "A's outputs say what was written" \
  'grep -q "^Name of cardholder: Jane Doe" "$T_TMP/A/gpg.out" && grep -q "^URL of public key : https://example.org/jane.asc" "$T_TMP/A/gpg.out" && grep -q "CN=PIV slot 9a" "$T_TMP/A/piv.out" && grep -q "CN=PIV slot 9d" "$T_TMP/A/piv.out" && grep -q "X.509 Certificate" "$T_TMP/A/pkcs15.out"'
for o in gpg openpgp-tool piv pkcs15; do
  interop_filter < "$T_TMP/A/$o.out" > "$T_TMP/A/$o.cmp"
  interop_filter < "$T_TMP/B/$o.out" > "$T_TMP/B/$o.cmp"
  if diff -u "$T_TMP/A/$o.cmp" "$T_TMP/B/$o.cmp" > "$T_TMP/$o.diff"; then
    t_pass "$o: A and B say the same"
  else
    t_failed "$o: A and B differ"; cat "$T_TMP/$o.diff"
  fi
done
for o in gpg openpgp-tool piv pkcs15; do
  echo "# lines dropped from A's $o output:"
  grep -v -x -F -f "$T_TMP/A/$o.cmp" "$T_TMP/A/$o.out" | sed 's/^/#   /'
done
t_check "the filter keeps all but a few lines (gpg: at most 5 dropped)" \
  '[ $(($(wc -l < "$T_TMP/A/gpg.out") - $(wc -l < "$T_TMP/A/gpg.cmp"))) -le 5 ] && [ $(wc -l < "$T_TMP/A/gpg.cmp") -ge 15 ]'
t_check "the identities do differ (the filter is needed)" \
  '! cmp -s "$T_TMP/A/gpg.out" "$T_TMP/B/gpg.out"'
