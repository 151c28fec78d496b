/* keyutil.c - libgcrypt helpers shared by the agency and the emulator. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "keyutil.h"

gpg_error_t
keyutil_genkey (const char *curve, unsigned rsa_bits, gcry_sexp_t *r_sk)
{
  gpg_error_t err;
  gcry_sexp_t parms = NULL, pair = NULL;

  *r_sk = NULL;
  if (!curve)
    err = gcry_sexp_build (&parms, NULL,
                           "(genkey(rsa(nbits %u)(rsa-use-e 5:65537)))",
                           rsa_bits);
  else if (!strcmp (curve, "Ed25519"))
    err = gcry_sexp_build (&parms, NULL,
                           "(genkey(ecc(curve Ed25519)(flags eddsa)))");
  else if (!strcmp (curve, "Curve25519"))
    err = gcry_sexp_build (&parms, NULL, "(genkey(ecc(curve Curve25519)"
                           "(flags djb-tweak comp)))");
  else
    err = gcry_sexp_build (&parms, NULL, "(genkey(ecc(curve %s)))", curve);
  if (!err)
    err = gcry_pk_genkey (&pair, parms);
  /* Release the entropy collector libgcrypt set up for the very strong
   * randomness of key generation (as vsc-crypto.c does). */
  gcry_control (GCRYCTL_CLOSE_RANDOM_DEVICE, 0);
  if (!err)
    {
      *r_sk = gcry_sexp_find_token (pair, "private-key", 0);
      if (!*r_sk)
        err = gpg_error (GPG_ERR_INV_SEXP);
    }
  gcry_sexp_release (pair);
  gcry_sexp_release (parms);
  return err;
}

gpg_error_t
keyutil_3des (const uint8_t *key24, const uint8_t *in8, uint8_t *out8,
              bool encrypt)
{
  gcry_cipher_hd_t h;
  gpg_error_t err;

  err = gcry_cipher_open (&h, GCRY_CIPHER_3DES, GCRY_CIPHER_MODE_ECB,
                          GCRY_CIPHER_SECURE);
  if (err)
    return err;
  err = gcry_cipher_setkey (h, key24, 24);
  if (gpg_err_code (err) == GPG_ERR_WEAK_KEY)
    err = 0;
  if (!err)
    err = encrypt ? gcry_cipher_encrypt (h, out8, 8, in8, 8)
                  : gcry_cipher_decrypt (h, out8, 8, in8, 8);
  gcry_cipher_close (h);
  return err;
}

gpg_error_t
keyutil_sexp_bytes (gcry_sexp_t s, const char *name, bool unsigned_,
                    buf_t *out)
{
  gcry_sexp_t t = gcry_sexp_find_token (s, name, 0);
  const char *p;
  size_t n;
  gpg_error_t err;

  if (!t)
    return gpg_error (GPG_ERR_INV_SEXP);
  p = gcry_sexp_nth_data (t, 1, &n);
  if (!p)
    err = gpg_error (GPG_ERR_INV_SEXP);
  else
    {
      while (unsigned_ && n > 1 && !*p)
        p++, n--;
      err = buf_set (out, p, n);
    }
  gcry_sexp_release (t);
  return err;
}
