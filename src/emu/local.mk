## src/emu: the software card (ISO 7816-4 file system, applet slots,
## vpcd link).  Written from the standards; never uses src/agency.
libvscman_a_SOURCES += \
	src/emu/emu.h src/emu/emu-int.h src/emu/emu.c \
	src/emu/emu-fs.c src/emu/emu-cmd.c src/emu/emu-record.c \
	src/emu/emu-pin.c src/emu/emu-profile.c \
	src/emu/emu-vpcd.h src/emu/emu-vpcd.c \
	src/emu/emu-image.h src/emu/emu-image.c src/emu/emu-image-app.c \
	src/emu/applet.h src/emu/applet.c
## OpenPGP card 3.4 and PIV applets (applet-*.c), their key operations
## (emu-crypto.c, libgcrypt) and profile options (emu-appdata.c)
libvscman_a_SOURCES += \
	src/emu/emu-crypto.h src/emu/emu-crypto.c src/emu/emu-crypto-der.c \
	src/emu/emu-iso8.c \
	src/emu/emu-appdata.h src/emu/emu-appdata.c \
	src/emu/applet-openpgp.h src/emu/applet-openpgp.c \
	src/emu/applet-openpgp-attr.c src/emu/applet-openpgp-key.c \
	src/emu/applet-piv.c

## Unit tests: the card driven through emu_card_apdu.
check_PROGRAMS += tests/unit/test-emu tests/unit/test-emu-state
tests_unit_test_emu_SOURCES = tests/unit/test-emu.c tests/unit/emu-helper.h
tests_unit_test_emu_state_SOURCES = tests/unit/test-emu-state.c tests/unit/emu-helper.h
TESTS += tests/unit/test-emu tests/unit/test-emu-state
## Profile options modelling real cards (select=aid, select-template,
## unset PINs, latency), each against both behaviours.
check_PROGRAMS += tests/unit/test-emu-cards
tests_unit_test_emu_cards_SOURCES = tests/unit/test-emu-cards.c tests/unit/emu-helper.h
TESTS += tests/unit/test-emu-cards
EXTRA_DIST += tests/cards/pkcs15-aid.card tests/cards/pkcs15-nomf.card \
	tests/cards/pkcs15-fci.card
EXTRA_DIST += tests/cards/pkcs15.card tests/cards/blank.card \
	tests/cards/pkcs15/cert.der tests/cards/pkcs15/pubkey.der \
	tests/cards/mkpkcs15.py

## Integration: vscemu on pcscd/vpcd with independent clients (OpenSC,
## pcsc-tools); each test takes the vpcd lock (need_vpcd in tests/lib.sh).
TESTS += tests/emu/clients.sh tests/emu/state.sh tests/emu/remove.sh \
	tests/emu/vsc.sh tests/emu/vpcd-protocol.sh tests/emu/cards.sh
EXTRA_DIST += tests/emu/cards.sh
EXTRA_DIST += tests/unit/lsan-gcrypt.h tests/unit/rsa-bad.h
## vscemu --vsc of a PIV / OpenPGP VSC with escrowed keys: a stand-in token.
TESTS += tests/emu/standin-piv.sh tests/emu/standin-openpgp.sh
EXTRA_DIST += tests/emu/standin-piv.sh tests/emu/standin-openpgp.sh
EXTRA_DIST += tests/emu/clients.sh tests/emu/state.sh tests/emu/remove.sh \
	tests/emu/vsc.sh tests/emu/emu-lib.sh tests/emu/vpcd-protocol.sh \
	tests/emu/fake-vpcd.py
## OpenPGP / PIV applets with independent clients (gpg, openpgp-tool,
## yubico-piv-tool, pkcs15-tool, scriptor) over pcscd/vpcd.
TESTS += tests/emu-apps/openpgp.sh tests/emu-apps/piv.sh
EXTRA_DIST += tests/emu-apps/openpgp.sh tests/emu-apps/piv.sh tests/emu-apps/apps-lib.sh \
	tests/cards/mkapplets.py tests/cards/yubikey.card \
	tests/cards/openpgp.card tests/cards/piv.card \
	tests/cards/yubikey-blank.card tests/cards/openpgp-blank.card \
	tests/cards/canokey-blank.card \
	tests/cards/piv-blank.card
## Applet unit tests: OpenPGP and PIV driven through emu_card_apdu.
check_PROGRAMS += tests/unit/test-emu-openpgp
tests_unit_test_emu_openpgp_SOURCES = tests/unit/test-emu-openpgp.c \
	tests/unit/emu-helper.h tests/unit/emu-apps-helper.h
TESTS += tests/unit/test-emu-openpgp
check_PROGRAMS += tests/unit/test-emu-piv
tests_unit_test_emu_piv_SOURCES = tests/unit/test-emu-piv.c \
	tests/unit/emu-helper.h tests/unit/emu-apps-helper.h
TESTS += tests/unit/test-emu-piv
## The file-system card's key operations (ISO 7816-8): key files, MSE,
## PSO, INTERNAL AUTHENTICATE, IsoApplet answer, vscemu --vsc keys.
check_PROGRAMS += tests/unit/test-emu-iso8
tests_unit_test_emu_iso8_SOURCES = tests/unit/test-emu-iso8.c \
	tests/unit/emu-helper.h
TESTS += tests/unit/test-emu-iso8
## vscemu --vsc as a stand-in token: OpenPGP and PIV applets from a
## card image with escrowed keys and stored PINs (emu-image-app.c).
check_PROGRAMS += tests/unit/test-emu-standin
tests_unit_test_emu_standin_SOURCES = tests/unit/test-emu-standin.c \
	tests/unit/emu-helper.h
TESTS += tests/unit/test-emu-standin
## What real tokens do with security state (select-resets-security,
## applet-switch-powers-off), through emu_card_apdu.
check_PROGRAMS += tests/unit/test-emu-tokens
tests_unit_test_emu_tokens_SOURCES = tests/unit/test-emu-tokens.c \
	tests/unit/emu-helper.h tests/unit/emu-apps-helper.h
TESTS += tests/unit/test-emu-tokens
