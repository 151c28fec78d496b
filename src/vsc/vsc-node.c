/* vsc-node.c - the node <-> TLV codec of the VSC areas (doc/vsc-format.md)
 *
 * An area's plaintext is a list of node TLVs F0 { 80 type, 81 parent
 * path, fields..., 8D content }. This file turns an image into those
 * bytes and back. It knows no keys: the sealed file (vsc-file.c) gives
 * the encoder a function that copies or encrypts each piece straight
 * into the file buffer, and gives the decoder a function that returns
 * the next plaintext bytes (a copy, or a decryption), so that a node's
 * content passes through memory once in each direction: from the node
 * into the file buffer, and from the file into the node's own buffer.
 *
 * The limits of vsc.h are checked here on both sides: the encoder
 * refuses a node that the decoder would refuse (before anything is
 * written), and the decoder refuses what the encoder never writes. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>

#include "vsc-internal.h"
#include "common/util.h"
#include "common/array.h"
#include "common/tlv.h"
#include "common/i18n.h"

/* Node contents up to this size are copied into the metadata buffer
 * while encoding, so that sealing sees few, large pieces. */
#define VSC_NODE_INLINE 512
/* Bits of the decoder's "seen" set for the typed state fields (0..20 are
 * the fields 80..93 and B4). */
#define VSC_NODE_BIT_SCOPE   21
#define VSC_NODE_BIT_LABEL   22
#define VSC_NODE_BIT_SCAN    23
#define VSC_NODE_BIT_YUBIKEY 24
#define VSC_NODE_BIT_PIVCAPS 25
#define VSC_NODE_STATE_BITS  ((uint64_t)0x1F << VSC_NODE_BIT_SCOPE)
/* Read-ahead of the stream decoder. */
#define VSC_NODE_RDBUF  16384

/* ---- TLV field helpers (shared with vsc-header.c) ---------------------- */

gpg_error_t
vsc_node_put_str (buf_t *b, unsigned tag, const char *s)
{
  if (!s)
    return 0;
  return tlv_put (b, tag, s, strlen (s));
}

gpg_error_t
vsc_node_put_bytes (buf_t *b, unsigned tag, const uint8_t *p, size_t n)
{
  if (!p || !n)
    return 0;
  return tlv_put (b, tag, p, n);
}

gpg_error_t
vsc_node_get_str (const tlv_t *t, char **r)
{
  char *s;

  if (t->constructed || t->len > VSC_MAX_STRING
      || memchr (t->value, 0, t->len))
    return gpg_error (GPG_ERR_INV_OBJ);
  s = xtrystrndup ((const char *)t->value, t->len);
  if (!s)
    return gpg_error_from_syserror ();
  xfree (*r);
  *r = s;
  return 0;
}

gpg_error_t
vsc_node_get_uint (const tlv_t *t, uint64_t max, uint64_t *r)
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

gpg_error_t
vsc_node_get_fixed (const tlv_t *t, uint8_t *dst, size_t n)
{
  if (t->constructed || t->len != n)
    return gpg_error (GPG_ERR_INV_OBJ);
  memcpy (dst, t->value, n);
  return 0;
}

gpg_error_t
vsc_node_unknown (const tlv_t *t)
{
  if (VSC_TAG_IS_EXTENSION (t->tag) && !t->constructed)
    return 0;
  return gpg_error (GPG_ERR_UNKNOWN_CRIT_EXTN);
}

gpg_error_t
vsc_node_seen_once (uint64_t *seen, unsigned bit)
{
  if (*seen & ((uint64_t)1 << bit))
    return gpg_error (GPG_ERR_INV_OBJ);
  *seen |= (uint64_t)1 << bit;
  return 0;
}

static vsc_area_t
vsc_node_where (image_area_t a)
{
  return a == IMAGE_AREA_PUBLIC ? VSC_AREA_PUBLIC
         : a == IMAGE_AREA_PRIVATE ? VSC_AREA_PRIVATE : VSC_AREA_SECRET_KEY;
}

/* ---- the writer's side of the limits ------------------------------------ */

static bool
vsc_node_str_ok (const char *s)
{
  return !s || strlen (s) <= VSC_MAX_STRING;
}

/* Refuse NODE (parent path PPATH) if the decoder would refuse it. */
static gpg_error_t
vsc_node_check (const image_node_t *node, const char *ppath)
{
  char msg[160];
  const char *path = ppath;
  char *own;
  gpg_error_t err = 0;
  const image_keyinfo_t *k = &node->key;

  if (image_node_depth (node) > VSC_MAX_DEPTH)
    {
      snprintf (msg, sizeof msg, _("nested deeper than %u levels"),
                (unsigned)VSC_MAX_DEPTH);
      err = gpg_error (GPG_ERR_LIMIT_REACHED);
    }
  else if (strlen (ppath) > VSC_MAX_STRING || !vsc_node_str_ok (node->name)
           || !vsc_node_str_ok (node->note) || !vsc_node_str_ok (node->agent)
           || !vsc_node_str_ok (node->state.pin_scope)
           || !vsc_node_str_ok (node->state.pin_label)
           || !vsc_node_str_ok (node->state.scan_df)
           || !vsc_node_str_ok (k->algorithm)
           || !vsc_node_str_ok (k->fingerprint)
           || !vsc_node_str_ok (k->created) || !vsc_node_str_ok (k->usage))
    {
      snprintf (msg, sizeof msg, _("a text field is longer than %u bytes"),
                (unsigned)VSC_MAX_STRING);
      err = gpg_error (GPG_ERR_LIMIT_REACHED);
    }
  else if (node->type < 1 || node->type > IMAGE_NODE_TYPE_MAX
           || (uint64_t)node->size > 0xFFFFFFFFu
           || node->record_count > 0xFFFF || node->record_len > 0xFFFF
           || (node->type == IMAGE_NODE_RECORD
               && (node->recno < 1 || node->recno > 254))
           || (node->flags & ~IMAGE_FLAG_ALL)
           || (unsigned)node->access.read > IMAGE_AC_MAX
           || (unsigned)node->access.write > IMAGE_AC_MAX
           || (unsigned)node->source > IMAGE_SRC_MAX
           || (unsigned)node->area > IMAGE_AREA_MAX
           || node->aid_len > 16 || node->sw > 0xFFFF)
    {
      snprintf (msg, sizeof msg, "%s",
                _("a field is out of the range the VSC format allows"));
      err = gpg_error (GPG_ERR_LIMIT_REACHED);
    }
  else if (node->parent->parent && !image_node_is_container (node->parent))
    {
      snprintf (msg, sizeof msg, "%s",
                _("its parent is a kind of node that cannot have children"));
      err = gpg_error (GPG_ERR_INV_OBJ);
    }
  else
    {
      char comp[IMAGE_COMPONENT_MAX];
      image_node_component (node, comp, sizeof comp);
      if (image_find_child (node->parent, comp) != node)
        {
          snprintf (msg, sizeof msg, "%s",
                    _("another node at the same place has the same name"));
          err = gpg_error (GPG_ERR_INV_OBJ);
        }
    }
  if (!err)
    return 0;
  own = image_node_path (node);
  if (own)
    path = own;
  {
    char full[VSC_MAX_STRING / 8 + 200];
    snprintf (full, sizeof full, _("node %.300s: %s"), path, msg);
    vsc_fail (err, vsc_node_where (image_node_effective_area (node)), full);
  }
  xfree (own);
  return err;
}

/* ---- encoder ------------------------------------------------------------- */

void
vsc_node_area_init (vsc_node_area_t *a, bool secure)
{
  memset (a, 0, sizeof *a);
  if (secure)
    buf_init_secure (&a->meta);
  else
    buf_init (&a->meta);
}

void
vsc_node_area_free (vsc_node_area_t *a)
{
  buf_free (&a->meta);
  xfree (a->segs);
  a->segs = NULL;
  a->nsegs = a->cap = a->total = a->nodes = 0;
}

static gpg_error_t
vsc_node_area_seg (vsc_node_area_t *a, const uint8_t *content, size_t len)
{
  gpg_error_t err = ARRAY_GROW (a->segs, a->cap, a->nsegs, 16);

  if (err)
    return err;
  a->segs[a->nsegs].meta_end = a->meta.len;
  a->segs[a->nsegs].content = content;
  a->segs[a->nsegs].content_len = len;
  a->nsegs++;
  a->total += len;
  return 0;
}

gpg_error_t
vsc_node_area_emit (const vsc_node_area_t *a, uint8_t *dst,
                    vsc_node_write_fn fn, void *ctx)
{
  gpg_error_t err;
  size_t i, m = 0, o = 0;

  for (i = 0; i < a->nsegs; i++)
    {
      const vsc_node_seg_t *s = &a->segs[i];
      if (s->meta_end > m)
        {
          if ((err = fn (ctx, dst + o, a->meta.data + m, s->meta_end - m)))
            return err;
          o += s->meta_end - m;
          m = s->meta_end;
        }
      if (s->content_len)
        {
          if ((err = fn (ctx, dst + o, s->content, s->content_len)))
            return err;
          o += s->content_len;
        }
    }
  if (a->meta.len > m)
    {
      if ((err = fn (ctx, dst + o, a->meta.data + m, a->meta.len - m)))
        return err;
      o += a->meta.len - m;
    }
  return o == a->total ? 0 : gpg_error (GPG_ERR_INTERNAL);
}

/* The note (92): the node's own, or else its typed state in the text
 * form that readers before the state was typed look for. */
static gpg_error_t
vsc_node_encode_note (const image_node_t *node, buf_t *b)
{
  char text[VSC_MAX_STRING + 1];

  if (node->note || !image_node_has_state (node))
    return vsc_node_put_str (b, 0x92, node->note);
  if (!image_node_state_text (node, text, sizeof text) || !*text)
    return 0;
  return vsc_node_put_str (b, 0x92, text);
}

/* The typed state (DF20..DF24). */
static gpg_error_t
vsc_node_encode_state (const image_node_t *node, buf_t *b)
{
  gpg_error_t err;
  const char *df;
  uint16_t fid;
  unsigned phase, retired;
  uint8_t v[3];
  const char *algs;

  if ((err = vsc_node_put_str (b, VSC_TAG_PIN_SCOPE, node->state.pin_scope))
      || (err = vsc_node_put_str (b, VSC_TAG_PIN_LABEL,
                                  node->state.pin_label)))
    return err;
  if (image_node_scan_next (node, &df, &fid, &phase))
    {
      size_t n = strlen (df);
      uint8_t *p = xtrymalloc (3 + n);
      if (!p)
        return gpg_error_from_syserror ();
      put_be16 (p, fid);
      p[2] = (uint8_t)phase;
      memcpy (p + 3, df, n);
      err = tlv_put (b, VSC_TAG_SCAN_NEXT, p, 3 + n);
      xfree (p);
      if (err)
        return err;
    }
  if (image_node_yubikey (node, v)
      && (err = tlv_put (b, VSC_TAG_YUBIKEY, v, 3)))
    return err;
  if (image_node_piv_caps (node, &retired, &algs))
    {
      size_t n = algs ? strlen (algs) : 0;
      uint8_t *p = xtrymalloc (1 + n);
      if (!p)
        return gpg_error_from_syserror ();
      p[0] = (uint8_t)retired;
      if (n)
        memcpy (p + 1, algs, n);
      err = tlv_put (b, VSC_TAG_PIV_CAPS, p, 1 + n);
      xfree (p);
      if (err)
        return err;
    }
  return 0;
}

/* Encode the fields of NODE except the content into B. */
static gpg_error_t
vsc_node_encode_fields (const image_node_t *node, const char *ppath,
                        buf_t *b)
{
  gpg_error_t err;
  size_t kmark;
  uint8_t acc[4];

  if ((err = tlv_put_u8 (b, 0x80, (uint8_t)node->type))
      || (err = tlv_put (b, 0x81, ppath, strlen (ppath))))
    return err;
  if (node->has_fid)
    {
      uint8_t fid[2];
      put_be16 (fid, node->fid);
      if ((err = tlv_put (b, 0x82, fid, 2)))
        return err;
    }
  if ((err = vsc_node_put_bytes (b, 0x83, node->aid, node->aid_len)))
    return err;
  if (node->type == IMAGE_NODE_DO && (err = tlv_put_uint (b, 0x84, node->tag)))
    return err;
  if (node->type == IMAGE_NODE_RECORD
      && (err = tlv_put_u8 (b, 0x85, (uint8_t)node->recno)))
    return err;
  if ((err = vsc_node_put_str (b, 0x86, node->name))
      || (err = vsc_node_put_bytes (b, 0x87, node->fcp, node->fcp_len))
      || (err = tlv_put_uint (b, 0x88, node->size)))
    return err;
  if (node->record_count
      && (err = tlv_put_uint (b, 0x89, node->record_count)))
    return err;
  if (node->record_len && (err = tlv_put_uint (b, 0x8A, node->record_len)))
    return err;
  acc[0] = (uint8_t)node->access.read;
  acc[1] = node->access.read_ref;
  acc[2] = (uint8_t)node->access.write;
  acc[3] = node->access.write_ref;
  if ((err = tlv_put (b, 0x8B, acc, 4))
      || (err = vsc_node_put_bytes (b, 0x8C, node->access.raw,
                                    node->access.raw_len)))
    return err;
  if ((err = tlv_put_u8 (b, 0x8E, (uint8_t)node->source))
      || (err = tlv_put_u8 (b, 0x8F, (uint8_t)node->area)))
    return err;
  if (node->flags && (err = tlv_put_uint (b, 0x90, node->flags)))
    return err;
  if (node->sw)
    {
      uint8_t sw[2];
      put_be16 (sw, node->sw);
      if ((err = tlv_put (b, 0x91, sw, 2)))
        return err;
    }
  if ((err = vsc_node_encode_note (node, b))
      || (err = vsc_node_put_str (b, 0x93, node->agent)))
    return err;
  if (node->key.algorithm || node->key.fingerprint || node->key.created
      || node->key.usage || node->key.pubkey)
    {
      if ((err = tlv_begin (b, 0xB4, &kmark))
          || (err = vsc_node_put_str (b, 0x80, node->key.algorithm))
          || (err = vsc_node_put_str (b, 0x81, node->key.fingerprint))
          || (err = vsc_node_put_str (b, 0x82, node->key.created))
          || (err = vsc_node_put_str (b, 0x83, node->key.usage))
          || (err = vsc_node_put_bytes (b, 0x84, node->key.pubkey,
                                        node->key.pubkey_len))
          || (err = tlv_end (b, kmark)))
        return err;
    }
  return vsc_node_encode_state (node, b);
}

typedef struct vsc_node_enc {
  vsc_node_area_t *area;      /* [3] */
  bool public_only;
  buf_t tmp;
  size_t count;
} vsc_node_enc_t;

/* One node: F0 L { fields, 8D L content } with the content last. */
static gpg_error_t
vsc_node_encode_one (image_node_t *node, unsigned depth, void *opaque)
{
  vsc_node_enc_t *ctx = opaque;
  gpg_error_t err;
  image_area_t area = image_node_effective_area (node);
  vsc_node_area_t *a;
  size_t vlen, before;
  char *ppath = NULL;

  (void)depth;
  if (ctx->public_only && area != IMAGE_AREA_PUBLIC)
    return 0;
  if (++ctx->count > VSC_MAX_NODES)
    {
      char msg[80];
      snprintf (msg, sizeof msg, _("more than %u nodes"),
                (unsigned)VSC_MAX_NODES);
      return vsc_fail (gpg_error (GPG_ERR_LIMIT_REACHED),
                       vsc_node_where (area), msg);
    }
  if (node->parent && node->parent->parent)
    {
      ppath = image_node_path (node->parent);
      if (!ppath)
        return gpg_error_from_syserror ();
    }
  err = vsc_node_check (node, ppath ? ppath : "");
  a = &ctx->area[area];
  buf_clear (&ctx->tmp);
  if (!err)
    err = vsc_node_encode_fields (node, ppath ? ppath : "", &ctx->tmp);
  xfree (ppath);
  if (err)
    return err;
  vlen = ctx->tmp.len;
  if (node->has_content)
    vlen += 1 + tlv_len_size (node->content_len) + node->content_len;
  before = a->meta.len;
  if ((err = tlv_put_header (&a->meta, VSC_TAG_NODE, vlen))
      || (err = buf_append (&a->meta, ctx->tmp.data, ctx->tmp.len)))
    return err;
  if (node->has_content
      && (err = tlv_put_header (&a->meta, 0x8D, node->content_len)))
    return err;
  a->nodes++;
  if (node->has_content && node->content_len > VSC_NODE_INLINE)
    {
      a->total += a->meta.len - before;
      return vsc_node_area_seg (a, node->content, node->content_len);
    }
  if (node->has_content
      && (err = buf_append (&a->meta, node->content, node->content_len)))
    return err;
  a->total += a->meta.len - before;
  return 0;
}

gpg_error_t
vsc_node_encode (const image_t *image, bool public_only,
                 vsc_node_area_t *areas)
{
  gpg_error_t err;
  vsc_node_enc_t ctx;

  memset (&ctx, 0, sizeof ctx);
  ctx.area = areas;
  ctx.public_only = public_only;
  buf_init_secure (&ctx.tmp);
  err = image_walk (image, vsc_node_encode_one, &ctx);
  buf_free (&ctx.tmp);
  return err;
}

/* ---- decoder ------------------------------------------------------------- */

/* A reader over an area's plaintext: either the bytes themselves (memory)
 * or a read-ahead buffer filled from FN. P[POS..END) is available. */
typedef struct vsc_node_rd {
  const uint8_t *p;
  size_t pos, end;
  size_t left;                /* bytes FN has not produced yet */
  vsc_node_read_fn fn;
  void *ctx;
  uint8_t *buf;               /* stream mode: the read-ahead buffer */
  size_t cap;
  bool secure;
} vsc_node_rd_t;

static size_t
vsc_node_rd_avail (const vsc_node_rd_t *r)
{
  return r->end - r->pos + r->left;
}

static void
vsc_node_rd_free (vsc_node_rd_t *r)
{
  if (r->buf)
    {
      wipememory (r->buf, r->cap);
      if (r->secure)
        xfree_secure (r->buf);
      else
        xfree (r->buf);
    }
  r->buf = NULL;
}

/* Make N bytes available at P + POS (N <= vsc_node_rd_avail). */
static gpg_error_t
vsc_node_rd_need (vsc_node_rd_t *r, size_t n)
{
  gpg_error_t err;
  size_t have = r->end - r->pos, want;

  if (have >= n)
    return 0;
  if (!r->fn || n - have > r->left)
    return gpg_error (GPG_ERR_TOO_SHORT);
  if (n > r->cap)
    {
      size_t ncap = r->cap;
      uint8_t *nb;
      while (ncap < n)
        ncap *= 2;
      nb = r->secure ? xtrymalloc_secure (ncap) : xtrymalloc (ncap);
      if (!nb)
        return gpg_error_from_syserror ();
      memcpy (nb, r->buf + r->pos, have);
      vsc_node_rd_free (r);
      r->buf = nb;
      r->cap = ncap;
    }
  else if (r->pos)
    memmove (r->buf, r->buf + r->pos, have);
  r->p = r->buf;
  r->pos = 0;
  r->end = have;
  want = r->cap - r->end;
  if (want > r->left)
    want = r->left;
  err = r->fn (r->ctx, r->buf + r->end, want);
  if (err)
    return err;
  r->end += want;
  r->left -= want;
  return 0;
}

/* Copy the next N bytes to DST: what is buffered, then straight from
 * the source (a large content is decrypted into its node's buffer). */
static gpg_error_t
vsc_node_rd_take (vsc_node_rd_t *r, uint8_t *dst, size_t n)
{
  size_t have = r->end - r->pos, k = have < n ? have : n;

  if (n > vsc_node_rd_avail (r))
    return gpg_error (GPG_ERR_TOO_SHORT);
  memcpy (dst, r->p + r->pos, k);
  r->pos += k;
  if (n > k)
    {
      gpg_error_t err = r->fn (r->ctx, dst + k, n - k);
      if (err)
        return err;
      r->left -= n - k;
    }
  return 0;
}

/* Drop the next N bytes. */
static gpg_error_t
vsc_node_rd_skip (vsc_node_rd_t *r, size_t n)
{
  gpg_error_t err;

  while (n)
    {
      size_t have = r->end - r->pos, k;
      if (!have && (err = vsc_node_rd_need (r, n < r->cap ? n : r->cap)))
        return err;
      have = r->end - r->pos;
      k = have < n ? have : n;
      r->pos += k;
      n -= k;
    }
  return 0;
}

/* The next TLV header, within the next LIMIT bytes. */
static gpg_error_t
vsc_node_rd_header (vsc_node_rd_t *r, size_t limit, tlv_t *t)
{
  gpg_error_t err;
  size_t hl, n = limit < 10 ? limit : 10;

  if ((err = vsc_node_rd_need (r, n)))
    return err;
  err = tlv_parse_header (r->p + r->pos, n, t, &hl);
  if (err)
    return err;
  if (t->len > limit - hl)
    return gpg_error (GPG_ERR_TOO_SHORT);
  r->pos += hl;
  return 0;
}

typedef struct vsc_node_dec {
  image_t *image;
  image_area_t area;
  vsc_area_t where;
  size_t *count;              /* nodes so far, all areas */
  /* The parent of the previous node, by path: siblings usually follow
   * each other, so most nodes need no lookup. */
  char *last_ppath;
  image_node_t *last_parent;
} vsc_node_dec_t;

static gpg_error_t
vsc_node_decode_keyinfo (const tlv_t *t, image_keyinfo_t *ki)
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
            err = vsc_node_seen_once (&seen, f.tag - 0x80);
            if (!err)
              err = vsc_node_get_str (&f, dst);
          }
          break;
        case 0x84:
          err = vsc_node_seen_once (&seen, 4);
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
        default: err = vsc_node_unknown (&f); break;
        }
      if (err)
        return err;
    }
  return gpg_err_code (err) == GPG_ERR_EOF ? 0 : err;
}

/* The largest value of the unsigned integer fields of a node, by tag
 * (0: not an integer field). */
static uint64_t
vsc_node_uint_max (unsigned tag)
{
  switch (tag)
    {
    case 0x84: return 0xFFFFFFFF;   /* DO tag, at most 4 bytes */
    case 0x85: return 254;          /* record number */
    case 0x88: return 0xFFFFFFFF;   /* declared size */
    case 0x89: return 0xFFFF;       /* record count */
    case 0x8A: return 0xFFFF;       /* record length */
    case 0x8E: return IMAGE_SRC_MAX;
    case 0x8F: return IMAGE_AREA_MAX;
    case 0x90: return IMAGE_FLAG_ALL;
    default: return 0;
    }
}

/* The unsigned integer field F (vsc_node_uint_max) of NODE. */
static gpg_error_t
vsc_node_uint_field (image_node_t *node, const tlv_t *f,
                     size_t *declared_size)
{
  uint64_t v;

  if ((f->tag == 0x84 && f->len > 4)
      || vsc_node_get_uint (f, vsc_node_uint_max (f->tag), &v)
      || (f->tag == 0x85 && !v))
    return gpg_error (GPG_ERR_INV_OBJ);
  switch (f->tag)
    {
    case 0x84: node->tag = (unsigned)v; break;
    case 0x85: node->recno = (unsigned)v; break;
    case 0x88: *declared_size = (size_t)v; break;
    case 0x89: node->record_count = (unsigned)v; break;
    case 0x8A: node->record_len = (unsigned)v; break;
    case 0x8E: node->source = (image_source_t)v; break;
    case 0x8F: node->area = (image_area_t)v; break;
    default: node->flags = (unsigned)v; break;
    }
  return 0;
}

/* A primitive field F with 1..MAXLEN bytes (EXACT: exactly MAXLEN)? */
static bool
vsc_node_len_ok (const tlv_t *f, size_t maxlen, bool exact)
{
  return !f->constructed && f->len && f->len <= maxlen
         && (!exact || f->len == maxlen);
}

/* A string field F of NODE into *DST; EMPTY_OK: may be empty. */
static gpg_error_t
vsc_node_str_field (const tlv_t *f, char **dst, bool empty_ok)
{
  if ((!empty_ok && !f->len) || vsc_node_get_str (f, dst))
    return gpg_error (GPG_ERR_INV_OBJ);
  return 0;
}

/* The typed state field F (DF20..DF24) of NODE. */
static gpg_error_t
vsc_node_state_field (image_node_t *node, const tlv_t *f)
{
  gpg_error_t err;
  char *s;

  switch (f->tag)
    {
    case VSC_TAG_PIN_SCOPE:
      return vsc_node_str_field (f, &node->state.pin_scope, false);
    case VSC_TAG_PIN_LABEL:
      return vsc_node_str_field (f, &node->state.pin_label, false);
    case VSC_TAG_SCAN_NEXT:
      if (!vsc_node_len_ok (f, 3 + VSC_MAX_STRING, false) || f->len < 4
          || memchr (f->value + 3, 0, f->len - 3))
        return gpg_error (GPG_ERR_INV_OBJ);
      s = xtrystrndup ((const char *)f->value + 3, f->len - 3);
      if (!s)
        return gpg_error_from_syserror ();
      err = image_node_set_scan_next (node, s, get_be16 (f->value),
                                      f->value[2]);
      xfree (s);
      return err;
    case VSC_TAG_YUBIKEY:
      if (!vsc_node_len_ok (f, 3, true))
        return gpg_error (GPG_ERR_INV_OBJ);
      image_node_set_yubikey (node, f->value);
      return 0;
    default:   /* VSC_TAG_PIV_CAPS: retired slots, algorithm names */
      if (!vsc_node_len_ok (f, 1 + VSC_MAX_STRING, false)
          || memchr (f->value + 1, 0, f->len - 1))
        return gpg_error (GPG_ERR_INV_OBJ);
      s = xtrystrndup ((const char *)f->value + 1, f->len - 1);
      if (!s)
        return gpg_error_from_syserror ();
      err = image_node_set_piv_caps (node, f->value[0], s);
      xfree (s);
      return err;
    }
}

/* The bit of field TAG in a node's "seen" set, or -1 (unknown tag). */
static int
vsc_node_field_bit (unsigned tag)
{
  if (tag >= 0x82 && tag <= 0x93)
    return (int)(tag - 0x80);
  if (tag == 0xB4)
    return 20;
  if (tag >= VSC_TAG_PIN_SCOPE && tag <= VSC_TAG_PIV_CAPS)
    return (int)(VSC_NODE_BIT_SCOPE + (tag - VSC_TAG_PIN_SCOPE));
  return -1;
}

/* One field F (value in memory) of NODE. Every field at most once. */
static gpg_error_t
vsc_node_field (image_node_t *node, const tlv_t *f, uint64_t *seen,
                size_t *declared_size)
{
  gpg_error_t err = 0;
  char *s = NULL;
  image_keyinfo_t ki;
  int bit = vsc_node_field_bit (f->tag);

  if (bit < 0)
    return vsc_node_unknown (f);
  if (vsc_node_seen_once (seen, (unsigned)bit))
    return gpg_error (GPG_ERR_INV_OBJ);
  if (vsc_node_uint_max (f->tag))
    return vsc_node_uint_field (node, f, declared_size);
  if (f->tag >= VSC_TAG_PIN_SCOPE)
    return vsc_node_state_field (node, f);
  switch (f->tag)
    {
    case 0x82:
      if (!vsc_node_len_ok (f, 2, true))
        return gpg_error (GPG_ERR_INV_OBJ);
      image_node_set_fid (node, (uint16_t)get_be16 (f->value));
      return 0;
    case 0x83:
      if (!vsc_node_len_ok (f, 16, false))
        return gpg_error (GPG_ERR_INV_OBJ);
      return image_node_set_aid (node, f->value, f->len);
    case 0x86:
      if ((err = vsc_node_str_field (f, &s, true)))
        return err;
      err = image_node_set_name (node, s);
      xfree (s);
      return err ? gpg_error (GPG_ERR_INV_OBJ) : 0;
    case 0x87:
      if (!vsc_node_len_ok (f, f->len, false))
        return gpg_error (GPG_ERR_INV_OBJ);
      return image_node_set_fcp (node, f->value, f->len);
    case 0x8B:
      if (!vsc_node_len_ok (f, 4, true) || f->value[0] > IMAGE_AC_MAX
          || f->value[2] > IMAGE_AC_MAX)
        return gpg_error (GPG_ERR_INV_OBJ);
      node->access.read = (image_ac_t)f->value[0];
      node->access.read_ref = f->value[1];
      node->access.write = (image_ac_t)f->value[2];
      node->access.write_ref = f->value[3];
      return 0;
    case 0x8C:
      if (!vsc_node_len_ok (f, f->len, false))
        return gpg_error (GPG_ERR_INV_OBJ);
      return image_node_set_access_raw (node, f->value, f->len);
    case 0x8D:   /* only when the caller did not take it itself */
      if (f->constructed)
        return gpg_error (GPG_ERR_INV_OBJ);
      return f->len ? image_node_set_content (node, f->value, f->len)
                    : image_node_set_empty (node);
    case 0x91:
      if (!vsc_node_len_ok (f, 2, true))
        return gpg_error (GPG_ERR_INV_OBJ);
      node->sw = get_be16 (f->value);
      return 0;
    case 0x92:
      return vsc_node_str_field (f, &node->note, true);
    case 0x93:
      return vsc_node_str_field (f, &node->agent, true);
    case 0xB4:
      memset (&ki, 0, sizeof ki);
      if (!f->constructed || (err = vsc_node_decode_keyinfo (f, &ki)))
        err = gpg_err_code (err) == GPG_ERR_ENOMEM ? err
              : gpg_err_code (err) == GPG_ERR_UNKNOWN_CRIT_EXTN ? err
              : gpg_error (GPG_ERR_INV_OBJ);
      else
        err = image_node_set_keyinfo (node, &ki);
      image_keyinfo_release (&ki);
      return err;
    default:
      return vsc_node_unknown (f);
    }
}

/* After a node is in its tree: a note that only repeats the typed state
 * (written for older readers) is dropped; a node without typed state
 * whose note has the old form (a VSC from before the state was typed)
 * gets the state from the note. */
static gpg_error_t
vsc_node_state_fixup (image_node_t *node, uint64_t seen)
{
  char text[VSC_MAX_STRING + 1];

  if (!(seen & VSC_NODE_STATE_BITS))
    return image_node_state_from_note (node, NULL);
  if (node->note && image_node_state_text (node, text, sizeof text)
      && !strcmp (text, node->note))
    return image_node_set_note (node, NULL);
  return 0;
}

/* The parent of a node by its path (the image root for ""). */
static image_node_t *
vsc_node_parent (vsc_node_dec_t *d, const char *ppath)
{
  image_node_t *parent;

  if (!*ppath)
    return &d->image->root;
  if (d->last_ppath && !strcmp (d->last_ppath, ppath))
    return d->last_parent;
  parent = image_find_path (d->image, ppath);
  if (parent)
    {
      char *copy = xtrystrdup (ppath);
      if (copy)
        {
          xfree (d->last_ppath);
          d->last_ppath = copy;
          d->last_parent = parent;
        }
    }
  return parent;
}

/* Decode one F0 node of VLEN bytes from R and add it to the image. */
static gpg_error_t
vsc_node_decode_one (vsc_node_dec_t *d, vsc_node_rd_t *r, size_t vlen)
{
  gpg_error_t err;
  tlv_t f;
  uint64_t seen = 0, v;
  image_node_t *node = NULL, *parent;
  char *ppath = NULL;
  size_t declared_size = 0, left = vlen;
  unsigned idx = 0;

  while (left)
    {
      if ((err = vsc_node_rd_header (r, left, &f)))
        goto bad;
      left -= f.raw_len;   /* header + value */
      if (idx >= 2 && f.tag == 0x8D && f.len > 0)
        {
          /* The content goes from the source into its own buffer. */
          uint8_t *p;
          if ((err = vsc_node_seen_once (&seen, 13)))
            goto bad;
          p = xtrymalloc (f.len);
          if (!p)
            {
              err = gpg_error_from_syserror ();
              goto leave;
            }
          err = vsc_node_rd_take (r, p, f.len);
          if (err)
            {
              wipememory (p, f.len);
              xfree (p);
              goto bad;
            }
          image_node_take_content (node, p, f.len);
          idx++;
          continue;
        }
      if ((err = vsc_node_rd_need (r, f.len)))
        goto bad;
      f.value = r->p + r->pos;
      f.raw = NULL;
      /* Type first, parent path second. */
      if (idx == 0)
        {
          if (f.tag != 0x80
              || (err = vsc_node_get_uint (&f, IMAGE_NODE_TYPE_MAX, &v))
              || !v)
            goto bad;
          if ((err = image_node_new ((image_type_t)v, &node)))
            goto leave;
        }
      else if (idx == 1)
        {
          if (f.tag != 0x81 || (err = vsc_node_get_str (&f, &ppath)))
            goto bad;
        }
      else if ((err = vsc_node_field (node, &f, &seen, &declared_size)))
        {
          if (gpg_err_code (err) == GPG_ERR_ENOMEM
              || gpg_err_code (err) == GPG_ERR_UNKNOWN_CRIT_EXTN)
            goto leave;
          goto bad;
        }
      r->pos += f.len;
      idx++;
    }
  if (idx < 2)
    goto bad;
  /* Mandatory: area (8F), and a record's number (85), which the writer
   * always writes (a record "#0" would not be written back). The
   * declared size wins over the content's. */
  if (!(seen & (1u << 15))
      || (node->type == IMAGE_NODE_RECORD && !(seen & (1u << 5))))
    goto bad;
  if (seen & (1u << 8))
    node->size = declared_size;

  parent = vsc_node_parent (d, ppath);
  if (!parent || (parent != &d->image->root
                  && !image_node_is_container (parent)))
    goto bad;
  err = image_add_child (parent, node);
  if (gpg_err_code (err) == GPG_ERR_LIMIT_REACHED)
    {
      char msg[80];
      snprintf (msg, sizeof msg, _("nodes nested deeper than %u levels"),
                (unsigned)VSC_MAX_DEPTH);
      err = vsc_fail (gpg_error (GPG_ERR_INV_OBJ), d->where, msg);
      goto leave;
    }
  if (err)
    goto bad;
  if (image_node_effective_area (node) != d->area)
    {
      image_node_remove (node);
      node = NULL;
      goto bad;
    }
  err = vsc_node_state_fixup (node, seen);
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
  xfree (ppath);
  image_node_free (node);
  return err;
}

/* Decode every element of R into D. */
static gpg_error_t
vsc_node_decode_rd (vsc_node_dec_t *d, vsc_node_rd_t *r)
{
  gpg_error_t err;
  tlv_t t;

  while (vsc_node_rd_avail (r))
    {
      err = vsc_node_rd_header (r, vsc_node_rd_avail (r), &t);
      if (err)
        return vsc_fail (err, d->where, _("malformed node list"));
      if (t.tag != VSC_TAG_NODE)
        {
          if ((err = vsc_node_unknown (&t)))
            return vsc_fail (err, d->where, _("unknown element"));
          if ((err = vsc_node_rd_skip (r, t.len)))
            return vsc_fail (err, d->where, _("malformed node list"));
          continue;
        }
      if (!t.constructed)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), d->where,
                         _("malformed node"));
      if (++*d->count > VSC_MAX_NODES)
        return vsc_fail (gpg_error (GPG_ERR_TOO_LARGE), d->where,
                         _("too many nodes"));
      err = vsc_node_decode_one (d, r, t.len);
      if (err)
        return vsc_fail (err, d->where, _("malformed node"));
    }
  return 0;
}

/* Decode R into IMAGE: the nodes of AREA (WHERE for messages), COUNT
 * the nodes so far. */
static gpg_error_t
vsc_node_decode_run (image_t *image, image_area_t area, vsc_area_t where,
                     size_t *count, vsc_node_rd_t *r)
{
  vsc_node_dec_t d = { .image = image, .area = area, .where = where,
                       .count = count };
  gpg_error_t err = vsc_node_decode_rd (&d, r);

  xfree (d.last_ppath);
  return err;
}

gpg_error_t
vsc_node_count (const uint8_t *p, size_t n, size_t *r_count)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  size_t count = 0;

  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    if (t.tag == VSC_TAG_NODE)
      count++;
  *r_count = count;
  return gpg_err_code (err) == GPG_ERR_EOF ? 0 : err;
}

gpg_error_t
vsc_node_decode_mem (image_t *image, const uint8_t *p, size_t n,
                     image_area_t area, vsc_area_t where, size_t *count)
{
  vsc_node_rd_t r;
  size_t pre;
  gpg_error_t err;

  /* The node count is known before any node is built. */
  err = vsc_node_count (p, n, &pre);
  if (err)
    return vsc_fail (err, where, _("malformed node list"));
  if (pre > VSC_MAX_NODES - *count)
    return vsc_fail (gpg_error (GPG_ERR_TOO_LARGE), where,
                     _("too many nodes"));
  r = (vsc_node_rd_t){ .p = p, .end = n };
  return vsc_node_decode_run (image, area, where, count, &r);
}

gpg_error_t
vsc_node_decode_stream (image_t *image, size_t n, vsc_node_read_fn fn,
                        void *ctx, bool secure, image_area_t area,
                        vsc_area_t where, size_t *count)
{
  vsc_node_rd_t r = { .left = n, .fn = fn, .ctx = ctx, .secure = secure,
                      .cap = VSC_NODE_RDBUF };
  gpg_error_t err;

  r.buf = secure ? xtrymalloc_secure (r.cap) : xtrymalloc (r.cap);
  if (!r.buf)
    return gpg_error_from_syserror ();
  r.p = r.buf;
  err = vsc_node_decode_run (image, area, where, count, &r);
  vsc_node_rd_free (&r);
  return err;
}
