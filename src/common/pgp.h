/* pgp.h - the OpenPGP pieces both sides of a card need: the v4 public-key
 * fingerprint (RFC 4880 12.2, RFC 6637 for ECC) that the OpenPGP card
 * stores in C5 and the agency checks. */
#ifndef VSC_PGP_H
#define VSC_PGP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "buffer.h"

/* OpenPGP public-key algorithm ids. */
#define PGP_ALGO_RSA   1
#define PGP_ALGO_ECDH  18
#define PGP_ALGO_ECDSA 19
#define PGP_ALGO_EDDSA 22

/* Append an OpenPGP MPI: bit count (2 bytes) and the bytes of the
 * unsigned big-endian P[0..N) without leading zeros. */
gpg_error_t pgp_put_mpi (buf_t *b, const uint8_t *p, size_t n);

/* The 20-byte v4 fingerprint of a public key created at CREATED (seconds
 * since 1970). RSA (ALGO 1): A = n, B = e, OID unused. ECC (18, 19, 22):
 * OID[0..OIDLEN) the curve, A = the point (a 32-byte native 25519 point
 * gets OpenPGP's 40 prefix), B unused; ECDH also hashes the KDF
 * parameters, SHA-384/AES-256 if KDF384, else SHA-256/AES-128. */
gpg_error_t pgp_fingerprint (uint32_t created, uint8_t algo,
                             const uint8_t *oid, size_t oidlen,
                             const uint8_t *a, size_t alen,
                             const uint8_t *b, size_t blen, bool kdf384,
                             uint8_t fpr[20]);

#endif /* VSC_PGP_H */
