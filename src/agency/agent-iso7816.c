/* agent-iso7816.c - the generic agent: ISO 7816-4 file-system walk
 *
 * Discovery sources, each recorded on the node it found:
 *   - the MF (if the card has a selectable one) and EF.ATR (2F01: card
 *     capabilities, extended length), EF.DIR (2F00) with the application
 *     paths it lists, or their AIDs where the path does not lead there;
 *   - applications of well-known AIDs that nothing led to (a DF reached
 *     only by SELECT of its AID is then selected that way every time it
 *     is needed, again after any other SELECT or a reset);
 *   - well-known FIDs (the PKCS#15 DF and its files);
 *   - the bounded FID scan (agent-iso7816-scan.c).
 * In a SELECT probe 9000/61xx, 6283 (deactivated), 6982 and 6985 mean the
 * file exists, 6A82 that it does not. A DF whose FCP was seen in this
 * session is not SELECTed again only to learn it.
 *
 * Restore: agent-iso7816-restore.c. */
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
#include "agency/agent-iso7816.h"

#define AGENT_NAME "iso7816"
/* Well-known FIDs: parent path (FIDs under the MF) + FID. */
static const struct { uint16_t parent; uint16_t fid; } iso_known[] = {
  /* (EF.ATR 2F01 is read right after the MF, EF.GDO 2F02 is in the
   * scan's first phase) */
  { 0, 0x5015 },         /* PKCS#15 application DF */
  { 0x5015, 0x5031 },    /* ODF */
  { 0x5015, 0x5032 },    /* TokenInfo */
  { 0x5015, 0x5033 },    /* UnusedSpace */
};


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

/* ---- reaching files ------------------------------------------------------ */

iso_fs_t *
agent_iso7816_fs (agency_card_t *card)
{
  if (!card->fs)
    {
      card->fs = xtrycalloc (1, sizeof *card->fs);
      if (card->fs)
        card->fs->cur_app = -1;
    }
  return card->fs;
}

void
agent_iso7816_fs_free (agency_card_t *card)
{
  if (card->fs)
    {
      xfree (card->fs->coverage);
      xfree (card->fs);
      card->fs = NULL;
    }
}

void
agent_iso7816_add_app (agency_card_t *card, const uint16_t *fids, size_t n,
                       const uint8_t *aid, size_t aid_len)
{
  iso_fs_t *fs = agent_iso7816_fs (card);
  iso_app_t *a;
  size_t i;

  if (!fs || !n || n > ISO7816_PATH_MAX || !aid_len || aid_len > 16)
    return;
  for (i = 0; i < fs->n_apps; i++)
    if (fs->apps[i].depth == n
        && !memcmp (fs->apps[i].fids, fids, n * sizeof *fids))
      return;
  if (fs->n_apps == ISO_MAX_APPS)
    return;
  a = &fs->apps[fs->n_apps++];
  memcpy (a->fids, fids, n * sizeof *fids);
  a->depth = n;
  memcpy (a->aid, aid, aid_len);
  a->aid_len = aid_len;
  log_debug ("agent iso7816: DF %04X.. reached by its AID", fids[n - 1]);
}

void
agent_iso7816_set_current (agency_card_t *card, const uint16_t *fids,
                           size_t n, bool is_ef)
{
  iso_fs_t *fs = agent_iso7816_fs (card);

  if (!fs || n > ISO7816_PATH_MAX)
    return;
  memcpy (fs->cur_fids, fids, n * sizeof *fids);
  fs->cur_n = n;
  fs->cur_ef = is_ef;
  fs->cur_sel = card->chan.selects;
  fs->cur_known = true;
}

bool
agent_iso7816_is_current (agency_card_t *card, const uint16_t *fids,
                          size_t n, bool as_df)
{
  iso_fs_t *fs = card->fs;
  size_t dn;

  if (!fs || !fs->cur_known || fs->cur_sel != card->chan.selects)
    return false;
  if (!as_df)
    return fs->cur_ef && fs->cur_n == n
      && !memcmp (fs->cur_fids, fids, n * sizeof *fids);
  if (fs->cur_ef && !fs->cur_n)
    return false;
  dn = fs->cur_ef ? fs->cur_n - 1 : fs->cur_n;
  return dn == n && (!n || !memcmp (fs->cur_fids, fids, n * sizeof *fids));
}

void
agent_iso7816_forget_fcps (agency_card_t *card)
{
  if (card->fs)
    card->fs->n_dfs = card->fs->next_df = 0;
}

/* Remember FCP as that of the file at FIDS if it says "DF". */
static void
iso_remember_fcp (iso_fs_t *fs, const uint16_t *fids, size_t n,
                  const buf_t *fcp)
{
  iso7816_fcp_t f;
  size_t i;

  if (!fs || !n || !fcp->len || fcp->len > sizeof fs->dfs[0].fcp
      || iso7816_fcp_parse (fcp->data, fcp->len, &f)
      || f.type != IMAGE_NODE_DF)
    return;
  for (i = 0; i < fs->n_dfs; i++)
    if (fs->dfs[i].n == n && !memcmp (fs->dfs[i].fids, fids, n * sizeof *fids))
      break;
  if (i == fs->n_dfs)
    {
      if (fs->n_dfs < DIM (fs->dfs))
        i = fs->n_dfs++;
      else
        i = fs->next_df++ % DIM (fs->dfs);
    }
  memcpy (fs->dfs[i].fids, fids, n * sizeof *fids);
  fs->dfs[i].n = n;
  memcpy (fs->dfs[i].fcp, fcp->data, fcp->len);
  fs->dfs[i].fcp_len = fcp->len;
}

/* The remembered FCP of the DF at FIDS into FCP; false if none. */
static bool
iso_known_fcp (const iso_fs_t *fs, const uint16_t *fids, size_t n,
               buf_t *fcp)
{
  size_t i;

  if (!fs)
    return false;
  for (i = 0; i < fs->n_dfs; i++)
    if (fs->dfs[i].n == n && !memcmp (fs->dfs[i].fids, fids, n * sizeof *fids))
      return !buf_set (fcp, fs->dfs[i].fcp, fs->dfs[i].fcp_len);
  return false;
}

/* The application whose DF holds FIDS[0..N) (longest prefix), or -1. */
static int
iso_app_of (const iso_fs_t *fs, const uint16_t *fids, size_t n)
{
  size_t i;
  int best = -1;

  if (!fs)
    return -1;
  for (i = 0; i < fs->n_apps; i++)
    if (fs->apps[i].depth <= n
        && !memcmp (fs->apps[i].fids, fids, fs->apps[i].depth * sizeof *fids)
        && (best < 0 || fs->apps[i].depth > fs->apps[best].depth))
      best = (int)i;
  return best;
}

/* The rest of a path below an application's DF: SELECT by path from the
 * current DF, or FID by FID where the card does not know P1 09. */
static gpg_error_t
iso_select_rel (agency_card_t *card, iso_fs_t *fs, const uint16_t *fids,
                size_t n, buf_t *fcp, unsigned *sw)
{
  gpg_error_t err = 0;
  size_t i;

  if (!fs->no_rel_path)
    {
      err = iso7816_select_rel_path (&card->chan, fids, n, fcp, sw);
      if (err || !iso7816_sw_unsupported (*sw))
        return err;
      fs->no_rel_path = true;
    }
  for (i = 0; !err && i < n; i++)
    {
      err = iso7816_select_fid (&card->chan, fids[i], i + 1 == n ? fcp : NULL,
                                sw);
      if (!err && *sw != SW_OK && !SW_IS_MORE_DATA (*sw) && i + 1 < n)
        break;
    }
  return err;
}

static gpg_error_t iso_select_fids (agency_card_t *card,
                                    const uint16_t *fids, size_t n,
                                    buf_t *fcp, unsigned *sw);

gpg_error_t
agent_iso7816_select_fids (agency_card_t *card, const uint16_t *fids,
                           size_t n, buf_t *fcp, unsigned *sw)
{
  gpg_error_t err;
  buf_t own = BUF_INIT;
  iso7816_fcp_t f;
  bool want = fcp != NULL || !(card->fs && card->fs->no_fcp);

  if (card->fs)
    card->fs->cur_known = false;
  err = iso_select_fids (card, fids, n, want ? (fcp ? fcp : &own) : NULL,
                         sw);
  if (!err && *sw == SW_OK && want && (fcp ? fcp : &own)->len
      && !iso7816_fcp_parse ((fcp ? fcp : &own)->data,
                             (fcp ? fcp : &own)->len, &f) && f.type)
    agent_iso7816_set_current (card, fids, n,
                               f.type != IMAGE_NODE_DF
                               && f.type != IMAGE_NODE_MF);
  else if (!err && *sw == SW_OK && !n)
    agent_iso7816_set_current (card, fids, 0, false);
  buf_free (&own);
  return err;
}

static gpg_error_t
iso_select_fids (agency_card_t *card, const uint16_t *fids, size_t n,
                 buf_t *fcp, unsigned *sw)
{
  gpg_error_t err;
  iso_fs_t *fs = agent_iso7816_fs (card);
  int app = iso_app_of (fs, fids, n);
  const iso_app_t *a;
  bool at_root;
  buf_t own = BUF_INIT;

  if (app < 0)
    {
      if (fs && fs->mf_hidden)
        {
          /* No path from the MF on this card: nothing else to try. */
          *sw = SW_FILE_NOT_FOUND;
          if (fcp)
            buf_clear (fcp);
          return 0;
        }
      if (fs)
        fs->cur_app = -1;
      if (!fcp && !(fs && fs->no_fcp))
        fcp = &own;
      err = iso7816_select_path (&card->chan, fids, n, fcp, sw);
      if (!err && *sw == SW_OK && fcp)
        iso_remember_fcp (fs, fids, n, fcp);
      buf_free (&own);
      return err;
    }
  a = &fs->apps[app];
  at_root = fs->cur_app == app && fs->cur_selects == card->chan.selects;
  if (!at_root || a->depth == n)
    {
      /* Into the application (again after any other SELECT or reset);
       * its FCP only when it is the file asked for. */
      fs->cur_app = -1;
      err = iso7816_select_aid (&card->chan, a->aid, a->aid_len,
                                a->depth == n ? fcp : NULL, sw);
      if (err || (*sw != SW_OK && !SW_IS_MORE_DATA (*sw)))
        return err;
      if (a->depth == n && fcp)
        iso_remember_fcp (fs, fids, n, fcp);
      fs->cur_app = app;
      fs->cur_selects = card->chan.selects;
      if (a->depth == n)
        return 0;
    }
  if (!fcp && !fs->no_fcp)
    fcp = &own;
  err = iso_select_rel (card, fs, fids + a->depth, n - a->depth, fcp, sw);
  if (!err && *sw == SW_OK && fcp)
    iso_remember_fcp (fs, fids, n, fcp);
  fs->cur_app = -1;
  if (!err && *sw == SW_FILE_NOT_FOUND && !fs->no_rel_path)
    {
      /* A SELECT that failed left the current DF as it was. */
      fs->cur_app = app;
      fs->cur_selects = card->chan.selects;
    }
  else if (!err && *sw == SW_OK && n - a->depth == 1 && fcp && fcp->len)
    {
      /* An EF directly in the application's DF leaves the card in it. */
      iso7816_fcp_t f;
      if (!iso7816_fcp_parse (fcp->data, fcp->len, &f) && f.type
          && f.type != IMAGE_NODE_DF && f.type != IMAGE_NODE_MF)
        {
          fs->cur_app = app;
          fs->cur_selects = card->chan.selects;
        }
    }
  buf_free (&own);
  return err;
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
  return agent_iso7816_select_fids (card, fids, n, fcp, sw);
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
image_node_t *
agent_iso7816_child (const image_node_t *parent, uint16_t fid)
{
  image_node_t *c;
  for (c = parent->first_child; c; c = c->next)
    if (c->has_fid && c->fid == fid)
      return c;
  return NULL;
}

image_node_t *
agent_iso7816_mf (const image_t *image)
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
uint8_t
agent_iso7816_pin_ref (agency_card_t *card, uint8_t ref)
{
  size_t i;
  for (i = 0; i < card->n_pins; i++)
    if ((card->pins[i].ref & 0x0F) == (ref & 0x0F))
      return card->pins[i].ref;
  return ref;
}

/* Read the currently selected EF into NODE (no SELECT). *SW gets the
 * final status (6982 if protected). */
gpg_error_t
agent_iso7816_read_selected (agency_card_t *card, image_t *image, image_node_t *node,
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
      else if (*sw == SW_NOT_ALLOWED && !node->fcp)
        {
          /* No current EF after selecting it: a DF. */
          node->type = IMAGE_NODE_DF;
          *sw = SW_OK;
          goto leave;
        }
      else if (*sw == SW_INCOMPAT_FILE && !node->fcp)
        {
          /* The card gave no FCP, so the structure was a guess: not
           * transparent, so a record file (read as linear variable,
           * record by record until "no such record"). */
          node->type = IMAGE_NODE_EF_LINEAR_VARIABLE;
          buf_clear (&data);
        }
    }
  if (node->type == IMAGE_NODE_EF_TRANSPARENT)
    ;
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

gpg_error_t
agent_iso7816_read_reselect (agency_card_t *card, image_t *image,
                             const image_node_t *sel, image_node_t *node,
                             unsigned retry_sw, unsigned *sw)
{
  gpg_error_t err = agent_iso7816_read_selected (card, image, node, sw);

  if (err || *sw != retry_sw)
    return err;
  err = agent_iso7816_select_node (card, sel, NULL, sw);
  if (!err && *sw == SW_OK)
    err = agent_iso7816_read_selected (card, image, node, sw);
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
                           agent_iso7816_pin_ref (card,
                                                  node->access.read_ref))
         == AGENCY_PIN_UNKNOWN)
    sw = SW_SEC_NOT_SATISFIED;   /* verify first: no read to be refused */
  else
    {
      err = agent_iso7816_read_selected (card, image, node, &sw);
      if (err)
        goto leave;
    }
  if (sw == SW_SEC_NOT_SATISFIED && node->access.read == IMAGE_AC_PIN)
    {
      uint8_t ref = agent_iso7816_pin_ref (card, node->access.read_ref);
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
          err = agent_iso7816_read_reselect (card, image, node, node,
                                             SW_SEC_NOT_SATISFIED, &sw);
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
      /* Read now: why it was not before (an earlier run without the
       * PIN, e.g. the manager's background scan) no longer holds. */
      if ((node->flags & IMAGE_FLAG_UNREADABLE) && node->note
          && (err = image_node_set_note (node, NULL)))
        goto leave;
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
  err = 0;
  if (!n)
    return gpg_error (GPG_ERR_INV_ARG);
  if (iso_known_fcp (card->fs, fids, n, &fcp))
    sw = SW_OK;      /* a DF seen before in this session: no SELECT */
  else
    {
      err = agent_iso7816_select_fids (card, fids, n,
                                       card->fs && card->fs->no_fcp
                                       ? NULL : &fcp, &sw);
      if (!err && sw == SW_OK && !fcp.len && card->fs)
        card->fs->no_fcp = true;   /* do not ask for what never comes */
    }
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
  node = agent_iso7816_child (parent, fids[n - 1]);
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
      /* Without an FCP the parent's type was a guess: it has files. */
      if (!parent->fcp && image_node_is_ef (parent))
        parent->type = IMAGE_NODE_DF;
      if (!err)
        err = image_add_child (parent, node);
      if (err)
        goto leave;
    }
  if (src != IMAGE_SRC_FID_SCAN)
    agency_progress (card, AGENCY_PHASE_DISCOVER, node, 0);
  /* The file is selected now: read it without another SELECT. */
  if (card->read_content && image_node_is_ef (node) && !node->has_content)
    {
      if (sw == SW_OK || SW_IS_MORE_DATA (sw))
        err = iso_read_with_pin (card, image, node, true);
      else
        image_node_set_unreadable (node, sw);
    }
  /* A node the scan found is reported once it was read: with its
   * access, area and whether it could be read. */
  if (created && src == IMAGE_SRC_FID_SCAN && card->fs && card->fs->node_fn)
    card->fs->node_fn (card->fs->node_ctx, node);
  *r_node = node;
  node = NULL;

 leave:
  if (created && node)
    image_node_free (node);
  buf_free (&fcp);
  return err;
}

/* Probe every step of FIDS (path under the MF), creating missing nodes. */
gpg_error_t
agent_iso7816_probe_path (agency_card_t *card, image_t *image, image_node_t *mf,
                const uint16_t *fids, size_t n, image_source_t src,
                image_node_t **r_node)
{
  gpg_error_t err = 0;
  image_node_t *parent = mf, *node = NULL;
  size_t i;

  *r_node = NULL;
  for (i = 0; i < n; i++)
    {
      node = agent_iso7816_child (parent, fids[i]);
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
          err = agent_iso7816_probe_path (card, image, mf, fids, nf,
                                          IMAGE_SRC_EF_DIR, &node);
          if (!err && node && aid && !node->aid)
            err = image_node_set_aid (node, aid, aid_len);
        }
      /* The application is not where the path says, or EF.DIR gives
       * only its AID: select it by the AID. */
      if (!err && !node && aid)
        err = agent_iso7816_app_by_aid (card, image, aid, aid_len,
                                        nf ? fids[nf - 1] : 0,
                                        IMAGE_SRC_EF_DIR, &node);
    }
  return err;
}

gpg_error_t
agent_iso7816_efdir (agency_card_t *card, image_t *image, image_node_t *mf)
{
  gpg_error_t err;
  image_node_t *dir = agent_iso7816_child (mf, 0x2F00);
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
  return agent_iso7816_probe_path (card, image, mf, fids, n, IMAGE_SRC_FID_SCAN, &got);
}

/* Applications with a file system that cards keep out of the MF's
 * reach, selected by AID when nothing else led to them (PKCS#15 itself
 * is the pkcs15 agent's; OpenPGP and PIV have their own agents). */
static const struct { const char *name; uint8_t len; uint8_t aid[16]; }
iso_known_aids[] = {
  { "ISO/IEC 7816-15 CIA", 5, { 0xE8, 0x28, 0xBD, 0x08, 0x0F } },
  { "ESIGN", 10, { 0xA0, 0x00, 0x00, 0x01, 0x67, 0x45, 0x53, 0x49, 0x47,
                   0x4E } },
  { "IAS-ECC", 16, { 0xA0, 0x00, 0x00, 0x00, 0x77, 0x01, 0x08, 0x00, 0x07,
                     0x00, 0x00, 0xFE, 0x00, 0x00, 0x01, 0x00 } },
  { "Belgian eID PKCS#15", 12, { 0xA0, 0x00, 0x00, 0x01, 0x77, 0x50, 0x4B,
                                 0x43, 0x53, 0x2D, 0x31, 0x35 } },
  { "SmartCard-HSM", 11, { 0xE8, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x81, 0xC3,
                           0x1F, 0x02, 0x01 } },
  { "GIDS", 11, { 0xA0, 0x00, 0x00, 0x03, 0x97, 0x42, 0x54, 0x46, 0x59,
                  0x02, 0x01 } },
  { "IsoApplet", 12, { 0xF2, 0x76, 0xA2, 0x88, 0xBC, 0xFB, 0xA6, 0x9D, 0x34,
                       0xF3, 0x10, 0x01 } }
};

gpg_error_t
agent_iso7816_mf_node (agency_card_t *card, image_t *image,
                       image_node_t **r_mf)
{
  gpg_error_t err = 0;
  image_node_t *mf = agent_iso7816_mf (image);
  (void)card;

  if (!mf)
    {
      err = image_make_path (image, "3F00", IMAGE_NODE_MF,
                             IMAGE_SRC_KNOWN_FID, &mf);
      if (!err)
        err = image_node_set_agent (mf, AGENT_NAME);
      if (!err)
        mf->type = IMAGE_NODE_MF;
    }
  *r_mf = err ? NULL : mf;
  return err;
}

gpg_error_t
agent_iso7816_app_by_aid (agency_card_t *card, image_t *image,
                          const uint8_t *aid, size_t aid_len,
                          uint16_t hint_fid, image_source_t src,
                          image_node_t **r_node)
{
  gpg_error_t err;
  buf_t fcp = BUF_INIT;
  unsigned sw = 0;
  iso7816_fcp_t f;
  uint16_t fid;
  image_node_t *mf = NULL, *node = NULL;
  unsigned long apdus0 = card->chan.apdus;
  iso_fs_t *fs;
  size_t i;

  *r_node = NULL;
  err = iso7816_select_aid (&card->chan, aid, aid_len, &fcp, &sw);
  if (err)
    goto leave;
  if (!iso7816_sw_exists (sw))
    {
      card->scan_apdus += card->chan.apdus - apdus0;
      goto leave;
    }
  err = agency_add_aid (image, aid, aid_len);
  if (err)
    goto leave;
  memset (&f, 0, sizeof f);
  if (fcp.len && iso7816_fcp_parse (fcp.data, fcp.len, &f))
    memset (&f, 0, sizeof f);
  fid = f.has_fid ? f.fid : hint_fid;
  if (!fid || fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF
      || (f.type && f.type != IMAGE_NODE_DF))
    {
      /* An applet, not a DF with a file identifier: it is in the card's
       * identity (AIDs), its content is for an agent that knows it. */
      log_debug ("agent iso7816: application by AID without a DF FID");
      goto leave;
    }
  err = agent_iso7816_mf_node (card, image, &mf);
  if (err)
    goto leave;
  node = agent_iso7816_child (mf, fid);
  if (!node)
    {
      err = image_node_new (IMAGE_NODE_DF, &node);
      if (err)
        goto leave;
      image_node_set_fid (node, fid);
      node->source = src;
      err = image_node_set_agent (node, AGENT_NAME);
      if (!err)
        err = image_add_child (mf, node);
      if (err)
        {
          image_node_free (node);
          node = NULL;
          goto leave;
        }
    }
  if (fcp.len && !node->fcp)
    {
      err = agent_iso7816_apply_fcp (node, fcp.data, fcp.len);
      if (err)
        err = image_node_set_fcp (node, fcp.data, fcp.len);
      if (err)
        goto leave;
    }
  node->type = IMAGE_NODE_DF;
  if (!node->aid)
    err = image_node_set_aid (node, aid, aid_len);
  if (err)
    goto leave;
  agent_iso7816_add_app (card, &fid, 1, aid, aid_len);
  fs = card->fs;
  if (fs)
    for (i = 0; i < fs->n_apps; i++)
      if (fs->apps[i].depth == 1 && fs->apps[i].fids[0] == fid)
        {
          fs->cur_app = (int)i;
          fs->cur_selects = card->chan.selects;
        }
  agency_progress (card, AGENCY_PHASE_DISCOVER, node, 0);
  *r_node = node;

 leave:
  buf_free (&fcp);
  return err;
}

/* SELECT the MF once per session: whether the card has one to start
 * paths from. */
static gpg_error_t
iso_select_mf (agency_card_t *card, buf_t *fcp, bool *r_ok)
{
  gpg_error_t err;
  unsigned sw = 0;
  iso_fs_t *fs = agent_iso7816_fs (card);

  *r_ok = false;
  err = iso7816_select_mf (&card->chan, fcp, &sw);
  if (err)
    return err;
  *r_ok = iso7816_sw_exists (sw);
  if (fs)
    {
      fs->mf_known = true;
      fs->mf_hidden = !*r_ok;
      fs->cur_app = -1;
    }
  return 0;
}

/* EF.ATR (2F01): the card capabilities that did not fit the ATR (BER
 * tag 47, as in the historical bytes: third byte, bit 0x40 = extended
 * Lc and Le). Read first, so that every later READ BINARY can use it. */
static gpg_error_t
iso_ef_atr (agency_card_t *card, image_t *image, image_node_t *mf)
{
  gpg_error_t err;
  image_node_t *ef = agent_iso7816_child (mf, 0x2F01);
  uint16_t fid = 0x2F01;
  bool saved = card->read_content;
  tlv_t t;

  if (!ef)
    {
      card->read_content = true;
      err = agent_iso7816_probe (card, image, mf, &fid, 1,
                                 IMAGE_SRC_KNOWN_FID, &ef);
      card->read_content = saved;
      if (err || !ef)
        return err;
    }
  if (card->chan.ext_ok || !ef->has_content
      || card->chan.proto != APDU_PROTO_T1
      || tlv_find (ef->content, ef->content_len, 0x47, &t) || t.len < 3
      || !(t.value[2] & 0x40))
    return 0;
  card->chan.ext_ok = true;
  if (card->reader)
    reader_card_ext_limits (card->reader, &card->chan.max_le,
                            &card->chan.max_lc);
  else
    {
      card->chan.max_le = APDU_MAX_EXT_LE;
      card->chan.max_lc = APDU_MAX_EXT_LC;
    }
  log_debug ("agent iso7816: EF.ATR announces extended length");
  return 0;
}

gpg_error_t
agent_iso7816_discover_mf (agency_card_t *card, image_t *image,
                           image_node_t **r_mf)
{
  gpg_error_t err = 0;
  buf_t fcp = BUF_INIT;
  image_node_t *mf = agent_iso7816_mf (image);
  bool ok = true;

  *r_mf = NULL;
  if (mf && mf->fcp)
    {
      *r_mf = mf;
      return 0;
    }
  if (card->fs && card->fs->mf_known)
    ok = !card->fs->mf_hidden;
  else
    {
      err = iso_select_mf (card, &fcp, &ok);
      if (err)
        goto leave;
    }
  if (!ok)
    {
      *r_mf = mf;       /* a node made for an application, or none */
      goto leave;
    }
  err = agent_iso7816_mf_node (card, image, &mf);
  if (!err && fcp.len)
    {
      err = agent_iso7816_apply_fcp (mf, fcp.data, fcp.len);
      mf->type = IMAGE_NODE_MF;
    }
  if (err)
    goto leave;
  agency_progress (card, AGENCY_PHASE_DISCOVER, mf, 0);
  *r_mf = mf;
  err = iso_ef_atr (card, image, mf);
 leave:
  buf_free (&fcp);
  return err;
}

static gpg_error_t
iso_discover (agency_card_t *card, image_t *image)
{
  gpg_error_t err;
  image_node_t *mf = NULL;
  bool hidden;
  size_t i, k;

  err = agent_iso7816_discover_mf (card, image, &mf);
  if (err)
    goto leave;
  hidden = card->fs && card->fs->mf_hidden;
  if (!hidden)
    {
      err = agent_iso7816_efdir (card, image, mf);
      if (err)
        goto leave;
    }

  /* Applications known by AID that nothing has led to yet. */
  for (i = 0; !card->no_scan && i < DIM (iso_known_aids); i++)
    {
      image_node_t *app;
      bool seen = false;
      for (k = 0; k < image->card.n_aids; k++)
        if (image->card.aid_lens[k] >= iso_known_aids[i].len
            && !memcmp (image->card.aids[k], iso_known_aids[i].aid,
                        iso_known_aids[i].len))
          seen = true;
      if (seen)
        continue;
      err = agent_iso7816_app_by_aid (card, image, iso_known_aids[i].aid,
                                      iso_known_aids[i].len, 0,
                                      IMAGE_SRC_AID, &app);
      if (err)
        goto leave;
    }
  mf = agent_iso7816_mf (image);
  if (!mf)
    goto leave;               /* no file system */

  for (i = 0; !hidden && i < DIM (iso_known); i++)
    {
      uint16_t fids[2];
      size_t n = 0;
      image_node_t *node;
      if (iso_known[i].parent)
        {
          if (!agent_iso7816_child (mf, iso_known[i].parent))
            continue;
          fids[n++] = iso_known[i].parent;
        }
      fids[n++] = iso_known[i].fid;
      err = agent_iso7816_probe_path (card, image, mf, fids, n,
                                      IMAGE_SRC_KNOWN_FID, &node);
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

  if (!card->no_scan)
    {
      err = agent_iso7816_scan (card, image, mf);
      if (err)
        goto leave;
    }

 leave:
  return err;
}

static gpg_error_t
iso_match (agency_card_t *card, bool *r_match)
{
  (void)card;
  *r_match = true;    /* generic: always contributes what it finds */
  return 0;
}

bool
agent_iso7816_is_fs (const image_node_t *n)
{
  return n->type == IMAGE_NODE_MF || n->type == IMAGE_NODE_DF
    || image_node_is_ef (n) || n->type == IMAGE_NODE_RECORD;
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
