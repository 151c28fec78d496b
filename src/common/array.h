/* array.h - arrays that grow by doubling */
#ifndef VSC_ARRAY_H
#define VSC_ARRAY_H

#include <stddef.h>
#include "error.h"
#include "util.h"

/* Room for element N of the array at *ARRAYP (the address of the array
 * pointer; its elements SIZE bytes, *CAP of them allocated): nothing
 * when N < *CAP, else the capacity doubles (from FIRST for an empty
 * array) until it is above N, and the array may move. On failure
 * (GPG_ERR_ENOMEM, also when the size would overflow) the array and *CAP
 * stay as they were. Not for secrets: the old block is not wiped
 * (buffer.h is). The new elements are not cleared. */
gpg_error_t array_grow (void *arrayp, size_t *cap, size_t n, size_t size,
                        size_t first);

/* array_grow for an array variable A of any element type. */
#define ARRAY_GROW(a, cap, n, first) \
  array_grow (&(a), &(cap), (n), sizeof *(a), (first))

/* Release each of the N elements of the array A with RELEASE (a
 * function taking a pointer to one element; it frees what the element
 * owns, not the element), free A, and set A to NULL and N to 0. A NULL
 * A with N 0 is fine. A and N are evaluated more than once: pass plain
 * lvalues. */
#define ARRAY_FREE(a, n, release)                                      \
  do                                                                    \
    {                                                                   \
      size_t array_free_i_;                                             \
      for (array_free_i_ = 0; array_free_i_ < (n); array_free_i_++)     \
        (release) (&(a)[array_free_i_]);                                \
      xfree (a);                                                        \
      (a) = NULL;                                                       \
      (n) = 0;                                                          \
    }                                                                   \
  while (0)

/* Free OWNER, a pointer to a struct whose member FIELD is an array of
 * COUNT elements: ARRAY_FREE the array with RELEASE, then free OWNER
 * itself. A NULL OWNER is fine. For the destructor of a list type,
 * whose body this is: OWNER is evaluated more than once, pass a plain
 * variable. */
#define ARRAY_FREE_OWNER(owner, field, count, release)                 \
  do                                                                    \
    {                                                                   \
      if (owner)                                                        \
        {                                                               \
          ARRAY_FREE ((owner)->field, (owner)->count, release);         \
          xfree (owner);                                                \
        }                                                               \
    }                                                                   \
  while (0)

#endif /* VSC_ARRAY_H */
