/* pkcs15.c - walking the directory files of a PKCS #15 application */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include "pkcs15.h"

static bool
pkcs15_find_path_at (const uint8_t *p, size_t n, unsigned depth,
                     const uint8_t **r_path, size_t *r_len)
{
  tlv_iter_t it;
  tlv_t t, first;

  if (depth > 4)
    return false;
  tlv_iter_init (&it, p, n, 0);
  while (!tlv_iter_next (&it, &t))
    {
      if (!t.constructed)
        continue;
      if (t.tag == 0x30 && !tlv_parse (t.value, t.len, &first, NULL)
          && first.tag == 0x04 && first.len >= 2 && !(first.len & 1)
          && first.len <= 2 * PKCS15_PATH_FIDS_MAX)
        {
          *r_path = first.value;
          *r_len = first.len;
          return true;
        }
      if (pkcs15_find_path_at (t.value, t.len, depth + 1, r_path, r_len))
        return true;
    }
  return false;
}

bool
pkcs15_find_path (const uint8_t *p, size_t n, const uint8_t **r_path,
                  size_t *r_len)
{
  return pkcs15_find_path_at (p, n, 0, r_path, r_len);
}

gpg_error_t
pkcs15_each_object (const uint8_t *p, size_t n, pkcs15_object_fn fn,
                    void *ctx)
{
  gpg_error_t err = 0;
  tlv_iter_t it;
  tlv_t obj;

  tlv_iter_init (&it, p, n, TLV_SKIP_PADDING);
  while (!err && !tlv_iter_next (&it, &obj))
    if (obj.constructed)
      err = fn (ctx, &obj);
  return err;
}

gpg_error_t
pkcs15_each_df (const uint8_t *p, size_t n, const unsigned *order,
                size_t n_order, pkcs15_df_fn fn, void *ctx)
{
  gpg_error_t err = 0;
  tlv_iter_t it;
  tlv_t e;
  const uint8_t *path;
  size_t k, len;

  for (k = 0; !err && k < n_order; k++)
    {
      tlv_iter_init (&it, p, n, TLV_SKIP_PADDING);
      while (!err && !tlv_iter_next (&it, &e))
        if (e.tag == order[k] && pkcs15_find_path (e.raw, e.raw_len,
                                                   &path, &len))
          err = fn (ctx, e.tag, path, len);
    }
  return err;
}
