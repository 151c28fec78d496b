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

# ---- applications reached only by their AID --------------------------
for c in pkcs15-aid pkcs15-nomf; do
  "$B/vsctool" backup --emu "$C/$c.card" --pin-file "$T_TMP/pin" \
    --password-file "$T_TMP/pw" $KDF --json "$T_TMP/$c.vsc" > "$T_TMP/$c.json" 2>&1
  "$B/vsctool" ls --password-file "$T_TMP/pw" "$T_TMP/$c.vsc" > "$T_TMP/$c.ls" 2>&1
  t_check "$c: backup finds the application and reads its files" \
    "grep -qx '3F00/5015/4301' '$T_TMP/$c.ls' && grep -qx '3F00/5015/4F01' '$T_TMP/$c.ls' && grep -qx '3F00/5015/5101/#2' '$T_TMP/$c.ls'"
done
"$B/vsctool" diff --password-file "$T_TMP/pw" --pin-file "$T_TMP/pin" \
  "$T_TMP/pkcs15-nomf.vsc" "emu:$C/pkcs15-nomf.card" > "$T_TMP/nomf.diff" 2>&1
rc=$?
t_check "pkcs15-nomf: the backup equals the card (diff exit 0)" "[ $rc -eq 0 ]"

# ---- a card that gives nothing: fail and say why -------------------------
printf 'atr 3B 02 14 50\ndf 3F00 select=aid\n' > "$T_TMP/nothing.card"
"$B/vsctool" backup --emu "$T_TMP/nothing.card" --password-file "$T_TMP/pw" \
  $KDF "$T_TMP/nothing.vsc" > "$T_TMP/nothing.out" 2>&1
rc=$?
t_check "backup of a card that gives nothing: exit 5, says why, no file" \
  "[ $rc -eq 5 ] && grep -q 'nothing could be read' '$T_TMP/nothing.out' && [ ! -e '$T_TMP/nothing.vsc' ]"
"$B/vsctool" diff "emu:$T_TMP/nothing.card" "emu:$T_TMP/nothing.card" \
  > "$T_TMP/nothing.diff" 2>&1
rc=$?
t_check "diff of two cards that give nothing: exit 5, not 'no differences'" \
  "[ $rc -eq 5 ] && grep -q 'nothing could be read' '$T_TMP/nothing.diff' && ! grep -qi 'no differences' '$T_TMP/nothing.diff'"

# ---- what personalisation tools write: OpenSC's info file ---------------
"$B/vsctool" backup --emu "$C/opensc-init.card" --password-file "$T_TMP/pw" \
  $KDF "$T_TMP/opensc.vsc" > "$T_TMP/opensc.out" 2>&1
"$B/vsctool" ls --password-file "$T_TMP/pw" "$T_TMP/opensc.vsc" > "$T_TMP/opensc.ls" 2>&1
t_check "pkcs15-init layout: the info file 4946 is backed up" \
  "grep -qx '3F00/5015/4946' '$T_TMP/opensc.ls'"
t_check "the backup prints what the scan covered" \
  "grep -q '^Scanned (' '$T_TMP/opensc.out' && grep -q '  3F00/5015: .* FIDs)' '$T_TMP/opensc.out' && grep -q 'scan complete' '$T_TMP/opensc.out'"

# ---- restore onto a card that cannot protect yet -------------------------
"$B/vsctool" backup --store-pins --emu "$C/pkcs15.card" --pin-file "$T_TMP/pin" \
  --password-file "$T_TMP/pw" $KDF "$T_TMP/pins.vsc" > /dev/null 2>&1
"$B/vsctool" restore --emu "$C/blank-unset.card" --password-file "$T_TMP/pw" \
  "$T_TMP/pins.vsc" > "$T_TMP/unset.out" 2>&1
t_check "PIN in creation state: the protected files are held back in the plan" \
  "grep -q 'not restorable  3F00/5015/4F01 ' '$T_TMP/unset.out' && grep -q 'PIN 01 of the target card is not set' '$T_TMP/unset.out'"
t_check "... and the unprotected ones written" \
  "grep -q 'create          3F00/7000/7001 .*written' '$T_TMP/unset.out'"
"$B/vsctool" restore --set-pins --emu "$C/blank-unset.card" \
  --password-file "$T_TMP/pw" "$T_TMP/pins.vsc" > "$T_TMP/unset2.out" 2>&1
rc=$?
t_check "--set-pins: the PIN is set first and everything written (exit 0)" \
  "[ $rc -eq 0 ] && grep -q 'create          3F00/5015/4F01 .*written' '$T_TMP/unset2.out' && grep -q 'pins/01 .*set first' '$T_TMP/unset2.out'"
"$B/vsctool" restore --set-pins --emu "$C/blank-nopin.card" \
  --password-file "$T_TMP/pw" "$T_TMP/pins.vsc" > "$T_TMP/nopin.out" 2>&1
t_check "no PIN on the target: not restorable, nothing asked" \
  "grep -q 'no PIN 01 to protect' '$T_TMP/nopin.out' && ! grep -q 'is needed for' '$T_TMP/nopin.out'"

# ---- every application seen is in the VSC or in the report --------------
cat > "$T_TMP/applist.card" <<'EOC'
atr 3B8C8001807300008056767363656D7533
df 3F00
ef 3F00/2F00 transparent content=61084F06D2760001FF0961084F06E828BD080F01
df 3F00/1234 aid=E828BD080F01
ef 3F00/1234/0001 transparent content=41
EOC
"$B/vsctool" backup --emu "$T_TMP/applist.card" --password-file "$T_TMP/pw" \
  $KDF --json "$T_TMP/applist.vsc" > "$T_TMP/applist.json" 2>/dev/null
"$B/vsctool" ls --password-file "$T_TMP/pw" "$T_TMP/applist.vsc" > "$T_TMP/applist.ls" 2>&1
t_check "an application EF.DIR names by AID only is backed up" \
  "grep -qx '3F00/1234/0001' '$T_TMP/applist.ls'"
t_check "one EF.DIR names that is not there is in the report" \
  "grep -q '\"path\":\"aid-D2760001FF09\"' '$T_TMP/applist.json'"
