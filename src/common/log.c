/* log.c - leveled logging and the redacted APDU transcript
 *
 * Output goes to stderr (unless quiet) or to a log file opened for
 * appending with mode 0600, plus an optional sink callback (the manager's
 * log view). One mutex serialises all output so that a card worker thread
 * and the UI thread can both log. The sink is called with the mutex held;
 * whatever it logs itself is dropped (instead of deadlocking).
 *
 * Redaction (see log.h): the transcript never shows the data field of a
 * secret command, only its header and the number of bytes hidden, and
 * never the data of a secret response, only its length and status word. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "i18n.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile int log_level = LOG_LEVEL_WARN;
static FILE *log_fp;            /* NULL: stderr */
static log_sink_fn log_sink;
static void *log_sink_ctx;
static bool log_quiet;

void
log_set_level (int level)
{
  if (level < LOG_LEVEL_ERROR)
    level = LOG_LEVEL_ERROR;
  if (level > LOG_LEVEL_APDU)
    level = LOG_LEVEL_APDU;
  log_level = level;
}

int
log_get_level (void)
{
  return log_level;
}

gpg_error_t
log_set_file (const char *path)
{
  FILE *fp = NULL, *old;
  int fd;

  if (path)
    {
      fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY,
                 0600);
      if (fd < 0)
        return gpg_error_from_syserror ();
      fp = fdopen (fd, "a");
      if (!fp)
        {
          gpg_error_t err = gpg_error_from_syserror ();
          close (fd);
          return err;
        }
      setvbuf (fp, NULL, _IOLBF, 0);
    }
  pthread_mutex_lock (&log_lock);
  old = log_fp;
  log_fp = fp;
  pthread_mutex_unlock (&log_lock);
  if (old)
    fclose (old);
  return 0;
}

void
log_set_sink (log_sink_fn fn, void *ctx)
{
  pthread_mutex_lock (&log_lock);
  log_sink = fn;
  log_sink_ctx = ctx;
  pthread_mutex_unlock (&log_lock);
}

void
log_set_quiet (bool quiet)
{
  pthread_mutex_lock (&log_lock);
  log_quiet = quiet;
  pthread_mutex_unlock (&log_lock);
}

static const char *
log_prefix (int level)
{
  switch (level)
    {
    case LOG_LEVEL_ERROR: return _("error: ");
    case LOG_LEVEL_WARN:  return _("warning: ");
    case LOG_LEVEL_DEBUG: return "debug: ";
    case LOG_LEVEL_APDU:  return "apdu: ";
    default:              return "";
    }
}

/* Emit one finished line (no trailing newline) to every destination. */
static _Thread_local bool log_in_sink;

static void
log_emit (int level, const char *line)
{
  /* A sink that logs would deadlock on the mutex: drop such lines. */
  if (log_in_sink)
    return;
  pthread_mutex_lock (&log_lock);
  if (log_fp)
    {
      char ts[32];
      time_t now = time (NULL);
      struct tm tm;

      if (!localtime_r (&now, &tm)
          || !strftime (ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm))
        strcpy (ts, "-");
      fprintf (log_fp, "%s [%d] %s%s\n", ts, (int)getpid (),
               log_prefix (level), line);
      fflush (log_fp);
    }
  else if (!log_quiet)
    {
      fprintf (stderr, "%s: %s%s\n", program_invocation_short_name,
               log_prefix (level), line);
    }
  if (log_sink)
    {
      log_in_sink = true;
      log_sink (log_sink_ctx, level, line);
      log_in_sink = false;
    }
  pthread_mutex_unlock (&log_lock);
}

static void log_vmsg (int level, const char *fmt, va_list ap)
  __attribute__((format(printf, 2, 0)));

static void
log_vmsg (int level, const char *fmt, va_list ap)
{
  char small[512];
  char *line = small;
  va_list ap2;
  int n;
  size_t len;

  va_copy (ap2, ap);
  n = vsnprintf (small, sizeof small, fmt, ap);
  if (n < 0)
    {
      va_end (ap2);
      return;
    }
  if ((size_t)n >= sizeof small)
    {
      line = xtrymalloc ((size_t)n + 1);
      if (line)
        vsnprintf (line, (size_t)n + 1, fmt, ap2);
      else
        line = small;   /* log what fitted */
    }
  va_end (ap2);
  len = strlen (line);
  while (len && line[len - 1] == '\n')
    line[--len] = 0;
  log_emit (level, line);
  if (line != small)
    xfree (line);
}

void
log_msg (int level, const char *fmt, ...)
{
  va_list ap;

  if (level > log_level)
    return;
  va_start (ap, fmt);
  log_vmsg (level, fmt, ap);
  va_end (ap);
}


/* Redaction. */

static bool
log_ins_is_secret (uint8_t ins)
{
  switch (ins)
    {
    case 0x20: case 0x21:   /* VERIFY */
    case 0x24:              /* CHANGE REFERENCE DATA */
    case 0x2C:              /* RESET RETRY COUNTER */
    case 0xDA: case 0xDB:   /* PUT DATA */
    case 0xFE: case 0xFF:   /* YubiKey: import key, set management key */
    case 0x87:              /* GENERAL AUTHENTICATE */
    case 0xC2: case 0xC3:   /* ENVELOPE: the wrapped command is unknown */
      return true;
    default:
      return false;
    }
}

bool
log_redact_command (log_redact_t *st, const uint8_t *capdu, size_t n,
                    bool caller_secret)
{
  bool secret, chained, resp_secret;
  uint8_t cla, ins;

  if (n < 4)
    {
      st->last_secret = caller_secret || st->in_secret_chain;
      return st->last_secret;
    }
  cla = capdu[0];
  ins = capdu[1];
  chained = cla != 0xFF && (cla & 0x10);

  if (ins == 0xC0 && !caller_secret)
    {
      /* GET RESPONSE: it continues whatever came before. */
      return st->last_secret;
    }

  secret = caller_secret || st->in_secret_chain || log_ins_is_secret (ins);
  resp_secret = secret
    || (ins == 0x2A && capdu[2] == 0x80 && capdu[3] == 0x86);
  st->in_secret_chain = secret && chained;
  st->last_secret = resp_secret;
  return secret;
}

bool
log_redact_response (const log_redact_t *st)
{
  return st->last_secret;
}

/* Small bounded string builder for the formatters. */
struct lbuf {
  char *p;
  size_t sz;
  size_t len;
  bool full;
};

static void
lbuf_puts (struct lbuf *b, const char *s)
{
  size_t k = strlen (s);

  if (b->full)
    return;
  if (b->len + k + 1 > b->sz)
    {
      /* Leave room for an ellipsis. */
      b->full = true;
      if (b->sz >= 4)
        {
          if (b->len > b->sz - 4)
            b->len = b->sz - 4;
          memcpy (b->p + b->len, "...", 4);
          b->len += 3;
        }
      return;
    }
  memcpy (b->p + b->len, s, k + 1);
  b->len += k;
}

static void
lbuf_hex (struct lbuf *b, const uint8_t *p, size_t n)
{
  static const char hx[] = "0123456789ABCDEF";
  char t[4];
  size_t i;

  for (i = 0; i < n && !b->full; i++)
    {
      t[0] = ' ';
      t[1] = hx[p[i] >> 4];
      t[2] = hx[p[i] & 15];
      t[3] = 0;
      lbuf_puts (b, t);
    }
}

/* Length of the data field of a C-APDU (its Nc), or N - 4 if the APDU
 * does not parse; used only to say how many bytes were hidden. */
static size_t
log_capdu_nc (const uint8_t *c, size_t n)
{
  size_t lc;

  if (n <= 5)
    return 0;
  if (c[4])
    {
      lc = c[4];
      return 5 + lc <= n ? lc : n - 4;
    }
  if (n >= 7)
    {
      lc = get_be16 (c + 5);
      if (lc && 7 + lc <= n)
        return lc;
    }
  return n - 4;
}

void
log_format_command (char *out, size_t outsz, const uint8_t *capdu,
                    size_t n, bool secret)
{
  struct lbuf b = { out, outsz, 0, false };
  char t[48];
  size_t nc;

  if (!outsz)
    return;
  out[0] = 0;
  lbuf_puts (&b, ">");
  if (!secret)
    {
      lbuf_hex (&b, capdu, n);
      return;
    }
  lbuf_hex (&b, capdu, n < 4 ? n : 4);
  nc = n > 4 ? log_capdu_nc (capdu, n) : 0;
  if (nc)
    {
      /* Lc, data and Le all hidden: only the data length is told. */
      snprintf (t, sizeof t, " <redacted %zu bytes>", nc);
      lbuf_puts (&b, t);
    }
  else if (n > 4)
    lbuf_hex (&b, capdu + 4, n - 4);   /* just Le: nothing secret */
}

void
log_format_response (char *out, size_t outsz, const uint8_t *rapdu,
                     size_t n, bool secret)
{
  struct lbuf b = { out, outsz, 0, false };
  char t[48];
  size_t dlen = n >= 2 ? n - 2 : n;

  if (!outsz)
    return;
  out[0] = 0;
  lbuf_puts (&b, "<");
  if (secret && dlen)
    {
      snprintf (t, sizeof t, " <redacted %zu bytes>", dlen);
      lbuf_puts (&b, t);
    }
  else if (!secret)
    {
      /* The status word must survive truncation: reserve room for it. */
      struct lbuf d = b;
      d.sz = outsz > 7 ? outsz - 6 : outsz;
      lbuf_hex (&d, rapdu, dlen);
      b.len = d.len;
    }
  if (n >= 2)
    {
      b.full = false;
      lbuf_hex (&b, rapdu + n - 2, 2);
    }
}

static void
log_apdu_line (bool cmd, const uint8_t *p, size_t n, bool secret)
{
  char small[256];
  char *line = small;
  size_t sz = sizeof small;

  if (log_level < LOG_LEVEL_APDU)
    return;
  if (!secret && 3 * n + 8 > sz)
    {
      sz = 3 * n + 8;
      line = xtrymalloc (sz);
      if (!line)
        {
          line = small;
          sz = sizeof small;
        }
    }
  if (cmd)
    log_format_command (line, sz, p, n, secret);
  else
    log_format_response (line, sz, p, n, secret);
  log_emit (LOG_LEVEL_APDU, line);
  if (line != small)
    xfree (line);
}

void
log_apdu_command (const uint8_t *capdu, size_t n, bool secret)
{
  log_apdu_line (true, capdu, n, secret);
}

void
log_apdu_response (const uint8_t *rapdu, size_t n, bool secret)
{
  log_apdu_line (false, rapdu, n, secret);
}
