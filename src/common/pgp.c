/* pgp.c - OpenPGP v4 public-key fingerprints (RFC 4880 5.5.2, 12.2;
 * RFC 6637 9 for the ECC fields). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <gcrypt.h>

#include "pgp.h"

gpg_error_t
pgp_put_mpi (buf_t *b, const uint8_t *p, size_t n)
{
  unsigned bits;
  uint8_t c;
  gpg_error_t err;

  while (n && !*p)
    p++, n--;
  bits = (unsigned)n * 8;
  if (n)
    for (c = p[0]; !(c & 0x80); c <<= 1)
      bits--;
  err = buf_append_be16 (b, bits);
  if (!err)
    err = buf_append (b, p, n);
  return err;
}

gpg_error_t
pgp_fingerprint (uint32_t created, uint8_t algo, const uint8_t *oid,
                 size_t oidlen, const uint8_t *a, size_t alen,
                 const uint8_t *b, size_t blen, bool kdf384, uint8_t fpr[20])
{
  buf_t body = BUF_INIT, pkt = BUF_INIT;
  gpg_error_t err;

  err = buf_append_byte (&body, 4);
  if (!err)
    err = buf_append_be32 (&body, created);
  if (!err)
    err = buf_append_byte (&body, algo);
  if (!err && algo == PGP_ALGO_RSA)
    {
      err = pgp_put_mpi (&body, a, alen);
      if (!err)
        err = pgp_put_mpi (&body, b, blen);
    }
  else if (!err)
    {
      if (oidlen > 255)
        err = gpg_error (GPG_ERR_INV_VALUE);
      if (!err)
        err = buf_append_byte (&body, (uint8_t)oidlen);
      if (!err)
        err = buf_append (&body, oid, oidlen);
      if (!err && alen == 32)
        {
          /* Native 25519 point: OpenPGP prefixes 40. */
          uint8_t q[33];
          q[0] = 0x40;
          memcpy (q + 1, a, 32);
          err = pgp_put_mpi (&body, q, sizeof q);
        }
      else if (!err)
        err = pgp_put_mpi (&body, a, alen);
      if (!err && algo == PGP_ALGO_ECDH)
        {
          /* KDF parameters: SHA-256/AES-128, or SHA-384/AES-256 (as
           * GnuPG chooses them for curves above 256 bits). */
          uint8_t kdf[4] = { 3, 1, 8, 7 };
          if (kdf384)
            kdf[2] = 9, kdf[3] = 9;
          err = buf_append (&body, kdf, sizeof kdf);
        }
    }
  if (!err)
    err = buf_append_byte (&pkt, 0x99);
  if (!err)
    err = buf_append_be16 (&pkt, (unsigned)body.len);
  if (!err)
    err = buf_append (&pkt, body.data, body.len);
  if (!err)
    gcry_md_hash_buffer (GCRY_MD_SHA1, fpr, pkt.data, pkt.len);
  buf_free (&body);
  buf_free (&pkt);
  return err;
}
