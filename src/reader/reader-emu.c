/* reader-emu.c - reader backend with in-process emulated cards
 *
 * OPTS "profile=PATH[,profile=PATH...]" loads one emulated card per
 * profile (src/emu) into readers named "vscemu 0", "vscemu 1", ...
 * Every card starts inserted. The backend behaves like a PC/SC reader
 * as far as callers can tell:
 *
 *  - the protocol is negotiated from the card's ATR as pcscd does: T=1
 *    if the ATR offers it and the caller accepts it, else T=0; a
 *    protocol the ATR does not offer gets GPG_ERR_NOT_SUPPORTED.
 *    Responses are passed through exactly as the emulator produced
 *    them (61xx is possible with either, and handled by apdu_chan);
 *    whether a card answers case 4 with 61xx like a T=0 card is the
 *    profile's "protocol" line, as on the wire through vpcd.
 *  - shared/exclusive connections: EBUSY as pcscd would answer.
 *  - a connection that resets the card (reader_reconnect/disconnect with
 *    RESET) makes the next call on every other connection of that reader
 *    return GPG_ERR_CARD_RESET once (PIN state lost), like
 *    SCARD_W_RESET_CARD.
 *  - removal (reader_emu_set_present false, or reader_emu_remove_after)
 *    powers the card off; old connections get GPG_ERR_CARD_REMOVED
 *    forever, a new insertion needs a new connection.
 *  - transactions: reader_begin waits while another connection of the
 *    same reader holds one (pcscd semantics).
 *
 * Insertion and removal go straight into the attached monitors' queues
 * (no thread), so their latency is one pipe write.
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>
#include <pthread.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu/emu.h"
#include "reader/reader-int.h"

#define EMU_MAX_READERS  16
#define EMU_MAX_MONITORS 8
#define EMU_RESP_SIZE    65538

typedef struct emu_conn emu_conn_t;

typedef struct emu_slot {
  emu_card_t *card;
  char name[READER_NAME_MAX];
  bool present;
  bool powered;
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
  unsigned long gen;          /* bumped at every insertion and removal */
  unsigned long resets;       /* bumped at every reset */
  unsigned long remove_after; /* APDUs left before removal; 0 = never */
  unsigned nconn;
  bool exclusive;
  emu_conn_t *tx_owner;       /* connection inside a transaction */
  char *pinpad;               /* digits "typed" on the emulated PIN pad
                                 (secure memory); NULL: no PIN pad */
} emu_slot_t;

typedef struct emu_ctx {
  reader_ctx_t base;
  pthread_mutex_t lock;
  pthread_cond_t tx_cond;
  emu_slot_t slot[EMU_MAX_READERS];
  size_t n;
  reader_monitor_t *mon[EMU_MAX_MONITORS];
  size_t nmon;
} emu_ctx_t;

struct emu_conn {
  reader_card_t base;
  size_t index;
  unsigned long gen;
  unsigned long resets;
  bool exclusive;
  uint8_t *resp;              /* EMU_RESP_SIZE bytes for emu_card_apdu */
};

static const reader_ops_t reader_emu_ops;
static int reader_emu_negotiate (const struct emu_slot *s, int protos);

static void
reader_emu_notify (emu_ctx_t *c, enum reader_event_type type,
                   const emu_slot_t *s)
{
  size_t i;
  for (i = 0; i < c->nmon; i++)
    reader_monitor_push (c->mon[i], type, s->name, s->atr, s->atr_len);
}

/* Power the card on (cold) and remember its ATR. Called with LOCK. */
static gpg_error_t
reader_emu_power (emu_slot_t *s)
{
  uint8_t atr[64];
  size_t atr_len = sizeof atr;
  gpg_error_t err;

  err = emu_card_power_on (s->card, atr, &atr_len);
  if (err)
    return err;
  if (atr_len > READER_ATR_MAX)
    atr_len = READER_ATR_MAX;
  memcpy (s->atr, atr, atr_len);
  s->atr_len = atr_len;
  s->powered = true;
  s->resets++;
  return 0;
}

/* Take the card out. Called with LOCK. */
static void
reader_emu_pull (emu_ctx_t *c, emu_slot_t *s)
{
  if (!s->present)
    return;
  if (s->powered)
    emu_card_power_off (s->card);
  s->present = false;
  s->powered = false;
  s->gen++;
  s->remove_after = 0;
  s->tx_owner = NULL;
  pthread_cond_broadcast (&c->tx_cond);
  reader_emu_notify (c, READER_EV_CARD_REMOVED, s);
  s->atr_len = 0;
}

gpg_error_t
reader_emu_open (const char *opts, reader_ctx_t **r_ctx)
{
  gpg_error_t err = 0;
  emu_ctx_t *c;
  char *copy = NULL, *tok, *save = NULL;
  size_t i;

  c = xtrycalloc (1, sizeof *c);
  if (!c)
    return gpg_error_from_syserror ();
  c->base.ops = &reader_emu_ops;
  c->base.backend = READER_BACKEND_EMU;
  pthread_mutex_init (&c->lock, NULL);
  pthread_cond_init (&c->tx_cond, NULL);
  copy = xtrystrdup (opts ? opts : "");
  if (!copy)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (tok = strtok_r (copy, ",", &save); tok; tok = strtok_r (NULL, ",", &save))
    {
      emu_slot_t *s;
      if (strncmp (tok, "profile=", 8) || !tok[8])
        {
          log_error (_("emulated reader: bad option '%s' "
                       "(expected profile=PATH)"), tok);
          err = gpg_error (GPG_ERR_INV_ARG);
          goto leave;
        }
      if (c->n == EMU_MAX_READERS)
        {
          err = gpg_error (GPG_ERR_TOO_LARGE);
          goto leave;
        }
      s = &c->slot[c->n];
      err = emu_card_load (tok + 8, &s->card);
      if (err)
        {
          log_error (_("emulated reader: cannot load card profile '%s': %s"),
                     tok + 8, vsc_strerror (err));
          goto leave;
        }
      snprintf (s->name, sizeof s->name, "vscemu %zu", c->n);
      c->n++;
      err = reader_emu_power (s);
      if (err)
        goto leave;
      s->present = true;
    }
  *r_ctx = &c->base;
  c = NULL;

 leave:
  if (c)
    {
      for (i = 0; i < c->n; i++)
        emu_card_free (c->slot[i].card);
      pthread_cond_destroy (&c->tx_cond);
      pthread_mutex_destroy (&c->lock);
      xfree (c);
    }
  xfree (copy);
  return err;
}

static void
reader_emu_close (reader_ctx_t *ctx)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  size_t i;

  for (i = 0; i < c->n; i++)
    {
      if (c->slot[i].powered)
        emu_card_power_off (c->slot[i].card);
      emu_card_free (c->slot[i].card);
      xfree_secure (c->slot[i].pinpad);
    }
  pthread_cond_destroy (&c->tx_cond);
  pthread_mutex_destroy (&c->lock);
  xfree (c);
}

static gpg_error_t
reader_emu_list (reader_ctx_t *ctx, reader_info_t **r_list, size_t *r_n)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  reader_info_t *list;
  size_t i;

  if (!c->n)
    return 0;
  list = xtrycalloc (c->n, sizeof *list);
  if (!list)
    return gpg_error_from_syserror ();
  pthread_mutex_lock (&c->lock);
  for (i = 0; i < c->n; i++)
    {
      emu_slot_t *s = &c->slot[i];
      reader_copy_name (list[i].name, s->name);
      list[i].present = s->present;
      list[i].in_use = s->nconn > 0;
      list[i].exclusive = s->exclusive;
      if (s->present)
        {
          memcpy (list[i].atr, s->atr, s->atr_len);
          list[i].atr_len = s->atr_len;
        }
    }
  pthread_mutex_unlock (&c->lock);
  *r_list = list;
  *r_n = c->n;
  return 0;
}

static gpg_error_t
reader_emu_connect (reader_ctx_t *ctx, const char *name, int share,
                    int protos, reader_card_t **r_card)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  gpg_error_t err = 0;
  emu_conn_t *conn = NULL;
  emu_slot_t *s = NULL;
  size_t i;
  int proto;

  pthread_mutex_lock (&c->lock);
  if (!c->n)
    err = gpg_error (GPG_ERR_ENODEV);
  else if (name)
    {
      for (i = 0; i < c->n && strcmp (c->slot[i].name, name); i++)
        ;
      if (i == c->n)
        err = gpg_error (GPG_ERR_ENODEV);
      else if (!c->slot[i].present)
        err = gpg_error (GPG_ERR_CARD_NOT_PRESENT);
    }
  else
    {
      for (i = 0; i < c->n && !c->slot[i].present; i++)
        ;
      if (i == c->n)
        err = gpg_error (GPG_ERR_CARD_NOT_PRESENT);
    }
  if (err)
    goto leave;
  s = &c->slot[i];
  if (s->exclusive || (share == READER_EXCLUSIVE && s->nconn))
    {
      err = gpg_error (GPG_ERR_EBUSY);
      goto leave;
    }
  proto = reader_emu_negotiate (s, protos);
  if (!proto)
    {
      err = gpg_error (GPG_ERR_NOT_SUPPORTED);
      goto leave;
    }
  conn = xtrycalloc (1, sizeof *conn);
  if (conn)
    conn->resp = xtrymalloc (EMU_RESP_SIZE);
  if (!conn || !conn->resp)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (!s->powered)
    {
      err = reader_emu_power (s);
      if (err)
        goto leave;
    }
  conn->index = i;
  conn->gen = s->gen;
  conn->resets = s->resets;
  conn->exclusive = share == READER_EXCLUSIVE;
  reader_card_setup (&conn->base, ctx, s->name, s->atr, s->atr_len, proto);
  s->nconn++;
  if (conn->exclusive)
    s->exclusive = true;
  *r_card = &conn->base;
  conn = NULL;

 leave:
  pthread_mutex_unlock (&c->lock);
  if (conn)
    {
      xfree (conn->resp);
      xfree (conn);
    }
  return err;
}

/* The protocol for a connection accepting PROTOS (READER_PROTO_ANY =
 * both), from what the ATR offers; T=1 preferred. 0: none. */
static int
reader_emu_negotiate (const emu_slot_t *s, int protos)
{
  int offered = reader_atr_protocols (s->atr, s->atr_len);

  if (protos == READER_PROTO_ANY)
    protos = READER_PROTO_T0 | READER_PROTO_T1;
  if (!offered)
    offered = READER_PROTO_T1;   /* malformed ATR: the emulator speaks T=1 */
  offered &= protos;
  if (offered & READER_PROTO_T1)
    return READER_PROTO_T1;
  if (offered & READER_PROTO_T0)
    return READER_PROTO_T0;
  return 0;
}

/* State check every call starts with. Called with LOCK. */
static gpg_error_t
reader_emu_check (emu_slot_t *s, emu_conn_t *conn)
{
  if (conn->gen != s->gen || !s->present)
    return gpg_error (GPG_ERR_CARD_REMOVED);
  if (conn->resets != s->resets)
    {
      /* Reported once; the next call works (as after SCardReconnect). */
      conn->resets = s->resets;
      return gpg_error (GPG_ERR_CARD_RESET);
    }
  return 0;
}

/* Lock the context of connection CARD (*R_C) and return its slot. */
static emu_slot_t *
reader_emu_lock (reader_card_t *card, emu_ctx_t **r_c)
{
  emu_ctx_t *c = (emu_ctx_t *)card->ctx;

  pthread_mutex_lock (&c->lock);
  *r_c = c;
  return &c->slot[((emu_conn_t *)card)->index];
}

/* Wait (holding C's lock) until no other connection has a transaction
 * on S; the error of reader_emu_check if the card went away meanwhile. */
static gpg_error_t
reader_emu_tx_wait (emu_ctx_t *c, emu_slot_t *s, emu_conn_t *conn)
{
  gpg_error_t err;

  while (!(err = reader_emu_check (s, conn))
         && s->tx_owner && s->tx_owner != conn)
    pthread_cond_wait (&c->tx_cond, &c->lock);
  return err;
}

/* End CONN's transaction on S, if it has one (holding C's lock). */
static void
reader_emu_tx_release (emu_ctx_t *c, emu_slot_t *s, emu_conn_t *conn)
{
  if (s->tx_owner != conn)
    return;
  s->tx_owner = NULL;
  pthread_cond_broadcast (&c->tx_cond);
}

static void
reader_emu_disconnect (reader_card_t *card, bool reset)
{
  emu_conn_t *conn = (emu_conn_t *)card;
  emu_ctx_t *c;
  emu_slot_t *s = reader_emu_lock (card, &c);

  reader_emu_tx_release (c, s, conn);
  if (s->nconn)
    s->nconn--;
  if (conn->exclusive)
    s->exclusive = false;
  if (reset && conn->gen == s->gen && s->present)
    reader_emu_power (s);
  pthread_mutex_unlock (&c->lock);
  xfree (conn->resp);
  xfree (conn);
}

static gpg_error_t
reader_emu_reconnect (reader_card_t *card, bool reset)
{
  emu_conn_t *conn = (emu_conn_t *)card;
  emu_ctx_t *c;
  emu_slot_t *s = reader_emu_lock (card, &c);
  gpg_error_t err = 0;

  if (conn->gen != s->gen || !s->present)
    err = gpg_error (GPG_ERR_CARD_REMOVED);
  else if (reset)
    err = reader_emu_power (s);
  if (!err)
    {
      conn->resets = s->resets;   /* acknowledged */
      reader_card_setup (card, card->ctx, s->name, s->atr, s->atr_len,
                         card->proto);
    }
  pthread_mutex_unlock (&c->lock);
  return err;
}

static gpg_error_t
reader_emu_begin (reader_card_t *card)
{
  emu_conn_t *conn = (emu_conn_t *)card;
  emu_ctx_t *c;
  emu_slot_t *s = reader_emu_lock (card, &c);
  gpg_error_t err;

  err = reader_emu_tx_wait (c, s, conn);
  if (!err)
    s->tx_owner = conn;
  pthread_mutex_unlock (&c->lock);
  return err;
}

static void
reader_emu_end (reader_card_t *card)
{
  emu_ctx_t *c;
  emu_slot_t *s = reader_emu_lock (card, &c);

  reader_emu_tx_release (c, s, (emu_conn_t *)card);
  pthread_mutex_unlock (&c->lock);
}

static gpg_error_t
reader_emu_transmit (reader_card_t *card, const uint8_t *capdu, size_t clen,
                     uint8_t *resp, size_t *resp_len)
{
  emu_conn_t *conn = (emu_conn_t *)card;
  emu_ctx_t *c;
  emu_slot_t *s = reader_emu_lock (card, &c);
  gpg_error_t err;
  size_t n = EMU_RESP_SIZE;

  err = reader_emu_tx_wait (c, s, conn);
  if (err)
    goto leave;
  err = emu_card_apdu (s->card, capdu, clen, conn->resp, &n);
  if (err)
    goto leave;
  if (n < 2)
    {
      err = gpg_error (GPG_ERR_TOO_SHORT);
      goto leave;
    }
  if (n > *resp_len)
    {
      err = gpg_error (GPG_ERR_BUFFER_TOO_SHORT);
      goto leave;
    }
  memcpy (resp, conn->resp, n);
  *resp_len = n;
  if (s->remove_after && !--s->remove_after)
    reader_emu_pull (c, s);   /* this answer arrived; the next will not */

 leave:
  pthread_mutex_unlock (&c->lock);
  return err;
}

static bool
reader_emu_has_pinpad (reader_card_t *card)
{
  emu_conn_t *conn = (emu_conn_t *)card;
  emu_ctx_t *c = (emu_ctx_t *)card->ctx;
  bool yes;

  pthread_mutex_lock (&c->lock);
  yes = c->slot[conn->index].pinpad != NULL;
  pthread_mutex_unlock (&c->lock);
  return yes;
}

/* The emulated PIN pad does what a PC/SC reader does with a
 * PIN_VERIFY_STRUCTURE: takes the digits typed (the slot's), refuses a
 * length outside FMT's range (6B80, as readers answer for bad
 * parameters), puts them into the VERIFY data field (variable length, or
 * a block pre-filled with the pad byte) and sends the command. */
static gpg_error_t
reader_emu_verify_pinpad (reader_card_t *card, uint8_t cla, uint8_t p2_ref,
                          const reader_pin_format_t *fmt, unsigned *sw)
{
  emu_conn_t *conn = (emu_conn_t *)card;
  emu_ctx_t *c = (emu_ctx_t *)card->ctx;
  uint8_t *apdu, resp[258];
  size_t n, len, rlen = sizeof resp;
  gpg_error_t err;

  apdu = xtrymalloc_secure (5 + 256);
  if (!apdu)
    return gpg_error_from_syserror ();
  pthread_mutex_lock (&c->lock);
  n = c->slot[conn->index].pinpad ? strlen (c->slot[conn->index].pinpad) : 0;
  if (n < fmt->min_len || n > fmt->max_len)
    {
      pthread_mutex_unlock (&c->lock);
      xfree_secure (apdu);
      *sw = 0x6B80;
      return 0;
    }
  len = fmt->block_len ? fmt->block_len : n;
  apdu[0] = cla;
  apdu[1] = 0x20;
  apdu[2] = 0x00;
  apdu[3] = p2_ref;
  apdu[4] = (uint8_t)len;
  memset (apdu + 5, fmt->pad, len);
  memcpy (apdu + 5, c->slot[conn->index].pinpad, n);
  pthread_mutex_unlock (&c->lock);
  err = reader_emu_transmit (card, apdu, 5 + len, resp, &rlen);
  wipememory (apdu, 5 + 256);
  xfree_secure (apdu);
  if (!err && rlen >= 2)
    *sw = get_be16 (resp + rlen - 2);
  else if (!err)
    err = gpg_error (GPG_ERR_TOO_SHORT);
  return err;
}

gpg_error_t
reader_emu_set_pinpad (reader_ctx_t *ctx, unsigned index, const char *digits)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  gpg_error_t err = 0;
  char *copy = NULL;

  if (!ctx || ctx->backend != READER_BACKEND_EMU)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (digits)
    {
      if (strlen (digits) > 255)
        return gpg_error (GPG_ERR_INV_ARG);
      copy = xtrystrdup_secure (digits);
      if (!copy)
        return gpg_error_from_syserror ();
    }
  pthread_mutex_lock (&c->lock);
  if (index >= c->n)
    err = gpg_error (GPG_ERR_ENODEV);
  else
    {
      xfree_secure (c->slot[index].pinpad);
      c->slot[index].pinpad = copy;
      copy = NULL;
    }
  pthread_mutex_unlock (&c->lock);
  xfree_secure (copy);
  return err;
}

static gpg_error_t
reader_emu_monitor_attach (reader_ctx_t *ctx, reader_monitor_t *mon)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  gpg_error_t err = 0;

  pthread_mutex_lock (&c->lock);
  if (c->nmon == EMU_MAX_MONITORS)
    err = gpg_error (GPG_ERR_TOO_MANY);
  else
    c->mon[c->nmon++] = mon;
  pthread_mutex_unlock (&c->lock);
  return err;
}

static void
reader_emu_monitor_detach (reader_ctx_t *ctx, reader_monitor_t *mon)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  size_t i;

  pthread_mutex_lock (&c->lock);
  for (i = 0; i < c->nmon && c->mon[i] != mon; i++)
    ;
  if (i < c->nmon)
    {
      memmove (&c->mon[i], &c->mon[i + 1],
               (c->nmon - i - 1) * sizeof c->mon[0]);
      c->nmon--;
    }
  pthread_mutex_unlock (&c->lock);
}

gpg_error_t
reader_emu_set_present (reader_ctx_t *ctx, unsigned index, bool present)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  gpg_error_t err = 0;
  emu_slot_t *s;

  if (!ctx || ctx->backend != READER_BACKEND_EMU)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  pthread_mutex_lock (&c->lock);
  if (index >= c->n)
    {
      err = gpg_error (GPG_ERR_ENODEV);
      goto leave;
    }
  s = &c->slot[index];
  if (present && !s->present)
    {
      /* The reader powers a new card at once (as pcscd does) to show
       * its ATR. */
      err = reader_emu_power (s);
      if (err)
        goto leave;
      s->present = true;
      s->gen++;
      reader_emu_notify (c, READER_EV_CARD_INSERTED, s);
    }
  else if (!present)
    reader_emu_pull (c, s);

 leave:
  pthread_mutex_unlock (&c->lock);
  return err;
}

gpg_error_t
reader_emu_remove_after (reader_ctx_t *ctx, unsigned index, unsigned long n)
{
  emu_ctx_t *c = (emu_ctx_t *)ctx;
  gpg_error_t err = 0;

  if (!ctx || ctx->backend != READER_BACKEND_EMU)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  pthread_mutex_lock (&c->lock);
  if (index >= c->n)
    err = gpg_error (GPG_ERR_ENODEV);
  else if (!c->slot[index].present)
    err = gpg_error (GPG_ERR_CARD_NOT_PRESENT);
  else
    c->slot[index].remove_after = n;
  pthread_mutex_unlock (&c->lock);
  return err;
}

static const reader_ops_t reader_emu_ops = {
  reader_emu_close,
  reader_emu_list,
  reader_emu_connect,
  reader_emu_disconnect,
  reader_emu_reconnect,
  reader_emu_begin,
  reader_emu_end,
  reader_emu_transmit,
  reader_emu_has_pinpad,
  reader_emu_verify_pinpad,
  reader_emu_monitor_attach,
  reader_emu_monitor_detach
};
