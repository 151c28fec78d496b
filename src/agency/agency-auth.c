/* agency-auth.c - security state of a card session: PIN verification,
 * key authentication, selection epochs, PIN changes
 *
 * One path for every agent (agent.h, "SECURITY STATE"): the state is
 * kept per (scope, reference), a scope being an application (an agent
 * with a select operation) or the card's file system; a verification of
 * an application counts only in the selection epoch it was made in. A
 * PIN the card accepted is held in secure memory until the operation
 * ends, so that it can be presented again when a token dropped it; a PIN
 * the card refused is never sent again, in this session. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <ctype.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "agency/agent.h"
#include "agency/iso7816.h"

/* ---- the state table ----------------------------------------------------- */

/* The scope of an agent: itself when it owns an application. */
static const agent_t *
agency_scope (const agent_t *agent)
{
  return agent && agent->select ? agent : NULL;
}

static agency_sec_t *
agency_sec_find (const agency_card_t *card, const agent_t *scope, uint8_t ref,
                 bool key)
{
  size_t i;
  for (i = 0; i < card->n_sec; i++)
    if (card->sec[i].scope == scope && card->sec[i].ref == ref
        && card->sec[i].key == key)
      return (agency_sec_t *)&card->sec[i];
  return NULL;
}

/* Find or add. NULL only when the table is full (then nothing is
 * remembered and every question is asked as if new - never a retry,
 * since a refusal is recorded below only when there was room). */
static agency_sec_t *
agency_sec_get (agency_card_t *card, const agent_t *scope, uint8_t ref,
                bool key)
{
  agency_sec_t *s = agency_sec_find (card, scope, ref, key);
  if (s || card->n_sec >= AGENCY_MAX_SEC)
    return s;
  s = &card->sec[card->n_sec++];
  memset (s, 0, sizeof *s);
  s->scope = scope;
  s->ref = ref;
  s->key = key;
  return s;
}

/* Does a verification recorded in S hold now? */
static bool
agency_sec_current (const agency_card_t *card, const agency_sec_t *s)
{
  if (s->state != AGENCY_PIN_VERIFIED || s->resets != card->resets)
    return false;
  return !s->scope || s->epoch == card->epoch;
}

static void
agency_sec_wipe_value (agency_sec_t *s)
{
  xfree_secure (s->pin);
  s->pin = NULL;
}

static void
agency_sec_verified (agency_card_t *card, agency_sec_t *s)
{
  s->state = AGENCY_PIN_VERIFIED;
  s->epoch = card->epoch;
  s->resets = card->resets;
}

int
agency_pin_state (const agency_card_t *card, const agent_t *agent,
                  uint8_t ref)
{
  const agency_sec_t *s = agency_sec_find (card, agency_scope (agent), ref,
                                           false);
  if (!s)
    return AGENCY_PIN_UNKNOWN;
  if (s->state == AGENCY_PIN_VERIFIED)
    return agency_sec_current (card, s) ? AGENCY_PIN_VERIFIED
                                        : AGENCY_PIN_UNKNOWN;
  return s->state;
}

bool
agency_card_authenticated (const agency_card_t *card)
{
  size_t i;
  if (card->wrote)
    return true;
  for (i = 0; i < card->n_sec; i++)
    if (card->sec[i].state == AGENCY_PIN_VERIFIED)
      return true;
  return false;
}

void
agency_card_reset (agency_card_t *card)
{
  size_t i;
  card->resets++;
  card->epoch++;
  card->selected = NULL;
  card->chan.selects++;      /* no application or DF is selected now */
  /* A refusal stays a refusal; what was cancelled may be asked again. */
  for (i = 0; i < card->n_sec; i++)
    if (card->sec[i].state == AGENCY_PIN_CANCELED)
      card->sec[i].state = AGENCY_PIN_UNKNOWN;
}

void
agency_op_begin (agency_card_t *card)
{
  errctx_clear ();
  card->scan_apdus = 0;       /* per operation (matching included) */
  card->pin_apdus = 0;
  card->scan_pending = false;
  /* Between transactions another program may have selected anything. */
  card->selected = NULL;
  card->chan.selects++;
}

void
agency_op_end (agency_card_t *card, bool keep_pins)
{
  size_t i;
  for (i = 0; !keep_pins && i < card->n_sec; i++)
    agency_sec_wipe_value (&card->sec[i]);
  card->selected = NULL;
}

void
agency_card_free (agency_card_t *card)
{
  size_t i;

  if (!card)
    return;
  agency_op_end (card, false);          /* wipes every kept secret */
  for (i = 0; i < card->n_sec; i++)
    xfree (card->sec[i].node);
  agent_iso7816_fs_free (card);
  wipememory (card, sizeof *card);
  xfree (card);
}

bool
agency_card_kept_pin (const agency_card_t *card, size_t i, uint8_t *r_ref,
                      const char **r_pin, const char **r_node,
                      const char **r_scope)
{
  size_t k, seen = 0;

  for (k = 0; k < card->n_sec; k++)
    {
      const agency_sec_t *s = &card->sec[k];
      if (s->key || !s->pin || s->state != AGENCY_PIN_VERIFIED)
        continue;
      if (seen++ != i)
        continue;
      *r_ref = s->ref;
      *r_pin = s->pin;
      *r_node = s->node;
      *r_scope = s->scope ? s->scope->name : "";
      return true;
    }
  return false;
}

/* ---- PIN information ----------------------------------------------------- */

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

const char *
agency_pin_label (const agency_card_t *card, uint8_t ref)
{
  size_t i;
  for (i = 0; i < card->n_pins; i++)
    if (card->pins[i].ref == ref)
      return card->pins[i].label;
  return "";
}

/* What the prompt says about REF in AGENT's scope. */
static void
agency_pin_info_of (const agency_card_t *card, const agent_t *agent,
                    uint8_t ref, agency_pin_info_t *pi)
{
  size_t i;

  memset (pi, 0, sizeof *pi);
  pi->ref = ref;
  if (agent && agent->pin_info)
    {
      agent->pin_info (ref, pi);
      return;
    }
  if (agency_scope (agent))
    return;
  for (i = 0; i < card->n_pins; i++)
    if (card->pins[i].ref == ref)
      *pi = card->pins[i];
}

/* ---- presenting a PIN ---------------------------------------------------- */

gpg_error_t
agency_pin_encode_generic (agency_card_t *card, uint8_t ref, const char *pin,
                           buf_t *out)
{
  size_t n = strlen (pin);
  if (!n || n > 127)
    {
      agency_set_errtext (card, _("empty or too long PIN for reference "
                                  "%02X; not sent"), ref);
      return gpg_error (GPG_ERR_INV_LENGTH);
    }
  buf_clear (out);
  return buf_append (out, pin, n);
}

static gpg_error_t
agency_pin_encode (agency_card_t *card, const agent_t *agent, uint8_t ref,
                   const char *pin, buf_t *out)
{
  if (agent && agent->pin_encode)
    return agent->pin_encode (card, ref, pin, out);
  return agency_pin_encode_generic (card, ref, pin, out);
}

static gpg_error_t
agency_pin_retries (agency_card_t *card, const agent_t *agent, uint8_t ref,
                    int *retries, unsigned *sw)
{
  if (agent && agent->pin_retries)
    return agent->pin_retries (card, ref, retries, sw);
  return iso7816_pin_retries (&card->chan, ref, retries, sw);
}

/* The content of N (a stored PIN) as a string in secure memory. */
static gpg_error_t
agency_secret_string (const image_node_t *n, char **r_str)
{
  char *str = xtrymalloc_secure (n->content_len + 1);

  *r_str = str;
  if (!str)
    return gpg_error_from_syserror ();
  memcpy (str, n->content, n->content_len);
  str[n->content_len] = 0;
  return 0;
}

/* VERIFY REF with DATA. */
static gpg_error_t
agency_verify_data (agency_card_t *card, uint8_t ref, const buf_t *data,
                    unsigned *sw)
{
  return iso7816_verify_data (&card->chan, ref, data->data, data->len, sw);
}

/* Record the card's answer SW to a VERIFY of S. */
static gpg_error_t
agency_pin_answer (agency_card_t *card, agency_sec_t *s, unsigned sw)
{
  if (sw == SW_OK)
    {
      agency_sec_verified (card, s);
      return 0;
    }
  /* Never retried: the counter already dropped by one. */
  agency_sec_wipe_value (s);
  s->state = (sw == SW_AUTH_BLOCKED || sw == 0x63C0)
    ? AGENCY_PIN_BLOCKED : AGENCY_PIN_FAILED;
  if (SW_IS_RETRIES (sw))
    agency_set_errtext (card, _("wrong PIN for reference %02X "
                                "(%u tries left); not retried"),
                        s->ref, SW_RETRIES (sw));
  else
    agency_set_errtext (card, _("PIN reference %02X refused: %s"),
                        s->ref, sw_describe (sw));
  return gpg_error (s->state == AGENCY_PIN_BLOCKED ? GPG_ERR_PIN_BLOCKED
                                                   : GPG_ERR_BAD_PIN);
}

gpg_error_t
agency_pin_verify (agency_card_t *card, const agent_t *agent, uint8_t ref,
                   const char *node)
{
  gpg_error_t err = 0;
  unsigned sw = 0;
  int retries = -1;
  char *pin = NULL;
  agency_pin_query_t q;
  agency_pin_info_t pi;
  agency_pinpad_format_t fmt;
  const agent_t *scope = agency_scope (agent);
  agency_sec_t *s, tmp;
  unsigned long before = card->chan.apdus;
  bool pinpad;
  buf_t data;

  buf_init_secure (&data);
  s = agency_sec_get (card, scope, ref, false);
  if (!s)
    {
      memset (&tmp, 0, sizeof tmp);     /* table full: not remembered */
      tmp.scope = scope;
      tmp.ref = ref;
      s = &tmp;
    }
  switch (s->state)
    {
    case AGENCY_PIN_VERIFIED:
      if (agency_sec_current (card, s))
        goto leave;
      break;
    case AGENCY_PIN_FAILED:
      err = gpg_error (GPG_ERR_BAD_PIN);
      goto leave;
    case AGENCY_PIN_CANCELED:
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    case AGENCY_PIN_BLOCKED:
      err = gpg_error (GPG_ERR_PIN_BLOCKED);
      goto leave;
    default:
      break;
    }
  /* Accepted earlier in this operation: present it again (not a retry;
   * the card accepted exactly this value). */
  if (s->state == AGENCY_PIN_VERIFIED && s->pin)
    {
      err = agency_pin_encode (card, agent, ref, s->pin, &data);
      if (!err)
        err = agency_verify_data (card, ref, &data, &sw);
      if (!err)
        err = agency_pin_answer (card, s, sw);
      goto leave;
    }

  /* Retry counter first (VERIFY without data). */
  err = agency_pin_retries (card, agent, ref, &retries, &sw);
  if (err)
    goto leave;
  if (retries == -2)
    {
      agency_sec_verified (card, s);
      goto leave;
    }
  if (retries == 0 || sw == SW_AUTH_BLOCKED)
    {
      s->state = AGENCY_PIN_BLOCKED;
      err = gpg_error (GPG_ERR_PIN_BLOCKED);
      goto leave;
    }
  if (!card->pin_fn)
    {
      s->state = AGENCY_PIN_CANCELED;
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }

  agency_pin_info_of (card, agent, ref, &pi);
  pinpad = card->reader && reader_has_pinpad (card->reader);
  memset (&q, 0, sizeof q);
  q.ref = ref;
  q.label = pi.label;
  q.retries = retries;
  q.pinpad = pinpad;
  q.min_len = pi.min_len;
  q.max_len = pi.max_len;
  q.node = node ? node : "";
  agency_progress (card, AGENCY_PHASE_VERIFY_PIN, NULL, 0);
  err = card->pin_fn (card->pin_ctx, &q, &pin);
  if (err || (!pin && !pinpad))
    {
      s->state = AGENCY_PIN_CANCELED;
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  if (!pin)
    {
      memset (&fmt, 0, sizeof fmt);
      fmt.min_len = 4;
      fmt.max_len = 15;
      if (agent && agent->pinpad_format)
        agent->pinpad_format (ref, &fmt);
      err = reader_verify_pinpad (card->reader, 0x00, ref, &fmt, &sw);
    }
  else
    {
      err = agency_pin_encode (card, agent, ref, pin, &data);
      if (gpg_err_code (err) == GPG_ERR_INV_LENGTH)
        {
          /* Not sent: the counter is untouched, but we do not ask
           * again (errtext says why). */
          s->state = AGENCY_PIN_FAILED;
          err = gpg_error (GPG_ERR_BAD_PIN);
          goto leave;
        }
      if (!err)
        err = agency_verify_data (card, ref, &data, &sw);
    }
  if (err)
    goto leave;
  err = agency_pin_answer (card, s, sw);
  if (!err && pin && s != &tmp)
    {
      /* Held for re-presentation (and --store-pins) until the end of
       * the operation. */
      s->pin = pin;
      pin = NULL;
      if (!s->node && node && *node)
        s->node = xtrystrdup (node);
    }

 leave:
  xfree_secure (pin);
  buf_free (&data);
  if (s == &tmp)
    agency_sec_wipe_value (&tmp);
  card->pin_apdus += card->chan.apdus - before;
  return err;
}

/* The agent whose application NODE_PATH names first ("openpgp/0103"),
 * NULL for file-system paths. */
static const agent_t *
agency_agent_of_path (const char *path)
{
  const agent_t *const *t;
  size_t n;

  if (!path)
    return NULL;
  while (*path == '/')
    path++;
  n = strcspn (path, "/");
  for (t = agency_agents (); *t; t++)
    if ((*t)->select && strlen ((*t)->name) == n
        && !strncmp ((*t)->name, path, n))
      return *t;
  return NULL;
}

gpg_error_t
agency_verify_pin (agency_card_t *card, uint8_t ref, const char *node)
{
  const agent_t *a = agency_agent_of_path (node);
  if (a && a->verify_pin)
    return a->verify_pin (card, ref, node);
  return agency_pin_verify (card, a, ref, node);
}

/* ---- ensuring what a command needs --------------------------------------- */

gpg_error_t
agency_app_select (agency_card_t *card, const agent_t *agent, unsigned *sw)
{
  gpg_error_t err;

  *sw = SW_OK;
  if (!agent || !agent->select)
    return 0;
  if (card->selected == agent)
    return 0;
  err = agent->select (card, sw);
  if (!err && (*sw == SW_OK || SW_IS_MORE_DATA (*sw)))
    card->selected = agent;
  return err;
}

gpg_error_t
agency_ensure_pin (agency_card_t *card, const agent_t *agent, uint8_t ref,
                   const char *node, bool *r_fresh)
{
  unsigned long before = card->chan.apdus;
  const agency_sec_t *s = agency_sec_find (card, agency_scope (agent), ref,
                                           false);
  gpg_error_t err;

  if (r_fresh)
    *r_fresh = false;
  if (s && agency_sec_current (card, s))
    return 0;
  if (agent && agent->verify_pin)
    err = agent->verify_pin (card, ref, node);
  else
    err = agency_pin_verify (card, agent, ref, node);
  if (r_fresh)
    *r_fresh = card->chan.apdus != before;
  return err;
}

gpg_error_t
agency_ensure_key (agency_card_t *card, const agent_t *agent, uint8_t ref,
                   const image_t *src, bool *r_fresh, unsigned *sw)
{
  const agent_t *scope = agency_scope (agent);
  agency_sec_t *s = agency_sec_get (card, scope, ref, true);
  unsigned long before = card->chan.apdus;
  gpg_error_t err;
  bool ok = false;

  *sw = SW_OK;
  if (r_fresh)
    *r_fresh = false;
  if (!agent || !agent->authenticate)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (s && agency_sec_current (card, s))
    return 0;
  if (s && s->state == AGENCY_PIN_FAILED)
    {
      *sw = SW_SEC_NOT_SATISFIED;
      return gpg_error (GPG_ERR_BAD_PIN);
    }
  err = agent->authenticate (card, ref, src, &ok, sw);
  card->pin_apdus += card->chan.apdus - before;
  if (r_fresh)
    *r_fresh = true;
  if (err)
    return err;
  if (!ok)
    {
      if (s)
        s->state = AGENCY_PIN_FAILED;  /* never tried again */
      if (*sw == SW_OK)
        *sw = SW_SEC_NOT_SATISFIED;
      return gpg_error (GPG_ERR_BAD_PIN);
    }
  if (s)
    agency_sec_verified (card, s);
  return 0;
}

bool
agency_security_lost (agency_card_t *card, unsigned sw, bool fresh)
{
  if (sw != SW_SEC_NOT_SATISFIED || fresh)
    return false;
  log_debug ("agency: security status lost (6982): select and "
             "authenticate again");
  card->epoch++;
  card->selected = NULL;
  /* The file system's state does not end with an epoch: date its
   * verifications before the last reset, so that they are presented
   * again too. */
  {
    size_t i;
    for (i = 0; i < card->n_sec; i++)
      if (!card->sec[i].scope && card->sec[i].state == AGENCY_PIN_VERIFIED)
        card->sec[i].resets = card->resets - 1;
  }
  return true;
}

/* ---- changing a PIN (restore --set-pins) --------------------------------- */

gpg_error_t
agency_change_pin_generic (agency_card_t *card, uint8_t ref, const char *cur,
                           const char *newpin, unsigned *sw)
{
  const agent_t *a = card->selected;
  gpg_error_t err;
  buf_t data, one;
  apdu_t ap;
  buf_t resp = BUF_INIT;

  buf_init_secure (&data);
  buf_init_secure (&one);
  err = agency_pin_encode (card, a, ref, cur, &one);
  if (!err)
    err = buf_append (&data, one.data, one.len);
  if (!err)
    err = agency_pin_encode (card, a, ref, newpin, &one);
  if (!err)
    err = buf_append (&data, one.data, one.len);
  if (!err && data.len > 255)
    err = gpg_error (GPG_ERR_INV_LENGTH);
  if (err)
    goto leave;
  memset (&ap, 0, sizeof ap);
  ap.ins = 0x24;
  ap.p2 = ref;
  ap.data = data.data;
  ap.lc = data.len;
  ap.secret = true;
  err = apdu_chan_exchange (&card->chan, &ap, &resp, sw);
 leave:
  buf_free (&data);
  buf_free (&one);
  buf_free (&resp);
  return err;
}

/* Is PATH a stored PIN "pins/RR"? *R_REF gets RR. */
static bool
agency_pin_node_ref (const char *path, int *r_ref)
{
  char *end;
  unsigned long v;

  *r_ref = -1;
  if (!path)
    return false;
  while (*path == '/')
    path++;
  if (strncasecmp (path, "pins/", 5) || !isxdigit ((unsigned char)path[5]))
    return false;
  v = strtoul (path + 5, &end, 16);
  if (*end || v > 0xff)
    return false;
  *r_ref = (int)v;
  return true;
}

/* The node of SRC in which the PIN of N lives: its PIN scope,
 * else the only top-level applet with an AID, else the MF. NULL if it
 * cannot be told (several applications). */
static const image_node_t *
agency_pin_scope_node (const image_t *src, const image_node_t *n)
{
  const image_node_t *c, *found = NULL, *mf = NULL;
  size_t apps = 0;

  if (image_node_pin_scope (n))
    return image_find_path (src, image_node_pin_scope (n));
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

/* Select the application or DF SCOPE on the target. */
static gpg_error_t
agency_select_scope (agency_card_t *card, const image_node_t *scope,
                     const agent_t **r_agent, unsigned *sw)
{
  gpg_error_t err;
  const agent_t *a = agency_agent_of (scope);

  *r_agent = NULL;
  if (scope->type == IMAGE_NODE_APPLET && a->select)
    {
      card->selected = NULL;    /* select it: the PIN is changed there */
      err = agency_app_select (card, a, sw);
      *r_agent = a;
      return err;
    }
  if (scope->type == IMAGE_NODE_APPLET && scope->aid_len)
    err = iso7816_select_aid (&card->chan, scope->aid, scope->aid_len,
                              NULL, sw);
  else
    err = agent_iso7816_select_node (card, scope, NULL, sw);
  if (gpg_err_code (err) == GPG_ERR_INV_NAME)
    *sw = SW_FILE_NOT_FOUND, err = 0;
  return err;
}

gpg_error_t
agency_restore_pin (agency_card_t *card, const image_t *src, plan_t *plan,
                    plan_entry_t *e)
{
  gpg_error_t err = 0;
  const image_node_t *scope, *n = e->src;
  const agent_t *agent = NULL;
  agency_pin_query_t q;
  agency_pin_info_t pi;
  agency_sec_t *s;
  unsigned sw = 0;
  int retries = -1, ref;
  uint8_t cref;
  char *cur = NULL, *newpin = NULL;
  char reason[160];

  if (!agency_pin_node_ref (e->path, &ref) || !n || !n->has_content
      || !n->content_len || n->content_len > 127
      || memchr (n->content, 0, n->content_len))
    {
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                            _("no usable PIN value stored"));
      goto leave;
    }
  scope = agency_pin_scope_node (src, n);
  if (!scope)
    {
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                            _("the stored PIN does not say which "
                              "application it belongs to (no PIN "
                              "scope)"));
      goto leave;
    }
  err = agency_select_scope (card, scope, &agent, &sw);
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
  agency_pin_info_of (card, agent, (uint8_t)ref, &pi);
  cref = pi.changed_as ? pi.changed_as : (uint8_t)ref;
  if (cref != ref)
    {
      /* The same PIN under another reference: if the VSC holds that one
       * too, it is set there (asking for it twice would fail). */
      char other[16];
      snprintf (other, sizeof other, "pins/%02X", cref);
      if (image_find_path (src, other))
        {
          snprintf (reason, sizeof reason,
                    _("the same PIN as %s, which sets it"), other);
          err = plan_entry_set (plan, e, PLAN_SAME, reason);
          goto leave;
        }
    }
  err = agency_pin_retries (card, agent, (uint8_t)ref, &retries, &sw);
  if (err)
    goto leave;
  if (retries == -1 && (sw == SW_REF_NOT_FOUND || sw == SW_WRONG_P1P2
                        || sw == SW_WRONG_DATA || sw == SW_INCORRECT_P1P2))
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
  if (!card->pin_fn)
    e->err = gpg_error (GPG_ERR_CANCELED);
  else
    {
      memset (&q, 0, sizeof q);
      q.ref = (uint8_t)ref;
      q.label = pi.label;
      if (!*q.label && image_node_pin_label (n))
        q.label = image_node_pin_label (n);
      q.retries = retries;
      q.min_len = pi.min_len;
      q.max_len = pi.max_len;
      q.node = e->path;
      agency_progress (card, AGENCY_PHASE_VERIFY_PIN, NULL, 0);
      e->err = card->pin_fn (card->pin_ctx, &q, &cur);
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
  err = agency_secret_string (n, &newpin);
  if (err)
    goto leave;
  card->wrote = true;
  err = agent && agent->change_pin
    ? agent->change_pin (card, cref, cur, newpin, &sw)
    : agency_change_pin_generic (card, cref, cur, newpin, &sw);
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
  if (sw == SW_WRONG_P1P2 || sw == SW_REF_NOT_FOUND
      || sw == SW_INCORRECT_P1P2 || sw == SW_INS_NOT_SUPPORTED)
    {
      /* Not a reference this card changes (OpenPGP PW1 82 is PW1 81). */
      snprintf (reason, sizeof reason,
                _("the target card does not change PIN reference %02X "
                  "this way: %s"), ref, sw_describe (sw));
      err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
      goto leave;
    }
  s = agency_sec_get (card, agency_scope (agent), (uint8_t)ref, false);
  if (sw != SW_OK)
    {
      /* Never retried: a wrong current PIN already cost a try. */
      if (s)
        s->state = AGENCY_PIN_FAILED;
      e->err = gpg_error (GPG_ERR_BAD_PIN);
      e->sw = sw;
      snprintf (reason, sizeof reason,
                _("the card refused changing PIN %02X: %s; not retried"),
                ref, sw_describe (sw));
      err = plan_entry_set (plan, e, e->action, reason);
      goto leave;
    }
  e->written = true;
  /* The new value is the reference now: forget what was known. */
  if (s)
    {
      agency_sec_wipe_value (s);
      s->state = AGENCY_PIN_UNKNOWN;
    }
  {
    buf_t data;
    buf_init_secure (&data);
    err = agency_pin_encode (card, agent, (uint8_t)ref, newpin, &data);
    if (!err)
      err = agency_verify_data (card, (uint8_t)ref, &data, &sw);
    buf_free (&data);
  }
  if (err)
    goto leave;
  if (sw == SW_OK)
    {
      e->verified = true;
      if (s)
        agency_sec_verified (card, s);
    }
  else if (sw == SW_REF_NOT_FOUND || sw == SW_WRONG_P1P2
           || sw == SW_INCORRECT_P1P2)
    {
      /* A reference the card does not VERIFY (PIV's PUK): the card
       * accepted the change, which checked the old value. */
      e->verified = true;
      err = plan_entry_set (plan, e, e->action,
                            _("changed; this card does not VERIFY this "
                              "reference, so the new value was not "
                              "checked"));
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
agency_restore_first_pin (agency_card_t *card, const image_t *src,
                          plan_t *plan, plan_entry_t *e)
{
  gpg_error_t err = 0;
  const image_node_t *scope, *n = e->src;
  const agent_t *agent = NULL;
  agency_sec_t *s;
  unsigned sw = 0;
  int ref;
  char *pin = NULL;
  buf_t data;

  buf_init_secure (&data);
  if (!agency_pin_node_ref (e->path, &ref) || !n || !n->has_content
      || !n->content_len || n->content_len > 127
      || memchr (n->content, 0, n->content_len))
    {
      e->err = gpg_error (GPG_ERR_NO_DATA);
      err = plan_entry_set (plan, e, e->action,
                            _("no usable PIN value stored"));
      goto leave;
    }
  scope = agency_pin_scope_node (src, n);
  if (scope)
    {
      err = agency_select_scope (card, scope, &agent, &sw);
      if (err)
        goto leave;
    }
  err = agency_secret_string (n, &pin);
  if (err)
    goto leave;
  err = agency_pin_encode (card, agent, (uint8_t)ref, pin, &data);
  if (gpg_err_code (err) == GPG_ERR_INV_LENGTH)
    {
      e->err = err;
      err = 0;
      goto leave;
    }
  if (!err)
    {
      card->wrote = true;
      err = iso7816_set_reference_data (&card->chan, (uint8_t)ref, data.data,
                                        data.len, &sw);
    }
  if (err || !agency_entry_written (e, sw))
    goto leave;
  err = agency_verify_data (card, (uint8_t)ref, &data, &sw);
  if (err)
    goto leave;
  s = agency_sec_get (card, agency_scope (agent), (uint8_t)ref, false);
  if (sw == SW_OK)
    {
      e->verified = true;
      if (s)
        agency_sec_verified (card, s);
    }
  else
    {
      e->err = gpg_error (GPG_ERR_BAD_PIN);
      e->sw = sw;
    }

 leave:
  xfree_secure (pin);
  buf_free (&data);
  return err;
}
