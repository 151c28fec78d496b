#!/bin/sh
# tests/tui/walk.sh - the whole manager walk on the in-process emulator:
# card tree, search, hex/TLV view, backup with PIN dialog and the
# password shown once, open the VSC, restore onto the blank card with
# the plan shown, diff, change the password, open without password.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman walk: backup, browse, restore, diff, password"

tui_start 120 40 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "start screen" "Readers (2) and cards (2)"

# Card tree of the populated card.
tui_keys Enter
tui_expect "card tree shows the MF" "known-fid" 30
tui_expect "MF in the tree" "3F00"
tui_expect "PKCS#15 DF with source" "pkcs15"
tui_expect "on-card key is marked" "not extractable"
# Esc stops a running background scan before it leaves the screen, and
# a backup started during the scan scans on after it: the two Escapes
# after the backup must find the scan over (slow sanitizer builds).
tui_expect "scan complete" "Scan complete" 60
tui_keys / 4 3 0 1 Enter
tui_keys Enter
tui_expect "view of a node: hex" "Hex and ASCII"
tui_expect "view title names the node" "3F00/5015/4301"
tui_keys Tab
tui_expect "view as decoded TLV" "Decoded TLV"
tui_keys Escape
tui_expect "back to the tree" "Node"

# Back up everything.
tui_keys F5
tui_expect "backup form" "New VSC file:"
tui_keys Enter
tui_expect "PIN dialog with retry counter" "3 tries left"
tui_keys 1 2 3 4 5 6 Enter
tui_expect "backup summary" "Backup complete" 30
tui_expect "missing nodes explained" "not extractable"
tui_keys Escape
tui_expect "cannot leave before the password was seen" "First write down the VSC password"
tui_keys w
tui_expect "password shown once" "I have written it down?"
PW=$(tui_screen | sed -n 's/.*Password: *\([A-Za-z0-9-]\{16,\}\).*/\1/p' | head -n 1)
t_check "a generated password was shown" '[ -n "$PW" ]'
tui_keys y
tui_wait_gone "I have written it down?" 5
tui_expect_not "password gone from the screen" "$PW"
tui_keys Escape
tui_keys Escape
tui_expect "back on the start screen" "Readers (2)"
VSC=$(ls "$TUI_VSCDIR"/*.vsc 2>/dev/null | head -n 1)
t_check "the VSC file exists" '[ -f "$VSC" ]'
t_check "VSC file mode 0600" '[ "$(stat -c %a "$VSC")" = 600 ]'
tui_expect "VSC listed on the start screen" "$(basename "$VSC")"

# The other side of a restore or a comparison is picked first: from the
# start screen (a VSC under the cursor: a card for it) and from the card
# screen (a VSC for this card, or anything to compare it with).
tui_keys g j j F6
tui_expect "start: card choice for the VSC" "Restore this VSC"
tui_expect "start: the cards offered" "Card in vscemu 1"
tui_keys Escape
tui_wait_gone "Restore this VSC" 5
tui_keys g Enter
tui_expect "card tree again" "known-fid" 30
tui_keys F6
tui_expect "card: VSC choice" "Restore onto this card"
tui_expect "card: the VSC offered" "VSC $VSC"
tui_keys Escape
tui_wait_gone "Restore onto this card" 5
tui_keys F7
tui_expect "card: what to compare with" "Compare this card with"
tui_expect "card: cards and VSCs offered" "Card in vscemu 1"
tui_keys G Enter
tui_expect "card: VSC password for the comparison" "Password for"
tui_keys Enter
tui_expect "card: compared with the VSC's public part" "A: card:vscemu 0" 30
tui_expect "card: ... B is the VSC" "B: $VSC"
tui_keys Escape
tui_expect "back in the card screen" "known-fid"
tui_keys Escape
tui_expect "back on the start screen" "Readers (2)"

# Open it with the password.
tui_keys g j j Enter
tui_expect "password asked" "Password for"
tui_keys "$PW" Enter
tui_expect "VSC unlocked and verified" "Unlocked and verified" 20
tui_expect "private node in the VSC" "private"
tui_expect "secret-key node in the VSC" "secret-key"

# Restore onto the blank card: plan first.
tui_keys F6
tui_expect "card choice" "Card in vscemu 1"
tui_keys j Enter
tui_expect "restore plan shown" "Plan:" 20
tui_expect "plan has creates" "create"
tui_expect "nothing written before confirming" "Nothing has been written yet"
tui_keys F5
tui_expect "typed confirmation for another model" "Type overwrite"
tui_keys o v e r w r i t e Enter
tui_expect "PIN of the target card" "tries left" 20
tui_keys 1 2 3 4 5 6 Enter
tui_expect "restore report" "verified" 30
tui_expect "restore finished" "Restore finished" 10
tui_keys Escape
tui_expect "back in the VSC" "Unlocked and verified"

# Diff the VSC with the restored card.
tui_keys F7
tui_expect "diff source choice" "Compare this VSC with"
tui_keys j Enter
tui_expect "diff shown" "Compare" 20
tui_expect "diff has A and B" "B: card:vscemu 1"
tui_wait "differences" 20 || tui_wait "No differences" 1
t_check "diff result shown" 'tui_screen | grep -qE "differences|No differences"'
tui_keys Escape

# Change the password (generated), then reopen with the new one.
tui_keys p
tui_expect "new password asked" "New password:"
tui_keys Enter
tui_expect "new password shown once" "I have written it down?" 20
PW2=$(tui_screen | sed -n 's/.*Password: *\([A-Za-z0-9-]\{16,\}\).*/\1/p' | head -n 1)
t_check "a new password was generated" '[ -n "$PW2" ] && [ "$PW2" != "$PW" ]'
tui_keys y
tui_expect "password changed" "Password changed"
tui_keys v
tui_expect "verify with the new password" "Verified: every byte is authentic"
tui_keys Escape
tui_expect "start screen again" "Readers (2)"
tui_keys g j j Enter
tui_expect "password asked again" "Password for"
tui_keys "$PW" Enter
tui_expect "old password refused" "Opening the VSC" 20
tui_expect "the refused VSC screen closed: start screen" "Readers (2)"
tui_keys g j j Enter
tui_expect "password asked once more" "Password for"
tui_keys "$PW2" Enter
tui_expect "new password opens it" "Unlocked and verified" 20

# Add a node, remove it again, export the public part.
tui_keys a
tui_expect "node path asked" "Node path"
tui_keys 3F00/5015/4410 Enter
tui_expect "content asked" "Content in hex"
tui_keys "48 65 6C 6C 6F" Enter
tui_expect "node stored" "Stored 3F00/5015/4410" 20
tui_expect "node in the tree" "4410"
tui_keys / 4 4 1 0 Enter Enter
tui_expect "added content viewable" "Hello"
tui_keys Escape x
tui_expect "remove asks" "Remove 3F00/5015/4410"
tui_keys y
tui_expect "node removed" "Removed 3F00/5015/4410" 20
tui_expect_not "node gone from the tree" "4410 "
tui_keys e
tui_expect "export file asked" "Write to file:"
tui_keys Enter
tui_expect "public part exported" "Public part written to" 20
t_check "public VSC file exists" 'ls "$TUI_VSCDIR"/*-public.vsc >/dev/null 2>&1'
tui_keys Escape

# Without a password: public part only, not verified.
tui_keys g j j Enter
tui_expect "password dialog" "Password for"
tui_keys Enter
tui_expect "public only, not verified" "NOT VERIFIED" 20
tui_expect_not "no private node without password" " private "
tui_keys Escape
# Esc at the password dialog: the VSC screen closes with it.
tui_keys g j j Enter
tui_expect "password dialog once more" "Password for"
tui_keys Escape
tui_wait_gone "Password for" 5
tui_expect "cancelled: back on the start screen" "Readers (2)"
t_check "no VSC screen left behind" '! tui_screen | grep -q "NOT VERIFIED\|Unlocked"'
tui_keys F10
tui_expect "quit" "VSCMAN-EXIT=0"
