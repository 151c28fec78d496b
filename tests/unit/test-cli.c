/* test-cli.c - vsctool's command parser (src/cli/cli-parse.c): own
 * options and option groups, repeated options, argument counts, --help
 * and --list-options, usage lines, errors */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cutest.h"
#include "cli/cli.h"

static const cli_opt_t test_opts[] = {
  { "l,long", "long format" },
  { "label=TEXT", "a label" },
  { "select=PATH...", "a path" },
  { "number=N", "a number" },
  { "hidden", NULL },
  CLI_OPT_END
};

static int test_ran;

static int
test_exec (cli_ctx_t *c)
{
  test_ran++;
  return c->argc == 2 ? 42 : 41;
}

static const cli_cmd_t test_cmd = {
  "frob", "FILE [PATH]", "frobnicate a VSC",
  CLI_CMD_PW | CLI_CMD_JSON | CLI_CMD_KDF, test_opts, 1, 2, test_exec, NULL
};

static const cli_cmd_t test_card_cmd = {
  "card", "A", "a card command",
  CLI_CMD_READER | CLI_CMD_PINFILE | CLI_CMD_SCAN | CLI_CMD_QUIET, NULL,
  1, 1, test_exec, NULL
};

static const cli_cmd_t test_sub_cmd = {
  "outer", "URL OP [ARGS...]", "with a sub-command",
  CLI_CMD_JSON | CLI_CMD_IN_ORDER, test_opts, 2, -1, test_exec, NULL
};

/* Parse a NULL-terminated list of words; *R_DONE as cli_parse. */
static int
test_parse (const cli_cmd_t *cmd, cli_ctx_t *c, bool *r_done, ...)
{
  static char *argv[32];
  va_list ap;
  int argc = 0;
  const char *w;

  va_start (ap, r_done);
  while ((w = va_arg (ap, const char *)) && argc < 31)
    argv[argc++] = (char *) w;
  va_end (ap);
  argv[argc] = NULL;
  return cli_parse (cmd, argc, argv, c, r_done);
}

/* Run FN with stdout and stderr going to files; return what they got. */
static char *
test_capture (int (*fn) (void), int *r_rc, char **r_err)
{
  char out[] = "/tmp/test-cli-out.XXXXXX", err[] = "/tmp/test-cli-err.XXXXXX";
  int fo = mkstemp (out), fe = mkstemp (err);
  int so = dup (1), se = dup (2);
  char *buf = calloc (1, 65536), *ebuf = calloc (1, 65536);
  ssize_t n;

  fflush (stdout);
  fflush (stderr);
  dup2 (fo, 1);
  dup2 (fe, 2);
  *r_rc = fn ();
  fflush (stdout);
  fflush (stderr);
  dup2 (so, 1);
  dup2 (se, 2);
  close (so);
  close (se);
  lseek (fo, 0, SEEK_SET);
  lseek (fe, 0, SEEK_SET);
  n = read (fo, buf, 65535);
  buf[n > 0 ? n : 0] = 0;
  n = read (fe, ebuf, 65535);
  ebuf[n > 0 ? n : 0] = 0;
  close (fo);
  close (fe);
  unlink (out);
  unlink (err);
  *r_err = ebuf;
  return buf;
}

static void
test_own_options (void)
{
  cli_ctx_t c;
  bool done;
  size_t n;
  const char *const *all;

  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "-l", "--label",
                               "x y", "--select", "a/b", "f.vsc", "--select",
                               "c", "--label=z", "3F00", NULL), 0);
  CU_ASSERT_FALSE (done);
  CU_ASSERT_TRUE (cli_has (&c, "long"));
  CU_ASSERT_EQUAL (cli_count (&c, "label"), 2);
  CU_ASSERT_STRING_EQUAL (cli_get (&c, "label"), "z");   /* the last */
  all = cli_get_all (&c, "select", &n);
  CU_ASSERT_EQUAL (n, 2);
  CU_ASSERT_PTR_NOT_NULL_FATAL (all);
  CU_ASSERT_STRING_EQUAL (all[0], "a/b");
  CU_ASSERT_STRING_EQUAL (all[1], "c");
  CU_ASSERT_PTR_NULL (all[2]);
  CU_ASSERT_FALSE (cli_has (&c, "number"));
  CU_ASSERT_PTR_NULL (cli_get (&c, "number"));
  /* options and arguments may be mixed; arguments keep their order */
  CU_ASSERT_EQUAL (c.argc, 2);
  CU_ASSERT_STRING_EQUAL (c.argv[0], "f.vsc");
  CU_ASSERT_STRING_EQUAL (c.argv[1], "3F00");
  CU_ASSERT_FALSE (c.json);
  CU_ASSERT_PTR_NULL (c.pw.file);
  CU_ASSERT_EQUAL (c.pw.fd, -1);
  cli_ctx_release (&c);
}

static void
test_groups (void)
{
  cli_ctx_t c;
  bool done;

  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "--json",
                               "--password-file", "pw", "--password-fd", "7",
                               "--kdf-memory", "19456", "--kdf-iterations",
                               "1", "f", NULL), 0);
  CU_ASSERT_TRUE (c.json);
  CU_ASSERT_STRING_EQUAL (c.pw.file, "pw");
  CU_ASSERT_EQUAL (c.pw.fd, 7);
  CU_ASSERT_TRUE (c.kdf_set);
  CU_ASSERT_EQUAL (c.kdf_m_kib, 19456);
  CU_ASSERT_EQUAL (c.kdf_t, 1);
  CU_ASSERT_EQUAL (c.kdf_p, 0);       /* not given: the default */
  cli_ctx_release (&c);

  CU_ASSERT_EQUAL (test_parse (&test_card_cmd, &c, &done, "card", "--emu",
                               "p.card", "--pin-file", "pins", "--quiet",
                               "--scan-range", "4F00-4F0F", "--scan-range",
                               "5000-50ff", "--scan-budget", "9", "--no-scan",
                               "a", NULL), 0);
  CU_ASSERT_STRING_EQUAL (c.emu, "p.card");
  CU_ASSERT_PTR_NULL (c.reader);
  CU_ASSERT_STRING_EQUAL (c.pin_file, "pins");
  CU_ASSERT_TRUE (c.quiet);
  CU_ASSERT_EQUAL (c.n_ranges, 2);
  CU_ASSERT_EQUAL (c.ranges[0].first, 0x4F00);
  CU_ASSERT_EQUAL (c.ranges[0].last, 0x4F0F);
  CU_ASSERT_EQUAL (c.ranges[1].first, 0x5000);
  CU_ASSERT_EQUAL (c.ranges[1].last, 0x50FF);
  CU_ASSERT_EQUAL (c.scan_budget, 9);
  CU_ASSERT_TRUE (c.no_scan);
  cli_ctx_release (&c);
}

static void
test_errors (void)
{
  cli_ctx_t c;
  bool done;

  /* a group the command does not take is an unknown option */
  CU_ASSERT_EQUAL (test_parse (&test_card_cmd, &c, &done, "card", "--json",
                               "a", NULL), CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "--bogus", "f",
                               NULL), CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  /* argument counts */
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "a", "b", "c",
                               NULL), CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  /* a missing value */
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "f", "--label",
                               NULL), CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  /* bad numbers */
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob",
                               "--password-fd", "x", "f", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob",
                               "--password-fd", "-1", "f", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob",
                               "--kdf-memory", "12k", "f", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_card_cmd, &c, &done, "card",
                               "--scan-range", "5000-4000", "a", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_card_cmd, &c, &done, "card",
                               "--scan-budget", "0", "a", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
  /* --reader and --emu exclude each other */
  CU_ASSERT_EQUAL (test_parse (&test_card_cmd, &c, &done, "card",
                               "--reader", "R", "--emu", "p", "a", NULL),
                   CLI_EXIT_USAGE);
  cli_ctx_release (&c);
}

static void
test_numbers (void)
{
  cli_ctx_t c;
  bool done;
  unsigned long v = 99;

  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "f", NULL), 0);
  CU_ASSERT_EQUAL (cli_get_ulong (&c, "number", 1, 10, &v), 1);  /* absent */
  CU_ASSERT_EQUAL (v, 99);
  cli_ctx_release (&c);
  CU_ASSERT_EQUAL (test_parse (&test_cmd, &c, &done, "frob", "--number", "7",
                               "f", NULL), 0);
  CU_ASSERT_EQUAL (cli_get_ulong (&c, "number", 1, 10, &v), 0);
  CU_ASSERT_EQUAL (v, 7);
  CU_ASSERT_EQUAL (cli_get_ulong (&c, "number", 8, 10, &v), CLI_EXIT_USAGE);
  CU_ASSERT_EQUAL (cli_get_ulong (&c, "number", 1, 6, &v), CLI_EXIT_USAGE);
  cli_ctx_release (&c);
}

static void
test_in_order (void)
{
  cli_ctx_t c;
  bool done;

  /* options end at the first argument: the rest is the sub-command's */
  CU_ASSERT_EQUAL (test_parse (&test_sub_cmd, &c, &done, "outer", "--json",
                               "url", "put", "-l", "--label", "x", NULL), 0);
  CU_ASSERT_TRUE (c.json);
  CU_ASSERT_FALSE (cli_has (&c, "long"));
  CU_ASSERT_EQUAL (c.argc, 5);
  CU_ASSERT_STRING_EQUAL (c.argv[2], "-l");
  cli_ctx_release (&c);
}

static int test_run_cmd_rc;
static int
test_run_help (void)
{
  char *argv[] = { "frob", "--help", NULL };
  return cli_run (&test_cmd, 2, argv);
}
static int
test_run_list (void)
{
  char *argv[] = { "frob", "--list-options", NULL };
  return cli_run (&test_cmd, 2, argv);
}
static int
test_run_usage (void)
{
  char *argv[] = { "frob", NULL };
  return cli_run (&test_cmd, 1, argv);
}
static int
test_run_ok (void)
{
  char *argv[] = { "frob", "-l", "a", "b", NULL };
  return cli_run (&test_cmd, 4, argv);
}

static void
test_help (void)
{
  char *out, *err;
  int rc;

  test_ran = 0;
  out = test_capture (test_run_help, &rc, &err);
  CU_ASSERT_EQUAL (rc, CLI_EXIT_OK);
  CU_ASSERT_EQUAL (test_ran, 0);        /* --help does not run it */
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "usage: vsctool frob "));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "[-l]"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "[--select PATH]..."));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "FILE [PATH]"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "frobnicate a VSC"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n  -l, --long "));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n  --label TEXT "));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n  --json "));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "--password-fd N"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "--kdf-parallelism N"));
  CU_ASSERT_PTR_NULL (strstr (out, "--reader"));   /* not its group */
  CU_ASSERT_PTR_NULL (strstr (out, "list-options")); /* hidden */
  CU_ASSERT_PTR_NULL (strstr (out, "--hidden"));
  CU_ASSERT_STRING_EQUAL (err, "");
  free (out);
  free (err);

  out = test_capture (test_run_list, &rc, &err);
  CU_ASSERT_EQUAL (rc, CLI_EXIT_OK);
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "-l\n--long\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n--label\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n--json\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n--password-file\n"));
  CU_ASSERT_PTR_NOT_NULL (strstr (out, "\n--help\n"));
  CU_ASSERT_PTR_NULL (strstr (out, "--reader"));
  free (out);
  free (err);

  out = test_capture (test_run_usage, &rc, &err);
  CU_ASSERT_EQUAL (rc, CLI_EXIT_USAGE);
  CU_ASSERT_STRING_EQUAL (out, "");
  CU_ASSERT_PTR_NOT_NULL (strstr (err, "usage: vsctool frob "));
  free (out);
  free (err);

  test_ran = 0;
  out = test_capture (test_run_ok, &rc, &err);
  CU_ASSERT_EQUAL (rc, 42);             /* exec's code, two arguments */
  CU_ASSERT_EQUAL (test_ran, 1);
  free (out);
  free (err);
  (void) test_run_cmd_rc;
}

/* Long usage lines wrap before column 79 with an indent. */
static void
test_usage_wrap (void)
{
  char *buf = NULL, *line;
  size_t len = 0;
  FILE *fp = open_memstream (&buf, &len);
  bool first = true;

  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  cli_print_usage (fp, &test_cmd);
  fclose (fp);
  for (line = strtok (buf, "\n"); line; line = strtok (NULL, "\n"))
    {
      CU_ASSERT (strlen (line) <= 79);
      if (!first)
        CU_ASSERT_EQUAL (strncmp (line, "       ", 7), 0);
      first = false;
    }
  CU_ASSERT_FALSE (first);
  free (buf);
}

static void
test_json (void)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *fp = open_memstream (&buf, &len);

  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  cli_json_key (fp, "a", true);
  cli_json_str (fp, "q\"\\\n\x01\x7f");
  cli_json_key (fp, "b", false);
  cli_json_str_or_null (fp, NULL);
  cli_json_key (fp, "c", false);
  cli_json_hex (fp, (const unsigned char *) "\x3f\x00", 2);
  fclose (fp);
  CU_ASSERT_STRING_EQUAL (buf, "\"a\":\"q\\\"\\\\\\n\\u0001\\u007f\","
                          "\"b\":null,\"c\":\"3F00\"");
  free (buf);
}

static void
test_exit_codes (void)
{
  CU_ASSERT_EQUAL (cli_exit_code (0), CLI_EXIT_OK);
  CU_ASSERT_EQUAL (cli_exit_code (gpg_error (GPG_ERR_BAD_PASSPHRASE)),
                   CLI_EXIT_AUTH);
  CU_ASSERT_EQUAL (cli_exit_code (gpg_error (GPG_ERR_INV_OBJ)),
                   CLI_EXIT_FORMAT);
  CU_ASSERT_EQUAL (cli_exit_code (gpg_error (GPG_ERR_CARD_REMOVED)),
                   CLI_EXIT_CARD);
  CU_ASSERT_EQUAL (cli_exit_code (gpg_error (GPG_ERR_CONFLICT)),
                   CLI_EXIT_CONFLICT);
  CU_ASSERT_EQUAL (cli_exit_code (gpg_error (GPG_ERR_CANCELED)),
                   CLI_EXIT_CANCELED);
  CU_ASSERT_EQUAL (cli_exit_code (gpg_error (GPG_ERR_INV_ARG)),
                   CLI_EXIT_USAGE);
  CU_ASSERT_EQUAL (cli_exit_fail (gpg_error (GPG_ERR_INV_ARG)),
                   CLI_EXIT_FAIL);
  CU_ASSERT_EQUAL (cli_exit_fail (0), CLI_EXIT_FAIL);
}

static const cutest_t tests[] = {
  CUTEST (test_own_options),
  CUTEST (test_groups),
  CUTEST (test_errors),
  CUTEST (test_numbers),
  CUTEST (test_in_order),
  CUTEST (test_help),
  CUTEST (test_usage_wrap),
  CUTEST (test_json),
  CUTEST (test_exit_codes),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("cli", tests, NULL, NULL);
}
