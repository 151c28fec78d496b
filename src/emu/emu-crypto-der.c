/* emu-crypto-der.c - private keys in the emulated file-system card's key
 * files: the DER a key file holds (PKCS #1 RSAPrivateKey, RFC 8017 A.1.2;
 * SEC 1 ECPrivateKey, RFC 5915; either wrapped in PKCS #8 PrivateKeyInfo,
 * RFC 5208), and the libgcrypt S-expression a VSC keeps escrowed keys in
 * (vscemu --vsc). Key material goes through libgcrypt; the DER is read and
 * written with the DER helpers of common/der.c. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/tlv.h"
#include "common/der.h"
#include "emu-crypto.h"

/* The emulator's key type of a curve OID (NONE for a curve it lacks). */
static emu_key_type_t
emu_crypto_der_curve (const tlv_t *oid)
{
  switch (der_curve (oid))
    {
    case DER_CURVE_P256: return EMU_KEY_NISTP256;
    case DER_CURVE_P384: return EMU_KEY_NISTP384;
    default: return EMU_KEY_NONE;
    }
}

/* SEC 1 ECPrivateKey: the curve of the key's [0] parameters, which must
 * agree with the one of the PKCS #8 wrapper where both are given. */
static gpg_error_t
emu_crypto_der_ec (emu_key_t *key, const der_privkey_t *k)
{
  emu_key_type_t type = EMU_KEY_NONE;

  if (k->has_alg_curve)
    type = emu_crypto_der_curve (&k->alg_curve);
  if (k->has_key_curve)
    {
      emu_key_type_t t = emu_crypto_der_curve (&k->key_curve);
      if (!t || (type && t != type))
        return gpg_error (GPG_ERR_UNKNOWN_CURVE);
      type = t;
    }
  if (!type)
    return gpg_error (GPG_ERR_UNKNOWN_CURVE);
  return emu_crypto_import_ecc (key, type, k->priv.value, k->priv.len);
}

/* PKCS #1 RSAPrivateKey: the key is rebuilt from e, p, q and must have
 * the modulus n. */
static gpg_error_t
emu_crypto_der_rsa (emu_key_t *key, const der_privkey_t *k)
{
  buf_t a = BUF_INIT, b = BUF_INIT;
  gpg_error_t err;
  size_t nlen;
  const uint8_t *np;

  err = emu_crypto_import_rsa (key, 0, k->e.value, k->e.len, k->p.value,
                               k->p.len, k->q.value, k->q.len);
  if (err)
    return err;
  err = emu_crypto_public (key, &a, &b);
  np = k->n.value;
  nlen = k->n.len;
  while (nlen > 1 && !*np)
    np++, nlen--;
  if (!err && (a.len != nlen || memcmp (a.data, np, nlen)))
    err = gpg_error (GPG_ERR_INV_VALUE);
  if (err)
    emu_crypto_key_free (key);
  buf_free (&a);
  buf_free (&b);
  return err;
}

gpg_error_t
emu_crypto_der_load (emu_key_t *key, const uint8_t *p, size_t n)
{
  der_privkey_t k;
  tlv_t seq;
  gpg_error_t err;

  emu_crypto_key_free (key);
  if (tlv_parse (p, n, &seq, NULL) || seq.raw_len != n)
    return gpg_error (GPG_ERR_INV_VALUE);
  err = der_privkey_parse (p, n, &k);
  if (gpg_err_code (err) == GPG_ERR_INV_DATA)
    return gpg_error (GPG_ERR_INV_VALUE);
  if (err)
    return err;
  switch (k.kind)
    {
    case DER_KEY_RSA: return emu_crypto_der_rsa (key, &k);
    case DER_KEY_EC: return emu_crypto_der_ec (key, &k);
    default: return gpg_error (GPG_ERR_PUBKEY_ALGO);
    }
}

/* ---- writing ----------------------------------------------------------- */

static gpg_error_t
emu_crypto_der_token (gcry_sexp_t s, const char *name, gcry_mpi_t *r)
{
  gcry_sexp_t t = gcry_sexp_find_token (s, name, 0);
  if (!t)
    return gpg_error (GPG_ERR_INV_SEXP);
  *r = gcry_sexp_nth_mpi (t, 1, GCRYMPI_FMT_USG);
  gcry_sexp_release (t);
  return *r ? 0 : gpg_error (GPG_ERR_INV_SEXP);
}

gpg_error_t
emu_crypto_der_save (const emu_key_t *key, buf_t *out)
{
  gcry_sexp_t sk = key->sexp;
  gcry_mpi_t m[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
  gpg_error_t err = 0;
  int i;

  if (!sk)
    return gpg_error (GPG_ERR_NO_SECKEY);
  if (key->type == EMU_KEY_RSA)
    {
      static const char *const nm[6] = { "n", "e", "d", "p", "q", "u" };
      for (i = 0; !err && i < 6; i++)
        err = emu_crypto_der_token (sk, nm[i], &m[i]);
      if (err)
        goto leave;
      err = der_put_rsa_private (out, m[0], m[1], m[2], m[3], m[4], m[5]);
    }
  else if (key->type == EMU_KEY_NISTP256 || key->type == EMU_KEY_NISTP384)
    {
      size_t sz = emu_crypto_ecc_size (key->type);
      buf_t d, q = BUF_INIT;
      unsigned char *raw = NULL;
      size_t len = 0;

      buf_init_secure (&d);
      err = emu_crypto_der_token (sk, "d", &m[0]);
      if (!err)
        err = gcry_mpi_aprint (GCRYMPI_FMT_USG, &raw, &len, m[0]);
      if (!err && len > sz)
        err = gpg_error (GPG_ERR_INV_VALUE);
      if (!err)
        err = buf_reserve (&d, sz);
      if (!err)
        {
          memset (d.data, 0, sz - len);
          memcpy (d.data + sz - len, raw, len);
          d.len = sz;
          err = emu_crypto_public (key, &q, &q);
        }
      if (raw)
        {
          wipememory (raw, len);
          gcry_free (raw);
        }
      if (!err)
        err = der_put_ec_private (out, key->type == EMU_KEY_NISTP256
                                  ? DER_CURVE_P256 : DER_CURVE_P384,
                                  d.data, d.len, q.data, q.len);
      buf_free (&d);
      buf_free (&q);
    }
  else
    err = gpg_error (GPG_ERR_PUBKEY_ALGO);
 leave:
  for (i = 0; i < 6; i++)
    gcry_mpi_release (m[i]);
  return err;
}

gpg_error_t
emu_crypto_der_from_sexp (emu_key_t *key, const uint8_t *p, size_t n)
{
  gcry_sexp_t sk = NULL, t = NULL;
  gpg_error_t err = 0;
  const char *curve;

  emu_crypto_key_free (key);
  if (gcry_sexp_sscan (&sk, NULL, (const char *)p, n))
    return gpg_error (GPG_ERR_INV_SEXP);
  t = gcry_sexp_find_token (sk, "rsa", 0);
  if (t)
    {
      key->type = EMU_KEY_RSA;
      key->bits = gcry_pk_get_nbits (sk);
    }
  else if ((curve = gcry_pk_get_curve (sk, 0, NULL)))
    {
      if (!strcmp (curve, "NIST P-256"))
        key->type = EMU_KEY_NISTP256;
      else if (!strcmp (curve, "NIST P-384"))
        key->type = EMU_KEY_NISTP384;
      else if (!strcmp (curve, "Ed25519"))
        key->type = EMU_KEY_ED25519;
      else if (!strcmp (curve, "Curve25519"))
        key->type = EMU_KEY_CV25519;
      else
        err = gpg_error (GPG_ERR_UNKNOWN_CURVE);
      key->bits = (unsigned)emu_crypto_ecc_size (key->type) * 8;
    }
  else
    err = gpg_error (GPG_ERR_PUBKEY_ALGO);
  gcry_sexp_release (t);
  if (!err && !key->bits)
    err = gpg_error (GPG_ERR_INV_VALUE);
  if (err)
    {
      gcry_sexp_release (sk);
      key->type = EMU_KEY_NONE;
      key->bits = 0;
      return err;
    }
  key->sexp = sk;
  return 0;
}

gpg_error_t
emu_crypto_der_sha1 (const uint8_t *p, size_t n, uint8_t out[20])
{
  gcry_md_hash_buffer (GCRY_MD_SHA1, out, p, n);
  return 0;
}
