/* test-errctx.c - the error context of a thread */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>
#include <pthread.h>
#include "cutest.h"
#include "common/errctx.h"

static void
test_clear_set (void)
{
  errctx_clear ();
  CU_ASSERT_STRING_EQUAL (errctx_text (), "");
  CU_ASSERT_EQUAL (errctx_get ()->area, -1);
  CU_ASSERT_EQUAL (errctx_get ()->code, 0);
  errctx_set ("%s: %d", "reading", 7);
  CU_ASSERT_STRING_EQUAL (errctx_text (), "reading: 7");
  errctx_set ("again");
  CU_ASSERT_STRING_EQUAL (errctx_text (), "again");
  errctx_get ()->area = 3;
  errctx_clear ();
  CU_ASSERT_STRING_EQUAL (errctx_text (), "");
  CU_ASSERT_EQUAL (errctx_get ()->area, -1);
}

static void
test_set_from_itself (void)
{
  /* An outer layer wraps the inner sentence. */
  errctx_clear ();
  errctx_set ("private area: altered");
  errctx_set ("cannot create %s: %s", "x.vsc", errctx_text ());
  CU_ASSERT_STRING_EQUAL (errctx_text (),
                          "cannot create x.vsc: private area: altered");
}

static void
test_first (void)
{
  errctx_clear ();
  CU_ASSERT_TRUE (errctx_set_first ("inner %d", 1));
  CU_ASSERT_FALSE (errctx_set_first ("outer"));
  CU_ASSERT_STRING_EQUAL (errctx_text (), "inner 1");
}

static void
test_note (void)
{
  errctx_clear ();
  errctx_note (gpg_error (GPG_ERR_NO_AUTH), "3F00/5015/4401", 0x6982);
  errctx_note (gpg_error (GPG_ERR_CARD), "3F00", 0x6F00);
  CU_ASSERT_EQUAL (gpg_err_code (errctx_get ()->code), GPG_ERR_NO_AUTH);
  CU_ASSERT_STRING_EQUAL (errctx_get ()->path, "3F00/5015/4401");
  CU_ASSERT_EQUAL (errctx_get ()->sw, 0x6982);
  errctx_clear ();
  errctx_note (0, NULL, 0);
  errctx_note (gpg_error (GPG_ERR_EIO), NULL, 0x6581);
  CU_ASSERT_EQUAL (gpg_err_code (errctx_get ()->code), GPG_ERR_EIO);
  CU_ASSERT_STRING_EQUAL (errctx_get ()->path, "");
  CU_ASSERT_EQUAL (errctx_get ()->sw, 0x6581);
}

static void
test_message (void)
{
  gpg_error_t err = gpg_error (GPG_ERR_ENOENT);

  errctx_clear ();
  CU_ASSERT_STRING_EQUAL (errctx_message (err), gpg_strerror (err));
  errctx_set ("no such node");
  CU_ASSERT_STRING_EQUAL (errctx_message (err), "no such node");
}

static void
test_long (void)
{
  char big[3000];

  memset (big, 'a', sizeof big - 1);
  big[sizeof big - 1] = 0;
  errctx_clear ();
  errctx_set ("%s", big);
  CU_ASSERT_EQUAL (strlen (errctx_text ()), ERRCTX_TEXT_MAX - 1);
  errctx_note (0, big, 0);
  CU_ASSERT_EQUAL (strlen (errctx_get ()->path), ERRCTX_PATH_MAX - 1);
}

static void *
test_thread_run (void *arg)
{
  char *seen = arg;

  /* A new thread starts without a failure, and its own sentence stays
   * its own. */
  snprintf (seen, 64, "%s|%d", errctx_text (), errctx_get ()->area);
  errctx_set ("worker failed");
  return NULL;
}

static void
test_threads (void)
{
  pthread_t t;
  char seen[64] = "";

  errctx_clear ();
  errctx_set ("main failed");
  CU_ASSERT_EQUAL_FATAL (pthread_create (&t, NULL, test_thread_run, seen), 0);
  pthread_join (t, NULL);
  CU_ASSERT_STRING_EQUAL (seen, "|-1");
  CU_ASSERT_STRING_EQUAL (errctx_text (), "main failed");
}

static const cutest_t tests[] = {
  CUTEST (test_clear_set),
  CUTEST (test_set_from_itself),
  CUTEST (test_first),
  CUTEST (test_note),
  CUTEST (test_message),
  CUTEST (test_long),
  CUTEST (test_threads),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("errctx", tests, NULL, NULL);
}
