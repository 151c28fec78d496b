## src/common: errors, buffers, BER-TLV, APDU codec, hex, log, i18n
libvscman_a_SOURCES += \
	src/common/i18n.h src/common/i18n.c \
	src/common/util.h src/common/util.c \
	src/common/error.h src/common/error.c \
	src/common/errctx.h src/common/errctx.c \
	src/common/array.h src/common/array.c \
	src/common/buffer.h src/common/buffer.c \
	src/common/tlv.h src/common/tlv.c \
	src/common/der.h src/common/der.c \
	src/common/pkcs15.h src/common/pkcs15.c \
	src/common/keyutil.h src/common/keyutil.c \
	src/common/pgp.h src/common/pgp.c \
	src/common/piv.h src/common/piv.c \
	src/common/apdu.h src/common/apdu.c \
	src/common/hex.h src/common/hex.c \
	src/common/log.h src/common/log.c \
	src/common/sanitize.h src/common/sanitize.c

## Unit tests of the common library.
check_PROGRAMS += tests/unit/test-error tests/unit/test-errctx tests/unit/test-array tests/unit/test-buffer \
	tests/unit/test-tlv tests/unit/test-der tests/unit/test-keyutil tests/unit/test-apdu tests/unit/test-hex \
	tests/unit/test-log tests/unit/test-sanitize
TESTS += tests/unit/test-error tests/unit/test-errctx tests/unit/test-array tests/unit/test-buffer \
	tests/unit/test-tlv tests/unit/test-der tests/unit/test-keyutil tests/unit/test-apdu tests/unit/test-hex \
	tests/unit/test-log tests/unit/test-sanitize
tests_unit_test_apdu_SOURCES = tests/unit/test-apdu.c tests/unit/fakecard.h
tests_unit_test_log_SOURCES = tests/unit/test-log.c tests/unit/fakecard.h

## libFuzzer targets (configure --enable-fuzzing, needs clang). Each has a
## seed corpus in tests/fuzz/corpus/<name>/ and a make check regression run
## through tests/fuzz/run-corpus.sh (generic: other targets reuse it).
EXTRA_DIST += tests/fuzz/run-corpus.sh \
	tests/fuzz/tlv.sh tests/fuzz/corpus/tlv \
	tests/fuzz/rapdu.sh tests/fuzz/corpus/rapdu
tests_fuzz_fuzz_tlv_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_tlv_LDADD = $(VSC_LIBS)
tests_fuzz_fuzz_rapdu_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rapdu_LDADD = $(VSC_LIBS)
if ENABLE_FUZZING
check_PROGRAMS += tests/fuzz/fuzz-tlv tests/fuzz/fuzz-rapdu
TESTS += tests/fuzz/tlv.sh tests/fuzz/rapdu.sh
endif
