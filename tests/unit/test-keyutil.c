/* test-keyutil.c - the small shared key helpers of src/common: 3DES for
 * the PIV management key (with DES test vectors and the factory key),
 * key generation, S-expression values, OpenPGP MPIs and v4 fingerprints
 * (against packets written out byte by byte), PIV certificate tags. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <gcrypt.h>
#include "cutest.h"
#include "common/keyutil.h"
#include "common/util.h"
#include "common/pgp.h"
#include "common/piv.h"

#define P(s) ((const uint8_t *)(s)), (sizeof (s) - 1)

static void
test_3des (void)
{
  /* K1 = K2 = K3 is single DES: FIPS 81's "Now is t" example. */
  static const uint8_t k[24] = {
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF };
  static const uint8_t piv[24] = {
    1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
  uint8_t out[8], back[8];

  CU_ASSERT_EQUAL (keyutil_3des (k, (const uint8_t *)"Now is t", out, true),
                   0);
  CU_ASSERT_EQUAL (memcmp (out, "\x3F\xA4\x0E\x8A\x98\x4D\x48\x15", 8), 0);
  CU_ASSERT_EQUAL (keyutil_3des (k, out, back, false), 0);
  CU_ASSERT_EQUAL (memcmp (back, "Now is t", 8), 0);
  /* The PIV factory management key works both ways. */
  CU_ASSERT_EQUAL (keyutil_3des (piv, (const uint8_t *)"witness!", out, true),
                   0);
  CU_ASSERT_NOT_EQUAL (memcmp (out, "witness!", 8), 0);
  CU_ASSERT_EQUAL (keyutil_3des (piv, out, back, false), 0);
  CU_ASSERT_EQUAL (memcmp (back, "witness!", 8), 0);
}

static void
test_sexp_bytes (void)
{
  gcry_sexp_t s = NULL;
  buf_t b = BUF_INIT;

  CU_ASSERT_EQUAL_FATAL (gcry_sexp_build (&s, NULL, "(k (n #0000C1#)(q #00"
                                          "04#)(z #00#))"), 0);
  CU_ASSERT_EQUAL (keyutil_sexp_bytes (s, "n", true, &b), 0);
  CU_ASSERT_EQUAL (b.len, 1);
  CU_ASSERT_EQUAL (b.data[0], 0xC1);
  CU_ASSERT_EQUAL (keyutil_sexp_bytes (s, "n", false, &b), 0);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (keyutil_sexp_bytes (s, "q", false, &b), 0);
  CU_ASSERT_EQUAL (b.len, 2);
  CU_ASSERT_EQUAL (keyutil_sexp_bytes (s, "z", true, &b), 0);
  CU_ASSERT_EQUAL (b.len, 1);   /* zero keeps one byte */
  CU_ASSERT_EQUAL (gpg_err_code (keyutil_sexp_bytes (s, "e", true, &b)),
                   GPG_ERR_INV_SEXP);
  gcry_sexp_release (s);
  buf_free (&b);
}

/* Whether S has the sub-list NAME holding VALUE (NULL: any value). */
static int
test_has (gcry_sexp_t s, const char *name, const char *value)
{
  gcry_sexp_t t = gcry_sexp_find_token (s, name, 0);
  size_t n = 0;
  const char *p = t ? gcry_sexp_nth_data (t, 1, &n) : NULL;
  int ok = p && (!value || (n == strlen (value) && !memcmp (p, value, n)));

  gcry_sexp_release (t);
  return ok;
}

static void
test_genkey (void)
{
  static const char *const curves[] = { "NIST P-256", "NIST P-384",
                                        "Ed25519", "Curve25519" };
  gcry_sexp_t sk = NULL;
  buf_t e = BUF_INIT;
  size_t i;

  /* RSA: the size asked for, e = 65537, the private values. */
  CU_ASSERT_EQUAL_FATAL (keyutil_genkey (NULL, 1024, &sk), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (sk);
  CU_ASSERT_EQUAL (gcry_pk_get_nbits (sk), 1024);
  CU_ASSERT_EQUAL (keyutil_sexp_bytes (sk, "e", true, &e), 0);
  CU_ASSERT_EQUAL (e.len, 3);
  CU_ASSERT_EQUAL (memcmp (e.data, "\x01\x00\x01", 3), 0);
  CU_ASSERT (test_has (sk, "d", NULL));
  {
    size_t n = 0;
    const char *car = gcry_sexp_nth_data (sk, 0, &n);
    CU_ASSERT (car && n == 11 && !memcmp (car, "private-key", 11));
  }
  CU_ASSERT_EQUAL (gcry_pk_testkey (sk), 0);
  gcry_sexp_release (sk);

  /* ECC: the curve, a private scalar and a public point; the flags
   * that make an Ed25519 key EdDSA and a Curve25519 one OpenPGP's ECDH
   * form. */
  for (i = 0; i < DIM (curves); i++)
    {
      CU_ASSERT_EQUAL_FATAL (keyutil_genkey (curves[i], 0, &sk), 0);
      CU_ASSERT_PTR_NOT_NULL_FATAL (sk);
      CU_ASSERT (test_has (sk, "curve", curves[i]));
      CU_ASSERT (test_has (sk, "d", NULL));
      CU_ASSERT (test_has (sk, "q", NULL));
      CU_ASSERT_EQUAL (test_has (sk, "flags", "eddsa"), i == 2);
      CU_ASSERT_EQUAL (test_has (sk, "flags", "djb-tweak"), i == 3);
      gcry_sexp_release (sk);
    }

  /* A curve libgcrypt does not know: an error and no key. */
  sk = (gcry_sexp_t)&sk;
  CU_ASSERT_NOT_EQUAL (keyutil_genkey ("no such curve", 0, &sk), 0);
  CU_ASSERT_PTR_NULL (sk);
  buf_free (&e);
}

static void
test_pgp_mpi (void)
{
  buf_t b = BUF_INIT;

  CU_ASSERT_EQUAL (pgp_put_mpi (&b, P ("\x00\x01")), 0);
  CU_ASSERT_EQUAL (pgp_put_mpi (&b, P ("\x80\x00")), 0);
  CU_ASSERT_EQUAL (pgp_put_mpi (&b, P ("\x00")), 0);
  CU_ASSERT_EQUAL (b.len, 3 + 4 + 2);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x00\x01\x01" "\x00\x10\x80\x00"
                           "\x00\x00", b.len), 0);
  buf_free (&b);
}

/* SHA-1 of the packet P[0..N) compared with the fingerprint FPR. */
static bool
same_hash (const uint8_t *p, size_t n, const uint8_t fpr[20])
{
  uint8_t h[20];
  gcry_md_hash_buffer (GCRY_MD_SHA1, h, p, n);
  return !memcmp (h, fpr, 20);
}

static void
test_pgp_fingerprint (void)
{
  static const uint8_t rsa_pkt[] = {
    0x99, 0x00, 0x0F, 0x04, 0x5C, 0x00, 0x00, 0x01, 0x01,
    0x00, 0x10, 0xC1, 0x23, 0x00, 0x11, 0x01, 0x00, 0x01 };
  static const uint8_t oid[] = { 0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55,
                                 0x01, 0x05, 0x01 };    /* Curve25519 */
  uint8_t q[32], pkt[64], fpr[20];
  size_t n = 0;

  CU_ASSERT_EQUAL (pgp_fingerprint (0x5C000001, PGP_ALGO_RSA, NULL, 0,
                                    P ("\x00\xC1\x23"), P ("\x01\x00\x01"),
                                    false, fpr), 0);
  CU_ASSERT_TRUE (same_hash (rsa_pkt, sizeof rsa_pkt, fpr));
  /* ECDH on Curve25519: 40-prefixed point, KDF SHA-256/AES-128. */
  memset (q, 0x77, sizeof q);
  pkt[n++] = 0x99;
  pkt[n++] = 0;
  pkt[n++] = 1 + 4 + 1 + 1 + sizeof oid + 2 + 33 + 4;
  memcpy (pkt + n, "\x04\x00\x00\x00\x10\x12", 6);
  n += 6;
  pkt[n++] = sizeof oid;
  memcpy (pkt + n, oid, sizeof oid);
  n += sizeof oid;
  memcpy (pkt + n, "\x01\x07\x40", 3);   /* 263 bits, prefix */
  n += 3;
  memcpy (pkt + n, q, 32);
  n += 32;
  memcpy (pkt + n, "\x03\x01\x08\x07", 4);
  n += 4;
  CU_ASSERT_EQUAL_FATAL (n, 3 + pkt[2]);
  CU_ASSERT_EQUAL (pgp_fingerprint (0x10, PGP_ALGO_ECDH, oid, sizeof oid,
                                    q, sizeof q, NULL, 0, false, fpr), 0);
  CU_ASSERT_TRUE (same_hash (pkt, n, fpr));
  /* The P-384 KDF changes it. */
  memcpy (pkt + n - 2, "\x09\x09", 2);
  CU_ASSERT_FALSE (same_hash (pkt, n, fpr));
  CU_ASSERT_EQUAL (pgp_fingerprint (0x10, PGP_ALGO_ECDH, oid, sizeof oid,
                                    q, sizeof q, NULL, 0, true, fpr), 0);
  CU_ASSERT_TRUE (same_hash (pkt, n, fpr));
  /* ECDSA: no KDF. */
  pkt[2] -= 4;
  pkt[8] = PGP_ALGO_ECDSA;
  CU_ASSERT_EQUAL (pgp_fingerprint (0x10, PGP_ALGO_ECDSA, oid, sizeof oid,
                                    q, sizeof q, NULL, 0, true, fpr), 0);
  CU_ASSERT_TRUE (same_hash (pkt, n - 4, fpr));
}

static void
test_piv_cert_tag (void)
{
  CU_ASSERT_EQUAL (piv_cert_tag (0x9A), 0x5FC105);
  CU_ASSERT_EQUAL (piv_cert_tag (0x9C), 0x5FC10A);
  CU_ASSERT_EQUAL (piv_cert_tag (0x9D), 0x5FC10B);
  CU_ASSERT_EQUAL (piv_cert_tag (0x9E), 0x5FC101);
  CU_ASSERT_EQUAL (piv_cert_tag (0x82), 0x5FC10D);
  CU_ASSERT_EQUAL (piv_cert_tag (0x95), 0x5FC120);
  CU_ASSERT_EQUAL (piv_cert_tag (0x81), 0);
  CU_ASSERT_EQUAL (piv_cert_tag (0x96), 0);
  CU_ASSERT_EQUAL (piv_cert_tag (0x9B), 0);
}

static const cutest_t tests[] = {
  CUTEST (test_3des),
  CUTEST (test_sexp_bytes),
  CUTEST (test_genkey),
  CUTEST (test_pgp_mpi),
  CUTEST (test_pgp_fingerprint),
  CUTEST (test_piv_cert_tag),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("keyutil", tests, NULL, NULL);
}
