/* agency.h - the agency (component 26): what the facade (src/scapi)
 * calls
 *
 * The agency keeps an ordered table of agents (component 28), specific
 * first and the generic ISO 7816 file-system agent last (agency.c). On a
 * card every agent whose match() says yes contributes its subtree to the
 * image: a token can hold several applications. The agents themselves,
 * the session structure and the helpers they share are in agent.h; this
 * header is the facade's view: an opaque card session and the operations
 * dispatched through the agent table.
 *
 * Security state (agency-auth.c): PIN verification and key
 * authentication are tracked per application scope and reference, with a
 * selection epoch; see agent.h and doc/HACKING.md ("Security state"). */
#ifndef VSC_AGENCY_H
#define VSC_AGENCY_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "reader/reader.h"
#include "image/image.h"
#include "image/plan.h"

typedef struct agency_card agency_card_t;

/* Phases reported through the progress callback (same numbers as
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

typedef struct agency_range {
  uint16_t first, last;
} agency_range_t;

/* Discovery options of a session (agency_card_set_discover). */
typedef struct agency_discover_opts {
  bool read_content;            /* read EF content while discovering */
  bool no_scan;                 /* no bounded FID scan */
  unsigned long scan_budget;    /* SELECTs for the FID scan; 0 default */
  const agency_range_t *ranges; /* NULL = default (copied) */
  size_t n_ranges;
  const image_t *resume;        /* previous image: continue its scan */
  bool defer;                   /* the tree first: agents leave what can
                                   wait (the PKCS#15 directory files) to
                                   agency_complete */
  bool target_caps;             /* also read what mapping onto the card
                                   needs (PIV: its retired key slots and
                                   algorithms); only a mapped restore does */
} agency_discover_opts_t;

/* Statistics of the current operation (agency_op_begin resets them). */
typedef struct agency_stats {
  unsigned long apdus;          /* all APDUs of the session */
  unsigned long scan_apdus;     /* discovery probes that found nothing */
  unsigned long pin_apdus;      /* VERIFY, retry counters, key auth */
  bool scan_pending;            /* the scan stopped at its budget */
  bool ext_apdu;                /* extended length in use */
} agency_stats_t;

/* ---- sessions -------------------------------------------------------- */

/* A session on a connected card (channel, ATR, defaults). */
gpg_error_t agency_card_new (reader_card_t *reader, agency_card_t **r_card);
/* Close the session: wipes every PIN it held. The reader card is not
 * disconnected. */
void agency_card_free (agency_card_t *card);

/* Callbacks (any may be NULL) and the cancel flag of the channel. */
void agency_card_set_callbacks (agency_card_t *card, agency_pin_fn pin_fn,
                                void *pin_ctx, agency_progress_fn progress,
                                void *progress_ctx, volatile int *cancel);
void agency_card_set_discover (agency_card_t *card,
                               const agency_discover_opts_t *opts);
/* An operation (backup, plan, restore...) begins / ends: statistics and
 * the error text are reset; at the end every PIN value held for
 * re-presentation is wiped (what the card verified stays recorded),
 * unless KEEP_PINS: a restore plan hands them on to the restore that
 * follows it (agency_card_free wipes them in any case). */
void agency_op_begin (agency_card_t *card);
void agency_op_end (agency_card_t *card, bool keep_pins);

/* The reader reported a reset (GPG_ERR_CARD_RESET) and the session was
 * reconnected: every verification is gone. */
void agency_card_reset (agency_card_t *card);

void agency_card_stats (const agency_card_t *card, agency_stats_t *st);
/* Name of the Ith matched agent (table order), NULL past the end. */
const char *agency_card_agent (const agency_card_t *card, size_t i);
/* Did this session leave a security state on the card (a verified PIN,
 * an authenticated key) or write to it? Then it should be reset on
 * disconnect. */
bool agency_card_authenticated (const agency_card_t *card);

/* The Ith PIN the card accepted in this operation (held until
 * agency_op_end; backup --store-pins stores them): reference, value
 * (secure memory owned by the session), the node that needed it (may be
 * NULL) and the scope it was verified in ("openpgp", "piv"; "" for the
 * card's file system). False past the end. PINs typed on a PIN pad
 * never reach the host and are not listed. */
bool agency_card_kept_pin (const agency_card_t *card, size_t i,
                           uint8_t *r_ref, const char **r_pin,
                           const char **r_node, const char **r_scope);

/* ---- operations through the agent table ----------------------------- */

const char *agency_agent_names (void);  /* "openpgp, piv, ..." (static) */
bool agency_has_agent (const char *name);

/* Match every agent (once per session). */
gpg_error_t agency_match (agency_card_t *card);
/* Discover: every matched agent, in order; sets the image identity
 * (ATR, agents). */
gpg_error_t agency_discover (agency_card_t *card, image_t *image);
/* Read NODE through its agent (generic if none). */
gpg_error_t agency_read (agency_card_t *card, image_t *image,
                         image_node_t *node);
/* The target of a restore: discover it (no FID scan), then probe the
 * paths SRC would write (*R_DST: the target image). FOR_MAP: also what
 * the mapping planner needs to know of it (target_caps above). */
gpg_error_t agency_plan_target (agency_card_t *card, const image_t *src,
                                bool for_map, image_t **r_dst);
/* Plan SRC onto the card whose current image is DST. */
gpg_error_t agency_plan (agency_card_t *card, const image_t *src,
                         const image_t *dst, plan_t *plan);
/* Write one entry through the source node's agent. */
gpg_error_t agency_write (agency_card_t *card, const image_t *src,
                          plan_t *plan, plan_entry_t *e);
/* Set the PIN of the stored-PIN entry E ("pins/RR") to its value in SRC
 * (restore --set-pins): through the agent of the application the PIN
 * belongs to, asking the target's current PIN once. A refusal is
 * recorded on E (never retried); errors are for the transport. */
gpg_error_t agency_restore_pin (agency_card_t *card, const image_t *src,
                                plan_t *plan, plan_entry_t *e);
/* The same for a PIN the target holds in its creation state (the plan
 * held files back for it, plan_entry_t.needs_pin): its first value with
 * CHANGE REFERENCE DATA P1 01 (no current PIN to ask), then VERIFY, so
 * that the files it protects can be written. A refusal is recorded on E
 * (written/verified false, err, sw); errors are for the transport. */
gpg_error_t agency_restore_first_pin (agency_card_t *card,
                                      const image_t *src, plan_t *plan,
                                      plan_entry_t *e);
/* Is NODE of a target image what a factory-fresh token holds? Asked of
 * the node's agent (agent.h: node_blank); nodes of no agent are blank
 * when empty, all 00 or all FF. */
bool agency_node_blank (const image_node_t *node);
/* Recompute PLAN->target_blank over DST with agency_node_blank (an
 * application holding only its factory objects does not make a token
 * "used"). */
void agency_refine_blank (plan_t *plan, const image_t *dst);

/* Key escrow: where a key goes in an image. */
typedef struct agency_key_slot {
  char path[32];                /* "openpgp/key-sig", "piv/key-9A" */
  char usage[8];                /* "sign", "9A" */
  int openpgp_slot;             /* 0 sig, 1 dec, 2 aut; -1: no OpenPGP
                                   fingerprint */
} agency_key_slot_t;

/* Where a key of ALGO for SLOT of application APP goes (the agent's
 * key_slot): GPG_ERR_INV_ARG (no such application or slot) or
 * GPG_ERR_PUBKEY_ALGO with a sentence in ERRBUF. */
gpg_error_t agency_key_slot (const char *app, const char *slot,
                             const char *algo, agency_key_slot_t *ks,
                             char *errbuf, size_t errsize);

/* Where a resumable scan stopped (kept in the image). */
bool agency_image_scan_pending (const image_t *image, uint16_t *next_fid);
/* Where the scan of IMAGE would go on, for people: "3F00/5015 from FID
 * 4C03 (phase 3 of 3)"; false and "" if it is complete. */
bool agency_scan_position (const image_t *image, char *buf, size_t size);
/* Give DST (the same card's image, e.g. discovered again) the position
 * where SRC's scan stopped, so that a scan of DST goes on from there;
 * nothing if SRC has none. */
gpg_error_t agency_scan_position_copy (image_t *dst, const image_t *src);

/* ---- the FID scan (agent-iso7816-scan.c) ---------------------------- */

/* Scan IMAGE (discovered before with no_scan, or scanned before: the
 * position recorded on its MF, image_node_scan_next, is continued).
 * Cancelling keeps what was found and records the position. The discovery options of the session
 * give budget, ranges and read_content. */
gpg_error_t agency_scan (agency_card_t *card, image_t *image);
/* The tree first: what the agents left for later when discovering with
 * the option defer (the PKCS#15 directory files and the objects they
 * list), added to IMAGE; every node added goes to the node function
 * (agency_card_set_node_fn). It works from IMAGE: what is there already
 * costs no APDU, so it can be called on a fresh session with an image
 * from such a discovery (a backup started before it ended).
 * READ_OBJECTS: read the content of the objects' files too (else only
 * the directory files are read). Cancelling keeps what was added. */
gpg_error_t agency_complete (agency_card_t *card, image_t *image,
                             bool read_objects);
/* Did a discovery with defer in this session leave work that no
 * agency_complete has done yet? WHAT (may be NULL) gets what it is,
 * for people ("the PKCS#15 directory files of 3F00/5015"). */
bool agency_deferred (agency_card_t *card, char *what, size_t size);
/* FN is called for every node the FID scan adds (NULL: none). */
void agency_card_set_node_fn (agency_card_t *card, agency_node_fn fn,
                              void *ctx);
/* Where the scan is: SELECTs used of the budget, and the DF being
 * scanned (SCOPE, "" if none; may be NULL). */
void agency_scan_status (agency_card_t *card, unsigned long *used,
                         unsigned long *budget, char *scope,
                         size_t scope_size);
/* What the last scan covered, one line per DF ("3F00: 0000-001F
 * 2F00-2F0F ... (412 FIDs)") and how it ended; NULL if no scan ran.
 * Owned by the card. */
const char *agency_scan_coverage (agency_card_t *card);

/* A short human description of NODE ("PKCS#15 token info"), or NULL. */
const char *agency_describe (const image_node_t *node);
/* The label recorded for REF of the file system ("" if none). */
const char *agency_pin_label (const agency_card_t *card, uint8_t ref);

/* Is the card of IMAGE our emulator (ATR historical bytes "vscemu")? It
 * honours any FCP it is given, so restores onto it keep attributes. */
bool agency_is_emulator (const image_t *image);

/* Must ERR stop the operation? Everything but the outcomes of a PIN
 * (wrong, blocked, not given), after which only the nodes behind that
 * PIN are skipped. */
bool agency_fatal (gpg_error_t err);

#endif /* VSC_AGENCY_H */
