/* settings.c - the manager's settings and recent VSCs, persisted in
 * $XDG_CONFIG_HOME/vscman/ (default ~/.config/vscman/) as "key = value"
 * lines; written atomically (temp file + rename). */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/util.h"
#include "common/log.h"
#include "ui/ui.h"

void
settings_defaults (ui_settings_t *s)
{
  const char *home = getenv ("HOME");
  const char *data = getenv ("XDG_DATA_HOME");
  memset (s, 0, sizeof *s);
  s->idle_timeout = 120;
  s->log_level = LOG_LEVEL_INFO;
  s->verify_after_restore = true;
  if (data && *data == '/')
    snprintf (s->vsc_dir, sizeof s->vsc_dir, "%s/vscman", data);
  else
    snprintf (s->vsc_dir, sizeof s->vsc_dir, "%s/.local/share/vscman",
              home && *home ? home : "/tmp");
}

char *
settings_config_dir (void)
{
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");
  char *p;
  if (xdg && *xdg == '/')
    {
      p = xtrymalloc (strlen (xdg) + 10);
      if (p)
        sprintf (p, "%s/vscman", xdg);
    }
  else
    {
      if (!home || !*home)
        home = "/tmp";
      p = xtrymalloc (strlen (home) + 20);
      if (p)
        sprintf (p, "%s/.config/vscman", home);
    }
  return p;
}

static bool
settings_bool (const char *v)
{
  return !strcmp (v, "1") || !strcmp (v, "yes") || !strcmp (v, "true");
}

/* The file NAME of the configuration directory, for reading (NULL and
 * errno if it cannot be opened). */
static FILE *
settings_open (ui_t *ui, const char *name)
{
  char path[1024];

  snprintf (path, sizeof path, "%s/%s", ui->config_dir, name);
  return fopen (path, "r");
}

gpg_error_t
settings_load (ui_t *ui)
{
  char line[1024];
  FILE *fp = settings_open (ui, "settings");

  if (!fp)
    return errno == ENOENT ? 0 : gpg_error_from_syserror ();
  while (fgets (line, sizeof line, fp))
    {
      char *k = line, *v, *e;
      while (*k == ' ' || *k == '\t')
        k++;
      if (*k == '#' || !*k || *k == '\n')
        continue;
      v = strchr (k, '=');
      if (!v)
        continue;
      *v++ = 0;
      for (e = v + strlen (v); e > v && (e[-1] == '\n' || e[-1] == ' '); e--)
        e[-1] = 0;
      while (*v == ' ')
        v++;
      for (e = k + strlen (k); e > k && e[-1] == ' '; e--)
        e[-1] = 0;
      if (!strcmp (k, "ascii"))
        ui->settings.ascii = settings_bool (v);
      else if (!strcmp (k, "mono"))
        ui->settings.mono = settings_bool (v);
      else if (!strcmp (k, "idle-timeout"))
        {
          long t = strtol (v, NULL, 10);
          if (t >= 0 && t <= 86400)
            ui->settings.idle_timeout = (int) t;
        }
      else if (!strcmp (k, "log-level"))
        {
          long t = strtol (v, NULL, 10);
          if (t >= LOG_LEVEL_ERROR && t <= LOG_LEVEL_APDU)
            ui->settings.log_level = (int) t;
        }
      else if (!strcmp (k, "verify-after-restore"))
        ui->settings.verify_after_restore = settings_bool (v);
      else if (!strcmp (k, "server"))
        snprintf (ui->settings.server, sizeof ui->settings.server, "%s", v);
      else if (!strcmp (k, "vsc-dir") && *v == '/' && !ui->cli_vsc_dir
               && !ui->kiosk)
        snprintf (ui->settings.vsc_dir, sizeof ui->settings.vsc_dir, "%s", v);
    }
  fclose (fp);
  return 0;
}

static gpg_error_t
settings_write (ui_t *ui, const char *name, const char *text)
{
  char path[1024], tmp[1100];
  FILE *fp;
  gpg_error_t err = 0;

  if (mkdir (ui->config_dir, 0700) && errno != EEXIST)
    {
      /* Parent (~/.config) may be missing. */
      char parent[1024];
      char *slash;
      snprintf (parent, sizeof parent, "%s", ui->config_dir);
      slash = strrchr (parent, '/');
      if (slash)
        {
          *slash = 0;
          mkdir (parent, 0700);
        }
      if (mkdir (ui->config_dir, 0700) && errno != EEXIST)
        return gpg_error_from_syserror ();
    }
  snprintf (path, sizeof path, "%s/%s", ui->config_dir, name);
  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  fp = fopen (tmp, "w");
  if (!fp)
    return gpg_error_from_syserror ();
  if (fputs (text, fp) == EOF || fflush (fp) || fsync (fileno (fp)))
    err = gpg_error_from_syserror ();
  if (fclose (fp) && !err)
    err = gpg_error_from_syserror ();
  if (!err && rename (tmp, path))
    err = gpg_error_from_syserror ();
  if (err)
    unlink (tmp);
  return err;
}

gpg_error_t
settings_save (ui_t *ui)
{
  char text[2048];
  snprintf (text, sizeof text,
            "# vscman settings\n"
            "ascii = %s\nmono = %s\nidle-timeout = %d\nlog-level = %d\n"
            "verify-after-restore = %s\nvsc-dir = %s\nserver = %s\n",
            ui->settings.ascii ? "yes" : "no",
            ui->settings.mono ? "yes" : "no",
            ui->settings.idle_timeout, ui->settings.log_level,
            ui->settings.verify_after_restore ? "yes" : "no",
            strchr (ui->settings.vsc_dir, '\n') ? "" : ui->settings.vsc_dir,
            strchr (ui->settings.server, '\n') ? "" : ui->settings.server);
  return settings_write (ui, "settings", text);
}

gpg_error_t
settings_load_recent (ui_t *ui)
{
  char line[1024];
  FILE *fp = settings_open (ui, "recent");

  if (!fp)
    return 0;
  while (ui->n_recent < UI_RECENT_MAX && fgets (line, sizeof line, fp))
    {
      line[strcspn (line, "\n")] = 0;
      if (line[0] != '/')
        continue;
      /* In kiosk mode only VSCs of the fixed directory are offered. */
      if (ui->kiosk && strncmp (line, ui->settings.vsc_dir,
                                strlen (ui->settings.vsc_dir)))
        continue;
      ui->recent[ui->n_recent] = xtrystrdup (line);
      if (ui->recent[ui->n_recent])
        ui->n_recent++;
    }
  fclose (fp);
  return 0;
}

gpg_error_t
settings_add_recent (ui_t *ui, const char *path)
{
  char *copy, text[UI_RECENT_MAX * 600];
  size_t i, len = 0;

  /* Only what settings_load_recent reads back the same: one absolute
   * path per line, shorter than the lines it reads. */
  if (path[0] != '/' || strchr (path, '\n') || strlen (path) > 590)
    return 0;
  copy = xtrystrdup (path);
  if (!copy)
    return gpg_error_from_syserror ();
  for (i = 0; i < ui->n_recent; i++)
    if (!strcmp (ui->recent[i], path))
      {
        xfree (ui->recent[i]);
        memmove (&ui->recent[i], &ui->recent[i + 1],
                 (ui->n_recent - i - 1) * sizeof *ui->recent);
        ui->n_recent--;
        break;
      }
  if (ui->n_recent == UI_RECENT_MAX)
    xfree (ui->recent[--ui->n_recent]);
  memmove (&ui->recent[1], &ui->recent[0], ui->n_recent * sizeof *ui->recent);
  ui->recent[0] = copy;
  ui->n_recent++;
  text[0] = 0;
  for (i = 0; i < ui->n_recent; i++)
    len += (size_t) snprintf (text + len, sizeof text - len, "%.590s\n",
                              ui->recent[i]);
  return settings_write (ui, "recent", text);
}
