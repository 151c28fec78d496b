/* reader-pcsc.c - reader backend on pcsc-lite
 *
 * The context is established lazily: if pcscd is not running when the
 * backend is opened, reader_open still succeeds and each later call
 * tries again (so the manager can start first and pcscd later). After
 * pcscd restarts, a call that fails with "no service" or "invalid
 * handle" re-establishes the context once and retries.
 *
 * Error mapping (pcsc-lite -> gpg_err_code):
 *   SCARD_W_RESET_CARD                      GPG_ERR_CARD_RESET (never retried:
 *                                           PIN state is lost; acknowledge
 *                                           with reader_reconnect)
 *   SCARD_W_REMOVED_CARD, SCARD_E_NO_SMARTCARD
 *                                           GPG_ERR_CARD_REMOVED
 *                                           (CARD_NOT_PRESENT at connect)
 *   SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED
 *                                           GPG_ERR_ENXIO ("pcscd ...")
 *   SCARD_E_NO_READERS_AVAILABLE,
 *   SCARD_E_UNKNOWN_READER, SCARD_E_READER_UNAVAILABLE
 *                                           GPG_ERR_ENODEV
 *   SCARD_E_SHARING_VIOLATION               GPG_ERR_EBUSY
 *   SCARD_E_CANCELLED                       GPG_ERR_CANCELED
 *   SCARD_E_TIMEOUT                         GPG_ERR_ETIMEDOUT
 *   SCARD_E_INSUFFICIENT_BUFFER             GPG_ERR_BUFFER_TOO_SHORT
 *   SCARD_E_INVALID_HANDLE                  GPG_ERR_INV_HANDLE
 *   SCARD_W_UNRESPONSIVE_CARD,
 *   SCARD_W_UNPOWERED_CARD                  GPG_ERR_CARD (mute card)
 *   anything else                           GPG_ERR_CARD (logged in detail)
 */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <winscard.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "reader/reader-int.h"

/* PC/SC part 10 (pcsc-lite's reader.h has the same values; defined here
 * so our own reader/reader.h is never confused with it). */
#ifndef SCARD_CTL_CODE
#define SCARD_CTL_CODE(code) (0x42000000 + (code))
#endif
#define PCSC_CM_IOCTL_GET_FEATURE_REQUEST SCARD_CTL_CODE (3400)
#define PCSC_FEATURE_VERIFY_PIN_DIRECT 0x06

typedef struct pcsc_ctx {
  reader_ctx_t base;
  SCARDCONTEXT hctx;
  bool valid;
} pcsc_ctx_t;

typedef struct pcsc_card {
  reader_card_t base;
  SCARDHANDLE h;
  DWORD share;
  DWORD protos;
  bool features_read;
  DWORD verify_ioctl;      /* 0: no FEATURE_VERIFY_PIN_DIRECT */
} pcsc_card_t;

static const reader_ops_t reader_pcsc_ops;

/* Map a pcsc-lite result code (see the table at the top). */
static const struct {
  LONG rv;
  gpg_err_code_t code;
} reader_pcsc_errtab[] = {
  { SCARD_W_RESET_CARD, GPG_ERR_CARD_RESET },
  { SCARD_W_REMOVED_CARD, GPG_ERR_CARD_REMOVED },
  { SCARD_E_NO_SMARTCARD, GPG_ERR_CARD_REMOVED },
  { SCARD_E_NO_SERVICE, GPG_ERR_ENXIO },
  { SCARD_E_SERVICE_STOPPED, GPG_ERR_ENXIO },
  { SCARD_E_NO_READERS_AVAILABLE, GPG_ERR_ENODEV },
  { SCARD_E_UNKNOWN_READER, GPG_ERR_ENODEV },
  { SCARD_E_READER_UNAVAILABLE, GPG_ERR_ENODEV },
  { SCARD_E_SHARING_VIOLATION, GPG_ERR_EBUSY },
  { SCARD_E_CANCELLED, GPG_ERR_CANCELED },
  { SCARD_E_TIMEOUT, GPG_ERR_ETIMEDOUT },
  { SCARD_E_INSUFFICIENT_BUFFER, GPG_ERR_BUFFER_TOO_SHORT },
  { SCARD_E_INVALID_HANDLE, GPG_ERR_INV_HANDLE }
};

static gpg_error_t
reader_pcsc_err (LONG rv)
{
  size_t i;

  if (rv == SCARD_S_SUCCESS)
    return 0;
  for (i = 0; i < DIM (reader_pcsc_errtab); i++)
    if (reader_pcsc_errtab[i].rv == rv)
      return gpg_error (reader_pcsc_errtab[i].code);
  log_debug ("pcsc: %s (0x%08lx)", pcsc_stringify_error (rv),
             (unsigned long)rv);
  return gpg_error (GPG_ERR_CARD);
}

/* True for results after which the context must be re-established. */
static bool
reader_pcsc_lost (LONG rv)
{
  return rv == SCARD_E_NO_SERVICE || rv == SCARD_E_SERVICE_STOPPED
         || rv == SCARD_E_INVALID_HANDLE;
}

static LONG
reader_pcsc_establish (pcsc_ctx_t *c)
{
  LONG rv;

  if (c->valid)
    return SCARD_S_SUCCESS;
  rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &c->hctx);
  if (rv == SCARD_S_SUCCESS)
    c->valid = true;
  return rv;
}

static void
reader_pcsc_drop (pcsc_ctx_t *c)
{
  if (c->valid)
    SCardReleaseContext (c->hctx);
  c->valid = false;
}

gpg_error_t
reader_pcsc_open (const char *opts, reader_ctx_t **r_ctx)
{
  pcsc_ctx_t *c;

  (void)opts;
  c = xtrycalloc (1, sizeof *c);
  if (!c)
    return gpg_error_from_syserror ();
  c->base.ops = &reader_pcsc_ops;
  c->base.backend = READER_BACKEND_PCSC;
  /* pcscd may be missing now; every call tries again. */
  if (reader_pcsc_establish (c) != SCARD_S_SUCCESS)
    log_debug ("pcsc: pcscd not reachable yet");
  *r_ctx = &c->base;
  return 0;
}

static void
reader_pcsc_close (reader_ctx_t *ctx)
{
  pcsc_ctx_t *c = (pcsc_ctx_t *)ctx;
  reader_pcsc_drop (c);
  xfree (c);
}

/* The multi-string of reader names, or NULL with *R_RV set. An empty
 * reader list gives *R_N = 0 and a non-NULL empty string. */
LONG
reader_pcsc_list_names (SCARDCONTEXT hctx, char **r_names, size_t *r_n)
{
  char *names = NULL;
  DWORD len = 0;
  LONG rv;
  size_t n = 0;
  const char *p;

  *r_names = NULL;
  *r_n = 0;
  rv = SCardListReaders (hctx, NULL, NULL, &len);
  if (rv == SCARD_S_SUCCESS && len)
    {
      names = xtrymalloc (len + 1);
      if (!names)
        return SCARD_E_NO_MEMORY;
      rv = SCardListReaders (hctx, NULL, names, &len);
      if (rv == SCARD_S_SUCCESS)
        names[len] = 0;
      else
        {
          xfree (names);
          names = NULL;
        }
    }
  if (rv == SCARD_E_NO_READERS_AVAILABLE
      || (rv == SCARD_S_SUCCESS && !names))
    {
      names = xtrycalloc (1, 2);
      rv = names ? SCARD_S_SUCCESS : SCARD_E_NO_MEMORY;
    }
  if (rv != SCARD_S_SUCCESS)
    return rv;
  for (p = names; *p; p += strlen (p) + 1)
    n++;
  *r_names = names;
  *r_n = n;
  return rv;
}

LONG
reader_pcsc_states (SCARDCONTEXT hctx, const char *names, size_t n,
                    SCARD_READERSTATE **r_st)
{
  SCARD_READERSTATE *st;
  const char *p;
  size_t i;
  LONG rv = SCARD_S_SUCCESS;

  *r_st = NULL;
  st = xtrycalloc (n ? n : 1, sizeof *st);
  if (!st)
    return SCARD_E_NO_MEMORY;
  for (i = 0, p = names; i < n; i++, p += strlen (p) + 1)
    {
      st[i].szReader = p;
      st[i].dwCurrentState = SCARD_STATE_UNAWARE;
    }
  if (n)
    rv = SCardGetStatusChange (hctx, 0, st, n);
  if (rv == SCARD_E_TIMEOUT)
    rv = SCARD_S_SUCCESS;
  if (rv != SCARD_S_SUCCESS)
    xfree (st);
  else
    *r_st = st;
  return rv;
}

static char *
reader_pcsc_names (pcsc_ctx_t *c, size_t *r_n, LONG *r_rv)
{
  char *names = NULL;
  LONG rv;
  int attempt;

  for (attempt = 0; attempt < 2; attempt++)
    {
      rv = reader_pcsc_establish (c);
      if (rv == SCARD_S_SUCCESS)
        rv = reader_pcsc_list_names (c->hctx, &names, r_n);
      if (!reader_pcsc_lost (rv))
        break;
      reader_pcsc_drop (c);   /* pcscd restarted: try a fresh context */
    }
  *r_rv = rv;
  return names;
}

static gpg_error_t
reader_pcsc_list (reader_ctx_t *ctx, reader_info_t **r_list, size_t *r_n)
{
  pcsc_ctx_t *c = (pcsc_ctx_t *)ctx;
  gpg_error_t err = 0;
  char *names;
  size_t n = 0, i;
  SCARD_READERSTATE *st = NULL;
  reader_info_t *list = NULL;
  LONG rv;

  /* Names, then their states; NAMES is set only with SCARD_S_SUCCESS. */
  names = reader_pcsc_names (c, &n, &rv);
  if (names && n)
    rv = reader_pcsc_states (c->hctx, names, n, &st);
  if (rv != SCARD_S_SUCCESS)
    {
      err = rv == SCARD_E_NO_MEMORY ? gpg_error (GPG_ERR_ENOMEM)
                                    : reader_pcsc_err (rv);
      goto leave;
    }
  if (!n)
    goto leave;
  list = xtrycalloc (n, sizeof *list);
  if (!list)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (i = 0; i < n; i++)
    {
      DWORD s = st[i].dwEventState;
      reader_copy_name (list[i].name, st[i].szReader);
      list[i].present = (s & SCARD_STATE_PRESENT) != 0;
      list[i].exclusive = (s & SCARD_STATE_EXCLUSIVE) != 0;
      list[i].in_use = (s & (SCARD_STATE_EXCLUSIVE | SCARD_STATE_INUSE)) != 0;
      list[i].mute = (s & SCARD_STATE_MUTE) != 0;
      if (list[i].present && st[i].cbAtr <= READER_ATR_MAX)
        {
          memcpy (list[i].atr, st[i].rgbAtr, st[i].cbAtr);
          list[i].atr_len = st[i].cbAtr;
        }
    }
  *r_list = list;
  *r_n = n;
  list = NULL;

 leave:
  xfree (list);
  xfree (st);
  xfree (names);
  return err;
}

/* Read ATR and protocol of a fresh connection into the common part. */
static gpg_error_t
reader_pcsc_refresh (pcsc_card_t *pc, const char *name, DWORD active)
{
  BYTE atr[MAX_ATR_SIZE];
  DWORD atrlen = sizeof atr, state = 0, proto = 0;
  char rname[READER_NAME_MAX];
  DWORD rlen = sizeof rname;
  LONG rv;

  rv = SCardStatus (pc->h, rname, &rlen, &state, &proto, atr, &atrlen);
  if (rv != SCARD_S_SUCCESS)
    return reader_pcsc_err (rv);
  if (!proto)
    proto = active;
  if (atrlen > READER_ATR_MAX)
    atrlen = READER_ATR_MAX;
  /* vpcd frames carry at most 65535 bytes: 65533 data bytes plus SW in a
   * response, 65535 - 4 - 3 - 2 in an extended command. */
  if (!strncmp (name, "Virtual PCD", 11))
    {
      pc->base.max_le = 65533;
      pc->base.max_lc = 65526;
    }
  reader_card_setup (&pc->base, pc->base.ctx, name, atr, atrlen,
                     proto == SCARD_PROTOCOL_T0 ? READER_PROTO_T0
                                                : READER_PROTO_T1);
  return 0;
}

static gpg_error_t
reader_pcsc_connect (reader_ctx_t *ctx, const char *name, int share,
                     int protos, reader_card_t **r_card)
{
  pcsc_ctx_t *c = (pcsc_ctx_t *)ctx;
  gpg_error_t err = 0;
  reader_info_t *list = NULL;
  size_t n = 0, i;
  pcsc_card_t *pc = NULL;
  DWORD active = 0;
  LONG rv;

  if (!name)
    {
      err = reader_pcsc_list (ctx, &list, &n);
      if (err)
        goto leave;
      for (i = 0; i < n && !list[i].present; i++)
        ;
      if (!n)
        {
          err = gpg_error (GPG_ERR_ENODEV);
          goto leave;
        }
      if (i == n)
        {
          err = gpg_error (GPG_ERR_CARD_NOT_PRESENT);
          goto leave;
        }
      name = list[i].name;
    }
  pc = xtrycalloc (1, sizeof *pc);
  if (!pc)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  pc->base.ctx = ctx;
  pc->share = share == READER_EXCLUSIVE ? SCARD_SHARE_EXCLUSIVE
                                        : SCARD_SHARE_SHARED;
  pc->protos = 0;
  if (protos == READER_PROTO_ANY || (protos & READER_PROTO_T0))
    pc->protos |= SCARD_PROTOCOL_T0;
  if (protos == READER_PROTO_ANY || (protos & READER_PROTO_T1))
    pc->protos |= SCARD_PROTOCOL_T1;

  rv = reader_pcsc_establish (c);
  if (rv == SCARD_S_SUCCESS)
    rv = SCardConnect (c->hctx, name, pc->share, pc->protos, &pc->h, &active);
  if (reader_pcsc_lost (rv))
    {
      reader_pcsc_drop (c);
      rv = reader_pcsc_establish (c);
      if (rv == SCARD_S_SUCCESS)
        rv = SCardConnect (c->hctx, name, pc->share, pc->protos, &pc->h,
                           &active);
    }
  if (rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_REMOVED_CARD)
    err = gpg_error (GPG_ERR_CARD_NOT_PRESENT);
  else if (rv == SCARD_E_PROTO_MISMATCH)
    err = gpg_error (GPG_ERR_NOT_SUPPORTED);
  else
    err = reader_pcsc_err (rv);
  if (err)
    goto leave;
  err = reader_pcsc_refresh (pc, name, active);
  if (err)
    {
      SCardDisconnect (pc->h, SCARD_LEAVE_CARD);
      goto leave;
    }
  log_debug ("pcsc: connected to '%s' (T=%d)", pc->base.name,
             pc->base.proto == READER_PROTO_T0 ? 0 : 1);
  *r_card = &pc->base;
  pc = NULL;

 leave:
  xfree (pc);
  xfree (list);
  return err;
}

static void
reader_pcsc_disconnect (reader_card_t *card, bool reset)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  SCardDisconnect (pc->h, reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD);
  xfree (pc);
}

static gpg_error_t
reader_pcsc_reconnect (reader_card_t *card, bool reset)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  DWORD active = 0;
  char name[READER_NAME_MAX];
  LONG rv;

  rv = SCardReconnect (pc->h, pc->share, pc->protos,
                       reset ? SCARD_RESET_CARD : SCARD_LEAVE_CARD, &active);
  if (rv != SCARD_S_SUCCESS)
    return reader_pcsc_err (rv);
  reader_copy_name (name, card->name);
  return reader_pcsc_refresh (pc, name, active);
}

static gpg_error_t
reader_pcsc_begin (reader_card_t *card)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  return reader_pcsc_err (SCardBeginTransaction (pc->h));
}

static void
reader_pcsc_end (reader_card_t *card)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  SCardEndTransaction (pc->h, SCARD_LEAVE_CARD);
}

static gpg_error_t
reader_pcsc_transmit (reader_card_t *card, const uint8_t *capdu, size_t clen,
                      uint8_t *resp, size_t *resp_len)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  DWORD rlen = *resp_len;
  LONG rv;

  rv = SCardTransmit (pc->h, card->proto == READER_PROTO_T0
                             ? SCARD_PCI_T0 : SCARD_PCI_T1,
                      capdu, clen, NULL, resp, &rlen);
  if (rv != SCARD_S_SUCCESS)
    return reader_pcsc_err (rv);
  if (rlen < 2)
    return gpg_error (GPG_ERR_TOO_SHORT);
  *resp_len = rlen;
  return 0;
}

/* Ask the reader for its PC/SC part 10 features once per connection. */
static void
reader_pcsc_features (pcsc_card_t *pc)
{
  BYTE buf[256];
  DWORD len = 0, i;
  LONG rv;

  if (pc->features_read)
    return;
  pc->features_read = true;
  rv = SCardControl (pc->h, PCSC_CM_IOCTL_GET_FEATURE_REQUEST, NULL, 0,
                     buf, sizeof buf, &len);
  if (rv != SCARD_S_SUCCESS)
    return;
  /* A list of TLV: tag (1), length 4, control code big-endian. */
  for (i = 0; i + 6 <= len; i += 2 + buf[i + 1])
    if (buf[i] == PCSC_FEATURE_VERIFY_PIN_DIRECT && buf[i + 1] == 4)
      pc->verify_ioctl = get_be32 (buf + i + 2);
}

static bool
reader_pcsc_has_pinpad (reader_card_t *card)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  reader_pcsc_features (pc);
  return pc->verify_ioctl != 0;
}

/* VERIFY with the PIN typed on the reader's keypad: a
 * PIN_VERIFY_STRUCTURE (PC/SC part 10, 2.5.2; multi-byte fields
 * little-endian) around CLA 20 00 REF Lc data. The PIN is ASCII,
 * left-justified, confirmed with the OK key. Variable length (FMT's
 * block_len 0): Lc 00 is a placeholder the reader replaces with the
 * PIN's length. A fixed block (PIV: 8 bytes padded with FF): Lc is the
 * block size and the data field, pre-filled with the pad byte, is what
 * the reader writes the PIN into (bmPINBlockString). Readers also want
 * the length of that APDU in the last byte of bTeoPrologue. */
static gpg_error_t
reader_pcsc_verify_pinpad (reader_card_t *card, uint8_t cla, uint8_t p2_ref,
                           const reader_pin_format_t *fmt, unsigned *sw)
{
  pcsc_card_t *pc = (pcsc_card_t *)card;
  BYTE s[19 + 5 + 15], out[64];
  DWORD outlen = 0;
  LONG rv;
  size_t apdu_len = 5 + fmt->block_len;

  memset (s, 0, sizeof s);
  s[0] = 30;          /* bTimerOut: seconds */
  s[1] = 15;          /* bTimerOut2: seconds after the first key */
  s[2] = 0x82;        /* bmFormatString: byte units, pos 0, left, ASCII */
  s[3] = fmt->block_len; /* bmPINBlockString: 0 = variable length */
  s[4] = 0x00;        /* bmPINLengthFormat */
  s[5] = fmt->max_len;  /* wPINMaxExtraDigit: max (low byte) ... */
  s[6] = fmt->min_len;  /* ... min (high byte) */
  s[7] = 0x02;        /* bEntryValidationCondition: OK key */
  s[8] = 0x01;        /* bNumberMessage */
  s[9] = 0x09;        /* wLangId 0x0409 */
  s[10] = 0x04;
  s[11] = 0x00;       /* bMsgIndex */
  s[14] = (BYTE)apdu_len;   /* bTeoPrologue[2]: APDU length */
  s[15] = (BYTE)apdu_len;   /* ulDataLength */
  s[19] = cla;
  s[20] = 0x20;
  s[21] = 0x00;
  s[22] = p2_ref;
  s[23] = fmt->block_len;   /* Lc (placeholder when variable) */
  memset (s + 24, fmt->pad, fmt->block_len);
  rv = SCardControl (pc->h, pc->verify_ioctl, s, 19 + apdu_len, out,
                     sizeof out, &outlen);
  if (rv != SCARD_S_SUCCESS)
    return reader_pcsc_err (rv);
  if (outlen < 2)
    return gpg_error (GPG_ERR_TOO_SHORT);
  *sw = get_be16 (out + outlen - 2);
  return 0;
}

static const reader_ops_t reader_pcsc_ops = {
  reader_pcsc_close,
  reader_pcsc_list,
  reader_pcsc_connect,
  reader_pcsc_disconnect,
  reader_pcsc_reconnect,
  reader_pcsc_begin,
  reader_pcsc_end,
  reader_pcsc_transmit,
  reader_pcsc_has_pinpad,
  reader_pcsc_verify_pinpad,
  reader_monitor_pcsc_attach,
  reader_monitor_pcsc_detach
};
