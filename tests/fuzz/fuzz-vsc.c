/* fuzz-vsc.c - libFuzzer target: the VSC file parser on arbitrary input
 *
 * Every input is opened twice: without a password (structure, identifier
 * and public area only; the result must be marked unverified and hold
 * only public nodes) and with the password of the seed files ("vscman
 * test vector 1"). Argon2id would make every run cost tens of ms, so the
 * KDF is a cache: the real Argon2id for the first few distinct inputs
 * with the minimum parameters (the seeds), a cheap hash for anything
 * else (which, like Argon2id, gives a different key for different
 * input). A successful open with the password must be verified.
 *
 * Writer and reader share one set of limits: every image the reader
 * accepts without the password is given to a writer VSC (made once),
 * which must encode it, and what it writes must open again (with the
 * password) to the same tree. Large inputs matter here (a quadratic
 * decoder hid behind libFuzzer's default 4096-byte inputs): vsc.sh runs
 * with -max_len=1048576 and the corpus has a file with 3000 nodes. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <gcrypt.h>
#include "common/util.h"
#include "vsc/vsc.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_PW "vscman test vector 1"
#define CACHE_MAX 8

static struct {
  vsc_kdf_params_t params;
  uint8_t salt[VSC_SALT_LEN];
  uint8_t kek[VSC_KEY_LEN];
} cache[CACHE_MAX];
static unsigned ncache;

static gpg_error_t
fuzz_kdf (void *ctx, const char *pw, const vsc_kdf_params_t *params,
          const uint8_t *salt, uint8_t *kek)
{
  gpg_error_t err;
  unsigned i;
  gcry_md_hd_t md;

  (void)ctx;
  if ((err = vsc_kdf_check (params)))
    abort ();   /* the parser must have refused these already */
  for (i = 0; i < ncache; i++)
    if (!memcmp (&cache[i].params, params, sizeof *params)
        && !memcmp (cache[i].salt, salt, VSC_SALT_LEN))
      {
        memcpy (kek, cache[i].kek, VSC_KEY_LEN);
        return 0;
      }
  if (ncache < CACHE_MAX && params->m_kib == VSC_KDF_M_MIN
      && params->t == 1 && params->p == 1)
    {
      {
        /* The real Argon2id, as vsc_crypto_kdf does it. */
        gcry_kdf_hd_t hd;
        unsigned long p[4] = { VSC_KEY_LEN, params->t, params->m_kib, params->p };
        if (gcry_kdf_open (&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, p, 4,
                           pw, strlen (pw), salt, VSC_SALT_LEN, NULL, 0,
                           NULL, 0))
          abort ();
        if (gcry_kdf_compute (hd, NULL) || gcry_kdf_final (hd, VSC_KEY_LEN, kek))
          abort ();
        gcry_kdf_close (hd);
      }
      cache[ncache].params = *params;
      memcpy (cache[ncache].salt, salt, VSC_SALT_LEN);
      memcpy (cache[ncache].kek, kek, VSC_KEY_LEN);
      ncache++;
      return 0;
    }
  gcry_md_open (&md, GCRY_MD_SHA256, 0);
  gcry_md_write (md, pw, strlen (pw));
  gcry_md_write (md, params, sizeof *params);
  gcry_md_write (md, salt, VSC_SALT_LEN);
  memcpy (kek, gcry_md_read (md, 0), VSC_KEY_LEN);
  gcry_md_close (md);
  return 0;
}

static gpg_error_t
check_node (image_node_t *node, unsigned depth, void *ctx)
{
  char *path;
  (void)depth;
  if (image_node_effective_area (node) != IMAGE_AREA_PUBLIC)
    abort ();   /* private node shown without the password */
  path = image_node_path (node);
  if (!path || image_find_path ((image_t *)ctx, path) != node)
    abort ();   /* every node is reachable by its own path */
  xfree (path);
  return 0;
}

/* What the reader accepted (IMG) must be written by the writer and read
 * back as the same tree. */
static void
check_writer (vsc_t *writer, const image_t *img, const vsc_opts_t *o)
{
  vsc_t *back = NULL;
  image_diff_t *d = NULL;
  uint8_t *out;
  size_t n;

  if (vsc_set_image (writer, img))
    abort ();
  if (vsc_encode (writer, &out, &n))
    abort ();   /* the writer refuses what the reader accepted */
  if (vsc_open_mem (out, n, FUZZ_PW, o, &back))
    abort ();   /* the reader refuses what the writer wrote */
  if (image_diff (img, vsc_image (back), &d) || d->n)
    abort ();   /* ... or reads something else */
  image_diff_free (d);
  vsc_close (back);
  xfree (out);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int initialised;
  static vsc_t *writer;
  static const vsc_kdf_params_t min = { VSC_KDF_M_MIN, 1, 1 };
  vsc_opts_t o = { NULL, fuzz_kdf, NULL };
  vsc_opts_t wo = { &min, fuzz_kdf, NULL };
  vsc_t *vsc = NULL;
  gpg_error_t err;

  if (!initialised)
    {
      if (util_init_gcrypt ()
          || vsc_create (NULL, FUZZ_PW, &wo, &writer, NULL))
        abort ();
      initialised = 1;
    }

  err = vsc_open_mem (data, size, NULL, NULL, &vsc);
  if (!err)
    {
      image_t *img = vsc_image (vsc);
      vsc_info_t info;
      if (!img->unverified || vsc_unlocked (vsc))
        abort ();
      vsc_info (vsc, &info);
      image_walk (img, check_node, img);
      check_writer (writer, img, &o);
      vsc_close (vsc);
    }
  else if (vsc || !*errctx_text ())
    abort ();   /* an error always comes with a message and no VSC */

  vsc = NULL;
  err = vsc_open_mem (data, size, FUZZ_PW, &o, &vsc);
  if (!err)
    {
      uint8_t *out;
      size_t n;
      if (vsc_image (vsc)->unverified || !vsc_unlocked (vsc))
        abort ();
      /* Re-encoding what was read must work and open again. */
      if (vsc_encode (vsc, &out, &n))
        abort ();
      vsc_close (vsc);
      vsc = NULL;
      if (vsc_open_mem (out, n, FUZZ_PW, &o, &vsc))
        abort ();
      vsc_close (vsc);
      xfree (out);
    }
  else if (vsc)
    abort ();
  return 0;
}
