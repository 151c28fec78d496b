/* map.h - moving an identity between card models: the mapping step of a
 * restore
 *
 * A VSC taken from one card model (a PKCS#15 card, an OpenPGP card, a
 * PIV token) is restored onto another. Node-by-node copying cannot do
 * that: a PKCS#15 private key has no file on a PIV token, and an OpenPGP
 * card has no 9A slot. The mapping decides, for every object that makes
 * up the identity, where it goes on the target or why it cannot:
 *
 *   - private keys and certificates by purpose (PKCS#15 key usage,
 *     OpenPGP slot, PIV slot): authentication = PIV 9A = OpenPGP aut,
 *     signature (non-repudiation) = 9C = sig, decryption / key management
 *     = 9D = dec, card authentication = 9E; further key-management keys
 *     and certificates to the PIV retired slots 82..95;
 *   - PKCS#15 data objects and OpenPGP private-use DOs where the target
 *     has room (size limits as the target reports them);
 *   - cardholder name, URL and login onto OpenPGP from a certificate's
 *     subject or from the source's DOs, only when asked (opts.holder);
 *   - onto a blank ISO 7816 file system: a PKCS#15 structure (map-p15.c);
 *   - keys born on the old card cannot move: the entry says so and names
 *     the commands that make a new key on this target.
 *
 * The planner is pure: a source image and a description of the target
 * (map_target_t, filled from the target's image by map_target_from_image
 * or by hand in tests) give a list of entries. map_apply then turns the
 * source into an image shaped like the target (nodes at the target's
 * paths, e.g. piv/key-9A, piv/5FC105), which the ordinary restore plan
 * and the agents write. Nothing here talks to a card.
 *
 * Objects of an application the target also has stay where they are
 * (same slot) unless the user or opts.prefer moves them; everything else
 * of that application is restored node by node as usual. */
#ifndef VSC_MAP_H
#define VSC_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/errctx.h"
#include "image/image.h"

typedef enum map_app {
  MAP_APP_NONE = 0,       /* nowhere */
  MAP_APP_PKCS15,         /* PKCS#15 in an ISO 7816 file system */
  MAP_APP_OPENPGP,        /* OpenPGP card application */
  MAP_APP_PIV             /* PIV application */
} map_app_t;
#define MAP_APP_MAX MAP_APP_PIV

typedef enum map_kind {
  MAP_KIND_KEY = 1,       /* private key */
  MAP_KIND_CERT,          /* X.509 certificate */
  MAP_KIND_DATA,          /* PKCS#15 data object, OpenPGP private-use DO */
  MAP_KIND_HOLDER,        /* cardholder name, URL, login data */
  MAP_KIND_OTHER          /* another object of an application (PIV CHUID,
                             ...): only ever restored to the same app */
} map_kind_t;

typedef enum map_purpose {
  MAP_PURPOSE_NONE = 0,
  MAP_PURPOSE_AUTH,       /* authentication: PIV 9A, OpenPGP aut */
  MAP_PURPOSE_SIGN,       /* digital signature: PIV 9C, OpenPGP sig */
  MAP_PURPOSE_DECRYPT,    /* decryption, key management: 9D, dec */
  MAP_PURPOSE_CARDAUTH,   /* card authentication: PIV 9E */
  MAP_PURPOSE_RETIRED     /* an earlier key-management key: 82..95 */
} map_purpose_t;
#define MAP_PURPOSE_MAX MAP_PURPOSE_RETIRED

/* Key algorithms, as bits of a set. */
#define MAP_ALG_RSA1024   0x0001u
#define MAP_ALG_RSA2048   0x0002u
#define MAP_ALG_RSA3072   0x0004u
#define MAP_ALG_RSA4096   0x0008u
#define MAP_ALG_NISTP256  0x0010u
#define MAP_ALG_NISTP384  0x0020u
#define MAP_ALG_NISTP521  0x0040u
#define MAP_ALG_ED25519   0x0080u
#define MAP_ALG_CV25519   0x0100u
#define MAP_ALG_RSA       0x000Fu
#define MAP_ALG_ALL       0x01FFu

/* The bit for an algorithm name ("rsa2048", "nistp256", "eccp256",
 * "ed25519", "cv25519", "x25519", ...), 0 if unknown; and back (a
 * static name as agent-keys.c spells it, "unknown" for 0). */
unsigned map_alg_parse (const char *name);
const char *map_alg_name (unsigned alg);

/* Cardholder fields (slot ids of MAP_KIND_HOLDER on OpenPGP). */
#define MAP_HOLDER_NAME   0x5B
#define MAP_HOLDER_URL    0x5F50
#define MAP_HOLDER_LOGIN  0x5E

/* A place on the target.
 *   PIV:     keys and certificates: the key reference 9A, 9C, 9D, 9E,
 *            82..95.
 *   OpenPGP: keys and certificates: 1 sig, 2 dec, 3 aut; data: the DO
 *            tag 0101..0104; holder: 5B, 5F50, 5E.
 *   PKCS#15: keys and certificates: a map_purpose_t; data: 0.
 * Names ("piv:9a", "openpgp:sig", "openpgp:0101", "openpgp:name",
 * "pkcs15:auth", "pkcs15:data", "none") are what map files use. */
typedef struct map_slot {
  map_app_t app;
  unsigned id;
} map_slot_t;

#define MAP_SLOT_NAME_MAX 24
/* Name of SLOT for an object of KIND into BUF (MAP_SLOT_NAME_MAX). */
void map_slot_name (const map_slot_t *slot, map_kind_t kind, char *buf,
                    size_t size);
/* Parse a slot name for an object of KIND. GPG_ERR_INV_NAME if it is
 * not a name, GPG_ERR_INV_VALUE if it names a slot that cannot hold such
 * an object (a data object in piv:9a). */
gpg_error_t map_slot_parse (const char *s, map_kind_t kind,
                            map_slot_t *slot);

/* What the target can take. */
#define MAP_PIV_RETIRED_MAX 20
typedef struct map_target {
  bool openpgp;             /* has an OpenPGP application */
  bool piv;                 /* has a PIV application */
  bool pkcs15;              /* an ISO 7816 file system that takes a new
                               PKCS#15 structure (blank) */
  bool pkcs15_present;      /* it has a PKCS#15 application already */
  bool same_fs;             /* the source's file system can be copied
                               (emulator or same model) */
  char reader[128];         /* for the commands in reasons, "" unknown */
  /* Keys: can it import them at all, and which algorithms per slot. */
  bool openpgp_import;
  unsigned openpgp_algs[3]; /* sig, dec, aut */
  bool piv_import;
  unsigned piv_algs;        /* every slot */
  unsigned piv_retired;     /* retired slots it has (0..20, from 82 on) */
  bool pkcs15_import;
  unsigned pkcs15_algs;
  /* Sizes (0 = no such object on the target). */
  size_t openpgp_private_max;   /* private-use DOs 0101..0104 */
  size_t openpgp_cert_max;      /* 7F21 */
  size_t openpgp_name_max;      /* 5B (39 by the spec) */
  size_t openpgp_special_max;   /* URL 5F50, login 5E */
  size_t piv_cert_max;          /* certificate objects (content) */
  size_t pkcs15_file_max;       /* one EF */
} map_target_t;

/* A plain description: no application, nothing importable. */
void map_target_init (map_target_t *t);
/* Describe the target from its image as the agents read it: OpenPGP
 * extended capabilities C0, algorithm information FA or attributes
 * C1..C3; PIV: the YubiKey version note (key import, algorithms); an MF
 * with nothing in it (blank file system). EMULATOR says the card is our
 * emulator (it imports keys into a PKCS#15 structure). */
void map_target_from_image (const image_t *dst, bool emulator,
                            map_target_t *t);
/* A YubiKey-compatible PIV token into T: key import, RETIRED key slots
 * (< 0: not known, 20) and the algorithms ALGS ("rsa2048,eccp256,...";
 * NULL: not known, RSA 2048, P-256, P-384), of which T keeps those the
 * PIV agent imports. */
void map_target_piv_set (map_target_t *t, int retired, const char *algs);
/* The same from the PIV agent's typed state on the token's applet APP
 * (image_node_yubikey, image_node_piv_caps); false (T unchanged) if APP
 * is not YubiKey-compatible. */
bool map_target_piv_caps (const image_node_t *app, map_target_t *t);

typedef struct map_entry {
  map_kind_t kind;
  char *src;                /* path of the source node */
  char *label;              /* what it is ("Signing key", a PKCS#15
                               label, "cardholder name") */
  map_app_t src_app;        /* the application it comes from */
  map_slot_t src_slot;      /* its place there (for "stays"); app NONE
                               for PKCS#15 objects */
  map_purpose_t purpose;
  unsigned alg;             /* MAP_ALG_* of a key / certificate's key */
  char id[41];              /* PKCS#15 iD in hex ("" none): pairs keys,
                               certificates and public keys */
  bool escrowed;            /* key: its private part is in the VSC */
  bool born_on_card;        /* key: generated on the old card */
  bool private_data;        /* data: read needs a PIN on the source */
  size_t size;              /* certificate / data bytes */
  int key;                  /* certificate: entry of its key, -1 none */
  map_slot_t slot;          /* where it goes (app NONE = nowhere) */
  bool fixed;               /* chosen by the user */
  bool stays;               /* slot is its own place (same application) */
  char *reason;             /* translated, may be NULL */
  char *howto;              /* keys left behind: commands for the target */
  const image_node_t *node; /* the source node (in the source image) */
  const image_node_t *file; /* PKCS#15 keys: the key file the PrKDF
                               names (in the source image), or NULL */
  unsigned file_fid;        /* PKCS#15 keys: FID of that key file when
                               the PrKDF names one in the key's own DF,
                               even if the backup could not record the
                               file (an internal EF); 0 none */
  const uint8_t *data;      /* certificate (DER) / data bytes, pointing
                               into the source image; NULL otherwise */
  size_t data_len;
  uint8_t *value;           /* holder: the text to write; NULL otherwise */
  size_t value_len;
  unsigned key_ref;         /* PKCS#15 keys: keyReference, 0 none */
} map_entry_t;

typedef struct map_opts {
  bool holder;              /* put cardholder data onto OpenPGP */
  map_app_t prefer;         /* move everything to this application;
                               NONE = only what has no place otherwise */
} map_opts_t;

/* A user's choice for one source path (from a map file or the manager). */
typedef struct map_choice {
  char *src;
  char target[MAP_SLOT_NAME_MAX]; /* as written in the file */
  map_slot_t slot;          /* app NONE = do not write it */
  bool automatic;           /* "auto": let the planner decide */
  unsigned line;            /* in the map file, for messages */
} map_choice_t;

typedef struct map_choices {
  size_t n;
  map_choice_t *c;
  map_opts_t opts;          /* directives of the file */
  bool has_holder, has_prefer;  /* the file set them */
} map_choices_t;

typedef struct map {
  size_t n;
  map_entry_t *e;
  size_t cap;
  map_target_t target;
  map_opts_t opts;
  map_app_t src_apps[4];    /* applications found in the source */
  size_t n_src_apps;
} map_t;

/* Plan the mapping of SRC onto TARGET. CHOICES (may be NULL) are the
 * user's; a choice for a path that is not a mappable object is an error
 * (GPG_ERR_NOT_FOUND, errctx_text() names it). */
gpg_error_t map_plan (const image_t *src, const map_target_t *target,
                      const map_opts_t *opts, const map_choices_t *choices,
                      map_t **r_map);
void map_free (map_t *map);

/* Put entry I into SLOT (app NONE: leave it behind) as the user's choice
 * and plan the others again. On refusal (the slot does not fit the
 * object, the algorithm, or is taken by a user's choice) nothing changes,
 * GPG_ERR_INV_VALUE, and errctx_text() says why. */
gpg_error_t map_choose (map_t *map, const image_t *src, size_t i,
                        const map_slot_t *slot);

/* Entries that will be written / moved, and those left behind. */
size_t map_count_mapped (const map_t *map);

/* The slots an entry could go to on this target (for the manager's
 * choice list): up to MAX into SLOTS, *R_N the number. NONE is always
 * the last one. */
void map_candidates (const map_t *map, size_t i, map_slot_t *slots,
                     size_t max, size_t *r_n);

/* Build the image that a restore writes: the source's nodes that stay
 * in their application, plus every mapped object at its target path
 * (keys with their algorithm and creation time, certificates in the
 * target's container format, data, cardholder fields; a PKCS#15
 * structure for a blank file system). DST is the target's image (its
 * ATR and applications become the result's identity). */
gpg_error_t map_apply (const map_t *map, const image_t *src,
                       const image_t *dst, image_t **r_image);

/* Names: "key", "certificate", "data", "cardholder", "other";
 * "authentication", "signature", "decryption", "card authentication",
 * "retired"; "pkcs15", "openpgp", "piv". Stable, untranslated. */
const char *map_kind_name (map_kind_t k);
const char *map_purpose_name (map_purpose_t p);
const char *map_app_name (map_app_t a);
int map_app_parse (const char *s);      /* -1 unknown */
/* Translated purpose, for people. */
const char *map_purpose_label (map_purpose_t p);

/* map_plan, map_choose and the map file parser start with a clear error
 * context and leave the sentence of a failure there (common/errctx.h:
 * errctx_text ()). */

/* ---- map files (map-file.c) ------------------------------------------ */

/* Parse a map file's text. Syntax (doc/vsctool.1, MAP FILES):
 *   # comment
 *   prefer pkcs15|openpgp|piv|none
 *   holder yes|no
 *   SOURCE-PATH  SLOT|none|auto
 * GPG_ERR_INV_DATA with errctx_text() "LINE: message". */
gpg_error_t map_choices_parse (const char *text, size_t len,
                               map_choices_t **r_choices);
void map_choices_free (map_choices_t *choices);
/* The map as a map file (what --dry-run prints; comments say why). The
 * result is NUL-terminated; free with xfree. */
gpg_error_t map_format (const map_t *map, char **r_text);

#endif /* VSC_MAP_H */
