/* reader-latency.c - how fast the reader monitor reports insertion/removal
 *
 * 1. In-process emulator: a producer thread inserts/removes the emulated
 *    card; the main thread poll()s the monitor fd. Reference: the same
 *    two threads passing one byte through a plain pipe. Goal < 50 ms.
 * 2. pcscd + vpcd (if available): this program plays a card on the vpcd
 *    socket (connect = insertion, close = removal) while our monitor and
 *    a bare SCardGetStatusChange client (bench/reader-bare, a separate
 *    process) both wait for the change. pcscd polls vpcd every 400 ms,
 *    so absolute latencies are up to that; the goal is ours <= bare +
 *    20 ms in every round.
 *
 * Environment: top_srcdir (for tests/cards/pkcs15.card), top_builddir
 * (for bench/reader-bare), VPCD_PORT (35963), VPCD_READER. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include "common/util.h"
#include "reader/reader.h"

#define EMU_ROUNDS  200
#define PCSC_ROUNDS 8

static long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll (const void *a, const void *b)
{
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

static double
median_ms (long long *v, size_t n)
{
  qsort (v, n, sizeof *v, cmp_ll);
  return n ? v[n / 2] / 1e6 : 0.0;
}

static double
max_ms (const long long *v, size_t n)
{
  return n ? v[n - 1] / 1e6 : 0.0;   /* call after median_ms (sorted) */
}

/* ---- part 1: in-process emulator ------------------------------------ */

struct producer {
  reader_ctx_t *ctx;       /* NULL: reference mode, write to PIPE_W */
  int pipe_w;
  int ack_r;               /* consumer says "seen" */
  volatile long long t0;
  int rounds;
};

static void *
producer_thread (void *arg)
{
  struct producer *p = arg;
  int i;
  char c;

  for (i = 0; i < p->rounds; i++)
    {
      p->t0 = now_ns ();
      if (p->ctx)
        reader_emu_set_present (p->ctx, 0, i % 2 != 0);
      else if (write (p->pipe_w, "x", 1) != 1)
        break;
      if (read (p->ack_r, &c, 1) != 1)
        break;
    }
  return NULL;
}

/* Run ROUNDS events; LAT gets each latency. FD is what the consumer
 * polls; NEXT drains it (monitor or plain pipe). */
static int
run_rounds (struct producer *p, int fd, reader_monitor_t *mon,
            long long *lat, int ack_w)
{
  pthread_t th;
  int i;

  if (pthread_create (&th, NULL, producer_thread, p))
    return -1;
  for (i = 0; i < p->rounds; i++)
    {
      struct pollfd pfd = { fd, POLLIN, 0 };
      long long t;
      if (poll (&pfd, 1, 5000) != 1)
        break;
      t = now_ns ();
      if (mon)
        {
          reader_event_t ev;
          while (!reader_monitor_next (mon, &ev))
            ;
        }
      else
        {
          char c;
          if (read (fd, &c, 1) != 1)
            break;
        }
      lat[i] = t - p->t0;
      if (write (ack_w, "a", 1) != 1)
        break;
    }
  pthread_join (th, NULL);
  return i == p->rounds ? 0 : -1;
}

static int
bench_emu (void)
{
  const char *srcdir = getenv ("top_srcdir");
  char opts[1024];
  reader_ctx_t *ctx = NULL;
  reader_monitor_t *mon = NULL;
  int mfd, ack[2], ref[2], rc = 1;
  struct producer p;
  static long long lat[EMU_ROUNDS], rlat[EMU_ROUNDS];
  double m, rm;
  gpg_error_t err;

  snprintf (opts, sizeof opts, "profile=%s/tests/cards/pkcs15.card",
            srcdir ? srcdir : ".");
  err = reader_open (READER_BACKEND_EMU, opts, &ctx);
  if (err)
    {
      printf ("bench reader-latency emu: cannot open the emulator (%s)\n",
              gpg_strerror (err));
      return 1;
    }
  if (reader_monitor_start (ctx, &mon, &mfd) || pipe (ack) || pipe (ref))
    goto leave;

  memset (&p, 0, sizeof p);
  p.pipe_w = ref[1];
  p.ack_r = ack[0];
  p.rounds = EMU_ROUNDS;
  /* Twice: the first run warms up threads and caches. */
  if (run_rounds (&p, ref[0], NULL, rlat, ack[1])
      || run_rounds (&p, ref[0], NULL, rlat, ack[1]))
    goto leave;
  p.ctx = ctx;
  if (run_rounds (&p, mfd, mon, lat, ack[1]))
    goto leave;
  m = median_ms (lat, EMU_ROUNDS);
  rm = median_ms (rlat, EMU_ROUNDS);
  printf ("bench reader-latency emu: median %.3f ms, max %.3f ms over %d "
          "events (reference pipe wake-up %.3f ms, ratio %.1f, goal < 50 ms)"
          " %s\n", m, max_ms (lat, EMU_ROUNDS), EMU_ROUNDS, rm,
          rm > 0 ? m / rm : 0.0, max_ms (lat, EMU_ROUNDS) < 50 ? "OK" : "MISSED");
  rc = 0;

 leave:
  if (rc)
    printf ("bench reader-latency emu: failed\n");
  reader_monitor_stop (mon);
  reader_close (ctx);
  return rc;
}

/* ---- part 2: pcscd + vpcd -------------------------------------------- */

/* A card on the vpcd socket: 2-byte big-endian length frames; a 1-byte
 * frame is a control (0 off, 1 on, 2 reset, 4 get ATR), anything else
 * an APDU. */
static const uint8_t fake_atr[] = { 0x3B, 0x80, 0x80, 0x01, 0x01 };

static int
read_full (int fd, uint8_t *p, size_t n)
{
  while (n)
    {
      ssize_t r = read (fd, p, n);
      if (r <= 0)
        return -1;
      p += r;
      n -= (size_t)r;
    }
  return 0;
}

static int
send_frame (int fd, const uint8_t *p, size_t n)
{
  uint8_t buf[2 + 64];
  buf[0] = (uint8_t)(n >> 8);
  buf[1] = (uint8_t)n;
  memcpy (buf + 2, p, n);
  return write (fd, buf, n + 2) == (ssize_t)(n + 2) ? 0 : -1;
}

static void *
vicc_thread (void *arg)
{
  int fd = *(int *)arg;
  static uint8_t msg[65536];
  uint8_t hdr[2];
  static const uint8_t ok[] = { 0x6D, 0x00 };

  for (;;)
    {
      size_t n;
      if (read_full (fd, hdr, 2))
        break;
      n = ((size_t)hdr[0] << 8) | hdr[1];
      if (read_full (fd, msg, n))
        break;
      if (n == 1 && msg[0] == 4)
        send_frame (fd, fake_atr, sizeof fake_atr);
      else if (n > 1)
        send_frame (fd, ok, sizeof ok);
    }
  return NULL;
}

/* Wait until the monitor reported TYPE for READER and the bare client
 * printed KIND; their times go to *OURS / *BARE. */
static int
wait_both (reader_monitor_t *mon, int mfd, FILE *bare, int bfd,
           const char *reader, enum reader_event_type type, char kind,
           long long *ours, long long *bare_t)
{
  long long deadline = now_ns () + 5000000000LL;

  *ours = *bare_t = 0;
  while (!*ours || !*bare_t)
    {
      struct pollfd pfd[2] = { { mfd, POLLIN, 0 }, { bfd, POLLIN, 0 } };
      long long left = (deadline - now_ns ()) / 1000000;
      reader_event_t ev;
      if (left <= 0 || poll (pfd, 2, (int)left) <= 0)
        return -1;
      while (!reader_monitor_next (mon, &ev))
        if (ev.type == type && !strcmp (ev.reader, reader))
          *ours = ev.when_ns;
      if (pfd[1].revents)
        {
          char line[128];
          char k;
          long long t;
          if (!fgets (line, sizeof line, bare))
            return -1;
          if (sscanf (line, "%c %lld", &k, &t) == 2 && k == kind)
            *bare_t = t;
        }
    }
  return 0;
}

static int
bench_pcsc (const char *self)
{
  const char *port_s = getenv ("VPCD_PORT");
  const char *reader = getenv ("VPCD_READER");
  const char *builddir = getenv ("top_builddir");
  char lockpath[512], barepath[1024], line[128];
  reader_ctx_t *ctx = NULL;
  reader_monitor_t *mon = NULL;
  reader_info_t *list = NULL;
  size_t n = 0, i;
  int lockfd = -1, mfd, bp[2] = { -1, -1 }, rc = 0, round, found = 0;
  pid_t bare_pid = -1;
  FILE *bare = NULL;
  long long ins_ours[PCSC_ROUNDS], ins_bare[PCSC_ROUNDS];
  long long rem_ours[PCSC_ROUNDS], rem_bare[PCSC_ROUNDS];
  long long dins[PCSC_ROUNDS], drem[PCSC_ROUNDS];
  int worst_ok = 1;

  if (!reader)
    reader = "Virtual PCD 00 00";
  snprintf (lockpath, sizeof lockpath, "%s/vscman-vpcd.lock",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  lockfd = open (lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (lockfd < 0 || flock (lockfd, LOCK_EX))
    {
      printf ("bench reader-latency pcsc: cannot take %s; skipped\n",
              lockpath);
      goto leave;
    }
  if (reader_open (READER_BACKEND_PCSC, NULL, &ctx)
      || reader_list (ctx, &list, &n))
    {
      printf ("bench reader-latency pcsc: pcscd not running; skipped\n");
      goto leave;
    }
  for (i = 0; i < n; i++)
    if (!strcmp (list[i].name, reader))
      {
        found = 1;
        if (list[i].present)
          found = 2;
      }
  if (found == 2)
    {
      /* A card left by an earlier test goes at pcscd's next vpcd poll:
       * wait up to 5 s for its removal event. */
      reader_monitor_t *m = NULL;
      int f;
      long long end = now_ns () + 5000000000LL;
      if (!reader_monitor_start (ctx, &m, &f))
        {
          xfree (list);
          list = NULL;
          if (!reader_list (ctx, &list, &n))
            for (i = 0, found = 1; i < n; i++)
              if (!strcmp (list[i].name, reader) && list[i].present)
                found = 2;
          while (found == 2 && now_ns () < end)
            {
              struct pollfd pfd = { f, POLLIN, 0 };
              reader_event_t ev;
              if (poll (&pfd, 1, (int)((end - now_ns ()) / 1000000)) <= 0)
                break;
              while (!reader_monitor_next (m, &ev))
                if (ev.type == READER_EV_CARD_REMOVED
                    && !strcmp (ev.reader, reader))
                  found = 1;
            }
          reader_monitor_stop (m);
        }
    }
  if (found != 1)
    {
      printf ("bench reader-latency pcsc: reader '%s' %s; skipped\n", reader,
              found ? "already has a card" : "not found (no vpcd)");
      goto leave;
    }

  /* The reference client, in its own process. */
  if (builddir)
    snprintf (barepath, sizeof barepath, "%s/bench/reader-bare", builddir);
  else
    {
      const char *sl = strrchr (self, '/');
      snprintf (barepath, sizeof barepath, "%.*sreader-bare",
                sl ? (int)(sl - self + 1) : 0, self);
    }
  if (pipe (bp))
    goto leave;
  bare_pid = fork ();
  if (bare_pid == 0)
    {
      dup2 (bp[1], 1);
      close (bp[0]);
      close (bp[1]);
      execl (barepath, "reader-bare", reader, (char *)NULL);
      _exit (127);
    }
  close (bp[1]);
  bp[1] = -1;
  bare = fdopen (bp[0], "r");
  if (!bare || !fgets (line, sizeof line, bare) || strncmp (line, "ready", 5))
    {
      printf ("bench reader-latency pcsc: %s did not start; skipped\n",
              barepath);
      goto leave;
    }
  if (reader_monitor_start (ctx, &mon, &mfd))
    goto leave;

  for (round = 0; round < PCSC_ROUNDS; round++)
    {
      struct sockaddr_in sa;
      pthread_t th;
      int fd, one = 1;
      long long t0;

      memset (&sa, 0, sizeof sa);
      sa.sin_family = AF_INET;
      sa.sin_port = htons (port_s ? atoi (port_s) : 35963);
      sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
      fd = socket (AF_INET, SOCK_STREAM, 0);
      setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      t0 = now_ns ();
      if (fd < 0 || connect (fd, (struct sockaddr *)&sa, sizeof sa))
        {
          printf ("bench reader-latency pcsc: cannot connect to vpcd: %s\n",
                  strerror (errno));
          rc = 1;
          goto leave;
        }
      pthread_create (&th, NULL, vicc_thread, &fd);
      if (wait_both (mon, mfd, bare, bp[0], reader, READER_EV_CARD_INSERTED,
                     'I', &ins_ours[round], &ins_bare[round]))
        {
          printf ("bench reader-latency pcsc: insertion not seen in 5 s\n");
          rc = 1;
        }
      ins_ours[round] -= t0;
      ins_bare[round] -= t0;
      t0 = now_ns ();
      shutdown (fd, SHUT_RDWR);
      pthread_join (th, NULL);
      close (fd);
      if (!rc && wait_both (mon, mfd, bare, bp[0], reader,
                            READER_EV_CARD_REMOVED, 'R', &rem_ours[round],
                            &rem_bare[round]))
        {
          printf ("bench reader-latency pcsc: removal not seen in 5 s\n");
          rc = 1;
        }
      if (rc)
        goto leave;
      rem_ours[round] -= t0;
      rem_bare[round] -= t0;
      dins[round] = ins_ours[round] - ins_bare[round];
      drem[round] = rem_ours[round] - rem_bare[round];
      if (dins[round] > 20000000LL || drem[round] > 20000000LL)
        worst_ok = 0;
    }
  {
    double mi = median_ms (ins_ours, PCSC_ROUNDS);
    double bi = median_ms (ins_bare, PCSC_ROUNDS);
    double mr = median_ms (rem_ours, PCSC_ROUNDS);
    double br = median_ms (rem_bare, PCSC_ROUNDS);
    double di = median_ms (dins, PCSC_ROUNDS), dimax = max_ms (dins, PCSC_ROUNDS);
    double dr = median_ms (drem, PCSC_ROUNDS), drmax = max_ms (drem, PCSC_ROUNDS);
    printf ("bench reader-latency pcsc insert: median %.1f ms (reference bare "
            "client %.1f ms, ratio %.2f, ours-bare median %+.2f ms, max %+.2f"
            " ms, goal <= +20 ms)\n", mi, bi, bi > 0 ? mi / bi : 0.0, di,
            dimax);
    printf ("bench reader-latency pcsc remove: median %.1f ms (reference bare "
            "client %.1f ms, ratio %.2f, ours-bare median %+.2f ms, max %+.2f"
            " ms, goal <= +20 ms)\n", mr, br, br > 0 ? mr / br : 0.0, dr,
            drmax);
    printf ("bench reader-latency pcsc: %d rounds, goal %s\n", PCSC_ROUNDS,
            worst_ok ? "met" : "MISSED");
  }

 leave:
  reader_monitor_stop (mon);
  if (bare_pid > 0)
    {
      kill (bare_pid, SIGTERM);
      waitpid (bare_pid, NULL, 0);
    }
  if (bare)
    fclose (bare);
  else if (bp[0] != -1)
    close (bp[0]);
  xfree (list);
  reader_close (ctx);
  if (lockfd >= 0)
    close (lockfd);
  return rc;
}

int
main (int argc, char **argv)
{
  int rc;

  (void)argc;
  signal (SIGPIPE, SIG_IGN);
  util_program_init ();
  rc = bench_emu ();
  rc |= bench_pcsc (argv[0]);
  return rc;
}
