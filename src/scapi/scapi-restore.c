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
#include "agency/iso7816.h"
#include "scapi/scapi-int.h"

/* Stored PINs are never written like data: they stay out of the plan
 * until scapi_restore is asked to set them. */
static gpg_error_t
scapi_plan_pins (plan_t *plan)
{
  gpg_error_t err = 0;
  size_t i;

  for (i = 0; i < plan->n && !err; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      if (e->action != PLAN_EXTRA && scapi_pin_path (e->path, NULL))
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                              _("skipped: PINs are set only with "
                                "--set-pins"));
    }
  return err;
}

/* The node of SRC in which the PIN of N lives: its note's "scope=PATH",
 * else the only top-level applet with an AID, else the MF. NULL if it
 * cannot be told (several applications). */
static const image_node_t *
scapi_pin_scope (const image_t *src, const image_node_t *n)
{
  const image_node_t *c, *found = NULL, *mf = NULL;
  char buf[SCAPI_PATH_MAX];
  size_t apps = 0;

  if (n->note && !strncmp (n->note, "scope=", 6))
    {
      snprintf (buf, sizeof buf, "%s", n->note + 6);
      buf[strcspn (buf, " ")] = 0;
      return image_find_path (src, buf);
    }
  for (c = src->root.first_child; c; c = c->next)
    if (c->type == IMAGE_NODE_APPLET && c->aid_len)
      {
        found = c;
        apps++;
      }
    else if (c->type == IMAGE_NODE_MF)
      mf = c;
  if (apps == 1)
    return found;
  return apps ? NULL : mf;
}

/* Set the PIN of entry E to the value stored in the VSC: retry counter
 * first, the target's current PIN asked once, CHANGE REFERENCE DATA,
 * then VERIFY with the new value. A refusal is recorded on E (never
 * retried); the return value is for transport errors only. */
static gpg_error_t
scapi_restore_pin (scapi_card_t *card, const image_t *src, plan_t *plan,
                   plan_entry_t *e)
{
  gpg_error_t err = 0;
  const image_node_t *scope;
  agency_card_t *ac = &card->ac;
  const image_node_t *n = e->src;
  agency_pin_query_t q;
  unsigned sw = 0;
  int retries = -1, ref;
  char *cur = NULL, *newpin = NULL;
  char reason[160];

  if (!scapi_pin_path (e->path, &ref) || ref < 0 || !n
      || !n->has_content || !n->content_len || n->content_len > 127)
    {
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                            _("no usable PIN value stored"));
      goto leave;
    }
  scope = scapi_pin_scope (src, n);
  if (!scope)
    {
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                            _("the stored PIN does not say which "
                              "application it belongs to (note "
                              "\"scope=PATH\")"));
      goto leave;
    }
  if (scope->type == IMAGE_NODE_APPLET && scope->aid_len)
    err = iso7816_select_aid (&ac->chan, scope->aid, scope->aid_len, NULL,
                              &sw);
  else
    err = agent_iso7816_select_node (ac, scope, NULL, &sw);
  if (gpg_err_code (err) == GPG_ERR_INV_NAME)
    sw = 0x6A82, err = 0;
  if (err)
    goto leave;
  if (sw != SW_OK && !SW_IS_MORE_DATA (sw))
    {
      char *sp = image_node_path (scope);
      snprintf (reason, sizeof reason,
                _("cannot select %s on the target card: %s"),
                sp ? sp : "?", sw_describe (sw));
      xfree (sp);
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
      goto leave;
    }
  err = iso7816_pin_retries (&ac->chan, ref, &retries, &sw);
  if (err)
    goto leave;
  if (retries == -1 && (sw == 0x6A88 || sw == 0x6A86 || sw == 0x6A80
                        || sw == 0x6B00))
    {
      snprintf (reason, sizeof reason,
                _("the target card has no PIN reference %02X"), ref);
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
      goto leave;
    }
  if (retries == 0)
    {
      e->err = gpg_error (GPG_ERR_PIN_BLOCKED);
      e->sw = sw;
      snprintf (reason, sizeof reason,
                _("PIN %02X of the target card is blocked"), ref);
      err = plan_entry_set (plan, e, e->action, reason);
      goto leave;
    }
  if (!ac->pin_fn)
    e->err = gpg_error (GPG_ERR_CANCELED);
  else
    {
      memset (&q, 0, sizeof q);
      q.ref = (uint8_t)ref;
      q.label = agency_pin_label (ac, (uint8_t)ref);
      if (!*q.label && n->note && strstr (n->note, "label="))
        q.label = strstr (n->note, "label=") + 6;
      q.retries = retries;
      q.node = e->path;
      agency_progress (ac, AGENCY_PHASE_VERIFY_PIN, NULL, 0);
      e->err = ac->pin_fn (ac->pin_ctx, &q, &cur);
      if (!e->err && (!cur || !*cur))
        e->err = gpg_error (GPG_ERR_CANCELED);
    }
  if (e->err)
    {
      e->err = gpg_error (GPG_ERR_NO_PIN);
      snprintf (reason, sizeof reason,
                _("the current PIN %02X of the target card was not "
                  "given; not changed"), ref);
      err = plan_entry_set (plan, e, e->action, reason);
      goto leave;
    }
  err = iso7816_change_reference_data (&ac->chan, (uint8_t)ref, cur,
                                       n->content, n->content_len, &sw);
  if (gpg_err_code (err) == GPG_ERR_INV_LENGTH)
    {
      e->err = err;
      err = plan_entry_set (plan, e, e->action,
                            _("PIN too long for CHANGE REFERENCE DATA; "
                              "not sent"));
      goto leave;
    }
  if (err)
    goto leave;
  if (sw == 0x6A86 || sw == 0x6A88 || sw == 0x6B00 || sw == 0x6D00)
    {
      /* Not a reference this card changes (OpenPGP PW1 82 is PW1 81). */
      snprintf (reason, sizeof reason,
                _("the target card does not change PIN reference %02X "
                  "this way: %s"), ref, sw_describe (sw));
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
      goto leave;
    }
  if (sw != SW_OK)
    {
      /* Never retried: a wrong current PIN already cost a try. */
      ac->pin_state[ref] = AGENCY_PIN_FAILED;
      e->err = gpg_error (GPG_ERR_BAD_PIN);
      e->sw = sw;
      snprintf (reason, sizeof reason,
                _("the card refused changing PIN %02X: %s; not retried"),
                ref, sw_describe (sw));
      err = plan_entry_set (plan, e, e->action, reason);
      goto leave;
    }
  e->written = true;
  ac->pin_state[ref] = AGENCY_PIN_UNKNOWN;
  newpin = xtrymalloc_secure (n->content_len + 1);
  if (!newpin)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  memcpy (newpin, n->content, n->content_len);
  newpin[n->content_len] = 0;
  err = iso7816_verify (&ac->chan, (uint8_t)ref, newpin, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    {
      e->verified = true;
      ac->pin_state[ref] = AGENCY_PIN_VERIFIED;
    }
  else
    {
      e->err = gpg_error (GPG_ERR_BAD_PIN);
      e->sw = sw;
    }

 leave:
  xfree_secure (cur);
  xfree_secure (newpin);
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
  scapi_discover_opts_t o;

  *r_plan = NULL;
  scapi_op_begin (&op, card, cb);
  scapi_op_phase (&op, SCAPI_PHASE_DISCOVER, NULL);
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = true;    /* no wide scan on the target: the source's own
                          paths are probed below instead */
  err = scapi_card_begin (card);
  if (err)
    goto leave;
  err = scapi_discover_in (card, &o, &dst);
  if (!err)
    err = agent_iso7816_probe_image (&card->ac, dst, src);
  reader_end (card->rc);
  if (err)
    goto leave;
  scapi_op_phase (&op, SCAPI_PHASE_PLAN, NULL);
  err = plan_new (&plan);
  if (!err)
    err = agency_plan (&card->ac, src, dst, plan);
  if (!err)
    err = scapi_plan_pins (plan);
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

/* Give PIN REF, in its creation state on the target, the value stored
 * in the VSC (CHANGE REFERENCE DATA P1 01, no current value), then
 * VERIFY it so that the protected files can be written. A refusal is
 * recorded on E; the return value is for transport errors. */
static gpg_error_t
scapi_restore_first_pin (scapi_card_t *card, const image_t *src,
                         plan_t *plan, plan_entry_t *e, uint8_t ref)
{
  gpg_error_t err = 0;
  agency_card_t *ac = &card->ac;
  const image_node_t *n = e->src, *scope;
  char *pin = NULL;
  unsigned sw = 0;

  if (!n || !n->has_content || !n->content_len || n->content_len > 127)
    {
      e->err = gpg_error (GPG_ERR_NO_DATA);
      return plan_entry_set (plan, e, e->action,
                             _("no usable PIN value stored"));
    }
  scope = scapi_pin_scope (src, n);
  if (scope && scope->type == IMAGE_NODE_APPLET && scope->aid_len)
    err = iso7816_select_aid (&ac->chan, scope->aid, scope->aid_len, NULL,
                              &sw);
  else if (scope)
    err = agent_iso7816_select_node (ac, scope, NULL, &sw);
  if (gpg_err_code (err) == GPG_ERR_INV_NAME)
    err = 0;
  if (err)
    return err;
  err = iso7816_set_reference_data (&ac->chan, ref, n->content,
                                    n->content_len, &sw);
  if (err)
    return err;
  if (sw != SW_OK)
    {
      e->err = sw_to_error (sw);
      e->sw = sw;
      return 0;
    }
  e->written = true;
  pin = xtrymalloc_secure (n->content_len + 1);
  if (!pin)
    return gpg_error_from_syserror ();
  memcpy (pin, n->content, n->content_len);
  pin[n->content_len] = 0;
  err = iso7816_verify (&ac->chan, ref, pin, &sw);
  xfree_secure (pin);
  if (err)
    return err;
  if (sw == SW_OK)
    {
      e->verified = true;
      ac->pin_state[ref] = AGENCY_PIN_VERIFIED;
    }
  else
    {
      e->err = gpg_error (GPG_ERR_BAD_PIN);
      e->sw = sw;
    }
  return 0;
}

static bool
scapi_restore_deferred (const plan_entry_t *e)
{
  const image_node_t *n = e->src;
  if (n && n->type == IMAGE_NODE_RECORD)
    n = n->parent;
  return n && image_node_is_ef (n) && n->access.write == IMAGE_AC_NEVER;
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
  card->wrote = true;
  /* PINs that protected files wait for (their creation state on the
   * target): set before those files are written. */
  for (i = 0; i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      int ref;
      if (e->action != PLAN_UPDATE || !scapi_pin_path (e->path, &ref)
          || ref < 0 || !first[ref])
        continue;
      snprintf (report->stopped_at, sizeof report->stopped_at, "%s",
                e->path);
      scapi_op_phase (&op, SCAPI_PHASE_WRITE, e->path);
      err = scapi_restore_first_pin (card, src, plan, e, (uint8_t)ref);
      if (err)
        {
          e->err = err;
          report->failed++;
          goto leave;
        }
      if (e->written)
        report->written++;
      if (e->verified)
        report->verified++;
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
      err = agency_write (&card->ac, src, plan, e);
      if (err)
        {
          e->err = err;
          report->failed++;
          break;
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
      snprintf (report->stopped_at, sizeof report->stopped_at, "%s",
                e->path);
      scapi_op_phase (&op, SCAPI_PHASE_WRITE, e->path);
      err = scapi_restore_pin (card, src, plan, e);
      if (err)
        {
          e->err = err;
          report->failed++;
          break;
        }
      if (e->action != PLAN_UPDATE)
        {
          report->skipped++;     /* reference absent on the target */
          continue;
        }
      if (e->written)
        report->written++;
      if (e->verified)
        report->verified++;
      if (e->err)
        {
          report->failed++;
          if (!pin_err)
            {
              pin_err = e->err;
              scapi_set_error ("%s: %s", e->path, e->reason ? e->reason
                               : gpg_strerror (e->err));
            }
        }
      op.p.nodes_done++;
    }
  if (!err && pin_err)
    {
      err = pin_err;
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
  report->apdus = card->ac.chan.apdus - op.apdus0;
  report->seconds = scapi_now () - op.t0;
  if (!err)
    scapi_op_phase (&op, SCAPI_PHASE_DONE, NULL);
  scapi_op_end (&op);
  return err;
}

