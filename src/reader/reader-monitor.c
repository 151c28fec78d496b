/* reader-monitor.c - reader and card insertion/removal events
 *
 * Events are queued here and announced through a pipe: one byte is
 * written when the queue goes from empty to non-empty, and read back
 * when reader_monitor_next empties it, so a poll() loop wakes once per
 * batch. Two producers:
 *
 *  - PC/SC: a thread with its own context blocks in
 *    SCardGetStatusChange (INFINITE) on every reader plus
 *    \\?PnP?\Notification. Stopping calls SCardCancel. No sleeps, no
 *    polling of our own.
 *  - the in-process emulator (reader-emu.c) pushes events directly from
 *    reader_emu_set_present, so its latency is one pipe write.
 *
 * pcscd going away (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, a handle
 * that turned invalid) is reported as READER_EV_SERVICE_LOST followed by
 * a removal for every known reader, so a consumer's list becomes empty.
 * The thread then waits for pcscd to come back: with inotify on the
 * directory of pcscd's socket (/run/pcscd, or $PCSCLITE_CSOCK_NAME's),
 * woken when the socket file is created; pcscd binds before it listens,
 * so a refused connection right after the event is retried a few times
 * with a short doubling delay (10 ms .. 320 ms). A 30 s safety timeout on
 * the inotify wait covers a socket that exists but whose daemon starts
 * without re-creating it (socket activation); without inotify the wait
 * is a bounded exponential backoff (100 ms doubling to 5 s). On success:
 * READER_EV_SERVICE_BACK, then READER_ADDED (and CARD_INSERTED) for each
 * reader present now.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>
#include <winscard.h>
#ifdef __linux__
#include <sys/inotify.h>
#define HAVE_INOTIFY_WAIT 1
#endif

#include "common/util.h"
#include "common/log.h"
#include "reader/reader-int.h"

#define MONITOR_QUEUE_MAX 4096
#define PCSC_PNP_NAME "\\\\?PnP?\\Notification"

typedef struct monitor_known {
  char name[READER_NAME_MAX];
  DWORD state;             /* last dwEventState */
  bool present;
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
} monitor_known_t;

struct reader_monitor {
  reader_ctx_t *ctx;
  pthread_mutex_t lock;
  int fd[2];               /* [0] handed out, [1] written by producers */
  bool signalled;          /* one byte is in the pipe */
  reader_event_t *q;       /* ring buffer */
  size_t head, count, cap;
  unsigned long dropped;

  /* PC/SC thread. */
  pthread_t thread;
  bool started;
  bool stop;               /* under LOCK */
  bool done;               /* under LOCK, signalled by DONE_COND */
  pthread_cond_t done_cond;
  int stop_fd[2];          /* wakes the service wait */
  SCARDCONTEXT hctx;
  bool hctx_valid;         /* under LOCK when changed */
  monitor_known_t *known;
  size_t nknown;
  DWORD pnp_state;
};

void
reader_monitor_push (reader_monitor_t *mon, enum reader_event_type type,
                     const char *reader, const uint8_t *atr, size_t atr_len)
{
  reader_event_t *ev;

  pthread_mutex_lock (&mon->lock);
  if (mon->count == mon->cap)
    {
      size_t ncap = mon->cap ? mon->cap * 2 : 16, i;
      reader_event_t *nq = NULL;
      if (ncap <= MONITOR_QUEUE_MAX)
        nq = xtrycalloc (ncap, sizeof *nq);
      if (!nq)
        {
          /* Consumer not reading (or no memory): drop the oldest. */
          mon->head = (mon->head + 1) % mon->cap;
          mon->count--;
          mon->dropped++;
        }
      else
        {
          for (i = 0; i < mon->count; i++)
            nq[i] = mon->q[(mon->head + i) % mon->cap];
          xfree (mon->q);
          mon->q = nq;
          mon->cap = ncap;
          mon->head = 0;
        }
    }
  ev = &mon->q[(mon->head + mon->count) % mon->cap];
  memset (ev, 0, sizeof *ev);
  ev->type = type;
  reader_copy_name (ev->reader, reader);
  if (atr && atr_len <= READER_ATR_MAX)
    {
      memcpy (ev->atr, atr, atr_len);
      ev->atr_len = atr_len;
    }
  ev->when_ns = reader_now_ns ();
  mon->count++;
  if (!mon->signalled)
    {
      static const char one = 1;
      if (write (mon->fd[1], &one, 1) == 1)
        mon->signalled = true;
    }
  pthread_mutex_unlock (&mon->lock);
}

gpg_error_t
reader_monitor_next (reader_monitor_t *mon, reader_event_t *ev)
{
  gpg_error_t err = 0;

  if (!mon || !ev)
    return gpg_error (GPG_ERR_INV_ARG);
  pthread_mutex_lock (&mon->lock);
  if (!mon->count)
    err = gpg_error (GPG_ERR_EAGAIN);
  else
    {
      *ev = mon->q[mon->head];
      mon->head = (mon->head + 1) % mon->cap;
      mon->count--;
    }
  if (!mon->count && mon->signalled)
    {
      char c;
      if (read (mon->fd[0], &c, 1) == 1)
        mon->signalled = false;
    }
  pthread_mutex_unlock (&mon->lock);
  return err;
}

static gpg_error_t
reader_monitor_pipe (int fd[2])
{
  if (pipe (fd))
    return gpg_error_from_syserror ();
  fcntl (fd[0], F_SETFL, fcntl (fd[0], F_GETFL) | O_NONBLOCK);
  fcntl (fd[1], F_SETFL, fcntl (fd[1], F_GETFL) | O_NONBLOCK);
  fcntl (fd[0], F_SETFD, FD_CLOEXEC);
  fcntl (fd[1], F_SETFD, FD_CLOEXEC);
  return 0;
}

gpg_error_t
reader_monitor_start (reader_ctx_t *ctx, reader_monitor_t **r_mon, int *r_fd)
{
  gpg_error_t err;
  reader_monitor_t *mon;

  if (!ctx || !r_mon || !r_fd)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_mon = NULL;
  *r_fd = -1;
  mon = xtrycalloc (1, sizeof *mon);
  if (!mon)
    return gpg_error_from_syserror ();
  mon->ctx = ctx;
  mon->fd[0] = mon->fd[1] = mon->stop_fd[0] = mon->stop_fd[1] = -1;
  pthread_mutex_init (&mon->lock, NULL);
  pthread_cond_init (&mon->done_cond, NULL);
  err = reader_monitor_pipe (mon->fd);
  if (err)
    goto leave;
  err = ctx->ops->monitor_attach (ctx, mon);
  if (err)
    goto leave;
  *r_mon = mon;
  *r_fd = mon->fd[0];
  mon = NULL;

 leave:
  if (mon)
    {
      if (mon->fd[0] != -1)
        close (mon->fd[0]);
      if (mon->fd[1] != -1)
        close (mon->fd[1]);
      pthread_cond_destroy (&mon->done_cond);
      pthread_mutex_destroy (&mon->lock);
      xfree (mon);
    }
  return err;
}

void
reader_monitor_stop (reader_monitor_t *mon)
{
  if (!mon)
    return;
  mon->ctx->ops->monitor_detach (mon->ctx, mon);
  close (mon->fd[0]);
  close (mon->fd[1]);
  if (mon->dropped)
    log_debug ("reader monitor: %lu events dropped (queue full)",
               mon->dropped);
  xfree (mon->q);
  pthread_cond_destroy (&mon->done_cond);
  pthread_mutex_destroy (&mon->lock);
  xfree (mon);
}

/* ---- PC/SC thread ----------------------------------------------------- */

static bool
monitor_stopping (reader_monitor_t *mon)
{
  bool s;
  pthread_mutex_lock (&mon->lock);
  s = mon->stop;
  pthread_mutex_unlock (&mon->lock);
  return s;
}

static bool
monitor_lost (LONG rv)
{
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED
         || rv == SCARD_E_INVALID_HANDLE || rv == SCARD_F_COMM_ERROR;
}

static void
monitor_set_known (monitor_known_t *k, const SCARD_READERSTATE *st)
{
  k->state = st->dwEventState;
  k->present = (st->dwEventState & SCARD_STATE_PRESENT) != 0;
  k->atr_len = 0;
  if (k->present && st->cbAtr <= READER_ATR_MAX)
    {
      memcpy (k->atr, st->rgbAtr, st->cbAtr);
      k->atr_len = st->cbAtr;
    }
}

/* Read the reader list and compare with what we knew: report readers
 * gone and new ones (with their cards) unless QUIET (the baseline).
 * Returns the pcsc result. */
static LONG
monitor_resync (reader_monitor_t *mon, bool quiet)
{
  char *names = NULL;
  size_t n = 0, i, j;
  monitor_known_t *nk = NULL;
  SCARD_READERSTATE *st = NULL;
  LONG rv;

  rv = reader_pcsc_list_names (mon->hctx, &names, &n);
  if (rv == SCARD_S_SUCCESS)
    rv = reader_pcsc_states (mon->hctx, names, n, &st);
  if (rv != SCARD_S_SUCCESS)
    goto leave;
  nk = xtrycalloc (n ? n : 1, sizeof *nk);
  if (!nk)
    {
      rv = SCARD_E_NO_MEMORY;
      goto leave;
    }
  for (i = 0; i < n; i++)
    {
      reader_copy_name (nk[i].name, st[i].szReader);
      monitor_set_known (&nk[i], &st[i]);
    }

  /* Readers that went away. */
  for (j = 0; j < mon->nknown; j++)
    {
      for (i = 0; i < n && strcmp (nk[i].name, mon->known[j].name); i++)
        ;
      if (i < n || quiet)
        continue;
      if (mon->known[j].present)
        reader_monitor_push (mon, READER_EV_CARD_REMOVED,
                             mon->known[j].name, NULL, 0);
      reader_monitor_push (mon, READER_EV_READER_REMOVED,
                           mon->known[j].name, NULL, 0);
    }
  /* New readers, and cards that changed in known ones. */
  for (i = 0; i < n; i++)
    {
      for (j = 0; j < mon->nknown && strcmp (nk[i].name, mon->known[j].name);
           j++)
        ;
      if (quiet)
        continue;
      if (j == mon->nknown)
        {

          reader_monitor_push (mon, READER_EV_READER_ADDED, nk[i].name,
                               NULL, 0);
          if (nk[i].present)
            reader_monitor_push (mon, READER_EV_CARD_INSERTED, nk[i].name,
                                 nk[i].atr, nk[i].atr_len);
        }
      else
        {
          bool was = mon->known[j].present;
          bool again = was && nk[i].present
                       && ((nk[i].state >> 16) & 0xFFFF)
                          >= ((mon->known[j].state >> 16) & 0xFFFF) + 2;
          if (was && (!nk[i].present || again))
            reader_monitor_push (mon, READER_EV_CARD_REMOVED, nk[i].name,
                                 NULL, 0);
          if (nk[i].present && (!was || again))
            reader_monitor_push (mon, READER_EV_CARD_INSERTED, nk[i].name,
                                 nk[i].atr, nk[i].atr_len);
        }
    }
  xfree (mon->known);
  mon->known = nk;
  mon->nknown = n;
  mon->pnp_state = (DWORD)n << 16;
  nk = NULL;

 leave:
  xfree (nk);
  xfree (st);
  xfree (names);
  return rv;
}

/* Forget the context after pcscd went away; report it. */
static void
monitor_service_lost (reader_monitor_t *mon)
{
  size_t j;

  pthread_mutex_lock (&mon->lock);
  if (mon->hctx_valid)
    SCardReleaseContext (mon->hctx);
  mon->hctx_valid = false;
  pthread_mutex_unlock (&mon->lock);
  reader_monitor_push (mon, READER_EV_SERVICE_LOST, "", NULL, 0);
  for (j = 0; j < mon->nknown; j++)
    {
      if (mon->known[j].present)
        reader_monitor_push (mon, READER_EV_CARD_REMOVED, mon->known[j].name,
                             NULL, 0);
      reader_monitor_push (mon, READER_EV_READER_REMOVED, mon->known[j].name,
                           NULL, 0);
    }
  xfree (mon->known);
  mon->known = NULL;
  mon->nknown = 0;
}

static LONG
monitor_establish (reader_monitor_t *mon)
{
  SCARDCONTEXT h;
  LONG rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &h);
  if (rv == SCARD_S_SUCCESS)
    {
      pthread_mutex_lock (&mon->lock);
      mon->hctx = h;
      mon->hctx_valid = true;
      pthread_mutex_unlock (&mon->lock);
    }
  return rv;
}

/* Wait until pcscd answers again or we are stopped. True if back. */
static bool
monitor_wait_service (reader_monitor_t *mon)
{
  const char *sock = getenv ("PCSCLITE_CSOCK_NAME");
  char dir[256];
  const char *slash;
  int ifd = -1, timeout_ms = 100, quick = 0;
  bool back = false;

  if (!sock || !*sock)
    sock = "/run/pcscd/pcscd.comm";
  slash = strrchr (sock, '/');
  if (slash && slash != sock && (size_t)(slash - sock) < sizeof dir)
    {
      memcpy (dir, sock, slash - sock);
      dir[slash - sock] = 0;
    }
  else
    strcpy (dir, "/run");
#ifdef HAVE_INOTIFY_WAIT
  ifd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (ifd != -1
      && inotify_add_watch (ifd, dir, IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0)
    {
      /* The directory itself is missing: watch its parent for it. */
      char parent[256];
      const char *ps = strrchr (dir, '/');
      if (ps && ps != dir)
        {
          memcpy (parent, dir, ps - dir);
          parent[ps - dir] = 0;
        }
      else
        strcpy (parent, "/");
      if (inotify_add_watch (ifd, parent, IN_CREATE | IN_MOVED_TO) < 0)
        {
          close (ifd);
          ifd = -1;
        }
    }
#endif
  log_debug ("reader monitor: waiting for pcscd (%s)",
             ifd != -1 ? "inotify" : "backoff");
  while (!monitor_stopping (mon))
    {
      struct pollfd pfd[2];
      int nfds = 1, rc, wait_ms;

      if (monitor_establish (mon) == SCARD_S_SUCCESS)
        {
          back = true;
          break;
        }
      pfd[0].fd = mon->stop_fd[0];
      pfd[0].events = POLLIN;
      if (ifd != -1)
        {
          pfd[1].fd = ifd;
          pfd[1].events = POLLIN;
          nfds = 2;
        }
      if (quick)
        {
          /* Just saw the socket appear: pcscd may not listen yet. */
          wait_ms = 10 << (5 - quick);
          quick--;
        }
      else if (ifd != -1)
        wait_ms = 30000;
      else
        {
          wait_ms = timeout_ms;
          if (timeout_ms < 5000)
            timeout_ms *= 2;
        }
      rc = poll (pfd, nfds, wait_ms);
      if (rc > 0 && nfds == 2 && (pfd[1].revents & POLLIN))
        {
          char buf[4096];
          while (read (ifd, buf, sizeof buf) > 0)
            ;
          quick = 5;
        }
      else if (rc < 0 && errno != EINTR)
        break;
    }
  if (ifd != -1)
    close (ifd);
  return back;
}

static void *
monitor_thread (void *arg)
{
  reader_monitor_t *mon = arg;
  SCARD_READERSTATE *st = NULL;
  size_t cap = 0, i, n;
  LONG rv;

  while (!monitor_stopping (mon))
    {
      bool resync = false;

      if (!mon->hctx_valid)
        {
          if (!monitor_wait_service (mon))
            break;
          reader_monitor_push (mon, READER_EV_SERVICE_BACK, "", NULL, 0);
          rv = monitor_resync (mon, false);
          if (monitor_lost (rv))
            monitor_service_lost (mon);
          continue;
        }
      n = mon->nknown;
      if (n + 1 > cap)
        {
          SCARD_READERSTATE *nst = xtryrealloc (st, (n + 1) * sizeof *st);
          if (!nst)
            break;
          st = nst;
          cap = n + 1;
        }
      memset (st, 0, (n + 1) * sizeof *st);
      for (i = 0; i < n; i++)
        {
          st[i].szReader = mon->known[i].name;
          st[i].dwCurrentState = mon->known[i].state & ~SCARD_STATE_CHANGED;
        }
      st[n].szReader = PCSC_PNP_NAME;
      st[n].dwCurrentState = mon->pnp_state;

      rv = SCardGetStatusChange (mon->hctx, INFINITE, st, n + 1);
      if (monitor_stopping (mon))
        break;
      if (rv == SCARD_E_CANCELLED || rv == SCARD_E_TIMEOUT)
        continue;
      if (monitor_lost (rv))
        {
          monitor_service_lost (mon);
          continue;
        }
      if (rv != SCARD_S_SUCCESS)
        {
          /* A reader vanished between listing and waiting, or similar. */
          log_debug ("reader monitor: %s", pcsc_stringify_error (rv));
          resync = true;
        }
      else
        {
          if (st[n].dwEventState & SCARD_STATE_CHANGED)
            resync = true;
          mon->pnp_state = st[n].dwEventState & ~SCARD_STATE_CHANGED;
          for (i = 0; i < n; i++)
            {
              monitor_known_t *k = &mon->known[i];
              DWORD s = st[i].dwEventState;
              bool present, was, again;

              if (!(s & SCARD_STATE_CHANGED))
                continue;
              if (s & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
                {
                  resync = true;   /* reader gone */
                  continue;
                }
              present = (s & SCARD_STATE_PRESENT) != 0;
              /* pcsc-lite counts card events in the high 16 bits: a jump
               * of 2 or more while present means removed and re-inserted
               * between two waits. */
              again = k->present && present
                      && ((s >> 16) & 0xFFFF) >= ((k->state >> 16) & 0xFFFF) + 2;
              if (k->present && (!present || again))
                reader_monitor_push (mon, READER_EV_CARD_REMOVED, k->name,
                                     NULL, 0);
              was = k->present;
              monitor_set_known (k, &st[i]);
              if (present && (!was || again))
                reader_monitor_push (mon, READER_EV_CARD_INSERTED, k->name,
                                     k->atr, k->atr_len);
            }
        }
      if (resync)
        {
          rv = monitor_resync (mon, false);
          if (monitor_lost (rv))
            monitor_service_lost (mon);
        }
    }
  xfree (st);
  pthread_mutex_lock (&mon->lock);
  mon->done = true;
  pthread_cond_signal (&mon->done_cond);
  pthread_mutex_unlock (&mon->lock);
  return NULL;
}

gpg_error_t
reader_monitor_pcsc_attach (reader_ctx_t *ctx, reader_monitor_t *mon)
{
  gpg_error_t err;
  LONG rv;

  (void)ctx;
  err = reader_monitor_pipe (mon->stop_fd);
  if (err)
    return err;
  /* Baseline taken here, before returning, so every change after
   * reader_monitor_start is reported (list the readers after starting
   * the monitor to miss nothing). */
  rv = monitor_establish (mon);
  if (rv == SCARD_S_SUCCESS)
    {
      rv = monitor_resync (mon, true);
      if (monitor_lost (rv))
        monitor_service_lost (mon);
      else if (rv != SCARD_S_SUCCESS)
        log_debug ("reader monitor: %s", pcsc_stringify_error (rv));
    }
  else
    reader_monitor_push (mon, READER_EV_SERVICE_LOST, "", NULL, 0);
  if (pthread_create (&mon->thread, NULL, monitor_thread, mon))
    {
      err = gpg_error_from_syserror ();
      if (mon->hctx_valid)
        SCardReleaseContext (mon->hctx);
      mon->hctx_valid = false;
      close (mon->stop_fd[0]);
      close (mon->stop_fd[1]);
      return err;
    }
  mon->started = true;
  return 0;
}

void
reader_monitor_pcsc_detach (reader_ctx_t *ctx, reader_monitor_t *mon)
{
  static const char one = 1;

  (void)ctx;
  if (!mon->started)
    return;
  pthread_mutex_lock (&mon->lock);
  mon->stop = true;
  if (write (mon->stop_fd[1], &one, 1) < 0)
    log_debug ("reader monitor: stop pipe already signalled");
  /* SCardCancel only interrupts a wait in progress: if the thread was
   * between two waits it sees STOP; if it entered a wait just after our
   * cancel, cancel again after a short while. This happens only at
   * shutdown and only in that race. */
  while (!mon->done)
    {
      struct timespec ts;
      if (mon->hctx_valid)
        SCardCancel (mon->hctx);
      clock_gettime (CLOCK_REALTIME, &ts);
      ts.tv_nsec += 100 * 1000000L;
      if (ts.tv_nsec >= 1000000000L)
        {
          ts.tv_sec++;
          ts.tv_nsec -= 1000000000L;
        }
      pthread_cond_timedwait (&mon->done_cond, &mon->lock, &ts);
    }
  pthread_mutex_unlock (&mon->lock);
  pthread_join (mon->thread, NULL);
  if (mon->hctx_valid)
    SCardReleaseContext (mon->hctx);
  mon->hctx_valid = false;
  xfree (mon->known);
  mon->known = NULL;
  mon->nknown = 0;
  close (mon->stop_fd[0]);
  close (mon->stop_fd[1]);
  mon->started = false;
}
