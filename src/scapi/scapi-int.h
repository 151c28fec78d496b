/* scapi-int.h - what the facade's files share (not for callers)
 *
 * The facade is split by job: scapi.c (context, readers, cards, the
 * running operation and its error sentence, images), scapi-backup.c,
 * scapi-restore.c, scapi-vsc.c (VSC files), scapi-keys.c (escrow). */
#ifndef VSC_SCAPI_INT_H
#define VSC_SCAPI_INT_H

#include "common/errctx.h"
#include "agency/agency.h"
#include "vsc/vsc.h"
#include "scapi/scapi.h"

struct scapi {
  reader_ctx_t *rctx;
  reader_monitor_t *mon;
};

struct scapi_card {
  scapi_t *s;
  reader_card_t *rc;
  agency_card_t *ac;    /* the agency's session (opaque) */
  bool matched;
  bool reset_seen;      /* an operation stopped on GPG_ERR_CARD_RESET */
  image_t *target;      /* the target image of the last plan */
};

struct scapi_vsc {
  vsc_t *vsc;
};

/* One running operation: turns agency callbacks into scapi ones. */
typedef struct scapi_op {
  const scapi_cb_t *cb;
  scapi_card_t *card;
  double t0;
  unsigned long apdus0;
  bool keep_pins;       /* hand accepted PINs on to the next operation
                           (a restore plan to its restore) */
  scapi_progress_t p;
  size_t found;         /* nodes the scan added (node events) */
  unsigned resets;      /* resets by another program recovered from */
} scapi_op_t;

/* Errors: the thread's error context (common/errctx.h), under the
 * facade's names. scapi_set_error replaces the sentence (its arguments
 * may point into it); scapi_error_note fills the code, node and status
 * word where they are still empty (the innermost failure knows them
 * best). The agents' sentences (agency_set_errtext) are already there. */
#define scapi_set_error errctx_set
#define scapi_error_note errctx_note
#define scapi_clear_error errctx_clear
double scapi_now (void);

/* The running operation: progress, PIN callback, the error sentence. */
void scapi_op_begin (scapi_op_t *op, scapi_card_t *card, const scapi_cb_t *cb);
void scapi_op_end (scapi_op_t *op);
void scapi_op_phase (scapi_op_t *op, scapi_phase_t phase, const char *node);
gpg_error_t scapi_op_fail (scapi_op_t *op, gpg_error_t err, const char *what);

/* Cards: begin a transaction (agents matched once per session), and
 * discovery inside it. */
gpg_error_t scapi_card_begin (scapi_card_t *card);
/* The start of every reading operation: OP enters phase DISCOVER and
 * CARD its transaction (scapi_card_begin). */
gpg_error_t scapi_card_begin_discover (scapi_card_t *card, scapi_op_t *op);
/* Read what the target card holds at the paths of SRC (phase DISCOVER,
 * scapi-restore.c) into *R_DST, with what mapping needs FOR_MAP; on
 * success the card stays in its transaction (end it with reader_end). */
gpg_error_t scapi_read_target (scapi_card_t *card, scapi_op_t *op,
                               const image_t *src, bool for_map,
                               image_t **r_dst);
/* Another program reset the card during operation OP (a command failed
 * with GPG_ERR_CARD_RESET and was not sent): acknowledge it inside the
 * transaction, so that the caller repeats its last whole step - the
 * PINs accepted in this operation are presented again, a refused one
 * stays refused. At most SCAPI_MAX_RESETS per operation, then (and on
 * any failure) ERR is returned unchanged. */
#define SCAPI_MAX_RESETS 3
bool scapi_op_recover_reset (scapi_op_t *op, gpg_error_t err);
gpg_error_t scapi_discover_in (scapi_card_t *card,
                               const scapi_discover_opts_t *opts,
                               image_t **r_image);

/* The restore plan of SRC onto the card whose image is DST, the stored
 * PINs held out of it unless asked (scapi-restore.c; also for mapped
 * restores, scapi-map.c). */
gpg_error_t scapi_plan_image (scapi_card_t *card, const image_t *src,
                              const image_t *dst, plan_t **r_plan);

/* Backup selection: keep the selected subtrees of PARENT (and what is
 * above them). */
gpg_error_t scapi_prune (image_node_t *parent, const scapi_backup_opts_t *o);

#endif /* VSC_SCAPI_INT_H */
