/* test-log.c - levels, file and sink output, and the redacted transcript */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/stat.h>
#include "cutest.h"
#include "common/log.h"
#include "common/apdu.h"
#include "common/util.h"
#include "fakecard.h"

/* Everything the sink saw, one line after another. */
static buf_t seen;
static int seen_lines;

static void
sink (void *ctx, int level, const char *line)
{
  (void)ctx;
  (void)level;
  buf_append (&seen, line, strlen (line));
  buf_append_byte (&seen, '\n');
  seen_lines++;
}

static const char *
seen_str (void)
{
  buf_append_byte (&seen, 0);
  seen.len--;
  return (const char *)seen.data;
}

static void
seen_reset (void)
{
  buf_clear (&seen);
  seen_lines = 0;
}

static int
setup (void)
{
  log_set_quiet (true);
  log_set_sink (sink, NULL);
  return 0;
}

static bool
cmd_secret (log_redact_t *st, const char *hex, bool caller)
{
  buf_t b = BUF_INIT;
  bool s;
  hex_decode (hex, &b);
  s = log_redact_command (st, b.data, b.len, caller);
  buf_free (&b);
  return s;
}

static void
test_redact_rules (void)
{
  log_redact_t st = { false, false };

  CU_ASSERT_FALSE (cmd_secret (&st, "00A4040006D27600012401", false));
  CU_ASSERT_FALSE (log_redact_response (&st));
  CU_ASSERT_TRUE (cmd_secret (&st, "0020008106313233343536", false));
  CU_ASSERT_TRUE (log_redact_response (&st));
  /* GET RESPONSE after a secret exchange stays secret, repeatedly. */
  CU_ASSERT_TRUE (cmd_secret (&st, "00C0000010", false));
  CU_ASSERT_TRUE (log_redact_response (&st));
  CU_ASSERT_TRUE (cmd_secret (&st, "00C0000010", false));
  CU_ASSERT_FALSE (cmd_secret (&st, "00CA006E00", false));
  CU_ASSERT_FALSE (log_redact_response (&st));
  CU_ASSERT_FALSE (cmd_secret (&st, "00C0000010", false));
  CU_ASSERT_FALSE (log_redact_response (&st));
  /* PSO:DECIPHER: the cryptogram is shown, the plaintext is not. */
  CU_ASSERT_FALSE (cmd_secret (&st, "002A808603001122", false));
  CU_ASSERT_TRUE (log_redact_response (&st));
  CU_ASSERT_TRUE (cmd_secret (&st, "00C0000000", false));
  CU_ASSERT_TRUE (log_redact_response (&st));
  /* Other secret INS. */
  CU_ASSERT_TRUE (cmd_secret (&st, "0024000001AA", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "002C000001AA", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "00DB3FFF01AA", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "00DA010101AA", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "00FE000001AA", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "00FF000001AA", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "00879B0301AA", false));
  /* Caller forces it (e.g. GET DATA of a private DO). */
  CU_ASSERT_TRUE (cmd_secret (&st, "00CA010300", true));
  CU_ASSERT_TRUE (log_redact_response (&st));
  /* Chained secret command: every fragment, then back to normal. */
  CU_ASSERT_TRUE (cmd_secret (&st, "10DB3FFF02AABB", false));
  CU_ASSERT_TRUE (st.in_secret_chain);
  CU_ASSERT_TRUE (cmd_secret (&st, "10DB3FFF02AABB", false));
  CU_ASSERT_TRUE (cmd_secret (&st, "00DB3FFF02AABB", false));
  CU_ASSERT_FALSE (st.in_secret_chain);
  CU_ASSERT_FALSE (cmd_secret (&st, "00A4040000", false));
  /* A chain started as caller-secret stays secret for every fragment
   * even though the INS itself is harmless. */
  CU_ASSERT_TRUE (cmd_secret (&st, "10CB3FFF02AABB", true));
  CU_ASSERT_TRUE (cmd_secret (&st, "00CB3FFF02AABB", false));
  CU_ASSERT_FALSE (cmd_secret (&st, "00CB3FFF02AABB", false));
  /* A non-secret chain is not redacted. */
  CU_ASSERT_FALSE (cmd_secret (&st, "10CB3FFF02AABB", false));
  CU_ASSERT_FALSE (cmd_secret (&st, "00CB3FFF02AABB", false));
}

static void
test_format (void)
{
  char out[256];
  uint8_t big[100];

  log_format_command (out, sizeof out,
                      (const uint8_t *)"\x00\x20\x00\x81\x06" "123456", 11, true);
  CU_ASSERT_STRING_EQUAL (out, "> 00 20 00 81 <redacted 6 bytes>");
  log_format_command (out, sizeof out,
                      (const uint8_t *)"\x00\xA4\x04\x00\x02\x3F\x00\x00", 8, false);
  CU_ASSERT_STRING_EQUAL (out, "> 00 A4 04 00 02 3F 00 00");
  log_format_command (out, sizeof out,
                      (const uint8_t *)"\x00\xC0\x00\x00", 4, true);
  CU_ASSERT_STRING_EQUAL (out, "> 00 C0 00 00");
  log_format_command (out, sizeof out,
                      (const uint8_t *)"\x00\xDB\x3F\xFF\x00\x00\x03\x01\x02\x03", 10, true);
  CU_ASSERT_STRING_EQUAL (out, "> 00 DB 3F FF <redacted 3 bytes>");
  memset (big, 0x41, sizeof big);
  big[98] = 0x90;
  big[99] = 0x00;
  log_format_response (out, sizeof out, big, 100, true);
  CU_ASSERT_STRING_EQUAL (out, "< <redacted 98 bytes> 90 00");
  log_format_response (out, sizeof out, (const uint8_t *)"\x63\xC2", 2, true);
  CU_ASSERT_STRING_EQUAL (out, "< 63 C2");
  log_format_response (out, sizeof out, (const uint8_t *)"\x01\x02\x90\x00", 4, false);
  CU_ASSERT_STRING_EQUAL (out, "< 01 02 90 00");
  /* Truncated output still ends with the SW. */
  log_format_response (out, 40, big, 100, false);
  CU_ASSERT_TRUE (strlen (out) < 40);
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "..."));
  CU_ASSERT_EQUAL (strcmp (out + strlen (out) - 6, " 90 00"), 0);
  log_format_command (out, 20, big, 100, false);
  CU_ASSERT_TRUE (strlen (out) < 20);
}

static void
test_levels_and_sink (void)
{
  log_set_level (LOG_LEVEL_WARN);
  CU_ASSERT_EQUAL (log_get_level (), LOG_LEVEL_WARN);
  seen_reset ();
  log_info ("hidden %d", 1);
  log_debug ("hidden %d", 2);
  log_warn ("shown %d", 3);
  log_error ("shown %s", "four\n");
  CU_ASSERT_EQUAL (seen_lines, 2);
  CU_ASSERT_STRING_EQUAL (seen_str (), "shown 3\nshown four\n");
  log_set_level (99);
  CU_ASSERT_EQUAL (log_get_level (), LOG_LEVEL_APDU);
  log_set_level (-3);
  CU_ASSERT_EQUAL (log_get_level (), LOG_LEVEL_ERROR);
  /* Long lines are not cut. */
  {
    char longs[3000];
    memset (longs, 'x', sizeof longs - 1);
    longs[sizeof longs - 1] = 0;
    seen_reset ();
    log_error ("%s", longs);
    CU_ASSERT_EQUAL (seen.len, sizeof longs);
  }
  /* The APDU level is off below LOG_LEVEL_APDU. */
  seen_reset ();
  log_apdu_command ((const uint8_t *)"\x00\xA4\x04\x00", 4, false);
  CU_ASSERT_EQUAL (seen_lines, 0);
}

static void
test_file (void)
{
  char path[] = "/tmp/vsc-test-log.XXXXXX";
  int fd = mkstemp (path);
  struct stat st;
  FILE *fp;
  char line[512];
  int found = 0, leaked = 0;

  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (path);
  log_set_level (LOG_LEVEL_APDU);
  CU_ASSERT_EQUAL_FATAL (log_set_file (path), 0);
  CU_ASSERT_EQUAL (stat (path, &st), 0);
  CU_ASSERT_EQUAL (st.st_mode & 0777, 0600);
  log_info ("into the file");
  log_apdu_command ((const uint8_t *)"\x00\x20\x00\x81\x04" "9876", 9, true);
  CU_ASSERT_EQUAL (log_set_file (NULL), 0);
  /* Append, not truncate. */
  CU_ASSERT_EQUAL (log_set_file (path), 0);
  log_info ("second open");
  CU_ASSERT_EQUAL (log_set_file (NULL), 0);
  fp = fopen (path, "r");
  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  while (fgets (line, sizeof line, fp))
    {
      if (strstr (line, "into the file") || strstr (line, "second open")
          || strstr (line, "> 00 20 00 81 <redacted 4 bytes>"))
        found++;
      if (strstr (line, "39 38") || strstr (line, "9876"))
        leaked++;
    }
  fclose (fp);
  CU_ASSERT_EQUAL (found, 3);
  CU_ASSERT_EQUAL (leaked, 0);
  unlink (path);
  CU_ASSERT_NOT_EQUAL (log_set_file ("/nonexistent-dir/x.log"), 0);
  log_set_level (LOG_LEVEL_WARN);
}

/* The full path: apdu_chan with a scripted card, transcript in the sink. */
static void
test_chan_transcript (void)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw;
  uint8_t key[300];
  apdu_t sel = { 0x00, 0xA4, 0x04, 0x00,
                 (const uint8_t *)"\xD2\x76\x00\x01\x24\x01", 6, 0, false, false };
  apdu_t ver = { 0x00, 0x20, 0x00, 0x82,
                 (const uint8_t *)"31415926", 8, 0, false, false };
  apdu_t put = { 0x00, 0xDB, 0x3F, 0xFF, key, sizeof key, 0, false, false };
  apdu_t dec = { 0x00, 0x2A, 0x80, 0x86,
                 (const uint8_t *)"\x00\xC0\xFF\xEE", 4, 256, false, false };
  const char *t;

  memset (key, 0xC5, sizeof key);
  log_set_level (LOG_LEVEL_APDU);
  seen_reset ();
  fake_init (&f);
  fake_step (&f, NULL, "9000");                        /* SELECT */
  fake_step (&f, NULL, "9000");                        /* VERIFY */
  fake_step (&f, NULL, "9000");                        /* PUT DATA 1/2 */
  fake_step (&f, NULL, "9000");                        /* PUT DATA 2/2 */
  fake_step (&f, NULL, "6104");                        /* DECIPHER */
  fake_step (&f, NULL, "5EC2E7 01 9000");              /* GET RESPONSE */
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T0);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &sel, &r, &sw), 0);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &ver, &r, &sw), 0);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &put, &r, &sw), 0);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &dec, &r, &sw), 0);
  CU_ASSERT_EQUAL (r.len, 4);
  CU_ASSERT_EQUAL (f.calls, 6);
  t = seen_str ();
  CU_ASSERT_EQUAL (seen_lines, 12);
  /* SELECT shown in full. */
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 00 A4 04 00 06 D2 76 00 01 24 01\n"));
  /* The PIN never appears, in any form. */
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 00 20 00 82 <redacted 8 bytes>\n"));
  CU_ASSERT_PTR_NULL (strstr (t, "31415926"));
  CU_ASSERT_PTR_NULL (strstr (t, "33 31 34"));
  CU_ASSERT_PTR_NULL (strstr (t, "31 34 31"));
  /* Both PUT DATA fragments hidden; the key bytes never show. */
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 10 DB 3F FF <redacted 255 bytes>\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 00 DB 3F FF <redacted 45 bytes>\n"));
  CU_ASSERT_PTR_NULL (strstr (t, "C5"));
  /* DECIPHER: cryptogram visible, plaintext from GET RESPONSE hidden. */
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 00 2A 80 86 04 00 C0 FF EE 00\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 00 C0 00 00 04\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "< <redacted 4 bytes> 90 00\n"));
  CU_ASSERT_PTR_NULL (strstr (t, "5E C2"));
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "< 61 04\n"));
  log_set_level (LOG_LEVEL_WARN);
  fake_free (&f);
  buf_free (&r);
}

/* READ/UPDATE BINARY of a PIN-gated EF: secret_binary hides the data. */
static void
test_chan_secret_binary (void)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw;
  const char *t;

  log_set_level (LOG_LEVEL_APDU);
  seen_reset ();
  fake_init (&f);
  fake_step (&f, NULL, "C0FFEE 9000");
  fake_step (&f, NULL, "C0FFEE 9000");
  fake_step (&f, NULL, "9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_FALSE (c.secret_binary);
  CU_ASSERT_EQUAL (apdu_chan_read_binary (&c, 0, 3, &r, &sw), 0);
  c.secret_binary = true;
  CU_ASSERT_EQUAL (apdu_chan_read_binary (&c, 0, 3, &r, &sw), 0);
  CU_ASSERT_EQUAL (apdu_chan_update_binary (&c, 0, (const uint8_t *)"\xBE\xEF", 2, &sw), 0);
  CU_ASSERT_EQUAL (r.len, 6);
  t = seen_str ();
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "< C0 FF EE 90 00\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "< <redacted 3 bytes> 90 00\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (t, "> 00 D6 00 00 <redacted 2 bytes>\n"));
  CU_ASSERT_PTR_NULL (strstr (t, "BE EF"));
  log_set_level (LOG_LEVEL_WARN);
  fake_free (&f);
  buf_free (&r);
}

#define NTHREAD_LINES 500

static void *
thread_logger (void *arg)
{
  int i;
  for (i = 0; i < NTHREAD_LINES; i++)
    log_error ("%s line %04d with some padding text", (const char *)arg, i);
  return NULL;
}

static void
test_threads (void)
{
  pthread_t a, b;
  const char *t, *p;
  int lines = 0, bad = 0;

  log_set_level (LOG_LEVEL_WARN);
  seen_reset ();
  CU_ASSERT_EQUAL_FATAL (pthread_create (&a, NULL, thread_logger, "worker"), 0);
  CU_ASSERT_EQUAL_FATAL (pthread_create (&b, NULL, thread_logger, "ui"), 0);
  pthread_join (a, NULL);
  pthread_join (b, NULL);
  CU_ASSERT_EQUAL (seen_lines, 2 * NTHREAD_LINES);
  t = seen_str ();
  /* Every line is whole: "<who> line NNNN with some padding text". */
  for (p = t; *p; p = strchr (p, '\n') + 1)
    {
      const char *e = strchr (p, '\n');
      size_t len = (size_t)(e - p);
      lines++;
      if (!((len == 39 && !strncmp (p, "worker", 6))
            || (len == 35 && !strncmp (p, "ui", 2))))
        bad++;
    }
  CU_ASSERT_EQUAL (lines, 2 * NTHREAD_LINES);
  CU_ASSERT_EQUAL (bad, 0);
}

static int reentry_calls;

static void
reentrant_sink (void *ctx, int level, const char *line)
{
  (void)ctx;
  (void)level;
  (void)line;
  reentry_calls++;
  log_error ("from inside the sink");   /* must not deadlock */
}

static void
test_sink_reentry (void)
{
  log_set_level (LOG_LEVEL_WARN);
  reentry_calls = 0;
  log_set_sink (reentrant_sink, NULL);
  log_error ("outer");
  log_error ("outer again");
  log_set_sink (sink, NULL);
  CU_ASSERT_EQUAL (reentry_calls, 2);
}

static int
cleanup (void)
{
  log_set_sink (NULL, NULL);
  buf_free (&seen);
  return 0;
}

static const cutest_t tests[] = {
  CUTEST (test_redact_rules),
  CUTEST (test_format),
  CUTEST (test_levels_and_sink),
  CUTEST (test_file),
  CUTEST (test_chan_transcript),
  CUTEST (test_chan_secret_binary),
  CUTEST (test_threads),
  CUTEST (test_sink_reentry),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("log", tests, setup, cleanup);
}
