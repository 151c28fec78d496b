/* applet-openpgp-key.c - the OpenPGP applet's keys: install, import
 * (PUT DATA odd DB 3FFF with the extended header list 4D, OpenPGP card
 * 3.4 4.4.3.12) and GENERATE ASYMMETRIC KEY PAIR (47); the crypto is in
 * emu-crypto.c */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "common/tlv.h"
#include "emu-crypto.h"
#include "applet-openpgp.h"

/* Put KEY (already made) into SLOT; STATUS as in DE. */
gpg_error_t
applet_openpgp_install (opg_t *o, int slot, emu_key_t *key, uint8_t status)
{
  opg_slot_t *s = &o->slot[slot];

  emu_crypto_key_free (&s->key);
  s->key = *key;
  memset (key, 0, sizeof *key);
  s->status = status;
  return 0;
}

/* ---- key import (PUT DATA odd DB, 3FFF, extended header list 4D) ---- */

/* Slot named by a control reference template (B6, B8, A4). */
static int
applet_openpgp_crt_slot (unsigned tag)
{
  return tag == 0xB6 ? OPG_SIG : tag == 0xB8 ? OPG_DEC
         : tag == 0xA4 ? OPG_AUT : -1;
}

gpg_error_t
applet_openpgp_import (opg_t *o, const applet_cmd_t *cmd, applet_reply_t *r)
{
  tlv_t t4d, crt, hdr, keydata;
  tlv_iter_t it;
  const uint8_t *comp[10] = { 0 };
  size_t clen[10] = { 0 };
  size_t off = 0, hl;
  emu_key_t key = { 0, 0, NULL };
  emu_key_type_t type;
  unsigned bits;
  int slot;
  gpg_error_t err = 0;

  if (!o->v83)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  if (tlv_parse (cmd->data, cmd->lc, &t4d, NULL) || t4d.tag != 0x4D)
    goto bad;
  tlv_iter_init (&it, t4d.value, t4d.len, 0);
  if (tlv_iter_next (&it, &crt) || (slot = applet_openpgp_crt_slot (crt.tag)) < 0
      || tlv_iter_next (&it, &hdr) || hdr.tag != 0x7F48
      || tlv_iter_next (&it, &keydata) || keydata.tag != 0x5F48)
    goto bad;
  /* The header list: tag + length pairs, no values. */
  for (hl = 0; hl < hdr.len;)
    {
      unsigned tag = hdr.value[hl++];
      size_t len;

      if (hl >= hdr.len || tag < 0x91 || tag > 0x99)
        goto bad;
      len = hdr.value[hl++];
      if (len == 0x81 && hl + 1 <= hdr.len)
        len = hdr.value[hl++];
      else if (len == 0x82 && hl + 2 <= hdr.len)
        {
          len = get_be16 (hdr.value + hl);
          hl += 2;
        }
      else if (len >= 0x80)
        goto bad;
      if (len > keydata.len - off)
        goto bad;
      comp[tag - 0x90] = keydata.value + off;
      clen[tag - 0x90] = len;
      off += len;
    }
  if (off != keydata.len)
    goto bad;
  if (!applet_openpgp_attr_parse (o->slot[slot].attr, o->slot[slot].attr_len,
                                  slot, &type, &bits))
    goto bad;
  if (type == EMU_KEY_RSA)
    {
      if (!clen[1] || !clen[2] || !clen[3])
        goto bad;
      /* CRT only (import format 02): e in exactly 4 bytes, p and q in
       * exactly half the modulus size, and 1/q mod p, d mod (p-1),
       * d mod (q-1) given. */
      if (o->rsa_crt && (clen[1] != 4 || clen[2] != bits / 16
                         || clen[3] != bits / 16 || !clen[4] || !clen[5]
                         || !clen[6]))
        goto bad;
      err = emu_crypto_import_rsa (&key, bits, comp[1], clen[1], comp[2],
                                   clen[2], comp[3], clen[3]);
    }
  else
    {
      if (!clen[2])
        goto bad;
      err = emu_crypto_import_ecc (&key, type, comp[2], clen[2]);
      if (!err && clen[9])
        {
          /* A public key was given too: it must match. */
          buf_t a = BUF_INIT;
          const uint8_t *q = comp[9];
          size_t ql = clen[9];
          if (ql == 33 && q[0] == 0x40)
            q++, ql--;
          err = emu_crypto_public (&key, &a, NULL);
          if (!err && (a.len != ql || memcmp (a.data, q, ql)))
            err = gpg_error (GPG_ERR_INV_VALUE);
          buf_free (&a);
        }
    }
  if (gpg_err_code (err) == GPG_ERR_INV_VALUE)
    goto bad;
  if (err)
    goto leave;
  applet_openpgp_install (o, slot, &key, 2);
  if (slot == OPG_SIG)
    o->sigcount = 0;
  memset (o->slot[slot].fpr, 0, 20);
  o->slot[slot].time = 0;
  r->changed = true;
  goto leave;
 bad:
  r->sw = SW_WRONG_DATA;
  err = 0;
 leave:
  emu_crypto_key_free (&key);
  return err;
}

/* ---- GENERATE ASYMMETRIC KEY PAIR ----------------------------------- */

static gpg_error_t
applet_openpgp_public (opg_slot_t *s, applet_reply_t *r)
{
  buf_t a = BUF_INIT, e = BUF_INIT;
  size_t mark;
  gpg_error_t err;

  err = emu_crypto_public (&s->key, &a, &e);
  if (!err)
    err = tlv_begin (&r->data, 0x7F49, &mark);
  if (!err && s->key.type == EMU_KEY_RSA)
    {
      err = tlv_put (&r->data, 0x81, a.data, a.len);
      if (!err)
        err = tlv_put (&r->data, 0x82, e.data, e.len);
    }
  else if (!err)
    err = tlv_put (&r->data, 0x86, a.data, a.len);
  if (!err)
    err = tlv_end (&r->data, mark);
  buf_free (&a);
  buf_free (&e);
  return err;
}

gpg_error_t
applet_openpgp_generate (void *state, const applet_cmd_t *cmd,
                         applet_reply_t *r)
{
  opg_t *o = state;
  opg_slot_t *s;
  emu_key_t key = { 0, 0, NULL };
  emu_key_type_t type;
  unsigned bits;
  int slot;
  gpg_error_t err;

  if ((cmd->p1 != 0x80 && cmd->p1 != 0x81) || cmd->p2)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (cmd->lc < 2 || (slot = applet_openpgp_crt_slot (cmd->data[0])) < 0)
    return applet_reply_sw (r, SW_WRONG_DATA);
  s = &o->slot[slot];
  if (cmd->p1 == 0x81)
    {
      if (!s->key.sexp)
        return applet_reply_sw (r, SW_REF_NOT_FOUND);
      return applet_openpgp_public (s, r);
    }
  if (!o->v83)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  if (!applet_openpgp_attr_parse (s->attr, s->attr_len, slot, &type, &bits))
    return applet_reply_sw (r, SW_COND_NOT_SATISFIED);
  err = emu_crypto_generate (&key, type, bits);
  if (err)
    return err;
  applet_openpgp_install (o, slot, &key, 1);
  if (slot == OPG_SIG)
    o->sigcount = 0;
  /* The terminal writes fingerprint and date after generation. */
  memset (s->fpr, 0, 20);
  s->time = 0;
  r->changed = true;
  return applet_openpgp_public (s, r);
}
