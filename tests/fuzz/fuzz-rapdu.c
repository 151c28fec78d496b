/* fuzz-rapdu.c - libFuzzer target: APDU decoding and the exchange rules
 *
 * The input is used three ways: as a C-APDU for apdu_decode (with an
 * encode/decode round trip on success), as an R-APDU for
 * apdu_parse_response and the transcript formatter, and as the script of
 * a fake card for apdu_chan_exchange / read_binary / update_binary: the
 * first bytes choose the command and channel settings, the rest are the
 * card's answers, each prefixed with a one-byte length (0xFF = take the
 * next byte pair as a big-endian length). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "common/apdu.h"
#include "common/log.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

struct script {
  const uint8_t *p;
  size_t n;
  size_t off;
  unsigned calls;
};

static gpg_error_t
fake_transmit (void *ctx, const uint8_t *capdu, size_t clen,
               uint8_t *resp, size_t *resp_len)
{
  struct script *s = ctx;
  apdu_t a;
  unsigned sw;
  size_t len;

  /* What the channel sends must always be a well-formed C-APDU. */
  if (apdu_decode (capdu, clen, &a, &sw))
    abort ();
  s->calls++;
  if (s->off >= s->n)
    return gpg_error (GPG_ERR_EOF);       /* card gone */
  len = s->p[s->off++];
  if (len == 0xFF && s->n - s->off >= 2)
    {
      len = ((size_t)s->p[s->off] << 8) | s->p[s->off + 1];
      s->off += 2;
    }
  if (len > s->n - s->off)
    len = s->n - s->off;
  if (len > *resp_len)
    return gpg_error (GPG_ERR_TOO_LARGE);
  memcpy (resp, s->p + s->off, len);
  s->off += len;
  *resp_len = len;
  return 0;
}

static void
null_sink (void *ctx, int level, const char *line)
{
  (void)ctx;
  /* Transcript lines always start with the direction marker. */
  if (level == LOG_LEVEL_APDU && line[0] != '>' && line[0] != '<')
    abort ();
}

static void
check_decode (const uint8_t *data, size_t size)
{
  apdu_t a, b;
  unsigned sw = 0;
  buf_t enc = BUF_INIT;

  if (apdu_decode (data, size, &a, &sw))
    {
      if (sw != SW_WRONG_LENGTH)
        abort ();
      return;
    }
  if (sw != SW_OK || a.lc > APDU_MAX_EXT_LC || a.le > APDU_MAX_EXT_LE)
    abort ();
  if (a.lc && (a.data < data || a.data + a.lc > data + size))
    abort ();
  /* Re-encoding in the same form gives back the same bytes. */
  if (apdu_encode (&a, &enc))
    abort ();
  if (enc.len != size || memcmp (enc.data, data, size))
    {
      /* Only a forced-extended case 1 may differ: it has no body. */
      if (!(a.extended && !a.lc && !a.le))
        abort ();
    }
  if (apdu_decode (enc.data, enc.len, &b, &sw)
      || b.lc != a.lc || b.le != a.le || b.ins != a.ins)
    abort ();
  buf_free (&enc);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static int inited;
  const uint8_t *d;
  size_t n, i;
  unsigned sw;
  char line[128];
  struct script s;
  apdu_chan_t c;
  apdu_t a;
  buf_t resp = BUF_INIT;
  volatile int cancel = 0;
  uint8_t hdr[8];

  if (!inited)
    {
      log_set_quiet (true);
      log_set_sink (null_sink, NULL);
      log_set_level (LOG_LEVEL_APDU);
      inited = 1;
    }

  check_decode (data, size);
  if (!apdu_parse_response (data, size, &d, &n, &sw))
    {
      if (n + 2 != size || d != data || sw > 0xFFFF)
        abort ();
    }
  else if (size >= 2)
    abort ();
  log_format_command (line, sizeof line, data, size, size & 1);
  if (strlen (line) >= sizeof line)
    abort ();
  log_format_response (line, sizeof line, data, size, size & 2);
  if (strlen (line) >= sizeof line)
    abort ();

  /* Channel run: 8 header bytes, then the card's answers. */
  if (size < sizeof hdr)
    return 0;
  memcpy (hdr, data, sizeof hdr);
  memset (&s, 0, sizeof s);
  s.p = data + sizeof hdr;
  s.n = size - sizeof hdr;
  apdu_chan_init (&c, fake_transmit, &s, (hdr[0] & 1) ? APDU_PROTO_T1
                                                      : APDU_PROTO_T0);
  c.ext_ok = !!(hdr[0] & 2);
  c.max_lc = (hdr[0] & 4) ? 65535 : (size_t)hdr[5] + 16;
  c.max_le = (hdr[0] & 8) ? 65536 : 256;
  c.cancel = &cancel;

  memset (&a, 0, sizeof a);
  a.cla = hdr[0] & 0x80 ? 0x80 : 0x00;
  a.ins = hdr[1];
  a.p1 = hdr[2];
  a.p2 = hdr[3];
  a.lc = (size_t)hdr[4] * 3;     /* up to 765: exercises chaining */
  if (a.lc > size)
    a.lc = size;
  a.data = a.lc ? data : NULL;
  a.le = (hdr[0] & 0x10) ? 65536 : hdr[6];
  a.extended = !!(hdr[0] & 0x20);
  a.secret = !!(hdr[0] & 0x40);

  switch (hdr[7] & 3)
    {
    case 0:
      if (!apdu_chan_exchange (&c, &a, &resp, &sw) && sw > 0xFFFF)
        abort ();
      break;
    case 1:
      apdu_chan_read_binary (&c, ((size_t)hdr[2] << 9) | hdr[3], hdr[6],
                             &resp, &sw);
      break;
    case 2:
      apdu_chan_update_binary (&c, ((size_t)hdr[2] << 9) | hdr[3], data,
                               a.lc, &sw);
      break;
    default:
      /* Exchange twice on one channel: redaction state carries over. */
      apdu_chan_exchange (&c, &a, &resp, &sw);
      a.ins = 0xC0;
      apdu_chan_exchange (&c, &a, &resp, &sw);
      break;
    }
  if (c.apdus != s.calls)
    abort ();
  if (resp.len > 4u * 1024 * 1024)
    abort ();
  for (i = 0; i < resp.len; i++)   /* touch it all: ASan checks bounds */
    hdr[0] ^= resp.data[i];
  buf_free (&resp);
  return 0;
}
