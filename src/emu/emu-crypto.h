/* emu-crypto.h - key pairs and the private-key operations of the emulated
 * card's applets (OpenPGP card, PIV), all through libgcrypt
 *
 * A key is an algorithm plus a libgcrypt private-key S-expression.  The
 * private part never leaves this module except through save() into the
 * card's own state file. */
#ifndef VSC_EMU_CRYPTO_H
#define VSC_EMU_CRYPTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"

typedef enum emu_key_type {
  EMU_KEY_NONE = 0,
  EMU_KEY_RSA,
  EMU_KEY_NISTP256,
  EMU_KEY_NISTP384,
  EMU_KEY_ED25519,
  EMU_KEY_CV25519
} emu_key_type_t;

typedef struct emu_key {
  emu_key_type_t type;
  unsigned bits;          /* RSA modulus bits; ECC field bits */
  void *sexp;             /* gcry_sexp_t private key, NULL = no key */
} emu_key_t;

/* Size in bytes of one coordinate / scalar of an ECC type (0 for RSA). */
size_t emu_crypto_ecc_size (emu_key_type_t type);
/* "RSA 2048", "nistp256", ... (static). */
const char *emu_crypto_name (const emu_key_t *key);

void emu_crypto_key_free (emu_key_t *key);
/* Replace DST by a copy of SRC. */
gpg_error_t emu_crypto_key_copy (emu_key_t *dst, const emu_key_t *src);

/* New key pair of TYPE (BITS only for RSA: 1024..4096). */
gpg_error_t emu_crypto_generate (emu_key_t *key, emu_key_type_t type,
                                 unsigned bits);
/* RSA from e, p, q (big-endian unsigned).  GPG_ERR_INV_VALUE if the
 * numbers do not form a key of the expected size (BITS, 0 = any). */
gpg_error_t emu_crypto_import_rsa (emu_key_t *key, unsigned bits,
                                   const uint8_t *e, size_t elen,
                                   const uint8_t *p, size_t plen,
                                   const uint8_t *q, size_t qlen);
/* ECC from the private scalar D (big-endian, as OpenPGP and PIV carry
 * it; for cv25519 the OpenPGP MPI form).  The public point is computed. */
gpg_error_t emu_crypto_import_ecc (emu_key_t *key, emu_key_type_t type,
                                   const uint8_t *d, size_t dlen);

/* Public parts.  RSA: modulus into A, exponent into B.  ECC: the point
 * into A (04||x||y for NIST curves, the 32 native bytes for 25519), B
 * untouched. */
gpg_error_t emu_crypto_public (const emu_key_t *key, buf_t *a, buf_t *b);

/* RSA private operation on a block of the modulus' size (PIV). */
gpg_error_t emu_crypto_rsa_raw (const emu_key_t *key, const uint8_t *in,
                                size_t n, buf_t *out);
/* RSA PKCS#1 v1.5 signature over a DigestInfo (OpenPGP CDS / INT AUTH). */
gpg_error_t emu_crypto_rsa_sign (const emu_key_t *key, const uint8_t *di,
                                 size_t n, buf_t *out);
/* RSA PKCS#1 v1.5 decryption; GPG_ERR_BAD_DATA if the padding is wrong. */
gpg_error_t emu_crypto_rsa_decrypt (const emu_key_t *key, const uint8_t *c,
                                    size_t n, buf_t *out);
/* ECDSA over a hash: r||s, each emu_crypto_ecc_size() bytes; with DER
 * set, an ECDSA-Sig-Value SEQUENCE { r, s } instead. */
gpg_error_t emu_crypto_ecdsa_sign (const emu_key_t *key, const uint8_t *h,
                                   size_t n, bool der, buf_t *out);
/* Ed25519 signature (R||S, 64 bytes) over MSG. */
gpg_error_t emu_crypto_eddsa_sign (const emu_key_t *key, const uint8_t *msg,
                                   size_t n, buf_t *out);
/* ECDH with the peer's public point: the shared secret (x coordinate;
 * 32 bytes for cv25519).  GPG_ERR_INV_VALUE for a bad point. */
gpg_error_t emu_crypto_ecdh (const emu_key_t *key, const uint8_t *pt,
                             size_t n, buf_t *out);

/* Serialise (type, bits, canonical S-expression) / restore. */
gpg_error_t emu_crypto_save (const emu_key_t *key, buf_t *out);
gpg_error_t emu_crypto_load (emu_key_t *key, const uint8_t *p, size_t n);

/* emu-crypto-der.c: key files of the file-system card. Load a key from
 * DER (PKCS #1 RSAPrivateKey, SEC 1 ECPrivateKey for P-256/P-384, or
 * either in PKCS #8 PrivateKeyInfo); GPG_ERR_INV_VALUE if it is none of
 * them or does not hold together. Save writes PKCS #1 / SEC 1. */
gpg_error_t emu_crypto_der_load (emu_key_t *key, const uint8_t *p, size_t n);
gpg_error_t emu_crypto_der_save (const emu_key_t *key, buf_t *out);
/* A key from a libgcrypt private-key S-expression (canonical or
 * advanced), as a VSC keeps escrowed keys. */
gpg_error_t emu_crypto_der_from_sexp (emu_key_t *key, const uint8_t *p,
                                      size_t n);
/* SHA-1 of P[0..N). */
gpg_error_t emu_crypto_der_sha1 (const uint8_t *p, size_t n, uint8_t out[20]);
void emu_crypto_random (uint8_t *p, size_t n);

#endif /* VSC_EMU_CRYPTO_H */
