/* test-vsc-node.c - the VSC node <-> TLV codec without keys, the shared
 * limits of writer and reader, and the image's child index
 *
 * The codec (src/vsc/vsc-node.c) is tested here without any key: the
 * encoder's pieces are copied instead of sealed, and the decoder reads
 * from memory or from a source that hands out the bytes in small, odd
 * pieces (as a decryption would). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cutest.h"
#include "common/util.h"
#include "common/tlv.h"
#include "vsc/vsc-internal.h"

/* ---- helpers ---------------------------------------------------------- */

static gpg_error_t
copy_fn (void *ctx, uint8_t *dst, const uint8_t *src, size_t n)
{
  (void)ctx;
  memcpy (dst, src, n);
  return 0;
}

/* Plaintext of each area of IMAGE (xfree each). */
static gpg_error_t
encode_areas (const image_t *image, uint8_t **pt, size_t *len)
{
  gpg_error_t err;
  vsc_node_area_t a[3];
  int i;

  vsc_node_area_init (&a[0], false);
  vsc_node_area_init (&a[1], false);
  vsc_node_area_init (&a[2], true);
  err = vsc_node_encode (image, false, a);
  for (i = 0; i < 3; i++)
    {
      pt[i] = NULL;
      len[i] = 0;
      if (!err)
        {
          pt[i] = xtrymalloc (a[i].total + 1);
          len[i] = a[i].total;
          err = vsc_node_area_emit (&a[i], pt[i], copy_fn, NULL);
        }
      vsc_node_area_free (&a[i]);
    }
  return err;
}

/* A source over bytes in memory, as a decryption would be. */
typedef struct chunky {
  const uint8_t *p;
  size_t off, n, calls;
} chunky_t;

static gpg_error_t
chunky_read (void *ctx, uint8_t *dst, size_t len)
{
  chunky_t *c = ctx;

  c->calls++;
  if (len > c->n - c->off)
    return gpg_error (GPG_ERR_INTERNAL);
  memcpy (dst, c->p + c->off, len);
  c->off += len;
  return 0;
}

static void
add (image_t *img, const char *path, image_type_t type, image_area_t area,
     const void *content, size_t n)
{
  image_node_t *nd;
  CU_ASSERT_EQUAL_FATAL (image_make_path (img, path, type, IMAGE_SRC_USER,
                                          &nd), 0);
  nd->area = area;
  if (content)
    CU_ASSERT_EQUAL (image_node_set_content (nd, content, n), 0);
}

/* An image with every kind of field, a large and an empty content. */
static image_t *
sample_image (void)
{
  image_t *img;
  image_node_t *nd;
  static uint8_t big[70000];
  image_keyinfo_t ki = { (char *)"ed25519", (char *)"00112233", (char *)"2026-01-01T00:00:00Z",
                         (char *)"sign", (uint8_t *)"\x7F\x49\x02\x86\x00", 5 };
  size_t i;

  for (i = 0; i < sizeof big; i++)
    big[i] = (uint8_t)(i * 7);
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  add (img, "3F00/2F00", IMAGE_NODE_EF_LINEAR_VARIABLE, IMAGE_AREA_PUBLIC,
       NULL, 0);
  add (img, "3F00/2F00/#1", IMAGE_NODE_RECORD, IMAGE_AREA_PUBLIC, "rec", 3);
  nd = image_find_path (img, "3F00/2F00");
  nd->record_count = 1;
  CU_ASSERT_EQUAL (image_node_set_fcp (nd, (const uint8_t *)"\x62\x03\x82\x01\x04", 5), 0);
  add (img, "3F00/5015/4401", IMAGE_NODE_EF_TRANSPARENT, IMAGE_AREA_PUBLIC,
       big, sizeof big);
  add (img, "3F00/5015/4402", IMAGE_NODE_EF_TRANSPARENT, IMAGE_AREA_PRIVATE,
       big, 1000);
  add (img, "3F00/5015/4403", IMAGE_NODE_EF_TRANSPARENT, IMAGE_AREA_PUBLIC,
       NULL, 0);
  nd = image_find_path (img, "3F00/5015/4403");
  CU_ASSERT_EQUAL (image_node_set_empty (nd), 0);
  nd->flags = IMAGE_FLAG_UNREADABLE;
  nd->sw = 0x6982;
  nd->access.read = IMAGE_AC_PIN;
  nd->access.read_ref = 0x81;
  CU_ASSERT_EQUAL (image_node_set_note (nd, "PIN 1 needed"), 0);
  add (img, "openpgp/5F50", IMAGE_NODE_DO, IMAGE_AREA_PUBLIC, "url", 3);
  add (img, "openpgp/key-sig", IMAGE_NODE_KEY, IMAGE_AREA_SECRET_KEY, big,
       600);
  nd = image_find_path (img, "openpgp/key-sig");
  CU_ASSERT_EQUAL (image_node_set_keyinfo (nd, &ki), 0);
  CU_ASSERT_EQUAL (image_node_set_agent (nd, "openpgp"), 0);
  nd = image_find_path (img, "openpgp");
  CU_ASSERT_EQUAL (image_node_set_aid (nd, (const uint8_t *)"\xD2\x76\x00\x01\x24\x01", 6), 0);
  /* Enough small nodes that the reader's buffer is refilled between
   * (and inside) node headers. */
  for (i = 0; i < 700; i++)
    {
      char path[32];
      snprintf (path, sizeof path, "3F00/5016/%04zX", i);
      add (img, path, IMAGE_NODE_EF_TRANSPARENT, IMAGE_AREA_PUBLIC, big + i,
           i % 61);
    }
  return img;
}

/* Decode the three plaintexts into a new image, from memory (STREAM
 * false) or through a source (STREAM true). */
static gpg_error_t
decode_areas (uint8_t **pt, size_t *len, bool stream, image_t **r_img)
{
  gpg_error_t err = 0;
  image_t *img;
  size_t count = 0;
  int i;

  *r_img = NULL;
  if ((err = image_new (&img)))
    return err;
  for (i = 0; i < 3 && !err; i++)
    {
      if (!stream)
        err = vsc_node_decode_mem (img, pt[i], len[i], (image_area_t)i,
                                   VSC_AREA_PUBLIC + i, &count);
      else
        {
          chunky_t c = { pt[i], 0, len[i], 0 };
          err = vsc_node_decode_stream (img, len[i], chunky_read, &c, i == 2,
                                        (image_area_t)i, VSC_AREA_PUBLIC + i,
                                        &count);
          if (!err && c.off != len[i])
            err = gpg_error (GPG_ERR_INTERNAL);
        }
    }
  if (err)
    image_free (img);
  else
    *r_img = img;
  return err;
}

static void
free_areas (uint8_t **pt)
{
  int i;
  for (i = 0; i < 3; i++)
    xfree (pt[i]);
}


/* ---- typed state ------------------------------------------------------ */

static bool
str_is (const char *a, const char *b)
{
  return a && b && !strcmp (a, b);
}

/* An image with every kind of typed state (and a human note next to
 * one of them). */
static image_t *
state_image (void)
{
  image_t *img;
  image_node_t *nd;

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  add (img, "3F00/5015", IMAGE_NODE_DF, IMAGE_AREA_PUBLIC, NULL, 0);
  nd = image_find_path (img, "3F00");
  CU_ASSERT_EQUAL (image_node_set_scan_next (nd, "3F00/5015", 0x4A01, 2), 0);
  add (img, "piv", IMAGE_NODE_APPLET, IMAGE_AREA_PUBLIC, NULL, 0);
  nd = image_find_path (img, "piv");
  image_node_set_yubikey (nd, (const uint8_t *)"\x05\x07\x01");
  CU_ASSERT_EQUAL (image_node_set_piv_caps (nd, 2, "rsa2048,eccp256"), 0);
  CU_ASSERT_EQUAL (image_node_set_note (nd, "the office token"), 0);
  add (img, "pins/81", IMAGE_NODE_DO, IMAGE_AREA_PRIVATE, "123456", 6);
  image_find_path (img, "pins")->area = IMAGE_AREA_PRIVATE;
  nd = image_find_path (img, "pins/81");
  CU_ASSERT_EQUAL (image_node_set_pin_scope (nd, "openpgp", "User PIN"), 0);
  add (img, "pins/01", IMAGE_NODE_DO, IMAGE_AREA_PRIVATE, "1234", 4);
  nd = image_find_path (img, "pins/01");
  CU_ASSERT_EQUAL (image_node_set_pin_scope (nd, "3F00/5015", NULL), 0);
  add (img, "pins/02", IMAGE_NODE_DO, IMAGE_AREA_PRIVATE, "5678", 4);
  nd = image_find_path (img, "pins/02");
  CU_ASSERT_EQUAL (image_node_set_pin_scope (nd, NULL, "Global PIN"), 0);
  return img;
}

/* Does IMG hold the state of state_image? PIV_NOTE: the applet's note
 * (NULL: none); PIV_YK: whether the applet's state is expected. */
static void
check_state (const image_t *img, const char *piv_note, bool piv_yk)
{
  const image_node_t *nd;
  const char *df = NULL;
  uint16_t fid = 0;
  unsigned phase = 9;
  uint8_t v[3] = { 0, 0, 0 };
  unsigned retired = 99;
  const char *algs = NULL;

  nd = image_find_path (img, "3F00");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_TRUE (image_node_scan_next (nd, &df, &fid, &phase));
  CU_ASSERT_TRUE (str_is (df, "3F00/5015"));
  CU_ASSERT_EQUAL (fid, 0x4A01);
  CU_ASSERT_EQUAL (phase, 2);
  CU_ASSERT_PTR_NULL (nd->note);
  nd = image_find_path (img, "piv");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_EQUAL (image_node_yubikey (nd, v), piv_yk);
  CU_ASSERT_EQUAL (image_node_piv_caps (nd, &retired, &algs), piv_yk);
  if (piv_yk)
    {
      CU_ASSERT_EQUAL (memcmp (v, "\x05\x07\x01", 3), 0);
      CU_ASSERT_EQUAL (retired, 2);
      CU_ASSERT_TRUE (str_is (algs, "rsa2048,eccp256"));
    }
  CU_ASSERT_TRUE (piv_note ? str_is (nd->note, piv_note) : !nd->note);
  nd = image_find_path (img, "pins/81");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_TRUE (str_is (image_node_pin_scope (nd), "openpgp"));
  CU_ASSERT_TRUE (str_is (image_node_pin_label (nd), "User PIN"));
  CU_ASSERT_PTR_NULL (nd->note);
  nd = image_find_path (img, "pins/01");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_TRUE (str_is (image_node_pin_scope (nd), "3F00/5015"));
  CU_ASSERT_PTR_NULL (image_node_pin_label (nd));
  CU_ASSERT_PTR_NULL (nd->note);
  nd = image_find_path (img, "pins/02");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_PTR_NULL (image_node_pin_scope (nd));
  CU_ASSERT_TRUE (str_is (image_node_pin_label (nd), "Global PIN"));
  CU_ASSERT_PTR_NULL (nd->note);
}

/* What the writer writes, the reader reads; a copy keeps it too. */
static void
test_state_roundtrip (void)
{
  image_t *img = state_image (), *back, *copy;
  uint8_t *pt[3];
  size_t len[3];
  int stream;
  char text[200];

  check_state (img, "the office token", true);
  CU_ASSERT_EQUAL_FATAL (image_copy (img, &copy), 0);
  check_state (copy, "the office token", true);
  image_free (copy);
  CU_ASSERT_TRUE (image_node_state_text (image_find_path (img, "pins/81"),
                                         text, sizeof text));
  CU_ASSERT_STRING_EQUAL (text, "scope=openpgp label=User PIN");
  CU_ASSERT_FALSE (image_node_state_text (image_find_path (img, "pins/81"),
                                          text, 10));
  CU_ASSERT_TRUE (image_node_state_text (image_find_path (img, "piv"),
                                         text, sizeof text));
  CU_ASSERT_STRING_EQUAL (text, "yubikey-compatible 5.7.1 retired=2 "
                          "algs=rsa2048,eccp256");
  CU_ASSERT_EQUAL_FATAL (encode_areas (img, pt, len), 0);
  for (stream = 0; stream < 2; stream++)
    {
      CU_ASSERT_EQUAL_FATAL (decode_areas (pt, len, stream, &back), 0);
      check_state (back, "the office token", true);
      image_free (back);
    }
  free_areas (pt);
  /* Cleared state is not written. */
  image_node_set_yubikey (image_find_path (img, "piv"), NULL);
  CU_ASSERT_EQUAL (image_node_set_piv_caps (image_find_path (img, "piv"),
                                            -1, NULL), 0);
  CU_ASSERT_EQUAL (image_node_set_scan_next (image_find_path (img, "3F00"),
                                             NULL, 1, 1), 0);
  CU_ASSERT_EQUAL_FATAL (encode_areas (img, pt, len), 0);
  CU_ASSERT_EQUAL_FATAL (decode_areas (pt, len, false, &back), 0);
  CU_ASSERT_FALSE (image_node_yubikey (image_find_path (back, "piv"), NULL));
  CU_ASSERT_FALSE (image_node_piv_caps (image_find_path (back, "piv"), NULL,
                                        NULL));
  CU_ASSERT_FALSE (image_node_scan_next (image_find_path (back, "3F00"),
                                         NULL, NULL, NULL));
  CU_ASSERT_PTR_NULL (image_find_path (back, "3F00")->note);
  image_free (back);
  free_areas (pt);
  image_free (img);
}

/* AREA's plaintext without the typed-state tags DF20..DF24 in its nodes:
 * what a reader from before them sees (it skips extension tags). */
static uint8_t *
strip_state (const uint8_t *p, size_t n, size_t *r_len)
{
  buf_t b = BUF_INIT;
  tlv_iter_t it, fit;
  tlv_t t, f;
  size_t mark;
  uint8_t *out;

  tlv_iter_init (&it, p, n, 0);
  while (!tlv_iter_next (&it, &t))
    {
      CU_ASSERT_EQUAL_FATAL (t.tag, VSC_TAG_NODE);
      CU_ASSERT_EQUAL_FATAL (tlv_begin (&b, VSC_TAG_NODE, &mark), 0);
      tlv_iter_init (&fit, t.value, t.len, 0);
      while (!tlv_iter_next (&fit, &f))
        if (f.tag < VSC_TAG_PIN_SCOPE || f.tag > VSC_TAG_PIV_CAPS)
          CU_ASSERT_EQUAL_FATAL (buf_append (&b, f.raw, f.raw_len), 0);
      CU_ASSERT_EQUAL_FATAL (tlv_end (&b, mark), 0);
    }
  out = xtrymalloc (b.len + 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL (out);
  if (b.len)      /* an empty area: b.data is NULL */
    memcpy (out, b.data, b.len);
  *r_len = b.len;
  buf_free (&b);
  return out;
}

/* A reader that skips the typed-state tags still finds the state in the
 * old note form, except on a node that has a note of its own (the PIV
 * applet here); and this reader takes the old note form as state. */
static void
test_state_old_reader (void)
{
  image_t *img = state_image (), *back;
  uint8_t *pt[3], *old[3];
  size_t len[3], olen[3];
  int i;

  CU_ASSERT_EQUAL_FATAL (encode_areas (img, pt, len), 0);
  for (i = 0; i < 3; i++)
    {
      old[i] = strip_state (pt[i], len[i], &olen[i]);
      CU_ASSERT_TRUE (i == 2 || olen[i] < len[i]);
    }
  CU_ASSERT_PTR_NOT_NULL (memmem (old[0], olen[0],
                                  "fid-scan-next=3F00/5015:4A01 phase=2",
                                  36));
  CU_ASSERT_PTR_NOT_NULL (memmem (old[1], olen[1],
                                  "scope=openpgp label=User PIN", 28));
  CU_ASSERT_EQUAL_FATAL (decode_areas (old, olen, false, &back), 0);
  check_state (back, "the office token", false);
  image_free (back);
  /* Without the human note, the applet's state is in the note too. */
  CU_ASSERT_EQUAL (image_node_set_note (image_find_path (img, "piv"),
                                        NULL), 0);
  free_areas (old);
  free_areas (pt);
  CU_ASSERT_EQUAL_FATAL (encode_areas (img, pt, len), 0);
  for (i = 0; i < 3; i++)
    old[i] = strip_state (pt[i], len[i], &olen[i]);
  CU_ASSERT_EQUAL_FATAL (decode_areas (old, olen, true, &back), 0);
  check_state (back, NULL, true);
  image_free (back);
  free_areas (old);
  free_areas (pt);
  image_free (img);
}

/* One node TLV: type, parent path, area, and FIELDS (LEN bytes). */
static size_t
state_node (uint8_t *out, uint8_t type, const char *ppath,
            const char *fields, size_t flen)
{
  size_t pl = strlen (ppath), n = 0;

  out[n++] = 0xF0;
  out[n++] = (uint8_t)(3 + 2 + pl + 3 + flen);
  out[n++] = 0x80; out[n++] = 1; out[n++] = type;
  out[n++] = 0x81; out[n++] = (uint8_t)pl;
  memcpy (out + n, ppath, pl);
  n += pl;
  out[n++] = 0x8F; out[n++] = 1; out[n++] = 0;
  memcpy (out + n, fields, flen);
  return n + flen;
}

static gpg_error_t
state_decode (const uint8_t *p, size_t n, image_t **r_img)
{
  size_t count = 0;
  gpg_error_t err;

  if ((err = image_new (r_img)))
    return err;
  err = vsc_node_decode_mem (*r_img, p, n, IMAGE_AREA_PUBLIC,
                             VSC_AREA_PUBLIC, &count);
  errctx_clear ();
  return err;
}

/* Does IMG's "piv" applet say YubiKey-compatible with RETIRED slots and
 * the algorithms ALGS? */
static bool
piv_caps_are (const image_t *img, unsigned retired, const char *algs)
{
  const image_node_t *nd = image_find_path (img, "piv");
  unsigned r = 0;
  const char *a = NULL;

  return nd && image_node_yubikey (nd, NULL)
         && image_node_piv_caps (nd, &r, &a) && r == retired
         && str_is (a, algs);
}

/* Old notes where their state does not belong stay notes; malformed
 * typed fields are refused. */
static void
test_state_fields (void)
{
  uint8_t buf[512];
  size_t n;
  image_t *img;
  const image_node_t *nd;
  uint16_t fid = 0;
  unsigned phase = 9;
  static const char scan_old[] = "\x82\x02\x3F\x00"
    "\x92\x17" "fid-scan-next=3F00:0100";
  static const char bad[][8] = {
    "\xDF\x22\x03\x01\x00\x01",        /* no DF path */
    "\xDF\x23\x02\x05\x07",            /* version of 2 bytes */
    "\xDF\x20\x00",                    /* empty scope */
    "\xDF\x24\x00",                    /* PIV capabilities: empty */
    "\xDF\x24\x03\x02r\x00",            /* NUL in the algorithms */
  };
  size_t i;

  /* An MF with an old note without phase: phase 0 ("not recorded"). */
  n = state_node (buf, IMAGE_NODE_MF, "", scan_old, sizeof scan_old - 1);
  CU_ASSERT_EQUAL_FATAL (state_decode (buf, n, &img), 0);
  nd = image_find_path (img, "3F00");
  CU_ASSERT_TRUE (nd && image_node_scan_next (nd, NULL, &fid, &phase));
  CU_ASSERT_EQUAL (fid, 0x0100);
  CU_ASSERT_EQUAL (phase, 0);
  CU_ASSERT_TRUE (nd && !nd->note);
  image_free (img);
  /* "label=" on a DF, "yubikey-compatible" on an MF: human notes. */
  n = state_node (buf, IMAGE_NODE_MF, "",
                  "\x82\x02\x3F\x00\x92\x12yubikey-compatible", 24);
  n += state_node (buf + n, IMAGE_NODE_DF, "3F00",
                   "\x82\x02\x50\x15\x92\x07label=x", 13);
  CU_ASSERT_EQUAL_FATAL (state_decode (buf, n, &img), 0);
  nd = image_find_path (img, "3F00");
  CU_ASSERT_TRUE (nd && !image_node_yubikey (nd, NULL)
                  && str_is (nd->note, "yubikey-compatible"));
  nd = image_find_path (img, "3F00/5015");
  CU_ASSERT_TRUE (nd && !image_node_pin_label (nd)
                  && str_is (nd->note, "label=x"));
  image_free (img);
  /* A note next to typed state that differs from it is human text. */
  n = state_node (buf, IMAGE_NODE_APPLET, "",
                  "\x86\x03piv\xDF\x23\x03\x05\x00\x00"
                  "\x92\x18yubikey-compatible 4.0.0", 37);
  CU_ASSERT_EQUAL_FATAL (state_decode (buf, n, &img), 0);
  nd = image_find_path (img, "piv");
  CU_ASSERT_TRUE (nd && image_node_yubikey (nd, NULL)
                  && str_is (nd->note, "yubikey-compatible 4.0.0"));
  image_free (img);
  /* PIV capabilities: from DF24, and from the old note form with them
   * (what a writer puts in the note for older readers). */
  n = state_node (buf, IMAGE_NODE_APPLET, "",
                  "\x86\x03piv\xDF\x23\x03\x05\x07\x00"
                  "\xDF\x24\x08\x02rsa2048", 22);
  CU_ASSERT_EQUAL_FATAL (state_decode (buf, n, &img), 0);
  CU_ASSERT_TRUE (piv_caps_are (img, 2, "rsa2048"));
  image_free (img);
  n = state_node (buf, IMAGE_NODE_APPLET, "",
                  "\x86\x03piv\x92\x37yubikey-compatible 5.7.0 retired=2 "
                  "algs=rsa2048,eccp256", 62);
  CU_ASSERT_EQUAL_FATAL (state_decode (buf, n, &img), 0);
  CU_ASSERT_TRUE (piv_caps_are (img, 2, "rsa2048,eccp256")
                  && !image_find_path (img, "piv")->note);
  image_free (img);
  /* Malformed or repeated typed fields. */
  for (i = 0; i < DIM (bad); i++)
    {
      size_t fl = bad[i][2] + 3;
      n = state_node (buf, IMAGE_NODE_MF, "", bad[i], fl);
      CU_ASSERT_EQUAL (gpg_err_code (state_decode (buf, n, &img)),
                       GPG_ERR_INV_OBJ);
      image_free (img);
    }
  n = state_node (buf, IMAGE_NODE_MF, "",
                  "\xDF\x23\x03\x05\x00\x00\xDF\x23\x03\x05\x00\x00", 12);
  CU_ASSERT_EQUAL (gpg_err_code (state_decode (buf, n, &img)),
                   GPG_ERR_INV_OBJ);
  image_free (img);
}

/* ---- codec ------------------------------------------------------------ */

static void
test_codec_roundtrip (void)
{
  image_t *img = sample_image (), *back;
  uint8_t *pt[3];
  size_t len[3];
  image_diff_t *d;
  image_node_t *nd;
  int stream;

  CU_ASSERT_EQUAL_FATAL (encode_areas (img, pt, len), 0);
  CU_ASSERT_TRUE (len[0] > 70000);
  CU_ASSERT_TRUE (len[1] > 1000);
  CU_ASSERT_TRUE (len[2] > 600);
  /* From memory and from a source. */
  for (stream = 0; stream < 2; stream++)
    {
      CU_ASSERT_EQUAL_FATAL (decode_areas (pt, len, stream, &back), 0);
      CU_ASSERT_EQUAL_FATAL (image_diff (img, back, &d), 0);
      CU_ASSERT_EQUAL (d->n, 0);
      image_diff_free (d);
      nd = image_find_path (back, "3F00/5015/4401");
      CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
      CU_ASSERT_EQUAL (nd->content_len, 70000);
      CU_ASSERT_EQUAL (nd->content[69999], (uint8_t)(69999 * 7));
      nd = image_find_path (back, "3F00/5015/4403");
      CU_ASSERT_TRUE (nd && nd->has_content && !nd->content_len);
      CU_ASSERT_EQUAL (nd ? nd->sw : 0, 0x6982);
      nd = image_find_path (back, "openpgp/key-sig");
      CU_ASSERT_TRUE (nd && nd->key.pubkey_len == 5);
      image_free (back);
    }
  free_areas (pt);
  image_free (img);
}

static void
test_codec_truncated (void)
{
  image_t *img = sample_image (), *back;
  uint8_t *pt[3];
  size_t len[3], cut, count, nodes;
  unsigned refused = 0, tries = 0, agree = 0;

  CU_ASSERT_EQUAL_FATAL (encode_areas (img, pt, len), 0);
  /* Cuts of the public area: both readers agree, and a cut inside a node
   * (most of them) is refused. */
  for (cut = 0; cut < len[0]; cut += 13)
    {
      chunky_t c = { pt[0], 0, cut, 0 };
      gpg_error_t e1, e2;
      size_t n1, n2;
      CU_ASSERT_EQUAL_FATAL (image_new (&back), 0);
      count = 0;
      e1 = vsc_node_decode_mem (back, pt[0], cut, IMAGE_AREA_PUBLIC,
                                VSC_AREA_PUBLIC, &count);
      n1 = image_count_nodes (back, NULL);
      image_free (back);
      CU_ASSERT_EQUAL_FATAL (image_new (&back), 0);
      count = 0;
      e2 = vsc_node_decode_stream (back, cut, chunky_read, &c, false,
                                   IMAGE_AREA_PUBLIC, VSC_AREA_PUBLIC,
                                   &count);
      n2 = image_count_nodes (back, NULL);
      image_free (back);
      errctx_clear ();
      tries++;
      if (!e1 == !e2 && (e1 || n1 == n2))
        agree++;
      if (e1)
        refused++;
    }
  CU_ASSERT_EQUAL (agree, tries);
  CU_ASSERT_TRUE (refused > tries * 9 / 10);
  nodes = image_count_nodes (img, NULL);
  CU_ASSERT_TRUE (nodes > 700);
  free_areas (pt);
  image_free (img);
}

/* ---- limits: what the reader refuses, the writer refuses first -------- */

static gpg_error_t
encode_only (const image_t *img)
{
  uint8_t *pt[3];
  size_t len[3];
  gpg_error_t err = encode_areas (img, pt, len);
  free_areas (pt);
  return err;
}

/* A one-node public area with the given extra field bytes. */
static size_t
hand_node (uint8_t *out, const char *ppath, const uint8_t *extra,
           size_t extralen)
{
  buf_t b = BUF_INIT;
  size_t mark, n;

  tlv_begin (&b, 0xF0, &mark);
  tlv_put_u8 (&b, 0x80, IMAGE_NODE_EF_TRANSPARENT);
  tlv_put (&b, 0x81, ppath, strlen (ppath));
  buf_append (&b, extra, extralen);
  tlv_put_u8 (&b, 0x8F, IMAGE_AREA_PUBLIC);
  tlv_end (&b, mark);
  n = b.len;
  memcpy (out, b.data, n);
  buf_free (&b);
  return n;
}

static void
test_limit_text (void)
{
  image_t *img;
  image_node_t *nd;
  char *note = xtrymalloc (VSC_MAX_STRING + 2);
  uint8_t *raw = xtrymalloc (VSC_MAX_STRING + 64), *area = xtrymalloc (VSC_MAX_STRING + 128);
  size_t n, count;

  memset (note, 'x', VSC_MAX_STRING + 1);
  note[VSC_MAX_STRING + 1] = 0;
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  add (img, "3F00/0001", IMAGE_NODE_EF_TRANSPARENT, IMAGE_AREA_PUBLIC, "a", 1);
  nd = image_find_path (img, "3F00/0001");
  note[VSC_MAX_STRING] = 0;                     /* at the limit: fine */
  CU_ASSERT_EQUAL (image_node_set_note (nd, note), 0);
  CU_ASSERT_EQUAL (encode_only (img), 0);
  note[VSC_MAX_STRING] = 'x';                   /* one over: refused */
  CU_ASSERT_EQUAL (image_node_set_note (nd, note), 0);
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_LIMIT_REACHED);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "3F00/0001"));
  errctx_clear ();
  image_free (img);

  /* And the reader refuses such a note. */
  raw[0] = 0x92;
  raw[1] = 0x82;
  raw[2] = (VSC_MAX_STRING + 1) >> 8;
  raw[3] = (VSC_MAX_STRING + 1) & 0xFF;
  memset (raw + 4, 'x', VSC_MAX_STRING + 1);
  n = hand_node (area, "", raw, VSC_MAX_STRING + 5);
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  count = 0;
  CU_ASSERT_EQUAL (gpg_err_code (vsc_node_decode_mem (img, area, n,
                                                       IMAGE_AREA_PUBLIC,
                                                       VSC_AREA_PUBLIC,
                                                       &count)),
                   GPG_ERR_INV_OBJ);
  errctx_clear ();
  image_free (img);
  xfree (note);
  xfree (raw);
  xfree (area);
}

static void
test_limit_depth (void)
{
  image_t *img;
  image_node_t *nd, *sub, *leaf;
  char path[4096] = "3F00";
  unsigned i;
  uint8_t area[8192];
  size_t n, count = 0;

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  for (i = 2; i <= IMAGE_MAX_DEPTH; i++)
    snprintf (path + strlen (path), sizeof path - strlen (path), "/%04X", i);
  CU_ASSERT_EQUAL (image_make_path (img, path, IMAGE_NODE_DF,
                                    IMAGE_SRC_USER, &nd), 0);
  CU_ASSERT_EQUAL (image_node_depth (nd), IMAGE_MAX_DEPTH);
  CU_ASSERT_EQUAL (encode_only (img), 0);
  /* One more level: refused when the tree is built (put, backup). */
  strcat (path, "/1234");
  CU_ASSERT_EQUAL (gpg_err_code (image_make_path (img, path,
                                                  IMAGE_NODE_EF_TRANSPARENT,
                                                  IMAGE_SRC_USER, &nd)),
                   GPG_ERR_LIMIT_REACHED);
  /* ... also when a subtree is grafted. */
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_DF, &sub), 0);
  image_node_set_fid (sub, 0x4000);
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_EF_TRANSPARENT, &leaf), 0);
  image_node_set_fid (leaf, 0x4001);
  CU_ASSERT_EQUAL_FATAL (image_add_child (sub, leaf), 0);
  nd = image_find_path (img, "3F00/0002");
  for (i = 3; i < IMAGE_MAX_DEPTH; i++)
    nd = nd->first_child;
  CU_ASSERT_EQUAL (image_node_depth (nd), IMAGE_MAX_DEPTH - 1);
  CU_ASSERT_EQUAL (gpg_err_code (image_add_child (nd, sub)),
                   GPG_ERR_LIMIT_REACHED);
  image_node_free (sub);
  image_free (img);

  /* A file with a node below the limit is refused by the reader. */
  {
    buf_t b = BUF_INIT;
    char pp[4096] = "3F00";
    for (i = 0; i <= IMAGE_MAX_DEPTH; i++)
      {
        size_t mark;
        tlv_begin (&b, 0xF0, &mark);
        tlv_put_u8 (&b, 0x80, i ? IMAGE_NODE_DF : IMAGE_NODE_MF);
        tlv_put (&b, 0x81, i ? pp : "", i ? strlen (pp) : 0);
        if (i)
          {
            uint8_t fid[2] = { 0x10, (uint8_t)i };
            tlv_put (&b, 0x82, fid, 2);
            snprintf (pp + strlen (pp), sizeof pp - strlen (pp), "/10%02X", i);
          }
        tlv_put_u8 (&b, 0x8F, 0);
        tlv_end (&b, mark);
      }
    n = b.len;
    CU_ASSERT_FATAL (n <= sizeof area);
    memcpy (area, b.data, n);
    buf_free (&b);
  }
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_node_decode_mem (img, area, n,
                                                       IMAGE_AREA_PUBLIC,
                                                       VSC_AREA_PUBLIC,
                                                       &count)),
                   GPG_ERR_INV_OBJ);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "deeper"));
  errctx_clear ();
  image_free (img);
}

static void
test_limit_fields (void)
{
  image_t *img;
  image_node_t *nd, *a, *b;

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  add (img, "3F00/2F00", IMAGE_NODE_EF_LINEAR_VARIABLE, IMAGE_AREA_PUBLIC,
       NULL, 0);
  add (img, "3F00/2F00/#1", IMAGE_NODE_RECORD, IMAGE_AREA_PUBLIC, "r", 1);
  CU_ASSERT_EQUAL (encode_only (img), 0);
  nd = image_find_path (img, "3F00/2F00/#1");
  image_node_set_recno (nd, 0);           /* the reader refuses #0 */
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_LIMIT_REACHED);
  errctx_clear ();
  image_node_set_recno (nd, 1);
  nd = image_find_path (img, "3F00/2F00");
  nd->record_count = 0x10000;              /* more than 16 bits */
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_LIMIT_REACHED);
  errctx_clear ();
  nd->record_count = 1;
  nd->flags = 0x100;                        /* an unknown flag */
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_LIMIT_REACHED);
  errctx_clear ();
  nd->flags = 0;
  /* A child under a node that cannot have one (transparent EF). */
  nd->type = IMAGE_NODE_EF_TRANSPARENT;
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_INV_OBJ);
  errctx_clear ();
  nd->type = IMAGE_NODE_EF_LINEAR_VARIABLE;
  CU_ASSERT_EQUAL (encode_only (img), 0);
  /* Two siblings whose names became equal after they were added. */
  add (img, "3F00/5015", IMAGE_NODE_DF, IMAGE_AREA_PUBLIC, NULL, 0);
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_DF, &a), 0);
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_DF, &b), 0);
  CU_ASSERT_EQUAL (image_node_set_aid (a, (const uint8_t *)"\xA0\x01", 2), 0);
  CU_ASSERT_EQUAL (image_node_set_aid (b, (const uint8_t *)"\xA0\x02", 2), 0);
  nd = image_find_path (img, "3F00");
  CU_ASSERT_EQUAL (image_add_child (nd, a), 0);
  CU_ASSERT_EQUAL (image_add_child (nd, b), 0);
  CU_ASSERT_EQUAL (encode_only (img), 0);
  CU_ASSERT_EQUAL (image_node_set_aid (b, (const uint8_t *)"\xA0\x01", 2), 0);
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_INV_OBJ);
  errctx_clear ();
  image_free (img);
}

static void
test_limit_nodes (void)
{
  image_t *img;
  image_node_t *df, *ef;
  uint8_t *area;
  size_t i, n = VSC_MAX_NODES + 1, count = 0;

  /* The reader counts before it builds anything: a list of empty (and
   * so malformed) nodes is refused for its number, not its content. */
  area = xtrymalloc (2 * n);
  for (i = 0; i < n; i++)
    {
      area[2 * i] = 0xF0;
      area[2 * i + 1] = 0;
    }
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_node_decode_mem (img, area, 2 * n,
                                                       IMAGE_AREA_PUBLIC,
                                                       VSC_AREA_PUBLIC,
                                                       &count)),
                   GPG_ERR_TOO_LARGE);
  CU_ASSERT_PTR_NULL (img->root.first_child);
  errctx_clear ();
  image_free (img);
  xfree (area);

  /* The writer refuses one node too many. */
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  add (img, "3F00", IMAGE_NODE_MF, IMAGE_AREA_PUBLIC, NULL, 0);
  df = image_find_path (img, "3F00");
  for (i = 1; i < VSC_MAX_NODES; i++)
    {
      char name[16];
      snprintf (name, sizeof name, "n%zu", i);
      CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_EF_TRANSPARENT, &ef), 0);
      CU_ASSERT_EQUAL_FATAL (image_node_set_name (ef, name), 0);
      CU_ASSERT_EQUAL_FATAL (image_add_child (df, ef), 0);
    }
  CU_ASSERT_EQUAL (image_count_nodes (img, NULL), VSC_MAX_NODES);
  CU_ASSERT_EQUAL (encode_only (img), 0);
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_EF_TRANSPARENT, &ef), 0);
  CU_ASSERT_EQUAL_FATAL (image_node_set_name (ef, "one-more"), 0);
  CU_ASSERT_EQUAL_FATAL (image_add_child (df, ef), 0);
  CU_ASSERT_EQUAL (gpg_err_code (encode_only (img)), GPG_ERR_LIMIT_REACHED);
  errctx_clear ();
  image_free (img);
}

/* ---- names ------------------------------------------------------------ */

static void
test_dot_names (void)
{
  image_t *img;
  image_node_t *nd;
  uint8_t area[256], f[16];
  size_t n, count = 0;
  static const char *bad[] = { ".", "..", "3F00/..", "../../tmp/x",
                               "3F00/./x", NULL };
  int i;

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  for (i = 0; bad[i]; i++)
    CU_ASSERT_EQUAL (gpg_err_code (image_make_path (img, bad[i],
                                                    IMAGE_NODE_EF_TRANSPARENT,
                                                    IMAGE_SRC_USER, &nd)),
                     GPG_ERR_INV_NAME);
  CU_ASSERT_PTR_NULL (image_find_path (img, ".."));
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_KEY, &nd), 0);
  CU_ASSERT_EQUAL (gpg_err_code (image_node_set_name (nd, "..")),
                   GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (image_node_set_name (nd, ".hidden"), 0);
  image_node_free (nd);
  image_free (img);

  /* A file naming a node ".." is refused when read. */
  f[0] = 0x86;
  f[1] = 2;
  f[2] = '.';
  f[3] = '.';
  n = hand_node (area, "", f, 4);
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_node_decode_mem (img, area, n,
                                                       IMAGE_AREA_PUBLIC,
                                                       VSC_AREA_PUBLIC,
                                                       &count)),
                   GPG_ERR_INV_OBJ);
  errctx_clear ();
  image_free (img);
}

/* ---- the child index -------------------------------------------------- */

static void
test_child_index (void)
{
  image_t *img;
  image_node_t *df, *nd, *kids[600];
  char name[32];
  unsigned i, found = 0, missing = 0;

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  add (img, "3F00/5015", IMAGE_NODE_DF, IMAGE_AREA_PUBLIC, NULL, 0);
  df = image_find_path (img, "3F00/5015");
  for (i = 0; i < 600; i++)
    {
      CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_DF, &kids[i]), 0);
      if (i % 3 == 0)
        image_node_set_fid (kids[i], (uint16_t)(0x1000 + i));
      else if (i % 3 == 1)
        {
          snprintf (name, sizeof name, "Name%u", i);
          CU_ASSERT_EQUAL (image_node_set_name (kids[i], name), 0);
        }
      else
        {
          uint8_t aid[3] = { 0xA0, (uint8_t)(i >> 8), (uint8_t)i };
          CU_ASSERT_EQUAL (image_node_set_aid (kids[i], aid, 3), 0);
        }
      CU_ASSERT_EQUAL_FATAL (image_add_child (df, kids[i]), 0);
    }
  CU_ASSERT_EQUAL (df->n_children, 600);
  CU_ASSERT_PTR_NOT_NULL (df->index);
  /* Case-insensitive, and duplicates refused. */
  CU_ASSERT_PTR_EQUAL (image_find_child (df, "name1"), kids[1]);
  CU_ASSERT_PTR_EQUAL (image_find_child (df, "1003"), kids[3]);
  CU_ASSERT_PTR_EQUAL (image_find_child (df, "aid-a00002"), kids[2]);
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_DF, &nd), 0);
  CU_ASSERT_EQUAL (image_node_set_name (nd, "NAME4"), 0);
  CU_ASSERT_EQUAL (gpg_err_code (image_add_child (df, nd)), GPG_ERR_EEXIST);
  image_node_free (nd);
  /* Changing an identifier in the tree moves the node in the index. */
  image_node_set_fid (kids[1], 0x2F01);
  CU_ASSERT_PTR_NULL (image_find_child (df, "Name1"));
  CU_ASSERT_PTR_EQUAL (image_find_child (df, "2F01"), kids[1]);
  CU_ASSERT_EQUAL (image_node_set_name (kids[4], "renamed"), 0);
  CU_ASSERT_PTR_EQUAL (image_find_child (df, "RENAMED"), kids[4]);
  /* Removing every other node; the rest is still found. */
  for (i = 0; i < 600; i += 2)
    image_node_free (kids[i]);
  CU_ASSERT_EQUAL (df->n_children, 300);
  for (i = 1; i < 600; i += 2)
    {
      char comp[IMAGE_COMPONENT_MAX];
      image_node_component (kids[i], comp, sizeof comp);
      if (image_find_child (df, comp) == kids[i])
        found++;
    }
  for (i = 0; i < 600; i += 6)
    {
      snprintf (name, sizeof name, "%04X", 0x1000 + i);
      if (!image_find_child (df, name))
        missing++;
    }
  CU_ASSERT_EQUAL (found, 300);
  CU_ASSERT_EQUAL (missing, 100);
  /* Re-adding after removals reuses the index. */
  for (i = 0; i < 600; i += 2)
    {
      CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_EF_TRANSPARENT, &nd), 0);
      image_node_set_fid (nd, (uint16_t)(0x3000 + i));
      CU_ASSERT_EQUAL_FATAL (image_add_child (df, nd), 0);
    }
  snprintf (name, sizeof name, "%04X", 0x3000 + 598);
  CU_ASSERT_PTR_NOT_NULL (image_find_child (df, name));
  CU_ASSERT_EQUAL (df->n_children, 600);
  image_free (img);
}

int
main (void)
{
  static const cutest_t tests[] = {
    CUTEST (test_codec_roundtrip),
    CUTEST (test_codec_truncated),
    CUTEST (test_state_roundtrip),
    CUTEST (test_state_old_reader),
    CUTEST (test_state_fields),
    CUTEST (test_limit_text),
    CUTEST (test_limit_depth),
    CUTEST (test_limit_fields),
    CUTEST (test_limit_nodes),
    CUTEST (test_dot_names),
    CUTEST (test_child_index),
    CUTEST_END
  };
  return cutest_main ("vsc-node", tests, NULL, NULL);
}
