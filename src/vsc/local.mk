## src/vsc: VSC control (component 8): file format, crypto, atomic store
libvscman_a_SOURCES += \
	src/vsc/vsc.h src/vsc/vsc-internal.h \
	src/vsc/vsc.c src/vsc/vsc-file.c src/vsc/vsc-header.c src/vsc/vsc-node.c \
	src/vsc/vsc-crypto.c src/vsc/vsc-store.c

check_PROGRAMS += tests/unit/test-vsc
TESTS += tests/unit/test-vsc
check_PROGRAMS += tests/unit/test-vsc-node
TESTS += tests/unit/test-vsc-node
EXTRA_DIST += tests/vectors/vsc-v1.vsc tests/vectors/vsc-v1-notes.vsc \
	tests/vectors/README-vsc.md

## shell tests of the VSC commands
TESTS += tests/vsc/cli.sh tests/vsc/kill9.sh tests/vsc/hardening.sh
EXTRA_DIST += tests/vsc/cli.sh tests/vsc/kill9.sh tests/vsc/hardening.sh \
	tests/vsc/mkvsc.py
