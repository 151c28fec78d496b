/* agency.c - the ordered agent table and the session helpers
 *
 * Order matters: specific agents first, the generic ISO 7816 agent last.
 * Every matching agent contributes to the image (a token may carry
 * several applications), so the order only decides who gets to describe
 * and own a node first. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdarg.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "agency/agency.h"
#include "agency/iso7816.h"

/* The agent table. Add new agents ABOVE agent_iso7816, one line each
 * (e.g. &agent_openpgp, &agent_piv). */
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

static void
agency_card_defaults (agency_card_t *card)
{
  card->scan_budget = 0;
  card->read_content = true;
}

void
agency_card_init (agency_card_t *card, reader_card_t *reader)
{
  const uint8_t *atr;
  size_t n = 0;

  memset (card, 0, sizeof *card);
  card->reader = reader;
  reader_chan_init (reader, &card->chan);
  atr = reader_card_atr (reader, &n);
  if (atr && n <= sizeof card->atr)
    {
      memcpy (card->atr, atr, n);
      card->atr_len = n;
    }
  agency_card_defaults (card);
}

void
agency_card_init_chan (agency_card_t *card, apdu_transmit_fn fn, void *ctx,
                       const uint8_t *atr, size_t atr_len)
{
  memset (card, 0, sizeof *card);
  apdu_chan_init (&card->chan, fn, ctx, APDU_PROTO_T1);
  if (atr && atr_len <= sizeof card->atr)
    {
      memcpy (card->atr, atr, atr_len);
      card->atr_len = atr_len;
    }
  agency_card_defaults (card);
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
  gpg_error_t err;
  image_node_t *app = image_find_child (&image->root, name);

  if (!app)
    {
      err = image_node_new (IMAGE_NODE_APPLET, &app);
      if (!err)
        err = image_node_set_name (app, name);
      if (!err)
        err = image_add_child (&image->root, app);
      if (err)
        {
          if (app && !app->parent)
            image_node_free (app);
          return err;
        }
    }
  app->source = IMAGE_SRC_AID;
  err = image_node_set_agent (app, name);
  if (!err)
    err = image_node_set_aid (app, aid, aid_len);
  *r_app = app;
  return err;
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
  va_start (ap, fmt);
  vsnprintf (card->errtext, sizeof card->errtext, fmt, ap);
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

static const agent_t *
agency_agent_of (const image_node_t *node)
{
  const agent_t *a = NULL;
  for (; node && !a; node = node->parent)
    if (node->agent)
      a = agency_find (node->agent);
  return a ? a : &agent_iso7816;
}

gpg_error_t
agency_match (agency_card_t *card)
{
  gpg_error_t err = 0;
  size_t i;

  card->n_agents = 0;
  for (i = 0; agency_table[i]; i++)
    {
      bool yes = false;
      const agent_t *a = agency_table[i];
      unsigned long before = card->chan.apdus;
      if (!a->match)
        yes = true;
      else
        {
          err = a->match (card, &yes);
          if (err)
            return err;    /* transport trouble: scapi words it */
        }
      if (!yes)   /* looking for an application that is not there */
        card->scan_apdus += card->chan.apdus - before;
      if (yes && card->n_agents < AGENCY_MAX_AGENTS)
        card->agents[card->n_agents++] = a;
      log_debug ("agency: agent %s %s", a->name, yes ? "matches" : "no");
    }
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
agency_read (agency_card_t *card, image_t *image, image_node_t *node)
{
  const agent_t *a = agency_agent_of (node);
  if (a->read)
    return a->read (card, image, node);
  return agent_iso7816_read (card, image, node);
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
  return err;
}

gpg_error_t
agency_write (agency_card_t *card, const image_t *src, plan_t *plan,
              plan_entry_t *e)
{
  const agent_t *a = agency_agent_of (e->src);
  if (a->write)
    return a->write (card, src, plan, e);
  return agent_iso7816_write (card, src, plan, e);
}

void
agency_set_pin_info (agency_card_t *card, uint8_t ref, const char *label,
                     size_t min_len, size_t max_len)
{
  size_t i;
  agency_pin_info_t *pi = NULL;

  for (i = 0; i < card->n_pins; i++)
    if (card->pins[i].ref == ref)
      pi = &card->pins[i];
  if (!pi)
    {
      if (card->n_pins >= AGENCY_MAX_PINS)
        return;
      pi = &card->pins[card->n_pins++];
      memset (pi, 0, sizeof *pi);
      pi->ref = ref;
    }
  if (label)
    snprintf (pi->label, sizeof pi->label, "%s", label);
  if (min_len)
    pi->min_len = min_len;
  if (max_len)
    pi->max_len = max_len;
}

static const agency_pin_info_t *
agency_pin_info (const agency_card_t *card, uint8_t ref)
{
  size_t i;
  for (i = 0; i < card->n_pins; i++)
    if (card->pins[i].ref == ref)
      return &card->pins[i];
  return NULL;
}

const char *
agency_pin_label (const agency_card_t *card, uint8_t ref)
{
  const agency_pin_info_t *pi = agency_pin_info (card, ref);
  return pi ? pi->label : "";
}

const char *
agency_kept_pin (const agency_card_t *card, uint8_t ref)
{
  size_t i;
  for (i = 0; i < card->n_kept; i++)
    if (card->kept_ref[i] == ref)
      return card->kept_pin[i];
  return NULL;
}

void
agency_card_forget_pins (agency_card_t *card)
{
  size_t i;
  for (i = 0; i < card->n_kept; i++)
    {
      xfree_secure (card->kept_pin[i]);
      card->kept_pin[i] = NULL;
      xfree (card->kept_node[i]);
      card->kept_node[i] = NULL;
    }
  card->n_kept = 0;
}

/* Copy of a verified PIN (only with keep_pins; a full table or no
 * memory just means the PIN is not stored). */
static void
agency_keep_pin (agency_card_t *card, uint8_t ref, const char *pin,
                 const char *node)
{
  size_t n = strlen (pin);
  char *copy;

  if (agency_kept_pin (card, ref) || card->n_kept >= AGENCY_MAX_PINS)
    return;
  copy = xtrymalloc_secure (n + 1);
  if (!copy)
    return;
  memcpy (copy, pin, n + 1);
  card->kept_ref[card->n_kept] = ref;
  card->kept_node[card->n_kept] = node && *node ? xtrystrdup (node) : NULL;
  card->kept_pin[card->n_kept++] = copy;
}

gpg_error_t
agency_verify_pin (agency_card_t *card, uint8_t ref, const char *node)
{
  gpg_error_t err;
  unsigned sw = 0;
  int retries = -1;
  char *pin = NULL;
  agency_pin_query_t q;
  const agency_pin_info_t *pi;
  unsigned long before = card->chan.apdus;
  bool pinpad;

  switch (card->pin_state[ref])
    {
    case AGENCY_PIN_VERIFIED: return 0;
    case AGENCY_PIN_FAILED:   return gpg_error (GPG_ERR_BAD_PIN);
    case AGENCY_PIN_CANCELED: return gpg_error (GPG_ERR_CANCELED);
    case AGENCY_PIN_BLOCKED:  return gpg_error (GPG_ERR_PIN_BLOCKED);
    default: break;
    }

  /* Retry counter first (VERIFY without data). */
  err = iso7816_pin_retries (&card->chan, ref, &retries, &sw);
  if (err)
    goto leave;
  if (retries == -2)
    {
      card->pin_state[ref] = AGENCY_PIN_VERIFIED;
      goto leave;
    }
  if (retries == 0)
    {
      card->pin_state[ref] = AGENCY_PIN_BLOCKED;
      err = gpg_error (GPG_ERR_PIN_BLOCKED);
      goto leave;
    }
  if (!card->pin_fn)
    {
      card->pin_state[ref] = AGENCY_PIN_CANCELED;
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }

  pi = agency_pin_info (card, ref);
  pinpad = card->reader && reader_has_pinpad (card->reader);
  memset (&q, 0, sizeof q);
  q.ref = ref;
  q.label = pi ? pi->label : "";
  q.retries = retries;
  q.pinpad = pinpad;
  q.min_len = pi ? pi->min_len : 0;
  q.max_len = pi ? pi->max_len : 0;
  q.node = node ? node : "";
  agency_progress (card, AGENCY_PHASE_VERIFY_PIN, NULL, 0);
  err = card->pin_fn (card->pin_ctx, &q, &pin);
  if (err)
    {
      card->pin_state[ref] = AGENCY_PIN_CANCELED;
      if (gpg_err_code (err) != GPG_ERR_CANCELED)
        err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  if (pinpad && !pin)
    err = reader_verify_pinpad (card->reader, 0x00, ref, &sw);
  else if (!pin)
    {
      card->pin_state[ref] = AGENCY_PIN_CANCELED;
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  else if (!*pin || strlen (pin) > 255)
    {
      /* Not sent: the counter is untouched, but we do not ask again. */
      card->pin_state[ref] = AGENCY_PIN_FAILED;
      agency_set_errtext (card, _("empty or too long PIN for reference "
                                  "%02X; not sent"), ref);
      err = gpg_error (GPG_ERR_BAD_PIN);
      goto leave;
    }
  else
    err = iso7816_verify (&card->chan, ref, pin, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    {
      card->pin_state[ref] = AGENCY_PIN_VERIFIED;
      if (card->keep_pins && pin)
        agency_keep_pin (card, ref, pin, node);
    }
  else
    {
      /* Never retried: the counter already dropped by one. */
      card->pin_state[ref] = (sw == SW_AUTH_BLOCKED || sw == 0x63C0)
        ? AGENCY_PIN_BLOCKED : AGENCY_PIN_FAILED;
      err = gpg_error (card->pin_state[ref] == AGENCY_PIN_BLOCKED
                       ? GPG_ERR_PIN_BLOCKED : GPG_ERR_BAD_PIN);
      if (SW_IS_RETRIES (sw))
        agency_set_errtext (card, _("wrong PIN for reference %02X "
                                    "(%u tries left); not retried"),
                            ref, SW_RETRIES (sw));
      else
        agency_set_errtext (card, _("PIN reference %02X refused: %s"),
                            ref, sw_describe (sw));
    }

 leave:
  xfree_secure (pin);
  card->pin_apdus += card->chan.apdus - before;
  return err;
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
