/* map-int.h - internals shared by the src/map files (not for callers:
 * they use map.h and map-p15.h) */
#ifndef VSC_MAP_INT_H
#define VSC_MAP_INT_H

#include "map/map.h"
#include "common/buffer.h"
#include "common/tlv.h"

/* ---- map.c ------------------------------------------------------------ */

/* A new unplanned entry for NODE (copied path), at the end of MAP. The
 * pointer is valid until the next map_add_entry. */
gpg_error_t map_add_entry (map_t *map, map_kind_t kind,
                           const image_node_t *node, map_entry_t **r_e);
gpg_error_t map_set_text (char **dst, const char *s);
void map_set_error (const char *fmt, ...)
  __attribute__((format(printf, 1, 2)));
/* Does the target's application APP take objects (of an object from
 * SRC_APP)? A token with OpenPGP or PIV is used through them; its file
 * system only when the user prefers pkcs15. */
bool map_target_has (const map_t *map, map_app_t app, map_app_t src_app);
/* Entry with source path PATH (case-insensitive), -1 if none. */
int map_find (const map_t *map, const char *path);

/* ---- map-source.c: what the source image holds ----------------------- */

gpg_error_t map_source_scan (map_t *map, const image_t *src);

/* ---- map-x509.c: the parts of a certificate the mapping needs ------- */

#define MAP_KU_DIGITAL_SIGNATURE 0x0001u
#define MAP_KU_NON_REPUDIATION   0x0002u
#define MAP_KU_KEY_ENCIPHERMENT  0x0004u
#define MAP_KU_DATA_ENCIPHERMENT 0x0008u
#define MAP_KU_KEY_AGREEMENT     0x0010u
#define MAP_KU_KEY_CERT_SIGN     0x0020u

typedef struct map_x509 {
  unsigned alg;             /* MAP_ALG_* of the subject public key */
  const uint8_t *pub;       /* RSA modulus (no sign byte) or EC point */
  size_t pub_len;
  bool has_ku;
  unsigned ku;              /* MAP_KU_* */
  bool ca;                  /* basicConstraints cA */
  char cn[128];             /* subject attributes, "" if absent */
  char given[64];
  char surname[64];
  char uid[64];
  char email[128];          /* subject emailAddress or SAN rfc822Name */
  char uri[256];            /* SAN uniformResourceIdentifier */
  const uint8_t *subject;   /* the subject Name, DER */
  size_t subject_len;
} map_x509_t;

/* Parse the certificate P[0..N) (DER). The result points into P.
 * GPG_ERR_INV_OBJ if it is not an X.509 certificate. */
gpg_error_t map_x509_parse (const uint8_t *p, size_t n, map_x509_t *x);
/* The purpose key usage suggests, MAP_PURPOSE_NONE if it says nothing. */
map_purpose_t map_x509_purpose (const map_x509_t *x);
/* The certificate inside a PIV certificate object (70 of the 53 value;
 * compressed ones are refused with GPG_ERR_NOT_SUPPORTED). */
gpg_error_t map_x509_from_piv (const uint8_t *p, size_t n,
                               const uint8_t **r_cert, size_t *r_len);

/* DER helpers (also for map-p15.c). */
bool map_der_oid_is (const tlv_t *t, const uint8_t *oid, size_t n);
/* Bit N (0 = the first, most significant) of a BIT STRING value. */
bool map_der_bit (const tlv_t *bits, unsigned n);

#endif /* VSC_MAP_INT_H */
