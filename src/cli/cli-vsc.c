/* cli-vsc.c - helpers shared by vsctool's VSC file commands */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>

#include "cli/cli-vsc.h"
#include "common/util.h"
#include "common/i18n.h"

#define CLI_VSC_MAX_INPUT (16UL * 1024 * 1024)

void
cli_vsc_opts_init (cli_vsc_opts_t *o)
{
  memset (o, 0, sizeof *o);
  o->pw.fd = -1;
  o->kdf.m_kib = VSC_KDF_M_DEFAULT;
  o->kdf.t = VSC_KDF_T_DEFAULT;
  o->kdf.p = VSC_KDF_P_DEFAULT;
}

static int
cli_vsc_number (const char *arg, const char *opt, unsigned long *r)
{
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (arg, &end, 10);
  if (errno || end == arg || *end || *arg == '-')
    {
      cli_msg (_("bad value '%s' for %s"), arg, opt);
      return -1;
    }
  *r = v;
  return 1;
}

int
cli_vsc_option (cli_vsc_opts_t *o, int c, const char *arg)
{
  unsigned long v;

  switch (c)
    {
    case CLI_VSC_OPT_PWFILE:
      o->pw.file = arg;
      return 1;
    case CLI_VSC_OPT_PWFD:
      if (cli_vsc_number (arg, "--password-fd", &v) < 0 || v > 1000000)
        return -1;
      o->pw.fd = (int)v;
      return 1;
    case CLI_VSC_OPT_JSON:
      o->json = true;
      return 1;
    case CLI_VSC_OPT_KDF_M:
      if (cli_vsc_number (arg, "--kdf-memory", &o->kdf.m_kib) < 0)
        return -1;
      o->kdf_set = true;
      return 1;
    case CLI_VSC_OPT_KDF_T:
      if (cli_vsc_number (arg, "--kdf-iterations", &o->kdf.t) < 0)
        return -1;
      o->kdf_set = true;
      return 1;
    case CLI_VSC_OPT_KDF_P:
      if (cli_vsc_number (arg, "--kdf-parallelism", &o->kdf.p) < 0)
        return -1;
      o->kdf_set = true;
      return 1;
    default:
      return 0;
    }
}

bool
cli_vsc_have_pwsrc (const cli_vsc_opts_t *o)
{
  const char *env = getenv ("VSC_PASSWORD_FILE");
  return o->pw.file || o->pw.fd >= 0 || (env && *env);
}

int
cli_vsc_fail (gpg_error_t err, const char *path)
{
  const char *t = vsc_error_text ();

  if (t && *t)
    cli_msg ("%s: %s", path, t);
  else
    cli_error (err, "%s", path);
  return cli_exit_code (err);
}

int
cli_vsc_open (const cli_vsc_opts_t *o, const char *path, bool want_password,
              vsc_t **r_vsc)
{
  gpg_error_t err;
  char *pw = NULL;
  char prompt[512];

  *r_vsc = NULL;
  if (want_password)
    {
      snprintf (prompt, sizeof prompt, _("Password for %s: "), path);
      err = cli_read_password (&o->pw, prompt, false, &pw);
      if (err)
        {
          cli_error (err, _("cannot read the password"));
          return cli_exit_code (err) == CLI_EXIT_OK ? CLI_EXIT_FAIL
                 : gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE ? CLI_EXIT_AUTH
                 : cli_exit_code (err);
        }
    }
  err = vsc_open (path, pw, r_vsc);
  xfree_secure (pw);
  if (err)
    return cli_vsc_fail (err, path);
  return 0;
}

void
cli_vsc_vopts (const cli_vsc_opts_t *o, vsc_opts_t *vo)
{
  memset (vo, 0, sizeof *vo);
  vo->kdf = &o->kdf;
}

gpg_error_t
cli_vsc_read_file (const char *path, unsigned char **r_data, size_t *r_len)
{
  gpg_error_t err = 0;
  int fd;
  unsigned char *data = NULL, *p;
  size_t len = 0, cap = 0;

  *r_data = NULL;
  *r_len = 0;
  if (!strcmp (path, "-"))
    fd = 0;
  else
    fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  for (;;)
    {
      ssize_t r;
      if (len == cap)
        {
          if (cap >= CLI_VSC_MAX_INPUT)
            {
              err = gpg_error (GPG_ERR_TOO_LARGE);
              break;
            }
          cap = cap ? cap * 2 : 4096;
          p = xtryrealloc (data, cap + 1);
          if (!p)
            {
              err = gpg_error_from_syserror ();
              break;
            }
          data = p;
        }
      r = read (fd, data + len, cap - len);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          err = gpg_error_from_syserror ();
          break;
        }
      if (!r)
        break;
      len += (size_t)r;
    }
  if (fd)
    close (fd);
  if (err)
    {
      if (data)
        wipememory (data, cap);
      xfree (data);
      return err;
    }
  if (!data)
    data = xtrymalloc (1);
  if (!data)
    return gpg_error_from_syserror ();
  *r_data = data;
  *r_len = len;
  return 0;
}

void
cli_vsc_time (FILE *fp, unsigned long long t)
{
  time_t tt = (time_t)t;
  struct tm tm;
  char buf[32];

  if (gmtime_r (&tt, &tm) && strftime (buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
    fputs (buf, fp);
  else
    fprintf (fp, "%llu", t);
}
