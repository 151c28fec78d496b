#!/bin/sh
# tests/tui/history.sh - the server screen's history (issue 15): a VSC
# backed up from the emulated PKCS#15 card is stored on a private vscd
# twice (generation 2 has an extra node 3F00/5099); the manager lists
# both generations with who stored them, downloads generation 2, and
# restores generation 1 onto the blank emulated card. The files it
# fetched are byte for byte the generations stored, and the restore plan
# of generation 1 has no 3F00/5099.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman server screen: history and restoring an old generation"

VSCD="$top_builddir/vscd"
VSCTOOL="$top_builddir/vsctool"
[ -x "$VSCD" ] || t_skip "vscd is not built"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo 123456 > "$T_TMP/pin"
echo "history password" > "$T_TMP/pw"
echo "new node" > "$T_TMP/node"
mkdir -p "$T_TMP/vault" "$T_TMP/work"

"$VSCD" --socket "$T_TMP/sock" --vault "$T_TMP/vault" --no-check --keep 5 \
  2>"$T_TMP/vscd.log" &
VSCD_PID=$!
t_on_exit "kill $VSCD_PID 2>/dev/null"
i=0
while [ $i -lt 50 ] && [ ! -S "$T_TMP/sock" ]; do sleep 0.1; i=$((i + 1)); done
t_check "vscd socket ready" '[ -S "$T_TMP/sock" ]'
S="unix:$T_TMP/sock"

# Generation 1: a backup of the PKCS#15 card; generation 2: plus 3F00/5099.
"$VSCTOOL" backup --emu "$CARDS/pkcs15.card" --pin-file "$T_TMP/pin" \
  --password-file "$T_TMP/pw" $KDF --no-scan "$T_TMP/work/h.vsc" \
  > "$T_TMP/backup.out" 2>&1
t_check "a VSC of the PKCS#15 card" '[ -s "$T_TMP/work/h.vsc" ]'
UUID=$("$VSCTOOL" info --json "$T_TMP/work/h.vsc" | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
t_check "its UUID" '[ -n "$UUID" ]'
cp "$T_TMP/work/h.vsc" "$T_TMP/g1.vsc"
t_ok "stored on the server (generation 1)" \
  "$VSCTOOL" remote "$S" put --new "$UUID" "$T_TMP/work/h.vsc"
t_ok "a node added" "$VSCTOOL" put --password-file "$T_TMP/pw" \
  "$T_TMP/work/h.vsc" 3F00/5099 "$T_TMP/node"
t_ok "stored again (generation 2)" "$VSCTOOL" remote "$S" put -g 1 \
  "$UUID" "$T_TMP/work/h.vsc"
cp "$T_TMP/work/h.vsc" "$T_TMP/g2.vsc"
t_check "the generations differ" '! cmp -s "$T_TMP/g1.vsc" "$T_TMP/g2.vsc"'

tui_start 120 40 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"
tui_keys G k k k k
tui_expect "server action listed" "VSC server..."
tui_keys Enter
tui_expect "server URL asked" "Server (ssh://"
tui_keys C-u "$S" Enter
tui_expect "connected" "(connected)" 20
tui_expect "the VSC listed" "$UUID"
tui_expect "history key in the footer" "History"

tui_keys h
tui_expect "history screen" "2 generations kept on the server" 20
ME=$(id -un)
t_check "generation 2 first, with who stored it" \
  'tui_screen | grep -E "^ +2 +[0-9]+ +[0-9-]+ [0-9:]+ +$ME \(local pid [0-9]+\)"'
t_check "generation 1 below it" \
  'tui_screen | grep -E "^ +1 +[0-9]+ +[0-9-]+ [0-9:]+ +$ME"'

# Download the newest (under the cursor).
tui_keys Enter
tui_expect "generation 2 downloaded" "Generation 2 downloaded to" 20
t_check "... byte for byte" 'cmp -s "$TUI_VSCDIR/$UUID.g2.vsc" "$T_TMP/g2.vsc"'

# Restore generation 1 onto the blank card.
tui_keys j r
tui_expect "card choice for generation 1" "Restore generation 1 onto" 20
t_check "generation 1 downloaded byte for byte" \
  'cmp -s "$TUI_VSCDIR/$UUID.g1.vsc" "$T_TMP/g1.vsc"'
tui_expect "the blank card offered" "Card in vscemu 1"
tui_keys j Enter
tui_expect "password asked" "Password for"
tui_keys "history password" Enter
tui_expect "restore plan shown" "Plan:" 30
tui_expect "from generation 1's file" "From: $TUI_VSCDIR/$UUID.g1.vsc"
tui_expect_not "generation 2's node is not in the plan" 5099
tui_keys F5
tui_expect "typed confirmation for another model" "Type overwrite"
tui_keys o v e r w r i t e Enter
tui_expect "PIN of the target card" "tries left" 20
tui_keys 1 2 3 4 5 6 Enter
tui_expect "restore finished" "Restore finished" 30
t_check "nothing failed" 'tui_screen | grep -q "Restore finished: [0-9]* written, [0-9]* verified, 0 failed"'
tui_keys Escape
tui_expect "back in the history" "2 generations kept on the server"
tui_keys Escape
tui_expect "back on the server screen" "(connected)"
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0"
