#!/bin/sh
# pins.sh - PINs stored in a VSC (backup --store-pins, put pins/RR) and
# set on restore only with --set-pins, on the in-process emulator
# (OpenPGP: PW1 123456, PW3 12345678; PIV: PIN 123456, PUK 12345678). No
# pcscd. Whether the old PIN still works afterwards is checked on the
# same card in tests/unit/test-pins and through vpcd in pins-vpcd.sh.
# Everything runs twice: on cards that keep their security state across
# SELECTs and on cards that drop it on every SELECT (as real tokens do).
. "$top_srcdir/tests/lib.sh"
t_begin "card PINs in the VSC: stored on request, set on restore on request"

B="$top_builddir"
# mode_card NAME MODE: tests/cards/NAME.card with the security-state
# behaviour of MODE (keeping / dropping) appended.
mode_card () {
  f="$T_TMP/$1-$2.card"
  if [ ! -f "$f" ]; then
    cat "$top_srcdir/tests/cards/$1.card" > "$f"
    if [ "$2" = dropping ]; then
      printf '\nselect-resets-security yes\napplet-switch-powers-off yes\n' >> "$f"
    else
      printf '\nselect-resets-security no\napplet-switch-powers-off no\n' >> "$f"
    fi
  fi
  echo "$f"
}
for MODE in keeping dropping; do
echo "# ---- cards that are $MODE their security state ----"
SRC=$(mode_card openpgp $MODE)
BLANK=$(mode_card openpgp-blank $MODE)
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
printf '81:123456\n82:123456\n83:12345678\n' > "$T_TMP/pins"
printf '81:000000\n82:123456\n83:12345678\n' > "$T_TMP/badpins"
echo "test password" > "$T_TMP/pw"
printf 'Z7x9q2' > "$T_TMP/new81"        # distinctive: grepped for below
printf 'Q4w8e6r2' > "$T_TMP/new83"

"$B/vsctool" -v -v -v backup --emu "$SRC" --no-scan --pin-file "$T_TMP/badpins" --password-file "$T_TMP/pw" $KDF "$T_TMP/plain.vsc" > "$T_TMP/log1" 2>&1
t_ok "backup without --store-pins" "$B/vsctool" verify --password-file "$T_TMP/pw" "$T_TMP/plain.vsc"
t_check "without --store-pins no PIN is stored" \
  "! '$B/vsctool' ls -a --password-file '$T_TMP/pw' '$T_TMP/plain.vsc' | grep -q pins"

"$B/vsctool" -v -v -v backup --emu "$SRC" --no-scan --store-pins --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" $KDF "$T_TMP/p.vsc" > "$T_TMP/log2" 2>&1
t_check "backup --store-pins exits 0 or partial (on-card keys)" "[ -s '$T_TMP/p.vsc' ]"
"$B/vsctool" ls -l -a --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/ls-a" 2>&1
t_check "the verified PINs are stored as private nodes" \
  "grep -q 'private.* pins/83' '$T_TMP/ls-a' && grep -q 'private.* pins/82' '$T_TMP/ls-a'"
t_check "PW1 81 was never verified during the backup: not stored" \
  "! grep -q 'pins/81' '$T_TMP/ls-a'"
"$B/vsctool" ls "$T_TMP/p.vsc" > "$T_TMP/ls" 2>&1
t_check "ls without the password shows no PIN node" \
  "grep -q openpgp '$T_TMP/ls' && ! grep -q pins '$T_TMP/ls'"
t_ok "the stored PIN is the card's" sh -c "'$B/vsctool' cat --password-file '$T_TMP/pw' '$T_TMP/p.vsc' pins/83 | grep -qx 12345678"

# New values by hand (the user's choice).
t_ok "put pins/81 --area private" "$B/vsctool" put --area private --password-file "$T_TMP/pw" "$T_TMP/p.vsc" pins/81 "$T_TMP/new81"
t_ok "put pins/83 --area private" "$B/vsctool" put --area private --password-file "$T_TMP/pw" "$T_TMP/p.vsc" pins/83 "$T_TMP/new83"
"$B/vsctool" ls "$T_TMP/p.vsc" > "$T_TMP/ls" 2>&1
t_check "still no PIN node without the password" "! grep -q pins '$T_TMP/ls'"

# Restore without --set-pins: listed as skipped, nothing asked for them.
"$B/vsctool" -v -v -v restore --emu "$BLANK" --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/r1" 2>&1
rc=$?
t_check "restore without --set-pins succeeds" "[ $rc -eq 0 ]"
t_check "stored PINs listed as skipped" \
  "grep -q 'pins/81 .*skipped: PINs are set only with --set-pins' '$T_TMP/r1' && grep -q 'pins/83 .*skipped: PINs are set only with --set-pins' '$T_TMP/r1'"
t_check "no CHANGE REFERENCE DATA sent" "! grep -q '> 00 24 ' '$T_TMP/r1'"

# With --set-pins: set with CHANGE REFERENCE DATA, checked with VERIFY.
"$B/vsctool" -v -v -v restore --emu "$BLANK" --set-pins --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/r2" 2>&1
rc=$?
t_check "restore --set-pins succeeds" "[ $rc -eq 0 ]"
t_check "81 and 83 set and verified with the new value" \
  "grep -q 'pins/81 .*\[written\]' '$T_TMP/r2' && grep -q 'pins/83 .*\[written\]' '$T_TMP/r2'"
t_check "82 (PW1 again on OpenPGP) is left to pins/81" \
  "grep -q 'pins/82 .*the same PIN as pins/81, which sets it' '$T_TMP/r2'"
# PW1 stored only as 82 (as backup --store-pins does): changed as 81.
cp "$T_TMP/p.vsc" "$T_TMP/p82.vsc"
"$B/vsctool" rm --password-file "$T_TMP/pw" "$T_TMP/p82.vsc" pins/81 > /dev/null 2>&1
"$B/vsctool" put --area private --password-file "$T_TMP/pw" "$T_TMP/p82.vsc" pins/82 "$T_TMP/new81" > /dev/null 2>&1
"$B/vsctool" -v -v -v restore --emu "$BLANK" --set-pins --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" "$T_TMP/p82.vsc" > "$T_TMP/r82" 2>&1
t_check "PW1 stored as 82 is set with CHANGE REFERENCE DATA for 81, checked as 82" \
  "grep -q 'pins/82 .*\[written\]' '$T_TMP/r82' && grep -q '> 00 24 00 81 <redacted 12 bytes>' '$T_TMP/r82' && ! grep -q '> 00 24 00 82' '$T_TMP/r82'"
t_check "CHANGE REFERENCE DATA sent and redacted" \
  "grep -q '> 00 24 00 81 <redacted 12 bytes>' '$T_TMP/r2' && grep -q '> 00 24 00 83 <redacted 16 bytes>' '$T_TMP/r2'"
t_check "the current PIN was asked with the retry counter" \
  "grep -q '(reference 81) is needed for pins/81; 3 tries left' '$T_TMP/r2'"

# A wrong current PIN: refused with the status word, not retried.
"$B/vsctool" restore --emu "$BLANK" --set-pins --pin-file "$T_TMP/badpins" --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/r3" 2>&1
rc=$?
t_check "refused change: exit 5" "[ $rc -eq 5 ]"
t_check "refused change reported per PIN with the status word" \
  "grep -q 'pins/81 .*\[failed\].*63C2.*not retried' '$T_TMP/r3' && grep -q 'pins/83 .*\[written\]' '$T_TMP/r3'"
t_check "asked once for 81" "[ \$(grep -c 'reference 81) is needed' '$T_TMP/r3') -eq 1 ]"

"$B/vsctool" restore --emu "$BLANK" --set-pins --json --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" "$T_TMP/p.vsc" > "$T_TMP/r4" 2>&1
t_check "JSON: the PIN entry's result" "grep -q '\"path\":\"pins/81\",\"action\":\"update\",[^}]*\"result\":\"written\"' '$T_TMP/r4'"

# No PIN value in any output or transcript.
t_check "no PIN value in any output or log" \
  "! grep -l -e Z7x9q2 -e Q4w8e6r2 -e 12345678 -e 123456 -e 5A37783971 -e 5134773865 -e 3132333435 '$T_TMP'/log1 '$T_TMP'/log2 '$T_TMP'/r1 '$T_TMP'/r2 '$T_TMP'/r3 '$T_TMP'/r4"

# ---- PIV: the same path (PIN 80 and PUK 81 padded to 8 bytes) ----
PSRC=$(mode_card piv $MODE)
PBLANK=$(mode_card piv-blank $MODE)
printf '80:123456\n81:12345678\n' > "$T_TMP/ppins"
printf 'P1n4x8' > "$T_TMP/new80"
printf 'Pk7y3w95' > "$T_TMP/new81p"
rm -f "$T_TMP/piv.vsc"
"$B/vsctool" -v -v -v backup --emu "$PSRC" --no-scan --store-pins --pin-file "$T_TMP/ppins" --password-file "$T_TMP/pw" $KDF "$T_TMP/piv.vsc" > "$T_TMP/plog" 2>&1
"$B/vsctool" ls -l -a --password-file "$T_TMP/pw" "$T_TMP/piv.vsc" > "$T_TMP/pls" 2>&1
t_check "PIV: the PIN verified for 5FC109 is stored as pins/80" \
  "grep -q 'private.* pins/80' '$T_TMP/pls' && grep -q 'private.* piv/5FC109' '$T_TMP/pls'"
t_ok "PIV: the stored PIN is the card's" sh -c "'$B/vsctool' cat --password-file '$T_TMP/pw' '$T_TMP/piv.vsc' pins/80 | grep -qx 123456"
t_check "PIV: the PIN was sent padded with FF to 8 bytes" \
  "grep -q '> 00 20 00 80 <redacted 8 bytes>' '$T_TMP/plog'"
t_ok "PIV: put pins/80" "$B/vsctool" put --area private --password-file "$T_TMP/pw" "$T_TMP/piv.vsc" pins/80 "$T_TMP/new80"
t_ok "PIV: put pins/81 (the PUK)" "$B/vsctool" put --area private --password-file "$T_TMP/pw" "$T_TMP/piv.vsc" pins/81 "$T_TMP/new81p"
"$B/vsctool" -v -v -v restore --emu "$PBLANK" --set-pins --pin-file "$T_TMP/ppins" --password-file "$T_TMP/pw" "$T_TMP/piv.vsc" > "$T_TMP/pr" 2>&1
rc=$?
t_check "PIV: restore --set-pins succeeds" "[ $rc -eq 0 ]" || tail -n 30 "$T_TMP/pr"
t_check "PIV: PIN and PUK set and verified with the new value" \
  "grep -q 'pins/80 .*\[written\]' '$T_TMP/pr' && grep -q 'pins/81 .*\[written\]' '$T_TMP/pr'"
t_check "PIV: CHANGE REFERENCE DATA with old and new padded (16 bytes)" \
  "grep -q '> 00 24 00 80 <redacted 16 bytes>' '$T_TMP/pr' && grep -q '> 00 24 00 81 <redacted 16 bytes>' '$T_TMP/pr'"
t_check "PIV: the prompt names the PIN and the PUK" \
  "grep -q 'PIN \"PIV PIN\" (reference 80) is needed' '$T_TMP/pr' && grep -q 'PIN \"PIV PUK\" (reference 81) is needed' '$T_TMP/pr'"
t_check "PIV: the set-pins plan does not say the PINs were skipped" \
  "! grep -q 'skipped: PINs are set only' '$T_TMP/pr'"
t_check "PIV: no PIN value in any output or log" \
  "! grep -l -e P1n4x8 -e Pk7y3w95 -e 123456 -e 5031 -e 3132333435 '$T_TMP'/plog '$T_TMP'/pls '$T_TMP'/pr"
done
