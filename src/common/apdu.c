/* apdu.c - ISO 7816-4 APDU codec and the exchange rules of a channel
 *
 * Command APDU forms (ISO 7816-4 5.1), with Nc = data length, Ne =
 * expected response length:
 *
 *   case 1     CLA INS P1 P2
 *   case 2S    CLA INS P1 P2 Le                 Le 00 = 256
 *   case 3S    CLA INS P1 P2 Lc data            Lc 01..FF
 *   case 4S    CLA INS P1 P2 Lc data Le
 *   case 2E    CLA INS P1 P2 00 Le1 Le2         Le 0000 = 65536
 *   case 3E    CLA INS P1 P2 00 Lc1 Lc2 data    Lc 0001..FFFF
 *   case 4E    CLA INS P1 P2 00 Lc1 Lc2 data Le1 Le2
 *
 * apdu_chan_exchange layers the transport rules on top: chaining when
 * Nc exceeds what one command may carry, 61xx GET RESPONSE, 6Cxx resend,
 * the redacted transcript and the cancel flag. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "apdu.h"
#include "tlv.h"
#include "util.h"

/* Guard against a card that answers 61xx forever. 65536 bytes in the
 * smallest steps a sane card uses, plus slack. */
#define APDU_MAX_GET_RESPONSE 1024
/* Bytes collected over GET RESPONSE before we call the card broken. */
#define APDU_MAX_COLLECT (4u * 1024 * 1024)

gpg_error_t
apdu_encode (const apdu_t *a, buf_t *out)
{
  gpg_error_t err;
  bool ext;
  uint8_t h[4];

  if (a->lc > APDU_MAX_EXT_LC || a->le > APDU_MAX_EXT_LE)
    return gpg_error (GPG_ERR_INV_LENGTH);
  if (a->lc && !a->data)
    return gpg_error (GPG_ERR_INV_ARG);
  ext = a->extended || a->lc > APDU_MAX_SHORT_LC || a->le > APDU_MAX_SHORT_LE;

  buf_clear (out);
  err = buf_reserve (out, 4 + 3 + a->lc + 3);
  if (err)
    return err;
  h[0] = a->cla;
  h[1] = a->ins;
  h[2] = a->p1;
  h[3] = a->p2;
  err = buf_append (out, h, 4);
  /* Extended: a 00 in front, then Lc and Le in two bytes each. */
  if (!err && ext && (a->lc || a->le))
    err = buf_append_byte (out, 0);
  if (!err && a->lc)
    err = ext ? buf_append_be16 (out, (unsigned)a->lc)
              : buf_append_byte (out, (uint8_t)a->lc);
  if (!err && a->lc)
    err = buf_append (out, a->data, a->lc);
  if (!err && a->le)            /* 256 -> 00, 65536 -> 0000 */
    err = ext ? buf_append_be16 (out, (unsigned)(a->le & 0xFFFF))
              : buf_append_byte (out, (uint8_t)(a->le & 0xFF));
  return err;
}

gpg_error_t
apdu_decode (const uint8_t *raw, size_t n, apdu_t *a, unsigned *sw)
{
  size_t lc, body;

  memset (a, 0, sizeof *a);
  *sw = SW_WRONG_LENGTH;
  if (!raw || n < 4)
    return gpg_error (GPG_ERR_INV_LENGTH);
  a->cla = raw[0];
  a->ins = raw[1];
  a->p1 = raw[2];
  a->p2 = raw[3];
  body = n - 4;

  if (body == 0)                        /* case 1 */
    ;
  else if (body == 1)                   /* case 2S */
    a->le = raw[4] ? raw[4] : 256;
  else if (raw[4])                      /* case 3S / 4S */
    {
      lc = raw[4];
      if (body == 1 + lc)
        ;
      else if (body == 2 + lc)
        a->le = raw[5 + lc] ? raw[5 + lc] : 256;
      else
        return gpg_error (GPG_ERR_INV_LENGTH);
      a->lc = lc;
      a->data = raw + 5;
    }
  else                                  /* extended: 00 then two bytes */
    {
      if (body < 3)
        return gpg_error (GPG_ERR_INV_LENGTH);
      a->extended = true;
      lc = get_be16 (raw + 5);
      if (body == 3)                    /* case 2E */
        a->le = lc ? lc : 65536;
      else
        {
          if (!lc)                      /* Lc 0000 with more bytes */
            return gpg_error (GPG_ERR_INV_LENGTH);
          if (body == 3 + lc)           /* case 3E */
            ;
          else if (body == 5 + lc)      /* case 4E */
            {
              a->le = get_be16 (raw + 7 + lc);
              if (!a->le)
                a->le = 65536;
            }
          else
            return gpg_error (GPG_ERR_INV_LENGTH);
          a->lc = lc;
          a->data = raw + 7;
        }
    }
  *sw = SW_OK;
  return 0;
}

gpg_error_t
apdu_parse_response (const uint8_t *raw, size_t n,
                     const uint8_t **data, size_t *len, unsigned *sw)
{
  if (!raw || n < 2)
    return gpg_error (GPG_ERR_TOO_SHORT);
  if (data)
    *data = raw;
  if (len)
    *len = n - 2;
  if (sw)
    *sw = get_be16 (raw + n - 2);
  return 0;
}

void
apdu_chan_init (apdu_chan_t *c, apdu_transmit_fn fn, void *ctx, int proto)
{
  memset (c, 0, sizeof *c);
  c->transmit = fn;
  c->ctx = ctx;
  c->proto = proto;
  c->ext_ok = false;
  c->max_le = APDU_MAX_SHORT_LE;
  c->max_lc = APDU_MAX_SHORT_LC;
  c->cancel = NULL;
}

/* Extended lengths only over T=1 and only if the card says it can. */
static bool
apdu_chan_ext (const apdu_chan_t *c)
{
  return c->ext_ok && c->proto == APDU_PROTO_T1;
}

/* The reader's limit M (0: none) within the protocol's LIM. */
static size_t
apdu_chan_cap (size_t m, size_t lim)
{
  return !m || m > lim ? lim : m;
}

static size_t
apdu_chan_max_lc (const apdu_chan_t *c)
{
  return apdu_chan_cap (c->max_lc, apdu_chan_ext (c) ? APDU_MAX_EXT_LC
                                                     : APDU_MAX_SHORT_LC);
}

static size_t
apdu_chan_max_le (const apdu_chan_t *c)
{
  return apdu_chan_cap (c->max_le, apdu_chan_ext (c) ? APDU_MAX_EXT_LE
                                                     : APDU_MAX_SHORT_LE);
}

/* State of one exchange. */
struct xchg {
  apdu_chan_t *c;
  buf_t capdu;
  uint8_t *rbuf;           /* APDU_MAX_RAPDU bytes */
  size_t rlen;
};

/* Send one C-APDU, log it, receive the R-APDU into X->RBUF. */
static gpg_error_t
apdu_chan_send (struct xchg *x, const apdu_t *a, bool secret)
{
  apdu_chan_t *c = x->c;
  gpg_error_t err;
  bool hide;

  if (c->cancel && *c->cancel)
    return gpg_error (GPG_ERR_CANCELED);
  err = apdu_encode (a, &x->capdu);
  if (err)
    return err;
  hide = log_redact_command (&c->redact, x->capdu.data, x->capdu.len, secret);
  log_apdu_command (x->capdu.data, x->capdu.len, hide);
  x->rlen = APDU_MAX_RAPDU;
  c->apdus++;
  err = c->transmit (c->ctx, x->capdu.data, x->capdu.len, x->rbuf, &x->rlen);
  buf_clear (&x->capdu);        /* wipes a PIN that was in it */
  if (err)
    return err;
  if (x->rlen > APDU_MAX_RAPDU)
    return gpg_error (GPG_ERR_INV_RESPONSE);
  log_apdu_response (x->rbuf, x->rlen, log_redact_response (&c->redact));
  if (x->rlen < 2)
    return gpg_error (GPG_ERR_INV_RESPONSE);
  c->bytes_in += x->rlen - 2;
  return 0;
}

/* Send A (one fragment, lc already within limits) and collect the
 * answer into RESP following 61xx and 6Cxx. */
static gpg_error_t
apdu_chan_single (struct xchg *x, const apdu_t *a0, bool secret,
                  buf_t *resp, unsigned *sw)
{
  gpg_error_t err;
  apdu_t a = *a0;
  unsigned s;
  unsigned n_gr = 0;
  bool resent = false;
  size_t maxle = apdu_chan_max_le (x->c);

  if (a.le > maxle)
    a.le = maxle;
  if (!apdu_chan_ext (x->c))
    a.extended = false;

  for (;;)
    {
      err = apdu_chan_send (x, &a, secret);
      if (err)
        return err;
      s = get_be16 (x->rbuf + x->rlen - 2);
      if (SW_IS_WRONG_LE (s) && !resent)
        {
          /* Same command again with the exact Le the card wants; the
           * data of this answer (normally none) is discarded. */
          resent = true;
          a.le = (s & 0xFF) ? (s & 0xFF) : 256;
          continue;
        }
      resent = false;
      if (x->rlen > 2)
        {
          if (resp->len + (x->rlen - 2) > APDU_MAX_COLLECT)
            return gpg_error (GPG_ERR_TOO_LARGE);
          err = buf_append (resp, x->rbuf, x->rlen - 2);
          if (err)
            return err;
        }
      if (!SW_IS_MORE_DATA (s))
        break;
      if (++n_gr > APDU_MAX_GET_RESPONSE)
        return gpg_error (GPG_ERR_TOO_LARGE);
      /* GET RESPONSE: interindustry class with the channel bits kept. */
      memset (&a, 0, sizeof a);
      a.cla = (a0->cla & 0x80) ? 0x00 : (a0->cla & 0x03);
      a.ins = 0xC0;
      a.le = (s & 0xFF) ? (s & 0xFF) : 256;
      secret = false;           /* the redaction state carries it */
    }
  *sw = s;
  return 0;
}

gpg_error_t
apdu_chan_exchange (apdu_chan_t *c, const apdu_t *a, buf_t *resp,
                    unsigned *sw)
{
  gpg_error_t err;
  struct xchg x;
  apdu_t frag;
  size_t maxlc, off, chunk;
  unsigned s = 0;
  bool secret = a->secret;

  memset (&x, 0, sizeof x);
  x.c = c;
  buf_init (&x.capdu);
  buf_clear (resp);
  if (a->lc > APDU_MAX_EXT_LC || a->le > APDU_MAX_EXT_LE
      || (a->lc && !a->data) || !c->transmit)
    {
      err = gpg_error (GPG_ERR_INV_ARG);
      goto leave;
    }
  x.rbuf = xtrymalloc (APDU_MAX_RAPDU);
  if (!x.rbuf)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }

  maxlc = apdu_chan_max_lc (c);
  off = 0;
  /* Command chaining: every fragment but the last has CLA bit 0x10 and
   * no Le; each must be answered with 9000. */
  while (a->lc - off > maxlc)
    {
      chunk = maxlc;
      frag = *a;
      frag.cla = a->cla | 0x10;
      frag.data = a->data + off;
      frag.lc = chunk;
      frag.le = 0;
      if (!apdu_chan_ext (c))
        frag.extended = false;
      err = apdu_chan_send (&x, &frag, secret);
      if (err)
        goto leave;
      /* Keep every fragment of a secret command secret even if the
       * caller did not mark it. */
      secret = secret || c->redact.in_secret_chain;
      s = get_be16 (x.rbuf + x.rlen - 2);
      if (s != SW_OK)
        {
          c->redact.in_secret_chain = false;
          *sw = s;
          err = 0;
          goto leave;
        }
      off += chunk;
    }
  frag = *a;
  frag.data = a->lc ? a->data + off : NULL;
  frag.lc = a->lc - off;
  /* A SELECT (whatever the card answers) may change the current file
   * or application. */
  if (a->ins == 0xA4 && !(a->cla & 0x80))
    c->selects++;
  err = apdu_chan_single (&x, &frag, secret, resp, &s);
  if (err)
    goto leave;
  *sw = s;

 leave:
  if (err)
    {
      c->redact.in_secret_chain = false;
      /* Reset, removed, lost: the card's selection is unknown now. */
      if (gpg_err_code (err) != GPG_ERR_CANCELED
          && gpg_err_code (err) != GPG_ERR_INV_ARG)
        c->selects++;
    }
  if (x.rbuf)
    {
      wipememory (x.rbuf, APDU_MAX_RAPDU);
      xfree (x.rbuf);
    }
  buf_free (&x.capdu);
  return err;
}

/* Append the offset DO 54 (minimal big-endian, at least 1 byte). */
static gpg_error_t
apdu_put_offset (buf_t *b, size_t offset)
{
  return tlv_put_uint (b, 0x54, (uint64_t)offset);
}

gpg_error_t
apdu_chan_read_binary (apdu_chan_t *c, size_t offset, size_t le,
                       buf_t *out, unsigned *sw)
{
  gpg_error_t err;
  buf_t r, cmd;
  apdu_t a;
  tlv_t t;
  size_t maxle = apdu_chan_max_le (c);

  buf_init (&r);
  r.secure = out->secure;
  buf_init (&cmd);
  memset (&a, 0, sizeof a);
  if (!le || le > maxle)
    le = maxle;
  a.secret = c->secret_binary;
  if (offset <= 0x7FFF)
    {
      a.ins = 0xB0;
      a.p1 = (uint8_t)(offset >> 8);
      a.p2 = (uint8_t)offset;
      a.le = le;
      err = apdu_chan_exchange (c, &a, &r, sw);
      if (!err)
        err = buf_append (out, r.data, r.len);
      goto leave;
    }

  /* Odd INS: P1-P2 0000 = current EF, offset in DO 54, data in DO 53.
   * The answer carries the 53 header too, so ask for a few bytes more. */
  err = apdu_put_offset (&cmd, offset);
  if (err)
    goto leave;
  a.ins = 0xB1;
  a.data = cmd.data;
  a.lc = cmd.len;
  a.le = le + 4 > maxle ? maxle : le + 4;
  err = apdu_chan_exchange (c, &a, &r, sw);
  if (err || !r.len)
    goto leave;
  err = tlv_parse (r.data, r.len, &t, NULL);
  if (err || t.tag != 0x53)
    {
      err = gpg_error (GPG_ERR_INV_RESPONSE);
      goto leave;
    }
  err = buf_append (out, t.value, t.len);

 leave:
  buf_free (&r);
  buf_free (&cmd);
  return err;
}

gpg_error_t
apdu_chan_update_binary (apdu_chan_t *c, size_t offset,
                         const uint8_t *p, size_t n, unsigned *sw)
{
  gpg_error_t err = 0;
  buf_t cmd, r;
  apdu_t a;
  size_t maxlc = apdu_chan_max_lc (c);
  size_t chunk, room, hdr;

  buf_init (&cmd);
  buf_init (&r);
  *sw = SW_OK;
  /* Always send at least one command, even for n == 0. */
  do
    {
      memset (&a, 0, sizeof a);
      a.secret = c->secret_binary;
      if (offset <= 0x7FFF)
        {
          chunk = n < maxlc ? n : maxlc;
          a.ins = 0xD6;
          a.p1 = (uint8_t)(offset >> 8);
          a.p2 = (uint8_t)offset;
          a.data = p;
          a.lc = chunk;
        }
      else
        {
          buf_clear (&cmd);
          err = apdu_put_offset (&cmd, offset);
          if (err)
            goto leave;
          /* 53 tag + up to 3 length bytes must fit next to DO 54. */
          hdr = cmd.len + 1 + 3;
          if (hdr >= maxlc)
            {
              err = gpg_error (GPG_ERR_INV_LENGTH);
              goto leave;
            }
          room = maxlc - hdr;
          chunk = n < room ? n : room;
          err = tlv_put (&cmd, 0x53, p, chunk);
          if (err)
            goto leave;
          a.ins = 0xD7;
          a.data = cmd.data;
          a.lc = cmd.len;
        }
      err = apdu_chan_exchange (c, &a, &r, sw);
      if (err || *sw != SW_OK)
        goto leave;
      p += chunk;
      n -= chunk;
      offset += chunk;
    }
  while (n);

 leave:
  buf_free (&cmd);
  buf_free (&r);
  return err;
}
