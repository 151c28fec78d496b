/* emu-appdata.h - the OPTIONS of an `applet NAME OPTIONS' profile line
 *
 * OPTIONS is a list of KEY=VALUE words.  A word without `=' continues the
 * value before it (so long hex values can be split over continuation
 * lines): for values starting with "hex:" the pieces are joined without
 * a separator, otherwise with one space.  See doc/card-profile.md
 * ("Applets: openpgp and piv"). */
#ifndef VSC_EMU_APPDATA_H
#define VSC_EMU_APPDATA_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"

/* Called for every option; return GPG_ERR_INV_VALUE (after logging) to
 * refuse it. */
typedef gpg_error_t (*emu_appdata_cb_t) (void *ctx, const char *key,
                                         const char *value);

gpg_error_t emu_appdata_parse (const char *options, emu_appdata_cb_t cb,
                               void *ctx);

/* A value as bytes: "hex:0102.." is hex, anything else is the text
 * itself. */
gpg_error_t emu_appdata_bytes (const char *value, buf_t *out);
/* Split VALUE at commas into at most MAX pieces (copied into secure
 * memory, caller frees each with xfree_secure).  Returns the count, or
 * -1 on allocation failure. */
int emu_appdata_split (const char *value, char **pieces, int max);
/* Hex decoding of one piece (no "hex:" prefix needed, but allowed). */
gpg_error_t emu_appdata_hex (const char *s, buf_t *out);
/* Unsigned number (decimal or 0x hex) up to MAX. */
bool emu_appdata_uint (const char *s, unsigned long max, unsigned long *v);
/* yes/no/true/false/1/0 */
bool emu_appdata_bool (const char *s, bool *v);
/* Log a refused option and return GPG_ERR_INV_VALUE. */
gpg_error_t emu_appdata_bad (const char *applet, const char *key,
                             const char *why);

/* Applet state (applet_ops_t save/load) is a sequence of records:
 * tag (1 byte), length (4 bytes, big-endian), value. */
gpg_error_t emu_appdata_rec_put (buf_t *out, uint8_t tag, const void *p,
                                 size_t n);
/* The next record of R; GPG_ERR_INV_VALUE if it runs past the end. */
gpg_error_t emu_appdata_rec_next (bufr_t *r, uint8_t *tag,
                                  const uint8_t **value, uint32_t *len);

#endif /* VSC_EMU_APPDATA_H */
