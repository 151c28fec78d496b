/* vsc-internal.h - shared between the files of src/vsc only */
#ifndef VSC_VSC_INTERNAL_H
#define VSC_VSC_INTERNAL_H

#include "vsc.h"
#include "common/buffer.h"
#include "common/tlv.h"

/* ---- format constants (doc/vsc-format.md) ----------------------------- */

#define VSC_MAGIC          "\x89VSC\r\n\x1a\n"
#define VSC_MAGIC_LEN      8
#define VSC_FORMAT_VERSION 1
#define VSC_NONCE_LEN      12
#define VSC_TAG_LEN        16
#define VSC_MAC_LEN        32
#define VSC_UUID_LEN       16
#define VSC_MAX_KEYSLOTS   2
#define VSC_MAX_FILE       VSC_MAX_FILE_SIZE

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

/* Node fields in the extension range (a reader that does not know them
 * skips them): the typed state of image_state_t. */
#define VSC_TAG_PIN_SCOPE  0xDF20   /* text */
#define VSC_TAG_PIN_LABEL  0xDF21   /* text */
#define VSC_TAG_SCAN_NEXT  0xDF22   /* FID (2), phase (1), DF path text */
#define VSC_TAG_YUBIKEY    0xDF23   /* firmware version (3) */
#define VSC_TAG_PIV_CAPS   0xDF24   /* retired key slots (1), algorithm
                                       names text (comma-separated) */

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
/* The same for a failure that is about the file, not a part of it. */
gpg_error_t vsc_fail_plain (gpg_error_t err, const char *msg);
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

/* Streaming AES-256-GCM (one area, piece by piece). */
typedef struct vsc_gcm vsc_gcm_t;
gpg_error_t vsc_crypto_gcm_open (const uint8_t *key, const uint8_t *nonce,
                                 const uint8_t *ad, size_t adlen,
                                 vsc_gcm_t **r_gcm);
gpg_error_t vsc_crypto_gcm_encrypt (vsc_gcm_t *g, uint8_t *out,
                                    const uint8_t *in, size_t n);
gpg_error_t vsc_crypto_gcm_decrypt (vsc_gcm_t *g, uint8_t *out,
                                    const uint8_t *in, size_t n);
gpg_error_t vsc_crypto_gcm_tag (vsc_gcm_t *g, uint8_t *tag);
/* GPG_ERR_CHECKSUM if TAG (all VSC_TAG_LEN bytes) does not match. */
gpg_error_t vsc_crypto_gcm_check (vsc_gcm_t *g, const uint8_t *tag);
void vsc_crypto_gcm_close (vsc_gcm_t *g);

/* ---- vsc-node.c: node <-> TLV codec (no keys) ------------------------- */

/* TLV field helpers shared with vsc-header.c. get_str refuses NUL and
 * more than VSC_MAX_STRING bytes; get_uint takes 1..8 bytes up to MAX;
 * unknown refuses a tag unless it is an ignorable extension; seen_once
 * refuses a field number seen before. put_str/put_bytes write nothing
 * for NULL (and put_bytes for empty). */
gpg_error_t vsc_node_put_str (buf_t *b, unsigned tag, const char *s);
gpg_error_t vsc_node_put_bytes (buf_t *b, unsigned tag, const uint8_t *p,
                                size_t n);
gpg_error_t vsc_node_get_str (const tlv_t *t, char **r);
gpg_error_t vsc_node_get_uint (const tlv_t *t, uint64_t max, uint64_t *r);
gpg_error_t vsc_node_get_fixed (const tlv_t *t, uint8_t *dst, size_t n);
gpg_error_t vsc_node_unknown (const tlv_t *t);
gpg_error_t vsc_node_seen_once (uint64_t *seen, unsigned bit);

/* An area's plaintext described without copying large contents: META
 * holds every byte except the contents of the segments; the plaintext is
 * META and the segment contents interleaved. */
typedef struct vsc_node_seg {
  size_t meta_end;            /* META up to here comes first */
  const uint8_t *content;     /* then this */
  size_t content_len;
} vsc_node_seg_t;

typedef struct vsc_node_area {
  buf_t meta;
  vsc_node_seg_t *segs;
  size_t nsegs, cap;
  size_t total;               /* plaintext length */
  size_t nodes;
} vsc_node_area_t;

void vsc_node_area_init (vsc_node_area_t *a, bool secure);
void vsc_node_area_free (vsc_node_area_t *a);
/* Sort the nodes of IMAGE into AREAS[3] (indexed by image_area_t),
 * refusing (GPG_ERR_LIMIT_REACHED / GPG_ERR_INV_OBJ, errctx_text
 * naming the node) any node the decoder would refuse. PUBLIC_ONLY: only
 * the public nodes. */
gpg_error_t vsc_node_encode (const image_t *image, bool public_only,
                             vsc_node_area_t *areas);
/* Write the plaintext of A (A->total bytes) to DST through FN, which
 * copies or encrypts N bytes from SRC to DST. */
typedef gpg_error_t (*vsc_node_write_fn) (void *ctx, uint8_t *dst,
                                          const uint8_t *src, size_t n);
gpg_error_t vsc_node_area_emit (const vsc_node_area_t *a, uint8_t *dst,
                                vsc_node_write_fn fn, void *ctx);

/* Count the node TLVs of a plaintext area (no nodes are built). */
gpg_error_t vsc_node_count (const uint8_t *p, size_t n, size_t *r_count);
/* Decode the node list P[0..N) into IMAGE; every node must belong to
 * AREA. WHERE names the part of the file in messages. *COUNT is the
 * number of nodes decoded so far (all areas), for VSC_MAX_NODES; the
 * count is checked before any node is built. */
gpg_error_t vsc_node_decode_mem (image_t *image, const uint8_t *p, size_t n,
                                 image_area_t area, vsc_area_t where,
                                 size_t *count);
/* The same for N bytes that FN produces in order (FN fills DST with the
 * next LEN bytes): a decryption, so each content is decrypted straight
 * into its node. SECURE: the read-ahead buffer is in secure memory. */
typedef gpg_error_t (*vsc_node_read_fn) (void *ctx, uint8_t *dst,
                                         size_t len);
gpg_error_t vsc_node_decode_stream (image_t *image, size_t n,
                                    vsc_node_read_fn fn, void *ctx,
                                    bool secure, image_area_t area,
                                    vsc_area_t where, size_t *count);

/* ---- vsc-header.c: header (E2) and identifier area (E3) --------------- */

/* The raw KDF TLV of each keyslot as read (associated data of its wrap). */
typedef struct vsc_header_raw {
  const uint8_t *kdf_raw[VSC_MAX_KEYSLOTS];
  size_t kdf_raw_len[VSC_MAX_KEYSLOTS];
} vsc_header_raw_t;

/* Parse the header TLV H into VSC (version, UUID, generation, slots). */
gpg_error_t vsc_header_parse (const tlv_t *h, vsc_t *vsc,
                              vsc_header_raw_t *raw);
/* Append the header TLV (E2) of VSC with GENERATION. */
gpg_error_t vsc_header_encode (const vsc_t *vsc, uint64_t generation,
                               buf_t *b);
/* Append the KDF TLV (A1) of slot S. */
gpg_error_t vsc_header_put_kdf (buf_t *b, const vsc_keyslot_t *s);
/* Associated data of a keyslot wrap: MAGIC || UUID || type || KDF TLV
 * (KDF_RAW as read, or encoded from S if KDF_RAW is NULL). */
gpg_error_t vsc_header_slot_ad (const vsc_t *vsc, const vsc_keyslot_t *s,
                                const uint8_t *kdf_raw, size_t kdf_raw_len,
                                buf_t *ad);
/* The identifier area (E3): parse into VSC and IMAGE's card identity;
 * encode from them (refusing what the parser would refuse). */
gpg_error_t vsc_header_ident_parse (const tlv_t *t, vsc_t *vsc,
                                    image_t *image);
gpg_error_t vsc_header_ident_encode (const vsc_t *vsc, buf_t *b);

/* ---- vsc-file.c: the sealed file -------------------------------------- */

/* Encode VSC with GENERATION into a new buffer of exactly the file's
 * size (*R_DATA, xfree). PUBLIC_ONLY leaves the private and secret-key
 * areas empty. Needs vsc->keys. Refuses (before anything is written)
 * what vsc_file_parse would refuse, and files over VSC_MAX_FILE_SIZE. */
gpg_error_t vsc_file_encode (vsc_t *vsc, uint64_t generation,
                             bool public_only, uint8_t **r_data,
                             size_t *r_len);
/* Parse DATA into a fresh VSC. PASSWORD NULL: structure only. With the
 * password every byte is authenticated before the image is returned;
 * the encrypted areas are decrypted straight into their nodes. */
gpg_error_t vsc_file_parse (vsc_t *vsc, const uint8_t *data, size_t n,
                            const char *password, const vsc_opts_t *opts);
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
