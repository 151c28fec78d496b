#!/bin/sh
# tests/tui/kiosk.sh - kiosk mode: cannot be left (q, F10, Ctrl-C,
# Ctrl-Z), no typed file paths, idle timeout returns to the start
# screen and drops what was open.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman --kiosk"

mkdir -p "$TUI_CFG/vscman"
printf 'idle-timeout = 3\n' > "$TUI_CFG/vscman/settings"
tui_start 100 30 -- $TUI_EMU --kiosk --vsc-dir "$TUI_VSCDIR"
tui_expect "kiosk start screen" "[kiosk]"
tui_expect_not "no free file path in kiosk mode" "Open a VSC file"
tui_expect_not "no quit entry in kiosk mode" "Quit"
tui_keys q
tui_expect "q refused" "Kiosk mode: vscman cannot be left."
tui_keys F10
tui_expect "F10 refused" "Kiosk mode: vscman cannot be left."
tui_keys C-c
tui_expect "Ctrl-C ignored" "Kiosk mode: this key is disabled."
tui_keys C-z
tui_expect "Ctrl-Z ignored" "Kiosk mode: this key is disabled."
t_check "still running after q, F10, Ctrl-C, Ctrl-Z" '! tui_screen | grep -q VSCMAN-EXIT'

# The backup file name is fixed (typing does not change it).
tui_keys Enter
tui_expect "card tree in kiosk mode" "3F00" 30
tui_expect "narrow (100 columns) tree keeps the key flag" "no-extract" 30
tui_keys F5
tui_expect "backup form" "New VSC file:"
tui_keys x y z
t_check "file name not editable" '! tui_screen | grep -q "\.vscxyz"'
t_check "file is in the fixed directory" 'tui_screen | grep -qF "$TUI_VSCDIR/"'

# Idle: after 3 s without a key we are back on the start screen.
tui_expect "idle timeout returns to the start screen" "Idle timeout: returned to the start screen." 10
tui_expect "start screen after idle" "Readers (2) and cards (2)"
t_check "still running at the end" '! tui_screen | grep -q VSCMAN-EXIT'
pid=$(pgrep -P "$(tmux_ display-message -p '#{pane_pid}')" -x vscman || true)
if [ -n "$pid" ]; then
  kill -TERM "$pid"
  tui_expect "SIGTERM still ends a kiosk session" "VSCMAN-EXIT=0"
else
  t_failed "vscman process not found"
fi
