/* map-p15.h - a new PKCS#15 structure (ISO/IEC 7816-15, PKCS #15 v1.1)
 * for a blank ISO 7816 file system, laid out the way OpenSC's
 * pkcs15-init lays out a card (its pkcs15.profile):
 *
 *   3F00/2F00        EF.DIR: one application template (61) with the
 *                    PKCS#15 AID, its label and the path 3F005015
 *   3F00/5015        the application DF, DF name A000000063504B43532D3135
 *     5031 ODF, 5032 TokenInfo, 4401 AODF, 4402 PrKDF, 4403 PuKDF,
 *     4404 CDF, 4405 DODF (the directory files that have objects)
 *     3001..  private keys: internal EFs (never readable), keyReference
 *             = the FID's low byte; the key is imported by writing its
 *             DER (PKCS#1 RSAPrivateKey or SEC1 ECPrivateKey) into the
 *             file, which the emulator turns into a key (doc/
 *             card-profile.md, "Keys in the file system")
 *     3301..  public keys (RSAPublicKey, or SubjectPublicKeyInfo for EC)
 *     3401..  certificates (DER)
 *     3201..  data objects; 3501.. private data objects (read after the
 *             PIN)
 *
 * Directory files, public keys and certificates are readable by anyone
 * and written after the user PIN; keys are used after the user PIN. The
 * AODF describes the card's PIN (reference 1 unless told otherwise).
 * Keys become IMAGE_NODE_KEY nodes with the FID of their file (the agent
 * that writes them imports the key); the other files are EFs with an FCP
 * (62 template: 82, 83, 80, 8C compact security attributes) for CREATE
 * FILE. */
#ifndef VSC_MAP_P15_H
#define VSC_MAP_P15_H

#include "common/buffer.h"
#include "map/map.h"

typedef struct map_p15_obj {
  map_kind_t kind;          /* KEY (with its certificate, if any), CERT
                               (a certificate alone), DATA */
  const char *label;
  uint8_t id[20];           /* PKCS#15 iD (keys, certificates) */
  size_t id_len;
  map_purpose_t purpose;
  unsigned alg;             /* MAP_ALG_* of the key */
  const uint8_t *key;       /* KEY: libgcrypt private key S-expression */
  size_t key_len;
  const char *created;      /* KEY: ISO 8601 time, may be NULL */
  const uint8_t *cert;      /* KEY: its certificate (may be NULL); CERT */
  size_t cert_len;
  const char *cert_label;
  bool authority;           /* CERT: a CA certificate */
  const uint8_t *data;      /* DATA */
  size_t data_len;
  const char *app_name;     /* DATA: applicationName, may be NULL */
  bool private_data;        /* DATA: read only after the PIN */
} map_p15_obj_t;

typedef struct map_p15_layout {
  const char *label;        /* TokenInfo label, EF.DIR label */
  const char *serial;       /* TokenInfo serial number (hex), may be NULL */
  uint8_t pin_ref;          /* the user PIN's reference (1) */
  const char *pin_label;    /* "User PIN" */
  size_t pin_min, pin_max;  /* 4, 8 */
  const map_p15_obj_t *objs;
  size_t n;
} map_p15_layout_t;

/* Add the structure to IMAGE (an MF is made if there is none; the
 * application DF must not exist yet: GPG_ERR_EEXIST). Key nodes get the
 * key as content (secret-key area), their algorithm and the FID of
 * their file. */
gpg_error_t map_p15_build (const map_p15_layout_t *l, image_t *image);

/* The public key of the private key P[0..N) (libgcrypt S-expression) as
 * a PKCS#15 public key file holds it: RSAPublicKey for RSA,
 * SubjectPublicKeyInfo for EC. */
gpg_error_t map_p15_pubkey (const uint8_t *p, size_t n, unsigned alg,
                            buf_t *out);

/* FCP (62 template) for CREATE FILE of an EF: FDB 01 (transparent) or
 * 09 (internal, a key), FID, size and compact access conditions (read:
 * 0 always / PIN reference; update after PIN_REF). */
gpg_error_t map_p15_fcp (uint8_t fdb, uint16_t fid, size_t size,
                         uint8_t read_ref, uint8_t pin_ref, buf_t *out);

#endif /* VSC_MAP_P15_H */
