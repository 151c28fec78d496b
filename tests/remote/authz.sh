#!/bin/sh
# authz.sh - two accounts on one vscd --socket: user B cannot list, stat,
# get, put or delete user A's VSCs; each vault is the user's own 0700
# directory, and the serving process runs as the peer's uid.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/remote/lib-remote.sh"
t_begin "vscd: per-account vaults on the Unix socket"

[ "$(id -u)" = 0 ] || t_skip "needs root to create two throw-away users"
command -v useradd >/dev/null 2>&1 && command -v setpriv >/dev/null 2>&1 \
  || t_skip "useradd and setpriv are needed"
UA=vsca$$; UB=vscb$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$UA" || t_skip "useradd failed"
t_on_exit "userdel $UA"
useradd --system --no-create-home --shell /usr/sbin/nologin "$UB" || t_skip "useradd failed"
t_on_exit "userdel $UB"
IA=$(id -u "$UA"); IB=$(id -u "$UB")

chmod 711 "$T_TMP"
# The build tree may sit in a directory the throw-away users cannot enter
# (a mktemp -d clone is 0700): give them their own copies.
mkdir "$T_TMP/bin"
cp "$VSCTOOL" "$T_TMP/bin/vsctool"
cp "$FRAMES_PY" "$T_TMP/bin/frames.py"
chmod 755 "$T_TMP/bin" "$T_TMP/bin/vsctool"
chmod 644 "$T_TMP/bin/frames.py"
VSCTOOL="$T_TMP/bin/vsctool"
FRAMES_PY="$T_TMP/bin/frames.py"
remote_start_socket "$T_TMP/s" "$T_TMP/vaults" --no-check
S="unix:$T_TMP/s"
mkdir "$T_TMP/a" "$T_TMP/b"
chown "$UA:" "$T_TMP/a"; chown "$UB:" "$T_TMP/b"
asA () { (cd "$T_TMP/a" && setpriv --reuid="$IA" --regid="$IA" --clear-groups "$@"); }
asB () { (cd "$T_TMP/b" && setpriv --reuid="$IB" --regid="$IB" --clear-groups "$@"); }
U=a1a1a1a1-0000-4000-8000-000000000001
asA sh -c 'head -c 70000 /dev/urandom > mine'

t_ok "A stores a VSC" asA "$VSCTOOL" remote "$S" put --new $U mine
t_ok "A lists it" asA sh -c "'$VSCTOOL' remote '$S' ls | grep -q $U"
t_check "A's vault is $T_TMP/vaults/$IA, owned by A, mode 0700" \
  "[ \"\$(stat -c '%u %a' '$T_TMP/vaults/$IA')\" = '$IA 700' ]"
t_check "the file in it is owned by A (served as A), mode 0600" \
  "[ \"\$(stat -c '%u %a' '$T_TMP/vaults/$IA/$U.1.vsc')\" = '$IA 600' ]"
t_ok "B lists nothing of A's" asB sh -c "! '$VSCTOOL' remote '$S' ls | grep -q $U"
t_fail "B cannot stat A's VSC" asB "$VSCTOOL" remote "$S" stat $U
t_fail "B cannot get A's VSC" asB "$VSCTOOL" remote "$S" get $U stolen
t_check "... and got no file" "[ ! -e '$T_TMP/b/stolen' ]"
asB sh -c 'echo evil > evil'
t_fail "B cannot overwrite A's VSC (put -g 1)" asB "$VSCTOOL" remote "$S" put $U evil -g 1
t_fail "B cannot delete A's VSC" asB "$VSCTOOL" remote "$S" rm $U
t_ok "B can store the same UUID in B's own vault" asB "$VSCTOOL" remote "$S" put --new $U evil
t_ok "A's VSC is untouched (get, generation 1)" asA "$VSCTOOL" remote "$S" get $U back
t_check "... byte for byte" "cmp -s '$T_TMP/a/mine' '$T_TMP/a/back' && grep -q ' 1\$' '$T_TMP/a/back.remote'"
# A real create as A: the server (running as A) makes the VSC and hands
# the password to A only.
t_ok "A creates a VSC on the server" asA "$VSCTOOL" remote "$S" create -o made.vsc --password-out made.pw
t_ok "A opens it with the password it got" asA "$VSCTOOL" verify --password-file made.pw made.vsc
NEWU=$(cut -d' ' -f1 "$T_TMP/a/made.vsc.remote")
t_check "it is in A's vault, owned by A" \
  "[ \"\$(stat -c %u '$T_TMP/vaults/$IA/$NEWU.1.vsc')\" = '$IA' ]"
t_fail "B cannot get it" asB "$VSCTOOL" remote "$S" get "$NEWU" x
t_fail "B cannot read A's vault directory directly" asB ls "$T_TMP/vaults/$IA"
t_fail "B cannot reach A's vault with a crafted name" \
  asB python3 "$FRAMES_PY" put "$T_TMP/s" "../$IA/$U" 1 "$T_TMP/b/evil"
t_check "A's vault still holds only A's files" \
  "[ \"\$(ls '$T_TMP/vaults/$IA' | wc -l)\" = 2 ] && cmp -s '$T_TMP/a/mine' '$T_TMP/vaults/$IA/$U.1.vsc'"
