/* scapi.c - the smart card API facade (component 12): context, readers,
 * cards, the running operation and its error sentence, images and diff
 *
 * Glue only: readers from src/reader, agents from src/agency, images
 * from src/image, VSC files from src/vsc. The rules that matter to the
 * user live here: the card is held in one transaction per operation, a
 * removed or reset card stops the operation with a sentence naming the
 * node. Backup, restore and VSC files have their own files
 * (scapi-backup.c, scapi-restore.c, scapi-vsc.c). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdarg.h>
#include <time.h>

#include "common/util.h"
#include "common/i18n.h"
#include "scapi/scapi-int.h"

/* The facade's errors live in the thread's error context
 * (common/errctx.h); scapi-int.h names its functions for the facade. */

const scapi_error_t *
scapi_last_error (void)
{
  return errctx_get ();
}

const char *
scapi_last_error_text (void)
{
  return errctx_text ();
}

double
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

/* Percent and time left of P from DONE of TOTAL units (bytes or
 * nodes), the time left at the rate so far; false, P unchanged, when
 * TOTAL is not known (0) or DONE is past it. */
static bool
scapi_progress_share (scapi_progress_t *p, size_t done, size_t total)
{
  if (!total || done > total)
    return false;
  p->percent = (int)(100.0 * (double)done / (double)total);
  if (done)
    p->eta = p->elapsed * (double)(total - done) / (double)done;
  return true;
}

static void
scapi_op_emit (scapi_op_t *op)
{
  scapi_progress_t *p = &op->p;
  if (!op->cb || !op->cb->progress)
    return;
  p->elapsed = scapi_now () - op->t0;
  if (op->card)
    p->apdus = scapi_card_apdus (op->card) - op->apdus0;
  p->apdu_rate = p->elapsed > 0.01 && p->apdus
    ? (double)p->apdus / p->elapsed : 0;
  p->eta = -1;
  p->percent = -1;
  p->scan_percent = -1;
  if (p->scan_budget)
    {
      unsigned long left = p->scan_done < p->scan_budget
        ? p->scan_budget - p->scan_done : 0;
      p->scan_percent = (int)(100.0 * (double)(p->scan_budget - left)
                              / (double)p->scan_budget);
    }
  if (p->phase == SCAPI_PHASE_SCAN && p->scan_budget)
    {
      /* At most one SELECT per FID left in the budget: an upper bound
       * at the rate the card has answered so far. */
      p->percent = p->scan_percent;
      if (p->apdu_rate > 0)
        p->eta = (double)(p->scan_budget - p->scan_done) / p->apdu_rate;
    }
  else if (!scapi_progress_share (p, p->bytes_done, p->bytes_total))
    scapi_progress_share (p, p->nodes_done, p->nodes_total);
  if (p->phase == SCAPI_PHASE_DONE)
    {
      p->percent = 100;
      p->eta = 0;
    }
  op->cb->progress (op->cb->progress_ctx, p);
}

void
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
  if (op->card)
    {
      /* The scan reports each SELECT: where it is and how far. */
      agency_scan_status (op->card->ac, &op->p.scan_done,
                          &op->p.scan_budget, op->p.scope,
                          sizeof op->p.scope);
      if (phase != SCAPI_PHASE_SCAN)
        op->p.scope[0] = 0;
    }
  scapi_op_emit (op);
}

/* A node the scan added: to the caller as plain data. */
static void
scapi_agency_node (void *ctx, const image_node_t *node)
{
  scapi_op_t *op = ctx;
  scapi_node_event_t ev;
  char *path;

  op->found++;
  if (!op->cb || !op->cb->node_added)
    return;
  path = image_node_path (node);
  memset (&ev, 0, sizeof ev);
  snprintf (ev.path, sizeof ev.path, "%s", path ? path : "");
  xfree (path);
  ev.type = node->type;
  ev.size = node->size;
  ev.flags = node->flags;
  ev.sw = node->sw;
  ev.read = node->access.read;
  ev.read_ref = node->access.read_ref;
  ev.write = node->access.write;
  ev.write_ref = node->access.write_ref;
  ev.area = node->area;
  ev.source = node->source;
  op->cb->node_added (op->cb->node_ctx, &ev);
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

void
scapi_op_begin (scapi_op_t *op, scapi_card_t *card, const scapi_cb_t *cb)
{
  memset (op, 0, sizeof *op);
  op->cb = cb;
  op->card = card;
  op->t0 = scapi_now ();
  scapi_clear_error ();
  if (card)
    {
      op->apdus0 = scapi_card_apdus (card);
      agency_card_set_callbacks (card->ac, scapi_agency_pin, op,
                                 scapi_agency_progress, op,
                                 cb ? cb->cancel : NULL);
      agency_card_set_node_fn (card->ac, scapi_agency_node, op);
      agency_op_begin (card->ac);
    }
}

void
scapi_op_end (scapi_op_t *op)
{
  if (op->card)
    {
      /* Wipes the PINs held for re-presentation. */
      agency_op_end (op->card->ac, op->keep_pins);
      agency_card_set_callbacks (op->card->ac, NULL, NULL, NULL, NULL, NULL);
      agency_card_set_node_fn (op->card->ac, NULL, NULL);
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
gpg_error_t
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
      if (scapi_last_error_text ()[0])
        break;              /* the operation already said it exactly */
      if (node)
        scapi_set_error (_("%s failed while %s %s: %s"), what,
                         scapi_phase_label (op->p.phase), node,
                         gpg_strerror (err));
      else
        scapi_set_error (_("%s failed: %s"), what, gpg_strerror (err));
      break;
    }
  scapi_error_note (err, node, 0);
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

gpg_error_t
scapi_emu_set_present (scapi_t *s, unsigned index, bool present)
{
  return reader_emu_set_present (s->rctx, index, present);
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
  scapi_clear_error ();
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
  err = agency_card_new (card->rc, &card->ac);
  if (err)
    {
      reader_disconnect (card->rc, false);
      xfree (card);
      return err;
    }
  *r_card = card;
  return 0;
}

void
scapi_card_close (scapi_card_t *card)
{
  if (!card)
    return;
  image_free (card->target);
  /* Reset the card when we verified a PIN, authenticated or wrote:
   * otherwise the token stays unlocked for every other program until it
   * is pulled. */
  reader_disconnect (card->rc, agency_card_authenticated (card->ac));
  agency_card_free (card->ac);      /* wipes what it held */
  xfree (card);
}

unsigned long
scapi_card_apdus (scapi_card_t *card)
{
  agency_stats_t st;
  agency_card_stats (card->ac, &st);
  return st.apdus;
}

/* Begin a transaction and match the agents once per session. */
gpg_error_t
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
      agency_card_reset (card->ac);
    }
  err = reader_begin (card->rc);
  if (gpg_err_code (err) == GPG_ERR_CARD_RESET)
    card->reset_seen = true;
  if (err)
    return err;
  if (!card->matched)
    {
      err = agency_match (card->ac);
      if (err)
        {
          reader_end (card->rc);
          return err;
        }
      card->matched = true;
    }
  return 0;
}

gpg_error_t
scapi_card_begin_discover (scapi_card_t *card, scapi_op_t *op)
{
  scapi_op_phase (op, SCAPI_PHASE_DISCOVER, NULL);
  return scapi_card_begin (card);
}

/* The agency's discovery options from the facade's (OPTS may be NULL:
 * the defaults; RANGES holds 32 converted ranges). */
static void
scapi_agency_opts (const scapi_discover_opts_t *opts, bool read_default,
                   agency_range_t *ranges, agency_discover_opts_t *o)
{
  size_t i;

  memset (o, 0, sizeof *o);
  o->read_content = opts ? opts->read_content : read_default;
  o->no_scan = opts ? opts->no_scan : false;
  o->defer = opts ? opts->defer : false;
  o->scan_budget = opts ? opts->scan_budget : 0;
  o->resume = opts ? opts->resume : NULL;
  if (opts && opts->ranges && opts->n_ranges)
    {
      for (i = 0; i < opts->n_ranges && i < 32; i++)
        {
          ranges[i].first = opts->ranges[i].first;
          ranges[i].last = opts->ranges[i].last;
        }
      o->ranges = ranges;
      o->n_ranges = i;
    }
}

bool
scapi_op_recover_reset (scapi_op_t *op, gpg_error_t err)
{
  scapi_card_t *card = op->card;

  if (gpg_err_code (err) != GPG_ERR_CARD_RESET || !card
      || op->resets >= SCAPI_MAX_RESETS)
    return false;
  op->resets++;
  reader_end (card->rc);
  if (reader_reconnect (card->rc, false))
    {
      card->reset_seen = true;  /* the next operation tries again */
      return false;
    }
  card->reset_seen = false;
  /* Every verification is over; the values accepted in this operation
   * stay held, so they are presented again without asking. */
  agency_card_reset (card->ac);
  if (reader_begin (card->rc))
    return false;
  log_info (_("the card was reset by another program; going on (the "
              "PINs accepted so far are presented again)\n"));
  return true;
}

gpg_error_t
scapi_discover_in (scapi_card_t *card, const scapi_discover_opts_t *opts,
                   image_t **r_image)
{
  gpg_error_t err;
  image_t *image = NULL;
  agency_range_t ranges[32];
  agency_discover_opts_t o;

  *r_image = NULL;
  scapi_agency_opts (opts, true, ranges, &o);
  agency_card_set_discover (card->ac, &o);
  err = image_new (&image);
  if (!err)
    err = agency_discover (card->ac, image);
  o.ranges = NULL;
  o.n_ranges = 0;
  o.resume = NULL;
  agency_card_set_discover (card->ac, &o);
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
  err = scapi_card_begin_discover (card, &op);
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
  return agency_image_scan_pending (image, next_fid);
}

bool
scapi_image_scan_position (const image_t *image, char *buf, size_t size)
{
  return agency_scan_position (image, buf, size);
}

gpg_error_t
scapi_image_scan_position_copy (image_t *dst, const image_t *src)
{
  return agency_scan_position_copy (dst, src);
}

void
scapi_scan_report_free (scapi_scan_report_t *rep)
{
  if (!rep)
    return;
  xfree (rep->coverage);
  memset (rep, 0, sizeof *rep);
}

bool
scapi_card_deferred (scapi_card_t *card, char *what, size_t size)
{
  return agency_deferred (card->ac, what, size);
}

gpg_error_t
scapi_scan (scapi_card_t *card, image_t *image,
            const scapi_discover_opts_t *opts, const scapi_cb_t *cb,
            scapi_scan_report_t *rep)
{
  gpg_error_t err;
  scapi_op_t op;
  agency_range_t ranges[32];
  agency_discover_opts_t o;
  unsigned long budget;
  const char *cov;

  bool deferred = agency_deferred (card->ac, NULL, 0);
  bool scan = !opts || !opts->no_scan;

  memset (rep, 0, sizeof *rep);
  scapi_op_begin (&op, card, cb);
  scapi_op_phase (&op, deferred ? SCAPI_PHASE_DISCOVER : SCAPI_PHASE_SCAN,
                  NULL);
  scapi_agency_opts (opts, false, ranges, &o);
  o.no_scan = false;
  o.defer = false;
  o.resume = NULL;            /* the image itself is continued */
  agency_card_set_discover (card->ac, &o);
  err = scapi_card_begin (card);
  if (gpg_err_code (err) == GPG_ERR_CARD_RESET)
    err = scapi_card_begin (card);  /* the scan verifies nothing, so a
                                       reset (e.g. by the backup that
                                       stopped it) loses it nothing */
  if (!err)
    {
      /* What the tree-first discovery left, then the scan. */
      if (deferred)
        err = agency_complete (card->ac, image, o.read_content);
      if (!err && scan)
        {
          scapi_op_phase (&op, SCAPI_PHASE_SCAN, NULL);
          err = agency_scan (card->ac, image);
        }
      reader_end (card->rc);
    }
  memset (&o, 0, sizeof o);
  o.read_content = true;
  agency_card_set_discover (card->ac, &o);
  agency_scan_status (card->ac, &rep->selects, &budget, NULL, 0);
  rep->found = op.found;
  rep->pending = scapi_image_scan_position (image, rep->next,
                                            sizeof rep->next);
  if (!rep->pending && agency_deferred (card->ac, rep->next,
                                        sizeof rep->next))
    rep->pending = true;     /* stopped before the scan: what is left */
  cov = agency_scan_coverage (card->ac);
  if (cov && !(rep->coverage = xtrystrdup (cov)) && !err)
    err = gpg_error_from_syserror ();
  if (err)
    err = scapi_op_fail (&op, err, _("scan"));
  else
    scapi_op_phase (&op, SCAPI_PHASE_DONE, NULL);
  rep->apdus = scapi_card_apdus (card) - op.apdus0;
  rep->seconds = scapi_now () - op.t0;
  scapi_op_end (&op);
  return err;
}

gpg_error_t
scapi_card_describe (scapi_card_t *card, const image_t *image,
                     scapi_card_info_t *info)
{
  gpg_error_t err;
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
  {
    agency_stats_t st;
    agency_card_stats (card->ac, &st);
    info->ext_apdu = st.ext_apdu;
  }
  for (i = 0; agency_card_agent (card->ac, i) && i < DIM (info->agents); i++)
    snprintf (info->agents[i], sizeof info->agents[i], "%s",
              agency_card_agent (card->ac, i));
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
  return err;
}

gpg_error_t
scapi_card_identify (scapi_card_t *card, scapi_card_info_t *info)
{
  gpg_error_t err;
  image_t *image = NULL;
  scapi_discover_opts_t o;

  memset (info, 0, sizeof *info);
  memset (&o, 0, sizeof o);
  o.no_scan = true;
  o.read_content = false;
  err = scapi_discover (card, &o, NULL, &image);
  if (!err)
    err = scapi_card_describe (card, image, info);
  image_free (image);
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
  if (!err && !image_count_nodes (*r_image, NULL))
    {
      /* Comparing with nothing would say "no differences". */
      scapi_set_error (_("nothing could be read from the card in %s: no "
                         "file system and no known application answered"),
                       reader_card_name (card->rc));
      image_free (*r_image);
      *r_image = NULL;
      err = gpg_error (GPG_ERR_WRONG_CARD);
    }
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
  scapi_clear_error ();
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
      scapi_set_error ("%s: %s", spec, errctx_message (err));
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

