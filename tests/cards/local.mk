## tests/cards/: the sample card profiles are installed for vscemu
## (PKGDATADIR/cards, see vscemu(1)); they are in EXTRA_DIST already
## (src/emu/local.mk), this only installs them.
cardsdir = $(pkgdatadir)/cards
cards_DATA = tests/cards/pkcs15.card tests/cards/blank.card \
	tests/cards/openpgp.card tests/cards/openpgp-blank.card \
	tests/cards/piv.card tests/cards/piv-blank.card \
	tests/cards/yubikey.card tests/cards/yubikey-blank.card
## pkcs15.card reads these (content=@pkcs15/...), relative to itself.
cardspkcs15dir = $(cardsdir)/pkcs15
cardspkcs15_DATA = tests/cards/pkcs15/cert.der tests/cards/pkcs15/pubkey.der
