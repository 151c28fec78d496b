# tests/tokens/tokens-lib.sh - what the independent clients say about the
# token in $VPCD_READER (sourced after tests/lib.sh, need_vpcd and
# opensc_conf), and the token profiles in the mode under test.

# token_card NAME: the profile tests/cards/NAME.card as $TOKEN_MODE wants
# it: unset = as it is (the YubiKey-like profiles drop security state on
# SELECT as a YubiKey does, the others keep it); "keeping" = every
# security state survives every SELECT; "dropping" = every SELECT of an
# applet clears its own state and powers the others off.
token_card () {
  case "${TOKEN_MODE:-}" in
    keeping) tc_extra='select-resets-security no\napplet-switch-powers-off no' ;;
    dropping) tc_extra='select-resets-security yes\napplet-switch-powers-off yes' ;;
    *) echo "$top_srcdir/tests/cards/$1.card"; return 0 ;;
  esac
  tc_f="$T_TMP/$1-$TOKEN_MODE.card"
  if [ ! -f "$tc_f" ]; then
    cat "$top_srcdir/tests/cards/$1.card" > "$tc_f"
    printf "\n$tc_extra\n" >> "$tc_f"
  fi
  echo "$tc_f"
}

# client_outputs DIR: gpg --card-status, openpgp-tool,
# yubico-piv-tool -a status and pkcs15-tool -D into DIR/*.out.
client_outputs () {
  local d="$1" gh="$T_TMP/gnupg-$(basename "$1")"
  mkdir -p "$d"
  mkdir -m 700 "$gh"
  printf 'disable-ccid\npcsc-shared\nreader-port %s\n' "$VPCD_READER" \
    > "$gh/scdaemon.conf"
  gpg --homedir "$gh" --batch --card-status > "$d/gpg.out" 2>&1
  gpgconf --homedir "$gh" --kill all
  openpgp-tool -r "$VPCD_READER" > "$d/openpgp-tool.out" 2>&1
  yubico-piv-tool -r 'Virtual PCD' -a status > "$d/piv.out" 2>&1
  pkcs15-tool -r "$VPCD_READER" -D > "$d/pkcs15.out" 2>&1
}

# token_filter: drop the lines that name the reader, the serial number /
# application ID and the signature counter (they differ between two
# tokens by design).
token_filter () {
  grep -v -E '^(Reader|Application ID|Serial number|Signature counter|Using reader with a card|Serial Number|AID|Serial)' \
    | grep -v -E 'Serial number|Card serial|Virtual PCD|^ *serial' 
}
