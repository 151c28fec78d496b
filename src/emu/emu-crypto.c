/* emu-crypto.c - key pairs and private-key operations for the emulated
 * card's applets, through libgcrypt (nothing hand-rolled: this file only
 * builds S-expressions and encodes the results the way the card specs
 * want them) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/der.h"
#include "common/keyutil.h"
#include "emu-crypto.h"

#define SX(k) ((gcry_sexp_t)(k)->sexp)

size_t
emu_crypto_ecc_size (emu_key_type_t type)
{
  switch (type)
    {
    case EMU_KEY_NISTP256: return 32;
    case EMU_KEY_NISTP384: return 48;
    case EMU_KEY_ED25519:
    case EMU_KEY_CV25519: return 32;
    default: return 0;
    }
}

static const char *
emu_crypto_curve (emu_key_type_t type)
{
  switch (type)
    {
    case EMU_KEY_NISTP256: return "NIST P-256";
    case EMU_KEY_NISTP384: return "NIST P-384";
    case EMU_KEY_ED25519: return "Ed25519";
    case EMU_KEY_CV25519: return "Curve25519";
    default: return NULL;
    }
}

const char *
emu_crypto_name (const emu_key_t *key)
{
  static const char *const names[] = { "none", "RSA", "nistp256", "nistp384",
                                       "ed25519", "cv25519" };
  if ((unsigned)key->type < DIM (names))
    return names[key->type];
  return "?";
}

void
emu_crypto_key_free (emu_key_t *key)
{
  if (key->sexp)
    gcry_sexp_release (SX (key));
  key->sexp = NULL;
  key->type = EMU_KEY_NONE;
  key->bits = 0;
}

/* Replace KEY by the private key SK (which KEY then owns). */
static void
emu_crypto_key_set (emu_key_t *key, emu_key_type_t type, unsigned bits,
                    gcry_sexp_t sk)
{
  emu_crypto_key_free (key);
  key->type = type;
  key->bits = bits;
  key->sexp = sk;
}

gpg_error_t
emu_crypto_key_copy (emu_key_t *dst, const emu_key_t *src)
{
  buf_t b;
  gpg_error_t err;

  if (dst == src)
    return 0;
  buf_init_secure (&b);
  emu_crypto_key_free (dst);
  if (!src->sexp)
    return 0;
  err = emu_crypto_save (src, &b);
  if (!err)
    err = emu_crypto_load (dst, b.data, b.len);
  buf_free (&b);
  return err;
}

/* Sign with KEY the data S-expression FMT holding IN[0..N) as its one
 * %b, and take the signature's values: "s" into S for RSA; "r" into R
 * and "s" into S when R is given. */
static gpg_error_t
emu_crypto_pk_sign (const emu_key_t *key, const char *fmt,
                    const uint8_t *in, size_t n, buf_t *r, buf_t *s)
{
  gcry_sexp_t data = NULL, sig = NULL;
  gpg_error_t err;

  err = gcry_sexp_build (&data, NULL, fmt, (int)n, in);
  if (!err)
    err = gcry_pk_sign (&sig, data, SX (key));
  if (!err && r)
    err = keyutil_sexp_bytes (sig, "r", true, r);
  if (!err)
    err = keyutil_sexp_bytes (sig, "s", true, s);
  gcry_sexp_release (data);
  gcry_sexp_release (sig);
  return err;
}

/* Append V left-padded with zeros to WIDTH bytes (V must fit). */
static gpg_error_t
emu_crypto_put_fixed (buf_t *out, const uint8_t *v, size_t n, size_t width)
{
  gpg_error_t err;

  while (n > width && !*v)
    v++, n--;
  if (n > width)
    return gpg_error (GPG_ERR_INV_VALUE);
  err = buf_reserve (out, width);
  if (err)
    return err;
  memset (out->data + out->len, 0, width - n);
  memcpy (out->data + out->len + width - n, v, n);
  out->len += width;
  return 0;
}

gpg_error_t
emu_crypto_generate (emu_key_t *key, emu_key_type_t type, unsigned bits)
{
  const char *curve = NULL;
  gcry_sexp_t sk;
  gpg_error_t err;

  if (type == EMU_KEY_RSA)
    {
      if (bits < 1024 || bits > 4096 || bits % 8)
        return gpg_error (GPG_ERR_INV_VALUE);
    }
  else if ((curve = emu_crypto_curve (type)))
    bits = (unsigned)emu_crypto_ecc_size (type) * 8;
  else
    return gpg_error (GPG_ERR_PUBKEY_ALGO);
  err = keyutil_genkey (curve, bits, &sk);
  if (!err)
    emu_crypto_key_set (key, type, bits, sk);
  return err;
}

gpg_error_t
emu_crypto_import_rsa (emu_key_t *key, unsigned bits,
                       const uint8_t *e, size_t elen,
                       const uint8_t *p, size_t plen,
                       const uint8_t *q, size_t qlen)
{
  gcry_mpi_t me = NULL, mp = NULL, mq = NULL, mn = NULL, md = NULL;
  gcry_mpi_t mu = NULL, p1 = NULL, q1 = NULL, phi = NULL;
  gcry_sexp_t sk = NULL;
  gpg_error_t err;

  if (!elen || !plen || !qlen)
    return gpg_error (GPG_ERR_INV_VALUE);
  err = gcry_mpi_scan (&me, GCRYMPI_FMT_USG, e, elen, NULL);
  if (!err)
    err = gcry_mpi_scan (&mp, GCRYMPI_FMT_USG, p, plen, NULL);
  if (!err)
    err = gcry_mpi_scan (&mq, GCRYMPI_FMT_USG, q, qlen, NULL);
  if (err)
    goto leave;
  /* libgcrypt wants p < q (u = p^-1 mod q). */
  if (gcry_mpi_cmp (mp, mq) > 0)
    gcry_mpi_swap (mp, mq);
  if (!gcry_mpi_cmp (mp, mq) || gcry_mpi_cmp_ui (mp, 2) < 0
      || gcry_mpi_cmp_ui (me, 3) < 0)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  mn = gcry_mpi_new (0);
  gcry_mpi_mul (mn, mp, mq);
  if (bits && gcry_mpi_get_nbits (mn) != bits)
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  p1 = gcry_mpi_new (0);
  q1 = gcry_mpi_new (0);
  phi = gcry_mpi_snew (0);
  md = gcry_mpi_snew (0);
  mu = gcry_mpi_snew (0);
  gcry_mpi_sub_ui (p1, mp, 1);
  gcry_mpi_sub_ui (q1, mq, 1);
  gcry_mpi_mul (phi, p1, q1);
  if (!gcry_mpi_invm (md, me, phi) || !gcry_mpi_invm (mu, mp, mq))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  err = gcry_sexp_build (&sk, NULL,
                         "(private-key(rsa(n%m)(e%m)(d%m)(p%m)(q%m)(u%m)))",
                         mn, me, md, mp, mq, mu);
  if (err)
    goto leave;
  if (gcry_pk_testkey (sk))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  emu_crypto_key_set (key, EMU_KEY_RSA, gcry_mpi_get_nbits (mn), sk);
  sk = NULL;
 leave:
  gcry_sexp_release (sk);
  gcry_mpi_release (me);
  gcry_mpi_release (mp);
  gcry_mpi_release (mq);
  gcry_mpi_release (mn);
  gcry_mpi_release (md);
  gcry_mpi_release (mu);
  gcry_mpi_release (p1);
  gcry_mpi_release (q1);
  gcry_mpi_release (phi);
  return err;
}

gpg_error_t
emu_crypto_import_ecc (emu_key_t *key, emu_key_type_t type,
                       const uint8_t *d, size_t dlen)
{
  size_t sz = emu_crypto_ecc_size (type);
  gcry_sexp_t sk = NULL, tmp = NULL;
  gcry_ctx_t ctx = NULL;
  gcry_mpi_t q = NULL;
  uint8_t qbuf[1 + 2 * 48];
  size_t qlen = 0;
  uint8_t *dd = NULL;
  gpg_error_t err;

  while (dlen > sz && !*d)
    d++, dlen--;
  if (!sz || !dlen || dlen > sz)
    return gpg_error (GPG_ERR_INV_VALUE);
  dd = xtrymalloc_secure (sz);
  if (!dd)
    return gpg_error_from_syserror ();
  memset (dd, 0, sz);
  memcpy (dd + sz - dlen, d, dlen);

  if (type == EMU_KEY_CV25519)
    {
      /* The public key is X25519(k, 9) with k the native (little-endian)
       * scalar; OpenPGP carries k byte-reversed. */
      uint8_t k[32], pub[32];
      size_t i;

      for (i = 0; i < 32; i++)
        k[i] = dd[31 - i];
      err = gcry_ecc_mul_point (GCRY_ECC_CURVE25519, pub, k,
                                (const uint8_t *)
                                "\x09\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
                                "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");
      wipememory (k, sizeof k);
      if (err)
        goto leave;
      qbuf[0] = 0x40;
      memcpy (qbuf + 1, pub, 32);
      qlen = 33;
    }
  else
    {
      const char *qname = type == EMU_KEY_ED25519 ? "q@eddsa" : "q";
      unsigned nbits;
      unsigned char *qraw;

      if (type == EMU_KEY_ED25519)
        err = gcry_sexp_build (&tmp, NULL,
                               "(private-key(ecc(curve Ed25519)(flags eddsa)"
                               "(d%b)))", (int)sz, dd);
      else
        err = gcry_sexp_build (&tmp, NULL, "(private-key(ecc(curve %s)(d%b)))",
                               emu_crypto_curve (type), (int)sz, dd);
      if (!err)
        err = gcry_mpi_ec_new (&ctx, tmp, NULL);
      if (err)
        goto leave;
      q = gcry_mpi_ec_get_mpi (qname, ctx, 1);
      if (!q)
        {
          err = gpg_error (GPG_ERR_INV_VALUE);
          goto leave;
        }
      if (gcry_mpi_get_flag (q, GCRYMPI_FLAG_OPAQUE))
        {
          qraw = gcry_mpi_get_opaque (q, &nbits);
          qlen = (nbits + 7) / 8;
          if (qlen > sizeof qbuf)
            {
              err = gpg_error (GPG_ERR_INV_VALUE);
              goto leave;
            }
          memcpy (qbuf, qraw, qlen);
        }
      else
        {
          err = gcry_mpi_print (GCRYMPI_FMT_USG, qbuf, sizeof qbuf, &qlen, q);
          if (err)
            goto leave;
        }
    }

  if (type == EMU_KEY_ED25519)
    err = gcry_sexp_build (&sk, NULL,
                           "(private-key(ecc(curve Ed25519)(flags eddsa)"
                           "(q%b)(d%b)))", (int)qlen, qbuf, (int)sz, dd);
  else if (type == EMU_KEY_CV25519)
    err = gcry_sexp_build (&sk, NULL,
                           "(private-key(ecc(curve Curve25519)"
                           "(flags djb-tweak)(q%b)(d%b)))",
                           (int)qlen, qbuf, (int)sz, dd);
  else
    err = gcry_sexp_build (&sk, NULL, "(private-key(ecc(curve %s)(q%b)(d%b)))",
                           emu_crypto_curve (type), (int)qlen, qbuf,
                           (int)sz, dd);
  if (err)
    goto leave;
  emu_crypto_key_set (key, type, sz * 8, sk);
  sk = NULL;
 leave:
  gcry_sexp_release (sk);
  gcry_sexp_release (tmp);
  gcry_ctx_release (ctx);
  gcry_mpi_release (q);
  wipememory (dd, sz);
  xfree_secure (dd);
  return err;
}

gpg_error_t
emu_crypto_public (const emu_key_t *key, buf_t *a, buf_t *b)
{
  gpg_error_t err;

  if (!key->sexp)
    return gpg_error (GPG_ERR_NO_SECKEY);
  if (key->type == EMU_KEY_RSA)
    {
      err = keyutil_sexp_bytes (SX (key), "n", true, a);
      if (!err)
        err = keyutil_sexp_bytes (SX (key), "e", true, b);
      return err;
    }
  err = keyutil_sexp_bytes (SX (key), "q", false, a);
  if (err)
    return err;
  /* 25519 points go out in their native 32 bytes (no 0x40 prefix). */
  if ((key->type == EMU_KEY_ED25519 || key->type == EMU_KEY_CV25519)
      && a->len == 33 && a->data[0] == 0x40)
    {
      memmove (a->data, a->data + 1, 32);
      a->len = 32;
    }
  return 0;
}

/* Modulus length in bytes. */
static size_t
emu_crypto_rsa_len (const emu_key_t *key)
{
  return (key->bits + 7) / 8;
}

gpg_error_t
emu_crypto_rsa_raw (const emu_key_t *key, const uint8_t *in, size_t n,
                    buf_t *out)
{
  buf_t s = BUF_INIT;
  gpg_error_t err;

  if (key->type != EMU_KEY_RSA || !key->sexp)
    return gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
  if (n != emu_crypto_rsa_len (key))
    return gpg_error (GPG_ERR_INV_LENGTH);
  err = emu_crypto_pk_sign (key, "(data(flags raw)(value%b))", in, n,
                            NULL, &s);
  if (!err)
    err = emu_crypto_put_fixed (out, s.data, s.len, n);
  buf_free (&s);
  return err;
}

gpg_error_t
emu_crypto_rsa_sign (const emu_key_t *key, const uint8_t *di, size_t n,
                     buf_t *out)
{
  size_t k = emu_crypto_rsa_len (key);
  uint8_t *em;
  gpg_error_t err;

  if (key->type != EMU_KEY_RSA || !key->sexp)
    return gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
  /* EMSA-PKCS1-v1_5: 00 01 FF.. 00 DigestInfo, at least 8 FF bytes. */
  if (!n || n + 11 > k)
    return gpg_error (GPG_ERR_INV_LENGTH);
  em = xtrymalloc (k);
  if (!em)
    return gpg_error_from_syserror ();
  em[0] = 0;
  em[1] = 1;
  memset (em + 2, 0xFF, k - n - 3);
  em[k - n - 1] = 0;
  memcpy (em + k - n, di, n);
  err = emu_crypto_rsa_raw (key, em, k, out);
  xfree (em);
  return err;
}

gpg_error_t
emu_crypto_rsa_decrypt (const emu_key_t *key, const uint8_t *c, size_t n,
                        buf_t *out)
{
  gcry_sexp_t enc = NULL, plain = NULL;
  gpg_error_t err;

  if (key->type != EMU_KEY_RSA || !key->sexp)
    return gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
  if (!n || n > emu_crypto_rsa_len (key))
    return gpg_error (GPG_ERR_INV_LENGTH);
  err = gcry_sexp_build (&enc, NULL, "(enc-val(flags pkcs1)(rsa(a%b)))",
                         (int)n, c);
  if (err)
    goto leave;
  err = gcry_pk_decrypt (&plain, enc, SX (key));
  if (err)
    {
      err = gpg_error (GPG_ERR_BAD_DATA);
      goto leave;
    }
  {
    gcry_sexp_t v = gcry_sexp_find_token (plain, "value", 0);
    const char *p;
    size_t len;

    if (!v || !(p = gcry_sexp_nth_data (v, 1, &len)))
      err = gpg_error (GPG_ERR_BAD_DATA);
    else
      err = buf_set (out, p, len);
    gcry_sexp_release (v);
  }
 leave:
  gcry_sexp_release (enc);
  gcry_sexp_release (plain);
  return err;
}

gpg_error_t
emu_crypto_ecdsa_sign (const emu_key_t *key, const uint8_t *h, size_t n,
                       bool der, buf_t *out)
{
  size_t sz = emu_crypto_ecc_size (key->type);
  buf_t r = BUF_INIT, s = BUF_INIT, seq = BUF_INIT;
  gpg_error_t err;

  if ((key->type != EMU_KEY_NISTP256 && key->type != EMU_KEY_NISTP384)
      || !key->sexp)
    return gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
  if (!n)
    return gpg_error (GPG_ERR_INV_LENGTH);
  /* FIPS 186-4: use the leftmost field-size bytes of a longer hash. */
  if (n > sz)
    n = sz;
  err = emu_crypto_pk_sign (key, "(data(flags raw)(value%b))", h, n,
                            &r, &s);
  if (err)
    goto leave;
  if (!der)
    {
      err = emu_crypto_put_fixed (out, r.data, r.len, sz);
      if (!err)
        err = emu_crypto_put_fixed (out, s.data, s.len, sz);
      goto leave;
    }
  err = der_put_uint (&seq, r.data, r.len);
  if (!err)
    err = der_put_uint (&seq, s.data, s.len);
  if (!err)
    err = buf_append_byte (out, 0x30);
  if (!err && seq.len >= 0x80)
    err = buf_append_byte (out, 0x81);
  if (!err)
    err = buf_append_byte (out, (uint8_t)seq.len);
  if (!err)
    err = buf_append (out, seq.data, seq.len);
 leave:
  buf_free (&r);
  buf_free (&s);
  buf_free (&seq);
  return err;
}

gpg_error_t
emu_crypto_eddsa_sign (const emu_key_t *key, const uint8_t *msg, size_t n,
                       buf_t *out)
{
  buf_t r = BUF_INIT, s = BUF_INIT;
  gpg_error_t err;

  if (key->type != EMU_KEY_ED25519 || !key->sexp)
    return gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
  err = emu_crypto_pk_sign (key,
                            "(data(flags eddsa)(hash-algo sha512)(value%b))",
                            msg ? msg : (const uint8_t *)"", n, &r, &s);
  if (!err)
    err = emu_crypto_put_fixed (out, r.data, r.len, 32);
  if (!err)
    err = emu_crypto_put_fixed (out, s.data, s.len, 32);
  buf_free (&r);
  buf_free (&s);
  return err;
}

gpg_error_t
emu_crypto_ecdh (const emu_key_t *key, const uint8_t *pt, size_t n,
                 buf_t *out)
{
  size_t sz = emu_crypto_ecc_size (key->type);
  gcry_sexp_t enc = NULL, res = NULL;
  buf_t v;
  uint8_t e[33];
  gpg_error_t err;

  buf_init_secure (&v);
  if (!key->sexp || key->type == EMU_KEY_RSA || key->type == EMU_KEY_ED25519
      || !sz)
    return gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
  if (key->type == EMU_KEY_CV25519)
    {
      if (n == 33 && pt[0] == 0x40)
        pt++, n--;
      if (n != 32)
        return gpg_error (GPG_ERR_INV_VALUE);
      e[0] = 0x40;
      memcpy (e + 1, pt, 32);
      pt = e;
      n = 33;
    }
  else if (n != 1 + 2 * sz || pt[0] != 0x04)
    return gpg_error (GPG_ERR_INV_VALUE);
  err = gcry_sexp_build (&enc, NULL, "(enc-val(ecdh(e%b)))", (int)n, pt);
  if (err)
    goto leave;
  if (gcry_pk_decrypt (&res, enc, SX (key)))
    {
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  err = keyutil_sexp_bytes (res, "value", true, &v);
  if (err)
    goto leave;
  /* NIST: 04||x||y -> x.  Curve25519: 40||x or x. */
  if (v.len == 1 + 2 * sz && v.data[0] == 0x04)
    err = buf_append (out, v.data + 1, sz);
  else if (v.len == 1 + sz && v.data[0] == 0x40)
    err = buf_append (out, v.data + 1, sz);
  else
    err = emu_crypto_put_fixed (out, v.data, v.len, sz);
 leave:
  gcry_sexp_release (enc);
  gcry_sexp_release (res);
  buf_free (&v);
  return err;
}

gpg_error_t
emu_crypto_save (const emu_key_t *key, buf_t *out)
{
  size_t n;
  gpg_error_t err;

  err = buf_append_byte (out, (uint8_t)key->type);
  if (!err)
    err = buf_append_be16 (out, key->bits);
  if (err || !key->sexp)
    return err;
  /* The length asked for first may count a trailing NUL; the second
   * call says how many bytes it really wrote. */
  n = gcry_sexp_sprint (SX (key), GCRYSEXP_FMT_CANON, NULL, 0);
  err = buf_reserve (out, n);
  if (err)
    return err;
  n = gcry_sexp_sprint (SX (key), GCRYSEXP_FMT_CANON, out->data + out->len,
                        n);
  if (!n)
    return gpg_error (GPG_ERR_INTERNAL);
  out->len += n;
  return 0;
}

gpg_error_t
emu_crypto_load (emu_key_t *key, const uint8_t *p, size_t n)
{
  gcry_sexp_t s = NULL;
  gpg_error_t err;

  emu_crypto_key_free (key);
  if (n < 3 || p[0] > EMU_KEY_CV25519)
    return gpg_error (GPG_ERR_INV_VALUE);
  if (n == 3)
    return p[0] == EMU_KEY_NONE ? 0 : gpg_error (GPG_ERR_INV_VALUE);
  err = gcry_sexp_sscan (&s, NULL, (const char *)p + 3, n - 3);
  if (err)
    return gpg_error (GPG_ERR_INV_VALUE);
  key->type = p[0];
  key->bits = get_be16 (p + 1);
  key->sexp = s;
  return 0;
}

void
emu_crypto_random (uint8_t *p, size_t n)
{
  gcry_randomize (p, n, GCRY_STRONG_RANDOM);
}
