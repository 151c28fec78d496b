/* plan.c - restore plans: match a source image against a target image */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/array.h"
#include "common/i18n.h"
#include "image/plan.h"

gpg_error_t
plan_new (plan_t **r_plan)
{
  *r_plan = xtrycalloc (1, sizeof **r_plan);
  return *r_plan ? 0 : gpg_error_from_syserror ();
}

/* Free what entry E owns. */
static void
plan_entry_release (plan_entry_t *e)
{
  xfree (e->path);
  xfree (e->reason);
  xfree (e->agent);
  xfree (e->fcp);
}

void
plan_free (plan_t *plan)
{
  ARRAY_FREE_OWNER (plan, entries, n, plan_entry_release);
}

gpg_error_t
plan_add (plan_t *plan, plan_action_t action, const image_node_t *src,
          const image_node_t *dst, const char *reason, plan_entry_t **r_entry)
{
  gpg_error_t err;
  plan_entry_t *e;
  const image_node_t *n = src ? src : dst;

  if (action < PLAN_CREATE || action > PLAN_ACTION_MAX || !n)
    return gpg_error (GPG_ERR_INV_ARG);
  err = ARRAY_GROW (plan->entries, plan->cap, plan->n, 32);
  if (err)
    return err;
  e = &plan->entries[plan->n];
  memset (e, 0, sizeof *e);
  e->action = action;
  e->src = src;
  e->dst = dst;
  e->path = image_node_path (n);
  if (!e->path)
    return gpg_error_from_syserror ();
  err = image_setstr (&e->reason, reason);
  if (err)
    {
      xfree (e->path);
      return err;
    }
  plan->n++;
  plan->counts[action]++;
  if (r_entry)
    *r_entry = e;
  return 0;
}

gpg_error_t
plan_entry_set (plan_t *plan, plan_entry_t *e, plan_action_t action,
                const char *reason)
{
  gpg_error_t err;
  if (action < PLAN_CREATE || action > PLAN_ACTION_MAX)
    return gpg_error (GPG_ERR_INV_ARG);
  err = image_setstr (&e->reason, reason);
  if (err)
    return err;
  plan->counts[e->action]--;
  e->action = action;
  plan->counts[action]++;
  return 0;
}

gpg_error_t
plan_entry_set_fcp (plan_entry_t *e, const uint8_t *fcp, size_t n)
{
  return xbytes_set (&e->fcp, &e->fcp_len, fcp, fcp ? n : 0);
}

plan_entry_t *
plan_find (const plan_t *plan, const char *path)
{
  size_t i;
  for (i = 0; i < plan->n; i++)
    if (!strcasecmp (plan->entries[i].path, path))
      return &plan->entries[i];
  return NULL;
}

size_t
plan_count_writes (const plan_t *plan)
{
  return plan->counts[PLAN_CREATE] + plan->counts[PLAN_UPDATE];
}

/* Each action's stable name (JSON, logs) next to its label for people. */
static const struct {
  const char *name;
  const char *label;
} plan_actions[PLAN_ACTION_MAX + 1] = {
  [PLAN_CREATE] = { "create", N_("create") },
  [PLAN_UPDATE] = { "update", N_("update") },
  [PLAN_SAME] = { "same", N_("same") },
  [PLAN_CONFLICT] = { "conflict", N_("conflict") },
  [PLAN_NOT_RESTORABLE] = { "not-restorable", N_("not restorable") },
  [PLAN_EXTRA] = { "extra", N_("only on card") },
};

const char *
plan_action_name (plan_action_t a)
{
  return (unsigned)a <= PLAN_ACTION_MAX && plan_actions[a].name
    ? plan_actions[a].name : "?";
}

const char *
plan_action_label (plan_action_t a)
{
  return (unsigned)a <= PLAN_ACTION_MAX && plan_actions[a].label
    ? _(plan_actions[a].label) : "?";
}

/* ---- plan_compare ------------------------------------------------------ */

static bool
plan_has_data (const image_node_t *n)
{
  return image_node_is_ef (n) || n->type == IMAGE_NODE_RECORD
    || n->type == IMAGE_NODE_DO;
}

static bool
plan_is_record_ef (const image_node_t *n)
{
  return n->type == IMAGE_NODE_EF_LINEAR_FIXED
    || n->type == IMAGE_NODE_EF_LINEAR_VARIABLE
    || n->type == IMAGE_NODE_EF_CYCLIC;
}

/* Is the content "erased" (empty, all 00 or all FF)? */
static bool
plan_erased (const image_node_t *n)
{
  size_t i;
  if (!n->has_content || !n->content_len)
    return true;
  for (i = 1; i < n->content_len; i++)
    if (n->content[i] != n->content[0])
      return false;
  return n->content[0] == 0x00 || n->content[0] == 0xFF;
}

typedef struct plan_ctx {
  plan_t *plan;
  const image_t *src;
  const image_t *dst;
  bool blank;
} plan_ctx_t;

static gpg_error_t
plan_blank_visit (image_node_t *n, unsigned depth, void *ctx)
{
  plan_ctx_t *pc = ctx;
  (void)depth;
  switch (n->type)
    {
    case IMAGE_NODE_MF:
      break;
    case IMAGE_NODE_DF:
    case IMAGE_NODE_APPLET:
    case IMAGE_NODE_KEY:
      pc->blank = false;
      break;
    default:
      if (!plan_erased (n))
        pc->blank = false;
      break;
    }
  return 0;
}

static gpg_error_t
plan_src_visit (image_node_t *s, unsigned depth, void *ctx)
{
  plan_ctx_t *pc = ctx;
  char *path = image_node_path (s);
  const image_node_t *d;
  gpg_error_t err;
  char reason[160];
  (void)depth;

  if (!path)
    return gpg_error_from_syserror ();
  d = image_find_path (pc->dst, path);
  xfree (path);

  if (s->flags & IMAGE_FLAG_NOT_EXTRACTABLE)
    return plan_add (pc->plan, PLAN_NOT_RESTORABLE, s, d,
                     s->note ? s->note
                     : _("not extractable: regenerate or re-import from "
                         "the secret-key area"), NULL);
  if ((s->flags & IMAGE_FLAG_UNREADABLE) && image_node_is_ef (s)
      && s->fcp_len)
    {
      /* The file itself can be recreated from its FCP; its content was
       * never read. */
      snprintf (reason, sizeof reason,
                d ? _("exists; its content was not readable on the "
                      "source card (%s)")
                  : _("structure only: the content was not readable on "
                      "the source card (%s)"), sw_describe (s->sw));
      return plan_add (pc->plan, d ? PLAN_SAME : PLAN_CREATE, s, d, reason,
                       NULL);
    }
  if (s->flags & IMAGE_FLAG_UNREADABLE)
    {
      snprintf (reason, sizeof reason,
                _("not backed up: the card refused to read it (%s)"),
                sw_describe (s->sw));
      return plan_add (pc->plan, PLAN_NOT_RESTORABLE, s, d, reason, NULL);
    }
  if (s->type == IMAGE_NODE_KEY && !s->has_content)
    return plan_add (pc->plan, PLAN_NOT_RESTORABLE, s, d,
                     _("no key material in the VSC"), NULL);
  if ((s->flags & IMAGE_FLAG_TRUNCATED))
    return plan_add (pc->plan, PLAN_NOT_RESTORABLE, s, d,
                     _("not restorable: stored truncated"), NULL);
  if (plan_has_data (s) && !s->has_content && !plan_is_record_ef (s))
    return plan_add (pc->plan, PLAN_NOT_RESTORABLE, s, d,
                     _("not restorable: content not in the VSC"), NULL);

  if (!d)
    return plan_add (pc->plan, PLAN_CREATE, s, NULL, NULL, NULL);
  if (d->type != s->type)
    {
      snprintf (reason, sizeof reason, _("type differs: %s on the card, "
                                         "%s in the VSC"),
                image_type_name (d->type), image_type_name (s->type));
      return plan_add (pc->plan, PLAN_CONFLICT, s, d, reason, NULL);
    }
  if (s->type == IMAGE_NODE_EF_TRANSPARENT && d->size != s->size
      && !(d->flags & IMAGE_FLAG_UNREADABLE))
    {
      snprintf (reason, sizeof reason,
                _("size differs: %zu bytes on the card, %zu in the VSC"),
                d->size, s->size);
      return plan_add (pc->plan, PLAN_CONFLICT, s, d, reason, NULL);
    }
  if (plan_is_record_ef (s) && s->record_len != d->record_len)
    {
      snprintf (reason, sizeof reason,
                _("record length differs: %u on the card, %u in the VSC"),
                d->record_len, s->record_len);
      return plan_add (pc->plan, PLAN_CONFLICT, s, d, reason, NULL);
    }
  if (plan_has_data (s) && !plan_is_record_ef (s))
    {
      bool same = d->has_content && d->content_len == s->content_len
        && (!s->content_len || !memcmp (d->content, s->content,
                                        s->content_len));
      err = plan_add (pc->plan, same ? PLAN_SAME : PLAN_UPDATE, s, d,
                      NULL, NULL);
      return err;
    }
  if (plan_is_record_ef (s) && s->record_count > d->record_count
      && s->type != IMAGE_NODE_EF_LINEAR_VARIABLE)
    {
      snprintf (reason, sizeof reason,
                _("record count differs: %u on the card, %u in the VSC"),
                d->record_count, s->record_count);
      return plan_add (pc->plan, PLAN_CONFLICT, s, d, reason, NULL);
    }
  if (!image_fcp_same (s->fcp, s->fcp_len, d->fcp, d->fcp_len))
    return plan_add (pc->plan, PLAN_SAME, s, d,
                     _("exists; file attributes differ and are kept"), NULL);
  return plan_add (pc->plan, PLAN_SAME, s, d, NULL, NULL);
}

static gpg_error_t
plan_dst_visit (image_node_t *d, unsigned depth, void *ctx)
{
  plan_ctx_t *pc = ctx;
  char *path = image_node_path (d);
  const image_node_t *s;
  (void)depth;

  if (!path)
    return gpg_error_from_syserror ();
  s = image_find_path (pc->src, path);
  xfree (path);
  if (s)
    return 0;
  return plan_add (pc->plan, PLAN_EXTRA, NULL, d,
                   _("only on the card; left as it is"), NULL);
}

gpg_error_t
plan_compare (plan_t *plan, const image_t *src, const image_t *dst)
{
  gpg_error_t err;
  plan_ctx_t pc = { .plan = plan, .src = src, .dst = dst, .blank = true };

  err = image_walk (dst, plan_blank_visit, &pc);
  if (err)
    return err;
  plan->target_blank = pc.blank;
  plan->same_model = src->card.atr_len && src->card.atr_len
    == dst->card.atr_len && !memcmp (src->card.atr, dst->card.atr,
                                     src->card.atr_len);
  err = image_walk (src, plan_src_visit, &pc);
  if (!err)
    err = image_walk (dst, plan_dst_visit, &pc);
  return err;
}
