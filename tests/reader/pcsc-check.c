/* pcsc-check.c - the PC/SC backend against a card that vscemu presents
 * through pcscd + vpcd (driven by tests/reader/pcsc-errors.sh).
 *
 *   pcsc-check READER VSCEMU-PID
 *
 * Checks, in order: connect/transmit in both sharing modes, a reset by
 * one connection reported to the other as GPG_ERR_CARD_RESET (and
 * acknowledged by reader_reconnect), EBUSY against an exclusive holder,
 * ENODEV for an unknown reader, then kills VSCEMU-PID and checks that
 * the monitor reports the removal and that the old connection gets
 * GPG_ERR_CARD_REMOVED and a new one GPG_ERR_CARD_NOT_PRESENT. Prints
 * PASS/FAIL lines; exit status 1 if anything failed. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <time.h>
#include <poll.h>
#include <sys/types.h>

#include "common/util.h"
#include "reader/reader.h"

static int failures;

static void
check (bool ok, const char *what, gpg_error_t err)
{
  printf ("%s: %s", ok ? "PASS" : "FAIL", what);
  if (!ok && err)
    printf (" (got %s)", gpg_strerror (err));
  putchar ('\n');
  if (!ok)
    failures++;
}

static gpg_error_t
select_mf (reader_card_t *card, unsigned *sw)
{
  static const uint8_t c[] = { 0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00 };
  uint8_t r[258];
  size_t rl = sizeof r;
  gpg_error_t err = reader_transmit (card, c, sizeof c, r, &rl);
  *sw = err ? 0 : get_be16 (r + rl - 2);
  return err;
}

int
main (int argc, char **argv)
{
  reader_ctx_t *ctx = NULL;
  reader_card_t *a = NULL, *b = NULL, *x = NULL;
  reader_monitor_t *mon = NULL;
  reader_event_t ev;
  gpg_error_t err;
  unsigned sw;
  int fd, seen = 0;
  long long t0;

  if (argc != 3)
    {
      fprintf (stderr, "usage: pcsc-check READER VSCEMU-PID\n");
      return 2;
    }
  util_program_init ();
  err = reader_open (READER_BACKEND_PCSC, NULL, &ctx);
  check (!err, "open the PC/SC backend", err);
  if (err)
    return 1;
  err = reader_monitor_start (ctx, &mon, &fd);
  check (!err, "start the monitor", err);
  if (err)
    return 1;

  err = reader_connect (ctx, argv[1], READER_SHARED, READER_PROTO_ANY, &a);
  check (!err, "connect A (shared)", err);
  if (err)
    return 1;
  check (reader_card_proto (a) == READER_PROTO_T1
         || reader_card_proto (a) == READER_PROTO_T0, "protocol known", 0);
  err = select_mf (a, &sw);
  check (!err && sw == 0x9000, "A: SELECT MF answers 9000", err);
  err = reader_connect (ctx, argv[1], READER_SHARED, READER_PROTO_ANY, &b);
  check (!err, "connect B (shared)", err);
  if (err)
    return 1;

  /* Exclusive is refused while A and B hold the card. */
  err = reader_connect (ctx, argv[1], READER_EXCLUSIVE, READER_PROTO_ANY, &x);
  check (gpg_err_code (err) == GPG_ERR_EBUSY, "exclusive refused: EBUSY", err);
  if (!err)
    reader_disconnect (x, false);
  err = reader_connect (ctx, "No Such Reader 99", READER_SHARED,
                        READER_PROTO_ANY, &x);
  check (gpg_err_code (err) == GPG_ERR_ENODEV, "unknown reader: ENODEV", err);

  /* A resets the card: B must hear about it, once, and not be retried. */
  err = reader_reconnect (a, true);
  check (!err, "A: warm reset", err);
  err = reader_begin (b);
  if (!err)
    {
      err = select_mf (b, &sw);
      reader_end (b);
    }
  check (gpg_err_code (err) == GPG_ERR_CARD_RESET,
         "B: reset reported as GPG_ERR_CARD_RESET", err);
  err = reader_reconnect (b, false);
  check (!err, "B: reconnect acknowledges the reset", err);
  err = reader_begin (b);
  check (!err, "B: begin transaction after acknowledging", err);
  if (!err)
    {
      err = select_mf (b, &sw);
      check (!err && sw == 0x9000, "B: SELECT MF inside the transaction",
             err);
      reader_end (b);
    }
  reader_disconnect (b, false);

  /* Pull the card: stop vscemu. */
  while (!reader_monitor_next (mon, &ev))
    ;
  t0 = (long long)time (NULL);
  kill ((pid_t)atoi (argv[2]), SIGTERM);
  while (!seen && time (NULL) - t0 < 10)
    {
      struct pollfd p = { fd, POLLIN, 0 };
      if (poll (&p, 1, 1000) <= 0)
        continue;
      while (!reader_monitor_next (mon, &ev))
        if (ev.type == READER_EV_CARD_REMOVED && !strcmp (ev.reader, argv[1]))
          seen = 1;
    }
  check (seen, "monitor reports the removal", 0);
  err = select_mf (a, &sw);
  check (gpg_err_code (err) == GPG_ERR_CARD_REMOVED,
         "A: transmit after removal gives GPG_ERR_CARD_REMOVED", err);
  reader_disconnect (a, false);
  err = reader_connect (ctx, argv[1], READER_SHARED, READER_PROTO_ANY, &x);
  check (gpg_err_code (err) == GPG_ERR_CARD_NOT_PRESENT,
         "connect without card: GPG_ERR_CARD_NOT_PRESENT", err);
  if (!err)
    reader_disconnect (x, false);

  reader_monitor_stop (mon);
  reader_close (ctx);
  printf ("%d failed\n", failures);
  return failures ? 1 : 0;
}
