/* test-emu-state.c - the emulated card's security state and persistence:
 * VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER with retry
 * counters, power off dropping volatile state, the state file, profile
 * errors, and the applet dispatcher */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "emu-helper.h"
#include "common/log.h"
#include "emu/applet.h"
#include "emu/emu-image.h"

static void
open_pkcs15 (void)
{
  emu_card_free (card);
  card = load_card ("pkcs15.card");
  emu_card_power_on (card, NULL, NULL);
}

static void
test_verify (void)
{
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);            /* status */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 39 39 39 39"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x9000);            /* verified */
  /* Padded form as PKCS#15 clients send it. */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 08 31 32 33 34 35 36 FF FF"), 0x9000);
  /* Reset the verification status (P1 FF). */
  CU_ASSERT_EQUAL (tx ("00 20 FF 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
  /* Wrong reference, bad P1, reference 0. */
  CU_ASSERT_EQUAL (tx ("00 20 00 05 04 31 32 33 34"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 20 00 00"), 0x6A88);
  CU_ASSERT_EQUAL (tx ("00 20 01 01"), 0x6A86);
  /* Block it. */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C0);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x6983);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x6983);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x6983);
  /* The PIN-protected EF stays closed. */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4F 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6982);
  /* Power cycles do not reset a retry counter. */
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x6983);
}

static void
test_reset_retry (void)
{
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C1);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C0);
  /* Wrong PUK counts against the PUK. */
  CU_ASSERT_EQUAL (tx ("00 2C 00 01 0C 30 30 30 30 30 30 30 30 "
                       "39 38 37 36"), 0x63C9);
  CU_ASSERT_EQUAL (tx ("00 20 00 02"), 0x63C9);
  /* New PIN too short. */
  CU_ASSERT_EQUAL (tx ("00 2C 00 01 0A 31 32 33 34 35 36 37 38 39 38"),
                   0x6A80);
  /* PUK || new PIN. */
  CU_ASSERT_EQUAL (tx ("00 2C 00 01 0C 31 32 33 34 35 36 37 38 "
                       "39 38 37 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 02"), 0x63CA);             /* PUK reset */
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 39 38 37 36"), 0x9000);
  /* P1 01 (PUK only): unblocks, keeps the value. */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 30 30 30 30"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 2C 01 01 08 31 32 33 34 35 36 37 38"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
  /* P1 02/03 need the PUK verified first. */
  CU_ASSERT_EQUAL (tx ("00 2C 03 01"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 2C 02 01 04 31 31 31 31"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 02 08 31 32 33 34 35 36 37 38"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 2C 02 01 04 31 31 31 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 31 31 31 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 2C 03 01 01 00"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 2C 04 01"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 2C 00 02 04 31 31 31 31"), 0x6985); /* no PUK */
  CU_ASSERT_EQUAL (tx ("00 2C 00 07 04 31 31 31 31"), 0x6A88);
}

static void
test_change (void)
{
  open_pkcs15 ();
  /* old || new, wrong old. */
  CU_ASSERT_EQUAL (tx ("00 24 00 01 0A 30 30 30 30 30 30 31 31 31 31"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 24 00 01 0A 31 32 33 34 35 36 37 37 37 37"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x63C2);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 37 37 37 37"), 0x9000);
  /* Padded blocks of max length (PKCS#15 style). */
  CU_ASSERT_EQUAL (tx ("00 24 00 01 10 37 37 37 37 FF FF FF FF "
                       "35 35 35 35 35 FF FF FF"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 05 35 35 35 35 35"), 0x9000);
  /* P1 01: new value only, needs the PIN verified. */
  CU_ASSERT_EQUAL (tx ("00 24 01 01 04 34 34 34 34"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 FF 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 24 01 01 04 33 33 33 33"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 34 34 34 34"), 0x9000);
  /* New value too long, empty, bad P1. */
  CU_ASSERT_EQUAL (tx ("00 24 01 01 09 31 31 31 31 31 31 31 31 31"), 0x6A80);
  CU_ASSERT_EQUAL (tx ("00 24 00 01"), 0x6700);
  CU_ASSERT_EQUAL (tx ("00 24 02 01 04 31 31 31 31"), 0x6A86);
  CU_ASSERT_EQUAL (tx ("00 24 00 01 04 34 34 34 34"), 0x6700); /* no new */
}

static void
test_power_off (void)
{
  open_pkcs15 ();
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4F 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x9000);
  CU_ASSERT (data_is ("secret"));
  /* Pending GET RESPONSE data, too. */
  tx ("00 A4 00 04 02 4F 01 02");
  CU_ASSERT_EQUAL (sw & 0xFF00, 0x6100);
  emu_card_power_off (card);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 C0 00 00 00"), 0x6985);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x6986);   /* current EF gone */
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4F 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x6982);   /* PIN state gone */
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
  /* Reset (power on again without power off) drops it as well. */
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
}

static void
test_state_file (void)
{
  char state[] = "/tmp/test-emu-state-XXXXXX";
  int fd = mkstemp (state);

  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (state);
  open_pkcs15 ();
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  CU_ASSERT_EQUAL (access (state, F_OK), 0);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 06 31 32 33 34 35 36"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4F 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 03 4E 45 57"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 24 00 01 0A 31 32 33 34 35 36 32 32 32 32"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 04 82 01 01 83 02 AB CD"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 04 01 02 03 04"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00 02 70 01"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 20 00 02 04 30 30 30 30"), 0x63C9); /* counter */
  emu_card_free (card);

  /* A fresh card from the same profile with the state file: the writes
   * are there, the volatile state is not. */
  card = load_card ("pkcs15.card");
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 20 00 02"), 0x63C9);
  CU_ASSERT_EQUAL (tx ("00 20 00 01"), 0x63C3);
  CU_ASSERT_EQUAL (tx ("00 20 00 01 04 32 32 32 32"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 4F 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 06"), 0x9000);
  CU_ASSERT (data_is ("NEWret"));
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 AB CD"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_has ("01 02 03 04"));
  emu_card_free (card);
  card = NULL;

  /* A damaged state file is refused, not half-loaded. */
  {
    FILE *fp = fopen (state, "a");
    emu_card_t *c = load_card ("pkcs15.card");
    fputs ("ef 3F00/ZZZZ transparent\n", fp);
    fclose (fp);
    CU_ASSERT_NOT_EQUAL (emu_card_set_state_file (c, state), 0);
    emu_card_free (c);
  }
  unlink (state);
}

static void
test_profile_errors (void)
{
  static const char *const bad[] = {
    "df 3F00\n",                                       /* no atr */
    "atr 3B 00\nbogus line\n",
    "atr 3B\n",                                        /* too short */
    "atr 12 34\n",
    "atr 3B 00\nef 3F00/0001 sideways\n",
    "atr 3B 00\nef 3F00/0001/0002 transparent\n",       /* EF as parent */
    "atr 3B 00\nef 5000/0001 transparent\n",            /* not from MF */
    "atr 3B 00\nef 3F00/001 transparent\n",
    "atr 3B 00\nef 3F00/0001 transparent\nef 3F00/0001 transparent\n",
    "atr 3B 00\nef 3F00/0001 transparent content=ABC\n",
    "atr 3B 00\nef 3F00/0001 transparent content=@/nonexistent/file\n",
    "atr 3B 00\nef 3F00/0001 transparent size=2 content=010203\n",
    "atr 3B 00\nef 3F00/0001 transparent read=sometimes\n",
    "atr 3B 00\nef 3F00/0001 transparent read=pin:0x10\n",
    "atr 3B 00\nef 3F00/0001 transparent colour=blue\n",
    "atr 3B 00\nef 3F00/0001 linear-fixed\n",          /* no record size */
    "atr 3B 00\nef 3F00/0001 linear-fixed record-size=2 records=1\n"
    "record 0102\nrecord 0304\n",
    "atr 3B 00\nef 3F00/0001 linear-fixed record-size=2\nrecord 010203\n",
    "atr 3B 00\nrecord 0102\n",
    "atr 3B 00\npin 1\n",
    "atr 3B 00\npin 0 value=1234\n",
    "atr 3B 00\npin 1 value=1234 retries=0\n",
    "atr 3B 00\npin 1 value=123456789 max=8\n",
    "atr 3B 00\npin 1 value=1234\npin 1 value=1234\n",
    "atr 3B 00\npin 1 value=1234 puk=2\n",
    "atr 3B 00\napplet no-such-applet\n",
    "atr 3B 00\nextended-length yes\n",                /* ATR says no */
    "atr 3B 00\nprotocol t2\n",
    "atr 3B 00\ndf 3F00/5000 aid=0102030405060708090A0B0C0D0E0F1011\n",
    "atr 3B 00\nef 3F00/0001 transparent sfi=31\n",
    NULL
  };
  emu_card_t *c;
  size_t i;

  log_set_quiet (true);   /* the messages are expected */
  for (i = 0; bad[i]; i++)
    {
      gpg_error_t err = load_text (bad[i], &c);
      if (!err)
        fprintf (stderr, "accepted bad profile %zu: %s", i, bad[i]);
      CU_ASSERT_NOT_EQUAL (err, 0);
      CU_ASSERT_PTR_NULL (c);
      emu_card_free (c);
    }
  log_set_quiet (false);
  /* Continuation lines, comments, CRLF. */
  CU_ASSERT_EQUAL (load_text ("# comment\r\natr 3B \\\n 00\r\n"
                              "ef 3F00/0001 transparent \\\n"
                              "   content=414243 # trailing comment\n", &c), 0);
  emu_card_free (card);
  card = c;
  CU_ASSERT_EQUAL (tx ("00 A4 02 0C 02 00 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("ABC"));
}

/* ---- a small test applet ---- */

static int echo_selects, echo_apdus, echo_offs;

/* The one option: mode=echo (anything else is refused). */
static gpg_error_t
echo_option (void *state, const char *key, const char *value)
{
  (void)state;
  if (strcmp (key, "mode") || strcmp (value, "echo"))
    return gpg_error (GPG_ERR_INV_VALUE);
  return 0;
}

static const applet_life_t echo_life = { 1, NULL, echo_option, NULL, NULL };

static gpg_error_t
echo_select (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  (void)state;
  (void)cmd;
  echo_selects++;
  return buf_append (&r->data, "\x6F\x00", 2);
}

static gpg_error_t
echo_apdu (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  uint8_t *v = state;

  echo_apdus++;
  if (cmd->ins == 0x01)   /* remember P1 persistently */
    {
      *v = cmd->p1;
      r->changed = true;
      return 0;
    }
  if (cmd->ins == 0x02)   /* give it back */
    return buf_append_byte (&r->data, *v);
  if (cmd->ins == 0xA4)
    {
      r->sw = 0x6A82;
      return 0;
    }
  /* Echo the (de-chained) data, 300 bytes if asked for. */
  if (cmd->ins == 0x03)
    {
      size_t i;
      gpg_error_t err = 0;
      for (i = 0; i < 300 && !err; i++)
        err = buf_append_byte (&r->data, (uint8_t)i);
      return err;
    }
  return buf_append (&r->data, cmd->data, cmd->lc);
}

static void
echo_power_off (void *state)
{
  (void)state;
  echo_offs++;
}

static gpg_error_t
echo_save (void *state, buf_t *out)
{
  return buf_append_byte (out, *(uint8_t *)state);
}

static gpg_error_t
echo_load (void *state, const uint8_t *p, size_t n)
{
  if (n != 1)
    return gpg_error (GPG_ERR_INV_VALUE);
  *(uint8_t *)state = p[0];
  return 0;
}

static const uint8_t echo_aid[] = { 0xF0, 0x65, 0x63, 0x68, 0x6F, 0x01 };
static const applet_ops_t echo_ops = {
  "echo", echo_aid, sizeof echo_aid, &echo_life, echo_select,
  echo_apdu, echo_power_off, echo_save, echo_load
};

static void
test_applet (void)
{
  emu_card_t *c;
  char state[] = "/tmp/test-emu-applet-XXXXXX";
  int fd;

  CU_ASSERT_EQUAL (applet_register (&echo_ops), 0);
  CU_ASSERT_NOT_EQUAL (applet_register (&echo_ops), 0);
  CU_ASSERT_PTR_EQUAL (applet_find ("echo"), &echo_ops);
  CU_ASSERT (strstr (applet_names (), "echo") != NULL);
  log_set_quiet (true);   /* the messages are expected */
  CU_ASSERT_NOT_EQUAL (load_text ("atr 3B 00\napplet echo mode=bad\n", &c), 0);
  log_set_quiet (false);
  CU_ASSERT_EQUAL_FATAL (load_text ("atr 3B 00\n"
                                    "ef 3F00/0001 transparent content=AA\n"
                                    "applet echo mode=echo\n", &c), 0);
  emu_card_free (card);
  card = c;
  emu_card_power_on (card, NULL, NULL);
  /* Not selected: the file system answers. */
  CU_ASSERT_EQUAL (tx ("00 10 00 00 01 55"), 0x6D00);
  /* SELECT by (partial) AID routes to the applet. */
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 F0 65 63 68 6F 00"), 0x9000);
  CU_ASSERT_EQUAL (echo_selects, 1);
  CU_ASSERT (data_has ("6F 00"));
  CU_ASSERT_EQUAL (tx ("00 10 00 00 02 55 66 00"), 0x9000);
  CU_ASSERT (data_has ("55 66"));
  CU_ASSERT_EQUAL (tx ("80 10 00 00 01 77 00"), 0x9000);   /* proprietary */
  CU_ASSERT (data_has ("77"));
  /* Chaining is joined before the applet sees it. */
  CU_ASSERT_EQUAL (tx ("10 10 00 00 01 11"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 10 00 00 01 22 00"), 0x9000);
  CU_ASSERT (data_has ("11 22"));
  /* Long answers go out by 61xx / GET RESPONSE. */
  CU_ASSERT_EQUAL (tx ("00 03 00 00 00"), 0x612C);
  CU_ASSERT_EQUAL (dlen, 256);
  CU_ASSERT_EQUAL (tx ("00 C0 00 00 2C"), 0x9000);
  CU_ASSERT_EQUAL (resp[43], (uint8_t)299);
  /* A SELECT the file system cannot satisfy goes to the applet... */
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 12 34"), 0x6A82);
  CU_ASSERT_EQUAL (tx ("00 10 00 00 01 33 00"), 0x9000);
  CU_ASSERT (data_has ("33"));
  /* ...a SELECT of a file deselects it. */
  CU_ASSERT_EQUAL (tx ("00 A4 02 0C 02 00 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 10 00 00 01 55 00"), 0x6D00);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_has ("AA"));
  /* Persistent applet state goes through the state file. */
  fd = mkstemp (state);
  CU_ASSERT_FATAL (fd >= 0);
  close (fd);
  unlink (state);
  CU_ASSERT_EQUAL (emu_card_set_state_file (card, state), 0);
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 06 F0 65 63 68 6F 01 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 01 5A 00"), 0x9000);
  /* Power off reaches the applet and deselects it. */
  echo_offs = 0;
  emu_card_power_off (card);
  CU_ASSERT_EQUAL (echo_offs, 1);
  emu_card_power_on (card, NULL, NULL);
  CU_ASSERT_EQUAL (tx ("00 02 00 00 00"), 0x6D00);
  emu_card_free (card);
  card = NULL;
  CU_ASSERT_EQUAL_FATAL (load_text ("atr 3B 00\napplet echo\n", &c), 0);
  CU_ASSERT_EQUAL (emu_card_set_state_file (c, state), 0);
  card = c;
  CU_ASSERT_EQUAL (tx ("00 A4 04 00 05 F0 65 63 68 6F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 02 00 00 00"), 0x9000);
  CU_ASSERT_EQUAL (resp[0], 0x5A);
  unlink (state);
  CU_ASSERT (echo_apdus > 0);
}


/* A card image (as a VSC holds it) presented as a card, and written back. */
static void
test_image (void)
{
  image_t *img = NULL, *back = NULL;
  image_node_t *n, *r;
  emu_card_t *c = NULL;
  unsigned skipped = 0;
  static const uint8_t atr[] = { 0x3B, 0x02, 0x14, 0x50 };

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  image_set_atr (img, atr, sizeof atr);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/5015/4401",
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_USER, &n), 0);
  image_node_set_content (n, "hello", 5);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/5015/4402",
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_USER, &n), 0);
  image_node_set_content (n, "pin", 3);
  n->access.read = IMAGE_AC_PIN;
  n->access.read_ref = 0x81;
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/6000",
                                    IMAGE_NODE_EF_LINEAR_VARIABLE,
                                    IMAGE_SRC_USER, &n), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/6000/#1", IMAGE_NODE_RECORD,
                                    IMAGE_SRC_USER, &r), 0);
  image_node_set_content (r, "one", 3);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/6000/#2", IMAGE_NODE_RECORD,
                                    IMAGE_SRC_USER, &r), 0);
  image_node_set_content (r, "two!", 4);
  CU_ASSERT_EQUAL (image_make_path (img, "openpgp/5F50", IMAGE_NODE_DO,
                                    IMAGE_SRC_USER, &n), 0);

  CU_ASSERT_EQUAL_FATAL (emu_image_card (img, "4321", &c, &skipped), 0);
  CU_ASSERT_EQUAL (skipped, 1);   /* the applet root */
  emu_card_free (card);
  card = c;
  {
    uint8_t a[40];
    size_t al = sizeof a;
    CU_ASSERT_EQUAL (emu_card_power_on (card, a, &al), 0);
    CU_ASSERT_EQUAL (al, sizeof atr);
  }
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 44 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("hello"));
  CU_ASSERT_EQUAL (tx ("00 A4 02 0C 02 44 02"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x6982);
  CU_ASSERT_EQUAL (tx ("00 20 00 81 04 34 33 32 31"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B0 00 00 00"), 0x9000);
  CU_ASSERT (data_is ("pin"));
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 60 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 B2 02 04 00"), 0x9000);
  CU_ASSERT (data_is ("two!"));

  /* Change things on the card, then sync into a copy of the image. */
  CU_ASSERT_EQUAL (tx ("00 E2 00 00 05 74 68 72 65 65"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 04 50 15 44 01"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 D6 00 00 01 4A"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E0 00 00 0D 62 0B 80 02 00 02 82 01 01 83 02 70 00"),
                   0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 00 0C 02 3F 00"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 A4 08 0C 02 50 15"), 0x9000);
  CU_ASSERT_EQUAL (tx ("00 E4 00 00 02 44 02"), 0x9000);
  CU_ASSERT_EQUAL_FATAL (image_copy (img, &back), 0);
  CU_ASSERT_EQUAL (emu_image_sync (card, back), 0);
  n = image_find_path (back, "3F00/5015/4401");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT (n->content_len == 5 && !memcmp (n->content, "Jello", 5));
  CU_ASSERT_PTR_NULL (image_find_path (back, "3F00/5015/4402"));
  n = image_find_path (back, "3F00/7000");
  CU_ASSERT_PTR_NOT_NULL (n);
  if (n)
    CU_ASSERT_EQUAL (n->content_len, 2);
  r = image_find_path (back, "3F00/6000/#3");
  CU_ASSERT_PTR_NOT_NULL (r);
  if (r)
    CU_ASSERT (r->content_len == 5 && !memcmp (r->content, "three", 5));
  CU_ASSERT_PTR_NOT_NULL (image_find_path (back, "openpgp/5F50"));
  image_free (back);
  image_free (img);
}

static int
teardown (void)
{
  emu_card_free (card);
  card = NULL;
  return 0;
}

static const cutest_t tests[] = {
  CUTEST (test_verify),
  CUTEST (test_reset_retry),
  CUTEST (test_change),
  CUTEST (test_power_off),
  CUTEST (test_state_file),
  CUTEST (test_profile_errors),
  CUTEST (test_applet),
  CUTEST (test_image),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("emu-state", tests, NULL, teardown);
}
