/* test-emu-standin.c - a card image with OpenPGP and PIV applications
 * presented as a stand-in token (emu_image_present, vscemu --vsc),
 * driven through emu_card_apdu: data objects, escrowed keys in their
 * slots (used, and checked with libgcrypt against the escrowed key),
 * keys born on the card reported, stored PINs by their scope, --pin,
 * and keys that do not fit their slot. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <gcrypt.h>

#include "emu-helper.h"
#include "common/tlv.h"
#include "common/log.h"
#include "emu/emu-crypto.h"
#include "emu/emu-image.h"
#include "image/image.h"

#include "lsan-gcrypt.h"

static emu_key_t ed, rsa, p256;

static int
suite_init (void)
{
  memset (&ed, 0, sizeof ed);
  memset (&rsa, 0, sizeof rsa);
  memset (&p256, 0, sizeof p256);
  if (emu_crypto_generate (&ed, EMU_KEY_ED25519, 0)
      || emu_crypto_generate (&rsa, EMU_KEY_RSA, 1024)
      || emu_crypto_generate (&p256, EMU_KEY_NISTP256, 0))
    return 1;
  return 0;
}

static int
suite_cleanup (void)
{
  emu_crypto_key_free (&ed);
  emu_crypto_key_free (&rsa);
  emu_crypto_key_free (&p256);
  emu_card_free (card);
  card = NULL;
  return 0;
}

/* NODE (a new node at PATH of TYPE) with CONTENT[0..N). */
static image_node_t *
node (image_t *im, const char *path, image_type_t type, const void *content,
      size_t n)
{
  image_node_t *nd = NULL;

  CU_ASSERT_FATAL (!image_make_path (im, path, type, IMAGE_SRC_USER, &nd));
  if (content)
    CU_ASSERT (!image_node_set_content (nd, content, n));
  return nd;
}

/* An escrowed key node at PATH holding KEY as a canonical S-expression
 * (as vsctool keygen stores it), created at CREATED (may be NULL). */
static void
escrow (image_t *im, const char *path, const emu_key_t *key,
        const char *created)
{
  image_node_t *nd = node (im, path, IMAGE_NODE_KEY, NULL, 0);
  image_keyinfo_t ki;
  buf_t s;
  size_t len;

  buf_init_secure (&s);
  len = gcry_sexp_sprint (key->sexp, GCRYSEXP_FMT_CANON, NULL, 0);
  CU_ASSERT_FATAL (!buf_reserve (&s, len));
  s.len = gcry_sexp_sprint (key->sexp, GCRYSEXP_FMT_CANON, s.data, len);
  CU_ASSERT (!image_node_set_content (nd, s.data, s.len));
  nd->area = IMAGE_AREA_SECRET_KEY;
  memset (&ki, 0, sizeof ki);
  ki.created = (char *)created;
  CU_ASSERT (!image_node_set_keyinfo (nd, &ki));
  buf_free (&s);
}

/* A key born on the card: metadata only. */
static void
born (image_t *im, const char *path)
{
  image_node_t *nd = node (im, path, IMAGE_NODE_KEY, NULL, 0);
  nd->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
}

/* A stored PIN "pins/RR" of SCOPE. */
static void
stored_pin (image_t *im, unsigned ref, const char *scope, const char *value)
{
  char path[16];
  image_node_t *nd;

  snprintf (path, sizeof path, "pins/%02X", ref);
  nd = node (im, path, IMAGE_NODE_DO, value, strlen (value));
  nd->area = IMAGE_AREA_PRIVATE;
  CU_ASSERT (!image_node_set_pin_scope (nd, scope, NULL));
}

static void
applet_root (image_t *im, const char *name, const char *aidhex)
{
  image_node_t *nd = node (im, name, IMAGE_NODE_APPLET, NULL, 0);
  buf_t aid = BUF_INIT;

  CU_ASSERT_FATAL (!hex_decode (aidhex, &aid));
  CU_ASSERT (!image_node_set_aid (nd, aid.data, aid.len));
  buf_free (&aid);
}

/* Send HDR (hex CLA INS P1 P2) with DATA[0..N) and Le 00. */
static unsigned
tx_data (const char *hdr, const uint8_t *p, size_t n)
{
  uint8_t apdu[300];
  buf_t h = BUF_INIT;

  if (n > 255 || hex_decode (hdr, &h) || h.len != 4)
    abort ();
  memcpy (apdu, h.data, 4);
  apdu[4] = (uint8_t)n;
  memcpy (apdu + 5, p, n);
  apdu[5 + n] = 0;
  buf_free (&h);
  return txb (apdu, n + 6);
}

/* The public part of KEY (RSA modulus / EC point) as hex. */
static char *
public_hex (const emu_key_t *key)
{
  buf_t a = BUF_INIT, b = BUF_INIT;
  char *hex;

  CU_ASSERT_FATAL (!emu_crypto_public (key, &a, &b));
  hex = xtrymalloc (2 * a.len + 1);
  CU_ASSERT_FATAL (hex != NULL);
  hex_encode (a.data, a.len, hex);
  buf_free (&a);
  buf_free (&b);
  return hex;
}

/* OpenPGP: DOs, the escrowed ed25519 signature key with its date, the
 * card-born authentication key reported, the stored PW1. */
static void
test_openpgp (void)
{
  static const uint8_t aid[16] = { 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x03,
                                   0x04, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78,
                                   0x00, 0x00 };
  image_t *im = NULL;
  emu_image_report_t rep;
  gcry_sexp_t sig = NULL, data = NULL;
  uint8_t msg[32], ca[60];
  char cd[16];

  CU_ASSERT_FATAL (!image_new (&im));
  applet_root (im, "openpgp", "D27600012401");
  node (im, "openpgp/4F", IMAGE_NODE_DO, aid, sizeof aid);
  node (im, "openpgp/5B", IMAGE_NODE_DO, "Doe<<Jane", 9);
  node (im, "openpgp/7A", IMAGE_NODE_DO, "\x7A\x05\x93\x03\x00\x00\x07", 7);
  node (im, "openpgp/C4", IMAGE_NODE_DO, "\x01\x7F\x7F\x7F\x03\x00\x03", 7);
  memset (ca, 0, sizeof ca);
  memset (ca + 20, 0xCA, 20);
  node (im, "openpgp/C6", IMAGE_NODE_DO, ca, sizeof ca);
  escrow (im, "openpgp/key-sig", &ed, "2023-11-14T22:15:00Z");
  born (im, "openpgp/key-aut");
  stored_pin (im, 0x82, "openpgp", "24681357");
  stored_pin (im, 0x81, "piv", "87654321");   /* another application's */

  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_present (im, "99999999", &card, &rep));
  CU_ASSERT_EQUAL (rep.applets, 1);
  CU_ASSERT_EQUAL (rep.keys, 1);
  CU_ASSERT (!strcmp (rep.nokey, "openpgp/key-aut"));
  CU_ASSERT (strstr (rep.pins, "OpenPGP PW1: the value stored in the VSC")
             != NULL);
  CU_ASSERT (strstr (rep.pins, "OpenPGP PW3: 12345678 (factory default)")
             != NULL);
  CU_ASSERT (strstr (rep.pins, "2468") == NULL);   /* never the value */

  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 4F 00"), 0x9000);
  CU_ASSERT (data_has ("00 06 12 34 56 78"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 5B 00"), 0x9000);
  CU_ASSERT (data_is ("Doe<<Jane"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 7A 00"), 0x9000);
  CU_ASSERT (data_has ("93 03 00 00 07"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 C4 00"), 0x9000);
  CU_ASSERT (dlen == 7 && resp[0] == 0x01);
  CU_ASSERT (dlen == 7 && resp[6] == 3);      /* PW3 untouched by setup */
  /* The CA fingerprints, set through PUT DATA after PW3. */
  CU_ASSERT_EQUAL (tx ("00 CA 00 C6 00"), 0x9000);
  CU_ASSERT (dlen == 60 && !memcmp (resp, ca, 60));
  CU_ASSERT_EQUAL (tx ("00 DA 00 5B 01 58"), 0x6982);   /* PW3 dropped */
  /* The key's date (1700000100) in CD, so the fingerprint is gpg's. */
  CU_ASSERT_EQUAL (tx ("00 CA 00 CD 00"), 0x9000);
  snprintf (cd, sizeof cd, "%08X", 1700000100u);
  CU_ASSERT (data_has (cd));
  CU_ASSERT_EQUAL (tx ("00 CA 00 C1 00"), 0x9000);
  CU_ASSERT (data_has ("16 2B 06 01 04 01 DA 47 0F 01"));   /* EdDSA */

  /* PW1 is the stored one, not --pin nor the PIV application's. */
  CU_ASSERT_EQUAL (tx ("00 20 00 81 08 39 39 39 39 39 39 39 39"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 08 38 37 36 35 34 33 32 31"), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 08 32 34 36 38 31 33 35 37"), 0x9000);
  gcry_md_hash_buffer (GCRY_MD_SHA256, msg, "stand-in", 8);
  CU_ASSERT_EQUAL (tx_data ("00 2A 9E 9A", msg, sizeof msg), 0x9000);
  CU_ASSERT_EQUAL_FATAL (dlen, 64);
  CU_ASSERT (!gcry_sexp_build (&sig, NULL, "(sig-val(eddsa(r%b)(s%b)))",
                               32, resp, 32, resp + 32));
  CU_ASSERT (!gcry_sexp_build (&data, NULL,
                               "(data(flags eddsa)(hash-algo sha512)"
                               "(value %b))", (int)sizeof msg, msg));
  CU_ASSERT (!gcry_pk_verify (sig, data, ed.sexp));
  /* The authentication slot is empty. */
  CU_ASSERT_EQUAL (tx ("00 20 00 82 08 32 34 36 38 31 33 35 37"), 0x9000);
  CU_ASSERT (tx_data ("00 88 00 00", msg, 20) != 0x9000);
  gcry_sexp_release (sig);
  gcry_sexp_release (data);
  image_free (im);
}

/* PIV: objects, an RSA and a P-256 key in 9A and 9C, 9E born on the
 * card, 9D without a key, the stored PIN, the default PUK. */
static void
test_piv (void)
{
  image_t *im = NULL;
  image_node_t *app;
  emu_image_report_t rep;
  static const uint8_t ver[3] = { 5, 4, 3 };
  uint8_t printed[28];
  char *pub;

  CU_ASSERT_FATAL (!image_new (&im));
  applet_root (im, "piv", "A000000308");
  app = image_find_path (im, "piv");
  image_node_set_yubikey (app, ver);
  node (im, "piv/5FC102", IMAGE_NODE_DO, "\x30\x03\x01\x02\x03", 5);
  node (im, "piv/5FC105", IMAGE_NODE_DO, "\x70\x02\xAA\xBB\x71\x01\x00", 7);
  escrow (im, "piv/key-9A", &rsa, NULL);
  escrow (im, "piv/key-9C", &p256, NULL);
  born (im, "piv/key-9E");
  node (im, "piv/key-9D", IMAGE_NODE_KEY, NULL, 0);
  stored_pin (im, 0x80, "piv", "11223344");
  /* The PIN-protected management key in the printed information. */
  memset (printed, 0x11, sizeof printed);
  memcpy (printed, "\x88\x1A\x89\x18", 4);
  node (im, "piv/5FC109", IMAGE_NODE_DO, printed, sizeof printed);

  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_present (im, NULL, &card, &rep));
  CU_ASSERT (strstr (rep.pins, "PIV management key: the PIN-protected key")
             != NULL);
  CU_ASSERT_EQUAL (rep.applets, 1);
  CU_ASSERT_EQUAL (rep.keys, 2);
  CU_ASSERT (!strcmp (rep.nokey, "piv/key-9E"));
  CU_ASSERT (!strcmp (rep.other, "piv/key-9D"));
  CU_ASSERT (strstr (rep.pins, "PIV PIN: the value stored in the VSC")
             != NULL);
  CU_ASSERT (strstr (rep.pins, "PIV PUK: 12345678 (factory default)")
             != NULL);

  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 02 00"), 0x9000);
  CU_ASSERT (data_has ("53 05 30 03 01 02 03"));
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 05 00"), 0x9000);
  CU_ASSERT (data_has ("70 02 AA BB 71 01 00"));
  /* The escrowed keys are in their slots (YubiKey GET METADATA). */
  CU_ASSERT_EQUAL (tx ("00 F7 00 9A 00"), 0x9000);
  pub = public_hex (&rsa);
  CU_ASSERT (data_has (pub));
  xfree (pub);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9C 00"), 0x9000);
  pub = public_hex (&p256);
  CU_ASSERT (data_has (pub));
  xfree (pub);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9B 00"), 0x9000);
  CU_ASSERT (data_has ("05 01 00"));          /* not the default key */
  CU_ASSERT_EQUAL (tx ("00 F7 00 9E 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 F7 00 9D 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 32 33 34 35 36 FF FF"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 80 08 31 31 32 32 33 33 34 34"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 2C 00 80 10 31 32 33 34 35 36 37 38"
                       " 31 31 32 32 33 33 34 34"), 0x9000);
  image_free (im);
}

/* --pin the applet cannot take: refused (no card); a key that does not
 * fit its slot: the slot stays empty, the rest is presented. */
static void
test_refused (void)
{
  image_t *im = NULL;
  emu_card_t *c = NULL;
  emu_image_report_t rep;

  CU_ASSERT_FATAL (!image_new (&im));
  applet_root (im, "piv", "A000000308");
  CU_ASSERT (emu_image_present (im, "1234", &c, &rep) != 0);
  CU_ASSERT (c == NULL);
  CU_ASSERT (!emu_image_present (im, "12345678", &c, &rep));
  CU_ASSERT (c != NULL && rep.applets == 1);
  emu_card_free (c);
  c = NULL;
  image_free (im);

  CU_ASSERT_FATAL (!image_new (&im));
  applet_root (im, "openpgp", "D27600012401");
  escrow (im, "openpgp/key-dec", &ed, NULL);    /* ed25519 cannot decrypt */
  escrow (im, "openpgp/key-aut", &p256, NULL);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_present (im, NULL, &card, &rep));
  CU_ASSERT_EQUAL (rep.keys, 1);
  CU_ASSERT (!strcmp (rep.other, "openpgp/key-dec"));
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 C5 00"), 0x9000);
  CU_ASSERT_EQUAL_FATAL (dlen, 60);
  {
    static const uint8_t zero[20];
    CU_ASSERT (!memcmp (resp + 20, zero, 20));   /* dec: empty */
    CU_ASSERT (memcmp (resp + 40, zero, 20));    /* aut: the P-256 key */
  }
  image_free (im);
}

/* The file system's PINs: a stored PIN of the file system is used, one
 * of an application is not; emu_image_card presents no applet. */
static void
test_fs_pins (void)
{
  image_t *im = NULL;
  image_node_t *nd;
  emu_image_report_t rep;
  unsigned skipped = 0;

  CU_ASSERT_FATAL (!image_new (&im));
  nd = node (im, "3F00/5015/4402", IMAGE_NODE_EF_TRANSPARENT, "pin", 3);
  nd->access.read = IMAGE_AC_PIN;
  nd->access.read_ref = 0x81;
  nd = node (im, "3F00/5015/4403", IMAGE_NODE_EF_TRANSPARENT, "two", 3);
  nd->access.read = IMAGE_AC_PIN;
  nd->access.read_ref = 0x02;
  stored_pin (im, 0x81, "3F00/5015", "4711");
  stored_pin (im, 0x02, "piv", "222222");
  applet_root (im, "piv", "A000000308");

  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_card (im, "5555", &card, &skipped));
  CU_ASSERT_EQUAL (skipped, 1);           /* the applet; PINs are used */
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 44 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 04 35 35 35 35"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 04 34 37 31 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("pin"));
  CU_ASSERT_EQUAL (tx ("00 20 00 02 04 35 35 35 35"), 0x9000);

  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_present (im, "123456", &card, &rep));
  CU_ASSERT_EQUAL (rep.applets, 1);
  CU_ASSERT_EQUAL (rep.skipped, 0);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 A0 00 00 03 08"), 0x9000);
  image_free (im);
}

/* Every log line, for test_log. */
static buf_t logged;

static void
log_capture (void *ctx, int level, const char *line)
{
  (void)ctx;
  (void)level;
  buf_append (&logged, line, strlen (line));
  buf_append_byte (&logged, '\n');
}

/* The private value NAME of KEY as upper-case hex. */
static char *
secret_hex (const emu_key_t *key, const char *name)
{
  gcry_sexp_t t = gcry_sexp_find_token (key->sexp, name, 0);
  const char *d;
  size_t n = 0;
  char *hex;

  CU_ASSERT_FATAL (t != NULL);
  d = gcry_sexp_nth_data (t, 1, &n);
  CU_ASSERT_FATAL (d && n >= 16);
  hex = xtrymalloc (2 * n + 1);
  CU_ASSERT_FATAL (hex != NULL);
  hex_encode ((const uint8_t *)d, n, hex);
  gcry_sexp_release (t);
  return hex;
}

/* A fingerprint that is not the VSC's is reported; at the most verbose
 * level nothing logged holds a key or a PIN. */
static void
test_log (void)
{
  image_t *im = NULL;
  image_node_t *nd;
  emu_image_report_t rep;
  image_keyinfo_t ki;
  char *d_ed, *p_rsa;
  int level = log_get_level ();

  CU_ASSERT_FATAL (!image_new (&im));
  applet_root (im, "openpgp", "D27600012401");
  escrow (im, "openpgp/key-sig", &ed, "2023-11-14T22:15:00Z");
  nd = image_find_path (im, "openpgp/key-sig");
  memset (&ki, 0, sizeof ki);
  ki.created = (char *)"2023-11-14T22:15:00Z";
  ki.fingerprint = (char *)"00112233445566778899AABBCCDDEEFF00112233";
  CU_ASSERT (!image_node_set_keyinfo (nd, &ki));
  stored_pin (im, 0x82, "openpgp", "24681357");
  applet_root (im, "piv", "A000000308");
  escrow (im, "piv/key-9A", &rsa, NULL);

  buf_init (&logged);
  log_set_level (LOG_LEVEL_APDU);
  log_set_quiet (true);
  log_set_sink (log_capture, NULL);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_FATAL (!emu_image_present (im, NULL, &card, &rep));
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 D2 76 00 01 24 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 08 32 34 36 38 31 33 35 37"), 0x9000);
  log_set_sink (NULL, NULL);
  log_set_quiet (false);
  log_set_level (level);
  CU_ASSERT (buf_append_byte (&logged, 0) == 0);
  CU_ASSERT (strstr ((char *)logged.data, "is not the one the VSC records")
             != NULL);
  CU_ASSERT (strstr ((char *)logged.data,
                     "00112233445566778899AABBCCDDEEFF00112233") != NULL);
  d_ed = secret_hex (&ed, "d");
  p_rsa = secret_hex (&rsa, "p");
  CU_ASSERT (strstr ((char *)logged.data, d_ed) == NULL);
  CU_ASSERT (strstr ((char *)logged.data, d_ed + 16) == NULL);
  CU_ASSERT (strstr ((char *)logged.data, p_rsa + 16) == NULL);
  CU_ASSERT (strstr ((char *)logged.data, "24681357") == NULL);
  CU_ASSERT (strstr ((char *)logged.data, "32 34 36 38") == NULL);
  xfree (d_ed);
  xfree (p_rsa);
  buf_free (&logged);
  image_free (im);
}

static const cutest_t tests[] = {
  CUTEST (test_openpgp),
  CUTEST (test_piv),
  CUTEST (test_refused),
  CUTEST (test_fs_pins),
  CUTEST (test_log),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-standin", tests, suite_init, suite_cleanup);
}
