/* hex.h - hex encoding and dumps */
#ifndef VSC_HEX_H
#define VSC_HEX_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include "buffer.h"

/* Upper-case hex without separators, NUL-terminated;
 * OUT must hold 2*n+1 bytes. */
void hex_encode(const uint8_t *p, size_t n, char *out);
/* Append "3F00 5015"-style (SEP = ' ') or plain (SEP = 0) hex to a buffer. */
gpg_error_t hex_append(buf_t *b, const uint8_t *p, size_t n, char sep);
/* Decode hex, ignoring spaces and colons; GPG_ERR_INV_VALUE on bad input. */
gpg_error_t hex_decode(const char *s, buf_t *out);
/* Classic dump: offset, 16 hex bytes, ASCII column. */
void hex_dump(FILE *fp, const uint8_t *p, size_t n);
gpg_error_t hex_dump_buf(buf_t *out, const uint8_t *p, size_t n);

#endif /* VSC_HEX_H */
