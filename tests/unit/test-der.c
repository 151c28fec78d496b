/* test-der.c - the DER helpers of common/der.c: whole objects, children,
 * INTEGERs, BIT STRINGs, private-key containers, writers; malformed input
 * (truncation at every length, long-form and indefinite lengths, lengths
 * beyond the input, wrong versions and tags). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdlib.h>
#include "cutest.h"
#include "common/der.h"
#include "common/pkcs15.h"
#include "common/util.h"

#define P(s) ((const uint8_t *)(s)), (sizeof (s) - 1)

static gpg_err_code_t
read_code (const uint8_t *p, size_t n, unsigned tag)
{
  tlv_t t;
  return gpg_err_code (der_read (p, n, tag, 4, &t));
}

static void
test_read (void)
{
  tlv_t t;

  CU_ASSERT_EQUAL (der_read (P ("\x30\x03\x02\x01\x05"), 0x30, 4, &t), 0);
  CU_ASSERT_EQUAL (t.len, 3);
  CU_ASSERT_EQUAL (t.raw_len, 5);
  /* Long-form lengths, minimal and not. */
  CU_ASSERT_EQUAL (der_read (P ("\x30\x81\x03\x02\x01\x05"), 0x30, 4, &t), 0);
  CU_ASSERT_EQUAL (t.len, 3);
  CU_ASSERT_EQUAL (der_read (P ("\x04\x82\x00\x02\xAA\xBB"), 0x04, 4, &t), 0);
  CU_ASSERT_EQUAL (t.len, 2);
  CU_ASSERT_EQUAL (t.value[1], 0xBB);
  /* Another tag, bytes after the object. */
  CU_ASSERT_EQUAL (read_code (P ("\x31\x03\x02\x01\x05"), 0x30),
                   GPG_ERR_INV_OBJ);
  CU_ASSERT_EQUAL (read_code (P ("\x30\x03\x02\x01\x05\x00"), 0x30),
                   GPG_ERR_INV_OBJ);
  /* Truncated: empty, no length, value cut, inner object cut. */
  CU_ASSERT_EQUAL (read_code (NULL, 0, 0x30), GPG_ERR_EOF);
  CU_ASSERT_EQUAL (read_code (P ("\x30"), 0x30), GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (read_code (P ("\x30\x04\x02\x01\x05"), 0x30),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (read_code (P ("\x30\x82\x00"), 0x30), GPG_ERR_TOO_SHORT);
  CU_ASSERT_NOT_EQUAL (read_code (P ("\x30\x03\x02\x02\x05"), 0x30), 0);
  /* Indefinite length refused, also inside. */
  CU_ASSERT_EQUAL (read_code (P ("\x30\x80\x02\x01\x05\x00\x00"), 0x30),
                   GPG_ERR_INV_LENGTH);
  CU_ASSERT_NOT_EQUAL (read_code (P ("\x30\x06\x30\x80\x02\x01\x05\x00"),
                                  0x30), 0);
  /* More than four length bytes; a length beyond the input that would
   * wrap a 32-bit sum. */
  CU_ASSERT_EQUAL (read_code (P ("\x30\x85\x00\x00\x00\x00\x01\x00"), 0x30),
                   GPG_ERR_INV_LENGTH);
  CU_ASSERT_EQUAL (read_code (P ("\x30\x84\xFF\xFF\xFF\xFF\x00"), 0x30),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (read_code (P ("\x30\x84\xFF\xFF\xFF\xF9\x02\x01\x05"),
                              0x30), GPG_ERR_TOO_SHORT);
  /* Nesting deeper than MAXDEPTH. */
  CU_ASSERT_EQUAL (der_read (P ("\x30\x04\x30\x02\x30\x00"), 0x30, 2, &t), 0);
  CU_ASSERT_NOT_EQUAL (der_read (P ("\x30\x04\x30\x02\x30\x00"), 0x30, 0,
                                 &t), 0);
}

static void
test_children (void)
{
  static const uint8_t d[] = { 0x30, 0x0B, 0x02, 0x01, 0x07, 0x04, 0x01,
                               0xAA, 0x02, 0x00, 0x02, 0x01, 0x80 };
  tlv_t seq, c;

  CU_ASSERT_EQUAL_FATAL (der_read (d, sizeof d, 0x30, 2, &seq), 0);
  CU_ASSERT_TRUE (der_child (&seq, 1, &c));
  CU_ASSERT_EQUAL (c.tag, 0x04);
  CU_ASSERT_EQUAL (c.value[0], 0xAA);
  CU_ASSERT_FALSE (der_child (&seq, 4, &c));
  CU_ASSERT_TRUE (der_int (&seq, 0, &c));
  CU_ASSERT_EQUAL (c.value[0], 7);
  CU_ASSERT_FALSE (der_int (&seq, 1, &c));   /* OCTET STRING */
  CU_ASSERT_FALSE (der_int (&seq, 2, &c));   /* empty INTEGER */
  CU_ASSERT_TRUE (der_int (&seq, 3, &c));
  CU_ASSERT_EQUAL (c.value[0], 0x80);
  CU_ASSERT_FALSE (der_int (&seq, 9, &c));
  /* A child cut short ends the walk. */
  seq.len = 9;
  CU_ASSERT_FALSE (der_child (&seq, 3, &c));
}

static void
test_oids (void)
{
  tlv_t t;
  size_t n = 99;

  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x06\x08\x2A\x86\x48\xCE\x3D\x03"
                                       "\x01\x07"), &t, NULL), 0);
  CU_ASSERT_TRUE (der_oid_is (&t, der_oid_p256, sizeof der_oid_p256));
  CU_ASSERT_FALSE (der_oid_is (&t, der_oid_ec, sizeof der_oid_ec));
  CU_ASSERT_EQUAL (der_curve (&t), DER_CURVE_P256);
  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x06\x05\x2B\x81\x04\x00\x23"), &t,
                                    NULL), 0);
  CU_ASSERT_EQUAL (der_curve (&t), DER_CURVE_P521);
  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x06\x05\x2B\x81\x04\x00\x22"), &t,
                                    NULL), 0);
  CU_ASSERT_EQUAL (der_curve (&t), DER_CURVE_P384);
  /* Same content, not an OID. */
  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x04\x05\x2B\x81\x04\x00\x22"), &t,
                                    NULL), 0);
  CU_ASSERT_EQUAL (der_curve (&t), DER_CURVE_NONE);
  CU_ASSERT_PTR_EQUAL (der_curve_oid (DER_CURVE_P384, &n), der_oid_p384);
  CU_ASSERT_EQUAL (n, 5);
  CU_ASSERT_PTR_NULL (der_curve_oid (DER_CURVE_NONE, &n));
  CU_ASSERT_EQUAL (n, 0);
}

static void
test_bits (void)
{
  tlv_t t;

  /* 03 03 07 A0 80: bits 0, 2 and 8 set (7 unused bits in the last). */
  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x03\x03\x07\xA0\x80"), &t, NULL), 0);
  CU_ASSERT_TRUE (der_bit (&t, 0));
  CU_ASSERT_FALSE (der_bit (&t, 1));
  CU_ASSERT_TRUE (der_bit (&t, 2));
  CU_ASSERT_TRUE (der_bit (&t, 8));
  CU_ASSERT_FALSE (der_bit (&t, 9));
  CU_ASSERT_FALSE (der_bit (&t, 16));
  CU_ASSERT_FALSE (der_bit (&t, 0xFFFFFFFFu));
  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x03\x00"), &t, NULL), 0);
  CU_ASSERT_FALSE (der_bit (&t, 0));
  CU_ASSERT_EQUAL_FATAL (tlv_parse (P ("\x04\x02\x00\xFF"), &t, NULL), 0);
  CU_ASSERT_FALSE (der_bit (&t, 0));
}

static void
test_put_uint (void)
{
  buf_t b = BUF_INIT;
  uint8_t big[200];

  CU_ASSERT_EQUAL (der_put_uint (&b, P ("\x00\x00\x01")), 0);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x02\x01\x01", 3), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (der_put_uint (&b, P ("\x00\x80")), 0);
  CU_ASSERT_EQUAL (b.len, 4);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x02\x02\x00\x80", 4), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (der_put_uint (&b, P ("\x00\x00")), 0);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x02\x01\x00", 3), 0);
  buf_clear (&b);
  CU_ASSERT_EQUAL (der_put_uint (&b, NULL, 0), 0);
  CU_ASSERT_EQUAL (b.len, 3);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x02\x01\x00", 3), 0);
  buf_clear (&b);
  memset (big, 0xC3, sizeof big);
  CU_ASSERT_EQUAL (der_put_uint (&b, big, sizeof big), 0);
  CU_ASSERT_EQUAL (b.len, 3 + 1 + sizeof big);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x02\x81\xC9\x00\xC3", 5), 0);
  buf_free (&b);
}

/* A made-up RSAPrivateKey { VERSION, 1..8 } (small numbers: the parser
 * judges the structure, not the key). */
static void
put_rsa (buf_t *b, uint8_t version, unsigned nints)
{
  size_t m;
  unsigned i;

  CU_ASSERT_EQUAL (tlv_begin (b, 0x30, &m), 0);
  CU_ASSERT_EQUAL (tlv_put_u8 (b, 0x02, version), 0);
  for (i = 1; i <= nints; i++)
    CU_ASSERT_EQUAL (tlv_put_u8 (b, 0x02, (uint8_t)(0x10 + i)), 0);
  CU_ASSERT_EQUAL (tlv_end (b, m), 0);
}

/* PrivateKeyInfo { 0, { OID, PARAM }, OCTET STRING INNER }. */
static void
put_pkcs8 (buf_t *b, const uint8_t *oid, size_t oidlen,
           const uint8_t *param, size_t plen, const buf_t *inner)
{
  size_t m, m2;

  CU_ASSERT_EQUAL (tlv_begin (b, 0x30, &m), 0);
  CU_ASSERT_EQUAL (tlv_put_u8 (b, 0x02, 0), 0);
  CU_ASSERT_EQUAL (tlv_begin (b, 0x30, &m2), 0);
  CU_ASSERT_EQUAL (tlv_put (b, 0x06, oid, oidlen), 0);
  if (param)
    CU_ASSERT_EQUAL (buf_append (b, param, plen), 0);
  CU_ASSERT_EQUAL (tlv_end (b, m2), 0);
  CU_ASSERT_EQUAL (tlv_put (b, 0x04, inner->data, inner->len), 0);
  CU_ASSERT_EQUAL (tlv_end (b, m), 0);
}

static void
test_privkey_rsa (void)
{
  buf_t b = BUF_INIT, w = BUF_INIT;
  der_privkey_t k;
  size_t i;

  put_rsa (&b, 0, 8);
  CU_ASSERT_EQUAL_FATAL (der_privkey_parse (b.data, b.len, &k), 0);
  CU_ASSERT_EQUAL (k.kind, DER_KEY_RSA);
  CU_ASSERT_FALSE (k.pkcs8);
  CU_ASSERT_EQUAL (k.n.value[0], 0x11);
  CU_ASSERT_EQUAL (k.e.value[0], 0x12);
  CU_ASSERT_EQUAL (k.d.value[0], 0x13);
  CU_ASSERT_EQUAL (k.p.value[0], 0x14);
  CU_ASSERT_EQUAL (k.q.value[0], 0x15);
  /* Every truncation is refused. */
  for (i = 0; i < b.len; i++)
    CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (b.data, i, &k)),
                     GPG_ERR_INV_DATA);
  put_pkcs8 (&w, der_oid_rsa, sizeof der_oid_rsa, P ("\x05\x00"), &b);
  CU_ASSERT_EQUAL_FATAL (der_privkey_parse (w.data, w.len, &k), 0);
  CU_ASSERT_EQUAL (k.kind, DER_KEY_RSA);
  CU_ASSERT_TRUE (k.pkcs8);
  CU_ASSERT_EQUAL (k.q.value[0], 0x15);
  for (i = 0; i < w.len; i++)
    CU_ASSERT_NOT_EQUAL (der_privkey_parse (w.data, i, &k), 0);
  /* Wrong version, a missing INTEGER. */
  buf_clear (&b);
  put_rsa (&b, 2, 8);
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (b.data, b.len, &k)),
                   GPG_ERR_INV_DATA);
  buf_clear (&b);
  put_rsa (&b, 0, 4);
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (b.data, b.len, &k)),
                   GPG_ERR_INV_DATA);
  CU_ASSERT_EQUAL (k.kind, DER_KEY_NONE);
  /* An unknown algorithm in PKCS #8. */
  buf_clear (&b);
  put_rsa (&b, 0, 8);
  buf_clear (&w);
  put_pkcs8 (&w, der_oid_x25519, sizeof der_oid_x25519, NULL, 0, &b);
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (w.data, w.len, &k)),
                   GPG_ERR_PUBKEY_ALGO);
  /* Not a SEQUENCE, the indefinite length. */
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (P ("\x31\x03\x02\x01\x00"),
                                                    &k)), GPG_ERR_INV_DATA);
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse
                                 (P ("\x30\x80\x02\x01\x00\x00\x00"), &k)),
                   GPG_ERR_INV_DATA);
  buf_free (&b);
  buf_free (&w);
}

static void
test_privkey_ec (void)
{
  buf_t b = BUF_INIT, w = BUF_INIT;
  der_privkey_t k;
  uint8_t d[32], q[65];
  size_t i, n;

  memset (d, 0x5A, sizeof d);
  memset (q, 0x33, sizeof q);
  q[0] = 4;
  CU_ASSERT_EQUAL_FATAL (der_put_ec_private (&b, DER_CURVE_P256, d, sizeof d,
                                             q, sizeof q), 0);
  /* 30 len 02 01 01 04 20 d A0 0A 06 08 oid A1 44 03 42 00 q */
  CU_ASSERT_EQUAL (b.len, 2 + 3 + 34 + 12 + 70);
  CU_ASSERT_EQUAL (memcmp (b.data, "\x30\x77\x02\x01\x01\x04\x20", 7), 0);
  CU_ASSERT_EQUAL (memcmp (b.data + 39, "\xA0\x0A\x06\x08", 4), 0);
  CU_ASSERT_EQUAL (memcmp (b.data + 51, "\xA1\x44\x03\x42\x00\x04", 6), 0);
  CU_ASSERT_EQUAL_FATAL (der_privkey_parse (b.data, b.len, &k), 0);
  CU_ASSERT_EQUAL (k.kind, DER_KEY_EC);
  CU_ASSERT_EQUAL (k.priv.len, 32);
  CU_ASSERT_EQUAL (memcmp (k.priv.value, d, 32), 0);
  CU_ASSERT_TRUE (k.has_key_curve);
  CU_ASSERT_FALSE (k.has_alg_curve);
  CU_ASSERT_EQUAL (der_curve (&k.key_curve), DER_CURVE_P256);
  for (i = 0; i < b.len; i++)
    CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (b.data, i, &k)),
                     GPG_ERR_INV_DATA);
  /* In PKCS #8 with the curve as the algorithm's parameter. */
  put_pkcs8 (&w, der_oid_ec, sizeof der_oid_ec,
             P ("\x06\x05\x2B\x81\x04\x00\x22"), &b);
  CU_ASSERT_EQUAL_FATAL (der_privkey_parse (w.data, w.len, &k), 0);
  CU_ASSERT_EQUAL (k.kind, DER_KEY_EC);
  CU_ASSERT_TRUE (k.pkcs8);
  CU_ASSERT_TRUE (k.has_alg_curve);
  CU_ASSERT_EQUAL (der_curve (&k.alg_curve), DER_CURVE_P384);
  CU_ASSERT_EQUAL (der_curve (&k.key_curve), DER_CURVE_P256);
  /* Wrong version (2), an empty private key. */
  n = b.len;
  b.data[4] = 2;
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (b.data, n, &k)),
                   GPG_ERR_INV_DATA);
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse
                                 (P ("\x30\x05\x02\x01\x01\x04\x00"), &k)),
                   GPG_ERR_INV_DATA);
  /* Without parameters: parsed, no curve. */
  CU_ASSERT_EQUAL (der_privkey_parse (P ("\x30\x06\x02\x01\x01\x04\x01\x07"),
                                      &k), 0);
  CU_ASSERT_FALSE (k.has_key_curve);
  CU_ASSERT_EQUAL (gpg_err_code (der_put_ec_private (&b, DER_CURVE_NONE, d,
                                                     32, q, 65)),
                   GPG_ERR_UNKNOWN_CURVE);
  buf_free (&b);
  buf_free (&w);
}

static void
test_privkey_ed25519 (void)
{
  buf_t in = BUF_INIT, w = BUF_INIT;
  der_privkey_t k;
  uint8_t seed[32];

  memset (seed, 0x42, sizeof seed);
  CU_ASSERT_EQUAL (tlv_put (&in, 0x04, seed, sizeof seed), 0);
  put_pkcs8 (&w, der_oid_ed25519, sizeof der_oid_ed25519, NULL, 0, &in);
  CU_ASSERT_EQUAL_FATAL (der_privkey_parse (w.data, w.len, &k), 0);
  CU_ASSERT_EQUAL (k.kind, DER_KEY_ED25519);
  CU_ASSERT_EQUAL (k.priv.len, 32);
  CU_ASSERT_EQUAL (memcmp (k.priv.value, seed, 32), 0);
  /* A 31-byte seed is refused. */
  buf_clear (&in);
  buf_clear (&w);
  CU_ASSERT_EQUAL (tlv_put (&in, 0x04, seed, 31), 0);
  put_pkcs8 (&w, der_oid_ed25519, sizeof der_oid_ed25519, NULL, 0, &in);
  CU_ASSERT_EQUAL (gpg_err_code (der_privkey_parse (w.data, w.len, &k)),
                   GPG_ERR_INV_DATA);
  buf_free (&in);
  buf_free (&w);
}

/* ---- PKCS #15 directory walkers (common/pkcs15.c) ---- */

static char walk_log[256];

static gpg_error_t
walk_df (void *ctx, unsigned kind, const uint8_t *path, size_t len)
{
  size_t i, o = strlen (walk_log);
  (void)ctx;
  o += (size_t)snprintf (walk_log + o, sizeof walk_log - o, "%02X:", kind);
  for (i = 0; i < len && o + 3 < sizeof walk_log; i++)
    o += (size_t)snprintf (walk_log + o, sizeof walk_log - o, "%02X",
                           path[i]);
  snprintf (walk_log + o, sizeof walk_log - o, " ");
  return *(int *)ctx && kind == 0xA4 ? gpg_error (GPG_ERR_CANCELED) : 0;
}

static gpg_error_t
walk_obj (void *ctx, const tlv_t *obj)
{
  size_t o = strlen (walk_log);
  (void)ctx;
  snprintf (walk_log + o, sizeof walk_log - o, "%02X/%zu ", obj->tag,
            obj->len);
  return obj->tag == 0x31 ? gpg_error (GPG_ERR_CANCELED) : 0;
}

static void
test_pkcs15_walk (void)
{
  /* ODF: padding, CDF 4401, a PrKDF whose Path is nested one level
   * deeper, an entry without a path, an odd-length path, AODF 4403. */
  static const uint8_t odf[] = {
    0x00, 0xFF,
    0xA4, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44, 0x01,
    0xA0, 0x08, 0xA0, 0x06, 0x30, 0x04, 0x04, 0x02, 0x44, 0x02,
    0xA5, 0x02, 0x05, 0x00,
    0xA7, 0x07, 0x30, 0x05, 0x04, 0x03, 0x44, 0x05, 0x06,
    0xA8, 0x08, 0x30, 0x06, 0x04, 0x04, 0x3F, 0x00, 0x44, 0x03,
    0x00, 0x00
  };
  static const unsigned order[] = { 0xA8, 0xA0, 0xA4, 0xA5, 0xA7 };
  /* A directory file: two objects, a primitive one, padding. */
  static const uint8_t df[] = {
    0x30, 0x02, 0x05, 0x00, 0x04, 0x01, 0x00, 0xFF, 0x00,
    0xA1, 0x03, 0x30, 0x01, 0x00, 0x31, 0x00, 0x30, 0x00
  };
  const uint8_t *path;
  size_t len;
  int stop = 0;

  walk_log[0] = 0;
  CU_ASSERT_EQUAL (pkcs15_each_df (odf, sizeof odf, order, DIM (order),
                                   walk_df, &stop), 0);
  CU_ASSERT_STRING_EQUAL (walk_log, "A8:3F004403 A0:4402 A4:4401 ");
  /* Kinds not in the order are passed over; an error ends the walk. */
  walk_log[0] = 0;
  stop = 1;
  CU_ASSERT_EQUAL (gpg_err_code (pkcs15_each_df (odf, sizeof odf, order + 2,
                                                 3, walk_df, &stop)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_STRING_EQUAL (walk_log, "A4:4401 ");
  walk_log[0] = 0;
  CU_ASSERT_EQUAL (gpg_err_code (pkcs15_each_object (df, sizeof df,
                                                     walk_obj, NULL)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_STRING_EQUAL (walk_log, "30/2 A1/3 31/0 ");
  /* A truncated file ends the walk quietly. */
  walk_log[0] = 0;
  CU_ASSERT_EQUAL (pkcs15_each_object (df, 7, walk_obj, NULL), 0);
  CU_ASSERT_STRING_EQUAL (walk_log, "30/2 ");
  CU_ASSERT (!pkcs15_find_path (df, sizeof df, &path, &len));
  CU_ASSERT (pkcs15_find_path (odf + 2, sizeof odf - 2, &path, &len));
  CU_ASSERT_EQUAL (len, 2);
  CU_ASSERT_EQUAL (path[1], 0x01);
}

static const cutest_t tests[] = {
  CUTEST (test_read),
  CUTEST (test_children),
  CUTEST (test_oids),
  CUTEST (test_bits),
  CUTEST (test_put_uint),
  CUTEST (test_privkey_rsa),
  CUTEST (test_privkey_ec),
  CUTEST (test_privkey_ed25519),
  CUTEST (test_pkcs15_walk),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("der", tests, NULL, NULL);
}
