/* scapi.h - the smart card API facade (component 12)
 *
 * The one interface the manager UI (vscman), the CLI (vsctool) and the
 * server call. It wraps the reader handler (src/reader), the agency and
 * its agents (src/agency), the card image (src/image) and the VSC
 * control (src/vsc); callers never touch those directly.
 *
 * THREADS AND CALLBACKS
 *
 * Every long operation (scapi_discover, scapi_backup, scapi_restore,
 * scapi_image_load of a card) is synchronous and may be run on a worker
 * thread (src/scapi/worker.h). It reports through the callbacks in
 * scapi_cb_t, which are invoked ON THE THREAD RUNNING THE OPERATION:
 *
 *  - progress: gets a plain-data struct (fixed-size arrays, no pointers)
 *    so it can be copied byte-for-byte into a pipe and read by a poll()
 *    loop on the UI thread. The callback must not block for long.
 *  - pin: asks for the PIN of one reference. It blocks the operation
 *    until answered, so a UI implements it by sending the request over
 *    the worker pipe and waiting for the answer (text field without
 *    echo). The request carries the retry counter read from the card
 *    BEFORE asking; the answer is a NUL-terminated PIN in secure memory
 *    (xtrymalloc_secure; scapi wipes and frees it) or GPG_ERR_CANCELED.
 *    A PIN is asked at most once per reference per card session and is
 *    never retried automatically: a wrong PIN (63Cx) ends the use of
 *    that reference, the protected nodes are reported as not read. A
 *    PIN the card accepted is held in secure memory until the operation
 *    ends (a restore plan hands it on to its restore) and presented
 *    again when the token dropped the verification (real tokens do on
 *    every switch between their applications); it is wiped then. (Only
 *    when a later operation finds the verification gone is it asked
 *    again.)
 *    On a PIN-pad reader the callback is called with pinpad = true only
 *    to tell the user to type on the reader; it returns 0 with *R_PIN
 *    NULL (or GPG_ERR_CANCELED).
 *  - password: asks for a VSC password (scapi_image_load of a VSC).
 *  - cancel: if non-NULL, set *cancel to non-zero from any thread (or a
 *    signal handler); the operation stops before its next APDU and
 *    returns GPG_ERR_CANCELED. A file being written is completed or
 *    reported as cut (restore entries say what was written).
 *
 * Any callback pointer may be NULL: no progress; no PIN (protected nodes
 * are then reported as not read: "PIN N not given"); no password.
 *
 * CARD SESSIONS
 *
 * Each operation brackets its APDUs in reader_begin/reader_end. If the
 * card is reset by another process (GPG_ERR_CARD_RESET, PIN state lost)
 * or removed (GPG_ERR_CARD_REMOVED) the operation stops with that
 * error; scapi_last_error_text() then holds a sentence for people
 * ("the card was removed while reading 3F00/5015/4401"). Nothing is
 * retried behind the user's back. */
#ifndef VSC_SCAPI_H
#define VSC_SCAPI_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/errctx.h"
#include "reader/reader.h"
#include "vsc/vsc.h"
#include "image/image.h"
#include "image/plan.h"

typedef struct scapi scapi_t;            /* a reader backend context */
typedef struct scapi_card scapi_card_t;  /* a session with one card */
typedef struct scapi_vsc scapi_vsc_t;    /* an open VSC file */

/* ---- callbacks ------------------------------------------------------- */

#define SCAPI_PATH_MAX 256

typedef enum scapi_phase {
  SCAPI_PHASE_CONNECT = 1,
  SCAPI_PHASE_DISCOVER,      /* walking the card's structure */
  SCAPI_PHASE_SCAN,          /* bounded FID scan */
  SCAPI_PHASE_READ,          /* reading content */
  SCAPI_PHASE_VERIFY_PIN,
  SCAPI_PHASE_SAVE,          /* writing the VSC (includes the KDF) */
  SCAPI_PHASE_PLAN,
  SCAPI_PHASE_WRITE,         /* writing to the card */
  SCAPI_PHASE_READBACK,      /* reading back what was written */
  SCAPI_PHASE_DONE
} scapi_phase_t;

/* Plain data: may be copied through a pipe as is. */
typedef struct scapi_progress {
  scapi_phase_t phase;
  char node[SCAPI_PATH_MAX];   /* current node path, "" if none */
  size_t nodes_done;
  size_t nodes_total;          /* 0 = not known yet */
  size_t bytes_done;
  size_t bytes_total;          /* 0 = not known yet */
  unsigned long apdus;         /* APDUs sent so far in this operation */
  double elapsed;              /* seconds since the operation started */
  double eta;                  /* seconds left, < 0 = unknown: from the
                                  measured APDU rate and the work known
                                  to be left (the scan: its budget) */
  /* Where the work is (phase SCAN: the DF being scanned, "3F00/7000";
   * other phases ""), how much of it is known to be done, and how fast
   * the card answers. */
  char scope[SCAPI_PATH_MAX];
  int percent;                 /* of the known work, 0..100; -1 unknown */
  unsigned long scan_done;     /* SELECTs the FID scan has sent */
  unsigned long scan_budget;   /* its budget; 0 = no scan (yet) */
  int scan_percent;            /* scan_done of scan_budget, -1 if none */
  double apdu_rate;            /* APDUs per second so far, 0 unknown */
} scapi_progress_t;

typedef void (*scapi_progress_fn) (void *ctx, const scapi_progress_t *p);

/* Plain data, like scapi_progress_t. */
typedef struct scapi_pin_request {
  uint8_t ref;                 /* PIN reference (VERIFY P2) */
  char label[64];              /* "User PIN", "PW1", "" if unknown */
  int retries;                 /* retry counter before asking, -1 unknown */
  bool pinpad;                 /* user types on the reader */
  size_t min_len, max_len;     /* 0 = unknown */
  char node[SCAPI_PATH_MAX];   /* a node that needs it */
} scapi_pin_request_t;

/* Return 0 and *R_PIN (secure memory, NUL-terminated; NULL for a pin
 * pad), or GPG_ERR_CANCELED. */
typedef gpg_error_t (*scapi_pin_fn) (void *ctx,
                                     const scapi_pin_request_t *req,
                                     char **r_pin);

/* Return 0 and *R_PW (secure memory) or GPG_ERR_CANCELED. */
typedef gpg_error_t (*scapi_password_fn) (void *ctx, const char *vsc_path,
                                          char **r_pw);

/* A node the FID scan found (plain data, like scapi_progress_t). */
typedef struct scapi_node_event {
  char path[SCAPI_PATH_MAX];   /* "3F00/7000/7001" */
  image_type_t type;
  size_t size;                 /* declared size (EFs), 0 if unknown */
  unsigned flags;              /* IMAGE_FLAG_* (unreadable, ...) */
  unsigned sw;                 /* for IMAGE_FLAG_UNREADABLE */
  image_ac_t read, write;      /* access conditions as far as known */
  uint8_t read_ref, write_ref; /* their PIN / key references */
  image_area_t area;           /* the VSC area it goes to */
  image_source_t source;       /* where it was found (FID scan, PKCS#15
                                  directory file) */
} scapi_node_event_t;

typedef void (*scapi_node_fn) (void *ctx, const scapi_node_event_t *ev);

typedef struct scapi_cb {
  scapi_progress_fn progress;
  void *progress_ctx;
  scapi_pin_fn pin;
  void *pin_ctx;
  scapi_password_fn password;
  void *password_ctx;
  volatile int *cancel;
  /* Every node the FID scan adds (scapi_discover, scapi_scan,
   * scapi_backup), on the operation's thread right after it was added;
   * NULL: not reported. Never coalesce these (worker_post). */
  scapi_node_fn node_added;
  void *node_ctx;
} scapi_cb_t;

/* ---- context, readers ------------------------------------------------ */

/* BACKEND: NULL or "pcsc" for PC/SC; "emu:PROFILE[,PROFILE...]" for the
 * in-process emulator (one reader "vscemu N" per profile). */
gpg_error_t scapi_new (const char *backend, scapi_t **r_s);
void scapi_free (scapi_t *s);

/* Readers and whether a card is in them (reader_info_t from reader.h). */
gpg_error_t scapi_readers (scapi_t *s, reader_info_t **r_list, size_t *r_n);

/* Insertion monitor: *R_FD becomes readable on changes; drain with
 * scapi_monitor_next (GPG_ERR_EAGAIN when empty). */
gpg_error_t scapi_monitor_start (scapi_t *s, int *r_fd);
gpg_error_t scapi_monitor_next (scapi_t *s, reader_event_t *ev);
void scapi_monitor_stop (scapi_t *s);

/* For tests and the demo (emu backend only). */
gpg_error_t scapi_emu_remove_after (scapi_t *s, unsigned index,
                                    unsigned long n_apdus);
/* Insert (PRESENT) or pull the card of emulated reader INDEX. */
gpg_error_t scapi_emu_set_present (scapi_t *s, unsigned index, bool present);

/* The underlying reader context (for tests only: the manager and vsctool
 * stay above the facade, tests/integration/layers.sh checks). */
reader_ctx_t *scapi_reader_ctx (scapi_t *s);

/* ---- cards ----------------------------------------------------------- */

/* Connect to the card in READER (NULL: first reader with a card). */
gpg_error_t scapi_card_open (scapi_t *s, const char *reader,
                             scapi_card_t **r_card);
void scapi_card_close (scapi_card_t *card);

typedef struct scapi_card_info {
  char reader[READER_NAME_MAX];
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
  char label[128];             /* token label, "" if none */
  char serial[64];             /* "" if none */
  size_t n_agents;
  char agents[8][16];          /* matching agents, specific first */
  bool blank;                  /* no application/data files found */
  bool ext_apdu;               /* extended length in use */
} scapi_card_info_t;

/* Which agents match, label and serial (a few APDUs, no discovery). */
gpg_error_t scapi_card_identify (scapi_card_t *card, scapi_card_info_t *info);
/* The same from an IMAGE this session discovered (no APDU): a caller
 * that discovers anyway does not discover twice. */
gpg_error_t scapi_card_describe (scapi_card_t *card, const image_t *image,
                                 scapi_card_info_t *info);

/* APDUs sent on this card session so far (all operations). */
unsigned long scapi_card_apdus (scapi_card_t *card);

/* ---- discovery ------------------------------------------------------- */

typedef struct scapi_scan_range {
  uint16_t first, last;        /* FIDs, inclusive */
} scapi_scan_range_t;

typedef struct scapi_discover_opts {
  bool read_content;           /* also read EF content (else structure) */
  bool no_scan;                /* skip the bounded FID scan */
  unsigned long scan_budget;   /* max SELECTs for the scan; 0 = default */
  const scapi_scan_range_t *ranges;  /* NULL = default ranges */
  size_t n_ranges;
  /* Continue a scan stopped by its budget: the position is kept in the
   * image (and so in the VSC); pass the previous image here. */
  const image_t *resume;
  /* The tree first: leave what can wait (the PKCS#15 directory files
   * and the objects they list) to a scapi_scan of the image on the same
   * session (scapi_card_deferred says whether there is any); a
   * scapi_backup given such an image reads it itself. */
  bool defer;
} scapi_discover_opts_t;

/* Card -> image. Every matching agent contributes its subtree. */
gpg_error_t scapi_discover (scapi_card_t *card,
                            const scapi_discover_opts_t *opts,
                            const scapi_cb_t *cb, image_t **r_image);

/* Where the scan stopped (for "continue scanning" in the UI): true if a
 * budget or a cancel stopped it; *NEXT_FID the next FID it would try. */
bool scapi_image_scan_pending (const image_t *image, uint16_t *next_fid);
/* The same as a sentence part for people: "3F00/5015 from FID 4C03
 * (phase 3 of 3)"; false (BUF "") if the scan is complete. */
bool scapi_image_scan_position (const image_t *image, char *buf,
                                size_t size);
/* Give DST the position where the scan of SRC (the same card) stopped:
 * scapi_scan of DST goes on from there. */
gpg_error_t scapi_image_scan_position_copy (image_t *dst,
                                           const image_t *src);

/* ---- the tree first, the scan after ---------------------------------- */

typedef struct scapi_scan_report {
  unsigned long selects;       /* SELECTs the scan sent */
  unsigned long apdus;         /* APDUs of the whole call */
  size_t found;                /* nodes it added */
  bool pending;                /* stopped by its budget or a cancel */
  char next[SCAPI_PATH_MAX];   /* where it goes on (see
                                  scapi_image_scan_position; stopped
                                  before the scan: scapi_card_deferred's
                                  text), "" */
  char *coverage;              /* what it covered, one line per DF and a
                                  last line on how it ended (owned;
                                  scapi_scan_report_free) */
  double seconds;
} scapi_scan_report_t;

void scapi_scan_report_free (scapi_scan_report_t *rep);

/* Did the discovery of this session (scapi_discover with defer) leave
 * work that no scapi_scan has done yet? WHAT (may be NULL) gets what it
 * is, for people ("the PKCS#15 directory files"). */
bool scapi_card_deferred (scapi_card_t *card, char *what, size_t size);

/* The bounded FID scan of IMAGE's card, after a scapi_discover with
 * no_scan (the tree of what the card lists, shown at once). First what
 * that discovery left for later (opts defer: the PKCS#15 directory
 * files, each node added reported through cb->node_added, progress in
 * phase DISCOVER/READ), then, unless OPTS->no_scan, the scan: the scan
 * adds what it finds to IMAGE, reporting every node through
 * cb->node_added and every SELECT through cb->progress (phase SCAN,
 * scope = the DF). OPTS: budget and ranges (NULL = defaults; read_content
 * reads what is found). A scan stopped by its budget or by cb->cancel
 * (GPG_ERR_CANCELED) keeps what it found and records its position in
 * IMAGE (the MF's typed state, image_node_scan_next), so the next
 * scapi_scan of IMAGE, or a
 * scapi_backup given IMAGE, goes on from there / says what was not
 * scanned. IMAGE must not be read by another thread while this runs. */
gpg_error_t scapi_scan (scapi_card_t *card, image_t *image,
                        const scapi_discover_opts_t *opts,
                        const scapi_cb_t *cb, scapi_scan_report_t *rep);

/* ---- backup ---------------------------------------------------------- */

typedef struct scapi_missing {
  char *path;
  char *reason;                /* translated sentence */
  unsigned sw;                 /* 0 if not from the card */
} scapi_missing_t;

typedef struct scapi_summary {
  size_t nodes;                /* nodes stored in the VSC */
  size_t bytes;                /* content bytes stored */
  unsigned long apdus;         /* APDUs of the whole operation */
  unsigned long scan_apdus;    /* of which discovery probes that found
                                  nothing (FID scan misses, absent
                                  well-known files and applications) */
  unsigned long pin_apdus;     /* of which VERIFY / retry queries */
  double seconds;              /* wall time of the whole operation */
  double save_seconds;         /* of which saving the VSC (KDF incl.) */
  size_t n_missing;            /* nodes not read, and why */
  scapi_missing_t *missing;
  char uuid[37];               /* the VSC's UUID */
  char *password;              /* generated password (secure memory),
                                  NULL if the caller gave one */
  bool scan_pending;           /* scan budget exhausted or scan cancelled
                                  (of a given image); run again */
  char scan_next[SCAPI_PATH_MAX]; /* where the scan would go on, "" */
  unsigned long scan_selects;  /* SELECTs of this run's FID scan */
  char *scan_coverage;         /* what this run's scan covered (lines),
                                  NULL if none ran */
} scapi_summary_t;

void scapi_summary_free (scapi_summary_t *sum);  /* wipes the password */

typedef struct scapi_backup_opts {
  const char *const *select;   /* node paths (subtrees), NULL = all */
  size_t n_select;
  const char *out_path;        /* VSC file to write */
  scapi_vsc_t *vsc;            /* or: an open VSC to put the nodes into
                                  (then out_path is ignored) */
  const char *password;        /* for a new VSC; NULL = generate */
  bool overwrite;              /* (reserved; an existing out_path is
                                  refused) */
  scapi_discover_opts_t discover;
  /* Argon2id parameters for a new VSC (0 = the defaults). */
  unsigned long kdf_m_kib, kdf_t, kdf_p;
  /* Store every PIN verified during the backup as a private-area node
   * "pins/RR" (RR = reference in hex; content = the PIN; its PIN
   * scope and label: image_node_pin_scope). Off: no PIN is kept beyond its VERIFY. */
  bool store_pins;
} scapi_backup_opts_t;

/* Back up the card: discover (or use IMAGE if not NULL: a discovered
 * image the user selected from), read the selected nodes (asking PINs
 * for protected ones), put them into the VSC's areas by access
 * condition, save atomically. The output file is either the old one
 * (or absent) or complete: never partial. */
gpg_error_t scapi_backup (scapi_card_t *card, const image_t *image,
                          const scapi_backup_opts_t *opts,
                          const scapi_cb_t *cb, scapi_summary_t *sum);

/* ---- restore --------------------------------------------------------- */

/* Read the target card and plan restoring SRC onto it (no writes). */
gpg_error_t scapi_restore_plan (scapi_card_t *card, const image_t *src,
                                const scapi_cb_t *cb, plan_t **r_plan);

typedef struct scapi_restore_opts {
  bool force;                  /* write to a non-blank / other-model card */
  bool dry_run;                /* stop after the plan (no APDU writes) */
  /* After the data, set each PIN stored in the VSC ("pins/RR") with
   * CHANGE REFERENCE DATA, asking the target's current PIN for RR once
   * through cb->pin; without it those entries stay "not restorable"
   * ("PINs are set only with --set-pins"). */
  bool set_pins;
} scapi_restore_opts_t;

typedef struct scapi_restore_report {
  size_t written;              /* entries written completely */
  size_t verified;             /* of which read back equal */
  size_t failed;               /* entries that failed (err set) */
  size_t skipped;              /* same / not restorable / conflict */
  unsigned long apdus;
  double seconds;
  char stopped_at[SCAPI_PATH_MAX]; /* node being written when stopped */
} scapi_restore_report_t;

/* Execute PLAN (from scapi_restore_plan with the same SRC): refuse with
 * GPG_ERR_CONFLICT if the target is not blank or another model and not
 * opts->force; create and write every CREATE/UPDATE entry, read back and
 * compare. Per-entry results are recorded in the plan entries. On card
 * removal / reset / refusal the restore stops, returns the error and the
 * entries say exactly what was written. */
gpg_error_t scapi_restore (scapi_card_t *card, const image_t *src,
                           plan_t *plan, const scapi_restore_opts_t *opts,
                           const scapi_cb_t *cb,
                           scapi_restore_report_t *report);

/* Is PATH a stored PIN node ("pins/RR") or their container ("pins")?
 * *R_REF (may be NULL) gets RR, or -1 for the container. */
bool scapi_pin_path (const char *path, int *r_ref);

/* ---- images and diff ------------------------------------------------- */

/* Load an image from SPEC: a VSC file path (password through
 * cb->password; without one only the public area, marked unverified),
 * "card:" or "card:READER" (PC/SC, discovered with content), or
 * "emu:PROFILE" (in-process emulator). S may be NULL for a VSC path. */
gpg_error_t scapi_image_load (scapi_t *s, const char *spec,
                              const scapi_cb_t *cb, image_t **r_image);

/* The same with discovery options for "card:"/"emu:" specs (scan
 * budget and ranges); OPTS NULL = defaults, content always read. */
gpg_error_t scapi_image_load_ex (scapi_t *s, const char *spec,
                                 const scapi_discover_opts_t *opts,
                                 const scapi_cb_t *cb, image_t **r_image);

/* Per-node differences (image_diff). */
gpg_error_t scapi_diff (const image_t *a, const image_t *b,
                        image_diff_t **r_diff);

/* ---- VSC files (thin wrappers over src/vsc) --------------------------
 * The manager and vsctool open, change and check VSC files only through
 * these (the types vsc_info_t, vsc_kdf_params_t, vsc_area_t come from
 * vsc.h). After a failure scapi_last_error_text has the sentence. */

/* Create a new VSC at PATH (refuses an existing file) for the card
 * IDENTITY (may be NULL). PASSWORD NULL: a strong one is generated and
 * returned once in *R_PASSWORD (secure memory; else *R_PASSWORD NULL).
 * KDF NULL: the default Argon2id parameters. The file is written (empty)
 * only at scapi_vsc_save. */
gpg_error_t scapi_vsc_create (const char *path, const char *password,
                              const image_card_t *identity,
                              const vsc_kdf_params_t *kdf,
                              scapi_vsc_t **r_vsc, char **r_password);
/* Open. PASSWORD NULL: public and identifier areas only, unverified. */
gpg_error_t scapi_vsc_open (const char *path, const char *password,
                            scapi_vsc_t **r_vsc);
/* Save atomically (generation checked: GPG_ERR_CONFLICT if the file
 * changed since it was opened). */
gpg_error_t scapi_vsc_save (scapi_vsc_t *vsc);
void scapi_vsc_close (scapi_vsc_t *vsc);        /* wipes */

/* The VSC's image (owned by the VSC; valid until close or a change). */
const image_t *scapi_vsc_image (scapi_vsc_t *vsc);
/* The same image to change in place (label, escrowed keys), then
 * scapi_vsc_save. */
image_t *scapi_vsc_edit (scapi_vsc_t *vsc);
/* UUID, generation, times, KDF, area sizes, node counts. */
void scapi_vsc_info (scapi_vsc_t *vsc, vsc_info_t *info);
/* Name of a file area ("header", "public", ...; not translated). */
const char *scapi_vsc_area_name (vsc_area_t area);
/* Replace the VSC's content by a copy of IMAGE (nodes keep their area;
 * SELECT = NULL: all nodes, else only these subtrees). */
gpg_error_t scapi_vsc_set_image (scapi_vsc_t *vsc, const image_t *image,
                                 const char *const *select, size_t n_select);
const char *scapi_vsc_uuid (scapi_vsc_t *vsc);   /* "xxxxxxxx-..." */
const char *scapi_vsc_path (scapi_vsc_t *vsc);
bool scapi_vsc_unlocked (scapi_vsc_t *vsc);     /* opened with password */

/* New password (NULL: generate, returned once in *R_PASSWORD) and fresh
 * data key, KDF NULL: the defaults; saves. */
gpg_error_t scapi_vsc_passwd (scapi_vsc_t *vsc, const char *new_password,
                              const vsc_kdf_params_t *kdf,
                              char **r_password);
/* Check every byte of PATH with PASSWORD (NULL: structure only).
 * R_INFO (may be NULL) gets UUID and generation; on failure
 * scapi_last_error ()->area names the area that failed (or -1). */
gpg_error_t scapi_vsc_verify (const char *path, const char *password,
                              vsc_info_t *r_info);
/* Write a copy with only the identifier and public areas. */
gpg_error_t scapi_vsc_export_public (scapi_vsc_t *vsc, const char *out_path);
/* Add or replace a node's content (AREA -1: keep / public). A new node
 * gets TYPE, or with TYPE <= 0 the type its path implies (key-* a key,
 * else a transparent EF); an existing one of another TYPE is refused
 * (GPG_ERR_CONFLICT). The content is then the node's whole content: it
 * is no longer truncated or unreadable. */
gpg_error_t scapi_vsc_put (scapi_vsc_t *vsc, const char *node_path,
                           const void *data, size_t n, int area, int type);
/* Remove a node and its subtree. */
gpg_error_t scapi_vsc_rm (scapi_vsc_t *vsc, const char *node_path);

/* ---- messages --------------------------------------------------------
 * One error context per thread: every facade call that fails leaves
 * here what a person and a program need to know about it (the key
 * functions of scapi-keys.h too). A call that starts clears it. */

/* The thread's error context (common/errctx.h: code, sentence, node
 * path, status word, VSC area): the layers below the facade fill it too. */
typedef errctx_t scapi_error_t;

/* The last failure on this thread (valid until the next facade call). */
const scapi_error_t *scapi_last_error (void);

/* Its sentence (names the node and the card's status word where there is
 * one), or "" if none: scapi_last_error ()->text. */
const char *scapi_last_error_text (void);

/* Translated name of a phase ("reading", ...). */
const char *scapi_phase_label (scapi_phase_t phase);

#endif /* VSC_SCAPI_H */
