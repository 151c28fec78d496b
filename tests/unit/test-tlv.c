/* test-tlv.c - strict BER-TLV parsing and building, malformed input */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdlib.h>
#include "cutest.h"
#include "common/tlv.h"
#include "common/util.h"

#define P(s) ((const uint8_t *)(s)), (sizeof (s) - 1)

static gpg_err_code_t
parse_code (const uint8_t *p, size_t n)
{
  tlv_t t;
  return gpg_err_code (tlv_parse (p, n, &t, NULL));
}

static void
test_parse_simple (void)
{
  tlv_t t;
  size_t used = 0;
  CU_ASSERT_EQUAL (tlv_parse (P ("\x4F\x03\xA0\x00\x01\xEE"), &t, &used), 0);
  CU_ASSERT_EQUAL (t.tag, 0x4F);
  CU_ASSERT_FALSE (t.constructed);
  CU_ASSERT_EQUAL (t.tag_class, 1);
  CU_ASSERT_EQUAL (t.len, 3);
  CU_ASSERT_EQUAL (t.value[0], 0xA0);
  CU_ASSERT_EQUAL (used, 5);
  CU_ASSERT_EQUAL (t.raw_len, 5);
}

static void
test_parse_multibyte_tags (void)
{
  tlv_t t;
  CU_ASSERT_EQUAL (tlv_parse (P ("\x5F\x2D\x02" "en"), &t, NULL), 0);
  CU_ASSERT_EQUAL (t.tag, 0x5F2D);
  CU_ASSERT_EQUAL (t.len, 2);
  CU_ASSERT_EQUAL (tlv_parse (P ("\x7F\x49\x00"), &t, NULL), 0);
  CU_ASSERT_EQUAL (t.tag, 0x7F49);
  CU_ASSERT_TRUE (t.constructed);
  CU_ASSERT_EQUAL (t.tag_class, 1);
  CU_ASSERT_EQUAL (tlv_parse (P ("\x5F\xC1\x02\x01\xAA"), &t, NULL), 0);
  CU_ASSERT_EQUAL (t.tag, 0x5FC102);
  CU_ASSERT_EQUAL (t.len, 1);
  /* 4-byte tag: maximum accepted. */
  CU_ASSERT_EQUAL (tlv_parse (P ("\xDF\x81\x82\x03\x00"), &t, NULL), 0);
  CU_ASSERT_EQUAL (t.tag, 0xDF818203u);
  CU_ASSERT_EQUAL (t.tag_class, 3);
  CU_ASSERT_EQUAL (t.len, 0);
  /* 5-byte tag: refused. */
  CU_ASSERT_EQUAL (parse_code (P ("\xDF\x81\x82\x83\x04\x00")), GPG_ERR_INV_TAG);
  CU_ASSERT_EQUAL (parse_code (P ("\xDF\x81\x82\x83")), GPG_ERR_INV_TAG);
}

static void
test_parse_truncated (void)
{
  CU_ASSERT_EQUAL (parse_code (NULL, 0), GPG_ERR_EOF);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F")), GPG_ERR_TOO_SHORT);  /* no length */
  CU_ASSERT_EQUAL (parse_code (P ("\x5F")), GPG_ERR_TOO_SHORT);  /* tag cut */
  CU_ASSERT_EQUAL (parse_code (P ("\x5F\x81")), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x03\x01\x02")), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x81")), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x82\x01")), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x84\x00\x00\x00")), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x81\x80")), GPG_ERR_TOO_SHORT);
}

static void
test_parse_lengths (void)
{
  tlv_t t;
  uint8_t *big;
  size_t n = 4 + 65536;

  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x80\x00\x00")), GPG_ERR_INV_LENGTH);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x85\x00\x00\x00\x00\x01\x00")),
                   GPG_ERR_INV_LENGTH);
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\xFF")), GPG_ERR_INV_LENGTH);
  /* 4-byte length that would wrap a 32-bit pointer sum. */
  CU_ASSERT_EQUAL (parse_code (P ("\x4F\x84\xFF\xFF\xFF\xFF\x00")),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (tlv_parse (P ("\x4F\x81\x01\xAB"), &t, NULL), 0);
  CU_ASSERT_EQUAL (t.len, 1);  /* non-minimal long form is tolerated */
  CU_ASSERT_EQUAL (tlv_parse (P ("\x4F\x00"), &t, NULL), 0);
  CU_ASSERT_EQUAL (t.len, 0);
  CU_ASSERT_EQUAL (t.raw_len, 2);

  /* 65535 and 65536 byte values. */
  big = calloc (1, n + 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL (big);
  memcpy (big, "\x53\x82\xFF\xFF", 4);
  CU_ASSERT_EQUAL (tlv_parse (big, 4 + 65535, &t, NULL), 0);
  CU_ASSERT_EQUAL (t.len, 65535);
  CU_ASSERT_EQUAL (tlv_parse (big, 4 + 65534, &t, NULL) != 0, 1);
  free (big);
  big = calloc (1, 5 + 65536);
  CU_ASSERT_PTR_NOT_NULL_FATAL (big);
  memcpy (big, "\x53\x83\x01\x00\x00", 5);
  CU_ASSERT_EQUAL (tlv_parse (big, 5 + 65536, &t, NULL), 0);
  CU_ASSERT_EQUAL (t.len, 65536);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_parse (big, 5 + 65535, &t, NULL)),
                   GPG_ERR_TOO_SHORT);
  free (big);
}

static void
test_iter_padding (void)
{
  const uint8_t d[] = { 0x00, 0xFF, 0x4F, 0x01, 0x11, 0x00, 0x50, 0x00, 0xFF };
  tlv_iter_t it;
  tlv_t t;
  int count = 0;
  gpg_error_t err;

  tlv_iter_init (&it, d, sizeof d, TLV_SKIP_PADDING);
  while (!(err = tlv_iter_next (&it, &t)))
    count++;
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_EOF);
  CU_ASSERT_EQUAL (count, 2);

  /* Without the flag 00 is a tag, and FF is then a bad length byte. */
  tlv_iter_init (&it, d, sizeof d, 0);
  count = 0;
  while (!(err = tlv_iter_next (&it, &t)))
    count++;
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_INV_LENGTH);
  CU_ASSERT_EQUAL (count, 0);
}

static void
test_find (void)
{
  /* 6E { 4F(3) 73 { C0(1) C1(2) } } 5F50(0) */
  const uint8_t d[] = { 0x6E, 0x0E, 0x4F, 0x03, 1, 2, 3,
                        0x73, 0x07, 0xC0, 0x01, 9, 0xC1, 0x02, 7, 8,
                        0x5F, 0x50, 0x00 };
  tlv_t t;
  unsigned path[] = { 0x6E, 0x73, 0xC1 };
  unsigned badpath[] = { 0x6E, 0x4F, 0xC1 };

  CU_ASSERT_EQUAL (tlv_find (d, sizeof d, 0x5F50, &t), 0);
  CU_ASSERT_EQUAL (t.len, 0);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_find (d, sizeof d, 0x4F, &t)),
                   GPG_ERR_NOT_FOUND);   /* not a direct child */
  CU_ASSERT_EQUAL (tlv_find_path (d, sizeof d, path, 3, &t), 0);
  CU_ASSERT_EQUAL (t.tag, 0xC1);
  CU_ASSERT_EQUAL (t.len, 2);
  CU_ASSERT_EQUAL (t.value[1], 8);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_find_path (d, sizeof d, badpath, 3, &t)),
                   GPG_ERR_NOT_FOUND);
  /* A parse error before the tag is reported as such. */
  CU_ASSERT_EQUAL (gpg_err_code (tlv_find (P ("\x4F\x05\x01"), 0x50, &t)),
                   GPG_ERR_TOO_SHORT);
}

static void
test_validate (void)
{
  const uint8_t ok[] = { 0x6E, 0x07, 0x73, 0x05, 0x7F, 0x49, 0x02, 0x81, 0x00 };
  /* The inner 73 claims 6 bytes but its parent 6E only holds 5. */
  const uint8_t overrun[] = { 0x6E, 0x07, 0x73, 0x06, 0x7F, 0x49, 0x02,
                              0x81, 0x00, 0x00 };
  const uint8_t trailing[] = { 0x4F, 0x01, 0x00, 0x50 };
  uint8_t deep[64];
  size_t i;

  CU_ASSERT_EQUAL (tlv_validate (ok, sizeof ok, 8), 0);
  CU_ASSERT_EQUAL (tlv_validate (ok, sizeof ok, 3), 0);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_validate (ok, sizeof ok, 2)),
                   GPG_ERR_LIMIT_REACHED);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_validate (overrun, sizeof overrun, 8)),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_validate (trailing, sizeof trailing, 8)),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (tlv_validate (NULL, 0, 8), 0);
  /* 32 nested constructed objects: 30 30 30 ... */
  for (i = 0; i < 32; i++)
    {
      deep[2 * i] = 0x30;
      deep[2 * i + 1] = (uint8_t)(62 - 2 * i);
    }
  CU_ASSERT_EQUAL (tlv_validate (deep, 64, 32), 0);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_validate (deep, 64, 16)),
                   GPG_ERR_LIMIT_REACHED);
}

static void
test_sizes (void)
{
  CU_ASSERT_EQUAL (tlv_tag_size (0x4F), 1);
  CU_ASSERT_EQUAL (tlv_tag_size (0x00), 1);
  CU_ASSERT_EQUAL (tlv_tag_size (0x5F2D), 2);
  CU_ASSERT_EQUAL (tlv_tag_size (0x5FC102), 3);
  CU_ASSERT_EQUAL (tlv_tag_size (0xDF818203u), 4);
  CU_ASSERT_EQUAL (tlv_len_size (0), 1);
  CU_ASSERT_EQUAL (tlv_len_size (127), 1);
  CU_ASSERT_EQUAL (tlv_len_size (128), 2);
  CU_ASSERT_EQUAL (tlv_len_size (255), 2);
  CU_ASSERT_EQUAL (tlv_len_size (256), 3);
  CU_ASSERT_EQUAL (tlv_len_size (65535), 3);
  CU_ASSERT_EQUAL (tlv_len_size (65536), 4);
  CU_ASSERT_EQUAL (tlv_len_size (0xFFFFFF), 4);
  CU_ASSERT_EQUAL (tlv_len_size (0x1000000), 5);
}

static void
test_put (void)
{
  buf_t b = BUF_INIT;
  tlv_t t;
  uint64_t v;
  uint8_t big[300];

  CU_ASSERT_EQUAL (tlv_put (&b, 0x5F2D, "en", 2), 0);
  CU_ASSERT_EQUAL (b.len, 5);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x5F\x2D\x02" "en", 5), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (tlv_put_u8 (&b, 0xC4, 7), 0);
  CU_ASSERT_EQUAL (memcmp (b.data, "\xC4\x01\x07", 3), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (tlv_put_uint (&b, 0x54, 0), 0);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x54\x01\x00", 3), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (tlv_put_uint (&b, 0x54, 0x8000), 0);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x54\x02\x80\x00", 4), 0);
  CU_ASSERT_EQUAL (tlv_parse (b.data, b.len, &t, NULL), 0);
  CU_ASSERT_EQUAL (tlv_get_uint (&t, &v), 0);
  CU_ASSERT_EQUAL (v, 0x8000);
  buf_clear (&b);
  CU_ASSERT_EQUAL (tlv_put_uint (&b, 0x54, UINT64_MAX), 0);
  CU_ASSERT_EQUAL (b.len, 10);
  CU_ASSERT_EQUAL (tlv_parse (b.data, b.len, &t, NULL), 0);
  CU_ASSERT_EQUAL (tlv_get_uint (&t, &v), 0);
  CU_ASSERT_EQUAL (v, UINT64_MAX);
  buf_clear (&b);
  memset (big, 0xAB, sizeof big);
  CU_ASSERT_EQUAL (tlv_put (&b, 0x53, big, 9), 0);
  CU_ASSERT_EQUAL (tlv_parse (b.data, b.len, &t, NULL), 0);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_get_uint (&t, &v)), GPG_ERR_INV_LENGTH);
  buf_clear (&b);
  CU_ASSERT_EQUAL (tlv_put (&b, 0x53, big, 300), 0);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x53\x82\x01\x2C", 4), 0);
  CU_ASSERT_EQUAL (b.len, 304);
  buf_clear (&b);
  CU_ASSERT_EQUAL (tlv_put (&b, 0x53, NULL, 0), 0);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x53\x00", 2), 0);
  buf_free (&b);
}

static void
test_begin_end (void)
{
  buf_t b = BUF_INIT;
  size_t m1, m2;
  uint8_t big[200];
  tlv_t t, c;
  unsigned path[] = { 0x7F49, 0x86 };

  memset (big, 0x11, sizeof big);
  CU_ASSERT_EQUAL (buf_append_byte (&b, 0xEE), 0);   /* something before */
  CU_ASSERT_EQUAL (tlv_begin (&b, 0x7F49, &m1), 0);
  CU_ASSERT_EQUAL (tlv_put (&b, 0x81, "\x01\x02", 2), 0);
  CU_ASSERT_EQUAL (tlv_begin (&b, 0xA5, &m2), 0);
  CU_ASSERT_EQUAL (tlv_end (&b, m2), 0);             /* empty */
  CU_ASSERT_EQUAL (tlv_put (&b, 0x86, big, sizeof big), 0);
  CU_ASSERT_EQUAL (tlv_end (&b, m1), 0);
  CU_ASSERT_EQUAL (b.data[0], 0xEE);
  CU_ASSERT_EQUAL (tlv_validate (b.data + 1, b.len - 1, 4), 0);
  CU_ASSERT_EQUAL (tlv_parse (b.data + 1, b.len - 1, &t, NULL), 0);
  CU_ASSERT_EQUAL (t.tag, 0x7F49);
  CU_ASSERT_EQUAL (t.len, 4 + 2 + 3 + 200);
  CU_ASSERT_EQUAL (t.raw_len, b.len - 1);
  CU_ASSERT_EQUAL (tlv_find (t.value, t.len, 0xA5, &c), 0);
  CU_ASSERT_EQUAL (c.len, 0);
  CU_ASSERT_EQUAL (tlv_find_path (b.data + 1, b.len - 1, path, 2, &c), 0);
  CU_ASSERT_EQUAL (c.len, 200);
  CU_ASSERT_EQUAL (c.value[199], 0x11);
  CU_ASSERT_EQUAL (gpg_err_code (tlv_end (&b, b.len)), GPG_ERR_INV_ARG);
  buf_free (&b);
}

static void
test_begin_end_large (void)
{
  buf_t b = BUF_INIT;
  size_t m;
  uint8_t *big = calloc (1, 70000);
  tlv_t t;

  CU_ASSERT_PTR_NOT_NULL_FATAL (big);
  CU_ASSERT_EQUAL (tlv_begin (&b, 0x70, &m), 0);
  CU_ASSERT_EQUAL (tlv_put (&b, 0x53, big, 70000), 0);
  CU_ASSERT_EQUAL (tlv_end (&b, m), 0);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x70\x83\x01\x11\x75\x53\x83\x01\x11\x70", 10), 0);
  CU_ASSERT_EQUAL (tlv_validate (b.data, b.len, 2), 0);
  CU_ASSERT_EQUAL (tlv_parse (b.data, b.len, &t, NULL), 0);
  CU_ASSERT_EQUAL (t.raw_len, b.len);
  free (big);
  buf_free (&b);
}

static const cutest_t tests[] = {
  CUTEST (test_parse_simple),
  CUTEST (test_parse_multibyte_tags),
  CUTEST (test_parse_truncated),
  CUTEST (test_parse_lengths),
  CUTEST (test_iter_padding),
  CUTEST (test_find),
  CUTEST (test_validate),
  CUTEST (test_sizes),
  CUTEST (test_put),
  CUTEST (test_begin_end),
  CUTEST (test_begin_end_large),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("tlv", tests, NULL, NULL);
}
