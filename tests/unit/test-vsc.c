/* test-vsc.c - VSC file format, crypto, strict parsing, atomic store
 *
 * The KDF is the expensive part: tests use the smallest parameters the
 * format allows (m 19 MiB, t 1, p 1) and, for the fault tests that open a
 * file thousands of times, a KDF function that runs Argon2id once and
 * then answers from a cache (any other parameters or salt give a
 * different key, as Argon2id would). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gcrypt.h>
#include "cutest.h"
#include "common/util.h"
#include "common/tlv.h"
#include "vsc/vsc-internal.h"

static const vsc_kdf_params_t min_kdf = { VSC_KDF_M_MIN, 1, 1 };
static char tmpdir[256];

/* ---- cached KDF ------------------------------------------------------- */

typedef struct kdf_cache {
  bool have;
  char pw[64];
  vsc_kdf_params_t params;
  uint8_t salt[VSC_SALT_LEN];
  uint8_t kek[VSC_KEY_LEN];
  unsigned real_runs;
} kdf_cache_t;

static gpg_error_t
cached_kdf (void *ctx, const char *pw, const vsc_kdf_params_t *params,
            const uint8_t *salt, uint8_t *kek)
{
  kdf_cache_t *c = ctx;
  gpg_error_t err;

  err = vsc_kdf_check (params);
  if (err)
    return err;
  if (c->have && !strcmp (pw, c->pw) && !memcmp (params, &c->params, sizeof *params)
      && !memcmp (salt, c->salt, VSC_SALT_LEN))
    {
      memcpy (kek, c->kek, VSC_KEY_LEN);
      return 0;
    }
  if (c->have)
    {
      /* Different input: a different key, without paying for it. */
      gcry_md_hd_t md;
      gcry_md_open (&md, GCRY_MD_SHA256, 0);
      gcry_md_write (md, pw, strlen (pw));
      gcry_md_write (md, params, sizeof *params);
      gcry_md_write (md, salt, VSC_SALT_LEN);
      memcpy (kek, gcry_md_read (md, 0), VSC_KEY_LEN);
      gcry_md_close (md);
      return 0;
    }
  err = vsc_crypto_kdf (NULL, pw, params, salt, kek);
  if (err)
    return err;
  c->real_runs++;
  c->have = true;
  snprintf (c->pw, sizeof c->pw, "%s", pw);
  c->params = *params;
  memcpy (c->salt, salt, VSC_SALT_LEN);
  memcpy (c->kek, kek, VSC_KEY_LEN);
  return 0;
}

/* ---- fixtures --------------------------------------------------------- */

static void
add_node (image_t *img, const char *path, image_type_t type, image_area_t area,
          const char *content)
{
  image_node_t *n;
  CU_ASSERT_EQUAL_FATAL (image_make_path (img, path, type, IMAGE_SRC_USER, &n), 0);
  n->area = area;
  if (content)
    CU_ASSERT_EQUAL (image_node_set_content (n, content, strlen (content)), 0);
}

/* A small VSC with a node in every area, encoded in memory. */
static vsc_t *
make_vsc (const char *pw, kdf_cache_t *cache, uint8_t **r_data, size_t *r_len)
{
  vsc_t *vsc;
  vsc_opts_t o = { &min_kdf, cache ? cached_kdf : NULL, cache };
  image_t *img;
  image_keyinfo_t ki = { (char *)"rsa2048", (char *)"0011AABB", NULL,
                         (char *)"sign", NULL, 0 };
  image_node_t *n;

  CU_ASSERT_EQUAL_FATAL (vsc_create (NULL, pw, &o, &vsc, NULL), 0);
  img = vsc_image (vsc);
  CU_ASSERT_EQUAL (image_set_serial (img, "0006:12345678"), 0);
  CU_ASSERT_EQUAL (image_set_atr (img, (const uint8_t *)"\x3B\x80\x80\x01\x01", 5), 0);
  CU_ASSERT_EQUAL (image_add_agent (img, "openpgp"), 0);
  add_node (img, "3F00/2F00", IMAGE_NODE_EF_TRANSPARENT, IMAGE_AREA_PUBLIC, "public-dir");
  add_node (img, "openpgp/5F50", IMAGE_NODE_DO, IMAGE_AREA_PUBLIC, "https://example.org");
  add_node (img, "openpgp/0103", IMAGE_NODE_DO, IMAGE_AREA_PRIVATE, "PRIVATE-DO-0103");
  add_node (img, "openpgp/key-sig", IMAGE_NODE_KEY, IMAGE_AREA_SECRET_KEY, "SECRET-KEY-BYTES");
  n = image_find_path (img, "openpgp/key-sig");
  CU_ASSERT_EQUAL (image_node_set_keyinfo (n, &ki), 0);
  add_node (img, "piv/key-9A", IMAGE_NODE_KEY, IMAGE_AREA_PUBLIC, NULL);
  n = image_find_path (img, "piv/key-9A");
  n->flags = IMAGE_FLAG_NOT_EXTRACTABLE;
  CU_ASSERT_EQUAL (image_node_set_note (n, "regenerate or re-import"), 0);
  if (r_data)
    CU_ASSERT_EQUAL_FATAL (vsc_encode (vsc, r_data, r_len), 0);
  return vsc;
}

static bool
contains (const uint8_t *hay, size_t n, const char *needle)
{
  size_t l = strlen (needle), i;
  for (i = 0; i + l <= n; i++)
    if (!memcmp (hay + i, needle, l))
      return true;
  return false;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_roundtrip (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  uint8_t *data;
  size_t n;
  vsc_t *vsc, *v2;
  image_node_t *nd;
  vsc_info_t info;
  image_diff_t *d;

  vsc = make_vsc ("pw-1", &cache, &data, &n);
  /* Private and secret bytes never appear in clear. */
  CU_ASSERT_FALSE (contains (data, n, "PRIVATE-DO-0103"));
  CU_ASSERT_FALSE (contains (data, n, "SECRET-KEY-BYTES"));
  CU_ASSERT_FALSE (contains (data, n, "rsa2048"));
  CU_ASSERT_TRUE (contains (data, n, "https://example.org"));

  CU_ASSERT_EQUAL_FATAL (vsc_open_mem (data, n, "pw-1", &o, &v2), 0);
  CU_ASSERT_TRUE (vsc_unlocked (v2));
  CU_ASSERT_FALSE (vsc_image (v2)->unverified);
  CU_ASSERT_STRING_EQUAL (vsc_uuid (v2), vsc_uuid (vsc));
  nd = image_find_path (vsc_image (v2), "openpgp/0103");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_EQUAL (nd->content_len, 15);
  CU_ASSERT_EQUAL (memcmp (nd->content, "PRIVATE-DO-0103", 15), 0);
  nd = image_find_path (vsc_image (v2), "openpgp/key-sig");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_STRING_EQUAL (nd->key.algorithm, "rsa2048");
  CU_ASSERT_EQUAL (image_node_effective_area (nd), IMAGE_AREA_SECRET_KEY);
  nd = image_find_path (vsc_image (v2), "piv/key-9A");
  CU_ASSERT_PTR_NOT_NULL_FATAL (nd);
  CU_ASSERT_EQUAL (nd->flags, IMAGE_FLAG_NOT_EXTRACTABLE);
  CU_ASSERT_FALSE (nd->has_content);
  CU_ASSERT_STRING_EQUAL (vsc_image (v2)->card.serial, "0006:12345678");
  CU_ASSERT_EQUAL (vsc_image (v2)->card.atr_len, 5);
  /* The decoded image equals the original. */
  CU_ASSERT_EQUAL (image_diff (vsc_image (vsc), vsc_image (v2), &d), 0);
  CU_ASSERT_EQUAL (d->n, 0);
  CU_ASSERT_FALSE (d->identity_changed);
  image_diff_free (d);
  vsc_info (v2, &info);
  CU_ASSERT_EQUAL (info.version, 1);
  CU_ASSERT_EQUAL (info.kdf.m_kib, VSC_KDF_M_MIN);
  CU_ASSERT_EQUAL (info.nodes[IMAGE_AREA_PRIVATE], 1);
  CU_ASSERT_EQUAL (info.nodes[IMAGE_AREA_SECRET_KEY], 1);
  CU_ASSERT_EQUAL (info.file_size, n);
  vsc_close (v2);

  /* Without the password: public and identifier only, unverified. */
  CU_ASSERT_EQUAL_FATAL (vsc_open_mem (data, n, NULL, NULL, &v2), 0);
  CU_ASSERT_FALSE (vsc_unlocked (v2));
  CU_ASSERT_TRUE (vsc_image (v2)->unverified);
  CU_ASSERT_PTR_NOT_NULL (image_find_path (vsc_image (v2), "openpgp/5F50"));
  CU_ASSERT_PTR_NULL (image_find_path (vsc_image (v2), "openpgp/0103"));
  CU_ASSERT_PTR_NULL (image_find_path (vsc_image (v2), "openpgp/key-sig"));
  CU_ASSERT_EQUAL (gpg_err_code (vsc_save (v2)), GPG_ERR_NOT_SUPPORTED);
  vsc_close (v2);

  CU_ASSERT_EQUAL (cache.real_runs, 1);
  xfree (data);
  vsc_close (vsc);
}

static void
test_wrong_password (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  uint8_t *data;
  size_t n;
  vsc_t *vsc, *v2 = NULL;

  vsc = make_vsc ("right", &cache, &data, &n);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, "wrong", &o, &v2)),
                   GPG_ERR_BAD_PASSPHRASE);
  CU_ASSERT_PTR_NULL (v2);
  CU_ASSERT_STRING_EQUAL (errctx_text (), "wrong password or damaged file");
  /* The real KDF too (no cache). */
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, "Right", NULL, &v2)),
                   GPG_ERR_BAD_PASSPHRASE);
  CU_ASSERT_EQUAL (vsc_open_mem (data, n, "right", NULL, &v2), 0);
  vsc_close (v2);
  xfree (data);
  vsc_close (vsc);
}

static void
test_kdf_bounds (void)
{
  vsc_t *vsc;
  vsc_kdf_params_t bad[] = {
    { VSC_KDF_M_MIN - 1, 1, 1 }, { VSC_KDF_M_MAX + 1, 1, 1 },
    { VSC_KDF_M_MIN, 0, 1 }, { VSC_KDF_M_MIN, 11, 1 },
    { VSC_KDF_M_MIN, 1, 0 }, { VSC_KDF_M_MIN, 1, 17 }
  };
  size_t i;
  uint8_t *data;
  size_t n;

  for (i = 0; i < DIM (bad); i++)
    {
      vsc_opts_t o = { &bad[i], NULL, NULL };
      vsc = NULL;
      CU_ASSERT_EQUAL (gpg_err_code (vsc_kdf_check (&bad[i])), GPG_ERR_INV_PARAMETER);
      CU_ASSERT_EQUAL (gpg_err_code (vsc_create (NULL, "x", &o, &vsc, NULL)),
                       GPG_ERR_INV_PARAMETER);
      CU_ASSERT_PTR_NULL (vsc);
    }
  CU_ASSERT_EQUAL (vsc_kdf_check (&min_kdf), 0);

  /* A file that asks for 2 GiB: refused before any derivation. */
  for (i = 0; i < DIM (bad); i++)
    {
      kdf_cache_t cache = { 0 };
      vsc_t *v2 = NULL;
      vsc = make_vsc ("pw", &cache, NULL, NULL);
      vsc->slots[0].kdf = bad[i];
      CU_ASSERT_EQUAL_FATAL (vsc_encode (vsc, &data, &n), 0);
      CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, NULL, NULL, &v2)),
                       GPG_ERR_INV_PARAMETER);
      CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, "pw", NULL, &v2)),
                       GPG_ERR_INV_PARAMETER);
      CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "KDF parameters out of bounds"));
      CU_ASSERT_PTR_NULL (v2);
      xfree (data);
      vsc_close (vsc);
    }
}

/* Rebuild E1 from DATA with the top-level element TAG replaced by
 * NEWVAL (or, with DUP, repeated), or NEWTOP appended inside the
 * public area. The MACs are not recomputed. */
static void
rebuild (const uint8_t *data, size_t n, unsigned tag, const uint8_t *newval,
         size_t newlen, bool dup, buf_t *out)
{
  tlv_t file, t;
  tlv_iter_t it;
  buf_t body = BUF_INIT;

  CU_ASSERT_EQUAL_FATAL (tlv_parse (data + 8, n - 8, &file, NULL), 0);
  tlv_iter_init (&it, file.value, file.len, 0);
  while (!tlv_iter_next (&it, &t))
    {
      if (t.tag == tag && newval)
        CU_ASSERT_EQUAL (tlv_put (&body, t.tag, newval, newlen), 0)
      else
        CU_ASSERT_EQUAL (buf_append (&body, t.raw, t.raw_len), 0)
      if (t.tag == tag && dup)
        CU_ASSERT_EQUAL (buf_append (&body, t.raw, t.raw_len), 0);
    }
  buf_clear (out);
  buf_append (out, data, 8);
  tlv_put (out, VSC_TAG_FILE, body.data, body.len);
  buf_free (&body);
}

static void
test_strict_structure (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  uint8_t *data;
  size_t n;
  vsc_t *vsc, *v2;
  buf_t b = BUF_INIT, pv = BUF_INIT;
  tlv_t file, pub;
  gpg_error_t err;

  vsc = make_vsc ("pw", &cache, &data, &n);
  CU_ASSERT_EQUAL_FATAL (tlv_parse (data + 8, n - 8, &file, NULL), 0);
  CU_ASSERT_EQUAL_FATAL (tlv_find (file.value, file.len, VSC_TAG_PUBLIC, &pub), 0);

  /* Rebuilding without change gives a file that still opens (sanity of
   * the helper). */
  rebuild (data, n, 0, NULL, 0, false, &b);
  CU_ASSERT_EQUAL (b.len, n);
  CU_ASSERT_EQUAL (vsc_open_mem (b.data, b.len, "pw", &o, &v2), 0);
  vsc_close (v2);

  /* Duplicate areas. */
  rebuild (data, n, VSC_TAG_PUBLIC, NULL, 0, true, &b);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (b.data, b.len, NULL, NULL, &v2)),
                   GPG_ERR_INV_OBJ);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "twice"));
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "public area"));
  rebuild (data, n, VSC_TAG_PRIVATE, NULL, 0, true, &b);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (b.data, b.len, "pw", &o, &v2)),
                   GPG_ERR_INV_OBJ);

  /* Unknown critical tag in the public area: refused even without the
   * password; an ignorable extension (DF20) is skipped. */
  buf_append (&pv, pub.value, pub.len);
  tlv_put (&pv, 0xC9, "x", 1);
  rebuild (data, n, VSC_TAG_PUBLIC, pv.data, pv.len, false, &b);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (b.data, b.len, NULL, NULL, &v2)),
                   GPG_ERR_UNKNOWN_CRIT_EXTN);
  buf_set (&pv, pub.value, pub.len);
  tlv_put (&pv, 0xDF20, "x", 1);
  rebuild (data, n, VSC_TAG_PUBLIC, pv.data, pv.len, false, &b);
  err = vsc_open_mem (b.data, b.len, NULL, NULL, &v2);
  CU_ASSERT_EQUAL (err, 0);
  if (!err)
    {
      CU_ASSERT_TRUE (vsc_image (v2)->unverified);
      vsc_close (v2);
    }
  /* ... but with the password the change is detected. */
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (b.data, b.len, "pw", &o, &v2)),
                   GPG_ERR_BAD_SIGNATURE);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "public area"));

  /* Unknown tag inside a node. */
  {
    tlv_t node;
    buf_t nv = BUF_INIT;
    CU_ASSERT_EQUAL_FATAL (tlv_parse (pub.value, pub.len, &node, NULL), 0);
    buf_append (&nv, node.value, node.len);
    tlv_put (&nv, 0x9E, "z", 1);
    buf_clear (&pv);
    tlv_put (&pv, VSC_TAG_NODE, nv.data, nv.len);
    buf_append (&pv, node.raw + node.raw_len,
                pub.len - node.raw_len);
    rebuild (data, n, VSC_TAG_PUBLIC, pv.data, pv.len, false, &b);
    CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (b.data, b.len, NULL, NULL, &v2)),
                     GPG_ERR_UNKNOWN_CRIT_EXTN);
    buf_free (&nv);
  }

  /* Length past the end: make E1 claim one byte more. */
  buf_set (&b, data, n);
  {
    tlv_t f2;
    CU_ASSERT_EQUAL_FATAL (tlv_parse (b.data + 8, b.len - 8, &f2, NULL), 0);
    /* E1 82 HH LL: bump the low length byte. */
    CU_ASSERT_EQUAL_FATAL (b.data[9], 0x82);
    b.data[11]++;
    CU_ASSERT_NOT_EQUAL (vsc_open_mem (b.data, b.len, NULL, NULL, &v2), 0);
    b.data[11] -= 2;
    CU_ASSERT_NOT_EQUAL (vsc_open_mem (b.data, b.len, NULL, NULL, &v2), 0);
  }
  /* Trailing garbage. */
  buf_set (&b, data, n);
  buf_append_byte (&b, 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (b.data, b.len, NULL, NULL, &v2)),
                   GPG_ERR_INV_OBJ);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "trailing"));
  /* Not a VSC. */
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem ("hello world", 11, NULL, NULL, &v2)),
                   GPG_ERR_INV_OBJ);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "not a VSC"));

  buf_free (&b);
  buf_free (&pv);
  xfree (data);
  vsc_close (vsc);
}

static void
test_future_version (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  uint8_t *data;
  size_t n, i;
  vsc_t *vsc, *v2;

  vsc = make_vsc ("pw", &cache, &data, &n);
  /* MAGIC E1 82 xx xx E2 82? ... : find "80 01 01" (the version) after E2. */
  for (i = 12; i + 3 < n; i++)
    if (data[i] == 0x80 && data[i + 1] == 1 && data[i + 2] == 1)
      break;
  CU_ASSERT_FATAL (i < 20);
  data[i + 2] = 2;
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, NULL, NULL, &v2)),
                   GPG_ERR_UNKNOWN_VERSION);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "future"));
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, "pw", &o, &v2)),
                   GPG_ERR_UNKNOWN_VERSION);
  data[i + 2] = 0;
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, NULL, NULL, &v2)),
                   GPG_ERR_UNKNOWN_VERSION);
  xfree (data);
  vsc_close (vsc);
}

/* No node of a non-public area and the image marked unverified. */
static gpg_error_t
check_public_only (image_node_t *node, unsigned depth, void *ctx)
{
  (void)depth;
  if (image_node_effective_area (node) != IMAGE_AREA_PUBLIC)
    ++*(int *)ctx;
  if (node->has_content
      && (contains (node->content, node->content_len, "PRIVATE")
          || contains (node->content, node->content_len, "SECRET")))
    ++*(int *)ctx;
  return 0;
}

static void
test_every_bitflip_and_truncation (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  uint8_t *data;
  size_t n, i;
  unsigned bit;
  vsc_t *vsc, *v2;
  unsigned refused = 0, accepted = 0, bad_unverified = 0, nopw_ok = 0;
  unsigned named = 0;

  vsc = make_vsc ("flip", &cache, &data, &n);
  CU_ASSERT_EQUAL_FATAL (vsc_open_mem (data, n, "flip", &o, &v2), 0);
  vsc_close (v2);
  for (i = 0; i < n; i++)
    for (bit = 0; bit < 8; bit++)
      {
        gpg_error_t err;
        data[i] ^= (uint8_t)(1u << bit);
        v2 = NULL;
        err = vsc_open_mem (data, n, "flip", &o, &v2);
        if (err && !v2)
          {
            refused++;
            if (*errctx_text ())
              named++;
          }
        else
          {
            accepted++;
            vsc_close (v2);
          }
        /* Without the password: either refused or unverified + public. */
        v2 = NULL;
        err = vsc_open_mem (data, n, NULL, NULL, &v2);
        if (!err)
          {
            int bad = 0;
            nopw_ok++;
            if (!vsc_image (v2)->unverified || vsc_unlocked (v2))
              bad++;
            image_walk (vsc_image (v2), check_public_only, &bad);
            if (bad)
              bad_unverified++;
            vsc_close (v2);
          }
        data[i] ^= (uint8_t)(1u << bit);
      }
  printf ("\n    %zu bytes: %u flips refused with password (%u with a message), "
          "%u accepted; without password %u parsed (unverified)\n",
          n, refused, named, accepted, nopw_ok);
  CU_ASSERT_EQUAL (accepted, 0);
  CU_ASSERT_EQUAL (refused, n * 8);
  CU_ASSERT_EQUAL (named, n * 8);
  CU_ASSERT_EQUAL (bad_unverified, 0);
  CU_ASSERT_EQUAL (cache.real_runs, 1);

  /* The same through a file (vsc_open_ex decrypts in place). */
  {
    char path[512];
    unsigned file_refused = 0;
    snprintf (path, sizeof path, "%s/flip.vsc", tmpdir);
    for (i = 0; i < n; i++)
      for (bit = 0; bit < 8; bit++)
        {
          FILE *fp = fopen (path, "wb");
          CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
          data[i] ^= (uint8_t)(1u << bit);
          fwrite (data, 1, n, fp);
          fclose (fp);
          data[i] ^= (uint8_t)(1u << bit);
          v2 = NULL;
          if (vsc_open_ex (path, "flip", &o, &v2) && !v2)
            file_refused++;
          else
            vsc_close (v2);
        }
    CU_ASSERT_EQUAL (file_refused, n * 8);
    unlink (path);
  }

  for (i = 0; i < n; i++)
    {
      v2 = NULL;
      CU_ASSERT_NOT_EQUAL (vsc_open_mem (data, i, "flip", &o, &v2), 0);
      CU_ASSERT_PTR_NULL (v2);
      CU_ASSERT_NOT_EQUAL (vsc_open_mem (data, i, NULL, NULL, &v2), 0);
      CU_ASSERT_PTR_NULL (v2);
    }
  xfree (data);
  vsc_close (vsc);
}

static void
test_area_named (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  uint8_t *data;
  size_t n;
  vsc_t *vsc, *v2;
  tlv_t file, t;
  struct { unsigned tag; const char *name; } areas[] = {
    { VSC_TAG_IDENTIFIER, "identifier area" }, { VSC_TAG_PUBLIC, "public area" },
    { VSC_TAG_PRIVATE, "private area" }, { VSC_TAG_SECRET, "secret-key area" },
    { VSC_TAG_MAC, "authenticator area" }
  };
  size_t i;

  vsc = make_vsc ("pw", &cache, &data, &n);
  CU_ASSERT_EQUAL_FATAL (tlv_parse (data + 8, n - 8, &file, NULL), 0);
  for (i = 0; i < DIM (areas); i++)
    {
      size_t off;
      CU_ASSERT_EQUAL_FATAL (tlv_find (file.value, file.len, areas[i].tag, &t), 0);
      /* The last byte of the area's value (content, tag, or MAC). */
      off = (size_t)(t.value - data) + t.len - 1;
      data[off] ^= 0x01;
      CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (data, n, "pw", &o, &v2)),
                       GPG_ERR_BAD_SIGNATURE);
      CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), areas[i].name));
      data[off] ^= 0x01;
    }
  xfree (data);
  vsc_close (vsc);
}

static void
make_path (char *buf, size_t n, const char *name)
{
  snprintf (buf, n, "%s/%s", tmpdir, name);
  unlink (buf);
}

static void
test_save_conflict (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { &min_kdf, cached_kdf, &cache };
  char path[512];
  vsc_t *a, *b, *c;
  image_node_t *n;
  struct stat st;
  vsc_info_t info;

  make_path (path, sizeof path, "conflict.vsc");
  CU_ASSERT_EQUAL_FATAL (vsc_create (path, "pw", &o, &a, NULL), 0);
  CU_ASSERT_EQUAL (vsc_save (a), 0);
  CU_ASSERT_EQUAL (stat (path, &st), 0);
  CU_ASSERT_EQUAL (st.st_mode & 0777, 0600);
  vsc_close (a);
  /* Create refuses an existing file. */
  CU_ASSERT_EQUAL_FATAL (vsc_create (path, "pw", &o, &c, NULL), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_save (c)), GPG_ERR_EEXIST);
  vsc_close (c);

  CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, "pw", &o, &a), 0);
  CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, "pw", &o, &b), 0);
  CU_ASSERT_EQUAL (image_make_path (vsc_image (a), "3F00/0001",
                                    IMAGE_NODE_EF_TRANSPARENT, IMAGE_SRC_USER, &n), 0);
  CU_ASSERT_EQUAL (vsc_save (a), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_save (b)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vsc_save (a), 0);  /* a may go on */
  vsc_info (a, &info);
  CU_ASSERT_EQUAL (info.generation, 3);
  vsc_close (a);
  vsc_close (b);
  CU_ASSERT_EQUAL (vsc_verify (path, "pw", &o, &info), 0);
  CU_ASSERT_EQUAL (info.generation, 3);
  CU_ASSERT_EQUAL (info.nodes[IMAGE_AREA_PUBLIC], 2);

  /* Replaced by another VSC with the same generation: conflict. */
  {
    char other[512], stale[600];
    FILE *fp;
    make_path (other, sizeof other, "other.vsc");
    CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, "pw", &o, &a), 0);
    CU_ASSERT_EQUAL_FATAL (vsc_create (other, "pw", &o, &c, NULL), 0);
    CU_ASSERT_EQUAL (vsc_save (c), 0);
    CU_ASSERT_EQUAL (vsc_save (c), 0);
    CU_ASSERT_EQUAL (vsc_save (c), 0);   /* generation 3 as well */
    vsc_close (c);
    CU_ASSERT_EQUAL (rename (other, path), 0);
    CU_ASSERT_EQUAL (gpg_err_code (vsc_save (a)), GPG_ERR_CONFLICT);
    CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "changed since"));
    /* Removed: conflict too, and nothing is created. */
    unlink (path);
    CU_ASSERT_EQUAL (gpg_err_code (vsc_save (a)), GPG_ERR_CONFLICT);
    CU_ASSERT_NOT_EQUAL (access (path, F_OK), 0);
    vsc_close (a);
    /* A stale temp file from a crash is removed by the next save. */
    CU_ASSERT_EQUAL_FATAL (vsc_create (path, "pw", &o, &a, NULL), 0);
    CU_ASSERT_EQUAL (vsc_save (a), 0);
    snprintf (stale, sizeof stale, "%s.tmp-AbC123", path);
    fp = fopen (stale, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
    fputs ("half a file", fp);
    fclose (fp);
    CU_ASSERT_EQUAL (vsc_save (a), 0);
    CU_ASSERT_NOT_EQUAL (access (stale, F_OK), 0);
    vsc_close (a);
  }
  unlink (path);
}

static void
test_passwd (void)
{
  /* The real KDF (minimum parameters): each file has its own salt. */
  vsc_opts_t o = { &min_kdf, NULL, NULL };
  vsc_opts_t o2 = { &min_kdf, NULL, NULL };
  char path[512];
  vsc_t *a, *b;
  uint8_t *old, *new;
  size_t oldn, newn;
  char *gen = NULL;

  make_path (path, sizeof path, "passwd.vsc");
  CU_ASSERT_EQUAL_FATAL (vsc_create (path, "old", &o, &a, NULL), 0);
  CU_ASSERT_EQUAL (image_make_path (vsc_image (a), "openpgp/0103", IMAGE_NODE_DO,
                                    IMAGE_SRC_USER, NULL), 0);
  image_find_path (vsc_image (a), "openpgp/0103")->area = IMAGE_AREA_PRIVATE;
  CU_ASSERT_EQUAL (vsc_save (a), 0);
  vsc_close (a);
  CU_ASSERT_EQUAL_FATAL (vsc_store_read (path, &old, &oldn), 0);

  CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, "old", NULL, &a), 0);
  CU_ASSERT_EQUAL (vsc_passwd (a, NULL, &o2, &gen), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (gen);
  vsc_close (a);
  CU_ASSERT_EQUAL_FATAL (vsc_store_read (path, &new, &newn), 0);

  /* New password opens the new file; the old one does not. */
  CU_ASSERT_EQUAL (vsc_open_ex (path, gen, NULL, &b), 0);
  CU_ASSERT_PTR_NOT_NULL (image_find_path (vsc_image (b), "openpgp/0103"));
  vsc_close (b);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_ex (path, "old", NULL, &b)),
                   GPG_ERR_BAD_PASSPHRASE);
  /* Old copy + old password opens only the old copy; the old keyslot
   * grafted onto the new file does not open it (fresh DEK). */
  CU_ASSERT_EQUAL (vsc_open_mem (old, oldn, "old", NULL, &b), 0);
  vsc_close (b);
  {
    vsc_t *vo = NULL, *vn = NULL;
    uint8_t *mix;
    size_t mixn;
    CU_ASSERT_EQUAL_FATAL (vsc_open_mem (old, oldn, NULL, NULL, &vo), 0);
    CU_ASSERT_EQUAL_FATAL (vsc_open_mem (new, newn, gen, NULL, &vn), 0);
    memcpy (vn->slots, vo->slots, sizeof vn->slots);   /* old keyslot */
    CU_ASSERT_EQUAL (vsc_encode (vn, &mix, &mixn), 0);
    CU_ASSERT_NOT_EQUAL (vsc_open_mem (mix, mixn, "old", NULL, &b), 0);
    xfree (mix);
    vsc_close (vo);
    vsc_close (vn);
  }
  xfree_secure (gen);
  xfree (old);
  xfree (new);
  unlink (path);
}

static void
test_generated_password (void)
{
  char *a, *b;
  size_t i;

  CU_ASSERT_EQUAL_FATAL (vsc_password_generate (&a), 0);
  CU_ASSERT_EQUAL_FATAL (vsc_password_generate (&b), 0);
  CU_ASSERT_EQUAL (strlen (a), 34);
  CU_ASSERT_STRING_NOT_EQUAL (a, b);
  for (i = 0; i < 34; i++)
    {
      if (i % 5 == 4)
        CU_ASSERT_EQUAL (a[i], '-')
      else
        CU_ASSERT_PTR_NOT_NULL (strchr ("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", a[i]));
    }
  xfree_secure (a);
  xfree_secure (b);
}

static void
test_export_public (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { NULL, cached_kdf, &cache };
  char path[512];
  vsc_t *vsc, *v2;

  make_path (path, sizeof path, "export.vsc");
  vsc = make_vsc ("pw", &cache, NULL, NULL);
  CU_ASSERT_EQUAL (vsc_export_public (vsc, path), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_export_public (vsc, path)), GPG_ERR_EEXIST);
  CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, "pw", &o, &v2), 0);
  CU_ASSERT_PTR_NOT_NULL (image_find_path (vsc_image (v2), "openpgp/5F50"));
  CU_ASSERT_PTR_NULL (image_find_path (vsc_image (v2), "openpgp/0103"));
  CU_ASSERT_PTR_NULL (image_find_path (vsc_image (v2), "openpgp/key-sig"));
  vsc_close (v2);
  vsc_close (vsc);
  unlink (path);
}

/* tests/vectors/vsc-v1.vsc: made once by `test-vsc --make-vector FILE`
 * with password VECTOR_PW; any change of the format breaks this test. */
#define VECTOR_PW "vscman test vector 1"

static void
test_vector (void)
{
  char path[1024];
  vsc_t *vsc;
  image_node_t *n;
  vsc_info_t info;

  snprintf (path, sizeof path, "%s/tests/vectors/vsc-v1.vsc", cutest_srcdir ());
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, VECTOR_PW, &vsc), 0);
  vsc_info (vsc, &info);
  CU_ASSERT_STRING_EQUAL (info.uuid, "5e1f3a0c-7d2b-4c8e-9f60-0a1b2c3d4e5f");
  CU_ASSERT_EQUAL (info.generation, 1);
  CU_ASSERT_EQUAL (info.kdf.m_kib, VSC_KDF_M_MIN);
  n = image_find_path (vsc_image (vsc), "3F00/2F00");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (n->content_len, 10);
  CU_ASSERT_EQUAL (memcmp (n->content, "public-dir", 10), 0);
  n = image_find_path (vsc_image (vsc), "openpgp/0103");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (memcmp (n->content, "PRIVATE-DO-0103", 15), 0);
  n = image_find_path (vsc_image (vsc), "openpgp/key-sig");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (memcmp (n->content, "SECRET-KEY-BYTES", 16), 0);
  CU_ASSERT_STRING_EQUAL (n->key.fingerprint, "0011AABB");
  CU_ASSERT_STRING_EQUAL (vsc_image (vsc)->card.serial, "0006:12345678");
  vsc_close (vsc);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_open (path, "not it", &vsc)),
                   GPG_ERR_BAD_PASSPHRASE);
}

/* tests/vectors/vsc-v1-notes.vsc: written by the release before the
 * typed state (commit fa30418), which kept it in notes: a scan position
 * on the MF, "yubikey-compatible" on the PIV applet, "scope=... label=..."
 * on stored PINs. This reader gives the same state, typed, and the notes
 * are gone (they held nothing else). */
static void
test_vector_notes (void)
{
  char path[1024];
  vsc_t *vsc;
  image_t *img;
  image_node_t *n;
  const char *df = NULL;
  uint16_t fid = 0;
  unsigned phase = 0;
  uint8_t v[3] = { 0, 0, 0 };

  snprintf (path, sizeof path, "%s/tests/vectors/vsc-v1-notes.vsc",
            cutest_srcdir ());
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, VECTOR_PW, &vsc), 0);
  img = vsc_image (vsc);
  n = image_find_path (img, "3F00");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_TRUE (image_node_scan_next (n, &df, &fid, &phase));
  CU_ASSERT_TRUE (df && !strcmp (df, "3F00/5015"));
  CU_ASSERT_EQUAL (fid, 0x4A01);
  CU_ASSERT_EQUAL (phase, 2);
  CU_ASSERT_PTR_NULL (n->note);
  n = image_find_path (img, "piv");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_TRUE (image_node_yubikey (n, v));
  CU_ASSERT_EQUAL (memcmp (v, "\x05\x07\x00", 3), 0);
  CU_ASSERT_PTR_NULL (n->note);
  n = image_find_path (img, "pins/81");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_TRUE (image_node_pin_scope (n)
                  && !strcmp (image_node_pin_scope (n), "openpgp"));
  CU_ASSERT_TRUE (image_node_pin_label (n)
                  && !strcmp (image_node_pin_label (n), "User PIN"));
  CU_ASSERT_PTR_NULL (n->note);
  n = image_find_path (img, "pins/01");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_TRUE (image_node_pin_scope (n)
                  && !strcmp (image_node_pin_scope (n), "3F00/5015"));
  CU_ASSERT_PTR_NULL (image_node_pin_label (n));
  n = image_find_path (img, "pins/02");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_PTR_NULL (image_node_pin_scope (n));
  CU_ASSERT_TRUE (image_node_pin_label (n)
                  && !strcmp (image_node_pin_label (n), "Global PIN"));
  /* A human note is left alone. */
  n = image_find_path (img, "piv/key-9A");
  CU_ASSERT_TRUE (n && n->note
                  && !strcmp (n->note, "regenerate or re-import"));
  vsc_close (vsc);
}

static const char *vector_out;
static int vector_rc = 1;

static void
make_vector_test (void)
{
  const char *out = vector_out;
  vsc_t *vsc;
  static const uint8_t uuid[16] = { 0x5e, 0x1f, 0x3a, 0x0c, 0x7d, 0x2b, 0x4c, 0x8e,
                                    0x9f, 0x60, 0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f };
  vsc_opts_t o = { &min_kdf, NULL, NULL };
  gpg_error_t err;

  vsc = make_vsc (VECTOR_PW, NULL, NULL, NULL);
  /* A fixed UUID and times so the test can check them; the keyslot is
   * made again because its associated data contains the UUID. */
  memcpy (vsc->uuid, uuid, 16);
  vsc_format_uuid (vsc->uuid, vsc->uuid_str);
  vsc->created = 1767225600;  /* 2026-01-01T00:00:00Z */
  err = vsc_make_slot (vsc, VECTOR_PW, &o, &vsc->slots[0]);
  if (!err)
    err = vsc_set_path (vsc, out);
  if (!err)
    err = vsc_save (vsc);
  if (err)
    fprintf (stderr, "make-vector: %s %s\n", gpg_strerror (err), errctx_text ());
  vsc_close (vsc);
  CU_ASSERT_EQUAL (err, 0);
  vector_rc = !!err;
}

/* Writer and reader share the limits: what vsc_save writes opens again,
 * and what the reader would refuse is refused before anything is
 * written (issue: a 5000-byte label and a 2049-level path were written
 * and then refused, losing the whole VSC). */
static void
test_shared_limits (void)
{
  kdf_cache_t cache = { 0 };
  vsc_opts_t o = { &min_kdf, cached_kdf, &cache };
  char path[512], *label, deep[16384] = "3F00";
  vsc_t *a, *b;
  image_node_t *n;
  struct stat st;
  unsigned i;

  label = xtrymalloc (5001);
  CU_ASSERT_PTR_NOT_NULL_FATAL (label);
  memset (label, 'L', 5000);
  label[5000] = 0;
  make_path (path, sizeof path, "limits.vsc");
  CU_ASSERT_EQUAL_FATAL (vsc_create (path, "pw", &o, &a, NULL), 0);
  CU_ASSERT_EQUAL (image_set_label (vsc_image (a), label), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vsc_save (a)), GPG_ERR_LIMIT_REACHED);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "label"));
  CU_ASSERT_NOT_EQUAL (stat (path, &st), 0);   /* nothing written */
  label[VSC_MAX_STRING] = 0;                   /* the most allowed */
  CU_ASSERT_EQUAL (image_set_label (vsc_image (a), label), 0);
  /* 2049 levels are refused when the path is made; 32 are allowed. */
  for (i = 1; i < 2049; i++)
    snprintf (deep + strlen (deep), sizeof deep - strlen (deep), "/%04X",
              i & 0xFFFF);
  CU_ASSERT_EQUAL (gpg_err_code (image_make_path (vsc_image (a), deep,
                                                  IMAGE_NODE_EF_TRANSPARENT,
                                                  IMAGE_SRC_USER, &n)),
                   GPG_ERR_LIMIT_REACHED);
  deep[4 + 5 * (VSC_MAX_DEPTH - 1)] = 0;
  CU_ASSERT_EQUAL (image_make_path (vsc_image (a), deep,
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_USER, &n), 0);
  n->area = IMAGE_AREA_PRIVATE;
  CU_ASSERT_EQUAL (image_node_set_content (n, "deep", 4), 0);
  CU_ASSERT_EQUAL (vsc_save (a), 0);
  vsc_close (a);
  CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, "pw", &o, &b), 0);
  CU_ASSERT_EQUAL (strlen (vsc_image (b)->card.label), VSC_MAX_STRING);
  n = image_find_path (vsc_image (b), deep);
  CU_ASSERT_TRUE (n && n->content_len == 4);
  vsc_close (b);
  CU_ASSERT_EQUAL_FATAL (vsc_open_ex (path, NULL, &o, &b), 0);
  vsc_close (b);
  unlink (path);
  xfree (label);
}

/* A file that is only the magic is malformed (exit code 4), not an I/O
 * error. */
static void
test_magic_only (void)
{
  vsc_t *v = NULL;

  CU_ASSERT_EQUAL (gpg_err_code (vsc_open_mem (VSC_MAGIC, VSC_MAGIC_LEN,
                                               NULL, NULL, &v)),
                   GPG_ERR_TOO_SHORT);
  CU_ASSERT_PTR_NULL (v);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "truncated"));
}

static const cutest_t tests[] = {
  CUTEST (test_shared_limits),
  CUTEST (test_magic_only),
  CUTEST (test_roundtrip),
  CUTEST (test_wrong_password),
  CUTEST (test_kdf_bounds),
  CUTEST (test_strict_structure),
  CUTEST (test_future_version),
  CUTEST (test_every_bitflip_and_truncation),
  CUTEST (test_area_named),
  CUTEST (test_save_conflict),
  CUTEST (test_passwd),
  CUTEST (test_generated_password),
  CUTEST (test_export_public),
  CUTEST (test_vector),
  CUTEST (test_vector_notes),
  CUTEST_END
};

static int
suite_init (void)
{
  snprintf (tmpdir, sizeof tmpdir, "%s/test-vsc.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  return mkdtemp (tmpdir) ? 0 : -1;
}

static int
suite_cleanup (void)
{
  return rmdir (tmpdir) ? -1 : 0;
}

int
main (int argc, char **argv)
{
  if (argc == 3 && !strcmp (argv[1], "--make-vector"))
    {
      static const cutest_t mk[] = { CUTEST (make_vector_test), CUTEST_END };
      vector_out = argv[2];
      cutest_main ("make-vector", mk, NULL, NULL);
      return vector_rc;
    }
  return cutest_main ("vsc", tests, suite_init, suite_cleanup);
}
