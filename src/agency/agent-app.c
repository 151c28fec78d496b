/* agent-app.c - what the application agents (OpenPGP card, PIV) share:
 * one planning loop with a callback per agent, the refused-write rule,
 * the unavailable-PIN rule, table lookup (see agent-app.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "agency/agency.h"
#include "agency/agent-app.h"

bool
agent_app_is_mine (const agent_t *agent, const image_node_t *n)
{
  for (; n; n = n->parent)
    if (n->agent)
      return !strcmp (n->agent, agent->name);
  return false;
}

gpg_error_t
agent_app_plan (const agent_t *agent, const image_t *src, const image_t *dst,
                plan_t *plan, const char *no_app,
                agent_app_plan_cb_t plan_entry)
{
  const image_node_t *sapp = image_find_child (&src->root, agent->name);
  const image_node_t *dapp = image_find_child (&dst->root, agent->name);
  gpg_error_t err = 0;
  size_t i;

  for (i = 0; !err && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      const image_node_t *s = e->src;

      if (!s || !agent_app_is_mine (agent, s)
          || e->action == PLAN_NOT_RESTORABLE || e->action == PLAN_EXTRA)
        continue;
      if (!dapp)
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, no_app);
      else if (s->type == IMAGE_NODE_APPLET)
        err = plan_entry_set (plan, e, PLAN_SAME, NULL);
      else
        err = plan_entry (plan, e, sapp, dapp);
    }
  if (!err && sapp && !src->card.atr_len)
    plan->same_model = true;
  return err;
}

bool
agent_app_refusal (const plan_entry_t *e, unsigned absent, char *reason,
                   size_t size)
{
  unsigned sw = e->sw;

  if (!e->err || e->src->type != IMAGE_NODE_DO)
    return false;
  switch (sw)
    {
    case SW_FILE_NOT_FOUND: case SW_REF_NOT_FOUND: case SW_WRONG_P1P2:
    case SW_INCORRECT_P1P2: case SW_INS_NOT_SUPPORTED:
      break;
    case SW_WRONG_LENGTH: case SW_NOT_ENOUGH_MEMORY:
      snprintf (reason, size, _("not restorable: larger than this "
                                "token takes (%s)"), sw_describe (sw));
      return true;
    default:
      if (!absent || sw != absent)
        return false;
    }
  snprintf (reason, size, _("not restorable: this token does "
                            "not have this object (%s)"), sw_describe (sw));
  return true;
}

gpg_error_t
agent_app_not_restorable (plan_t *plan, plan_entry_t *e, const char *reason)
{
  e->err = 0;
  e->sw = 0;
  return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
}

bool
agent_app_pin_unavailable (gpg_error_t err)
{
  return !agency_fatal (err) || gpg_err_code (err) == GPG_ERR_CANCELED
         || gpg_err_code (err) == GPG_ERR_BAD_PIN
         || gpg_err_code (err) == GPG_ERR_PIN_BLOCKED;
}

const void *
agent_app_def (const void *table, size_t n, size_t size, unsigned tag)
{
  const unsigned char *p = table;
  size_t i;

  for (i = 0; i < n; i++, p += size)
    if (*(const unsigned *)p == tag)
      return p;
  return NULL;
}
