/* scapi-restore.c - VSC -> card: plan against the target, refuse a card
 * that is not blank, write, read back, and say exactly which nodes were
 * written; stored PINs are set last, only when asked. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include <stdlib.h>

#include "common/util.h"
#include "common/i18n.h"
#include "scapi/scapi-int.h"

/* Stored PINs are never written like data: they stay out of the plan
 * until scapi_restore is asked to set them. Their container "pins" is
 * no card object at all. */
static gpg_error_t
scapi_plan_pins (plan_t *plan)
{
  gpg_error_t err = 0;
  size_t i;
  int ref;

  for (i = 0; i < plan->n && !err; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      if (e->action == PLAN_EXTRA || !scapi_pin_path (e->path, &ref))
        continue;
      if (ref < 0)
        err = plan_entry_set (plan, e, PLAN_SAME,
                              _("the PINs stored in the VSC"));
      else
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                              _("skipped: PINs are set only with "
                                "--set-pins"));
    }
  return err;
}

gpg_error_t
scapi_plan_image (scapi_card_t *card, const image_t *src,
                  const image_t *dst, plan_t **r_plan)
{
  gpg_error_t err;
  plan_t *plan = NULL;

  *r_plan = NULL;
  err = plan_new (&plan);
  if (!err)
    err = agency_plan (card->ac, src, dst, plan);
  if (!err)
    err = scapi_plan_pins (plan);
  if (err)
    plan_free (plan);
  else
    *r_plan = plan;
  return err;
}

gpg_error_t
scapi_read_target (scapi_card_t *card, scapi_op_t *op, const image_t *src,
                   bool for_map, image_t **r_dst)
{
  gpg_error_t err;

  err = scapi_card_begin_discover (card, op);
  if (err)
    return err;
  err = agency_plan_target (card->ac, src, for_map, r_dst);
  if (err)
    reader_end (card->rc);
  return err;
}

gpg_error_t
scapi_restore_plan (scapi_card_t *card, const image_t *src,
                    const scapi_cb_t *cb, plan_t **r_plan)
{
  gpg_error_t err;
  scapi_op_t op;
  image_t *dst = NULL;
  plan_t *plan = NULL;

  *r_plan = NULL;
  scapi_op_begin (&op, card, cb);
  err = scapi_read_target (card, &op, src, false, &dst);
  if (err)
    goto leave;
  reader_end (card->rc);
  scapi_op_phase (&op, SCAPI_PHASE_PLAN, NULL);
  err = scapi_plan_image (card, src, dst, &plan);
  if (err)
    goto leave;
  image_free (card->target);
  card->target = dst;
  dst = NULL;
  *r_plan = plan;
  plan = NULL;

 leave:
  if (err)
    err = scapi_op_fail (&op, err, _("reading the target card"));
  plan_free (plan);
  image_free (dst);
  /* The PINs the plan needed are presented again by the restore (a
   * token may drop them in between); scapi_restore or closing the card
   * wipes them. */
  op.keep_pins = !err;
  scapi_op_end (&op);
  return err;
}


/* --set-pins with PIN REF in the VSC (entry PE): the files held back
 * because REF is unset on the target are written after all, once REF
 * is set first (FIRST[REF]). */
static gpg_error_t
scapi_release_held (plan_t *plan, plan_entry_t *pe, uint8_t ref, bool *first)
{
  gpg_error_t err = 0;
  char reason[160];
  size_t i;

  for (i = 0; !err && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      if (e->needs_pin != ref || e->action != PLAN_NOT_RESTORABLE)
        continue;
      snprintf (reason, sizeof reason,
                _("written after PIN %02X is set (it is in its creation "
                  "state on the target card)"), ref);
      err = plan_entry_set (plan, e, e->held_action, reason);
      first[ref] = true;
    }
  if (!err && first[ref])
    err = plan_entry_set (plan, pe, PLAN_UPDATE,
                          _("PIN: set first (creation state on the target "
                            "card), before the files it protects"));
  return err;
}

/* PIN REF could not be set: hold its files back again. */
static gpg_error_t
scapi_hold_again (plan_t *plan, uint8_t ref, const plan_entry_t *pe)
{
  gpg_error_t err = 0;
  char reason[200];
  size_t i;

  snprintf (reason, sizeof reason,
            _("not written: PIN %02X could not be set on the target card, "
              "which would not protect this file"), ref);
  for (i = 0; !err && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      if (e != pe && e->needs_pin == ref
          && (e->action == PLAN_CREATE || e->action == PLAN_UPDATE))
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
    }
  return err;
}

static bool
scapi_restore_deferred (const plan_entry_t *e)
{
  const image_node_t *n = e->src;
  if (n && n->type == IMAGE_NODE_RECORD)
    n = n->parent;
  return n && image_node_is_ef (n) && n->access.write == IMAGE_AC_NEVER;
}

/* Set the PIN of entry E on the target (FIRST: a PIN that protects files,
 * set before them) and count it in REPORT. A PIN entry that turned out
 * to have no reference on the target (no longer PLAN_UPDATE) counts as
 * skipped. */
static gpg_error_t
scapi_restore_pin_entry (scapi_card_t *card, scapi_op_t *op,
                         const image_t *src, plan_t *plan, plan_entry_t *e,
                         bool first, scapi_restore_report_t *report)
{
  gpg_error_t err;

  snprintf (report->stopped_at, sizeof report->stopped_at, "%s", e->path);
  scapi_op_phase (op, SCAPI_PHASE_WRITE, e->path);
  err = first ? agency_restore_first_pin (card->ac, src, plan, e)
              : agency_restore_pin (card->ac, src, plan, e);
  if (err)
    {
      e->err = err;
      report->failed++;
      return err;
    }
  if (!first && e->action != PLAN_UPDATE)
    {
      report->skipped++;
      return 0;
    }
  if (e->written)
    report->written++;
  if (e->verified)
    report->verified++;
  return 0;
}

gpg_error_t
scapi_restore (scapi_card_t *card, const image_t *src, plan_t *plan,
               const scapi_restore_opts_t *opts, const scapi_cb_t *cb,
               scapi_restore_report_t *report)
{
  gpg_error_t err = 0;
  scapi_op_t op;
  size_t i;
  bool in_tx = false;
  bool force = opts && opts->force;
  gpg_error_t pin_err = 0;
  errctx_t pin_ctx = { .area = -1 };   /* the sentence of PIN_ERR (the writes after it
                           may leave the agents' sentences) */
  bool first[256];

  memset (first, 0, sizeof first);
  memset (report, 0, sizeof *report);
  scapi_op_begin (&op, card, cb);
  if (opts && opts->set_pins)
    for (i = 0; i < plan->n; i++)
      {
        plan_entry_t *e = &plan->entries[i];
        int ref;
        if (e->action == PLAN_NOT_RESTORABLE && e->src
            && scapi_pin_path (e->path, &ref) && ref >= 0)
          {
            err = plan_entry_set (plan, e, PLAN_UPDATE,
                                  _("PIN: set with CHANGE REFERENCE DATA "
                                    "after the data"));
            if (!err)
              err = scapi_release_held (plan, e, (uint8_t)ref, first);
            if (err)
              goto leave;
          }
      }
  for (i = 0; i < plan->n; i++)
    if (plan->entries[i].action == PLAN_CREATE
        || plan->entries[i].action == PLAN_UPDATE)
      {
        op.p.nodes_total++;
        if (plan->entries[i].src)
          op.p.bytes_total += plan->entries[i].src->content_len;
      }
    else
      report->skipped++;
  if (opts && opts->dry_run)
    goto leave;
  if (!force && !plan->target_blank)
    {
      err = gpg_error (GPG_ERR_CONFLICT);
      scapi_set_error (_("the target card is not blank; use --force to "
                         "write to it anyway"));
      goto leave;
    }
  if (!force && !plan->same_model && card->target
      && !agency_is_emulator (card->target))
    {
      err = gpg_error (GPG_ERR_CONFLICT);
      scapi_set_error (_("the target card is another model than the "
                         "backed-up one; use --force to write to it "
                         "anyway"));
      goto leave;
    }

  err = reader_begin (card->rc);
  if (err)
    goto leave;
  in_tx = true;
  /* PINs that protected files wait for (their creation state on the
   * target): set before those files are written. */
  for (i = 0; i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      int ref;
      if (e->action != PLAN_UPDATE || !scapi_pin_path (e->path, &ref)
          || ref < 0 || !first[ref])
        continue;
      err = scapi_restore_pin_entry (card, &op, src, plan, e, true, report);
      if (err)
        goto leave;
      if (!e->verified)
        {
          /* Not set: what it was to protect is not written. */
          report->failed++;
          err = scapi_hold_again (plan, (uint8_t)ref, e);
          if (err)
            goto leave;
          if (!pin_err)
            {
              pin_err = e->err ? e->err : gpg_error (GPG_ERR_BAD_PIN);
              scapi_set_error (_("PIN %02X could not be set on the target "
                                 "card (%s); the files it protects were not "
                                 "written"), ref,
                               e->sw ? sw_describe (e->sw)
                               : gpg_strerror (pin_err));
              pin_ctx = *errctx_get ();
            }
        }
      op.p.nodes_done++;
    }
  /* Two passes: files that can never be updated once operational go
   * last, so a card that enforces their attributes already while they
   * are being initialised refuses as late as possible. */
  for (i = 0; i < 2 * plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i % plan->n];
      if (e->action != PLAN_CREATE && e->action != PLAN_UPDATE)
        continue;
      if (scapi_restore_deferred (e) != (i >= plan->n))
        continue;
      if (scapi_pin_path (e->path, NULL))
        continue;             /* PINs: after all data, below */
      snprintf (report->stopped_at, sizeof report->stopped_at, "%s",
                e->path);
      scapi_op_phase (&op, SCAPI_PHASE_WRITE, e->path);
      err = agency_write (card->ac, src, plan, e);
      while (scapi_op_recover_reset (&op, err))
        {
          /* The card was reset under us (the command was not sent):
           * write the node again, whole, after selecting and
           * authenticating again. */
          e->err = 0;
          e->sw = 0;
          e->written = e->verified = false;
          err = agency_write (card->ac, src, plan, e);
        }
      if (err)
        {
          e->err = err;
          report->failed++;
          break;
        }
      if (e->action == PLAN_NOT_RESTORABLE)
        {
          /* The target turned out not to have the object (the agent
           * says why in the entry): the others are still written. */
          report->skipped++;
          continue;
        }
      if (e->written)
        report->written++;
      if (e->verified)
        report->verified++;
      if (e->err)
        {
          report->failed++;
          err = e->err;
          if (e->sw)
            scapi_set_error (_("the card refused writing %s: %s"), e->path,
                             sw_describe (e->sw));
          else if (e->written && !e->verified)
            scapi_set_error (_("%s was written but reads back different"),
                             e->path);
          else
            scapi_set_error (_("writing %s failed: %s"), e->path,
                             gpg_strerror (e->err));
          scapi_error_note (e->err, e->path, e->sw);
          break;
        }
      op.p.nodes_done++;
    }
  /* Stored PINs last, each on its own: a refusal is reported on its
   * entry and the next PIN is still tried. */
  for (i = 0; !err && opts && opts->set_pins && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      int ref;
      if (e->action != PLAN_UPDATE || !scapi_pin_path (e->path, &ref)
          || (ref >= 0 && first[ref]))
        continue;
      err = scapi_restore_pin_entry (card, &op, src, plan, e, false, report);
      if (err)
        break;
      if (e->action != PLAN_UPDATE)
        continue;                /* skipped: reference absent */
      if (e->err)
        {
          report->failed++;
          if (!pin_err)
            {
              pin_err = e->err;
              scapi_set_error ("%s: %s", e->path, e->reason ? e->reason
                               : gpg_strerror (e->err));
              scapi_error_note (e->err, e->path, e->sw);
              pin_ctx = *errctx_get ();
            }
        }
      op.p.nodes_done++;
    }
  if (!err && pin_err)
    {
      err = pin_err;
      *errctx_get () = pin_ctx;
      report->stopped_at[0] = 0;
      goto leave;
    }
  if (!err)
    report->stopped_at[0] = 0;

 leave:
  if (in_tx)
    reader_end (card->rc);
  if (err)
    err = scapi_op_fail (&op, err, _("restore"));
  report->apdus = scapi_card_apdus (card) - op.apdus0;
  report->seconds = scapi_now () - op.t0;
  if (!err)
    scapi_op_phase (&op, SCAPI_PHASE_DONE, NULL);
  scapi_op_end (&op);
  return err;
}

