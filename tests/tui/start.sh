#!/bin/sh
# tests/tui/start.sh - the start screen: both emulated cards, live
# insert/remove (F8, emulator only), resize to 80x24 and 200x60,
# NO_COLOR / monochrome, TERM=vt100 and TERM=linux, quitting restores
# the terminal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/tui/tui-lib.sh"
t_begin "vscman start screen"

tui_start 100 30 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "title shown" "Smart card manager"
tui_expect "two readers, two cards" "Readers (2) and cards (2)"
tui_expect "populated card identified (pkcs15 agent)" "pkcs15+iso7816"
tui_expect "blank card identified" "(blank)"
tui_expect "footer with F-keys" "F5 Backup"

# Remove the card of the second reader (cursor on reader 0, j moves).
tui_keys j F8
tui_expect "removal shown live" "Readers (2) and cards (1)"
tui_expect "reader shows no card" "(no card)"
tui_keys F8
tui_expect "insertion shown live" "Readers (2) and cards (2)"
tui_wait_gone "(no card)" 5
tui_expect_not "no empty reader after insertion" "(no card)"

# Resize to the minimum and to a big terminal.
tui_has_colour
t_check "colours used on a colour terminal" "[ $? -eq 0 ]"
tmux_ resize-window -x 80 -y 24
tui_expect "80x24 still shows the readers" "vscemu 1"
sleep 0.3
t_check "80x24: footer redrawn on the new last row" 'tui_last_line | grep -q "Enter Open"'
tui_expect_not "80x24 is not too small" "Terminal too small"
tmux_ resize-window -x 200 -y 60
tui_expect "200x60 redraws" "Readers (2) and cards (2)"
sleep 0.3
t_check "200x60: footer on row 60 shows all keys" 'tui_last_line | grep -q "F10 Quit"'
t_check "200x60: 60 rows" '[ "$(tmux_ capture-pane -p | wc -l)" -eq 60 ]' 
tmux_ resize-window -x 60 -y 20
tui_expect "smaller than 80x24 says so" "Terminal too small"
tmux_ resize-window -x 100 -y 30

# Help and back.
tui_keys '?'
tui_expect "help screen" "Everywhere (arrows or j/k move"
tui_keys Escape
tui_expect "back from help" "Readers (2)"

# The log view (F9) shows what happened (the monitor's reader events at
# level debug are not needed: identification is logged at info).
tui_keys F9
tui_expect "log view" "lines, level"
tui_keys Escape
tui_expect "back from the log" "Readers (2)"

# Settings are saved under $XDG_CONFIG_HOME/vscman and survive a restart.
tui_keys s
tui_expect "settings screen" "ASCII line drawing"
tui_keys Enter
tui_expect "saved where XDG_CONFIG_HOME says" "Saved in $TUI_CFG/vscman/settings"
t_check "settings file written" 'wait_grep "^ascii = yes" "$TUI_CFG/vscman/settings"'
tui_keys Enter
t_check "setting toggled back" 'wait_grep "^ascii = no" "$TUI_CFG/vscman/settings"'
tui_keys Escape

# Quit: exit status 0.
tui_keys F10
tui_expect "quit with F10 exits 0" "VSCMAN-EXIT=0"

# Monochrome and other terminals: the same text, no colour escapes needed.
for term in vt100 linux; do
  TUI_TERM=$term tui_start 80 24 NO_COLOR=1 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
  tui_expect "TERM=$term NO_COLOR: start screen" "Readers (2) and cards (2)"
  t_check "TERM=$term NO_COLOR: no colours" '! tui_has_colour' 
  tui_keys q
  tui_expect "TERM=$term: q quits" "VSCMAN-EXIT=0"
done

# ASCII line drawing with --ascii: boxes use + - |.
tui_start 100 30 LANG=C -- $TUI_EMU --vsc-dir "$TUI_VSCDIR" --ascii
tui_expect "ascii start" "Readers (2)"
tui_keys F6
tui_expect "ascii box" "+- Restore onto this card"
tui_keys Escape
tui_keys F10
tui_expect "ascii quit" "VSCMAN-EXIT=0"

# SIGTERM restores the terminal and exits.
tui_start 100 30 -- $TUI_EMU --vsc-dir "$TUI_VSCDIR"
tui_expect "started again" "Readers (2)"
pid=$(pgrep -P "$(tmux_ display-message -p '#{pane_pid}')" -x vscman || true)
if [ -n "$pid" ]; then
  kill -TERM "$pid"
  tui_expect "SIGTERM ends vscman cleanly" "VSCMAN-EXIT=0"
else
  t_failed "vscman process not found"
fi
