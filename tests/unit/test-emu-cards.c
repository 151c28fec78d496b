/* test-emu-cards.c - profile options that model what real ISO 7816 cards
 * do (doc/card-profile.md): applications reached only by their AID and
 * lost on reset (select=aid), FCI instead of FCP (select-template fci),
 * PINs in their creation state (unset), slow cards (latency). Each is
 * tested in both behaviours: with the option and without it. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <time.h>
#include "emu-helper.h"

static int
setup (void)
{
  return 0;
}

static void
use_card (const char *name)
{
  emu_card_free (card);
  card = load_card (name);
  CU_ASSERT_EQUAL (emu_card_power_on (card, NULL, NULL), 0);
}

static void
power_cycle (void)
{
  emu_card_power_off (card);
  CU_ASSERT_EQUAL (emu_card_power_on (card, NULL, NULL), 0);
}

/* pkcs15.card: the application DF is a child of the MF like any DF. */
static void
test_app_by_path (void)
{
  use_card ("pkcs15.card");
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 04 04 50 15 50 31 00"), 0x9000);
}

/* pkcs15-aid.card: DF 5015 only by its name; inside it the files are
 * found by FID and by a path from the current DF; a reset loses it. */
static void
test_app_aid_only (void)
{
  use_card ("pkcs15-aid.card");
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);   /* MF is there */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 50 15"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 50 31"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 01 0C 02 50 15"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 09 0C 04 50 15 50 31"), 0x6A82);
  /* EF.DIR and DF 7000 are still reached from the MF. */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 2F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 70 00 70 01"), 0x9000);
  /* By name, then inside. */
  CU_ASSERT_EQUAL (tx ("00 A4 04 04 0C A0 00 00 00 63 50 4B 43 53 2D 31 35"
                       " 00"), 0x9000);
  CU_ASSERT (data_has ("83 02 50 15"));
  CU_ASSERT_EQUAL (tx ("00 A4 02 0C 02 50 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 08"), 0x9000);
  CU_ASSERT (data_has ("A8 06 30 04 04 02 44 01"));   /* relative paths */
  CU_ASSERT_EQUAL (tx ("00 A4 09 04 02 44 01 00"), 0x9000);
  CU_ASSERT (data_has ("83 02 44 01"));
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 32"), 0x9000);
  /* While inside, its own FID names it. */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x9000);
  /* Power cycle: the DF is gone again until the next SELECT by name. */
  power_cycle ();
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 31"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 09 0C 02 50 31"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 35"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 31"), 0x9000);
}

/* pkcs15-nomf.card: no MF to select; only the AID leads in. */
static void
test_no_mf (void)
{
  use_card ("pkcs15-nomf.card");
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 50 31"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 50 15"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 04 0C 0C A0 00 00 00 63 50 4B 43 53 2D 31 35"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 09 0C 02 50 31"), 0x9000);
  /* The parent of the application is the MF, which is not selectable. */
  CU_ASSERT_EQUAL (tx ("00 A4 03 0C"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x6A82);
  power_cycle ();
  CU_ASSERT_EQUAL (tx ("00 A4 09 0C 02 50 31"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 02 0C 02 50 31"), 0x6A82);
}

/* SELECT P2 04 asks for the FCP: 62, or 6F with select-template fci.
 * The attributes inside are the same; P2 00 gives 6F on both. */
static void
test_select_template (void)
{
  uint8_t fcp[256], fci[256];
  size_t nfcp, nfci;

  use_card ("pkcs15.card");
  CU_ASSERT_EQUAL (tx ("00 A4 08 04 04 50 15 43 01 00"), 0x9000);
  CU_ASSERT_EQUAL_FATAL (resp[0], 0x62);
  nfcp = dlen;
  memcpy (fcp, resp, dlen);
  CU_ASSERT_EQUAL (tx ("00 A4 08 00 04 50 15 43 01 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x6F);

  use_card ("pkcs15-fci.card");
  CU_ASSERT_EQUAL (tx ("00 A4 08 04 04 50 15 43 01 00"), 0x9000);
  CU_ASSERT_EQUAL_FATAL (resp[0], 0x6F);
  nfci = dlen;
  memcpy (fci, resp, dlen);
  CU_ASSERT_EQUAL (nfci, nfcp);
  CU_ASSERT (nfci > 2 && !memcmp (fci + 1, fcp + 1, nfci - 1));
  CU_ASSERT_EQUAL (tx ("00 A4 08 00 04 50 15 43 01 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x6F);
}

static emu_card_t *text_card (const char *text);

/* select-template none: a card that cannot give its FCP/FCI (6F00 to
 * P2 00 and 04, nothing selected), while P2 0C works. */
static void
test_select_template_none (void)
{
  text_card ("atr 3B 02 14 50\nselect-template none\n"
             "ef 3F00/0001 transparent content=414243\n");
  CU_ASSERT_EQUAL (tx ("00 A4 00 04 02 00 01 00"), 0x6F00);
  CU_ASSERT_EQUAL (tx ("00 A4 00 00 02 00 01 00"), 0x6F00);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6986);   /* not selected */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 00 01"), 0x9000);
  CU_ASSERT_EQUAL (dlen, 0);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("ABC"));
}

static emu_card_t *
text_card (const char *text)
{
  emu_card_t *c = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text (text, &c), 0);
  emu_card_free (card);
  card = c;
  CU_ASSERT_EQUAL (emu_card_power_on (card, NULL, NULL), 0);
  return c;
}

/* A PIN in its creation state: VERIFY answers 6984, the files it
 * protects are not protected yet; CHANGE REFERENCE DATA P1 01 gives it
 * its first value, after which it is enforced. */
static const char unset_card[] =
  "atr 3B 02 14 50\n"
  "pin 0x01 name=CHV1 unset min=4 max=8\n"
  "pin 0x02 name=SO value=87654321 min=8 max=8\n"
  "df 3F00 create=always\n"
  "ef 3F00/0001 transparent read=pin:1 update=pin:1 content=5345435245540A\n"
  "ef 3F00/0002 transparent read=pin:2 content=41\n";

static void
test_pin_unset (void)
{
  text_card (unset_card);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x6984);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 31 32 33 34"), 0x6984);
  CU_ASSERT_EQUAL (tx ("00 24 00 01 08 31 32 33 34 35 36 37 38"), 0x6984);
  CU_ASSERT_EQUAL (tx ("00 2C 02 01 04 31 32 33 34"), 0x6984);
  /* Not enforced while unset; a set PIN is (0002). */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 00 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("SECRET\n"));
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 00 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6982);
  /* Too short for min=4, then the first value. */
  CU_ASSERT_EQUAL (tx ("00 24 01 01 02 31 32"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 24 01 01 04 31 32 33 34"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 00 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6982);
  /* P1 01 now needs the PIN verified first, as for any set PIN. */
  CU_ASSERT_EQUAL (tx ("00 24 01 01 04 39 39 39 39"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 31 32 33 34"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("SECRET\n"));
}

/* The state file keeps an unset PIN unset (and a set one set). */
static void
test_pin_unset_state (void)
{
  char state[64];
  int fd;
  emu_card_t *c;

  strcpy (state, "/tmp/test-emu-cards-XXXXXX");
  fd = mkstemp (state);
  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (state);

  text_card (unset_card);
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  c = NULL;
  CU_ASSERT_EQUAL (emu_card_load (state, &c), 0);
  emu_card_free (card);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x6984);
  CU_ASSERT_EQUAL (tx ("00 20 00 02"), 0x63C3);

  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  CU_ASSERT_EQUAL (tx ("00 24 01 01 04 31 32 33 34"), 0x9000);
  c = NULL;
  CU_ASSERT_EQUAL (emu_card_load (state, &c), 0);
  emu_card_free (card);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 31 32 33 34"), 0x9000);
  unlink (state);
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* latency MS: an answer never comes sooner (a lower bound only). */
static void
test_latency (void)
{
  double t0, t1, t2;

  text_card ("atr 3B 02 14 50\nlatency 40\n");
  t0 = now ();
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  t1 = now ();
  CU_ASSERT (t1 - t0 >= 0.080);
  /* emu_card_set_latency (vscemu --latency) overrides the profile. */
  emu_card_set_latency (card, 0);
  emu_card_set_latency (card, 25);
  t1 = now ();
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  t2 = now ();
  CU_ASSERT (t2 - t1 >= 0.025);
}

/* Bad values of the new options are load errors. */
static void
test_profile_errors (void)
{
  emu_card_t *c;

  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\nlatency 60001\n", &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\nlatency -1\n", &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\nlatency\n", &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\nselect-template 62\n",
                                  &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\ndf 3F00/5015 select=aid\n",
                                  &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\ndf 3F00/5015 aid=A000 "
                                  "select=path\n", &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\nef 3F00/0001 transparent "
                                  "select=aid\n", &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\npin 1 unset value=1234\n",
                                  &c), 0);
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 02 14 50\npin 1 name=X\n", &c), 0);
  CU_ASSERT_EQUAL (load_text ("atr 3B 02 14 50\nlatency 0\nselect-template "
                              "fcp\npin 1 unset\ndf 3F00 select=aid\n"
                              "df 3F00/5015 aid=A0000000 select=aid\n", &c),
                   0);
  emu_card_free (c);
}

static int
teardown (void)
{
  emu_card_free (card);
  card = NULL;
  return 0;
}

static const cutest_t tests[] = {
  CUTEST (test_app_by_path),
  CUTEST (test_app_aid_only),
  CUTEST (test_no_mf),
  CUTEST (test_select_template),
  CUTEST (test_select_template_none),
  CUTEST (test_pin_unset),
  CUTEST (test_pin_unset_state),
  CUTEST (test_latency),
  CUTEST (test_profile_errors),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-cards", tests, setup, teardown);
}
