/* cli-parse.c - one parser for every vsctool command
 *
 * The options a command takes are its own table (cli_cmd_t.opts) plus
 * the groups named by its flags; both become one getopt_long table, so
 * --help, the password source, --json, the KDF parameters, the reader
 * and scan options, argument counts and the usage line are handled here
 * and nowhere else. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <getopt.h>

#include "cli/cli.h"
#include "common/util.h"
#include "common/i18n.h"

/* Ids of the group options (above any command's own ids). */
enum {
  CLI_G_HELP = 0x10000, CLI_G_LIST, CLI_G_PWFILE, CLI_G_PWFD, CLI_G_JSON,
  CLI_G_KDF_M, CLI_G_KDF_T, CLI_G_KDF_P, CLI_G_READER, CLI_G_EMU,
  CLI_G_PINFILE, CLI_G_QUIET, CLI_G_RANGE, CLI_G_BUDGET, CLI_G_NOSCAN
};

/* The groups: which flag brings which options (ID is what getopt_long
 * returns for them). */
typedef struct cli_group {
  unsigned flag;          /* 0 = always */
  int id;
  cli_opt_t opt;
} cli_group_t;

static const cli_group_t cli_parse_groups[] = {
  { CLI_CMD_PW | CLI_CMD_PWFILE, CLI_G_PWFILE, { "password-file=F",
      N_("read the VSC password from the first line of file F") } },
  { CLI_CMD_PW, CLI_G_PWFD, { "password-fd=N",
      N_("read the VSC password from file descriptor N") } },
  { CLI_CMD_KDF, CLI_G_KDF_M, { "kdf-memory=KIB",
      N_("Argon2id memory in KiB for a new password (default 65536)") } },
  { CLI_CMD_KDF, CLI_G_KDF_T, { "kdf-iterations=N",
      N_("Argon2id iterations (default 3)") } },
  { CLI_CMD_KDF, CLI_G_KDF_P, { "kdf-parallelism=N",
      N_("Argon2id lanes (default 4)") } },
  { CLI_CMD_READER, CLI_G_READER, { "reader=R",
      N_("use the card in reader R (default: the first with a card)") } },
  { CLI_CMD_READER, CLI_G_EMU, { "emu=PROFILE",
      N_("use an in-process emulated card instead of a reader") } },
  { CLI_CMD_PINFILE, CLI_G_PINFILE, { "pin-file=F",
      N_("card PINs from F: one line, or lines RR:PIN per reference") } },
  { CLI_CMD_SCAN, CLI_G_RANGE, { "scan-range=FIRST-LAST...",
      N_("FIDs to probe in every DF, in hex (repeatable)") } },
  { CLI_CMD_SCAN, CLI_G_BUDGET, { "scan-budget=N",
      N_("at most N SELECTs for the FID scan") } },
  { CLI_CMD_SCAN, CLI_G_NOSCAN, { "no-scan",
      N_("no FID scan (only what the card lists)") } },
  { CLI_CMD_JSON, CLI_G_JSON, { "json", N_("machine-readable output") } },
  { CLI_CMD_QUIET, CLI_G_QUIET, { "quiet", N_("no progress on stderr") } },
  { 0, CLI_G_HELP, { "help", N_("show this help") } },
  /* hidden (no help line): the options for shell completion */
  { 0, CLI_G_LIST, { "list-options", NULL } }
};

/* An option spec taken apart: "[C,]NAME[=ARG][...]". */
typedef struct cli_spec {
  char name[48];
  char arg[40];           /* "" = takes no value */
  int letter;             /* 0 = no short form */
  bool multi;
  const char *help;       /* untranslated, NULL = hidden */
} cli_spec_t;

static void
cli_parse_spec (const cli_opt_t *o, cli_spec_t *sp)
{
  const char *p = o->spec, *eq;
  size_t n;

  memset (sp, 0, sizeof *sp);
  sp->help = o->help;
  if (p[0] && p[1] == ',')
    {
      sp->letter = (unsigned char) p[0];
      p += 2;
    }
  n = strlen (p);
  if (n >= 3 && !strcmp (p + n - 3, "..."))
    {
      sp->multi = true;
      n -= 3;
    }
  eq = memchr (p, '=', n);
  if (eq)
    {
      snprintf (sp->arg, sizeof sp->arg, "%.*s", (int) (n - (size_t) (eq - p)
                                                        - 1), eq + 1);
      n = (size_t) (eq - p);
    }
  snprintf (sp->name, sizeof sp->name, "%.*s", (int) n, p);
}

/* Call FN for every option of CMD: its own first (ID = its letter, or
 * CLI_OPT_ID + its index), then the groups. */
#define CLI_OPT_ID 0x100
typedef void (*cli_parse_each_fn) (void *ctx, const cli_spec_t *o, int id);

static void
cli_parse_each (const cli_cmd_t *cmd, cli_parse_each_fn fn, void *ctx)
{
  cli_spec_t sp;
  size_t i;

  for (i = 0; cmd->opts && cmd->opts[i].spec; i++)
    {
      cli_parse_spec (&cmd->opts[i], &sp);
      fn (ctx, &sp, sp.letter ? sp.letter : CLI_OPT_ID + (int) i);
    }
  for (i = 0; i < DIM (cli_parse_groups); i++)
    if (!cli_parse_groups[i].flag || (cmd->flags & cli_parse_groups[i].flag))
      {
        cli_parse_spec (&cli_parse_groups[i].opt, &sp);
        fn (ctx, &sp, cli_parse_groups[i].id);
      }
}

/* ---- usage and help -------------------------------------------------- */

typedef struct cli_parse_line {
  char buf[2048];
  size_t len, col;
} cli_parse_line_t;

/* Append WORD, wrapping before column 78 with a 7-space indent. */
static void
cli_parse_word (cli_parse_line_t *l, const char *word)
{
  size_t n = strlen (word);

  if (l->len + n + 10 >= sizeof l->buf)
    return;
  if (l->col + 1 + n > 78 && l->col > 20)
    {
      l->len += (size_t) snprintf (l->buf + l->len, sizeof l->buf - l->len,
                                   "\n       ");
      l->col = 7;
    }
  else if (l->len)
    {
      l->buf[l->len++] = ' ';
      l->col++;
    }
  memcpy (l->buf + l->len, word, n + 1);
  l->len += n;
  l->col += n;
}

static void
cli_parse_opt_word (void *ctx, const cli_spec_t *o, int id)
{
  char w[160];

  if (id == CLI_G_HELP || !o->help)
    return;
  if (o->letter)
    snprintf (w, sizeof w, "[-%c%s%s]", o->letter, *o->arg ? " " : "",
              o->arg);
  else
    snprintf (w, sizeof w, "[--%s%s%s]%s", o->name, *o->arg ? " " : "",
              o->arg, o->multi ? "..." : "");
  cli_parse_word (ctx, w);
}

void
cli_print_usage (FILE *fp, const cli_cmd_t *cmd)
{
  cli_parse_line_t l;
  char *args, *tok, *save = NULL;
  char name[128];

  snprintf (name, sizeof name, "%s%s%s", cmd->parent ? cmd->parent : "",
            cmd->parent ? " " : "", cmd->name);
  memset (&l, 0, sizeof l);
  l.col = strlen ("usage: vsctool ") + strlen (name);
  cli_parse_each (cmd, cli_parse_opt_word, &l);
  args = xtrystrdup (cmd->args ? cmd->args : "");
  for (tok = args ? strtok_r (args, " ", &save) : NULL; tok;
       tok = strtok_r (NULL, " ", &save))
    cli_parse_word (&l, tok);
  xfree (args);
  fprintf (fp, _("usage: vsctool %s %s\n"), name, l.buf);
}

int
cli_usage (const cli_cmd_t *cmd)
{
  cli_print_usage (stderr, cmd);
  return CLI_EXIT_USAGE;
}

/* Print TEXT after a space, the caller having printed COL - 1
 * columns; wrapped before column 79 with that indent (by bytes:
 * translations are mostly ASCII; a long word is never cut). */
static void
cli_parse_wrap (const char *text, size_t col)
{
  size_t pos = col - 1;
  bool first = true;

  while (*text)
    {
      size_t n = strcspn (text, " ");
      if (!first && pos + 1 + n > 79)
        {
          printf ("\n%*s", (int) (col - 1), "");
          pos = col - 1;
        }
      putchar (' ');
      fwrite (text, 1, n, stdout);
      pos += 1 + n;
      text += n;
      while (*text == ' ')
        text++;
      first = false;
    }
  putchar ('\n');
}

static void
cli_parse_opt_help (void *ctx, const cli_spec_t *o, int id)
{
  char left[128];

  (void) ctx;
  (void) id;
  if (!o->help)
    return;
  if (o->letter)
    snprintf (left, sizeof left, "-%c, --%s%s%s", o->letter, o->name,
              *o->arg ? " " : "", o->arg);
  else
    snprintf (left, sizeof left, "--%s%s%s", o->name, *o->arg ? " " : "",
              o->arg);
  if (strlen (left) > 24)
    printf ("  %s\n  %-24s", left, "");
  else
    printf ("  %-24s", left);
  cli_parse_wrap (_(o->help), 27);
}

void
cli_print_help (const cli_cmd_t *cmd)
{
  cli_print_usage (stdout, cmd);
  if (cmd->summary)
    printf ("%s\n", _(cmd->summary));
  printf ("\n");
  printf (_("Options:\n"));
  cli_parse_each (cmd, cli_parse_opt_help, NULL);
}

static void
cli_parse_opt_list (void *ctx, const cli_spec_t *o, int id)
{
  FILE *fp = ctx;

  if (id == CLI_G_LIST)
    return;
  if (o->letter)
    fprintf (fp, "-%c\n", o->letter);
  fprintf (fp, "--%s\n", o->name);
}

void
cli_print_options (FILE *fp, const cli_cmd_t *cmd)
{
  cli_parse_each (cmd, cli_parse_opt_list, fp);
}

/* ---- parsing --------------------------------------------------------- */

typedef struct cli_parse_tab {
  struct option *lo;
  cli_spec_t *specs;      /* the names lo points to */
  size_t n;
  char shorts[128];
  size_t ns;
} cli_parse_tab_t;

static void
cli_parse_add (void *ctx, const cli_spec_t *o, int id)
{
  cli_parse_tab_t *t = ctx;
  struct option *lo = &t->lo[t->n];

  t->specs[t->n] = *o;
  lo->name = t->specs[t->n].name;
  lo->has_arg = *o->arg ? required_argument : no_argument;
  lo->flag = NULL;
  lo->val = id;
  t->n++;
  if (o->letter && t->ns + 3 < sizeof t->shorts)
    {
      t->shorts[t->ns++] = (char) o->letter;
      if (*o->arg)
        t->shorts[t->ns++] = ':';
    }
}

static void
cli_parse_count (void *ctx, const cli_spec_t *o, int id)
{
  (void) o;
  (void) id;
  (*(size_t *) ctx)++;
}

/* A number for an option of a group. */
static int
cli_parse_number (const char *arg, const char *opt, unsigned long max,
                  unsigned long *r)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (arg, &end, 10);
  if (errno || end == arg || *end || *arg == '-' || v > max)
    {
      cli_msg (_("bad value '%s' for %s"), arg, opt);
      return CLI_EXIT_USAGE;
    }
  *r = v;
  return 0;
}

static int
cli_parse_range (cli_ctx_t *c, const char *arg)
{
  char *end;
  unsigned long a, b;

  a = strtoul (arg, &end, 16);
  if (end == arg || *end != '-' || a > 0xFFFF)
    goto bad;
  b = strtoul (end + 1, &end, 16);
  if (*end || b > 0xFFFF || b < a)
    goto bad;
  if (c->n_ranges >= CLI_MAX_RANGES)
    {
      cli_msg (_("at most %d --scan-range options"), CLI_MAX_RANGES);
      return CLI_EXIT_USAGE;
    }
  c->ranges[c->n_ranges].first = (uint16_t) a;
  c->ranges[c->n_ranges].last = (uint16_t) b;
  c->n_ranges++;
  return 0;
 bad:
  cli_msg (_("--scan-range wants FIRST-LAST in hex (e.g. 4F00-4F0F), "
             "not '%s'"), arg);
  return CLI_EXIT_USAGE;
}

/* A group option: 0, or an exit code. */
static int
cli_parse_group (cli_ctx_t *c, int key, const char *arg)
{
  unsigned long v;
  int rc = 0;

  switch (key)
    {
    case CLI_G_PWFILE: c->pw.file = arg; break;
    case CLI_G_PWFD:
      rc = cli_parse_number (arg, "--password-fd", 1000000, &v);
      if (!rc)
        c->pw.fd = (int) v;
      break;
    case CLI_G_JSON: c->json = true; break;
    case CLI_G_QUIET: c->quiet = true; break;
    case CLI_G_KDF_M:
      rc = cli_parse_number (arg, "--kdf-memory", (unsigned long) -1,
                             &c->kdf_m_kib);
      c->kdf_set = true;
      break;
    case CLI_G_KDF_T:
      rc = cli_parse_number (arg, "--kdf-iterations", (unsigned long) -1,
                             &c->kdf_t);
      c->kdf_set = true;
      break;
    case CLI_G_KDF_P:
      rc = cli_parse_number (arg, "--kdf-parallelism", (unsigned long) -1,
                             &c->kdf_p);
      c->kdf_set = true;
      break;
    case CLI_G_READER: c->reader = arg; break;
    case CLI_G_EMU: c->emu = arg; break;
    case CLI_G_PINFILE: c->pin_file = arg; break;
    case CLI_G_NOSCAN: c->no_scan = true; break;
    case CLI_G_BUDGET:
      {
        char *end;
        v = strtoul (arg, &end, 10);
        if (!*arg || *end || *arg == '-' || !v)
          {
            cli_msg (_("--scan-budget wants a positive number, not '%s'"),
                     arg);
            return CLI_EXIT_USAGE;
          }
        c->scan_budget = v;
      }
      break;
    case CLI_G_RANGE:
      rc = cli_parse_range (c, arg);
      break;
    default:
      rc = cli_usage (c->cmd);
      break;
    }
  return rc;
}

/* An own option: count it and keep its value. */
static gpg_error_t
cli_parse_own (cli_ctx_t *c, size_t i, const char *arg)
{
  const char **nv;

  if (c->own[i].multi || !c->values[i])
    {
      nv = xtryrealloc (c->values[i], (c->count[i] + 2) * sizeof *nv);
      if (!nv)
        return gpg_error_from_syserror ();
      c->values[i] = nv;
      nv[c->count[i]] = arg;
      nv[c->count[i] + 1] = NULL;
    }
  else
    c->values[i][0] = arg;
  c->count[i]++;
  return 0;
}

int
cli_parse (const cli_cmd_t *cmd, int argc, char **argv, cli_ctx_t *c,
           bool *done)
{
  cli_parse_tab_t t;
  size_t n = 0, i;
  int ch, rc = 0;

  *done = false;
  memset (c, 0, sizeof *c);
  memset (&t, 0, sizeof t);
  c->cmd = cmd;
  c->pw.fd = -1;
  cli_parse_each (cmd, cli_parse_count, &n);
  for (i = 0; cmd->opts && cmd->opts[i].spec; i++)
    c->n_opts++;
  t.lo = xtrycalloc (n + 1, sizeof *t.lo);
  t.specs = xtrycalloc (n + 1, sizeof *t.specs);
  c->own = xtrycalloc (c->n_opts + 1, sizeof *c->own);
  c->count = xtrycalloc (c->n_opts + 1, sizeof *c->count);
  c->values = xtrycalloc (c->n_opts + 1, sizeof *c->values);
  if (!t.lo || !t.specs || !c->own || !c->count || !c->values)
    {
      cli_error (gpg_error_from_syserror (), _("out of memory"));
      rc = CLI_EXIT_FAIL;
      goto leave;
    }
  if (cmd->flags & CLI_CMD_IN_ORDER)
    t.shorts[t.ns++] = '+';
  t.shorts[t.ns++] = 'h';
  cli_parse_each (cmd, cli_parse_add, &t);
  for (i = 0; i < c->n_opts; i++)
    c->own[i] = t.specs[i];     /* the own options come first */

  optind = 0;       /* glibc: start afresh (commands parse again) */
  while (!rc && (ch = getopt_long (argc, argv, t.shorts, t.lo, NULL)) != -1)
    {
      if (ch == 'h' || ch == CLI_G_HELP)
        {
          cli_print_help (cmd);
          *done = true;
          goto leave;
        }
      if (ch == CLI_G_LIST)
        {
          cli_print_options (stdout, cmd);
          *done = true;
          goto leave;
        }
      for (i = 0; i < c->n_opts; i++)
        if (c->own[i].letter ? c->own[i].letter == ch
            : CLI_OPT_ID + (int) i == ch)
          break;
      if (i < c->n_opts)
        {
          gpg_error_t err = cli_parse_own (c, i, optarg);
          if (err)
            {
              cli_error (err, _("out of memory"));
              rc = CLI_EXIT_FAIL;
            }
        }
      else if (ch >= CLI_G_HELP)
        rc = cli_parse_group (c, ch, optarg);
      else
        rc = cli_usage (cmd);
    }
  if (rc)
    goto leave;
  if (c->reader && c->emu)
    {
      cli_msg (_("--reader and --emu exclude each other"));
      rc = CLI_EXIT_USAGE;
      goto leave;
    }
  c->argc = argc - optind;
  c->argv = argv + optind;
  if (c->argc < cmd->min_args
      || (cmd->max_args >= 0 && c->argc > cmd->max_args))
    rc = cli_usage (cmd);

 leave:
  xfree (t.lo);
  xfree (t.specs);
  return rc;
}

void
cli_ctx_release (cli_ctx_t *c)
{
  size_t i;

  if (c->values)
    for (i = 0; i < c->n_opts; i++)
      xfree (c->values[i]);
  xfree (c->values);
  xfree (c->count);
  xfree (c->own);
  c->own = NULL;
  c->values = NULL;
  c->count = NULL;
  c->n_opts = 0;
}

int
cli_run (const cli_cmd_t *cmd, int argc, char **argv)
{
  cli_ctx_t c;
  bool done;
  int rc;

  rc = cli_parse (cmd, argc, argv, &c, &done);
  if (!rc && !done)
    rc = cmd->exec (&c);
  cli_ctx_release (&c);
  return rc;
}

/* ---- reading the options ---------------------------------------------- */

static size_t
cli_parse_index (const cli_ctx_t *c, const char *name)
{
  size_t i;

  for (i = 0; i < c->n_opts; i++)
    if (!strcmp (c->own[i].name, name))
      return i;
  /* A command asked for an option its table does not have. */
  fprintf (stderr, "vsctool: internal error: '%s' has no option --%s\n",
           c->cmd->name, name);
  return (size_t) -1;
}

unsigned
cli_count (const cli_ctx_t *c, const char *name)
{
  size_t i = cli_parse_index (c, name);
  return i == (size_t) -1 ? 0 : c->count[i];
}

const char *
cli_get (const cli_ctx_t *c, const char *name)
{
  size_t i = cli_parse_index (c, name);

  if (i == (size_t) -1 || !c->count[i] || !c->values[i])
    return NULL;
  return c->own[i].multi
         ? c->values[i][c->count[i] - 1] : c->values[i][0];
}

const char *const *
cli_get_all (const cli_ctx_t *c, const char *name, size_t *r_n)
{
  size_t i = cli_parse_index (c, name);

  *r_n = 0;
  if (i == (size_t) -1 || !c->count[i])
    return NULL;
  *r_n = c->count[i];
  return c->values[i];
}

int
cli_get_ulong (const cli_ctx_t *c, const char *name, unsigned long min,
               unsigned long max, unsigned long *r)
{
  size_t i = cli_parse_index (c, name);
  const char *v = cli_get (c, name);
  char opt[80];
  int rc;

  if (!v)
    return 1;
  snprintf (opt, sizeof opt, "--%s", c->own[i].name);
  rc = cli_parse_number (v, opt, max, r);
  if (!rc && *r < min)
    {
      cli_msg (_("bad value '%s' for %s"), v, opt);
      rc = CLI_EXIT_USAGE;
    }
  return rc;
}
