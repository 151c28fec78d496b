/* scapi-keys.h - key escrow through the facade: generate a private key
 * off-card (libgcrypt) into an image's secret-key area, ready for
 * scapi_restore to import it into a token (OpenPGP card: PUT DATA odd
 * DB; PIV: YubiKey IMPORT KEY FE). */
#ifndef VSC_SCAPI_KEYS_H
#define VSC_SCAPI_KEYS_H

#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "image/image.h"
#include "common/buffer.h"
#include "agency/agent-apps.h"

typedef struct scapi_keygen_result {
  char path[32];             /* "openpgp/key-sig", "piv/key-9A" */
  char algorithm[16];
  char fingerprint[41];      /* OpenPGP v4 (upper hex), "" for PIV */
  char created[32];          /* ISO 8601 UTC */
  char public_hex[1100];     /* RSA modulus or EC point, upper hex */
} scapi_keygen_result_t;

/* Generate a key of ALGO for APP ("openpgp": SLOT sig|dec|aut, ALGO
 * rsa2048|rsa3072|rsa4096|nistp256|nistp384|ed25519 (sig, aut) or
 * cv25519 (dec); "piv": SLOT 9a|9c|9d|9e, ALGO rsa2048|eccp256|eccp384)
 * created at CREATED (Unix time; 0 = now) and store it as the key node
 * of that slot in IMAGE (secret-key area), replacing a non-extractable
 * node of an earlier backup. GPG_ERR_INV_ARG / GPG_ERR_PUBKEY_ALGO for a
 * bad slot / algorithm (the sentence in scapi_last_error_text ()). */
gpg_error_t scapi_keygen (image_t *image, const char *app, const char *slot,
                          const char *algo, uint32_t created,
                          scapi_keygen_result_t *res);

/* Escrow a key you have: FILE[0..N) is a private key in PEM or DER
 * (PKCS #8, PKCS #1 RSA, SEC 1 EC; not encrypted; RSA 2048/3072/4096,
 * NIST P-256/P-384, Ed25519), stored like scapi_keygen's for APP
 * "openpgp" / "piv" and SLOT, or for APP "pkcs15" as the key with iD
 * SLOT of the VSC's PKCS#15 structure (it must be there, and belong to
 * the certificate with that iD if there is one; the key node then names
 * its key file). Errors: the sentence in
 * scapi_last_error_text (). */
gpg_error_t scapi_keyimport (image_t *image, const char *app,
                             const char *slot, const uint8_t *file,
                             size_t n, uint32_t created,
                             scapi_keygen_result_t *res);

/* Internal (scapi-keys.c, scapi-keyfile.c). */
gpg_error_t scapi_keys_put (image_t *image, const char *app,
                            const char *slot,
                            const agent_keys_algo_t *al,
                            const buf_t *key, uint32_t created,
                            const char *note, scapi_keygen_result_t *res);
gpg_error_t scapi_keyfile_read (const uint8_t *p, size_t n, buf_t *out,
                                const char **r_algo,
                                const char **r_errtext);
gpg_error_t scapi_keyfile_pkcs15 (image_t *image, const char *id,
                                  const uint8_t *key, size_t keylen,
                                  const char *algo, char *path,
                                  size_t pathsize, char *errbuf,
                                  size_t errsize);

/* The same on an open VSC (opened with its password), saved atomically
 * (for the manager: escrow a key, then scapi_restore_plan/scapi_restore
 * with scapi_vsc_image writes it to a token). */
typedef struct scapi_vsc scapi_vsc_t;
gpg_error_t scapi_vsc_keygen (scapi_vsc_t *vsc, const char *app,
                              const char *slot, const char *algo,
                              uint32_t created, scapi_keygen_result_t *res);

/* A deep copy of SRC that keeps only the key nodes of the secret-key
 * area (and, with KEEP_PINS, the stored PINs "pins/RR"), with their
 * ancestors (applet roots) but without any other node: restoring it
 * writes only the escrowed keys ("vsctool restore --keys-only"). *R_COPY
 * gets NULL and GPG_ERR_NOT_FOUND if SRC holds no such key. */
gpg_error_t scapi_keys_only_image (const image_t *src, bool keep_pins,
                                   image_t **r_copy);

/* Is plan entry source node SRC one a keys-only restore writes (a
 * secret-key-area key, or a stored PIN when KEEP_PINS)? */
bool scapi_keys_only_node (const image_node_t *src, bool keep_pins);

#endif /* VSC_SCAPI_KEYS_H */
