/* test-sanitize.c - the terminal-safe text of src/common/sanitize.c */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "cutest.h"
#include "common/sanitize.h"

static const char *
s (const char *in)
{
  static char buf[256];
  return sanitize_text (in, buf, sizeof buf);
}

static void
test_escapes (void)
{
  CU_ASSERT_STRING_EQUAL (s ("plain text 123"), "plain text 123");
  CU_ASSERT_STRING_EQUAL (s ("\x1b[2J\x1b]0;pwned\a"),
                          "\\x1b[2J\\x1b]0;pwned\\x07");
  CU_ASSERT_STRING_EQUAL (s ("two\nlines\r\t"), "two\\x0alines\\x0d\\x09");
  CU_ASSERT_STRING_EQUAL (s ("del\x7f"), "del\\x7f");
  CU_ASSERT_STRING_EQUAL (s ("back\\slash"), "back\\\\slash");
  /* UTF-8 is kept; C1 controls and bidi overrides are not. */
  CU_ASSERT_STRING_EQUAL (s ("Gr\xc3\xbc\xc3\x9f Gott \xe2\x82\xac"),
                          "Gr\xc3\xbc\xc3\x9f Gott \xe2\x82\xac");
  CU_ASSERT_STRING_EQUAL (s ("c1\xc2\x9b" "31m"), "c1\\u009b31m");
  CU_ASSERT_STRING_EQUAL (s ("a\xe2\x80\xae" "txt.exe"), "a\\u202etxt.exe");
  CU_ASSERT_STRING_EQUAL (s ("iso\xe9" "8859"), "iso\\xe98859");
  CU_ASSERT_STRING_EQUAL (s ("overlong\xc0\xaf"), "overlong\\xc0\\xaf");
  CU_ASSERT_STRING_EQUAL (s ("surrogate\xed\xa0\x80"),
                          "surrogate\\xed\\xa0\\x80");
  CU_ASSERT_STRING_EQUAL (s ("cut\xe2\x82"), "cut\\xe2\\x82");
  CU_ASSERT_STRING_EQUAL (s (NULL), "");
  CU_ASSERT_TRUE (sanitize_unsafe (0x1b));
  CU_ASSERT_TRUE (sanitize_unsafe (0x85));
  CU_ASSERT_FALSE (sanitize_unsafe ('A'));
  CU_ASSERT_FALSE (sanitize_unsafe (0xE9));
}

static void
test_limits (void)
{
  char small[12], big[64];
  const char *a, *b;
  FILE *fp;
  char *out = NULL;
  size_t outlen = 0;

  /* Cut with "...", never in the middle of a UTF-8 character. */
  sanitize_text ("0123456789abcdef", small, sizeof small);
  CU_ASSERT_STRING_EQUAL (small, "01234567...");
  sanitize_text ("\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc", small,
                 sizeof small);
  CU_ASSERT_STRING_EQUAL (small, "\xc3\xbc\xc3\xbc\xc3\xbc\xc3\xbc...");
  CU_ASSERT_EQUAL (strlen (sanitize_mem ("a\0b", 3, big, sizeof big)), 6);
  CU_ASSERT_STRING_EQUAL (big, "a\\x00b");
  /* The rotating buffers keep earlier results for a while. */
  a = sanitize_str ("first\n");
  b = sanitize_str ("second\n");
  CU_ASSERT_STRING_EQUAL (a, "first\\x0a");
  CU_ASSERT_STRING_EQUAL (b, "second\\x0a");
  /* The stream form has no length limit. */
  fp = open_memstream (&out, &outlen);
  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  sanitize_fputs ("x\x1by", fp);
  fclose (fp);
  CU_ASSERT_STRING_EQUAL (out, "x\\x1by");
  free (out);
}

int
main (void)
{
  static const cutest_t tests[] = {
    CUTEST (test_escapes),
    CUTEST (test_limits),
    CUTEST_END
  };
  return cutest_main ("sanitize", tests, NULL, NULL);
}
