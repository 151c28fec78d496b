#!/bin/sh
# The four programs start, answer --help and --version, and refuse
# unknown input with a non-zero exit.
. "$top_srcdir/tests/lib.sh"
t_begin "program front ends"
for p in vsctool vscman vscemu vscd; do
  t_ok   "$p --version" "$top_builddir/$p" --version
  t_check "$p --version names the package" "'$top_builddir/$p' --version | grep -q 'vscman'"
  t_ok   "$p --help" "$top_builddir/$p" --help
done
t_fail "vsctool rejects an unknown command" "$top_builddir/vsctool" no-such-command
t_check "vsctool unknown command exits 2" "'$top_builddir/vsctool' no-such-command 2>/dev/null; test \$? -eq 2"
