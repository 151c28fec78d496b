/* array.h - arrays that grow by doubling */
#ifndef VSC_ARRAY_H
#define VSC_ARRAY_H

#include <stddef.h>
#include "error.h"

/* Room for element N of the array at *ARRAYP (the address of the array
 * pointer; its elements SIZE bytes, *CAP of them allocated): nothing
 * when N < *CAP, else the capacity doubles (from FIRST for an empty
 * array) until it is above N, and the array may move. On failure (GPG_ERR_ENOMEM, also when the size
 * would overflow) the array and *CAP stay as they were. Not for secrets:
 * the old block is not wiped (buffer.h is). The new elements are not
 * cleared. */
gpg_error_t array_grow (void *arrayp, size_t *cap, size_t n, size_t size,
                        size_t first);

/* array_grow for an array variable A of any element type. */
#define ARRAY_GROW(a, cap, n, first) \
  array_grow (&(a), &(cap), (n), sizeof *(a), (first))

#endif /* VSC_ARRAY_H */
