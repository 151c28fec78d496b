/* buffer.h - growable byte buffers and bounds-checked readers */
#ifndef VSC_BUFFER_H
#define VSC_BUFFER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "error.h"

/* A growable byte buffer. Zero-initialise (or buf_init) before use.
 * A secure buffer lives in libgcrypt secure memory; every buffer is
 * wiped when it grows (old block) and when freed. */
typedef struct buf {
  uint8_t *data;
  size_t len;
  size_t cap;
  bool secure;
} buf_t;

#define BUF_INIT { NULL, 0, 0, false }

void buf_init(buf_t *b);
void buf_init_secure(buf_t *b);
gpg_error_t buf_reserve(buf_t *b, size_t extra);
/* Like buf_reserve, but grow to exactly len + EXTRA bytes (no rounding
 * up): for a buffer whose final size is known, e.g. a file being built. */
gpg_error_t buf_reserve_exact(buf_t *b, size_t extra);       /* room for len+extra */
gpg_error_t buf_append(buf_t *b, const void *p, size_t n);
gpg_error_t buf_append_byte(buf_t *b, uint8_t c);
gpg_error_t buf_append_be16(buf_t *b, unsigned v);
gpg_error_t buf_append_be32(buf_t *b, uint32_t v);
gpg_error_t buf_set(buf_t *b, const void *p, size_t n);  /* replace content */
/* Append the text printf makes of FMT and its arguments, whatever its
 * length, without a terminating NUL. No argument may point into B. */
gpg_error_t buf_printf(buf_t *b, const char *fmt, ...)
  __attribute__((format (printf, 2, 3)));
void buf_truncate(buf_t *b, size_t len);                 /* wipes the tail */
void buf_clear(buf_t *b);                                 /* len = 0, wiped */
void buf_free(buf_t *b);                                  /* wipe + free */
/* Hand over the data (caller frees with xfree/xfree_secure); b is reset. */
uint8_t *buf_steal(buf_t *b, size_t *len);

/* Bounds-checked reader over a const byte range. Every get fails with
 * GPG_ERR_TOO_SHORT and leaves the position unchanged if fewer bytes
 * remain than asked. */
typedef struct bufr {
  const uint8_t *p;
  size_t len;
  size_t off;
} bufr_t;

void bufr_init(bufr_t *r, const void *p, size_t len);
size_t bufr_left(const bufr_t *r);
gpg_error_t bufr_u8(bufr_t *r, uint8_t *v);
gpg_error_t bufr_be16(bufr_t *r, unsigned *v);
gpg_error_t bufr_be32(bufr_t *r, uint32_t *v);
gpg_error_t bufr_bytes(bufr_t *r, size_t n, const uint8_t **p); /* points into r */
gpg_error_t bufr_copy(bufr_t *r, void *dst, size_t n);
gpg_error_t bufr_skip(bufr_t *r, size_t n);

#endif /* VSC_BUFFER_H */
