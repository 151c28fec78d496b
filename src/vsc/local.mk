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

## libFuzzer target of the VSC parser (configure --enable-fuzzing)
EXTRA_DIST += tests/fuzz/fuzz-vsc.c tests/fuzz/vsc.sh tests/fuzz/corpus/vsc
tests_fuzz_fuzz_vsc_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_vsc_LDADD = $(VSC_LIBS)
if ENABLE_FUZZING
check_PROGRAMS += tests/fuzz/fuzz-vsc
TESTS += tests/fuzz/vsc.sh
endif

## make bench: VSC throughput vs raw AES-256-GCM, save, KDF, create, cat RSS
noinst_PROGRAMS += bench/vsc-bench
bench_vsc_bench_SOURCES = bench/vsc-bench.c
bench_vsc_bench_LDADD = $(VSC_LIBS)
BENCHES += bench/vsc-bench
