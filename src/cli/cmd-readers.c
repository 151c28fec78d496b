/* cmd-readers.c - vsctool readers: list readers and cards, watch changes */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "scapi/scapi.h"
#include "cli/cli.h"

CLI_COMMAND (readers, "readers", "",
             N_("list smart card readers and cards; --watch prints changes"),
             CLI_CMD_JSON, 0, 0,
             { "w,watch", N_("then print insertions and removals with "
                             "timestamps until interrupted") },
             { "emu=PROFILE...", N_("an in-process emulated card instead of "
                                    "PC/SC (one reader per profile)") });

static int cmd_readers_sigfd = -1;

static void
cmd_readers_on_signal (int sig)
{
  int saved = errno;
  char c = (char)sig;
  (void)!write (cmd_readers_sigfd, &c, 1);
  errno = saved;
}

static void
cmd_readers_atr (FILE *fp, const uint8_t *atr, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    fprintf (fp, i ? " %02X" : "%02X", atr[i]);
}

/* ISO 8601 UTC with milliseconds of a CLOCK_MONOTONIC instant. */
static void
cmd_readers_stamp (char *buf, size_t size, long long mono_ns)
{
  struct timespec rt, mt;
  long long real_ns;
  time_t secs;
  struct tm tm;
  size_t n;

  clock_gettime (CLOCK_REALTIME, &rt);
  clock_gettime (CLOCK_MONOTONIC, &mt);
  real_ns = (long long)rt.tv_sec * 1000000000LL + rt.tv_nsec
            - ((long long)mt.tv_sec * 1000000000LL + mt.tv_nsec - mono_ns);
  secs = (time_t)(real_ns / 1000000000LL);
  gmtime_r (&secs, &tm);
  n = strftime (buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf + n, size - n, ".%03dZ",
            (int)((real_ns % 1000000000LL) / 1000000));
}

static void
cmd_readers_print (const reader_info_t *list, size_t n, bool json)
{
  size_t i;

  if (json)
    {
      printf ("{\"readers\":[");
      for (i = 0; i < n; i++)
        {
          printf ("%s{\"name\":", i ? "," : "");
          cli_json_str (stdout, list[i].name);
          printf (",\"present\":%s,\"in_use\":%s,\"exclusive\":%s,"
                  "\"mute\":%s,\"atr\":",
                  list[i].present ? "true" : "false",
                  list[i].in_use ? "true" : "false",
                  list[i].exclusive ? "true" : "false",
                  list[i].mute ? "true" : "false");
          if (list[i].present)
            cli_json_hex (stdout, list[i].atr, list[i].atr_len);
          else
            printf ("null");
          printf ("}");
        }
      printf ("]}\n");
      return;
    }
  if (!n)
    {
      printf (_("No smart card readers found (pcscd reports none).\n"));
      return;
    }
  for (i = 0; i < n; i++)
    {
      printf ("%s: ", sanitize_str (list[i].name));
      if (!list[i].present)
        printf (_("no card"));
      else
        {
          printf (list[i].mute ? _("card present (mute)")
                  : list[i].exclusive ? _("card present (in exclusive use)")
                  : list[i].in_use ? _("card present (in use)")
                  : _("card present"));
          if (list[i].atr_len)
            {
              printf (", ATR ");
              cmd_readers_atr (stdout, list[i].atr, list[i].atr_len);
            }
        }
      putchar ('\n');
    }
}

static const char *
cmd_readers_evname (enum reader_event_type t, bool json)
{
  switch (t)
    {
    case READER_EV_READER_ADDED:
      return json ? "reader-added" : _("reader added");
    case READER_EV_READER_REMOVED:
      return json ? "reader-removed" : _("reader removed");
    case READER_EV_CARD_INSERTED:
      return json ? "card-inserted" : _("card inserted");
    case READER_EV_CARD_REMOVED:
      return json ? "card-removed" : _("card removed");
    case READER_EV_SERVICE_LOST:
      return json ? "service-lost"
                  : _("pcscd went away (waiting for it to come back)");
    case READER_EV_SERVICE_BACK:
      return json ? "service-back" : _("pcscd is back");
    }
  return "?";
}

static void
cmd_readers_event (const reader_event_t *ev, bool json)
{
  char ts[64];

  cmd_readers_stamp (ts, sizeof ts, ev->when_ns);
  if (json)
    {
      printf ("{\"time\":\"%s\",\"event\":\"%s\"", ts,
              cmd_readers_evname (ev->type, true));
      if (ev->reader[0])
        {
          printf (",\"reader\":");
          cli_json_str (stdout, ev->reader);
        }
      if (ev->type == READER_EV_CARD_INSERTED)
        {
          printf (",\"atr\":");
          cli_json_hex (stdout, ev->atr, ev->atr_len);
        }
      printf ("}\n");
    }
  else
    {
      printf ("%s %s", ts, cmd_readers_evname (ev->type, false));
      if (ev->reader[0])
        printf (": %s", sanitize_str (ev->reader));
      if (ev->type == READER_EV_CARD_INSERTED && ev->atr_len)
        {
          printf (", ATR ");
          cmd_readers_atr (stdout, ev->atr, ev->atr_len);
        }
      putchar ('\n');
    }
  fflush (stdout);
}

/* Print events until SIGINT/SIGTERM. */
static gpg_error_t
cmd_readers_watch (scapi_t *sc, bool json)
{
  gpg_error_t err = 0;
  reader_info_t *list = NULL;
  size_t n = 0;
  int mfd = -1, sp[2] = { -1, -1 };
  struct sigaction sa;

  if (pipe (sp))
    return gpg_error_from_syserror ();
  fcntl (sp[1], F_SETFL, O_NONBLOCK);
  cmd_readers_sigfd = sp[1];
  memset (&sa, 0, sizeof sa);
  sa.sa_handler = cmd_readers_on_signal;
  sigemptyset (&sa.sa_mask);
  sigaction (SIGINT, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);

  /* Monitor first, then the list: nothing between the two is missed. */
  err = scapi_monitor_start (sc, &mfd);
  if (err)
    {
      cli_msg (_("cannot watch readers: %s"), reader_strerror (err));
      goto leave;
    }
  err = scapi_readers (sc, &list, &n);
  if (!err)
    cmd_readers_print (list, n, json);
  else if (gpg_err_code (err) == GPG_ERR_ENXIO)
    err = 0;  /* reported as an event by the monitor */
  else
    {
      cli_msg (_("cannot list readers: %s"), reader_strerror (err));
      goto leave;
    }
  fflush (stdout);
  for (;;)
    {
      struct pollfd pfd[2];
      reader_event_t ev;

      pfd[0].fd = mfd;
      pfd[0].events = POLLIN;
      pfd[1].fd = sp[0];
      pfd[1].events = POLLIN;
      if (poll (pfd, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          err = gpg_error_from_syserror ();
          break;
        }
      if (pfd[1].revents)
        break;
      while (!scapi_monitor_next (sc, &ev))
        cmd_readers_event (&ev, json);
    }

 leave:
  scapi_monitor_stop (sc);
  signal (SIGINT, SIG_DFL);
  signal (SIGTERM, SIG_DFL);
  cmd_readers_sigfd = -1;
  close (sp[0]);
  close (sp[1]);
  xfree (list);
  return err;
}

static int
cmd_readers_exec (cli_ctx_t *c)
{
  gpg_error_t err;
  bool watch = cli_has (c, "watch"), json = c->json;
  char *opts = NULL;
  size_t optlen = 0, n = 0, i, n_emu;
  const char *const *emu = cli_get_all (c, "emu", &n_emu);
  scapi_t *sc = NULL;
  reader_info_t *list = NULL;
  int rc = CLI_EXIT_OK;

  for (i = 0; i < n_emu; i++)
    {
      size_t add = strlen (emu[i]) + 4;
      char *nopts;
      if (strchr (emu[i], ','))
        {
          cli_msg (_("a profile path must not contain ','"));
          rc = CLI_EXIT_USAGE;
          goto leave;
        }
      nopts = xtryrealloc (opts, optlen + add + 1);
      if (!nopts)
        {
          cli_error (gpg_error_from_syserror (), _("out of memory"));
          rc = CLI_EXIT_FAIL;
          goto leave;
        }
      opts = nopts;
      snprintf (opts + optlen, add + 1, "%s%s",
                optlen ? "," : "emu:", emu[i]);
      optlen = strlen (opts);
    }

  err = scapi_new (opts, &sc);
  if (err)
    {
      cli_msg (_("cannot open the readers: %s"), reader_strerror (err));
      rc = cli_exit_code (err);
      goto leave;
    }
  if (watch)
    {
      err = cmd_readers_watch (sc, json);
      rc = cli_exit_code (err);
      goto leave;
    }
  err = scapi_readers (sc, &list, &n);
  if (err)
    {
      cli_msg (_("cannot list readers: %s"), reader_strerror (err));
      rc = cli_exit_code (err);
      goto leave;
    }
  cmd_readers_print (list, n, json);

 leave:
  xfree (list);
  scapi_free (sc);
  xfree (opts);
  return rc;
}
