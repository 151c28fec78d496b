/* vscd-backends-run.c - get+put round trips per second on the two vault
 * back ends, in the same run, and vscd's memory per connection
 *
 *   vscd-backends-run URL_DIR PID_DIR URL_PG PID_PG
 *
 * Started by bench/vscd-backends.sh, which starts a vscd --socket on a
 * directory vault and one on a PostgreSQL vault (a throw-away cluster
 * with fsync on, like the directory's puts), both --no-check (the
 * benchmark is about the vault, not the VSC check, which costs both the
 * same) and --keep 10.
 *
 * For each back end: 1000 VSCs of 64 KiB are stored, then 64 client
 * threads, each with its own connection, loop "get a VSC, put it back
 * with the generation just read" over their own share of the 1000 (so
 * no put conflicts) for BENCH_SECONDS (5). Every put must succeed.
 * Reference: the directory back end; goal: PostgreSQL >= 0.5 of it.
 *
 * Memory: with the 64 connections still open after their last request,
 * the proportional set size (Pss, /proc/PID/smaps_rollup) of each
 * connection's vscd process, averaged; reference: the listener's own.
 *
 * Environment: BENCH_SECONDS, BENCH_CLIENTS (64), BENCH_VSCS (1000). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <gcrypt.h>

#include "common/util.h"
#include "remote/client.h"

#define VSC_BYTES (64 * 1024)
#define MAX_CLIENTS 256
#define MAX_VSCS 100000

typedef struct bench_client {
  pthread_t thread;
  const char *url;
  unsigned id, nclients, nvscs;
  char (*uuids)[37];
  double seconds;
  unsigned long ops, errors;
  char lasterr[256];
  remote_t *r;               /* kept open for the memory figure */
  pthread_mutex_t *start;
} bench_client_t;

static double
bench_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
bench_uuid (char *u, unsigned i, unsigned salt)
{
  snprintf (u, 37, "be%06x-%04x-4000-8000-%012x", salt & 0xffffff, 0, i);
}

/* Store the VSCs (generation 1 each) through one connection. */
static int
bench_fill (const char *url, char (*uuids)[37], unsigned n, unsigned salt)
{
  remote_t *r = NULL;
  uint8_t *data;
  uint64_t g;
  unsigned i;
  gpg_error_t err;

  data = xtrymalloc (VSC_BYTES);
  if (!data)
    return -1;
  gcry_create_nonce (data, VSC_BYTES);
  err = remote_open (url, NULL, &r);
  for (i = 0; !err && i < n; i++)
    {
      bench_uuid (uuids[i], i, salt);
      data[0] = (uint8_t)i;
      err = remote_put (r, uuids[i], 0, data, VSC_BYTES, &g);
    }
  if (err)
    fprintf (stderr, "vscd-backends: filling %s: %s (%s)\n", url,
             gpg_strerror (err), errctx_text ());
  remote_close (r);
  xfree (data);
  return err ? -1 : 0;
}

static void *
bench_client_run (void *arg)
{
  bench_client_t *c = arg;
  gpg_error_t err;
  buf_t data = BUF_INIT;
  uint64_t gen, ngen;
  unsigned k = c->id;
  double end;

  err = remote_open (c->url, NULL, &c->r);
  if (err)
    {
      snprintf (c->lasterr, sizeof c->lasterr, "open: %s", gpg_strerror (err));
      c->errors++;
      return NULL;
    }
  /* Everybody starts at once. */
  pthread_mutex_lock (c->start);
  pthread_mutex_unlock (c->start);
  end = bench_now () + c->seconds;
  while (bench_now () < end)
    {
      const char *u = c->uuids[k];
      k += c->nclients;
      if (k >= c->nvscs)
        k = c->id;
      err = remote_get (c->r, u, &data, &gen);
      if (!err)
        err = remote_put (c->r, u, gen, data.data, data.len, &ngen);
      if (err)
        {
          snprintf (c->lasterr, sizeof c->lasterr, "%s (%s)",
                    gpg_strerror (err), errctx_text ());
          c->errors++;
        }
      else
        c->ops++;
    }
  buf_free (&data);
  return NULL;
}

/* Pss of PID in KiB (0 if unknown). */
static unsigned long
bench_pss (long pid)
{
  char path[64], line[256];
  unsigned long kb = 0;
  FILE *fp;

  snprintf (path, sizeof path, "/proc/%ld/smaps_rollup", pid);
  fp = fopen (path, "r");
  if (!fp)
    return 0;
  while (fgets (line, sizeof line, fp))
    if (sscanf (line, "Pss: %lu kB", &kb) == 1)
      break;
  fclose (fp);
  return kb;
}

/* Average Pss of the listener's children (one per connection). */
static double
bench_conn_memory (long listener, unsigned *r_n)
{
  char path[96];
  FILE *fp;
  long child;
  unsigned long sum = 0, kb;
  unsigned n = 0;

  snprintf (path, sizeof path, "/proc/%ld/task/%ld/children", listener,
            listener);
  fp = fopen (path, "r");
  if (!fp)
    return 0;
  while (fscanf (fp, "%ld", &child) == 1)
    if ((kb = bench_pss (child)))
      {
        sum += kb;
        n++;
      }
  fclose (fp);
  *r_n = n;
  return n ? (double)sum / n : 0;
}

typedef struct {
  double rate;
  double conn_kb;
  double listener_kb;
  unsigned conns;
  unsigned long errors;
  char lasterr[256];
} bench_result_t;

static int
bench_backend (const char *url, long pid, unsigned nclients, unsigned nvscs,
               double seconds, unsigned salt, bench_result_t *res)
{
  bench_client_t *cl;
  char (*uuids)[37];
  pthread_mutex_t start = PTHREAD_MUTEX_INITIALIZER;
  unsigned long ops = 0;
  double t0, t1;
  unsigned i;

  memset (res, 0, sizeof *res);
  uuids = xtrycalloc (nvscs, sizeof *uuids);
  cl = xtrycalloc (nclients, sizeof *cl);
  if (!uuids || !cl || bench_fill (url, uuids, nvscs, salt))
    return -1;
  pthread_mutex_lock (&start);
  for (i = 0; i < nclients; i++)
    {
      cl[i].url = url;
      cl[i].id = i;
      cl[i].nclients = nclients;
      cl[i].nvscs = nvscs;
      cl[i].uuids = uuids;
      cl[i].seconds = seconds;
      cl[i].start = &start;
      pthread_create (&cl[i].thread, NULL, bench_client_run, &cl[i]);
    }
  usleep (500000);   /* connected and waiting */
  t0 = bench_now ();
  pthread_mutex_unlock (&start);
  for (i = 0; i < nclients; i++)
    pthread_join (cl[i].thread, NULL);
  t1 = bench_now ();
  for (i = 0; i < nclients; i++)
    {
      ops += cl[i].ops;
      res->errors += cl[i].errors;
      if (cl[i].lasterr[0])
        snprintf (res->lasterr, sizeof res->lasterr, "%s", cl[i].lasterr);
    }
  res->rate = ops / (t1 - t0);
  res->conn_kb = bench_conn_memory (pid, &res->conns);
  res->listener_kb = (double)bench_pss (pid);
  for (i = 0; i < nclients; i++)
    remote_close (cl[i].r);
  xfree (cl);
  xfree (uuids);
  return 0;
}

static unsigned
bench_env (const char *name, unsigned def, unsigned max)
{
  const char *s = getenv (name);
  unsigned long v = s ? strtoul (s, NULL, 10) : 0;
  return v && v <= max ? (unsigned)v : def;
}

int
main (int argc, char **argv)
{
  bench_result_t dir, pg;
  unsigned nclients = bench_env ("BENCH_CLIENTS", 64, MAX_CLIENTS);
  unsigned nvscs = bench_env ("BENCH_VSCS", 1000, MAX_VSCS);
  double seconds = bench_env ("BENCH_SECONDS", 5, 3600);
  unsigned salt = (unsigned)getpid ();
  double ratio;
  int rc = 0;

  if (argc != 5)
    {
      fprintf (stderr, "usage: vscd-backends-run URL_DIR PID_DIR URL_PG PID_PG\n");
      return 2;
    }
  if (util_program_init ())
    return 1;
  signal (SIGPIPE, SIG_IGN);
  if (nvscs < nclients)
    nvscs = nclients;
  printf ("vscd back ends: %u clients, %u VSCs of %u KiB, %.0f s each\n",
          nclients, nvscs, VSC_BYTES / 1024, seconds);
  fflush (stdout);
  if (bench_backend (argv[1], atol (argv[2]), nclients, nvscs, seconds, salt, &dir)
      || bench_backend (argv[3], atol (argv[4]), nclients, nvscs, seconds,
                        salt + 1, &pg))
    return 1;
  if (dir.errors || pg.errors)
    {
      fprintf (stderr, "vscd-backends: %lu/%lu failed round trips, e.g. %s\n",
               dir.errors, pg.errors, pg.errors ? pg.lasterr : dir.lasterr);
      rc = 1;
    }
  ratio = dir.rate > 0 ? pg.rate / dir.rate : 0;
  printf ("bench vscd-get-put-postgresql: %.0f round trips/s (reference "
          "directory %.0f round trips/s, ratio %.2f, goal 0.50)\n",
          pg.rate, dir.rate, ratio);
  printf ("bench vscd-memory-per-connection-directory: %.0f KiB Pss (%u "
          "connections; reference listener %.0f KiB, ratio %.2f)\n",
          dir.conn_kb, dir.conns, dir.listener_kb,
          dir.listener_kb > 0 ? dir.conn_kb / dir.listener_kb : 0);
  printf ("bench vscd-memory-per-connection-postgresql: %.0f KiB Pss (%u "
          "connections; reference directory %.0f KiB, ratio %.2f)\n",
          pg.conn_kb, pg.conns, dir.conn_kb,
          dir.conn_kb > 0 ? pg.conn_kb / dir.conn_kb : 0);
  if (ratio < 0.5)
    printf ("vscd-backends: below the goal\n");
  return rc;
}
