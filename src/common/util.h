/* util.h - small helpers shared by every part of vscman */
#ifndef VSC_UTIL_H
#define VSC_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "error.h"

#define DIM(a) (sizeof (a) / sizeof *(a))

/* Allocation that fails cleanly: return NULL (and set errno) on failure,
 * never abort. Callers turn NULL into gpg_error_from_syserror(). Sizes are
 * checked for multiplication overflow. */
void *xtrymalloc(size_t n);
void *xtrycalloc(size_t n, size_t m);
void *xtryrealloc(void *p, size_t n);
char *xtrystrdup(const char *s);
/* A copy of the first N bytes of S, NUL-terminated. */
char *xtrystrndup(const char *s, size_t n);
/* A copy of N bytes (N may be 0: a block of one byte). */
void *xtrymemdup(const void *p, size_t n);
void xfree(void *p);
/* Replace the bytes *DST (*DLEN of them, or NULL) by a copy of P[0..N)
 * (NULL when N is 0); the old ones are wiped and freed. On error *DST is
 * left as it was. xsecret_set below is the same in secure memory. */
gpg_error_t xbytes_set(uint8_t **dst, size_t *dlen, const void *p, size_t n);

/* Secure (libgcrypt secmem) allocation for keys, passwords and PINs.
 * xfree_secure wipes LEN bytes before freeing; NULL is fine. */
void *xtrymalloc_secure(size_t n);
char *xtrystrdup_secure(const char *s);
void xfree_secure(void *p);
/* Replace the secret *DST (*DLEN bytes, secure memory or NULL) by a copy
 * of P[0..N) in secure memory; the old one is wiped and freed. On error
 * *DST is left as it was. */
gpg_error_t xsecret_set(uint8_t **dst, size_t *dlen, const void *p, size_t n);

/* Write all N bytes of P to FD (again after EINTR and short writes). */
gpg_error_t util_write_all(int fd, const void *p, size_t n);
/* Read up to N bytes from FD into P, until N or end of file (again after
 * EINTR and short reads); *R_GOT the number read. */
gpg_error_t util_read_full(int fd, void *p, size_t n, size_t *r_got);

/* Wipe memory in a way the compiler will not drop. */
void wipememory(void *p, size_t n);

/* Constant-time comparison: 1 if equal, 0 otherwise. */
int ct_memequal(const void *a, const void *b, size_t n);

/* Initialise libgcrypt: version check (>= 1.10), 1 MiB secure memory pool,
 * secmem warnings off, initialisation finished. Safe to call twice. */
gpg_error_t util_init_gcrypt(void);

/* Program start: core dumps off (RLIMIT_CORE 0, PR_SET_DUMPABLE 0),
 * i18n bound, libgcrypt initialised. Returns 0 or an error to print. */
gpg_error_t util_program_init(void);

/* Big-endian helpers. */
static inline unsigned get_be16(const uint8_t *p) { return ((unsigned)p[0] << 8) | p[1]; }
static inline uint32_t get_be32(const uint8_t *p)
{ return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]; }
static inline void put_be16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void put_be32(uint8_t *p, uint32_t v)
{ p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }

/* ISO 8601 UTC text of T ("2023-11-14T22:15:00Z") into BUF (at least 21
 * bytes; the decimal number if it cannot be written) and back: false
 * unless S is exactly such a text of a time that fits 32 bits. The key
 * nodes' creation dates, the VSC and server times vsctool prints and the
 * mapping's notes are written with it. */
void util_time_text (uint64_t t, char *buf, size_t size);
bool util_time_parse (const char *s, uint32_t *t);

#endif /* VSC_UTIL_H */
