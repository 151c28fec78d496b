#!/bin/sh
# realcards.sh - vsctool against emulated cards that behave as real ISO
# 7816 / PKCS#15 cards we did not write (issue 12 item 7): each behaviour
# next to the plain card, on the in-process emulator. No pcscd.
. "$top_srcdir/tests/lib.sh"
t_begin "vsctool on cards that behave as independent ones"

B="$top_builddir"
C="$top_srcdir/tests/cards"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo 123456 > "$T_TMP/pin"
echo "test password" > "$T_TMP/pw"

# ---- FCP (62) against FCI (6F): the attributes are compared ------------
"$B/vsctool" diff --pin-file "$T_TMP/pin" "emu:$C/pkcs15.card" \
  "emu:$C/pkcs15-fci.card" > "$T_TMP/fci.out" 2>&1
rc=$?
t_check "diff FCP card / FCI card: no differences, exit 0" \
  "[ $rc -eq 0 ] && grep -qi 'no differences' '$T_TMP/fci.out'"
"$B/vsctool" diff --json --pin-file "$T_TMP/pin" "emu:$C/pkcs15.card" \
  "emu:$C/blank.card" > "$T_TMP/blank.json" 2>/dev/null
rc=$?
t_check "diff against another card still reports (exit 1)" \
  "[ $rc -eq 1 ] && grep -q '3F00/5015/4301' '$T_TMP/blank.json'"
