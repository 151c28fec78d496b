/* agent-pkcs15.c - PKCS#15 (ISO/IEC 7816-15) application
 *
 * Finds the application DF (5015, or the DF with the PKCS#15 AID), reads
 * the ODF (5031) for the paths of the directory files, TokenInfo (5032)
 * for label and serial number, the AODF for the PIN objects (their
 * references become the PINs asked for protected files), and the paths
 * listed in PrKDF/PuKDF/CDF/DODF. Private keys listed in the PrKDF are
 * recorded as "not extractable" key nodes: a key generated on a card can
 * never be read.
 *
 * Everything that is a file is read and written by the generic ISO 7816
 * code (members left NULL in the table below).
 *
 * The tree first (discovery option defer, the manager's card screen):
 * discovery stops after TokenInfo and the ODF, so the tree is shown
 * after a dozen APDUs; the directory files and the objects they list are
 * read by p15_complete (agency_complete) in the background, each node
 * reported as it is added. p15_complete works from the image: what is
 * there costs nothing, so a backup given such an image completes it on
 * its own session. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/tlv.h"
#include "common/der.h"
#include "common/pkcs15.h"
#include "common/hex.h"
#include "agency/agent.h"
#include "agency/iso7816.h"
#include "agency/agent-pkcs15.h"
#include "agency/agent-iso7816.h"

#define AGENT_NAME "pkcs15"

static const uint8_t pkcs15_aid[] = {
  0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35
};

#define P15_MAX_AUTH 8

typedef struct p15_auth {
  uint8_t id[32];
  size_t id_len;
  uint8_t ref;
} p15_auth_t;

typedef struct p15_ctx {
  agency_card_t *card;
  image_t *image;
  image_node_t *mf;
  image_node_t *app;          /* the application DF */
  uint16_t app_fids[ISO7816_PATH_MAX];
  size_t app_depth;
  p15_auth_t auth[P15_MAX_AUTH];
  size_t n_auth;
  bool report;                /* every node added goes to the node
                                 function (p15_complete) */
  bool dry;                   /* p15_complete's check: send nothing, add
                                 nothing, set MISSING instead */
  bool missing;
} p15_ctx_t;

/* The agent's word in the session (agency_agent_flags): a discovery
 * with defer left the directory files for p15_complete. */
#define P15_DEFERRED 0x1ul

/* A node p15_complete added: to whoever shows the tree. */
static void
p15_report (const p15_ctx_t *c, const image_node_t *node)
{
  const iso_fs_t *fs = c->card->fs;
  if (c->report && node && fs && fs->node_fn)
    fs->node_fn (fs->node_ctx, node);
}

static gpg_error_t
p15_match (agency_card_t *card, bool *r_match)
{
  gpg_error_t err;
  unsigned sw = 0;
  uint16_t fid = 0x5015;

  *r_match = false;
  err = agent_iso7816_select_fids (card, &fid, 1, NULL, &sw);
  if (!err && !iso7816_sw_exists (sw))
    err = iso7816_select_aid (&card->chan, pkcs15_aid, sizeof pkcs15_aid,
                              NULL, &sw);
  if (!err)
    *r_match = iso7816_sw_exists (sw);
  return err;
}

/* Path bytes (04 value) to FIDs under the MF; relative paths are taken
 * relative to the application DF. */
static bool
p15_path_fids (const p15_ctx_t *c, const uint8_t *p, size_t n,
               uint16_t *fids, size_t *nf)
{
  size_t i = 0, k = 0;

  if (n < 2 || (n & 1))
    return false;
  if (get_be16 (p) == 0x3F00)
    i = 2;
  else
    {
      if (c->app_depth > ISO7816_PATH_MAX)
        return false;
      memcpy (fids, c->app_fids, c->app_depth * sizeof *fids);
      k = c->app_depth;
    }
  for (; i + 1 < n; i += 2)
    {
      if (k >= ISO7816_PATH_MAX)
        return false;
      fids[k++] = get_be16 (p + i);
    }
  *nf = k;
  return k > 0;
}

/* authId of an object: 04 in CommonObjectAttributes (first child). */
static bool
p15_auth_id (const tlv_t *obj, tlv_t *id)
{
  tlv_t common;
  return der_child (obj, 0, &common) && common.tag == 0x30
    && !tlv_find (common.value, common.len, 0x04, id) && id->len
    && id->len <= 32;
}

static bool
p15_label (const tlv_t *obj, char *buf, size_t size)
{
  tlv_t common, l;
  if (!der_child (obj, 0, &common) || common.tag != 0x30
      || tlv_find (common.value, common.len, 0x0C, &l))
    return false;
  snprintf (buf, size, "%.*s", (int)(l.len < size ? l.len : size - 1),
            (const char *)l.value);
  return true;
}

/* The type attributes [1] of an object. */
static bool
p15_type_attrs (const tlv_t *obj, tlv_t *out)
{
  return !tlv_find (obj->value, obj->len, 0xA1, out);
}

/* PIN reference for an authId, -1 if unknown. */
static int
p15_ref_for (const p15_ctx_t *c, const tlv_t *id)
{
  size_t i;
  for (i = 0; i < c->n_auth; i++)
    if (c->auth[i].id_len == id->len
        && !memcmp (c->auth[i].id, id->value, id->len))
      return c->auth[i].ref;
  return -1;
}

/* Probe a file by path (parents too); read it unless it is protected and
 * the caller wants to set its access first. *R_CREATED (may be NULL):
 * the file's node is new (the caller reports it, p15_report, when it is
 * done with it; new parents are reported here). */
static gpg_error_t
p15_probe (p15_ctx_t *c, const uint16_t *fids, size_t nf, bool read,
           image_node_t **r_node, bool *r_created)
{
  gpg_error_t err = 0;
  image_node_t *parent = c->mf, *node = NULL;
  size_t i;
  bool saved = c->card->read_content, created = false;

  *r_node = NULL;
  if (r_created)
    *r_created = false;
  for (i = 0; i < nf; i++)
    {
      image_node_t *ch;
      for (ch = parent->first_child; ch; ch = ch->next)
        if (ch->has_fid && ch->fid == fids[i])
          break;
      node = ch;
      if (!node && c->dry)
        {
          c->missing = true;
          return 0;
        }
      if (!node)
        {
          c->card->read_content = (i + 1 == nf) ? read : false;
          err = agent_iso7816_probe (c->card, c->image, parent, fids, i + 1,
                                     IMAGE_SRC_PKCS15, &node);
          c->card->read_content = saved;
          if (err || !node)
            return err;
          err = image_node_set_agent (node, AGENT_NAME);
          if (err)
            return err;
          created = i + 1 == nf;
          if (!created)
            p15_report (c, node);
        }
      parent = node;
    }
  if (read && node && image_node_is_ef (node) && !node->has_content
      && !(node->flags & IMAGE_FLAG_UNREADABLE))
    {
      if (c->dry)
        c->missing = true;
      else
        err = agent_iso7816_read (c->card, c->image, node);
    }
  *r_node = node;
  if (r_created)
    *r_created = created;
  return err;
}

static gpg_error_t
p15_probe_rel (p15_ctx_t *c, uint16_t fid, image_node_t **r_node)
{
  uint16_t fids[ISO7816_PATH_MAX + 1];
  memcpy (fids, c->app_fids, c->app_depth * sizeof *fids);
  fids[c->app_depth] = fid;
  return p15_probe (c, fids, c->app_depth + 1, true, r_node, NULL);
}

/* ---- directory files --------------------------------------------------- */

static gpg_error_t
p15_parse_tokeninfo (p15_ctx_t *c, const image_node_t *ti)
{
  gpg_error_t err = 0;
  tlv_t seq, t;
  tlv_iter_t it;

  if (!ti->has_content || tlv_parse (ti->content, ti->content_len, &seq,
                                     NULL) || seq.tag != 0x30)
    return 0;
  tlv_iter_init (&it, seq.value, seq.len, 0);
  while (!err && !tlv_iter_next (&it, &t))
    {
      if (t.tag == 0x04 && t.len && t.len <= 31)
        {
          char hex[64];
          hex_encode (t.value, t.len, hex);
          err = image_set_serial (c->image, hex);
        }
      else if (t.tag == 0x80 && t.len && t.len < 128)
        {
          char label[128];
          memcpy (label, t.value, t.len);
          label[t.len] = 0;
          err = image_set_label (c->image, label);
        }
    }
  return err;
}

/* One PIN of the AODF: its reference, label and lengths, and the authId
 * the other directory files name it by. */
static gpg_error_t
p15_aodf_object (void *ctx, const tlv_t *obj)
{
  p15_ctx_t *c = ctx;
  tlv_t cauth, id, ta, attrs, t;
  tlv_iter_t ai;
  char label[64] = "";
  int ref = -1;
  size_t minl = 0, maxl = 0;
  uint64_t v;
  unsigned k = 0;

  /* CommonAuthenticationObjectAttributes: second child, authId. */
  if (!der_child (obj, 1, &cauth) || cauth.tag != 0x30
      || tlv_find (cauth.value, cauth.len, 0x04, &id)
      || !id.len || id.len > 32)
    return 0;
  p15_label (obj, label, sizeof label);
  if (p15_type_attrs (obj, &ta)
      && !tlv_parse (ta.value, ta.len, &attrs, NULL)
      && attrs.tag == 0x30)
    {
      if (!tlv_find (attrs.value, attrs.len, 0x80, &t)
          && !tlv_get_uint (&t, &v) && v <= 0xFF)
        ref = (int)v;
      tlv_iter_init (&ai, attrs.value, attrs.len, 0);
      /* pwdFlags, pwdType, minLength, storedLength, maxLength */
      while (!tlv_iter_next (&ai, &t))
        if (t.tag == 0x02 && !tlv_get_uint (&t, &v))
          {
            if (k == 0)
              minl = (size_t)v;
            else if (k == 2)
              maxl = (size_t)v;
            k++;
          }
    }
  if (ref < 0)
    return 0;
  if (c->n_auth < P15_MAX_AUTH)
    {
      p15_auth_t *a = &c->auth[c->n_auth++];
      memcpy (a->id, id.value, id.len);
      a->id_len = id.len;
      a->ref = (uint8_t)ref;
    }
  if (!c->dry)
    agency_set_pin_info (c->card, (uint8_t)ref, label, minl, maxl);
  return 0;
}

/* A key node for a PrKDF entry. */
static gpg_error_t
p15_add_key (void *ctx, const tlv_t *obj)
{
  p15_ctx_t *c = ctx;
  gpg_error_t err;
  tlv_t ckey, t, ta;
  char name[IMAGE_COMPONENT_MAX];
  char label[64] = "";
  image_node_t *node = NULL;
  image_keyinfo_t ki;
  char alg[32] = "";
  uint64_t v;

  if (!der_child (obj, 1, &ckey) || ckey.tag != 0x30
      || tlv_find (ckey.value, ckey.len, 0x04, &t) || !t.len)
    return 0;
  memcpy (name, "key-", 4);
  hex_encode (t.value, t.len > 28 ? 28 : t.len, name + 4);
  if (image_find_child (c->app, name))
    return 0;
  if (c->dry)
    {
      c->missing = true;
      return 0;
    }
  p15_label (obj, label, sizeof label);
  if (obj->tag == 0x30)
    {
      strcpy (alg, "rsa");
      if (p15_type_attrs (obj, &ta))
        {
          tlv_t attrs;
          if (!tlv_parse (ta.value, ta.len, &attrs, NULL)
              && !tlv_find (attrs.value, attrs.len, 0x02, &t)
              && !tlv_get_uint (&t, &v) && v && v <= 16384)
            snprintf (alg, sizeof alg, "rsa%u", (unsigned)v);
        }
    }
  else if (obj->tag == 0xA0)
    strcpy (alg, "ec");

  err = image_node_new (IMAGE_NODE_KEY, &node);
  if (!err)
    err = image_node_set_name (node, name);
  if (!err)
    {
      memset (&ki, 0, sizeof ki);
      ki.algorithm = alg[0] ? alg : NULL;
      ki.usage = label[0] ? label : NULL;
      err = image_node_set_keyinfo (node, &ki);
    }
  if (!err)
    err = image_node_set_note (node, _("not extractable: regenerate or "
                                       "re-import from the secret-key "
                                       "area"));
  if (!err)
    err = image_node_set_agent (node, AGENT_NAME);
  if (err)
    goto leave;
  node->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
  node->source = IMAGE_SRC_PKCS15;
  node->area = IMAGE_AREA_SECRET_KEY;
  err = image_add_child (c->app, node);
  if (!err)
    {
      p15_report (c, node);
      node = NULL;
    }
 leave:
  image_node_free (node);
  return err;
}

/* An object of a CDF/PuKDF/DODF: the file its path names, read unless a
 * PIN the AODF names protects it and the card is not to be read. */
static gpg_error_t
p15_file_object (void *ctx, const tlv_t *obj)
{
  p15_ctx_t *c = ctx;
  gpg_error_t err;
  tlv_t ta, id;
  const uint8_t *path;
  size_t plen, nf;
  uint16_t fids[ISO7816_PATH_MAX];
  image_node_t *node = NULL;
  int ref = -1;
  bool created;

  if (!p15_type_attrs (obj, &ta)
      || !pkcs15_find_path (ta.value, ta.len, &path, &plen)
      || !p15_path_fids (c, path, plen, fids, &nf))
    return 0;
  if (p15_auth_id (obj, &id))
    ref = p15_ref_for (c, &id);
  err = p15_probe (c, fids, nf, ref < 0 && c->card->read_content,
                   &node, &created);
  if (err || !node)
    return err;
  if (ref >= 0)
    {
      /* Protected by a PIN named in the AODF. */
      if (node->access.read != IMAGE_AC_PIN
          && node->access.read != IMAGE_AC_ALWAYS)
        {
          node->access.read = IMAGE_AC_PIN;
          node->access.read_ref = (uint8_t)ref;
        }
      if (!node->has_content && c->card->read_content)
        {
          if (c->dry)
            c->missing = true;
          else
            err = agent_iso7816_read (c->card, c->image, node);
        }
    }
  if (created)
    p15_report (c, node);
  return err;
}

/* A DF below the MF whose name (AID) is PKCS#15's, as EF.DIR names it. */
static image_node_t *
p15_find_app (image_node_t *dir)
{
  image_node_t *c, *hit;

  for (c = dir->first_child; c; c = c->next)
    {
      if (c->type != IMAGE_NODE_DF)
        continue;
      if (c->aid_len == sizeof pkcs15_aid
          && !memcmp (c->aid, pkcs15_aid, sizeof pkcs15_aid))
        return c;
      if ((hit = p15_find_app (c)))
        return hit;
    }
  return NULL;
}

/* The application DF of an image made by p15_discover: named by the
 * PKCS#15 AID, else the DF this agent owns. */
static image_node_t *
p15_app_node (image_node_t *dir)
{
  image_node_t *c, *hit;

  if ((hit = p15_find_app (dir)))
    return hit;
  for (c = dir->first_child; c; c = c->next)
    {
      if (c->type != IMAGE_NODE_DF)
        continue;
      if (c->agent && !strcmp (c->agent, AGENT_NAME))
        return c;
      if ((hit = p15_app_node (c)))
        return hit;
    }
  return NULL;
}

/* A directory file the ODF lists, and the objects it lists: the AODF's
 * PINs, the PrKDF's keys (their files are not read: a private key is
 * never extractable), the files the others name. */
static gpg_error_t
p15_dir (void *ctx, unsigned kind, const uint8_t *path, size_t plen)
{
  p15_ctx_t *c = ctx;
  gpg_error_t err;
  image_node_t *df;
  size_t nf;
  uint16_t fids[ISO7816_PATH_MAX];
  bool created;

  if (!p15_path_fids (c, path, plen, fids, &nf))
    return 0;
  err = p15_probe (c, fids, nf, true, &df, &created);
  if (err || !df)
    return err;
  if (created)
    p15_report (c, df);
  if (!df->has_content)
    return 0;
  return pkcs15_each_object (df->content, df->content_len,
                             kind == 0xA8 ? p15_aodf_object
                             : kind == 0xA0 ? p15_add_key : p15_file_object,
                             c);
}

/* The directory files the ODF lists, AODF first (the others name its
 * PINs), and the objects they list. */
static gpg_error_t
p15_read_dirs (p15_ctx_t *c, const image_node_t *odf)
{
  static const unsigned order[] = { 0xA8, 0xA4, 0xA5, 0xA6, 0xA1, 0xA2,
                                    0xA7, 0xA3, 0xA0 };

  return pkcs15_each_df (odf->content, odf->content_len, order, DIM (order),
                         p15_dir, c);
}

static gpg_error_t
p15_discover (agency_card_t *card, image_t *image)
{
  gpg_error_t err = 0;
  p15_ctx_t c;
  buf_t fcp = BUF_INIT;
  image_node_t *odf = NULL, *ti = NULL;

  memset (&c, 0, sizeof c);
  c.card = card;
  c.image = image;

  /* The application DF: where EF.DIR says (a DF named by the PKCS#15
   * AID), else 5015 under the MF, else whatever the card selects by the
   * AID (an application not reached from the MF, or no MF at all). */
  err = agent_iso7816_discover_mf (card, image, &c.mf);
  if (err)
    goto leave;
  if (c.mf && !(card->fs && card->fs->mf_hidden))
    {
      err = agent_iso7816_efdir (card, image, c.mf);
      if (err)
        goto leave;
      c.app = p15_find_app (c.mf);
      if (c.app && !agent_iso7816_node_fids (c.app, c.app_fids, &c.app_depth)
          && c.app_depth && c.app_depth < ISO7816_PATH_MAX)
        ;
      else
        {
          c.app = NULL;
          c.app_fids[0] = 0x5015;
          c.app_depth = 1;
          err = p15_probe (&c, c.app_fids, 1, false, &c.app, NULL);
          if (err)
            goto leave;
        }
    }
  if (!c.app)
    {
      err = agent_iso7816_app_by_aid (card, image, pkcs15_aid,
                                      sizeof pkcs15_aid, 0x5015,
                                      IMAGE_SRC_AID, &c.app);
      if (err)
        goto leave;
      if (c.app)
        {
          c.mf = agent_iso7816_mf (image);
          c.app_fids[0] = c.app->fid;
          c.app_depth = 1;
        }
    }
  if (!c.app || !c.mf)
    {
      log_info ("pkcs15: no application DF");
      goto leave;
    }
  if (!c.app->agent || strcmp (c.app->agent, AGENT_NAME))
    {
      err = image_node_set_agent (c.app, AGENT_NAME);
      if (err)
        goto leave;
    }
  /* The DF's name as the card gives it (FCP 84, EF.DIR); not guessed. */
  if (c.app->aid)
    err = agency_add_aid (image, c.app->aid, c.app->aid_len);
  if (err)
    goto leave;

  err = p15_probe_rel (&c, 0x5032, &ti);
  if (!err && ti)
    err = p15_parse_tokeninfo (&c, ti);
  if (!err)
    err = p15_probe_rel (&c, 0x5031, &odf);
  if (err || !odf || !odf->has_content)
    goto leave;
  if (card->defer)
    {
      /* The tree first: TokenInfo and the ODF are read (label, serial,
       * what there is); the rest comes with p15_complete. */
      *agency_agent_flags (card, &agent_pkcs15) |= P15_DEFERRED;
      goto leave;
    }
  err = p15_read_dirs (&c, odf);

 leave:
  buf_free (&fcp);
  return err;
}

/* On a session that did not discover (a backup's), reach the
 * application DF as the discovery did: by its AID if its path from the
 * MF does not lead there (one SELECT to find out). */
static gpg_error_t
p15_route (p15_ctx_t *c)
{
  gpg_error_t err = 0;
  unsigned sw = 0;

  if (!c->app->aid || !c->app->aid_len)
    return 0;
  if (c->app->source != IMAGE_SRC_AID)
    err = agent_iso7816_select_fids (c->card, c->app_fids, c->app_depth,
                                     NULL, &sw);
  if (!err && (c->app->source == IMAGE_SRC_AID || !iso7816_sw_exists (sw)))
    agent_iso7816_add_app (c->card, c->app_fids, c->app_depth, c->app->aid,
                           c->app->aid_len);
  return err;
}

/* What p15_discover left for later, from IMAGE: the directory files and
 * their objects that are not in it yet. A first pass over the image
 * sends nothing: when nothing is missing nothing is sent or changed. */
static gpg_error_t
p15_complete (agency_card_t *card, image_t *image)
{
  gpg_error_t err = 0;
  unsigned long *flags = agency_agent_flags (card, &agent_pkcs15);
  image_node_t *odf;
  p15_ctx_t c;

  memset (&c, 0, sizeof c);
  c.card = card;
  c.image = image;
  c.report = true;
  c.mf = agent_iso7816_mf (image);
  c.app = c.mf ? p15_app_node (c.mf) : NULL;
  if (c.app && !agent_iso7816_node_fids (c.app, c.app_fids, &c.app_depth)
      && c.app_depth && c.app_depth < ISO7816_PATH_MAX)
    {
      odf = agent_iso7816_child (c.app, 0x5031);
      if (odf && odf->has_content)
        {
          c.dry = true;
          err = p15_read_dirs (&c, odf);
          c.dry = false;
          c.n_auth = 0;
        }
      if (!err && c.missing && !(*flags & P15_DEFERRED))
        err = p15_route (&c);
      if (!err && c.missing)
        err = p15_read_dirs (&c, odf);
    }
  if (!err)
    *flags &= ~P15_DEFERRED;
  return err;
}

static bool
p15_deferred (agency_card_t *card, char *what, size_t size)
{
  if (!(*agency_agent_flags (card, &agent_pkcs15) & P15_DEFERRED))
    return false;
  if (what && size)
    snprintf (what, size, "%s", _("the PKCS#15 directory files"));
  return true;
}

static const char *
p15_describe (const image_node_t *node)
{
  if (node->type == IMAGE_NODE_KEY)
    return N_("private key (not extractable)");
  if (!node->has_fid)
    return NULL;
  switch (node->fid)
    {
    case 0x5015: return N_("PKCS#15 application");
    case 0x5031: return N_("PKCS#15 object directory (ODF)");
    case 0x5032: return N_("PKCS#15 token info");
    case 0x5033: return N_("PKCS#15 unused space");
    default: break;
    }
  if (node->source == IMAGE_SRC_PKCS15)
    return N_("listed in a PKCS#15 directory file");
  return NULL;
}

/* Files: the generic code. Key files (key nodes with a FID, from the
 * escrow or a mapped restore): agent-pkcs15-keys.c. */
static gpg_error_t
p15_write (agency_card_t *card, const image_t *src, plan_t *plan,
           plan_entry_t *e)
{
  if (e->src && e->src->type == IMAGE_NODE_KEY && e->src->has_fid)
    return agent_pkcs15_keys_write (card, src, plan, e);
  return agent_iso7816_write (card, src, plan, e);
}

const agent_t agent_pkcs15 = {
  .name = AGENT_NAME,
  .summary = N_("PKCS#15 application (ISO/IEC 7816-15)"),
  .match = p15_match,
  .discover = p15_discover,
  .describe = p15_describe,
  .complete = p15_complete,
  .deferred = p15_deferred,
  .plan_restore = agent_pkcs15_keys_plan,
  .write = p15_write
  /* read: generic; the generic planner handles its files; verify_pin and
   * the security operations: the agency's */
};
