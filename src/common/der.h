/* der.h - ASN.1 DER on top of the BER-TLV codec (tlv.h): the object
 * identifiers of the key and certificate code, children of constructed
 * objects, INTEGER and BIT STRING values, the private-key containers
 * (PKCS #1 RSAPrivateKey, RFC 8017 A.1.2; SEC 1 ECPrivateKey, RFC 5915;
 * PKCS #8 PrivateKeyInfo, RFC 5208 / RFC 8410) and their writers.
 *
 * Lengths follow tlv.h: short and long form 81..84; the indefinite form
 * (80) and lengths beyond the input are refused. Nothing here reads
 * outside the given range. Key material stays where the caller keeps it:
 * parsed values point into the input. */
#ifndef VSC_DER_H
#define VSC_DER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <gcrypt.h>
#include "buffer.h"
#include "tlv.h"

/* Object identifiers (content octets of the 06 object). */
extern const uint8_t der_oid_rsa[9];      /* 1.2.840.113549.1.1.1 */
extern const uint8_t der_oid_ec[7];       /* 1.2.840.10045.2.1 */
extern const uint8_t der_oid_p256[8];     /* 1.2.840.10045.3.1.7 */
extern const uint8_t der_oid_p384[5];     /* 1.3.132.0.34 */
extern const uint8_t der_oid_p521[5];     /* 1.3.132.0.35 */
extern const uint8_t der_oid_ed25519[3];  /* 1.3.101.112 */
extern const uint8_t der_oid_x25519[3];   /* 1.3.101.110 */

/* The named curves of der_curve. */
typedef enum der_curve {
  DER_CURVE_NONE = 0,
  DER_CURVE_P256,
  DER_CURVE_P384,
  DER_CURVE_P521
} der_curve_t;

/* True if T is an OBJECT IDENTIFIER with content OID[0..N). */
bool der_oid_is (const tlv_t *t, const uint8_t *oid, size_t n);

/* The named curve of the OBJECT IDENTIFIER T (DER_CURVE_NONE if T is no
 * OID or another one). */
der_curve_t der_curve (const tlv_t *t);

/* The content octets of the OID of CURVE and their number; NULL for
 * DER_CURVE_NONE. */
const uint8_t *der_curve_oid (der_curve_t curve, size_t *r_len);

/* Child number IDX (0-based, any tag) of the constructed object OBJ. */
bool der_child (const tlv_t *obj, unsigned idx, tlv_t *out);

/* Child number IDX of SEQ if it is a non-empty INTEGER (value with its
 * sign byte, as encoded). */
bool der_int (const tlv_t *seq, unsigned idx, tlv_t *out);

/* Bit N (0 = the first named bit) of the BIT STRING BITS; false if BITS
 * is no BIT STRING or too short. */
bool der_bit (const tlv_t *bits, unsigned n);

/* Read P[0..N) as exactly one object with tag TAG whose contents are
 * well-formed TLVs down to MAXDEPTH levels. GPG_ERR_INV_OBJ for another
 * tag or bytes after the object, otherwise the errors of tlv_parse. */
gpg_error_t der_read (const uint8_t *p, size_t n, unsigned tag,
                      unsigned maxdepth, tlv_t *out);

/* A private key as a key file holds it. */
typedef enum der_key_kind {
  DER_KEY_NONE = 0,
  DER_KEY_RSA,          /* n, e, d, p, q */
  DER_KEY_EC,           /* priv = d, alg_curve / key_curve */
  DER_KEY_ED25519       /* priv = the 32-byte seed */
} der_key_kind_t;

typedef struct der_privkey {
  der_key_kind_t kind;
  bool pkcs8;           /* wrapped in PrivateKeyInfo */
  tlv_t n, e, d, p, q;  /* RSA INTEGERs, sign byte kept */
  tlv_t priv;           /* EC private scalar or Ed25519 seed */
  bool has_alg_curve;   /* PKCS #8 AlgorithmIdentifier has parameters */
  tlv_t alg_curve;      /* ... and these are they (any tag) */
  bool has_key_curve;   /* ECPrivateKey has [0] parameters */
  tlv_t key_curve;      /* ... holding this object */
} der_privkey_t;

/* Parse a DER private key: PKCS #8 PrivateKeyInfo (RSA, EC or Ed25519),
 * or a bare PKCS #1 RSAPrivateKey or SEC 1 ECPrivateKey (told apart by
 * their version, 0 or 1). Trailing bytes after the outer SEQUENCE are
 * ignored. The curve OIDs are not judged here (see der_curve).
 * Errors: GPG_ERR_INV_DATA for a malformed structure (also truncation,
 * the indefinite length, a wrong version, a missing INTEGER),
 * GPG_ERR_PUBKEY_ALGO for a PKCS #8 algorithm other than the three. */
gpg_error_t der_privkey_parse (const uint8_t *p, size_t n, der_privkey_t *k);

/* Append an INTEGER holding the unsigned big-endian V[0..N): leading zero
 * bytes dropped, a zero byte put in front of a set top bit; N == 0 (or
 * all zeros) is the INTEGER 0. */
gpg_error_t der_put_uint (buf_t *out, const uint8_t *v, size_t n);

/* Append a SEC 1 ECPrivateKey { 1, D, [0] CURVE's OID, [1] BIT STRING Q }
 * (Q the uncompressed public point). */
gpg_error_t der_put_ec_private (buf_t *out, der_curve_t curve,
                                const uint8_t *d, size_t dlen,
                                const uint8_t *q, size_t qlen);

/* Append a PKCS #1 RSAPrivateKey { 0, n, e, d, prime1, prime2, exponent1,
 * exponent2, coefficient } from a key in libgcrypt's form (P < Q,
 * U = P^-1 mod Q): prime1 is Q, prime2 is P, the coefficient is U and the
 * exponents are computed in secure memory. */
gpg_error_t der_put_rsa_private (buf_t *out, gcry_mpi_t n, gcry_mpi_t e,
                                 gcry_mpi_t d, gcry_mpi_t p, gcry_mpi_t q,
                                 gcry_mpi_t u);

#endif /* VSC_DER_H */
