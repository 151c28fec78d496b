/* cutest.h - the CUnit runner every unit test program uses
 *
 * A test file defines its tests and ends with
 *
 *   static const cutest_t tests[] = { CUTEST (test_foo), ..., CUTEST_END };
 *   int main (void) { return cutest_main ("tlv", tests, NULL, NULL); }
 *
 * cutest_main initialises libgcrypt, runs the suite with CUnit's basic
 * interface (verbose), prints CUnit's summary and then one line
 *   TOTALS: passed N failed M
 * that scripts/test adds up across all logs. Exit status 1 on failure. */
#ifndef VSC_CUTEST_H
#define VSC_CUTEST_H

#include <CUnit/CUnit.h>
#include <CUnit/Basic.h>

typedef struct cutest {
  const char *name;
  void (*fn) (void);
} cutest_t;

#define CUTEST(f) { #f, f }
#define CUTEST_END { NULL, NULL }

int cutest_main (const char *suite, const cutest_t *tests,
                 int (*init) (void), int (*cleanup) (void));

/* Directory of the source tree / build tree (from the test environment,
 * falling back to "." ), for test data such as tests/vectors. */
const char *cutest_srcdir (void);
const char *cutest_builddir (void);

#endif
