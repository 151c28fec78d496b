/* agent-app.h - the parts the application agents (OpenPGP card, PIV)
 * share: the restore-planning loop, refused writes, the PIN a read
 * needs, their tables of data objects
 *
 * Each agent keeps only what is its own: a callback that plans one of
 * its entries, the status words it counts as "absent" beyond the common
 * ones.  See agent-app.c. */
#ifndef VSC_AGENT_APP_H
#define VSC_AGENT_APP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "image/image.h"
#include "image/plan.h"
#include "agency/agent.h"

/* Plans one entry E of the agent's own, not an applet node; SAPP and
 * DAPP are the agent's applet nodes in the source and (non-NULL) the
 * target. */
typedef gpg_error_t (*agent_app_plan_cb_t) (plan_t *plan, plan_entry_t *e,
                                            const image_node_t *sapp,
                                            const image_node_t *dapp);

/* The restore plan of AGENT's entries: entries already not restorable or
 * extra are left alone; without the application on the target, NO_APP
 * says why not restorable; the applet node itself is the same; the rest
 * goes to PLAN_ENTRY.  A source that names no card (a VSC made for key
 * escrow) has no other model to refuse: plan->same_model. */
gpg_error_t agent_app_plan (const agent_t *agent, const image_t *src,
                            const image_t *dst, plan_t *plan,
                            const char *no_app,
                            agent_app_plan_cb_t plan_entry);

/* Whether node N is AGENT's (its nearest node naming an agent). */
bool agent_app_is_mine (const agent_t *agent, const image_node_t *n);

/* E, a data object, was refused with e->sw.  A status word that says the
 * token does not have it (6A82, 6A88, 6B00, 6A86, 6D00, and ABSENT if not
 * 0) or that it is larger than the token takes (6700, 6A84) makes it not
 * restorable here, and the restore goes on: true, REASON filled. */
bool agent_app_refusal (const plan_entry_t *e, unsigned absent,
                        char *reason, size_t size);
/* E is not restorable on this token for REASON: no longer a failure. */
gpg_error_t agent_app_not_restorable (plan_t *plan, plan_entry_t *e,
                                      const char *reason);

/* Whether ERR of agency_ensure_pin means only "this PIN is not
 * available" (not given, refused, blocked, or no transport error): the
 * objects behind it are recorded as unreadable, the backup goes on. */
bool agent_app_pin_unavailable (gpg_error_t err);

/* The entry for TAG in a table of N entries of SIZE bytes each that
 * start with `unsigned tag'; NULL if none. */
const void *agent_app_def (const void *table, size_t n, size_t size,
                           unsigned tag);

#endif /* VSC_AGENT_APP_H */
