/* cli-vsc.c - helpers shared by vsctool's VSC file commands */
#include <config.h>
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

int
cli_vsc_fail (gpg_error_t err, const char *path)
{
  const char *t = scapi_last_error_text ();

  if (t && *t)
    cli_msg ("%s: %s", path, t);
  else
    cli_error (err, "%s", path);
  return cli_exit_code (err);
}

int
cli_vsc_open (const cli_ctx_t *c, const char *path, bool want_password,
              scapi_vsc_t **r_vsc)
{
  gpg_error_t err;
  char *pw = NULL;
  char prompt[512];

  *r_vsc = NULL;
  if (want_password)
    {
      snprintf (prompt, sizeof prompt, _("Password for %s: "), path);
      err = cli_read_password (&c->pw, prompt, false, &pw);
      if (err)
        {
          cli_error (err, _("cannot read the password"));
          return cli_exit_code (err) == CLI_EXIT_OK ? CLI_EXIT_FAIL
                 : gpg_err_code (err) == GPG_ERR_NO_PASSPHRASE ? CLI_EXIT_AUTH
                 : cli_exit_code (err);
        }
    }
  err = scapi_vsc_open (path, pw, r_vsc);
  xfree_secure (pw);
  if (err)
    {
      /* The facade's sentence names the file already. */
      cli_msg ("%s", scapi_last_error_text ());
      return cli_exit_code (err);
    }
  return 0;
}

int
cli_vsc_save (scapi_vsc_t *vsc, const char *file)
{
  gpg_error_t err = scapi_vsc_save (vsc);
  return err ? cli_vsc_fail (err, file) : 0;
}

void
cli_vsc_print_password (const cli_ctx_t *c, const char *file,
                        scapi_vsc_t *vsc, const char *genpw, bool changed)
{
  if (c->json)
    {
      printf ("{\"file\":");
      cli_json_str (stdout, file);
      printf (",\"uuid\":\"%s\",\"password\":", scapi_vsc_uuid (vsc));
      cli_json_str_or_null (stdout, genpw);
      printf ("}\n");
    }
  else if (genpw && changed)
    cli_show_password (_("New password: %s\n"), genpw);
  else if (genpw)
    cli_show_password (_("Password: %s\n"), genpw);
  fflush (stdout);
}

const image_node_t *
cli_vsc_node (scapi_vsc_t *vsc, const char *file, const char *path,
              bool private_hint)
{
  const image_node_t *node = image_find_path (scapi_vsc_image (vsc), path);

  if (!node)
    cli_msg (_("%s: no node '%s'%s"), file, path,
             private_hint && !scapi_vsc_unlocked (vsc)
             ? _(" (private nodes need -a and the password)") : "");
  return node;
}

int
cli_vsc_newpw_get (const cli_ctx_t *c, const char *file, int fd,
                   bool is_new, cli_vsc_newpw_t *np)
{
  gpg_error_t err;

  memset (np, 0, sizeof *np);
  np->kdf.m_kib = c->kdf_m_kib ? c->kdf_m_kib : VSC_KDF_M_DEFAULT;
  np->kdf.t = c->kdf_t ? c->kdf_t : VSC_KDF_T_DEFAULT;
  np->kdf.p = c->kdf_p ? c->kdf_p : VSC_KDF_P_DEFAULT;
  if (!file && fd < 0)
    return 0;
  err = cli_read_secret_file (file, fd, &np->pw);
  if (err)
    {
      cli_error (err, "%s", is_new ? _("cannot read the new password")
                 : _("cannot read the password"));
      return CLI_EXIT_FAIL;
    }
  if (!*np->pw)
    {
      xfree_secure (np->pw);
      np->pw = NULL;
      cli_msg ("%s", is_new ? _("the new password is empty")
               : _("the password is empty"));
      return CLI_EXIT_USAGE;
    }
  return 0;
}

void
cli_vsc_newpw_release (cli_vsc_newpw_t *np)
{
  xfree_secure (np->pw);
  xfree_secure (np->genpw);
  np->pw = np->genpw = NULL;
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
  char buf[32];

  util_time_text (t, buf, sizeof buf);
  fputs (buf, fp);
}
