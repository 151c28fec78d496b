/* test-reader.c - reader handler: ATR rule, emu backend, monitor queue */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>
#include "cutest.h"
#include "common/util.h"
#include "reader/reader.h"

static char profile_opts[2048];

static const uint8_t select_mf[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };

/* Two emulated readers, both with the PKCS#15 test card. */
static reader_ctx_t *
open_two (void)
{
  reader_ctx_t *ctx = NULL;
  gpg_error_t err;

  snprintf (profile_opts, sizeof profile_opts,
            "profile=%s/tests/cards/pkcs15.card,"
            "profile=%s/tests/cards/pkcs15.card",
            cutest_srcdir (), cutest_srcdir ());
  err = reader_open (READER_BACKEND_EMU, profile_opts, &ctx);
  CU_ASSERT_EQUAL (err, 0);
  return ctx;
}

static int
readable (int fd, int timeout_ms)
{
  struct pollfd p = { fd, POLLIN, 0 };
  return poll (&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

static unsigned
send_apdu (reader_card_t *card, const uint8_t *c, size_t n, gpg_error_t *r_err)
{
  uint8_t resp[APDU_MAX_RAPDU];
  size_t rlen = sizeof resp;

  *r_err = reader_transmit (card, c, n, resp, &rlen);
  if (*r_err || rlen < 2)
    return 0;
  return get_be16 (resp + rlen - 2);
}

static void
test_atr_ext_rule (void)
{
  /* T=0 and T=1 offered, category 80, card capabilities 73 00 00 40. */
  static const uint8_t ext[] = { 0x3B, 0x85, 0x80, 0x01,
                                 0x80, 0x73, 0x00, 0x00, 0x40, 0x00 };
  static const uint8_t noext[] = { 0x3B, 0x85, 0x80, 0x01,
                                   0x80, 0x73, 0x00, 0x00, 0x80, 0x00 };
  /* Category 00: the last three historical bytes are the status. */
  static const uint8_t cat00[] = { 0x3B, 0x88, 0x80, 0x01, 0x00, 0x73, 0x00,
                                   0x00, 0x40, 0x00, 0x90, 0x00, 0x00 };
  /* A YubiKey 5 ATR (TA1 TB1 TC1 TD1 TD2 TA3 TB3, 13 historical bytes). */
  static const uint8_t yk[] = { 0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31,
                                0xFE, 0x15, 0x80, 0x73, 0xC0, 0x21, 0xC0,
                                0x57, 0x59, 0x75, 0x62, 0x69, 0x4B, 0x65,
                                0x79, 0x40 };
  /* Caps object with only two bytes: no third byte, no extended. */
  static const uint8_t short_caps[] = { 0x3B, 0x84, 0x80, 0x01,
                                        0x80, 0x72, 0x00, 0x40, 0x00 };
  /* Category 10 (DIR reference): never parsed as compact-TLV. */
  static const uint8_t cat10[] = { 0x3B, 0x85, 0x80, 0x01,
                                   0x10, 0x73, 0x00, 0x00, 0x40, 0x00 };

  CU_ASSERT_TRUE (reader_atr_ext_ok (ext, sizeof ext));
  CU_ASSERT_FALSE (reader_atr_ext_ok (noext, sizeof noext));
  CU_ASSERT_TRUE (reader_atr_ext_ok (cat00, sizeof cat00));
  CU_ASSERT_TRUE (reader_atr_ext_ok (yk, sizeof yk));
  CU_ASSERT_FALSE (reader_atr_ext_ok (short_caps, sizeof short_caps));
  CU_ASSERT_FALSE (reader_atr_ext_ok (cat10, sizeof cat10));
  /* Truncated: the announced historical bytes are not all there. */
  CU_ASSERT_FALSE (reader_atr_ext_ok (ext, 7));
  CU_ASSERT_FALSE (reader_atr_ext_ok (yk, 4));
  CU_ASSERT_FALSE (reader_atr_ext_ok (NULL, 0));
}

static void
test_atr_protocols (void)
{
  /* No TD1: T=0 only. */
  static const uint8_t t0[] = { 0x3B, 0x02, 0x14, 0x50 };
  /* TD1 = 80 (T=0), TD2 = 01 (T=1). */
  static const uint8_t both[] = { 0x3B, 0x85, 0x80, 0x01,
                                  0x80, 0x73, 0x00, 0x00, 0x40, 0x00 };
  /* OpenPGP card style: TD1 = 81, TD2 = B1, TD3 = 1F (T=15 ignored). */
  static const uint8_t t1[] = { 0x3B, 0xDA, 0x18, 0xFF, 0x81, 0xB1, 0xFE,
                                0x75, 0x1F, 0x03, 0x00, 0x31, 0xF5, 0x73,
                                0xC0, 0x01, 0x60, 0x00, 0x90, 0x00, 0x1C };

  CU_ASSERT_EQUAL (reader_atr_protocols (t0, sizeof t0), READER_PROTO_T0);
  CU_ASSERT_EQUAL (reader_atr_protocols (both, sizeof both),
                   READER_PROTO_T0 | READER_PROTO_T1);
  CU_ASSERT_EQUAL (reader_atr_protocols (t1, sizeof t1), READER_PROTO_T1);
  CU_ASSERT_EQUAL (reader_atr_protocols (t1, 6), 0);   /* truncated */
  CU_ASSERT_EQUAL (reader_atr_protocols (NULL, 0), 0);
}

/* A throw-away profile whose ATR (OpenPGP card style) offers T=1 only. */
static void
test_emu_t1_only_card (void)
{
  char path[] = "/tmp/test-reader-XXXXXX";
  char opts[1100];
  reader_ctx_t *ctx = NULL;
  reader_card_t *card = NULL;
  FILE *fp;
  int fd;

  fd = mkstemp (path);
  CU_ASSERT_TRUE_FATAL (fd >= 0);
  fp = fdopen (fd, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  fputs ("atr 3BDA18FF81B1FE751F030031F573C001600090001C\n"
         "protocol t1\n"
         "df 3F00\n", fp);
  fclose (fp);
  snprintf (opts, sizeof opts, "profile=%s", path);
  CU_ASSERT_EQUAL (reader_open (READER_BACKEND_EMU, opts, &ctx), 0);
  unlink (path);
  if (!ctx)
    return;
  CU_ASSERT_EQUAL (gpg_err_code (reader_connect (ctx, NULL, READER_SHARED,
                                                 READER_PROTO_T0, &card)),
                   GPG_ERR_NOT_SUPPORTED);
  CU_ASSERT_EQUAL (reader_connect (ctx, NULL, READER_SHARED,
                                   READER_PROTO_ANY, &card), 0);
  CU_ASSERT_EQUAL (reader_card_proto (card), READER_PROTO_T1);
  reader_disconnect (card, false);
  reader_close (ctx);
}

/* blank.card announces extended length (card capabilities 73 00 00 C0):
 * the channel gets it over T=1, never over T=0. */
static void
test_emu_extended (void)
{
  char opts[1100];
  reader_ctx_t *ctx = NULL;
  reader_card_t *card = NULL;
  apdu_chan_t chan;

  snprintf (opts, sizeof opts, "profile=%s/tests/cards/blank.card",
            cutest_srcdir ());
  CU_ASSERT_EQUAL_FATAL (reader_open (READER_BACKEND_EMU, opts, &ctx), 0);
  CU_ASSERT_EQUAL (reader_connect (ctx, NULL, READER_SHARED,
                                   READER_PROTO_ANY, &card), 0);
  CU_ASSERT_EQUAL (reader_card_proto (card), READER_PROTO_T1);
  reader_chan_init (card, &chan);
  CU_ASSERT_TRUE (chan.ext_ok);
  CU_ASSERT_EQUAL (chan.max_le, 65536);
  CU_ASSERT_EQUAL (chan.max_lc, 65535);
  reader_disconnect (card, false);
  CU_ASSERT_EQUAL (reader_connect (ctx, NULL, READER_SHARED,
                                   READER_PROTO_T0, &card), 0);
  reader_chan_init (card, &chan);
  CU_ASSERT_EQUAL (chan.proto, APDU_PROTO_T0);
  CU_ASSERT_FALSE (chan.ext_ok);
  CU_ASSERT_EQUAL (chan.max_le, 256);
  CU_ASSERT_EQUAL (chan.max_lc, 255);
  reader_disconnect (card, false);
  reader_close (ctx);
}

static void
test_emu_bad_opts (void)
{
  reader_ctx_t *ctx = NULL;
  CU_ASSERT_NOT_EQUAL (reader_open (READER_BACKEND_EMU, "profil=x", &ctx), 0);
  CU_ASSERT_PTR_NULL (ctx);
  CU_ASSERT_NOT_EQUAL (reader_open (READER_BACKEND_EMU,
                                    "profile=/nonexistent/card", &ctx), 0);
  CU_ASSERT_PTR_NULL (ctx);
}

static void
test_emu_list_connect (void)
{
  reader_ctx_t *ctx = open_two ();
  reader_info_t *list = NULL;
  reader_card_t *card = NULL, *card2 = NULL;
  apdu_chan_t chan;
  const uint8_t *atr;
  size_t n = 0, atr_len;
  gpg_error_t err;

  if (!ctx)
    return;
  CU_ASSERT_EQUAL (reader_list (ctx, &list, &n), 0);
  CU_ASSERT_EQUAL_FATAL (n, 2);
  CU_ASSERT_STRING_EQUAL (list[0].name, "vscemu 0");
  CU_ASSERT_STRING_EQUAL (list[1].name, "vscemu 1");
  CU_ASSERT_TRUE (list[0].present);
  CU_ASSERT_FALSE (list[0].in_use);
  CU_ASSERT_TRUE (list[0].atr_len >= 2);
  CU_ASSERT_EQUAL (list[0].atr[0], 0x3B);

  CU_ASSERT_EQUAL (reader_connect (ctx, NULL, READER_SHARED, READER_PROTO_ANY,
                                   &card), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (card);
  CU_ASSERT_STRING_EQUAL (reader_card_name (card), "vscemu 0");
  CU_ASSERT_EQUAL (reader_card_proto (card), READER_PROTO_T1);
  atr = reader_card_atr (card, &atr_len);
  CU_ASSERT_EQUAL (atr_len, list[0].atr_len);
  CU_ASSERT_TRUE (!memcmp (atr, list[0].atr, atr_len));
  CU_ASSERT_EQUAL (send_apdu (card, select_mf, sizeof select_mf, &err),
                   0x9000);
  CU_ASSERT_EQUAL (err, 0);

  /* The channel follows the ATR rule. */
  reader_chan_init (card, &chan);
  CU_ASSERT_EQUAL (chan.proto, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (chan.ext_ok, reader_atr_ext_ok (atr, atr_len));
  CU_ASSERT_EQUAL (chan.max_le, chan.ext_ok ? 65536 : 256);
  CU_ASSERT_TRUE (chan.ctx == card);

  xfree (list);
  list = NULL;
  CU_ASSERT_EQUAL (reader_list (ctx, &list, &n), 0);
  CU_ASSERT_TRUE (list && list[0].in_use && !list[0].exclusive);

  /* Shared + exclusive do not mix; unknown reader; T=0 only refused. */
  CU_ASSERT_EQUAL (gpg_err_code (reader_connect (ctx, "vscemu 0",
                                                 READER_EXCLUSIVE,
                                                 READER_PROTO_ANY, &card2)),
                   GPG_ERR_EBUSY);
  CU_ASSERT_EQUAL (gpg_err_code (reader_connect (ctx, "vscemu 7",
                                                 READER_SHARED,
                                                 READER_PROTO_ANY, &card2)),
                   GPG_ERR_ENODEV);
  /* The PKCS#15 card's ATR offers T=0 and T=1: asking for T=0 alone
   * gets T=0, and T=0 never has extended length. */
  CU_ASSERT_EQUAL (reader_atr_protocols (list[1].atr, list[1].atr_len),
                   READER_PROTO_T0 | READER_PROTO_T1);
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 1", READER_SHARED,
                                   READER_PROTO_T0, &card2), 0);
  CU_ASSERT_EQUAL (reader_card_proto (card2), READER_PROTO_T0);
  reader_chan_init (card2, &chan);
  CU_ASSERT_EQUAL (chan.proto, APDU_PROTO_T0);
  CU_ASSERT_FALSE (chan.ext_ok);
  CU_ASSERT_EQUAL (chan.max_le, 256);
  reader_disconnect (card2, false);
  card2 = NULL;
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 1", READER_EXCLUSIVE,
                                   READER_PROTO_T1, &card2), 0);
  CU_ASSERT_EQUAL (reader_card_proto (card2), READER_PROTO_T1);
  reader_disconnect (card2, false);
  card2 = NULL;
  CU_ASSERT_FALSE (reader_has_pinpad (card));
  {
    unsigned sw = 0;
    CU_ASSERT_EQUAL (gpg_err_code (reader_verify_pinpad (card, 0, 0x81, NULL,
                                                         &sw)),
                     GPG_ERR_NOT_SUPPORTED);
  }
  reader_disconnect (card, false);
  xfree (list);
  reader_close (ctx);
}

static void
test_emu_monitor_events (void)
{
  reader_ctx_t *ctx = open_two ();
  reader_monitor_t *mon = NULL;
  reader_card_t *card = NULL;
  reader_event_t ev;
  gpg_error_t err;
  int fd = -1;

  if (!ctx)
    return;
  CU_ASSERT_EQUAL_FATAL (reader_monitor_start (ctx, &mon, &fd), 0);
  CU_ASSERT_TRUE (fd >= 0);
  CU_ASSERT_FALSE (readable (fd, 0));   /* nothing happened yet */
  CU_ASSERT_EQUAL (gpg_err_code (reader_monitor_next (mon, &ev)),
                   GPG_ERR_EAGAIN);

  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &card), 0);
  CU_ASSERT_EQUAL (reader_emu_set_present (ctx, 0, false), 0);
  CU_ASSERT_TRUE (readable (fd, 1000));
  CU_ASSERT_EQUAL (reader_monitor_next (mon, &ev), 0);
  CU_ASSERT_EQUAL (ev.type, READER_EV_CARD_REMOVED);
  CU_ASSERT_STRING_EQUAL (ev.reader, "vscemu 0");
  CU_ASSERT_TRUE (ev.when_ns > 0);
  CU_ASSERT_EQUAL (gpg_err_code (reader_monitor_next (mon, &ev)),
                   GPG_ERR_EAGAIN);
  CU_ASSERT_FALSE (readable (fd, 0));   /* byte consumed with the queue */

  /* The old connection sees the removal, and connecting finds no card. */
  send_apdu (card, select_mf, sizeof select_mf, &err);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_REMOVED);
  CU_ASSERT_EQUAL (gpg_err_code (reader_begin (card)), GPG_ERR_CARD_REMOVED);
  reader_disconnect (card, false);
  card = NULL;
  CU_ASSERT_EQUAL (gpg_err_code (reader_connect (ctx, "vscemu 0",
                                                 READER_SHARED,
                                                 READER_PROTO_ANY, &card)),
                   GPG_ERR_CARD_NOT_PRESENT);

  /* Removing an absent card is quiet; inserting reports the ATR. */
  CU_ASSERT_EQUAL (reader_emu_set_present (ctx, 0, false), 0);
  CU_ASSERT_FALSE (readable (fd, 0));
  CU_ASSERT_EQUAL (reader_emu_set_present (ctx, 0, true), 0);
  CU_ASSERT_TRUE (readable (fd, 1000));
  CU_ASSERT_EQUAL (reader_monitor_next (mon, &ev), 0);
  CU_ASSERT_EQUAL (ev.type, READER_EV_CARD_INSERTED);
  CU_ASSERT_TRUE (ev.atr_len >= 2 && ev.atr[0] == 0x3B);
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &card), 0);
  CU_ASSERT_EQUAL (send_apdu (card, select_mf, sizeof select_mf, &err),
                   0x9000);
  reader_disconnect (card, false);

  /* A batch: two removals, one wake-up, two events in order. */
  CU_ASSERT_EQUAL (reader_emu_set_present (ctx, 1, false), 0);
  CU_ASSERT_EQUAL (reader_emu_set_present (ctx, 0, false), 0);
  CU_ASSERT_TRUE (readable (fd, 1000));
  CU_ASSERT_EQUAL (reader_monitor_next (mon, &ev), 0);
  CU_ASSERT_STRING_EQUAL (ev.reader, "vscemu 1");
  CU_ASSERT_TRUE (readable (fd, 0));    /* still one queued */
  CU_ASSERT_EQUAL (reader_monitor_next (mon, &ev), 0);
  CU_ASSERT_STRING_EQUAL (ev.reader, "vscemu 0");
  CU_ASSERT_FALSE (readable (fd, 0));
  CU_ASSERT_EQUAL (gpg_err_code (reader_emu_set_present (ctx, 5, true)),
                   GPG_ERR_ENODEV);

  reader_monitor_stop (mon);
  reader_close (ctx);
}

/* The emulated PIN pad builds the VERIFY from the format as a PC/SC
 * reader does: PIV wants the PIN padded with FF to 8 bytes (a variable
 * length VERIFY is refused), and digits outside the format's range are
 * refused by the "reader" (6B80) without reaching the card. */
static void
test_emu_pinpad (void)
{
  static const uint8_t select_piv[] = { 0x00, 0xA4, 0x04, 0x00, 0x05,
                                        0xA0, 0x00, 0x00, 0x03, 0x08 };
  static const uint8_t retries[] = { 0x00, 0x20, 0x00, 0x80 };
  static const reader_pin_format_t piv = { 6, 8, 8, 0xFF };
  static const reader_pin_format_t ascii = { 4, 15, 0, 0 };
  static const reader_pin_format_t bad = { 9, 4, 0, 0 };
  reader_ctx_t *ctx = NULL;
  reader_card_t *card = NULL;
  char opts[600];
  unsigned sw = 0;
  gpg_error_t err;

  snprintf (opts, sizeof opts, "profile=%s/tests/cards/piv.card",
            cutest_srcdir ());
  CU_ASSERT_EQUAL_FATAL (reader_open (READER_BACKEND_EMU, opts, &ctx), 0);
  CU_ASSERT_EQUAL_FATAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                         READER_PROTO_ANY, &card), 0);
  CU_ASSERT_FALSE (reader_has_pinpad (card));
  CU_ASSERT_EQUAL (reader_emu_set_pinpad (ctx, 0, "123456"), 0);
  CU_ASSERT_EQUAL (gpg_err_code (reader_emu_set_pinpad (ctx, 5, "1")),
                   GPG_ERR_ENODEV);
  CU_ASSERT_TRUE (reader_has_pinpad (card));
  CU_ASSERT_EQUAL (gpg_err_code (reader_verify_pinpad (card, 0, 0x80, &bad,
                                                       &sw)),
                   GPG_ERR_INV_ARG);
  CU_ASSERT_EQUAL (send_apdu (card, select_piv, sizeof select_piv, &err),
                   0x9000);
  /* Variable length: PIV refuses a PIN that is not 8 bytes. */
  CU_ASSERT_EQUAL (reader_verify_pinpad (card, 0, 0x80, &ascii, &sw), 0);
  CU_ASSERT (sw != 0x9000 && (sw & 0xFFF0) != 0x63C0);
  CU_ASSERT_EQUAL (send_apdu (card, retries, sizeof retries, &err), 0x63C3);
  CU_ASSERT_EQUAL (reader_verify_pinpad (card, 0, 0x80, &piv, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (send_apdu (card, retries, sizeof retries, &err), 0x9000);
  /* A wrong PIN counts; a too long one never reaches the card. */
  CU_ASSERT_EQUAL (reader_emu_set_pinpad (ctx, 0, "654321"), 0);
  CU_ASSERT_EQUAL (reader_verify_pinpad (card, 0, 0x80, &piv, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x63C2);
  CU_ASSERT_EQUAL (reader_emu_set_pinpad (ctx, 0, "123456789"), 0);
  CU_ASSERT_EQUAL (reader_verify_pinpad (card, 0, 0x80, &piv, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6B80);
  CU_ASSERT_EQUAL (send_apdu (card, retries, sizeof retries, &err), 0x63C2);
  CU_ASSERT_EQUAL (reader_emu_set_pinpad (ctx, 0, NULL), 0);
  CU_ASSERT_FALSE (reader_has_pinpad (card));
  reader_disconnect (card, false);
  reader_close (ctx);
}

static void
test_emu_remove_after (void)
{
  reader_ctx_t *ctx = open_two ();
  reader_monitor_t *mon = NULL;
  reader_card_t *card = NULL;
  reader_event_t ev;
  gpg_error_t err;
  int fd = -1;

  if (!ctx)
    return;
  CU_ASSERT_EQUAL_FATAL (reader_monitor_start (ctx, &mon, &fd), 0);
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 1", READER_SHARED,
                                   READER_PROTO_ANY, &card), 0);
  CU_ASSERT_EQUAL (reader_emu_remove_after (ctx, 1, 2), 0);
  CU_ASSERT_EQUAL (reader_begin (card), 0);
  CU_ASSERT_EQUAL (send_apdu (card, select_mf, sizeof select_mf, &err),
                   0x9000);
  CU_ASSERT_FALSE (readable (fd, 0));
  CU_ASSERT_EQUAL (send_apdu (card, select_mf, sizeof select_mf, &err),
                   0x9000);
  CU_ASSERT_EQUAL (err, 0);
  /* The second answer arrived; then the card was pulled. */
  CU_ASSERT_TRUE (readable (fd, 1000));
  CU_ASSERT_EQUAL (reader_monitor_next (mon, &ev), 0);
  CU_ASSERT_EQUAL (ev.type, READER_EV_CARD_REMOVED);
  CU_ASSERT_STRING_EQUAL (ev.reader, "vscemu 1");
  send_apdu (card, select_mf, sizeof select_mf, &err);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_REMOVED);
  reader_end (card);
  reader_disconnect (card, false);
  /* The other reader is untouched. */
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &card), 0);
  CU_ASSERT_EQUAL (send_apdu (card, select_mf, sizeof select_mf, &err),
                   0x9000);
  reader_disconnect (card, false);
  reader_monitor_stop (mon);
  reader_close (ctx);
}

static void
test_emu_reset_reported (void)
{
  reader_ctx_t *ctx = open_two ();
  reader_card_t *a = NULL, *b = NULL;
  gpg_error_t err;

  if (!ctx)
    return;
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &a), 0);
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &b), 0);
  CU_ASSERT_EQUAL (reader_reconnect (a, true), 0);   /* A resets the card */
  CU_ASSERT_EQUAL (send_apdu (a, select_mf, sizeof select_mf, &err), 0x9000);
  /* B learns that PIN state is gone - once, never silently retried. */
  send_apdu (b, select_mf, sizeof select_mf, &err);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_RESET);
  CU_ASSERT_EQUAL (send_apdu (b, select_mf, sizeof select_mf, &err), 0x9000);
  /* Same through reader_begin after a reset-on-disconnect of A. */
  reader_disconnect (a, true);
  CU_ASSERT_EQUAL (gpg_err_code (reader_begin (b)), GPG_ERR_CARD_RESET);
  CU_ASSERT_EQUAL (reader_begin (b), 0);
  reader_end (b);
  reader_disconnect (b, false);
  reader_close (ctx);
}

/* Transactions of two connections exclude each other. */
struct tx_arg {
  reader_card_t *card;
  volatile int entered;
};

static void *
tx_thread (void *p)
{
  struct tx_arg *a = p;
  if (!reader_begin (a->card))
    {
      a->entered = 1;
      reader_end (a->card);
    }
  return NULL;
}

static void
test_emu_transaction (void)
{
  reader_ctx_t *ctx = open_two ();
  reader_card_t *a = NULL, *b = NULL;
  struct tx_arg arg;
  pthread_t th;
  struct pollfd none;

  if (!ctx)
    return;
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &a), 0);
  CU_ASSERT_EQUAL (reader_connect (ctx, "vscemu 0", READER_SHARED,
                                   READER_PROTO_ANY, &b), 0);
  CU_ASSERT_EQUAL (reader_begin (a), 0);
  arg.card = b;
  arg.entered = 0;
  CU_ASSERT_EQUAL_FATAL (pthread_create (&th, NULL, tx_thread, &arg), 0);
  poll (&none, 0, 100);       /* give B time to (wrongly) get in */
  CU_ASSERT_EQUAL (arg.entered, 0);
  reader_end (a);
  pthread_join (th, NULL);
  CU_ASSERT_EQUAL (arg.entered, 1);
  reader_disconnect (a, false);
  reader_disconnect (b, false);
  reader_close (ctx);
}

static const cutest_t tests[] = {
  CUTEST (test_atr_ext_rule),
  CUTEST (test_atr_protocols),
  CUTEST (test_emu_t1_only_card),
  CUTEST (test_emu_extended),
  CUTEST (test_emu_bad_opts),
  CUTEST (test_emu_list_connect),
  CUTEST (test_emu_monitor_events),
  CUTEST (test_emu_remove_after),
  CUTEST (test_emu_pinpad),
  CUTEST (test_emu_reset_reported),
  CUTEST (test_emu_transaction),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("reader", tests, NULL, NULL);
}
