## tests/: the shared harness. Components add their own tests in their
## local.mk, for example:
##   check_PROGRAMS += tests/unit/test-tlv
##   TESTS += tests/unit/test-tlv
## A CUnit program's defaults: its source is tests/unit/test-tlv.c, it
## links $(CUTEST_LIBS) (LDADD below) and compiles with $(CUNIT_CFLAGS)
## (in AM_CFLAGS); write tests_unit_test_tlv_SOURCES, _CFLAGS or _LDADD
## only for more than that (another source, a library of its own).
## Every other program names its _LDADD.
## Shell tests: TESTS += tests/integration/foo.sh (they source tests/lib.sh).
noinst_LIBRARIES += libcutest.a
libcutest_a_SOURCES = tests/unit/cutest.h tests/unit/cutest.c
CUTEST_LIBS = libcutest.a $(VSC_LIBS) $(CUNIT_LIBS)
LDADD = $(CUTEST_LIBS)
AM_CFLAGS += $(CUNIT_CFLAGS)
EXTRA_DIST += tests/lib.sh

check_PROGRAMS += tests/unit/test-util
TESTS += tests/unit/test-util

TESTS += tests/integration/programs.sh tests/integration/locale.sh \
	tests/integration/layers.sh \
	tests/integration/completion.sh
EXTRA_DIST += tests/integration/programs.sh tests/integration/locale.sh \
	tests/integration/layers.sh \
	tests/integration/completion.sh
