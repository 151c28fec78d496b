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

static gpg_error_t
p15_path (buf_t *b, uint16_t df, uint16_t fid)
{
  uint8_t p[6];
  size_t mark;
  gpg_error_t err;

  put_be16 (p, 0x3F00);
  put_be16 (p + 2, df);
  put_be16 (p + 4, fid);
  err = tlv_begin (b, 0x30, &mark);
  if (!err)
    err = tlv_put (b, 0x04, p, fid ? 6 : 4);
  if (!err)
    err = tlv_end (b, mark);
  return err;
}

static gpg_error_t
p15_utf8 (buf_t *b, const char *s)
{
  return tlv_put (b, 0x0C, s ? s : "", s ? strlen (s) : 0);
}

/* CommonObjectAttributes: label, flags (private 0, modifiable 1),
 * authId (the PIN's, 1 byte) when AUTH. */
static gpg_error_t
p15_common (buf_t *b, const char *label, bool priv, bool auth)
{
  size_t mark;
  gpg_error_t err = tlv_begin (b, 0x30, &mark);
  uint8_t one = 0x01;

  if (!err)
    err = p15_utf8 (b, label);
  if (!err)
    err = p15_bits (b, (priv ? 1u : 0u) | 2u);
  if (!err && auth)
    err = tlv_put (b, 0x04, &one, 1);
  if (!err)
    err = tlv_end (b, mark);
  return err;
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
  size_t mark;
  uint8_t fidb[2], sc[8];
  gpg_error_t err;
  uint8_t pin = (uint8_t)(0x10 | (pin_ref & 0x0F));

  buf_clear (out);
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
  err = tlv_begin (out, 0x62, &mark);
  if (!err)
    err = tlv_put (out, 0x82, &fdb, 1);
  if (!err)
    err = tlv_put (out, 0x83, fidb, 2);
  if (!err && fdb != P15_FDB_INTERNAL)
    err = tlv_put_uint (out, 0x80, size);
  if (!err)
    err = tlv_put (out, 0x8C, sc, sizeof sc);
  if (!err)
    err = tlv_end (out, mark);
  return err;
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
  size_t m_obj, m, m2;
  gpg_error_t err;
  bool rsa = (o->alg & MAP_ALG_RSA) != 0;

  err = tlv_begin (b, rsa ? 0x30 : 0xA0, &m_obj);
  if (!err)
    err = p15_common (b, o->label, true, true);
  if (!err)
    err = tlv_begin (b, 0x30, &m);
  if (!err)
    err = tlv_put (b, 0x04, o->id, o->id_len);
  if (!err)
    err = p15_bits (b, p15_usage (o->purpose, o->alg, false));
  if (!err)
    err = p15_bits (b, 0x01 | 0x04);   /* sensitive, alwaysSensitive */
  if (!err)
    err = p15_int (b, ref);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_begin (b, 0xA1, &m);
  if (!err)
    err = tlv_begin (b, 0x30, &m2);
  if (!err)
    err = p15_path (b, 0x5015, fid);
  if (!err)
    err = p15_int (b, p15_bits_of (o->alg));
  if (!err)
    err = tlv_end (b, m2);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_end (b, m_obj);
  return err;
}

static gpg_error_t
p15_pukdf_entry (buf_t *b, const map_p15_obj_t *o, uint16_t fid)
{
  size_t m_obj, m, m2;
  gpg_error_t err;
  bool rsa = (o->alg & MAP_ALG_RSA) != 0;

  err = tlv_begin (b, rsa ? 0x30 : 0xA0, &m_obj);
  if (!err)
    err = p15_common (b, o->label, false, false);
  if (!err)
    err = tlv_begin (b, 0x30, &m);
  if (!err)
    err = tlv_put (b, 0x04, o->id, o->id_len);
  if (!err)
    err = p15_bits (b, p15_usage (o->purpose, o->alg, true));
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_begin (b, 0xA1, &m);
  if (!err)
    err = tlv_begin (b, 0x30, &m2);
  if (!err)
    err = p15_path (b, 0x5015, fid);
  if (!err && rsa)
    err = p15_int (b, p15_bits_of (o->alg));
  if (!err)
    err = tlv_end (b, m2);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_end (b, m_obj);
  return err;
}

static gpg_error_t
p15_cdf_entry (buf_t *b, const char *label, const uint8_t *id, size_t id_len,
               bool authority, uint16_t fid)
{
  size_t m_obj, m, m2;
  gpg_error_t err;
  uint8_t yes = 0xFF;

  err = tlv_begin (b, 0x30, &m_obj);
  if (!err)
    err = p15_common (b, label, false, false);
  if (!err)
    err = tlv_begin (b, 0x30, &m);
  if (!err)
    err = tlv_put (b, 0x04, id, id_len);
  if (!err && authority)
    err = tlv_put (b, 0x01, &yes, 1);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_begin (b, 0xA1, &m);
  if (!err)
    err = tlv_begin (b, 0x30, &m2);
  if (!err)
    err = p15_path (b, 0x5015, fid);
  if (!err)
    err = tlv_end (b, m2);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_end (b, m_obj);
  return err;
}

static gpg_error_t
p15_dodf_entry (buf_t *b, const map_p15_obj_t *o, uint16_t fid)
{
  size_t m_obj, m;
  gpg_error_t err;

  err = tlv_begin (b, 0x30, &m_obj);
  if (!err)
    err = p15_common (b, o->label, o->private_data, o->private_data);
  if (!err)
    err = tlv_begin (b, 0x30, &m);
  if (!err && o->app_name)
    err = p15_utf8 (b, o->app_name);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_begin (b, 0xA1, &m);
  if (!err)
    err = p15_path (b, 0x5015, fid);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_end (b, m_obj);
  return err;
}

static gpg_error_t
p15_aodf (buf_t *b, const map_p15_layout_t *l)
{
  size_t m_obj, m, m2;
  gpg_error_t err;
  uint8_t one = 0x01, ref = l->pin_ref ? l->pin_ref : 1, pad = 0xFF;
  uint8_t type = 0x01;          /* ascii-numeric */

  err = tlv_begin (b, 0x30, &m_obj);
  if (!err)
    {
      /* CommonObjectAttributes: label, flags: modifiable. */
      err = tlv_begin (b, 0x30, &m);
      if (!err)
        err = p15_utf8 (b, l->pin_label ? l->pin_label : "User PIN");
      if (!err)
        err = p15_bits (b, 2u);
      if (!err)
        err = tlv_end (b, m);
    }
  if (!err)
    err = tlv_begin (b, 0x30, &m);
  if (!err)
    err = tlv_put (b, 0x04, &one, 1);         /* authId */
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_begin (b, 0xA1, &m);
  if (!err)
    err = tlv_begin (b, 0x30, &m2);
  /* pwdFlags: case-sensitive (0), local (1), initialized (4). */
  if (!err)
    err = p15_bits (b, 0x01 | 0x02 | 0x10);
  if (!err)
    err = tlv_put (b, 0x0A, &type, 1);
  if (!err)
    err = p15_int (b, l->pin_min ? l->pin_min : 4);
  if (!err)
    err = p15_int (b, l->pin_max ? l->pin_max : 8);   /* storedLength */
  if (!err)
    err = p15_int (b, l->pin_max ? l->pin_max : 8);   /* maxLength */
  if (!err)
    err = tlv_put (b, 0x80, &ref, 1);
  if (!err)
    err = tlv_put (b, 0x04, &pad, 1);
  if (!err)
    err = p15_path (b, 0x5015, 0);
  if (!err)
    err = tlv_end (b, m2);
  if (!err)
    err = tlv_end (b, m);
  if (!err)
    err = tlv_end (b, m_obj);
  return err;
}

static gpg_error_t
p15_tokeninfo (buf_t *b, const map_p15_layout_t *l)
{
  size_t m;
  gpg_error_t err;
  buf_t serial = BUF_INIT;
  const char *label = l->label ? l->label : "vscman";

  if (!l->serial || strlen (l->serial) > 64 || hex_decode (l->serial, &serial)
      || !serial.len)
    {
      uint8_t zero = 0;
      buf_set (&serial, &zero, 1);
    }
  err = tlv_begin (b, 0x30, &m);
  if (!err)
    err = p15_int (b, 0);
  if (!err)
    err = tlv_put (b, 0x04, serial.data, serial.len);
  buf_free (&serial);
  if (!err)
    err = p15_utf8 (b, "vscman");             /* manufacturerID */
  if (!err)
    err = tlv_put (b, 0x80, label, strlen (label));
  if (!err)
    err = p15_bits (b, 0);                    /* tokenflags */
  if (!err)
    err = tlv_end (b, m);
  return err;
}

static gpg_error_t
p15_odf_entry (buf_t *b, unsigned tag, uint16_t fid)
{
  size_t m;
  gpg_error_t err = tlv_begin (b, tag, &m);
  if (!err)
    err = p15_path (b, 0x5015, fid);
  if (!err)
    err = tlv_end (b, m);
  return err;
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
  size_t i, mark;
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
      uint8_t sc[8], fdb = 0x38, fid[2];
      size_t m;
      put_be16 (fid, 0x5015);
      sc[0] = 0x7F;
      sc[1] = sc[3] = sc[4] = sc[5] = sc[6] = sc[7]
        = (uint8_t)(0x10 | (pin & 0x0F));
      sc[2] = 0xFF;
      err = tlv_begin (&f, 0x62, &m);
      if (!err)
        err = tlv_put (&f, 0x82, &fdb, 1);
      if (!err)
        err = tlv_put (&f, 0x83, fid, 2);
      if (!err)
        err = tlv_put (&f, 0x84, p15_aid, sizeof p15_aid);
      if (!err)
        err = tlv_put (&f, 0x8C, sc, sizeof sc);
      if (!err)
        err = tlv_end (&f, m);
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
    err = tlv_begin (&f, 0x61, &mark);
  if (!err)
    err = tlv_put (&f, 0x4F, p15_aid, sizeof p15_aid);
  if (!err)
    err = tlv_put (&f, 0x50, label, strlen (label));
  if (!err)
    {
      uint8_t path[4] = { 0x3F, 0x00, 0x50, 0x15 };
      err = tlv_put (&f, 0x51, path, 4);
    }
  if (!err)
    err = tlv_end (&f, mark);
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
