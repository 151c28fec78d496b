#!/bin/sh
# backup-restore-vpcd.sh - vsctool backup -> restore -> diff through
# pcscd + vpcd + vscemu, checked with OpenSC's own tools before and after.
. "$top_srcdir/tests/lib.sh"
t_begin "backup the PKCS#15 card, restore onto a blank card, compare"
need_vpcd
opensc_conf

B="$top_builddir"
CARDS="$top_srcdir/tests/cards"
R="$VPCD_READER"
EMU_PID=
# Small scan ranges: through vpcd every APDU costs tens of ms.
SCAN="--scan-range 4B00-4B03 --scan-range 4F00-4F03 --scan-range 5100-5103 --scan-range 7000-7003"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo 123456 > "$T_TMP/pin"
echo "correct horse battery staple" > "$T_TMP/pw"

card_state () {   # prints "Yes" or "No" for our reader
  opensc-tool -l 2>/dev/null | awk -v r="$R" 'index($0, r) { print $2; exit }'
}
wait_card () {    # wait_card Yes|No
  i=0
  while [ "$(card_state)" != "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  [ "$(card_state)" = "$1" ]
}
emu_start () {
  "$B/vscemu" "$@" >>"$T_TMP/vscemu.log" 2>&1 &
  EMU_PID=$!
  wait_card Yes
}
emu_stop () {
  if [ -n "$EMU_PID" ]; then
    kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null; EMU_PID=
  fi
  wait_card No
}
t_on_exit 'emu_stop'
wait_card No || t_skip "another card sits in $R"

# opensc-explorer: cat every EF of the VSC (after VERIFY CHV1).
explorer_script () {
  "$B/vsctool" ls --password-file "$T_TMP/pw" "$T_TMP/m.vsc" |
  awk '
    { p[NR] = $0; n = NR }
    END {
      for (i = 1; i <= n; i++) {
        if (p[i] ~ /#/ || p[i] ~ /key-/) continue
        kids = 0; recs = 0
        for (j = 1; j <= n; j++) {
          if (index(p[j], p[i] "/") == 1) { if (p[j] ~ /#/) recs++; else kids++ }
        }
        if (kids == 0 && p[i] != "3F00") files[++m] = p[i]
      }
      print "verify CHV1 \"123456\""
      for (k = 1; k <= m; k++) {
        c = split(files[k], a, "/")
        for (d = 2; d < c; d++) print "cd " a[d]
        print "cat " a[c]
        for (d = 2; d < c; d++) print "cd .."
      }
    }'
}
capture () {   # capture NAME: OpenSC's view of the card, reader name removed
  explorer_script > "$T_TMP/explorer.in"
  opensc-explorer -r "$R" < "$T_TMP/explorer.in" 2>&1 |
    sed -e "s/$R/READER/g" > "$T_TMP/$1.explorer"
  pkcs15-tool -r "$R" -D 2>&1 | sed -e "s/$R/READER/g" > "$T_TMP/$1.pkcs15"
}

# ---- backup ------------------------------------------------------------
emu_start "$CARDS/pkcs15.card"
t_ok "backup through pcscd" sh -c "'$B/vsctool' backup --reader '$R' --pin-file '$T_TMP/pin' --password-file '$T_TMP/pw' $KDF $SCAN --json '$T_TMP/m.vsc' > '$T_TMP/backup.json'; test \$? -eq 7"
t_check "summary names the unreadable private key file" "grep -q '3F00/5015/4B01' '$T_TMP/backup.json'"
t_check "the unlisted DF 7000 was found" "'$B/vsctool' ls --password-file '$T_TMP/pw' '$T_TMP/m.vsc' | grep -qx '3F00/7000/7002/#2'"
t_check "the PIN-protected EF is in the VSC" "'$B/vsctool' ls --password-file '$T_TMP/pw' '$T_TMP/m.vsc' | grep -qx '3F00/5015/4F01'"
capture before
t_check "opensc-explorer read the protected EF" "grep -q 'secret note' '$T_TMP/before.explorer'"
t_check "pkcs15-tool saw the token" "grep -q 'vscemu test card' '$T_TMP/before.pkcs15'"
emu_stop

# ---- restore onto a blank card (state file) ----------------------------
emu_start --state "$T_TMP/blank.state" "$CARDS/blank.card"
state_sum () { if [ -e "$T_TMP/blank.state" ]; then cksum < "$T_TMP/blank.state"; else echo none; fi; }
s0=$(state_sum)
t_ok "dry run" "$B/vsctool" restore --dry-run --reader "$R" --password-file "$T_TMP/pw" "$T_TMP/m.vsc"
t_check "dry run wrote nothing (state file unchanged)" "[ \"$s0\" = \"\$(state_sum)\" ]"
"$B/vsctool" restore --reader "$R" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/m.vsc" > "$T_TMP/restore.out" 2>&1
rc=$?
cat "$T_TMP/restore.out"
t_check "restore onto the blank card (exit 0)" "[ $rc -eq 0 ]"
t_check "every written node was read back equal" "grep -q 'read back equal, 0 failed' '$T_TMP/restore.out'"
t_check "the state file exists" "test -s '$T_TMP/blank.state'"
"$B/vsctool" diff --password-file "$T_TMP/pw" $SCAN --pin-file "$T_TMP/pin" "$T_TMP/m.vsc" "card:$R" > "$T_TMP/diff.out" 2> "$T_TMP/diff.err"
cat "$T_TMP/diff.out" "$T_TMP/diff.err"
# Only the MF's own attributes may differ (a restore never rewrites the
# MF of the target card).
t_check "vsctool diff: no difference but the MF attributes" \
  "! grep -v -e '^changed  3F00 (fcp, access)\$' -e '^note: the card identity differs' '$T_TMP/diff.out' | grep -q ."
capture after
t_ok "opensc-explorer cat of every file: same before and after" diff -u "$T_TMP/before.explorer" "$T_TMP/after.explorer"
t_ok "pkcs15-tool -D: same before and after" diff -u "$T_TMP/before.pkcs15" "$T_TMP/after.pkcs15"

# The copy is not blank now: refused without --force, accepted with it.
cp "$T_TMP/blank.state" "$T_TMP/state.before"
t_ok "dry run on the written card" "$B/vsctool" restore --dry-run --reader "$R" --password-file "$T_TMP/pw" "$T_TMP/m.vsc"
t_ok "dry run left the state file byte-identical" cmp "$T_TMP/state.before" "$T_TMP/blank.state"
"$B/vsctool" restore --reader "$R" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/m.vsc" > "$T_TMP/r2.out" 2>&1
rc=$?
t_check "non-blank card refused without --force (exit 6)" "[ $rc -eq 6 ] && grep -q -- '--force' '$T_TMP/r2.out'"
t_ok "refusal left the state file byte-identical" cmp "$T_TMP/state.before" "$T_TMP/blank.state"
"$B/vsctool" restore --force --reader "$R" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/m.vsc" > "$T_TMP/r3.out" 2>&1
rc=$?
cat "$T_TMP/r3.out"
t_check "with --force the restore runs (nothing left to write)" "[ $rc -eq 0 ] && grep -q '^Plan (0 create, 0 update' '$T_TMP/r3.out'"
emu_stop

# ---- card removed during backup and restore ----------------------------
cp "$T_TMP/m.vsc" "$T_TMP/m.copy"
for n in 3 25 60; do
  emu_start --remove-after $n "$CARDS/pkcs15.card"
  rm -f "$T_TMP/cut.vsc"
  "$B/vsctool" backup --reader "$R" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" $KDF $SCAN "$T_TMP/cut.vsc" > "$T_TMP/cut.out" 2>&1
  rc=$?
  t_check "backup, card gone after $n APDUs: exit 5, clear message, no file" \
    "[ $rc -eq 5 ] && grep -q 'removed' '$T_TMP/cut.out' && test ! -e '$T_TMP/cut.vsc'"
  emu_stop
done
for n in 12 40 80; do
  rm -f "$T_TMP/cut.state"
  emu_start --remove-after $n --state "$T_TMP/cut.state" "$CARDS/blank.card"
  "$B/vsctool" restore --reader "$R" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/m.vsc" > "$T_TMP/cut.out" 2>&1
  rc=$?
  t_check "restore, card gone after $n APDUs: exit 5 and says where it stopped" \
    "[ $rc -eq 5 ] && grep -q 'removed' '$T_TMP/cut.out' && { grep -q '^Stopped at ' '$T_TMP/cut.out' || grep -q 'nothing was written' '$T_TMP/cut.out'; }"
  t_ok "the VSC is untouched" cmp "$T_TMP/m.vsc" "$T_TMP/m.copy"
  emu_stop
done
