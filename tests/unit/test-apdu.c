/* test-apdu.c - APDU encoding, decoding (every malformed case) and the
 * exchange rules of apdu_chan against a scripted card */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdlib.h>
#include "cutest.h"
#include "common/apdu.h"
#include "common/util.h"
#include "fakecard.h"

static uint8_t bigdata[70000];

/* Encode A and compare with the hex string WANT. */
static int
enc_is (const apdu_t *a, const char *want)
{
  buf_t b = BUF_INIT, w = BUF_INIT;
  int ok;

  ok = !apdu_encode (a, &b) && !hex_decode (want, &w)
       && b.len == w.len && !memcmp (b.data, w.data, b.len);
  buf_free (&b);
  buf_free (&w);
  return ok;
}

static void
test_encode_short (void)
{
  apdu_t a = { 0x00, 0xA4, 0x04, 0x00, NULL, 0, 0, false, false };

  CU_ASSERT_TRUE (enc_is (&a, "00A40400"));                  /* case 1 */
  a.le = 256;
  CU_ASSERT_TRUE (enc_is (&a, "00A40400 00"));               /* case 2S */
  a.le = 1;
  CU_ASSERT_TRUE (enc_is (&a, "00A40400 01"));
  a.le = 0;
  a.data = (const uint8_t *)"\xA0\x00\x00\x03\x08";
  a.lc = 5;
  CU_ASSERT_TRUE (enc_is (&a, "00A40400 05 A000000308"));    /* case 3S */
  a.le = 256;
  CU_ASSERT_TRUE (enc_is (&a, "00A40400 05 A000000308 00")); /* case 4S */
  a.le = 255;
  CU_ASSERT_TRUE (enc_is (&a, "00A40400 05 A000000308 FF"));
}

static void
test_encode_extended (void)
{
  apdu_t a = { 0x00, 0xB0, 0x00, 0x00, NULL, 0, 0, false, false };
  buf_t b = BUF_INIT;

  a.le = 65536;
  CU_ASSERT_TRUE (enc_is (&a, "00B00000 000000"));           /* case 2E */
  a.le = 257;
  CU_ASSERT_TRUE (enc_is (&a, "00B00000 000101"));
  a.le = 1;
  a.extended = true;
  CU_ASSERT_TRUE (enc_is (&a, "00B00000 000001"));
  a.le = 0;
  CU_ASSERT_TRUE (enc_is (&a, "00B00000"));                  /* case 1 */
  a.extended = false;
  a.data = bigdata;
  a.lc = 256;
  CU_ASSERT_EQUAL (apdu_encode (&a, &b), 0);                 /* case 3E */
  CU_ASSERT_EQUAL (b.len, 4 + 3 + 256);
  CU_ASSERT_EQUAL (memcmp (b.data + 4, "\x00\x01\x00", 3), 0);
  a.le = 65536;
  CU_ASSERT_EQUAL (apdu_encode (&a, &b), 0);                 /* case 4E */
  CU_ASSERT_EQUAL (b.len, 4 + 3 + 256 + 2);
  CU_ASSERT_EQUAL (memcmp (b.data + b.len - 2, "\x00\x00", 2), 0);
  a.lc = 65535;
  a.le = 0;
  CU_ASSERT_EQUAL (apdu_encode (&a, &b), 0);
  CU_ASSERT_EQUAL (b.len, 4 + 3 + 65535);
  CU_ASSERT_EQUAL (memcmp (b.data + 4, "\x00\xFF\xFF", 3), 0);
  /* Short data with Le > 256 forces extended for both. */
  a.lc = 2;
  a.le = 300;
  CU_ASSERT_EQUAL (apdu_encode (&a, &b), 0);
  CU_ASSERT_EQUAL (b.len, 4 + 3 + 2 + 2);
  /* Limits. */
  a.lc = 65536;
  a.le = 0;
  CU_ASSERT_EQUAL (gpg_err_code (apdu_encode (&a, &b)), GPG_ERR_INV_LENGTH);
  a.lc = 0;
  a.le = 65537;
  CU_ASSERT_EQUAL (gpg_err_code (apdu_encode (&a, &b)), GPG_ERR_INV_LENGTH);
  a.le = 0;
  a.lc = 3;
  a.data = NULL;
  CU_ASSERT_EQUAL (gpg_err_code (apdu_encode (&a, &b)), GPG_ERR_INV_ARG);
  buf_free (&b);
}

/* Decode hex S; return the SW (9000 when decoding succeeded). */
static buf_t decbuf;   /* kept until the next call: A points into it */

static unsigned
dec (const char *s, apdu_t *a)
{
  buf_t *bp = &decbuf;
  unsigned sw = 0;
  gpg_error_t err;

  buf_clear (bp);
  hex_decode (s, bp);
  err = apdu_decode (bp->data, bp->len, a, &sw);
  if (err)
    {
      CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_INV_LENGTH);
    }
  else
    {
      CU_ASSERT_EQUAL (sw, SW_OK);
    }
  return sw;
}

static void
test_decode_cases (void)
{
  apdu_t a;

  CU_ASSERT_EQUAL (dec ("00A40400", &a), 0x9000);
  CU_ASSERT_EQUAL (a.ins, 0xA4);
  CU_ASSERT_EQUAL (a.lc, 0);
  CU_ASSERT_EQUAL (a.le, 0);
  CU_ASSERT_EQUAL (dec ("00CA006E00", &a), 0x9000);          /* 2S */
  CU_ASSERT_EQUAL (a.le, 256);
  CU_ASSERT_EQUAL (dec ("00CA006E 05", &a), 0x9000);
  CU_ASSERT_EQUAL (a.le, 5);
  CU_ASSERT_EQUAL (dec ("00200081 03 313233", &a), 0x9000);  /* 3S */
  CU_ASSERT_EQUAL (a.lc, 3);
  CU_ASSERT_EQUAL (a.le, 0);
  CU_ASSERT_EQUAL (a.data[2], 0x33);
  CU_ASSERT_FALSE (a.extended);
  CU_ASSERT_EQUAL (dec ("00A40400 02 3F00 00", &a), 0x9000); /* 4S */
  CU_ASSERT_EQUAL (a.lc, 2);
  CU_ASSERT_EQUAL (a.le, 256);
  CU_ASSERT_EQUAL (dec ("00B00000 000000", &a), 0x9000);     /* 2E */
  CU_ASSERT_EQUAL (a.le, 65536);
  CU_ASSERT_TRUE (a.extended);
  CU_ASSERT_EQUAL (dec ("00B00000 00FFFF", &a), 0x9000);
  CU_ASSERT_EQUAL (a.le, 65535);
  CU_ASSERT_EQUAL (dec ("00DA0101 000002 AABB", &a), 0x9000); /* 3E */
  CU_ASSERT_EQUAL (a.lc, 2);
  CU_ASSERT_EQUAL (a.le, 0);
  CU_ASSERT_EQUAL (a.data[1], 0xBB);
  CU_ASSERT_EQUAL (dec ("002A8086 000002 AABB 0000", &a), 0x9000); /* 4E */
  CU_ASSERT_EQUAL (a.lc, 2);
  CU_ASSERT_EQUAL (a.le, 65536);
  CU_ASSERT_EQUAL (dec ("002A8086 000001 AA 0101", &a), 0x9000);
  CU_ASSERT_EQUAL (a.le, 257);
}

static void
test_decode_malformed (void)
{
  apdu_t a;
  unsigned sw = 0;

  CU_ASSERT_EQUAL (gpg_err_code (apdu_decode (NULL, 0, &a, &sw)),
                   GPG_ERR_INV_LENGTH);
  CU_ASSERT_EQUAL (sw, SW_WRONG_LENGTH);
  CU_ASSERT_EQUAL (dec ("00", &a), 0x6700);
  CU_ASSERT_EQUAL (dec ("00A404", &a), 0x6700);
  CU_ASSERT_EQUAL (dec ("00A40400 05 0102", &a), 0x6700);   /* Lc past end */
  CU_ASSERT_EQUAL (dec ("00A40400 01", &a), 0x9000);        /* that's 2S */
  CU_ASSERT_EQUAL (dec ("00A40400 02 0102 0000", &a), 0x6700); /* 2 bytes extra */
  CU_ASSERT_EQUAL (dec ("00A40400 0001", &a), 0x6700);      /* 6 bytes, 00 */
  CU_ASSERT_EQUAL (dec ("00DA0000 000000 01", &a), 0x6700); /* Lc=0 ext + data */
  CU_ASSERT_EQUAL (dec ("00DA0000 000000 0000", &a), 0x6700);
  CU_ASSERT_EQUAL (dec ("00DA0000 000003 0102", &a), 0x6700); /* ext Lc past end */
  CU_ASSERT_EQUAL (dec ("00DA0000 000002 0102 00", &a), 0x6700); /* 1-byte Le in ext */
  CU_ASSERT_EQUAL (dec ("00DA0000 000002 0102 000000", &a), 0x6700);
  CU_ASSERT_EQUAL (dec ("00DA0000 0000", &a), 0x6700);       /* cut ext Le */
  /* A short Lc whose data happens to end where an extended 4E would. */
  CU_ASSERT_EQUAL (dec ("00DA0000 03 010203 00", &a), 0x9000);
  CU_ASSERT_EQUAL (a.lc, 3);
  CU_ASSERT_EQUAL (a.le, 256);
}

static void
test_decode_max (void)
{
  uint8_t *raw = calloc (1, 4 + 3 + 65535 + 2);
  apdu_t a;
  unsigned sw;

  CU_ASSERT_PTR_NOT_NULL_FATAL (raw);
  memcpy (raw, "\x00\xDB\x3F\xFF\x00\xFF\xFF", 7);
  CU_ASSERT_EQUAL (apdu_decode (raw, 7 + 65535, &a, &sw), 0);
  CU_ASSERT_EQUAL (a.lc, 65535);
  CU_ASSERT_EQUAL (a.le, 0);
  CU_ASSERT_EQUAL (apdu_decode (raw, 7 + 65535 + 2, &a, &sw), 0);
  CU_ASSERT_EQUAL (a.le, 65536);
  CU_ASSERT_NOT_EQUAL (apdu_decode (raw, 7 + 65534, &a, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6700);
  CU_ASSERT_NOT_EQUAL (apdu_decode (raw, 7 + 65535 + 1, &a, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6700);
  free (raw);
}

static void
test_roundtrip (void)
{
  static const size_t lcs[] = { 0, 1, 255, 256, 65535 };
  static const size_t les[] = { 0, 1, 255, 256, 257, 65535, 65536 };
  size_t i, j;
  int ext;
  buf_t b = BUF_INIT;
  apdu_t a, d;
  unsigned sw;

  for (i = 0; i < DIM (lcs); i++)
    for (j = 0; j < DIM (les); j++)
      for (ext = 0; ext < 2; ext++)
        {
          memset (&a, 0, sizeof a);
          a.cla = 0x0C;
          a.ins = 0x2A;
          a.p1 = 0x9E;
          a.p2 = 0x9A;
          a.data = lcs[i] ? bigdata : NULL;
          a.lc = lcs[i];
          a.le = les[j];
          a.extended = ext;
          CU_ASSERT_EQUAL_FATAL (apdu_encode (&a, &b), 0);
          CU_ASSERT_EQUAL_FATAL (apdu_decode (b.data, b.len, &d, &sw), 0);
          CU_ASSERT_EQUAL (d.cla, 0x0C);
          CU_ASSERT_EQUAL (d.p2, 0x9A);
          CU_ASSERT_EQUAL (d.lc, a.lc);
          CU_ASSERT_EQUAL (d.le, a.le);
          if (a.lc)
            {
              CU_ASSERT_PTR_EQUAL (d.data, b.data + (d.extended ? 7 : 5));
            }
        }
  buf_free (&b);
}

static void
test_parse_response (void)
{
  const uint8_t *d;
  size_t n;
  unsigned sw;

  CU_ASSERT_EQUAL (gpg_err_code (apdu_parse_response ((const uint8_t *)"\x90", 1,
                                                      &d, &n, &sw)),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (gpg_err_code (apdu_parse_response (NULL, 0, &d, &n, &sw)),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_EQUAL (apdu_parse_response ((const uint8_t *)"\x90\x00", 2,
                                        &d, &n, &sw), 0);
  CU_ASSERT_EQUAL (n, 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (apdu_parse_response ((const uint8_t *)"\x01\x02\x63\xC2", 4,
                                        &d, &n, &sw), 0);
  CU_ASSERT_EQUAL (n, 2);
  CU_ASSERT_EQUAL (d[1], 2);
  CU_ASSERT_EQUAL (sw, 0x63C2);
}

/* 61xx over T=0 and T=1: the pieces are appended. */
static void
check_get_response (int proto)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw = 0;
  apdu_t a = { 0x00, 0xA4, 0x04, 0x00, (const uint8_t *)"\xA0\x00", 2, 256,
               false, false };

  fake_init (&f);
  fake_step (&f, "00A40400 02 A000 00", "6110");
  fake_step (&f, "00C00000 10", "000102030405060708090A0B0C0D0E0F 6105");
  fake_step (&f, "00C00000 05", "1011121314 9000");
  apdu_chan_init (&c, fake_transmit, &f, proto);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (r.len, 21);
  CU_ASSERT_EQUAL (r.data[0], 0x00);
  CU_ASSERT_EQUAL (r.data[20], 0x14);
  CU_ASSERT_EQUAL (f.mismatches, 0);
  CU_ASSERT_EQUAL (c.apdus, 3);
  CU_ASSERT_EQUAL (c.bytes_in, 21);
  buf_free (&r);
  fake_free (&f);
}

static void
test_chan_get_response_t0 (void)
{
  check_get_response (APDU_PROTO_T0);
}

static void
test_chan_get_response_t1 (void)
{
  check_get_response (APDU_PROTO_T1);
}

static void
test_chan_wrong_le (void)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw = 0;
  apdu_t a = { 0x00, 0xCA, 0x00, 0x6E, NULL, 0, 256, false, false };

  fake_init (&f);
  fake_step (&f, "00CA006E00", "6C04");
  fake_step (&f, "00CA006E04", "DEADBEEF 9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T0);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (r.len, 4);
  CU_ASSERT_EQUAL (r.data[3], 0xEF);
  CU_ASSERT_EQUAL (f.mismatches, 0);
  /* A card that keeps answering 6Cxx gets one resend only. */
  fake_free (&f);
  fake_init (&f);
  fake_step (&f, NULL, "6C04");
  fake_step (&f, NULL, "6C05");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T0);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6C05);
  CU_ASSERT_EQUAL (f.calls, 2);
  buf_free (&r);
  fake_free (&f);
}

static void
test_chan_chaining (void)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw = 0;
  apdu_t a = { 0x00, 0xDB, 0x3F, 0xFF, bigdata, 300, 0, false, false };

  memset (bigdata, 0x5A, 300);
  fake_init (&f);
  fake_step (&f, NULL, "9000");
  fake_step (&f, NULL, "9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (f.calls, 2);
  CU_ASSERT_EQUAL (f.sent[0].len, 5 + 255);
  CU_ASSERT_EQUAL (memcmp (f.sent[0].data, "\x10\xDB\x3F\xFF\xFF", 5), 0);
  CU_ASSERT_EQUAL (f.sent[1].len, 5 + 45);
  CU_ASSERT_EQUAL (memcmp (f.sent[1].data, "\x00\xDB\x3F\xFF\x2D", 5), 0);
  fake_free (&f);

  /* Smaller max_lc: 300 bytes in 100-byte pieces. */
  fake_init (&f);
  fake_step (&f, NULL, "9000");
  fake_step (&f, NULL, "9000");
  fake_step (&f, NULL, "9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  c.max_lc = 100;
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (f.calls, 3);
  CU_ASSERT_EQUAL (f.sent[2].data[0], 0x00);
  CU_ASSERT_EQUAL (f.sent[1].data[0], 0x10);
  CU_ASSERT_EQUAL (f.sent[2].data[4], 100);
  fake_free (&f);

  /* The card refuses chaining: stop at once with its SW. */
  fake_init (&f);
  fake_step (&f, NULL, "6884");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6884);
  CU_ASSERT_EQUAL (f.calls, 1);
  fake_free (&f);

  /* Extended channel: no chaining, one 3E command. */
  fake_init (&f);
  fake_step (&f, NULL, "9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  c.ext_ok = true;
  c.max_lc = 65535;
  CU_ASSERT_EQUAL (apdu_chan_exchange (&c, &a, &r, &sw), 0);
  CU_ASSERT_EQUAL (f.calls, 1);
  CU_ASSERT_EQUAL (f.sent[0].len, 7 + 300);
  fake_free (&f);
  buf_free (&r);
}

static void
test_chan_errors (void)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw = 0;
  volatile int cancel = 0;
  apdu_t a = { 0x00, 0xCA, 0x00, 0x6E, NULL, 0, 256, false, false };

  /* Transport error. */
  fake_init (&f);
  f.fail = gpg_error (GPG_ERR_CARD_REMOVED);
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_exchange (&c, &a, &r, &sw)),
                   GPG_ERR_CARD_REMOVED);
  /* One-byte answer. */
  fake_free (&f);
  fake_init (&f);
  fake_step (&f, NULL, "90");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_exchange (&c, &a, &r, &sw)),
                   GPG_ERR_INV_RESPONSE);
  /* Cancelled before anything is sent. */
  fake_free (&f);
  fake_init (&f);
  fake_step (&f, NULL, "9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  cancel = 1;
  c.cancel = &cancel;
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_exchange (&c, &a, &r, &sw)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_EQUAL (f.calls, 0);
  /* Cancelled between the answer and the GET RESPONSE. */
  fake_free (&f);
  fake_init (&f);
  fake_step (&f, NULL, "AA 6110");
  fake_step (&f, NULL, "9000");
  cancel = 0;
  f.cancel_after_first = &cancel;
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T0);
  c.cancel = &cancel;
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_exchange (&c, &a, &r, &sw)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_EQUAL (f.calls, 1);
  /* A card that says 61xx forever. */
  fake_free (&f);
  fake_init (&f);
  fake_step (&f, NULL, "6100");
  f.repeat_last = true;
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T0);
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_exchange (&c, &a, &r, &sw)),
                   GPG_ERR_TOO_LARGE);
  CU_ASSERT_TRUE (f.calls > 100 && f.calls < 2000);
  /* Arguments. */
  a.lc = 65536;
  a.data = bigdata;
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_exchange (&c, &a, &r, &sw)),
                   GPG_ERR_INV_ARG);
  buf_free (&r);
  fake_free (&f);
}

static void
test_chan_read_binary (void)
{
  struct fakecard f;
  apdu_chan_t c;
  buf_t r = BUF_INIT;
  unsigned sw = 0;

  fake_init (&f);
  fake_step (&f, "00B00010 00", "0102 6282");
  fake_step (&f, "00B10000 04 54028000 14",
             "5310 000102030405060708090A0B0C0D0E0F 9000");
  fake_step (&f, "00B10000 05 5403012345 08", "5402AABB 9000");
  fake_step (&f, "00B10000 04 54028000 08", "5402AABB 9000");
  fake_step (&f, "00B10000 04 54028000 08", "5302AA 9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (apdu_chan_read_binary (&c, 0x10, 0, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6282);
  CU_ASSERT_EQUAL (r.len, 2);
  CU_ASSERT_EQUAL (apdu_chan_read_binary (&c, 0x8000, 16, &r, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (r.len, 18);     /* appended */
  CU_ASSERT_EQUAL (r.data[2], 0x00);
  CU_ASSERT_EQUAL (r.data[17], 0x0F);
  /* Wrong wrapper tag and truncated 53 are refused. */
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_read_binary (&c, 0x12345, 4, &r, &sw)),
                   GPG_ERR_INV_RESPONSE);
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_read_binary (&c, 0x8000, 4, &r, &sw)),
                   GPG_ERR_INV_RESPONSE);
  CU_ASSERT_EQUAL (gpg_err_code (apdu_chan_read_binary (&c, 0x8000, 4, &r, &sw)),
                   GPG_ERR_INV_RESPONSE);
  CU_ASSERT_EQUAL (r.len, 18);
  CU_ASSERT_EQUAL (f.mismatches, 0);
  fake_free (&f);

  /* Extended: Le 0000 for "as much as possible". */
  fake_init (&f);
  fake_step (&f, "00B00000 000000", "0102 9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  c.ext_ok = true;
  c.max_le = 65536;
  buf_clear (&r);
  CU_ASSERT_EQUAL (apdu_chan_read_binary (&c, 0, 0, &r, &sw), 0);
  CU_ASSERT_EQUAL (r.len, 2);
  CU_ASSERT_EQUAL (f.mismatches, 0);
  fake_free (&f);
  /* ext_ok is ignored over T=0. */
  fake_init (&f);
  fake_step (&f, "00B00000 00", "0102 9000");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T0);
  c.ext_ok = true;
  c.max_le = 65536;
  CU_ASSERT_EQUAL (apdu_chan_read_binary (&c, 0, 0, &r, &sw), 0);
  CU_ASSERT_EQUAL (f.mismatches, 0);
  fake_free (&f);
  buf_free (&r);
}

static void
test_chan_update_binary (void)
{
  struct fakecard f;
  apdu_chan_t c;
  unsigned sw = 0;

  memset (bigdata, 0x77, 300);
  fake_init (&f);
  fake_step (&f, NULL, "9000");
  fake_step (&f, NULL, "9000");
  fake_step (&f, "00D70000 10 54028000 530A 77777777777777777777", "9000");
  fake_step (&f, NULL, "6A84");
  apdu_chan_init (&c, fake_transmit, &f, APDU_PROTO_T1);
  CU_ASSERT_EQUAL (apdu_chan_update_binary (&c, 0x10, bigdata, 300, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (f.sent[0].len, 5 + 255);
  CU_ASSERT_EQUAL (memcmp (f.sent[0].data, "\x00\xD6\x00\x10\xFF", 5), 0);
  CU_ASSERT_EQUAL (memcmp (f.sent[1].data, "\x00\xD6\x01\x0F\x2D", 5), 0);
  CU_ASSERT_EQUAL (apdu_chan_update_binary (&c, 0x8000, bigdata, 10, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x9000);
  CU_ASSERT_EQUAL (f.mismatches, 0);
  /* Failure stops the loop and reports the SW. */
  CU_ASSERT_EQUAL (apdu_chan_update_binary (&c, 0x9000, bigdata, 300, &sw), 0);
  CU_ASSERT_EQUAL (sw, 0x6A84);
  CU_ASSERT_EQUAL (f.calls, 4);
  fake_free (&f);
}

static const cutest_t tests[] = {
  CUTEST (test_encode_short),
  CUTEST (test_encode_extended),
  CUTEST (test_decode_cases),
  CUTEST (test_decode_malformed),
  CUTEST (test_decode_max),
  CUTEST (test_roundtrip),
  CUTEST (test_parse_response),
  CUTEST (test_chan_get_response_t0),
  CUTEST (test_chan_get_response_t1),
  CUTEST (test_chan_wrong_le),
  CUTEST (test_chan_chaining),
  CUTEST (test_chan_errors),
  CUTEST (test_chan_read_binary),
  CUTEST (test_chan_update_binary),
  CUTEST_END
};

static int
cleanup (void)
{
  buf_free (&decbuf);
  return 0;
}

int
main (void)
{
  return cutest_main ("apdu", tests, NULL, cleanup);
}
