#!/bin/sh
# tests/tui/map.sh - the restore plan onto another card model through the
# mapping (issue 17) in the manager: a VSC of a PKCS#15 card with two
# escrowed keys goes onto a blank YubiKey-like token (in-process
# emulator). m shows the mapping (the keys by purpose into PIV 9A and
# 9C), t changes the authentication key's target to 9D before anything is
# written, the plan follows, and the restore writes 9D, not 9A.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
. "$top_srcdir/tests/map/keys.sh"
t_begin "vscman: the mapping in the restore plan, a target changed"
command -v openssl >/dev/null 2>&1 || t_skip "openssl is not installed"
W="$T_TMP"
echo "tui map password" > "$W/pw"
map_keys "$W" "/CN=Jane Doe" "/CN=Jane Doe (sign)"
t_ok "a PKCS#15 card's VSC with escrowed keys" \
  "$top_builddir/tests/map/p15-vsc" "$TUI_VSCDIR/card.vsc" "$W/pw" \
  "$W/k1.der:$W/c1.der:auth:Jane auth" "$W/k2.der:$W/c2.der:sign:Jane sign"

# Reading the token needs PW1 and PW3 (its private DOs) when it asks:
# answer each PIN dialog until none comes (PW3 12345678, else 123456).
pin_if_asked () {
  local n=0 ask
  while [ "$n" -lt 4 ] && tui_wait "tries left" 4; do
    ask=$(tui_screen | sed -n 's/.*\(Enter [^:]*:\).*/\1/p' | head -n 1)
    case "$ask" in
      *PW3*|*"reference 83"*) tui_keys 1 2 3 4 5 6 7 8 Enter ;;
      *) tui_keys 1 2 3 4 5 6 Enter ;;
    esac
    tui_wait_gone "$ask" 5
    n=$((n + 1))
  done
}

tui_start 150 40 -- --emu "$CARDS/yubikey-blank.card" --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "card.vsc"
tui_keys g j Enter
tui_expect "password asked" "Password for"
tui_keys "$(cat "$W/pw")" Enter
tui_expect "VSC unlocked" "Unlocked and verified" 20
tui_keys F6
tui_expect "card choice" "Card in vscemu 0"
tui_keys Enter
pin_if_asked
tui_expect "restore plan shown" "Plan:" 20
tui_expect "another model: the mapping is offered" "m maps the objects"
tui_expect "footer: Map: off" "Map: off"
tui_keys m
tui_wait "Mapping:" 5 || pin_if_asked
tui_expect "the mapping is shown" "Mapping:" 20
tui_expect "footer: Map: on" "Map: on"
tui_expect "the authentication key goes to PIV 9A" "3F00/5015/key-45                piv:9a"
tui_expect "the signature key goes to PIV 9C" "3F00/5015/key-46                piv:9c"
tui_expect "its certificate goes with it" "goes with its key"
# The cursor is on the first row, the authentication key.
tui_keys t
tui_expect "the target choice for the key" "Where 3F00/5015/key-45 goes"
tui_expect "PIV 9D is offered" "piv:9d"
tui_expect "none is offered" "none"
# Choose piv:9d in the list.
I=$(tui_screen | awk '/Where 3F00\/5015\/key-45 goes/ { s = 1; n = 0; next } s && /piv:|openpgp:|none/ { if ($0 ~ /piv:9d/) { print n; exit } n++ }')
t_check "piv:9d is in the list" '[ -n "$I" ]'
while [ "${I:-0}" -gt 0 ]; do tui_keys j; I=$((I - 1)); done
tui_keys Enter
tui_expect "the choice is taken" "goes to piv:9d; the plan is updated"
tui_expect "the key is marked as the user's choice" "3F00/5015/key-45               *piv:9d"
tui_expect "its certificate follows" "goes with its key"
tui_expect_not "nothing goes to 9A any more" "piv:9a "
tui_keys v
tui_expect "the node plan: 9D is created" "piv/key-9D"
tui_expect_not "no key for 9A in the plan" "piv/key-9A"
tui_expect "nothing written yet" "Nothing has been written yet"
tui_keys F5
# The mapped image has the token's shape: a blank card of its model.
tui_expect "confirmation: 4 objects onto the blank token" \
  "Write 4 objects to the blank card"
tui_keys y
pin_if_asked
tui_expect "restore finished" "Restore finished" 30
t_check "the 9D key was written (report)" \
  'tui_screen | grep -qE "piv/key-9D +written"'
t_check "the 9C key was written (report)" \
  'tui_screen | grep -qE "piv/key-9C +written"'
tui_expect_not "no write failed" "FAILED"
tui_keys F10
tui_expect "quits" "VSCMAN-EXIT=0"
