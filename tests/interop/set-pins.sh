#!/bin/sh
# set-pins.sh - the third interop flow (issue 12): restore --set-pins
# sets PW1, PW3 and the PIV PIN on a factory-fresh token B to the values
# in the VSC, proven by VERIFY with opensc-tool: the new values are
# accepted, the old ones no longer.
#
# The VSC gets its PINs as a user would: backup --store-pins of token A
# (which keeps PW1 as 82, PW3 as 83 and the PIV PIN as 80, each with the
# application it belongs to), then new values put in by hand.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/interop/interop-lib.sh"
t_begin "interop: restore --set-pins sets PW1, PW3 and the PIV PIN"
need_vpcd
opensc_conf
interop_need scriptor
printf 'interop password\n' > "$T_TMP/pw"
printf '82:123456\n83:12345678\n80:123456\n' > "$T_TMP/pins"
V="$T_TMP/p.vsc"
NEW_PW1=246810
NEW_PW3=13572468
NEW_PIV=975310
OPG=D27600012401
PIV=A000000308

tok_start A $PORT_A
vsctool backup --no-scan --store-pins --reader "$RA" \
  --pin-file "$T_TMP/pins" --password-file "$T_TMP/pw" $KDF "$V" \
  > "$T_TMP/backup.out" 2>&1
tok_stop A
vsctool ls -l -a --password-file "$T_TMP/pw" "$V" > "$T_TMP/ls.out" 2>&1
t_check "the backup stored PW1 (82), PW3 (83) and the PIV PIN (80)" \
  'grep -q "pins/82 .*scope=openpgp" "$T_TMP/ls.out" && grep -q "pins/83 .*scope=openpgp" "$T_TMP/ls.out" && grep -q "pins/80 .*scope=piv" "$T_TMP/ls.out"' \
  || cat "$T_TMP/backup.out" "$T_TMP/ls.out"
for p in 82:$NEW_PW1 83:$NEW_PW3 80:$NEW_PIV; do
  printf '%s' "${p#*:}" > "$T_TMP/new"
  t_ok "put a new value into pins/${p%%:*}" vsctool put --area private \
    --password-file "$T_TMP/pw" "$V" "pins/${p%%:*}" "$T_TMP/new"
done

tok_start B $PORT_B
vsctool restore --set-pins --reader "$RB" --pin-file "$T_TMP/pins" \
  --password-file "$T_TMP/pw" "$V" > "$T_TMP/restore.out" 2>&1
RC=$?
t_check "restore --set-pins succeeds" '[ $RC = 0 ]' || cat "$T_TMP/restore.out"
t_check "the three PINs are reported written" \
  'grep -q "pins/82 .*\[written\]" "$T_TMP/restore.out" && grep -q "pins/83 .*\[written\]" "$T_TMP/restore.out" && grep -q "pins/80 .*\[written\]" "$T_TMP/restore.out"'
t_check "no PIN value in vsctool's output" \
  '! grep -q -e $NEW_PW1 -e $NEW_PW3 -e $NEW_PIV -e 123456 "$T_TMP/restore.out"'
tok_stop B
tok_start B $PORT_B
t_check "VERIFY PW1 (81) with the new value: 9000" \
  '[ "$(verify_sw "$RB" $OPG 81 $(hexof $NEW_PW1))" = 9000 ]'
t_check "VERIFY PW1 (82) with the new value: 9000" \
  '[ "$(verify_sw "$RB" $OPG 82 $(hexof $NEW_PW1))" = 9000 ]'
t_check "VERIFY PW3 (83) with the new value: 9000" \
  '[ "$(verify_sw "$RB" $OPG 83 $(hexof $NEW_PW3))" = 9000 ]'
t_check "VERIFY PIV PIN (80) with the new value: 9000" \
  '[ "$(verify_sw "$RB" $PIV 80 $(hexof $NEW_PIV)FFFF)" = 9000 ]'
t_check "the old PW1 is refused" \
  '[ "$(verify_sw "$RB" $OPG 82 $(hexof 123456))" != 9000 ]'
t_check "the old PW3 is refused" \
  '[ "$(verify_sw "$RB" $OPG 83 $(hexof 12345678))" != 9000 ]'
t_check "the old PIV PIN is refused" \
  '[ "$(verify_sw "$RB" $PIV 80 $(hexof 123456)FFFF)" != 9000 ]'
tok_stop B
