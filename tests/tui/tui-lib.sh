# tests/tui/tui-lib.sh - drive vscman in a private tmux server (sourced
# after tests/lib.sh). Every script gets its own socket (-L), so tests
# running in parallel never see each other's panes.
#
#   tui_start COLS ROWS [ENV=VALUE...] -- vscman args...
#   tui_keys KEY...                  tmux send-keys
#   tui_wait "text" [SECONDS]        wait until the pane shows the text
#   tui_wait_gone "text" [SECONDS]   wait until it does not any more
#   tui_screen                       print the pane
#   tui_expect "description" "text"  t_pass/t_failed on tui_wait

command -v tmux >/dev/null 2>&1 || t_skip "tmux is not installed"

TUI_BASE="vscman-tui-$$-$(basename "$0" .sh)"
TUI_N=0
TUI_SOCK="$TUI_BASE-0"
TUI_CFG="$T_TMP/config"
TUI_DATA="$T_TMP/data"
TUI_VSCDIR="$T_TMP/vsc"
mkdir -p "$TUI_CFG" "$TUI_DATA" "$TUI_VSCDIR"
CARDS="$top_srcdir/tests/cards"
VSCMAN="$top_builddir/vscman"
[ -x "$VSCMAN" ] || t_skip "vscman is not built"

# fd 9 is the vpcd lock (need_vpcd): the tmux server must not keep it.
tmux_ () { tmux -L "$TUI_SOCK" -f /dev/null "$@" 9>&-; }

tui_stop () { tmux_ kill-server >/dev/null 2>&1 || true; }
tui_stop_all () {
  local i=0
  while [ "$i" -le "$TUI_N" ]; do
    tmux -L "$TUI_BASE-$i" kill-server >/dev/null 2>&1 9>&- || true
    i=$((i + 1))
  done
}
t_on_exit tui_stop_all

# tui_start COLS ROWS [VAR=VALUE ...] -- ARGS...
tui_start () {
  local cols="$1" rows="$2" envs="" cmd
  shift 2
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs="$envs $1"; shift; done
  [ "${1:-}" = "--" ] && shift
  cmd="env XDG_CONFIG_HOME='$TUI_CFG' XDG_DATA_HOME='$TUI_DATA' TERM=${TUI_TERM:-xterm-256color} $envs '$VSCMAN'"
  for a in "$@"; do cmd="$cmd '$a'"; done
  tui_stop
  # A fresh server per start: a dying one cannot eat the new session.
  TUI_N=$((TUI_N + 1))
  TUI_SOCK="$TUI_BASE-$TUI_N"
  tmux_ new-session -d -x "$cols" -y "$rows" \
    "$cmd 2>'$T_TMP/vscman.err'; echo VSCMAN-EXIT=\$?; sleep 600"
  tmux_ set-option -g status off >/dev/null 2>&1 || true
}

# tui_start_cmd COLS ROWS "shell command" - run any command in the pane.
tui_start_cmd () {
  local cols="$1" rows="$2" cmd="$3"
  tui_stop
  TUI_N=$((TUI_N + 1))
  TUI_SOCK="$TUI_BASE-$TUI_N"
  tmux_ new-session -d -x "$cols" -y "$rows" \
    "$cmd 2>'$T_TMP/vscman.err'; echo VSCMAN-EXIT=\$?; sleep 600"
}

tui_keys () { tmux_ send-keys "$@"; }
tui_screen () { tmux_ capture-pane -p -J 2>/dev/null; }

# The last row of the pane (the footer) and the pane with attributes.
tui_last_line () { tmux_ capture-pane -p 2>/dev/null | tail -n 1; }
tui_screen_attrs () { tmux_ capture-pane -p -e 2>/dev/null; }
# Does the pane use colours (SGR 30-37/40-47/38;5/48;5)?
tui_has_colour () {
  tui_screen_attrs | grep -qE "$(printf '\033')\\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5|48;5)[;m]"
}

tui_wait () {
  local text="$1" secs="${2:-10}" i=0
  while [ "$i" -lt $((secs * 20)) ]; do
    if tui_screen | grep -qF -- "$text"; then return 0; fi
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}

tui_wait_gone () {
  local text="$1" secs="${2:-10}" i=0
  while [ "$i" -lt $((secs * 20)) ]; do
    if ! tui_screen | grep -qF -- "$text"; then return 0; fi
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}

# wait_grep PATTERN FILE [SECONDS]: bounded wait for a line in a file.
wait_grep () {
  local i=0
  while [ "$i" -lt $((${3:-5} * 20)) ]; do
    grep -q -- "$1" "$2" 2>/dev/null && return 0
    sleep 0.05
    i=$((i + 1))
  done
  return 1
}

tui_expect () {
  if tui_wait "$2" "${3:-10}"; then t_pass "$1"; else
    t_failed "$1 (no \"$2\" on the screen)"
    tui_screen | sed 's/^/    | /'
    [ -s "$T_TMP/vscman.err" ] && sed 's/^/    stderr: /' "$T_TMP/vscman.err"
  fi
}

tui_expect_not () {
  if tui_screen | grep -qF -- "$2"; then
    t_failed "$1 (\"$2\" is on the screen)"
    tui_screen | sed 's/^/    | /'
  else t_pass "$1"; fi
}

# The two emulated cards every walk uses.
TUI_EMU="--emu $CARDS/pkcs15.card --emu $CARDS/blank.card"

# tui_start_traced NAME COLS ROWS ARGS...: vscman under strace (the
# waits and reads of every thread into $TUI_TRACE) with its loop
# statistics in $TUI_STATS (VSCMAN_LOOP_STATS); for tui_quit_checked.
# LeakSanitizer cannot run under ptrace (it stops the program with exit 1
# at its end): in --enable-sanitizers builds the traced run checks
# everything but leaks; the untraced runs of the other tests check those.
tui_start_traced () {
  local name="$1" cols="$2" rows="$3" cmd a
  shift 3
  TUI_TRACE="$T_TMP/trace.$name"
  TUI_STATS="$T_TMP/stats.$name"
  rm -f "$TUI_TRACE" "$TUI_STATS"
  cmd="env XDG_CONFIG_HOME='$TUI_CFG' XDG_DATA_HOME='$TUI_DATA' TERM=xterm-256color VSCMAN_LOOP_STATS='$TUI_STATS' ASAN_OPTIONS='detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}' strace -f -tt -q -e trace=read,poll,ppoll,select,pselect6,epoll_wait,futex,nanosleep,clock_nanosleep -o '$TUI_TRACE' '$VSCMAN'"
  for a in "$@"; do cmd="$cmd '$a'"; done
  tui_start_cmd "$cols" "$rows" "$cmd"
}

# tui_quit_checked NAME: F10 quits (exit 0), and the way out waits for
# nothing: the loop does not poll() after the key and never polled with
# a timeout; after the last read of the terminal no wait runs into its
# timeout (poll/select "Timeout", futex ETIMEDOUT) and nothing sleeps.
# The milliseconds from the key to the exit are printed, not judged
# (make bench has them as a ratio).
tui_quit_checked () {
  local last
  tui_keys F10
  tui_expect "$1: F10 quits (exit 0)" "VSCMAN-EXIT=0" 20
  wait_grep "quit_key" "$TUI_STATS" 5
  t_check "$1: the loop did not poll after the quit key" \
    "grep -qx 'polls_after_quit 0' '$TUI_STATS'"
  t_check "$1: no timed poll in the loop" \
    "grep -qx 'timed_polls 0' '$TUI_STATS'"
  last=$(grep -n 'read(0, ' "$TUI_TRACE" | tail -n 1 | cut -d: -f1)
  t_check "$1: the quit key was read" '[ -n "$last" ]'
  tail -n +"${last:-1}" "$TUI_TRACE" > "$TUI_TRACE.exit"
  t_check "$1: no wait timed out on the way out" \
    "! grep -Eq '= 0 \(Timeout\)|ETIMEDOUT' '$TUI_TRACE.exit'"
  t_check "$1: no sleep on the way out" \
    "! grep -Eq '(^| )(nanosleep|clock_nanosleep)\(' '$TUI_TRACE.exit'"
  t_check "$1: the process exited" \
    "grep -q 'exited with 0' '$TUI_TRACE.exit'"
  echo "# $1: quit key to exit: $(sed -n 's/^quit_to_exit_ms //p' "$TUI_STATS") ms in the program (for information)"
}

# ---- the server and history screens ------------------------------------

# tui_vscd [VSCD ARGS...]: a private vscd on the socket $T_TMP/sock with
# the vault $T_TMP/vault, stopped by its PID at the end; S is its URL.
tui_vscd () {
  VSCD="$top_builddir/vscd"
  [ -x "$VSCD" ] || t_skip "vscd is not built"
  mkdir -p "$T_TMP/vault"
  "$VSCD" --socket "$T_TMP/sock" --vault "$T_TMP/vault" "$@" \
    2>"$T_TMP/vscd.log" &
  VSCD_PID=$!
  t_on_exit "kill $VSCD_PID 2>/dev/null"
  t_wait 50 test -S "$T_TMP/sock"
  t_check "vscd socket ready" '[ -S "$T_TMP/sock" ]'
  S="unix:$T_TMP/sock"
}

# tui_server_connect URL: from the start screen to the server screen,
# connected to URL.
tui_server_connect () {
  tui_keys G k k k k
  tui_expect "server action listed" "VSC server..."
  tui_keys Enter
  tui_expect "server URL asked" "Server (ssh://"
  tui_keys C-u "$1" Enter
  tui_expect "connected" "(connected)" 20
}

# tui_two_generations URL: a VSC backed up from the emulated PKCS#15 card
# (PIN 123456, password "history password" in $T_TMP/pw) stored on URL
# twice; generation 2 has the extra node 3F00/5099. Sets UUID; the two
# files are $T_TMP/g1.vsc and $T_TMP/g2.vsc.
tui_two_generations () {
  VSCTOOL="$top_builddir/vsctool"
  KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
  echo 123456 > "$T_TMP/pin"
  echo "history password" > "$T_TMP/pw"
  echo "new node" > "$T_TMP/node"
  mkdir -p "$T_TMP/work"
  "$VSCTOOL" backup --emu "$CARDS/pkcs15.card" --pin-file "$T_TMP/pin" \
    --password-file "$T_TMP/pw" $KDF --no-scan "$T_TMP/work/h.vsc" \
    > "$T_TMP/backup.out" 2>&1
  t_check "a VSC of the PKCS#15 card" '[ -s "$T_TMP/work/h.vsc" ]'
  UUID=$("$VSCTOOL" info --json "$T_TMP/work/h.vsc" \
           | sed -n 's/.*"uuid":"\([^"]*\)".*/\1/p')
  t_check "its UUID" '[ -n "$UUID" ]'
  cp "$T_TMP/work/h.vsc" "$T_TMP/g1.vsc"
  t_ok "stored on the server (generation 1)" \
    "$VSCTOOL" remote "$1" put --new "$UUID" "$T_TMP/work/h.vsc"
  t_ok "a node added" "$VSCTOOL" put --password-file "$T_TMP/pw" \
    "$T_TMP/work/h.vsc" 3F00/5099 "$T_TMP/node"
  t_ok "stored again (generation 2)" "$VSCTOOL" remote "$1" put -g 1 \
    "$UUID" "$T_TMP/work/h.vsc"
  cp "$T_TMP/work/h.vsc" "$T_TMP/g2.vsc"
  t_check "the generations differ" '! cmp -s "$T_TMP/g1.vsc" "$T_TMP/g2.vsc"'
}

# tui_history_listed: h on the server screen (the VSC of
# tui_two_generations under the cursor): both generations, newest first,
# stored by this account from a local process.
tui_history_listed () {
  tui_keys h
  tui_expect "history screen" "2 generations kept on the server" 20
  ME=$(id -un)
  t_check "generation 2 first, with who stored it" \
    'tui_screen | grep -E "^ +2 +[0-9]+ +[0-9-]+ [0-9:]+ +$ME \(local pid [0-9]+\)"'
  t_check "generation 1 below it" \
    'tui_screen | grep -E "^ +1 +[0-9]+ +[0-9-]+ [0-9:]+ +$ME \(local pid [0-9]+\)"'
}
