/* test-emu-piv.c - the PIV applet driven through emu_card_apdu: SELECT
 * (full AID and 5-byte prefix), GET/PUT DATA and their access rules,
 * PIN/PUK commands and counters, 3DES management-key authentication in
 * both flows, slot-key GENERAL AUTHENTICATE (checked with libgcrypt),
 * GENERATE, the YubiKey extensions and malformed input */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "emu-apps-helper.h"

static const uint8_t mgmt_default[24] = {
  1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};

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
  char text[8192];
  emu_card_t *c = NULL;

  snprintf (text, sizeof text, APPS_ATR "%s\n", applet_line);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text (text, &c), 0);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x9000);
}

static void
des3 (const uint8_t *key, const uint8_t *in, uint8_t *out, bool enc)
{
  gcry_cipher_hd_t h;

  CU_ASSERT_FATAL (!gcry_cipher_open (&h, GCRY_CIPHER_3DES,
                                      GCRY_CIPHER_MODE_ECB, 0));
  gcry_cipher_setkey (h, key, 24);
  if (enc)
    gcry_cipher_encrypt (h, out, 8, in, 8);
  else
    gcry_cipher_decrypt (h, out, 8, in, 8);
  gcry_cipher_close (h);
}

/* Mutual authentication (80 witness, then 80 + 81); returns the SW of
 * the second step. */
static unsigned
auth_mutual (const uint8_t *key)
{
  uint8_t cmd[22], w[8], c[8], want[8];

  if (tx ("00 87 03 9B 04 7C 02 80 00") != 0x9000 || dlen != 12
      || resp[0] != 0x7C || resp[2] != 0x80)
    return 0;
  des3 (key, resp + 4, w, false);
  gcry_randomize (c, 8, GCRY_WEAK_RANDOM);
  cmd[0] = 0x7C; cmd[1] = 0x14; cmd[2] = 0x80; cmd[3] = 0x08;
  memcpy (cmd + 4, w, 8);
  cmd[12] = 0x81; cmd[13] = 0x08;
  memcpy (cmd + 14, c, 8);
  if (txv (0, 0x87, 0x03, 0x9B, cmd, 22, 256) != 0x9000)
    return sw;
  des3 (key, c, want, true);
  CU_ASSERT (dlen == 12 && resp[2] == 0x82 && !memcmp (resp + 4, want, 8));
  return sw;
}

/* Single-challenge (external) authentication: 81 empty, then 82. */
static unsigned
auth_external (const uint8_t *key)
{
  uint8_t cmd[12], r[8];

  if (tx ("00 87 03 9B 04 7C 02 81 00") != 0x9000 || dlen != 12
      || resp[2] != 0x81)
    return 0;
  des3 (key, resp + 4, r, true);
  cmd[0] = 0x7C; cmd[1] = 0x0A; cmd[2] = 0x82; cmd[3] = 0x08;
  memcpy (cmd + 4, r, 8);
  return txv (0, 0x87, 0x03, 0x9B, cmd, 12, 0);
}

static void
test_select (void)
{
  open_text ("applet piv");
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 0B A0 00 00 03 08 00 00 10 00 01 00 00"), 0x9000);
  CU_ASSERT (data_has ("4F 06 00 00 10 00 01 00"));
  CU_ASSERT (data_has ("79 07 4F 05 A0 00 00 03 08"));
  CU_ASSERT (data_has ("AC") && data_has ("80 01 03"));
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x61);
  /* Discovery object. */
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 03 5C 01 7E 00"), 0x9000);
  CU_ASSERT (data_has ("7E 12 4F 0B A0 00 00 03 08 00 00 10 00 01 00 5F 2F 02 40 00"));
  {
    emu_card_t *c = NULL;
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv nope=1\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv mgmt=0102\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv key-9f=nistp256,gen\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv key-9a=ed25519,gen\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv version=5.4\n", &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv object-123456=hex:00\n", &c), 0);
    emu_card_free (c);
  }
}

static void
test_get_put_data (void)
{
  open_text ("applet piv chuid=auto ccc=auto object-5FC109=hex:AABB "
             "cert-9a=hex:30030201 serial=42");
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 02 00"), 0x9000);
  CU_ASSERT (resp[0] == 0x53 && data_has ("30 19 D4 E7 39 DA"));
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 07 00"), 0x9000);
  CU_ASSERT (data_has ("F0 15 A0 00 00 01 16"));
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 05 00"), 0x9000);
  CU_ASSERT (data_has ("53 0B 70 04 30 03 02 01 71 01 00 FE 00"));
  /* Without Le the applet still answers (as YubiKeys do). */
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 05"), 0x9000);
  CU_ASSERT (dlen == 13);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 0A 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 09 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 12 34 56 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FE 05 5C 03 5F C1 02 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5D 03 5F C1 02 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 02 5C 03 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 32 33 34 35 36 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 09 00"), 0x9000);
  CU_ASSERT (data_has ("53 02 AA BB"));
  /* PUT DATA needs the management key. */
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 09 5C 03 5F C1 0A 53 02 70 00"), 0x6982);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 09 5C 03 5F C1 0A 53 02 70 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 0A 00"), 0x9000);
  CU_ASSERT (data_has ("53 02 70 00"));
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 07 5C 03 5F C1 0A 53 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 0A 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 09 5C 03 5F C1 0A 54 02 70 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0A 5C 03 5F C1 0A 53 02 70 00 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 09 5C 03 5F C1 0A 53 05 70 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 09 5C 03 12 34 56 53 02 70 00"), 0x6A80);
  /* Admin data 5FFF00 and a chained PUT DATA of a large object. */
  {
    uint8_t big[1500];
    size_t i;
    big[0] = 0x5C; big[1] = 0x03; big[2] = 0x5F; big[3] = 0xFF; big[4] = 0x00;
    big[5] = 0x53; big[6] = 0x82; big[7] = 0x05; big[8] = 0x00;
    for (i = 9; i < 9 + 0x500; i++)
      big[i] = (uint8_t)i;
    CU_ASSERT_EQUAL (txv (0x10, 0xDB, 0x3F, 0xFF, big, 200, 0), 0x9000);
    CU_ASSERT_EQUAL (txv (0x10, 0xDB, 0x3F, 0xFF, big + 200, 200, 0), 0x9000);
    CU_ASSERT_EQUAL (txv (0x00, 0xDB, 0x3F, 0xFF, big + 400, 9 + 0x500 - 400, 0), 0x9000);
    CU_ASSERT_EQUAL (txv (0, 0xCB, 0x3F, 0xFF, big, 5, 65536), 0x9000);
    CU_ASSERT (dlen == 0x504 && !memcmp (resp, big + 5, 0x504));
  }
}

static void
test_pin_puk (void)
{
  open_text ("applet piv");
  CU_ASSERT_EQUAL (tx ("00 20 00 80"), 0x63C3);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 31 31 31 31 31 FF FF"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 06 31 32 33 34 35 36"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 08 31 32 33 34 35 36 37 38"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 32 33 34 35 36 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 80"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 FF 80"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 80"), 0x63C3);
  /* CHANGE PIN / PUK. */
  CU_ASSERT_EQUAL (tx ("00 24 00 80 10 31 32 33 34 35 36 FF FF 39 39 39 39 39 39 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 24 00 80 10 39 39 39 39 39 39 FF FF 31 32 FF FF FF FF FF FF"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 24 00 80 08 39 39 39 39 39 39 FF FF"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 24 00 81 10 31 32 33 34 35 36 37 38 38 37 36 35 34 33 32 31"), 0x9000);
  /* Block the PIN, unblock with the (new) PUK. */
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 30 30 30 30 30 30 FF FF"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 30 30 30 30 30 30 FF FF"), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 30 30 30 30 30 30 FF FF"), 0x63C0);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 39 39 39 39 39 39 FF FF"), 0x6983);
  CU_ASSERT_EQUAL (tx ("00 2C 00 80 10 31 32 33 34 35 36 37 38 31 31 31 31 31 31 FF FF"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 2C 00 80 10 38 37 36 35 34 33 32 31 31 31 31 31 31 31 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 31 31 31 31 31 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 2C 00 81 10 38 37 36 35 34 33 32 31 31 31 31 31 31 31 FF FF"), 0x6A86);
  /* Metadata shows counters. */
  CU_ASSERT_EQUAL (tx ("00 F7 00 81 00"), 0x9000);
  CU_ASSERT (data_has ("06 02 03 03") && data_has ("05 01 00"));
  CU_ASSERT_EQUAL (tx ("00 F7 00 80 00"), 0x9000);
  CU_ASSERT (data_has ("06 02 03 03"));
}

static void
test_mgmt_auth (void)
{
  uint8_t other[24], cmd[30];

  open_text ("applet piv");
  CU_ASSERT_EQUAL (auth_external (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x9000);
  memcpy (other, mgmt_default, 24);
  other[23] = 0x10;
  CU_ASSERT_EQUAL (auth_mutual (other), 0x6982);
  CU_ASSERT_EQUAL (auth_external (other), 0x6982);
  /* A response without a challenge first. */
  CU_ASSERT_EQUAL (tx ("00 87 03 9B 0C 7C 0A 82 08 00 00 00 00 00 00 00 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 87 03 9B 0C 7C 0A 80 08 00 00 00 00 00 00 00 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 87 07 9B 04 7C 02 80 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 87 03 9B 04 7C 05 80 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 87 03 9B 02 7D 00"), 0x6A80);
  /* SET MANAGEMENT KEY after authentication; metadata says not default. */
  CU_ASSERT_EQUAL (tx ("00 F7 00 9B 00"), 0x9000);
  CU_ASSERT (data_has ("05 01 01"));
  cmd[0] = 0x03; cmd[1] = 0x9B; cmd[2] = 24;
  memcpy (cmd + 3, other, 24);
  CU_ASSERT_EQUAL (txv (0, 0xFF, 0xFF, 0xFF, cmd, 27, 0), 0x6982);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0xFF, 0xFF, 0xFF, cmd, 26, 0), 0x6A80);
  CU_ASSERT_EQUAL (txv (0, 0xFF, 0xFF, 0xFF, cmd, 27, 0), 0x9000);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x6982);
  CU_ASSERT_EQUAL (auth_mutual (other), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9B 00"), 0x9000);
  CU_ASSERT (data_has ("05 01 00"));
  /* Power cycle drops the authentication. */
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 09 5C 03 5F C1 0A 53 02 70 00"), 0x6982);
}

static void
test_generate_and_sign (void)
{
  uint8_t q[97], hash[48];
  const uint8_t *p;
  size_t pl;
  uint8_t cmd[80];

  open_text ("applet piv");
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 05 AC 03 80 01 11 00"), 0x6982);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 05 AC 03 80 01 12 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 47 00 9B 05 AC 03 80 01 11 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 05 AD 03 80 01 11 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 05 AC 03 80 01 14 00"), 0x9000);
  p = find_tag (resp, dlen, 0x86, &pl);
  CU_ASSERT_FATAL (p && pl == 97);
  memcpy (q, p, 97);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9A 00"), 0x9000);
  CU_ASSERT (data_has ("01 01 14") && data_has ("03 01 01") && data_has ("86 61 04"));
  CU_ASSERT_EQUAL (tx ("00 F7 00 9C 00"), 0x6A88);
  /* Sign: 7C { 82 00, 81 hash } needs the PIN (policy once). */
  gcry_md_hash_buffer (GCRY_MD_SHA384, hash, "piv", 3);
  cmd[0] = 0x7C; cmd[1] = 0x34; cmd[2] = 0x82; cmd[3] = 0x00;
  cmd[4] = 0x81; cmd[5] = 0x30;
  memcpy (cmd + 6, hash, 48);
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x14, 0x9A, cmd, 54, 256), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 32 33 34 35 36 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x11, 0x9A, cmd, 54, 256), 0x6A86);
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x14, 0x9A, cmd, 54, 256), 0x9000);
  p = find_tag (resp, dlen, 0x82, &pl);
  CU_ASSERT_FATAL (p != NULL);
  CU_ASSERT (ecdsa_verify ("NIST P-384", q, 97, hash, 48, p, pl, true));
  /* Empty slot, malformed templates. */
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x14, 0x9D, cmd, 54, 256), 0x6A88);
  cmd[3] = 0x01;
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x14, 0x9A, cmd, 54, 256), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 87 14 9A 04 7C 02 82 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 87 14 77 04 7C 02 82 00"), 0x6A88);
}

static void
test_rsa_slot_and_import (void)
{
  gcry_sexp_t kp = gen_key ("(genkey(rsa(nbits 4:1024)(rsa-use-e 5:65537)))");
  uint8_t p[200], q[200], n[200], block[128], cmd[600], out[128];
  size_t plen = key_part (kp, "p", p, sizeof p);
  size_t qlen = key_part (kp, "q", q, sizeof q);
  size_t nlen = key_part (kp, "n", n, sizeof n);
  size_t o = 0;
  gcry_sexp_t pub = NULL, data = NULL, s = NULL, sk;
  const uint8_t *r;
  size_t rl;

  open_text ("applet piv");
  cmd[o++] = 0x01; o += put_len (cmd + o, plen); memcpy (cmd + o, p, plen); o += plen;
  cmd[o++] = 0x02; o += put_len (cmd + o, qlen); memcpy (cmd + o, q, qlen); o += qlen;
  cmd[o++] = 0xAA; cmd[o++] = 1; cmd[o++] = 1;     /* PIN never */
  CU_ASSERT_EQUAL (txv (0, 0xFE, 0x06, 0x9E, cmd, o, 0), 0x6982);
  CU_ASSERT_EQUAL (auth_external (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0xFE, 0x07, 0x9E, cmd, o, 0), 0x6A80);  /* 2048 */
  CU_ASSERT_EQUAL (txv (0, 0xFE, 0x06, 0x9F, cmd, o, 0), 0x6A86);
  CU_ASSERT_EQUAL (txv (0, 0xFE, 0x06, 0x9E, cmd, 5, 0), 0x6A80);
  CU_ASSERT_EQUAL (txv (0, 0xFE, 0x06, 0x9E, cmd, o, 0), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9E 00"), 0x9000);
  CU_ASSERT (data_has ("01 01 06") && data_has ("02 02 01 01") && data_has ("03 01 02"));
  /* Raw RSA with the imported key, checked by a public operation. */
  gcry_randomize (block, sizeof block, GCRY_WEAK_RANDOM);
  block[0] = 0x00;
  o = 0;
  cmd[o++] = 0x7C; cmd[o++] = 0x81; cmd[o++] = 5 + 128;
  cmd[o++] = 0x82; cmd[o++] = 0x00;
  cmd[o++] = 0x81; cmd[o++] = 0x81; cmd[o++] = 128;
  memcpy (cmd + o, block, 128); o += 128;
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x06, 0x9E, cmd, o, 256), 0x9000);
  r = find_tag (resp, dlen, 0x82, &rl);
  CU_ASSERT_FATAL (r && rl == 128);
  memcpy (out, r, 128);
  sk = gcry_sexp_find_token (kp, "public-key", 0);
  CU_ASSERT (!gcry_sexp_build (&data, NULL, "(data(flags raw)(value %b))", 128, block));
  CU_ASSERT (!gcry_sexp_build (&s, NULL, "(sig-val(rsa(s %b)))", 128, out));
  CU_ASSERT (!gcry_pk_verify (s, data, sk));
  /* Wrong block size. */
  cmd[7] = 100;
  cmd[2] = 5 + 100;
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x06, 0x9E, cmd, 8 + 100, 256), 0x6A80);
  (void)nlen;
  (void)n;
  gcry_sexp_release (pub);
  gcry_sexp_release (data);
  gcry_sexp_release (s);
  gcry_sexp_release (sk);
  gcry_sexp_release (kp);
}

static void
test_yubikey_ext (void)
{
  open_text ("applet piv serial=305419896 version=5.7.1");
  CU_ASSERT_EQUAL (tx ("00 FD 00 00 00"), 0x9000);
  CU_ASSERT (data_has ("05 07 01") && dlen == 3);
  CU_ASSERT_EQUAL (tx ("00 F8 00 00 00"), 0x9000);
  CU_ASSERT (data_has ("12 34 56 78") && dlen == 4);
  CU_ASSERT_EQUAL (tx ("00 F7 01 9A 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 FF FF 00 00"), 0x6A86);
  open_text ("applet piv yubikey=no");
  CU_ASSERT_EQUAL (tx ("00 FD 00 00 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("00 F8 00 00 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("00 FE 11 9A 00"), 0x6D00);
}


/* Profile options of tokens that have less: retired=N (a slot it lacks:
 * GET METADATA 6A88, GENERAL AUTHENTICATE, GENERATE and IMPORT 6A86, as
 * on a CanoKey; its certificate object 6A82), algs= (GENERATE and IMPORT KEY of
 * another algorithm 6A86), GET METADATA only from version 5.3 on. */
static void
test_fewer_slots_and_algs (void)
{
  open_text ("applet piv version=5.7.0 retired=2 algs=rsa2048,nistp256");
  CU_ASSERT_EQUAL (tx ("00 F7 00 82 00"), 0x6A88);      /* empty */
  CU_ASSERT_EQUAL (tx ("00 F7 00 83 00"), 0x6A88);
  /* A slot it lacks: 6A88 like an empty one (as on a CanoKey), but
   * GENERAL AUTHENTICATE tells: 6A86 (no such key reference). */
  CU_ASSERT_EQUAL (tx ("00 F7 00 84 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 F7 00 95 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 87 07 84 02 7C 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 87 07 95 02 7C 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 87 07 83 02 7C 00"), 0x6A88);      /* empty */
  CU_ASSERT_EQUAL (tx ("00 F7 00 9A 00"), 0x6A88);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 47 00 83 05 AC 03 80 01 11 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 F7 00 83 00"), 0x9000);
  CU_ASSERT (data_has ("01 01 11"));
  CU_ASSERT_EQUAL (tx ("00 47 00 84 05 AC 03 80 01 11 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 05 AC 03 80 01 14 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 05 AC 03 80 01 06 00"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 FE 14 9A 03 06 01 01"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 FE 11 84 03 06 01 01"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0B 5C 03 5F C1 0F 53 04 70 00 71 00"),
                   0x6A82);                             /* cert of 84 */
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0B 5C 03 5F C1 0E 53 04 70 00 71 00"),
                   0x9000);                             /* cert of 83 */
  /* The defaults: 20 retired slots, every algorithm. */
  open_text ("applet piv");
  CU_ASSERT_EQUAL (tx ("00 F7 00 95 00"), 0x6A88);
  CU_ASSERT_EQUAL (auth_mutual (mgmt_default), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 47 00 95 05 AC 03 80 01 14 00"), 0x9000);
  /* Before YubiKey 5.3 there is no GET METADATA. */
  open_text ("applet piv version=5.2.7");
  CU_ASSERT_EQUAL (tx ("00 F7 00 9A 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("00 FD 00 00 00"), 0x9000);
  /* Bad values are refused. */
  {
    emu_card_t *c = NULL;
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv retired=21\n", &c),
                         0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv algs=rsa4096\n",
                                    &c), 0);
    CU_ASSERT_NOT_EQUAL (load_text (APPS_ATR "applet piv algs=\n", &c), 0);
  }
}

static void
test_profile_keys_and_state (void)
{
  char state[64];
  int fd;
  uint8_t hash[32], q[65];
  const uint8_t *p;
  size_t pl;
  uint8_t cmd[40];

  strcpy (state, "/tmp/test-emu-piv-XXXXXX");
  fd = mkstemp (state);
  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (state);
  open_text ("applet piv key-9c=nistp256,"
             "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  /* RFC 6979 A.2.5 key: public x starts 60FED4BA. */
  CU_ASSERT_EQUAL (tx ("00 F7 00 9C 00"), 0x9000);
  p = find_tag (resp, dlen, 0x86, &pl);
  CU_ASSERT_FATAL (p && pl == 65);
  CU_ASSERT (p[1] == 0x60 && p[2] == 0xFE && p[3] == 0xD4 && p[4] == 0xBA);
  memcpy (q, p, 65);
  /* 9C: PIN "always" - one signature per VERIFY. */
  gcry_md_hash_buffer (GCRY_MD_SHA256, hash, "x", 1);
  cmd[0] = 0x7C; cmd[1] = 0x24; cmd[2] = 0x82; cmd[3] = 0x00;
  cmd[4] = 0x81; cmd[5] = 0x20;
  memcpy (cmd + 6, hash, 32);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 32 33 34 35 36 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x11, 0x9C, cmd, 38, 256), 0x9000);
  p = find_tag (resp, dlen, 0x82, &pl);
  CU_ASSERT (p && ecdsa_verify ("NIST P-256", q, 65, hash, 32, p, pl, true));
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x11, 0x9C, cmd, 38, 256), 0x6982);
  /* State: wrong PIN counted, survives a reload. */
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 30 30 30 30 30 30 FF FF"), 0x63C2);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (emu_card_load (state, &card), 0);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 80"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9C 00"), 0x9000);
  CU_ASSERT (data_has ("86 41 04 60 FE D4 BA"));
  unlink (state);
}

static void
test_ecdh (void)
{
  gcry_sexp_t eph = gen_key ("(genkey(ecc(curve \"NIST P-256\")))");
  gcry_sexp_t sk = gcry_sexp_find_token (eph, "private-key", 0);
  gcry_sexp_t enc = NULL, res = NULL;
  uint8_t qe[65], qc[65], cmd[80], want[65];
  const uint8_t *p;
  size_t pl, n;

  open_text ("applet piv key-9d=nistp256,gen");
  key_part (eph, "q", qe, sizeof qe);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9D 00"), 0x9000);
  p = find_tag (resp, dlen, 0x86, &pl);
  CU_ASSERT_FATAL (p && pl == 65);
  memcpy (qc, p, 65);
  /* 7C { 82 00, 85 point } after the PIN. */
  cmd[0] = 0x7C; cmd[1] = 0x45; cmd[2] = 0x82; cmd[3] = 0x00;
  cmd[4] = 0x85; cmd[5] = 0x41;
  memcpy (cmd + 6, qe, 65);
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x11, 0x9D, cmd, 71, 256), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 32 33 34 35 36 FF FF"), 0x9000);
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x11, 0x9D, cmd, 71, 256), 0x9000);
  p = find_tag (resp, dlen, 0x82, &pl);
  CU_ASSERT_FATAL (p && pl == 32);
  CU_ASSERT_FATAL (!gcry_sexp_build (&enc, NULL, "(enc-val(ecdh(e%b)))", 65, qc));
  CU_ASSERT_FATAL (!gcry_pk_decrypt (&res, enc, sk));
  n = key_part (res, "value", want, sizeof want);
  CU_ASSERT (n == 65 && !memcmp (want + 1, p, 32));
  /* A point that is not on the curve. */
  cmd[30] ^= 0x01;
  CU_ASSERT_EQUAL (txv (0, 0x87, 0x11, 0x9D, cmd, 71, 256), 0x6A80);
  gcry_sexp_release (enc);
  gcry_sexp_release (res);
  gcry_sexp_release (sk);
  gcry_sexp_release (eph);
}

static void
test_junk (void)
{
  open_text ("applet piv");
  junk_all_ins ();
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 87 03 9B 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 87 03 9B 01 7C"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 47 00 9A 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 00"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 22 00 00"), 0x6D00);
}

static const cutest_t tests[] = {
  CUTEST (test_select),
  CUTEST (test_get_put_data),
  CUTEST (test_pin_puk),
  CUTEST (test_mgmt_auth),
  CUTEST (test_generate_and_sign),
  CUTEST (test_rsa_slot_and_import),
  CUTEST (test_yubikey_ext),
  CUTEST (test_fewer_slots_and_algs),
  CUTEST (test_profile_keys_and_state),
  CUTEST (test_ecdh),
  CUTEST (test_junk),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-piv", tests, setup, teardown);
}
