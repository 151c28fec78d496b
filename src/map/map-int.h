/* map-int.h - internals shared by the src/map files (not for callers:
 * they use map.h and map-p15.h) */
#ifndef VSC_MAP_INT_H
#define VSC_MAP_INT_H

#include "map/map.h"
#include "map/map-x509.h"
#include "common/buffer.h"
#include "common/tlv.h"
#include "common/der.h"

/* ---- map.c ------------------------------------------------------------ */

/* A new unplanned entry for NODE (copied path), at the end of MAP. The
 * pointer is valid until the next map_add_entry. */
gpg_error_t map_add_entry (map_t *map, map_kind_t kind,
                           const image_node_t *node, map_entry_t **r_e);
gpg_error_t map_set_text (char **dst, const char *s);
/* Does the target's application APP take objects (of an object from
 * SRC_APP)? A token with OpenPGP or PIV is used through them; its file
 * system only when the user prefers pkcs15. */
bool map_target_has (const map_t *map, map_app_t app, map_app_t src_app);
/* Entry with source path PATH (case-insensitive), -1 if none. */
int map_find (const map_t *map, const char *path);

/* ---- map-source.c: what the source image holds ----------------------- */

gpg_error_t map_source_scan (map_t *map, const image_t *src);

/* ---- map-x509.c (the certificate parser is public: map-x509.h) ------ */

#endif /* VSC_MAP_INT_H */
