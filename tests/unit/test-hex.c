/* test-hex.c - hex encode, decode and dump */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>
#include "cutest.h"
#include "common/hex.h"

static void
test_encode (void)
{
  char out[9];
  const uint8_t in[] = { 0x00, 0xAB, 0x3F, 0xFF };
  hex_encode (in, 4, out);
  CU_ASSERT_STRING_EQUAL (out, "00AB3FFF");
  hex_encode (in, 0, out);
  CU_ASSERT_STRING_EQUAL (out, "");
}

static void
test_append (void)
{
  buf_t b = BUF_INIT;
  const uint8_t in[] = { 0x3F, 0x00, 0x50, 0x15 };
  CU_ASSERT_EQUAL (hex_append (&b, in, 4, ' '), 0);
  CU_ASSERT_EQUAL (b.len, 11);
  CU_ASSERT_EQUAL (memcmp (b.data, "3F 00 50 15", 11), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (hex_append (&b, in, 2, 0), 0);
  CU_ASSERT_EQUAL (b.len, 4);
  CU_ASSERT_EQUAL (memcmp (b.data, "3F00", 4), 0);
  buf_free (&b);
}

static void
test_decode (void)
{
  buf_t b = BUF_INIT;
  CU_ASSERT_EQUAL (hex_decode ("3f00 50:15", &b), 0);
  CU_ASSERT_EQUAL (b.len, 4);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x3F\x00\x50\x15", 4), 0);
  /* Errors leave the buffer as it was. */
  CU_ASSERT_EQUAL (gpg_err_code (hex_decode ("ABC", &b)), GPG_ERR_INV_VALUE);
  CU_ASSERT_EQUAL (b.len, 4);
  CU_ASSERT_EQUAL (gpg_err_code (hex_decode ("AG", &b)), GPG_ERR_INV_VALUE);
  CU_ASSERT_EQUAL (gpg_err_code (hex_decode ("A B", &b)), GPG_ERR_INV_VALUE);
  CU_ASSERT_EQUAL (b.len, 4);
  CU_ASSERT_EQUAL (hex_decode ("", &b), 0);
  CU_ASSERT_EQUAL (b.len, 4);
  buf_free (&b);
}

static void
test_dump (void)
{
  buf_t b = BUF_INIT;
  uint8_t in[20];
  size_t i;
  char *nl;
  for (i = 0; i < sizeof in; i++)
    in[i] = (uint8_t)('A' + i);
  in[0] = 0x01;
  CU_ASSERT_EQUAL (hex_dump_buf (&b, in, sizeof in), 0);
  CU_ASSERT_EQUAL_FATAL (buf_append_byte (&b, 0), 0);
  CU_ASSERT_EQUAL (strncmp ((char *)b.data,
                            "00000000  01 42 43 44 45 46 47 48  49 4A 4B 4C 4D 4E 4F 50  |.BCDEFGHIJKLMNOP|\n", 79), 0);
  nl = strchr ((char *)b.data, '\n');
  CU_ASSERT_PTR_NOT_NULL_FATAL (nl);
  CU_ASSERT_EQUAL (strncmp (nl + 1, "00000010  51 52 53 54", 21), 0);
  CU_ASSERT_PTR_NOT_NULL (strstr (nl + 1, "|QRST|\n"));
  buf_free (&b);
}

static const cutest_t tests[] = {
  CUTEST (test_encode),
  CUTEST (test_append),
  CUTEST (test_decode),
  CUTEST (test_dump),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("hex", tests, NULL, NULL);
}
