#!/bin/sh
# tests/tui/options.sh - vscman's command line: bad input gives a clear
# message and a non-zero exit, never a half-drawn screen.
. "$top_srcdir/tests/lib.sh"
t_begin "vscman options"
V="$top_builddir/vscman"
C="$top_srcdir/tests/cards"

t_ok "--help" "$V" --help
t_check "--help names the options" '"$V" --help | grep -q -- "--kiosk"'
t_ok "--version" "$V" --version
"$V" --bogus >/dev/null 2>&1; rc=$?
t_check "unknown option: exit 2" '[ $rc -eq 2 ]'
"$V" extra >/dev/null 2>&1; rc=$?
t_check "stray argument: exit 2" '[ $rc -eq 2 ]'
"$V" --vsc-dir "$T_TMP/missing" >"$T_TMP/o" 2>&1; rc=$?
t_check "missing VSC directory: exit 2" '[ $rc -eq 2 ]'
t_check "... and says which" 'grep -q "missing" "$T_TMP/o"'
"$V" --emu "$T_TMP/nope.card" >"$T_TMP/o" 2>&1; rc=$?
t_check "missing emulator profile: exit 1" '[ $rc -eq 1 ]'
t_check "... with a message naming the profile" 'grep -q "nope.card" "$T_TMP/o"'
"$V" --emu "$C/blank.card" </dev/null >"$T_TMP/o" 2>&1; rc=$?
t_check "no terminal: exit 1" '[ $rc -eq 1 ]'
t_check "... says a terminal is needed" 'grep -q "needs a terminal" "$T_TMP/o"'
t_check "... and prints no escape sequences" '! grep -q "$(printf "\\033")" "$T_TMP/o"'
