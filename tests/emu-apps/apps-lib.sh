# tests/emu-apps/apps-lib.sh - helpers for the OpenPGP / PIV applet tests
# (sourced after tests/lib.sh and tests/emu/emu-lib.sh).

# apdus OUT APDU...: send hex APDUs in one scriptor session (T=1; no
# automatic GET RESPONSE: ask with extended Le for long answers).
apdus () {
  local out="$1"; shift
  printf '%s\n' "$@" | scriptor -r "$VPCD_READER" -p T=1 > "$out" 2>&1
}

# resp_all FILE N: "DATA... SW1 SW2" of the N-th APDU (1-based).
resp_all () {
  awk -v want="$2" '
    /^> / { n++; on = 0; next }
    /^< / { if (n == want) { on = 1; buf = substr($0, 3) }
            if (on && index($0, " : ")) on = 0; next }
    on { buf = buf " " $0; if (index($0, " : ")) on = 0 }
    END { i = index(buf, " : "); if (i) buf = substr(buf, 1, i - 1); print buf }' "$1"
}

# resp_hex FILE N: response data of the N-th APDU, upper hex.
resp_hex () {
  resp_all "$1" "$2" | awk '{ s = ""; for (i = 1; i <= NF - 2; i++) s = s $i; print s }'
}

# resp_sw FILE N: status word of the N-th APDU, like 9000 / 63C2.
resp_sw () {
  resp_all "$1" "$2" | awk '{ if (NF >= 2) print $(NF - 1) $NF }'
}

# hex2bin HEX > FILE
hex2bin () {
  printf '%s' "$1" | xxd -r -p
}

# rsa_pub_pem N_HEX E_HEX OUT.pem: an RSA public key from its numbers.
rsa_pub_pem () {
  cat > "$T_TMP/rsa.cnf" <<EOC
asn1=SEQUENCE:pub
[pub]
n=INTEGER:0x$1
e=INTEGER:0x$2
EOC
  openssl asn1parse -genconf "$T_TMP/rsa.cnf" -out "$T_TMP/rsa.der" >/dev/null &&
  openssl rsa -RSAPublicKey_in -inform DER -in "$T_TMP/rsa.der" -pubout \
    -out "$3" 2>/dev/null
}

# tlv_value HEX TAG: value of the first TLV with TAG (hex, e.g. 81 or
# 7F49) found by walking HEX from its start, entering 7F49 / 7C.
tlv_value () {
  printf '%s\n' "$1" | awk -v want="$2" '
    function hexv(s) { return index("0123456789ABCDEF", s) - 1 }
    function byte(i) { return hexv(substr(h, 2*i+1, 1)) * 16 + hexv(substr(h, 2*i+2, 1)) }
    { h = toupper($0); n = length(h) / 2; i = 0
      while (i < n) {
        t = substr(h, 2*i+1, 2); i++
        if (byte(i-1) % 32 == 31) { t = t substr(h, 2*i+1, 2); i++ }
        l = byte(i); i++
        if (l == 129) { l = byte(i); i++ }
        else if (l == 130) { l = byte(i) * 256 + byte(i+1); i += 2 }
        if (t == toupper(want)) { print substr(h, 2*i+1, 2*l); exit }
        if (t != "7F49" && t != "7C" && t != "6E" && t != "73" && t != "7A") i += l
      } }'
}
