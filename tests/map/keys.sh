# tests/map/keys.sh - sourced by the mapping tests (issue 17): the two
# key pairs they move from one card model to another, made by openssl.
#   map_keys DIR SUBJECT_AUTH SUBJECT_SIGN (e.g. "/CN=Jane Doe")
#     DIR/k1.pem k1.der c1.der: RSA 2048, certificate for SUBJECT_AUTH for
#       digitalSignature (the authentication key)
#     DIR/k2.pem k2.der c2.der: P-256, certificate for SUBJECT_SIGN for
#       digitalSignature and nonRepudiation (the signature key)
#   Keys are PKCS #8 DER (and PEM), certificates DER. Fails the test
#   (t_ok) when openssl fails.
#   map_pins FILE: the PIN file (PIV 80, OpenPGP 81-83, ISO 01) that the
#     restores of these tests answer with.
map_keys () {
  t_ok "openssl makes the authentication key and certificate" sh -c '
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
      -out "$1/k1.pem" 2>/dev/null &&
    openssl pkey -in "$1/k1.pem" -outform DER -out "$1/k1.der" &&
    openssl req -x509 -key "$1/k1.pem" -subj "$2" -days 365 \
      -addext "keyUsage=digitalSignature" -outform DER -out "$1/c1.der"' \
    sh "$1" "$2"
  t_ok "openssl makes the signature key and certificate" sh -c '
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -out "$1/k2.pem" 2>/dev/null &&
    openssl pkey -in "$1/k2.pem" -outform DER -out "$1/k2.der" &&
    openssl req -x509 -key "$1/k2.pem" -subj "$2" -days 365 \
      -addext "keyUsage=digitalSignature,nonRepudiation" -outform DER \
      -out "$1/c2.der"' sh "$1" "$3"
}

map_pins () {
  printf '01:123456\n80:123456\n81:12345678\n82:123456\n83:12345678\n' > "$1"
}
