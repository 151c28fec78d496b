/* test-emu-tokens.c - what real tokens do with security state, as the
 * emulator models it (DESIGN.md §9): the profile options
 * select-resets-security (a SELECT of an applet clears its own verified
 * PINs and management-key authentication) and applet-switch-powers-off
 * (selecting an applet powers the others off), against a card that
 * keeps everything; driven through emu_card_apdu */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <unistd.h>
#include "emu-apps-helper.h"

static const uint8_t mgmt_default[24] = {
  1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};

#define SEL_OPG "00 A4 04 00 06 D2 76 00 01 24 01"
#define SEL_PIV "00 A4 04 00 05 A0 00 00 03 08"
#define PW1_82  "00 20 00 82 06 31 32 33 34 35 36"
#define PW1_ASK "00 20 00 82"
#define PIV_PIN "00 20 00 80 08 31 32 33 34 35 36 FF FF"
#define PIV_ASK "00 20 00 80"
/* PUT DATA of the CHUID (needs the management key). */
#define PUT_CHUID "00 DB 3F FF 0A 5C 03 5F C1 02 53 03 30 01 00"

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

/* A card with both applets and the given option lines. */
static void
open_card (const char *options)
{
  char text[1024];
  emu_card_t *c = NULL;

  snprintf (text, sizeof text, APPS_ATR "%s"
            "applet openpgp serial=00000001\napplet piv serial=2\n", options);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text (text, &c), 0);
  card = c;
  emu_card_power_on (card, NULL, NULL);
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

/* PIV management key, mutual authentication: SW of the second step. */
static unsigned
auth_mgmt (void)
{
  uint8_t cmd[22], w[8], c[8];

  if (tx ("00 87 03 9B 04 7C 02 80 00") != 0x9000 || dlen != 12)
    return 0;
  des3 (mgmt_default, resp + 4, w, false);
  gcry_randomize (c, 8, GCRY_WEAK_RANDOM);
  cmd[0] = 0x7C; cmd[1] = 0x14; cmd[2] = 0x80; cmd[3] = 0x08;
  memcpy (cmd + 4, w, 8);
  cmd[12] = 0x81; cmd[13] = 0x08;
  memcpy (cmd + 14, c, 8);
  return txv (0, 0x87, 0x03, 0x9B, cmd, 22, 256);
}

/* Verified: OpenPGP PW1 82, PIV PIN, PIV management key. */
static void
verify_all (void)
{
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (PIV_PIN), 0x9000);
  CU_ASSERT_EQUAL (auth_mgmt (), 0x9000);
  CU_ASSERT_EQUAL (tx (PIV_ASK), 0x9000);
}

/* The default: the state survives every SELECT (what the emulator did
 * before, and what SP 800-73-4 and OpenPGP card 3.4 allow). */
static void
test_keeps_state (void)
{
  open_card ("");
  verify_all ();
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (PIV_ASK), 0x9000);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x9000);
  /* A power cycle drops everything, as before. */
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (PIV_ASK), 0x63C3);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x6982);
}

/* Selecting another applet powers the others off; a SELECT of the
 * current applet alone changes nothing. */
static void
test_switch_powers_off (void)
{
  open_card ("applet-switch-powers-off yes\n");
  verify_all ();
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);   /* the same applet again */
  CU_ASSERT_EQUAL (tx (PIV_ASK), 0x9000);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);   /* switch: PIV is off */
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C3);   /* ... and so was OpenPGP */
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (PIV_ASK), 0x63C3);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x6982);
  CU_ASSERT_EQUAL (auth_mgmt (), 0x9000);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C3);
  /* A SELECT of an AID no applet has does not switch. */
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  tx ("00 A4 04 00 05 A0 00 00 00 99");
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x9000);
}

/* A SELECT of PIV clears PIV's own state, even when PIV was selected
 * already; OpenPGP (not listed) keeps its own. */
static void
test_select_resets_self (void)
{
  open_card ("select-resets-security piv\n");
  verify_all ();
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (PIV_ASK), 0x63C3);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x6982);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x9000);    /* not listed: kept */
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x9000);

  /* "yes": every applet. */
  open_card ("select-resets-security yes\n");
  verify_all ();
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C3);
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C3);
  /* Without a SELECT in between the state holds. */
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 6E 00"), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x9000);
}

/* The applet options of tokens that are not like the specs. */
static void
test_unlike_specs (void)
{
  char text[1024];
  emu_card_t *c = NULL;

  snprintf (text, sizeof text, APPS_ATR "applet openpgp serial=00000003 "
            "name=Doe<<Jane composite-only=yes private-dos=no "
            "put-needs-pw3=yes rsa-import=crt\n"
            "applet piv serial=3 objects=basic chuid=auto\n");
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text (text, &c), 0);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  /* 5B only inside 65, C1 and C5 only inside 6E */
  CU_ASSERT_EQUAL (tx ("00 CA 00 5B 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 CA 00 65 00"), 0x9000);
  CU_ASSERT (data_has ("5B 09 44 6F 65 3C 3C 4A 61 6E 65"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 C1 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 CA 00 C5 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 CA 00 6E 00"), 0x9000);
  /* RSA attributes in CRT import format */
  CU_ASSERT (data_has ("C1 06 01 08 00 00 20 02"));
  CU_ASSERT_EQUAL (tx ("00 CA 00 5E 00"), 0x9000);   /* served singly */
  /* no private-use DOs; every PUT DATA after PW3 */
  CU_ASSERT_EQUAL (tx ("00 CA 01 01 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 01 01 02 41 42"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 31 32 33 34 35 36 37 38"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DA 01 01 02 41 42"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 DA 00 5E 02 41 42"), 0x9000);
  /* the same RSA size with another import format is the same algorithm */
  CU_ASSERT_EQUAL (tx ("00 DA 00 C1 06 01 08 00 00 20 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CA 00 6E 00"), 0x9000);
  CU_ASSERT (data_has ("C1 06 01 08 00 00 20 02"));
  /* PIV: basic objects only */
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 02 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 CB 3F FF 05 5C 03 5F C1 0C 00"), 0x6A82);
  CU_ASSERT_EQUAL (auth_mgmt (), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 DB 3F FF 0A 5C 03 5F C1 0C 53 03 30 01 00"),
                   0x6A82);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x9000);
}

/* wrong-pin=6982: a wrong password answers 6982 (the counter drops all
 * the same, an empty VERIFY shows it), 6983 on the try that blocks it;
 * the default answers 63Cx. */
static void
test_wrong_pin_6982 (void)
{
  char text[512];
  emu_card_t *c = NULL;

  open_card ("");
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 39 39 39 39 39 39"), 0x63C2);
  snprintf (text, sizeof text, APPS_ATR "applet openpgp serial=00000004 "
            "wrong-pin=maybe\n");
  CU_ASSERT_NOT_EQUAL (load_text (text, &c), 0);
  CU_ASSERT_PTR_NULL (c);
  snprintf (text, sizeof text, APPS_ATR "applet openpgp serial=00000004 "
            "wrong-pin=6982\n");
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text (text, &c), 0);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 39 39 39 39 39 39"), 0x6982);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C2);
  /* CHANGE REFERENCE DATA with a wrong old PW1 too */
  CU_ASSERT_EQUAL (tx ("00 24 00 81 0C 39 39 39 39 39 39 "
                       "31 31 31 31 31 31"), 0x6982);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 82 06 39 39 39 39 39 39"), 0x6983);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x6983);
  CU_ASSERT_EQUAL (tx (PW1_82), 0x6983);
  /* PW3 unaffected; the right one still answers 9000 */
  CU_ASSERT_EQUAL (tx ("00 20 00 83 08 31 32 33 34 35 36 37 38"), 0x9000);
}

/* Profile errors, and the options survive in a state file. */
static void
test_profile (void)
{
  char text[512], state[64];
  emu_card_t *c = NULL;
  int fd;

  snprintf (text, sizeof text, APPS_ATR "select-resets-security oath\n"
            "applet piv\n");
  CU_ASSERT_NOT_EQUAL (load_text (text, &c), 0);
  CU_ASSERT_PTR_NULL (c);
  snprintf (text, sizeof text, APPS_ATR "applet-switch-powers-off maybe\n"
            "applet piv\n");
  CU_ASSERT_NOT_EQUAL (load_text (text, &c), 0);
  snprintf (text, sizeof text, APPS_ATR "select-resets-security\n"
            "applet piv\n");
  CU_ASSERT_NOT_EQUAL (load_text (text, &c), 0);

  /* A change saves the state file; reloaded, the card still drops. */
  open_card ("select-resets-security piv,openpgp\n"
             "applet-switch-powers-off yes\n");
  strcpy (state, "/tmp/test-emu-tokens-XXXXXX");
  fd = mkstemp (state);
  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (state);
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (auth_mgmt (), 0x9000);
  CU_ASSERT_EQUAL (tx (PUT_CHUID), 0x9000);   /* saved */
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (emu_card_load (state, &c), 0);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C3);
  CU_ASSERT_EQUAL (tx (PW1_82), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_PIV), 0x9000);
  CU_ASSERT_EQUAL (tx (SEL_OPG), 0x9000);
  CU_ASSERT_EQUAL (tx (PW1_ASK), 0x63C3);
  unlink (state);
}

static const cutest_t tests[] = {
  CUTEST (test_keeps_state),
  CUTEST (test_switch_powers_off),
  CUTEST (test_select_resets_self),
  CUTEST (test_unlike_specs),
  CUTEST (test_wrong_pin_6982),
  CUTEST (test_profile),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-tokens", tests, setup, teardown);
}
