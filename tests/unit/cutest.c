/* cutest.c - CUnit runner with a machine-readable totals line */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include "cutest.h"
#include "common/util.h"

const char *
cutest_srcdir (void)
{
  const char *s = getenv ("top_srcdir");
  return s && *s ? s : ".";
}

const char *
cutest_builddir (void)
{
  const char *s = getenv ("top_builddir");
  return s && *s ? s : ".";
}

int
cutest_main (const char *suite, const cutest_t *tests, int (*init) (void),
             int (*cleanup) (void))
{
  CU_pSuite s;
  unsigned run, failed;
  const cutest_t *t;

  if (util_init_gcrypt ())
    {
      fprintf (stderr, "cannot initialise libgcrypt\n");
      return 99;
    }
  if (CU_initialize_registry () != CUE_SUCCESS)
    return 99;
  s = CU_add_suite (suite, init, cleanup);
  if (!s)
    return 99;
  for (t = tests; t->name; t++)
    if (!CU_add_test (s, t->name, t->fn))
      return 99;
  CU_basic_set_mode (CU_BRM_VERBOSE);
  CU_basic_run_tests ();
  run = CU_get_number_of_tests_run ();
  failed = CU_get_number_of_tests_failed ();
  if (CU_get_number_of_suites_failed ())  /* init failed: count all */
    {
      failed = 0;
      for (t = tests; t->name; t++)
        failed++;
      run = failed;
    }
  printf ("\nTOTALS: passed %u failed %u\n", run - failed, failed);
  CU_cleanup_registry ();
  return failed ? 1 : 0;
}
