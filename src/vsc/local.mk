## src/vsc: VSC control (component 8): file format, crypto, atomic store
libvscman_a_SOURCES += \
	src/vsc/vsc.h src/vsc/vsc-internal.h \
	src/vsc/vsc.c src/vsc/vsc-file.c src/vsc/vsc-crypto.c src/vsc/vsc-store.c

check_PROGRAMS += tests/unit/test-vsc
tests_unit_test_vsc_SOURCES = tests/unit/test-vsc.c
tests_unit_test_vsc_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_vsc_LDADD = $(CUTEST_LIBS)
TESTS += tests/unit/test-vsc
EXTRA_DIST += tests/vectors/vsc-v1.vsc tests/vectors/README-vsc.md

## vsctool commands on VSC files
vsctool_SOURCES += src/cli/cli-vsc.h src/cli/cli-vsc.c \
	src/cli/cmd-create.c src/cli/cmd-info.c src/cli/cmd-ls.c \
	src/cli/cmd-cat.c src/cli/cmd-put.c src/cli/cmd-rm.c \
	src/cli/cmd-passwd.c src/cli/cmd-verify.c src/cli/cmd-export-public.c

## shell tests of the VSC commands
TESTS += tests/vsc/cli.sh tests/vsc/kill9.sh
EXTRA_DIST += tests/vsc/cli.sh tests/vsc/kill9.sh
