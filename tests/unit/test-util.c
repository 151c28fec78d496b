/* test-util.c - allocation, wiping and comparison helpers */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdint.h>
#include <errno.h>
#include <unistd.h>
#include "cutest.h"
#include "common/util.h"

static void
test_ct_memequal (void)
{
  CU_ASSERT_TRUE (ct_memequal ("abcd", "abcd", 4));
  CU_ASSERT_FALSE (ct_memequal ("abcd", "abce", 4));
  CU_ASSERT_FALSE (ct_memequal ("\x80zzz", "\x00zzz", 4));
  CU_ASSERT_TRUE (ct_memequal ("", "x", 0));
}

static void
test_wipememory (void)
{
  uint8_t b[32];
  size_t i;
  memset (b, 0xA5, sizeof b);
  wipememory (b + 4, 20);
  for (i = 0; i < sizeof b; i++)
    CU_ASSERT_EQUAL (b[i], (i >= 4 && i < 24) ? 0 : 0xA5);
}

static void
test_secure_alloc (void)
{
  char *s = xtrystrdup_secure ("correct horse");
  CU_ASSERT_PTR_NOT_NULL_FATAL (s);
  CU_ASSERT_STRING_EQUAL (s, "correct horse");
  xfree_secure (s);
  xfree_secure (NULL);
}

static void
test_calloc_overflow (void)
{
  CU_ASSERT_PTR_NULL (xtrycalloc (SIZE_MAX / 2, 4));
}

static void
test_be (void)
{
  uint8_t b[4];
  put_be32 (b, 0x01020304);
  CU_ASSERT_EQUAL (b[0], 1);
  CU_ASSERT_EQUAL (b[3], 4);
  CU_ASSERT_EQUAL (get_be32 (b), 0x01020304);
  put_be16 (b, 0xBEEF);
  CU_ASSERT_EQUAL (get_be16 (b), 0xBEEF);
}

static void
test_secret_set (void)
{
  uint8_t *v = NULL;
  size_t n = 0;

  CU_ASSERT_EQUAL (xsecret_set (&v, &n, "123456", 6), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (n, 6);
  CU_ASSERT_EQUAL (memcmp (v, "123456", 6), 0);
  CU_ASSERT_EQUAL (xsecret_set (&v, &n, "12345678", 8), 0);
  CU_ASSERT_EQUAL (n, 8);
  CU_ASSERT_EQUAL (memcmp (v, "12345678", 8), 0);
  CU_ASSERT_EQUAL (xsecret_set (&v, &n, NULL, 0), 0);
  CU_ASSERT_PTR_NOT_NULL (v);   /* an empty secret still has a block */
  CU_ASSERT_EQUAL (n, 0);
  xfree_secure (v);
}

static void
test_copies (void)
{
  char *s;
  uint8_t *b;
  uint8_t *v = NULL;
  size_t n = 0;

  s = xtrystrndup ("3F00/5015", 4);
  CU_ASSERT_PTR_NOT_NULL_FATAL (s);
  CU_ASSERT_STRING_EQUAL (s, "3F00");
  xfree (s);
  s = xtrystrndup ("", 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (s);
  CU_ASSERT_STRING_EQUAL (s, "");
  xfree (s);
  b = xtrymemdup ("\x00\x01\x02", 3);
  CU_ASSERT_PTR_NOT_NULL_FATAL (b);
  CU_ASSERT_EQUAL (memcmp (b, "\x00\x01\x02", 3), 0);
  xfree (b);
  /* Ordinary memory: an empty copy is NULL. */
  CU_ASSERT_EQUAL (xbytes_set (&v, &n, "abc", 3), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (n, 3);
  CU_ASSERT_EQUAL (memcmp (v, "abc", 3), 0);
  CU_ASSERT_EQUAL (xbytes_set (&v, &n, "defgh", 5), 0);
  CU_ASSERT_EQUAL (n, 5);
  CU_ASSERT_EQUAL (memcmp (v, "defgh", 5), 0);
  CU_ASSERT_EQUAL (xbytes_set (&v, &n, NULL, 0), 0);
  CU_ASSERT_PTR_NULL (v);
  CU_ASSERT_EQUAL (n, 0);
}

static void
test_read_write_all (void)
{
  int fds[2];
  uint8_t out[3000], in[4000];
  size_t i, got = 99;

  for (i = 0; i < sizeof out; i++)
    out[i] = (uint8_t)(i * 7);
  CU_ASSERT_EQUAL_FATAL (pipe (fds), 0);
  CU_ASSERT_EQUAL (util_write_all (fds[1], out, sizeof out), 0);
  close (fds[1]);
  /* Up to the end of the data: fewer bytes than asked for, no error. */
  CU_ASSERT_EQUAL (util_read_full (fds[0], in, sizeof in, &got), 0);
  CU_ASSERT_EQUAL (got, sizeof out);
  CU_ASSERT_EQUAL (memcmp (in, out, sizeof out), 0);
  CU_ASSERT_EQUAL (util_read_full (fds[0], in, sizeof in, &got), 0);
  CU_ASSERT_EQUAL (got, 0);
  close (fds[0]);
  /* Errors are errors. */
  CU_ASSERT_EQUAL (gpg_err_code (util_write_all (fds[1], out, 1)),
                   GPG_ERR_EBADF);
  CU_ASSERT_EQUAL (gpg_err_code (util_read_full (fds[0], in, 1, &got)),
                   GPG_ERR_EBADF);
  CU_ASSERT_EQUAL (util_write_all (fds[1], out, 0), 0);   /* nothing */
}

static const cutest_t tests[] = {
  CUTEST (test_ct_memequal),
  CUTEST (test_wipememory),
  CUTEST (test_secure_alloc),
  CUTEST (test_calloc_overflow),
  CUTEST (test_be),
  CUTEST (test_secret_set),
  CUTEST (test_copies),
  CUTEST (test_read_write_all),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("util", tests, NULL, NULL);
}
