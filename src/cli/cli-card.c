/* cli-card.c - helpers shared by vsctool's card commands */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <termios.h>
#include <errno.h>
#include <stdlib.h>
#include <ctype.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"

static volatile int cli_card_cancel;
static bool cli_card_progress_shown;
static struct sigaction cli_card_old_int, cli_card_old_term;
static bool cli_card_cb_active;

static void
cli_card_on_signal (int sig)
{
  (void)sig;
  cli_card_cancel = 1;
}

int
cli_card_fail (gpg_error_t err, const char *what)
{
  const char *t = scapi_last_error_text ();
  if (t && *t)
    cli_msg ("%s", t);
  else
    cli_error (err, "%s", what);
  return cli_exit_code (err);
}

int
cli_card_open (const cli_ctx_t *c, cli_card_t *cs)
{
  gpg_error_t err;
  char *spec = NULL;

  memset (cs, 0, sizeof *cs);
  if (c->emu)
    {
      if (access (c->emu, R_OK))
        {
          cli_msg (_("cannot read card profile %s: %s"), c->emu,
                   strerror (errno));
          return CLI_EXIT_USAGE;
        }
      spec = xtrymalloc (strlen (c->emu) + 5);
      if (!spec)
        return cli_card_fail (gpg_error_from_syserror (), "emu");
      strcpy (spec, "emu:");
      strcat (spec, c->emu);
    }
  err = scapi_new (spec, &cs->s);
  xfree (spec);
  if (err)
    {
      cli_error (err, _("cannot open the reader service"));
      return cli_exit_code (err);
    }
  err = scapi_card_open (cs->s, c->emu ? NULL : c->reader, &cs->card);
  if (err)
    {
      int rc = cli_card_fail (err, _("cannot connect to the card"));
      cli_card_close (cs);
      return rc;
    }
  return 0;
}

void
cli_card_close (cli_card_t *cs)
{
  cli_card_cb_done ();
  scapi_card_close (cs->card);
  scapi_free (cs->s);
  cs->card = NULL;
  cs->s = NULL;
}

/* --pin-file F: one line with the PIN for every reference, or lines
 * "RR:PIN" (RR the reference in hex, e.g. "82:123456" and "83:12345678"
 * for an OpenPGP card's PW1 and PW3), optionally with one line without
 * a prefix for the other references. GPG_ERR_CANCELED if the file names
 * no PIN for REF. */
static gpg_error_t
cli_card_pin_from_file (const char *file, uint8_t ref, char **r_pin)
{
  gpg_error_t err = 0;
  char *data = NULL, *line, *next, *deflt = NULL, *found = NULL;
  size_t n = 0;
  ssize_t r;
  int fd;

  *r_pin = NULL;
  fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  data = xtrymalloc_secure (4097);
  if (!data)
    err = gpg_error_from_syserror ();
  while (!err && n < 4096 && (r = read (fd, data + n, 4096 - n)) != 0)
    {
      if (r < 0)
        err = gpg_error_from_syserror ();
      else
        n += (size_t)r;
    }
  close (fd);
  if (err)
    goto leave;
  data[n] = 0;
  for (line = data; line && *line; line = next)
    {
      size_t l = strcspn (line, "\r\n");
      next = line[l] ? line + l + 1 : NULL;
      line[l] = 0;
      if (l >= 3 && isxdigit ((unsigned char)line[0])
          && isxdigit ((unsigned char)line[1]) && line[2] == ':')
        {
          if ((uint8_t)strtoul ((char[3]){ line[0], line[1], 0 }, NULL, 16)
              == ref && !found)
            found = line + 3;
        }
      else if (!deflt && l)
        deflt = line;
    }
  if (!found)
    found = deflt;
  if (!found)
    err = gpg_error (GPG_ERR_CANCELED);
  else if (!(*r_pin = xtrystrdup_secure (found)))
    err = gpg_error_from_syserror ();
 leave:
  if (data)
    wipememory (data, n);
  xfree_secure (data);
  return err;
}

static gpg_error_t
cli_card_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  const cli_ctx_t *c = ctx;
  char prompt[256];
  char what[128];
  gpg_error_t err;

  *r_pin = NULL;
  if (req->label[0])
    snprintf (what, sizeof what, _("PIN \"%s\" (reference %02X)"),
              req->label, req->ref);
  else
    snprintf (what, sizeof what, _("PIN reference %02X"), req->ref);
  if (cli_card_progress_shown)
    {
      fputc ('\n', stderr);
      cli_card_progress_shown = false;
    }
  if (req->retries >= 0)
    fprintf (stderr, _("vsctool: %s is needed for %s; %d tries left "
                       "(a wrong PIN is not retried)\n"),
             what, req->node[0] ? req->node : "-", req->retries);
  else
    fprintf (stderr, _("vsctool: %s is needed for %s\n"), what,
             req->node[0] ? req->node : "-");
  if (req->pinpad)
    {
      fprintf (stderr, _("vsctool: enter the PIN on the reader's PIN "
                         "pad\n"));
      return 0;
    }
  if (c && c->pin_file)
    return cli_card_pin_from_file (c->pin_file, req->ref, r_pin);
  snprintf (prompt, sizeof prompt, _("%s: "), what);
  err = cli_read_tty (prompt, &cli_card_cancel, r_pin);
  if (!err && !**r_pin)
    {
      xfree_secure (*r_pin);
      *r_pin = NULL;
      err = gpg_error (GPG_ERR_CANCELED);     /* an empty answer */
    }
  else if (gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE)
    err = gpg_error (GPG_ERR_CANCELED);       /* no terminal */
  if (err)
    fprintf (stderr, _("vsctool: no PIN given; the protected nodes are "
                       "skipped\n"));
  return err;
}

static void
cli_card_progress (void *ctx, const scapi_progress_t *p)
{
  (void)ctx;
  if (!isatty (2))
    return;
  fprintf (stderr, "\r\033[K%s %.50s  %zu %s, %zu %s, %lu APDUs",
           scapi_phase_label (p->phase), p->node, p->nodes_done,
           _("nodes"), p->bytes_done, _("bytes"), p->apdus);
  if (p->eta >= 0)
    fprintf (stderr, _(", %.0f s left"), p->eta);
  cli_card_progress_shown = true;
  if (p->phase == SCAPI_PHASE_DONE)
    {
      fputc ('\n', stderr);
      cli_card_progress_shown = false;
    }
}

void
cli_card_cb (const cli_ctx_t *c, scapi_cb_t *cb)
{
  struct sigaction sa;

  memset (cb, 0, sizeof *cb);
  cb->pin = cli_card_pin;
  cb->pin_ctx = (void *) c;
  if ((c->cmd->flags & CLI_CMD_QUIET) && !c->quiet && !c->json)
    cb->progress = cli_card_progress;
  cb->cancel = &cli_card_cancel;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = cli_card_on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &cli_card_old_int);
  sigaction (SIGTERM, &sa, &cli_card_old_term);
  cli_card_cb_active = true;
}

void
cli_card_cb_done (void)
{
  if (!cli_card_cb_active)
    return;
  cli_card_cb_active = false;
  if (cli_card_progress_shown)
    {
      fputc ('\n', stderr);
      cli_card_progress_shown = false;
    }
  sigaction (SIGINT, &cli_card_old_int, NULL);
  sigaction (SIGTERM, &cli_card_old_term, NULL);
}

void
cli_card_scan_apply (const cli_ctx_t *c, scapi_discover_opts_t *o)
{
  o->no_scan = c->no_scan;
  o->scan_budget = c->scan_budget;
  o->ranges = c->n_ranges ? c->ranges : NULL;
  o->n_ranges = c->n_ranges;
}
