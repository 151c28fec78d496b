#!/bin/sh
# wrong-pin.sh - a refused PIN is never sent again, also on a token that
# answers a wrong PIN with 6982 "security status not satisfied" instead
# of 63Cx (CanoKey's OpenPGP applet does; an agent that takes that 6982
# for lost security state would present the wrong PIN again and again).
#
# A restore onto a factory-fresh token B with a wrong PW3 and a wrong
# PIV PIN: PW3 is sent once (vsctool --debug-apdu's transcript), the
# token's counter shows one try used, the restore stops at the first
# node that needs PW3 and says so (nothing written). A second restore
# with the right PINs completes, and the right PW3 brought the counter
# back.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
t_begin "interop: a wrong PIN is sent once and reported, on tokens that answer it with 6982"
need_vpcd
opensc_conf
interop_need gpg gpgconf gpg-connect-agent yubico-piv-tool openssl scriptor
printf 'interop password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n80:123456\n' > "$T_TMP/pins"
printf '82:123456\n83:87654321\n80:654321\n' > "$T_TMP/wrong"
V="$T_TMP/a.vsc"
OPG=D27600012401
PIV=A000000308

# status_sw READER AID REF: the answer to an empty VERIFY (the counter).
status_sw () {
  printf '00A40400%02X%s\n002000%s\n' $(( ${#2} / 2 )) "$2" "$3" |
    scriptor -r "$1" -p T=1 2>/dev/null |
    awk '/^< / { n++; if (n == 2) { s = substr($0, 3); i = index(s, " : ");
                   if (i) s = substr(s, 1, i - 1); k = split(s, f, " ");
                   print f[k - 1] f[k] } }' | tr 'a-f' 'A-F'
}

tok_start A $PORT_A
interop_populate "$RA"
vsctool backup --no-scan --reader "$RA" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" $KDF "$V" > "$T_TMP/backup.out" 2>&1
t_check "backup of A" '[ $? = 0 ]' || cat "$T_TMP/backup.out"
tok_stop A

tok_start B $PORT_B
vsctool --debug-apdu restore --reader "$RB" --pin-file "$T_TMP/wrong" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r1.out" 2> "$T_TMP/r1.err"
RC=$?
t_check "the restore with a wrong PW3 fails (not exit 0)" '[ $RC != 0 ]' \
  || cat "$T_TMP/r1.out" "$T_TMP/r1.err"
n83=$(grep -c '> 00 20 00 83 .*redacted' "$T_TMP/r1.err")
n80=$(grep -c '> 00 20 00 80 .*redacted' "$T_TMP/r1.err")
echo "# VERIFY with data: PW3 $n83 time(s), PIV PIN $n80 time(s)"
t_check "the wrong PW3 was sent exactly once" '[ "$n83" = 1 ]'
t_check "the wrong PIV PIN was sent at most once" '[ "$n80" -le 1 ]'
t_check "the refusal of PW3 is reported, with 'not retried'" \
  'grep -q "reference 83.*not retried\|not retried.*reference 83" "$T_TMP/r1.out" "$T_TMP/r1.err"' \
  || cat "$T_TMP/r1.out" "$T_TMP/r1.err"
t_check "the OpenPGP cardholder name is reported not written" \
  'grep -qE "openpgp/(65/)?5B +\[not-written\]" "$T_TMP/r1.out"' \
  || cat "$T_TMP/r1.out"
t_check "the restore stops at the first node that needs PW3 and says so" \
  'grep -q "^Stopped at openpgp/" "$T_TMP/r1.out" && grep -qE "^Written 0 nodes" "$T_TMP/r1.out"' \
  || cat "$T_TMP/r1.out"
t_check "nothing after it is reported written (PIV is not reached)" \
  '! grep -qE "^  .* \[written\]" "$T_TMP/r1.out" && grep -qE "piv/5FC105 +\[not-written\]" "$T_TMP/r1.out"'
t_check "no PIN value in vsctool's output" \
  '! grep -q -e 87654321 -e 654321 -e 3837363534333231 "$T_TMP/r1.out" "$T_TMP/r1.err"'
tok_stop B
tok_start B $PORT_B
t_check "PW3: one try used (63C2)" '[ "$(status_sw "$RB" $OPG 83)" = 63C2 ]'
t_check "PIV PIN: at most one try used" \
  'case "$(status_sw "$RB" $PIV 80)" in 63C2|63C3) true ;; *) false ;; esac'

vsctool restore --force --reader "$RB" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/r2.out" 2>&1
RC=$?
t_check "a second restore with the right PINs completes" '[ $RC = 0 ]' \
  || cat "$T_TMP/r2.out"
t_check "everything it wrote read back equal" \
  'grep -qE "^Written ([0-9]+) nodes, \1 read back equal, 0 failed" "$T_TMP/r2.out"'
tok_stop B
tok_start B $PORT_B
t_check "PW3's counter is back at 3 after the right PIN" \
  '[ "$(status_sw "$RB" $OPG 83)" = 63C3 ]'
tok_stop B
