/* image.h - the in-memory card image (component 10, "intermediate buffer")
 *
 * A card image is a tree of nodes: the master file and its DFs/EFs,
 * records of record-based EFs, applet roots (selected by AID, e.g. the
 * OpenPGP or PIV application) with their data objects, and key nodes for
 * private keys (which may or may not be extractable). Card -> image -> VSC
 * and VSC -> image -> card both go through it; diff works on two images.
 *
 * PATH SYNTAX
 *
 * A path is a list of components joined by '/', starting at a top-level
 * node (a child of the invisible image root); there is no leading '/'
 * (one is tolerated and ignored by image_find_path). Each node's component
 * is derived from its identifier:
 *
 *   MF, DF, EF with a FID       4 upper-case hex digits     "3F00", "5015"
 *   DF/EF without FID           its name                    "esign"
 *   applet root                 its name (lower-case word)  "openpgp", "piv"
 *                               or "aid-" + hex AID if it has no name
 *   data object                 its tag in upper-case hex   "5F50", "5FC102"
 *                               (even number of digits, 2..8)
 *   record                      '#' + decimal record number "#1"
 *   key                         its name                    "key-sig", "key-9A"
 *
 * Examples: "3F00/5015/4401", "3F00/2F00/#1", "openpgp/5F50", "openpgp/7F21",
 * "piv/5FC102", "piv/key-9A". Names must be 1..64 bytes of printable ASCII
 * without '/', '#' at the start, or white space, and not "." or "..". Components are compared
 * case-insensitively by image_find_path. Sibling components are unique
 * (image_add_child refuses a duplicate with GPG_ERR_EEXIST).
 *
 * OWNERSHIP
 *
 * The structs below are public for reading. Allocated members (content,
 * fcp, strings, ...) are changed only through the setters, which copy.
 * A node belongs to at most one parent; freeing the image frees all nodes.
 * Every content buffer is wiped when it is replaced or freed (private and
 * secret-key content included); image_wipe_private drops the content of
 * private and secret-key nodes early (e.g. when a kiosk session idles). */
#ifndef VSC_IMAGE_H
#define VSC_IMAGE_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"

typedef enum image_type {
  IMAGE_NODE_MF = 1,
  IMAGE_NODE_DF,
  IMAGE_NODE_EF_TRANSPARENT,
  IMAGE_NODE_EF_LINEAR_FIXED,
  IMAGE_NODE_EF_LINEAR_VARIABLE,
  IMAGE_NODE_EF_CYCLIC,
  IMAGE_NODE_RECORD,      /* child of a record-based EF */
  IMAGE_NODE_DO,          /* data object (GET/PUT DATA) */
  IMAGE_NODE_APPLET,      /* application root selected by AID */
  IMAGE_NODE_KEY          /* private key (metadata; content if escrowed) */
} image_type_t;
#define IMAGE_NODE_TYPE_MAX IMAGE_NODE_KEY

/* Where the node came from (recorded by the agent that found it). */
typedef enum image_source {
  IMAGE_SRC_UNKNOWN = 0,
  IMAGE_SRC_EF_DIR,       /* listed in EF.DIR (2F00) */
  IMAGE_SRC_PKCS15,       /* path found in PKCS#15 ODF/DFs */
  IMAGE_SRC_KNOWN_FID,    /* well-known FID / spec-defined object */
  IMAGE_SRC_FID_SCAN,     /* found by the bounded FID scan */
  IMAGE_SRC_DO_LIST,      /* listed DO (spec table, discovery object) */
  IMAGE_SRC_USER,         /* added by the user (vsctool put, UI) */
  IMAGE_SRC_AID           /* application selected by its AID */
} image_source_t;
#define IMAGE_SRC_MAX IMAGE_SRC_AID

/* Which VSC area holds the node's content. Ordered: a node is stored in
 * the strictest area of itself and its ancestors. */
typedef enum image_area {
  IMAGE_AREA_PUBLIC = 0,
  IMAGE_AREA_PRIVATE = 1,
  IMAGE_AREA_SECRET_KEY = 2
} image_area_t;
#define IMAGE_AREA_MAX IMAGE_AREA_SECRET_KEY

/* Node flags. */
#define IMAGE_FLAG_NOT_EXTRACTABLE 0x0001u  /* key generated on card */
#define IMAGE_FLAG_TRUNCATED       0x0002u  /* content shorter than size */
#define IMAGE_FLAG_UNREADABLE      0x0004u  /* read refused: see sw */
#define IMAGE_FLAG_DEACTIVATED     0x0008u  /* SELECT said 6283 */
#define IMAGE_FLAG_ALL             0x000Fu

/* Access condition summary for one operation. */
typedef enum image_ac {
  IMAGE_AC_UNKNOWN = 0,   /* not known (no security attributes read) */
  IMAGE_AC_ALWAYS,        /* no condition */
  IMAGE_AC_PIN,           /* after verification of PIN/key reference REF */
  IMAGE_AC_NEVER,         /* never allowed */
  IMAGE_AC_OTHER          /* something else (SM, combination): see raw */
} image_ac_t;
#define IMAGE_AC_MAX IMAGE_AC_OTHER

typedef struct image_access {
  image_ac_t read;
  uint8_t read_ref;       /* PIN / key reference for IMAGE_AC_PIN */
  image_ac_t write;       /* update / PUT DATA */
  uint8_t write_ref;
  uint8_t *raw;           /* raw security attributes as read, may be NULL */
  size_t raw_len;
} image_access_t;

/* Metadata of a key (always present for key nodes; for non-extractable
 * keys this is all the image has). Strings may be NULL. */
typedef struct image_keyinfo {
  char *algorithm;        /* "rsa2048", "nistp256", "ed25519", ... */
  char *fingerprint;      /* upper-case hex (OpenPGP v4: 40 digits) */
  char *created;          /* ISO 8601 UTC "2024-05-01T12:00:00Z" */
  char *usage;            /* "sign", "decrypt", "auth", "9A", ... */
  uint8_t *pubkey;        /* public key as the card returned it (7F49...) */
  size_t pubkey_len;
} image_keyinfo_t;

/* Machine state that agents, the planner and the facade pass to each
 * other through the image (image-state.c). It is typed; the node's note
 * is human text only. Read and change it through the accessors. */
typedef struct image_state {
  char *pin_scope;        /* pins/RR: path of the application or DF the
                             PIN belongs to ("openpgp", "3F00/5015") */
  char *pin_label;        /* pins/RR: the PIN's name on the card */
  char *scan_df;          /* MF: DF path where a bounded FID scan stopped;
                             NULL: no scan pending */
  uint16_t scan_fid;      /* the next FID to try in scan_df */
  uint8_t scan_phase;     /* the scan's phase there, 0 if not recorded */
  bool yubikey;           /* PIV applet: answered YubiKey GET VERSION */
  uint8_t yubikey_version[3];
  bool piv_caps;          /* PIV applet: what the token has (below) */
  uint8_t piv_retired;    /* its retired key slots (82 on), 0..20 */
  char *piv_algs;         /* the algorithms it takes, comma-separated
                             PIV names ("rsa2048,eccp256,ed25519") */
} image_state_t;

typedef struct image_node image_node_t;
struct image_node {
  image_type_t type;
  /* Identifier: which members are meaningful depends on the type. */
  bool has_fid;
  uint16_t fid;           /* MF/DF/EF */
  uint8_t *aid;           /* DF/applet AID, may be NULL */
  size_t aid_len;
  unsigned tag;           /* DO tag, encoded bytes as in tlv.h */
  unsigned recno;         /* record number, 1..254 */
  char *name;             /* applet/key name, name of a DF/EF without FID,
                             or NULL */
  /* File control information as read, verbatim (62/6F template incl.
   * security attributes 86, 8B, 8C, AB, A1), may be NULL. */
  uint8_t *fcp;
  size_t fcp_len;
  size_t size;            /* declared size (FCP 80/81) or content length */
  unsigned record_count;  /* record-based EF */
  unsigned record_len;    /* fixed record length, 0 if variable/unknown */
  image_access_t access;
  /* Content as read. has_content distinguishes "empty" from "absent". */
  bool has_content;
  uint8_t *content;
  size_t content_len;
  image_source_t source;
  image_area_t area;
  unsigned flags;         /* IMAGE_FLAG_* */
  unsigned sw;            /* status word for IMAGE_FLAG_UNREADABLE */
  char *note;             /* free text, e.g. "regenerate or re-import" */
  char *agent;            /* agent that contributed the node, may be NULL */
  image_keyinfo_t key;    /* key nodes */
  image_state_t state;    /* typed machine state (accessors below) */
  /* Tree links: read-only. */
  image_node_t *parent;
  image_node_t *first_child;
  image_node_t *last_child;
  image_node_t *next;
  image_node_t *prev;
  size_t n_children;
  /* Private to image.c: the hash index of the children (built once a
   * node has many, so that adding and finding a child costs O(1) and a
   * tree of n nodes is built in O(n)) and this node's hash in its
   * parent's index. */
  struct image_index *index;
  uint32_t hval;
};

/* The card identity (what the VSC's identifier area records). */
typedef struct image_card {
  uint8_t *atr;
  size_t atr_len;
  char *serial;           /* printable serial number, may be NULL */
  char *label;            /* token label / user's name for it, may be NULL */
  char *reader;           /* reader the card was read from, may be NULL */
  size_t n_aids;
  uint8_t **aids;         /* AIDs seen on the card */
  size_t *aid_lens;
  size_t n_agents;
  char **agents;          /* agents that matched, in order */
} image_card_t;

typedef struct image {
  image_node_t root;      /* invisible root; its children are top-level */
  image_card_t card;
  bool unverified;        /* loaded without checking authenticity */
} image_t;

/* ---- image ------------------------------------------------------------ */

gpg_error_t image_new (image_t **r_image);
void image_free (image_t *image);          /* NULL is fine; wipes content */
gpg_error_t image_copy (const image_t *src, image_t **r_copy);  /* deep */

/* Card identity setters (copy). Passing NULL clears. */
gpg_error_t image_set_atr (image_t *image, const uint8_t *atr, size_t n);
gpg_error_t image_set_serial (image_t *image, const char *serial);
gpg_error_t image_set_label (image_t *image, const char *label);
gpg_error_t image_set_reader (image_t *image, const char *reader);
/* At most IMAGE_MAX_AIDS AIDs (GPG_ERR_LIMIT_REACHED beyond): the VSC
 * format's limit (vsc.h), so that a card listing more cannot make a
 * backup that cannot be saved. */
#define IMAGE_MAX_AIDS 256
gpg_error_t image_add_aid (image_t *image, const uint8_t *aid, size_t n);
gpg_error_t image_add_agent (image_t *image, const char *agent);

/* Drop (wipe + free) the content of every private and secret-key node. */
void image_wipe_private (image_t *image);

/* Number of nodes (root excluded) and total content bytes. */
size_t image_count_nodes (const image_t *image, size_t *r_content_bytes);

/* Replace the string *DST (xfree'd) by a copy of S (NULL: none). For
 * every owned string of the image and of those who build on it (plan,
 * map). */
gpg_error_t image_setstr (char **dst, const char *s);

/* ---- nodes ------------------------------------------------------------ */

/* A new detached node. Free it with image_node_free unless it was
 * added to a tree. */
gpg_error_t image_node_new (image_type_t type, image_node_t **r_node);
void image_node_free (image_node_t *node);   /* node + subtree; detaches */

/* Identifier setters. */
void image_node_set_fid (image_node_t *node, uint16_t fid);
void image_node_set_tag (image_node_t *node, unsigned tag);
void image_node_set_recno (image_node_t *node, unsigned recno);
gpg_error_t image_node_set_aid (image_node_t *node, const uint8_t *aid,
                                size_t n);
/* GPG_ERR_INV_NAME if the name breaks the path syntax (also "." and
 * "..", which are never plain components). */
gpg_error_t image_node_set_name (image_node_t *node, const char *name);

/* Content, FCP, access, strings: copied; NULL/0 clears. set_content with
 * P == NULL and N == 0 clears; use image_node_set_empty for "read, and it
 * was empty". size is updated to N if it was smaller. */
gpg_error_t image_node_set_content (image_node_t *node, const void *p,
                                    size_t n);
gpg_error_t image_node_set_empty (image_node_t *node);
/* Like set_content, but take P (from xtrymalloc, N bytes) instead of
 * copying it: the node owns, wipes and frees it from now on. P NULL with
 * N 0 means "read, and empty". */
void image_node_take_content (image_node_t *node, uint8_t *p, size_t n);
void image_node_clear_content (image_node_t *node);      /* wipes */
gpg_error_t image_node_set_fcp (image_node_t *node, const uint8_t *fcp,
                                size_t n);
const uint8_t *image_node_get_fcp (const image_node_t *node, size_t *r_len);
gpg_error_t image_node_set_access_raw (image_node_t *node, const uint8_t *p,
                                       size_t n);
gpg_error_t image_node_set_note (image_node_t *node, const char *note);
gpg_error_t image_node_set_agent (image_node_t *node, const char *agent);
gpg_error_t image_node_set_keyinfo (image_node_t *node,
                                    const image_keyinfo_t *ki);  /* copies */
/* Free what KI holds (the public key wiped) and clear it. */
void image_keyinfo_release (image_keyinfo_t *ki);
void image_node_set_unreadable (image_node_t *node, unsigned sw);

/* The node's path component into BUF (at least IMAGE_COMPONENT_MAX). */
#define IMAGE_COMPONENT_MAX 72
void image_node_component (const image_node_t *node, char *buf,
                           size_t bufsize);
/* Full path from the top ("3F00/5015/4401"); free with xfree. */
char *image_node_path (const image_node_t *node);
/* Depth below the image root (top-level nodes are 1). */
unsigned image_node_depth (const image_node_t *node);
/* Strictest area of the node and its ancestors. */
image_area_t image_node_effective_area (const image_node_t *node);
bool image_node_is_ef (const image_node_t *node);
bool image_node_is_container (const image_node_t *node); /* may have kids */

/* Nodes below the image root, at most (a top-level node has depth 1).
 * Real cards nest a few levels; the limit keeps every recursion over a
 * tree shallow and is shared with the VSC file format (vsc.h). */
#define IMAGE_MAX_DEPTH 32

/* Append CHILD to PARENT (use &image->root for top level). GPG_ERR_EEXIST
 * if a sibling has the same component, GPG_ERR_INV_STATE if CHILD already
 * has a parent, GPG_ERR_INV_NAME if its component is empty or not a
 * plain name, GPG_ERR_LIMIT_REACHED if the tree would get deeper than
 * IMAGE_MAX_DEPTH. On success the tree owns CHILD. Cost: O(1) (a hash
 * index of the children; the identifier setters keep it up to date, so
 * change fid/tag/recno/aid/name of a node in a tree only through them). */
gpg_error_t image_add_child (image_node_t *parent, image_node_t *child);
/* Detach NODE (and subtree) from its parent; caller owns it afterwards. */
void image_node_detach (image_node_t *node);
/* Detach and free. */
void image_node_remove (image_node_t *node);

/* Look up a path; NULL if absent. */
image_node_t *image_find_path (const image_t *image, const char *path);
image_node_t *image_find_child (const image_node_t *parent,
                                const char *component);

/* Create the nodes of PATH that do not exist yet, inferring intermediate
 * types from the syntax (3F00 -> MF, 4 hex digits -> DF, "openpgp"/"piv"
 * or another word at top level -> applet, hex tag under an applet -> DO,
 * "#n" -> record) and giving the last one LEAF_TYPE (if it is created).
 * Created nodes get SOURCE. *R_NODE is the last node. GPG_ERR_INV_NAME for
 * a malformed path, GPG_ERR_INV_OBJ if a path step is an existing node of
 * a kind that cannot have children. */
gpg_error_t image_make_path (image_t *image, const char *path,
                             image_type_t leaf_type, image_source_t source,
                             image_node_t **r_node);

/* Depth-first pre-order walk. The visitor returns 0 to go on, or an error
 * which stops the walk and is returned (use GPG_ERR_EOF as a "stop"
 * sentinel if you like). DEPTH is 1 for top-level nodes. The visitor must
 * not free or detach nodes other than leaving the tree unchanged. */
typedef gpg_error_t (*image_visit_fn) (image_node_t *node, unsigned depth,
                                       void *ctx);
gpg_error_t image_walk (const image_t *image, image_visit_fn fn, void *ctx);
gpg_error_t image_walk_node (const image_node_t *node, image_visit_fn fn,
                             void *ctx);   /* NODE and its subtree */

/* Deep copy of one node and its subtree (detached). */
gpg_error_t image_node_copy (const image_node_t *src, image_node_t **r_copy);

/* Names for display and JSON (stable, lower-case ASCII, not translated):
 * "mf","df","ef-transparent","ef-linear-fixed","ef-linear-variable",
 * "ef-cyclic","record","do","applet","key"; sources "unknown","ef-dir",
 * "pkcs15","known-fid","fid-scan","do-list","user","aid"; areas "public",
 * "private","secret-key"; access "unknown","always","pin","never","other".
 * The parse functions return -1 for an unknown name. */
const char *image_type_name (image_type_t t);
const char *image_source_name (image_source_t s);
const char *image_area_name (image_area_t a);
const char *image_ac_name (image_ac_t ac);
int image_area_parse (const char *s);
int image_type_parse (const char *s);

/* ---- typed state (image-state.c) -------------------------------------- */

/* PIN nodes "pins/RR" (backup --store-pins): the application or DF the
 * PIN belongs to (selected before it is used) and its name on the card.
 * Either may be NULL (clears it); both are copied. */
gpg_error_t image_node_set_pin_scope (image_node_t *node, const char *scope,
                                      const char *label);
const char *image_node_pin_scope (const image_node_t *node);  /* or NULL */
const char *image_node_pin_label (const image_node_t *node);  /* or NULL */

/* The MF: where a bounded FID scan stopped (DF path, next FID, phase; 0
 * for "not recorded"). DF NULL clears it. */
gpg_error_t image_node_set_scan_next (image_node_t *node, const char *df,
                                      uint16_t fid, unsigned phase);
/* True if a scan is pending; the out-pointers may be NULL. *R_DF points
 * into the node. */
bool image_node_scan_next (const image_node_t *node, const char **r_df,
                           uint16_t *r_fid, unsigned *r_phase);

/* A PIV applet that answered YubiKey GET VERSION with VERSION (3 bytes);
 * NULL clears it. */
void image_node_set_yubikey (image_node_t *node, const uint8_t *version);
/* True if compatible; R_VERSION (3 bytes) may be NULL. */
bool image_node_yubikey (const image_node_t *node, uint8_t *r_version);

/* A PIV applet: how many retired key slots (82 on) the token has and the
 * algorithms it takes (comma-separated names, "rsa2048,eccp256"; may be
 * NULL). RETIRED < 0 clears both. */
gpg_error_t image_node_set_piv_caps (image_node_t *node, int retired,
                                     const char *algs);
/* True if recorded; the out-pointers may be NULL; *R_ALGS points into
 * the node (NULL if none was recorded). */
bool image_node_piv_caps (const image_node_t *node, unsigned *r_retired,
                          const char **r_algs);

bool image_node_has_state (const image_node_t *node);
void image_node_state_clear (image_node_t *node);
gpg_error_t image_node_state_copy (image_node_t *dst,
                                   const image_node_t *src);

/* The state as text into BUF ("" if none), in the form notes had before
 * the state was typed: "scope=PATH label=LABEL", "fid-scan-next=DF:FID
 * phase=P", "yubikey-compatible X.Y.Z[ retired=N algs=A,B]". For
 * display (vsctool ls) and for the VSC writer's note for older readers.
 * False if it did not fit. */
bool image_node_state_text (const image_node_t *node, char *buf,
                            size_t size);

/* Compatibility with VSCs written before the state was typed: if the
 * note of NODE (in its tree) is one of the forms above where that state
 * belongs (a PIN node pins/RR, the MF, an applet), move it into the typed
 * state and clear the note. *R_DONE (may be NULL) tells whether it did. */
gpg_error_t image_node_state_from_note (image_node_t *node, bool *r_done);

/* ---- diff (diff.c) ---------------------------------------------------- */

typedef enum image_change_kind {
  IMAGE_CHANGE_ADDED = 1,    /* only in B */
  IMAGE_CHANGE_REMOVED,      /* only in A */
  IMAGE_CHANGE_CHANGED       /* in both, different */
} image_change_kind_t;

/* What differs for IMAGE_CHANGE_CHANGED (bit set). */
#define IMAGE_DIFF_TYPE     0x0001u
#define IMAGE_DIFF_SIZE     0x0002u   /* declared size or record count/len */
#define IMAGE_DIFF_CONTENT  0x0004u   /* bytes, or present vs absent */
#define IMAGE_DIFF_FCP      0x0008u
#define IMAGE_DIFF_ACCESS   0x0010u
#define IMAGE_DIFF_AREA     0x0020u
#define IMAGE_DIFF_FLAGS    0x0040u
#define IMAGE_DIFF_KEY      0x0080u   /* key metadata */
#define IMAGE_DIFF_AID      0x0100u
#define IMAGE_DIFF_ALL      0x01FFu

typedef struct image_change {
  image_change_kind_t kind;
  unsigned what;          /* IMAGE_DIFF_* for CHANGED, 0 otherwise */
  char *path;             /* the node's path */
  const image_node_t *a;  /* node in A (NULL if added); points into A */
  const image_node_t *b;  /* node in B (NULL if removed); points into B */
} image_change_t;

typedef struct image_diff {
  size_t n;
  image_change_t *changes;  /* pre-order of A, then additions in B order */
  bool identity_changed;    /* card identity (ATR, serial, AIDs) differs */
} image_diff_t;

/* Compare two images node by node (matched by path). An added or removed
 * subtree is reported node by node. The result points into A and B: free
 * it before them. */
/* Do two FCP/FCI templates (as kept in image_node_t.fcp) describe the
 * same file attributes? Compares the items in any order, whatever the
 * wrapper: FCP 62, FCI 6F, an FCP nested in an FCI; the FMD (64) is not
 * an attribute. Unparsable templates compare byte by byte. */
bool image_fcp_same (const uint8_t *a, size_t an, const uint8_t *b,
                     size_t bn);

gpg_error_t image_diff (const image_t *a, const image_t *b,
                        image_diff_t **r_diff);
void image_diff_free (image_diff_t *diff);
/* "added", "removed", "changed". */
const char *image_change_kind_name (image_change_kind_t kind);
/* Name of one IMAGE_DIFF_* bit: "type","size","content","fcp","access",
 * "area","flags","key","aid"; NULL for anything else. */
const char *image_diff_what_name (unsigned bit);

#endif /* VSC_IMAGE_H */
