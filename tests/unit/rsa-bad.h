/* rsa-bad.h - for unit tests of RSA decryption: a cryptogram that
 * PKCS #1 v1.5 decryption refuses every time.  (A good cryptogram with
 * one byte changed does not do: it decrypts, about once in 300 tries,
 * to a block whose first non-zero byte is 02, which libgcrypt takes.) */
#ifndef VSC_RSA_BAD_H
#define VSC_RSA_BAD_H

#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <gcrypt.h>

/* The cryptogram under the 2048-bit public key PUB of a block with
 * signature padding (00 01 FF..FF 00 MSG), in OUT (256 bytes, zeros on
 * the left); MSG is at most 200 bytes.  False if libgcrypt failed. */
static inline bool
rsa_bad_cryptogram (gcry_sexp_t pub, const uint8_t *msg, size_t n,
                    uint8_t out[256])
{
  uint8_t block[256];
  gcry_sexp_t data = NULL, enc = NULL, a = NULL;
  const char *v = NULL;
  size_t len = 0;
  bool ok;

  if (n > 200)
    return false;
  memset (block, 0xFF, sizeof block);
  block[0] = 0x00;
  block[1] = 0x01;
  block[sizeof block - n - 1] = 0x00;
  memcpy (block + sizeof block - n, msg, n);
  if (!gcry_sexp_build (&data, NULL, "(data(flags raw)(value%b))",
                        (int)sizeof block, block)
      && !gcry_pk_encrypt (&enc, data, pub)
      && (a = gcry_sexp_find_token (enc, "a", 0)))
    v = gcry_sexp_nth_data (a, 1, &len);
  /* A raw result is a signed MPI: 00 before a high first byte. */
  if (v && len == 257 && !v[0])
    {
      v++;
      len--;
    }
  ok = v && len <= 256;
  if (ok)
    {
      memset (out, 0, 256 - len);
      memcpy (out + 256 - len, v, len);
    }
  gcry_sexp_release (a);
  gcry_sexp_release (enc);
  gcry_sexp_release (data);
  return ok;
}

#endif /* VSC_RSA_BAD_H */
