/* emu-helper.h - helpers shared by the emulator's unit tests */
#ifndef VSC_EMU_HELPER_H
#define VSC_EMU_HELPER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cutest.h"
#include "common/util.h"
#include "common/hex.h"
#include "emu/emu.h"

static emu_card_t *card;
static uint8_t resp[65538];
static size_t rlen;     /* response length including SW */
static size_t dlen;     /* data length */
static unsigned sw;

/* Send a hex C-APDU; returns the status word. */
static inline unsigned
tx (const char *hex)
{
  buf_t b = BUF_INIT;
  gpg_error_t err;

  if (hex_decode (hex, &b))
    {
      fprintf (stderr, "bad test hex: %s\n", hex);
      abort ();
    }
  err = emu_card_apdu (card, b.data, b.len, resp, &rlen);
  buf_free (&b);
  CU_ASSERT_EQUAL (err, 0);
  if (err || rlen < 2)
    return 0;
  dlen = rlen - 2;
  sw = ((unsigned)resp[rlen - 2] << 8) | resp[rlen - 1];
  return sw;
}

/* Send raw bytes. */
static inline unsigned
txb (const uint8_t *p, size_t n)
{
  gpg_error_t err = emu_card_apdu (card, p, n, resp, &rlen);
  CU_ASSERT_EQUAL (err, 0);
  if (err || rlen < 2)
    return 0;
  dlen = rlen - 2;
  sw = ((unsigned)resp[rlen - 2] << 8) | resp[rlen - 1];
  return sw;
}

static inline bool
data_is (const char *s)
{
  return dlen == strlen (s) && !memcmp (resp, s, dlen);
}

/* Whether the response data holds the byte string HEX somewhere. */
static inline bool
data_has (const char *hex)
{
  buf_t b = BUF_INIT;
  size_t i;
  bool found = false;

  if (hex_decode (hex, &b))
    abort ();
  for (i = 0; !found && b.len <= dlen && i + b.len <= dlen; i++)
    found = !memcmp (resp + i, b.data, b.len);
  buf_free (&b);
  return found;
}

static inline char *
card_path (const char *name)
{
  static char path[4096];
  snprintf (path, sizeof path, "%s/tests/cards/%s", cutest_srcdir (), name);
  return path;
}

static inline emu_card_t *
load_card (const char *name)
{
  emu_card_t *c = NULL;
  gpg_error_t err = emu_card_load (card_path (name), &c);
  CU_ASSERT_EQUAL_FATAL (err, 0);
  return c;
}

/* Write TEXT to a temporary profile and load it; returns the error. */
static char tmp_profile[64];
static inline gpg_error_t
load_text (const char *text, emu_card_t **r)
{
  int fd;
  gpg_error_t err;

  strcpy (tmp_profile, "/tmp/test-emu-XXXXXX");
  fd = mkstemp (tmp_profile);
  if (fd < 0)
    abort ();
  if (write (fd, text, strlen (text)) != (ssize_t)strlen (text))
    abort ();
  close (fd);
  *r = NULL;
  err = emu_card_load (tmp_profile, r);
  unlink (tmp_profile);
  return err;
}

#endif /* VSC_EMU_HELPER_H */
