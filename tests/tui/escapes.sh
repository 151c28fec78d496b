#!/bin/bash
# escapes.sh - text from a hostile VSC reaches the manager's screen only
# escaped (issue 13.10): the VSC screen shows the file's label, which
# holds terminal escape sequences and a line break.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman: terminal escapes from a VSC are shown escaped"
command -v python3 >/dev/null || t_skip "python3 is needed to make a hostile file"

python3 "$top_srcdir/tests/vsc/mkvsc.py" "$TUI_VSCDIR/hostile.vsc" \
  --label 'EVIL\x1b[2J\x1b]0;pwned\x07\nFAKE'
tui_start 140 30 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_wait hostile.vsc
# The VSC row, Enter, an empty password: the public area, not verified.
tui_keys Down Down Enter
tui_wait "Empty: open the public area"
tui_keys Enter
tui_expect "the label is shown with its escapes visible" \
  'EVIL\x1b[2J\x1b]0;pwned\x07\x0aFAKE'
t_check "... the line break too: FAKE appears only after its escape" \
  "[ \$(tui_screen | grep -c FAKE) = \$(tui_screen | grep -cF 'x0aFAKE') ]"
t_check "the terminal title was not set by the file" \
  "[ \"\$(tmux -L \"\$TUI_SOCK\" display -p '#{pane_title}' 9>&-)\" != pwned ]"
tui_keys q
