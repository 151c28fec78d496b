/* emu-apps-helper.h - helpers for the OpenPGP / PIV applet unit tests
 * (on top of emu-helper.h) */
#ifndef VSC_EMU_APPS_HELPER_H
#define VSC_EMU_APPS_HELPER_H

#include <gcrypt.h>
#include "emu-helper.h"

#include "lsan-gcrypt.h"

#define APPS_ATR "atr 3BFD1300008131FE158073C021C057597562694B657940\n" \
                 "protocol t1\nextended-length yes\n"

/* Send CLA INS P1 P2 with DATA (any length: extended when > 255) and
 * Le (0 = none, else 256 short / 65536 extended). */
static inline unsigned
txv (uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2, const uint8_t *data,
     size_t n, size_t le)
{
  static uint8_t apdu[70000];
  size_t off = 0;
  bool ext = n > 255 || le > 256;

  apdu[off++] = cla;
  apdu[off++] = ins;
  apdu[off++] = p1;
  apdu[off++] = p2;
  if (n)
    {
      if (ext)
        {
          apdu[off++] = 0;
          apdu[off++] = (uint8_t)(n >> 8);
          apdu[off++] = (uint8_t)n;
        }
      else
        apdu[off++] = (uint8_t)n;
      memcpy (apdu + off, data, n);
      off += n;
    }
  if (le)
    {
      if (ext)
        {
          if (!n)
            apdu[off++] = 0;
          apdu[off++] = 0;
          apdu[off++] = 0;
        }
      else
        apdu[off++] = 0;
    }
  return txb (apdu, off);
}

/* Find TAG (1 or 2 bytes) in P: pointer to its value and length, walking
 * into 7F49 / 7C / 6E / 73 / 65 / 7A / 04 (GET METADATA). */
static inline const uint8_t *
find_tag (const uint8_t *p, size_t n, unsigned tag, size_t *len)
{
  size_t i = 0;

  while (i < n)
    {
      unsigned t = p[i++];
      size_t l;

      if ((t & 0x1F) == 0x1F && i < n)
        t = t << 8 | p[i++];
      if (i >= n)
        return NULL;
      l = p[i++];
      if (l == 0x81 && i < n)
        l = p[i++];
      else if (l == 0x82 && i + 1 < n)
        {
          l = (size_t)p[i] << 8 | p[i + 1];
          i += 2;
        }
      if (i + l > n)
        return NULL;
      if (t == tag)
        {
          *len = l;
          return p + i;
        }
      if (t != 0x7F49 && t != 0x7C && t != 0x6E && t != 0x73 && t != 0x65
          && t != 0x7A && t != 0x04)
        i += l;
    }
  return NULL;
}

/* A fresh libgcrypt key pair from an S-expression spec. */
static inline gcry_sexp_t
gen_key (const char *spec)
{
  gcry_sexp_t parms = NULL, kp = NULL;

  CU_ASSERT_FATAL (!gcry_sexp_new (&parms, spec, 0, 1));
  CU_ASSERT_FATAL (!gcry_pk_genkey (&kp, parms));
  gcry_sexp_release (parms);
  return kp;
}

/* Unsigned bytes of token NAME in S (into OUT, at most MAX). */
static inline size_t
key_part (gcry_sexp_t s, const char *name, uint8_t *out, size_t max)
{
  gcry_sexp_t t = gcry_sexp_find_token (s, name, 0);
  const char *p;
  size_t n = 0;

  CU_ASSERT_FATAL (t != NULL);
  p = gcry_sexp_nth_data (t, 1, &n);
  while (n > 1 && !*p && strcmp (name, "q"))
    p++, n--;
  CU_ASSERT_FATAL (p && n <= max);
  memcpy (out, p, n);
  gcry_sexp_release (t);
  return n;
}

/* Append a BER length. */
static inline size_t
put_len (uint8_t *p, size_t n)
{
  if (n < 0x80)
    {
      p[0] = (uint8_t)n;
      return 1;
    }
  if (n < 0x100)
    {
      p[0] = 0x81;
      p[1] = (uint8_t)n;
      return 2;
    }
  p[0] = 0x82;
  p[1] = (uint8_t)(n >> 8);
  p[2] = (uint8_t)n;
  return 3;
}

/* Verify an RSA PKCS#1 v1.5 SHA-256 signature with public N, E. */
static inline bool
rsa_verify (const uint8_t *n, size_t nl, const uint8_t *e, size_t el,
            const uint8_t *hash, const uint8_t *sig, size_t sl)
{
  gcry_sexp_t pub = NULL, data = NULL, s = NULL;
  bool ok;

  ok = !gcry_sexp_build (&pub, NULL, "(public-key(rsa(n%b)(e%b)))", (int)nl,
                         n, (int)el, e)
       && !gcry_sexp_build (&data, NULL,
                            "(data(flags pkcs1)(hash sha256 %b))", 32, hash)
       && !gcry_sexp_build (&s, NULL, "(sig-val(rsa(s%b)))", (int)sl, sig)
       && !gcry_pk_verify (s, data, pub);
  gcry_sexp_release (pub);
  gcry_sexp_release (data);
  gcry_sexp_release (s);
  return ok;
}

/* Verify an ECDSA signature (r||s or DER when DER) over HASH. */
static inline bool
ecdsa_verify (const char *curve, const uint8_t *q, size_t ql,
              const uint8_t *hash, size_t hl, const uint8_t *sig, size_t sl,
              bool der)
{
  gcry_sexp_t pub = NULL, data = NULL, s = NULL;
  const uint8_t *r = sig, *ss = sig + sl / 2;
  size_t rl = sl / 2, sl2 = sl / 2;
  bool ok;

  if (der)
    {
      /* 30 L 02 rl r 02 sl s */
      if (sl < 8 || sig[0] != 0x30 || sig[2] != 0x02)
        return false;
      rl = sig[3];
      r = sig + 4;
      if (4 + rl + 2 > sl || r[rl] != 0x02)
        return false;
      sl2 = r[rl + 1];
      ss = r + rl + 2;
    }
  ok = !gcry_sexp_build (&pub, NULL, "(public-key(ecc(curve %s)(q%b)))",
                         curve, (int)ql, q)
       && !gcry_sexp_build (&data, NULL, "(data(flags raw)(value %b))",
                            (int)hl, hash)
       && !gcry_sexp_build (&s, NULL, "(sig-val(ecdsa(r%b)(s%b)))", (int)rl,
                            r, (int)sl2, ss)
       && !gcry_pk_verify (s, data, pub);
  gcry_sexp_release (pub);
  gcry_sexp_release (data);
  gcry_sexp_release (s);
  return ok;
}

/* Feed junk to every INS: the card must always answer with a status
 * word and never crash. */
static inline void
junk_all_ins (void)
{
  uint8_t buf[300];
  unsigned ins, k;

  for (ins = 0; ins < 256; ins++)
    for (k = 0; k < 4; k++)
      {
        size_t n = k == 0 ? 0 : k == 1 ? 1 : k == 2 ? 7 : 260;
        gcry_randomize (buf, sizeof buf, GCRY_WEAK_RANDOM);
        if (ins == 0xC0 || ins == 0xE6 || ins == 0x44)
          continue;         /* GET RESPONSE / TERMINATE / ACTIVATE */
        txv (0x00, (uint8_t)ins, buf[0] & 0x0F ? buf[1] : 0, buf[2], buf, n,
             k & 1 ? 256 : 0);
        CU_ASSERT (rlen >= 2);
      }
}

#endif /* VSC_EMU_APPS_HELPER_H */
