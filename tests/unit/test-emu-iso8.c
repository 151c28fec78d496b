/* test-emu-iso8.c - the file-system card's key operations through
 * emu_card_apdu: key import into an internal EF (CREATE FILE FDB 09,
 * UPDATE BINARY of the DER), never readable, MSE SET / RESTORE, PSO
 * COMPUTE DIGITAL SIGNATURE and DECIPHER, INTERNAL AUTHENTICATE, the
 * IsoApplet SELECT answer, the key DER codec, key files in profiles and
 * from a VSC image (vscemu --vsc). Results are checked with libgcrypt
 * against the key's public part. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <gcrypt.h>

#include "emu-helper.h"
#include "common/tlv.h"
#include "emu/emu-crypto.h"
#include "emu/emu-image.h"
#include "emu/emu-int.h"
#include "image/image.h"

#include "lsan-gcrypt.h"
#include "rsa-bad.h"

static emu_key_t rsa, ecc;
static buf_t rsa_der, ecc_der;

static int
suite_init (void)
{
  memset (&rsa, 0, sizeof rsa);
  memset (&ecc, 0, sizeof ecc);
  buf_init_secure (&rsa_der);
  buf_init_secure (&ecc_der);
  if (emu_crypto_generate (&rsa, EMU_KEY_RSA, 2048)
      || emu_crypto_generate (&ecc, EMU_KEY_NISTP256, 0)
      || emu_crypto_der_save (&rsa, &rsa_der)
      || emu_crypto_der_save (&ecc, &ecc_der))
    return 1;
  return 0;
}

static int
suite_cleanup (void)
{
  emu_crypto_key_free (&rsa);
  emu_crypto_key_free (&ecc);
  buf_free (&rsa_der);
  buf_free (&ecc_der);
  emu_card_free (card);
  card = NULL;
  return 0;
}

/* Send a command with a hex header and binary data (short, or chained
 * in pieces of 255 when CHAIN). */
static unsigned
tx_data (const char *hdr, const uint8_t *p, size_t n, bool le, bool chain)
{
  uint8_t apdu[300];
  buf_t h = BUF_INIT;
  size_t off = 0;

  hex_decode (hdr, &h);
  do
    {
      size_t k = n - off > 255 ? 255 : n - off;
      bool more = chain && off + k < n;
      size_t len = 0;
      if (!chain && n > 255)
        abort ();
      memcpy (apdu, h.data, 4);
      if (more)
        apdu[0] |= 0x10;
      len = 4;
      apdu[len++] = (uint8_t)k;
      memcpy (apdu + len, p + off, k);
      len += k;
      if (le && !more)
        apdu[len++] = 0x00;
      txb (apdu, len);
      off += k;
      if (more && sw != 0x9000)
        break;
    }
  while (off < n);
  buf_free (&h);
  return sw;
}

/* A blank card (blank.card: PIN 1 = 123456), a DF 5015 and a key file
 * 3001 with KEY imported by UPDATE BINARY, then activated. */
static void
import_key (const buf_t *der)
{
  char hex[64];
  size_t off;

  emu_card_free (card);
  card = load_card ("blank.card");
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 13 62 11 82 01 38 83 02 50 15 8C 08 "
                       "7F 00 FF 00 00 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x9000);
  /* Internal EF, read (use) and update after PIN 1, in initialisation
   * state for the import. */
  snprintf (hex, sizeof hex, "%04X", (unsigned)der->len);
  {
    char cmd[200];
    snprintf (cmd, sizeof cmd, "00 E0 00 00 1A 62 18 82 01 09 83 02 30 01 "
              "80 02 %s 8A 01 03 8C 08 7F 11 FF 11 11 11 11 11", hex);
    CU_ASSERT_EQUAL (tx (cmd), 0x9000);
  }
  for (off = 0; off < der->len; off += 200)
    {
      uint8_t apdu[210];
      size_t k = der->len - off > 200 ? 200 : der->len - off;
      apdu[0] = 0x00;
      apdu[1] = 0xD6;
      apdu[2] = (uint8_t)(off >> 8);
      apdu[3] = (uint8_t)off;
      apdu[4] = (uint8_t)k;
      memcpy (apdu + 5, der->data + off, k);
      CU_ASSERT_EQUAL (txb (apdu, 5 + k), 0x9000);
    }
  CU_ASSERT_EQUAL (tx ("00 44 00 00"), 0x9000);           /* ACTIVATE */
}

/* Verify an RSA PKCS#1 v1.5 SHA-256 signature with KEY's public part. */
static bool
verify_rsa (const emu_key_t *key, const uint8_t *hash, const uint8_t *sig,
            size_t n)
{
  buf_t a = BUF_INIT, b = BUF_INIT;
  gcry_sexp_t pk = NULL, data = NULL, s = NULL;
  bool ok;

  emu_crypto_public (key, &a, &b);
  ok = !gcry_sexp_build (&pk, NULL, "(public-key(rsa(n%b)(e%b)))",
                         (int)a.len, a.data, (int)b.len, b.data)
    && !gcry_sexp_build (&data, NULL,
                         "(data(flags pkcs1)(hash sha256 %b))", 32, hash)
    && !gcry_sexp_build (&s, NULL, "(sig-val(rsa(s%b)))", (int)n, sig)
    && !gcry_pk_verify (s, data, pk);
  gcry_sexp_release (pk);
  gcry_sexp_release (data);
  gcry_sexp_release (s);
  buf_free (&a);
  buf_free (&b);
  return ok;
}

/* Verify a DER ECDSA signature over HASH (N bytes) with P-256 KEY. */
static bool
verify_ecdsa (const emu_key_t *key, const uint8_t *hash, size_t hn,
              const uint8_t *der, size_t n)
{
  buf_t q = BUF_INIT;
  gcry_sexp_t pk = NULL, data = NULL, s = NULL;
  tlv_t seq, r, ss;
  tlv_iter_t it;
  bool ok = false;

  emu_crypto_public (key, &q, &q);
  if (tlv_parse (der, n, &seq, NULL) || seq.tag != 0x30 || seq.raw_len != n)
    goto leave;
  tlv_iter_init (&it, seq.value, seq.len, 0);
  if (tlv_iter_next (&it, &r) || tlv_iter_next (&it, &ss))
    goto leave;
  ok = !gcry_sexp_build (&pk, NULL, "(public-key(ecc(curve \"NIST P-256\")"
                         "(q%b)))", (int)q.len, q.data)
    && !gcry_sexp_build (&data, NULL, "(data(flags raw)(value%b))", (int)hn,
                         hash)
    && !gcry_sexp_build (&s, NULL, "(sig-val(ecdsa(r%b)(s%b)))",
                         (int)r.len, r.value, (int)ss.len, ss.value)
    && !gcry_pk_verify (s, data, pk);
 leave:
  gcry_sexp_release (pk);
  gcry_sexp_release (data);
  gcry_sexp_release (s);
  buf_free (&q);
  return ok;
}

static const uint8_t di_sha256[19] = {
  0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
  0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
};

static void
test_import_and_sign (void)
{
  uint8_t hash[32], di[51];

  import_key (&rsa_der);
  /* Selecting the key file shows an internal EF; it is never read. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 30 01 00"), 0x9000);
  CU_ASSERT (data_has ("82 01 09"));
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6981);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6981);
  CU_ASSERT_EQUAL (tx ("00 20 FF 01"), 0x9000);            /* forget PIN */

  gcry_md_hash_buffer (GCRY_MD_SHA256, hash, "hello", 5);
  memcpy (di, di_sha256, sizeof di_sha256);
  memcpy (di + 19, hash, 32);
  /* No environment yet. */
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x6985);
  /* As OpenSC's isoApplet driver sets it: algorithm 11, file 3001,
   * key reference 01. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 0A 80 01 11 81 02 30 01 84 01 01"),
                   0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x6982);                         /* the PIN first */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x9000);
  CU_ASSERT_EQUAL (dlen, 256);
  CU_ASSERT (verify_rsa (&rsa, hash, resp, dlen));
  /* A decipher is not what the environment is for. */
  {
    uint8_t c[257];
    memset (c, 0, sizeof c);
    CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", c, sizeof c, true, true),
                     0x6985);
  }
  /* Only the key reference: the internal EF 3001 of the current DF. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 03 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x9000);
  /* Raw RSA (algorithm 00) needs the whole block. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 06 80 01 00 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x6A80);
  /* Errors of MSE. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 03 84 01 07"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 04 81 02 50 31"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 06 80 01 33 84 01 01"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 22 42 B6 03 84 01 01"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 22 41 B7 03 84 01 01"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 04 84 02 01 02"), 0x6A80);
  /* RESTORE gives back the empty environment. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 03 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 22 F3 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x6985);
  /* Power off drops the environment too. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 03 84 01 01"), 0x9000);
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x6985);
  /* A path from the MF as the file reference. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 09 80 01 11 81 04 50 15 30 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x9000);
  /* INTERNAL AUTHENTICATE with an authentication environment. */
  CU_ASSERT_EQUAL (tx ("00 22 41 A4 09 80 01 11 81 04 50 15 30 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 88 00 00", di, sizeof di, true, false),
                   0x9000);
  CU_ASSERT (verify_rsa (&rsa, hash, resp, dlen));
  /* Unsupported PSO functions. */
  CU_ASSERT_EQUAL (tx ("00 2A 86 80 02 00 01"), 0x6A81);
  CU_ASSERT_EQUAL (tx ("00 2A 9E 9B 02 00 01"), 0x6A86);
}

static void
test_decipher (void)
{
  buf_t n = BUF_INIT, e = BUF_INIT;
  gcry_sexp_t pk = NULL, data = NULL, enc = NULL, t = NULL;
  const char *cv;
  size_t clen;
  uint8_t in[257], plain[] = "the session key 0123456789abcdef";

  import_key (&rsa_der);
  emu_crypto_public (&rsa, &n, &e);
  CU_ASSERT_FATAL (!gcry_sexp_build (&pk, NULL, "(public-key(rsa(n%b)(e%b)))",
                                     (int)n.len, n.data, (int)e.len, e.data));
  CU_ASSERT_FATAL (!gcry_sexp_build (&data, NULL, "(data(flags pkcs1)"
                                     "(value%b))", (int)sizeof plain - 1,
                                     plain));
  CU_ASSERT_FATAL (!gcry_pk_encrypt (&enc, data, pk));
  t = gcry_sexp_find_token (enc, "a", 0);
  cv = gcry_sexp_nth_data (t, 1, &clen);
  CU_ASSERT_FATAL (cv && clen <= 256);
  memset (in, 0, sizeof in);
  memcpy (in + 1 + 256 - clen, cv, clen);     /* 00, then 256 bytes */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 22 41 B8 0A 80 01 11 81 02 30 01 84 01 01"),
                   0x9000);
  /* 257 bytes: command chaining. */
  CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", in, sizeof in, true, true),
                   0x9000);
  CU_ASSERT (dlen == sizeof plain - 1 && !memcmp (resp, plain, dlen));
  /* Algorithm 00: the whole block, padding included. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B8 06 80 01 00 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", in, sizeof in, true, true),
                   0x9000);
  CU_ASSERT (dlen == 256 && resp[0] == 0x00 && resp[1] == 0x02
             && !memcmp (resp + 256 - (sizeof plain - 1), plain,
                         sizeof plain - 1));
  /* Wrong padding indicator; a cryptogram that does not decrypt
   * (rsa-bad.h). */
  CU_ASSERT_EQUAL (tx ("00 22 41 B8 03 84 01 01"), 0x9000);
  in[0] = 0x01;
  CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", in, sizeof in, true, true),
                   0x6A80);
  in[0] = 0x00;
  CU_ASSERT_FATAL (rsa_bad_cryptogram (pk, plain, sizeof plain - 1,
                                       in + 1));
  CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", in, sizeof in, true, true),
                   0x6A80);
  /* The same cryptogram with algorithm 00 gives the block back. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B8 06 80 01 00 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", in, sizeof in, true, true),
                   0x9000);
  CU_ASSERT (dlen == 256 && resp[0] == 0x00 && resp[1] == 0x01
             && resp[2] == 0xFF);
  gcry_sexp_release (pk);
  gcry_sexp_release (data);
  gcry_sexp_release (enc);
  gcry_sexp_release (t);
  buf_free (&n);
  buf_free (&e);
}

static void
test_ecdsa (void)
{
  uint8_t hash[32], h1[20];

  import_key (&ecc_der);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  gcry_md_hash_buffer (GCRY_MD_SHA256, hash, "hello", 5);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 06 80 01 22 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", hash, 32, true, false), 0x9000);
  CU_ASSERT (verify_ecdsa (&ecc, hash, 32, resp, dlen));
  /* Without an algorithm: the same. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 03 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", hash, 32, true, false), 0x9000);
  CU_ASSERT (verify_ecdsa (&ecc, hash, 32, resp, dlen));
  /* Algorithm 21: the card hashes with SHA-1 (OpenSC's isoApplet). */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 06 80 01 21 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", (const uint8_t *)"hello", 5,
                            true, false), 0x9000);
  gcry_md_hash_buffer (GCRY_MD_SHA1, h1, "hello", 5);
  CU_ASSERT (verify_ecdsa (&ecc, h1, 20, resp, dlen));
  CU_ASSERT (!verify_ecdsa (&ecc, hash, 32, resp, dlen));
  /* RSA padding with an EC key; decipher with an EC key. */
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 06 80 01 11 84 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", hash, 32, true, false), 0x6985);
  CU_ASSERT_EQUAL (tx ("00 22 41 B8 03 84 01 01"), 0x9000);
  {
    uint8_t c[33];
    c[0] = 0x00;
    memcpy (c + 1, hash, 32);
    CU_ASSERT_EQUAL (tx_data ("00 2A 80 86", c, 33, true, false), 0x6985);
  }
}

/* The DER a key file holds: PKCS #1, SEC 1, PKCS #8; bad ones refused. */
static void
test_key_der (void)
{
  emu_key_t k;
  buf_t a = BUF_INIT, b = BUF_INIT, x = BUF_INIT, y = BUF_INIT, p8 = BUF_INIT;
  size_t m1, m2;
  static const uint8_t rsa_oid[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D,
                                     0x01, 0x01, 0x01 };

  memset (&k, 0, sizeof k);
  CU_ASSERT (!emu_crypto_der_load (&k, rsa_der.data, rsa_der.len));
  CU_ASSERT (k.type == EMU_KEY_RSA && k.bits == 2048);
  emu_crypto_public (&k, &a, &b);
  emu_crypto_public (&rsa, &x, &y);
  CU_ASSERT (a.len == x.len && !memcmp (a.data, x.data, a.len));
  CU_ASSERT (!emu_crypto_der_load (&k, ecc_der.data, ecc_der.len));
  CU_ASSERT (k.type == EMU_KEY_NISTP256);
  buf_clear (&a);
  buf_clear (&x);
  emu_crypto_public (&k, &a, &a);
  emu_crypto_public (&ecc, &x, &x);
  CU_ASSERT (a.len == 65 && a.len == x.len && !memcmp (a.data, x.data, 65));
  /* PKCS #8 around PKCS #1. */
  tlv_begin (&p8, 0x30, &m1);
  tlv_put_u8 (&p8, 0x02, 0);
  tlv_begin (&p8, 0x30, &m2);
  tlv_put (&p8, 0x06, rsa_oid, sizeof rsa_oid);
  tlv_put (&p8, 0x05, NULL, 0);
  tlv_end (&p8, m2);
  tlv_put (&p8, 0x04, rsa_der.data, rsa_der.len);
  tlv_end (&p8, m1);
  CU_ASSERT (!emu_crypto_der_load (&k, p8.data, p8.len));
  CU_ASSERT (k.type == EMU_KEY_RSA);
  /* Broken: truncated, trailing bytes, a modulus that does not match. */
  CU_ASSERT (emu_crypto_der_load (&k, rsa_der.data, rsa_der.len - 1));
  CU_ASSERT (k.sexp == NULL);
  buf_set (&x, rsa_der.data, rsa_der.len);
  buf_append_byte (&x, 0);
  CU_ASSERT (emu_crypto_der_load (&k, x.data, x.len));
  buf_set (&x, rsa_der.data, rsa_der.len);
  x.data[20] ^= 1;            /* inside n */
  CU_ASSERT (emu_crypto_der_load (&k, x.data, x.len));
  CU_ASSERT (emu_crypto_der_load (&k, (const uint8_t *)"\x30\x00", 2));
  emu_crypto_key_free (&k);
  buf_free (&a);
  buf_free (&b);
  buf_free (&x);
  buf_free (&y);
  buf_free (&p8);
}

/* Key files in profiles (and state files), and the IsoApplet answer. */
static void
test_profile (void)
{
  buf_t text = BUF_INIT;
  char *state = NULL;
  emu_card_t *c2 = NULL;
  uint8_t di[51];

  buf_append (&text, "atr 3B8C800180730000C056767363656D7573\n"
              "isoapplet yes\n"
              "pin 0x01 value=123456 min=4 max=8\n"
              "df 3F00/5015\n"
              "ef 3F00/5015/4B01 internal read=pin:1 update=pin:1 "
              "content=", strlen ("atr 3B8C800180730000C056767363656D7573\n"
                                  "isoapplet yes\n"
                                  "pin 0x01 value=123456 min=4 max=8\n"
                                  "df 3F00/5015\n"
                                  "ef 3F00/5015/4B01 internal read=pin:1 "
                                  "update=pin:1 content="));
  hex_append (&text, rsa_der.data, rsa_der.len, 0);
  buf_append (&text, "\n", 2);
  emu_card_free (card);
  CU_ASSERT_FATAL (!load_text ((const char *)text.data, &card));
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 0C F2 76 A2 88 BC FB A6 9D 34 F3 10 01 00"),
                   0x9000);
  CU_ASSERT (dlen == 3 && resp[0] == 0x00 && resp[1] == 0x06);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4B 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6981);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 0A 80 01 11 81 02 4B 01 84 01 01"),
                   0x9000);
  memcpy (di, di_sha256, sizeof di_sha256);
  memset (di + 19, 0x42, 32);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", di, sizeof di, true, false),
                   0x9000);
  /* The state file keeps the key file and the directive. */
  state = xtrystrdup ("/tmp/test-emu-iso8-XXXXXX");
  {
    int fd = mkstemp (state);
    close (fd);
  }
  CU_ASSERT (!emu_profile_save (card, state));
  CU_ASSERT (!emu_card_load (state, &c2));
  unlink (state);
  xfree (state);
  emu_card_free (card);
  card = c2;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 0C F2 76 A2 88 BC FB A6 9D 34 F3 10 01 00"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 04 04 50 15 4B 01 00"), 0x9000);
  CU_ASSERT (data_has ("82 01 09"));
  /* Without the directive the AID is unknown. */
  emu_card_free (card);
  card = load_card ("blank.card");
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 0C F2 76 A2 88 BC FB A6 9D 34 F3 10 01 00"),
                   0x6A82);
  buf_free (&text);
}

/* vscemu --vsc: an escrowed key with the FID of its key file becomes
 * that file; its placeholder EF gives way; nothing of it goes back. */
static void
test_image (void)
{
  image_t *im = NULL, *back = NULL;
  image_node_t *n;
  buf_t sexp;
  uint8_t hash[32];
  unsigned skipped = 0;
  size_t len;

  buf_init_secure (&sexp);
  len = gcry_sexp_sprint (ecc.sexp, GCRYSEXP_FMT_CANON, NULL, 0);
  buf_reserve (&sexp, len);
  sexp.len = gcry_sexp_sprint (ecc.sexp, GCRYSEXP_FMT_CANON, sexp.data, len);
  CU_ASSERT_FATAL (!image_new (&im));
  CU_ASSERT_FATAL (!image_make_path (im, "3F00/5015/4B01",
                                     IMAGE_NODE_EF_TRANSPARENT,
                                     IMAGE_SRC_USER, &n));
  image_node_set_content (n, "\0\0\0\0", 4);
  CU_ASSERT_FATAL (!image_make_path (im, "3F00/5015/key-45", IMAGE_NODE_KEY,
                                     IMAGE_SRC_USER, &n));
  image_node_set_content (n, sexp.data, sexp.len);
  n->has_fid = true;
  n->fid = 0x4B01;
  n->area = IMAGE_AREA_SECRET_KEY;
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_card (im, "123456", &card, &skipped));
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 0C F2 76 A2 88 BC FB A6 9D 34 F3 10 01 00"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 04 04 50 15 4B 01 00"), 0x9000);
  CU_ASSERT (data_has ("82 01 09"));
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6981);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 04 81 02 4B 01"), 0x9000);
  gcry_md_hash_buffer (GCRY_MD_SHA256, hash, "stand-in", 8);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", hash, 32, true, false), 0x9000);
  CU_ASSERT (verify_ecdsa (&ecc, hash, 32, resp, dlen));
  /* Back to an image: no node gets the key's DER. */
  CU_ASSERT_FATAL (!image_new (&back));
  CU_ASSERT (!emu_image_sync (card, back));
  n = image_find_path (back, "3F00/5015/4B01");
  CU_ASSERT (n == NULL);
  CU_ASSERT (image_find_path (back, "3F00/5015") != NULL);
  image_free (back);
  image_free (im);
  buf_free (&sexp);
}

static const cutest_t tests[] = {
  CUTEST (test_import_and_sign),
  CUTEST (test_decipher),
  CUTEST (test_ecdsa),
  CUTEST (test_key_der),
  CUTEST (test_profile),
  CUTEST (test_image),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-iso8", tests, suite_init, suite_cleanup);
}
