/* cli.c - messages, exit codes, password input and JSON output shared
 * by vsctool's commands (the parser is cli-parse.c) */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <termios.h>

#include "common/sanitize.h"
#include "cli/cli.h"
#include "common/util.h"
#include "common/i18n.h"

#define PW_MAX 1024

/* A message that may quote text from a VSC, a card or the server: the
 * whole line is shown with control characters escaped. */
static void cli_vmsg (const char *fmt, va_list ap)
  __attribute__ ((format (printf, 1, 0)));

static void
cli_vmsg (const char *fmt, va_list ap)
{
  char small[1024], *line = small;
  va_list aq;
  int n;

  va_copy (aq, ap);
  n = vsnprintf (small, sizeof small, fmt, aq);
  va_end (aq);
  if (n >= (int)sizeof small && (line = xtrymalloc ((size_t)n + 1)))
    vsnprintf (line, (size_t)n + 1, fmt, ap);
  if (!line)
    line = small;
  sanitize_fputs (line, stderr);
  if (line != small)
    xfree (line);
}

void
cli_msg (const char *fmt, ...)
{
  va_list ap;
  fputs ("vsctool: ", stderr);
  va_start (ap, fmt);
  cli_vmsg (fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
}

void
cli_error (gpg_error_t err, const char *fmt, ...)
{
  va_list ap;
  fputs ("vsctool: ", stderr);
  va_start (ap, fmt);
  cli_vmsg (fmt, ap);
  va_end (ap);
  if (err)
    fprintf (stderr, ": %s", vsc_strerror (err));
  fputc ('\n', stderr);
}

int
cli_exit_code (gpg_error_t err)
{
  switch (gpg_err_code (err))
    {
    case GPG_ERR_NO_ERROR:
      return CLI_EXIT_OK;
    case GPG_ERR_BAD_PASSPHRASE:
    case GPG_ERR_BAD_SIGNATURE:
    case GPG_ERR_CHECKSUM:
    case GPG_ERR_BAD_MAC:
      return CLI_EXIT_AUTH;
    case GPG_ERR_INV_OBJ:
    case GPG_ERR_BAD_DATA:
    case GPG_ERR_UNKNOWN_VERSION:
    case GPG_ERR_INV_LENGTH:
    case GPG_ERR_TOO_SHORT:
    case GPG_ERR_TOO_LARGE:
    case GPG_ERR_INV_TAG:
    case GPG_ERR_UNKNOWN_CRIT_EXTN:
    case GPG_ERR_INV_PARAMETER:
      return CLI_EXIT_FORMAT;
    case GPG_ERR_CARD:
    case GPG_ERR_CARD_NOT_PRESENT:
    case GPG_ERR_CARD_REMOVED:
    case GPG_ERR_CARD_RESET:
    case GPG_ERR_ENODEV:
    case GPG_ERR_ENXIO:
    case GPG_ERR_BAD_PIN:
    case GPG_ERR_PIN_BLOCKED:
    case GPG_ERR_WRONG_CARD:
    case GPG_ERR_USE_CONDITIONS:
      return CLI_EXIT_CARD;
    case GPG_ERR_CONFLICT:
    case GPG_ERR_EEXIST:
      return CLI_EXIT_CONFLICT;
    case GPG_ERR_CANCELED:
      return CLI_EXIT_CANCELED;
    case GPG_ERR_INV_ARG:
      return CLI_EXIT_USAGE;
    default:
      return CLI_EXIT_FAIL;
    }
}

int
cli_exit_fail (gpg_error_t err)
{
  int rc = cli_exit_code (err);
  return rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE ? CLI_EXIT_FAIL : rc;
}

/* Read one line (up to PW_MAX-1 bytes) from FD into secure memory; a
 * signal that sets *CANCEL ends it with GPG_ERR_CANCELED. */
static gpg_error_t
cli_read_line_fd (int fd, volatile int *cancel, char **r_line)
{
  char *line = xtrymalloc_secure (PW_MAX);
  size_t n = 0;
  if (!line)
    return gpg_error_from_syserror ();
  for (;;)
    {
      char c;
      ssize_t r = read (fd, &c, 1);
      if (r < 0 && errno == EINTR && cancel && *cancel)
        {
          xfree_secure (line);
          return gpg_error (GPG_ERR_CANCELED);
        }
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          gpg_error_t err = gpg_error_from_syserror ();
          xfree_secure (line);
          return err;
        }
      if (r == 0 || c == '\n')
        break;
      if (n + 1 >= PW_MAX)
        {
          xfree_secure (line);
          return gpg_error (GPG_ERR_TOO_LARGE);
        }
      line[n++] = c;
    }
  if (n && line[n - 1] == '\r')
    n--;
  line[n] = 0;
  *r_line = line;
  return 0;
}

gpg_error_t
cli_read_secret_file (const char *file, int fd, char **r_secret)
{
  gpg_error_t err;
  int myfd = -1;

  if (file)
    {
      myfd = open (file, O_RDONLY | O_CLOEXEC);
      if (myfd < 0)
        return gpg_error_from_syserror ();
      fd = myfd;
    }
  if (fd < 0)
    return gpg_error (GPG_ERR_INV_ARG);
  err = cli_read_line_fd (fd, NULL, r_secret);
  if (myfd >= 0)
    close (myfd);
  return err;
}

gpg_error_t
cli_read_tty (const char *prompt, volatile int *cancel, char **r_pw)
{
  struct termios old, quiet;
  gpg_error_t err;
  int fd = open ("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return gpg_error (GPG_ERR_NO_PASSPHRASE);
  if (write (fd, prompt, strlen (prompt)) < 0)
    { /* nothing sensible to do */ }
  if (tcgetattr (fd, &old) == 0)
    {
      quiet = old;
      quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
      quiet.c_lflag |= ICANON;
      tcsetattr (fd, TCSAFLUSH, &quiet);
      err = cli_read_line_fd (fd, cancel, r_pw);
      tcsetattr (fd, TCSAFLUSH, &old);
    }
  else
    err = cli_read_line_fd (fd, cancel, r_pw);
  if (write (fd, "\n", 1) < 0)
    { /* ignore */ }
  close (fd);
  return err;
}

gpg_error_t
cli_read_password (const cli_pwsrc_t *src, const char *prompt, bool confirm,
                   char **r_pw)
{
  gpg_error_t err;
  const char *env;
  char *pw = NULL, *pw2 = NULL;

  *r_pw = NULL;
  if (src && src->file)
    return cli_read_secret_file (src->file, -1, r_pw);
  if (src && src->fd >= 0)
    return cli_read_secret_file (NULL, src->fd, r_pw);
  env = getenv ("VSC_PASSWORD_FILE");
  if (env && *env)
    return cli_read_secret_file (env, -1, r_pw);

  err = cli_read_tty (prompt, NULL, &pw);
  if (err)
    return err;
  if (confirm)
    {
      err = cli_read_tty (_("Repeat: "), NULL, &pw2);
      if (err)
        {
          xfree_secure (pw);
          return err;
        }
      if (strcmp (pw, pw2))
        {
          xfree_secure (pw);
          xfree_secure (pw2);
          return gpg_error (GPG_ERR_BAD_PASSPHRASE);
        }
      xfree_secure (pw2);
    }
  *r_pw = pw;
  return 0;
}

bool
cli_have_pwsrc (const cli_ctx_t *c)
{
  const char *env = getenv ("VSC_PASSWORD_FILE");
  return c->pw.file || c->pw.fd >= 0 || (env && *env);
}

void
cli_show_password (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  fflush (stdout);
  fprintf (stderr, _("vsctool: this password is shown only once; "
                     "write it down or store it safely.\n"));
}

void
cli_json_str (FILE *fp, const char *s)
{
  const unsigned char *p;
  fputc ('"', fp);
  for (p = (const unsigned char *)(s ? s : ""); *p; p++)
    {
      if (*p == '"' || *p == '\\')
        fprintf (fp, "\\%c", *p);
      else if (*p == '\n')
        fputs ("\\n", fp);
      else if (*p < 0x20 || *p == 0x7f)
        fprintf (fp, "\\u%04x", *p);
      else
        fputc (*p, fp);
    }
  fputc ('"', fp);
}

void
cli_json_hex (FILE *fp, const unsigned char *p, size_t n)
{
  size_t i;
  fputc ('"', fp);
  for (i = 0; i < n; i++)
    fprintf (fp, "%02X", p[i]);
  fputc ('"', fp);
}

void
cli_json_str_or_null (FILE *fp, const char *s)
{
  if (s)
    cli_json_str (fp, s);
  else
    fputs ("null", fp);
}

void
cli_json_key (FILE *fp, const char *key, bool first)
{
  fprintf (fp, "%s\"%s\":", first ? "" : ",", key);
}

void
cli_json_field (FILE *fp, const char *key, const char *value)
{
  cli_json_key (fp, key, false);
  cli_json_str_or_null (fp, value);
}
