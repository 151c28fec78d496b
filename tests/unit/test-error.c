/* test-error.c - status word mapping and messages */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include "cutest.h"
#include "common/error.h"

static void
check_sw (unsigned sw, gpg_err_code_t code)
{
  gpg_error_t err = sw_to_error (sw);
  CU_ASSERT_EQUAL (gpg_err_code (err), code);
  if (code)
    CU_ASSERT_EQUAL (gpg_err_source (err), GPG_ERR_SOURCE_DEFAULT);
}

static void
test_sw_table (void)
{
  check_sw (0x9000, GPG_ERR_NO_ERROR);
  check_sw (0x6100, GPG_ERR_TRUNCATED);
  check_sw (0x6110, GPG_ERR_TRUNCATED);
  check_sw (0x6281, GPG_ERR_CHECKSUM);
  check_sw (0x6282, GPG_ERR_EOF);
  check_sw (0x6283, GPG_ERR_NOT_ENABLED);
  check_sw (0x6285, GPG_ERR_OBJ_TERM_STATE);
  check_sw (0x6300, GPG_ERR_BAD_AUTH);
  check_sw (0x63C0, GPG_ERR_BAD_PIN);
  check_sw (0x63C2, GPG_ERR_BAD_PIN);
  check_sw (0x63CF, GPG_ERR_BAD_PIN);
  check_sw (0x6581, GPG_ERR_HARDWARE);
  check_sw (0x6700, GPG_ERR_INV_LENGTH);
  check_sw (0x6881, GPG_ERR_NOT_SUPPORTED);
  check_sw (0x6882, GPG_ERR_NOT_SUPPORTED);
  check_sw (0x6884, GPG_ERR_NOT_SUPPORTED);
  check_sw (0x6981, GPG_ERR_INV_OBJ);
  check_sw (0x6982, GPG_ERR_NO_AUTH);
  check_sw (0x6983, GPG_ERR_PIN_BLOCKED);
  check_sw (0x6984, GPG_ERR_NOT_INITIALIZED);
  check_sw (0x6985, GPG_ERR_USE_CONDITIONS);
  check_sw (0x6986, GPG_ERR_NOT_OPERATIONAL);
  check_sw (0x6A80, GPG_ERR_INV_VALUE);
  check_sw (0x6A81, GPG_ERR_NOT_SUPPORTED);
  check_sw (0x6A82, GPG_ERR_ENOENT);
  check_sw (0x6A83, GPG_ERR_NOT_FOUND);
  check_sw (0x6A84, GPG_ERR_ENOSPC);
  check_sw (0x6A86, GPG_ERR_INV_ARG);
  check_sw (0x6A87, GPG_ERR_INV_LENGTH);
  check_sw (0x6A88, GPG_ERR_NOT_FOUND);
  check_sw (0x6A89, GPG_ERR_EEXIST);
  check_sw (0x6B00, GPG_ERR_INV_ARG);
  check_sw (0x6C20, GPG_ERR_INV_LENGTH);
  check_sw (0x6D00, GPG_ERR_UNSUPPORTED_OPERATION);
  check_sw (0x6E00, GPG_ERR_UNSUPPORTED_OPERATION);
  check_sw (0x6F00, GPG_ERR_CARD);
  /* Anything unknown is a card error, never success. */
  check_sw (0x6A8F, GPG_ERR_CARD);
  check_sw (0x9001, GPG_ERR_CARD);
  check_sw (0x0000, GPG_ERR_CARD);
  check_sw (0x1234, GPG_ERR_CARD);
}

static void
test_sw_describe (void)
{
  CU_ASSERT_STRING_EQUAL (sw_describe (0x6982),
                          "security status not satisfied (6982)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x63C2),
                          "wrong PIN, 2 tries left (63C2)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x63C1),
                          "wrong PIN, 1 try left (63C1)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x6110),
                          "16 more bytes available (6110)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x6100),
                          "256 more bytes available (6100)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x6C08),
                          "wrong Le, 8 bytes available (6C08)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x6A82),
                          "file or application not found (6A82)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x9000), "success (9000)");
  CU_ASSERT_STRING_EQUAL (sw_describe (0x6A8F), "card error (6A8F)");
  CU_ASSERT_PTR_NOT_NULL (strstr (sw_describe (0x6283), "6283"));
}

static void
test_strerror (void)
{
  CU_ASSERT_STRING_EQUAL (vsc_strerror (gpg_error (GPG_ERR_BAD_PIN)),
                          gpg_strerror (gpg_error (GPG_ERR_BAD_PIN)));
  CU_ASSERT_PTR_NOT_NULL (vsc_strerror (sw_to_error (0x6983)));
}

static const cutest_t tests[] = {
  CUTEST (test_sw_table),
  CUTEST (test_sw_describe),
  CUTEST (test_strerror),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("error", tests, NULL, NULL);
}
