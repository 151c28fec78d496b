/* vsc-file.c - the VSC file codec (BER-TLV, doc/vsc-format.md)
 *
 * Layout: MAGIC, then one constructed TLV E1 holding, in this order, the
 * header E2 (version, UUID, generation, keyslots), the identifier area E3,
 * the public area E4, the private area E5, the secret-key area E6 and the
 * authenticators E7. Reading is strict: every length is checked, unknown
 * tags are refused unless they are ignorable extensions (DF20..DF7F),
 * areas appear once and in order, nothing follows E1. With the password
 * every byte is authenticated before any node is returned. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>

#include "vsc-internal.h"
#include "common/util.h"
#include "common/tlv.h"
#include "common/i18n.h"

#define MAX_NODES      100000
#define MAX_STRING     4096
#define MAX_TLV_DEPTH  8

/* ---- small TLV helpers ------------------------------------------------ */

static gpg_error_t
put_str (buf_t *b, unsigned tag, const char *s)
{
  if (!s)
    return 0;
  return tlv_put (b, tag, s, strlen (s));
}

static gpg_error_t
put_bytes_opt (buf_t *b, unsigned tag, const uint8_t *p, size_t n)
{
  if (!p || !n)
    return 0;
  return tlv_put (b, tag, p, n);
}

/* Copy a TLV value to a NUL-terminated string; refuse NUL inside. */
static gpg_error_t
get_str (const tlv_t *t, char **r)
{
  char *s;

  if (t->constructed || t->len > MAX_STRING
      || memchr (t->value, 0, t->len))
    return gpg_error (GPG_ERR_INV_OBJ);
  s = xtrymalloc (t->len + 1);
  if (!s)
    return gpg_error_from_syserror ();
  memcpy (s, t->value, t->len);
  s[t->len] = 0;
  xfree (*r);
  *r = s;
  return 0;
}

/* Unsigned integer value: 1..8 bytes, primitive. */
static gpg_error_t
get_uint (const tlv_t *t, uint64_t max, uint64_t *r)
{
  uint64_t v;

  if (t->constructed || !t->len || t->len > 8)
    return gpg_error (GPG_ERR_INV_OBJ);
  if (tlv_get_uint (t, &v))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (v > max)
    return gpg_error (GPG_ERR_INV_OBJ);
  *r = v;
  return 0;
}

static gpg_error_t
get_fixed (const tlv_t *t, uint8_t *dst, size_t n)
{
  if (t->constructed || t->len != n)
    return gpg_error (GPG_ERR_INV_OBJ);
  memcpy (dst, t->value, n);
  return 0;
}

/* Refuse unknown tags unless they are ignorable extensions. */
static gpg_error_t
unknown_tag (const tlv_t *t)
{
  if (VSC_TAG_IS_EXTENSION (t->tag) && !t->constructed)
    return 0;
  return gpg_error (GPG_ERR_UNKNOWN_CRIT_EXTN);
}

/* Record SEEN bit for field number BIT; duplicate fields are refused. */
static gpg_error_t
seen_once (uint64_t *seen, unsigned bit)
{
  if (*seen & ((uint64_t)1 << bit))
    return gpg_error (GPG_ERR_INV_OBJ);
  *seen |= (uint64_t)1 << bit;
  return 0;
}

/* ---- nodes ------------------------------------------------------------ */

/* The plaintext of an area, described without copying node content:
 * META holds every byte except the contents (node headers, fields, the
 * 8D header); SEGS say where each content goes. The plaintext is META
 * and the contents interleaved, written straight into the file buffer
 * (and, for the encrypted areas, encrypted there in place). */
typedef struct area_seg {
  size_t meta_end;            /* META up to here comes first */
  const uint8_t *content;     /* then this */
  size_t content_len;
} area_seg_t;

typedef struct area_out {
  buf_t meta;
  area_seg_t *segs;
  size_t nsegs, cap;
  size_t total;               /* plaintext length */
} area_out_t;

typedef struct encode_ctx {
  area_out_t *area[3];
  bool public_only;
  buf_t tmp;
} encode_ctx_t;

static void
area_out_free (area_out_t *a)
{
  buf_free (&a->meta);
  xfree (a->segs);
  a->segs = NULL;
  a->nsegs = a->cap = a->total = 0;
}

static gpg_error_t
area_out_seg (area_out_t *a, const uint8_t *content, size_t len)
{
  if (a->nsegs == a->cap)
    {
      size_t ncap = a->cap ? 2 * a->cap : 16;
      area_seg_t *v = xtryrealloc (a->segs, ncap * sizeof *v);
      if (!v)
        return gpg_error_from_syserror ();
      a->segs = v;
      a->cap = ncap;
    }
  a->segs[a->nsegs].meta_end = a->meta.len;
  a->segs[a->nsegs].content = content;
  a->segs[a->nsegs].content_len = len;
  a->nsegs++;
  a->total += len;
  return 0;
}

/* Append the plaintext of A to OUT (room reserved by the caller). */
static void
area_out_write (const area_out_t *a, buf_t *out)
{
  size_t i, m = 0;

  for (i = 0; i < a->nsegs; i++)
    {
      const area_seg_t *s = &a->segs[i];
      memcpy (out->data + out->len, a->meta.data + m, s->meta_end - m);
      out->len += s->meta_end - m;
      m = s->meta_end;
      if (s->content_len)
        {
          memcpy (out->data + out->len, s->content, s->content_len);
          out->len += s->content_len;
        }
    }
  if (a->meta.len > m)
    {
      memcpy (out->data + out->len, a->meta.data + m, a->meta.len - m);
      out->len += a->meta.len - m;
    }
}

/* Encode the fields of NODE except the content into B. */
static gpg_error_t
encode_node_fields (image_node_t *node, buf_t *b)
{
  gpg_error_t err;
  size_t kmark;
  char *ppath = NULL;
  uint8_t acc[4];

  if (node->parent && node->parent->parent)
    {
      ppath = image_node_path (node->parent);
      if (!ppath)
        return gpg_error_from_syserror ();
    }
  if ((err = tlv_put_u8 (b, 0x80, (uint8_t)node->type))
      || (err = tlv_put (b, 0x81, ppath ? ppath : "",
                         ppath ? strlen (ppath) : 0)))
    goto leave;
  if (node->has_fid)
    {
      uint8_t fid[2];
      put_be16 (fid, node->fid);
      if ((err = tlv_put (b, 0x82, fid, 2)))
        goto leave;
    }
  if ((err = put_bytes_opt (b, 0x83, node->aid, node->aid_len)))
    goto leave;
  if (node->type == IMAGE_NODE_DO && (err = tlv_put_uint (b, 0x84, node->tag)))
    goto leave;
  if (node->type == IMAGE_NODE_RECORD
      && (err = tlv_put_u8 (b, 0x85, (uint8_t)node->recno)))
    goto leave;
  if ((err = put_str (b, 0x86, node->name))
      || (err = put_bytes_opt (b, 0x87, node->fcp, node->fcp_len))
      || (err = tlv_put_uint (b, 0x88, node->size)))
    goto leave;
  if (node->record_count && (err = tlv_put_uint (b, 0x89, node->record_count)))
    goto leave;
  if (node->record_len && (err = tlv_put_uint (b, 0x8A, node->record_len)))
    goto leave;
  acc[0] = (uint8_t)node->access.read;
  acc[1] = node->access.read_ref;
  acc[2] = (uint8_t)node->access.write;
  acc[3] = node->access.write_ref;
  if ((err = tlv_put (b, 0x8B, acc, 4))
      || (err = put_bytes_opt (b, 0x8C, node->access.raw,
                               node->access.raw_len)))
    goto leave;
  if ((err = tlv_put_u8 (b, 0x8E, (uint8_t)node->source))
      || (err = tlv_put_u8 (b, 0x8F, (uint8_t)node->area)))
    goto leave;
  if (node->flags && (err = tlv_put_uint (b, 0x90, node->flags)))
    goto leave;
  if (node->sw)
    {
      uint8_t sw[2];
      put_be16 (sw, node->sw);
      if ((err = tlv_put (b, 0x91, sw, 2)))
        goto leave;
    }
  if ((err = put_str (b, 0x92, node->note))
      || (err = put_str (b, 0x93, node->agent)))
    goto leave;
  if (node->key.algorithm || node->key.fingerprint || node->key.created
      || node->key.usage || node->key.pubkey)
    {
      if ((err = tlv_begin (b, 0xB4, &kmark))
          || (err = put_str (b, 0x80, node->key.algorithm))
          || (err = put_str (b, 0x81, node->key.fingerprint))
          || (err = put_str (b, 0x82, node->key.created))
          || (err = put_str (b, 0x83, node->key.usage))
          || (err = put_bytes_opt (b, 0x84, node->key.pubkey,
                                   node->key.pubkey_len))
          || (err = tlv_end (b, kmark)))
        goto leave;
    }

 leave:
  xfree (ppath);
  return err;
}

/* One node: F0 L { fields, 8D L content } with the content last. */
static gpg_error_t
encode_node (image_node_t *node, unsigned depth, void *opaque)
{
  encode_ctx_t *ctx = opaque;
  gpg_error_t err;
  image_area_t area = image_node_effective_area (node);
  area_out_t *a;
  size_t vlen, before;

  (void)depth;
  if (ctx->public_only && area != IMAGE_AREA_PUBLIC)
    return 0;
  a = ctx->area[area];
  buf_clear (&ctx->tmp);
  if ((err = encode_node_fields (node, &ctx->tmp)))
    return err;
  vlen = ctx->tmp.len;
  if (node->has_content)
    vlen += 1 + tlv_len_size (node->content_len) + node->content_len;
  before = a->meta.len;
  if ((err = tlv_put_header (&a->meta, VSC_TAG_NODE, vlen))
      || (err = buf_append (&a->meta, ctx->tmp.data, ctx->tmp.len)))
    return err;
  if (node->has_content)
    {
      if ((err = tlv_put_header (&a->meta, 0x8D, node->content_len)))
        return err;
    }
  a->total += a->meta.len - before;
  if (node->has_content && node->content_len)
    return area_out_seg (a, node->content, node->content_len);
  return 0;
}

static gpg_error_t
decode_keyinfo (const tlv_t *t, image_keyinfo_t *ki)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t seen = 0;

  tlv_iter_init (&it, t->value, t->len, 0);
  while (!(err = tlv_iter_next (&it, &f)))
    {
      switch (f.tag)
        {
        case 0x80:
        case 0x81:
        case 0x82:
        case 0x83:
          {
            char **dst = (f.tag == 0x80 ? &ki->algorithm
                          : f.tag == 0x81 ? &ki->fingerprint
                          : f.tag == 0x82 ? &ki->created : &ki->usage);
            err = seen_once (&seen, f.tag - 0x80);
            if (!err)
              err = get_str (&f, dst);
          }
          break;
        case 0x84:
          err = seen_once (&seen, 4);
          if (!err && (f.constructed || !f.len))
            err = gpg_error (GPG_ERR_INV_OBJ);
          if (!err)
            {
              ki->pubkey = xtrymalloc (f.len);
              if (!ki->pubkey)
                err = gpg_error_from_syserror ();
              else
                {
                  memcpy (ki->pubkey, f.value, f.len);
                  ki->pubkey_len = f.len;
                }
            }
          break;
        default: err = unknown_tag (&f); break;
        }
      if (err)
        return err;
    }
  return gpg_err_code (err) == GPG_ERR_EOF ? 0 : err;
}

static void
keyinfo_release (image_keyinfo_t *ki)
{
  xfree (ki->algorithm);
  xfree (ki->fingerprint);
  xfree (ki->created);
  xfree (ki->usage);
  xfree (ki->pubkey);
}

/* Decode one F0 node and add it to IMAGE. SECTION is the area the node
 * was found in; it must be the node's effective area. */
static gpg_error_t
decode_node (image_t *image, const tlv_t *t, image_area_t section)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t seen = 0, v;
  image_node_t *node = NULL, *parent;
  char *ppath = NULL, *s = NULL;
  image_keyinfo_t ki;
  bool have_type = false;
  size_t declared_size = 0;

  memset (&ki, 0, sizeof ki);
  if (!t->constructed)
    return gpg_error (GPG_ERR_INV_OBJ);
  tlv_iter_init (&it, t->value, t->len, 0);
  /* Type first, parent path second. */
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x80
      || (err = get_uint (&f, IMAGE_NODE_TYPE_MAX, &v)) || !v)
    goto bad;
  if ((err = image_node_new ((image_type_t)v, &node)))
    goto leave;
  have_type = true;
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x81
      || (err = get_str (&f, &ppath)))
    goto bad;

  while (!(err = tlv_iter_next (&it, &f)))
    {
      switch (f.tag)
        {
        case 0x82:
          if ((err = seen_once (&seen, 2)) || f.len != 2 || f.constructed)
            goto bad;
          image_node_set_fid (node, (uint16_t)get_be16 (f.value));
          break;
        case 0x83:
          if ((err = seen_once (&seen, 3)) || f.constructed
              || !f.len || f.len > 16)
            goto bad;
          if ((err = image_node_set_aid (node, f.value, f.len)))
            goto leave;
          break;
        case 0x84:
          if ((err = seen_once (&seen, 4)) || f.len > 4
              || (err = get_uint (&f, 0xFFFFFFFF, &v)))
            goto bad;
          node->tag = (unsigned)v;
          break;
        case 0x85:
          if ((err = seen_once (&seen, 5)) || (err = get_uint (&f, 254, &v))
              || !v)
            goto bad;
          node->recno = (unsigned)v;
          break;
        case 0x86:
          if ((err = seen_once (&seen, 6)) || (err = get_str (&f, &s)))
            goto bad;
          if ((err = image_node_set_name (node, s)))
            goto bad;
          break;
        case 0x87:
          if ((err = seen_once (&seen, 7)) || f.constructed || !f.len)
            goto bad;
          if ((err = image_node_set_fcp (node, f.value, f.len)))
            goto leave;
          break;
        case 0x88:
          if ((err = seen_once (&seen, 8))
              || (err = get_uint (&f, 0xFFFFFFFF, &v)))
            goto bad;
          declared_size = (size_t)v;
          break;
        case 0x89:
          if ((err = seen_once (&seen, 9)) || (err = get_uint (&f, 0xFFFF, &v)))
            goto bad;
          node->record_count = (unsigned)v;
          break;
        case 0x8A:
          if ((err = seen_once (&seen, 10))
              || (err = get_uint (&f, 0xFFFF, &v)))
            goto bad;
          node->record_len = (unsigned)v;
          break;
        case 0x8B:
          if ((err = seen_once (&seen, 11)) || f.len != 4 || f.constructed
              || f.value[0] > IMAGE_AC_MAX || f.value[2] > IMAGE_AC_MAX)
            goto bad;
          node->access.read = (image_ac_t)f.value[0];
          node->access.read_ref = f.value[1];
          node->access.write = (image_ac_t)f.value[2];
          node->access.write_ref = f.value[3];
          break;
        case 0x8C:
          if ((err = seen_once (&seen, 12)) || f.constructed || !f.len)
            goto bad;
          if ((err = image_node_set_access_raw (node, f.value, f.len)))
            goto leave;
          break;
        case 0x8D:
          if ((err = seen_once (&seen, 13)) || f.constructed)
            goto bad;
          err = f.len ? image_node_set_content (node, f.value, f.len)
                      : image_node_set_empty (node);
          if (err)
            goto leave;
          break;
        case 0x8E:
          if ((err = seen_once (&seen, 14))
              || (err = get_uint (&f, IMAGE_SRC_MAX, &v)))
            goto bad;
          node->source = (image_source_t)v;
          break;
        case 0x8F:
          if ((err = seen_once (&seen, 15))
              || (err = get_uint (&f, IMAGE_AREA_MAX, &v)))
            goto bad;
          node->area = (image_area_t)v;
          break;
        case 0x90:
          if ((err = seen_once (&seen, 16))
              || (err = get_uint (&f, IMAGE_FLAG_ALL, &v)))
            goto bad;
          node->flags = (unsigned)v;
          break;
        case 0x91:
          if ((err = seen_once (&seen, 17)) || f.len != 2 || f.constructed)
            goto bad;
          node->sw = get_be16 (f.value);
          break;
        case 0x92:
          if ((err = seen_once (&seen, 18)) || (err = get_str (&f, &node->note)))
            goto bad;
          break;
        case 0x93:
          if ((err = seen_once (&seen, 19))
              || (err = get_str (&f, &node->agent)))
            goto bad;
          break;
        case 0xB4:
          if ((err = seen_once (&seen, 20)) || !f.constructed
              || (err = decode_keyinfo (&f, &ki)))
            goto bad;
          if ((err = image_node_set_keyinfo (node, &ki)))
            goto leave;
          break;
        default:
          if ((err = unknown_tag (&f)))
            goto leave;
          break;
        }
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    goto bad;
  err = 0;
  /* Mandatory: area (8F). The declared size wins over the content's. */
  if (!(seen & (1u << 15)))
    goto bad;
  if (seen & (1u << 8))
    node->size = declared_size;

  if (!*ppath)
    parent = &image->root;
  else
    parent = image_find_path (image, ppath);
  if (!parent || (parent != &image->root && !image_node_is_container (parent)))
    goto bad;
  err = image_add_child (parent, node);
  if (err)
    goto bad;
  if (image_node_effective_area (node) != section)
    {
      image_node_remove (node);
      node = NULL;
      goto bad;
    }
  node = NULL;
  goto leave;

 bad:
  if (!err || gpg_err_code (err) == GPG_ERR_EOF
      || gpg_err_code (err) == GPG_ERR_EEXIST
      || gpg_err_code (err) == GPG_ERR_INV_NAME
      || gpg_err_code (err) == GPG_ERR_INV_STATE
      || gpg_err_code (err) == GPG_ERR_TOO_SHORT
      || gpg_err_code (err) == GPG_ERR_INV_LENGTH
      || gpg_err_code (err) == GPG_ERR_INV_TAG)
    err = gpg_error (GPG_ERR_INV_OBJ);
 leave:
  (void)have_type;
  keyinfo_release (&ki);
  xfree (s);
  xfree (ppath);
  image_node_free (node);
  return err;
}

/* Decode the node list of an area into IMAGE. */
static gpg_error_t
decode_nodes (image_t *image, const uint8_t *p, size_t n, image_area_t area,
              vsc_area_t where)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  size_t count = 0;

  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      if (t.tag != VSC_TAG_NODE)
        {
          err = unknown_tag (&t);
          if (err)
            return vsc_fail (err, where, _("unknown element"));
          continue;
        }
      if (++count > MAX_NODES)
        return vsc_fail (gpg_error (GPG_ERR_TOO_LARGE), where,
                         _("too many nodes"));
      err = decode_node (image, &t, area);
      if (err)
        return vsc_fail (err, where, _("malformed node"));
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return vsc_fail (err, where, _("malformed node list"));
  return 0;
}

/* ---- header ----------------------------------------------------------- */

typedef struct parsed {
  tlv_t header, ident, pub, priv, secret, mac;
  /* encrypted areas */
  const uint8_t *priv_nonce, *priv_ct, *priv_tag;
  size_t priv_len;
  const uint8_t *sec_nonce, *sec_ct, *sec_tag;
  size_t sec_len;
  /* authenticators */
  const uint8_t *mac_header, *mac_ident, *mac_public, *mac_file;
  size_t mac_file_off;            /* offset of mac_file in the data */
  /* raw KDF TLV of each slot (associated data of the wrap) */
  const uint8_t *kdf_raw[VSC_MAX_KEYSLOTS];
  size_t kdf_raw_len[VSC_MAX_KEYSLOTS];
} parsed_t;

static gpg_error_t
parse_kdf (const tlv_t *t, vsc_keyslot_t *slot)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t v;

  if (!t->constructed)
    return gpg_error (GPG_ERR_INV_OBJ);
  tlv_iter_init (&it, t->value, t->len, 0);
  /* 80 algorithm, 81 m, 82 t, 83 p, 84 salt: all present, in order. */
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x80
      || get_uint (&f, 255, &v))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (v != VSC_KDF_ARGON2ID)
    return gpg_error (GPG_ERR_UNKNOWN_CRIT_EXTN);
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x81
      || get_uint (&f, UINT32_MAX, &v))
    return gpg_error (GPG_ERR_INV_OBJ);
  slot->kdf.m_kib = (unsigned long)v;
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x82
      || get_uint (&f, UINT32_MAX, &v))
    return gpg_error (GPG_ERR_INV_OBJ);
  slot->kdf.t = (unsigned long)v;
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x83
      || get_uint (&f, UINT32_MAX, &v))
    return gpg_error (GPG_ERR_INV_OBJ);
  slot->kdf.p = (unsigned long)v;
  if ((err = tlv_iter_next (&it, &f)) || f.tag != 0x84
      || get_fixed (&f, slot->salt, VSC_SALT_LEN))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (gpg_err_code (tlv_iter_next (&it, &f)) != GPG_ERR_EOF)
    return gpg_error (GPG_ERR_INV_OBJ);
  return vsc_kdf_check (&slot->kdf);
}

static gpg_error_t
parse_slot (const tlv_t *t, vsc_keyslot_t *slot, const uint8_t **kdf_raw,
            size_t *kdf_raw_len)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t v;

  if (!t->constructed)
    return gpg_error (GPG_ERR_INV_OBJ);
  tlv_iter_init (&it, t->value, t->len, 0);
  if (tlv_iter_next (&it, &f) || f.tag != 0x80 || get_uint (&f, 255, &v))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (v != VSC_SLOT_PASSWORD)
    return gpg_error (GPG_ERR_UNKNOWN_CRIT_EXTN);
  slot->type = (unsigned)v;
  if (tlv_iter_next (&it, &f) || f.tag != 0xA1)
    return gpg_error (GPG_ERR_INV_OBJ);
  err = parse_kdf (&f, slot);
  if (err)
    return err;
  *kdf_raw = f.raw;
  *kdf_raw_len = f.raw_len;
  if (tlv_iter_next (&it, &f) || f.tag != 0x82
      || get_fixed (&f, slot->nonce, VSC_NONCE_LEN))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (tlv_iter_next (&it, &f) || f.tag != 0x83
      || get_fixed (&f, slot->wrapped, sizeof slot->wrapped))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (gpg_err_code (tlv_iter_next (&it, &f)) != GPG_ERR_EOF)
    return gpg_error (GPG_ERR_INV_OBJ);
  return 0;
}

/* Parse the header TLV H into VSC (and slot ADs into P if not NULL). */
static gpg_error_t
parse_header (const tlv_t *h, vsc_t *vsc, parsed_t *p)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t v;

  if (!h->constructed)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed header"));
  tlv_iter_init (&it, h->value, h->len, 0);
  /* The version comes first so that a newer format is recognised before
   * anything else is interpreted. */
  if (tlv_iter_next (&it, &f) || f.tag != 0x80 || get_uint (&f, 255, &v))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed version"));
  if (v > VSC_FORMAT_VERSION)
    return vsc_fail (gpg_error (GPG_ERR_UNKNOWN_VERSION), VSC_AREA_HEADER,
                     _("format version from the future (written by a newer "
                       "vscman)"));
  if (v < 1)
    return vsc_fail (gpg_error (GPG_ERR_UNKNOWN_VERSION), VSC_AREA_HEADER,
                     _("unknown format version"));
  vsc->version = (unsigned)v;
  if (tlv_iter_next (&it, &f) || f.tag != 0x81
      || get_fixed (&f, vsc->uuid, VSC_UUID_LEN))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed UUID"));
  vsc_format_uuid (vsc->uuid, vsc->uuid_str);
  if (tlv_iter_next (&it, &f) || f.tag != 0x82
      || get_uint (&f, UINT64_MAX, &v))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed generation"));
  vsc->generation = v;
  vsc->n_slots = 0;
  while (!(err = tlv_iter_next (&it, &f)))
    {
      const uint8_t *raw;
      size_t rawlen;

      if (f.tag != 0xA3)
        {
          if ((err = unknown_tag (&f)))
            return vsc_fail (err, VSC_AREA_HEADER, _("unknown element"));
          continue;
        }
      if (vsc->n_slots >= VSC_MAX_KEYSLOTS)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                         _("too many keyslots"));
      err = parse_slot (&f, &vsc->slots[vsc->n_slots], &raw, &rawlen);
      if (gpg_err_code (err) == GPG_ERR_INV_PARAMETER)
        {
          char msg[160];
          const vsc_kdf_params_t *k = &vsc->slots[vsc->n_slots].kdf;
          snprintf (msg, sizeof msg,
                    _("KDF parameters out of bounds (m=%lu KiB, t=%lu, "
                      "p=%lu; allowed m %lu..%lu, t %lu..%lu, p %lu..%lu)"),
                    k->m_kib, k->t, k->p, VSC_KDF_M_MIN, VSC_KDF_M_MAX,
                    VSC_KDF_T_MIN, VSC_KDF_T_MAX, VSC_KDF_P_MIN,
                    VSC_KDF_P_MAX);
          return vsc_fail (err, VSC_AREA_HEADER, msg);
        }
      if (err)
        return vsc_fail (err, VSC_AREA_HEADER, _("malformed keyslot"));
      if (p)
        {
          p->kdf_raw[vsc->n_slots] = raw;
          p->kdf_raw_len[vsc->n_slots] = rawlen;
        }
      vsc->n_slots++;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return vsc_fail (err, VSC_AREA_HEADER, _("malformed header"));
  if (!vsc->n_slots)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("no keyslot"));
  return 0;
}

/* Parse the outer structure into P, the header into VSC. */
static gpg_error_t
parse_outer (const uint8_t *data, size_t n, vsc_t *vsc, parsed_t *p)
{
  gpg_error_t err;
  tlv_t file, t;
  tlv_iter_t it;
  size_t consumed;
  int last = 0;
  tlv_t *slot;

  memset (p, 0, sizeof *p);
  if (n < VSC_MAGIC_LEN || memcmp (data, VSC_MAGIC, VSC_MAGIC_LEN))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("not a VSC file (bad magic)"));
  err = tlv_parse (data + VSC_MAGIC_LEN, n - VSC_MAGIC_LEN, &file, &consumed);
  if (err)
    return vsc_fail (err, VSC_AREA_HEADER, _("truncated or malformed file"));
  if (file.tag != VSC_TAG_FILE || !file.constructed)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("not a VSC file"));
  if (consumed != n - VSC_MAGIC_LEN)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                     _("trailing bytes after the end of the VSC"));

  tlv_iter_init (&it, file.value, file.len, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      int idx;
      vsc_area_t where;

      switch (t.tag)
        {
        case VSC_TAG_HEADER: idx = 1; slot = &p->header; break;
        case VSC_TAG_IDENTIFIER: idx = 2; slot = &p->ident; break;
        case VSC_TAG_PUBLIC: idx = 3; slot = &p->pub; break;
        case VSC_TAG_PRIVATE: idx = 4; slot = &p->priv; break;
        case VSC_TAG_SECRET: idx = 5; slot = &p->secret; break;
        case VSC_TAG_MAC: idx = 6; slot = &p->mac; break;
        default:
          where = last ? (vsc_area_t)(last - 1) : VSC_AREA_HEADER;
          if (last == 6 || (err = unknown_tag (&t)))
            return vsc_fail (err ? err : gpg_error (GPG_ERR_INV_OBJ), where,
                             _("unknown element in the VSC"));
          continue;
        }
      where = (vsc_area_t)(idx - 1);
      if (slot->raw)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                         _("area appears twice"));
      if (idx < last)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                         _("area out of order"));
      if (!t.constructed)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                         _("malformed area"));
      *slot = t;
      last = idx;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return vsc_fail (err, last ? (vsc_area_t)(last < 6 ? last : 5)
                               : VSC_AREA_HEADER,
                     _("truncated or malformed area"));
  if (!p->header.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("area missing"));
  /* The header first: it says which version the rest follows. */
  err = parse_header (&p->header, vsc, p);
  if (err)
    return err;
  if (!p->ident.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_IDENTIFIER,
                     _("area missing"));
  if (!p->pub.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_PUBLIC,
                     _("area missing"));
  if (!p->priv.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_PRIVATE,
                     _("area missing"));
  if (!p->secret.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_SECRET_KEY,
                     _("area missing"));
  if (!p->mac.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                     _("area missing"));

  /* Encrypted areas: 80 nonce, 81 ciphertext, 82 tag. */
  {
    const tlv_t *ea[2] = { &p->priv, &p->secret };
    const uint8_t **nonce[2] = { &p->priv_nonce, &p->sec_nonce };
    const uint8_t **ct[2] = { &p->priv_ct, &p->sec_ct };
    const uint8_t **tag[2] = { &p->priv_tag, &p->sec_tag };
    size_t *len[2] = { &p->priv_len, &p->sec_len };
    int i;

    for (i = 0; i < 2; i++)
      {
        vsc_area_t where = i ? VSC_AREA_SECRET_KEY : VSC_AREA_PRIVATE;
        tlv_iter_init (&it, ea[i]->value, ea[i]->len, 0);
        if (tlv_iter_next (&it, &t) || t.tag != 0x80 || t.constructed
            || t.len != VSC_NONCE_LEN)
          return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                           _("malformed nonce"));
        *nonce[i] = t.value;
        if (tlv_iter_next (&it, &t) || t.tag != 0x81 || t.constructed)
          return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                           _("malformed ciphertext"));
        *ct[i] = t.value;
        *len[i] = t.len;
        if (tlv_iter_next (&it, &t) || t.tag != 0x82 || t.constructed
            || t.len != VSC_TAG_LEN)
          return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                           _("malformed authentication tag"));
        *tag[i] = t.value;
        if (gpg_err_code (tlv_iter_next (&it, &t)) != GPG_ERR_EOF)
          return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                           _("unexpected element"));
      }
  }

  /* Authenticators: 80 header, 81 identifier, 82 public, 83 file. */
  {
    const uint8_t **m[4] = { &p->mac_header, &p->mac_ident, &p->mac_public,
                             &p->mac_file };
    int i;

    tlv_iter_init (&it, p->mac.value, p->mac.len, 0);
    for (i = 0; i < 4; i++)
      {
        if (tlv_iter_next (&it, &t) || t.tag != (unsigned)(0x80 + i)
            || t.constructed || t.len != VSC_MAC_LEN)
          return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                           _("malformed authenticator"));
        *m[i] = t.value;
      }
    if (gpg_err_code (tlv_iter_next (&it, &t)) != GPG_ERR_EOF)
      return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                       _("unexpected element"));
    /* E7 must be the last element of E1 so that the file MAC covers
     * everything but itself. */
    if (p->mac.raw + p->mac.raw_len != data + n)
      return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                       _("authenticators are not at the end"));
    p->mac_file_off = (size_t)(p->mac_file - data);
  }
  return 0;
}

gpg_error_t
vsc_file_peek (const uint8_t *data, size_t n, uint8_t *uuid,
               uint64_t *generation)
{
  gpg_error_t err;
  vsc_t tmp;
  parsed_t p;

  memset (&tmp, 0, sizeof tmp);
  err = parse_outer (data, n, &tmp, &p);
  if (err)
    return err;
  memcpy (uuid, tmp.uuid, VSC_UUID_LEN);
  *generation = tmp.generation;
  return 0;
}

/* ---- identifier ------------------------------------------------------- */

static gpg_error_t
parse_identifier (const tlv_t *t, vsc_t *vsc, image_t *image)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t seen = 0, v;
  uint8_t uuid[VSC_UUID_LEN];
  char *s = NULL;

  tlv_iter_init (&it, t->value, t->len, 0);
  while (!(err = tlv_iter_next (&it, &f)))
    {
      switch (f.tag)
        {
        case 0x80:
          if ((err = seen_once (&seen, 0))
              || (err = get_fixed (&f, uuid, VSC_UUID_LEN)))
            goto bad;
          if (memcmp (uuid, vsc->uuid, VSC_UUID_LEN))
            {
              err = gpg_error (GPG_ERR_INV_OBJ);
              goto leave;
            }
          break;
        case 0x81:
          if ((err = seen_once (&seen, 1)) || (err = get_uint (&f, UINT64_MAX, &v)))
            goto bad;
          vsc->created = v;
          break;
        case 0x82:
          if ((err = seen_once (&seen, 2)) || (err = get_uint (&f, UINT64_MAX, &v)))
            goto bad;
          vsc->modified = v;
          break;
        case 0x83:
          if ((err = seen_once (&seen, 3)) || f.constructed || !f.len
              || f.len > 64)
            goto bad;
          if ((err = image_set_atr (image, f.value, f.len)))
            goto leave;
          break;
        case 0x84:
        case 0x85:
        case 0x86:
          if ((err = seen_once (&seen, f.tag - 0x80))
              || (err = get_str (&f, &s)))
            goto bad;
          err = (f.tag == 0x84 ? image_set_serial (image, s)
                 : f.tag == 0x85 ? image_set_label (image, s)
                 : image_set_reader (image, s));
          if (err)
            goto leave;
          break;
        case 0x87:
          if (f.constructed || !f.len || f.len > 16)
            goto bad;
          if ((err = image_add_aid (image, f.value, f.len)))
            goto leave;
          break;
        case 0x88:
          if ((err = get_str (&f, &s)))
            goto bad;
          if ((err = image_add_agent (image, s)))
            goto leave;
          break;
        default:
          if ((err = unknown_tag (&f)))
            goto leave;
          break;
        }
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    goto bad;
  err = 0;
  if ((seen & 7) != 7)   /* UUID, created, modified are mandatory */
    goto bad;
  goto leave;

 bad:
  if (!err || gpg_err_code (err) == GPG_ERR_EOF)
    err = gpg_error (GPG_ERR_INV_OBJ);
 leave:
  xfree (s);
  if (err)
    return vsc_fail (err, VSC_AREA_IDENTIFIER,
                     gpg_err_code (err) == GPG_ERR_UNKNOWN_CRIT_EXTN
                     ? _("unknown element") : _("malformed identifier area"));
  return 0;
}

static gpg_error_t
encode_identifier (vsc_t *vsc, buf_t *b)
{
  gpg_error_t err;
  image_card_t *c = &vsc->image->card;
  size_t mark, i;

  if ((err = tlv_begin (b, VSC_TAG_IDENTIFIER, &mark))
      || (err = tlv_put (b, 0x80, vsc->uuid, VSC_UUID_LEN))
      || (err = tlv_put_uint (b, 0x81, vsc->created))
      || (err = tlv_put_uint (b, 0x82, vsc->modified))
      || (err = put_bytes_opt (b, 0x83, c->atr, c->atr_len))
      || (err = put_str (b, 0x84, c->serial))
      || (err = put_str (b, 0x85, c->label))
      || (err = put_str (b, 0x86, c->reader)))
    return err;
  for (i = 0; i < c->n_aids; i++)
    if ((err = tlv_put (b, 0x87, c->aids[i], c->aid_lens[i])))
      return err;
  for (i = 0; i < c->n_agents; i++)
    if ((err = put_str (b, 0x88, c->agents[i])))
      return err;
  return tlv_end (b, mark);
}

/* ---- encode ----------------------------------------------------------- */

gpg_error_t
vsc_file_put_kdf (buf_t *b, const vsc_keyslot_t *s)
{
  gpg_error_t err;
  size_t kmark;

  if ((err = tlv_begin (b, 0xA1, &kmark))
      || (err = tlv_put_u8 (b, 0x80, VSC_KDF_ARGON2ID))
      || (err = tlv_put_uint (b, 0x81, s->kdf.m_kib))
      || (err = tlv_put_uint (b, 0x82, s->kdf.t))
      || (err = tlv_put_uint (b, 0x83, s->kdf.p))
      || (err = tlv_put (b, 0x84, s->salt, VSC_SALT_LEN)))
    return err;
  return tlv_end (b, kmark);
}

gpg_error_t
vsc_file_slot_ad (const vsc_t *vsc, const vsc_keyslot_t *s,
                  const uint8_t *kdf_raw, size_t kdf_raw_len, buf_t *ad)
{
  gpg_error_t err;

  buf_clear (ad);
  if ((err = buf_append (ad, VSC_MAGIC, VSC_MAGIC_LEN))
      || (err = buf_append (ad, vsc->uuid, VSC_UUID_LEN))
      || (err = buf_append_byte (ad, (uint8_t)s->type)))
    return err;
  if (kdf_raw)
    return buf_append (ad, kdf_raw, kdf_raw_len);
  return vsc_file_put_kdf (ad, s);
}

/* Associated data of an encrypted area: MAGIC || header TLV || tag. */
static gpg_error_t
make_ad (buf_t *ad, const uint8_t *hdr, size_t hdrlen, uint8_t areatag)
{
  gpg_error_t err;

  buf_clear (ad);
  if ((err = buf_append (ad, VSC_MAGIC, VSC_MAGIC_LEN))
      || (err = buf_append (ad, hdr, hdrlen))
      || (err = buf_append_byte (ad, areatag)))
    return err;
  return 0;
}

/* Size of an encrypted area's value for N bytes of plaintext. */
static size_t
encrypted_vlen (size_t n)
{
  return 2 + VSC_NONCE_LEN + 1 + tlv_len_size (n) + n + 2 + VSC_TAG_LEN;
}

/* Append an encrypted area (E5/E6) with the plaintext of A, encrypted in
 * place. *R_CT_OFF is where the ciphertext starts in OUT. */
static gpg_error_t
encode_encrypted (vsc_t *vsc, buf_t *out, uint8_t areatag,
                  const buf_t *ad, const area_out_t *a, size_t *r_ct_off)
{
  gpg_error_t err;
  size_t ct;
  uint8_t nonce[VSC_NONCE_LEN], tag[VSC_TAG_LEN];

  vsc_crypto_nonce (nonce, sizeof nonce);
  if ((err = buf_reserve (out, 6 + encrypted_vlen (a->total)))
      || (err = tlv_put_header (out, areatag, encrypted_vlen (a->total)))
      || (err = tlv_put (out, 0x80, nonce, sizeof nonce))
      || (err = tlv_put_header (out, 0x81, a->total)))
    return err;
  ct = out->len;
  area_out_write (a, out);
  err = vsc_crypto_seal (vsc->keys->enc, nonce, ad->data, ad->len,
                         out->data + ct, a->total, out->data + ct, tag);
  if (err)
    return err;
  *r_ct_off = ct;
  return tlv_put (out, 0x82, tag, sizeof tag);
}

gpg_error_t
vsc_file_encode (vsc_t *vsc, uint64_t generation, bool public_only,
                 buf_t *out)
{
  gpg_error_t err;
  buf_t hdr = BUF_INIT, id = BUF_INIT, ad = BUF_INIT;
  area_out_t areas[3];
  size_t mark, i, total, hdr_off, id_off, pub_off, pub_len, sum;
  size_t priv_ct = 0, sec_ct = 0, priv_off, sec_off;
  encode_ctx_t ectx;
  uint8_t mac[3][VSC_MAC_LEN], filemac[VSC_MAC_LEN];
  static const uint8_t e7_head[] = { VSC_TAG_MAC, 0x81, 4 * (2 + VSC_MAC_LEN) };
  const size_t e7_len = sizeof e7_head + 4 * (2 + VSC_MAC_LEN);

  memset (areas, 0, sizeof areas);
  buf_init_secure (&areas[IMAGE_AREA_SECRET_KEY].meta);
  memset (&ectx, 0, sizeof ectx);
  buf_clear (out);
  if (!vsc->keys)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);

  /* Header. */
  if ((err = tlv_begin (&hdr, VSC_TAG_HEADER, &mark))
      || (err = tlv_put_u8 (&hdr, 0x80, VSC_FORMAT_VERSION))
      || (err = tlv_put (&hdr, 0x81, vsc->uuid, VSC_UUID_LEN))
      || (err = tlv_put_uint (&hdr, 0x82, generation)))
    goto leave;
  for (i = 0; i < vsc->n_slots; i++)
    {
      const vsc_keyslot_t *s = &vsc->slots[i];
      size_t smark;
      if ((err = tlv_begin (&hdr, 0xA3, &smark))
          || (err = tlv_put_u8 (&hdr, 0x80, (uint8_t)s->type))
          || (err = vsc_file_put_kdf (&hdr, s))
          || (err = tlv_put (&hdr, 0x82, s->nonce, VSC_NONCE_LEN))
          || (err = tlv_put (&hdr, 0x83, s->wrapped, sizeof s->wrapped))
          || (err = tlv_end (&hdr, smark)))
        goto leave;
    }
  if ((err = tlv_end (&hdr, mark)))
    goto leave;

  /* Identifier. */
  if ((err = encode_identifier (vsc, &id)))
    goto leave;

  /* Nodes, sorted into their areas (metadata only; contents are copied
   * once, into the file buffer). */
  for (i = 0; i < 3; i++)
    ectx.area[i] = &areas[i];
  ectx.public_only = public_only;
  buf_init_secure (&ectx.tmp);
  if ((err = image_walk (vsc->image, encode_node, &ectx)))
    goto leave;

  /* The file, in one buffer: MAGIC, E1 header, E2 E3 E4 E5 E6 E7. */
  pub_len = 1 + tlv_len_size (areas[0].total) + areas[0].total;
  sum = areas[1].total;
  total = hdr.len + id.len + pub_len
          + 1 + tlv_len_size (encrypted_vlen (sum)) + encrypted_vlen (sum);
  sum = areas[2].total;
  total += 1 + tlv_len_size (encrypted_vlen (sum)) + encrypted_vlen (sum)
           + e7_len;
  if ((err = buf_reserve (out, VSC_MAGIC_LEN + 1 + tlv_len_size (total) + total))
      || (err = buf_append (out, VSC_MAGIC, VSC_MAGIC_LEN))
      || (err = tlv_put_header (out, VSC_TAG_FILE, total)))
    goto leave;
  hdr_off = out->len;
  if ((err = buf_append (out, hdr.data, hdr.len)))
    goto leave;
  id_off = out->len;
  if ((err = buf_append (out, id.data, id.len)))
    goto leave;
  pub_off = out->len;
  if ((err = tlv_put_header (out, VSC_TAG_PUBLIC, areas[0].total)))
    goto leave;
  area_out_write (&areas[0], out);
  priv_off = out->len;
  if ((err = make_ad (&ad, out->data + hdr_off, hdr.len, VSC_TAG_PRIVATE))
      || (err = encode_encrypted (vsc, out, VSC_TAG_PRIVATE, &ad, &areas[1],
                                  &priv_ct)))
    goto leave;
  sec_off = out->len;
  if ((err = make_ad (&ad, out->data + hdr_off, hdr.len, VSC_TAG_SECRET))
      || (err = encode_encrypted (vsc, out, VSC_TAG_SECRET, &ad, &areas[2],
                                  &sec_ct)))
    goto leave;

  /* Authenticators of the plaintext parts. */
  if ((err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_HEADER, mac[0],
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             out->data + hdr_off, hdr.len, NULL))
      || (err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_IDENTIFIER,
                                mac[1], VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                                out->data + hdr_off, hdr.len,
                                out->data + id_off, id.len, NULL))
      || (err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_PUBLIC, mac[2],
                                VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                                out->data + hdr_off, hdr.len,
                                out->data + pub_off, pub_len, NULL)))
    goto leave;
  if ((err = buf_append (out, e7_head, sizeof e7_head)))
    goto leave;
  for (i = 0; i < 3; i++)
    if ((err = tlv_put (out, 0x80 + i, mac[i], VSC_MAC_LEN)))
      goto leave;
  if ((err = buf_append_byte (out, 0x83))
      || (err = buf_append_byte (out, VSC_MAC_LEN)))
    goto leave;
  /* The file MAC covers every byte before it except the ciphertexts,
   * which their GCM tags cover. */
  if ((err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_FILE, filemac,
                             out->data, priv_ct,
                             out->data + priv_ct + areas[1].total,
                             sec_ct - (priv_ct + areas[1].total),
                             out->data + sec_ct + areas[2].total,
                             out->len - (sec_ct + areas[2].total), NULL))
      || (err = buf_append (out, filemac, VSC_MAC_LEN)))
    goto leave;
  if (out->len != VSC_MAGIC_LEN + 1 + tlv_len_size (total) + total)
    {
      err = gpg_error (GPG_ERR_INTERNAL);
      goto leave;
    }

  vsc->area_size[VSC_AREA_HEADER] = hdr.len;
  vsc->area_size[VSC_AREA_IDENTIFIER] = id.len;
  vsc->area_size[VSC_AREA_PUBLIC] = pub_len;
  vsc->area_size[VSC_AREA_PRIVATE] = sec_off - priv_off;
  vsc->area_size[VSC_AREA_SECRET_KEY] = out->len - e7_len - sec_off;
  vsc->area_size[VSC_AREA_MAC] = e7_len;

 leave:
  wipememory (mac, sizeof mac);
  buf_free (&hdr);
  buf_free (&id);
  buf_free (&ad);
  buf_free (&ectx.tmp);
  for (i = 0; i < 3; i++)
    area_out_free (&areas[i]);
  if (err)
    buf_clear (out);
  return err;
}

/* ---- parse ------------------------------------------------------------ */

/* Try each keyslot with PASSWORD; on success VSC->keys is set. */
static gpg_error_t
unlock (vsc_t *vsc, const parsed_t *p, const char *password,
        const vsc_opts_t *opts)
{
  gpg_error_t err = gpg_error (GPG_ERR_BAD_PASSPHRASE);
  vsc_kdf_fn kdf = opts && opts->kdf_fn ? opts->kdf_fn : vsc_crypto_kdf;
  void *kdf_ctx = opts && opts->kdf_fn ? opts->kdf_ctx : NULL;
  uint8_t *kek = NULL;
  buf_t ad = BUF_INIT;
  vsc_keys_t *keys = NULL;
  unsigned i;

  kek = xtrymalloc_secure (VSC_KEY_LEN);
  keys = xtrymalloc_secure (sizeof *keys);
  if (!kek || !keys)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (i = 0; i < vsc->n_slots; i++)
    {
      const vsc_keyslot_t *s = &vsc->slots[i];
      gpg_error_t e;

      e = kdf (kdf_ctx, password, &s->kdf, s->salt, kek);
      if (e)
        {
          err = e;
          goto leave;
        }
      if ((e = vsc_file_slot_ad (vsc, s, p->kdf_raw[i], p->kdf_raw_len[i],
                                 &ad)))
        {
          err = e;
          goto leave;
        }
      e = vsc_crypto_open (kek, s->nonce, ad.data, ad.len, s->wrapped,
                           VSC_KEY_LEN, keys->dek, s->wrapped + VSC_KEY_LEN);
      if (!e)
        {
          err = vsc_crypto_derive (keys);
          if (!err)
            {
              vsc->keys = keys;
              keys = NULL;
            }
          goto leave;
        }
    }
  err = vsc_fail (gpg_error (GPG_ERR_BAD_PASSPHRASE), VSC_AREA_HEADER,
                  _("wrong password or damaged file"));

 leave:
  if (kek)
    {
      wipememory (kek, VSC_KEY_LEN);
      xfree_secure (kek);
    }
  vsc_crypto_free_keys (keys);
  buf_free (&ad);
  return err;
}

static gpg_error_t
check_mac (const uint8_t *expect, const uint8_t *got, vsc_area_t area)
{
  if (!ct_memequal (expect, got, VSC_MAC_LEN))
    return vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), area,
                     _("authentication failed - the file was altered or "
                       "damaged"));
  return 0;
}

/* Authenticate every byte: the three MACs, both GCM tags (decrypting the
 * private area into R_PRIV, or in place if INPLACE is the writable DATA,
 * and the secret-key area into R_SEC; *R_PRIV_PT is the private
 * plaintext; the caller wipes), and the file MAC. */
static gpg_error_t
authenticate (vsc_t *vsc, const uint8_t *data, uint8_t *inplace,
              const parsed_t *p, buf_t *r_priv, const uint8_t **r_priv_pt,
              buf_t *r_sec)
{
  uint8_t *dst;
  gpg_error_t err;
  uint8_t mac[VSC_MAC_LEN];
  buf_t ad = BUF_INIT;
  const uint8_t *k = vsc->keys->mac;

  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_HEADER, mac,
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             p->header.raw, p->header.raw_len, NULL))
      || (err = check_mac (mac, p->mac_header, VSC_AREA_HEADER)))
    goto leave;
  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_IDENTIFIER, mac,
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             p->header.raw, p->header.raw_len,
                             p->ident.raw, p->ident.raw_len, NULL))
      || (err = check_mac (mac, p->mac_ident, VSC_AREA_IDENTIFIER)))
    goto leave;
  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_PUBLIC, mac,
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             p->header.raw, p->header.raw_len,
                             p->pub.raw, p->pub.raw_len, NULL))
      || (err = check_mac (mac, p->mac_public, VSC_AREA_PUBLIC)))
    goto leave;

  /* Private area. */
  if ((err = make_ad (&ad, p->header.raw, p->header.raw_len, VSC_TAG_PRIVATE)))
    goto leave;
  if (inplace)
    dst = inplace + (p->priv_ct - data);
  else
    {
      if ((err = buf_reserve (r_priv, p->priv_len)))
        goto leave;
      dst = r_priv->data;
    }
  err = vsc_crypto_open (vsc->keys->enc, p->priv_nonce, ad.data, ad.len,
                         p->priv_ct, p->priv_len, dst, p->priv_tag);
  if (gpg_err_code (err) == GPG_ERR_CHECKSUM)
    err = vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), VSC_AREA_PRIVATE,
                    _("authentication failed - the file was altered or "
                      "damaged"));
  if (err)
    goto leave;
  if (!inplace)
    r_priv->len = p->priv_len;
  *r_priv_pt = dst;

  if ((err = make_ad (&ad, p->header.raw, p->header.raw_len, VSC_TAG_SECRET))
      || (err = buf_reserve (r_sec, p->sec_len)))
    goto leave;
  err = vsc_crypto_open (vsc->keys->enc, p->sec_nonce, ad.data, ad.len,
                         p->sec_ct, p->sec_len, r_sec->data, p->sec_tag);
  if (gpg_err_code (err) == GPG_ERR_CHECKSUM)
    err = vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), VSC_AREA_SECRET_KEY,
                    _("authentication failed - the file was altered or "
                      "damaged"));
  if (err)
    goto leave;
  r_sec->len = p->sec_len;

  /* Everything else (outer TLV headers, the authenticator area). */
  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_FILE, mac,
                             data, (size_t)(p->priv_ct - data),
                             p->priv_ct + p->priv_len,
                             (size_t)(p->sec_ct - (p->priv_ct + p->priv_len)),
                             p->sec_ct + p->sec_len,
                             p->mac_file_off
                             - (size_t)(p->sec_ct + p->sec_len - data),
                             NULL)))
    goto leave;
  if (!ct_memequal (mac, p->mac_file, VSC_MAC_LEN))
    err = vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), VSC_AREA_MAC,
                    _("file authentication failed - the file structure was "
                      "altered or damaged"));

 leave:
  buf_free (&ad);
  wipememory (mac, sizeof mac);
  return err;
}

gpg_error_t
vsc_file_parse (vsc_t *vsc, const uint8_t *data, size_t n, uint8_t *inplace,
                const char *password, const vsc_opts_t *opts)
{
  gpg_error_t err;
  parsed_t p;
  buf_t priv = BUF_INIT, sec = BUF_INIT;
  const uint8_t *priv_pt = NULL;
  image_t *image = NULL;

  buf_init_secure (&sec);
  err = parse_outer (data, n, vsc, &p);
  if (err)
    goto leave;
  vsc->file_size = n;
  vsc->area_size[VSC_AREA_HEADER] = p.header.raw_len;
  vsc->area_size[VSC_AREA_IDENTIFIER] = p.ident.raw_len;
  vsc->area_size[VSC_AREA_PUBLIC] = p.pub.raw_len;
  vsc->area_size[VSC_AREA_PRIVATE] = p.priv.raw_len;
  vsc->area_size[VSC_AREA_SECRET_KEY] = p.secret.raw_len;
  vsc->area_size[VSC_AREA_MAC] = p.mac.raw_len;

  if (password)
    {
      err = unlock (vsc, &p, password, opts);
      if (err)
        goto leave;
      err = authenticate (vsc, data, inplace, &p, &priv, &priv_pt, &sec);
      if (err)
        goto leave;
    }

  if ((err = image_new (&image)))
    goto leave;
  image->unverified = !password;
  if ((err = parse_identifier (&p.ident, vsc, image)))
    goto leave;
  if ((err = decode_nodes (image, p.pub.value, p.pub.len, IMAGE_AREA_PUBLIC,
                           VSC_AREA_PUBLIC)))
    goto leave;
  if (password)
    {
      if ((err = decode_nodes (image, priv_pt, p.priv_len, IMAGE_AREA_PRIVATE,
                               VSC_AREA_PRIVATE))
          || (err = decode_nodes (image, sec.data, sec.len,
                                  IMAGE_AREA_SECRET_KEY,
                                  VSC_AREA_SECRET_KEY)))
        goto leave;
      vsc->unlocked = true;
    }
  image_free (vsc->image);
  vsc->image = image;
  image = NULL;

 leave:
  buf_free (&priv);
  buf_free (&sec);
  image_free (image);
  if (err)
    {
      vsc_crypto_free_keys (vsc->keys);
      vsc->keys = NULL;
      vsc->unlocked = false;
    }
  return err;
}
