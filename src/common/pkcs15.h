/* pkcs15.h - walking the directory files of a PKCS #15 application
 *
 * The ODF (ISO/IEC 7816-15, 5031) lists the directory files as context
 * tagged choices A0..A8 (PrKDF, PuKDF, trusted PuKDF, secret KDF, CDF,
 * trusted CDF, useful CDF, DODF, AODF), each holding a Path; a directory
 * file holds one constructed object per key, certificate, data object or
 * PIN, with 00/FF padding between them.  The backup agent
 * (agent-pkcs15.c) and the identity map (map-source.c) read both through
 * these walkers.  Nothing here reads outside the given range. */
#ifndef VSC_PKCS15_H
#define VSC_PKCS15_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "error.h"
#include "tlv.h"

/* The longest path (in FIDs) a Path may name, MF included. */
#define PKCS15_PATH_FIDS_MAX 9

/* The path of the first "SEQUENCE { OCTET STRING path ... }" below
 * P[0..N) (searched depth first, four levels deep): an even number of
 * bytes, 2 to 2 * PKCS15_PATH_FIDS_MAX. */
bool pkcs15_find_path (const uint8_t *p, size_t n,
                       const uint8_t **r_path, size_t *r_len);

/* Call FN for every constructed object of the directory file content
 * P[0..N) in order; the first error FN returns ends the walk and is
 * returned.  A malformed tail ends the walk quietly. */
typedef gpg_error_t (*pkcs15_object_fn) (void *ctx, const tlv_t *obj);
gpg_error_t pkcs15_each_object (const uint8_t *p, size_t n,
                                pkcs15_object_fn fn, void *ctx);

/* Call FN for every directory file the ODF content P[0..N) lists with a
 * path, kind by kind in the order ORDER[0..N_ORDER) gives (ODF tags
 * A0..A8; kinds not in ORDER are passed over).  Errors as above. */
typedef gpg_error_t (*pkcs15_df_fn) (void *ctx, unsigned kind,
                                     const uint8_t *path, size_t len);
gpg_error_t pkcs15_each_df (const uint8_t *p, size_t n,
                            const unsigned *order, size_t n_order,
                            pkcs15_df_fn fn, void *ctx);

#endif /* VSC_PKCS15_H */
