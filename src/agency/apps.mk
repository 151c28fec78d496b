## src/agency/apps.mk: the application agents (OpenPGP card, PIV), the
## escrowed keys agent (agent-keys.c) and their tests.
libvscman_a_SOURCES += \
	src/agency/agent-apps.h src/agency/agent-keys.c \
	src/agency/agent-openpgp.h src/agency/agent-openpgp.c \
	src/agency/agent-openpgp-write.c src/agency/agent-piv.c \
	src/agency/agent-app.h src/agency/agent-app.c

check_PROGRAMS += tests/unit/test-agent-apps
TESTS += tests/unit/test-agent-apps
TOKEN_TESTS = tests/tokens/clone-yubikey.sh tests/tokens/escrow-openpgp.sh \
	tests/tokens/clone-yubikey-keeping.sh \
	tests/tokens/clone-yubikey-dropping.sh \
	tests/tokens/escrow-openpgp-keeping.sh \
	tests/tokens/escrow-openpgp-dropping.sh
TESTS += $(TOKEN_TESTS)
EXTRA_DIST += $(TOKEN_TESTS) tests/tokens/tokens-lib.sh
