/* vault-clients.c - many vscd clients at once, and clients through
 * faults, for tests/remote/vault-*.sh (both vault back ends)
 *
 *   vault-clients race URL[,URL...] UUID CLIENTS GENERATIONS
 *       CLIENTS threads, each with its own connection (spread over the
 *       URLs: several vscd processes on one vault), loop "get, put back
 *       a new version based on the generation just read" until the VSC
 *       reaches GENERATIONS. Every generation must have exactly one
 *       winner, every other put a conflict; at the end every kept
 *       generation holds exactly its winner's bytes.
 *
 *   vault-clients sequence URL UUID N [--fault K CMD]...
 *       N puts one after the other (get, put), each retried on a new
 *       connection when it fails, the uncertain ones resolved by looking
 *       at the generation it may have made. CMD runs (sh -c, in the
 *       background) just before put K is sent: a database restart, a
 *       vscd kill; put K + 10 waits until it is over. Afterwards: every put is in the history with its
 *       bytes, in order, none lost, none twice, none half.
 *
 *   vault-clients persist URL UUID STOPCMD STARTCMD
 *       One connection for the whole run: a put works; STOPCMD (the
 *       database goes away); a put fails with a clear error within the
 *       server's --db-timeout and the VSC is unchanged; STARTCMD; a put
 *       on the same connection works again (vscd reconnected by itself).
 *
 * The VSC is created (generation 1) if it does not exist. Servers run
 * with --no-check: the bytes are ours, not VSCs. Prints PASS/FAIL lines
 * and a TOTALS line; exit status 1 if anything failed. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <gcrypt.h>

#include "common/util.h"
#include "remote/client.h"

#define MAX_URLS 8
#define MAX_CLIENTS 256
#define MAX_GENS 100000
#define PAYLOAD 2048

static unsigned passed, failed;

static void
check (bool ok, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));

static void
check (bool ok, const char *fmt, ...)
{
  va_list ap;
  printf ("%s: ", ok ? "PASS" : "FAIL");
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
  if (ok)
    passed++;
  else
    failed++;
}

/* The bytes client C puts as its SEQ-th attempt: recognisable, and long
 * enough that a half-written one would show. */
static void
payload (uint8_t *p, unsigned c, unsigned seq)
{
  unsigned i;
  int n = snprintf ((char *)p, PAYLOAD, "client %u attempt %u|", c, seq);
  for (i = (unsigned)n; i < PAYLOAD; i++)
    p[i] = (uint8_t)(c * 131 + seq * 7 + i);
}

static gpg_error_t
connect_url (const char *url, remote_t **r)
{
  remote_opts_t o = REMOTE_OPTS_INIT;
  o.timeout_ms = 120000;
  return remote_open (url, &o, r);
}

/* Make sure UUID exists (generation >= 1). */
static gpg_error_t
ensure_vsc (const char *url, const char *uuid)
{
  gpg_error_t err;
  remote_t *r = NULL;
  proto_entry_t e;
  uint8_t p[PAYLOAD];
  uint64_t g;

  err = connect_url (url, &r);
  if (err)
    return err;
  if (gpg_err_code (remote_stat (r, uuid, &e)) == GPG_ERR_NOT_FOUND)
    {
      payload (p, 9999, 0);
      err = remote_put (r, uuid, 0, p, sizeof p, &g);
    }
  remote_close (r);
  return err;
}

/* ---- race ------------------------------------------------------------ */

typedef struct {
  pthread_t thread;
  unsigned id;
  const char *url;
  const char *uuid;
  uint64_t target;
  unsigned wins, conflicts, errors;
  char lasterr[256];
} racer_t;

static pthread_mutex_t race_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned race_winner[MAX_GENS + 2];   /* client+1 per generation */
static unsigned race_seq[MAX_GENS + 2];
static unsigned race_dups;

static void *
racer_run (void *arg)
{
  racer_t *t = arg;
  remote_t *r = NULL;
  buf_t data = BUF_INIT;
  uint8_t p[PAYLOAD];
  uint64_t gen, newgen;
  unsigned seq = 0;
  gpg_error_t err;

  err = connect_url (t->url, &r);
  if (err)
    {
      snprintf (t->lasterr, sizeof t->lasterr, "connect: %s %s",
                gpg_strerror (err), errctx_text ());
      t->errors++;
      return NULL;
    }
  for (;;)
    {
      err = remote_get (r, t->uuid, &data, &gen);
      if (err)
        break;
      if (gen >= t->target)
        break;
      payload (p, t->id, ++seq);
      err = remote_put (r, t->uuid, gen, p, sizeof p, &newgen);
      if (!err)
        {
          t->wins++;
          pthread_mutex_lock (&race_lock);
          if (newgen != gen + 1 || newgen > MAX_GENS || race_winner[newgen])
            race_dups++;
          else
            {
              race_winner[newgen] = t->id + 1;
              race_seq[newgen] = seq;
            }
          pthread_mutex_unlock (&race_lock);
        }
      else if (gpg_err_code (err) == GPG_ERR_CONFLICT)
        t->conflicts++;
      else
        break;
    }
  if (err)
    {
      snprintf (t->lasterr, sizeof t->lasterr, "%s (%s)", gpg_strerror (err),
                errctx_text ());
      t->errors++;
    }
  buf_free (&data);
  remote_close (r);
  return NULL;
}

static int
run_race (char *urls, const char *uuid, unsigned nclients, uint64_t target)
{
  const char *url[MAX_URLS];
  racer_t *t;
  unsigned nurl = 0, i, wins = 0, conflicts = 0, errors = 0, missing = 0;
  unsigned wrong = 0;
  uint64_t g, start;
  char *tok, *save = NULL;
  remote_t *r = NULL;
  proto_entry_t e;
  buf_t data = BUF_INIT;
  uint8_t p[PAYLOAD];
  proto_version_t *hist = NULL;
  size_t nh = 0;

  for (tok = strtok_r (urls, ",", &save); tok && nurl < MAX_URLS;
       tok = strtok_r (NULL, ",", &save))
    url[nurl++] = tok;
  if (!nurl || !nclients || nclients > MAX_CLIENTS || target > MAX_GENS)
    return 2;
  if (ensure_vsc (url[0], uuid) || connect_url (url[0], &r)
      || remote_stat (r, uuid, &e))
    {
      check (false, "the VSC exists before the race");
      return 1;
    }
  start = e.gen;
  remote_close (r);
  r = NULL;
  t = xtrycalloc (nclients, sizeof *t);
  if (!t)
    return 1;
  for (i = 0; i < nclients; i++)
    {
      t[i].id = i;
      t[i].url = url[i % nurl];
      t[i].uuid = uuid;
      t[i].target = target;
      pthread_create (&t[i].thread, NULL, racer_run, &t[i]);
    }
  for (i = 0; i < nclients; i++)
    {
      pthread_join (t[i].thread, NULL);
      wins += t[i].wins;
      conflicts += t[i].conflicts;
      errors += t[i].errors;
      if (t[i].errors)
        printf ("    client %u: %s\n", i, t[i].lasterr);
    }
  for (g = start + 1; g <= target; g++)
    if (!race_winner[g])
      missing++;
  check (!errors, "%u clients over %u servers: no errors (%u)", nclients, nurl,
         errors);
  check (!race_dups && !missing && wins == target - start,
         "exactly one winner for each of generations %" PRIu64 "..%" PRIu64
         " (%u wins, %u conflicts, %u twice, %u without a winner)",
         start + 1, target, wins, conflicts, race_dups, missing);
  check (conflicts > 0, "the losers were told: %u conflicts", conflicts);
  /* The vault agrees: current generation, and each kept generation is
   * its winner's bytes. */
  if (connect_url (url[nurl - 1], &r) || remote_stat (r, uuid, &e)
      || remote_history (r, uuid, &hist, &nh))
    check (false, "stat and history after the race");
  else
    {
      check (e.gen == target, "the VSC is at generation %" PRIu64 " (%" PRIu64 ")",
             target, e.gen);
      for (i = 0; i < nh; i++)
        {
          g = hist[i].gen;
          if (g <= start || g > target || !race_winner[g])
            continue;
          payload (p, race_winner[g] - 1, race_seq[g]);
          if (remote_get_gen (r, uuid, g, &data, &g) || data.len != PAYLOAD
              || memcmp (data.data, p, PAYLOAD))
            wrong++;
        }
      check (nh > 0 && !wrong, "each of the %zu kept generations holds its "
             "winner's bytes (%u wrong)", nh, wrong);
    }
  xfree (hist);
  buf_free (&data);
  remote_close (r);
  xfree (t);
  return 0;
}

/* ---- sequence ---------------------------------------------------------- */

typedef struct {
  unsigned at;
  const char *cmd;
  pid_t pid;
} fault_t;

#define FAULT_WINDOW 10   /* puts that may run during a fault */

static pid_t
start_cmd (const char *cmd)
{
  pid_t pid = fork ();
  if (!pid)
    {
      execl ("/bin/sh", "sh", "-c", cmd, (char *)NULL);
      _exit (127);
    }
  return pid;
}

static int
wait_cmd (pid_t pid)
{
  int st;
  while (waitpid (pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED (st) ? WEXITSTATUS (st) : -1;
}

static int
run_sequence (const char *url, const char *uuid, unsigned n, fault_t *faults,
              unsigned nfaults)
{
  remote_t *r = NULL;
  buf_t data = BUF_INIT;
  uint8_t p[PAYLOAD];
  uint64_t gen = 0, newgen, first = 0, g;
  unsigned i, f, attempts, retried = 0, resolved = 0, bad = 0;
  unsigned stored_seq[1024];
  proto_version_t *hist = NULL;
  size_t nh = 0;
  gpg_error_t err;
  time_t deadline;

  if (n > 1000 || ensure_vsc (url, uuid))
    {
      check (false, "the VSC exists before the puts");
      return 1;
    }
  memset (stored_seq, 0, sizeof stored_seq);
  for (i = 1; i <= n; i++)
    {
      for (f = 0; f < nfaults; f++)
        {
          if (faults[f].at == i)
            faults[f].pid = start_cmd (faults[f].cmd);
          /* The fault runs while puts go on, but put AT + FAULT_WINDOW
           * (or the last one) waits until it is over: on a busy machine
           * the puts could otherwise all be done before the database
           * even restarts, and the fault would test nothing. */
          else if (faults[f].pid > 0
                   && (i == faults[f].at + FAULT_WINDOW || i == n))
            {
              check (wait_cmd (faults[f].pid) == 0,
                     "fault before put %u ran (over before put %u): %s",
                     faults[f].at, i, faults[f].cmd);
              faults[f].pid = -1;
            }
        }
      payload (p, 0, i);
      deadline = time (NULL) + 120;
      for (attempts = 0; ; attempts++)
        {
          if (attempts)
            {
              retried++;
              usleep (100000);
            }
          if (time (NULL) > deadline)
            {
              check (false, "put %u did not get through in 120 s", i);
              goto done;
            }
          if (!r && connect_url (url, &r))
            {
              r = NULL;
              continue;
            }
          if (!attempts || !gen)
            {
              err = remote_get (r, uuid, &data, &gen);
              if (err)
                goto reconnect;
              if (!first)
                first = gen;
            }
          err = remote_put (r, uuid, gen, p, sizeof p, &newgen);
          if (!err)
            {
              if (newgen != gen + 1)
                bad++;
              stored_seq[i] = (unsigned)newgen;
              gen = newgen;
              break;
            }
          /* Failed: did it land anyway? Look at generation gen + 1. */
          remote_close (r);
          r = NULL;
          if (connect_url (url, &r))
            {
              r = NULL;
              continue;
            }
          if (!remote_get_gen (r, uuid, gen + 1, &data, &g))
            {
              if (data.len == PAYLOAD && !memcmp (data.data, p, PAYLOAD))
                {
                  resolved++;
                  stored_seq[i] = (unsigned)(gen + 1);
                  gen++;
                  break;
                }
              bad++;   /* somebody else's bytes: nobody else writes */
              goto done;
            }
          continue;
        reconnect:
          remote_close (r);
          r = NULL;
          gen = 0;
        }
    }
 done:
  for (f = 0; f < nfaults; f++)
    if (faults[f].pid > 0)
      check (wait_cmd (faults[f].pid) == 0, "fault before put %u ran: %s",
             faults[f].at, faults[f].cmd);
  check (!bad, "no put landed anywhere but on the generation it was based on");
  printf ("    %u puts, %u retries, %u found stored after an error\n", n,
          retried, resolved);
  /* Every put once, in order, complete; on a new connection (a fault
   * may have ended the old one after the last put). */
  remote_close (r);
  r = NULL;
  for (i = 0; i < 600 && connect_url (url, &r); i++)
    {
      r = NULL;
      usleep (100000);
    }
  err = r ? remote_history (r, uuid, &hist, &nh) : gpg_error (GPG_ERR_EPIPE);
  check (!err && nh && hist[0].gen == first + n,
         "the VSC is at generation %" PRIu64 " = %" PRIu64 " + %u puts",
         nh ? hist[0].gen : 0, first, n);
  bad = 0;
  for (i = 1; i <= n && !err; i++)
    {
      payload (p, 0, i);
      if (stored_seq[i] != first + i
          || remote_get_gen (r, uuid, first + i, &data, &g)
          || data.len != PAYLOAD || memcmp (data.data, p, PAYLOAD))
        bad++;
    }
  check (!err && !bad, "generations %" PRIu64 "..%" PRIu64 " hold puts 1..%u "
         "byte for byte: nothing lost, nothing twice, nothing half (%u wrong)",
         first + 1, first + n, n, bad);
  xfree (hist);
  buf_free (&data);
  remote_close (r);
  return 0;
}

/* ---- persist ----------------------------------------------------------- */

static int
run_persist (const char *url, const char *uuid, const char *stop,
             const char *start)
{
  remote_t *r = NULL;
  buf_t data = BUF_INIT;
  uint8_t p[PAYLOAD];
  uint64_t gen = 0, newgen = 0;
  gpg_error_t err;
  proto_entry_t e;
  time_t t0;

  if (ensure_vsc (url, uuid) || connect_url (url, &r))
    {
      check (false, "connected");
      return 1;
    }
  err = remote_get (r, uuid, &data, &gen);
  payload (p, 1, 1);
  if (!err)
    err = remote_put (r, uuid, gen, p, sizeof p, &newgen);
  check (!err, "a put on the long-lived connection works");
  check (wait_cmd (start_cmd (stop)) == 0, "the database went away (%s)", stop);
  payload (p, 1, 2);
  t0 = time (NULL);
  err = remote_put (r, uuid, newgen, p, sizeof p, &gen);
  check (gpg_err_code (err) == GPG_ERR_TRY_LATER,
         "a put without the database fails (%s) after %ld s: %s",
         gpg_strerror (err), (long)(time (NULL) - t0), errctx_text ());
  check (strstr (errctx_text (), "cannot be reached") != NULL,
         "the message says the database cannot be reached");
  check (wait_cmd (start_cmd (start)) == 0, "the database is back (%s)", start);
  err = remote_stat (r, uuid, &e);
  check (!err && e.gen == newgen, "the same connection works again; the VSC "
         "is unchanged at generation %" PRIu64 " (%" PRIu64 ")", newgen, e.gen);
  payload (p, 1, 3);
  err = remote_put (r, uuid, newgen, p, sizeof p, &gen);
  check (!err && gen == newgen + 1, "... and the next put is stored as "
         "generation %" PRIu64, newgen + 1);
  buf_free (&data);
  remote_close (r);
  return 0;
}

int
main (int argc, char **argv)
{
  fault_t faults[8];
  unsigned nfaults = 0;
  int i, rc = 2;

  if (util_program_init ())
    return 1;
  signal (SIGPIPE, SIG_IGN);
  if (argc == 6 && !strcmp (argv[1], "race"))
    rc = run_race (argv[2], argv[3], (unsigned)atoi (argv[4]),
                   strtoull (argv[5], NULL, 10));
  else if (argc >= 5 && !strcmp (argv[1], "sequence"))
    {
      for (i = 5; i + 2 < argc + 1 && nfaults < 8; i += 3)
        {
          if (i + 2 >= argc || strcmp (argv[i], "--fault"))
            {
              fprintf (stderr, "usage: see vault-clients.c\n");
              return 2;
            }
          faults[nfaults].at = (unsigned)atoi (argv[i + 1]);
          faults[nfaults].cmd = argv[i + 2];
          faults[nfaults].pid = 0;
          nfaults++;
        }
      rc = run_sequence (argv[2], argv[3], (unsigned)atoi (argv[4]), faults,
                         nfaults);
    }
  else if (argc == 6 && !strcmp (argv[1], "persist"))
    rc = run_persist (argv[2], argv[3], argv[4], argv[5]);
  else
    fprintf (stderr, "usage: see vault-clients.c\n");
  if (rc == 2)
    return 2;
  printf ("TOTALS: passed %u failed %u\n", passed, failed);
  return failed || rc ? 1 : 0;
}
