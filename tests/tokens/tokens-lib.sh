# tests/tokens/tokens-lib.sh - what the independent clients say about the
# token in $VPCD_READER (sourced after tests/lib.sh, need_vpcd and
# opensc_conf).

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
