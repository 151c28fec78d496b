/* agent-iso7816-restore.c - the generic agent's restore: plan and write
 *
 * CREATE FILE with the stored FCP (its security attributes are kept
 * where the target is the same model, the emulator, or the file has
 * none), UPDATE BINARY / UPDATE RECORD / APPEND RECORD, then every
 * written node is read back and compared. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/tlv.h"
#include "agency/agent.h"
#include "agency/agent-iso7816.h"

#define AGENT_NAME "iso7816"

typedef struct iso_probe_ctx {
  agency_card_t *card;
  image_t *dst;
  image_node_t *mf;
} iso_probe_ctx_t;

static gpg_error_t
iso_probe_visit (image_node_t *node, unsigned depth, void *ctx)
{
  iso_probe_ctx_t *pc = ctx;
  uint16_t fids[ISO7816_PATH_MAX];
  size_t n;
  image_node_t *got = NULL;
  gpg_error_t err;
  (void)depth;

  if (node->type == IMAGE_NODE_RECORD || node->type == IMAGE_NODE_MF
      || !agent_iso7816_is_fs (node))
    return 0;
  if (agent_iso7816_node_fids (node, fids, &n) || !n)
    return 0;
  err = agent_iso7816_probe_path (pc->card, pc->dst, pc->mf, fids, n,
                                  node->source, &got);
  /* An application the source reached by path (or by AID) may be
   * reached only by its AID on this card. */
  if (!err && !got && n == 1 && node->type == IMAGE_NODE_DF && node->aid_len)
    err = agent_iso7816_app_by_aid (pc->card, pc->dst, node->aid,
                                    node->aid_len, node->fid, IMAGE_SRC_AID,
                                    &got);
  return err;
}

/* The PIN references whose conditions SRC's files carry, in this
 * card's numbering (what its agents registered). */
static void
iso_needed_refs (agency_card_t *card, const image_node_t *s, uint8_t *r,
                 uint8_t *w)
{
  *r = *w = 0;
  if (s->type == IMAGE_NODE_RECORD)
    s = s->parent;
  if (!s || (!image_node_is_ef (s) && s->type != IMAGE_NODE_DF))
    return;
  if (s->access.read == IMAGE_AC_PIN && s->access.read_ref)
    *r = agent_iso7816_pin_ref (card, s->access.read_ref);
  if (s->access.write == IMAGE_AC_PIN && s->access.write_ref)
    *w = agent_iso7816_pin_ref (card, s->access.write_ref);
}

/* Ask the target (empty VERIFY) about PIN REF in the DF of NODE (or the
 * nearest DF above it that exists there, the MF last). */
static gpg_error_t
iso_probe_pin (agency_card_t *card, iso_fs_t *fs, const image_node_t *node,
               uint8_t ref)
{
  gpg_error_t err = 0;
  const image_node_t *df;
  unsigned sw = 0;
  int retries = -1;

  if (!ref || fs->target_pin[ref] != ISO_PIN_UNPROBED)
    return 0;
  for (df = node->parent; df && df->parent; df = df->parent)
    {
      if (df->type != IMAGE_NODE_DF && df->type != IMAGE_NODE_MF)
        continue;
      err = agent_iso7816_select_node (card, df, NULL, &sw);
      if (gpg_err_code (err) == GPG_ERR_INV_NAME)
        err = 0;
      else if (err || sw == SW_OK || SW_IS_MORE_DATA (sw))
        break;
    }
  if (err)
    return err;
  err = iso7816_pin_retries (&card->chan, ref, &retries, &sw);
  if (err)
    return err;
  if (retries >= 0 || retries == -2 || sw == SW_AUTH_BLOCKED)
    fs->target_pin[ref] = ISO_PIN_USABLE;
  else if (sw == SW_REF_DATA_UNUSABLE)
    fs->target_pin[ref] = ISO_PIN_UNSET;
  else if (sw == SW_REF_NOT_FOUND || sw == SW_INCORRECT_P1P2
           || sw == SW_WRONG_DATA || sw == SW_WRONG_P1P2
           || sw == SW_INS_NOT_SUPPORTED)
    fs->target_pin[ref] = ISO_PIN_ABSENT;
  else
    fs->target_pin[ref] = ISO_PIN_OTHER;
  log_debug ("agent iso7816: target PIN %02X: %04X", ref, sw);
  return 0;
}

static gpg_error_t
iso_pins_visit (image_node_t *node, unsigned depth, void *ctx)
{
  iso_probe_ctx_t *pc = ctx;
  iso_fs_t *fs = agent_iso7816_fs (pc->card);
  uint8_t r, w;
  gpg_error_t err;
  (void)depth;

  if (!fs || (!image_node_is_ef (node) && node->type != IMAGE_NODE_DF))
    return 0;
  iso_needed_refs (pc->card, node, &r, &w);
  err = iso_probe_pin (pc->card, fs, node, r);
  if (!err)
    err = iso_probe_pin (pc->card, fs, node, w);
  return err;
}

gpg_error_t
agent_iso7816_probe_image (agency_card_t *card, image_t *dst,
                           const image_t *src)
{
  gpg_error_t err;
  iso_probe_ctx_t pc;
  iso_fs_t *fs = agent_iso7816_fs (card);

  pc.card = card;
  pc.dst = dst;
  pc.mf = agent_iso7816_mf (dst);
  if (!pc.mf)
    return 0;
  if (fs)
    memset (fs->target_pin, 0, sizeof fs->target_pin);
  err = image_walk (src, iso_probe_visit, &pc);
  if (!err)
    err = image_walk (src, iso_pins_visit, &pc);
  return err;
}


/* ---- restore ------------------------------------------------------------- */

/* Largest transparent EF / record numbers a card addressed with 2-byte
 * sizes (FCP 80) can hold. */
#define ISO_MAX_EF_SIZE 65535
#define ISO_MAX_RECORDS 254



/* Copy the source FCP for CREATE FILE as a 62 template. */
static gpg_error_t
iso_create_fcp (const image_node_t *src, bool keep_sec, buf_t *out)
{
  gpg_error_t err;
  iso7816_fcp_t f;
  const uint8_t *p = src->fcp;
  size_t n = src->fcp_len;
  tlv_t outer, t;
  tlv_iter_t it;
  size_t mark;
  bool has_size;

  if (!p || !n)
    {
      /* No FCP stored (node added by hand): build a minimal one. */
      memset (&f, 0, sizeof f);
      f.type = src->type;
      f.has_fid = src->has_fid;
      f.fid = src->fid;
      f.has_fdb = true;
      switch (src->type)
        {
        case IMAGE_NODE_DF: f.fdb = 0x38; break;
        case IMAGE_NODE_EF_LINEAR_FIXED: f.fdb = 0x02; break;
        case IMAGE_NODE_EF_LINEAR_VARIABLE: f.fdb = 0x04; break;
        case IMAGE_NODE_EF_CYCLIC: f.fdb = 0x06; break;
        default: f.fdb = 0x01; break;
        }
      f.has_size = true;
      f.size = src->size > src->content_len ? src->size : src->content_len;
      f.max_rec_len = src->record_len;
      f.n_records = src->record_count;
      return iso7816_fcp_build (&f, out);
    }
  err = tlv_parse (p, n, &outer, NULL);
  if (err || (outer.tag != 0x62 && outer.tag != 0x6F))
    return gpg_error (GPG_ERR_INV_OBJ);
  has_size = !tlv_find (outer.value, outer.len, 0x80, &t);
  err = tlv_begin (out, 0x62, &mark);
  tlv_iter_init (&it, outer.value, outer.len, 0);
  while (!err && !tlv_iter_next (&it, &t))
    {
      bool sec = t.tag == 0x86 || t.tag == 0x8B || t.tag == 0x8C
        || t.tag == 0xAB || t.tag == 0xA1;
      if (t.tag == 0x8A)
        {
          /* An EF is created in initialisation state (ISO 7816-4 LCS
           * 03): its content is written before its security attributes
           * apply, then ACTIVATE FILE makes it operational. DFs are
           * created operational. */
          uint8_t lcs = image_node_is_ef (src) ? 0x03 : 0x05;
          err = tlv_put_u8 (out, 0x8A, lcs);
          continue;
        }
      if (sec && !keep_sec)
        continue;
      if (t.tag == 0x82 && t.len >= 5 && has_size)
        {
          /* Record EF: 82 bytes 5-6 are the records present; CREATE
           * takes the maximum from 80 / record length instead. */
          err = tlv_put (out, 0x82, t.value, 4);
          continue;
        }
      err = buf_append (out, t.raw, t.raw_len);
    }
  if (!err)
    err = tlv_end (out, mark);
  return err;
}

static const plan_entry_t *iso_parent_entry (const plan_t *plan,
                                             const image_node_t *rec);
static bool iso_select_unless_current (agency_card_t *card,
                                       const image_node_t *s, unsigned *sw,
                                       gpg_error_t *err);

/* Never write protected data where the target cannot enforce the
 * source's access condition: a file whose read or update condition
 * names a PIN the target has not (or has not set yet) is held back. A
 * PIN in its creation state can be set first (restore --set-pins with
 * the PIN in the VSC): the entry remembers what it would have done. */
static gpg_error_t
iso_plan_pin_check (agency_card_t *card, plan_t *plan, plan_entry_t *e)
{
  iso_fs_t *fs = card->fs;
  uint8_t refs[2];
  char reason[300];
  int i;
  const plan_entry_t *pe;

  if (!fs)
    return 0;
  /* A file to be created in a DF that is not created cannot be. */
  pe = e->action == PLAN_CREATE && e->src->parent
    ? iso_parent_entry (plan, e->src) : NULL;
  if (pe && pe->action == PLAN_NOT_RESTORABLE && !pe->dst)
    {
      snprintf (reason, sizeof reason,
                e->src->type == IMAGE_NODE_RECORD
                ? _("not restorable: its file %s is not restored")
                : _("not restorable: the DF %s it is in is not restored"),
                pe->path);
      e->needs_pin = pe->needs_pin;
      e->held_action = e->action;
      return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
    }
  iso_needed_refs (card, e->src, &refs[0], &refs[1]);
  for (i = 0; i < 2; i++)
    {
      uint8_t ref = refs[i];
      if (!ref)
        continue;
      if (fs->target_pin[ref] == ISO_PIN_ABSENT)
        {
          snprintf (reason, sizeof reason,
                    _("not restorable: the target card has no PIN %02X to "
                      "protect this file as the source card did"), ref);
          return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
        }
      if (fs->target_pin[ref] == ISO_PIN_UNSET)
        {
          snprintf (reason, sizeof reason,
                    _("held back: PIN %02X of the target card is not set "
                      "(creation state), so the card would not protect "
                      "this file; restore with --set-pins from a VSC that "
                      "keeps the PIN (backup --store-pins) to set it "
                      "first"), ref);
          e->needs_pin = ref;
          e->held_action = e->action;
          return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
        }
    }
  return 0;
}

gpg_error_t
agent_iso7816_plan_restore (agency_card_t *card, const image_t *src,
                            const image_t *dst, plan_t *plan)
{
  gpg_error_t err = 0;
  size_t i;
  bool emu = agency_is_emulator (dst);
  (void)card;
  (void)src;

  for (i = 0; !err && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      const image_node_t *s = e->src;
      uint16_t fids[ISO7816_PATH_MAX];
      size_t nf;
      char reason[200];
      bool keep_sec;

      if (!s || !agent_iso7816_is_fs (s))
        continue;
      if (e->action != PLAN_CREATE && e->action != PLAN_UPDATE)
        continue;
      if (s->agent && strcmp (s->agent, AGENT_NAME)
          && strcmp (s->agent, "pkcs15"))
        continue;    /* another agent's node */
      err = agent_iso7816_node_fids (s, fids, &nf);
      if (err)
        {
          snprintf (reason, sizeof reason,
                    gpg_err_code (err) == GPG_ERR_TOO_LARGE
                    ? _("not restorable: the path does not fit "
                        "(more than %d levels below the MF)")
                    : _("not restorable: the path has a step without a "
                        "file identifier (max. %d levels)"),
                    ISO7816_PATH_MAX);
          err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
          continue;
        }
      if (s->type == IMAGE_NODE_EF_TRANSPARENT
          && (s->size > ISO_MAX_EF_SIZE || s->content_len > ISO_MAX_EF_SIZE))
        {
          snprintf (reason, sizeof reason,
                    _("not restorable: %zu bytes is larger than the card "
                      "can hold in one file (%u)"),
                    s->size > s->content_len ? s->size : s->content_len,
                    (unsigned)ISO_MAX_EF_SIZE);
          err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
          continue;
        }
      if ((s->type == IMAGE_NODE_EF_LINEAR_FIXED
           || s->type == IMAGE_NODE_EF_LINEAR_VARIABLE
           || s->type == IMAGE_NODE_EF_CYCLIC)
          && s->record_count > ISO_MAX_RECORDS)
        {
          snprintf (reason, sizeof reason,
                    _("not restorable: %u records, the card can hold %u"),
                    s->record_count, (unsigned)ISO_MAX_RECORDS);
          err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
          continue;
        }
      if (e->action == PLAN_CREATE && s->type == IMAGE_NODE_MF)
        {
          err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                                _("not restorable: the target card has "
                                  "no master file"));
          continue;
        }
      if (e->action == PLAN_CREATE && s->type != IMAGE_NODE_RECORD)
        {
          buf_t fcp = BUF_INIT;
          keep_sec = emu || plan->same_model || !s->access.raw_len;
          if (!keep_sec)
            {
              err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                                    _("not restorable: the security "
                                      "attributes of the source card mean "
                                      "nothing on this card model (restore "
                                      "onto the same model in "
                                      "initialisation state)"));
              continue;
            }
          err = iso_create_fcp (s, keep_sec, &fcp);
          if (!err)
            err = plan_entry_set_fcp (e, fcp.data, fcp.len);
          buf_free (&fcp);
          if (gpg_err_code (err) == GPG_ERR_INV_OBJ)
            err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                                  _("not restorable: the stored FCP is "
                                    "malformed"));
        }
      if (!err && (e->action == PLAN_CREATE || e->action == PLAN_UPDATE))
        err = iso_plan_pin_check (card, plan, e);
      if (!err && !e->agent)
        {
          e->agent = xtrystrdup (s->agent ? s->agent : AGENT_NAME);
          if (!e->agent)
            err = gpg_error_from_syserror ();
        }
    }
  return err;
}

/* The plan entry of a record's EF. */
static const plan_entry_t *
iso_parent_entry (const plan_t *plan, const image_node_t *rec)
{
  size_t i;
  for (i = 0; i < plan->n; i++)
    if (plan->entries[i].src == rec->parent)
      return &plan->entries[i];
  return NULL;
}

/* A write refused with 6982: verify the write PIN once and try again. */
static bool
iso_need_pin (agency_card_t *card, const image_node_t *s, unsigned sw,
              gpg_error_t *err)
{
  char *path;
  *err = 0;
  if (sw != SW_SEC_NOT_SATISFIED || s->access.write != IMAGE_AC_PIN)
    return false;
  path = image_node_path (s);
  *err = agency_verify_pin (card, agent_iso7816_pin_ref (card, s->access.write_ref),
                            path);
  xfree (path);
  if (!agency_fatal (*err))
    *err = 0;
  return agency_pin_state (card, NULL,
                           agent_iso7816_pin_ref (card, s->access.write_ref))
    == AGENCY_PIN_VERIFIED;
}

/* Write the records of the record EF S (selected). */
static gpg_error_t
iso_write_records (agency_card_t *card, const image_node_t *s, bool created,
                   unsigned *sw)
{
  gpg_error_t err = 0;
  const image_node_t *r;
  size_t n = 0, k;
  const image_node_t **recs;

  for (r = s->first_child; r; r = r->next)
    n++;
  recs = xtrycalloc (n ? n : 1, sizeof *recs);
  if (!recs)
    return gpg_error_from_syserror ();
  n = 0;
  for (r = s->first_child; r; r = r->next)
    if (r->type == IMAGE_NODE_RECORD && r->has_content)
      recs[n++] = r;
  *sw = SW_OK;
  for (k = 0; !err && *sw == SW_OK && k < n; k++)
    {
      if (s->type == IMAGE_NODE_EF_LINEAR_FIXED)
        err = iso7816_update_record (&card->chan, recs[k]->recno,
                                     recs[k]->content, recs[k]->content_len,
                                     sw);
      else if (s->type == IMAGE_NODE_EF_CYCLIC)
        {
          /* APPEND puts a record in front: append the oldest first. */
          const image_node_t *x = recs[n - 1 - k];
          err = iso7816_append_record (&card->chan, x->content,
                                       x->content_len, sw);
        }
      else if (created)
        err = iso7816_append_record (&card->chan, recs[k]->content,
                                     recs[k]->content_len, sw);
      else
        err = iso7816_update_record (&card->chan, recs[k]->recno,
                                     recs[k]->content, recs[k]->content_len,
                                     sw);
      if (!err)
        agency_progress (card, AGENCY_PHASE_WRITE, recs[k],
                         recs[k]->content_len);
    }
  xfree (recs);
  return err;
}

/* Read back the EF of S and compare with the source. */
static gpg_error_t
iso_readback (agency_card_t *card, const image_node_t *s, plan_entry_t *e)
{
  gpg_error_t err;
  image_node_t *tmp = NULL;
  image_t *scratch = NULL;
  unsigned sw = 0;
  const image_node_t *a, *b;

  err = image_node_new (s->type, &tmp);
  if (!err)
    err = image_new (&scratch);
  if (err)
    goto leave;
  tmp->size = s->size;
  tmp->area = s->area;
  tmp->record_count = s->record_count;   /* no READ RECORD past the end */
  /* Written just now, it is still the current file on most cards. */
  if (!iso_select_unless_current (card, s, &sw, &err) && err)
    goto leave;
  if (sw == SW_OK)
    err = agent_iso7816_read_reselect (card, scratch, s, tmp, SW_NOT_ALLOWED,
                                       &sw);
  else if (sw == SW_NOT_ALLOWED)
    {
      /* The SELECT itself was refused: once more. */
      err = agent_iso7816_select_node (card, s, NULL, &sw);
      if (!err && sw == SW_OK)
        err = agent_iso7816_read_selected (card, scratch, tmp, &sw);
    }
  if (err)
    goto leave;
  agency_progress (card, AGENCY_PHASE_READBACK, s, 0);
  if (sw != SW_OK)
    {
      e->sw = sw;
      e->err = gpg_error (GPG_ERR_BAD_DATA);
      goto leave;
    }
  e->verified = true;
  if (s->type == IMAGE_NODE_EF_TRANSPARENT)
    e->verified = tmp->content_len == s->content_len
      && (!s->content_len || !memcmp (tmp->content, s->content,
                                      s->content_len));
  else
    for (a = s->first_child, b = tmp->first_child; a || b;
         a = a ? a->next : NULL, b = b ? b->next : NULL)
      if (!a || !b || a->content_len != b->content_len
          || (a->content_len && memcmp (a->content, b->content,
                                        a->content_len)))
        {
          e->verified = false;
          break;
        }
  if (!e->verified)
    e->err = gpg_error (GPG_ERR_BAD_DATA);

 leave:
  image_node_free (tmp);
  image_free (scratch);
  return err;
}

/* A record entry: written with its EF when that was (re)written in this
 * run; otherwise (EF unchanged, one record differs) updated alone. */
static gpg_error_t
iso_write_one_record (agency_card_t *card, plan_t *plan, plan_entry_t *e)
{
  gpg_error_t err;
  const image_node_t *s = e->src;
  const plan_entry_t *pe = iso_parent_entry (plan, s);
  unsigned sw = 0;
  buf_t back = BUF_INIT;

  if (pe && (pe->action == PLAN_CREATE || pe->action == PLAN_UPDATE))
    {
      e->written = pe->written;
      e->verified = pe->verified;
      if (!pe->written)
        e->err = pe->err ? pe->err : gpg_error (GPG_ERR_NO_DATA);
      return 0;
    }
  if (s->parent->type == IMAGE_NODE_EF_CYCLIC)
    {
      e->err = gpg_error (GPG_ERR_NOT_SUPPORTED);
      return 0;
    }
  err = agent_iso7816_select_node (card, s->parent, NULL, &sw);
  if (!err && sw == SW_OK)
    {
      if (e->action == PLAN_CREATE
          && s->parent->type == IMAGE_NODE_EF_LINEAR_VARIABLE)
        err = iso7816_append_record (&card->chan, s->content,
                                     s->content_len, &sw);
      else
        err = iso7816_update_record (&card->chan, s->recno, s->content,
                                     s->content_len, &sw);
    }
  if (err)
    return err;
  if (!agency_entry_written (e, sw))
    return 0;
  agency_progress (card, AGENCY_PHASE_WRITE, s, s->content_len);
  err = iso7816_read_record (&card->chan, s->recno, &back, &sw);
  if (!err)
    agency_entry_readback (e, back.data, back.len, sw);
  buf_free (&back);
  return err;
}

/* SELECT the EF of S unless it is the current file already. False with
 * *SW (or *ERR for the transport) when it could not be selected. */
static bool
iso_select_unless_current (agency_card_t *card, const image_node_t *s,
                           unsigned *sw, gpg_error_t *err)
{
  uint16_t f[ISO7816_PATH_MAX];
  size_t n;

  *err = 0;
  *sw = SW_OK;
  if (!agent_iso7816_node_fids (s, f, &n)
      && agent_iso7816_is_current (card, f, n, false))
    return true;
  *err = agent_iso7816_select_node (card, s, NULL, sw);
  return !*err && *sw == SW_OK;
}

gpg_error_t
agent_iso7816_write (agency_card_t *card, const image_t *src, plan_t *plan,
                     plan_entry_t *e)
{
  gpg_error_t err = 0;
  const image_node_t *s = e->src;
  unsigned sw = 0;
  bool created = false;
  uint16_t pf[ISO7816_PATH_MAX], sf[ISO7816_PATH_MAX];
  size_t pn, sn;
  (void)src;

  if (!s)
    return 0;
  agent_iso7816_forget_fcps (card);
  if (s->type == IMAGE_NODE_RECORD)
    return iso_write_one_record (card, plan, e);
  if (e->action == PLAN_CREATE)
    {
      if (!e->fcp)
        {
          e->err = gpg_error (GPG_ERR_NO_DATA);
          return 0;
        }
      /* The DF to create it in: selected unless it is current (the
       * previous file was created there, or is that DF). */
      if (!agent_iso7816_node_fids (s->parent, pf, &pn)
          && agent_iso7816_is_current (card, pf, pn, true))
        sw = SW_OK;
      else
        err = agent_iso7816_select_node (card, s->parent, NULL, &sw);
      if (!err && sw == SW_OK)
        {
          err = iso7816_create_file (&card->chan, e->fcp, e->fcp_len, &sw);
          if (!err && sw == SW_SEC_NOT_SATISFIED)
            {
              /* CREATE needs the DF's create condition: ask for the PIN. */
              gpg_error_t perr;
              if (iso_need_pin (card, s->parent, sw, &perr))
                err = iso7816_create_file (&card->chan, e->fcp, e->fcp_len,
                                           &sw);
              else if (perr)
                err = perr;
            }
        }
      if (err)
        return err;
      if (agency_entry_refused (e, sw))
        return 0;
      created = true;
      /* ISO 7816-9: the created file is the current one now. */
      if (!agent_iso7816_node_fids (s, sf, &sn))
        agent_iso7816_set_current (card, sf, sn, image_node_is_ef (s));
      agency_progress (card, AGENCY_PHASE_WRITE, s, 0);
      if (!image_node_is_ef (s))
        {
          e->written = true;
          e->verified = true;
          return 0;
        }
    }
  else if (!image_node_is_ef (s))
    return 0;

  if ((s->flags & IMAGE_FLAG_UNREADABLE) && !s->has_content)
    {
      /* Structure only: nothing to write or compare. */
      if (created)
        {
          err = agent_iso7816_select_node (card, s, NULL, &sw);
          if (!err && sw == SW_OK)
            err = (s->flags & IMAGE_FLAG_DEACTIVATED)
              ? iso7816_deactivate (&card->chan, &sw)
              : iso7816_activate (&card->chan, &sw);
          if (err)
            return err;
        }
      e->written = true;
      e->verified = true;
      return 0;
    }

  if (!iso_select_unless_current (card, s, &sw, &err))
    {
      if (err)
        return err;
      e->sw = sw;
      e->err = sw_to_error (sw);
      return 0;
    }
  if (s->type == IMAGE_NODE_EF_TRANSPARENT)
    {
      err = iso7816_update_binary_all (&card->chan, s->content,
                                       s->content_len, &sw);
      if (!err && sw == SW_NOT_ALLOWED && created)
        {
          /* A card that does not make the created file current. */
          err = agent_iso7816_select_node (card, s, NULL, &sw);
          if (!err && sw == SW_OK)
            err = iso7816_update_binary_all (&card->chan, s->content,
                                             s->content_len, &sw);
        }
      if (!err)
        {
          gpg_error_t perr;
          if (iso_need_pin (card, s, sw, &perr))
            err = iso7816_update_binary_all (&card->chan, s->content,
                                             s->content_len, &sw);
          else if (perr)
            err = perr;
        }
      if (!err && sw == SW_OK)
        agency_progress (card, AGENCY_PHASE_WRITE, s, s->content_len);
    }
  else
    {
      err = iso_write_records (card, s, created, &sw);
      if (!err)
        {
          gpg_error_t perr;
          if (iso_need_pin (card, s, sw, &perr))
            err = iso_write_records (card, s, created, &sw);
          else if (perr)
            err = perr;
        }
    }
  if (err)
    return err;
  if (!agency_entry_written (e, sw))
    return 0;
  if (created)
    {
      /* Out of initialisation state: ACTIVATE (or DEACTIVATE for a file
       * that was deactivated on the source card). */
      bool deact = (s->flags & IMAGE_FLAG_DEACTIVATED) != 0;
      err = deact ? iso7816_deactivate (&card->chan, &sw)
                  : iso7816_activate (&card->chan, &sw);
      if (err)
        return err;
      if (sw != SW_OK)
        log_info ("agent iso7816: %s FILE: %04X (file left as created)",
                  deact ? "DEACTIVATE" : "ACTIVATE", sw);
    }
  return iso_readback (card, s, e);
}

