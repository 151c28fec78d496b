/* keyutil.h - small libgcrypt helpers the agency and the emulator share:
 * key generation, the PIV management key's 3DES block operation and the
 * bytes of one value of a key or signature S-expression. */
#ifndef VSC_KEYUTIL_H
#define VSC_KEYUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <gcrypt.h>
#include "buffer.h"

/* A new key pair: RSA of RSA_BITS bits with e = 65537 when CURVE is
 * NULL, else an ECC key on CURVE as libgcrypt names it ("NIST P-256",
 * "NIST P-384"; "Ed25519" gives an EdDSA key, "Curve25519" an ECDH key
 * in the form OpenPGP uses, flags djb-tweak and comp). *R_SK gets the
 * "private-key" S-expression (it holds the public values too), NULL on
 * error. Key generation draws very strong randomness: the entropy
 * collector libgcrypt opens for it is released again. */
gpg_error_t keyutil_genkey (const char *curve, unsigned rsa_bits,
                            gcry_sexp_t *r_sk);

/* One 3DES-ECB block (SP 800-73-4 management key, 24-byte KEY24) from
 * IN8 to OUT8, in secure memory. A key libgcrypt calls weak (the PIV
 * factory key has K1 = K2 = K3) is used all the same: cards take it. */
gpg_error_t keyutil_3des (const uint8_t *key24, const uint8_t *in8,
                          uint8_t *out8, bool encrypt);

/* The data of token NAME in S, e.g. "n" of (rsa (n #00C1...#)), into OUT
 * (replacing it); with UNSIGNED_ the leading zero bytes of a number are
 * dropped (one byte is kept). GPG_ERR_INV_SEXP if NAME is missing. */
gpg_error_t keyutil_sexp_bytes (gcry_sexp_t s, const char *name,
                                bool unsigned_, buf_t *out);

#endif /* VSC_KEYUTIL_H */
