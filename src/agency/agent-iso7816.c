/* agent-iso7816.c - the generic agent: ISO 7816-4 file-system walk
 *
 * Discovery sources, each recorded on the node it found:
 *   - the MF and EF.DIR (2F00) with the application paths/AIDs it lists,
 *   - well-known FIDs (EF.ATR, EF.GDO, the PKCS#15 DF and its files),
 *   - a bounded FID scan over configurable ranges in every DF found,
 *     stopped by a budget of SELECT commands. The scan position is kept
 *     in the image (MF note "fid-scan-next=DFPATH:FID"), so a later run
 *     given the previous image continues where this one stopped.
 * In a SELECT scan 9000/61xx, 6283 (deactivated), 6982 and 6985 mean the
 * file exists, 6A82 that it does not.
 *
 * Restore: CREATE FILE with the stored FCP (its security attributes are
 * kept where the target is the same model, the emulator, or the file
 * has none), UPDATE BINARY / UPDATE RECORD / APPEND RECORD, then every
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
#include "common/hex.h"
#include "agency/agent.h"
#include "agency/iso7816.h"

#define AGENT_NAME "iso7816"
#define SCAN_BUDGET_DEFAULT 2048
#define SCAN_NOTE_PREFIX "fid-scan-next="

/* Ranges probed in every DF unless the caller gives its own (after the
 * DF's own neighbourhood, see iso_scan_df). */
static const agency_range_t iso_default_ranges[] = {
  { 0x0000, 0x001F },   /* small numbers used by many native cards */
  { 0x2F00, 0x2F0F },   /* EF.DIR, EF.ATR and their neighbours */
  { 0x4000, 0x4007 }, { 0x4100, 0x4107 }, { 0x4200, 0x4207 },
  { 0x4300, 0x4307 }, { 0x4400, 0x4407 }, { 0x4500, 0x4507 },
  { 0x4600, 0x4607 }, { 0x4700, 0x4707 }, { 0x4800, 0x4807 },
  { 0x4900, 0x4907 }, { 0x4A00, 0x4A07 }, { 0x4B00, 0x4B07 },
  { 0x4C00, 0x4C07 }, { 0x4D00, 0x4D07 }, { 0x4E00, 0x4E07 },
  { 0x4F00, 0x4F07 },   /* 40xx-4Fxx: PKCS#15 / pkcs15-init objects */
  { 0x5000, 0x503F }, { 0x5100, 0x510F },
  { 0x5F00, 0x5F0F },
  { 0x6F00, 0x6F1F },   /* GSM/ETSI EFs */
  { 0x7000, 0x700F }, { 0x7F00, 0x7F1F },   /* DFs of native cards */
  { 0xDF00, 0xDF0F }
};

/* Well-known FIDs: parent path (FIDs under the MF) + FID. */
static const struct { uint16_t parent; uint16_t fid; } iso_known[] = {
  { 0, 0x2F01 },         /* EF.ATR / EF.ATR-INFO */
  { 0, 0x2F02 },         /* EF.GDO (ICC serial) */
  { 0, 0x5015 },         /* PKCS#15 application DF */
  { 0x5015, 0x5031 },    /* ODF */
  { 0x5015, 0x5032 },    /* TokenInfo */
  { 0x5015, 0x5033 },    /* UnusedSpace */
};

static bool iso_is_fs (const image_node_t *n);

/* ---- paths and FCPs ------------------------------------------------------ */

gpg_error_t
agent_iso7816_node_fids (const image_node_t *node, uint16_t *fids, size_t *n)
{
  const image_node_t *p;
  size_t depth = 0, i;

  if (node->type == IMAGE_NODE_RECORD)
    node = node->parent;
  for (p = node; p && p->parent; p = p->parent)
    {
      if (p->type == IMAGE_NODE_MF)
        break;
      if (!p->has_fid || p->type == IMAGE_NODE_APPLET
          || p->type == IMAGE_NODE_DO || p->type == IMAGE_NODE_KEY)
        return gpg_error (GPG_ERR_INV_NAME);
      depth++;
    }
  if (!p || p->type != IMAGE_NODE_MF)
    return gpg_error (GPG_ERR_INV_NAME);
  if (depth > ISO7816_PATH_MAX)
    return gpg_error (GPG_ERR_TOO_LARGE);
  i = depth;
  for (p = node; i > 0; p = p->parent)
    fids[--i] = p->fid;
  *n = depth;
  return 0;
}

gpg_error_t
agent_iso7816_select_node (agency_card_t *card, const image_node_t *node,
                           buf_t *fcp, unsigned *sw)
{
  uint16_t fids[ISO7816_PATH_MAX];
  size_t n;
  gpg_error_t err = agent_iso7816_node_fids (node, fids, &n);
  if (err)
    return err;
  return iso7816_select_path (&card->chan, fids, n, fcp, sw);
}

gpg_error_t
agent_iso7816_apply_fcp (image_node_t *node, const uint8_t *fcp, size_t n)
{
  gpg_error_t err;
  iso7816_fcp_t f;
  bool is_df;

  err = iso7816_fcp_parse (fcp, n, &f);
  if (err)
    return err;
  if (f.type && node->type != IMAGE_NODE_MF)
    node->type = f.type;
  is_df = node->type == IMAGE_NODE_DF || node->type == IMAGE_NODE_MF;
  if (f.has_size && !is_df)
    node->size = f.size;
  if (f.n_records)
    node->record_count = f.n_records;
  if (f.max_rec_len && node->type == IMAGE_NODE_EF_LINEAR_FIXED)
    node->record_len = f.max_rec_len;
  if (f.has_lcs && (f.lcs == 0x04 || f.lcs == 0x06))
    node->flags |= IMAGE_FLAG_DEACTIVATED;
  if (n)
    err = image_node_set_fcp (node, fcp, n);
  if (!err && f.name_len && !node->aid)
    err = image_node_set_aid (node, f.name, f.name_len);
  if (!err)
    err = image_node_set_access_raw (node, f.sec_len ? f.sec : NULL,
                                     f.sec_len);
  if (!err)
    {
      uint8_t *raw = node->access.raw;
      size_t rawn = node->access.raw_len;
      iso7816_decode_access (f.sec, f.sec_len, is_df, &node->access);
      node->access.raw = raw;
      node->access.raw_len = rawn;
    }
  return err;
}

/* Child of PARENT with FID, or NULL. */
static image_node_t *
iso_child_fid (const image_node_t *parent, uint16_t fid)
{
  image_node_t *c;
  for (c = parent->first_child; c; c = c->next)
    if (c->has_fid && c->fid == fid)
      return c;
  return NULL;
}

static image_node_t *
iso_mf (const image_t *image)
{
  image_node_t *c;
  for (c = image->root.first_child; c; c = c->next)
    if (c->type == IMAGE_NODE_MF)
      return c;
  return NULL;
}

/* ---- reading ------------------------------------------------------------- */

/* The PIN reference to VERIFY for a node's read condition: the low
 * nibble in the compact format is matched against the PINs the agents
 * registered (AODF); else taken as is. */
static uint8_t
iso_pin_ref (agency_card_t *card, uint8_t ref)
{
  size_t i;
  for (i = 0; i < card->n_pins; i++)
    if ((card->pins[i].ref & 0x0F) == (ref & 0x0F))
      return card->pins[i].ref;
  return ref;
}

/* Read the currently selected EF into NODE (no SELECT). *SW gets the
 * final status (6982 if protected). */
static gpg_error_t
iso_read_selected (agency_card_t *card, image_t *image, image_node_t *node,
                   unsigned *sw)
{
  gpg_error_t err = 0;
  buf_t data = BUF_INIT;
  unsigned r;
  (void)image;

  if (node->access.read == IMAGE_AC_PIN || node->area != IMAGE_AREA_PUBLIC)
    buf_init_secure (&data);
  *sw = SW_OK;
  if (node->type == IMAGE_NODE_EF_TRANSPARENT)
    {
      err = iso7816_read_binary_all (&card->chan, node->size, &data, sw);
      if (err)
        goto leave;
      if (*sw == SW_OK)
        {
          if (data.len)
            err = image_node_set_content (node, data.data, data.len);
          else
            err = image_node_set_empty (node);
          if (!err && node->size && data.len < node->size)
            node->flags |= IMAGE_FLAG_TRUNCATED;
          agency_progress (card, AGENCY_PHASE_READ, node, data.len);
        }
    }
  else if (node->type == IMAGE_NODE_EF_LINEAR_FIXED
           || node->type == IMAGE_NODE_EF_LINEAR_VARIABLE
           || node->type == IMAGE_NODE_EF_CYCLIC)
    {
      unsigned count = 0;
      for (r = 1; r <= 254; r++)
        {
          image_node_t *rec;
          char comp[8];
          if (node->record_count && r > node->record_count)
            break;
          err = iso7816_read_record (&card->chan, r, &data, sw);
          if (err)
            goto leave;
          if (*sw == SW_RECORD_NOT_FOUND || *sw == SW_WRONG_P1P2
              || *sw == SW_INCORRECT_P1P2)
            {
              *sw = SW_OK;
              break;
            }
          if (*sw != SW_OK)
            break;
          snprintf (comp, sizeof comp, "#%u", r);
          rec = image_find_child (node, comp);
          if (!rec)
            {
              err = image_node_new (IMAGE_NODE_RECORD, &rec);
              if (err)
                goto leave;
              image_node_set_recno (rec, r);
              rec->source = node->source;
              err = image_add_child (node, rec);
              if (err)
                {
                  image_node_free (rec);
                  goto leave;
                }
            }
          rec->area = node->area;
          err = data.len ? image_node_set_content (rec, data.data, data.len)
                         : image_node_set_empty (rec);
          if (err)
            goto leave;
          count++;
          agency_progress (card, AGENCY_PHASE_READ, rec, data.len);
        }
      if (*sw == SW_OK)
        {
          node->record_count = count;
          err = image_node_set_empty (node);
        }
    }

 leave:
  buf_free (&data);
  return err;
}

/* Read NODE whose file is selected; on 6982 verify the PIN named by the
 * access condition (asking once) and read again. */
static gpg_error_t
iso_read_with_pin (agency_card_t *card, image_t *image, image_node_t *node,
                   bool selected)
{
  gpg_error_t err;
  unsigned sw = 0;
  char *path = NULL;

  if (!image_node_is_ef (node))
    return 0;
  if (!selected)
    {
      err = agent_iso7816_select_node (card, node, NULL, &sw);
      if (err)
        goto leave;
      if (sw != SW_OK && !SW_IS_MORE_DATA (sw))
        {
          image_node_set_unreadable (node, sw);
          goto leave;
        }
    }
  if (node->access.read == IMAGE_AC_PIN
      && agency_pin_state (card, NULL,
                           iso_pin_ref (card, node->access.read_ref))
         == AGENCY_PIN_UNKNOWN)
    sw = SW_SEC_NOT_SATISFIED;   /* verify first: no read to be refused */
  else
    {
      err = iso_read_selected (card, image, node, &sw);
      if (err)
        goto leave;
    }
  if (sw == SW_SEC_NOT_SATISFIED && node->access.read == IMAGE_AC_PIN)
    {
      uint8_t ref = iso_pin_ref (card, node->access.read_ref);
      gpg_error_t perr;

      path = image_node_path (node);
      perr = agency_verify_pin (card, ref, path);
      if (agency_fatal (perr))
        {
          err = perr;
          goto leave;
        }
      if (!perr)
        {
          /* VERIFY leaves the current file as it was: read it. */
          err = iso_read_selected (card, image, node, &sw);
          if (!err && sw == SW_SEC_NOT_SATISFIED)
            {
              /* Some cards want a fresh SELECT after VERIFY. */
              err = agent_iso7816_select_node (card, node, NULL, &sw);
              if (!err && sw == SW_OK)
                err = iso_read_selected (card, image, node, &sw);
            }
          if (err)
            goto leave;
        }
      else
        {
          char note[128];
          if (gpg_err_code (perr) == GPG_ERR_CANCELED)
            snprintf (note, sizeof note, _("PIN %02X not given"), ref);
          else if (gpg_err_code (perr) == GPG_ERR_PIN_BLOCKED)
            snprintf (note, sizeof note, _("PIN %02X is blocked"), ref);
          else
            snprintf (note, sizeof note, _("PIN %02X not verified: %s"),
                      ref, gpg_strerror (perr));
          err = image_node_set_note (node, note);
          if (err)
            goto leave;
        }
    }
  if (sw == SW_OK)
    {
      node->flags &= ~IMAGE_FLAG_UNREADABLE;
      node->sw = 0;
      if (node->access.read == IMAGE_AC_PIN
          || node->access.read == IMAGE_AC_OTHER
          || node->access.read == IMAGE_AC_NEVER)
        node->area = IMAGE_AREA_PRIVATE;
    }
  else
    {
      image_node_set_unreadable (node, sw);
      if (node->access.read == IMAGE_AC_PIN)
        node->area = IMAGE_AREA_PRIVATE;
    }

 leave:
  xfree (path);
  return err;
}

gpg_error_t
agent_iso7816_read (agency_card_t *card, image_t *image, image_node_t *node)
{
  return iso_read_with_pin (card, image, node, false);
}

/* ---- discovery --------------------------------------------------------- */

gpg_error_t
agent_iso7816_probe (agency_card_t *card, image_t *image,
                     image_node_t *parent, const uint16_t *fids, size_t n,
                     image_source_t src, image_node_t **r_node)
{
  gpg_error_t err;
  buf_t fcp = BUF_INIT;
  unsigned sw = 0;
  image_node_t *node = NULL;
  bool created = false;
  iso7816_fcp_t f;
  unsigned long apdus0 = card->chan.apdus;

  *r_node = NULL;
  if (!n)
    return gpg_error (GPG_ERR_INV_ARG);
  err = iso7816_select_path (&card->chan, fids, n, &fcp, &sw);
  if (err)
    goto leave;
  if (!iso7816_sw_exists (sw))
    {
      /* A probe that found nothing is discovery cost (reported apart
       * from the APDUs that read the card's files). */
      if (src == IMAGE_SRC_FID_SCAN || src == IMAGE_SRC_KNOWN_FID)
        card->scan_apdus += card->chan.apdus - apdus0;
      goto leave;
    }
  node = iso_child_fid (parent, fids[n - 1]);
  if (!node)
    {
      image_type_t t = IMAGE_NODE_EF_TRANSPARENT;
      if (!iso7816_fcp_parse (fcp.data, fcp.len, &f) && f.type
          && f.type != IMAGE_NODE_MF)
        t = f.type;
      err = image_node_new (t, &node);
      if (err)
        goto leave;
      image_node_set_fid (node, fids[n - 1]);
      node->source = src;
      created = true;
    }
  if (fcp.len)
    {
      err = agent_iso7816_apply_fcp (node, fcp.data, fcp.len);
      if (err)
        {
          /* A malformed FCP is kept raw; the node still exists. */
          log_info ("agent iso7816: bad FCP for %04X", fids[n - 1]);
          err = image_node_set_fcp (node, fcp.data, fcp.len);
          if (err)
            goto leave;
        }
    }
  if (sw == SW_FILE_DEACTIVATED)
    node->flags |= IMAGE_FLAG_DEACTIVATED;
  if (created)
    {
      if (!node->agent)
        err = image_node_set_agent (node, AGENT_NAME);
      if (!err)
        err = image_add_child (parent, node);
      if (err)
        goto leave;
    }
  agency_progress (card, AGENCY_PHASE_DISCOVER, node, 0);
  /* The file is selected now: read it without another SELECT. */
  if (card->read_content && image_node_is_ef (node) && !node->has_content)
    {
      if (sw == SW_OK || SW_IS_MORE_DATA (sw))
        err = iso_read_with_pin (card, image, node, true);
      else
        image_node_set_unreadable (node, sw);
    }
  *r_node = node;
  node = NULL;

 leave:
  if (created && node)
    image_node_free (node);
  buf_free (&fcp);
  return err;
}

/* Probe every step of FIDS (path under the MF), creating missing nodes. */
static gpg_error_t
iso_probe_path (agency_card_t *card, image_t *image, image_node_t *mf,
                const uint16_t *fids, size_t n, image_source_t src,
                image_node_t **r_node)
{
  gpg_error_t err = 0;
  image_node_t *parent = mf, *node = NULL;
  size_t i;

  *r_node = NULL;
  for (i = 0; i < n; i++)
    {
      node = iso_child_fid (parent, fids[i]);
      if (!node)
        {
          err = agent_iso7816_probe (card, image, parent, fids, i + 1, src,
                                     &node);
          if (err || !node)
            return err;
        }
      parent = node;
    }
  *r_node = node;
  return err;
}

/* Parse EF.DIR content (or records) for application templates 61. */
static gpg_error_t
iso_parse_efdir (agency_card_t *card, image_t *image, image_node_t *mf,
                 const uint8_t *p, size_t n)
{
  gpg_error_t err = 0;
  tlv_iter_t it;
  tlv_t app, t;

  tlv_iter_init (&it, p, n, TLV_SKIP_PADDING);
  while (!err && !tlv_iter_next (&it, &app))
    {
      const uint8_t *aid = NULL;
      size_t aid_len = 0;
      uint16_t fids[ISO7816_PATH_MAX];
      size_t nf = 0;
      image_node_t *node = NULL;

      if (app.tag != 0x61)
        continue;
      if (!tlv_find (app.value, app.len, 0x4F, &t) && t.len && t.len <= 16)
        {
          aid = t.value;
          aid_len = t.len;
          err = agency_add_aid (image, aid, aid_len);
          if (err)
            break;
        }
      if (!tlv_find (app.value, app.len, 0x51, &t) && t.len >= 2
          && !(t.len & 1))
        {
          size_t i = 0;
          if (get_be16 (t.value) == 0x3F00)
            i = 2;
          for (; i + 1 < t.len && nf < ISO7816_PATH_MAX; i += 2)
            fids[nf++] = get_be16 (t.value + i);
        }
      if (nf)
        {
          err = iso_probe_path (card, image, mf, fids, nf, IMAGE_SRC_EF_DIR,
                                &node);
          if (!err && node && aid && !node->aid)
            err = image_node_set_aid (node, aid, aid_len);
        }
    }
  return err;
}

static gpg_error_t
iso_efdir (agency_card_t *card, image_t *image, image_node_t *mf)
{
  gpg_error_t err;
  image_node_t *dir = iso_child_fid (mf, 0x2F00);
  uint16_t fid = 0x2F00;
  image_node_t *c;
  bool saved = card->read_content;

  if (!dir)
    {
      card->read_content = true;   /* EF.DIR is needed to go on */
      err = agent_iso7816_probe (card, image, mf, &fid, 1,
                                 IMAGE_SRC_KNOWN_FID, &dir);
      card->read_content = saved;
      if (err || !dir)
        return err;
    }
  else if (!dir->has_content)
    {
      err = agent_iso7816_read (card, image, dir);
      if (err)
        return err;
    }
  if (dir->type == IMAGE_NODE_EF_TRANSPARENT)
    return dir->has_content ? iso_parse_efdir (card, image, mf, dir->content,
                                               dir->content_len) : 0;
  err = 0;
  for (c = dir->first_child; !err && c; c = c->next)
    if (c->has_content)
      err = iso_parse_efdir (card, image, mf, c->content, c->content_len);
  return err;
}

/* ---- the bounded scan ---------------------------------------------------- */

typedef struct iso_scan {
  unsigned long budget;
  unsigned long used;
  bool skipping;              /* resuming: skip to (df_path, fid) */
  char resume_df[256];
  uint16_t resume_fid;
} iso_scan_t;

bool
agent_iso7816_scan_pending (const image_t *image, char *df_path,
                            size_t df_path_size, uint16_t *next_fid)
{
  const image_node_t *mf = iso_mf (image);
  const char *s, *colon;
  unsigned v;

  if (!mf || !mf->note)
    return false;
  s = strstr (mf->note, SCAN_NOTE_PREFIX);
  if (!s)
    return false;
  s += strlen (SCAN_NOTE_PREFIX);
  colon = strchr (s, ':');
  if (!colon || (size_t)(colon - s) >= df_path_size)
    return false;
  if (sscanf (colon + 1, "%4x", &v) != 1)
    return false;
  if (df_path)
    {
      memcpy (df_path, s, colon - s);
      df_path[colon - s] = 0;
    }
  if (next_fid)
    *next_fid = (uint16_t)v;
  return true;
}

static gpg_error_t
iso_scan_df (agency_card_t *card, image_t *image, image_node_t *mf,
             image_node_t *df, iso_scan_t *sc, bool *r_stop)
{
  gpg_error_t err = 0;
  const agency_range_t *ranges = card->ranges ? card->ranges
                                              : iso_default_ranges;
  size_t nr = card->ranges ? card->n_ranges : DIM (iso_default_ranges);
  uint16_t fids[ISO7816_PATH_MAX];
  size_t depth = 0, i;
  char *dfpath = image_node_path (df);
  agency_range_t near = { 0, 0 };
  bool have_near = false;

  *r_stop = false;
  if (!dfpath)
    return gpg_error_from_syserror ();
  if (df != mf)
    {
      err = agent_iso7816_node_fids (df, fids, &depth);
      if (err || depth >= ISO7816_PATH_MAX)
        {
          err = 0;
          goto leave;
        }
    }
  if (sc->skipping && strcmp (dfpath, sc->resume_df))
    goto leave;
  /* With the default ranges a DF's own neighbourhood comes first
   * (7000 -> 7001, 7002): files are often numbered after their DF. */
  if (!card->ranges && df != mf && df->has_fid)
    {
      near.first = df->fid & 0xFFE0;
      near.last = near.first | 0x1F;
      have_near = true;
    }
  for (i = have_near ? 0 : 1; i <= nr; i++)
    {
      unsigned fid;
      const agency_range_t *rg = i ? &ranges[i - 1] : &near;
      for (fid = rg->first; fid <= rg->last; fid++)
        {
          image_node_t *node = NULL;

          if (i && have_near && fid >= near.first && fid <= near.last)
            {
              if (fid == rg->last)
                break;
              continue;    /* done in the neighbourhood pass */
            }

          if (sc->skipping)
            {
              if (fid != sc->resume_fid)
                continue;
              sc->skipping = false;
            }
          if (fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF
              || (df->has_fid && fid == df->fid)
              || iso_child_fid (df, (uint16_t)fid))
            continue;
          if (sc->used >= sc->budget)
            {
              char note[300];
              snprintf (note, sizeof note, SCAN_NOTE_PREFIX "%s:%04X",
                        dfpath, fid);
              err = image_node_set_note (mf, note);
              card->scan_pending = true;
              *r_stop = true;
              goto leave;
            }
          if (card->chan.cancel && *card->chan.cancel)
            {
              err = gpg_error (GPG_ERR_CANCELED);
              goto leave;
            }
          fids[depth] = (uint16_t)fid;
          /* (misses are counted as discovery cost by the probe) */
          err = agent_iso7816_probe (card, image, df, fids, depth + 1,
                                     IMAGE_SRC_FID_SCAN, &node);
          sc->used++;
          if (err)
            goto leave;
          if (fid == rg->last)
            break;     /* avoid wrap-around at FFFF */
        }
    }
 leave:
  xfree (dfpath);
  return err;
}

static gpg_error_t
iso_collect_dfs (image_node_t *node, unsigned depth, void *ctx)
{
  image_node_t ***pp = ctx;
  (void)depth;
  if (node->type == IMAGE_NODE_DF || node->type == IMAGE_NODE_MF)
    {
      **pp = node;
      (*pp)++;
    }
  return 0;
}

static gpg_error_t
iso_scan (agency_card_t *card, image_t *image, image_node_t *mf)
{
  gpg_error_t err = 0;
  iso_scan_t sc;
  image_node_t **dfs = NULL, **end;
  size_t ndone = 0;

  memset (&sc, 0, sizeof sc);
  sc.budget = card->scan_budget ? card->scan_budget : SCAN_BUDGET_DEFAULT;
  if (card->resume
      && agent_iso7816_scan_pending (card->resume, sc.resume_df,
                                     sizeof sc.resume_df, &sc.resume_fid))
    sc.skipping = true;
  err = image_node_set_note (mf, NULL);
  if (err)
    return err;

  /* DFs found during the scan are scanned too: repeat over the list of
   * DFs until no new one appears. */
  for (;;)
    {
      size_t n = image_count_nodes (image, NULL) + 1, i, total;
      bool stop = false;

      xfree (dfs);
      dfs = xtrycalloc (n, sizeof *dfs);
      if (!dfs)
        return gpg_error_from_syserror ();
      end = dfs;
      err = image_walk_node (mf, iso_collect_dfs, &end);
      if (err)
        break;
      total = end - dfs;
      if (total <= ndone)
        break;
      for (i = ndone; i < total; i++)
        {
          err = iso_scan_df (card, image, mf, dfs[i], &sc, &stop);
          if (err || stop)
            break;
        }
      if (err || stop)
        break;
      ndone = total;
    }
  xfree (dfs);
  return err;
}

/* Re-probe the nodes a previous scan found (so a resumed scan keeps
 * them) before continuing. */
static gpg_error_t
iso_resume_known (image_node_t *node, unsigned depth, void *ctx)
{
  void **a = ctx;
  agency_card_t *card = a[0];
  image_t *image = a[1];
  image_node_t *mf = a[2];
  uint16_t fids[ISO7816_PATH_MAX];
  size_t n;
  image_node_t *got;
  (void)depth;

  if (node->source != IMAGE_SRC_FID_SCAN
      || node->type == IMAGE_NODE_RECORD)
    return 0;
  if (agent_iso7816_node_fids (node, fids, &n) || !n)
    return 0;
  return iso_probe_path (card, image, mf, fids, n, IMAGE_SRC_FID_SCAN, &got);
}

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
  image_node_t *got;
  (void)depth;

  if (node->type == IMAGE_NODE_RECORD || node->type == IMAGE_NODE_MF
      || !iso_is_fs (node))
    return 0;
  if (agent_iso7816_node_fids (node, fids, &n) || !n)
    return 0;
  return iso_probe_path (pc->card, pc->dst, pc->mf, fids, n, node->source,
                         &got);
}

gpg_error_t
agent_iso7816_probe_image (agency_card_t *card, image_t *dst,
                           const image_t *src)
{
  iso_probe_ctx_t pc;
  pc.card = card;
  pc.dst = dst;
  pc.mf = iso_mf (dst);
  if (!pc.mf)
    return 0;
  return image_walk (src, iso_probe_visit, &pc);
}

static gpg_error_t
iso_discover (agency_card_t *card, image_t *image)
{
  gpg_error_t err;
  buf_t fcp = BUF_INIT;
  unsigned sw = 0;
  image_node_t *mf;
  size_t i;

  mf = iso_mf (image);
  if (!mf || !mf->fcp)
    {
      err = iso7816_select_mf (&card->chan, &fcp, &sw);
      if (err)
        goto leave;
      if (!iso7816_sw_exists (sw))
        goto leave;           /* no file system */
    }
  if (!mf)
    {
      err = image_make_path (image, "3F00", IMAGE_NODE_MF,
                             IMAGE_SRC_KNOWN_FID, &mf);
      if (!err)
        err = image_node_set_agent (mf, AGENT_NAME);
      if (err)
        goto leave;
    }
  if (fcp.len)
    {
      err = agent_iso7816_apply_fcp (mf, fcp.data, fcp.len);
      mf->type = IMAGE_NODE_MF;
      if (err)
        goto leave;
    }
  agency_progress (card, AGENCY_PHASE_DISCOVER, mf, 0);

  err = iso_efdir (card, image, mf);
  if (err)
    goto leave;

  for (i = 0; i < DIM (iso_known); i++)
    {
      uint16_t fids[2];
      size_t n = 0;
      image_node_t *node;
      if (iso_known[i].parent)
        {
          if (!iso_child_fid (mf, iso_known[i].parent))
            continue;
          fids[n++] = iso_known[i].parent;
        }
      fids[n++] = iso_known[i].fid;
      err = iso_probe_path (card, image, mf, fids, n, IMAGE_SRC_KNOWN_FID,
                            &node);
      if (err)
        goto leave;
    }

  if (card->resume)
    {
      void *a[3] = { card, image, mf };
      err = image_walk (card->resume, iso_resume_known, a);
      if (err)
        goto leave;
    }

  /* Content of nodes other agents added without reading. */
  if (!card->no_scan)
    {
      err = iso_scan (card, image, mf);
      if (err)
        goto leave;
    }

 leave:
  buf_free (&fcp);
  return err;
}

static gpg_error_t
iso_match (agency_card_t *card, bool *r_match)
{
  (void)card;
  *r_match = true;    /* generic: always contributes what it finds */
  return 0;
}

/* ---- restore ------------------------------------------------------------- */

/* Largest transparent EF / record numbers a card addressed with 2-byte
 * sizes (FCP 80) can hold. */
#define ISO_MAX_EF_SIZE 65535
#define ISO_MAX_RECORDS 254

static bool
iso_is_fs (const image_node_t *n)
{
  return n->type == IMAGE_NODE_MF || n->type == IMAGE_NODE_DF
    || image_node_is_ef (n) || n->type == IMAGE_NODE_RECORD;
}


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

      if (!s || !iso_is_fs (s))
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
  *err = agency_verify_pin (card, iso_pin_ref (card, s->access.write_ref),
                            path);
  xfree (path);
  if (!agency_fatal (*err))
    *err = 0;
  return agency_pin_state (card, NULL,
                           iso_pin_ref (card, s->access.write_ref))
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
  err = agent_iso7816_select_node (card, s, NULL, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    err = iso_read_selected (card, scratch, tmp, &sw);
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
  if (sw != SW_OK)
    {
      e->sw = sw;
      e->err = sw_to_error (sw);
      return 0;
    }
  e->written = true;
  agency_progress (card, AGENCY_PHASE_WRITE, s, s->content_len);
  err = iso7816_read_record (&card->chan, s->recno, &back, &sw);
  if (!err)
    {
      e->verified = sw == SW_OK && back.len == s->content_len
        && (!back.len || !memcmp (back.data, s->content, back.len));
      if (!e->verified)
        e->err = gpg_error (GPG_ERR_BAD_DATA);
    }
  buf_free (&back);
  return err;
}

gpg_error_t
agent_iso7816_write (agency_card_t *card, const image_t *src, plan_t *plan,
                     plan_entry_t *e)
{
  gpg_error_t err = 0;
  const image_node_t *s = e->src;
  unsigned sw = 0;
  bool created = false;
  (void)src;

  if (!s)
    return 0;
  if (s->type == IMAGE_NODE_RECORD)
    return iso_write_one_record (card, plan, e);
  if (e->action == PLAN_CREATE)
    {
      if (!e->fcp)
        {
          e->err = gpg_error (GPG_ERR_NO_DATA);
          return 0;
        }
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
      if (sw != SW_OK)
        {
          e->sw = sw;
          e->err = sw_to_error (sw);
          return 0;
        }
      created = true;
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

  err = agent_iso7816_select_node (card, s, NULL, &sw);
  if (err)
    return err;
  if (sw != SW_OK)
    {
      e->sw = sw;
      e->err = sw_to_error (sw);
      return 0;
    }
  if (s->type == IMAGE_NODE_EF_TRANSPARENT)
    {
      err = iso7816_update_binary_all (&card->chan, s->content,
                                       s->content_len, &sw);
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
  if (sw != SW_OK)
    {
      e->sw = sw;
      e->err = sw_to_error (sw);
      return 0;
    }
  e->written = true;
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

/* ---- description ------------------------------------------------------- */

static const char *
iso_describe (const image_node_t *node)
{
  if (node->type == IMAGE_NODE_MF)
    return N_("master file");
  if (!node->has_fid)
    return NULL;
  switch (node->fid)
    {
    case 0x2F00: return N_("EF.DIR (application directory)");
    case 0x2F01: return N_("EF.ATR (answer-to-reset information)");
    case 0x2F02: return N_("EF.GDO (card identification)");
    default: break;
    }
  if (node->source == IMAGE_SRC_FID_SCAN)
    return N_("found by the FID scan");
  return NULL;
}

const agent_t agent_iso7816 = {
  .name = AGENT_NAME,
  .summary = N_("ISO 7816-4 file system (generic)"),
  .match = iso_match,
  .discover = iso_discover,
  .read = agent_iso7816_read,
  .plan_restore = agent_iso7816_plan_restore,
  .write = agent_iso7816_write,
  .describe = iso_describe
  /* verify_pin and the security operations: the agency's generic ones */
};
