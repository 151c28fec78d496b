/* map-fixtures.h - fixtures shared by the planner tests (map-fixtures.c) */
#ifndef VSC_TESTS_MAP_FIXTURES_H
#define VSC_TESTS_MAP_FIXTURES_H

#include <stdbool.h>
#include "common/util.h"
#include "common/buffer.h"
#include "image/image.h"
#include "map/map.h"

/* Keys made once per program (suite_init), in secure memory. */
extern buf_t key_rsa, key_p256, key_rsa_b;
/* The certificates of p15_source (free_certs frees them). */
extern buf_t certs[6];

int suite_init (void);
int suite_cleanup (void);

/* X.509 key usage bits for mkcert. */
#define KU_DS 0x01
#define KU_NR 0x02
#define KU_KE 0x04
/* A certificate good enough for the mapping (no valid signature). */
void mkcert (buf_t *b, const char *cn, const char *uid, int ku, bool ca,
             bool ec);

image_node_t *mknode (image_t *im, const char *path, image_type_t type,
                      const void *p, size_t n);
/* A key node: escrowed (content KEY) or born on the card (KEY NULL). */
image_node_t *mkkey (image_t *im, const char *path, const char *alg,
                     const buf_t *key);
void mkapp (image_t *im, const char *name);
image_node_t *mkpivcert (image_t *im, const char *path, const buf_t *cert);

void piv_target (map_target_t *t);
void pgp_target (map_target_t *t, bool private_dos);
void fs_target (map_target_t *t);

const map_entry_t *entry (const map_t *m, const char *path);
void check_slot (const map_t *m, const char *path, const char *want);
bool reason_has (const map_t *m, const char *path, const char *text);

/* Sources: a PKCS#15 card (keys 01..05, data; a CA certificate when
 * WITH_CA), an OpenPGP token, a PIV token. */
image_t *p15_source (bool with_ca);
void free_certs (void);
image_t *pgp_source (void);
image_t *piv_source (void);

#endif /* VSC_TESTS_MAP_FIXTURES_H */
