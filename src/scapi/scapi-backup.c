/* scapi-backup.c - card -> VSC: read the selected nodes, put them into
 * the VSC's areas by access condition, save atomically (a VSC is
 * written only when everything was read), and say what was not read. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <ctype.h>
#include <stdlib.h>

#include "common/util.h"
#include "common/array.h"
#include "common/i18n.h"
#include "scapi/scapi-int.h"

/* Free what M owns. */
static void
scapi_missing_release (scapi_missing_t *m)
{
  xfree (m->path);
  xfree (m->reason);
}

void
scapi_summary_free (scapi_summary_t *sum)
{
  if (!sum)
    return;
  ARRAY_FREE (sum->missing, sum->n_missing, scapi_missing_release);
  xfree (sum->scan_coverage);
  xfree_secure (sum->password);
  memset (sum, 0, sizeof *sum);
}

static bool
scapi_path_under (const char *path, const char *sel)
{
  size_t n;
  while (*sel == '/')
    sel++;
  n = strlen (sel);
  while (n && sel[n - 1] == '/')
    n--;
  return !strncasecmp (path, sel, n) && (path[n] == 0 || path[n] == '/');
}

/* Keep a node if it is in a selected subtree or above one. */
static bool
scapi_selected (const char *path, const scapi_backup_opts_t *o)
{
  size_t i;
  if (!o->select || !o->n_select)
    return true;
  for (i = 0; i < o->n_select; i++)
    if (scapi_path_under (path, o->select[i])
        || scapi_path_under (o->select[i], path))
      return true;
  return false;
}

gpg_error_t
scapi_prune (image_node_t *parent, const scapi_backup_opts_t *o)
{
  image_node_t *c, *next;
  for (c = parent->first_child; c; c = next)
    {
      char *path = image_node_path (c);
      next = c->next;
      if (!path)
        return gpg_error_from_syserror ();
      if (!scapi_selected (path, o))
        image_node_remove (c);
      else
        {
          gpg_error_t err = scapi_prune (c, o);
          if (err)
            {
              xfree (path);
              return err;
            }
        }
      xfree (path);
    }
  return 0;
}

typedef struct scapi_sel_ctx {
  agency_card_t *ac;
  image_t *image;
  const scapi_backup_opts_t *o;
  bool count_only;            /* only add up nodes/bytes to read */
  size_t nodes, bytes;
} scapi_sel_ctx_t;

/* Read selected EFs that have no content yet (UI flow). */
static gpg_error_t
scapi_read_visit (image_node_t *node, unsigned depth, void *ctx)
{
  scapi_sel_ctx_t *sc = ctx;
  char *path;
  bool sel;
  (void)depth;

  if (!image_node_is_ef (node) || node->has_content
      || (node->flags & (IMAGE_FLAG_NOT_EXTRACTABLE)))
    return 0;
  path = image_node_path (node);
  if (!path)
    return gpg_error_from_syserror ();
  sel = scapi_selected (path, sc->o);
  xfree (path);
  if (!sel)
    return 0;
  if (sc->count_only)
    {
      sc->nodes++;
      sc->bytes += node->size;
      return 0;
    }
  return agency_read (sc->ac, sc->image, node);
}

static gpg_error_t
scapi_missing_add (scapi_summary_t *sum, const char *path,
                   const char *reason, unsigned sw)
{
  scapi_missing_t *m;
  m = xtryrealloc (sum->missing, (sum->n_missing + 1) * sizeof *m);
  if (!m)
    return gpg_error_from_syserror ();
  sum->missing = m;
  m += sum->n_missing;
  m->path = xtrystrdup (path);
  m->reason = xtrystrdup (reason);
  m->sw = sw;
  if (!m->path || !m->reason)
    {
      xfree (m->path);
      xfree (m->reason);
      return gpg_error_from_syserror ();
    }
  sum->n_missing++;
  return 0;
}

static gpg_error_t
scapi_missing_visit (image_node_t *node, unsigned depth, void *ctx)
{
  scapi_summary_t *sum = ctx;
  char *path;
  char reason[256];
  gpg_error_t err = 0;
  (void)depth;

  reason[0] = 0;
  if (node->flags & IMAGE_FLAG_NOT_EXTRACTABLE)
    snprintf (reason, sizeof reason, "%s", node->note ? node->note
              : _("not extractable: regenerate or re-import"));
  else if (node->flags & IMAGE_FLAG_UNREADABLE)
    {
      if (node->note)
        snprintf (reason, sizeof reason, "%s (%s)", node->note,
                  sw_describe (node->sw));
      else
        snprintf (reason, sizeof reason, "%s", sw_describe (node->sw));
    }
  else if (node->flags & IMAGE_FLAG_TRUNCATED)
    snprintf (reason, sizeof reason, _("truncated: %zu of %zu bytes"),
              node->content_len, node->size);
  if (!reason[0])
    return 0;
  path = image_node_path (node);
  if (!path)
    return gpg_error_from_syserror ();
  err = scapi_missing_add (sum, path, reason,
                           (node->flags & IMAGE_FLAG_UNREADABLE)
                           ? node->sw : 0);
  xfree (path);
  return err;
}

/* Does a node of the subtree NODE carry AID (or a name it starts)? */
static bool
scapi_aid_covered (const image_node_t *node, const uint8_t *aid, size_t n)
{
  const image_node_t *c;
  size_t k;

  if (node->aid && node->aid_len)
    {
      k = node->aid_len < n ? node->aid_len : n;
      if (!memcmp (node->aid, aid, k))
        return true;
    }
  for (c = node->first_child; c; c = c->next)
    if (scapi_aid_covered (c, aid, n))
      return true;
  return false;
}

/* Applications the card named (EF.DIR) or that answered SELECT of their
 * AID but that no node represents: nothing of them is in the VSC, so
 * they go into the report. */
static gpg_error_t
scapi_missing_aids (const image_t *image, scapi_summary_t *sum)
{
  gpg_error_t err = 0;
  char path[64], hex[40];
  size_t i, k;

  for (i = 0; !err && i < image->card.n_aids; i++)
    {
      const uint8_t *aid = image->card.aids[i];
      size_t n = image->card.aid_lens[i];
      if (!n || n > 16 || scapi_aid_covered (&image->root, aid, n))
        continue;
      for (k = 0; k < n; k++)
        snprintf (hex + 2 * k, 3, "%02X", aid[k]);
      snprintf (path, sizeof path, "aid-%s", hex);
      err = scapi_missing_add (sum, path,
                               _("an application named on the card (EF.DIR) "
                                 "or answering SELECT of its AID, but not "
                                 "backed up: no agent reads it"), 0);
    }
  return err;
}

/* Nodes whose content is private get the private area (the agents set
 * it when a PIN was needed; keep their choice, never lower it). */
static gpg_error_t
scapi_area_visit (image_node_t *node, unsigned depth, void *ctx)
{
  (void)depth;
  (void)ctx;
  if (node->type == IMAGE_NODE_KEY && node->has_content)
    node->area = IMAGE_AREA_SECRET_KEY;
  else if (node->access.read == IMAGE_AC_PIN
           && node->area == IMAGE_AREA_PUBLIC)
    node->area = IMAGE_AREA_PRIVATE;
  return 0;
}

bool
scapi_pin_path (const char *path, int *r_ref)
{
  char *end;
  unsigned long v;

  if (r_ref)
    *r_ref = -1;
  if (!path)
    return false;
  if (*path == '/')
    path++;
  if (strncasecmp (path, "pins", 4) || (path[4] && path[4] != '/'))
    return false;
  if (!path[4] || !path[5])
    return true;
  v = strtoul (path + 5, &end, 16);
  if (*end || v > 0xff || !isxdigit ((unsigned char)path[5]))
    return false;
  if (r_ref)
    *r_ref = (int)v;
  return true;
}

/* The application or DF in which a PIN was verified for NODE_PATH: the
 * top-level applet, else the DF holding the node ("3F00/5015"). */
static char *
scapi_pin_scope_of (const image_t *image, const char *node_path)
{
  image_node_t *n = node_path ? image_find_path (image, node_path) : NULL;
  image_node_t *top;

  if (!n)
    return NULL;
  for (top = n; top->parent && top->parent != &image->root; top = top->parent)
    ;
  if (top->type == IMAGE_NODE_APPLET)
    return image_node_path (top);
  if (n->type == IMAGE_NODE_RECORD && n->parent)
    n = n->parent;
  if (!image_node_is_container (n) && n->parent
      && n->parent != &image->root)
    n = n->parent;
  return image_node_path (n);
}

/* backup --store-pins: every PIN the card accepted in this operation
 * becomes the private node "pins/RR" (content = the PIN; PIN scope =
 * the path of the application/DF it belongs to, and its label if known:
 * image_node_set_pin_scope). */
static gpg_error_t
scapi_store_pins (scapi_card_t *card, image_t *image)
{
  gpg_error_t err = 0;
  size_t i;
  char path[16];
  image_node_t *node;
  uint8_t ref;
  const char *pin, *kept_node, *app;

  for (i = 0; agency_card_kept_pin (card->ac, i, &ref, &pin, &kept_node,
                                    &app); i++)
    {
      const char *label = *app ? "" : agency_pin_label (card->ac, ref);
      char *scope = *app ? xtrystrdup (app)
                         : scapi_pin_scope_of (image, kept_node);

      snprintf (path, sizeof path, "pins/%02X", ref);
      if (image_find_path (image, path))
        {
          xfree (scope);
          continue;     /* the same reference in two applications: the
                           first is kept (PIV PUK and OpenPGP PW1 are both
                           81; a backup verifies neither PUK) */
        }
      err = image_make_path (image, path, IMAGE_NODE_DO, IMAGE_SRC_USER,
                             &node);
      if (!err)
        {
          node->parent->area = IMAGE_AREA_PRIVATE;
          node->area = IMAGE_AREA_PRIVATE;
          err = image_node_set_content (node, pin, strlen (pin));
        }
      if (!err)
        err = image_node_set_pin_scope (node, scope, label);
      xfree (scope);
      if (err)
        break;
    }
  return err;
}

gpg_error_t
scapi_backup (scapi_card_t *card, const image_t *given,
              const scapi_backup_opts_t *opts, const scapi_cb_t *cb,
              scapi_summary_t *sum)
{
  gpg_error_t err;
  scapi_op_t op;
  image_t *image = NULL;
  vsc_t *own = NULL;
  vsc_t *vsc;
  char *genpw = NULL;
  double ts;
  scapi_discover_opts_t dopts;
  bool in_tx = false;

  memset (sum, 0, sizeof *sum);
  scapi_op_begin (&op, card, cb);
  if (!opts || (!opts->vsc && !opts->out_path))
    {
      err = gpg_error (GPG_ERR_INV_ARG);
      goto leave;
    }
  /* Refuse an existing output before touching the card. */
  if (!opts->vsc && access (opts->out_path, F_OK) == 0)
    {
      err = gpg_error (GPG_ERR_EEXIST);
      scapi_set_error (_("%s exists; give a new file name (or open it "
                         "to back up into it)"), opts->out_path);
      goto leave;
    }

  dopts = opts->discover;
  dopts.read_content = true;
  if (opts->vsc && !dopts.resume)
    dopts.resume = vsc_image (opts->vsc->vsc);

  err = scapi_card_begin_discover (card, &op);
  if (err)
    goto leave;
  in_tx = true;
  if (!given)
    {
      err = scapi_discover_in (card, &dopts, &image);
      while (scapi_op_recover_reset (&op, err))
        err = scapi_discover_in (card, &dopts, &image);   /* from the start */
    }
  else
    {
      scapi_sel_ctx_t sc;
      err = image_copy (given, &image);
      /* An image from a tree-first discovery whose background reading
       * was stopped (or had not ended): what it left is read now, so
       * the backup has what a full discovery finds. Nothing is sent for
       * what the image has; objects are read below if selected. */
      if (!err)
        err = agency_complete (card->ac, image, false);
      if (!err)
        {
          memset (&sc, 0, sizeof sc);
          sc.ac = card->ac;
          sc.image = image;
          sc.o = opts;
          /* Totals first, so progress can give an ETA. */
          sc.count_only = true;
          err = image_walk (image, scapi_read_visit, &sc);
          op.p.nodes_total = sc.nodes;
          op.p.bytes_total = sc.bytes;
          sc.count_only = false;
          if (!err)
            err = image_walk (image, scapi_read_visit, &sc);
        }
    }
  reader_end (card->rc);
  in_tx = false;
  if (err)
    goto leave;

  err = scapi_prune (&image->root, opts);
  if (!err)
    err = image_walk (image, scapi_area_visit, NULL);
  if (!err && opts->store_pins)
    err = scapi_store_pins (card, image);
  if (!err)
    err = image_walk (image, scapi_missing_visit, sum);
  if (!err && (!opts->select || !opts->n_select))
    err = scapi_missing_aids (image, sum);
  if (err)
    goto leave;
  sum->nodes = image_count_nodes (image, &sum->bytes);
  {
    agency_stats_t st;
    agency_card_stats (card->ac, &st);
    sum->scan_apdus = st.scan_apdus;
    sum->pin_apdus = st.pin_apdus;
    sum->apdus = st.apdus - op.apdus0;
  }
  /* What the scan did not get to: this run's, or that of the image the
   * caller gives (a scan cancelled to back up what it had found). */
  sum->scan_pending = scapi_image_scan_position (image, sum->scan_next,
                                                 sizeof sum->scan_next);
  if (!given && !dopts.no_scan)
    {
      unsigned long budget;
      const char *cov = agency_scan_coverage (card->ac);
      agency_scan_status (card->ac, &sum->scan_selects, &budget, NULL, 0);
      if (cov && !(sum->scan_coverage = xtrystrdup (cov)))
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
    }
  if (!sum->nodes)
    {
      /* Nothing to keep: say why instead of saving an empty VSC. */
      if (opts->select && opts->n_select)
        {
          err = gpg_error (GPG_ERR_NOT_FOUND);
          scapi_set_error (_("nothing on the card matches the selection "
                             "(%s%s); nothing was saved"), opts->select[0],
                           opts->n_select > 1 ? ", ..." : "");
        }
      else
        {
          err = gpg_error (GPG_ERR_WRONG_CARD);
          scapi_set_error (_("nothing could be read from the card in %s: "
                             "no file system and no known application "
                             "answered (%lu APDUs); nothing was saved"),
                           reader_card_name (card->rc), sum->apdus);
        }
      goto leave;
    }

  /* Cancelled while nothing was left to send (e.g. at the PIN prompt
   * of the last protected file): still nothing is written. */
  if (cb && cb->cancel && *cb->cancel)
    {
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }

  /* Save: create the VSC (UUID, password) or update the given one. */
  scapi_op_phase (&op, SCAPI_PHASE_SAVE, opts->vsc ? NULL : opts->out_path);
  ts = scapi_now ();
  if (opts->vsc)
    vsc = opts->vsc->vsc;
  else
    {
      vsc_kdf_params_t kp;
      vsc_opts_t vo;
      memset (&vo, 0, sizeof vo);
      if (opts->kdf_m_kib || opts->kdf_t || opts->kdf_p)
        {
          kp.m_kib = opts->kdf_m_kib ? opts->kdf_m_kib : VSC_KDF_M_DEFAULT;
          kp.t = opts->kdf_t ? opts->kdf_t : VSC_KDF_T_DEFAULT;
          kp.p = opts->kdf_p ? opts->kdf_p : VSC_KDF_P_DEFAULT;
          vo.kdf = &kp;
        }
      err = vsc_create (opts->out_path, opts->password, &vo, &own, &genpw);
      if (err)
        {
          scapi_set_error (_("cannot create %s: %s"), opts->out_path,
                           errctx_message (err));
          goto leave;
        }
      vsc = own;
    }
  err = vsc_set_image (vsc, image);
  if (!err)
    err = vsc_save (vsc);
  if (err)
    {
      scapi_set_error (_("cannot save the VSC: %s"), errctx_message (err));
      goto leave;
    }
  sum->save_seconds = scapi_now () - ts;
  snprintf (sum->uuid, sizeof sum->uuid, "%s", vsc_uuid (vsc));
  sum->password = genpw;
  genpw = NULL;
  scapi_op_phase (&op, SCAPI_PHASE_DONE, NULL);

 leave:
  if (in_tx)
    reader_end (card->rc);
  if (err)
    err = scapi_op_fail (&op, err, _("backup"));
  sum->seconds = scapi_now () - op.t0;
  if (!sum->apdus)
    sum->apdus = scapi_card_apdus (card) - op.apdus0;
  vsc_close (own);
  xfree_secure (genpw);
  image_free (image);
  scapi_op_end (&op);
  return err;
}

