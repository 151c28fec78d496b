## src/remote: vscd protocol, vault, server and client (claim 11)
libvscman_a_SOURCES += \
	src/remote/proto.h src/remote/proto.c \
	src/remote/vault.h src/remote/vault.c src/remote/vault-be.h \
	src/remote/vault-dir.h src/remote/vault-dir.c \
	src/remote/server.h src/remote/server.c \
	src/remote/client.h src/remote/client.c

vsctool_SOURCES += src/cli/cmd-remote.c

## CUnit: frame codec, name validation, vault CAS (incl. a fork race), URLs.
check_PROGRAMS += tests/unit/test-remote
tests_unit_test_remote_SOURCES = tests/unit/test-remote.c
tests_unit_test_remote_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_remote_LDADD = $(CUTEST_LIBS)
TESTS += tests/unit/test-remote

## Shell tests (tests/remote/frames.py is the raw-frame client they use).
TESTS += tests/remote/frames.sh tests/remote/socket.sh \
	tests/remote/authz.sh tests/remote/kill9.sh tests/remote/ssh.sh
EXTRA_DIST += tests/remote/lib-remote.sh tests/remote/frames.py \
	tests/remote/frames.sh tests/remote/socket.sh tests/remote/authz.sh \
	tests/remote/kill9.sh tests/remote/ssh.sh

## vsctool backup --remote (src/cli/cmd-backup.c) against vscd --socket
## and, as root, over ssh.
TESTS += tests/remote/backup-remote.sh
EXTRA_DIST += tests/remote/backup-remote.sh

## libFuzzer target for the frame/request parser and the server loop.
EXTRA_DIST += tests/fuzz/fuzz-frame.c tests/fuzz/frame.sh tests/fuzz/corpus/frame
tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz-frame.c
tests_fuzz_fuzz_frame_CFLAGS = $(AM_CFLAGS)
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_frame_LDADD = $(VSC_LIBS)
if ENABLE_FUZZING
check_PROGRAMS += tests/fuzz/fuzz-frame
TESTS += tests/fuzz/frame.sh
endif

## Documentation.
dist_man_MANS += doc/vscd.8
EXTRA_DIST += doc/vscd-protocol.md

## make bench: get+put round trips through vscd --socket vs. a plain cat.
noinst_PROGRAMS += bench/vscd-roundtrip
bench_vscd_roundtrip_SOURCES = bench/vscd-roundtrip.c
bench_vscd_roundtrip_LDADD = $(VSC_LIBS)
BENCHES += bench/vscd-roundtrip
