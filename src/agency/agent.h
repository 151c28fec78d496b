/* agent.h - the agents (component 28): their operations table, the card
 * session they work on, and the helpers the agency gives them
 *
 * Each agent is a struct of function pointers; a NULL member means "use
 * the generic behaviour" (the ISO 7816 agent's, or the agency's for the
 * security operations), which is how an agent "copies the generic table
 * and overrides what differs" (OpenSC's card drivers, GnuPG scd's
 * applications). An override that only adds to the generic behaviour
 * calls the generic function itself (agency_pin_encode_generic, ...).
 *
 * Adding an agent: write src/agency/agent-NAME.c defining
 * `const agent_t agent_NAME` (designated initialisers), declare it
 * below, add one line to the table in agency.c (before agent_iso7816)
 * and the file to src/agency/local.mk. See doc/HACKING.md, "Adding an
 * agent".
 *
 * SECURITY STATE (agency-auth.c)
 *
 * What the card verified is tracked per scope and reference: the scope
 * is the application (an agent with a select operation: "openpgp",
 * "piv") or the card's file system (agents without one). PIV's PUK and
 * OpenPGP's PW1 are both reference 81; they never mix.
 *
 * Real tokens drop security state: a SELECT of another applet powers
 * the others off, a SELECT of PIV resets PIV itself (DESIGN.md §9). The
 * agency therefore counts "selection epochs": every SELECT by AID that
 * goes over the channel, and every reset, ends the epoch, and a
 * verification of an application scope counts only in the epoch in
 * which it was made (the conservative rule: assume every applet SELECT
 * clears every applet's status; no per-model switch). File-system PINs
 * end only with a reset. Before a protected command an agent calls
 * agency_app_select and agency_ensure_pin / agency_ensure_key: the
 * agency selects the application if another SELECT came in between,
 * and re-presents a PIN that the card ACCEPTED earlier in this operation
 * (held in secure memory until agency_op_end) or re-authenticates the
 * key. A PIN that was refused is never sent again. If the command still
 * answers 6982, agency_security_lost says whether one fresh attempt is
 * due (the state was only assumed) or the refusal is to be reported
 * (the state was established just before the command). Agents group
 * their work per application so that this costs few APDUs. */
#ifndef VSC_AGENT_H
#define VSC_AGENT_H

#include "common/apdu.h"
#include "common/errctx.h"
#include "common/buffer.h"
#include "agency/agency.h"

/* State of one PIN (or key) reference in a scope. */
enum agency_pin_state {
  AGENCY_PIN_UNKNOWN = 0,
  AGENCY_PIN_VERIFIED,      /* accepted (in the epoch recorded with it) */
  AGENCY_PIN_FAILED,        /* refused: never sent again */
  AGENCY_PIN_CANCELED,      /* user cancelled / no PIN callback */
  AGENCY_PIN_BLOCKED
};

#define AGENCY_MAX_AGENTS 8
#define AGENCY_MAX_PINS 8     /* labels registered for the prompt */
#define AGENCY_MAX_SEC 16     /* (scope, reference) states per session */

typedef struct agency_pin_info {
  uint8_t ref;
  char label[64];
  size_t min_len, max_len;
  uint8_t changed_as;           /* CHANGE REFERENCE DATA uses this
                                   reference instead (OpenPGP: PW1 82 is
                                   changed as 81); 0 = REF itself */
} agency_pin_info_t;

typedef struct agent agent_t;

/* One verified (or refused) reference in one scope. */
typedef struct agency_sec {
  const agent_t *scope;         /* the application's agent; NULL = the
                                   card's file system */
  uint8_t ref;
  bool key;                     /* a key authentication (PIV 9B) */
  uint8_t state;                /* enum agency_pin_state */
  unsigned long epoch;          /* selection epoch of the verification */
  unsigned long resets;         /* reset count at the verification */
  char *pin;                    /* accepted value (secure memory) until
                                   agency_op_end; NULL for a PIN pad */
  char *node;                   /* first node that needed it */
} agency_sec_t;

/* One card session (agency_card_new). Agents read and set its members;
 * the facade sees it only through agency.h. */
struct agency_card {
  reader_card_t *reader;        /* NULL when driving a bare channel */
  apdu_chan_t chan;
  apdu_transmit_fn tx_fn;       /* the transport below our observer */
  void *tx_ctx;
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
  bool defer;                   /* leave what can wait (agency_complete) */
  bool target_caps;             /* read what mapping onto it needs */
  unsigned long scan_budget;    /* SELECTs for the FID scan */
  agency_range_t range_buf[32];
  const agency_range_t *ranges; /* NULL = default */
  size_t n_ranges;
  const image_t *resume;        /* previous image: continue its scan */
  /* Matched agents, in table order. */
  const agent_t *agents[AGENCY_MAX_AGENTS];
  size_t n_agents;
  bool matched;
  /* Security state (agency-auth.c). */
  agency_sec_t sec[AGENCY_MAX_SEC];
  size_t n_sec;
  unsigned long epoch;          /* selection epoch */
  unsigned long resets;         /* resets seen */
  const agent_t *selected;      /* application selected in this epoch by
                                   agency_app_select, NULL = unknown */
  bool wrote;                   /* a write was attempted */
  /* What an agent learnt about this card (GnuPG's app_local): one word
   * per agent, agency_agent_flags. */
  struct {
    const agent_t *agent;
    unsigned long flags;
  } agent_flags[AGENCY_MAX_AGENTS];
  agency_pin_info_t pins[AGENCY_MAX_PINS];
  size_t n_pins;
  /* Statistics. */
  unsigned long scan_apdus;
  unsigned long pin_apdus;
  bool scan_pending;            /* scan stopped by its budget */
  /* The file-system agents' knowledge of this card (agent-iso7816.h),
   * made on first use, freed with the session. */
  struct iso_fs *fs;
};

/* How a reader's PIN pad is to build a VERIFY (reader.h). */
typedef reader_pin_format_t agency_pinpad_format_t;

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
  /* Make PIN reference REF verified (asks through card->pin_fn once).
   * Generic: agency_pin_verify, which uses the members below. */
  gpg_error_t (*verify_pin) (agency_card_t *card, uint8_t ref,
                             const char *node);
  /* A short human description of NODE ("PKCS#15 token info"), or NULL. */
  const char *(*describe) (const image_node_t *node);
  /* The tree first: discover with card->defer leaves what can wait to
   * complete (agency_complete), which works from IMAGE (present nodes
   * cost nothing) and reports each node it adds to the scan's node
   * function; deferred says whether this session's discovery left work
   * (WHAT gets it for people). Both NULL: nothing is ever deferred. */
  gpg_error_t (*complete) (agency_card_t *card, image_t *image);
  bool (*deferred) (agency_card_t *card, char *what, size_t size);

  /* ---- application and security operations (all optional) ---------- */

  /* SELECT the application. Set for agents that own an applet: their
   * verifications are then scoped to it and end with the selection
   * epoch. NULL: the agent works on the card's file system. */
  gpg_error_t (*select) (agency_card_t *card, unsigned *sw);
  /* Label and lengths of PIN REF for the prompt (INFO is zeroed; leave
   * what is unknown). Generic: what agency_set_pin_info recorded. */
  void (*pin_info) (uint8_t ref, agency_pin_info_t *info);
  /* The data field that presents PIN for REF in VERIFY and CHANGE
   * REFERENCE DATA (PIV: padded with FF to 8 bytes). Generic:
   * agency_pin_encode_generic (the PIN as is, 1..127 bytes).
   * GPG_ERR_INV_LENGTH with the sentence set: not sendable. */
  gpg_error_t (*pin_encode) (agency_card_t *card, uint8_t ref,
                             const char *pin, buf_t *out);
  /* The retry counter of REF before asking for it: *RETRIES >= 0 tries
   * left, -2 verified already, -1 unknown; *SW the card's answer.
   * Generic: an empty VERIFY (iso7816_pin_retries). */
  gpg_error_t (*pin_retries) (agency_card_t *card, uint8_t ref,
                              int *retries, unsigned *sw);
  /* How a PIN pad builds the VERIFY for REF. Generic: ASCII, variable
   * length 4..15. */
  void (*pinpad_format) (uint8_t ref, agency_pinpad_format_t *fmt);
  /* Change PIN REF from CUR to NEWPIN (restore --set-pins); *SW gets the
   * card's answer. Generic: agency_change_pin_generic (CHANGE
   * REFERENCE DATA, P1 00, pin_encode of both). */
  gpg_error_t (*change_pin) (agency_card_t *card, uint8_t ref,
                             const char *cur, const char *newpin,
                             unsigned *sw);
  /* Authenticate with key REF (PIV management key 9B) using what SRC
   * holds (SRC may be NULL: the factory key); *R_OK false with *SW on a
   * refusal. Called by agency_ensure_key. */
  gpg_error_t (*authenticate) (agency_card_t *card, uint8_t ref,
                               const image_t *src, bool *r_ok,
                               unsigned *sw);
  /* Is NODE (of a target image, owned by this agent) what a
   * factory-fresh token holds? NULL: the generic rule (empty, all 00 or
   * all FF; DFs, applets and keys are not blank). */
  bool (*node_blank) (const image_node_t *node);
  /* Key escrow: where a key of ALGO_NAME for SLOT goes (vsctool keygen);
   * GPG_ERR_INV_ARG (bad slot) or GPG_ERR_PUBKEY_ALGO with a sentence
   * in ERRBUF. NULL: this application takes no escrowed keys. */
  gpg_error_t (*key_slot) (const char *slot, const char *algo_name,
                           agency_key_slot_t *ks, char *errbuf,
                           size_t errsize);
};

extern const agent_t agent_openpgp;   /* agent-openpgp.c */
extern const agent_t agent_piv;       /* agent-piv.c */
extern const agent_t agent_pkcs15;
extern const agent_t agent_iso7816;    /* generic, always last */

/* ---- the agency's helpers for agents -------------------------------- */

/* Set up a session on a bare channel (unit tests with a transcript). */
gpg_error_t agency_card_new_chan (apdu_transmit_fn fn, void *ctx,
                                  const uint8_t *atr, size_t atr_len,
                                  agency_card_t **r_card);

/* The table (NULL-terminated, specific first). */
const agent_t *const *agency_agents (void);
const agent_t *agency_find (const char *name);
/* The agent owning NODE (nearest ancestor that names one), generic if
 * none. */
const agent_t *agency_agent_of (const image_node_t *node);

/* AGENT's word of what it learnt about this card (0 at first). */
unsigned long *agency_agent_flags (agency_card_t *card, const agent_t *agent);

/* Select AGENT's application unless it is selected already in this
 * epoch. *SW: the card's answer (9000 when nothing was sent). */
gpg_error_t agency_app_select (agency_card_t *card, const agent_t *agent,
                               unsigned *sw);
/* Make PIN REF of AGENT's scope (NULL: the file system) verified in the
 * current epoch: nothing if it is, re-present the value accepted in this
 * operation, else ask once (agency_pin_verify). *R_FRESH (may be NULL)
 * is set when a VERIFY was sent now. Errors as agency_verify_pin. */
gpg_error_t agency_ensure_pin (agency_card_t *card, const agent_t *agent,
                               uint8_t ref, const char *node,
                               bool *r_fresh);
/* The same for key REF (agent->authenticate with SRC). A refused key is
 * never tried again: GPG_ERR_BAD_PIN, *SW the refusal. */
gpg_error_t agency_ensure_key (agency_card_t *card, const agent_t *agent,
                               uint8_t ref, const image_t *src,
                               bool *r_fresh, unsigned *sw);
/* A protected command answered SW after an ensure that reported FRESH:
 * true when SW is 6982 and the state was only assumed (it is then
 * marked lost: select and ensure again, and send once more); false when
 * the refusal stands. */
bool agency_security_lost (agency_card_t *card, unsigned sw, bool fresh);

/* Verify REF for NODE (asks once per session; never retries), in the
 * scope of the application NODE belongs to ("openpgp/0103" -> openpgp;
 * file-system paths -> the file system), dispatched to the agent's
 * verify_pin. 0 when verified; GPG_ERR_BAD_PIN (refused, the error context
 * has the status word), GPG_ERR_CANCELED, GPG_ERR_PIN_BLOCKED; other
 * errors are transport errors (agency_fatal). */
gpg_error_t agency_verify_pin (agency_card_t *card, uint8_t ref,
                               const char *node);
/* The generic verification in AGENT's scope: retry counter first
 * (empty VERIFY), one question through card->pin_fn, pin_encode / PIN
 * pad, the answer recorded. */
gpg_error_t agency_pin_verify (agency_card_t *card, const agent_t *agent,
                               uint8_t ref, const char *node);
/* The state of REF in AGENT's scope (AGENCY_PIN_VERIFIED only when it
 * holds in the current epoch). */
int agency_pin_state (const agency_card_t *card, const agent_t *agent,
                      uint8_t ref);
/* Generic members, for overrides that add to them. */
gpg_error_t agency_pin_encode_generic (agency_card_t *card, uint8_t ref,
                                       const char *pin, buf_t *out);
gpg_error_t agency_change_pin_generic (agency_card_t *card, uint8_t ref,
                                       const char *cur, const char *newpin,
                                       unsigned *sw);
/* Record a PIN's label/lengths (from AODF etc.) for the PIN prompt. */
void agency_set_pin_info (agency_card_t *card, uint8_t ref, const char *label,
                          size_t min_len, size_t max_len);

/* Progress helper, and the sentence of a failure for the thread's error
 * context (common/errctx.h; replaces the one there). */
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
/* The child of PARENT named NAME, or (NAME NULL) by TAG as 2, 4 or 6
 * hex digits, made with TYPE if missing (found in a DO list), owned by
 * AGENT. */
gpg_error_t agency_child_node (image_node_t *parent, image_type_t type,
                               unsigned tag, const char *name,
                               const char *agent, image_node_t **r_node);
/* An agent's match: *R_MATCH if SELECT answers 9000 or 61xx. */
gpg_error_t agency_match_select (agency_card_t *card,
                                 gpg_error_t (*select) (agency_card_t *,
                                                        unsigned *),
                                 bool *r_match);
/* A write the card refused with SW (not 9000): recorded in E (sw, err);
 * true. False for 9000. */
bool agency_entry_refused (plan_entry_t *e, unsigned sw);
/* Before writing E: clear its result and SELECT AGENT's application
 * (its status word in *SW); *R_OK false (the refusal in E) if the card
 * did not select it. */
gpg_error_t agency_entry_select (agency_card_t *card, const agent_t *agent,
                                 plan_entry_t *e, unsigned *sw, bool *r_ok);
/* After a write of E that the card answered with SW: false as
 * agency_entry_refused, else E is written; true. */
bool agency_entry_written (plan_entry_t *e, unsigned sw);
/* What was read back after writing E: verified if the card answered
 * 9000 with the source's content P[0..N), else GPG_ERR_BAD_DATA. */
void agency_entry_readback (plan_entry_t *e, const uint8_t *p, size_t n,
                            unsigned sw);
/* Call FN for every entry of PLAN that writes (PLAN_CREATE or
 * PLAN_UPDATE) a source node, until it fails. */
gpg_error_t agency_plan_writes (plan_t *plan,
                                gpg_error_t (*fn) (void *ctx, plan_t *plan,
                                                   plan_entry_t *e),
                                void *ctx);
/* Hand entry E to AGENT unless an agent has it already. */
gpg_error_t agency_entry_claim (plan_entry_t *e, const char *agent);
/* The generic blank rule for one node (see agent.node_blank). */
bool agency_node_blank_generic (const image_node_t *node);

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
/* Free the file-system state of a session (agency_card_free). */
void agent_iso7816_fs_free (agency_card_t *card);
/* The scan position kept in the image (the MF's image_node_scan_next). */
bool agent_iso7816_scan_pending (const image_t *image, char *df_path,
                                 size_t df_path_size, uint16_t *next_fid);

#endif /* VSC_AGENT_H */
