/* emu-image.c - a card image as an emulated card, and back (see
 * emu-image.h).  Used by vscemu --vsc. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/tlv.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu-int.h"
#include "emu-image.h"
#include "emu-crypto.h"

/* The ATR used when the image has none (T=1, no extended length). */
static const uint8_t emu_image_default_atr[] = {
  0x3B, 0x8C, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0x80, 0x56, 0x76,
  0x73, 0x63, 0x65, 0x6D, 0x75, 0x33
};
/* The same announcing extended length (card capabilities C0), for a
 * card with applets: their DOs (OpenPGP 7F66) announce it too. */
static const uint8_t emu_image_applet_atr[] = {
  0x3B, 0x8C, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0xC0, 0x56, 0x76,
  0x73, 0x63, 0x65, 0x6D, 0x75, 0x73
};

typedef struct emu_image_ctx {
  emu_card_t *card;
  const image_t *image;
  const char *pin;
  unsigned skipped;
  unsigned keys;            /* key files made from escrowed keys */
} emu_image_ctx_t;

static gpg_error_t
emu_image_need_pin (emu_image_ctx_t *c, unsigned ref)
{
  emu_card_t *card = c->card;
  const image_node_t *stored = emu_image_stored_pin (c->image, NULL, ref);
  const uint8_t *value = stored ? stored->content : (const uint8_t *)c->pin;
  size_t n = stored ? stored->content_len : strlen (c->pin);
  emu_pin_t *pin;

  if (emu_pin_find (card, ref))
    return 0;
  if (card->npins >= EMU_MAX_PINS)
    return gpg_error (GPG_ERR_TOO_LARGE);
  pin = &card->pins[card->npins];
  memset (pin, 0, sizeof *pin);
  pin->ref = (uint8_t)ref;
  snprintf (pin->name, sizeof pin->name, "PIN%u", ref);
  pin->retries_max = pin->retries_left = 3;
  pin->min_len = 1;
  pin->max_len = n > 8 ? n : 8;
  pin->pad = -1;
  card->npins++;
  return emu_pin_set (pin, value, n);
}

/* The scope of a stored PIN: the top-level node it names. */
static const image_node_t *
emu_image_pin_scope (const image_t *image, const image_node_t *pin)
{
  const char *scope = image_node_pin_scope (pin);
  const image_node_t *top, *found = NULL, *mf = NULL;
  unsigned apps = 0;
  char comp[IMAGE_COMPONENT_MAX];
  size_t len;

  while (scope && *scope == '/')
    scope++;
  for (top = image->root.first_child; top; top = top->next)
    {
      if (scope && *scope)
        {
          image_node_component (top, comp, sizeof comp);
          len = strlen (comp);
          if (!strncasecmp (scope, comp, len)
              && (!scope[len] || scope[len] == '/'))
            return top;
        }
      else if (top->type == IMAGE_NODE_APPLET && top->aid_len)
        {
          found = top;
          apps++;
        }
      else if (top->type == IMAGE_NODE_MF)
        mf = top;
    }
  if (scope && *scope)
    return NULL;
  return apps == 1 ? found : apps ? NULL : mf;
}

const image_node_t *
emu_image_stored_pin (const image_t *image, const char *app, unsigned ref)
{
  const image_node_t *n, *scope;
  char path[16];

  snprintf (path, sizeof path, "pins/%02X", ref & 0xFF);
  n = image_find_path (image, path);
  if (!n || n->type != IMAGE_NODE_DO || !n->has_content || !n->content_len
      || n->content_len > 127 || memchr (n->content, 0, n->content_len))
    return NULL;
  scope = emu_image_pin_scope (image, n);
  if (!scope)
    return NULL;
  if (app)
    return scope->type == IMAGE_NODE_APPLET && scope->name
           && !strcmp (scope->name, app) ? n : NULL;
  return scope->type == IMAGE_NODE_MF ? n : NULL;
}

static gpg_error_t
emu_image_ac (emu_image_ctx_t *c, image_ac_t ac, uint8_t ref, unsigned *out)
{
  switch (ac)
    {
    case IMAGE_AC_NEVER:
      *out = EMU_AC_NEVER;
      return 0;
    case IMAGE_AC_PIN:
      if (!ref)
        {
          *out = EMU_AC_NEVER;
          return 0;
        }
      *out = ref;
      return emu_image_need_pin (c, ref);
    default:
      *out = EMU_AC_ALWAYS;
      return 0;
    }
}

/* A private key kept in the VSC (escrowed) with the FID of its key file:
 * an internal EF holding the key as DER, used after the PIN that guards
 * writing it (or PIN 1). */
static gpg_error_t
emu_image_key (emu_image_ctx_t *c, const image_node_t *n, emu_file_t *df)
{
  gpg_error_t err;
  emu_key_t key;
  emu_file_t *f;
  unsigned ac;

  memset (&key, 0, sizeof key);
  if (emu_crypto_der_from_sexp (&key, n->content, n->content_len))
    {
      c->skipped++;
      return 0;
    }
  f = emu_fs_new (c->card, df, EMU_EF_TRANSPARENT, n->fid);
  if (!f)
    {
      emu_crypto_key_free (&key);
      return gpg_error (GPG_ERR_TOO_LARGE);
    }
  f->internal = true;
  err = emu_crypto_der_save (&key, &f->data);
  emu_crypto_key_free (&key);
  if (err)
    return err;
  err = emu_image_ac (c, IMAGE_AC_PIN, n->access.write == IMAGE_AC_PIN
                      && n->access.write_ref ? n->access.write_ref : 1, &ac);
  if (err)
    return err;
  f->ac[EMU_AC_READ] = f->ac[EMU_AC_UPDATE] = ac;
  c->keys++;
  return 0;
}

/* Is there an escrowed key for FID among the children of PARENT? */
static bool
emu_image_key_for (const image_node_t *parent, unsigned fid)
{
  const image_node_t *ch;
  for (ch = parent->first_child; ch; ch = ch->next)
    if (ch->type == IMAGE_NODE_KEY && ch->has_fid && ch->fid == fid
        && ch->has_content && ch->content_len)
      return true;
  return false;
}

static gpg_error_t
emu_image_file (emu_image_ctx_t *c, const image_node_t *n, emu_file_t *df)
{
  gpg_error_t err = 0;
  const image_node_t *ch;
  emu_file_t *f;
  enum emu_ftype type;
  tlv_t t;

  if (n->type == IMAGE_NODE_KEY && n->has_fid && n->has_content
      && n->content_len && !emu_fs_child_fid (df, n->fid))
    return emu_image_key (c, n, df);
  if (n->has_fid && n->type != IMAGE_NODE_KEY && n->type != IMAGE_NODE_DF
      && n->parent && emu_image_key_for (n->parent, n->fid))
    return 0;                   /* the key's placeholder file */
  switch (n->type)
    {
    case IMAGE_NODE_DF: type = EMU_DF; break;
    case IMAGE_NODE_EF_TRANSPARENT: type = EMU_EF_TRANSPARENT; break;
    case IMAGE_NODE_EF_LINEAR_FIXED: type = EMU_EF_LINEAR_FIXED; break;
    case IMAGE_NODE_EF_LINEAR_VARIABLE: type = EMU_EF_LINEAR_VAR; break;
    case IMAGE_NODE_EF_CYCLIC: type = EMU_EF_CYCLIC; break;
    default:
      c->skipped++;
      return 0;
    }
  if (!n->has_fid || n->fid == 0x3F00 || n->fid == 0x3FFF
      || n->fid == 0xFFFF || emu_fs_child_fid (df, n->fid)
      || (type == EMU_DF && emu_fs_depth (df) + 1 > EMU_MAX_DEPTH))
    {
      c->skipped++;
      return 0;
    }
  f = emu_fs_new (c->card, df, type, n->fid);
  if (!f)
    return gpg_error (GPG_ERR_TOO_LARGE);
  if (n->aid && n->aid_len && n->aid_len <= EMU_MAX_AID && type == EMU_DF)
    {
      memcpy (f->aid, n->aid, n->aid_len);
      f->aid_len = n->aid_len;
    }
  f->deactivated = !!(n->flags & IMAGE_FLAG_DEACTIVATED);
  if ((err = emu_image_ac (c, n->access.read, n->access.read_ref,
                           &f->ac[EMU_AC_READ])))
    return err;
  if ((err = emu_image_ac (c, n->access.write, n->access.write_ref,
                           &f->ac[EMU_AC_UPDATE])))
    return err;
  if (n->fcp && type != EMU_DF
      && !tlv_parse (n->fcp, n->fcp_len, &t, NULL)
      && !tlv_find (t.value, t.len, 0x88, &t) && t.len == 1
      && (t.value[0] >> 3) && (t.value[0] >> 3) < 31
      && !emu_fs_child_sfi (df, t.value[0] >> 3))
    f->sfi = t.value[0] >> 3;

  if (type == EMU_DF)
    {
      for (ch = n->first_child; ch && !err; ch = ch->next)
        err = emu_image_file (c, ch, f);
      return err;
    }
  if (type == EMU_EF_TRANSPARENT)
    {
      size_t size = n->size > n->content_len ? n->size : n->content_len;
      if (size > EMU_MAX_EF_SIZE)
        {
          c->skipped++;
          size = EMU_MAX_EF_SIZE;
        }
      if ((err = buf_reserve (&f->data, size)))
        return err;
      memset (f->data.data, 0, size);
      if (n->content_len)
        memcpy (f->data.data, n->content,
                n->content_len < size ? n->content_len : size);
      f->data.len = size;
      return 0;
    }
  /* Record EF: records are RECORD children, in record number order. */
  f->rec_len = n->record_len;
  for (ch = n->first_child; ch; ch = ch->next)
    if (ch->type == IMAGE_NODE_RECORD && ch->content_len > f->rec_len)
      f->rec_len = ch->content_len;
  /* A variable-length EF's maximum is not in the image: allow 255. */
  if (type == EMU_EF_LINEAR_VAR && f->rec_len < 255)
    f->rec_len = 255;
  if (!f->rec_len)
    f->rec_len = 1;
  if (f->rec_len > EMU_MAX_RECLEN)
    f->rec_len = EMU_MAX_RECLEN;
  {
    unsigned recno;
    for (recno = 1; recno <= EMU_MAX_RECORDS && !err; recno++)
      {
        const image_node_t *r = NULL;
        for (ch = n->first_child; ch; ch = ch->next)
          if (ch->type == IMAGE_NODE_RECORD && ch->recno == recno)
            r = ch;
        if (!r)
          break;
        if (!r->content_len && type != EMU_EF_LINEAR_FIXED)
          break;
        if (type != EMU_EF_LINEAR_VAR && r->content_len != f->rec_len)
          {
            /* Fixed-size records: pad short ones. */
            uint8_t *tmp = xtrycalloc (1, f->rec_len);
            if (!tmp)
              return gpg_error_from_syserror ();
            memcpy (tmp, r->content, r->content_len < f->rec_len
                    ? r->content_len : f->rec_len);
            err = emu_fs_add_record (f, tmp, f->rec_len, false);
            xfree (tmp);
          }
        else
          err = emu_fs_add_record (f, r->content, r->content_len, false);
      }
  }
  f->rec_max = n->record_count > f->nrecs ? n->record_count : f->nrecs;
  if (type == EMU_EF_LINEAR_VAR && f->rec_max < EMU_MAX_RECORDS)
    f->rec_max = EMU_MAX_RECORDS;
  if (!f->rec_max)
    f->rec_max = 1;
  if (f->rec_max > EMU_MAX_RECORDS)
    f->rec_max = EMU_MAX_RECORDS;
  if (!err)
    err = emu_fs_fill_records (f);
  return err;
}

/* The card of IMAGE; with APPLETS its OpenPGP and PIV applets too. */
static gpg_error_t
emu_image_build (const image_t *image, const char *pin, bool applets,
                 emu_card_t **r_card, emu_image_report_t *rep)
{
  gpg_error_t err = 0;
  emu_image_ctx_t c;
  emu_card_t *card;
  const image_node_t *top, *mf = NULL, *ch;

  *r_card = NULL;
  memset (rep, 0, sizeof *rep);
  card = xtrycalloc (1, sizeof *card);
  if (!card)
    return gpg_error_from_syserror ();
  card->cur_applet = -1;
  memset (&c, 0, sizeof c);
  c.card = card;
  c.image = image;
  c.pin = pin ? pin : "123456";
  if (image->card.atr_len >= 2 && image->card.atr_len <= sizeof card->atr)
    {
      memcpy (card->atr, image->card.atr, image->card.atr_len);
      card->atr_len = image->card.atr_len;
    }
  else
    {
      bool apps = false;
      for (top = image->root.first_child; applets && top; top = top->next)
        apps |= top->type == IMAGE_NODE_APPLET && top->name
                && (!strcmp (top->name, "openpgp") || !strcmp (top->name,
                                                                "piv"));
      memcpy (card->atr, apps ? emu_image_applet_atr : emu_image_default_atr,
              sizeof emu_image_default_atr);
      card->atr_len = sizeof emu_image_default_atr;
    }
  card->mf = emu_fs_new (card, NULL, EMU_DF, 0x3F00);
  if (!card->mf)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (top = image->root.first_child; top && !err; top = top->next)
    if (top->type == IMAGE_NODE_MF)
      mf = top;
    else if (top->name && !strcmp (top->name, "pins"))
      continue;                 /* stored PINs: used, not presented */
    else if (top->type == IMAGE_NODE_APPLET && applets)
      err = emu_image_app_add (card, image, top, pin, rep);
    else
      c.skipped++;
  if (err)
    goto leave;
  if (mf)
    {
      if ((err = emu_image_ac (&c, mf->access.write, mf->access.write_ref,
                               &card->mf->ac[EMU_AC_UPDATE])))
        goto leave;
      for (ch = mf->first_child; ch && !err; ch = ch->next)
        err = emu_image_file (&c, ch, card->mf);
      if (err)
        goto leave;
    }
  /* An applet announces extended length in its own DOs (OpenPGP 7F66),
   * and its clients use it, whatever the backed-up ATR says. */
  card->ext = rep->applets || emu_profile_ext_announced (card);
  /* Keys to use: let OpenSC bind the driver that uses them. */
  card->isoapplet = c.keys > 0;
  emu_card_power_off (card);
  rep->skipped += c.skipped;
  rep->keys += c.keys;
  if (rep->skipped)
    log_info (applets
              ? _("%u nodes of the image are not presented (keys without a "
                  "key file or slot, files without FID, other "
                  "applications)\n")
              : _("%u nodes of the image are not presented (applets, keys "
                  "without a key file, files without FID)\n"), rep->skipped);
  *r_card = card;
  card = NULL;
 leave:
  emu_card_free (card);
  return err;
}

gpg_error_t
emu_image_card (const image_t *image, const char *pin, emu_card_t **r_card,
                unsigned *r_skipped)
{
  emu_image_report_t rep;
  gpg_error_t err = emu_image_build (image, pin, false, r_card, &rep);

  if (r_skipped)
    *r_skipped = rep.skipped;
  return err;
}

gpg_error_t
emu_image_present (const image_t *image, const char *pin,
                   emu_card_t **r_card, emu_image_report_t *rep)
{
  return emu_image_build (image, pin, true, r_card, rep);
}

/* ---- card -> image ---- */

static image_type_t
emu_image_type (const emu_file_t *f)
{
  switch (f->type)
    {
    case EMU_DF: return IMAGE_NODE_DF;
    case EMU_EF_TRANSPARENT: return IMAGE_NODE_EF_TRANSPARENT;
    case EMU_EF_LINEAR_FIXED: return IMAGE_NODE_EF_LINEAR_FIXED;
    case EMU_EF_LINEAR_VAR: return IMAGE_NODE_EF_LINEAR_VARIABLE;
    default: return IMAGE_NODE_EF_CYCLIC;
    }
}

static gpg_error_t
emu_image_sync_file (const emu_file_t *f, image_node_t *parent)
{
  gpg_error_t err = 0;
  char comp[8];
  image_node_t *n, *ch, *next;
  const emu_file_t *c;
  size_t i;

  /* Key files stay out of the image: their key is in the VSC's
   * secret-key area already, and a key written to the card is never
   * copied into a public node. */
  if (f->internal)
    return 0;
  snprintf (comp, sizeof comp, "%04X", f->fid);
  n = image_find_child (parent, comp);
  if (n && n->type != emu_image_type (f))
    {
      image_node_remove (n);
      n = NULL;
    }
  if (!n)
    {
      if ((err = image_node_new (emu_image_type (f), &n)))
        return err;
      image_node_set_fid (n, (uint16_t)f->fid);
      n->source = IMAGE_SRC_USER;
      if ((err = image_add_child (parent, n)))
        {
          image_node_free (n);
          return err;
        }
    }
  if (f->type == EMU_DF)
    {
      if (f->aid_len && !n->aid)
        err = image_node_set_aid (n, f->aid, f->aid_len);
      /* Children: update or add, then drop what the card no longer has. */
      for (c = f->child; c && !err; c = c->next)
        err = emu_image_sync_file (c, n);
      for (ch = n->first_child; ch && !err; ch = next)
        {
          next = ch->next;
          if (ch->has_fid && ch->type >= IMAGE_NODE_DF
              && ch->type <= IMAGE_NODE_EF_CYCLIC
              && !emu_fs_child_fid ((emu_file_t *)f, ch->fid))
            image_node_remove (ch);
        }
      return err;
    }
  if (f->type == EMU_EF_TRANSPARENT)
    {
      err = f->data.len ? image_node_set_content (n, f->data.data, f->data.len)
                        : image_node_set_empty (n);
      n->size = f->data.len;
      return err;
    }
  for (ch = n->first_child; ch; ch = next)
    {
      next = ch->next;
      if (ch->type == IMAGE_NODE_RECORD)
        image_node_remove (ch);
    }
  for (i = 0; i < f->nrecs && !err; i++)
    {
      image_node_t *r;
      if ((err = image_node_new (IMAGE_NODE_RECORD, &r)))
        break;
      image_node_set_recno (r, (unsigned)(i + 1));
      r->source = IMAGE_SRC_USER;
      err = image_node_set_content (r, f->recs[i].data, f->recs[i].len);
      if (!err)
        err = image_add_child (n, r);
      if (err)
        image_node_free (r);
    }
  n->record_count = (unsigned)f->nrecs;
  n->record_len = f->type == EMU_EF_LINEAR_VAR ? 0 : (unsigned)f->rec_len;
  return err;
}

gpg_error_t
emu_image_sync (emu_card_t *card, image_t *image)
{
  gpg_error_t err;
  image_node_t *mf = NULL, *top;
  const emu_file_t *c;
  image_node_t *ch, *next;

  for (top = image->root.first_child; top; top = top->next)
    if (top->type == IMAGE_NODE_MF)
      mf = top;
  if (!mf)
    {
      err = image_make_path (image, "3F00", IMAGE_NODE_MF, IMAGE_SRC_USER,
                             &mf);
      if (err)
        return err;
    }
  for (c = card->mf->child, err = 0; c && !err; c = c->next)
    err = emu_image_sync_file (c, mf);
  for (ch = mf->first_child; ch && !err; ch = next)
    {
      next = ch->next;
      if (ch->has_fid && ch->type >= IMAGE_NODE_DF
          && ch->type <= IMAGE_NODE_EF_CYCLIC
          && !emu_fs_child_fid (card->mf, ch->fid))
        image_node_remove (ch);
    }
  return err;
}

void
emu_image_set_hook (emu_card_t *card,
                    gpg_error_t (*fn) (void *ctx, emu_card_t *card),
                    void *ctx)
{
  card->change_hook = fn;
  card->change_ctx = ctx;
}
