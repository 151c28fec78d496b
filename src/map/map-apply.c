/* map-apply.c - the image a mapped restore writes
 *
 * The source's applications that the target also has are copied as they
 * are (the ordinary node-by-node restore), without the objects the
 * mapping moves away or leaves behind. Every moved object is then added
 * at its place on the target, in the target's own format:
 *
 *   PIV      piv/key-XX (the key; algorithm named as PIV does),
 *            piv/5FC1xx (certificate object: 70 certificate, 71 00, FE)
 *   OpenPGP  openpgp/key-sig|dec|aut (the key with its creation time, for
 *            the fingerprint), openpgp/7F21/B6|B8|A4 (the certificate),
 *            openpgp/0101..0104, openpgp/5B|5F50|5E
 *   PKCS#15  a new structure on a blank file system (map-p15.c)
 *
 * A PKCS#15 key that stays on a file-system card goes into the key file
 * its PrKDF names (the placeholder EF of the backup becomes the key). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "common/util.h"
#include "common/piv.h"
#include "common/i18n.h"
#include "common/hex.h"
#include "common/tlv.h"
#include "common/errctx.h"
#include "map/map-int.h"
#include "map/map-p15.h"

static const uint8_t apply_piv_aid[11] = { 0xA0, 0x00, 0x00, 0x03, 0x08,
                                           0x00, 0x00, 0x10, 0x00, 0x01,
                                           0x00 };
static const uint8_t apply_pgp_rid[6] = { 0xD2, 0x76, 0x00, 0x01, 0x24,
                                          0x01 };

/* The applet root NAME in OUT, made if missing. */
static gpg_error_t
apply_applet (image_t *out, const char *name, const uint8_t *aid,
              size_t aid_len, image_node_t **r_app)
{
  gpg_error_t err = 0;
  image_node_t *app = image_find_child (&out->root, name);

  if (!app)
    {
      err = image_node_new (IMAGE_NODE_APPLET, &app);
      if (!err)
        err = image_node_set_name (app, name);
      if (!err)
        err = image_node_set_aid (app, aid, aid_len);
      if (!err)
        err = image_node_set_agent (app, name);
      if (!err)
        {
          app->source = IMAGE_SRC_AID;
          err = image_add_child (&out->root, app);
        }
      if (err)
        {
          image_node_free (app);
          return err;
        }
    }
  *r_app = app;
  return 0;
}

/* A node of TYPE named COMP below PARENT, replacing what is there. */
static gpg_error_t
apply_node (image_t *out, const char *path, image_type_t type,
            const char *agent, image_node_t **r_node)
{
  gpg_error_t err;
  image_node_t *n = image_find_path (out, path);

  if (n)
    image_node_remove (n);
  err = image_make_path (out, path, type, IMAGE_SRC_USER, &n);
  if (!err && n->type != type)
    err = gpg_error (GPG_ERR_CONFLICT);
  if (!err)
    err = image_node_set_agent (n, agent);
  if (!err)
    *r_node = n;
  return err;
}

/* A key node at PATH with the source key's material. */
static gpg_error_t
apply_key (image_t *out, const map_entry_t *e, const char *path,
           const char *agent, const char *alg_name, const char *usage)
{
  gpg_error_t err;
  image_node_t *n;
  image_keyinfo_t ki;
  char now[32];
  const image_node_t *s = e->node;

  err = apply_node (out, path, IMAGE_NODE_KEY, agent, &n);
  if (!err)
    err = image_node_set_content (n, s->content, s->content_len);
  if (err)
    return err;
  n->area = IMAGE_AREA_SECRET_KEY;
  n->size = s->content_len;
  memset (&ki, 0, sizeof ki);
  ki.algorithm = (char *)alg_name;
  ki.fingerprint = NULL;        /* the target's own is computed */
  if (s->key.created)
    ki.created = s->key.created;
  else
    {
      util_time_text ((uint64_t)time (NULL), now, sizeof now);
      ki.created = now;
    }
  ki.usage = (char *)usage;
  err = image_node_set_keyinfo (n, &ki);
  if (!err)
    err = image_node_set_note (n, _("escrowed: moved from another card "
                                    "model"));
  return err;
}

static gpg_error_t
apply_do (image_t *out, const char *path, const char *agent,
          const uint8_t *p, size_t len, bool priv)
{
  gpg_error_t err;
  image_node_t *n;

  err = apply_node (out, path, IMAGE_NODE_DO, agent, &n);
  if (!err)
    err = len ? image_node_set_content (n, p, len) : image_node_set_empty (n);
  if (!err && priv)
    n->area = IMAGE_AREA_PRIVATE;
  return err;
}

static const char *
apply_piv_alg (unsigned alg)
{
  switch (alg)
    {
    case MAP_ALG_NISTP256: return "eccp256";
    case MAP_ALG_NISTP384: return "eccp384";
    default: return map_alg_name (alg);
    }
}

static gpg_error_t
apply_piv (image_t *out, const map_entry_t *e)
{
  gpg_error_t err;
  image_node_t *app;
  char path[32], usage[8];
  buf_t b = BUF_INIT;
  size_t mark;

  err = apply_applet (out, "piv", apply_piv_aid, sizeof apply_piv_aid, &app);
  if (err)
    return err;
  if (e->kind == MAP_KIND_KEY)
    {
      snprintf (path, sizeof path, "piv/key-%02X", e->slot.id);
      snprintf (usage, sizeof usage, "%02X", e->slot.id);
      return apply_key (out, e, path, "piv", apply_piv_alg (e->alg), usage);
    }
  /* Certificate object: 70 certificate, 71 CertInfo (not compressed),
   * FE error detection code (empty). */
  err = tlv_put (&b, 0x70, e->data, e->data_len);
  if (!err)
    err = tlv_put_u8 (&b, 0x71, 0x00);
  if (!err)
    err = tlv_begin (&b, 0xFE, &mark);
  if (!err)
    err = tlv_end (&b, mark);
  snprintf (path, sizeof path, "piv/%06X", piv_cert_tag (e->slot.id));
  if (!err)
    err = apply_do (out, path, "piv", b.data, b.len, false);
  buf_free (&b);
  return err;
}

static gpg_error_t
apply_openpgp (image_t *out, const map_entry_t *e)
{
  gpg_error_t err;
  image_node_t *app, *cont;
  char path[32];
  static const char *const slot[4] = { NULL, "sig", "dec", "aut" };
  static const char *const usage[4] = { NULL, "sign", "decrypt", "auth" };
  static const char *const crt[4] = { NULL, "B6", "B8", "A4" };

  err = apply_applet (out, "openpgp", apply_pgp_rid, sizeof apply_pgp_rid,
                      &app);
  if (err)
    return err;
  switch (e->kind)
    {
    case MAP_KIND_KEY:
      snprintf (path, sizeof path, "openpgp/key-%s", slot[e->slot.id]);
      return apply_key (out, e, path, "openpgp", map_alg_name (e->alg),
                        usage[e->slot.id]);
    case MAP_KIND_CERT:
      cont = image_find_child (app, "7F21");
      if (!cont)
        {
          err = image_make_path (out, "openpgp/7F21", IMAGE_NODE_DO,
                                 IMAGE_SRC_USER, &cont);
          if (!err)
            err = image_node_set_empty (cont);
          if (err)
            return err;
          cont->access.read = IMAGE_AC_ALWAYS;
          cont->access.write = IMAGE_AC_NEVER;
        }
      snprintf (path, sizeof path, "openpgp/7F21/%s", crt[e->slot.id]);
      return apply_do (out, path, "openpgp", e->data, e->data_len, false);
    case MAP_KIND_DATA:
      snprintf (path, sizeof path, "openpgp/%04X", e->slot.id);
      return apply_do (out, path, "openpgp", e->data, e->data_len,
                       e->slot.id >= 0x0103);
    case MAP_KIND_HOLDER:
      snprintf (path, sizeof path, "openpgp/%02X", e->slot.id);
      return apply_do (out, path, "openpgp",
                       e->value ? e->value : e->data,
                       e->value ? e->value_len : e->data_len, false);
    default:
      return gpg_error (GPG_ERR_INV_OBJ);
    }
}

/* ---- PKCS#15 ---------------------------------------------------------- */

static gpg_error_t
apply_pkcs15 (const map_t *map, const image_t *src, image_t *out)
{
  gpg_error_t err = 0;
  map_p15_obj_t *objs;
  map_p15_layout_t l;
  size_t i, n = 0, k;
  unsigned next_id = 5;

  objs = xtrycalloc (map->n ? map->n : 1, sizeof *objs);
  if (!objs)
    return gpg_error_from_syserror ();
  for (i = 0; i < map->n; i++)
    {
      const map_entry_t *e = &map->e[i];
      map_p15_obj_t *o = &objs[n];
      buf_t id = BUF_INIT;

      if (e->slot.app != MAP_APP_PKCS15 || e->stays)
        continue;
      if (e->kind == MAP_KIND_CERT && e->key >= 0
          && map->e[e->key].slot.app == MAP_APP_PKCS15)
        continue;                   /* goes with its key */
      if (e->kind == MAP_KIND_KEY || e->kind == MAP_KIND_CERT)
        {
          o->purpose = (map_purpose_t)e->slot.id;
          if (e->id[0] && strlen (e->id) <= 40 && !strchr (e->id, '-')
              && !hex_decode (e->id, &id) && id.len && id.len <= 20)
            {
              memcpy (o->id, id.data, id.len);
              o->id_len = id.len;
            }
          else
            {
              /* As OpenSC numbers a PIV token's keys: 01 9A, 02 9C,
               * 03 9D, 04 9E, then 05... */
              static const uint8_t by_purpose[MAP_PURPOSE_MAX + 1] = {
                0, 1, 2, 3, 4, 0
              };
              o->id[0] = by_purpose[o->purpose];
              o->id_len = 1;
            }
          buf_free (&id);
          /* Unique iDs. */
          for (k = 0; k < n; k++)
            if (objs[k].id_len == o->id_len
                && !memcmp (objs[k].id, o->id, o->id_len)
                && objs[k].kind != MAP_KIND_DATA)
              {
                o->id[0] = (uint8_t)next_id++;
                o->id_len = 1;
                k = (size_t)-1;
              }
          if (!o->id[0] && o->id_len == 1)
            o->id[0] = (uint8_t)next_id++;
        }
      o->kind = e->kind;
      o->label = e->label ? e->label : map_purpose_label (e->purpose);
      o->alg = e->alg;
      if (e->kind == MAP_KIND_KEY)
        {
          size_t c;
          o->key = e->node->content;
          o->key_len = e->node->content_len;
          o->created = e->node->key.created;
          for (c = 0; c < map->n; c++)
            if (map->e[c].kind == MAP_KIND_CERT && map->e[c].key == (int)i
                && map->e[c].slot.app == MAP_APP_PKCS15)
              {
                o->cert = map->e[c].data;
                o->cert_len = map->e[c].data_len;
                o->cert_label = map->e[c].label;
                break;
              }
        }
      else if (e->kind == MAP_KIND_CERT)
        {
          o->cert = e->data;
          o->cert_len = e->data_len;
          o->authority = e->key < 0;
        }
      else if (e->kind == MAP_KIND_DATA)
        {
          o->data = e->data;
          o->data_len = e->data_len;
          o->private_data = e->private_data;
          o->app_name = e->src_app == MAP_APP_OPENPGP ? "OpenPGP" : NULL;
        }
      else
        continue;
      n++;
    }
  if (n)
    {
      memset (&l, 0, sizeof l);
      l.label = src->card.label ? src->card.label : "vscman";
      l.serial = src->card.serial;
      l.pin_ref = 1;
      l.pin_label = "User PIN";
      l.pin_min = 4;
      l.pin_max = 8;
      l.objs = objs;
      l.n = n;
      err = map_p15_build (&l, out);
      if (gpg_err_code (err) == GPG_ERR_EEXIST)
        errctx_set (_("the target would need a new PKCS#15 structure "
                         "where the copied file system has one"));
    }
  xfree (objs);
  return err;
}

/* Does another node than KEY in KEY's DF have FID? */
static bool
apply_fid_taken (const image_node_t *key, unsigned fid)
{
  const image_node_t *ch;
  for (ch = key->parent->first_child; ch; ch = ch->next)
    if (ch != key && ch->has_fid && ch->fid == fid)
      return true;
  return false;
}

/* A PKCS#15 key that stays: into the file its PrKDF names. */
static gpg_error_t
apply_p15_key_stays (image_t *out, const map_entry_t *e)
{
  gpg_error_t err = 0;
  image_node_t *key = image_find_path (out, e->src), *file = NULL;
  buf_t fcp = BUF_INIT;
  uint16_t fid;

  if (!key)
    return 0;
  if (e->file)
    {
      char *fp = image_node_path (e->file);
      if (!fp)
        return gpg_error_from_syserror ();
      file = image_find_path (out, fp);
      xfree (fp);
    }
  if (file && file->parent == key->parent)
    {
      fid = file->fid;
      image_node_remove (file);
    }
  else if (!e->file && e->file_fid && !apply_fid_taken (key, e->file_fid))
    fid = (uint16_t)e->file_fid;  /* the PrKDF's file, not in the backup */
  else
    {
      /* No key file named (or elsewhere): a free FID from 3001. */
      for (fid = 0x3001; fid < 0x30FF; fid++)
        {
          char comp[8];
          snprintf (comp, sizeof comp, "%04X", fid);
          if (!image_find_child (key->parent, comp)
              && !apply_fid_taken (key, fid))
            break;
        }
    }
  key->has_fid = true;
  key->fid = fid;
  key->access.read = IMAGE_AC_NEVER;
  key->access.write = IMAGE_AC_PIN;
  key->access.write_ref = 1;
  err = map_p15_fcp (0x09, fid, 0, 1, 1, &fcp);
  if (!err)
    err = image_node_set_fcp (key, fcp.data, fcp.len);
  if (!err)
    err = image_node_set_note (key, _("escrowed: imported into its key "
                                      "file on the card"));
  if (!err && !key->key.algorithm && e->alg)
    {
      image_keyinfo_t ki;
      memset (&ki, 0, sizeof ki);
      ki.algorithm = (char *)map_alg_name (e->alg);
      ki.created = key->key.created;
      ki.usage = key->key.usage;
      ki.fingerprint = key->key.fingerprint;
      err = image_node_set_keyinfo (key, &ki);
    }
  buf_free (&fcp);
  return err;
}

/* Does the copy of top-level node TOP belong in the result? */
static bool
apply_keep_top (const map_t *map, const image_node_t *top)
{
  if (top->type == IMAGE_NODE_MF)
    return map_target_has (map, MAP_APP_PKCS15, MAP_APP_PKCS15)
      && map->target.same_fs;
  if (top->type == IMAGE_NODE_APPLET && top->name)
    {
      if (!strcmp (top->name, "openpgp"))
        return map->target.openpgp;
      if (!strcmp (top->name, "piv"))
        return map->target.piv;
    }
  return true;      /* stored PINs, other applications: as before */
}

gpg_error_t
map_apply (const map_t *map, const image_t *src, const image_t *dst,
           image_t **r_image)
{
  gpg_error_t err;
  image_t *out = NULL;
  const image_node_t *top;
  size_t i;

  *r_image = NULL;
  err = image_new (&out);
  if (err)
    return err;
  /* The result is shaped like the target: its identity. */
  if (dst->card.atr_len)
    err = image_set_atr (out, dst->card.atr, dst->card.atr_len);
  for (i = 0; !err && i < dst->card.n_agents; i++)
    err = image_add_agent (out, dst->card.agents[i]);
  for (i = 0; !err && i < dst->card.n_aids; i++)
    err = image_add_aid (out, dst->card.aids[i], dst->card.aid_lens[i]);
  if (!err && src->card.label)
    err = image_set_label (out, src->card.label);
  if (!err && src->card.serial)
    err = image_set_serial (out, src->card.serial);
  if (!err && dst->card.reader)
    err = image_set_reader (out, dst->card.reader);

  for (top = src->root.first_child; !err && top; top = top->next)
    {
      image_node_t *copy;
      if (!apply_keep_top (map, top))
        continue;
      err = image_node_copy (top, &copy);
      if (!err)
        {
          err = image_add_child (&out->root, copy);
          if (err)
            image_node_free (copy);
        }
    }
  /* Out of the copies: what moves away or stays behind. */
  for (i = 0; !err && i < map->n; i++)
    {
      const map_entry_t *e = &map->e[i];
      image_node_t *n;
      if (e->stays || (e->kind == MAP_KIND_HOLDER && !e->src_slot.app))
        continue;
      n = image_find_path (out, e->src);
      if (n && (n->type != IMAGE_NODE_APPLET && n->type != IMAGE_NODE_MF))
        image_node_remove (n);
    }
  for (i = 0; !err && i < map->n; i++)
    {
      const map_entry_t *e = &map->e[i];
      if (e->stays)
        {
          if (e->kind == MAP_KIND_KEY && e->src_app == MAP_APP_PKCS15)
            err = apply_p15_key_stays (out, e);
          continue;
        }
      if (e->slot.app == MAP_APP_PIV)
        err = apply_piv (out, e);
      else if (e->slot.app == MAP_APP_OPENPGP)
        err = apply_openpgp (out, e);
    }
  if (!err)
    err = apply_pkcs15 (map, src, out);
  if (err)
    {
      image_free (out);
      return err;
    }
  *r_image = out;
  return 0;
}
