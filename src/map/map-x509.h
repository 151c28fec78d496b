/* map-x509.h - the parts of an X.509 certificate the mapping needs
 * (map-x509.c); public, so the facade can check a certificate against
 * its key without the planner's internals */
#ifndef VSC_MAP_X509_H
#define VSC_MAP_X509_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "map/map.h"

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

#endif /* VSC_MAP_X509_H */
