/* array.c - arrays that grow by doubling (see array.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdint.h>
#include <string.h>

#include "array.h"
#include "util.h"

gpg_error_t
array_grow (void *arrayp, size_t *cap, size_t n, size_t size, size_t first)
{
  void *old, *p;
  size_t ncap;

  if (n < *cap)
    return 0;
  if (!size || !first)
    return gpg_error (GPG_ERR_INV_ARG);
  ncap = *cap ? *cap : first;
  while (ncap <= n)
    {
      if (ncap > SIZE_MAX / 2)
        return gpg_error (GPG_ERR_ENOMEM);
      ncap *= 2;
    }
  if (ncap > SIZE_MAX / size)
    return gpg_error (GPG_ERR_ENOMEM);
  /* Through memcpy: ARRAYP points to a pointer of another type. */
  memcpy (&old, arrayp, sizeof old);
  p = xtryrealloc (old, ncap * size);
  if (!p)
    return gpg_error (GPG_ERR_ENOMEM);
  memcpy (arrayp, &p, sizeof p);
  *cap = ncap;
  return 0;
}

gpg_error_t
array_new (void *arrayp, size_t *cap, size_t n, size_t size, size_t first,
           void *r_elem)
{
  gpg_error_t err = array_grow (arrayp, cap, n, size, first);
  unsigned char *base, *e;

  if (err)
    return err;
  /* Through memcpy, as array_grow: the pointers are of other types. */
  memcpy (&base, arrayp, sizeof base);
  e = base + n * size;
  memset (e, 0, size);
  memcpy (r_elem, &e, sizeof e);
  return 0;
}
