/* vsc-bench.c - VSC encode/decode throughput, save, KDF, create, cat RSS
 *
 * Prints lines "bench NAME: VALUE UNIT (reference REF UNIT, ratio R,
 * goal G)" (see bench/README):
 *  - encode+encrypt (seal) and decrypt+decode (open) of a VSC holding
 *    2 MiB of private data (KDF excluded: the key is derived once; no
 *    file I/O), against raw libgcrypt AES-256-GCM over the same 2 MiB in
 *    the same run (goal: ratio >= 0.85: one pass, no extra copies). Both
 *    run in memory that is already mapped: the allocator is told not to
 *    hand fresh pages back to the kernel between repetitions, as the raw
 *    reference reuses its buffers (a page fault costs tens of
 *    microseconds in some VMs and would otherwise dominate both);
 *  - decoding and encoding speed in nodes per second for 2,000, 20,000
 *    and 200,000 nodes under one DF (decoding is what `vsctool ls` and
 *    vscd's check of a put do: structure-only open), each against the
 *    rate at a tenth of the nodes in the same run (goal for 200k against
 *    20k: ratio >= 0.5, i.e. linear; decoding was quadratic, a factor
 *    of ten per step);
 *  - a full vsc_save (encode, temp file, fsync, rename, fsync dir);
 *  - Argon2id with the default parameters;
 *  - `vsctool create` wall time (default KDF) against the KDF alone;
 *  - peak RSS of `vsctool cat` of the 2 MiB node against 3 x file size +
 *    KDF memory (goal: ratio <= 1); measured after this process gave
 *    back its own memory (malloc_trim), which a forked child's count
 *    starts from. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <malloc.h>
#include <gcrypt.h>

#include "common/util.h"
#include "vsc/vsc-internal.h"   /* vsc_crypto_kdf */

#define DATA_LEN (2u * 1024 * 1024)
#define PW "bench password"

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The KDF result of the bench VSC, derived once. */
static struct {
  bool have;
  uint8_t salt[VSC_SALT_LEN];
  uint8_t kek[VSC_KEY_LEN];
} kdf_once;

static gpg_error_t
bench_kdf (void *ctx, const char *pw, const vsc_kdf_params_t *p,
           const uint8_t *salt, uint8_t *kek)
{
  gcry_kdf_hd_t hd;
  unsigned long a[4] = { VSC_KEY_LEN, p->t, p->m_kib, p->p };

  (void)ctx;
  if (kdf_once.have && !memcmp (salt, kdf_once.salt, VSC_SALT_LEN))
    {
      memcpy (kek, kdf_once.kek, VSC_KEY_LEN);
      return 0;
    }
  if (gcry_kdf_open (&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, a, 4, pw,
                     strlen (pw), salt, VSC_SALT_LEN, NULL, 0, NULL, 0)
      || gcry_kdf_compute (hd, NULL) || gcry_kdf_final (hd, VSC_KEY_LEN, kek))
    return gpg_error (GPG_ERR_GENERAL);
  gcry_kdf_close (hd);
  kdf_once.have = true;
  memcpy (kdf_once.salt, salt, VSC_SALT_LEN);
  memcpy (kdf_once.kek, kek, VSC_KEY_LEN);
  return 0;
}

/* Raw AES-256-GCM: encrypt + tag over N bytes, seconds per run. */
static double
raw_gcm (const uint8_t *in, uint8_t *out, size_t n, int reps)
{
  gcry_cipher_hd_t hd;
  uint8_t key[32], iv[12], tag[16];
  double t0, best = 1e9;
  int r;

  gcry_randomize (key, sizeof key, GCRY_STRONG_RANDOM);
  for (r = 0; r < reps; r++)
    {
      gcry_create_nonce (iv, sizeof iv);
      t0 = now ();
      gcry_cipher_open (&hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM, 0);
      gcry_cipher_setkey (hd, key, sizeof key);
      gcry_cipher_setiv (hd, iv, sizeof iv);
      gcry_cipher_authenticate (hd, "header", 6);
      gcry_cipher_final (hd);
      gcry_cipher_encrypt (hd, out, n, in, n);
      gcry_cipher_gettag (hd, tag, sizeof tag);
      gcry_cipher_close (hd);
      t0 = now () - t0;
      if (t0 < best)
        best = t0;
    }
  return best;
}

/* Seconds for one structure-only open of a VSC with N public nodes
 * (siblings under one DF); *ENC_T gets the encode time. */
static double
nodes_open (size_t n, double *enc_t)
{
  vsc_opts_t o = { NULL, bench_kdf, NULL };
  vsc_t *vsc = NULL, *v2 = NULL;
  image_node_t *df, *ef;
  uint8_t *enc = NULL, content[16];
  size_t enclen, i;
  double t, best = 1e9;
  int r;

  memset (content, 0x5A, sizeof content);
  if (vsc_create (NULL, PW, &o, &vsc, NULL)
      || image_make_path (vsc_image (vsc), "3F00/5015", IMAGE_NODE_DF,
                          IMAGE_SRC_USER, &df))
    return -1;
  for (i = 0; i < n; i++)
    {
      char name[16];
      snprintf (name, sizeof name, "e%07zu", i);
      if (image_node_new (IMAGE_NODE_EF_TRANSPARENT, &ef)
          || image_node_set_name (ef, name)
          || image_node_set_content (ef, content, sizeof content)
          || image_add_child (df, ef))
        return -1;
    }
  *enc_t = 1e9;
  for (r = 0; r < 3; r++)
    {
      t = now ();
      if (vsc_encode (vsc, &enc, &enclen))
        return -1;
      t = now () - t;
      if (t < *enc_t)
        *enc_t = t;
      if (r < 2)
        free (enc);
    }
  for (r = 0; r < 3; r++)
    {
      t = now ();
      if (vsc_open_mem (enc, enclen, NULL, NULL, &v2))
        return -1;
      t = now () - t;
      if (t < best)
        best = t;
      if (image_count_nodes (vsc_image (v2), NULL) != n + 2)
        return -1;
      vsc_close (v2);
    }
  free (enc);
  vsc_close (vsc);
  return best;
}

static void
line (const char *name, double v, const char *unit, double ref,
      const char *refunit, double ratio, const char *goal)
{
  printf ("bench %s: %.3f %s (reference %.3f %s, ratio %.2f, goal %s)\n",
          name, v, unit, ref, refunit, ratio, goal);
}

/* Run ARGV, wait, return wall seconds and peak RSS (KiB). */
static int
run_child (char *const argv[], double *secs, long *maxrss_kib)
{
  pid_t pid;
  int status;
  struct rusage ru;
  double t0 = now ();

  pid = fork ();
  if (pid < 0)
    return -1;
  if (!pid)
    {
      int fd = open ("/dev/null", O_WRONLY);
      dup2 (fd, 1);
      execv (argv[0], argv);
      _exit (127);
    }
  if (wait4 (pid, &status, 0, &ru) != pid)
    return -1;
  *secs = now () - t0;
  *maxrss_kib = ru.ru_maxrss;
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

int
main (void)
{
  gpg_error_t err;
  vsc_t *vsc = NULL, *v2;
  vsc_opts_t o = { NULL, bench_kdf, NULL };
  uint8_t *data, *out, *enc;
  size_t enclen;
  image_node_t *node;
  double t, best_enc = 1e9, best_dec = 1e9, raw, save_best = 1e9, kdf_t;
  int r, reps = 20;
  char dir[] = "/tmp/vsc-bench.XXXXXX", path[256], pwfile[256], vpath[512];
  const char *bd = getenv ("top_builddir");
  struct stat st;

  if (util_init_gcrypt ())
    return 1;
  /* Reuse mapped memory between repetitions (see the top). */
  mallopt (M_MMAP_THRESHOLD, 64 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, 512 * 1024 * 1024);
  if (!mkdtemp (dir))
    return 1;
  data = malloc (DATA_LEN);
  out = malloc (DATA_LEN);
  if (!data || !out)
    return 1;
  gcry_randomize (data, DATA_LEN, GCRY_WEAK_RANDOM);

  /* A VSC with 2 MiB private data, default KDF (derived once). */
  snprintf (path, sizeof path, "%s/bench.vsc", dir);
  err = vsc_create (path, PW, &o, &vsc, NULL);
  if (!err)
    err = image_make_path (vsc_image (vsc), "3F00/0001", IMAGE_NODE_EF_TRANSPARENT,
                           IMAGE_SRC_USER, &node);
  if (!err)
    {
      node->area = IMAGE_AREA_PRIVATE;
      err = image_node_set_content (node, data, DATA_LEN);
    }
  if (err)
    {
      fprintf (stderr, "vsc-bench: %s\n", gpg_strerror (err));
      return 1;
    }

  raw = raw_gcm (data, out, DATA_LEN, reps);
  for (r = 0; r < reps; r++)
    {
      t = now ();
      err = vsc_encode (vsc, &enc, &enclen);
      t = now () - t;
      if (err)
        return 1;
      if (t < best_enc)
        best_enc = t;
      t = now ();
      err = vsc_open_mem (enc, enclen, PW, &o, &v2);
      t = now () - t;
      if (err)
        {
          fprintf (stderr, "vsc-bench: open: %s\n", gpg_strerror (err));
          return 1;
        }
      if (t < best_dec)
        best_dec = t;
      vsc_close (v2);
      free (enc);
    }
  line ("vsc-encode-2MiB", DATA_LEN / best_enc / 1e6, "MB/s",
        DATA_LEN / raw / 1e6, "MB/s raw AES-256-GCM", raw / best_enc,
        ">= 0.85");
  line ("vsc-decode-2MiB", DATA_LEN / best_dec / 1e6, "MB/s",
        DATA_LEN / raw / 1e6, "MB/s raw AES-256-GCM", raw / best_dec,
        ">= 0.85");

  /* Nodes per second, 2k / 20k / 200k. */
  {
    static const size_t counts[3] = { 2000, 20000, 200000 };
    double rate[3], erate[3], et;
    int i;
    for (i = 0; i < 3; i++)
      {
        double s = nodes_open (counts[i], &et);
        if (s <= 0)
          {
            fprintf (stderr, "vsc-bench: %zu nodes failed\n", counts[i]);
            return 1;
          }
        rate[i] = (counts[i] + 2) / s;
        erate[i] = (counts[i] + 2) / et;
      }
    /* Each size against the one ten times smaller: a linear decoder
     * keeps its rate (ratio about 1), a quadratic one loses a factor of
     * ten per step. From 2k to 20k nodes the working set leaves the CPU
     * caches, which costs a constant factor of its own; from 20k to 200k
     * it is memory either way, so that step shows the algorithm. */
    for (i = 0; i < 3; i++)
      {
        char name[64], ref[64];
        snprintf (name, sizeof name, "vsc-open-%zuk-nodes", counts[i] / 1000);
        snprintf (ref, sizeof ref, "knodes/s at %zuk nodes",
                  counts[i ? i - 1 : 0] / 1000);
        line (name, rate[i] / 1e3, "knodes/s", rate[i ? i - 1 : 0] / 1e3,
              ref, rate[i] / rate[i ? i - 1 : 0],
              i == 2 ? ">= 0.5 (linear)" : "informational (caches)");
      }
    for (i = 0; i < 3; i++)
      {
        char name[64], ref[64];
        snprintf (name, sizeof name, "vsc-encode-%zuk-nodes",
                  counts[i] / 1000);
        snprintf (ref, sizeof ref, "knodes/s at %zuk nodes",
                  counts[i ? i - 1 : 0] / 1000);
        line (name, erate[i] / 1e3, "knodes/s", erate[i ? i - 1 : 0] / 1e3,
              ref, erate[i] / erate[i ? i - 1 : 0],
              i == 2 ? ">= 0.5 (linear)" : "informational (caches)");
      }
  }

  for (r = 0; r < reps; r++)
    {
      t = now ();
      err = vsc_save (vsc);
      t = now () - t;
      if (err)
        {
          fprintf (stderr, "vsc-bench: save: %s\n", gpg_strerror (err));
          return 1;
        }
      if (t < save_best)
        save_best = t;
    }
  line ("vsc-save-2MiB", save_best * 1e3, "ms", best_enc * 1e3,
        "ms encode only", save_best / best_enc, "informational (fsync)");
  vsc_close (vsc);

  /* KDF with the defaults. */
  {
    vsc_kdf_params_t p = { VSC_KDF_M_DEFAULT, VSC_KDF_T_DEFAULT,
                           VSC_KDF_P_DEFAULT };
    uint8_t salt[VSC_SALT_LEN] = { 1 }, kek[VSC_KEY_LEN];
    t = now ();
    err = vsc_crypto_kdf (NULL, PW, &p, salt, kek);
    kdf_t = now () - t;
    if (err)
      return 1;
    line ("kdf-argon2id-default", kdf_t * 1e3, "ms", 200, "ms design target",
          kdf_t * 1e3 / 200, "about 1 (m 64 MiB, t 3, p 4)");
  }

  /* vsctool create and cat (child processes). A child's peak RSS as
   * wait4 reports it starts from this process's resident size at the
   * fork (the copied mappings count until the exec): hand the memory the
   * allocator kept (see the top) back first, or the 200k-node images
   * freed above would be counted as vsctool's. */
  free (data);
  free (out);
  data = out = NULL;
  malloc_trim (0);
  snprintf (vpath, sizeof vpath, "%s/vsctool", bd ? bd : ".");
  snprintf (pwfile, sizeof pwfile, "%s/pw", dir);
  {
    FILE *fp = fopen (pwfile, "w");
    if (!fp)
      return 1;
    fprintf (fp, "%s\n", PW);
    fclose (fp);
  }
  if (access (vpath, X_OK))
    printf ("bench vsctool: skipped (no %s)\n", vpath);
  else
    {
      char cpath[300];
      double secs;
      long rss;
      snprintf (cpath, sizeof cpath, "%s/created.vsc", dir);
      {
        char *argv[] = { vpath, (char *)"create", (char *)"--password-file",
                         pwfile, cpath, NULL };
        if (run_child (argv, &secs, &rss))
          return 1;
        line ("vsctool-create", secs * 1e3, "ms", kdf_t * 1e3, "ms KDF alone",
              secs / kdf_t, "close to 1 (KDF dominates)");
      }
      stat (path, &st);
      {
        char *argv[] = { vpath, (char *)"cat", (char *)"--password-file",
                         pwfile, path, (char *)"3F00/0001", NULL };
        double limit = (3.0 * st.st_size + VSC_KDF_M_DEFAULT * 1024.0) / 1024;
        if (run_child (argv, &secs, &rss))
          return 1;
        line ("vsctool-cat-2MiB-peak-rss", rss / 1024.0, "MiB", limit / 1024,
              "MiB (3 x file + KDF memory)", rss / limit, "<= 1");
        printf ("bench vsctool-cat-2MiB-time: %.1f ms\n", secs * 1e3);
      }
      unlink (cpath);
    }

  unlink (pwfile);
  unlink (path);
  rmdir (dir);
  free (data);
  free (out);
  return 0;
}
