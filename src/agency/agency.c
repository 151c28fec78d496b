/* agency.c - the ordered agent table, the card session and the
 * operations dispatched through the table
 *
 * Order matters: specific agents first, the generic ISO 7816 agent last.
 * Every matching agent contributes to the image (a token may carry
 * several applications), so the order only decides who gets to describe
 * and own a node first. Security state: agency-auth.c. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdarg.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/errctx.h"
#include "agency/agent.h"
#include "agency/iso7816.h"

/* The agent table. Add new agents ABOVE agent_iso7816, one line each. */
static const agent_t *const agency_table[] = {
  &agent_openpgp,
  &agent_piv,
  &agent_pkcs15,
  &agent_iso7816,
  NULL
};

const agent_t *const *
agency_agents (void)
{
  return agency_table;
}

const agent_t *
agency_find (const char *name)
{
  size_t i;
  if (!name)
    return NULL;
  for (i = 0; agency_table[i]; i++)
    if (!strcmp (agency_table[i]->name, name))
      return agency_table[i];
  return NULL;
}

bool
agency_has_agent (const char *name)
{
  return agency_find (name) != NULL;
}

const char *
agency_agent_names (void)
{
  static char names[128];
  size_t i, k = 0;

  if (names[0])
    return names;
  for (i = 0; agency_table[i]; i++)
    k += snprintf (names + k, k < sizeof names ? sizeof names - k : 0,
                   "%s%s", i ? ", " : "", agency_table[i]->name);
  return names;
}

/* ---- sessions ------------------------------------------------------------ */

/* Every command goes through here on its way to the reader: a SELECT by
 * AID ends the selection epoch (the card may have dropped the security
 * state of the applications), any other SELECT leaves it open but makes
 * the current application unknown, and a reset reported by the reader
 * ends everything (agency-auth.c). */
static gpg_error_t
agency_transmit (void *ctx, const uint8_t *capdu, size_t clen, uint8_t *resp,
                 size_t *resp_len)
{
  agency_card_t *card = ctx;
  gpg_error_t err;

  if (clen >= 4 && !(capdu[0] & 0x80) && capdu[1] == 0xA4)
    {
      card->selected = NULL;
      if (capdu[2] == 0x04)
        card->epoch++;
    }
  err = card->tx_fn (card->tx_ctx, capdu, clen, resp, resp_len);
  if (gpg_err_code (err) == GPG_ERR_CARD_RESET)
    {
      card->resets++;
      card->epoch++;
      card->selected = NULL;
    }
  return err;
}

static gpg_error_t
agency_card_alloc (agency_card_t **r_card)
{
  agency_card_t *card = xtrycalloc (1, sizeof *card);
  *r_card = card;
  if (!card)
    return gpg_error_from_syserror ();
  card->read_content = true;
  card->epoch = 1;
  return 0;
}

static void
agency_card_observe (agency_card_t *card)
{
  card->tx_fn = card->chan.transmit;
  card->tx_ctx = card->chan.ctx;
  card->chan.transmit = agency_transmit;
  card->chan.ctx = card;
}

gpg_error_t
agency_card_new (reader_card_t *reader, agency_card_t **r_card)
{
  gpg_error_t err;
  agency_card_t *card;
  const uint8_t *atr;
  size_t n = 0;

  err = agency_card_alloc (&card);
  if (err)
    return err;
  card->reader = reader;
  reader_chan_init (reader, &card->chan);
  agency_card_observe (card);
  atr = reader_card_atr (reader, &n);
  if (atr && n <= sizeof card->atr)
    {
      memcpy (card->atr, atr, n);
      card->atr_len = n;
    }
  *r_card = card;
  return 0;
}

gpg_error_t
agency_card_new_chan (apdu_transmit_fn fn, void *ctx, const uint8_t *atr,
                      size_t atr_len, agency_card_t **r_card)
{
  gpg_error_t err;
  agency_card_t *card;

  err = agency_card_alloc (&card);
  if (err)
    return err;
  apdu_chan_init (&card->chan, fn, ctx, APDU_PROTO_T1);
  agency_card_observe (card);
  if (atr && atr_len <= sizeof card->atr)
    {
      memcpy (card->atr, atr, atr_len);
      card->atr_len = atr_len;
    }
  *r_card = card;
  return 0;
}

void
agency_card_set_callbacks (agency_card_t *card, agency_pin_fn pin_fn,
                           void *pin_ctx, agency_progress_fn progress,
                           void *progress_ctx, volatile int *cancel)
{
  card->pin_fn = pin_fn;
  card->pin_ctx = pin_ctx;
  card->progress = progress;
  card->progress_ctx = progress_ctx;
  card->chan.cancel = cancel;
}

void
agency_card_set_discover (agency_card_t *card,
                          const agency_discover_opts_t *o)
{
  size_t i;

  card->read_content = o ? o->read_content : true;
  card->no_scan = o ? o->no_scan : false;
  card->defer = o ? o->defer : false;
  card->target_caps = o ? o->target_caps : false;
  card->scan_budget = o ? o->scan_budget : 0;
  card->resume = o ? o->resume : NULL;
  card->ranges = NULL;
  card->n_ranges = 0;
  if (o && o->ranges && o->n_ranges)
    {
      for (i = 0; i < o->n_ranges && i < DIM (card->range_buf); i++)
        card->range_buf[i] = o->ranges[i];
      card->ranges = card->range_buf;
      card->n_ranges = i;
    }
}

void
agency_card_stats (const agency_card_t *card, agency_stats_t *st)
{
  memset (st, 0, sizeof *st);
  st->apdus = card->chan.apdus;
  st->scan_apdus = card->scan_apdus;
  st->pin_apdus = card->pin_apdus;
  st->scan_pending = card->scan_pending;
  st->ext_apdu = card->chan.ext_ok;
}

const char *
agency_card_agent (const agency_card_t *card, size_t i)
{
  return i < card->n_agents ? card->agents[i]->name : NULL;
}

bool
agency_fatal (gpg_error_t err)
{
  switch (gpg_err_code (err))
    {
    case GPG_ERR_NO_ERROR:
    case GPG_ERR_BAD_PIN:       /* PIN outcomes: the node is skipped */
    case GPG_ERR_PIN_BLOCKED:
    case GPG_ERR_CANCELED:      /* (a cancel flag stops the next APDU) */
      return false;
    default:
      return true;
    }
}

gpg_error_t
agency_add_aid (image_t *image, const uint8_t *aid, size_t n)
{
  size_t i;
  for (i = 0; i < image->card.n_aids; i++)
    if (image->card.aid_lens[i] == n && !memcmp (image->card.aids[i], aid, n))
      return 0;
  /* A card that lists more AIDs than a VSC can hold: the rest are not
   * recorded as the card's identity (their nodes still are). */
  if (image->card.n_aids >= IMAGE_MAX_AIDS)
    return 0;
  return image_add_aid (image, aid, n);
}

gpg_error_t
agency_applet_node (image_t *image, const char *name, const uint8_t *aid,
                    size_t aid_len, image_node_t **r_app)
{
  image_node_t *app;
  gpg_error_t err = agency_child_node (&image->root, IMAGE_NODE_APPLET, 0,
                                       name, name, &app);

  if (err)
    return err;
  app->source = IMAGE_SRC_AID;
  err = image_node_set_aid (app, aid, aid_len);
  *r_app = app;
  return err;
}

gpg_error_t
agency_child_node (image_node_t *parent, image_type_t type, unsigned tag,
                   const char *name, const char *agent,
                   image_node_t **r_node)
{
  gpg_error_t err = 0;
  char comp[IMAGE_COMPONENT_MAX];
  image_node_t *n;

  if (name)
    snprintf (comp, sizeof comp, "%s", name);
  else
    snprintf (comp, sizeof comp, tag > 0xFFFF ? "%06X" : tag > 0xFF ? "%04X"
              : "%02X", tag);
  n = image_find_child (parent, comp);
  if (!n)
    {
      err = image_node_new (type, &n);
      if (err)
        return err;
      if (name)
        err = image_node_set_name (n, name);
      else
        image_node_set_tag (n, tag);
      n->source = IMAGE_SRC_DO_LIST;
      if (!err)
        err = image_add_child (parent, n);
      if (err)
        {
          image_node_free (n);
          return err;
        }
    }
  err = image_node_set_agent (n, agent);
  *r_node = n;
  return err;
}

gpg_error_t
agency_match_select (agency_card_t *card,
                     gpg_error_t (*select) (agency_card_t *, unsigned *),
                     bool *r_match)
{
  gpg_error_t err;
  unsigned sw = 0;

  *r_match = false;
  err = select (card, &sw);
  if (!err)
    *r_match = sw == SW_OK || SW_IS_MORE_DATA (sw);
  return err;
}

bool
agency_entry_refused (plan_entry_t *e, unsigned sw)
{
  if (sw == SW_OK)
    return false;
  e->sw = sw;
  e->err = sw_to_error (sw);
  return true;
}

gpg_error_t
agency_entry_select (agency_card_t *card, const agent_t *agent,
                     plan_entry_t *e, unsigned *sw, bool *r_ok)
{
  gpg_error_t err;

  e->sw = 0;
  e->err = 0;
  *r_ok = false;
  err = agency_app_select (card, agent, sw);
  if (!err && (*sw == SW_OK || SW_IS_MORE_DATA (*sw)))
    *r_ok = true;
  else if (!err)
    agency_entry_refused (e, *sw);
  return err;
}

bool
agency_entry_written (plan_entry_t *e, unsigned sw)
{
  if (agency_entry_refused (e, sw))
    return false;
  e->written = true;
  return true;
}

gpg_error_t
agency_plan_writes (plan_t *plan,
                    gpg_error_t (*fn) (void *ctx, plan_t *plan,
                                       plan_entry_t *e),
                    void *ctx)
{
  gpg_error_t err = 0;
  size_t i;

  for (i = 0; !err && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];

      if (e->src && (e->action == PLAN_CREATE || e->action == PLAN_UPDATE))
        err = fn (ctx, plan, e);
    }
  return err;
}

gpg_error_t
agency_entry_claim (plan_entry_t *e, const char *agent)
{
  if (e->agent)
    return 0;
  e->agent = xtrystrdup (agent);
  return e->agent ? 0 : gpg_error_from_syserror ();
}

void
agency_entry_readback (plan_entry_t *e, const uint8_t *p, size_t n,
                       unsigned sw)
{
  const image_node_t *s = e->src;

  e->verified = sw == SW_OK && n == s->content_len
    && (!n || !memcmp (p, s->content, n));
  if (!e->verified)
    e->err = gpg_error (GPG_ERR_BAD_DATA);
}

bool
agency_is_emulator (const image_t *image)
{
  static const char tag[] = "vscemu";
  size_t i, n = image->card.atr_len;
  for (i = 0; i + sizeof tag - 1 <= n; i++)
    if (!memcmp (image->card.atr + i, tag, sizeof tag - 1))
      return true;
  return false;
}

void
agency_set_errtext (agency_card_t *card, const char *fmt, ...)
{
  va_list ap;
  (void)card;
  va_start (ap, fmt);
  errctx_vset (fmt, ap);
  va_end (ap);
}

void
agency_progress (agency_card_t *card, int phase, const image_node_t *node,
                 size_t bytes)
{
  char *path;
  if (!card->progress)
    return;
  path = node ? image_node_path (node) : NULL;
  card->progress (card->progress_ctx, phase, path ? path : "", bytes);
  xfree (path);
}

unsigned long *
agency_agent_flags (agency_card_t *card, const agent_t *agent)
{
  static unsigned long spare;
  size_t i;

  for (i = 0; i < AGENCY_MAX_AGENTS; i++)
    if (card->agent_flags[i].agent == agent)
      return &card->agent_flags[i].flags;
  for (i = 0; i < AGENCY_MAX_AGENTS; i++)
    if (!card->agent_flags[i].agent)
      {
        card->agent_flags[i].agent = agent;
        return &card->agent_flags[i].flags;
      }
  spare = 0;          /* more agents than slots: learn nothing */
  return &spare;
}

const agent_t *
agency_agent_of (const image_node_t *node)
{
  const agent_t *a = NULL;
  for (; node && !a; node = node->parent)
    if (node->agent)
      a = agency_find (node->agent);
  return a ? a : &agent_iso7816;
}

/* ---- operations ---------------------------------------------------------- */

/* Every agent is asked, the generic one first and the first in the table
 * last: the application of the first agent to discover is then still
 * selected when its discovery starts (one SELECT less). The matched
 * agents are kept in table order. */
gpg_error_t
agency_match (agency_card_t *card)
{
  gpg_error_t err = 0;
  size_t i, n, k;
  bool yes[32];

  for (n = 0; agency_table[n] && n < DIM (yes); n++)
    ;
  for (i = n; i-- > 0;)
    {
      const agent_t *a = agency_table[i];
      unsigned long before = card->chan.apdus;
      yes[i] = false;
      if (!a->match)
        yes[i] = true;
      else
        {
          err = a->match (card, &yes[i]);
          if (err)
            return err;    /* transport trouble: scapi words it */
        }
      if (!yes[i])   /* looking for an application that is not there */
        card->scan_apdus += card->chan.apdus - before;
      else if (a->select && a->match)
        card->selected = a;   /* its match selected it; the next SELECT
                                 clears this (agency_transmit) */
      log_debug ("agency: agent %s %s", a->name, yes[i] ? "matches" : "no");
      if (card->chan.apdus != before)  /* the APDU count moves on screen */
        agency_progress (card, AGENCY_PHASE_DISCOVER, NULL, 0);
    }
  card->n_agents = 0;
  for (k = 0; k < n; k++)
    if (yes[k] && card->n_agents < AGENCY_MAX_AGENTS)
      card->agents[card->n_agents++] = agency_table[k];
  card->matched = true;
  return 0;
}

gpg_error_t
agency_discover (agency_card_t *card, image_t *image)
{
  gpg_error_t err = 0;
  size_t i;

  err = image_set_atr (image, card->atr, card->atr_len);
  if (!err && card->reader)
    err = image_set_reader (image, reader_card_name (card->reader));
  for (i = 0; !err && i < card->n_agents; i++)
    {
      const agent_t *a = card->agents[i];
      err = image_add_agent (image, a->name);
      if (!err && a->discover)
        err = a->discover (card, image);
      if (err)
        log_debug ("agency: agent %s: %s", a->name, gpg_strerror (err));
    }
  return err;
}

gpg_error_t
agency_complete (agency_card_t *card, image_t *image, bool read_objects)
{
  gpg_error_t err = 0;
  bool saved = card->read_content;
  size_t i;

  card->read_content = read_objects;
  for (i = 0; !err && i < card->n_agents; i++)
    if (card->agents[i]->complete)
      err = card->agents[i]->complete (card, image);
  card->read_content = saved;
  return err;
}

bool
agency_deferred (agency_card_t *card, char *what, size_t size)
{
  size_t i;

  if (what && size)
    *what = 0;
  for (i = 0; i < card->n_agents; i++)
    if (card->agents[i]->deferred
        && card->agents[i]->deferred (card, what, size))
      return true;
  return false;
}

gpg_error_t
agency_read (agency_card_t *card, image_t *image, image_node_t *node)
{
  const agent_t *a = agency_agent_of (node);
  if (a->read)
    return a->read (card, image, node);
  return agent_iso7816_read (card, image, node);
}

gpg_error_t
agency_plan_target (agency_card_t *card, const image_t *src, bool for_map,
                    image_t **r_dst)
{
  gpg_error_t err;
  image_t *dst = NULL;
  agency_discover_opts_t o;

  *r_dst = NULL;
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = true;    /* no wide scan on the target: the source's own
                          paths are probed below instead */
  o.target_caps = for_map;
  agency_card_set_discover (card, &o);
  err = image_new (&dst);
  if (!err)
    err = agency_discover (card, dst);
  if (!err)
    err = agent_iso7816_probe_image (card, dst, src);
  if (err)
    image_free (dst);
  else
    *r_dst = dst;
  return err;
}

gpg_error_t
agency_plan (agency_card_t *card, const image_t *src, const image_t *dst,
             plan_t *plan)
{
  gpg_error_t err;
  size_t i;

  err = plan_compare (plan, src, dst);
  /* Every agent in the table refines its own nodes, generic last. */
  for (i = 0; !err && agency_table[i]; i++)
    {
      const agent_t *a = agency_table[i];
      if (a->plan_restore)
        err = a->plan_restore (card, src, dst, plan);
    }
  if (!err)
    agency_refine_blank (plan, dst);
  return err;
}

gpg_error_t
agency_write (agency_card_t *card, const image_t *src, plan_t *plan,
              plan_entry_t *e)
{
  const agent_t *a = agency_agent_of (e->src);
  card->wrote = true;
  if (a->write)
    return a->write (card, src, plan, e);
  return agent_iso7816_write (card, src, plan, e);
}

gpg_error_t
agency_key_slot (const char *app, const char *slot, const char *algo,
                 agency_key_slot_t *ks, char *errbuf, size_t errsize)
{
  const agent_t *a = agency_find (app);
  size_t i, k = 0;

  memset (ks, 0, sizeof *ks);
  ks->openpgp_slot = -1;
  if (a && a->key_slot)
    return a->key_slot (slot, algo, ks, errbuf, errsize);
  /* Name the applications that take keys. */
  k = snprintf (errbuf, errsize, "%s", _("keys can be escrowed for"));
  for (i = 0; agency_table[i] && k < errsize; i++)
    if (agency_table[i]->key_slot)
      k += snprintf (errbuf + k, errsize - k, " '%s'",
                     agency_table[i]->name);
  return gpg_error (GPG_ERR_INV_ARG);
}

bool
agency_image_scan_pending (const image_t *image, uint16_t *next_fid)
{
  return agent_iso7816_scan_pending (image, NULL, 256, next_fid);
}

const char *
agency_describe (const image_node_t *node)
{
  const agent_t *a = agency_agent_of (node);
  const char *s = NULL;
  if (a->describe)
    s = a->describe (node);
  if (!s && agent_iso7816.describe)
    s = agent_iso7816.describe (node);
  return s;
}

/* ---- blank targets ------------------------------------------------------- */

/* Content that a fresh card holds: none, all 00 or all FF. */
static bool
agency_erased (const image_node_t *n)
{
  size_t i;
  if (!n->content_len)
    return true;
  for (i = 1; i < n->content_len; i++)
    if (n->content[i] != n->content[0])
      return false;
  return n->content[0] == 0x00 || n->content[0] == 0xFF;
}

bool
agency_node_blank_generic (const image_node_t *n)
{
  switch (n->type)
    {
    case IMAGE_NODE_MF:
      return true;
    case IMAGE_NODE_DF:
    case IMAGE_NODE_APPLET:
    case IMAGE_NODE_KEY:
      return false;
    default:
      return agency_erased (n);
    }
}

bool
agency_node_blank (const image_node_t *node)
{
  const image_node_t *n;

  for (n = node; n; n = n->parent)
    if (n->agent)
      {
        const agent_t *a = agency_find (n->agent);
        if (a && a->node_blank)
          return a->node_blank (node);
        break;
      }
  return agency_node_blank_generic (node);
}

static gpg_error_t
agency_blank_visit (image_node_t *n, unsigned depth, void *ctx)
{
  bool *blank = ctx;
  (void)depth;
  if (!agency_node_blank (n))
    *blank = false;
  return 0;
}

void
agency_refine_blank (plan_t *plan, const image_t *dst)
{
  bool blank = true;
  if (plan->target_blank || !dst)
    return;
  image_walk (dst, agency_blank_visit, &blank);
  if (blank)
    {
      log_debug ("agency: target holds factory applications only: blank");
      plan->target_blank = true;
    }
}
