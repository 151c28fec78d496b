#!/bin/sh
# cli-emu.sh - vsctool backup / restore / diff with the in-process
# emulator (--emu, emu:PROFILE): exit codes, JSON, options. No pcscd.
. "$top_srcdir/tests/lib.sh"
t_begin "vsctool backup/restore/diff on the in-process emulator"

B="$top_builddir"
P15="$top_srcdir/tests/cards/pkcs15.card"
BLANK="$top_srcdir/tests/cards/blank.card"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
SCAN="--scan-range 4B00-4B03 --scan-range 4F00-4F03 --scan-range 5100-5103 --scan-range 7000-7003"
echo 123456 > "$T_TMP/pin"
echo 000000 > "$T_TMP/badpin"
echo "test password" > "$T_TMP/pw"

"$B/vsctool" backup --emu "$P15" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" $KDF $SCAN --json "$T_TMP/a.vsc" > "$T_TMP/a.json" 2>"$T_TMP/a.err"
rc=$?
t_check "backup exits 7 (the private key file cannot be read)" "[ $rc -eq 7 ]"
t_check "JSON summary: nodes, APDUs, not_read with status word" \
  "grep -q '\"nodes\":2[0-9]' '$T_TMP/a.json' && grep -q '\"path\":\"3F00/5015/4B01\",\"reason\":\"[^\"]*\",\"sw\":\"6982\"' '$T_TMP/a.json'"
t_check "the password was given: none printed" "grep -q '\"password\":null' '$T_TMP/a.json'"
t_check "the PIN prompt showed the retry counter first" "grep -q '3 tries left' '$T_TMP/a.err'"
t_fail "an existing file without its password is refused" sh -c "'$B/vsctool' backup --emu '$P15' --password-file /dev/null $KDF '$T_TMP/a.vsc' < /dev/null"

# A new VSC without --password-file: a generated password, shown once.
"$B/vsctool" backup --emu "$P15" --pin-file "$T_TMP/pin" $KDF --no-scan "$T_TMP/g.vsc" > "$T_TMP/g.out" 2>&1
t_check "generated password printed once" "[ \$(grep -c '^Password: ' '$T_TMP/g.out') -eq 1 ]"
sed -n 's/^Password: //p' "$T_TMP/g.out" > "$T_TMP/g.pw"
t_ok "the generated password opens it" "$B/vsctool" verify --password-file "$T_TMP/g.pw" "$T_TMP/g.vsc"

# A wrong PIN: asked once, never retried, the rest is backed up.
"$B/vsctool" backup --emu "$P15" --pin-file "$T_TMP/badpin" --password-file "$T_TMP/pw" $KDF $SCAN "$T_TMP/w.vsc" > "$T_TMP/w.out" 2>&1
rc=$?
t_check "wrong PIN: exit 7, 4F01 not backed up, not retried" \
  "[ $rc -eq 7 ] && grep -q '3F00/5015/4F01.*not verified' '$T_TMP/w.out' && [ \$(grep -c 'is needed for' '$T_TMP/w.out') -eq 1 ]"

# --select
t_ok "backup --select" "$B/vsctool" backup --emu "$P15" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" $KDF $SCAN --select 3F00/7000 "$T_TMP/s.vsc"
t_check "only the selected subtree" \
  "'$B/vsctool' ls --password-file '$T_TMP/pw' '$T_TMP/s.vsc' | sort | tr '\n' ' ' | grep -qx '3F00 3F00/7000 3F00/7000/7001 3F00/7000/7002 3F00/7000/7002/#1 3F00/7000/7002/#2 '"

# diff
t_ok "diff: VSC against the same card: no differences (exit 0)" "$B/vsctool" diff --password-file "$T_TMP/pw" --pin-file "$T_TMP/pin" $SCAN "$T_TMP/a.vsc" "emu:$P15"
"$B/vsctool" diff --json --password-file "$T_TMP/pw" $SCAN "$T_TMP/a.vsc" "$T_TMP/s.vsc" > "$T_TMP/d.json"
rc=$?
t_check "diff: against the selection: exit 1, removed nodes in JSON" \
  "[ $rc -eq 1 ] && grep -q '{\"kind\":\"removed\",\"path\":\"3F00/5015/4401\",\"what\":\[\]}' '$T_TMP/d.json'"
t_check "diff --ignore takes known names only" "! '$B/vsctool' diff --ignore bogus '$T_TMP/a.vsc' '$T_TMP/s.vsc' 2>/dev/null"

# restore: dry run and the refusal of a non-blank card
"$B/vsctool" restore --dry-run --emu "$BLANK" --password-file "$T_TMP/pw" --json "$T_TMP/a.vsc" > "$T_TMP/r.json"
rc=$?
t_check "restore --dry-run: exit 0, every entry planned, nothing written" \
  "[ $rc -eq 0 ] && grep -q '\"dry_run\":true,\"target_blank\":true' '$T_TMP/r.json' && grep -q '\"written\":0,' '$T_TMP/r.json' && grep -q '\"path\":\"3F00/5015/key-45\",\"action\":\"not-restorable\"' '$T_TMP/r.json'"
"$B/vsctool" restore --emu "$P15" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/a.vsc" > "$T_TMP/n.out" 2>&1
rc=$?
t_check "restore onto a non-blank card without --force: exit 6" "[ $rc -eq 6 ] && grep -q -- '--force' '$T_TMP/n.out'"
t_ok "with --force onto the same card: nothing to write" "$B/vsctool" restore --force --emu "$P15" --pin-file "$T_TMP/pin" --password-file "$T_TMP/pw" "$T_TMP/a.vsc"
t_fail "wrong VSC password" "$B/vsctool" restore --dry-run --emu "$BLANK" --password-file "$T_TMP/badpin" "$T_TMP/a.vsc"
t_fail "usage error" "$B/vsctool" restore
t_fail "--reader and --emu together" "$B/vsctool" backup --reader x --emu "$P15" "$T_TMP/x.vsc"
