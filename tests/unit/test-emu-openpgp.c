/* test-emu-openpgp.c - the OpenPGP card 3.4 applet driven through
 * emu_card_apdu: data objects and their access rules, passwords and
 * counters, attributes, key import / generation, PSO:CDS, DECIPHER,
 * INTERNAL AUTHENTICATE (checked with libgcrypt), certificates,
 * TERMINATE / ACTIVATE, persistence and malformed input */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "emu-apps-helper.h"
#include "rsa-bad.h"

static int
setup (void)
{
  return 0;
}

static int
teardown (void)
{
  emu_card_free (card);
  card = NULL;
  return 0;
}

static void
open_text (const char *applet_line)
{
  char text[4096];
  emu_card_t *c = NULL;

  snprintf (text, sizeof text, APPS_ATR "%s\n", applet_line);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text (text, &c), 0);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
}

static void
open_blank (void)
{
  open_text ("applet openpgp serial=00001234");
}

#define PW1 "31 32 33 34 35 36"
#define PW3 "31 32 33 34 35 36 37 38"

static void
test_select_and_aid (void)
{
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 06 D2 76 00 01 24 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 4F 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 16);
  CU_ASSERT (data_has ("D2 76 00 01 24 01 03 04 FF FF 00 00 12 34 00 00"));
  /* A SELECT of nothing we know while the applet is current. */
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 99 99"), 0x6A82);
  /* Profile refuses nonsense. */
  {
    emu_card_t *c = NULL;
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet openpgp bogus=1\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet openpgp serial=12\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet openpgp pw1=123\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet openpgp key-sig=rsa2048,01,02,03\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet openpgp key-dec=ed25519,gen\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet openpgp key-sig=nistp256,zz\n", &c), 0);
    emu_card_free (c);
  }
}

static void
test_get_data (void)
{
  open_text ("applet openpgp name=Doe<<Jane lang=en sex=2 url=https://x.example "
             "login=jane uif=yes sigcount=7");
  CU_ASSERT_EQUAL (tx ("00 CA 00 65 00"), 0x9000);
  CU_ASSERT (data_has ("5B 09 44 6F 65 3C 3C 4A 61 6E 65"));
  CU_ASSERT (data_has ("5F 2D 02 65 6E") && data_has ("5F 35 01 32"));
  CU_ASSERT_EQUAL (tx ("00 CA 5F 50 00"), 0x9000);
  CU_ASSERT (data_is ("https://x.example"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 5E 00"), 0x9000);
  CU_ASSERT (data_is ("jane"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 6E 00"), 0x9000);
  CU_ASSERT (data_has ("5F 52 08 00 73 00 00 E0 05 90 00"));
  CU_ASSERT (data_has ("C0 0A 7D"));
  CU_ASSERT (data_has ("C1 06 01 08 00 00 20 00"));
  CU_ASSERT (data_has ("C4 07 00 7F 7F 7F 03 00 03"));
  CU_ASSERT (data_has ("DE 06 01 00 02 00 03 00"));
  CU_ASSERT (data_has ("7F 74 03 81 01 20"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 7A 00"), 0x9000);
  CU_ASSERT (data_has ("7A 05 93 03 00 00 07"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 C4 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 7);
  CU_ASSERT_EQUAL (tx ("00 CA 7F 66 00"), 0x9000);
  CU_ASSERT (data_has ("02 02 0C 00 02 02 0C 00"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 F9 00"), 0x9000);
  CU_ASSERT (data_has ("81 01 00"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 D6 00"), 0x9000);
  CU_ASSERT (data_has ("00 20"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 FA 00"), 0x9000);
  CU_ASSERT (data_has ("C2 0B 12 2B 06 01 04 01 97 55 01 05 01"));  /* cv25519 */
  CU_ASSERT (data_has ("C1 0A 16 2B 06 01 04 01 DA 47 0F 01"));     /* ed25519 */
  CU_ASSERT_EQUAL (tx ("00 CA 00 C1 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 01 01 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 0);
  CU_ASSERT_EQUAL (tx ("00 CA 12 34 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 00"), 0x6A81);
  CU_ASSERT_EQUAL (tx ("00 CB 12 34 00"), 0x6A86);
  /* Short Le: the long 6E answer comes with 61xx when cut. */
  CU_ASSERT_EQUAL (tx ("00 CA 00 6E 10") & 0xFF00, 0x6100);
  CU_ASSERT_EQUAL (dlen, 16);
}

static void
test_verify (void)
{
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 20 00 81"), 0x63C3);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 06 31 31 31 31 31 31"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 82"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 81"), 0x63C3);   /* 81 is separate */
  CU_ASSERT_EQUAL (tx ("00 20 FF 82"), 0x9000);    /* reset status */
  CU_ASSERT_EQUAL (tx ("00 20 00 82"), 0x63C3);
  CU_ASSERT_EQUAL (tx ("00 20 00 84 06 " PW1), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 20 01 81 06 " PW1), 0x6A86);
  /* Wrong PW3 three times blocks it; even the right one then fails. */
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 31 31 31 31 31 31 31 31"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 31 31 31 31 31 31 31 31"), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 31 31 31 31 31 31 31 31"), 0x63C0);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x6983);
  CU_ASSERT_EQUAL (tx ("00 CA 00 C4 00"), 0x9000);
  CU_ASSERT (data_has ("03 00 00"));
  /* Power off drops the verification. */
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82"), 0x63C3);
}

static void
test_change_and_reset (void)
{
  open_blank ();
  /* CHANGE PW1: old || new. */
  CU_ASSERT_EQUAL (tx ("00 24 00 81 0C " PW1 " 36 35 34 33 32 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 36 35 34 33 32 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 24 00 81 0C " PW1 " 36 35 34 33 32 31"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 24 00 81 08 36 35 34 33 32 31 31 31"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 24 00 82 0C " PW1 " 36 35 34 33 32 31"), 0x6A86);
  /* No resetting code yet: RESET RETRY COUNTER 00 is blocked. */
  CU_ASSERT_EQUAL (tx ("00 2C 00 81 0E 31 31 31 31 31 31 31 31 " PW1), 0x6983);
  CU_ASSERT_EQUAL (tx ("00 DA 00 D3 08 38 38 38 38 38 38 38 38"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 D3 08 38 38 38 38 38 38 38 38"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 D3 04 38 38 38 38"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 CA 00 C4 00"), 0x9000);
  CU_ASSERT (data_has ("7F 02 03 03"));
  CU_ASSERT_EQUAL (tx ("00 2C 00 81 0E 39 39 39 39 39 39 39 39 " PW1), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 2C 00 81 0E 38 38 38 38 38 38 38 38 " PW1), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  /* P1 02: new PW1 after PW3. */
  CU_ASSERT_EQUAL (tx ("00 2C 02 81 06 37 37 37 37 37 37"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 06 37 37 37 37 37 37"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 2C 02 81 03 37 37 37"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 2C 01 81 06 37 37 37 37 37 37"), 0x6A86);
  /* CHANGE PW3 to a too short value: refused, nothing changes. */
  CU_ASSERT_EQUAL (tx ("00 24 00 83 0A " PW3 " 31 32"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
}

static void
test_put_data_access (void)
{
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 DA 00 5B 04 41 3C 3C 42"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 DA 01 01 02 41 42"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 CA 01 03 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 01 01 02 41 42"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 01 03 02 43 44"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 01 03 00"), 0x9000);
  CU_ASSERT (data_is ("CD"));
  CU_ASSERT_EQUAL (tx ("00 DA 01 02 02 41 42"), 0x6982);   /* 0102: PW3 */
  CU_ASSERT_EQUAL (tx ("00 CA 01 04 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 DA 00 5B 04 41 3C 3C 42"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 5B 04 41 3C 3C 42"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 5B 00"), 0x9000);
  CU_ASSERT (data_is ("A<<B"));
  CU_ASSERT_EQUAL (tx ("00 DA 01 04 01 45"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 01 04 00"), 0x9000);
  CU_ASSERT (data_is ("E"));
  CU_ASSERT_EQUAL (tx ("00 DA 5F 35 02 31 32"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C7 14 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C7 03 01 02 03"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 DA 00 CE 04 65 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 6E 00"), 0x9000);
  CU_ASSERT (data_has ("C5 3C 01 02 03 04 05"));
  CU_ASSERT_EQUAL (tx ("00 DA 00 C4 01 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 C4 00"), 0x9000);
  CU_ASSERT (dlen == 7 && resp[0] == 1);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C4 01 05"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DA 12 34 01 05"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 DA 00 D6 02 01 20"), 0x6A88);   /* no UIF here */
  /* Attributes: nistp256 for SIG ok, cv25519 for SIG not, junk not. */
  CU_ASSERT_EQUAL (tx ("00 DA 00 C1 09 13 2A 86 48 CE 3D 03 01 07"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C1 0B 12 2B 06 01 04 01 97 55 01 05 01"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C2 0B 12 2B 06 01 04 01 97 55 01 05 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C1 06 01 04 00 00 20 00"), 0x6A80);  /* RSA 1024 */
  CU_ASSERT_EQUAL (tx ("00 DA 00 C3 06 01 10 00 00 20 00"), 0x9000);  /* RSA 4096 */
  CU_ASSERT_EQUAL (tx ("00 DA 00 C3 01 01"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 CA 00 C1 00"), 0x9000);
  CU_ASSERT (data_has ("13 2A 86 48 CE 3D 03 01 07"));
}

/* Build 4D import for SLOT CRT tag with RSA e,p,q from KP. */
static size_t
build_rsa_import (uint8_t *out, uint8_t crt, gcry_sexp_t kp)
{
  uint8_t e[8], p[300], q[300], body[1200];
  size_t el = key_part (kp, "e", e, sizeof e);
  size_t pl = key_part (kp, "p", p, sizeof p);
  size_t ql = key_part (kp, "q", q, sizeof q);
  size_t o = 0, h = 0, n;
  uint8_t hdr[32];

  hdr[h++] = 0x91; h += put_len (hdr + h, el);
  hdr[h++] = 0x92; h += put_len (hdr + h, pl);
  hdr[h++] = 0x93; h += put_len (hdr + h, ql);
  body[o++] = crt;
  body[o++] = 0x00;
  body[o++] = 0x7F;
  body[o++] = 0x48;
  o += put_len (body + o, h);
  memcpy (body + o, hdr, h);
  o += h;
  body[o++] = 0x5F;
  body[o++] = 0x48;
  o += put_len (body + o, el + pl + ql);
  memcpy (body + o, e, el); o += el;
  memcpy (body + o, p, pl); o += pl;
  memcpy (body + o, q, ql); o += ql;
  n = 0;
  out[n++] = 0x4D;
  n += put_len (out + n, o);
  memcpy (out + n, body, o);
  return n + o;
}

static void
test_import_rsa_and_sign (void)
{
  gcry_sexp_t kp = gen_key ("(genkey(rsa(nbits 4:2048)))");
  uint8_t imp[1300], nn[300], ee[8], hash[32], di[51];
  size_t il, nl, el;
  static const uint8_t prefix[19] = {
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
    0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
  };
  const uint8_t *m, *e;
  size_t ml, ell;
  uint8_t sig[256];

  open_blank ();
  il = build_rsa_import (imp, 0xB6, kp);
  CU_ASSERT_EQUAL (txv (0, 0xDB, 0x3F, 0xFF, imp, il, 0), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  /* Malformed variants first. */
  CU_ASSERT_EQUAL (txv (0, 0xDB, 0x3F, 0xFF, imp, il - 10, 0), 0x6A80);
  {
    uint8_t bad[1300];
    memcpy (bad, imp, il);
    bad[4] = 0xB7;               /* unknown CRT */
    CU_ASSERT_EQUAL (txv (0, 0xDB, 0x3F, 0xFF, bad, il, 0), 0x6A80);
  }
  CU_ASSERT_EQUAL (txv (0, 0xDB, 0x3F, 0xFE, imp, il, 0), 0x6A86);
  CU_ASSERT_EQUAL (txv (0, 0xDB, 0x3F, 0xFF, imp, il, 0), 0x9000);
  /* Chained in two pieces works as well. */
  CU_ASSERT_EQUAL (txv (0x10, 0xDB, 0x3F, 0xFF, imp, 200, 0), 0x9000);
  CU_ASSERT_EQUAL (txv (0x00, 0xDB, 0x3F, 0xFF, imp + 200, il - 200, 0), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 DE 00"), 0x9000);
  CU_ASSERT (data_has ("01 02 02 00"));
  /* Public key read back equals libgcrypt's. */
  CU_ASSERT_EQUAL (tx ("00 47 81 00 00 00 02 B6 00 00 00"), 0x9000);
  nl = key_part (kp, "n", nn, sizeof nn);
  el = key_part (kp, "e", ee, sizeof ee);
  m = find_tag (resp, dlen, 0x81, &ml);
  e = find_tag (resp, dlen, 0x82, &ell);
  CU_ASSERT_FATAL (m && e);
  CU_ASSERT (ml == nl && !memcmp (m, nn, nl));
  CU_ASSERT (ell == el && !memcmp (e, ee, el));
  /* PSO:CDS: needs PW1 81, once. */
  gcry_md_hash_buffer (GCRY_MD_SHA256, hash, "message", 7);
  memcpy (di, prefix, 19);
  memcpy (di + 19, hash, 32);
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x9E, 0x9A, di, 51, 256), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x9E, 0x9A, di, 51, 256), 0x9000);
  CU_ASSERT_EQUAL_FATAL (dlen, 256);
  memcpy (sig, resp, 256);
  CU_ASSERT (rsa_verify (nn, nl, ee, el, hash, sig, 256));
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x9E, 0x9A, di, 51, 256), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 CA 00 93 00"), 0x9000);
  CU_ASSERT (data_has ("00 00 01"));
  /* Too long for a DigestInfo (> 40 % of the modulus). */
  CU_ASSERT_EQUAL (tx ("00 20 00 81 06 " PW1), 0x9000);
  {
    uint8_t big[200];
    memset (big, 1, sizeof big);
    CU_ASSERT_EQUAL (txv (0, 0x2A, 0x9E, 0x9A, big, sizeof big, 256), 0x6700);
  }
  CU_ASSERT_EQUAL (tx ("00 2A 9E 9B 01 00 00"), 0x6A86);
  /* Decipher with no key: 6A88; INTERNAL AUTHENTICATE without key 6A88. */
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 2A 80 86 02 00 01 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 88 00 00 02 01 02 00"), 0x6A88);
  gcry_sexp_release (kp);
}

static void
test_rsa_decipher (void)
{
  gcry_sexp_t kp = gen_key ("(genkey(rsa(nbits 4:2048)))");
  gcry_sexp_t pub = gcry_sexp_find_token (kp, "public-key", 0), plain, enc;
  uint8_t imp[1300], ct[300];
  size_t il, cl;
  const char *a;

  open_blank ();
  il = build_rsa_import (imp, 0xB8, kp);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0xDB, 0x3F, 0xFF, imp, il, 0), 0x9000);
  CU_ASSERT_FATAL (!gcry_sexp_build (&plain, NULL,
                                     "(data(flags pkcs1)(value %s))",
                                     "session key 0123456789"));
  CU_ASSERT_FATAL (!gcry_pk_encrypt (&enc, plain, pub));
  {
    gcry_sexp_t t = gcry_sexp_find_token (enc, "a", 0);
    size_t n;
    a = gcry_sexp_nth_data (t, 1, &n);
    cl = 0;
    ct[cl++] = 0x00;             /* padding indicator */
    memset (ct + cl, 0, 256 - n);
    memcpy (ct + cl + 256 - n, a, n);
    cl += 256;
    gcry_sexp_release (t);
  }
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, ct, cl, 256), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, ct, cl, 256), 0x9000);
  CU_ASSERT (data_is ("session key 0123456789"));
  ct[0] = 0x02;
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, ct, cl, 256), 0x6A80);
  ct[0] = 0x00;
  /* Bad padding after decryption (rsa-bad.h). */
  CU_ASSERT_FATAL (rsa_bad_cryptogram (pub, (const uint8_t *)"session key",
                                       11, ct + 1));
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, ct, cl, 256), 0x6A80);
  gcry_sexp_release (plain);
  gcry_sexp_release (enc);
  gcry_sexp_release (pub);
  gcry_sexp_release (kp);
}

static void
test_generate_ecc (void)
{
  uint8_t hash[32], q[65], sig[64];
  const uint8_t *p;
  size_t pl;

  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 47 80 00 02 B6 00 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 47 81 00 02 B6 00 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 C1 09 13 2A 86 48 CE 3D 03 01 07"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 47 80 00 02 B6 00 00"), 0x9000);
  p = find_tag (resp, dlen, 0x86, &pl);
  CU_ASSERT_FATAL (p && pl == 65 && p[0] == 0x04);
  memcpy (q, p, 65);
  CU_ASSERT_EQUAL (tx ("00 47 81 00 02 B6 00 00"), 0x9000);
  CU_ASSERT (data_has ("86 41 04"));
  CU_ASSERT_EQUAL (tx ("00 47 82 00 02 B6 00 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 47 80 00 02 B7 00 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 47 80 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 CA 00 DE 00"), 0x9000);
  CU_ASSERT (data_has ("01 01 02 00"));
  gcry_md_hash_buffer (GCRY_MD_SHA256, hash, "ecdsa", 5);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x9E, 0x9A, hash, 32, 256), 0x9000);
  CU_ASSERT_EQUAL_FATAL (dlen, 64);
  memcpy (sig, resp, 64);
  CU_ASSERT (ecdsa_verify ("NIST P-256", q, 65, hash, 32, sig, 64, false));
  sig[5] ^= 1;
  CU_ASSERT (!ecdsa_verify ("NIST P-256", q, 65, hash, 32, sig, 64, false));
}

static void
test_eddsa_and_ecdh (void)
{
  uint8_t qa[32], qd[32], eph[32], e_pub[32], want[32], msg[40];
  uint8_t cmd[64];
  const uint8_t *p;
  size_t pl;
  static const uint8_t base[32] = { 9 };
  gcry_sexp_t pub = NULL, data = NULL, s = NULL;

  open_text ("applet openpgp key-dec=cv25519,gen key-aut=ed25519,gen");
  /* ed25519 INTERNAL AUTHENTICATE. */
  CU_ASSERT_EQUAL (tx ("00 47 81 00 02 A4 00 00"), 0x9000);
  p = find_tag (resp, dlen, 0x86, &pl);
  CU_ASSERT_FATAL (p && pl == 32);
  memcpy (qa, p, 32);
  memset (msg, 0x5A, sizeof msg);
  CU_ASSERT_EQUAL (txv (0, 0x88, 0, 0, msg, sizeof msg, 256), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x88, 0, 0, msg, sizeof msg, 256), 0x9000);
  CU_ASSERT_EQUAL_FATAL (dlen, 64);
  CU_ASSERT (!gcry_sexp_build (&pub, NULL,
                               "(public-key(ecc(curve Ed25519)(flags eddsa)(q%b)))",
                               32, qa));
  CU_ASSERT (!gcry_sexp_build (&data, NULL,
                               "(data(flags eddsa)(hash-algo sha512)(value %b))",
                               (int)sizeof msg, msg));
  CU_ASSERT (!gcry_sexp_build (&s, NULL, "(sig-val(eddsa(r%b)(s%b)))", 32,
                               resp, 32, resp + 32));
  CU_ASSERT (!gcry_pk_verify (s, data, pub));
  CU_ASSERT_EQUAL (txv (0, 0x88, 1, 0, msg, sizeof msg, 256), 0x6A86);
  /* cv25519 ECDH: the card's shared secret equals X25519(e, Q). */
  CU_ASSERT_EQUAL (tx ("00 47 81 00 02 B8 00 00"), 0x9000);
  p = find_tag (resp, dlen, 0x86, &pl);
  CU_ASSERT_FATAL (p && pl == 32);
  memcpy (qd, p, 32);
  gcry_randomize (eph, 32, GCRY_STRONG_RANDOM);
  CU_ASSERT (!gcry_ecc_mul_point (GCRY_ECC_CURVE25519, e_pub, eph, base));
  CU_ASSERT (!gcry_ecc_mul_point (GCRY_ECC_CURVE25519, want, eph, qd));
  cmd[0] = 0xA6; cmd[1] = 0x25; cmd[2] = 0x7F; cmd[3] = 0x49; cmd[4] = 0x22;
  cmd[5] = 0x86; cmd[6] = 0x20;
  memcpy (cmd + 7, e_pub, 32);
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, cmd, 39, 256), 0x9000);
  CU_ASSERT (dlen == 32 && !memcmp (resp, want, 32));
  /* Malformed template. */
  cmd[0] = 0xA7;
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, cmd, 39, 256), 0x6A80);
  CU_ASSERT_EQUAL (txv (0, 0x2A, 0x80, 0x86, cmd, 5, 256), 0x6A80);
  gcry_sexp_release (pub);
  gcry_sexp_release (data);
  gcry_sexp_release (s);
}

static void
test_certificates (void)
{
  open_text ("applet openpgp cert-aut=hex:AA01 cert-dec=hex:BB02 cert-sig=hex:CC03");
  CU_ASSERT_EQUAL (tx ("00 CA 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("AA 01") && dlen == 2);
  CU_ASSERT_EQUAL (tx ("00 CC 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("BB 02") && dlen == 2);
  CU_ASSERT_EQUAL (tx ("00 CC 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("CC 03") && dlen == 2);
  CU_ASSERT_EQUAL (tx ("00 CC 7F 21 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 A5 01 04 06 60 04 5C 02 7F 21"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("BB 02"));
  CU_ASSERT_EQUAL (tx ("00 A5 02 04 04 5C 02 7F 21"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("CC 03"));
  CU_ASSERT_EQUAL (tx ("00 A5 03 04 04 5C 02 7F 21"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 A5 00 04 04 5C 02 5F 50"), 0x6A80);
  /* PUT DATA 7F21 writes the selected occurrence (PW3). */
  CU_ASSERT_EQUAL (tx ("00 DA 7F 21 02 DD 04"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 7F 21 02 DD 04"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("DD 04"));
  CU_ASSERT_EQUAL (tx ("00 A5 00 04 04 5C 02 7F 21"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 7F 21 00"), 0x9000);
  CU_ASSERT (data_has ("AA 01"));
}

static void
test_terminate_activate (void)
{
  open_text ("applet openpgp name=Doe<<Jane pw1=654321");
  CU_ASSERT_EQUAL (tx ("00 E6 00 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E6 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 65 00"), 0x6285);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x6285);
  /* As gpg's factory-reset does it: reset, SELECT (6285), ACTIVATE. */
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x6285);
  CU_ASSERT_EQUAL (tx ("00 44 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 5B 00"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 0);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 " PW1), 0x9000);   /* default again */
  /* A blocked PW3 also allows TERMINATE. */
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 30 30 30 30 30 30 30 30"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 30 30 30 30 30 30 30 30"), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 30 30 30 30 30 30 30 30"), 0x63C0);
  CU_ASSERT_EQUAL (tx ("00 E6 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 44 00 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
}

static void
test_challenge_and_misc (void)
{
  open_blank ();
  CU_ASSERT_EQUAL (tx ("00 84 00 00 08"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 8);
  CU_ASSERT_EQUAL (tx ("00 84 00 00"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 84 01 00 08"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 12 00 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("00 22 41 B6 03 84 01 01"), 0x6D00);   /* no MSE */
}

static void
test_persistence (void)
{
  char state[64];
  int fd;

  strcpy (state, "/tmp/test-emu-pgp-XXXXXX");
  fd = mkstemp (state);
  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (state);
  open_text ("applet openpgp key-sig=nistp256,gen");
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 00 5B 03 41 3C 3C"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 31 31 31 31 31 31"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 47 81 00 02 B6 00 00"), 0x9000);
  {
    uint8_t pub[200];
    size_t pl = dlen;
    memcpy (pub, resp, pl);
    emu_card_free (card);
    card = NULL;
    CU_ASSERT_EQUAL_FATAL (emu_card_load (state, &card), 0);
    emu_card_power_on (card, NULL, NULL);
    CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
    CU_ASSERT_EQUAL (tx ("00 CA 00 5B 00"), 0x9000);
    CU_ASSERT (data_is ("A<<"));
    CU_ASSERT_EQUAL (tx ("00 20 00 82"), 0x63C2);
    CU_ASSERT_EQUAL (tx ("00 47 81 00 02 B6 00 00"), 0x9000);
    CU_ASSERT (dlen == pl && !memcmp (resp, pub, pl));
  }
  unlink (state);
}

static void
test_junk (void)
{
  open_blank ();
  junk_all_ins ();
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
  open_blank ();
  /* Truncated / lying import templates. */
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 " PW3), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 02 4D 05"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0A 4D 08 B6 00 7F 48 02 91 05 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0D 4D 0B B6 00 7F 48 02 91 82 5F 48 01 03"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0E 4D 0C B6 00 7F 48 03 91 01 00 5F 48 01 03"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0D 4D 0B B6 00 7F 48 02 91 01 5F 48 01 03"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 2A 80 86 01 A6"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 A5 00 04 00"), 0x6A80);
}

static const cutest_t tests[] = {
  CUTEST (test_select_and_aid),
  CUTEST (test_get_data),
  CUTEST (test_verify),
  CUTEST (test_change_and_reset),
  CUTEST (test_put_data_access),
  CUTEST (test_import_rsa_and_sign),
  CUTEST (test_rsa_decipher),
  CUTEST (test_generate_ecc),
  CUTEST (test_eddsa_and_ecdh),
  CUTEST (test_certificates),
  CUTEST (test_terminate_activate),
  CUTEST (test_challenge_and_misc),
  CUTEST (test_persistence),
  CUTEST (test_junk),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-openpgp", tests, setup, teardown);
}
