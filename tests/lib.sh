# tests/lib.sh - helpers for shell tests (sourced).
#
#   . "$top_srcdir/tests/lib.sh"
#   t_begin "what this script tests"
#   t_ok   "description" command args...   # passes if the command exits 0
#   t_fail "description" command args...   # passes if it exits non-zero
#   t_check "description" test-expression  # passes if `eval` is true
#   ...
#   (at exit the script prints "TOTALS: passed N failed M" and exits 1
#    if anything failed)
#
# Services: need_vpcd takes the vpcd lock (one test at a time uses the
# virtual reader), makes sure pcscd with the vpcd driver answers, and
# exits 77 (skip) when it cannot - or 1 under CI, where a skip is a failure.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir
PATH="$top_builddir:$PATH"
export PATH

T_PASSED=0
T_FAILED=0
# A test must never run with an empty T_TMP: its files would land in /.
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vsctest.XXXXXX") && [ -d "$T_TMP" ] || {
  echo "cannot make a temporary directory in ${TMPDIR:-/tmp}"
  echo "TOTALS: passed 0 failed 1"
  exit 99
}
T_CLEANUP=""

t_begin () { echo "# $*"; }

t_pass () { T_PASSED=$((T_PASSED + 1)); echo "PASS: $*"; }
t_failed () { T_FAILED=$((T_FAILED + 1)); echo "FAIL: $*"; }

# t_ok, t_fail and t_check return non-zero when the check failed, so
# that `t_check ... || cat "$T_TMP/out"` shows why.
t_ok () {
  local d="$1"; shift
  if "$@" >"$T_TMP/out" 2>&1; then t_pass "$d"; else
    t_failed "$d (exit $?: $*)"; sed 's/^/    /' "$T_TMP/out" | tail -n 20
    return 1; fi
}

t_fail () {
  local d="$1"; shift
  if "$@" >"$T_TMP/out" 2>&1; then
    t_failed "$d (unexpected success: $*)"; sed 's/^/    /' "$T_TMP/out" | tail -n 20
    return 1
  else t_pass "$d"; fi
}

t_check () {
  local d="$1"; shift
  if eval "$*"; then t_pass "$d"; else t_failed "$d ($*)"; return 1; fi
}

# Register a cleanup command (run in reverse order at exit).
t_on_exit () { T_CLEANUP="$*; $T_CLEANUP"; }

t_skip () {
  echo "SKIP: $*" >&2
  if [ "${CI:-}" = true ]; then
    echo "FAIL: skipped under CI: $*"
    T_FAILED=$((T_FAILED + 1))
    exit 1
  fi
  T_SKIPPED=1
  exit 77
}

t_finish () {
  local rc=$?
  eval "$T_CLEANUP" 2>/dev/null
  rm -rf "$T_TMP"
  if [ -n "${T_SKIPPED:-}" ]; then exit 77; fi
  echo "TOTALS: passed $T_PASSED failed $T_FAILED"
  if [ "$T_FAILED" -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ]; }; then
    [ "$T_FAILED" -eq 0 ] && echo "TOTALS: passed 0 failed 1 (script exited $rc)"
    exit 1
  fi
  exit 0
}
trap t_finish EXIT

# Is pcscd answering with the vpcd readers?
vpcd_readers_visible () {
  opensc-tool -l 2>/dev/null | grep -q 'Virtual PCD'
}

# Take the vpcd lock and make sure pcscd + vpcd are usable.
need_vpcd () {
  command -v pcscd >/dev/null 2>&1 || t_skip "pcscd is not installed (apt-get install pcscd vsmartcard-vpcd)"
  [ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] || t_skip "vsmartcard-vpcd is not installed"
  exec 9>"${TMPDIR:-/tmp}/vscman-vpcd.lock"
  flock 9
  if ! vpcd_readers_visible; then
    t_skip "no pcscd with the vpcd readers is running (scripts/test starts one as root)"
  fi
  VPCD_PORT=${VPCD_PORT:-35963}
  VPCD_READER=${VPCD_READER:-"Virtual PCD 00 00"}
}

# t_need_tools TOOL...: skip the test when one of the programs is not
# installed.
t_need_tools () {
  for t_tool in "$@"; do
    command -v "$t_tool" >/dev/null 2>&1 || t_skip "$t_tool is not installed"
  done
}

# t_wait TENTHS COMMAND...: run COMMAND every tenth of a second until it
# succeeds, at most TENTHS times; its status is the last run's.
t_wait () {
  t_wait_n=$1
  shift
  while ! "$@"; do
    t_wait_n=$((t_wait_n - 1))
    [ "$t_wait_n" -gt 0 ] || return 1
    sleep 0.1
  done
}

# t_lsan_gcrypt: in sanitizer builds, tell LeakSanitizer about the
# entropy pool libgcrypt keeps from the first key generation until exit
# (by design; not a leak of ours).
t_lsan_gcrypt () {
  printf 'leak:libgcrypt.so\n' > "$T_TMP/lsan.supp"
  LSAN_OPTIONS="suppressions=$T_TMP/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  export LSAN_OPTIONS
}

# OpenSC config that enables the default driver for unknown ATRs.
opensc_conf () {
  cat > "$T_TMP/opensc.conf" <<EOC
app default {
  enable_default_driver = true;
}
EOC
  OPENSC_CONF="$T_TMP/opensc.conf"
  export OPENSC_CONF
}

# gpg_spaced HEX: a 40-digit fingerprint as gpg --card-status prints it.
gpg_spaced () {
  echo "$1" | sed 's/\(....\)/\1 /g; s/ $//; s/\(.\{24\}\) /\1  /'
}

# gpg_grip FILE KEY: the keygrip that gpg --card-status --with-keygrip
# (its output in FILE) shows under "KEY key" (Signature, Encryption,
# Authentication); empty if none.
gpg_grip () {
  awk -v k="^$2 key" '$0 ~ k { s = 1; next } s && /keygrip/ { print $NF; exit }' "$1"
}

# gpg_card_use HOME SIG DEC DIR: with the card in the GnuPG home HOME,
# sign DIR/msg with the key SIG and verify the signature (gpg's answers
# in DIR/sign.out, DIR/verify.out), then encrypt DIR/msg to the key DEC
# and decrypt it with the card into DIR/msg.dec (DIR/enc.out,
# DIR/dec.out).
gpg_card_use () {
  echo "a message for the card" > "$4/msg"
  gpg --homedir "$1" --batch --yes -u "$2" --sign -o "$4/msg.gpg" \
    "$4/msg" > "$4/sign.out" 2>&1
  gpg --homedir "$1" --batch --verify "$4/msg.gpg" > "$4/verify.out" 2>&1
  gpg --homedir "$1" --batch --yes --trust-model always -r "$3" \
    --encrypt -o "$4/msg.enc" "$4/msg" > "$4/enc.out" 2>&1
  gpg --homedir "$1" --batch --yes --decrypt -o "$4/msg.dec" "$4/msg.enc" \
    > "$4/dec.out" 2>&1
}

# gpg_card_key HOME STATUS OUT: in the GnuPG home HOME, the OpenPGP key
# (Jane Doe, created 2023-11-14 22:15:00, the date of the escrowed test
# keys) around the card's EdDSA signature key and its cv25519 encryption
# key, found by their keygrips in STATUS (gpg --card-status
# --with-keygrip). gpg's answer goes to OUT.genkey, the key list with
# fingerprints to OUT.keys.
gpg_card_key () {
  cat > "$3.params" <<EOP
%no-protection
Key-Type: 22
Key-Grip: $(gpg_grip "$2" Signature)
Key-Usage: sign
Subkey-Type: 18
Subkey-Grip: $(gpg_grip "$2" Encryption)
Subkey-Usage: encrypt
Name-Real: Jane Doe
Name-Email: jane@example.org
Expire-Date: 0
Creation-Date: 20231114T221500
%commit
EOP
  gpg --homedir "$1" --batch --gen-key "$3.params" > "$3.genkey" 2>&1
  gpg --homedir "$1" --with-colons --list-keys > "$3.keys" 2>&1
}
