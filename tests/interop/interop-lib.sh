# tests/interop/interop-lib.sh - two independent tokens on vpcd for the
# interop flows (sourced after tests/lib.sh).
#
# The token is a command: "$VSC_INTEROP_TOKEN STATE PORT" runs one token
# in the foreground, attached to vpcd at 127.0.0.1:PORT (35963 = "Virtual
# PCD 00 00", 35964 = "Virtual PCD 00 01"), its state in the file STATE
# (absent = factory-fresh); killing it pulls the card. Under `make
# interop` (VSC_INTEROP_EXTERNAL=1) it must be given; under `make check`
# it defaults to tests/interop/vscemu-token, vscemu with the behaviours
# of real tokens turned on.

INTEROP_TOKEN=${VSC_INTEROP_TOKEN:-}
if [ -z "$INTEROP_TOKEN" ]; then
  if [ -n "${VSC_INTEROP_EXTERNAL:-}" ]; then
    t_skip "VSC_INTEROP_TOKEN is not set: give the command that runs a token, e.g. VSC_INTEROP_TOKEN=/path/to/token make interop (called as TOKEN STATE PORT)"
  fi
  INTEROP_TOKEN="$top_srcdir/tests/interop/vscemu-token"
fi
RA="Virtual PCD 00 00"
RB="Virtual PCD 00 01"
PORT_A=35963
PORT_B=35964
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
echo "# token: $INTEROP_TOKEN"

# interop_need TOOL...: skip unless every tool is installed.
interop_need () {
  for it_tool in "$@"; do
    command -v "$it_tool" >/dev/null 2>&1 || t_skip "$it_tool is not installed"
  done
}

# interop_reader NAME: the reader of token NAME (A or B ... by its port).
interop_reader () {
  eval "it_port=\$TOKPORT_$1"
  if [ "$it_port" = "$PORT_A" ]; then echo "$RA"; else echo "$RB"; fi
}

# interop_card_state READER: Yes / No as pcscd sees it.
interop_card_state () {
  opensc-tool -l 2>/dev/null | awk -v r="$1" 'index($0, r) { print $2; exit }'
}

interop_wait_card () {  # READER Yes|No
  it_i=0
  while [ "$(interop_card_state "$1")" != "$2" ] && [ $it_i -lt 150 ]; do
    sleep 0.1; it_i=$((it_i + 1))
  done
  [ "$(interop_card_state "$1")" = "$2" ]
}

# tok_start NAME PORT: start token NAME (state $T_TMP/NAME.state) and
# wait until its reader shows the card.
tok_start () {
  eval "TOKPORT_$1=$2"
  $INTEROP_TOKEN "$T_TMP/$1.state" "$2" >> "$T_TMP/$1.token.log" 2>&1 &
  eval "TOKPID_$1=$!"
  t_on_exit "tok_stop $1"
  interop_wait_card "$(interop_reader "$1")" Yes
}

# tok_stop NAME [SIGNAL]: pull the card (kill the token) and wait until
# pcscd has noticed.
tok_stop () {
  eval "it_pid=\${TOKPID_$1:-}"
  [ -n "$it_pid" ] || return 0
  kill "-${2:-TERM}" "$it_pid" 2>/dev/null
  wait "$it_pid" 2>/dev/null
  eval "TOKPID_$1="
  interop_wait_card "$(interop_reader "$1")" No
}

# gpg_home DIR READER: a GnuPG home that talks to READER through pcscd
# and answers PIN prompts with tests/interop/pinentry.
gpg_home () {
  mkdir -p -m 700 "$1"
  printf 'disable-ccid\npcsc-shared\nreader-port %s\n' "$2" > "$1/scdaemon.conf"
  printf 'pinentry-program %s\n' "$top_srcdir/tests/interop/pinentry" \
    > "$1/gpg-agent.conf"
}
gpg_done () { gpgconf --homedir "$1" --kill all 2>/dev/null; }

# verify_sw READER APPLET-AID-HEX REF DATA-HEX: the status word of VERIFY
# REF with DATA after SELECT of the applet, sent raw with scriptor (a
# driver like OpenSC's would select its own applet in between).
verify_sw () {
  it_sel=$(printf '00A40400%02X%s' $(( ${#2} / 2 )) "$2")
  it_ver=$(printf '002000%s%02X%s' "$3" $(( ${#4} / 2 )) "$4")
  printf '%s\n%s\n' "$it_sel" "$it_ver" |
    scriptor -r "$1" -p T=1 2>/dev/null |
    awk '/^< / { n++; if (n == 2) { s = substr($0, 3); i = index(s, " : ");
                   if (i) s = substr(s, 1, i - 1); k = split(s, f, " ");
                   print f[k - 1] f[k] } }' | tr 'a-f' 'A-F'
}
hexof () { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
unhex () {
  python3 -c 'import sys, binascii; sys.stdout.buffer.write(binascii.unhexlify(sys.argv[1]))' "$1"
}

# interop_clients DIR READER: what gpg --card-status, openpgp-tool,
# yubico-piv-tool -a status and pkcs15-tool -D say about the token.
interop_clients () {
  mkdir -p "$1"
  gpg_home "$1/gnupg" "$2"
  gpg --homedir "$1/gnupg" --batch --card-status > "$1/gpg.out" 2>&1
  gpg_done "$1/gnupg"
  openpgp-tool -r "$2" > "$1/openpgp-tool.out" 2>&1
  yubico-piv-tool -r "$2" -a status > "$1/piv.out" 2>&1
  pkcs15-tool -r "$2" -D > "$1/pkcs15.out" 2>&1
}

# interop_filter: drop the lines that differ between two tokens by design
# (reader name, application ID, serial numbers, signature counter), and
# gpg's notes about its own keybox.
interop_filter () {
  grep -v -E '^(Reader|Application ID|Serial number|Signature counter) *[.:]|^Using reader|Virtual PCD|^(AID|Serial|Serial Number)[ :]|^ *[Ss]erial( [Nn]umber)? *[:=]|keybox .* created'
}

# interop_populate READER: fill the token in READER as its owner would,
# with gpg --card-edit (name, URL, login data, language, salutation), a
# CA fingerprint and a certificate (gpg-connect-agent SCD SETATTR /
# WRITECERT), and yubico-piv-tool (certificates in 9A, 9C, 9D, CHUID,
# CCC, printed information). Each step is a check.
interop_populate () {
  ip_r=$1
  G="$T_TMP/gpg-pop"
  gpg_home "$G" "$ip_r"
  printf 'admin\nname\nDoe\nJane\nurl\nhttps://example.org/jane.asc\nlogin\njdoe\nlang\nen\nsex\nf\nquit\n' |
    gpg --homedir "$G" --batch --command-fd 0 --status-fd 2 --card-edit \
      > "$T_TMP/card-edit.out" 2>&1
  CAFPR=$(printf '%%%02X' $(seq 1 20) | tr -d ' ')
  gpg-connect-agent --homedir "$G" "SCD SETATTR CA-FPR-1 $CAFPR" /bye \
    > "$T_TMP/setattr.out" 2>&1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -keyout "$T_TMP/pgp.key" -subj "/CN=Jane Doe OpenPGP card" \
    -days 3650 -outform DER -out "$T_TMP/pgp.der" 2>/dev/null
  gpg-connect-agent --homedir "$G" "/definqfile CERTDATA $T_TMP/pgp.der" \
    "SCD WRITECERT OPENPGP.3" /bye > "$T_TMP/writecert.out" 2>&1
  gpg_done "$G"
  t_check "gpg wrote the cardholder data, a CA fingerprint and the certificate" \
    'grep -q "SC_OP_SUCCESS" "$T_TMP/card-edit.out" && ! grep -q "^ERR" "$T_TMP/setattr.out" "$T_TMP/writecert.out"'
  for ip_s in 9a 9c 9d; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
      -nodes -keyout "$T_TMP/key-$ip_s.pem" -subj "/CN=PIV slot $ip_s" \
      -days 3650 -out "$T_TMP/cert-$ip_s.pem" 2>/dev/null
    t_ok "yubico-piv-tool imports a certificate into $ip_s" \
      yubico-piv-tool -r "$ip_r" -a import-certificate -s $ip_s \
        -i "$T_TMP/cert-$ip_s.pem"
  done
  t_ok "yubico-piv-tool sets a CHUID" yubico-piv-tool -r "$ip_r" -a set-chuid
  t_ok "yubico-piv-tool sets a CCC" yubico-piv-tool -r "$ip_r" -a set-ccc
  # printed information: name, affiliation, expiry, serial, issuer (the
  # tool wraps the file in 53)
  printf '\001\010Jane Doe\002\007Example\004\0112030JAN01\005\00412ab\006\007Example\376\000' \
    > "$T_TMP/printed.bin"
  t_ok "yubico-piv-tool writes the printed information" \
    yubico-piv-tool -r "$ip_r" -a write-object --id 0x5FC109 -f binary \
      -i "$T_TMP/printed.bin"
}
