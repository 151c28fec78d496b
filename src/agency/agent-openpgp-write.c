/* agent-openpgp-write.c - restoring onto an OpenPGP card: PUT DATA of
 * each data object after the PIN it needs (ensured in the current
 * selection; a token that wants PW3 for every PUT DATA gets it), the CA
 * fingerprints as CA/CB/CC, certificates after SELECT DATA, escrowed keys
 * imported with PUT DATA odd DB 3FFF (extended header list 4D) in the
 * card's import format, each read back (from the constructed DOs where
 * the card serves them only there). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/tlv.h"
#include "common/hex.h"
#include "agency/agent.h"
#include "agency/iso7816.h"
#include "agency/agent-apps.h"
#include "agency/agent-openpgp.h"
#include "agency/agent-app.h"

/* Verify REF for writing in this selection (*FRESH: a VERIFY was sent
 * now); on a refusal fill E. */
static gpg_error_t
opg_need_pin (agency_card_t *card, plan_entry_t *e, uint8_t ref,
              bool *r_ok, bool *fresh)
{
  gpg_error_t err = agency_ensure_pin (card, &agent_openpgp, ref, e->path,
                                       fresh);
  *r_ok = !err;
  if (!err)
    return 0;
  if (gpg_err_code (err) == GPG_ERR_CARD_REMOVED
      || gpg_err_code (err) == GPG_ERR_CARD_RESET
      || (agency_fatal (err) && gpg_err_code (err) != GPG_ERR_CANCELED
          && gpg_err_code (err) != GPG_ERR_BAD_PIN
          && gpg_err_code (err) != GPG_ERR_PIN_BLOCKED
          && gpg_err_code (err) != GPG_ERR_NO_PIN
          && gpg_err_code (err) != GPG_ERR_CARD))
    return err;
  e->err = err;
  if (gpg_err_code (err) == GPG_ERR_BAD_PIN)
    {
      /* Name the counter (an empty VERIFY does not count as a try). */
      int retries = -1;
      unsigned sw = 0;
      err = iso7816_pin_retries (&card->chan, ref, &retries, &sw);
      if (err)
        return err;
      if (retries >= 0)
        e->sw = 0x63C0 | (unsigned)(retries & 0x0F);
    }
  if (!errctx_text ()[0])
    agency_set_errtext (card, ref == 0x83 ? _("PW3 (admin PIN) not verified")
                        : _("PW1 not verified"));
  return 0;
}

/* The RSA key of S for the extended header list, in the import format
 * of ATTR: standard (91 e, 92 p, 93 q) or CRT (also 94 1/q mod p, 95 d
 * mod (p-1), 96 d mod (q-1)); formats 01 and 03 add 97 n. e is as long
 * as the attributes say (32 bits: 4 bytes). The card's p, q, 1/q mod p,
 * d mod (p-1), d mod (q-1) are agent_keys_rsa_crt's P, Q, qInv, dP,
 * dQ. */
static gpg_error_t
opg_rsa_parts (const image_node_t *s, const uint8_t *attr, buf_t *hdr,
               buf_t *keydata)
{
  /* Which CRT part goes to 92, 93 and (CRT formats) 94, 95, 96. */
  static const int order[5] = { 0, 1, 4, 2, 3 };
  gpg_error_t err = 0;
  bool crt = attr[5] == 0x02 || attr[5] == 0x03;
  bool modulus = attr[5] == 0x01 || attr[5] == 0x03;
  size_t ebytes = (get_be16 (attr + 3) + 7) / 8;
  buf_t part, parts[5];
  int i;

  buf_init_secure (&part);
  for (i = 0; i < 5; i++)
    buf_init_secure (&parts[i]);
  err = agent_keys_param (s->content, s->content_len, "e", ebytes, &part);
  if (!err)
    err = tlv_put_header (hdr, 0x91, part.len);
  if (!err)
    err = buf_append (keydata, part.data, part.len);
  if (!err)
    err = agent_keys_rsa_crt (s->content, s->content_len, parts);
  for (i = 0; !err && i < (crt ? 5 : 2); i++)
    {
      const buf_t *b = &parts[order[i]];
      err = tlv_put_header (hdr, 0x92 + (unsigned)i, b->len);
      if (!err)
        err = buf_append (keydata, b->data, b->len);
    }
  if (!err && modulus)
    {
      err = agent_keys_param (s->content, s->content_len, "n", 0, &part);
      if (!err)
        err = tlv_put_header (hdr, 0x97, part.len);
      if (!err)
        err = buf_append (keydata, part.data, part.len);
    }
  for (i = 0; i < 5; i++)
    buf_free (&parts[i]);
  buf_free (&part);
  return err;
}

/* Import the escrowed key of SLOT (PUT DATA odd DB 3FFF, 4D); PW3 is
 * verified. */
static gpg_error_t
opg_import (agency_card_t *card, plan_entry_t *e, int slot)
{
  const image_node_t *s = e->src;
  const agent_keys_algo_t *al = agent_keys_algo (s->key.algorithm);
  gpg_error_t err;
  buf_t hdr = BUF_INIT, keydata, part, cmd, cur = BUF_INIT;
  uint8_t attr[16], fpr[20], ts[4];
  size_t alen, mark, mark2;
  uint32_t created;
  unsigned sw = 0;

  buf_init_secure (&keydata);
  buf_init_secure (&part);
  buf_init_secure (&cmd);
  if (!al || agent_keys_openpgp_attr (al, slot, attr, &alen))
    {
      e->err = gpg_error (GPG_ERR_PUBKEY_ALGO);
      return 0;
    }
  if (!util_time_parse (s->key.created, &created))
    created = (uint32_t)time (NULL);

  /* Algorithm attributes first (changing them drops the old key). An
   * RSA key keeps the card's import format (standard or CRT). */
  err = agent_openpgp_get_do (card, 0xC1 + (unsigned)slot, &cur, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK && al->kind == AGENT_KEYS_RSA && cur.len == 6
      && cur.data[0] == 0x01)
    attr[5] = cur.data[5];
  if (sw != SW_OK || !agent_openpgp_attr_same (cur.data, cur.len, attr, alen))
    {
      err = agent_openpgp_put_data (card, 0xDA, 0xC1 + (unsigned)slot, attr,
                                    alen, &sw);
      if (err)
        goto leave;
      if (sw != SW_OK)
        goto refused;
    }

  /* 4D { CRT, 7F48 header list, 5F48 concatenated values } */
  if (al->kind == AGENT_KEYS_RSA)
    err = opg_rsa_parts (s, attr, &hdr, &keydata);
  else
    {
      size_t size = (al->bits + 7) / 8;
      err = agent_keys_param (s->content, s->content_len, "d", size, &part);
      if (!err)
        err = tlv_put_header (&hdr, 0x92, part.len);
      if (!err)
        err = buf_append (&keydata, part.data, part.len);
      if (!err)
        err = agent_keys_param (s->content, s->content_len, "q", 0, &part);
      if (!err)
        err = tlv_put_header (&hdr, 0x99, part.len);
      if (!err)
        err = buf_append (&keydata, part.data, part.len);
    }
  if (!err)
    err = tlv_begin (&cmd, 0x4D, &mark);
  if (!err)
    err = tlv_put (&cmd, agent_openpgp_slots[slot].crt, NULL, 0);
  if (!err)
    err = tlv_put (&cmd, 0x7F48, hdr.data, hdr.len);
  if (!err)
    err = tlv_begin (&cmd, 0x5F48, &mark2);
  if (!err)
    err = buf_append (&cmd, keydata.data, keydata.len);
  if (!err)
    err = tlv_end (&cmd, mark2);
  if (!err)
    err = tlv_end (&cmd, mark);
  if (!err)
    err = agent_openpgp_put_data (card, 0xDB, 0x3FFF, cmd.data, cmd.len, &sw);
  if (err)
    goto leave;
  if (sw != SW_OK)
    goto refused;

  /* Fingerprint and date: only for the key just imported. */
  err = agent_keys_openpgp_fpr (al, s->content, s->content_len, slot,
                                created, fpr);
  if (err)
    goto leave;
  err = agent_openpgp_put_data (card, 0xDA, 0xC7 + (unsigned)slot, fpr, 20,
                                &sw);
  if (!err && sw == SW_OK)
    {
      put_be32 (ts, created);
      err = agent_openpgp_put_data (card, 0xDA, 0xCE + (unsigned)slot, ts, 4,
                                    &sw);
    }
  if (err)
    goto leave;
  if (sw != SW_OK)
    goto refused;
  e->written = true;

  /* Read back: the card's C5 names the key we imported. */
  agency_progress (card, AGENCY_PHASE_READBACK, s, 0);
  err = agent_openpgp_get_do (card, 0xC5, &cur, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK && cur.len >= 60 && !memcmp (cur.data + 20 * slot, fpr, 20))
    {
      char hex[41];
      hex_encode (fpr, 20, hex);
      e->verified = !s->key.fingerprint || !strcmp (s->key.fingerprint, hex);
    }
  if (!e->verified)
    e->err = gpg_error (GPG_ERR_BAD_DATA);
  goto leave;

 refused:
  e->sw = sw;
  e->err = sw_to_error (sw);
 leave:
  buf_free (&hdr);
  buf_free (&keydata);
  buf_free (&part);
  buf_free (&cmd);
  buf_free (&cur);
  return err;
}

/* One attempt at writing E (the application selected and the PIN
 * verified in this selection, *FRESH: just now); a refusal is left in
 * e->sw / e->err. The cut: *R_DONE when there is nothing to read back. */
static gpg_error_t
opg_write_once (agency_card_t *card, plan_entry_t *e,
                const agent_openpgp_def_t *d,
                int slot, uint8_t ref, bool *fresh, bool *r_done)
{
  const image_node_t *s = e->src;
  gpg_error_t err;
  unsigned sw = 0, tag;
  size_t n, k;
  bool ok;

  *fresh = false;
  *r_done = true;
  err = agency_entry_select (card, &agent_openpgp, e, &sw, &ok);
  if (err || !ok)
    return err;
  err = opg_need_pin (card, e, ref, &ok, fresh);
  if (err || !ok)
    return err;
  if (s->type == IMAGE_NODE_KEY)
    return opg_import (card, e, slot);
  agency_progress (card, AGENCY_PHASE_WRITE, s, s->content_len);
  if (d && (d->flags & F_CAFPR))
    {
      /* The three CA fingerprints are written one by one. */
      for (k = 0; !err && sw == SW_OK && k < 3; k++)
        err = agent_openpgp_put_data (card, 0xDA, 0xCA + (unsigned)k,
                            s->content + 20 * k, 20, &sw);
      if (err || sw != SW_OK)
        goto refused;
      *r_done = false;
      return 0;
    }
  n = (d && (d->flags & F_FIRST) && s->tag == 0xC4 && s->content_len)
      ? 1 : s->content_len;
  if (slot >= 0)
    {
      tag = 0x7F21;
      err = agent_openpgp_select_cert (card, agent_openpgp_slots[slot].occ,
                                       &sw);
      if (err || sw != SW_OK)
        goto refused;
    }
  else
    tag = s->tag;
  err = agent_openpgp_put_data (card, 0xDA, tag, s->content, n, &sw);
  if (err || sw != SW_OK)
    goto refused;
  *r_done = false;
  return 0;

 refused:
  if (!err)
    {
      e->sw = sw;
      e->err = sw_to_error (sw);
    }
  return err;
}

/* E was refused. A data object this token does not have (6A88, 6A82,
 * 6A86, 6D00) or whose value it does not take (6A80 for attributes it
 * does not support, 6700 / 6A84 beyond its size limits) is not
 * restorable here, and the restore goes on; anything else stays a
 * failure (e->err). */
static gpg_error_t
opg_write_refused (plan_t *plan, plan_entry_t *e,
                   const agent_openpgp_def_t *d)
{
  char reason[160];

  if (agent_app_refusal (e, SW_FUNC_NOT_SUPPORTED, reason, sizeof reason))
    return agent_app_not_restorable (plan, e, reason);
  if (!e->err || e->src->type != IMAGE_NODE_DO || e->sw != SW_WRONG_DATA
      || !d || e->src->tag < 0xC1 || e->src->tag > 0xC3)
    return 0;
  snprintf (reason, sizeof reason, _("not restorable: this token does "
                                     "not take these algorithm "
                                     "attributes (%s)"),
            sw_describe (e->sw));
  return agent_app_not_restorable (plan, e, reason);
}

gpg_error_t
agent_openpgp_write_entry (agency_card_t *card, const image_t *src,
                           plan_t *plan,
           plan_entry_t *e)
{
  const image_node_t *s = e->src;
  const agent_openpgp_def_t *d;
  gpg_error_t err = 0;
  unsigned sw = 0, tag;
  int slot, attempt;
  uint8_t ref;
  bool fresh, done;
  buf_t back = BUF_INIT;
  size_t n;
  (void)src;

  if (!s || s->type == IMAGE_NODE_APPLET
      || (s->type == IMAGE_NODE_DO && s->tag == 0x7F21))
    {
      e->written = e->verified = true;
      return 0;
    }
  slot = agent_openpgp_slot_of (s);
  if (s->type == IMAGE_NODE_KEY && slot < 0)
    return gpg_error (GPG_ERR_INV_OBJ);
  if (s->type != IMAGE_NODE_KEY && s->type != IMAGE_NODE_DO)
    return gpg_error (GPG_ERR_INV_OBJ);
  d = slot >= 0 ? NULL : agent_openpgp_def (s->tag);
  if (s->type == IMAGE_NODE_DO && slot < 0 && (!d || (d->flags & F_RO)))
    {
      e->err = gpg_error (GPG_ERR_NOT_SUPPORTED);
      return 0;
    }
  /* A 6982 with a PIN only assumed to be verified (the token may have
   * dropped it): once more, verified afresh. A 6982 right after PW1 was
   * verified for an object the spec lets PW1 write: some tokens want the
   * admin PIN for every PUT DATA; once more with PW3. */
  ref = (d && (d->flags & F_PW1)) ? 0x82 : 0x83;
  for (attempt = 0; attempt < 3; attempt++)
    {
      err = opg_write_once (card, e, d, slot, ref, &fresh, &done);
      if (err || e->sw != SW_SEC_NOT_SATISFIED)
        break;
      if (fresh && ref == 0x82)
        ref = 0x83;
      else if (attempt || !agency_security_lost (card, e->sw, fresh))
        break;
    }
  if (err)
    return err;
  if (done)
    return opg_write_refused (plan, e, d);
  e->written = true;

  agency_progress (card, AGENCY_PHASE_READBACK, s, 0);
  n = (d && (d->flags & F_FIRST) && s->tag == 0xC4 && s->content_len)
      ? 1 : s->content_len;
  tag = slot >= 0 ? 0x7F21 : s->tag;
  if (d && (d->flags & (F_RPW1 | F_RPW3)))
    buf_init_secure (&back);
  if (slot >= 0)
    {
      err = agent_openpgp_select_cert (card, agent_openpgp_slots[slot].occ,
                                       &sw);
      if (err)
        goto leave;
    }
  err = agent_openpgp_get_do (card, tag, &back, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    {
      if (d && (d->flags & F_FIRST))
        e->verified = back.len && n && back.data[0] == s->content[0];
      else if (s->tag >= 0xC1 && s->tag <= 0xC3)
        e->verified = agent_openpgp_attr_same (back.data, back.len,
                                               s->content, n);
      else
        e->verified = back.len == n && (!n || !memcmp (back.data, s->content,
                                                         n));
    }
  if (!e->verified)
    e->err = gpg_error (GPG_ERR_BAD_DATA);
 leave:
  buf_free (&back);
  return err;
}
