#!/bin/sh
# tests/emu/standin-openpgp.sh - vscemu --vsc of an OpenPGP card's VSC is
# a stand-in token: the populated OpenPGP card of tests/cards/openpgp.card
# (its three keys born on the card) is backed up, and a signature key
# (ed25519) and a decryption key (cv25519) are escrowed in the VSC by
# vsctool keygen. gpg --card-status of the stand-in shows the card's
# cardholder data, serial number and signature counter, and the escrowed
# keys with the fingerprints and dates keygen printed; gpg signs with the
# stand-in and the signature verifies with the escrowed key, and what is
# encrypted to the escrowed decryption key the stand-in decrypts. The
# authentication key, born on the card, is not there, and vscemu says so.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/emu/emu-lib.sh"
t_begin "vscemu --vsc: an OpenPGP VSC with escrowed keys as a stand-in token"
need_vpcd
t_lsan_gcrypt
t_need_tools gpg gpgconf
W="$T_TMP"
KDF="--kdf-memory 19456 --kdf-iterations 1 --kdf-parallelism 1"
CARD="$top_srcdir/tests/cards/openpgp.card"
CREATED=1700000100          # 2023-11-14 22:15:00 UTC
echo "stand-in password" > "$W/pw"
printf '82:123456\n83:12345678\n' > "$W/pins"
# The stand-in's PW1 is --pin (the VSC stores no PIN): the pinentry of
# the tests answers it.
INTEROP_PW1=24681357
export INTEROP_PW1

# gpg_status NAME: gpg --card-status (with keygrips) of the card in the
# reader, into $W/NAME.out, in a GnuPG home of its own ($W/NAME.gnupg).
gpg_status () {
  GH="$W/$1.gnupg"
  mkdir -m 700 "$GH"
  printf 'disable-ccid\npcsc-shared\nreader-port %s\n' "$VPCD_READER" \
    > "$GH/scdaemon.conf"
  printf 'pinentry-program %s\n' "$top_srcdir/tests/interop/pinentry" \
    > "$GH/gpg-agent.conf"
  t_on_exit "gpgconf --homedir '$GH' --kill all"
  # (scdaemon may find the reader busy right after the card appears.)
  for i in 1 2 3; do
    gpg --homedir "$GH" --batch --with-keygrip --card-status \
      > "$W/$1.out" 2>&1 && break
    gpgconf --homedir "$GH" --kill scdaemon
    sleep 1
  done
}
# The lines of the cardholder data, serial number and counters.
card_data () {
  grep -E '^(Application ID|Manufacturer|Serial number|Name of cardholder|Language prefs|Salutation|URL of public key|Login data|Private DO 1|Signature counter|Signature PIN)' "$1"
}

emu_start "$CARD"
gpg_status card
emu_stop
t_check "gpg reads the original card" \
  'grep -q "^Name of cardholder: Jane Doe" "$W/card.out"' || cat "$W/card.out"

vsctool backup --emu "$CARD" --pin-file "$W/pins" --password-file "$W/pw" \
  $KDF "$W/card.vsc" > "$W/backup.out" 2>&1
t_check "vsctool backup of the card" '[ -s "$W/card.vsc" ]' \
  || cat "$W/backup.out"
keygen () {  # NAME ARGS...
  n=$1; shift
  vsctool keygen --json --password-file "$W/pw" "$@" "$W/card.vsc" \
    > "$W/$n.json" 2> "$W/$n.err"
}
jfield () {  # NAME FIELD
  sed -n "s/.*\"$2\":\"\\([^\"]*\\)\".*/\\1/p" "$W/$1.json"
}
t_ok "keygen: an escrowed signature key (ed25519)" \
  keygen sig --openpgp sig --algo ed25519 --created $CREATED
t_ok "keygen: an escrowed decryption key (cv25519)" \
  keygen dec --openpgp dec --algo cv25519 --created $CREATED
FSIG=$(jfield sig fingerprint)
FDEC=$(jfield dec fingerprint)
t_check "keygen printed two fingerprints" '[ ${#FSIG} = 40 ] && [ ${#FDEC} = 40 ]'

# ---- the stand-in ----
vscemu --vpcd "$VPCD_PORT" --vsc "$W/card.vsc" --password-file "$W/pw" \
  --pin $INTEROP_PW1 --log "$W/vscemu.log" 2> "$W/standin.err" &
EMU_PID=$!
t_on_exit "emu_stop"
emu_wait_card present
t_check "vscemu: one applet, two escrowed keys" \
  'grep -q "1 applet(s) and 2 private key(s) presented" "$W/standin.err"' \
  || cat "$W/standin.err"
t_check "vscemu names the key born on the card" \
  'grep "no private key for" "$W/standin.err" | grep -q "openpgp/key-aut" && ! grep "no private key for" "$W/standin.err" | grep -qE "key-(sig|dec)"'
t_check "vscemu says where PW1 and PW3 come from" \
  'grep -q "OpenPGP PW1: the value of --pin" "$W/standin.err" && grep -q "OpenPGP PW3: 12345678 (factory default)" "$W/standin.err"'
t_check "no fingerprint differs from the VSC's" \
  '! grep -q "is not the one the VSC records" "$W/standin.err" "$W/vscemu.log"'
t_check "the PIN is not logged" \
  '! grep -q $INTEROP_PW1 "$W/standin.err" "$W/vscemu.log"'

gpg_status standin
t_check "gpg --card-status: the card's cardholder data, serial and counter" \
  '[ "$(card_data "$W/card.out" | wc -l)" -ge 10 ] && [ "$(card_data "$W/card.out")" = "$(card_data "$W/standin.out")" ] && grep -q "^Signature counter : 5" "$W/standin.out"' \
  || diff "$W/card.out" "$W/standin.out"
t_check "gpg --card-status: the escrowed signature key, fingerprint and date" \
  'grep -q "^Signature key ....: $(gpg_spaced $FSIG)" "$W/standin.out" && grep -A1 "^Signature key" "$W/standin.out" | grep -q "created ....: 2023-11-14 22:15:00"' \
  || cat "$W/standin.out"
t_check "gpg --card-status: the escrowed decryption key" \
  'grep -q "^Encryption key....: $(gpg_spaced $FDEC)" "$W/standin.out"'
t_check "gpg --card-status: no authentication key" \
  'grep -q "^Authentication key: \[none\]" "$W/standin.out"'

# An OpenPGP key from the stand-in's keys (by keygrip, at the date of
# the escrowed keys): gpg computes the escrowed fingerprints.
GH="$W/standin.gnupg"
gpg_card_key "$GH" "$W/standin.out" "$W/key"
t_check "gpg's key from the stand-in has the escrowed fingerprints" \
  'grep -q "^fpr:::::::::$FSIG:" "$W/key.keys" && grep -q "^fpr:::::::::$FDEC:" "$W/key.keys"' \
  || cat "$W/key.genkey" "$W/key.keys"
gpg_card_use "$GH" "$FSIG" "$FDEC" "$W"
t_check "gpg signs with the stand-in; the signature verifies with the escrowed key" \
  'grep -q "Good signature" "$W/verify.out" && grep -q "using EDDSA key $FSIG" "$W/verify.out"' \
  || cat "$W/sign.out" "$W/verify.out"
t_check "encrypted to the escrowed key, the stand-in decrypts" \
  'cmp -s "$W/msg" "$W/msg.dec"' || cat "$W/enc.out" "$W/dec.out"
gpgconf --homedir "$GH" --kill all
emu_stop

# A wrong --pin for the applet: too short for PW1, refused clearly.
vscemu --vpcd "$VPCD_PORT" --vsc "$W/card.vsc" --password-file "$W/pw" \
  --pin 1234 > "$W/short.out" 2>&1
rc=$?
t_check "--pin 1234 is refused for the OpenPGP applet (exit $rc)" \
  '[ $rc != 0 ] && grep -q "openpgp: --pin must have 6 to 127 characters" "$W/short.out"' \
  || cat "$W/short.out"

# A VSC that holds only escrowed keys (vsctool create + keygen, no
# backup: no ATR, no data objects) is a stand-in too, with an OpenPGP
# and a PIV applet; the card takes the extended-length commands gpg
# sends it.
vsctool create --password-file "$W/pw" $KDF "$W/keys.vsc" > /dev/null 2>&1
vsctool keygen --json --password-file "$W/pw" --openpgp sig --algo ed25519 \
  --created $CREATED "$W/keys.vsc" > "$W/k2.json" 2> "$W/k2.err"
vsctool keygen --password-file "$W/pw" --piv 9a --algo eccp256 \
  "$W/keys.vsc" > /dev/null 2>&1
FK=$(jfield k2 fingerprint)
vscemu --vpcd "$VPCD_PORT" --vsc "$W/keys.vsc" --password-file "$W/pw" \
  --log "$W/vscemu3.log" 2> "$W/keys.err" &
EMU_PID=$!
emu_wait_card present
t_check "vscemu: two applets, two escrowed keys" \
  'grep -q "2 applet(s) and 2 private key(s) presented" "$W/keys.err"' \
  || cat "$W/keys.err"
gpg_status keys
t_check "gpg --card-status of the keys-only VSC: the escrowed fingerprint" \
  '[ ${#FK} = 40 ] && grep -q "^Signature key ....: $(gpg_spaced $FK)" "$W/keys.out"' \
  || cat "$W/keys.out"
emu_stop
