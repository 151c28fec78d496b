/* vscd-roundtrip.c - vscd get+put round trips per second
 *
 * 64 client threads, each with its own connection to "vscd --socket" on
 * this machine and its own VSC of 64 KiB (a real one: vsc_create + a
 * 64 KiB EF, so the server's structural check runs on every put), loop
 * "get, then put back with the generation just read" for a fixed time.
 * Every put must succeed (each client owns its VSC): errors are counted
 * and make the benchmark fail.
 *
 * Reference, same run, same socket code: "vscd --echo", where a get reads
 * the same file and a put is received and discarded - a plain cat of the
 * file through the socket, without compare-and-swap, check, fsync or
 * rename. Goal: >= 200 round trips/s.
 *
 * Environment: top_builddir (for ./vscd), TMPDIR, BENCH_SECONDS (3),
 * BENCH_CLIENTS (64). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <gcrypt.h>

#include "common/util.h"
#include "vsc/vsc.h"
#include "image/image.h"
#include "remote/client.h"

#define VSC_BYTES (64 * 1024)
#define MAX_CLIENTS 256

typedef struct bench_client {
  pthread_t thread;
  const char *url;
  char uuid[37];
  const uint8_t *vsc;
  size_t vsclen;
  double seconds;
  unsigned long ops;
  unsigned long errors;
  char lasterr[256];
} bench_client_t;

static double
bench_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A real VSC with one 64 KiB EF; cheap KDF (the bench is about the
 * server, not Argon2). */
static gpg_error_t
bench_make_vsc (const char *dir, int i, uint8_t **r_data, size_t *r_len,
                char *uuid)
{
  gpg_error_t err;
  static const vsc_kdf_params_t kdf = { VSC_KDF_M_MIN, 1, 1 };
  vsc_opts_t opts = { &kdf, NULL, NULL };
  char path[1024];
  vsc_t *vsc = NULL;
  image_node_t *node;
  uint8_t *content = NULL;

  snprintf (path, sizeof path, "%s/bench-%d.vsc", dir, i);
  content = xtrymalloc (VSC_BYTES);
  if (!content)
    return gpg_error_from_syserror ();
  gcry_create_nonce (content, VSC_BYTES);
  err = vsc_create (path, "bench password", &opts, &vsc, NULL);
  if (!err)
    err = image_make_path (vsc_image (vsc), "3F00/5015/4401",
                           IMAGE_NODE_EF_TRANSPARENT, IMAGE_SRC_USER, &node);
  if (!err)
    err = image_node_set_content (node, content, VSC_BYTES);
  if (!err)
    err = vsc_encode (vsc, r_data, r_len);
  if (!err)
    snprintf (uuid, 37, "%s", vsc_uuid (vsc));
  for (i = 0; !err && uuid[i]; i++)
    if (uuid[i] >= 'A' && uuid[i] <= 'F')
      uuid[i] = (char)(uuid[i] - 'A' + 'a');
  vsc_close (vsc);
  xfree (content);
  return err;
}

static void *
bench_client_run (void *arg)
{
  bench_client_t *c = arg;
  gpg_error_t err;
  remote_t *r = NULL;
  buf_t data = BUF_INIT;
  uint64_t gen, ngen;
  double end;

  err = remote_open (c->url, NULL, &r);
  if (err)
    {
      snprintf (c->lasterr, sizeof c->lasterr, "open: %s", gpg_strerror (err));
      c->errors++;
      return NULL;
    }
  end = bench_now () + c->seconds;
  while (bench_now () < end)
    {
      err = remote_get (r, c->uuid, &data, &gen);
      if (!err)
        err = remote_put (r, c->uuid, gen, data.data, data.len, &ngen);
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
  remote_close (r);
  return NULL;
}

static pid_t
bench_start_vscd (const char *vscd, const char *sock, const char *vault,
                  bool echo)
{
  pid_t pid = fork ();
  int i;
  if (pid == 0)
    {
      /* All clients are this uid: no per-uid limit (default 8). */
      if (echo)
        execl (vscd, "vscd", "--socket", sock, "--vault", vault,
               "--max-clients", "256", "--max-per-uid", "0", "--echo",
               (char *)NULL);
      else
        execl (vscd, "vscd", "--socket", sock, "--vault", vault,
               "--max-clients", "256", "--max-per-uid", "0", (char *)NULL);
      _exit (127);
    }
  for (i = 0; i < 200; i++)
    {
      struct stat st;
      if (!stat (sock, &st))
        return pid;
      usleep (20000);
    }
  return -1;
}

/* Run NCLIENTS threads against URL; returns round trips/s. */
static double
bench_run (bench_client_t *cl, int n, const char *url, double seconds,
           unsigned long *r_errors, const char **r_lasterr)
{
  double t0, t1;
  unsigned long ops = 0, errors = 0;
  int i;

  *r_lasterr = "";
  for (i = 0; i < n; i++)
    {
      cl[i].url = url;
      cl[i].seconds = seconds;
      cl[i].ops = cl[i].errors = 0;
      cl[i].lasterr[0] = 0;
    }
  t0 = bench_now ();
  for (i = 0; i < n; i++)
    pthread_create (&cl[i].thread, NULL, bench_client_run, &cl[i]);
  for (i = 0; i < n; i++)
    pthread_join (cl[i].thread, NULL);
  t1 = bench_now ();
  for (i = 0; i < n; i++)
    {
      ops += cl[i].ops;
      errors += cl[i].errors;
      if (cl[i].lasterr[0])
        *r_lasterr = cl[i].lasterr;
    }
  *r_errors = errors;
  return ops / (t1 - t0);
}

int
main (void)
{
  gpg_error_t err;
  const char *builddir = getenv ("top_builddir");
  const char *tmp = getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
  int nclients = getenv ("BENCH_CLIENTS") ? atoi (getenv ("BENCH_CLIENTS")) : 64;
  double seconds = getenv ("BENCH_SECONDS") ? atof (getenv ("BENCH_SECONDS")) : 3;
  static bench_client_t cl[MAX_CLIENTS];
  char dir[512], vscd[512], sock[600], sock2[600], vault[600], vault2[600];
  char url[700], url2[700], cmd[2048];
  pid_t real = -1, ref = -1;
  double rate, refrate;
  unsigned long errors, referrors;
  const char *lasterr, *reflasterr;
  struct statfs sf;
  int i, rc = 1;

  if (nclients < 1 || nclients > MAX_CLIENTS || seconds <= 0)
    {
      fprintf (stderr, "bench vscd-roundtrip: bad BENCH_CLIENTS/BENCH_SECONDS\n");
      return 1;
    }
  if (util_program_init ())
    return 1;
  signal (SIGPIPE, SIG_IGN);
  snprintf (vscd, sizeof vscd, "%s/vscd", builddir ? builddir : ".");
  snprintf (dir, sizeof dir, "%s/bench-vscd.XXXXXX", tmp);
  if (!mkdtemp (dir))
    {
      perror ("mkdtemp");
      return 1;
    }
  snprintf (sock, sizeof sock, "%s/s", dir);
  snprintf (sock2, sizeof sock2, "%s/echo", dir);
  snprintf (vault, sizeof vault, "%s/vaults", dir);
  snprintf (vault2, sizeof vault2, "%s/vaults-echo", dir);
  snprintf (url, sizeof url, "unix:%s", sock);
  snprintf (url2, sizeof url2, "unix:%s", sock2);

  real = bench_start_vscd (vscd, sock, vault, false);
  ref = bench_start_vscd (vscd, sock2, vault2, true);
  if (real < 0 || ref < 0)
    {
      printf ("bench vscd-roundtrip: %s did not start\n", vscd);
      goto leave;
    }

  /* One VSC per client, stored in both vaults. */
  for (i = 0; i < nclients; i++)
    {
      uint8_t *data = NULL;
      size_t len = 0;
      remote_t *r;
      uint64_t g;
      int k;

      err = bench_make_vsc (dir, i, &data, &len, cl[i].uuid);
      if (err)
        {
          printf ("bench vscd-roundtrip: cannot make a VSC: %s\n",
                  gpg_strerror (err));
          goto leave;
        }
      cl[i].vsc = data;
      cl[i].vsclen = len;
      for (k = 0; k < 2; k++)
        {
          err = remote_open (k ? url2 : url, NULL, &r);
          if (!err)
            err = remote_put (r, cl[i].uuid, 0, data, len, &g);
          if (err)
            {
              printf ("bench vscd-roundtrip: upload: %s (%s)\n",
                      gpg_strerror (err), errctx_text ());
              remote_close (r);
              goto leave;
            }
          remote_close (r);
        }
    }
  /* The echo server discards puts; give it the files directly. */
  snprintf (cmd, sizeof cmd, "cp -p %s/*/* %s/%u/ 2>/dev/null", vault, vault2,
            (unsigned)getuid ());
  if (system (cmd))
    {
      printf ("bench vscd-roundtrip: cannot seed the echo vault\n");
      goto leave;
    }

  refrate = bench_run (cl, nclients, url2, seconds, &referrors, &reflasterr);
  rate = bench_run (cl, nclients, url, seconds, &errors, &lasterr);
  statfs (dir, &sf);
  printf ("bench vscd-roundtrip: %.0f get+put/s with %d clients, %zu-byte "
          "VSC, %lu errors (reference cat-through-socket %.0f get+put/s, "
          "%lu errors; ratio %.2f; goal >= 200/s; vault fs magic 0x%lx%s)\n",
          rate, nclients, cl[0].vsclen, errors, refrate, referrors,
          refrate > 0 ? rate / refrate : 0.0,
          (unsigned long)sf.f_type,
          sf.f_type == 0x01021994 ? " tmpfs: fsync is free" : "");
  if (errors || referrors)
    printf ("bench vscd-roundtrip: last error: %s%s\n", lasterr, reflasterr);
  rc = (!errors && !referrors && rate >= 200) ? 0 : 1;

 leave:
  if (real > 0)
    {
      kill (real, SIGTERM);
      waitpid (real, NULL, 0);
    }
  if (ref > 0)
    {
      kill (ref, SIGTERM);
      waitpid (ref, NULL, 0);
    }
  for (i = 0; i < nclients; i++)
    xfree ((void *)cl[i].vsc);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd))
    fprintf (stderr, "bench vscd-roundtrip: could not remove %s\n", dir);
  return rc;
}
