/* fuzz-emu.c - libFuzzer target: arbitrary APDU sequences against the
 * emulated card
 *
 * Input: one byte choosing the card (0 tests/cards/pkcs15.card, 1
 * tests/cards/blank.card with extended length, 2 a T=0 card with LIST
 * FILES and a record EF, 3 tests/cards/openpgp.card and 4
 * tests/cards/piv.card for the applet routing), then frames of a 2-byte big-endian length and
 * that many bytes of C-APDU; a zero length is a power cycle.  A fresh
 * card is loaded for every input so a crash reproduces from its input.
 * Every answer must end in a status word and fit the response buffer. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <unistd.h>
#include "common/util.h"
#include "common/log.h"
#include "emu/emu.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#ifndef FUZZ_CARDS
#define FUZZ_CARDS "tests/cards"
#endif

#define NCARDS 5
static char profiles[NCARDS][4096];
static uint8_t resp[65538 + 16];

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  static const char t0card[] =
    "atr 3B 02 14 50\nprotocol t0\nlist-files yes\n"
    "pin 0x81 name=PW value=1234 retries=3 min=4 max=8 pad=00 puk=0x82\n"
    "pin 0x82 name=PUK value=87654321 retries=2 min=8 max=8\n"
    "df 3F00 create=pin:0x81\n"
    "ef 3F00/0001 transparent sfi=1 read=always update=pin:0x81 "
    "content=000102030405060708090A0B0C0D0E0F\n"
    "ef 3F00/0002 cyclic record-size=4 records=3 sfi=2\nrecord 01020304\n"
    "df 3F00/1000 aid=A0000001020304 create=always delete=always\n"
    "ef 3F00/1000/1001 linear-variable record-size=20 records=4\n"
    "record 0102\nrecord 03040506\n";
  const char *src = getenv ("top_srcdir");
  const char *dir = getenv ("TMPDIR");
  char cards[4096];
  FILE *fp;
  int fd;

  (void)argc;
  (void)argv;
  util_init_gcrypt ();
  log_set_quiet (true);
  if (src)
    snprintf (cards, sizeof cards, "%s/tests/cards", src);
  else
    snprintf (cards, sizeof cards, "%s", FUZZ_CARDS);
  snprintf (profiles[0], sizeof profiles[0], "%s/pkcs15.card", cards);
  snprintf (profiles[1], sizeof profiles[1], "%s/blank.card", cards);
  snprintf (profiles[3], sizeof profiles[3], "%s/openpgp.card", cards);
  snprintf (profiles[4], sizeof profiles[4], "%s/piv.card", cards);
  snprintf (profiles[2], sizeof profiles[2], "%s/fuzz-emu-t0-XXXXXX",
            dir ? dir : "/tmp");
  fd = mkstemp (profiles[2]);
  if (fd < 0 || !(fp = fdopen (fd, "w")))
    abort ();
  fputs (t0card, fp);
  fclose (fp);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  emu_card_t *card = NULL;
  size_t off = 1, n, rlen;
  uint8_t atr[64];
  size_t al = sizeof atr;

  if (!size)
    return 0;
  if (emu_card_load (profiles[data[0] % NCARDS], &card))
    abort ();   /* the profiles are ours: they must load */
  emu_card_power_on (card, atr, &al);
  while (off + 2 <= size)
    {
      n = ((size_t)data[off] << 8) | data[off + 1];
      off += 2;
      if (n > size - off)
        n = size - off;
      if (!n)
        {
          emu_card_power_off (card);
          emu_card_power_on (card, NULL, NULL);
          continue;
        }
      rlen = 0;
      memset (resp + 65538, 0xA5, 16);
      if (emu_card_apdu (card, data + off, n, resp, &rlen))
        abort ();   /* only out of memory may fail */
      if (rlen < 2 || rlen > 65538)
        abort ();
      for (size_t i = 65538; i < sizeof resp; i++)
        if (resp[i] != 0xA5)
          abort ();
      off += n;
    }
  emu_card_free (card);
  return 0;
}
