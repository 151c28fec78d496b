## tests/: the shared harness. Components add their own tests in their
## local.mk, for example:
##   check_PROGRAMS += tests/unit/test-tlv
##   tests_unit_test_tlv_SOURCES = tests/unit/test-tlv.c
##   tests_unit_test_tlv_LDADD = $(CUTEST_LIBS)
##   TESTS += tests/unit/test-tlv
## Shell tests: TESTS += tests/integration/foo.sh (they source tests/lib.sh).
noinst_LIBRARIES += libcutest.a
libcutest_a_SOURCES = tests/unit/cutest.h tests/unit/cutest.c
libcutest_a_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
CUTEST_LIBS = libcutest.a $(VSC_LIBS) $(CUNIT_LIBS)
EXTRA_DIST += tests/lib.sh

check_PROGRAMS += tests/unit/test-util
tests_unit_test_util_SOURCES = tests/unit/test-util.c
tests_unit_test_util_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_util_LDADD = $(CUTEST_LIBS)
TESTS += tests/unit/test-util

TESTS += tests/integration/programs.sh tests/integration/locale.sh \
	tests/integration/layers.sh \
	tests/integration/completion.sh
EXTRA_DIST += tests/integration/programs.sh tests/integration/locale.sh \
	tests/integration/layers.sh \
	tests/integration/completion.sh
