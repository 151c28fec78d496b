/* cmd-diff.c - vsctool diff: compare two images node by node
 *
 * Each side is a VSC file, "card:" / "card:READER" (PC/SC) or
 * "emu:PROFILE" (in-process emulator). Exit status as diff(1): 0 no
 * difference, 1 differences, other codes for errors (vsctool(1)). */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"

CLI_COMMAND (diff, "diff", "A B",
             N_("compare two VSCs / cards (card:[READER], emu:PROFILE) per "
                "node"),
             CLI_CMD_PWFILE | CLI_CMD_JSON | CLI_CMD_PINFILE | CLI_CMD_SCAN,
             2, 2,
             { "password-file2=F", N_("the password of B (default: the one of "
                                      "A)") },
             { "ignore=WHAT[,WHAT]", N_("type, size, content, fcp, access, "
                                        "area, flags, key, aid") });

typedef struct cmd_diff_pw {
  const char *file;
} cmd_diff_pw_t;

/* Password callback: from the file, else the terminal, else none (the
 * VSC is then compared by its public area only, marked unverified). */
static gpg_error_t
cmd_diff_password (void *ctx, const char *path, char **r_pw)
{
  cmd_diff_pw_t *p = ctx;
  cli_pwsrc_t src = CLI_PWSRC_INIT;
  char prompt[300];
  gpg_error_t err;

  *r_pw = NULL;
  snprintf (prompt, sizeof prompt, _("Password of %s: "), path);
  src.file = p->file;
  err = cli_read_password (&src, prompt, false, r_pw);
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
cmd_diff_exec (cli_ctx_t *c)
{
  scapi_discover_opts_t dopts;
  cmd_diff_pw_t pwa = { NULL }, pwb = { NULL };
  scapi_cb_t cb;
  image_t *a = NULL, *b = NULL;
  image_diff_t *d = NULL;
  gpg_error_t err;
  unsigned ignore = 0;
  size_t i, shown = 0;
  int rc = CLI_EXIT_OK;

  memset (&dopts, 0, sizeof dopts);
  if (cli_has (c, "ignore"))
    {
      ignore = cmd_diff_parse_ignore (cli_get (c, "ignore"));
      if (ignore == (unsigned)-1)
        {
          cli_msg (_("--ignore takes a list of: type, size, content, fcp, "
                     "access, area, flags, key, aid"));
          return CLI_EXIT_USAGE;
        }
    }
  pwa.file = c->pw.file;
  pwb.file = cli_has (c, "password-file2") ? cli_get (c, "password-file2")
                                            : pwa.file;
  cli_card_scan_apply (c, &dopts);

  cli_card_cb (c, &cb);
  cb.password = cmd_diff_password;
  cb.password_ctx = &pwa;
  err = scapi_image_load_ex (NULL, c->argv[0], &dopts, &cb, &a);
  if (err)
    {
      rc = cli_card_fail (err, c->argv[0]);
      goto leave;
    }
  cb.password_ctx = &pwb;
  err = scapi_image_load_ex (NULL, c->argv[1], &dopts, &cb, &b);
  if (err)
    {
      rc = cli_card_fail (err, c->argv[1]);
      goto leave;
    }
  cli_card_cb_done ();
  err = scapi_diff (a, b, &d);
  if (err)
    {
      rc = cli_card_fail (err, _("diff"));
      goto leave;
    }

  if (c->json)
    printf ("{\"identity_changed\":%s,\"unverified\":%s,\"changes\":[",
            d->identity_changed ? "true" : "false",
            (a->unverified || b->unverified) ? "true" : "false");
  for (i = 0; i < d->n; i++)
    {
      const image_change_t *ch = &d->changes[i];
      unsigned what = ch->what & ~ignore;
      if (ch->kind == IMAGE_CHANGE_CHANGED && !what)
        continue;
      if (c->json)
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
  if (c->json)
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
  cli_card_cb_done ();     /* (again: does nothing if done) */
  image_diff_free (d);
  image_free (a);
  image_free (b);
  fflush (stdout);
  return rc;
}
