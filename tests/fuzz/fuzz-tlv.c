/* fuzz-tlv.c - libFuzzer target: BER-TLV parsing on arbitrary input
 *
 * Runs tlv_validate, both iterator modes, tlv_find and tlv_find_path on
 * the input, and checks that every object parsed re-encodes with tlv_put
 * to something that parses back to the same tag and value. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "common/tlv.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
check_roundtrip (const tlv_t *t)
{
  buf_t b = BUF_INIT;
  tlv_t u;
  size_t used;

  if (tlv_put (&b, t->tag, t->value, t->len))
    abort ();
  if (tlv_parse (b.data, b.len, &u, &used))
    abort ();
  if (used != b.len || u.tag != t->tag || u.len != t->len
      || u.constructed != t->constructed || u.tag_class != t->tag_class
      || (t->len && memcmp (u.value, t->value, t->len)))
    abort ();
  if (b.len > t->raw_len)    /* we never encode longer than the input */
    abort ();
  buf_free (&b);
}

/* Walk everything recursively, with a depth bound. */
static void
walk (const uint8_t *p, size_t n, unsigned flags, unsigned depth)
{
  tlv_iter_t it;
  tlv_t t;
  gpg_error_t err;

  tlv_iter_init (&it, p, n, flags);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      if (t.value < p || t.value + t.len > p + n || t.raw != p + (it.off - t.raw_len))
        abort ();
      check_roundtrip (&t);
      if (t.constructed && depth < 8)
        walk (t.value, t.len, flags, depth + 1);
    }
  if (it.off > n)
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  tlv_t t;
  unsigned tag = 0, path[3];
  size_t i;
  gpg_error_t verr;
  uint64_t v;

  verr = tlv_validate (data, size, 16);
  walk (data, size, 0, 0);
  walk (data, size, TLV_SKIP_PADDING, 0);

  /* A valid input must also be fully walkable at top level. */
  if (!verr)
    {
      tlv_iter_t it;
      gpg_error_t err;
      tlv_iter_init (&it, data, size, 0);
      while (!(err = tlv_iter_next (&it, &t)))
        ;
      if (gpg_err_code (err) != GPG_ERR_EOF || it.off != size)
        abort ();
    }

  for (i = 0; i < size && i < 4; i++)
    tag = (tag << 8) | data[i];
  if (!tlv_find (data, size, tag, &t))
    {
      if (t.tag != tag)
        abort ();
      tlv_get_uint (&t, &v);
    }
  path[0] = size ? data[0] : 0x70;
  path[1] = size > 2 ? data[2] : 0x53;
  path[2] = size > 4 ? data[4] : 0x5F;
  if (!tlv_find_path (data, size, path, 3, &t) && t.tag != path[2])
    abort ();
  return 0;
}
