/* der.c - ASN.1 DER on top of the BER-TLV codec (X.690 8, 10; RFC 5208,
 * 5915, 8017, 8410). Every object is read with tlv_parse or tlv_iter,
 * which check each length against what is left. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "der.h"
#include "util.h"

const uint8_t der_oid_rsa[9] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01,
                                 0x01, 0x01 };
const uint8_t der_oid_ec[7] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
const uint8_t der_oid_p256[8] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01,
                                  0x07 };
const uint8_t der_oid_p384[5] = { 0x2B, 0x81, 0x04, 0x00, 0x22 };
const uint8_t der_oid_p521[5] = { 0x2B, 0x81, 0x04, 0x00, 0x23 };
const uint8_t der_oid_ed25519[3] = { 0x2B, 0x65, 0x70 };
const uint8_t der_oid_x25519[3] = { 0x2B, 0x65, 0x6E };

bool
der_oid_is (const tlv_t *t, const uint8_t *oid, size_t n)
{
  return t->tag == 0x06 && t->len == n && !memcmp (t->value, oid, n);
}

der_curve_t
der_curve (const tlv_t *t)
{
  if (der_oid_is (t, der_oid_p256, sizeof der_oid_p256))
    return DER_CURVE_P256;
  if (der_oid_is (t, der_oid_p384, sizeof der_oid_p384))
    return DER_CURVE_P384;
  if (der_oid_is (t, der_oid_p521, sizeof der_oid_p521))
    return DER_CURVE_P521;
  return DER_CURVE_NONE;
}

const uint8_t *
der_curve_oid (der_curve_t curve, size_t *r_len)
{
  switch (curve)
    {
    case DER_CURVE_P256:
      *r_len = sizeof der_oid_p256;
      return der_oid_p256;
    case DER_CURVE_P384:
      *r_len = sizeof der_oid_p384;
      return der_oid_p384;
    case DER_CURVE_P521:
      *r_len = sizeof der_oid_p521;
      return der_oid_p521;
    default:
      *r_len = 0;
      return NULL;
    }
}

bool
der_child (const tlv_t *obj, unsigned idx, tlv_t *out)
{
  tlv_iter_t it;
  unsigned i = 0;

  tlv_iter_init (&it, obj->value, obj->len, 0);
  while (!tlv_iter_next (&it, out))
    if (i++ == idx)
      return true;
  return false;
}

bool
der_int (const tlv_t *seq, unsigned idx, tlv_t *out)
{
  return der_child (seq, idx, out) && out->tag == 0x02 && out->len > 0;
}

bool
der_bit (const tlv_t *bits, unsigned n)
{
  size_t byte = 1 + (size_t)n / 8;

  if (bits->tag != 0x03 || bits->len < 1 || byte >= bits->len)
    return false;
  return (bits->value[byte] & (0x80u >> (n % 8))) != 0;
}

gpg_error_t
der_read (const uint8_t *p, size_t n, unsigned tag, unsigned maxdepth,
          tlv_t *out)
{
  gpg_error_t err;

  err = tlv_parse (p, n, out, NULL);
  if (err)
    return err;
  if (out->tag != tag || out->raw_len != n)
    return gpg_error (GPG_ERR_INV_OBJ);
  if (out->constructed)
    return tlv_validate (out->value, out->len, maxdepth);
  return 0;
}

/* SEC 1 ECPrivateKey { 1, OCTET STRING d, [0] parameters, [1] public }. */
static gpg_error_t
der_privkey_ec (const tlv_t *seq, der_privkey_t *k)
{
  tlv_t v, par;

  if (!der_int (seq, 0, &v) || v.len != 1 || v.value[0] != 1
      || tlv_find (seq->value, seq->len, 0x04, &k->priv) || !k->priv.len)
    return gpg_error (GPG_ERR_INV_DATA);
  if (!tlv_find (seq->value, seq->len, 0xA0, &par)
      && !tlv_parse (par.value, par.len, &k->key_curve, NULL))
    k->has_key_curve = true;
  k->kind = DER_KEY_EC;
  return 0;
}

/* PKCS #1 RSAPrivateKey { 0, n, e, d, p, q, dp, dq, qinv }. */
static gpg_error_t
der_privkey_rsa (const tlv_t *seq, der_privkey_t *k)
{
  tlv_t v;

  if (!der_int (seq, 0, &v) || v.len != 1 || v.value[0] != 0
      || !der_int (seq, 1, &k->n) || !der_int (seq, 2, &k->e)
      || !der_int (seq, 3, &k->d) || !der_int (seq, 4, &k->p)
      || !der_int (seq, 5, &k->q))
    return gpg_error (GPG_ERR_INV_DATA);
  k->kind = DER_KEY_RSA;
  return 0;
}

gpg_error_t
der_privkey_parse (const uint8_t *p, size_t n, der_privkey_t *k)
{
  tlv_t seq, first, alg, oid, inner, inseq;

  memset (k, 0, sizeof *k);
  if (tlv_parse (p, n, &seq, NULL) || seq.tag != 0x30
      || tlv_validate (seq.value, seq.len, 8)
      || tlv_parse (seq.value, seq.len, &first, NULL) || first.tag != 0x02)
    return gpg_error (GPG_ERR_INV_DATA);
  /* PKCS #8: { 0, AlgorithmIdentifier, OCTET STRING privateKey }. */
  if (!tlv_find (seq.value, seq.len, 0x30, &alg)
      && !tlv_find (seq.value, seq.len, 0x04, &inner)
      && !tlv_parse (alg.value, alg.len, &oid, NULL))
    {
      k->pkcs8 = true;
      if (der_oid_is (&oid, der_oid_ed25519, sizeof der_oid_ed25519))
        {
          /* RFC 8410: the key is an OCTET STRING in the OCTET STRING. */
          if (tlv_parse (inner.value, inner.len, &k->priv, NULL)
              || k->priv.tag != 0x04 || k->priv.len != 32)
            return gpg_error (GPG_ERR_INV_DATA);
          k->kind = DER_KEY_ED25519;
          return 0;
        }
      if (tlv_parse (inner.value, inner.len, &inseq, NULL)
          || inseq.tag != 0x30)
        return gpg_error (GPG_ERR_INV_DATA);
      if (der_oid_is (&oid, der_oid_rsa, sizeof der_oid_rsa))
        return der_privkey_rsa (&inseq, k);
      if (!der_oid_is (&oid, der_oid_ec, sizeof der_oid_ec))
        return gpg_error (GPG_ERR_PUBKEY_ALGO);
      k->has_alg_curve = der_child (&alg, 1, &k->alg_curve);
      return der_privkey_ec (&inseq, k);
    }
  if (first.len == 1 && first.value[0] == 1)
    return der_privkey_ec (&seq, k);
  return der_privkey_rsa (&seq, k);
}

gpg_error_t
der_put_uint (buf_t *out, const uint8_t *v, size_t n)
{
  gpg_error_t err;

  while (n && !*v)
    v++, n--;
  if (!n || (v[0] & 0x80))
    {
      err = tlv_put_header (out, 0x02, n + 1);
      if (!err)
        err = buf_append_byte (out, 0);
      if (!err && n)
        err = buf_append (out, v, n);
      return err;
    }
  return tlv_put (out, 0x02, v, n);
}

gpg_error_t
der_put_ec_private (buf_t *out, der_curve_t curve,
                    const uint8_t *d, size_t dlen,
                    const uint8_t *q, size_t qlen)
{
  const uint8_t *oid;
  size_t oidlen, mark, m2;
  gpg_error_t err;

  oid = der_curve_oid (curve, &oidlen);
  if (!oid)
    return gpg_error (GPG_ERR_UNKNOWN_CURVE);
  err = tlv_begin (out, 0x30, &mark);
  if (!err)
    err = tlv_put_u8 (out, 0x02, 1);
  if (!err)
    err = tlv_put (out, 0x04, d, dlen);
  if (!err)
    err = tlv_begin (out, 0xA0, &m2);
  if (!err)
    err = tlv_put (out, 0x06, oid, oidlen);
  if (!err)
    err = tlv_end (out, m2);
  if (!err)
    err = tlv_begin (out, 0xA1, &m2);
  if (!err)
    err = tlv_put_header (out, 0x03, qlen + 1);
  if (!err)
    err = buf_append_byte (out, 0);
  if (!err && qlen)
    err = buf_append (out, q, qlen);
  if (!err)
    err = tlv_end (out, m2);
  if (!err)
    err = tlv_end (out, mark);
  return err;
}

/* INTEGER of a non-negative MPI (sign byte as needed); the bytes are
 * wiped. */
static gpg_error_t
der_put_mpi (buf_t *out, gcry_mpi_t m)
{
  unsigned char *raw = NULL;
  size_t len = 0;
  gpg_error_t err;

  err = gcry_mpi_aprint (GCRYMPI_FMT_STD, &raw, &len, m);
  if (!err)
    err = tlv_put (out, 0x02, raw, len);
  if (raw)
    {
      wipememory (raw, len);
      gcry_free (raw);
    }
  return err;
}

gpg_error_t
der_put_rsa_private (buf_t *out, gcry_mpi_t n, gcry_mpi_t e, gcry_mpi_t d,
                     gcry_mpi_t p, gcry_mpi_t q, gcry_mpi_t u)
{
  gcry_mpi_t t = gcry_mpi_snew (0), dp = gcry_mpi_snew (0);
  gcry_mpi_t dq = gcry_mpi_snew (0);
  gcry_mpi_t v[8];
  gpg_error_t err;
  size_t mark;
  int i;

  gcry_mpi_sub_ui (t, q, 1);
  gcry_mpi_mod (dp, d, t);
  gcry_mpi_sub_ui (t, p, 1);
  gcry_mpi_mod (dq, d, t);
  v[0] = n; v[1] = e; v[2] = d; v[3] = q;
  v[4] = p; v[5] = dp; v[6] = dq; v[7] = u;
  err = tlv_begin (out, 0x30, &mark);
  if (!err)
    err = tlv_put_u8 (out, 0x02, 0);
  for (i = 0; !err && i < 8; i++)
    err = der_put_mpi (out, v[i]);
  if (!err)
    err = tlv_end (out, mark);
  gcry_mpi_release (t);
  gcry_mpi_release (dp);
  gcry_mpi_release (dq);
  return err;
}
