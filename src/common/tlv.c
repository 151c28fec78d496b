/* tlv.c - strict BER-TLV parse and build (ISO 7816-4 5.2, X.690 8.1)
 *
 * Every read is checked against the remaining length before it is done;
 * lengths are compared as "len > remaining", never by adding to a
 * pointer, so no input can make the parser step outside [p, p+n). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "tlv.h"
#include "util.h"

#define TLV_MAX_TAG_BYTES 4
#define TLV_MAX_LEN_BYTES 4

gpg_error_t
tlv_parse_header (const uint8_t *p, size_t n, tlv_t *out, size_t *r_hdrlen)
{
  size_t off = 0, len, i, nlen;
  unsigned tag;
  uint8_t first;

  if (!p || !n)
    return gpg_error (GPG_ERR_EOF);

  /* Tag: one byte, or 1F-style first byte followed by bytes with the
   * continuation bit b8 set on all but the last. */
  first = p[off++];
  tag = first;
  if ((first & 0x1F) == 0x1F)
    {
      for (;;)
        {
          if (off >= TLV_MAX_TAG_BYTES)
            return gpg_error (GPG_ERR_INV_TAG);
          if (off >= n)
            return gpg_error (GPG_ERR_TOO_SHORT);
          tag = (tag << 8) | p[off];
          if (!(p[off++] & 0x80))
            break;
        }
    }

  /* Length. */
  if (off >= n)
    return gpg_error (GPG_ERR_TOO_SHORT);
  if (p[off] < 0x80)
    len = p[off++];
  else
    {
      nlen = p[off++] & 0x7F;
      if (nlen == 0 || nlen > TLV_MAX_LEN_BYTES)
        return gpg_error (GPG_ERR_INV_LENGTH);  /* 80 indefinite, 85.. */
      if (nlen > sizeof (size_t))
        return gpg_error (GPG_ERR_INV_LENGTH);
      if (nlen > n - off)
        return gpg_error (GPG_ERR_TOO_SHORT);
      len = 0;
      for (i = 0; i < nlen; i++)
        len = (len << 8) | p[off++];
    }

  out->tag = tag;
  out->constructed = !!(first & 0x20);
  out->tag_class = first >> 6;
  out->value = p + off;
  out->len = len;
  out->raw = p;
  out->raw_len = off + len;
  *r_hdrlen = off;
  return 0;
}

gpg_error_t
tlv_parse (const uint8_t *p, size_t n, tlv_t *out, size_t *consumed)
{
  gpg_error_t err;
  size_t off;
  tlv_t t;

  err = tlv_parse_header (p, n, &t, &off);
  if (err)
    return err;
  if (t.len > n - off)
    return gpg_error (GPG_ERR_TOO_SHORT);
  *out = t;
  if (consumed)
    *consumed = off + t.len;
  return 0;
}

void
tlv_iter_init (tlv_iter_t *it, const uint8_t *p, size_t n, unsigned flags)
{
  it->p = p;
  it->n = p ? n : 0;
  it->off = 0;
  it->flags = flags;
}

gpg_error_t
tlv_iter_next (tlv_iter_t *it, tlv_t *out)
{
  gpg_error_t err;
  size_t used;

  if (it->flags & TLV_SKIP_PADDING)
    while (it->off < it->n && (it->p[it->off] == 0x00
                               || it->p[it->off] == 0xFF))
      it->off++;
  if (it->off >= it->n)
    return gpg_error (GPG_ERR_EOF);
  err = tlv_parse (it->p + it->off, it->n - it->off, out, &used);
  if (err)
    return err;
  it->off += used;
  return 0;
}

gpg_error_t
tlv_find (const uint8_t *p, size_t n, unsigned tag, tlv_t *out)
{
  tlv_iter_t it;
  tlv_t t;
  gpg_error_t err;

  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    if (t.tag == tag)
      {
        *out = t;
        return 0;
      }
  if (gpg_err_code (err) == GPG_ERR_EOF)
    return gpg_error (GPG_ERR_NOT_FOUND);
  return err;
}

gpg_error_t
tlv_find_path (const uint8_t *p, size_t n,
               const unsigned *tags, size_t ntags, tlv_t *out)
{
  gpg_error_t err;
  tlv_t t;
  size_t i;

  if (!ntags)
    return gpg_error (GPG_ERR_INV_ARG);
  for (i = 0; i < ntags; i++)
    {
      err = tlv_find (p, n, tags[i], &t);
      if (err)
        return err;
      if (i + 1 < ntags && !t.constructed)
        return gpg_error (GPG_ERR_NOT_FOUND);
      p = t.value;
      n = t.len;
    }
  *out = t;
  return 0;
}

gpg_error_t
tlv_validate (const uint8_t *p, size_t n, unsigned maxdepth)
{
  tlv_iter_t it;
  tlv_t t;
  gpg_error_t err;

  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      if (!t.constructed || !t.len)
        continue;
      if (!maxdepth)
        return gpg_error (GPG_ERR_LIMIT_REACHED);
      err = tlv_validate (t.value, t.len, maxdepth - 1);
      if (err)
        return err;
    }
  return gpg_err_code (err) == GPG_ERR_EOF ? 0 : err;
}

size_t
tlv_tag_size (unsigned tag)
{
  if (tag > 0xFFFFFF)
    return 4;
  if (tag > 0xFFFF)
    return 3;
  if (tag > 0xFF)
    return 2;
  return 1;
}

size_t
tlv_len_size (size_t len)
{
  if (len < 0x80)
    return 1;
  if (len <= 0xFF)
    return 2;
  if (len <= 0xFFFF)
    return 3;
  if (len <= 0xFFFFFF)
    return 4;
  return 5;
}

/* Encode LEN into T (at least 5 bytes); returns the size used or 0 if
 * LEN does not fit the four length bytes we allow. */
static size_t
tlv_encode_len (uint8_t *t, size_t len)
{
  size_t k = tlv_len_size (len), i;

  if ((uint64_t)len > 0xFFFFFFFFu)
    return 0;
  if (k == 1)
    {
      t[0] = (uint8_t)len;
      return 1;
    }
  t[0] = (uint8_t)(0x80 | (k - 1));
  for (i = 1; i < k; i++)
    t[i] = (uint8_t)(len >> (8 * (k - 1 - i)));
  return k;
}

static size_t
tlv_encode_tag (uint8_t *t, unsigned tag)
{
  size_t k = tlv_tag_size (tag), i;

  for (i = 0; i < k; i++)
    t[i] = (uint8_t)(tag >> (8 * (k - 1 - i)));
  return k;
}

gpg_error_t
tlv_put_header (buf_t *b, unsigned tag, size_t len)
{
  uint8_t t[TLV_MAX_TAG_BYTES + 5];
  size_t k, l;

  k = tlv_encode_tag (t, tag);
  l = tlv_encode_len (t + k, len);
  if (!l)
    return gpg_error (GPG_ERR_INV_LENGTH);
  return buf_append (b, t, k + l);
}

gpg_error_t
tlv_put (buf_t *b, unsigned tag, const void *value, size_t len)
{
  gpg_error_t err;

  err = buf_reserve (b, tlv_tag_size (tag) + tlv_len_size (len) + len);
  if (err)
    return err;
  err = tlv_put_header (b, tag, len);
  if (err)
    return err;
  return buf_append (b, value, len);
}

gpg_error_t
tlv_put_u8 (buf_t *b, unsigned tag, uint8_t v)
{
  return tlv_put (b, tag, &v, 1);
}

gpg_error_t
tlv_put_uint (buf_t *b, unsigned tag, uint64_t v)
{
  uint8_t t[8];
  size_t k = 1, i;

  while (k < 8 && (v >> (8 * k)))
    k++;
  for (i = 0; i < k; i++)
    t[i] = (uint8_t)(v >> (8 * (k - 1 - i)));
  return tlv_put (b, tag, t, k);
}

gpg_error_t
tlv_begin (buf_t *b, unsigned tag, size_t *mark)
{
  uint8_t t[TLV_MAX_TAG_BYTES + 1];
  size_t k;
  gpg_error_t err;

  k = tlv_encode_tag (t, tag);
  t[k++] = 0;                 /* one-byte length placeholder */
  err = buf_append (b, t, k);
  if (err)
    return err;
  *mark = b->len - 1;         /* position of the length byte */
  return 0;
}

gpg_error_t
tlv_end (buf_t *b, size_t mark)
{
  uint8_t t[5];
  size_t vlen, l;
  gpg_error_t err;

  if (mark >= b->len)
    return gpg_error (GPG_ERR_INV_ARG);
  vlen = b->len - mark - 1;
  l = tlv_encode_len (t, vlen);
  if (!l)
    return gpg_error (GPG_ERR_INV_LENGTH);
  if (l > 1)
    {
      err = buf_reserve (b, l - 1);
      if (err)
        return err;
      memmove (b->data + mark + l, b->data + mark + 1, vlen);
      b->len += l - 1;
    }
  memcpy (b->data + mark, t, l);
  return 0;
}

gpg_error_t
tlv_get_uint (const tlv_t *t, uint64_t *v)
{
  uint64_t x = 0;
  size_t i;

  if (t->len > 8)
    return gpg_error (GPG_ERR_INV_LENGTH);
  for (i = 0; i < t->len; i++)
    x = (x << 8) | t->value[i];
  *v = x;
  return 0;
}
