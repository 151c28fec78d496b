/* reader.c - reader handler front: backend dispatch, ATR rules, channels
 *
 * The public reader_* calls go through the backend's operation table
 * (reader-int.h). What is the same for every backend lives here: the
 * extended-length rule read from the ATR and the apdu_chan_t set-up. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "common/i18n.h"
#include "reader/reader-int.h"

gpg_error_t
reader_open (enum reader_backend backend, const char *opts,
             reader_ctx_t **r_ctx)
{
  if (!r_ctx)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_ctx = NULL;
  switch (backend)
    {
    case READER_BACKEND_PCSC:
      return reader_pcsc_open (opts, r_ctx);
    case READER_BACKEND_EMU:
      return reader_emu_open (opts, r_ctx);
    }
  return gpg_error (GPG_ERR_NOT_SUPPORTED);
}

void
reader_close (reader_ctx_t *ctx)
{
  if (ctx)
    ctx->ops->close (ctx);
}

gpg_error_t
reader_list (reader_ctx_t *ctx, reader_info_t **r_list, size_t *r_n)
{
  if (!ctx || !r_list || !r_n)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_list = NULL;
  *r_n = 0;
  return ctx->ops->list (ctx, r_list, r_n);
}

gpg_error_t
reader_connect (reader_ctx_t *ctx, const char *name, int share, int protos,
                reader_card_t **r_card)
{
  if (!ctx || !r_card)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_card = NULL;
  return ctx->ops->connect (ctx, name, share, protos, r_card);
}

void
reader_disconnect (reader_card_t *card, bool reset)
{
  if (card)
    card->ctx->ops->disconnect (card, reset);
}

gpg_error_t
reader_reconnect (reader_card_t *card, bool reset)
{
  if (!card)
    return gpg_error (GPG_ERR_INV_ARG);
  return card->ctx->ops->reconnect (card, reset);
}

gpg_error_t
reader_begin (reader_card_t *card)
{
  if (!card)
    return gpg_error (GPG_ERR_INV_ARG);
  return card->ctx->ops->begin (card);
}

void
reader_end (reader_card_t *card)
{
  if (card)
    card->ctx->ops->end (card);
}

gpg_error_t
reader_transmit (void *opaque, const uint8_t *capdu, size_t clen,
                 uint8_t *resp, size_t *resp_len)
{
  reader_card_t *card = opaque;

  if (!card || !capdu || !clen || !resp || !resp_len || *resp_len < 2)
    return gpg_error (GPG_ERR_INV_ARG);
  return card->ctx->ops->transmit (card, capdu, clen, resp, resp_len);
}

bool
reader_has_pinpad (reader_card_t *card)
{
  return card && card->ctx->ops->has_pinpad (card);
}

gpg_error_t
reader_verify_pinpad (reader_card_t *card, uint8_t cla, uint8_t p2_ref,
                      const reader_pin_format_t *fmt, unsigned *sw)
{
  static const reader_pin_format_t ascii = { 4, 15, 0, 0 };
  if (!card || !sw)
    return gpg_error (GPG_ERR_INV_ARG);
  if (!card->ctx->ops->has_pinpad (card))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (!fmt)
    fmt = &ascii;
  if (!fmt->max_len || fmt->min_len > fmt->max_len
      || (fmt->block_len && fmt->block_len < fmt->max_len)
      || fmt->block_len > 15)
    return gpg_error (GPG_ERR_INV_ARG);
  return card->ctx->ops->verify_pinpad (card, cla, p2_ref, fmt, sw);
}

const char *
reader_card_name (reader_card_t *card)
{
  return card ? card->name : "";
}

const uint8_t *
reader_card_atr (reader_card_t *card, size_t *len)
{
  if (len)
    *len = card ? card->atr_len : 0;
  return card ? card->atr : NULL;
}

void
reader_card_ext_limits (reader_card_t *card, size_t *max_le, size_t *max_lc)
{
  *max_le = card && card->max_le ? card->max_le : APDU_MAX_EXT_LE;
  *max_lc = card && card->max_lc ? card->max_lc : APDU_MAX_EXT_LC;
}

int
reader_card_proto (reader_card_t *card)
{
  return card ? card->proto : 0;
}

/* Locate the historical bytes of ATR. Returns false for an ATR too short
 * for what its format bytes announce. */
static bool
reader_atr_historical (const uint8_t *atr, size_t n, const uint8_t **r_hb,
                       size_t *r_k)
{
  size_t i, k;
  uint8_t y;

  if (!atr || n < 2)
    return false;
  k = atr[1] & 0x0F;
  y = atr[1] >> 4;
  i = 2;
  for (;;)
    {
      bool td = (y & 0x08) != 0;
      i += ((y & 1) != 0) + ((y & 2) != 0) + ((y & 4) != 0);
      if (!td)
        break;
      if (i >= n)
        return false;
      y = atr[i] >> 4;   /* TDi: next Y, low nibble is the protocol */
      i++;
    }
  if (i + k > n)
    return false;
  *r_hb = atr + i;
  *r_k = k;
  return true;
}

int
reader_atr_protocols (const uint8_t *atr, size_t n)
{
  int protos = 0;
  size_t i;
  uint8_t y;
  const uint8_t *hb;
  size_t k;

  if (!reader_atr_historical (atr, n, &hb, &k))
    return 0;
  y = atr[1] >> 4;
  i = 2;
  while (y & 0x08)
    {
      i += ((y & 1) != 0) + ((y & 2) != 0) + ((y & 4) != 0);
      if ((atr[i] & 0x0F) == 0)
        protos |= READER_PROTO_T0;
      else if ((atr[i] & 0x0F) == 1)
        protos |= READER_PROTO_T1;
      y = atr[i] >> 4;
      i++;
    }
  if (!(atr[1] & 0x80))
    protos = READER_PROTO_T0;   /* no TD1: T=0 only */
  return protos;
}

bool
reader_atr_ext_ok (const uint8_t *atr, size_t atr_len)
{
  const uint8_t *hb;
  size_t k, i, end;

  if (!reader_atr_historical (atr, atr_len, &hb, &k) || k < 1)
    return false;
  if (hb[0] == 0x00)
    end = k >= 4 ? k - 3 : 0;      /* last three bytes: status indicator */
  else if (hb[0] == 0x80)
    end = k;
  else
    return false;                  /* 10: DIR reference; others: proprietary */
  for (i = 1; i < end;)
    {
      unsigned tag = hb[i] >> 4, len = hb[i] & 0x0F;
      if (i + 1 + len > end)
        return false;
      if (tag == 7 && len >= 3)
        return (hb[i + 3] & 0x40) != 0;
      i += 1 + len;
    }
  return false;
}

void
reader_copy_name (char dst[READER_NAME_MAX], const char *name)
{
  size_t n = name ? strlen (name) : 0;
  if (n >= READER_NAME_MAX)
    n = READER_NAME_MAX - 1;
  if (n)
    memcpy (dst, name, n);
  dst[n] = 0;
}

void
reader_card_setup (reader_card_t *card, reader_ctx_t *ctx, const char *name,
                   const uint8_t *atr, size_t atr_len, int proto)
{
  card->ctx = ctx;
  reader_copy_name (card->name, name);
  if (atr_len > READER_ATR_MAX)
    atr_len = READER_ATR_MAX;
  if (atr_len)
    memcpy (card->atr, atr, atr_len);
  card->atr_len = atr_len;
  card->proto = proto;
  card->ext_ok = proto == READER_PROTO_T1 && reader_atr_ext_ok (atr, atr_len);
  if (!card->max_le)
    card->max_le = APDU_MAX_EXT_LE;
  if (!card->max_lc)
    card->max_lc = APDU_MAX_EXT_LC;
}

void
reader_chan_init (reader_card_t *card, apdu_chan_t *chan)
{
  apdu_chan_init (chan, reader_transmit, card,
                  card->proto == READER_PROTO_T0 ? APDU_PROTO_T0
                                                 : APDU_PROTO_T1);
  chan->ext_ok = card->ext_ok;
  chan->max_le = card->ext_ok ? card->max_le : APDU_MAX_SHORT_LE;
  chan->max_lc = card->ext_ok ? card->max_lc : APDU_MAX_SHORT_LC;
}

/* What the reader layer's error codes mean for a person. */
static const struct {
  gpg_err_code_t code;
  const char *text;
} reader_errtab[] = {
  { GPG_ERR_ENXIO,
    N_("the PC/SC service (pcscd) is not running or not reachable") },
  { GPG_ERR_CARD_RESET,
    N_("the card was reset by another program (PIN state lost)") },
  { GPG_ERR_CARD_REMOVED, N_("the card was removed") },
  { GPG_ERR_CARD_NOT_PRESENT, N_("no card in the reader") },
  { GPG_ERR_ENODEV,
    N_("no such reader (or pcscd reports no readers at all)") },
  { GPG_ERR_EBUSY,
    N_("the card is in exclusive use by another program") },
  { GPG_ERR_INV_HANDLE, N_("the connection to the card is no longer valid "
                           "(was pcscd restarted?)") }
};

const char *
reader_strerror (gpg_error_t err)
{
  size_t i;

  for (i = 0; i < DIM (reader_errtab); i++)
    if (reader_errtab[i].code == gpg_err_code (err))
      return _(reader_errtab[i].text);
  return vsc_strerror (err);
}

long long
reader_now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
