/* plan.h - a restore plan: what writing an image onto a card would do
 *
 * A plan is built from two images, the source (usually from a VSC) and
 * the target (what the card holds now), and then refined by the agents
 * that own the nodes (agent->plan_restore): they know which security
 * attributes make sense on the target, whether a file fits, and whether
 * an object can be written at all (a private key generated on the
 * original card cannot).
 *
 * Entries are in pre-order of the source image, followed by the nodes
 * that exist only on the target (action PLAN_EXTRA, never written). The
 * restore executes the entries in order and records per entry whether it
 * was written and read back correctly. */
#ifndef VSC_PLAN_H
#define VSC_PLAN_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "image/image.h"

typedef enum plan_action {
  PLAN_CREATE = 1,        /* absent on the target: CREATE FILE + write */
  PLAN_UPDATE,            /* present with other content: write it */
  PLAN_SAME,              /* present and identical: nothing to do */
  PLAN_CONFLICT,          /* present but incompatible (type, size, FCP) */
  PLAN_NOT_RESTORABLE,    /* cannot be written: see reason */
  PLAN_EXTRA              /* only on the target; left alone */
} plan_action_t;
#define PLAN_ACTION_MAX PLAN_EXTRA

typedef struct plan_entry {
  plan_action_t action;
  char *path;             /* node path (image.h syntax) */
  char *reason;           /* why (translated), may be NULL */
  const image_node_t *src;  /* node in the source image, NULL for EXTRA */
  const image_node_t *dst;  /* node in the target image, NULL if absent */
  char *agent;            /* agent that will write it, may be NULL */
  /* FCP to use for CREATE FILE, mapped for the target; NULL = derive. */
  uint8_t *fcp;
  size_t fcp_len;
  /* The target cannot enforce this node's PIN condition yet: its PIN
   * NEEDS_PIN is still in its creation state (no value). With
   * set_pins and that PIN stored in the VSC the restore sets the PIN
   * first and then writes the node as HELD_ACTION; otherwise the entry
   * stays not restorable. 0: none. */
  uint8_t needs_pin;
  plan_action_t held_action;
  /* Filled in by the restore. */
  bool written;           /* all bytes were written */
  bool verified;          /* read back and equal */
  gpg_error_t err;        /* why writing/verifying failed, 0 otherwise */
  unsigned sw;            /* card status word of the failure, 0 if none */
} plan_entry_t;

typedef struct plan {
  size_t n;
  plan_entry_t *entries;
  size_t cap;
  size_t counts[PLAN_ACTION_MAX + 1];  /* entries per action */
  bool target_blank;      /* target had no data files (only MF/skeleton) */
  bool same_model;        /* target ATR/agents equal the source's */
} plan_t;

gpg_error_t plan_new (plan_t **r_plan);
void plan_free (plan_t *plan);                /* NULL is fine */

/* Append an entry (copies PATH/REASON). *R_ENTRY (may be NULL) points
 * into the plan and is valid until the next plan_add. */
gpg_error_t plan_add (plan_t *plan, plan_action_t action,
                      const image_node_t *src, const image_node_t *dst,
                      const char *reason, plan_entry_t **r_entry);
/* Change an entry's action and reason (counts are kept right). */
gpg_error_t plan_entry_set (plan_t *plan, plan_entry_t *e,
                            plan_action_t action, const char *reason);
gpg_error_t plan_entry_set_fcp (plan_entry_t *e, const uint8_t *fcp,
                                size_t n);
/* Entry for a path, NULL if none. */
plan_entry_t *plan_find (const plan_t *plan, const char *path);

/* The generic part: match SRC and DST node by node by path and decide
 * CREATE / UPDATE / SAME / CONFLICT (type or record structure differs) /
 * NOT_RESTORABLE (not extractable, unreadable or truncated in the
 * source, no content), then add EXTRA for target-only nodes. Sets
 * target_blank and same_model. Agents refine the result. */
gpg_error_t plan_compare (plan_t *plan, const image_t *src,
                          const image_t *dst);

/* Number of entries that would write to the card (CREATE + UPDATE). */
size_t plan_count_writes (const plan_t *plan);

/* "create", "update", "same", "conflict", "not-restorable", "extra"
 * (stable, for JSON) and a translated label for people. */
const char *plan_action_name (plan_action_t a);
const char *plan_action_label (plan_action_t a);

#endif /* VSC_PLAN_H */
