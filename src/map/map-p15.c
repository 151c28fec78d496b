/* map-p15.c - encode a PKCS#15 structure for a blank file system (see
 * map-p15.h for the layout). The ASN.1 is PKCS #15 v1.1 as OpenSC reads
 * it (pkcs15.c, pkcs15-prkey.c, pkcs15-pubkey.c, pkcs15-cert.c,
 * pkcs15-data.c, pkcs15-pin.c): objects are SEQUENCE { commonObject
 * Attributes, class attributes, [1] type attributes }, paths are
 * SEQUENCE { OCTET STRING }. Written with the BER-TLV builder. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/tlv.h"
#include "common/der.h"
#include "common/keyutil.h"
#include "common/hex.h"
#include "common/i18n.h"
#include "map/map-p15.h"

#define P15_FDB_TRANSPARENT 0x01
#define P15_FDB_INTERNAL    0x09

static const uint8_t p15_aid[] = {
  0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35
};

/* ---- DER pieces -------------------------------------------------------- */

/* INTEGER with minimal two's complement encoding of V >= 0. */
static gpg_error_t
p15_int (buf_t *b, unsigned long v)
{
  uint8_t tmp[9];
  size_t n = 0, i;
  unsigned long x = v;

  do
    {
      tmp[8 - n++] = (uint8_t)x;
      x >>= 8;
    }
  while (x);
  if (tmp[9 - n] & 0x80)
    tmp[8 - n++] = 0;
  i = 9 - n;
  return tlv_put (b, 0x02, tmp + i, n);
}

/* BIT STRING of the named bits BITS (bit 0 = the first). */
static gpg_error_t
p15_bits (buf_t *b, unsigned bits)
{
  uint8_t v[5] = { 0 };
  int hi = -1, i;

  for (i = 0; i < 32; i++)
    if (bits & (1u << i))
      hi = i;
  if (hi < 0)
    return tlv_put (b, 0x03, v, 1);
  for (i = 0; i <= hi; i++)
    if (bits & (1u << i))
      v[1 + i / 8] |= (uint8_t)(0x80u >> (i % 8));
  v[0] = (uint8_t)(7 - hi % 8);
  return tlv_put (b, 0x03, v, (size_t)(hi / 8 + 2));
}

/* A DER writer whose error sticks: after the first failure every call
 * does nothing, so that a structure is written as straight-line code and
 * checked once (p15w_done). Constructed objects nest up to P15W_DEPTH. */
#define P15W_DEPTH 8
typedef struct p15_w {
  buf_t *b;
  gpg_error_t err;
  size_t mark[P15W_DEPTH];
  unsigned depth;
} p15_w_t;

static void
p15w_init (p15_w_t *w, buf_t *b)
{
  w->b = b;
  w->err = 0;
  w->depth = 0;
}

/* The result: the first error, or an object left open. */
static gpg_error_t
p15w_done (p15_w_t *w)
{
  if (!w->err && w->depth)
    w->err = gpg_error (GPG_ERR_INTERNAL);
  return w->err;
}

static void
p15w_begin (p15_w_t *w, unsigned tag)
{
  if (w->err)
    return;
  if (w->depth == P15W_DEPTH)
    w->err = gpg_error (GPG_ERR_INTERNAL);
  else
    w->err = tlv_begin (w->b, tag, &w->mark[w->depth++]);
}

static void
p15w_end (p15_w_t *w)
{
  if (w->err)
    return;
  if (!w->depth)
    w->err = gpg_error (GPG_ERR_INTERNAL);
  else
    w->err = tlv_end (w->b, w->mark[--w->depth]);
}

static void
p15w_put (p15_w_t *w, unsigned tag, const void *p, size_t n)
{
  if (!w->err)
    w->err = tlv_put (w->b, tag, p, n);
}

static void
p15w_byte (p15_w_t *w, unsigned tag, uint8_t v)
{
  p15w_put (w, tag, &v, 1);
}

static void
p15w_int (p15_w_t *w, unsigned long v)
{
  if (!w->err)
    w->err = p15_int (w->b, v);
}

static void
p15w_bits (p15_w_t *w, unsigned bits)
{
  if (!w->err)
    w->err = p15_bits (w->b, bits);
}

/* Path SEQUENCE { OCTET STRING 3F00 DF [FID] } (no FID if 0). */
static void
p15w_path (p15_w_t *w, uint16_t df, uint16_t fid)
{
  uint8_t p[6];

  put_be16 (p, 0x3F00);
  put_be16 (p + 2, df);
  put_be16 (p + 4, fid);
  p15w_begin (w, 0x30);
  p15w_put (w, 0x04, p, fid ? 6 : 4);
  p15w_end (w);
}

static void
p15w_utf8 (p15_w_t *w, const char *s)
{
  p15w_put (w, 0x0C, s ? s : "", s ? strlen (s) : 0);
}

/* CommonObjectAttributes: label, flags (private 0, modifiable 1),
 * authId (the PIN's, 1 byte) when AUTH. */
static void
p15w_common (p15_w_t *w, const char *label, bool priv, bool auth)
{
  p15w_begin (w, 0x30);
  p15w_utf8 (w, label);
  p15w_bits (w, (priv ? 1u : 0u) | 2u);
  if (auth)
    p15w_byte (w, 0x04, 0x01);
  p15w_end (w);
}

/* A key or certificate object up to its class attributes' iD: TAG {
 * common, SEQUENCE { OCTET STRING id, ... (left open for the caller) */
static void
p15w_object_open (p15_w_t *w, unsigned tag, const char *label, bool priv,
                  bool auth, const uint8_t *id, size_t id_len)
{
  p15w_begin (w, tag);
  p15w_common (w, label, priv, auth);
  p15w_begin (w, 0x30);
  p15w_put (w, 0x04, id, id_len);
}

/* ... } [1] { SEQUENCE { path 3F00/5015/FID, [INTEGER BITS] } } } */
static void
p15w_object_close (p15_w_t *w, uint16_t fid, bool with_bits, unsigned bits)
{
  p15w_end (w);
  p15w_begin (w, 0xA1);
  p15w_begin (w, 0x30);
  p15w_path (w, 0x5015, fid);
  if (with_bits)
    p15w_int (w, bits);
  p15w_end (w);
  p15w_end (w);
  p15w_end (w);
}

/* PKCS#15 KeyUsageFlags per purpose: encrypt 0, decrypt 1, sign 2,
 * signRecover 3, wrap 4, unwrap 5, verify 6, verifyRecover 7, derive 8,
 * nonRepudiation 9 (as OpenSC's PIV emulation gives its slots). */
static unsigned
p15_usage (map_purpose_t p, unsigned alg, bool pub)
{
  bool rsa = (alg & MAP_ALG_RSA) != 0;
  unsigned u;

  switch (p)
    {
    case MAP_PURPOSE_SIGN:
      u = (1u << 2) | (1u << 9) | (rsa ? 1u << 3 : 0);
      break;
    case MAP_PURPOSE_DECRYPT:
    case MAP_PURPOSE_RETIRED:
      u = rsa ? (1u << 1) | (1u << 5) : 1u << 8;
      break;
    case MAP_PURPOSE_CARDAUTH:
      u = 1u << 2;
      break;
    default:
      u = (1u << 2) | (rsa ? (1u << 1) | (1u << 3) : 0);
      break;
    }
  if (pub)
    {
      /* The public key's side: sign -> verify, decrypt -> encrypt. */
      unsigned v = 0;
      if (u & (1u << 2)) v |= 1u << 6;
      if (u & (1u << 3)) v |= 1u << 7;
      if (u & (1u << 1)) v |= 1u << 0;
      if (u & (1u << 5)) v |= 1u << 4;
      if (u & (1u << 8)) v |= 1u << 8;
      u = v;
    }
  return u;
}

static unsigned
p15_bits_of (unsigned alg)
{
  switch (alg)
    {
    case MAP_ALG_RSA1024: return 1024;
    case MAP_ALG_RSA2048: return 2048;
    case MAP_ALG_RSA3072: return 3072;
    case MAP_ALG_RSA4096: return 4096;
    case MAP_ALG_NISTP256: return 256;
    case MAP_ALG_NISTP384: return 384;
    case MAP_ALG_NISTP521: return 521;
    default: return 0;
    }
}

/* ---- public keys ------------------------------------------------------- */

gpg_error_t
map_p15_pubkey (const uint8_t *p, size_t n, unsigned alg, buf_t *out)
{
  gpg_error_t err;
  gcry_sexp_t sk = NULL;
  buf_t a = BUF_INIT, e = BUF_INIT;
  size_t m1, m2;
  const uint8_t *oid = NULL;
  size_t oid_len = 0;

  buf_clear (out);
  if (gcry_sexp_sscan (&sk, NULL, (const char *)p, n))
    return gpg_error (GPG_ERR_INV_SEXP);
  if (alg & MAP_ALG_RSA)
    {
      err = keyutil_sexp_bytes (sk, "n", false, &a);
      if (!err)
        err = keyutil_sexp_bytes (sk, "e", false, &e);
      if (!err)
        err = tlv_begin (out, 0x30, &m1);
      if (!err)
        err = der_put_uint (out, a.data, a.len);
      if (!err)
        err = der_put_uint (out, e.data, e.len);
      if (!err)
        err = tlv_end (out, m1);
      goto leave;
    }
  switch (alg)
    {
    case MAP_ALG_NISTP256: oid = der_oid_p256; oid_len = sizeof der_oid_p256; break;
    case MAP_ALG_NISTP384: oid = der_oid_p384; oid_len = sizeof der_oid_p384; break;
    case MAP_ALG_NISTP521: oid = der_oid_p521; oid_len = sizeof der_oid_p521; break;
    default:
      err = gpg_error (GPG_ERR_PUBKEY_ALGO);
      goto leave;
    }
  err = keyutil_sexp_bytes (sk, "q", false, &a);
  if (!err)
    err = tlv_begin (out, 0x30, &m1);
  if (!err)
    err = tlv_begin (out, 0x30, &m2);
  if (!err)
    err = tlv_put (out, 0x06, der_oid_ec, sizeof der_oid_ec);
  if (!err)
    err = tlv_put (out, 0x06, oid, oid_len);
  if (!err)
    err = tlv_end (out, m2);
  if (!err)
    err = tlv_put_header (out, 0x03, a.len + 1);
  if (!err)
    err = buf_append_byte (out, 0);
  if (!err)
    err = buf_append (out, a.data, a.len);
  if (!err)
    err = tlv_end (out, m1);
 leave:
  gcry_sexp_release (sk);
  buf_free (&a);
  buf_free (&e);
  return err;
}

/* ---- files ------------------------------------------------------------- */

gpg_error_t
map_p15_fcp (uint8_t fdb, uint16_t fid, size_t size, uint8_t read_ref,
             uint8_t pin_ref, buf_t *out)
{
  uint8_t fidb[2], sc[8];
  uint8_t pin = (uint8_t)(0x10 | (pin_ref & 0x0F));
  p15_w_t w;

  buf_clear (out);
  p15w_init (&w, out);
  put_be16 (fidb, fid);
  /* Compact format: AM 7F, then b7 delete, b6 terminate, b5 activate,
   * b4 deactivate, b3 write, b2 update, b1 read. */
  sc[0] = 0x7F;
  sc[1] = pin;
  sc[2] = 0xFF;
  sc[3] = pin;
  sc[4] = pin;
  sc[5] = pin;
  sc[6] = pin;
  sc[7] = read_ref ? (uint8_t)(0x10 | (read_ref & 0x0F)) : 0x00;
  p15w_begin (&w, 0x62);
  p15w_byte (&w, 0x82, fdb);
  p15w_put (&w, 0x83, fidb, 2);
  if (fdb != P15_FDB_INTERNAL && !w.err)
    w.err = tlv_put_uint (out, 0x80, size);
  p15w_put (&w, 0x8C, sc, sizeof sc);
  p15w_end (&w);
  return p15w_done (&w);
}

/* An EF node PATH with CONTENT and its FCP. */
static gpg_error_t
p15_file (image_t *image, const char *path, const uint8_t *content, size_t n,
          uint8_t read_ref, uint8_t pin_ref, image_node_t **r_node)
{
  gpg_error_t err;
  image_node_t *node;
  buf_t fcp = BUF_INIT;

  err = image_make_path (image, path, IMAGE_NODE_EF_TRANSPARENT,
                         IMAGE_SRC_PKCS15, &node);
  if (!err && node->type != IMAGE_NODE_EF_TRANSPARENT)
    err = gpg_error (GPG_ERR_EEXIST);
  if (!err)
    err = image_node_set_content (node, content, n);
  if (!err)
    err = map_p15_fcp (P15_FDB_TRANSPARENT, node->fid, n, read_ref, pin_ref,
                       &fcp);
  if (!err)
    err = image_node_set_fcp (node, fcp.data, fcp.len);
  if (!err)
    err = image_node_set_agent (node, "pkcs15");
  if (!err)
    {
      node->size = n;
      node->access.read = read_ref ? IMAGE_AC_PIN : IMAGE_AC_ALWAYS;
      node->access.read_ref = read_ref;
      node->access.write = IMAGE_AC_PIN;
      node->access.write_ref = pin_ref;
      node->area = read_ref ? IMAGE_AREA_PRIVATE : IMAGE_AREA_PUBLIC;
      if (r_node)
        *r_node = node;
    }
  buf_free (&fcp);
  return err;
}

static gpg_error_t
p15_file_fid (image_t *image, uint16_t fid, const buf_t *b, uint8_t read_ref,
              uint8_t pin_ref)
{
  char path[32];
  snprintf (path, sizeof path, "3F00/5015/%04X", fid);
  return p15_file (image, path, b->data, b->len, read_ref, pin_ref, NULL);
}

/* ---- directory files --------------------------------------------------- */

static gpg_error_t
p15_prkdf_entry (buf_t *b, const map_p15_obj_t *o, uint16_t fid,
                 uint8_t ref)
{
  p15_w_t w;

  p15w_init (&w, b);
  p15w_object_open (&w, (o->alg & MAP_ALG_RSA) ? 0x30 : 0xA0, o->label,
                    true, true, o->id, o->id_len);
  p15w_bits (&w, p15_usage (o->purpose, o->alg, false));
  p15w_bits (&w, 0x01 | 0x04);   /* sensitive, alwaysSensitive */
  p15w_int (&w, ref);
  p15w_object_close (&w, fid, true, p15_bits_of (o->alg));
  return p15w_done (&w);
}

static gpg_error_t
p15_pukdf_entry (buf_t *b, const map_p15_obj_t *o, uint16_t fid)
{
  bool rsa = (o->alg & MAP_ALG_RSA) != 0;
  p15_w_t w;

  p15w_init (&w, b);
  p15w_object_open (&w, rsa ? 0x30 : 0xA0, o->label, false, false, o->id,
                    o->id_len);
  p15w_bits (&w, p15_usage (o->purpose, o->alg, true));
  p15w_object_close (&w, fid, rsa, p15_bits_of (o->alg));
  return p15w_done (&w);
}

static gpg_error_t
p15_cdf_entry (buf_t *b, const char *label, const uint8_t *id, size_t id_len,
               bool authority, uint16_t fid)
{
  p15_w_t w;

  p15w_init (&w, b);
  p15w_object_open (&w, 0x30, label, false, false, id, id_len);
  if (authority)
    p15w_byte (&w, 0x01, 0xFF);
  p15w_object_close (&w, fid, false, 0);
  return p15w_done (&w);
}

static gpg_error_t
p15_dodf_entry (buf_t *b, const map_p15_obj_t *o, uint16_t fid)
{
  p15_w_t w;

  p15w_init (&w, b);
  p15w_begin (&w, 0x30);
  p15w_common (&w, o->label, o->private_data, o->private_data);
  p15w_begin (&w, 0x30);
  if (o->app_name)
    p15w_utf8 (&w, o->app_name);
  p15w_end (&w);
  p15w_begin (&w, 0xA1);
  p15w_path (&w, 0x5015, fid);
  p15w_end (&w);
  p15w_end (&w);
  return p15w_done (&w);
}

static gpg_error_t
p15_aodf (buf_t *b, const map_p15_layout_t *l)
{
  p15_w_t w;

  p15w_init (&w, b);
  p15w_begin (&w, 0x30);
  /* CommonObjectAttributes: label, flags: modifiable. */
  p15w_begin (&w, 0x30);
  p15w_utf8 (&w, l->pin_label ? l->pin_label : "User PIN");
  p15w_bits (&w, 2u);
  p15w_end (&w);
  p15w_begin (&w, 0x30);
  p15w_byte (&w, 0x04, 0x01);                 /* authId */
  p15w_end (&w);
  p15w_begin (&w, 0xA1);
  p15w_begin (&w, 0x30);
  /* pwdFlags: case-sensitive (0), local (1), initialized (4). */
  p15w_bits (&w, 0x01 | 0x02 | 0x10);
  p15w_byte (&w, 0x0A, 0x01);                 /* ascii-numeric */
  p15w_int (&w, l->pin_min ? l->pin_min : 4);
  p15w_int (&w, l->pin_max ? l->pin_max : 8);   /* storedLength */
  p15w_int (&w, l->pin_max ? l->pin_max : 8);   /* maxLength */
  p15w_byte (&w, 0x80, l->pin_ref ? l->pin_ref : 1);
  p15w_byte (&w, 0x04, 0xFF);                 /* padChar */
  p15w_path (&w, 0x5015, 0);
  p15w_end (&w);
  p15w_end (&w);
  p15w_end (&w);
  return p15w_done (&w);
}

static gpg_error_t
p15_tokeninfo (buf_t *b, const map_p15_layout_t *l)
{
  buf_t serial = BUF_INIT;
  const char *label = l->label ? l->label : "vscman";
  p15_w_t w;

  p15w_init (&w, b);
  if (!l->serial || strlen (l->serial) > 64 || hex_decode (l->serial, &serial)
      || !serial.len)
    {
      uint8_t zero = 0;
      buf_set (&serial, &zero, 1);
    }
  p15w_begin (&w, 0x30);
  p15w_int (&w, 0);
  p15w_put (&w, 0x04, serial.data, serial.len);
  buf_free (&serial);
  p15w_utf8 (&w, "vscman");                 /* manufacturerID */
  p15w_put (&w, 0x80, label, strlen (label));
  p15w_bits (&w, 0);                        /* tokenflags */
  p15w_end (&w);
  return p15w_done (&w);
}

static gpg_error_t
p15_odf_entry (buf_t *b, unsigned tag, uint16_t fid)
{
  p15_w_t w;

  p15w_init (&w, b);
  p15w_begin (&w, tag);
  p15w_path (&w, 0x5015, fid);
  p15w_end (&w);
  return p15w_done (&w);
}

/* ---- the structure ----------------------------------------------------- */

static gpg_error_t
p15_key_node (image_t *image, const map_p15_obj_t *o, uint16_t fid,
              uint8_t pin_ref)
{
  gpg_error_t err;
  image_node_t *node = NULL;
  char path[IMAGE_COMPONENT_MAX + 16], hex[41];
  image_keyinfo_t ki;
  buf_t fcp = BUF_INIT;

  hex_encode (o->id, o->id_len, hex);
  snprintf (path, sizeof path, "3F00/5015/key-%s", hex);
  err = image_make_path (image, path, IMAGE_NODE_KEY, IMAGE_SRC_PKCS15,
                         &node);
  if (!err && node->type != IMAGE_NODE_KEY)
    err = gpg_error (GPG_ERR_EEXIST);
  if (!err)
    err = image_node_set_content (node, o->key, o->key_len);
  if (!err)
    {
      memset (&ki, 0, sizeof ki);
      ki.algorithm = (char *)map_alg_name (o->alg);
      ki.created = (char *)o->created;
      ki.usage = (char *)map_purpose_name (o->purpose);
      err = image_node_set_keyinfo (node, &ki);
    }
  if (!err)
    err = map_p15_fcp (P15_FDB_INTERNAL, fid, 0, pin_ref, pin_ref, &fcp);
  if (!err)
    err = image_node_set_fcp (node, fcp.data, fcp.len);
  if (!err)
    err = image_node_set_agent (node, "pkcs15");
  if (!err)
    err = image_node_set_note (node, _("escrowed: imported into its key "
                                        "file on the card"));
  if (!err)
    {
      node->has_fid = true;
      node->fid = fid;
      node->area = IMAGE_AREA_SECRET_KEY;
      node->access.read = IMAGE_AC_NEVER;
      node->access.write = IMAGE_AC_PIN;
      node->access.write_ref = pin_ref;
      node->size = o->key_len;
    }
  buf_free (&fcp);
  return err;
}

gpg_error_t
map_p15_build (const map_p15_layout_t *l, image_t *image)
{
  gpg_error_t err = 0;
  buf_t prkdf = BUF_INIT, pukdf = BUF_INIT, cdf = BUF_INIT, dodf = BUF_INIT;
  buf_t odf = BUF_INIT, f = BUF_INIT;
  image_node_t *mf = NULL, *app = NULL;
  uint8_t pin = l->pin_ref ? l->pin_ref : 1;
  unsigned nkey = 0, ncert = 0, ndata = 0, npriv = 0;
  size_t i;
  const char *label = l->label ? l->label : "vscman";

  if (image_find_path (image, "3F00/5015"))
    return gpg_error (GPG_ERR_EEXIST);
  err = image_make_path (image, "3F00", IMAGE_NODE_MF, IMAGE_SRC_PKCS15,
                         &mf);
  if (!err)
    err = image_make_path (image, "3F00/5015", IMAGE_NODE_DF,
                           IMAGE_SRC_PKCS15, &app);
  if (!err)
    err = image_node_set_aid (app, p15_aid, sizeof p15_aid);
  if (!err)
    err = image_node_set_agent (app, "pkcs15");
  if (!err)
    {
      /* Files are created in it after the PIN (its write condition). */
      app->access.read = IMAGE_AC_ALWAYS;
      app->access.write = IMAGE_AC_PIN;
      app->access.write_ref = pin;
    }
  if (!err)
    {
      /* DF FCP: DF name; creating and deleting after the PIN. */
      uint8_t sc[8], fid[2];
      p15_w_t w;
      put_be16 (fid, 0x5015);
      sc[0] = 0x7F;
      sc[1] = sc[3] = sc[4] = sc[5] = sc[6] = sc[7]
        = (uint8_t)(0x10 | (pin & 0x0F));
      sc[2] = 0xFF;
      p15w_init (&w, &f);
      p15w_begin (&w, 0x62);
      p15w_byte (&w, 0x82, 0x38);
      p15w_put (&w, 0x83, fid, 2);
      p15w_put (&w, 0x84, p15_aid, sizeof p15_aid);
      p15w_put (&w, 0x8C, sc, sizeof sc);
      p15w_end (&w);
      err = p15w_done (&w);
      if (!err)
        err = image_node_set_fcp (app, f.data, f.len);
      buf_clear (&f);
    }

  for (i = 0; !err && i < l->n; i++)
    {
      const map_p15_obj_t *o = &l->objs[i];
      if (o->kind == MAP_KIND_KEY)
        {
          uint16_t kfid = (uint16_t)(0x3001 + nkey);
          err = p15_prkdf_entry (&prkdf, o, kfid, (uint8_t)(kfid & 0xFF));
          if (!err)
            err = p15_key_node (image, o, kfid, pin);
          if (!err)
            err = map_p15_pubkey (o->key, o->key_len, o->alg, &f);
          if (!err)
            err = p15_pukdf_entry (&pukdf, o, (uint16_t)(0x3301 + nkey));
          if (!err)
            err = p15_file_fid (image, (uint16_t)(0x3301 + nkey), &f, 0,
                                pin);
          nkey++;
          if (!err && o->cert && o->cert_len)
            {
              uint16_t cfid = (uint16_t)(0x3401 + ncert++);
              err = p15_cdf_entry (&cdf, o->cert_label ? o->cert_label
                                   : o->label, o->id, o->id_len, false,
                                   cfid);
              if (!err)
                err = buf_set (&f, o->cert, o->cert_len);
              if (!err)
                err = p15_file_fid (image, cfid, &f, 0, pin);
            }
        }
      else if (o->kind == MAP_KIND_CERT)
        {
          uint16_t cfid = (uint16_t)(0x3401 + ncert++);
          err = p15_cdf_entry (&cdf, o->label, o->id, o->id_len,
                               o->authority, cfid);
          if (!err)
            err = buf_set (&f, o->cert, o->cert_len);
          if (!err)
            err = p15_file_fid (image, cfid, &f, 0, pin);
        }
      else if (o->kind == MAP_KIND_DATA)
        {
          uint16_t dfid = o->private_data ? (uint16_t)(0x3501 + npriv++)
                                          : (uint16_t)(0x3201 + ndata++);
          err = p15_dodf_entry (&dodf, o, dfid);
          if (!err)
            err = buf_set (&f, o->data, o->data_len);
          if (!err)
            err = p15_file_fid (image, dfid, &f, o->private_data ? pin : 0,
                                pin);
        }
      buf_clear (&f);
    }

  /* Directory files and the ODF that names them. */
  if (!err)
    err = p15_aodf (&f, l);
  if (!err)
    err = p15_file_fid (image, 0x4401, &f, 0, pin);
  if (!err)
    err = p15_odf_entry (&odf, 0xA8, 0x4401);
  if (!err && prkdf.len)
    {
      err = p15_file_fid (image, 0x4402, &prkdf, 0, pin);
      if (!err)
        err = p15_odf_entry (&odf, 0xA0, 0x4402);
      if (!err)
        err = p15_file_fid (image, 0x4403, &pukdf, 0, pin);
      if (!err)
        err = p15_odf_entry (&odf, 0xA1, 0x4403);
    }
  if (!err && cdf.len)
    {
      err = p15_file_fid (image, 0x4404, &cdf, 0, pin);
      if (!err)
        err = p15_odf_entry (&odf, 0xA4, 0x4404);
    }
  if (!err && dodf.len)
    {
      err = p15_file_fid (image, 0x4405, &dodf, 0, pin);
      if (!err)
        err = p15_odf_entry (&odf, 0xA7, 0x4405);
    }
  if (!err)
    err = p15_file_fid (image, 0x5031, &odf, 0, pin);
  buf_clear (&f);
  if (!err)
    err = p15_tokeninfo (&f, l);
  if (!err)
    err = p15_file_fid (image, 0x5032, &f, 0, pin);
  buf_clear (&f);
  /* EF.DIR: the application template. */
  if (!err)
    {
      static const uint8_t path[4] = { 0x3F, 0x00, 0x50, 0x15 };
      p15_w_t w;
      p15w_init (&w, &f);
      p15w_begin (&w, 0x61);
      p15w_put (&w, 0x4F, p15_aid, sizeof p15_aid);
      p15w_put (&w, 0x50, label, strlen (label));
      p15w_put (&w, 0x51, path, sizeof path);
      p15w_end (&w);
      err = p15w_done (&w);
    }
  if (!err)
    err = p15_file (image, "3F00/2F00", f.data, f.len, 0, pin, NULL);

  buf_free (&prkdf);
  buf_free (&pukdf);
  buf_free (&cdf);
  buf_free (&dodf);
  buf_free (&odf);
  buf_free (&f);
  return err;
}
