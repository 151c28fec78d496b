/* emu-crypto-der.c - private keys in the emulated file-system card's key
 * files: the DER a key file holds (PKCS #1 RSAPrivateKey, RFC 8017 A.1.2;
 * SEC 1 ECPrivateKey, RFC 5915; either wrapped in PKCS #8 PrivateKeyInfo,
 * RFC 5208), and the libgcrypt S-expression a VSC keeps escrowed keys in
 * (vscemu --vsc). Key material goes through libgcrypt; the DER is read and
 * written with the BER-TLV codec. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/tlv.h"
#include "emu-crypto.h"

static const uint8_t der_oid_rsa[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                       0x01, 0x01, 0x01 };
static const uint8_t der_oid_ec[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02,
                                      0x01 };
static const uint8_t der_oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03,
                                        0x01, 0x07 };
static const uint8_t der_oid_p384[] = { 0x2B, 0x81, 0x04, 0x00, 0x22 };

static bool
emu_crypto_der_oid (const tlv_t *t, const uint8_t *oid, size_t n)
{
  return t->tag == 0x06 && t->len == n && !memcmp (t->value, oid, n);
}

static emu_key_type_t
emu_crypto_der_curve (const tlv_t *oid)
{
  if (emu_crypto_der_oid (oid, der_oid_p256, sizeof der_oid_p256))
    return EMU_KEY_NISTP256;
  if (emu_crypto_der_oid (oid, der_oid_p384, sizeof der_oid_p384))
    return EMU_KEY_NISTP384;
  return EMU_KEY_NONE;
}

/* INTEGER I (0-based) of SEQ into *R (value, sign byte kept). */
static bool
emu_crypto_der_nth_int (const tlv_t *seq, unsigned i, tlv_t *r)
{
  tlv_iter_t it;
  unsigned k = 0;

  tlv_iter_init (&it, seq->value, seq->len, 0);
  while (!tlv_iter_next (&it, r))
    if (k++ == i)
      return r->tag == 0x02 && r->len > 0;
  return false;
}

/* SEC 1 ECPrivateKey { 1, privateKey, [0] parameters, [1] publicKey };
 * TYPE comes from the PKCS #8 wrapper when the parameters are absent. */
static gpg_error_t
emu_crypto_der_ec (emu_key_t *key, const tlv_t *seq, emu_key_type_t type)
{
  tlv_t v, d, par, oid;

  if (!emu_crypto_der_nth_int (seq, 0, &v) || v.len != 1 || v.value[0] != 1
      || tlv_find (seq->value, seq->len, 0x04, &d) || !d.len)
    return gpg_error (GPG_ERR_INV_VALUE);
  if (!tlv_find (seq->value, seq->len, 0xA0, &par)
      && !tlv_parse (par.value, par.len, &oid, NULL))
    {
      emu_key_type_t t = emu_crypto_der_curve (&oid);
      if (!t || (type && t != type))
        return gpg_error (GPG_ERR_UNKNOWN_CURVE);
      type = t;
    }
  if (!type)
    return gpg_error (GPG_ERR_UNKNOWN_CURVE);
  return emu_crypto_import_ecc (key, type, d.value, d.len);
}

/* PKCS #1 RSAPrivateKey { 0, n, e, d, p, q, dp, dq, qinv }: the key is
 * rebuilt from e, p, q and must have the modulus n. */
static gpg_error_t
emu_crypto_der_rsa (emu_key_t *key, const tlv_t *seq)
{
  tlv_t v, n, e, p, q;
  buf_t a = BUF_INIT, b = BUF_INIT;
  gpg_error_t err;
  size_t nlen;
  const uint8_t *np;

  if (!emu_crypto_der_nth_int (seq, 0, &v) || v.len != 1 || v.value[0] != 0
      || !emu_crypto_der_nth_int (seq, 1, &n) || !emu_crypto_der_nth_int (seq, 2, &e)
      || !emu_crypto_der_nth_int (seq, 4, &p) || !emu_crypto_der_nth_int (seq, 5, &q))
    return gpg_error (GPG_ERR_INV_VALUE);
  err = emu_crypto_import_rsa (key, 0, e.value, e.len, p.value, p.len,
                               q.value, q.len);
  if (err)
    return err;
  err = emu_crypto_public (key, &a, &b);
  np = n.value;
  nlen = n.len;
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
  tlv_t seq, first, alg, oid, par, inner, inseq;

  emu_crypto_key_free (key);
  if (tlv_parse (p, n, &seq, NULL) || seq.tag != 0x30 || seq.raw_len != n
      || tlv_validate (seq.value, seq.len, 8)
      || tlv_parse (seq.value, seq.len, &first, NULL) || first.tag != 0x02)
    return gpg_error (GPG_ERR_INV_VALUE);
  /* PKCS #8: { 0, AlgorithmIdentifier, OCTET STRING privateKey }. */
  if (!tlv_find (seq.value, seq.len, 0x30, &alg)
      && !tlv_find (seq.value, seq.len, 0x04, &inner)
      && !tlv_parse (alg.value, alg.len, &oid, NULL))
    {
      if (tlv_parse (inner.value, inner.len, &inseq, NULL)
          || inseq.tag != 0x30)
        return gpg_error (GPG_ERR_INV_VALUE);
      if (emu_crypto_der_oid (&oid, der_oid_rsa, sizeof der_oid_rsa))
        return emu_crypto_der_rsa (key, &inseq);
      if (emu_crypto_der_oid (&oid, der_oid_ec, sizeof der_oid_ec))
        {
          emu_key_type_t t = EMU_KEY_NONE;
          tlv_iter_t it;
          tlv_iter_init (&it, alg.value, alg.len, 0);
          if (!tlv_iter_next (&it, &par) && !tlv_iter_next (&it, &par))
            t = emu_crypto_der_curve (&par);
          return emu_crypto_der_ec (key, &inseq, t);
        }
      return gpg_error (GPG_ERR_PUBKEY_ALGO);
    }
  if (first.len == 1 && first.value[0] == 1)
    return emu_crypto_der_ec (key, &seq, EMU_KEY_NONE);
  return emu_crypto_der_rsa (key, &seq);
}

/* ---- writing ----------------------------------------------------------- */

static gpg_error_t
emu_crypto_der_mpi (buf_t *b, gcry_mpi_t m)
{
  unsigned char *raw = NULL;
  size_t len = 0;
  gpg_error_t err;

  err = gcry_mpi_aprint (GCRYMPI_FMT_STD, &raw, &len, m);
  if (!err)
    err = tlv_put (b, 0x02, raw, len);
  if (raw)
    {
      wipememory (raw, len);
      gcry_free (raw);
    }
  return err;
}

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
  gcry_mpi_t t1 = NULL, dp = NULL, dq = NULL;
  gpg_error_t err = 0;
  size_t mark, mk2;
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
      /* libgcrypt keeps p < q and u = p^-1 mod q: PKCS #1's prime1 is q,
       * prime2 is p, so coefficient = prime2^-1 mod prime1 = u. */
      t1 = gcry_mpi_snew (0);
      dp = gcry_mpi_snew (0);
      dq = gcry_mpi_snew (0);
      gcry_mpi_sub_ui (t1, m[4], 1);
      gcry_mpi_mod (dp, m[2], t1);
      gcry_mpi_sub_ui (t1, m[3], 1);
      gcry_mpi_mod (dq, m[2], t1);
      err = tlv_begin (out, 0x30, &mark);
      if (!err)
        err = tlv_put_u8 (out, 0x02, 0);
      if (!err)
        err = emu_crypto_der_mpi (out, m[0]);
      if (!err)
        err = emu_crypto_der_mpi (out, m[1]);
      if (!err)
        err = emu_crypto_der_mpi (out, m[2]);
      if (!err)
        err = emu_crypto_der_mpi (out, m[4]);
      if (!err)
        err = emu_crypto_der_mpi (out, m[3]);
      if (!err)
        err = emu_crypto_der_mpi (out, dp);
      if (!err)
        err = emu_crypto_der_mpi (out, dq);
      if (!err)
        err = emu_crypto_der_mpi (out, m[5]);
      if (!err)
        err = tlv_end (out, mark);
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
        err = tlv_begin (out, 0x30, &mark);
      if (!err)
        err = tlv_put_u8 (out, 0x02, 1);
      if (!err)
        err = tlv_put (out, 0x04, d.data, d.len);
      if (!err)
        err = tlv_begin (out, 0xA0, &mk2);
      if (!err)
        err = key->type == EMU_KEY_NISTP256
          ? tlv_put (out, 0x06, der_oid_p256, sizeof der_oid_p256)
          : tlv_put (out, 0x06, der_oid_p384, sizeof der_oid_p384);
      if (!err)
        err = tlv_end (out, mk2);
      if (!err)
        err = tlv_begin (out, 0xA1, &mk2);
      if (!err)
        err = tlv_put_header (out, 0x03, q.len + 1);
      if (!err)
        err = buf_append_byte (out, 0);
      if (!err)
        err = buf_append (out, q.data, q.len);
      if (!err)
        err = tlv_end (out, mk2);
      if (!err)
        err = tlv_end (out, mark);
      buf_free (&d);
      buf_free (&q);
    }
  else
    err = gpg_error (GPG_ERR_PUBKEY_ALGO);
 leave:
  for (i = 0; i < 6; i++)
    gcry_mpi_release (m[i]);
  gcry_mpi_release (t1);
  gcry_mpi_release (dp);
  gcry_mpi_release (dq);
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
