/* buffer.c - growable byte buffers and bounds-checked readers
 *
 * Buffers never use realloc: growing allocates a new block, copies,
 * wipes and frees the old one, so no stale copy of secret data stays
 * behind in freed heap memory. Secure buffers live in libgcrypt's
 * secure memory pool. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include "buffer.h"
#include "util.h"

/* Refuse to grow beyond this (half the address space). */
#define BUF_MAX_CAP (SIZE_MAX / 2)

void
buf_init (buf_t *b)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->secure = false;
}

void
buf_init_secure (buf_t *b)
{
  buf_init (b);
  b->secure = true;
}

static void
buf_release (uint8_t *p, size_t cap, bool secure)
{
  if (!p)
    return;
  wipememory (p, cap);
  if (secure)
    xfree_secure (p);
  else
    xfree (p);
}

/* Room in B for EXTRA more bytes: nothing when it has it, else a new
 * block of EXACT bytes (len + EXTRA, at least 1) or of a doubled
 * capacity (from 32), the old one wiped and freed. */
static gpg_error_t
buf_grow (buf_t *b, size_t extra, bool exact)
{
  size_t need, ncap;
  uint8_t *p;

  if (extra > BUF_MAX_CAP - b->len)
    return gpg_error (GPG_ERR_ENOMEM);
  need = b->len + extra;
  if (need <= b->cap && b->data)
    return 0;
  if (exact)
    ncap = need ? need : 1;
  else
    {
      ncap = b->cap < 32 ? 32 : b->cap;
      while (ncap < need)
        ncap = ncap > BUF_MAX_CAP / 2 ? BUF_MAX_CAP : ncap * 2;
    }
  p = b->secure ? xtrymalloc_secure (ncap) : xtrymalloc (ncap);
  if (!p)
    return gpg_error_from_syserror ();
  if (b->len)
    memcpy (p, b->data, b->len);
  buf_release (b->data, b->cap, b->secure);
  b->data = p;
  b->cap = ncap;
  return 0;
}

gpg_error_t
buf_reserve (buf_t *b, size_t extra)
{
  return buf_grow (b, extra, false);
}

gpg_error_t
buf_reserve_exact (buf_t *b, size_t extra)
{
  return buf_grow (b, extra, true);
}

gpg_error_t
buf_append (buf_t *b, const void *p, size_t n)
{
  gpg_error_t err;
  const uint8_t *src = p;
  size_t inside = SIZE_MAX;

  if (!n)
    return 0;
  /* Appending a part of B itself: growing would free the source. */
  if (b->data && src >= b->data && src < b->data + b->cap)
    inside = (size_t)(src - b->data);
  err = buf_reserve (b, n);
  if (err)
    return err;
  if (inside != SIZE_MAX)
    src = b->data + inside;
  memmove (b->data + b->len, src, n);
  b->len += n;
  return 0;
}

gpg_error_t
buf_printf (buf_t *b, const char *fmt, ...)
{
  va_list ap;
  int n;
  gpg_error_t err;

  va_start (ap, fmt);
  n = vsnprintf (NULL, 0, fmt, ap);
  va_end (ap);
  if (n < 0)
    return gpg_error (GPG_ERR_INTERNAL);
  /* Room for the NUL vsnprintf writes; it is not counted. */
  err = buf_reserve (b, (size_t)n + 1);
  if (err)
    return err;
  va_start (ap, fmt);
  vsnprintf ((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end (ap);
  b->len += (size_t)n;
  return 0;
}

gpg_error_t
buf_append_byte (buf_t *b, uint8_t c)
{
  return buf_append (b, &c, 1);
}

gpg_error_t
buf_append_be16 (buf_t *b, unsigned v)
{
  uint8_t t[2];

  put_be16 (t, v & 0xFFFF);
  return buf_append (b, t, 2);
}

gpg_error_t
buf_append_be32 (buf_t *b, uint32_t v)
{
  uint8_t t[4];

  put_be32 (t, v);
  return buf_append (b, t, 4);
}

gpg_error_t
buf_set (buf_t *b, const void *p, size_t n)
{
  gpg_error_t err;

  /* P may point into B: copy it first when it does. */
  if (n && b->data && (const uint8_t *)p >= b->data
      && (const uint8_t *)p < b->data + b->cap)
    {
      memmove (b->data, p, n);
      buf_truncate (b, n);
      return 0;
    }
  buf_clear (b);
  err = buf_append (b, p, n);
  return err;
}

void
buf_truncate (buf_t *b, size_t len)
{
  if (len >= b->len)
    return;
  wipememory (b->data + len, b->len - len);
  b->len = len;
}

void
buf_clear (buf_t *b)
{
  buf_truncate (b, 0);
}

void
buf_free (buf_t *b)
{
  bool secure = b->secure;

  buf_release (b->data, b->cap, b->secure);
  buf_init (b);
  b->secure = secure;
}

uint8_t *
buf_steal (buf_t *b, size_t *len)
{
  uint8_t *p;
  bool secure = b->secure;

  if (!b->data && buf_reserve (b, 1))
    return NULL;
  /* Wipe the unused tail so the caller gets no stale bytes. */
  wipememory (b->data + b->len, b->cap - b->len);
  p = b->data;
  if (len)
    *len = b->len;
  buf_init (b);
  b->secure = secure;
  return p;
}


void
bufr_init (bufr_t *r, const void *p, size_t len)
{
  r->p = p;
  r->len = p ? len : 0;
  r->off = 0;
}

size_t
bufr_left (const bufr_t *r)
{
  return r->off <= r->len ? r->len - r->off : 0;
}

gpg_error_t
bufr_bytes (bufr_t *r, size_t n, const uint8_t **p)
{
  if (bufr_left (r) < n)
    return gpg_error (GPG_ERR_TOO_SHORT);
  *p = r->p + r->off;
  r->off += n;
  return 0;
}

gpg_error_t
bufr_copy (bufr_t *r, void *dst, size_t n)
{
  const uint8_t *p;
  gpg_error_t err = bufr_bytes (r, n, &p);

  if (!err && n)
    memcpy (dst, p, n);
  return err;
}

gpg_error_t
bufr_skip (bufr_t *r, size_t n)
{
  const uint8_t *p;

  return bufr_bytes (r, n, &p);
}

/* Read WIDTH (1 to 4) bytes as a big-endian number into *V. */
static gpg_error_t
bufr_be (bufr_t *r, size_t width, uint32_t *v)
{
  const uint8_t *p;
  uint32_t x = 0;
  size_t i;
  gpg_error_t err = bufr_bytes (r, width, &p);

  if (err)
    return err;
  for (i = 0; i < width; i++)
    x = x << 8 | p[i];
  *v = x;
  return 0;
}

gpg_error_t
bufr_u8 (bufr_t *r, uint8_t *v)
{
  return bufr_copy (r, v, 1);
}

gpg_error_t
bufr_be16 (bufr_t *r, unsigned *v)
{
  uint32_t x;
  gpg_error_t err = bufr_be (r, 2, &x);

  if (!err)
    *v = x;
  return err;
}

gpg_error_t
bufr_be32 (bufr_t *r, uint32_t *v)
{
  return bufr_be (r, 4, v);
}
