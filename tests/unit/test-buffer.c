/* test-buffer.c - growable buffers and bounds-checked readers */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdint.h>
#include "cutest.h"
#include "common/buffer.h"
#include <gcrypt.h>
#include "common/util.h"

static void
test_append_grow (void)
{
  buf_t b = BUF_INIT;
  size_t i;
  for (i = 0; i < 1000; i++)
    CU_ASSERT_EQUAL_FATAL (buf_append_byte (&b, (uint8_t)i), 0);
  CU_ASSERT_EQUAL (b.len, 1000);
  CU_ASSERT_TRUE (b.cap >= 1000);
  for (i = 0; i < 1000; i++)
    CU_ASSERT_EQUAL_FATAL (b.data[i], (uint8_t)i);
  CU_ASSERT_EQUAL (buf_append_be16 (&b, 0x1234), 0);
  CU_ASSERT_EQUAL (buf_append_be32 (&b, 0xA1B2C3D4u), 0);
  CU_ASSERT_EQUAL (memcmp (b.data + 1000, "\x12\x34\xA1\xB2\xC3\xD4", 6), 0);
  buf_free (&b);
  CU_ASSERT_PTR_NULL (b.data);
  CU_ASSERT_EQUAL (b.len, 0);
  CU_ASSERT_EQUAL (b.cap, 0);
}

static void
test_self_append (void)
{
  buf_t b = BUF_INIT;
  size_t i;
  CU_ASSERT_EQUAL (buf_append (&b, "abcdefgh", 8), 0);
  /* Force growth while appending part of itself. */
  for (i = 0; i < 5; i++)
    CU_ASSERT_EQUAL_FATAL (buf_append (&b, b.data, b.len), 0);
  CU_ASSERT_EQUAL (b.len, 8 * 32);
  for (i = 0; i < b.len; i++)
    CU_ASSERT_EQUAL_FATAL (b.data[i], "abcdefgh"[i % 8]);
  CU_ASSERT_EQUAL (buf_set (&b, b.data + 2, 3), 0);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (memcmp (b.data, "cde", 3), 0);
  buf_free (&b);
}

static void
test_truncate_wipes (void)
{
  buf_t b = BUF_INIT;
  CU_ASSERT_EQUAL (buf_set (&b, "secretpin", 9), 0);
  buf_truncate (&b, 3);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (memcmp (b.data, "sec", 3), 0);
  /* The tail is wiped, not just forgotten. */
  CU_ASSERT_EQUAL (memcmp (b.data + 3, "\0\0\0\0\0\0", 6), 0);
  buf_truncate (&b, 10);        /* longer: no-op */
  CU_ASSERT_EQUAL (b.len, 3);
  buf_clear (&b);
  CU_ASSERT_EQUAL (b.len, 0);
  CU_ASSERT_EQUAL (b.data[0], 0);
  buf_free (&b);
}

static void
test_secure (void)
{
  buf_t b;
  uint8_t *p;
  size_t len;
  buf_init_secure (&b);
  CU_ASSERT_TRUE (b.secure);
  CU_ASSERT_EQUAL (buf_append (&b, "123456", 6), 0);
  CU_ASSERT_TRUE (gcry_is_secure (b.data));
  CU_ASSERT_EQUAL (buf_reserve (&b, 5000), 0);  /* regrow stays secure */
  CU_ASSERT_TRUE (gcry_is_secure (b.data));
  CU_ASSERT_EQUAL (memcmp (b.data, "123456", 6), 0);
  p = buf_steal (&b, &len);
  CU_ASSERT_PTR_NOT_NULL_FATAL (p);
  CU_ASSERT_EQUAL (len, 6);
  CU_ASSERT_PTR_NULL (b.data);
  CU_ASSERT_TRUE (b.secure);
  xfree_secure (p);
  buf_free (&b);
  CU_ASSERT_TRUE (b.secure);
}

static void
test_steal_empty (void)
{
  buf_t b = BUF_INIT;
  size_t len = 99;
  uint8_t *p = buf_steal (&b, &len);
  CU_ASSERT_PTR_NOT_NULL (p);
  CU_ASSERT_EQUAL (len, 0);
  xfree (p);
}

static void
test_overflow (void)
{
  buf_t b = BUF_INIT;
  CU_ASSERT_EQUAL (buf_append (&b, "ab", 2), 0);
  CU_ASSERT_EQUAL (gpg_err_code (buf_reserve (&b, SIZE_MAX)), GPG_ERR_ENOMEM);
  CU_ASSERT_EQUAL (gpg_err_code (buf_reserve (&b, SIZE_MAX - 1)), GPG_ERR_ENOMEM);
  CU_ASSERT_EQUAL (b.len, 2);
  CU_ASSERT_EQUAL (memcmp (b.data, "ab", 2), 0);
  buf_free (&b);
}

static void
test_reader (void)
{
  const uint8_t d[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
  bufr_t r;
  uint8_t u8, cp[3];
  unsigned u16;
  uint32_t u32;
  const uint8_t *p;

  bufr_init (&r, d, sizeof d);
  CU_ASSERT_EQUAL (bufr_left (&r), 9);
  CU_ASSERT_EQUAL (bufr_u8 (&r, &u8), 0);
  CU_ASSERT_EQUAL (u8, 1);
  CU_ASSERT_EQUAL (bufr_be16 (&r, &u16), 0);
  CU_ASSERT_EQUAL (u16, 0x0203);
  CU_ASSERT_EQUAL (bufr_be32 (&r, &u32), 0);
  CU_ASSERT_EQUAL (u32, 0x04050607u);
  CU_ASSERT_EQUAL (bufr_left (&r), 2);
  /* Too short: error, position unchanged. */
  CU_ASSERT_EQUAL (gpg_err_code (bufr_be32 (&r, &u32)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (bufr_copy (&r, cp, 3)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (bufr_skip (&r, 3)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (bufr_bytes (&r, SIZE_MAX, &p)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (bufr_left (&r), 2);
  CU_ASSERT_EQUAL (bufr_bytes (&r, 2, &p), 0);
  CU_ASSERT_EQUAL (p[0], 8);
  CU_ASSERT_EQUAL (bufr_left (&r), 0);
  CU_ASSERT_EQUAL (gpg_err_code (bufr_u8 (&r, &u8)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (bufr_be16 (&r, &u16)), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (bufr_skip (&r, 0), 0);
}

/* buf_reserve doubles from 32; buf_reserve_exact takes what is asked
 * (at least one byte); both keep the bytes and do nothing with room. */
static void
test_reserve (void)
{
  buf_t b = BUF_INIT;
  uint8_t *before;

  CU_ASSERT_EQUAL_FATAL (buf_reserve_exact (&b, 0), 0);
  CU_ASSERT_EQUAL (b.cap, 1);
  CU_ASSERT_EQUAL_FATAL (buf_reserve_exact (&b, 5), 0);
  CU_ASSERT_EQUAL (b.cap, 5);
  CU_ASSERT_EQUAL_FATAL (buf_append (&b, "abc", 3), 0);
  CU_ASSERT_EQUAL (b.cap, 5);
  CU_ASSERT_EQUAL_FATAL (buf_reserve_exact (&b, 10), 0);
  CU_ASSERT_EQUAL (b.cap, 13);
  CU_ASSERT_EQUAL (memcmp (b.data, "abc", 3), 0);
  before = b.data;
  CU_ASSERT_EQUAL (buf_reserve_exact (&b, 10), 0);
  CU_ASSERT_PTR_EQUAL (b.data, before);
  CU_ASSERT_EQUAL_FATAL (buf_reserve (&b, 11), 0);
  CU_ASSERT_EQUAL (b.cap, 32);
  CU_ASSERT_EQUAL_FATAL (buf_reserve (&b, 40), 0);
  CU_ASSERT_EQUAL (b.cap, 64);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (memcmp (b.data, "abc", 3), 0);
  buf_free (&b);
}

static void
test_printf (void)
{
  buf_t b = BUF_INIT, sec;
  char big[3001];

  /* Appended after what is there, no NUL counted. */
  CU_ASSERT_EQUAL (buf_append (&b, "ab", 2), 0);
  CU_ASSERT_EQUAL (buf_printf (&b, "%s=%04X %zu", "fid", 0x3F00u,
                               (size_t)7), 0);
  CU_ASSERT_EQUAL (b.len, 12);
  CU_ASSERT_EQUAL (memcmp (b.data, "abfid=3F00 7", 12), 0);
  /* Empty text: nothing appended. */
  CU_ASSERT_EQUAL (buf_printf (&b, "%s", ""), 0);
  CU_ASSERT_EQUAL (b.len, 12);
  /* Text of any length, not cut at some fixed size. */
  memset (big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  buf_clear (&b);
  CU_ASSERT_EQUAL (buf_printf (&b, "<%s>", big), 0);
  CU_ASSERT_EQUAL (b.len, 3002);
  CU_ASSERT_EQUAL (b.data[0], '<');
  CU_ASSERT_EQUAL (b.data[1500], 'x');
  CU_ASSERT_EQUAL (b.data[3001], '>');
  buf_free (&b);
  /* A secure buffer stays secure. */
  buf_init_secure (&sec);
  CU_ASSERT_EQUAL (buf_printf (&sec, "pin %u", 123456u), 0);
  CU_ASSERT_EQUAL (sec.len, 10);
  CU_ASSERT (sec.secure);
  CU_ASSERT (gcry_is_secure (sec.data));
  buf_free (&sec);
}

static const cutest_t tests[] = {
  CUTEST (test_append_grow),
  CUTEST (test_self_append),
  CUTEST (test_truncate_wipes),
  CUTEST (test_secure),
  CUTEST (test_steal_empty),
  CUTEST (test_overflow),
  CUTEST (test_reader),
  CUTEST (test_reserve),
  CUTEST (test_printf),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("buffer", tests, NULL, NULL);
}
