/* vscman-ui.c - benchmarks of the manager on the emulator backend:
 * start to first full frame, key-to-screen latency of a card insertion,
 * CPU and wakeups while idle on the start screen, RSS when idle.
 * Each number is printed with a reference measured in the same run
 * (process start of `vscman --version`, a help-screen key round trip,
 * the RSS of an idle cat). Nothing is asserted. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <poll.h>
#include <pty.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

typedef struct {
  pid_t pid;
  int fd;
  char buf[1 << 20];
  size_t len;
} term_t;

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
term_start (term_t *t, char **argv)
{
  struct winsize ws = { 30, 100, 0, 0 };
  t->len = 0;
  t->pid = forkpty (&t->fd, NULL, NULL, &ws);
  if (t->pid < 0)
    return -1;
  if (!t->pid)
    {
      setenv ("TERM", "xterm-256color", 1);
      execvp (argv[0], argv);
      _exit (127);
    }
  return 0;
}

/* Read until NEEDLE appears in the output after offset FROM; returns
 * the time it appeared or -1 on timeout. */
static double
term_wait (term_t *t, size_t from, const char *needle, double timeout)
{
  double end = now () + timeout;
  for (;;)
    {
      struct pollfd p = { t->fd, POLLIN, 0 };
      ssize_t n;
      if (t->len > from && memmem (t->buf + from, t->len - from, needle,
                                   strlen (needle)))
        return now ();
      if (now () > end)
        return -1;
      if (poll (&p, 1, 50) <= 0)
        continue;
      n = read (t->fd, t->buf + t->len, sizeof t->buf - t->len - 1);
      if (n <= 0)
        return -1;
      t->len += (size_t) n;
      if (t->len > sizeof t->buf - 4096)
        t->len = 0;   /* keep reading; old output is not needed */
    }
}

static void
term_drain (term_t *t, double secs)
{
  double end = now () + secs;
  while (now () < end)
    {
      struct pollfd p = { t->fd, POLLIN, 0 };
      if (poll (&p, 1, 20) > 0)
        {
          ssize_t n = read (t->fd, t->buf + t->len, sizeof t->buf - t->len - 1);
          if (n <= 0)
            break;
          t->len += (size_t) n;
          if (t->len > sizeof t->buf - 4096)
            t->len = 0;
        }
    }
}

/* Under strace, end the traced vscman (the child of strace) first;
 * strace then exits by itself. */
static void
term_stop_children (term_t *t)
{
  char path[80];
  FILE *fp;
  int c;
  snprintf (path, sizeof path, "/proc/%d/task/%d/children", (int) t->pid,
            (int) t->pid);
  fp = fopen (path, "r");
  if (fp)
    {
      while (fscanf (fp, "%d", &c) == 1)
        kill ((pid_t) c, SIGTERM);
      fclose (fp);
    }
}

static void
term_stop (term_t *t)
{
  int st;
  kill (t->pid, SIGTERM);
  waitpid (t->pid, &st, 0);
  close (t->fd);
}

/* Quit from a screen: start, send the KEYS of STEPS (each then waits
 * for its text), write F10 and time until the process has exited.
 * Returns the seconds, or -1. */
typedef struct quit_step {
  const char *keys;
  const char *wait_for;
} quit_step_t;

static double
quit_time (char **argv, const quit_step_t *steps)
{
  static term_t q;
  double t0, t1;
  int st;

  if (term_start (&q, argv))
    return -1;
  if (term_wait (&q, 0, "Insert/Remove", 10) < 0)
    {
      term_stop (&q);
      return -1;
    }
  for (; steps && steps->keys; steps++)
    {
      size_t from = q.len;
      if (write (q.fd, steps->keys, strlen (steps->keys)) < 0
          || term_wait (&q, from, steps->wait_for, 30) < 0)
        {
          term_stop (&q);
          return -1;
        }
      term_drain (&q, 0.2);
    }
  term_drain (&q, 0.2);
  t0 = now ();
  if (write (q.fd, "\033[21~", 5) != 5)     /* F10 */
    {
      term_stop (&q);
      return -1;
    }
  for (;;)
    {
      pid_t r = waitpid (q.pid, &st, WNOHANG);
      if (r == q.pid)
        break;
      term_drain (&q, 0.001);
      if (now () - t0 > 10)
        {
          term_stop (&q);
          return -1;
        }
    }
  t1 = now ();
  close (q.fd);
  return t1 - t0;
}

static double
quit_best (char **argv, const quit_step_t *steps)
{
  double best = 1e9, t;
  for (int i = 0; i < 5; i++)
    if ((t = quit_time (argv, steps)) >= 0 && t < best)
      best = t;
  return best < 1e9 ? best : -1;
}

/* utime+stime of PID in seconds from /proc. */
static double
proc_cpu (pid_t pid)
{
  char path[64], line[1024], *p;
  unsigned long ut = 0, st = 0;
  FILE *fp;
  snprintf (path, sizeof path, "/proc/%d/stat", (int) pid);
  fp = fopen (path, "r");
  if (!fp || !fgets (line, sizeof line, fp))
    {
      if (fp)
        fclose (fp);
      return -1;
    }
  fclose (fp);
  p = strrchr (line, ')');
  if (!p || sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                    &ut, &st) != 2)
    return -1;
  return (double) (ut + st) / (double) sysconf (_SC_CLK_TCK);
}

static long
proc_rss_kib (pid_t pid)
{
  char path[64], line[256];
  long kib = -1;
  FILE *fp;
  snprintf (path, sizeof path, "/proc/%d/status", (int) pid);
  fp = fopen (path, "r");
  if (!fp)
    return -1;
  while (fgets (line, sizeof line, fp))
    if (!strncmp (line, "VmRSS:", 6))
      kib = strtol (line + 6, NULL, 10);
  fclose (fp);
  return kib;
}

static long
count_lines (const char *path)
{
  FILE *fp = fopen (path, "r");
  long n = 0;
  int c;
  if (!fp)
    return -1;
  while ((c = getc (fp)) != EOF)
    if (c == '\n')
      n++;
  fclose (fp);
  return n;
}

int
main (void)
{
  static term_t t;
  const char *bd = getenv ("top_builddir"), *sd = getenv ("top_srcdir");
  char vscman[1024], p1[1024], p2[1024], cfg[64], trace[128];
  char *argv[16];
  double t0, t1, ref_start, first_frame, idle_cpu, ins, rem, key;
  long rss, ref_rss, wake;
  int idle_secs = 10;
  const char *frame_marker = "Insert/Remove";  /* last label of the footer */

  if (!bd)
    bd = ".";
  if (!sd)
    sd = "..";
  snprintf (vscman, sizeof vscman, "%s/vscman", bd);
  snprintf (p1, sizeof p1, "%s/tests/cards/pkcs15.card", sd);
  snprintf (p2, sizeof p2, "%s/tests/cards/blank.card", sd);
  snprintf (cfg, sizeof cfg, "/tmp/vscman-bench-%d", (int) getpid ());
  snprintf (trace, sizeof trace, "%s/strace.out", cfg);
  mkdir (cfg, 0700);
  setenv ("XDG_CONFIG_HOME", cfg, 1);
  setenv ("XDG_DATA_HOME", cfg, 1);
  unsetenv ("NO_COLOR");

  /* Reference: starting the same binary that only prints its version. */
  argv[0] = vscman; argv[1] = "--version"; argv[2] = NULL;
  ref_start = 1e9;
  for (int i = 0; i < 5; i++)
    {
      int st;
      pid_t pid;
      t0 = now ();
      pid = fork ();
      if (!pid)
        {
          int fd = open ("/dev/null", O_WRONLY);
          dup2 (fd, 1);
          execv (vscman, argv);
          _exit (127);
        }
      waitpid (pid, &st, 0);
      t1 = now () - t0;
      if (t1 < ref_start)
        ref_start = t1;
    }

  /* Start to first full frame (best of 5). */
  argv[0] = vscman; argv[1] = "--emu"; argv[2] = p1; argv[3] = "--emu";
  argv[4] = p2; argv[5] = "--vsc-dir"; argv[6] = cfg; argv[7] = NULL;
  first_frame = 1e9;
  for (int i = 0; i < 5; i++)
    {
      t0 = now ();
      if (term_start (&t, argv))
        {
          perror ("forkpty");
          return 1;
        }
      t1 = term_wait (&t, 0, frame_marker, 10);
      if (t1 < 0)
        {
          fprintf (stderr, "vscman-ui: no first frame\n");
          term_stop (&t);
          return 1;
        }
      if (t1 - t0 < first_frame)
        first_frame = t1 - t0;
      if (i < 4)
        term_stop (&t);
    }
  printf ("bench vscman-first-frame: %.1f ms (reference vscman --version %.1f ms, ratio %.1f, goal < 50 ms)\n",
          first_frame * 1e3, ref_start * 1e3, first_frame / ref_start);

  /* Key-to-screen: the help screen (reference) vs card removal and
   * insertion through the emulator (F8; monitor -> pipe -> redraw). */
  term_drain (&t, 0.3);
  key = 1e9;
  for (int i = 0; i < 5; i++)
    {
      size_t from = t.len;
      t0 = now ();
      if (write (t.fd, "?", 1) != 1)
        break;
      t1 = term_wait (&t, from, "Everywhere", 5);
      if (t1 > 0 && t1 - t0 < key)
        key = t1 - t0;
      if (write (t.fd, "\033", 1) != 1)
        break;
      term_drain (&t, 0.2);
    }
  ins = rem = 1e9;
  for (int i = 0; i < 5; i++)
    {
      size_t from = t.len;
      t0 = now ();
      if (write (t.fd, "i", 1) != 1)
        break;
      t1 = term_wait (&t, from, "(no card)", 5);
      if (t1 > 0 && t1 - t0 < rem)
        rem = t1 - t0;
      term_drain (&t, 0.1);
      from = t.len;
      t0 = now ();
      if (write (t.fd, "i", 1) != 1)
        break;
      t1 = term_wait (&t, from, "pkcs15", 5);
      if (t1 > 0 && t1 - t0 < ins)
        ins = t1 - t0;
      term_drain (&t, 0.1);
    }
  printf ("bench vscman-card-removed-to-screen: %.2f ms (reference help-key round trip %.2f ms, ratio %.1f)\n",
          rem * 1e3, key * 1e3, rem / key);
  printf ("bench vscman-card-inserted-to-screen: %.2f ms incl. identifying the card (reference %.2f ms, ratio %.1f)\n",
          ins * 1e3, key * 1e3, ins / key);

  /* Quitting (F10) from each screen against quitting from the start
   * screen, same binary, same run (issue 14 item 8). */
  {
    static const quit_step_t help[] = { { "?", "Everywhere" }, { NULL, NULL } };
    static const quit_step_t help_back[] = { { "?", "Everywhere" },
                                             { "q", "Readers (" },
                                             { NULL, NULL } };
    static const quit_step_t log[] = { { "\033[20~", "lines, level" },
                                       { NULL, NULL } };
    static const quit_step_t settings[] = { { "s", "ASCII line" },
                                            { NULL, NULL } };
    static const quit_step_t card[] = { { "\r", "ef-transparent" },
                                        { NULL, NULL } };
    static const quit_step_t view[] = { { "\r", "ef-transparent" },
                                        { "j\r", "bytes" },
                                        { NULL, NULL } };
    static const quit_step_t backup[] = { { "\r", "ef-transparent" },
                                          { "\033[15~", "New VSC file" },
                                          { NULL, NULL } };
    static const struct { const char *name; const quit_step_t *steps; }
      screens[] = {
        { "help", help }, { "help-then-start", help_back }, { "log", log },
        { "settings", settings }, { "card", card }, { "view", view },
        { "backup", backup }
      };
    double ref = quit_best (argv, NULL), tq;

    for (size_t i = 0; i < sizeof screens / sizeof *screens; i++)
      {
        tq = quit_best (argv, screens[i].steps);
        if (tq < 0 || ref <= 0)
          printf ("bench vscman-quit-from-%s: not measured\n", screens[i].name);
        else
          printf ("bench vscman-quit-from-%s: %.1f ms (reference quit from "
                  "the start screen %.1f ms, ratio %.2f, goal < 200 ms)\n",
                  screens[i].name, tq * 1e3, ref * 1e3, tq / ref);
      }
  }

  /* Idle CPU and RSS on the start screen. */
  term_drain (&t, 0.5);
  t0 = proc_cpu (t.pid);
  term_drain (&t, idle_secs);
  idle_cpu = proc_cpu (t.pid) - t0;
  rss = proc_rss_kib (t.pid);
  term_stop (&t);
  {
    pid_t cat;
    int pfd[2];
    if (pipe (pfd))
      return 1;
    cat = fork ();
    if (!cat)
      {
        dup2 (pfd[0], 0);
        close (pfd[0]);
        close (pfd[1]);
        execlp ("cat", "cat", (char *) NULL);
        _exit (127);
      }
    usleep (200000);
    ref_rss = proc_rss_kib (cat);
    close (pfd[1]);
    close (pfd[0]);
    waitpid (cat, NULL, 0);
  }
  printf ("bench vscman-idle-cpu: %.3f %% of a core over %d s (reference 1 %%, ratio %.3f, goal < 1 %%)\n",
          idle_cpu * 100.0 / idle_secs, idle_secs, idle_cpu * 100.0 / idle_secs);
  printf ("bench vscman-idle-rss: %.1f MiB (reference idle cat %.1f MiB, ratio %.1f, goal < 8 MiB)\n",
          rss / 1024.0, ref_rss / 1024.0, (double) rss / (double) ref_rss);

  /* Wakeups of our own while idle: run under strace (started by it, as
   * PR_SET_DUMPABLE 0 forbids attaching) and count system calls of the
   * idle window. */
  if (!access ("/usr/bin/strace", X_OK))
    {
      char *sargv[20];
      long before, after;
      int k = 0;
      sargv[k++] = "strace"; sargv[k++] = "-f"; sargv[k++] = "-qq";
      sargv[k++] = "-o"; sargv[k++] = trace;
      for (int i = 0; argv[i]; i++)
        sargv[k++] = argv[i];
      sargv[k] = NULL;
      int started = !term_start (&t, sargv);
      if (started && term_wait (&t, 0, frame_marker, 20) > 0)
        {
          term_drain (&t, 1.0);
          before = count_lines (trace);
          term_drain (&t, idle_secs);
          after = count_lines (trace);
          wake = after - before;
          term_stop_children (&t);
          term_stop (&t);
          printf ("bench vscman-idle-syscalls: %ld system calls in %d s idle (reference 0, goal 0 wakeups of our own)\n",
                  wake, idle_secs);
        }
      else
        {
          if (started)
            {
              term_stop_children (&t);
              term_stop (&t);
            }
          printf ("bench vscman-idle-syscalls: not measured (strace failed)\n");
        }
    }
  else
    printf ("bench vscman-idle-syscalls: not measured (no strace)\n");
  unlink (trace);
  {
    char cmd[200];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", cfg);
    int rc = system (cmd);
    (void) rc;
  }
  return 0;
}
