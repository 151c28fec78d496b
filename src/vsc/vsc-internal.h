/* vsc-internal.h - shared between the files of src/vsc only */
#ifndef VSC_VSC_INTERNAL_H
#define VSC_VSC_INTERNAL_H

#include "vsc.h"
#include "common/buffer.h"

/* ---- format constants (doc/vsc-format.md) ----------------------------- */

#define VSC_MAGIC          "\x89VSC\r\n\x1a\n"
#define VSC_MAGIC_LEN      8
#define VSC_FORMAT_VERSION 1
#define VSC_NONCE_LEN      12
#define VSC_TAG_LEN        16
#define VSC_MAC_LEN        32
#define VSC_UUID_LEN       16
#define VSC_MAX_KEYSLOTS   2
#define VSC_MAX_FILE       (256UL * 1024 * 1024)   /* refuse larger files */

/* Top-level tags (private class, constructed). */
#define VSC_TAG_FILE       0xE1
#define VSC_TAG_HEADER     0xE2
#define VSC_TAG_IDENTIFIER 0xE3
#define VSC_TAG_PUBLIC     0xE4
#define VSC_TAG_PRIVATE    0xE5
#define VSC_TAG_SECRET     0xE6
#define VSC_TAG_MAC        0xE7
#define VSC_TAG_NODE       0xF0

/* Ignorable extension tags: two-byte private-class primitive DF20..DF7F.
 * Every other unknown tag is critical and refused. */
#define VSC_TAG_IS_EXTENSION(t) ((t) >= 0xDF20 && (t) <= 0xDF7F)

/* Keyslot types. */
#define VSC_SLOT_PASSWORD  1
/* KDF algorithms. */
#define VSC_KDF_ARGON2ID   1

/* MAC labels (first byte of every HMAC input). */
#define VSC_MACLABEL_HEADER     0x01
#define VSC_MACLABEL_IDENTIFIER 0x02
#define VSC_MACLABEL_PUBLIC     0x03
#define VSC_MACLABEL_FILE       0x04

typedef struct vsc_keyslot {
  unsigned type;
  vsc_kdf_params_t kdf;
  uint8_t salt[VSC_SALT_LEN];
  uint8_t nonce[VSC_NONCE_LEN];
  uint8_t wrapped[VSC_KEY_LEN + VSC_TAG_LEN];
} vsc_keyslot_t;

/* Keys derived from the DEK, kept together in secure memory. */
typedef struct vsc_keys {
  uint8_t dek[VSC_KEY_LEN];
  uint8_t enc[VSC_KEY_LEN];   /* AES-256-GCM key of the encrypted areas */
  uint8_t mac[VSC_KEY_LEN];   /* HMAC-SHA256 key of the authenticators */
} vsc_keys_t;

struct vsc {
  char *path;
  char uuid_str[37];
  uint8_t uuid[VSC_UUID_LEN];
  unsigned version;
  uint64_t generation;        /* of the file as opened / last saved */
  uint64_t created, modified;
  bool on_disk;               /* path holds this VSC (opened or saved) */
  bool unlocked;
  unsigned n_slots;
  vsc_keyslot_t slots[VSC_MAX_KEYSLOTS];
  vsc_keys_t *keys;           /* secure memory; NULL when locked */
  image_t *image;
  size_t file_size;
  size_t area_size[VSC_AREA_COUNT];
};

/* ---- vsc.c ------------------------------------------------------------ */

/* Set the thread's error text: "AREA: MESSAGE". Returns ERR. */
gpg_error_t vsc_fail (gpg_error_t err, vsc_area_t area, const char *msg);
void vsc_clear_error (void);
/* A password keyslot wrapping vsc->keys->dek (fresh salt and nonce;
 * KDF parameters from OPTS or the defaults). */
gpg_error_t vsc_make_slot (vsc_t *vsc, const char *password,
                           const vsc_opts_t *opts, vsc_keyslot_t *slot);
void vsc_format_uuid (const uint8_t *uuid, char *out /* 37 */);

/* ---- vsc-crypto.c ----------------------------------------------------- */

gpg_error_t vsc_crypto_kdf (void *ctx, const char *password,
                            const vsc_kdf_params_t *params,
                            const uint8_t *salt, uint8_t *kek);
/* Fill the enc/mac keys from keys->dek. */
gpg_error_t vsc_crypto_derive (vsc_keys_t *keys);
gpg_error_t vsc_crypto_new_keys (vsc_keys_t **r_keys);   /* random DEK */
void vsc_crypto_free_keys (vsc_keys_t *keys);
void vsc_crypto_nonce (uint8_t *nonce, size_t n);
void vsc_crypto_random_strong (uint8_t *p, size_t n);
/* AES-256-GCM. OUT may equal IN. TAG is VSC_TAG_LEN bytes. */
gpg_error_t vsc_crypto_seal (const uint8_t *key, const uint8_t *nonce,
                             const uint8_t *ad, size_t adlen,
                             const uint8_t *in, size_t n, uint8_t *out,
                             uint8_t *tag);
/* Decrypt and check the full tag: GPG_ERR_CHECKSUM on mismatch, in
 * which case OUT has been wiped. */
gpg_error_t vsc_crypto_open (const uint8_t *key, const uint8_t *nonce,
                             const uint8_t *ad, size_t adlen,
                             const uint8_t *in, size_t n, uint8_t *out,
                             const uint8_t *tag);
/* HMAC-SHA256(KEY, LABEL || PARTS...). Parts are (ptr, len) pairs ended
 * by a NULL pointer. */
gpg_error_t vsc_crypto_mac (const uint8_t *key, uint8_t label,
                            uint8_t *mac, ...);

/* ---- vsc-file.c ------------------------------------------------------- */

/* Encode VSC with GENERATION into OUT. PUBLIC_ONLY leaves the private and
 * secret-key areas empty. Needs vsc->keys. */
gpg_error_t vsc_file_encode (vsc_t *vsc, uint64_t generation,
                             bool public_only, buf_t *out);
/* Parse DATA into a fresh VSC. PASSWORD NULL: structure only. INPLACE:
 * NULL, or DATA itself when the caller owns it and lets the private area
 * be decrypted in place (the caller wipes DATA afterwards). */
gpg_error_t vsc_file_parse (vsc_t *vsc, const uint8_t *data, size_t n,
                            uint8_t *inplace, const char *password,
                            const vsc_opts_t *opts);
/* Append the KDF TLV (A1) of slot S. */
gpg_error_t vsc_file_put_kdf (buf_t *b, const vsc_keyslot_t *s);
/* Associated data of a keyslot wrap: MAGIC || UUID || type || KDF TLV
 * (KDF_RAW as read, or encoded from S if KDF_RAW is NULL). */
gpg_error_t vsc_file_slot_ad (const vsc_t *vsc, const vsc_keyslot_t *s,
                              const uint8_t *kdf_raw, size_t kdf_raw_len,
                              buf_t *ad);
/* Quick structure-only look at the header: UUID and generation. */
gpg_error_t vsc_file_peek (const uint8_t *data, size_t n, uint8_t *uuid,
                           uint64_t *generation);

/* ---- vsc-store.c ------------------------------------------------------ */

/* Read a whole file (at most VSC_MAX_FILE bytes). */
gpg_error_t vsc_store_read (const char *path, uint8_t **r_data,
                            size_t *r_len);
/* Write DATA to PATH atomically. EXPECT_UUID NULL: PATH must not exist
 * (GPG_ERR_EEXIST). Otherwise PATH must hold a VSC with this UUID and
 * generation EXPECT_GEN (GPG_ERR_CONFLICT if not). */
gpg_error_t vsc_store_write (const char *path, const uint8_t *data,
                             size_t n, const uint8_t *expect_uuid,
                             uint64_t expect_gen);

#endif /* VSC_VSC_INTERNAL_H */
