/* cli-card.c - helpers shared by vsctool's card commands */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <fcntl.h>
#include <termios.h>
#include <errno.h>
#include <stdlib.h>
#include <ctype.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"

static volatile int cli_card_cancel;
static const cli_card_opts_t *cli_card_o;
static bool cli_card_progress_shown;
static struct sigaction cli_card_old_int, cli_card_old_term;

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
cli_card_open (const cli_card_opts_t *o, scapi_t **r_s, scapi_card_t **r_card)
{
  gpg_error_t err;
  char *spec = NULL;

  *r_s = NULL;
  *r_card = NULL;
  if (o->emu)
    {
      spec = xtrymalloc (strlen (o->emu) + 5);
      if (!spec)
        return cli_card_fail (gpg_error_from_syserror (), "emu");
      strcpy (spec, "emu:");
      strcat (spec, o->emu);
      if (access (o->emu, R_OK))
        {
          cli_msg (_("cannot read card profile %s: %s"), o->emu,
                   strerror (errno));
          xfree (spec);
          return CLI_EXIT_USAGE;
        }
    }
  err = scapi_new (spec, r_s);
  xfree (spec);
  if (err)
    {
      cli_error (err, _("cannot open the reader service"));
      return cli_exit_code (err);
    }
  err = scapi_card_open (*r_s, o->emu ? NULL : o->reader, r_card);
  if (err)
    {
      int rc = cli_card_fail (err, _("cannot connect to the card"));
      scapi_free (*r_s);
      *r_s = NULL;
      return rc;
    }
  return 0;
}

/* Read a line from /dev/tty without echo into secure memory. */
static gpg_error_t
cli_card_tty (const char *prompt, char **r_line)
{
  struct termios old, quiet;
  gpg_error_t err = 0;
  char *line;
  size_t n = 0;
  bool restore = false;
  int fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

  *r_line = NULL;
  if (fd < 0)
    return gpg_error (GPG_ERR_CANCELED);
  line = xtrymalloc_secure (256);
  if (!line)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (write (fd, prompt, strlen (prompt)) < 0)
    { /* nothing sensible to do */ }
  if (tcgetattr (fd, &old) == 0)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
      quiet.c_lflag |= ICANON;
      tcsetattr (fd, TCSAFLUSH, &quiet);
      restore = true;
    }
  for (;;)
    {
      char c;
      ssize_t r = read (fd, &c, 1);
      if (r < 0 && errno == EINTR)
        {
          if (cli_card_cancel)
            {
              err = gpg_error (GPG_ERR_CANCELED);
              break;
            }
          continue;
        }
      if (r <= 0 || c == '\n')
        break;
      if (n + 1 >= 256)
        {
          err = gpg_error (GPG_ERR_TOO_LARGE);
          break;
        }
      line[n++] = c;
    }
  line[n] = 0;
  if (restore)
    tcsetattr (fd, TCSAFLUSH, &old);
  if (write (fd, "\n", 1) < 0)
    { /* ignore */ }
 leave:
  close (fd);
  if (err || !n)
    {
      xfree_secure (line);
      return err ? err : gpg_error (GPG_ERR_CANCELED);
    }
  *r_line = line;
  return 0;
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
  const cli_card_opts_t *o = ctx;
  char prompt[256];
  char what[128];
  gpg_error_t err;

  *r_pin = NULL;
  if (req->label[0])
    snprintf (what, sizeof what, _("PIN \"%s\" (reference %02X)"),
              sanitize_str (req->label), req->ref);
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
             what, req->node[0] ? sanitize_str (req->node) : "-",
             req->retries);
  else
    fprintf (stderr, _("vsctool: %s is needed for %s\n"), what,
             req->node[0] ? sanitize_str (req->node) : "-");
  if (req->pinpad)
    {
      fprintf (stderr, _("vsctool: enter the PIN on the reader's PIN "
                         "pad\n"));
      return 0;
    }
  if (o && o->pin_file)
    return cli_card_pin_from_file (o->pin_file, req->ref, r_pin);
  snprintf (prompt, sizeof prompt, _("%s: "), what);
  err = cli_card_tty (prompt, r_pin);
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
           scapi_phase_label (p->phase), sanitize_str (p->node),
           p->nodes_done,
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
cli_card_cb (const cli_card_opts_t *o, scapi_cb_t *cb)
{
  struct sigaction sa;

  memset (cb, 0, sizeof *cb);
  cli_card_o = o;
  cb->pin = cli_card_pin;
  cb->pin_ctx = (void *)o;
  if (!o->quiet && !o->json)
    cb->progress = cli_card_progress;
  cb->cancel = &cli_card_cancel;
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = cli_card_on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, &cli_card_old_int);
  sigaction (SIGTERM, &sa, &cli_card_old_term);
}

void
cli_card_cb_done (void)
{
  if (cli_card_progress_shown)
    {
      fputc ('\n', stderr);
      cli_card_progress_shown = false;
    }
  sigaction (SIGINT, &cli_card_old_int, NULL);
  sigaction (SIGTERM, &cli_card_old_term, NULL);
  cli_card_o = NULL;
}

gpg_error_t
cli_card_password (const char *pwfile, const char *prompt, char **r_pw)
{
  cli_pwsrc_t src = CLI_PWSRC_INIT;
  src.file = pwfile;
  return cli_read_password (&src, prompt, false, r_pw);
}

int
cli_card_scan_option (cli_card_scan_t *sc, int c, const char *arg)
{
  char *end;
  unsigned long a, b;

  switch (c)
    {
    case CLI_CARD_OPT_NOSCAN:
      sc->no_scan = true;
      return 1;
    case CLI_CARD_OPT_BUDGET:
      a = strtoul (arg, &end, 10);
      if (!*arg || *end || *arg == '-' || !a)
        {
          cli_msg (_("--scan-budget wants a positive number, not '%s'"), arg);
          return -1;
        }
      sc->budget = a;
      return 1;
    case CLI_CARD_OPT_RANGE:
      a = strtoul (arg, &end, 16);
      if (end == arg || *end != '-' || a > 0xFFFF)
        goto bad;
      b = strtoul (end + 1, &end, 16);
      if (*end || b > 0xFFFF || b < a)
        goto bad;
      if (sc->n_ranges >= CLI_CARD_MAX_RANGES)
        {
          cli_msg (_("at most %d --scan-range options"), CLI_CARD_MAX_RANGES);
          return -1;
        }
      sc->ranges[sc->n_ranges].first = (uint16_t)a;
      sc->ranges[sc->n_ranges].last = (uint16_t)b;
      sc->n_ranges++;
      return 1;
    default:
      return 0;
    }
 bad:
  cli_msg (_("--scan-range wants FIRST-LAST in hex (e.g. 4F00-4F0F), "
             "not '%s'"), arg);
  return -1;
}

void
cli_card_scan_apply (const cli_card_scan_t *sc, scapi_discover_opts_t *o)
{
  o->no_scan = sc->no_scan;
  o->scan_budget = sc->budget;
  o->ranges = sc->n_ranges ? sc->ranges : NULL;
  o->n_ranges = sc->n_ranges;
}
