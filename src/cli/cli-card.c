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
#include <time.h>
#include <pthread.h>
#include <sys/ioctl.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"

static volatile int cli_card_cancel;
static bool cli_card_progress_shown;
static struct sigaction cli_card_old_int, cli_card_old_term;
static bool cli_card_cb_active;

/* The progress line on a terminal. The operation runs on the calling
 * thread and reports when it has something to say; a ticker thread,
 * which exists only while an operation runs, redraws the line once a
 * second so that the elapsed time moves during a slow APDU too. The
 * line is not drawn while a PIN is asked for. */
static pthread_mutex_t cli_card_tick_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cli_card_tick_cond;
static pthread_t cli_card_tick_thread;
static bool cli_card_tick_running;    /* the thread exists */
static bool cli_card_tick_stop;
static bool cli_card_tick_paused;     /* a PIN prompt is on the terminal */
static bool cli_card_tick_have;       /* LAST holds a progress report */
static scapi_progress_t cli_card_tick_last;
static struct timespec cli_card_tick_at;   /* when LAST arrived */
static double cli_card_tick_drawn;          /* its elapsed when drawn */

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

static gpg_error_t cli_card_pin_ask (const cli_ctx_t *c,
                                     const scapi_pin_request_t *req,
                                     const char *what, char **r_pin);

static gpg_error_t
cli_card_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  const cli_ctx_t *c = ctx;
  char what[128];
  gpg_error_t err;

  *r_pin = NULL;
  if (req->label[0])
    snprintf (what, sizeof what, _("PIN \"%s\" (reference %02X)"),
              sanitize_str (req->label), req->ref);
  else
    snprintf (what, sizeof what, _("PIN reference %02X"), req->ref);
  pthread_mutex_lock (&cli_card_tick_lock);
  cli_card_tick_paused = true;
  if (cli_card_progress_shown)
    {
      fputc ('\n', stderr);
      cli_card_progress_shown = false;
    }
  pthread_mutex_unlock (&cli_card_tick_lock);
  err = cli_card_pin_ask (c, req, what, r_pin);
  pthread_mutex_lock (&cli_card_tick_lock);
  cli_card_tick_paused = false;
  pthread_mutex_unlock (&cli_card_tick_lock);
  return err;
}

/* The PIN question itself (progress line paused by the caller). */
static gpg_error_t
cli_card_pin_ask (const cli_ctx_t *c, const scapi_pin_request_t *req,
                  const char *what, char **r_pin)
{
  char prompt[256];
  gpg_error_t err;

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

/* "12 s", "3:05". */
static void
cli_card_time (double s, char *buf, size_t n)
{
  unsigned long t = s < 0 ? 0 : (unsigned long)(s + 0.5);
  if (t < 60)
    snprintf (buf, n, _("%lu s"), t);
  else
    snprintf (buf, n, "%lu:%02lu", t / 60, t % 60);
}

/* Write the progress line P at ELAPSED seconds (caller holds the lock).
 * Truncated to the terminal width, so it stays one line. */
static void
cli_card_draw (const scapi_progress_t *p, double elapsed)
{
  char line[640], el[32], eta[32];
  size_t n = 0, width = 80;
  struct winsize ws;

#define CLI_CARD_PUT(...) \
  do { if (n < sizeof line) \
         n += snprintf (line + n, sizeof line - n, __VA_ARGS__); } while (0)
  if (!ioctl (2, TIOCGWINSZ, &ws) && ws.ws_col > 20)
    width = ws.ws_col - 1;
  CLI_CARD_PUT ("%s", scapi_phase_label (p->phase));
  if (p->phase == SCAPI_PHASE_SCAN && p->scope[0])
    CLI_CARD_PUT (_(" in %s"), sanitize_str (p->scope));
  if (p->node[0] && p->phase != SCAPI_PHASE_SCAN)
    CLI_CARD_PUT (" %s", sanitize_str (p->node));
  /* What moves first (the line is cut at the terminal's width). */
  if (p->percent >= 0)
    CLI_CARD_PUT ("  %d%%", p->percent);
  cli_card_time (elapsed, el, sizeof el);
  CLI_CARD_PUT (_("  %s elapsed"), el);
  if (p->eta >= 0 && p->phase != SCAPI_PHASE_DONE)
    {
      cli_card_time (p->eta, eta, sizeof eta);
      CLI_CARD_PUT (_(", %s left"), eta);
    }
  if (p->phase == SCAPI_PHASE_SCAN && p->scan_budget)
    CLI_CARD_PUT (_("  %lu of %lu SELECTs,"), p->scan_done, p->scan_budget);
  CLI_CARD_PUT (_("  %zu nodes, %zu bytes, %lu APDUs"), p->nodes_done,
                p->bytes_done, p->apdus);
  if (p->apdu_rate > 0)
    CLI_CARD_PUT (_(" (%.0f/s)"), p->apdu_rate);
#undef CLI_CARD_PUT
  if (n >= sizeof line)
    n = sizeof line - 1;
  if (n > width)
    n = width;
  fprintf (stderr, "\r\033[K%.*s", (int)n, line);
  fflush (stderr);
  cli_card_progress_shown = true;
}

static double
cli_card_since (const struct timespec *t)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void
cli_card_progress (void *ctx, const scapi_progress_t *p)
{
  bool draw;
  (void)ctx;
  if (!isatty (2))
    return;
  pthread_mutex_lock (&cli_card_tick_lock);
  /* At most ten lines a second (a fast card reports thousands of SELECTs);
   * a new phase is shown at once. */
  draw = !cli_card_tick_have || p->phase != cli_card_tick_last.phase
    || p->phase == SCAPI_PHASE_DONE
    || p->elapsed - cli_card_tick_drawn >= 0.1;
  cli_card_tick_last = *p;
  cli_card_tick_have = true;
  clock_gettime (CLOCK_MONOTONIC, &cli_card_tick_at);
  if (!cli_card_tick_paused && draw)
    {
      cli_card_draw (p, p->elapsed);
      cli_card_tick_drawn = p->elapsed;
    }
  if (p->phase == SCAPI_PHASE_DONE && cli_card_progress_shown)
    {
      fputc ('\n', stderr);
      cli_card_progress_shown = false;
      cli_card_tick_have = false;
    }
  pthread_mutex_unlock (&cli_card_tick_lock);
}

/* The ticker: once a second, the last line with the elapsed time now. */
static void *
cli_card_ticker (void *arg)
{
  struct timespec until;
  (void)arg;

  pthread_mutex_lock (&cli_card_tick_lock);
  while (!cli_card_tick_stop)
    {
      clock_gettime (CLOCK_MONOTONIC, &until);
      until.tv_sec += 1;
      while (!cli_card_tick_stop
             && pthread_cond_timedwait (&cli_card_tick_cond,
                                        &cli_card_tick_lock, &until) == 0)
        ;
      if (cli_card_tick_stop)
        break;
      if (cli_card_tick_have && !cli_card_tick_paused
          && cli_card_tick_last.phase != SCAPI_PHASE_DONE)
        cli_card_draw (&cli_card_tick_last, cli_card_tick_last.elapsed
                       + cli_card_since (&cli_card_tick_at));
    }
  pthread_mutex_unlock (&cli_card_tick_lock);
  return NULL;
}

static void
cli_card_ticker_start (void)
{
  pthread_condattr_t ca;

  if (cli_card_tick_running)
    return;
  pthread_condattr_init (&ca);
  pthread_condattr_setclock (&ca, CLOCK_MONOTONIC);
  pthread_cond_init (&cli_card_tick_cond, &ca);
  pthread_condattr_destroy (&ca);
  cli_card_tick_stop = false;
  cli_card_tick_have = false;
  cli_card_tick_drawn = 0;
  cli_card_tick_paused = false;
  if (!pthread_create (&cli_card_tick_thread, NULL, cli_card_ticker, NULL))
    cli_card_tick_running = true;
  else
    pthread_cond_destroy (&cli_card_tick_cond);
}

static void
cli_card_ticker_stop (void)
{
  if (!cli_card_tick_running)
    return;
  pthread_mutex_lock (&cli_card_tick_lock);
  cli_card_tick_stop = true;
  pthread_cond_signal (&cli_card_tick_cond);
  pthread_mutex_unlock (&cli_card_tick_lock);
  pthread_join (cli_card_tick_thread, NULL);
  pthread_cond_destroy (&cli_card_tick_cond);
  cli_card_tick_running = false;
}

void
cli_card_cb (const cli_ctx_t *c, scapi_cb_t *cb)
{
  struct sigaction sa;

  memset (cb, 0, sizeof *cb);
  cb->pin = cli_card_pin;
  cb->pin_ctx = (void *) c;
  if ((c->cmd->flags & CLI_CMD_QUIET) && !c->quiet && !c->json)
    {
      cb->progress = cli_card_progress;
      if (isatty (2))
        cli_card_ticker_start ();
    }
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
  cli_card_ticker_stop ();
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
