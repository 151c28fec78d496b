/* agent-apps.h - shared parts of the application agents (OpenPGP, PIV)
 *
 * Private keys held off-card ("escrowed"): generated with libgcrypt
 * (gcry_pk_genkey), stored in a VSC's secret-key area as a canonical
 * libgcrypt S-expression, turned into the components a card's key import
 * wants, and OpenPGP v4 fingerprints of their public keys
 * (agent-keys.c). */
#ifndef VSC_AGENT_APPS_H
#define VSC_AGENT_APPS_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "image/image.h"
#include "image/plan.h"

typedef enum agent_keys_kind {
  AGENT_KEYS_RSA = 1,
  AGENT_KEYS_NIST,              /* ECDSA / ECDH on a NIST curve */
  AGENT_KEYS_ED25519,
  AGENT_KEYS_CV25519
} agent_keys_kind_t;

typedef struct agent_keys_algo {
  const char *name;             /* "rsa2048", "nistp256", "eccp256", ... */
  agent_keys_kind_t kind;
  unsigned bits;                /* RSA modulus / curve size in bits */
  const char *curve;            /* libgcrypt curve name, NULL for RSA */
  const uint8_t *oid;           /* curve OID (DER value), NULL for RSA */
  size_t oid_len;
} agent_keys_algo_t;

/* The algorithm called NAME (case-insensitive), NULL if unknown. */
const agent_keys_algo_t *agent_keys_algo (const char *name);

/* Generate a key pair of ALGO; OUT gets the private key as a canonical
 * S-expression (secure memory; OUT should be buf_init_secure'd). */
gpg_error_t agent_keys_generate (const agent_keys_algo_t *algo, buf_t *out);

/* A named key parameter of the stored key P[0..N) as unsigned big-endian
 * bytes, left-padded with zeros to PAD bytes if PAD > 0 ("n", "e", "p",
 * "q", "d" for RSA; "d", "q" for ECC, where "q" is taken verbatim: 04||X||Y
 * or 40||X). OUT should be secure for "d", "p", "q" of RSA. */
gpg_error_t agent_keys_param (const uint8_t *p, size_t n, const char *name,
                              size_t pad, buf_t *out);
/* The CRT parts of the RSA key KEY[0..N) as cards take them: P, Q,
 * dP = d mod (P-1), dQ = d mod, qInv = Q^-1 mod P, into PARTS
 * (initialised by the caller, secure memory). */
gpg_error_t agent_keys_rsa_crt (const uint8_t *key, size_t n,
                                buf_t parts[5]);

/* OpenPGP v4 fingerprint (SHA-1 over 99 || len || public key packet)
 * of the stored key in an OpenPGP slot (0 sig, 1 dec, 2 aut) created at
 * CREATED (Unix time). */
gpg_error_t agent_keys_openpgp_fpr (const agent_keys_algo_t *algo,
                                    const uint8_t *key, size_t keylen,
                                    int slot, uint32_t created,
                                    uint8_t fpr[20]);

/* OpenPGP card algorithm attributes (C1-C3 value) of ALGO in SLOT. */
gpg_error_t agent_keys_openpgp_attr (const agent_keys_algo_t *algo, int slot,
                                     uint8_t *attr, size_t *len);

#endif /* VSC_AGENT_APPS_H */
