/* tlv.h - strict BER-TLV (ISO 7816-4 / ASN.1 BER subset) parse and build
 *
 * Tags are held as their encoded bytes, big-endian, in an unsigned int:
 * 0x5F2D, 0x7F21, 0x5FC102, up to 4 bytes. Lengths: short form and long
 * form 81..84 (up to 4 length bytes); the indefinite form (80) is refused.
 * Parsing never reads past the given range. */
#ifndef VSC_TLV_H
#define VSC_TLV_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "buffer.h"

typedef struct tlv {
  unsigned tag;           /* encoded tag bytes, e.g. 0x5F2D */
  bool constructed;       /* bit 6 of the first tag byte */
  unsigned tag_class;     /* 0 universal, 1 application, 2 context, 3 private */
  const uint8_t *value;   /* points into the parsed range */
  size_t len;             /* value length */
  const uint8_t *raw;     /* start of the tag */
  size_t raw_len;         /* tag + length + value */
} tlv_t;

/* Parse one TLV at P[0..N). On success *CONSUMED (if not NULL) is raw_len.
 * Errors: GPG_ERR_TOO_SHORT (truncated tag/length/value), GPG_ERR_INV_TAG
 * (tag longer than 4 bytes), GPG_ERR_INV_LENGTH (indefinite or > 4 length
 * bytes or length that does not fit size_t), GPG_ERR_EOF (N == 0). */
gpg_error_t tlv_parse(const uint8_t *p, size_t n, tlv_t *out, size_t *consumed);

/* Parse only the tag and length of the TLV at P[0..N): OUT is filled as
 * by tlv_parse (OUT->value and OUT->raw_len as if the value followed) and
 * *R_HDRLEN is the number of tag and length bytes, but the value need not
 * be present in P[0..N) (for readers that get a stream piece by piece).
 * The caller checks OUT->len against what it has. Errors as tlv_parse. */
gpg_error_t tlv_parse_header(const uint8_t *p, size_t n, tlv_t *out,
                             size_t *r_hdrlen);

/* Iterate over consecutive TLVs in a range (e.g. the value of a
 * constructed object). With TLV_SKIP_PADDING, 00 and FF bytes between
 * objects are skipped (ISO 7816-4 5.2.2). */
#define TLV_SKIP_PADDING 1u
typedef struct tlv_iter {
  const uint8_t *p;
  size_t n;
  size_t off;
  unsigned flags;
} tlv_iter_t;

void tlv_iter_init(tlv_iter_t *it, const uint8_t *p, size_t n, unsigned flags);
/* Returns 0 and fills OUT, GPG_ERR_EOF at the clean end, or a parse error. */
gpg_error_t tlv_iter_next(tlv_iter_t *it, tlv_t *out);

/* Find the first direct child with TAG in the range (not recursive).
 * GPG_ERR_NOT_FOUND if absent; parse errors are returned as such. */
gpg_error_t tlv_find(const uint8_t *p, size_t n, unsigned tag, tlv_t *out);

/* Follow a path of tags through constructed objects: tags[0] is searched
 * in the range, tags[1] in its value, and so on. */
gpg_error_t tlv_find_path(const uint8_t *p, size_t n,
                          const unsigned *tags, size_t ntags, tlv_t *out);

/* Check that [p, p+n) is a well-formed sequence of TLVs, recursing into
 * constructed ones (depth limited to MAXDEPTH). */
gpg_error_t tlv_validate(const uint8_t *p, size_t n, unsigned maxdepth);

/* Number of bytes a tag / a length takes when encoded. */
size_t tlv_tag_size(unsigned tag);
size_t tlv_len_size(size_t len);

/* Append tag+length+value. */
gpg_error_t tlv_put(buf_t *b, unsigned tag, const void *value, size_t len);
gpg_error_t tlv_put_header(buf_t *b, unsigned tag, size_t len);
gpg_error_t tlv_put_u8(buf_t *b, unsigned tag, uint8_t v);
gpg_error_t tlv_put_uint(buf_t *b, unsigned tag, uint64_t v); /* minimal big-endian */

/* Build a constructed object whose length is not known in advance:
 * tlv_begin remembers where the value starts; tlv_end writes the header
 * (moving the value if the length needs more than one byte). */
gpg_error_t tlv_begin(buf_t *b, unsigned tag, size_t *mark);
gpg_error_t tlv_end(buf_t *b, size_t mark);

/* Read a TLV value as an unsigned big-endian integer (at most 8 bytes). */
gpg_error_t tlv_get_uint(const tlv_t *t, uint64_t *v);

#endif /* VSC_TLV_H */
