#!/bin/sh
# tests/cli/commands.sh - every vsctool command comes from one table and
# one parser: vsctool --list-commands names them, each answers --help
# (usage line, exit 0) and --list-options (its options one a line, for
# shell completion), and refuses an unknown option or a missing argument
# with exit 2 and its usage line.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"
t_begin "vsctool commands: --list-commands, --help, --list-options, usage"

V=vsctool
$V --list-commands > "$T_TMP/cmds"
t_check "--list-commands exits 0 and lists commands" "[ \$(wc -l < '$T_TMP/cmds') -ge 15 ]"
for c in readers remote backup restore diff keygen create info ls cat put rm passwd verify export-public; do
  t_check "--list-commands names $c" "grep -qx '$c' '$T_TMP/cmds'"
done
# The summary list of vsctool --help has the same commands.
$V --help > "$T_TMP/help"
while read -r c; do
  t_check "$c: in vsctool --help" "grep -q '^  $c ' '$T_TMP/help'"
  $V "$c" --help > "$T_TMP/h" 2>&1; rc=$?
  t_check "$c --help exits 0" "[ $rc -eq 0 ]"
  t_check "$c --help shows its usage" "grep -q '^usage: vsctool $c' '$T_TMP/h'"
  t_check "$c --help lists --help" "grep -q -- '--help' '$T_TMP/h'"
  $V "$c" --list-options > "$T_TMP/o" 2>&1; rc=$?
  t_check "$c --list-options exits 0" "[ $rc -eq 0 ]"
  t_check "$c --list-options: only options" "! grep -qv '^--\?[a-z0-9]' '$T_TMP/o'"
  # every listed long option appears in the help text
  for o in $(grep '^--' "$T_TMP/o"); do
    grep -q -- "$o" "$T_TMP/h" || t_failed "$c: $o listed but not in --help"
  done
  $V "$c" --no-such-option x y z > "$T_TMP/u" 2>&1; rc=$?
  t_check "$c: unknown option exits 2" "[ $rc -eq 2 ]"
  t_check "$c: unknown option prints the usage" "grep -q '^usage: vsctool $c' '$T_TMP/u'"
done < "$T_TMP/cmds"

# Options a command has and others do not (the groups are per command).
t_check "create takes --kdf-memory" "$V create --list-options | grep -qx -- --kdf-memory"
t_check "cat does not" "! $V cat --list-options | grep -q -- --kdf-memory"
t_check "backup takes --scan-range and --reader" \
  "$V backup --list-options | grep -qx -- --scan-range && $V backup --list-options | grep -qx -- --reader"
t_check "ls has -l" "$V ls --list-options | grep -qx -- -l"

# Argument counts come from the table.
$V cat only-one > /dev/null 2>&1; rc=$?
t_check "cat with one argument: exit 2" "[ $rc -eq 2 ]"
$V info a b > /dev/null 2>&1; rc=$?
t_check "info with two arguments: exit 2" "[ $rc -eq 2 ]"
$V readers extra > /dev/null 2>&1; rc=$?
t_check "readers takes no argument: exit 2" "[ $rc -eq 2 ]"
$V remote unix:/nonexistent frob > "$T_TMP/r" 2>&1; rc=$?
t_check "remote: unknown operation: exit 2" "[ $rc -eq 2 ] && grep -q 'frob' '$T_TMP/r'"
$V remote unix:/nonexistent get only-uuid > "$T_TMP/r" 2>&1; rc=$?
t_check "remote get needs UUID and FILE: exit 2 with its usage" \
  "[ $rc -eq 2 ] && grep -q '^usage: vsctool remote URL get' '$T_TMP/r'"
$V keygen --openpgp sig --piv 9a --algo ed25519 f.vsc > "$T_TMP/k" 2>&1; rc=$?
t_check "keygen: --openpgp and --piv exclude each other" \
  "[ $rc -eq 2 ] && grep -q 'give one of' '$T_TMP/k'"
$V restore --reader R --emu p in.vsc > /dev/null 2>&1; rc=$?
t_check "--reader and --emu exclude each other: exit 2" "[ $rc -eq 2 ]"
