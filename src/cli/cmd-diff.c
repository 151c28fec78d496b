/* cmd-diff.c - vsctool diff: compare two images node by node
 *
 * Each side is a VSC file, "card:" / "card:READER" (PC/SC) or
 * "emu:PROFILE" (in-process emulator). Exit status as diff(1): 0 no
 * difference, 1 differences, other codes for errors (vsctool(1)). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"

static int cmd_diff_run (int argc, char **argv);

const cli_cmd_t cli_cmd_diff = {
  "diff",
  "[--json] [--ignore WHAT[,WHAT]] [--pin-file F] [--password-file F] "
  "[--password-file2 F] [--scan-range FIRST-LAST]... [--scan-budget N] "
  "[--no-scan] A B",
  N_("compare two VSCs / cards (card:[READER], emu:PROFILE) per node"),
  cmd_diff_run
};

enum {
  OPT_PIN = 0x100, OPT_PW, OPT_PW2, OPT_JSON, OPT_IGNORE, OPT_HELP
};

typedef struct cmd_diff_pw {
  const char *file;
} cmd_diff_pw_t;

/* Password callback: from the file, else the terminal, else none (the
 * VSC is then compared by its public area only, marked unverified). */
static gpg_error_t
cmd_diff_password (void *ctx, const char *path, char **r_pw)
{
  cmd_diff_pw_t *p = ctx;
  char prompt[300];
  gpg_error_t err;

  *r_pw = NULL;
  snprintf (prompt, sizeof prompt, _("Password of %s: "), path);
  err = cli_card_password (p->file, prompt, r_pw);
  if (gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE)
    {
      cli_msg (_("no password for %s: comparing its public area only"),
               path);
      return 0;
    }
  return err;
}

static unsigned
cmd_diff_parse_ignore (const char *s)
{
  unsigned mask = 0, bit;
  char buf[64];
  const char *p = s;

  while (*p)
    {
      size_t n = strcspn (p, ",");
      bool found = false;
      if (n >= sizeof buf)
        return (unsigned)-1;
      memcpy (buf, p, n);
      buf[n] = 0;
      for (bit = 1; bit <= IMAGE_DIFF_ALL; bit <<= 1)
        if (image_diff_what_name (bit)
            && !strcmp (image_diff_what_name (bit), buf))
          {
            mask |= bit;
            found = true;
          }
      if (!found)
        return (unsigned)-1;
      p += n;
      if (*p == ',')
        p++;
    }
  return mask;
}

static void
cmd_diff_whats (FILE *fp, unsigned what, bool json)
{
  unsigned bit;
  bool first = true;
  for (bit = 1; bit <= IMAGE_DIFF_ALL; bit <<= 1)
    if ((what & bit) && image_diff_what_name (bit))
      {
        if (json)
          fprintf (fp, "%s\"%s\"", first ? "" : ",",
                   image_diff_what_name (bit));
        else
          fprintf (fp, "%s%s", first ? "" : ", ", image_diff_what_name (bit));
        first = false;
      }
}

static int
cmd_diff_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "pin-file", 1, NULL, OPT_PIN },
    { "password-file", 1, NULL, OPT_PW },
    { "password-file2", 1, NULL, OPT_PW2 },
    { "json", 0, NULL, OPT_JSON },
    { "ignore", 1, NULL, OPT_IGNORE },
    { "help", 0, NULL, OPT_HELP },
    CLI_CARD_LONGOPTS_SCAN,
    { NULL, 0, NULL, 0 }
  };
  cli_card_opts_t co;
  cli_card_scan_t scan;
  scapi_discover_opts_t dopts;
  cmd_diff_pw_t pwa = { NULL }, pwb = { NULL };
  scapi_cb_t cb;
  image_t *a = NULL, *b = NULL;
  image_diff_t *d = NULL;
  gpg_error_t err;
  unsigned ignore = 0;
  size_t i, shown = 0;
  int c, rc = CLI_EXIT_OK;
  bool cb_set = false;

  memset (&co, 0, sizeof co);
  memset (&scan, 0, sizeof scan);
  memset (&dopts, 0, sizeof dopts);
  co.quiet = true;
  optind = 1;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_PIN: co.pin_file = optarg; break;
      case OPT_PW: pwa.file = optarg; break;
      case OPT_PW2: pwb.file = optarg; break;
      case OPT_JSON: co.json = true; break;
      case OPT_IGNORE:
        ignore = cmd_diff_parse_ignore (optarg);
        if (ignore == (unsigned)-1)
          {
            cli_msg (_("--ignore takes a list of: type, size, content, fcp, "
                       "access, area, flags, key, aid"));
            return CLI_EXIT_USAGE;
          }
        break;
      case OPT_HELP:
      case 'h':
        printf (_("usage: vsctool %s %s\n"), cli_cmd_diff.name,
                cli_cmd_diff.args);
        return CLI_EXIT_OK;
      default:
        switch (cli_card_scan_option (&scan, c, optarg))
          {
          case 1:
            break;
          case -1:
            return CLI_EXIT_USAGE;
          default:
            return cli_usage (&cli_cmd_diff);
          }
        break;
      }
  if (optind + 2 != argc)
    return cli_usage (&cli_cmd_diff);
  if (!pwb.file)
    pwb.file = pwa.file;
  cli_card_scan_apply (&scan, &dopts);

  cli_card_cb (&co, &cb);
  cb_set = true;
  cb.password = cmd_diff_password;
  cb.password_ctx = &pwa;
  err = scapi_image_load_ex (NULL, argv[optind], &dopts, &cb, &a);
  if (err)
    {
      rc = cli_card_fail (err, argv[optind]);
      goto leave;
    }
  cb.password_ctx = &pwb;
  err = scapi_image_load_ex (NULL, argv[optind + 1], &dopts, &cb, &b);
  if (err)
    {
      rc = cli_card_fail (err, argv[optind + 1]);
      goto leave;
    }
  cli_card_cb_done ();
  cb_set = false;
  err = scapi_diff (a, b, &d);
  if (err)
    {
      rc = cli_card_fail (err, _("diff"));
      goto leave;
    }

  if (co.json)
    printf ("{\"identity_changed\":%s,\"unverified\":%s,\"changes\":[",
            d->identity_changed ? "true" : "false",
            (a->unverified || b->unverified) ? "true" : "false");
  for (i = 0; i < d->n; i++)
    {
      const image_change_t *ch = &d->changes[i];
      unsigned what = ch->what & ~ignore;
      if (ch->kind == IMAGE_CHANGE_CHANGED && !what)
        continue;
      if (co.json)
        {
          printf ("%s{\"kind\":\"%s\",\"path\":", shown ? "," : "",
                  image_change_kind_name (ch->kind));
          cli_json_str (stdout, ch->path);
          printf (",\"what\":[");
          cmd_diff_whats (stdout, what, true);
          printf ("]}");
        }
      else
        {
          printf ("%-8s %s", image_change_kind_name (ch->kind),
                  sanitize_str (ch->path));
          if (ch->kind == IMAGE_CHANGE_CHANGED)
            {
              printf (" (");
              cmd_diff_whats (stdout, what, false);
              printf (")");
            }
          printf ("\n");
        }
      shown++;
    }
  if (co.json)
    printf ("],\"differences\":%zu}\n", shown);
  else
    {
      if (d->identity_changed)
        printf (_("note: the card identity differs (ATR, serial or "
                  "AIDs)\n"));
      if (a->unverified || b->unverified)
        printf (_("note: compared without a password: public area only, "
                  "not verified\n"));
      if (!shown)
        printf (_("no differences\n"));
    }
  rc = shown ? 1 : 0;

 leave:
  if (cb_set)
    cli_card_cb_done ();
  image_diff_free (d);
  image_free (a);
  image_free (b);
  fflush (stdout);
  return rc;
}
