/* vsc-crypto.c - the VSC's cryptography, all through libgcrypt
 *
 * Argon2id (password -> KEK), AES-256-GCM (keyslots and encrypted areas),
 * HMAC-SHA256 (key derivation from the DEK and the authenticators of the
 * plaintext areas), random numbers. Nothing here is hand-written crypto. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdarg.h>
#include <pthread.h>
#include <gcrypt.h>

#include "vsc-internal.h"
#include "common/util.h"

gpg_error_t
vsc_kdf_check (const vsc_kdf_params_t *p)
{
  if (!p
      || p->m_kib < VSC_KDF_M_MIN || p->m_kib > VSC_KDF_M_MAX
      || p->t < VSC_KDF_T_MIN || p->t > VSC_KDF_T_MAX
      || p->p < VSC_KDF_P_MIN || p->p > VSC_KDF_P_MAX
      || p->m_kib < 8 * p->p)
    return gpg_error (GPG_ERR_INV_PARAMETER);
  return 0;
}

/* Argon2 lanes run on threads: libgcrypt hands us jobs per segment. */
typedef struct vsc_crypto_jobs {
  pthread_t th[VSC_KDF_P_MAX];
  unsigned n;
  bool failed;
} vsc_crypto_jobs_t;

typedef struct vsc_crypto_job {
  gcry_kdf_job_fn_t fn;
  void *priv;
} vsc_crypto_job_t;

static vsc_crypto_job_t vsc_crypto_job_slots[VSC_KDF_P_MAX];

static void *
vsc_crypto_job_run (void *arg)
{
  vsc_crypto_job_t *j = arg;
  j->fn (j->priv);
  return NULL;
}

static int
vsc_crypto_dispatch (void *ctx, gcry_kdf_job_fn_t fn, void *priv)
{
  vsc_crypto_jobs_t *jobs = ctx;
  vsc_crypto_job_t *j;

  if (jobs->n >= VSC_KDF_P_MAX)
    {
      fn (priv);   /* cannot happen with p <= 16; run inline */
      return 0;
    }
  j = &vsc_crypto_job_slots[jobs->n];
  j->fn = fn;
  j->priv = priv;
  if (pthread_create (&jobs->th[jobs->n], NULL, vsc_crypto_job_run, j))
    {
      fn (priv);
      return 0;
    }
  jobs->n++;
  return 0;
}

static int
vsc_crypto_wait (void *ctx)
{
  vsc_crypto_jobs_t *jobs = ctx;
  unsigned i;

  for (i = 0; i < jobs->n; i++)
    pthread_join (jobs->th[i], NULL);
  jobs->n = 0;
  return 0;
}

static pthread_mutex_t vsc_crypto_kdf_lock = PTHREAD_MUTEX_INITIALIZER;

gpg_error_t
vsc_crypto_kdf (void *ctx, const char *password,
                const vsc_kdf_params_t *params, const uint8_t *salt,
                uint8_t *kek)
{
  gpg_error_t err;
  gcry_kdf_hd_t hd = NULL;
  unsigned long p[4];
  vsc_crypto_jobs_t jobs;
  gcry_kdf_thread_ops_t ops;

  (void)ctx;
  err = vsc_kdf_check (params);   /* bounds first, before any memory */
  if (err)
    return err;
  p[0] = VSC_KEY_LEN;
  p[1] = params->t;
  p[2] = params->m_kib;
  p[3] = params->p;
  err = gcry_kdf_open (&hd, GCRY_KDF_ARGON2, GCRY_KDF_ARGON2ID, p, 4,
                       password, strlen (password), salt, VSC_SALT_LEN,
                       NULL, 0, NULL, 0);
  if (err)
    return err;
  memset (&jobs, 0, sizeof jobs);
  ops.jobs_context = &jobs;
  ops.dispatch_job = vsc_crypto_dispatch;
  ops.wait_all_jobs = vsc_crypto_wait;
  /* The job slots are static: one derivation at a time. */
  pthread_mutex_lock (&vsc_crypto_kdf_lock);
  err = gcry_kdf_compute (hd, params->p > 1 ? &ops : NULL);
  pthread_mutex_unlock (&vsc_crypto_kdf_lock);
  if (!err)
    err = gcry_kdf_final (hd, VSC_KEY_LEN, kek);
  gcry_kdf_close (hd);
  if (err)
    wipememory (kek, VSC_KEY_LEN);
  return err;
}

void
vsc_crypto_nonce (uint8_t *nonce, size_t n)
{
  gcry_randomize (nonce, n, GCRY_STRONG_RANDOM);
}

void
vsc_crypto_random_strong (uint8_t *p, size_t n)
{
  gcry_randomize (p, n, GCRY_VERY_STRONG_RANDOM);
  /* Very strong randomness is needed only when a VSC or a password is
   * made. Release the entropy collector libgcrypt sets up for it (it is
   * set up again when needed) instead of keeping it for the life of the
   * process. */
  gcry_control (GCRYCTL_CLOSE_RANDOM_DEVICE, 0);
}

/* HMAC-SHA256 over LABEL and the (ptr, len) list in AP. */
static gpg_error_t
vsc_crypto_vmac (const uint8_t *key, uint8_t label, uint8_t *mac,
                 va_list ap)
{
  gpg_error_t err;
  gcry_md_hd_t md;
  const uint8_t *part;

  err = gcry_md_open (&md, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC
                      | GCRY_MD_FLAG_SECURE);
  if (err)
    return err;
  err = gcry_md_setkey (md, key, VSC_KEY_LEN);
  if (err)
    goto leave;
  gcry_md_putc (md, label);
  while ((part = va_arg (ap, const uint8_t *)))
    {
      size_t len = va_arg (ap, size_t);
      gcry_md_write (md, part, len);
    }
  memcpy (mac, gcry_md_read (md, GCRY_MD_SHA256), VSC_MAC_LEN);

 leave:
  gcry_md_close (md);
  return err;
}

gpg_error_t
vsc_crypto_mac (const uint8_t *key, uint8_t label, uint8_t *mac, ...)
{
  gpg_error_t err;
  va_list ap;

  va_start (ap, mac);
  err = vsc_crypto_vmac (key, label, mac, ap);
  va_end (ap);
  return err;
}

/* HKDF-Expand (RFC 5869) with one output block, PRK = DEK:
 * OKM = HMAC-SHA256(DEK, INFO || 0x01). */
static gpg_error_t
vsc_crypto_expand (const uint8_t *dek, const char *info, uint8_t *out)
{
  gpg_error_t err;
  gcry_md_hd_t md;
  static const uint8_t one = 1;

  err = gcry_md_open (&md, GCRY_MD_SHA256, GCRY_MD_FLAG_HMAC
                      | GCRY_MD_FLAG_SECURE);
  if (err)
    return err;
  err = gcry_md_setkey (md, dek, VSC_KEY_LEN);
  if (!err)
    {
      gcry_md_write (md, info, strlen (info));
      gcry_md_write (md, &one, 1);
      memcpy (out, gcry_md_read (md, GCRY_MD_SHA256), VSC_KEY_LEN);
    }
  gcry_md_close (md);
  return err;
}

gpg_error_t
vsc_crypto_derive (vsc_keys_t *keys)
{
  gpg_error_t err;

  err = vsc_crypto_expand (keys->dek, "vscman v1 area encryption", keys->enc);
  if (!err)
    err = vsc_crypto_expand (keys->dek, "vscman v1 authentication", keys->mac);
  return err;
}

gpg_error_t
vsc_crypto_new_keys (vsc_keys_t **r_keys)
{
  gpg_error_t err;
  vsc_keys_t *keys;

  *r_keys = NULL;
  keys = xtrymalloc_secure (sizeof *keys);
  if (!keys)
    return gpg_error_from_syserror ();
  vsc_crypto_random_strong (keys->dek, VSC_KEY_LEN);
  err = vsc_crypto_derive (keys);
  if (err)
    {
      vsc_crypto_free_keys (keys);
      return err;
    }
  *r_keys = keys;
  return 0;
}

void
vsc_crypto_free_keys (vsc_keys_t *keys)
{
  if (keys)
    {
      wipememory (keys, sizeof *keys);
      xfree_secure (keys);
    }
}

static gpg_error_t
vsc_crypto_gcm (gcry_cipher_hd_t *hd, const uint8_t *key,
                const uint8_t *nonce, const uint8_t *ad, size_t adlen)
{
  gpg_error_t err;

  err = gcry_cipher_open (hd, GCRY_CIPHER_AES256, GCRY_CIPHER_MODE_GCM,
                          GCRY_CIPHER_SECURE);
  if (err)
    return err;
  err = gcry_cipher_setkey (*hd, key, VSC_KEY_LEN);
  if (!err)
    err = gcry_cipher_setiv (*hd, nonce, VSC_NONCE_LEN);
  if (!err && adlen)
    err = gcry_cipher_authenticate (*hd, ad, adlen);
  if (err)
    {
      gcry_cipher_close (*hd);
      *hd = NULL;
    }
  return err;
}

/* AES-256-GCM over IN (N bytes) into OUT, the tag into TAG_OUT
 * (sealing) or checked against TAG_IN (opening; on failure OUT is
 * wiped). */
static gpg_error_t
vsc_crypto_aead (const uint8_t *key, const uint8_t *nonce,
                 const uint8_t *ad, size_t adlen, const uint8_t *in,
                 size_t n, uint8_t *out, uint8_t *tag_out,
                 const uint8_t *tag_in)
{
  gpg_error_t err;
  gcry_cipher_hd_t hd;

  err = vsc_crypto_gcm (&hd, key, nonce, ad, adlen);
  if (err)
    return err;
  err = gcry_cipher_final (hd);
  if (!err && n)
    err = tag_out ? gcry_cipher_encrypt (hd, out, n, in, n)
                  : gcry_cipher_decrypt (hd, out, n, in, n);
  if (!err)     /* a tag of all 16 bytes */
    err = tag_out ? gcry_cipher_gettag (hd, tag_out, VSC_TAG_LEN)
                  : gcry_cipher_checktag (hd, tag_in, VSC_TAG_LEN);
  gcry_cipher_close (hd);
  if (err && !tag_out)
    {
      if (n)
        wipememory (out, n);
      if (gpg_err_code (err) == GPG_ERR_CHECKSUM)
        err = gpg_error (GPG_ERR_CHECKSUM);
    }
  return err;
}

gpg_error_t
vsc_crypto_seal (const uint8_t *key, const uint8_t *nonce,
                 const uint8_t *ad, size_t adlen,
                 const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
  return vsc_crypto_aead (key, nonce, ad, adlen, in, n, out, tag, NULL);
}

gpg_error_t
vsc_crypto_open (const uint8_t *key, const uint8_t *nonce,
                 const uint8_t *ad, size_t adlen,
                 const uint8_t *in, size_t n, uint8_t *out,
                 const uint8_t *tag)
{
  return vsc_crypto_aead (key, nonce, ad, adlen, in, n, out, NULL, tag);
}

/* Streaming AES-256-GCM: the sealed file encrypts and decrypts an area
 * piece by piece, straight between the nodes and the file buffer. */
struct vsc_gcm {
  gcry_cipher_hd_t hd;
};

gpg_error_t
vsc_crypto_gcm_open (const uint8_t *key, const uint8_t *nonce,
                     const uint8_t *ad, size_t adlen, vsc_gcm_t **r_gcm)
{
  gpg_error_t err;
  vsc_gcm_t *g;

  *r_gcm = NULL;
  g = xtrycalloc (1, sizeof *g);
  if (!g)
    return gpg_error_from_syserror ();
  err = vsc_crypto_gcm (&g->hd, key, nonce, ad, adlen);
  if (err)
    {
      xfree (g);
      return err;
    }
  *r_gcm = g;
  return 0;
}

gpg_error_t
vsc_crypto_gcm_encrypt (vsc_gcm_t *g, uint8_t *out, const uint8_t *in,
                        size_t n)
{
  return n ? gcry_cipher_encrypt (g->hd, out, n, in, n) : 0;
}

gpg_error_t
vsc_crypto_gcm_decrypt (vsc_gcm_t *g, uint8_t *out, const uint8_t *in,
                        size_t n)
{
  return n ? gcry_cipher_decrypt (g->hd, out, n, in, n) : 0;
}

gpg_error_t
vsc_crypto_gcm_tag (vsc_gcm_t *g, uint8_t *tag)
{
  return gcry_cipher_gettag (g->hd, tag, VSC_TAG_LEN);
}

gpg_error_t
vsc_crypto_gcm_check (vsc_gcm_t *g, const uint8_t *tag)
{
  gpg_error_t err = gcry_cipher_checktag (g->hd, tag, VSC_TAG_LEN);

  if (gpg_err_code (err) == GPG_ERR_CHECKSUM)
    err = gpg_error (GPG_ERR_CHECKSUM);
  return err;
}

void
vsc_crypto_gcm_close (vsc_gcm_t *g)
{
  if (!g)
    return;
  gcry_cipher_close (g->hd);
  xfree (g);
}

gpg_error_t
vsc_password_generate (char **r_password)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  uint8_t *rnd;
  char *pw;
  unsigned i, bit = 0;
  size_t o = 0;

  *r_password = NULL;
  /* 28 base32 characters = 140 bits from 18 random bytes. */
  rnd = xtrymalloc_secure (18);
  if (!rnd)
    return gpg_error_from_syserror ();
  pw = xtrymalloc_secure (28 + 6 + 1);
  if (!pw)
    {
      gpg_error_t err = gpg_error_from_syserror ();
      xfree_secure (rnd);
      return err;
    }
  vsc_crypto_random_strong (rnd, 18);
  for (i = 0; i < 28; i++, bit += 5)
    {
      unsigned byte = bit / 8, shift = bit % 8;
      unsigned v = (unsigned)rnd[byte] << 8;
      if (byte + 1 < 18)
        v |= rnd[byte + 1];
      v = (v >> (11 - shift)) & 0x1F;
      if (i && !(i % 4))
        pw[o++] = '-';
      pw[o++] = alphabet[v];
    }
  pw[o] = 0;
  wipememory (rnd, 18);
  xfree_secure (rnd);
  *r_password = pw;
  return 0;
}
