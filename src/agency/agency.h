/* agency.h - the agency (component 26) and its agents (component 28)
 *
 * The agency keeps an ordered table of agents, specific first and the
 * generic ISO 7816 file-system agent last (agency.c). On a card every
 * agent whose match() says yes contributes its subtree to the image: a
 * token can hold several applications. Each agent is a struct of function
 * pointers; a NULL member means "use the generic ISO 7816 behaviour"
 * (agent_iso7816), which is how an agent "copies the generic table and
 * overrides what differs".
 *
 * Adding an agent: write src/agency/agent-NAME.c defining
 * `const agent_t agent_NAME`, declare it below, add one line to the table
 * in agency.c (before agent_iso7816) and the file to src/agency/local.mk.
 * See doc/HACKING.md, "Adding an agent". */
#ifndef VSC_AGENCY_H
#define VSC_AGENCY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/apdu.h"
#include "reader/reader.h"
#include "image/image.h"
#include "image/plan.h"

typedef struct agency_card agency_card_t;

/* Phases reported through agency_card_t.progress (same numbers as
 * scapi_phase_t). */
enum agency_phase {
  AGENCY_PHASE_DISCOVER = 2,
  AGENCY_PHASE_SCAN = 3,
  AGENCY_PHASE_READ = 4,
  AGENCY_PHASE_VERIFY_PIN = 5,
  AGENCY_PHASE_WRITE = 8,
  AGENCY_PHASE_READBACK = 9
};

typedef struct agency_pin_query {
  uint8_t ref;
  const char *label;       /* "" if unknown */
  int retries;             /* -1 unknown */
  bool pinpad;
  size_t min_len, max_len;
  const char *node;        /* path that needs it, "" if none */
} agency_pin_query_t;

/* 0 with *R_PIN (secure memory, freed by the agency; NULL for a PIN pad)
 * or GPG_ERR_CANCELED. */
typedef gpg_error_t (*agency_pin_fn) (void *ctx, const agency_pin_query_t *q,
                                      char **r_pin);
/* NODE is the current path (may be ""), BYTES the content bytes moved
 * since the last call. */
typedef void (*agency_progress_fn) (void *ctx, int phase, const char *node,
                                    size_t bytes);
/* A node the FID scan added to the image (called on the thread running
 * the operation, right after the node was added). */
typedef void (*agency_node_fn) (void *ctx, const image_node_t *node);

/* State of one PIN reference in a session. */
enum agency_pin_state {
  AGENCY_PIN_UNKNOWN = 0,
  AGENCY_PIN_VERIFIED,
  AGENCY_PIN_FAILED,        /* wrong PIN given: never retried */
  AGENCY_PIN_CANCELED,      /* user cancelled / no PIN callback */
  AGENCY_PIN_BLOCKED
};

#define AGENCY_MAX_AGENTS 8
#define AGENCY_MAX_PINS 8

typedef struct agency_pin_info {
  uint8_t ref;
  char label[64];
  size_t min_len, max_len;
} agency_pin_info_t;

typedef struct agency_range {
  uint16_t first, last;
} agency_range_t;

typedef struct agent agent_t;

/* One card session. Initialise with agency_card_init; members may be
 * set by the caller (callbacks, options) before agency_match. */
struct agency_card {
  reader_card_t *reader;        /* NULL when driving a bare channel */
  apdu_chan_t chan;
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
  /* Callbacks (may be NULL). */
  agency_pin_fn pin_fn;
  void *pin_ctx;
  agency_progress_fn progress;
  void *progress_ctx;
  /* Discovery options. */
  bool read_content;            /* read EF content while discovering */
  bool no_scan;
  unsigned long scan_budget;    /* SELECTs for the FID scan */
  const agency_range_t *ranges; /* NULL = default */
  size_t n_ranges;
  const image_t *resume;        /* previous image: continue its scan */
  /* Matched agents, in table order. */
  const agent_t *agents[AGENCY_MAX_AGENTS];
  size_t n_agents;
  /* PIN bookkeeping (per reference). */
  uint8_t pin_state[256];
  agency_pin_info_t pins[AGENCY_MAX_PINS];
  size_t n_pins;
  /* Statistics. */
  unsigned long scan_apdus;
  unsigned long pin_apdus;
  bool scan_pending;            /* scan stopped by its budget */
  /* Human text for the last failure ("" if none). */
  char errtext[256];
  /* Keep a copy (secure memory) of every PIN verified by agency_verify_pin
   * (backup --store-pins); off by default. Freed by
   * agency_card_forget_pins. */
  bool keep_pins;
  size_t n_kept;
  uint8_t kept_ref[AGENCY_MAX_PINS];
  char *kept_pin[AGENCY_MAX_PINS];
  char *kept_node[AGENCY_MAX_PINS];   /* node that needed it, may be NULL */
  /* The file-system agents' knowledge of this card (agent-iso7816.h),
   * made on first use, freed by agency_card_done. */
  struct iso_fs *fs;
};

/* ---- agents ---------------------------------------------------------- */

struct agent {
  const char *name;             /* "pkcs15", "iso7816", ... */
  const char *summary;          /* one line, untranslated (N_) */
  /* Does the card hold this application? (a few APDUs at most) */
  gpg_error_t (*match) (agency_card_t *card, bool *r_match);
  /* Add this agent's nodes to IMAGE (nodes already present are kept
   * and may be annotated). Reads content if card->read_content. */
  gpg_error_t (*discover) (agency_card_t *card, image_t *image);
  /* (Re)read the content of NODE (and records below it). Protected
   * content is read after agency_verify_pin. An unreadable node gets
   * IMAGE_FLAG_UNREADABLE + sw, not an error; errors are for the
   * transport (removed, reset, cancelled). */
  gpg_error_t (*read) (agency_card_t *card, image_t *image,
                       image_node_t *node);
  /* Refine the generic plan for the nodes this agent owns (src node's
   * agent member equals name): map FCPs, mark not restorable. */
  gpg_error_t (*plan_restore) (agency_card_t *card, const image_t *src,
                               const image_t *dst, plan_t *plan);
  /* Write one plan entry (CREATE or UPDATE) to the card. Sets
   * e->written. Card refusal: return 0 with e->err/e->sw set. */
  gpg_error_t (*write) (agency_card_t *card, const image_t *src,
                        plan_t *plan, plan_entry_t *e);
  /* Make PIN reference REF verified (asks through card->pin_fn once). */
  gpg_error_t (*verify_pin) (agency_card_t *card, uint8_t ref,
                             const char *node);
  /* A short human description of NODE ("PKCS#15 token info"), or NULL. */
  const char *(*describe) (const image_node_t *node);
};

extern const agent_t agent_openpgp;   /* agent-openpgp.c */
extern const agent_t agent_piv;       /* agent-piv.c */
extern const agent_t agent_pkcs15;
extern const agent_t agent_iso7816;    /* generic, always last */

/* ---- agency ---------------------------------------------------------- */

/* Set up a session on a connected card (channel, ATR, defaults). */
void agency_card_init (agency_card_t *card, reader_card_t *reader);
/* Same on a bare channel (unit tests with a transcript). */
void agency_card_init_chan (agency_card_t *card, apdu_transmit_fn fn,
                            void *ctx, const uint8_t *atr, size_t atr_len);

/* Free what the session allocated (PIN copies, the file-system state). */
void agency_card_done (agency_card_t *card);

/* Scan reporting (agent-iso7816-scan.c): FN is called for every node the
 * FID scan adds (NULL: none). */
void agency_card_set_node_fn (agency_card_t *card, agency_node_fn fn,
                              void *ctx);
/* Where the scan is: SELECTs used of the budget, and the DF being
 * scanned (SCOPE, "" if none). */
void agency_scan_status (agency_card_t *card, unsigned long *used,
                         unsigned long *budget, char *scope,
                         size_t scope_size);
/* Scan IMAGE (discovered before with no_scan, or scanned before: its
 * position in the MF's note is continued). Cancelling keeps what was
 * found and records the position. */
gpg_error_t agency_scan (agency_card_t *card, image_t *image);
/* Where the scan of IMAGE would go on, for people: "3F00/5015 from FID
 * 4C03 (phase 3 of 3)"; false and "" if it is complete. */
bool agency_scan_position (const image_t *image, char *buf, size_t size);
/* What the last scan covered, one line per DF ("3F00: 0000-001F
 * 2F00-2F0F ... (412 FIDs)") and where it stopped; NULL if no scan ran.
 * Owned by the card. */
const char *agency_scan_coverage (agency_card_t *card);

/* The table (NULL-terminated, specific first). */
const agent_t *const *agency_agents (void);
const agent_t *agency_find (const char *name);

/* Fill card->agents with every agent that matches. */
gpg_error_t agency_match (agency_card_t *card);
/* Discover: every matched agent, in order; sets the image identity
 * (ATR, agents). */
gpg_error_t agency_discover (agency_card_t *card, image_t *image);
/* Read NODE through its agent (generic if none). */
gpg_error_t agency_read (agency_card_t *card, image_t *image,
                         image_node_t *node);
/* Plan SRC onto the card whose current image is DST. */
gpg_error_t agency_plan (agency_card_t *card, const image_t *src,
                         const image_t *dst, plan_t *plan);
/* Write one entry through the source node's agent. */
gpg_error_t agency_write (agency_card_t *card, const image_t *src,
                          plan_t *plan, plan_entry_t *e);
/* Verify REF (asks once per session; never retries). 0 when verified;
 * GPG_ERR_BAD_PIN (refused, card->errtext has the status word),
 * GPG_ERR_CANCELED, GPG_ERR_PIN_BLOCKED; other errors are transport
 * errors (agency_fatal). */
gpg_error_t agency_verify_pin (agency_card_t *card, uint8_t ref,
                               const char *node);
/* The kept copy of REF's PIN (NUL-terminated, secure memory owned by the
 * card), NULL if none; and wipe all kept copies. */
const char *agency_kept_pin (const agency_card_t *card, uint8_t ref);
void agency_card_forget_pins (agency_card_t *card);
/* The label recorded for REF ("" if none). */
const char *agency_pin_label (const agency_card_t *card, uint8_t ref);
/* Record a PIN's label/lengths (from AODF etc.) for the PIN prompt. */
void agency_set_pin_info (agency_card_t *card, uint8_t ref, const char *label,
                          size_t min_len, size_t max_len);
const char *agency_describe (const image_node_t *node);

/* Progress helper and error text helper for agents. */
void agency_progress (agency_card_t *card, int phase, const image_node_t *node,
                      size_t bytes);
void agency_set_errtext (agency_card_t *card, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* Record AID in the image's card identity unless it is there already. */
gpg_error_t agency_add_aid (image_t *image, const uint8_t *aid, size_t n);
/* The applet node NAME below the image root (made if missing), marked as
 * found by its AID and owned by the agent NAME. */
gpg_error_t agency_applet_node (image_t *image, const char *name,
                                const uint8_t *aid, size_t aid_len,
                                image_node_t **r_app);

/* Is the card of IMAGE our emulator (ATR historical bytes "vscemu")? It
 * honours any FCP it is given, so restores onto it keep attributes. */
bool agency_is_emulator (const image_t *image);

/* Must ERR stop the operation? Everything but the outcomes of a PIN
 * (wrong, blocked, not given), after which only the nodes behind that
 * PIN are skipped. */
bool agency_fatal (gpg_error_t err);

/* ---- the generic ISO 7816 agent's building blocks (agent-iso7816.c),
 * shared with the specific agents ----------------------------------- */

/* FIDs from the MF to NODE (MF excluded). GPG_ERR_INV_NAME if a step
 * has no FID or the path is too deep. */
gpg_error_t agent_iso7816_node_fids (const image_node_t *node, uint16_t *fids,
                                     size_t *n);
/* SELECT the file of NODE by path; FCP optional. */
gpg_error_t agent_iso7816_select_node (agency_card_t *card,
                                       const image_node_t *node, buf_t *fcp,
                                       unsigned *sw);
/* Select FIDS under the MF and add/update the node at PARENT from its
 * FCP (source SRC). *R_NODE NULL if it does not exist. */
gpg_error_t agent_iso7816_probe (agency_card_t *card, image_t *image,
                                 image_node_t *parent, const uint16_t *fids,
                                 size_t n, image_source_t src,
                                 image_node_t **r_node);
/* Apply a parsed FCP to a node (type, size, FCP, access). */
gpg_error_t agent_iso7816_apply_fcp (image_node_t *node, const uint8_t *fcp,
                                     size_t n);
/* Generic implementations (usable by other agents directly). */
gpg_error_t agent_iso7816_read (agency_card_t *card, image_t *image,
                                image_node_t *node);
gpg_error_t agent_iso7816_write (agency_card_t *card, const image_t *src,
                                 plan_t *plan, plan_entry_t *e);
gpg_error_t agent_iso7816_plan_restore (agency_card_t *card,
                                        const image_t *src,
                                        const image_t *dst, plan_t *plan);
/* Probe on the card every file-system node of SRC (so a plan sees what
 * exists at the paths it would write), adding what is found to DST. */
gpg_error_t agent_iso7816_probe_image (agency_card_t *card, image_t *dst,
                                       const image_t *src);
/* The note/flags of the scan position kept in the image (MF note). */
bool agent_iso7816_scan_pending (const image_t *image, char *df_path,
                                 size_t df_path_size, uint16_t *next_fid);

#endif /* VSC_AGENCY_H */
