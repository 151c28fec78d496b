/* vscemu.c - a software smart card for pcscd's vpcd reader
 *
 *   vscemu [--vpcd [HOST:]PORT] [--state FILE] [--remove-after N] PROFILE
 *   vscemu [--vpcd [HOST:]PORT] --vsc FILE [--rw] [--password-file F]
 *          [--pin PIN] [--remove-after N]
 *
 * Loads a card profile (doc/card-profile.md), or presents a VSC as a
 * stand-in token (file system, OpenPGP and PIV applets with the escrowed
 * keys: emu-image.h), connects to vpcd as its card and answers APDUs
 * until SIGTERM/SIGINT, or until N APDUs were answered with
 * --remove-after (the card is then "pulled"). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <getopt.h>
#include <fcntl.h>
#include <unistd.h>
#include <termios.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "emu/emu.h"
#include "emu/emu-vpcd.h"
#include "emu/emu-image.h"
#include "vsc/vsc.h"

static volatile sig_atomic_t vscemu_stop;

static void
vscemu_on_signal (int sig)
{
  (void)sig;
  vscemu_stop = 1;
}

static void
vscemu_usage (FILE *fp)
{
  fprintf (fp, _("usage: vscemu [OPTIONS] PROFILE\n"
                 "A software ISO 7816-4 smart card attached to pcscd's vpcd "
                 "reader.\n\n"
                 "  --vpcd [HOST:]PORT   where vpcd listens (default "
                 "localhost:35963,\n"
                 "                       the reader \"Virtual PCD 00 00\")\n"
                 "  --state FILE         keep the card's writes in FILE "
                 "(loaded instead\n"
                 "                       of PROFILE when it exists)\n"
                 "  --remove-after N     remove the card after N APDUs\n"
                 "  --latency MS         answer every APDU after MS "
                 "milliseconds\n"
                 "                       (a slow card; overrides the "
                 "profile)\n"
                 "  --vsc FILE           present a VSC instead of PROFILE "
                 "(file system,\n"
                 "                       OpenPGP and PIV with the escrowed "
                 "keys)\n"
                 "  --rw                 with --vsc: write changes back into "
                 "the VSC\n"
                 "                       (not with OpenPGP or PIV)\n"
                 "  --password-file F    the VSC password (first line; else\n"
                 "                       $VSC_PASSWORD_FILE or the "
                 "terminal)\n"
                 "  --pin PIN            with --vsc: value of the PINs the "
                 "VSC does\n"
                 "                       not store (default 123456)\n"
                 "  -v, --verbose        more messages (twice: APDU "
                 "transcript)\n"
                 "  --log FILE           messages to FILE instead of stderr\n"
                 "  --help, --version\n\n"
                 "The profile format is described in vscemu(1).\n"));
}

/* "[HOST:]PORT" -> host (allocated or NULL) and port. */
static int
vscemu_parse_vpcd (const char *s, char **host, unsigned *port)
{
  const char *colon = strrchr (s, ':');
  const char *p = colon ? colon + 1 : s;
  char *end;
  unsigned long v;

  errno = 0;
  v = strtoul (p, &end, 10);
  if (!*p || *end || errno || !v || v > 65535)
    return -1;
  *port = (unsigned)v;
  *host = NULL;
  if (colon && colon > s)
    {
      size_t n = (size_t)(colon - s);
      if (s[0] == '[' && colon[-1] == ']')   /* [::1]:35963 */
        {
          s++;
          n -= 2;
        }
      *host = xtrymalloc (n + 1);
      if (!*host)
        return -1;
      memcpy (*host, s, n);
      (*host)[n] = 0;
    }
  return 0;
}

/* First line of PATH in secure memory (xfree_secure). */
static gpg_error_t
vscemu_read_secret_file (const char *path, char **r_s)
{
  FILE *fp = fopen (path, "r");
  char *s;
  size_t n;

  *r_s = NULL;
  if (!fp)
    return gpg_error_from_syserror ();
  s = xtrymalloc_secure (1024);
  if (!s)
    {
      fclose (fp);
      return gpg_error_from_syserror ();
    }
  if (!fgets (s, 1024, fp))
    s[0] = 0;
  fclose (fp);
  n = strcspn (s, "\r\n");
  s[n] = 0;
  *r_s = s;
  return 0;
}

/* Ask on the terminal without echo; NULL result if there is none. */
static gpg_error_t
vscemu_ask_password (const char *file, char **r_s)
{
  struct termios old, noecho;
  FILE *tty;
  char *s;
  bool restore = false;

  *r_s = NULL;
  tty = fopen ("/dev/tty", "r+");
  if (!tty)
    return 0;
  s = xtrymalloc_secure (1024);
  if (!s)
    {
      fclose (tty);
      return gpg_error_from_syserror ();
    }
  fprintf (tty, _("Password for %s: "), file);
  fflush (tty);
  if (!tcgetattr (fileno (tty), &old))
    {
      noecho = old;
      noecho.c_lflag &= ~(tcflag_t)ECHO;
      restore = !tcsetattr (fileno (tty), TCSAFLUSH, &noecho);
    }
  if (!fgets (s, 1024, tty))
    s[0] = 0;
  if (restore)
    tcsetattr (fileno (tty), TCSAFLUSH, &old);
  fputc ('\n', tty);
  fclose (tty);
  s[strcspn (s, "\r\n")] = 0;
  *r_s = s;
  return 0;
}

/* --rw: after every change, copy the file system into the image and
 * save the VSC (atomically, by vsc_save). */
static gpg_error_t
vscemu_vsc_changed (void *ctx, emu_card_t *card)
{
  vsc_t *vsc = ctx;
  gpg_error_t err = emu_image_sync (card, vsc_image (vsc));

  if (!err)
    err = vsc_save (vsc);
  if (err)
    log_error (_("cannot write the change into the VSC: %s\n"),
               gpg_strerror (err));
  return err;
}

/* On stderr (also with --log): what the stand-in has and has not. */
static void
vscemu_report (const char *file, const emu_image_report_t *rep)
{
  if (!rep->applets && !rep->keys)
    return;
  fprintf (stderr, _("vscemu: %s: %u applet(s) and %u private key(s) "
                     "presented\n"), file, rep->applets, rep->keys);
  if (rep->nokey[0])
    fprintf (stderr, _("vscemu: no private key for %s: born on the card, "
                       "never escrowed in the VSC; the stand-in cannot use "
                       "these slots\n"), rep->nokey);
  if (rep->other[0])
    fprintf (stderr, _("vscemu: no private key for %s: the VSC holds none "
                       "this stand-in can use (see the log)\n"), rep->other);
  if (rep->pins[0])
    {
      const char *p = rep->pins, *nl;
      for (; *p && (nl = strchr (p, '\n')); p = nl + 1)
        fprintf (stderr, "vscemu: %.*s\n", (int)(nl - p), p);
    }
}

int
main (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "vpcd", required_argument, NULL, 'p' },
    { "state", required_argument, NULL, 's' },
    { "remove-after", required_argument, NULL, 'r' },
    { "latency", required_argument, NULL, 'L' },
    { "verbose", no_argument, NULL, 'v' },
    { "log", required_argument, NULL, 'l' },
    { "vsc", required_argument, NULL, 'c' },
    { "rw", no_argument, NULL, 'w' },
    { "password-file", required_argument, NULL, 'P' },
    { "pin", required_argument, NULL, 'n' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, 'V' },
    { NULL, 0, NULL, 0 }
  };
  emu_vpcd_opts_t o;
  emu_card_t *card = NULL;
  const char *state = NULL, *logfile = NULL, *vscfile = NULL;
  const char *pwfile = NULL, *pin = NULL;
  char *password = NULL;
  bool rw = false;
  vsc_t *vsc = NULL;
  emu_image_report_t report;
  char *host = NULL, *end;
  struct sigaction sa;
  gpg_error_t err;
  int c, verbose = 0, rc = 1;
  long latency = -1;

  err = util_program_init ();
  if (err)
    {
      fprintf (stderr, "vscemu: %s\n", gpg_strerror (err));
      return 1;
    }
  memset (&o, 0, sizeof o);
  while ((c = getopt_long (argc, argv, "vh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'p':
        if (vscemu_parse_vpcd (optarg, &host, &o.port))
          {
            fprintf (stderr, _("vscemu: bad --vpcd value '%s' (want "
                               "[HOST:]PORT)\n"), optarg);
            return 2;
          }
        xfree ((char *)o.host);
        o.host = host;
        break;
      case 's':
        state = optarg;
        break;
      case 'r':
        errno = 0;
        o.remove_after = strtoul (optarg, &end, 10);
        if (!*optarg || *end || errno || !o.remove_after
            || *optarg == '-')
          {
            fprintf (stderr, _("vscemu: --remove-after needs a positive "
                               "number\n"));
            return 2;
          }
        break;
      case 'L':
        errno = 0;
        latency = (long)strtoul (optarg, &end, 10);
        if (!*optarg || *end || errno || *optarg == '-'
            || latency > EMU_LATENCY_MAX)
          {
            fprintf (stderr, _("vscemu: --latency needs milliseconds, "
                               "0..%d\n"), EMU_LATENCY_MAX);
            return 2;
          }
        break;
      case 'v':
        verbose++;
        break;
      case 'l':
        logfile = optarg;
        break;
      case 'c':
        vscfile = optarg;
        break;
      case 'w':
        rw = true;
        break;
      case 'P':
        pwfile = optarg;
        break;
      case 'n':
        pin = optarg;
        break;
      case 'h':
        vscemu_usage (stdout);
        return 0;
      case 'V':
        printf ("vscemu (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
        return 0;
      default:
        vscemu_usage (stderr);
        return 2;
      }
  if (optind != argc - (vscfile ? 0 : 1)
      || (vscfile && state) || (!vscfile && (rw || pin || pwfile)))
    {
      vscemu_usage (stderr);
      return 2;
    }
  log_set_level (verbose >= 2 ? LOG_LEVEL_APDU
                 : verbose ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO);
  if (logfile && (err = log_set_file (logfile)))
    {
      fprintf (stderr, _("vscemu: cannot open log file %s: %s\n"), logfile,
               gpg_strerror (err));
      goto leave;
    }

  if (vscfile)
    {
      if (!pwfile)
        pwfile = getenv ("VSC_PASSWORD_FILE");
      err = pwfile ? vscemu_read_secret_file (pwfile, &password)
                   : vscemu_ask_password (vscfile, &password);
      if (err)
        {
          fprintf (stderr, _("vscemu: cannot read the password: %s\n"),
                   gpg_strerror (err));
          goto leave;
        }
      if (!password && rw)
        {
          fprintf (stderr, _("vscemu: --rw needs the VSC password "
                             "(--password-file)\n"));
          goto leave;
        }
      if (!password)
        {
          /* On stderr: a stand-in without its keys and PINs. */
          fputs ("vscemu: ", stderr);
          fprintf (stderr, _("no password: only the public areas of %s are "
                             "presented\n"), vscfile);
        }
      err = vsc_open (vscfile, password, &vsc);
      if (password)
        xfree_secure (password);
      password = NULL;
      if (err)
        {
          fprintf (stderr, _("vscemu: cannot open %s: %s\n"), vscfile,
                   gpg_strerror (err));
          goto leave;
        }
      err = emu_image_present (vsc_image (vsc), pin, &card, &report);
      if (err)
        {
          fprintf (stderr, _("vscemu: cannot present %s: %s\n"), vscfile,
                   gpg_strerror (err));
          goto leave;
        }
      if (rw && report.applets)
        {
          fprintf (stderr, _("vscemu: --rw cannot write the OpenPGP or PIV "
                             "application of %s back into the VSC; present "
                             "it without --rw (changes then last until "
                             "vscemu stops)\n"), vscfile);
          goto leave;
        }
      vscemu_report (vscfile, &report);
      if (rw)
        emu_image_set_hook (card, vscemu_vsc_changed, vsc);
    }
  else
    {
      err = emu_card_load (argv[optind], &card);
      if (err)
        {
          fprintf (stderr, _("vscemu: cannot load card profile %s: %s\n"),
                   argv[optind], gpg_strerror (err));
          goto leave;
        }
    }
  if (state && (err = emu_card_set_state_file (card, state)))
    {
      fprintf (stderr, _("vscemu: state file %s: %s\n"), state,
               gpg_strerror (err));
      goto leave;
    }

  if (latency >= 0)
    emu_card_set_latency (card, (unsigned)latency);

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = vscemu_on_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = 0;   /* no SA_RESTART: a blocked read returns EINTR */
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);

  o.stop = &vscemu_stop;
  err = emu_vpcd_run (card, &o);
  if (err)
    {
      fprintf (stderr, _("vscemu: %s\n"), gpg_strerror (err));
      goto leave;
    }
  rc = 0;
 leave:
  emu_card_free (card);
  vsc_close (vsc);
  xfree ((char *)o.host);
  return rc;
}
