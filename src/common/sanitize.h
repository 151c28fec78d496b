/* sanitize.h - text from outside, made safe to show on a terminal
 *
 * Labels, serial numbers, reader names, notes, key texts and file names
 * come from VSC files, cards and the server: anyone who can hand the
 * user one of those can put terminal escape sequences or line breaks in
 * them. Every place that shows such text passes it through here: the
 * CLI (sanitize_str for printf arguments, cli_msg/cli_error for whole
 * messages) and the manager (draw_text).
 *
 * Shown escaped: C0 controls and DEL (\xHH; \n, \r, \t, ESC included),
 * the C1 controls U+0080..U+009F (\u0080), the bidirectional overrides
 * and isolates U+202A..U+202E and U+2066..U+2069 (they reorder what is
 * shown), bytes that are not UTF-8 (\xHH), and the backslash itself
 * (\\), so that an escape in the output always means one in the data.
 * Everything else, UTF-8 included, is kept. */
#ifndef VSC_COMMON_SANITIZE_H
#define VSC_COMMON_SANITIZE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdbool.h>

/* Whether the code point C is one of those shown escaped. */
bool sanitize_unsafe (uint32_t c);

/* The first N bytes of P, escaped, into BUF (BUFSIZE > 4; cut with
 * "..." if it does not fit). Returns BUF. */
char *sanitize_mem (const void *p, size_t n, char *buf, size_t bufsize);

/* The same for a string (NULL gives ""). */
char *sanitize_text (const char *s, char *buf, size_t bufsize);

/* A copy of S, escaped, in one of 4 rotating per-thread buffers of 16
 * KiB (enough for any text a VSC may hold), for printf arguments: valid
 * until the fourth call after. */
const char *sanitize_str (const char *s);

/* Write S escaped to FP (no length limit). */
void sanitize_fputs (const char *s, FILE *fp);

#endif /* VSC_COMMON_SANITIZE_H */
