## src/agency/apps.mk: the application agents (OpenPGP card, PIV), key
## escrow (vsctool keygen) and their tests.
libvscman_a_SOURCES += \
	src/agency/agent-apps.h src/agency/agent-keys.c \
	src/agency/agent-openpgp.c src/agency/agent-piv.c \
	src/scapi/scapi-keys.h src/scapi/scapi-keys.c

vsctool_SOURCES += src/cli/cmd-keygen.c
