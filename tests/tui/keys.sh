#!/bin/sh
# tests/tui/keys.sh - "Write keys to card" (K in the VSC screen): a VSC
# with an escrowed OpenPGP signing key (vsctool keygen) is written onto a
# token in use (yubikey.card): the plan lists only the key, the PIN
# toggle (p) shows and flips, the confirmation is a plain y/n, and the
# report says the key was written and verified. The backup form's F4
# toggles storing the PINs entered.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman: write keys to card, PIN toggles"

KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
printf 'keys tui test password\n' > "$T_TMP/pw"
V="$TUI_VSCDIR/keys.vsc"
t_ok "vsctool create" vsctool create --password-file "$T_TMP/pw" $KDF "$V"
t_ok "keygen an OpenPGP signing key" vsctool keygen --password-file \
  "$T_TMP/pw" --openpgp sig --algo ed25519 --created 1700000500 "$V"

tui_start 120 40 -- --emu "$CARDS/yubikey.card" --emu "$CARDS/blank.card" \
  --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"

# Backup form: F4 toggles storing the PINs.
tui_keys Enter
# (the source column shows only in the finished tree)
tui_expect "card tree" "do-list" 30
# Esc stops a running background scan before it leaves the screen: the
# two Escapes below must find the scan over (slow sanitizer builds).
tui_expect "scan complete" "Scan complete" 60
tui_keys F5
tui_expect "backup form" "New VSC file:"
tui_expect "store PINs off by default" "Store PINs: off"
tui_keys F4
tui_expect "F4 turns storing PINs on" "Store PINs: on"
tui_expect "the form says so" "in the VSC (private area): on"
tui_keys Escape
tui_keys Escape
tui_expect "back on the start screen" "Readers (2)"

# Open the VSC and write its keys to the token.
tui_keys g j j Enter
tui_expect "password asked" "Password for"
tui_keys "keys tui test password" Enter
tui_expect "VSC unlocked" "Unlocked and verified" 20
tui_expect "K in the footer" "Write keys"
tui_keys K
tui_expect "card choice" "Write keys to"
tui_keys Enter
# Reading the target asks its PINs (PW1 82, PW3 83, PIV 80) for the
# protected objects: answer them until the plan shows (or WHAT does).
answer_pins () {
  local n=0
  while [ "$n" -lt 6 ] && ! tui_wait "$1" 3; do
    if tui_screen | grep -q "reference 83"; then
      tui_keys 1 2 3 4 5 6 7 8 Enter
    elif tui_screen | grep -q "tries left"; then
      tui_keys 1 2 3 4 5 6 Enter
    fi
    tui_wait_gone "tries left" 5
    n=$((n + 1))
  done
}
answer_pins "Plan:"
tui_expect "keys-only plan shown" "Plan:" 20
tui_expect "keys-only mode explained" "Keys only:"
tui_expect "the plan lists the key" "openpgp/key-sig"
t_check "the plan lists only the key" \
  '[ "$(tui_screen | grep -cE "(update|create|same|conflict|not restorable|only on) +[0-9a-zA-Z/#-]+/")" = 1 ]'
tui_expect_not "the cardholder name is not in the plan" "openpgp/5B"
tui_expect "PIN toggle off" "Set PINs: off"
tui_keys p
tui_expect "p turns setting PINs on" "Set PINs: on"
tui_expect "plan header says on" "stored in the VSC: on"
tui_keys p
tui_expect "p turns it off again" "Set PINs: off"
tui_keys F5
tui_expect "plain confirmation for keys" "Write 1 keys to the card"
tui_keys y
answer_pins "Restore finished"
tui_expect "key written" "Restore finished" 20
tui_expect "report: written and verified" "written, verified"
tui_keys Escape
tui_expect "back in the VSC" "Unlocked and verified"
tui_keys Escape
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0"
