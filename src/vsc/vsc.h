/* vsc.h - VSC control (component 8): the virtual smart card file
 *
 * A VSC file holds a card image (src/image) in areas: identifier and
 * password (keyslots) in the header, a public area (plaintext, MAC'd), a
 * private and a secret-key area (AES-256-GCM). The format is specified in
 * doc/vsc-format.md; this is the API the rest of vscman uses.
 *
 * Opening without a password gives the identifier and public areas with
 * the image marked unverified (image->unverified); nothing can be saved.
 * Opening with the password authenticates every byte of the file before
 * any content is returned. Errors name the part of the file that failed:
 * see errctx_text. */
#ifndef VSC_VSC_H
#define VSC_VSC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/errctx.h"
#include "image/image.h"

typedef struct vsc vsc_t;

/* ---- limits --------------------------------------------------------------
 * One set of limits for the writer and the reader. vsc_save, vsc_encode
 * and vsc_export_public refuse an image over them before anything is
 * written (GPG_ERR_LIMIT_REACHED, errctx_text names the node), and a
 * file over them is refused when read (GPG_ERR_INV_OBJ / _TOO_LARGE), so
 * a VSC that was written can always be read back. doc/vsc-format.md
 * lists them; doc/security.md says why. */
#define VSC_MAX_FILE_SIZE  (256UL * 1024 * 1024)  /* bytes of a file */
#define VSC_MAX_NODES      262144UL      /* nodes, all areas together */
#define VSC_MAX_DEPTH      IMAGE_MAX_DEPTH   /* levels of nesting */
#define VSC_MAX_STRING     4096UL        /* label, serial, reader, agent,
                                            notes, key texts, parent path */
#define VSC_MAX_ATR        64UL          /* bytes */
#define VSC_MAX_AIDS       IMAGE_MAX_AIDS  /* AIDs in the identifier area */
#define VSC_MAX_AGENTS     64UL          /* agent names in it */

/* Argon2id parameters; m in KiB. Files asking for values outside the
 * bounds are refused (GPG_ERR_INV_PARAMETER) before any work is done. */
typedef struct vsc_kdf_params {
  unsigned long m_kib;
  unsigned long t;
  unsigned long p;
} vsc_kdf_params_t;

#define VSC_KDF_M_DEFAULT  (64UL * 1024)      /* 64 MiB */
#define VSC_KDF_T_DEFAULT  3UL
#define VSC_KDF_P_DEFAULT  4UL
#define VSC_KDF_M_MIN      (19UL * 1024)      /* 19 MiB */
#define VSC_KDF_M_MAX      (1024UL * 1024)    /* 1 GiB */
#define VSC_KDF_T_MIN      1UL
#define VSC_KDF_T_MAX      10UL
#define VSC_KDF_P_MIN      1UL
#define VSC_KDF_P_MAX      16UL
#define VSC_SALT_LEN       32
#define VSC_KEY_LEN        32

/* The key derivation function: password -> 32-byte KEK. The default is
 * Argon2id through libgcrypt (vsc_crypto_kdf). Tests and fuzzers may pass
 * their own (e.g. a cache of a derivation already done) through
 * vsc_opts_t; production code never does. */
typedef gpg_error_t (*vsc_kdf_fn) (void *ctx, const char *password,
                                   const vsc_kdf_params_t *params,
                                   const uint8_t *salt,
                                   uint8_t *kek /* VSC_KEY_LEN */);

typedef struct vsc_opts {
  const vsc_kdf_params_t *kdf;  /* create/passwd: NULL = defaults */
  vsc_kdf_fn kdf_fn;            /* NULL = Argon2id */
  void *kdf_ctx;
} vsc_opts_t;

/* The parts of a file, in file order (for messages and vsc_info). */
typedef enum vsc_area {
  VSC_AREA_HEADER = 0,      /* magic, version, UUID, generation, keyslots
                               (the "password" area) */
  VSC_AREA_IDENTIFIER,      /* card identity, times */
  VSC_AREA_PUBLIC,
  VSC_AREA_PRIVATE,
  VSC_AREA_SECRET_KEY,
  VSC_AREA_MAC,             /* authenticators */
  VSC_AREA_COUNT
} vsc_area_t;

typedef struct vsc_info {
  char uuid[37];            /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
  unsigned version;         /* format version */
  uint64_t generation;      /* of the file as opened / last saved */
  uint64_t created;         /* Unix time */
  uint64_t modified;
  vsc_kdf_params_t kdf;     /* of keyslot 0 */
  unsigned n_keyslots;
  bool unlocked;            /* opened with the password (verified) */
  bool on_disk;             /* saved at least once */
  size_t file_size;         /* bytes, 0 if never saved */
  size_t area_size[VSC_AREA_COUNT];   /* encoded TLV sizes */
  size_t nodes[3];          /* nodes per image_area_t (private and
                               secret-key are 0 when locked) */
  size_t content_bytes[3];
} vsc_info_t;

/* ---- create, open, close ---------------------------------------------- */

/* A new, empty VSC for PATH (nothing is written until vsc_save, which
 * refuses to replace an existing file). PASSWORD NULL: a strong password
 * is generated (vsc_password_generate) and returned in *R_PASSWORD
 * (secure memory, xfree_secure), else *R_PASSWORD is set to NULL.
 * R_PASSWORD may be NULL only if PASSWORD is given. OPTS may be NULL. */
gpg_error_t vsc_create (const char *path, const char *password,
                        const vsc_opts_t *opts, vsc_t **r_vsc,
                        char **r_password);

/* Open PATH. PASSWORD NULL: structure-only, identifier + public areas,
 * image unverified, read-only. Wrong password: GPG_ERR_BAD_PASSPHRASE
 * ("wrong password or damaged file"). Altered file: GPG_ERR_BAD_SIGNATURE
 * naming the area (errctx_text). Malformed: GPG_ERR_INV_OBJ,
 * GPG_ERR_TOO_SHORT, GPG_ERR_INV_LENGTH, GPG_ERR_UNKNOWN_VERSION,
 * GPG_ERR_UNKNOWN_CRIT_EXTN, GPG_ERR_INV_PARAMETER (KDF out of bounds),
 * GPG_ERR_INV_OBJ (area twice, bad order, trailing bytes). */
gpg_error_t vsc_open (const char *path, const char *password, vsc_t **r_vsc);
gpg_error_t vsc_open_ex (const char *path, const char *password,
                         const vsc_opts_t *opts, vsc_t **r_vsc);
/* The same from memory (tests, fuzzers, the server's vault). The VSC has
 * no path: vsc_save needs vsc_set_path first. */
gpg_error_t vsc_open_mem (const void *data, size_t n, const char *password,
                          const vsc_opts_t *opts, vsc_t **r_vsc);
void vsc_close (vsc_t *vsc);          /* wipes keys and content; NULL ok */

/* Check every byte of the file at PATH (PASSWORD NULL: structure only).
 * Returns the first failure; errctx_text names the area. R_INFO may be
 * NULL. */
gpg_error_t vsc_verify (const char *path, const char *password,
                        const vsc_opts_t *opts, vsc_info_t *r_info);

/* ---- content ------------------------------------------------------------ */

/* The image (owned by the VSC; change it freely, then vsc_save). */
image_t *vsc_image (vsc_t *vsc);
/* Replace the image by a copy of IMAGE. */
gpg_error_t vsc_set_image (vsc_t *vsc, const image_t *image);

void vsc_info (vsc_t *vsc, vsc_info_t *info);
bool vsc_unlocked (const vsc_t *vsc);
const char *vsc_uuid (const vsc_t *vsc);        /* formatted UUID */
const char *vsc_path (const vsc_t *vsc);        /* NULL for memory VSCs */
gpg_error_t vsc_set_path (vsc_t *vsc, const char *path);

/* ---- save ------------------------------------------------------------- */

/* Encode (generation + 1) and write atomically (temp file mode 0600,
 * fsync, rename, fsync directory). A VSC from vsc_create refuses an
 * existing file (GPG_ERR_EEXIST); an opened VSC refuses to replace a file
 * whose UUID or generation is not the one opened (GPG_ERR_CONFLICT).
 * Needs the password (GPG_ERR_NOT_SUPPORTED on a locked VSC).
 * Stale temp files of this VSC left by a crash are removed. */
gpg_error_t vsc_save (vsc_t *vsc);

/* Encode to memory without writing or changing the generation (tests,
 * benchmarks, the server). */
gpg_error_t vsc_encode (vsc_t *vsc, uint8_t **r_data, size_t *r_len);

/* New password: fresh DEK, salt and nonces; everything re-encrypted;
 * saved. NEW_PASSWORD NULL: generated, returned in *R_PASSWORD. OPTS may
 * give KDF parameters (NULL = defaults). */
gpg_error_t vsc_passwd (vsc_t *vsc, const char *new_password,
                        const vsc_opts_t *opts, char **r_password);

/* Write a VSC with the same header and keys but only the identifier and
 * public areas (private and secret-key areas empty) to OUT_PATH, which
 * must not exist. Needs the password. */
gpg_error_t vsc_export_public (vsc_t *vsc, const char *out_path);

/* ---- helpers ---------------------------------------------------------- */

/* A random password of 140 bits (GCRY_VERY_STRONG_RANDOM): 28 base32
 * characters in 7 groups of 4 joined by '-'. Secure memory. */
gpg_error_t vsc_password_generate (char **r_password);

/* Check KDF parameters against the bounds. */
gpg_error_t vsc_kdf_check (const vsc_kdf_params_t *params);

/* "header", "identifier", "public", "private", "secret-key", "mac". */
const char *vsc_area_name (vsc_area_t area);

/* A failing vsc_* call leaves a sentence about it in the thread's error
 * context (common/errctx.h: errctx_text (), "private area: authentication
 * failed - the file was altered or damaged"; untranslated parts are
 * translated inside) and the area that failed in errctx_get ()->area (-1
 * if none, or for a wrong password, which deliberately names no area). */

#endif /* VSC_VSC_H */
