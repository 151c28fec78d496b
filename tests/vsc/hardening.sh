#!/bin/bash
# hardening.sh - vsctool against hostile VSC files and unlucky paths
# (issue 13): path traversal through node names (1), writer/reader limits
# (3), silent replacement by remote create/get (6), symlinked VSCs (7),
# FIFOs and devices as VSCs (9), terminal escapes in labels and notes
# (10), a file that is only the magic (11).
. "$top_srcdir/tests/lib.sh"
t_begin "vsctool: hostile files and paths"

VT="$top_builddir/vsctool"
MK="$top_srcdir/tests/vsc/mkvsc.py"
command -v python3 >/dev/null || t_skip "python3 is needed to make hostile files"
K="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
cd "$T_TMP" || exit 1
echo "test password" > pw
P="--password-file pw"
echo evil > evil
"$VT" create $P $K a.vsc >/dev/null || exit 1

# ---- 1: path traversal --------------------------------------------------
mkdir -p deep/out
t_fail "put ../../../../tmp/x is refused" "$VT" put $P a.vsc ../../../../tmp/escaped-$$ evil
t_check "... as a usage error (exit 2)" "'$VT' put $P a.vsc ../x evil 2>/dev/null; [ \$? = 2 ]"
t_fail "put 3F00/../.. is refused" "$VT" put $P a.vsc 3F00/../.. evil
t_fail "put 3F00/./x is refused" "$VT" put $P a.vsc 3F00/./x evil
t_check "the VSC has no such node" "! '$VT' ls $P -a a.vsc | grep -q '\\.\\.'"
python3 "$MK" dotdot.vsc --name ..
t_fail "a file with a node named '..' is refused (ls)" "$VT" ls dotdot.vsc
t_check "... as malformed (exit 4)" "'$VT' ls dotdot.vsc >/dev/null 2>&1; [ \$? = 4 ]"
t_fail "... and by export-public --unverified" \
  "$VT" export-public --unverified dotdot.vsc deep/out/x
t_check "nothing was written next to the output directory" \
  "[ ! -e deep/out/hostile ] && [ -z \"\$(ls deep/out/x 2>/dev/null)\" ]"
"$VT" put $P a.vsc 3F00/5015/4401 evil >/dev/null
mkdir victim
mkdir -p out1 && ln -s "$T_TMP/victim" out1/3F00
t_fail "export-public does not follow a symlink in its directory" \
  "$VT" export-public $P a.vsc out1
t_check "... nothing landed in the link's target" "[ -z \"\$(ls victim)\" ]"
t_ok "export-public into a clean directory works" "$VT" export-public $P a.vsc out2
t_check "... file and index" "cmp -s evil out2/3F00/5015/4401 && grep -q 4401 out2/index.json"

# ---- 3: limits shared by writer and reader ---------------------------------
LONG=$(head -c 5000 /dev/zero | tr '\0' L)
t_fail "create --label of 5000 bytes is refused" "$VT" create $P $K --label "$LONG" l.vsc
t_check "... naming the limit" "grep -q 'longer than 4096' '$T_TMP/out'"
t_check "... and writes nothing" "[ ! -e l.vsc ]"
DEEP=3F00; for i in $(seq 1 2048); do DEEP="$DEEP/$(printf %04X $i)"; done
t_fail "put of a 2049-level path is refused" "$VT" put $P a.vsc "$DEEP" evil
t_ok "the VSC still opens, with the password" "$VT" ls $P -a a.vsc
D32=3F00; for i in $(seq 1 31); do D32="$D32/$(printf %04X $((i + 0x100)))"; done
t_ok "32 levels are fine" "$VT" put $P a.vsc "$D32" evil
t_ok "... and read back" sh -c "'$VT' cat $P a.vsc '$D32' | cmp -s - evil"

# ---- 7: symlinked VSCs ----------------------------------------------------
mkdir real
"$VT" create $P $K real/t.vsc >/dev/null
ln -s real/t.vsc link.vsc
t_ok "put through a symlink" "$VT" put $P link.vsc 3F00/0001 evil
t_check "... the link is still a link" "[ -L link.vsc ]"
t_check "... and the target has the node" "'$VT' ls $P -a real/t.vsc | grep -q 3F00/0001"
t_check "... no temp files left" "[ -z \"\$(ls -A real | grep tmp)\" ] && [ -z \"\$(ls -A | grep tmp)\" ]"
echo "new password" > pw2
t_ok "passwd through a symlink" "$VT" passwd $P --new-password-file pw2 $K link.vsc
t_check "... the link is still a link" "[ -L link.vsc ]"
t_ok "... the target opens with the new password" "$VT" ls --password-file pw2 -a real/t.vsc
t_fail "... and no longer with the old one" "$VT" ls $P -a real/t.vsc

# ---- 9: FIFOs and devices are never VSCs ----------------------------------
mkfifo fifo.vsc
t_fail "info on a FIFO is refused (and does not hang)" timeout 60 "$VT" info fifo.vsc
t_check "... as not a VSC (exit 4, not the timeout's 124)" \
  "timeout 60 '$VT' info fifo.vsc >/dev/null 2>&1; [ \$? = 4 ]"
t_check "... saying why" "timeout 60 '$VT' info fifo.vsc 2>&1 | grep -q 'not a regular file'"
t_fail "put on a FIFO is refused" timeout 60 "$VT" put $P fifo.vsc 3F00/0001 evil
t_fail "ls on /dev/null is refused" timeout 60 "$VT" ls /dev/null
t_fail "verify on a directory is refused" timeout 60 "$VT" verify real

# ---- 10: terminal escapes are shown escaped --------------------------------
python3 "$MK" esc.vsc --label '\x1b[2J\x1b]0;pwned\x07' --note 'one\nFAKE: line\x1b[31m\xc2\x9b1m'
"$VT" info esc.vsc > info.out 2>&1
t_check "info: no ESC, BEL or C1 byte reaches the terminal" \
  "! grep -q \"\$(printf '\\033')\" info.out && ! grep -q \"\$(printf '\\007')\" info.out && ! grep -q \"\$(printf '\\302\\233')\" info.out"
t_check "... the label is shown escaped" "grep -q 'Label: *\\\\x1b\\[2J\\\\x1b\\]0;pwned\\\\x07' info.out"
"$VT" ls -l esc.vsc > ls.out 2>&1
t_check "ls -l: the note is escaped, on one line" \
  "! grep -q \"\$(printf '\\033')\" ls.out && grep -q 'one\\\\x0aFAKE: line\\\\x1b\\[31m\\\\u009b1m' ls.out && ! grep -q '^FAKE' ls.out"
"$VT" diff esc.vsc a.vsc > diff.out 2>&1
t_check "diff: nothing raw either" "! grep -q \"\$(printf '\\033')\" diff.out"
t_check "--json escapes them too" \
  "'$VT' info --json esc.vsc | grep -q 'u001b\\[2J' && ! '$VT' info --json esc.vsc | grep -q \"\$(printf '\\033')\""

# ---- 11: only the magic -----------------------------------------------------
python3 "$MK" magic.vsc --magic-only
t_fail "a file that is only the magic is refused" "$VT" info magic.vsc
t_check "... with exit code 4 (vsctool(1))" "'$VT' info magic.vsc >/dev/null 2>&1; [ \$? = 4 ]"

# ---- 6: remote create/get never replace another VSC by surprise ------------
. "$top_srcdir/tests/remote/lib-remote.sh"
remote_start_socket "$T_TMP/s" "$T_TMP/vaults"
S="unix:$T_TMP/s"
cp a.vsc keep.vsc
t_fail "remote create -o over an existing VSC is refused" \
  "$VT" remote "$S" create -o keep.vsc --password-out rpw
t_check "... with exit code 6" \
  "'$VT' remote '$S' create -o keep.vsc --password-out rpw >/dev/null 2>&1; [ \$? = 6 ]"
t_check "... before the server made anything" \
  "[ -z \"\$('$VT' remote '$S' ls)\" ] && cmp -s a.vsc keep.vsc && [ ! -e rpw ]"
t_ok "remote create -o a new file" "$VT" remote "$S" create -o r.vsc --password-out rpw
U=$("$VT" remote --json "$S" ls | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
t_ok "get of the same VSC over its older copy is fine" "$VT" remote "$S" get "$U" r.vsc
t_fail "get over a different VSC is refused" "$VT" remote "$S" get "$U" keep.vsc
t_check "... with exit code 6, the file unchanged" \
  "'$VT' remote '$S' get '$U' keep.vsc >/dev/null 2>&1; [ \$? = 6 ] && cmp -s a.vsc keep.vsc"
t_check "... saying which VSC is there" "grep -q 'holds another VSC' '$T_TMP/out'"
echo "not a vsc" > text.file
t_fail "get over a file that is not a VSC is refused" "$VT" remote "$S" get "$U" text.file
t_check "... and the file is unchanged" "grep -q 'not a vsc' text.file"
t_ok "get --force replaces it" "$VT" remote --force "$S" get "$U" keep.vsc
t_check "... with the server's VSC" "cmp -s keep.vsc r.vsc"
ln -s r.vsc rlink.vsc
t_ok "get into a symlink to the same VSC" "$VT" remote "$S" get "$U" rlink.vsc
t_check "... keeps the link" "[ -L rlink.vsc ]"
