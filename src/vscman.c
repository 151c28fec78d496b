/* vscman.c - the ncurses smart card manager: options, then the event
 * loop of src/ui/ (screens, widgets, the reader monitor, workers) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/backend.h"

static void
vscman_usage (FILE *fp)
{
  fprintf (fp, _("usage: vscman [--emu PROFILE]... [--kiosk] [--vsc-dir DIR] [--reader NAME]\n"
                 "              [--ascii] [--log FILE] [--help] [--version]\n"
                 "The smart card manager: back up cards into encrypted virtual smart\n"
                 "cards (VSCs), browse them, restore them onto cards.\n\n"
                 "  --emu PROFILE   use the in-process card emulator; one reader per\n"
                 "                  profile (repeat the option for more cards)\n"
                 "  --kiosk         no way out to a shell, fixed VSC directory, idle\n"
                 "                  timeout, Ctrl-C/Ctrl-Z ignored\n"
                 "  --vsc-dir DIR   directory of the VSC files\n"
                 "  --reader NAME   show only readers whose name contains NAME\n"
                 "  --ascii         ASCII line drawing\n"
                 "  --log FILE      also write the log to FILE\n"));
}

static gpg_error_t
vscman_add_emu (ui_t *ui, const char *profile)
{
  size_t old = ui->emu_opts ? strlen (ui->emu_opts) : 0;
  char *n = xtryrealloc (ui->emu_opts, old + strlen (profile) + 10);
  if (!n)
    return gpg_error_from_syserror ();
  sprintf (n + old, "%sprofile=%s", old ? "," : "", profile);
  ui->emu_opts = n;
  ui->emu = true;
  return 0;
}

/* VSCMAN_LOOP_STATS=FILE: what the event loop did, written at exit
 * (tests/tui/quit.sh, bench/vscman-ui): no poll after the quit key, no
 * timed poll outside kiosk mode, the milliseconds from the quit key to
 * here. */
static void
vscman_stats (ui_t *ui)
{
  const char *path = getenv ("VSCMAN_LOOP_STATS");
  FILE *fp;

  if (!path || !*path || !(fp = fopen (path, "w")))
    return;
  fprintf (fp, "polls %lu\ntimed_polls %lu\npolls_after_quit %lu\n"
           "quit_key %d\nquit_to_exit_ms %lld\n", ui->stats.polls,
           ui->stats.timed_polls, ui->stats.polls_after_quit,
           ui->stats.quit_key,
           ui->stats.quit_ms ? loop_now_ms () - ui->stats.quit_ms : -1);
  fclose (fp);
}

int
main (int argc, char **argv)
{
  static const struct option opts[] = {
    { "emu", required_argument, NULL, 'e' },
    { "kiosk", no_argument, NULL, 'k' },
    { "vsc-dir", required_argument, NULL, 'd' },
    { "reader", required_argument, NULL, 'r' },
    { "ascii", no_argument, NULL, 'a' },
    { "log", required_argument, NULL, 'l' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  static ui_t ui;
  gpg_error_t err;
  int c, rc = 0;
  const char *vsc_dir = NULL, *logfile = NULL;
  bool ascii = false;

  err = util_program_init ();
  if (err)
    {
      fprintf (stderr, "vscman: %s\n", gpg_strerror (err));
      return 1;
    }
  ui.monitor_fd = -1;
  while ((c = getopt_long (argc, argv, "e:kd:r:al:hV", opts, NULL)) != -1)
    switch (c)
      {
      case 'e':
        if ((err = vscman_add_emu (&ui, optarg)))
          goto leave;
        break;
      case 'k': ui.kiosk = true; break;
      case 'd': vsc_dir = optarg; break;
      case 'r': ui.reader_filter = optarg; break;
      case 'a': ascii = true; break;
      case 'l': logfile = optarg; break;
      case 'h': vscman_usage (stdout); return 0;
      case 'V':
        printf ("vscman (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return 0;
      default:
        vscman_usage (stderr);
        return 2;
      }
  if (optind < argc)
    {
      fprintf (stderr, _("vscman: unexpected argument '%s'\n"), argv[optind]);
      vscman_usage (stderr);
      return 2;
    }

  settings_defaults (&ui.settings);
  ui.config_dir = settings_config_dir ();
  if (!ui.config_dir)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (vsc_dir)
    {
      char *abs = realpath (vsc_dir, NULL);
      if (!abs)
        {
          fprintf (stderr, _("vscman: VSC directory %s: %s\n"), vsc_dir,
                   strerror (errno));
          return 2;
        }
      snprintf (ui.settings.vsc_dir, sizeof ui.settings.vsc_dir, "%s", abs);
      free (abs);
      ui.cli_vsc_dir = true;
    }
  err = settings_load (&ui);
  if (err)
    fprintf (stderr, _("vscman: settings: %s (using defaults)\n"),
             gpg_strerror (err));
  if (ascii)
    ui.settings.ascii = true;
  settings_load_recent (&ui);
  log_set_level (ui.settings.log_level);
  if (logfile && (err = log_set_file (logfile)))
    {
      fprintf (stderr, "vscman: %s: %s\n", logfile, gpg_strerror (err));
      return 2;
    }

  /* Open the readers before taking over the terminal, so an error is
   * printed plainly. */
  err = backend_open (&ui);
  if (err)
    {
      fprintf (stderr, _("vscman: cannot open the readers: %s\n"),
               vsc_strerror (err));
      if (!ui.emu)
        fprintf (stderr, "%s", _("Is pcscd running? Or try --emu PROFILE.\n"));
      rc = 1;
      goto leave_quiet;
    }
  err = loop_init (&ui);
  if (gpg_err_code (err) == GPG_ERR_ENOTTY)
    {
      loop_shutdown (&ui);
      fprintf (stderr, "%s", _("vscman: needs a terminal (standard input and output);"
                               " use vsctool in scripts\n"));
      rc = 1;
      goto leave_quiet;
    }
  if (!err)
    err = loop_run (&ui);
  loop_shutdown (&ui);

 leave:
  if (err)
    {
      fprintf (stderr, "vscman: %s\n", vsc_strerror (err));
      rc = 1;
    }
 leave_quiet:
  backend_close (&ui);
  vscman_stats (&ui);
  for (size_t i = 0; i < ui.n_recent; i++)
    xfree (ui.recent[i]);
  xfree (ui.emu_opts);
  xfree (ui.config_dir);
  return rc;
}
