#!/bin/sh
# kill9.sh - vscd killed with SIGKILL during puts (40 times): the vault
# holds the old or the new VSC, never a partial one, and works afterwards.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd: kill -9 during put"

mkdir -p "$T_TMP/vault"
t_ok "40 kills, vault consistent every time" python3 "$FRAMES_PY" kill9 "$VSCD" "$T_TMP/vault" 40
sed -n 's/^\(PASS\|FAIL\): /    \1: /p' "$T_TMP/out"
