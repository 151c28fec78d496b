/* scapi.c - the smart card API facade (component 12)
 *
 * Glue only: readers from src/reader, agents from src/agency, images
 * from src/image, VSC files from src/vsc. The rules that matter to the
 * user live here: the card is held in one transaction per operation, a
 * removed or reset card stops the operation with a sentence naming the
 * node, a VSC is written only when everything was read, and a restore
 * says exactly which nodes were written. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <errno.h>
#include <ctype.h>
#include <stdlib.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "agency/agency.h"
#include "agency/iso7816.h"
#include "vsc/vsc.h"
#include "scapi/scapi.h"

struct scapi {
  reader_ctx_t *rctx;
  reader_monitor_t *mon;
};

struct scapi_card {
  scapi_t *s;
  reader_card_t *rc;
  agency_card_t ac;
  bool matched;
  bool reset_seen;      /* an operation stopped on GPG_ERR_CARD_RESET */
  bool wrote;           /* a restore ran: keys or PINs may be verified */
  image_t *target;      /* the target image of the last plan */
};

struct scapi_vsc {
  vsc_t *vsc;
};

/* One running operation: turns agency callbacks into scapi ones. */
typedef struct scapi_op {
  const scapi_cb_t *cb;
  scapi_card_t *card;
  double t0;
  unsigned long apdus0;
  scapi_progress_t p;
} scapi_op_t;

static __thread char scapi_errbuf[512];

const char *
scapi_last_error_text (void)
{
  return scapi_errbuf;
}

static void
scapi_set_error (const char *fmt, ...)
  __attribute__((format(printf, 1, 2)));

static void
scapi_set_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (scapi_errbuf, sizeof scapi_errbuf, fmt, ap);
  va_end (ap);
}

static double
scapi_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *
scapi_phase_label (scapi_phase_t phase)
{
  switch (phase)
    {
    case SCAPI_PHASE_CONNECT: return _("connecting");
    case SCAPI_PHASE_DISCOVER: return _("discovering");
    case SCAPI_PHASE_SCAN: return _("scanning");
    case SCAPI_PHASE_READ: return _("reading");
    case SCAPI_PHASE_VERIFY_PIN: return _("verifying PIN");
    case SCAPI_PHASE_SAVE: return _("saving");
    case SCAPI_PHASE_PLAN: return _("planning");
    case SCAPI_PHASE_WRITE: return _("writing");
    case SCAPI_PHASE_READBACK: return _("reading back");
    case SCAPI_PHASE_DONE: return _("done");
    }
  return "?";
}

/* ---- callbacks ----------------------------------------------------------- */

static void
scapi_op_emit (scapi_op_t *op)
{
  scapi_progress_t *p = &op->p;
  if (!op->cb || !op->cb->progress)
    return;
  p->elapsed = scapi_now () - op->t0;
  if (op->card)
    p->apdus = op->card->ac.chan.apdus - op->apdus0;
  p->eta = -1;
  if (p->bytes_total && p->bytes_done && p->bytes_done <= p->bytes_total)
    p->eta = p->elapsed * (double)(p->bytes_total - p->bytes_done)
      / (double)p->bytes_done;
  else if (p->nodes_total && p->nodes_done && p->nodes_done <= p->nodes_total)
    p->eta = p->elapsed * (double)(p->nodes_total - p->nodes_done)
      / (double)p->nodes_done;
  op->cb->progress (op->cb->progress_ctx, p);
}

static void
scapi_op_phase (scapi_op_t *op, scapi_phase_t phase, const char *node)
{
  op->p.phase = phase;
  snprintf (op->p.node, sizeof op->p.node, "%s", node ? node : "");
  scapi_op_emit (op);
}

static void
scapi_agency_progress (void *ctx, int phase, const char *node, size_t bytes)
{
  scapi_op_t *op = ctx;
  if (node && *node && strcmp (node, op->p.node))
    op->p.nodes_done++;
  op->p.phase = (scapi_phase_t)phase;
  if (node && *node)
    snprintf (op->p.node, sizeof op->p.node, "%s", node);
  op->p.bytes_done += bytes;
  scapi_op_emit (op);
}

static gpg_error_t
scapi_agency_pin (void *ctx, const agency_pin_query_t *q, char **r_pin)
{
  scapi_op_t *op = ctx;
  scapi_pin_request_t req;

  *r_pin = NULL;
  if (!op->cb || !op->cb->pin)
    return gpg_error (GPG_ERR_CANCELED);
  memset (&req, 0, sizeof req);
  req.ref = q->ref;
  snprintf (req.label, sizeof req.label, "%s", q->label ? q->label : "");
  req.retries = q->retries;
  req.pinpad = q->pinpad;
  req.min_len = q->min_len;
  req.max_len = q->max_len;
  snprintf (req.node, sizeof req.node, "%s", q->node ? q->node : "");
  return op->cb->pin (op->cb->pin_ctx, &req, r_pin);
}

static void
scapi_op_begin (scapi_op_t *op, scapi_card_t *card, const scapi_cb_t *cb)
{
  memset (op, 0, sizeof *op);
  op->cb = cb;
  op->card = card;
  op->t0 = scapi_now ();
  scapi_errbuf[0] = 0;
  if (card)
    {
      op->apdus0 = card->ac.chan.apdus;
      card->ac.progress = scapi_agency_progress;
      card->ac.progress_ctx = op;
      card->ac.pin_fn = scapi_agency_pin;
      card->ac.pin_ctx = op;
      card->ac.chan.cancel = cb ? cb->cancel : NULL;
      card->ac.errtext[0] = 0;
      card->ac.scan_apdus = 0;   /* per operation (matching included) */
      card->ac.pin_apdus = 0;
    }
}

static void
scapi_op_end (scapi_op_t *op)
{
  if (op->card)
    {
      op->card->ac.progress = NULL;
      op->card->ac.pin_fn = NULL;
      op->card->ac.chan.cancel = NULL;
    }
}

/* After a transport failure without a precise code (PC/SC answers a
 * card pulled in the middle of a command with "transaction failed"),
 * ask the reader whether the card is still there. pcscd may need a
 * moment to notice, so look a few times (failure path only). */
static bool
scapi_card_gone (scapi_card_t *card)
{
  const char *name = reader_card_name (card->rc);
  int i;

  for (i = 0; i < 10; i++)
    {
      reader_info_t *list = NULL;
      size_t n = 0, k;
      bool present = false, found = false;
      struct timespec ts = { 0, 100 * 1000 * 1000 };

      if (reader_list (card->s->rctx, &list, &n))
        return false;
      for (k = 0; k < n; k++)
        if (name && !strcmp (list[k].name, name))
          {
            found = true;
            present = list[k].present;
          }
      xfree (list);
      if (!found || !present)
        return true;
      nanosleep (&ts, NULL);
    }
  return false;
}

/* Turn a failure into the sentence for people (and a vague transport
 * error into "removed" when the card is gone). */
static gpg_error_t
scapi_op_fail (scapi_op_t *op, gpg_error_t err, const char *what)
{
  const char *node = op->p.node[0] ? op->p.node : NULL;

  switch (gpg_err_code (err))
    {
    case GPG_ERR_CARD:
    case GPG_ERR_TOO_SHORT:     /* an empty answer from the transport */
    case GPG_ERR_EIO:
    case GPG_ERR_GENERAL:
      if (op->card && scapi_card_gone (op->card))
        err = gpg_error (GPG_ERR_CARD_REMOVED);
      break;
    default:
      break;
    }
  switch (gpg_err_code (err))
    {
    case GPG_ERR_CARD_REMOVED:
      if (node)
        scapi_set_error (_("the card was removed while %s %s"),
                         scapi_phase_label (op->p.phase), node);
      else
        scapi_set_error (_("the card was removed during %s"), what);
      break;
    case GPG_ERR_CARD_RESET:
      if (op->card)
        op->card->reset_seen = true;
      scapi_set_error (_("the card was reset by another program during "
                         "%s (PIN state lost); nothing was retried"), what);
      break;
    case GPG_ERR_CANCELED:
      scapi_set_error (_("%s cancelled"), what);
      break;
    default:
      if (scapi_errbuf[0])
        break;              /* the operation already said it exactly */
      if (op->card && op->card->ac.errtext[0])
        scapi_set_error ("%s", op->card->ac.errtext);
      else if (node)
        scapi_set_error (_("%s failed while %s %s: %s"), what,
                         scapi_phase_label (op->p.phase), node,
                         gpg_strerror (err));
      else
        scapi_set_error (_("%s failed: %s"), what, gpg_strerror (err));
      break;
    }
  return err;
}

/* ---- context and readers ------------------------------------------------- */

gpg_error_t
scapi_new (const char *backend, scapi_t **r_s)
{
  gpg_error_t err;
  scapi_t *s;
  char *opts = NULL;

  *r_s = NULL;
  s = xtrycalloc (1, sizeof *s);
  if (!s)
    return gpg_error_from_syserror ();
  if (!backend || !strcmp (backend, "pcsc"))
    err = reader_open (READER_BACKEND_PCSC, NULL, &s->rctx);
  else if (!strncmp (backend, "emu:", 4) && backend[4])
    {
      /* "emu:A,B" -> "profile=A,profile=B" */
      const char *p = backend + 4;
      size_t n = strlen (p), k = 0;
      opts = xtrymalloc (n * 9 + 16);
      if (!opts)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      k += sprintf (opts, "profile=");
      for (; *p; p++)
        {
          if (*p == ',')
            k += sprintf (opts + k, ",profile=");
          else
            opts[k++] = *p;
        }
      opts[k] = 0;
      err = reader_open (READER_BACKEND_EMU, opts, &s->rctx);
    }
  else
    err = gpg_error (GPG_ERR_INV_ARG);
 leave:
  xfree (opts);
  if (err)
    {
      xfree (s);
      return err;
    }
  *r_s = s;
  return 0;
}

void
scapi_free (scapi_t *s)
{
  if (!s)
    return;
  scapi_monitor_stop (s);
  reader_close (s->rctx);
  xfree (s);
}

gpg_error_t
scapi_readers (scapi_t *s, reader_info_t **r_list, size_t *r_n)
{
  return reader_list (s->rctx, r_list, r_n);
}

gpg_error_t
scapi_monitor_start (scapi_t *s, int *r_fd)
{
  if (s->mon)
    return gpg_error (GPG_ERR_EEXIST);
  return reader_monitor_start (s->rctx, &s->mon, r_fd);
}

gpg_error_t
scapi_monitor_next (scapi_t *s, reader_event_t *ev)
{
  if (!s->mon)
    return gpg_error (GPG_ERR_EAGAIN);
  return reader_monitor_next (s->mon, ev);
}

void
scapi_monitor_stop (scapi_t *s)
{
  if (s && s->mon)
    {
      reader_monitor_stop (s->mon);
      s->mon = NULL;
    }
}

gpg_error_t
scapi_emu_remove_after (scapi_t *s, unsigned index, unsigned long n_apdus)
{
  return reader_emu_remove_after (s->rctx, index, n_apdus);
}

reader_ctx_t *
scapi_reader_ctx (scapi_t *s)
{
  return s->rctx;
}

/* ---- cards --------------------------------------------------------------- */

gpg_error_t
scapi_card_open (scapi_t *s, const char *reader, scapi_card_t **r_card)
{
  gpg_error_t err;
  scapi_card_t *card;

  *r_card = NULL;
  scapi_errbuf[0] = 0;
  card = xtrycalloc (1, sizeof *card);
  if (!card)
    return gpg_error_from_syserror ();
  card->s = s;
  err = reader_connect (s->rctx, reader, READER_SHARED, READER_PROTO_ANY,
                        &card->rc);
  if (err)
    {
      if (gpg_err_code (err) == GPG_ERR_CARD_NOT_PRESENT)
        scapi_set_error (_("no card in reader %s"),
                         reader ? reader : _("(any)"));
      else if (gpg_err_code (err) == GPG_ERR_ENODEV)
        scapi_set_error (_("no reader named '%s'"), reader ? reader : "");
      xfree (card);
      return err;
    }
  agency_card_init (&card->ac, card->rc);
  *r_card = card;
  return 0;
}

/* Whether this session left a security state on the card (a verified
 * PIN, an authenticated management key) that must not outlive it. */
static bool
scapi_card_authenticated (const scapi_card_t *card)
{
  size_t i;

  if (card->wrote)
    return true;
  for (i = 0; i < sizeof card->ac.pin_state; i++)
    if (card->ac.pin_state[i] == AGENCY_PIN_VERIFIED)
      return true;
  return false;
}

void
scapi_card_close (scapi_card_t *card)
{
  if (!card)
    return;
  image_free (card->target);
  /* Reset the card when we verified a PIN or authenticated: otherwise the
   * token stays unlocked for every other program until it is pulled. */
  reader_disconnect (card->rc, scapi_card_authenticated (card));
  wipememory (card->ac.pin_state, sizeof card->ac.pin_state);
  agency_card_forget_pins (&card->ac);
  xfree (card);
}

unsigned long
scapi_card_apdus (scapi_card_t *card)
{
  return card->ac.chan.apdus;
}

/* Begin a transaction and match the agents once per session. */
static gpg_error_t
scapi_card_begin (scapi_card_t *card)
{
  gpg_error_t err;

  if (card->reset_seen)
    {
      /* The user started a new operation after a reset: acknowledge it
       * (the PIN state on the card is gone, so is ours). */
      err = reader_reconnect (card->rc, false);
      if (err)
        return err;
      card->reset_seen = false;
      memset (card->ac.pin_state, 0, sizeof card->ac.pin_state);
    }
  err = reader_begin (card->rc);
  if (gpg_err_code (err) == GPG_ERR_CARD_RESET)
    card->reset_seen = true;
  if (err)
    return err;
  if (!card->matched)
    {
      err = agency_match (&card->ac);
      if (err)
        {
          reader_end (card->rc);
          return err;
        }
      card->matched = true;
    }
  return 0;
}

static gpg_error_t
scapi_discover_in (scapi_card_t *card, const scapi_discover_opts_t *opts,
                   image_t **r_image)
{
  gpg_error_t err;
  image_t *image = NULL;
  agency_range_t ranges[32];
  size_t i;

  *r_image = NULL;
  card->ac.read_content = opts ? opts->read_content : true;
  card->ac.no_scan = opts ? opts->no_scan : false;
  card->ac.scan_budget = opts ? opts->scan_budget : 0;
  card->ac.resume = opts ? opts->resume : NULL;
  card->ac.ranges = NULL;
  card->ac.n_ranges = 0;
  card->ac.scan_pending = false;
  if (opts && opts->ranges && opts->n_ranges)
    {
      for (i = 0; i < opts->n_ranges && i < DIM (ranges); i++)
        {
          ranges[i].first = opts->ranges[i].first;
          ranges[i].last = opts->ranges[i].last;
        }
      card->ac.ranges = ranges;
      card->ac.n_ranges = i;
    }
  err = image_new (&image);
  if (!err)
    err = agency_discover (&card->ac, image);
  card->ac.ranges = NULL;
  card->ac.resume = NULL;
  if (err)
    image_free (image);
  else
    *r_image = image;
  return err;
}

gpg_error_t
scapi_discover (scapi_card_t *card, const scapi_discover_opts_t *opts,
                const scapi_cb_t *cb, image_t **r_image)
{
  gpg_error_t err;
  scapi_op_t op;

  scapi_op_begin (&op, card, cb);
  scapi_op_phase (&op, SCAPI_PHASE_DISCOVER, NULL);
  err = scapi_card_begin (card);
  if (!err)
    {
      err = scapi_discover_in (card, opts, r_image);
      reader_end (card->rc);
    }
  if (err)
    err = scapi_op_fail (&op, err, _("discovery"));
  else
    scapi_op_phase (&op, SCAPI_PHASE_DONE, NULL);
  scapi_op_end (&op);
  return err;
}

bool
scapi_image_scan_pending (const image_t *image, uint16_t *next_fid)
{
  return agent_iso7816_scan_pending (image, NULL, 256, next_fid);
}

gpg_error_t
scapi_card_identify (scapi_card_t *card, scapi_card_info_t *info)
{
  gpg_error_t err;
  image_t *image = NULL;
  scapi_discover_opts_t o;
  const uint8_t *atr;
  size_t n = 0, i;
  plan_t *plan = NULL;
  image_t *empty = NULL;

  memset (info, 0, sizeof *info);
  snprintf (info->reader, sizeof info->reader, "%s",
            reader_card_name (card->rc));
  atr = reader_card_atr (card->rc, &n);
  if (atr && n <= sizeof info->atr)
    {
      memcpy (info->atr, atr, n);
      info->atr_len = n;
    }
  info->ext_apdu = card->ac.chan.ext_ok;
  memset (&o, 0, sizeof o);
  o.no_scan = true;
  o.read_content = false;
  err = scapi_discover (card, &o, NULL, &image);
  if (err)
    return err;
  for (i = 0; i < card->ac.n_agents && i < DIM (info->agents); i++)
    snprintf (info->agents[i], sizeof info->agents[i], "%s",
              card->ac.agents[i]->name);
  info->n_agents = i;
  if (image->card.label)
    snprintf (info->label, sizeof info->label, "%s", image->card.label);
  if (image->card.serial)
    snprintf (info->serial, sizeof info->serial, "%s", image->card.serial);
  /* Blank: a plan of nothing onto it finds no data. */
  err = image_new (&empty);
  if (!err)
    err = plan_new (&plan);
  if (!err)
    err = plan_compare (plan, empty, image);
  if (!err)
    info->blank = plan->target_blank;
  plan_free (plan);
  image_free (empty);
  image_free (image);
  return err;
}

/* ---- backup -------------------------------------------------------------- */

void
scapi_summary_free (scapi_summary_t *sum)
{
  size_t i;
  if (!sum)
    return;
  for (i = 0; i < sum->n_missing; i++)
    {
      xfree (sum->missing[i].path);
      xfree (sum->missing[i].reason);
    }
  xfree (sum->missing);
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

static gpg_error_t
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

/* backup --store-pins: every PIN the session verified becomes the
 * private node "pins/RR" (content = the PIN; note = "scope=PATH" of the
 * application/DF it belongs to, then " label=LABEL" if known). */
static gpg_error_t
scapi_store_pins (scapi_card_t *card, image_t *image)
{
  gpg_error_t err = 0;
  size_t i;
  char path[16];
  char note[SCAPI_PATH_MAX + 80];
  image_node_t *node;

  for (i = 0; i < card->ac.n_kept; i++)
    {
      uint8_t ref = card->ac.kept_ref[i];
      const char *label = agency_pin_label (&card->ac, ref);
      char *scope = scapi_pin_scope_of (image, card->ac.kept_node[i]);

      snprintf (note, sizeof note, "%s%s%s%s", scope ? "scope=" : "",
                scope ? scope : "", *label ? (scope ? " label=" : "label=")
                : "", label);
      xfree (scope);
      snprintf (path, sizeof path, "pins/%02X", ref);
      err = image_make_path (image, path, IMAGE_NODE_DO, IMAGE_SRC_USER,
                             &node);
      if (err)
        break;
      node->parent->area = IMAGE_AREA_PRIVATE;
      node->area = IMAGE_AREA_PRIVATE;
      err = image_node_set_content (node, card->ac.kept_pin[i],
                                    strlen (card->ac.kept_pin[i]));
      if (!err && *note)
        err = image_node_set_note (node, note);
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

  card->ac.keep_pins = opts->store_pins;
  dopts = opts->discover;
  dopts.read_content = true;
  if (opts->vsc && !dopts.resume)
    dopts.resume = vsc_image (opts->vsc->vsc);

  scapi_op_phase (&op, SCAPI_PHASE_DISCOVER, NULL);
  err = scapi_card_begin (card);
  if (err)
    goto leave;
  in_tx = true;
  if (!given)
    err = scapi_discover_in (card, &dopts, &image);
  else
    {
      scapi_sel_ctx_t sc;
      err = image_copy (given, &image);
      if (!err)
        {
          memset (&sc, 0, sizeof sc);
          sc.ac = &card->ac;
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
  if (err)
    goto leave;
  sum->nodes = image_count_nodes (image, &sum->bytes);
  sum->scan_pending = card->ac.scan_pending;
  sum->scan_apdus = card->ac.scan_apdus;
  sum->pin_apdus = card->ac.pin_apdus;
  sum->apdus = card->ac.chan.apdus - op.apdus0;

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
                           vsc_error_text ()[0] ? vsc_error_text ()
                           : gpg_strerror (err));
          goto leave;
        }
      vsc = own;
    }
  err = vsc_set_image (vsc, image);
  if (!err)
    err = vsc_save (vsc);
  if (err)
    {
      scapi_set_error (_("cannot save the VSC: %s"),
                       vsc_error_text ()[0] ? vsc_error_text ()
                       : gpg_strerror (err));
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
    sum->apdus = card->ac.chan.apdus - op.apdus0;
  card->ac.keep_pins = false;
  agency_card_forget_pins (&card->ac);
  vsc_close (own);
  xfree_secure (genpw);
  image_free (image);
  scapi_op_end (&op);
  return err;
}

/* ---- restore ------------------------------------------------------------- */

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
      if (e->action != PLAN_UPDATE || !scapi_pin_path (e->path, NULL))
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

/* ---- images and diff ----------------------------------------------------- */

static gpg_error_t
scapi_image_from_card (scapi_t *s, const char *reader,
                       const scapi_discover_opts_t *opts,
                       const scapi_cb_t *cb, image_t **r_image)
{
  gpg_error_t err;
  scapi_card_t *card = NULL;
  scapi_discover_opts_t o;

  err = scapi_card_open (s, reader, &card);
  if (err)
    return err;
  if (opts)
    o = *opts;
  else
    memset (&o, 0, sizeof o);
  o.read_content = true;
  err = scapi_discover (card, &o, cb, r_image);
  scapi_card_close (card);
  return err;
}

gpg_error_t
scapi_image_load (scapi_t *s, const char *spec, const scapi_cb_t *cb,
                  image_t **r_image)
{
  return scapi_image_load_ex (s, spec, NULL, cb, r_image);
}

gpg_error_t
scapi_image_load_ex (scapi_t *s, const char *spec,
                     const scapi_discover_opts_t *opts, const scapi_cb_t *cb,
                     image_t **r_image)
{
  gpg_error_t err;
  scapi_t *own = NULL;
  char *pw = NULL;
  vsc_t *vsc = NULL;

  *r_image = NULL;
  scapi_errbuf[0] = 0;
  if (!strncmp (spec, "card:", 5))
    {
      if (!s)
        {
          err = scapi_new (NULL, &own);
          if (err)
            return err;
          s = own;
        }
      err = scapi_image_from_card (s, spec[5] ? spec + 5 : NULL, opts, cb,
                                   r_image);
      scapi_free (own);
      return err;
    }
  if (!strncmp (spec, "emu:", 4))
    {
      err = scapi_new (spec, &own);
      if (!err)
        err = scapi_image_from_card (own, NULL, opts, cb, r_image);
      scapi_free (own);
      return err;
    }
  if (cb && cb->password)
    {
      err = cb->password (cb->password_ctx, spec, &pw);
      if (err)
        return err;
    }
  err = vsc_open (spec, pw, &vsc);
  xfree_secure (pw);
  if (err)
    {
      scapi_set_error ("%s: %s", spec, vsc_error_text ()[0]
                       ? vsc_error_text () : gpg_strerror (err));
      return err;
    }
  err = image_copy (vsc_image (vsc), r_image);
  vsc_close (vsc);
  return err;
}

gpg_error_t
scapi_diff (const image_t *a, const image_t *b, image_diff_t **r_diff)
{
  return image_diff (a, b, r_diff);
}

/* ---- VSC wrappers -------------------------------------------------------- */

static gpg_error_t
scapi_vsc_wrap (vsc_t *v, scapi_vsc_t **r_vsc)
{
  scapi_vsc_t *w = xtrycalloc (1, sizeof *w);
  if (!w)
    {
      gpg_error_t err = gpg_error_from_syserror ();
      vsc_close (v);
      return err;
    }
  w->vsc = v;
  *r_vsc = w;
  return 0;
}

static gpg_error_t
scapi_vsc_err (gpg_error_t err)
{
  if (err)
    scapi_set_error ("%s", vsc_error_text ()[0] ? vsc_error_text ()
                     : gpg_strerror (err));
  return err;
}

gpg_error_t
scapi_vsc_create (const char *path, const char *password,
                  const image_card_t *identity, scapi_vsc_t **r_vsc,
                  char **r_password)
{
  gpg_error_t err;
  vsc_t *v = NULL;
  image_t *img;
  size_t i;

  *r_vsc = NULL;
  scapi_errbuf[0] = 0;
  err = vsc_create (path, password, NULL, &v, r_password);
  if (err)
    return scapi_vsc_err (err);
  img = vsc_image (v);
  if (identity)
    {
      err = image_set_atr (img, identity->atr, identity->atr_len);
      if (!err)
        err = image_set_serial (img, identity->serial);
      if (!err)
        err = image_set_label (img, identity->label);
      if (!err)
        err = image_set_reader (img, identity->reader);
      for (i = 0; !err && i < identity->n_aids; i++)
        err = image_add_aid (img, identity->aids[i], identity->aid_lens[i]);
      for (i = 0; !err && i < identity->n_agents; i++)
        err = image_add_agent (img, identity->agents[i]);
      if (err)
        {
          vsc_close (v);
          if (r_password && *r_password)
            {
              xfree_secure (*r_password);
              *r_password = NULL;
            }
          return err;
        }
    }
  return scapi_vsc_wrap (v, r_vsc);
}

gpg_error_t
scapi_vsc_open (const char *path, const char *password, scapi_vsc_t **r_vsc)
{
  gpg_error_t err;
  vsc_t *v = NULL;

  *r_vsc = NULL;
  scapi_errbuf[0] = 0;
  err = vsc_open (path, password, &v);
  if (err)
    {
      scapi_set_error ("%s: %s", path, vsc_error_text ()[0]
                       ? vsc_error_text () : gpg_strerror (err));
      return err;
    }
  return scapi_vsc_wrap (v, r_vsc);
}

gpg_error_t
scapi_vsc_save (scapi_vsc_t *vsc)
{
  scapi_errbuf[0] = 0;
  return scapi_vsc_err (vsc_save (vsc->vsc));
}

void
scapi_vsc_close (scapi_vsc_t *vsc)
{
  if (!vsc)
    return;
  vsc_close (vsc->vsc);
  xfree (vsc);
}

const image_t *
scapi_vsc_image (scapi_vsc_t *vsc)
{
  return vsc_image (vsc->vsc);
}

gpg_error_t
scapi_vsc_set_image (scapi_vsc_t *vsc, const image_t *image,
                     const char *const *select, size_t n_select)
{
  gpg_error_t err;
  image_t *copy = NULL;
  scapi_backup_opts_t o;

  if (!select || !n_select)
    return vsc_set_image (vsc->vsc, image);
  memset (&o, 0, sizeof o);
  o.select = select;
  o.n_select = n_select;
  err = image_copy (image, &copy);
  if (!err)
    err = scapi_prune (&copy->root, &o);
  if (!err)
    err = vsc_set_image (vsc->vsc, copy);
  image_free (copy);
  return err;
}

const char *
scapi_vsc_uuid (scapi_vsc_t *vsc)
{
  return vsc_uuid (vsc->vsc);
}

const char *
scapi_vsc_path (scapi_vsc_t *vsc)
{
  return vsc_path (vsc->vsc);
}

bool
scapi_vsc_unlocked (scapi_vsc_t *vsc)
{
  return vsc_unlocked (vsc->vsc);
}

gpg_error_t
scapi_vsc_passwd (scapi_vsc_t *vsc, const char *new_password,
                  char **r_password)
{
  scapi_errbuf[0] = 0;
  return scapi_vsc_err (vsc_passwd (vsc->vsc, new_password, NULL,
                                    r_password));
}

gpg_error_t
scapi_vsc_verify (const char *path, const char *password)
{
  scapi_errbuf[0] = 0;
  return scapi_vsc_err (vsc_verify (path, password, NULL, NULL));
}

gpg_error_t
scapi_vsc_export_public (scapi_vsc_t *vsc, const char *out_path)
{
  scapi_errbuf[0] = 0;
  return scapi_vsc_err (vsc_export_public (vsc->vsc, out_path));
}

gpg_error_t
scapi_vsc_put (scapi_vsc_t *vsc, const char *node_path, const void *data,
               size_t n, int area)
{
  gpg_error_t err;
  image_node_t *node;
  image_t *img = vsc_image (vsc->vsc);

  scapi_errbuf[0] = 0;
  if (!vsc_unlocked (vsc->vsc))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (area > IMAGE_AREA_MAX)
    return gpg_error (GPG_ERR_INV_ARG);
  node = image_find_path (img, node_path);
  if (!node)
    {
      err = image_make_path (img, node_path, IMAGE_NODE_EF_TRANSPARENT,
                             IMAGE_SRC_USER, &node);
      if (err)
        {
          scapi_set_error (_("cannot add %s: %s"), node_path,
                           gpg_strerror (err));
          return err;
        }
    }
  if (node->type != IMAGE_NODE_KEY && !image_node_is_ef (node)
      && node->type != IMAGE_NODE_DO && node->type != IMAGE_NODE_RECORD)
    {
      scapi_set_error (_("%s cannot hold content"), node_path);
      return gpg_error (GPG_ERR_INV_OBJ);
    }
  err = n ? image_node_set_content (node, data, n)
          : image_node_set_empty (node);
  if (!err && area >= 0)
    node->area = (image_area_t)area;
  return err;
}

gpg_error_t
scapi_vsc_rm (scapi_vsc_t *vsc, const char *node_path)
{
  image_node_t *node;
  scapi_errbuf[0] = 0;
  if (!vsc_unlocked (vsc->vsc))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  node = image_find_path (vsc_image (vsc->vsc), node_path);
  if (!node)
    {
      scapi_set_error (_("%s: no such node"), node_path);
      return gpg_error (GPG_ERR_ENOENT);
    }
  image_node_remove (node);
  return 0;
}
