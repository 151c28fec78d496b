#!/bin/sh
# completion.sh - the bash completion of vsctool (completion/vsctool):
# sourced into bash (with bash-completion's helpers when installed, and
# without), COMPREPLY for commands, options, option values, reader names
# from "vsctool readers --json" and VSC files; and the command list is
# the one vsctool itself prints.
. "$top_srcdir/tests/lib.sh"
t_begin "bash completion for vsctool"

command -v bash >/dev/null 2>&1 || t_skip "bash is not installed"
COMP="$top_srcdir/completion/vsctool"
VT="$top_builddir/vsctool"
CARD="$top_srcdir/tests/cards/pkcs15.card"
cd "$T_TMP" || exit 1
mkdir sub w
: > a.vsc; : > b.txt; : > c.vsc; : > x.card

# complete WITH_BC LINE: the sorted COMPREPLY for LINE (cursor at its end).
complete () {
  bash -c '
    if [ "$1" = yes ]; then
      . /usr/share/bash-completion/bash_completion || exit 3
    fi
    . "$2" || exit 3
    line=$3
    read -ra COMP_WORDS <<<"$line"
    [[ $line == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    COMP_LINE=$line; COMP_POINT=${#line}
    _vsctool
    printf "%s\n" "${COMPREPLY[@]}" | sort
  ' complete "$1" "$COMP" "$2"
}

# expect WITH_BC "LINE" "EXPECTED words, sorted, space separated"
expect () {
  got=$(complete "$1" "$2" | tr '\n' ' ' | sed 's/ $//')
  if [ "$got" = "$3" ]; then t_pass "[$1] '$2' -> '$3'"
  else t_failed "[$1] '$2' -> '$got', expected '$3'"; fi
}

modes=no
[ -f /usr/share/bash-completion/bash_completion ] && modes="no yes"
[ "${CI:-}" = true ] && [ "$modes" = no ] \
  && t_failed "bash-completion is not installed (scripts/setup installs it)"

for m in $modes; do
  # Commands and global options come from vsctool itself.
  all=$("$VT" --list-commands | sort | tr '\n' ' ' | sed 's/ $//')
  expect $m "$VT " "$all"
  expect $m "$VT re" "readers remote restore"
  expect $m "$VT --ver" "--verbose --version"
  # Options of a command, from its usage line.
  expect $m "$VT backup --re" "--reader --remote --remote-vscd"
  expect $m "$VT restore --d" "--dry-run"
  expect $m "$VT put --area p" "private public"
  expect $m "$VT keygen --piv " "9a 9c 9d 9e"
  # Reader names from "vsctool readers --json" (here: the emulator,
  # with the --emu options of the line), quoted for the shell.
  expect $m "$VT backup --emu $CARD --emu $CARD --reader " 'vscemu\ 0 vscemu\ 1'
  expect $m "$VT backup --emu $CARD --reader vscemu" 'vscemu\ 0'
  # VSC files where a VSC is expected; any file for --password-file;
  # directories for export-public's DIR; card profiles for --emu.
  expect $m "$VT info " "a.vsc c.vsc sub w"
  expect $m "$VT ls -l a" "a.vsc"
  expect $m "$VT info --password-file b" "b.txt"
  expect $m "$VT cat --password-file b.txt a" "a.vsc"
  expect $m "$VT export-public a.vsc " "sub w"
  expect $m "$VT readers --emu " "sub w x.card"
  expect $m "$VT diff a.vsc c" "c.vsc"
  # vsctool remote URL SUBCOMMAND: the subcommands of its usage.
  expect $m "$VT remote --timeout 5 unix:/run/vscd.sock " "create get history ls put rm stat"
  expect $m "$VT remote ssh://h/ g" "get"
done

# The list of commands is the one in "vsctool --help".
t_check "--list-commands names the commands of --help" \
  "[ \"\$('$VT' --list-commands | sort)\" = \"\$(LC_ALL=C '$VT' --help | sed -n 's/^  \\([a-z][a-z-]*\\)  .*/\\1/p' | sort)\" ]"
t_check "--list-commands is not translated" \
  "[ \"\$(LANG=de_DE.UTF-8 '$VT' --list-commands)\" = \"\$(LC_ALL=C '$VT' --list-commands)\" ]"
