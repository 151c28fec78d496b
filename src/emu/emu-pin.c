/* emu-pin.c - reference data (PINs) of the emulated card: VERIFY (20),
 * CHANGE REFERENCE DATA (24), RESET RETRY COUNTER (2C), ISO 7816-4 7.5
 *
 * PIN values live in libgcrypt secure memory and are compared in
 * constant time.  If a PIN has a pad byte, trailing pad bytes of the
 * presented value are ignored, so clients that pad (OpenSC with
 * needs-padding) and clients that do not both work. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "emu-int.h"

emu_pin_t *
emu_pin_find (emu_card_t *card, unsigned ref)
{
  size_t i;

  for (i = 0; i < card->npins; i++)
    if (card->pins[i].ref == ref)
      return &card->pins[i];
  return NULL;
}

gpg_error_t
emu_pin_set (emu_pin_t *pin, const uint8_t *p, size_t n)
{
  return xsecret_set (&pin->value, &pin->len, p, n);
}

/* Length of P without trailing pad bytes. */
static size_t
emu_pin_unpad (const emu_pin_t *pin, const uint8_t *p, size_t n)
{
  if (pin->pad >= 0)
    while (n && p[n - 1] == (uint8_t)pin->pad)
      n--;
  return n;
}

/* Whether [P, P+N) is an acceptable new value for PIN. */
static bool
emu_pin_acceptable (const emu_pin_t *pin, const uint8_t *p, size_t n)
{
  n = emu_pin_unpad (pin, p, n);
  return n >= pin->min_len && n <= pin->max_len && n > 0;
}

static unsigned
emu_pin_status (const emu_pin_t *pin)
{
  if (!pin->retries_left)
    return SW_AUTH_BLOCKED;
  return 0x63C0 | (pin->retries_left > 15 ? 15 : pin->retries_left);
}

/* Compare the presented value, count the try.  Returns 9000, 63Cx or
 * 6983.  *CHANGED is set when the retry counter moved. */
static unsigned
emu_pin_check (emu_pin_t *pin, const uint8_t *p, size_t n, bool mark,
               bool *changed)
{
  size_t len = emu_pin_unpad (pin, p, n);
  bool ok;

  if (!pin->retries_left)
    return SW_AUTH_BLOCKED;
  ok = len == pin->len && ct_memequal (p, pin->value, len);
  if (ok)
    {
      if (pin->retries_left != pin->retries_max)
        *changed = true;
      pin->retries_left = pin->retries_max;
      if (mark)
        pin->verified = true;
      return SW_OK;
    }
  pin->retries_left--;
  pin->verified = false;
  *changed = true;
  return 0x63C0 | (pin->retries_left > 15 ? 15 : pin->retries_left);
}

/* How many leading bytes of a "old || new" data field are the old value:
 * padded PINs are sent as two blocks of max_len, others old then new. */
static size_t
emu_pin_split (const emu_pin_t *pin, size_t n)
{
  if (pin->pad >= 0 && pin->max_len && n == 2 * pin->max_len)
    return pin->max_len;
  return pin->len <= n ? pin->len : n;
}

static unsigned
emu_pin_verify (emu_card_t *card, const applet_cmd_t *cmd, bool *changed)
{
  emu_pin_t *pin;

  if (cmd->p1 != 0x00 && cmd->p1 != 0xFF)
    return SW_INCORRECT_P1P2;
  pin = emu_pin_find (card, cmd->p2);
  if (!pin || !cmd->p2)
    return SW_REF_NOT_FOUND;
  if (cmd->p1 == 0xFF)
    {
      /* ISO 7816-4:2013: reset the verification status. */
      if (cmd->lc)
        return SW_WRONG_LENGTH;
      pin->verified = false;
      return SW_OK;
    }
  if (pin->unset)
    return SW_REF_DATA_UNUSABLE;
  if (!cmd->lc)
    {
      if (pin->verified)
        return SW_OK;
      return emu_pin_status (pin);
    }
  return emu_pin_check (pin, cmd->data, cmd->lc, true, changed);
}

static unsigned
emu_pin_change (emu_card_t *card, const applet_cmd_t *cmd, bool *changed)
{
  emu_pin_t *pin;
  size_t split;
  unsigned sw;

  if (cmd->p1 != 0x00 && cmd->p1 != 0x01)
    return SW_INCORRECT_P1P2;
  pin = emu_pin_find (card, cmd->p2);
  if (!pin || !cmd->p2)
    return SW_REF_NOT_FOUND;
  if (!cmd->lc)
    return SW_WRONG_LENGTH;
  if (cmd->p1 == 0x01 && pin->unset)
    {
      /* The first value of a PIN in its creation state (ISO 7816-4:
       * P1 01, new reference data only): no old value to present. */
      if (!emu_pin_acceptable (pin, cmd->data, cmd->lc))
        return SW_WRONG_DATA;
      if (emu_pin_set (pin, cmd->data,
                       emu_pin_unpad (pin, cmd->data, cmd->lc)))
        return SW_NOT_ENOUGH_MEMORY;
      pin->unset = false;
      pin->retries_left = pin->retries_max;
      *changed = true;
      return SW_OK;
    }
  if (pin->unset)
    return SW_REF_DATA_UNUSABLE;
  if (cmd->p1 == 0x01)
    {
      /* Only the new value: the PIN must be verified already. */
      if (!pin->retries_left)
        return SW_AUTH_BLOCKED;
      if (!pin->verified)
        return SW_SEC_NOT_SATISFIED;
      if (!emu_pin_acceptable (pin, cmd->data, cmd->lc))
        return SW_WRONG_DATA;
      *changed = true;
      return emu_pin_set (pin, cmd->data,
                          emu_pin_unpad (pin, cmd->data, cmd->lc))
        ? SW_NOT_ENOUGH_MEMORY : SW_OK;
    }
  split = emu_pin_split (pin, cmd->lc);
  if (split >= cmd->lc)
    return SW_WRONG_LENGTH;
  if (!emu_pin_acceptable (pin, cmd->data + split, cmd->lc - split))
    return SW_WRONG_DATA;
  sw = emu_pin_check (pin, cmd->data, split, true, changed);
  if (sw != SW_OK)
    return sw;
  *changed = true;
  return emu_pin_set (pin, cmd->data + split,
                      emu_pin_unpad (pin, cmd->data + split, cmd->lc - split))
    ? SW_NOT_ENOUGH_MEMORY : SW_OK;
}

static unsigned
emu_pin_reset (emu_card_t *card, const applet_cmd_t *cmd, bool *changed)
{
  emu_pin_t *pin, *puk;
  size_t split = 0;
  unsigned sw;
  const uint8_t *newv = NULL;
  size_t newlen = 0;

  if (cmd->p1 > 0x03)
    return SW_INCORRECT_P1P2;
  pin = emu_pin_find (card, cmd->p2);
  if (!pin || !cmd->p2)
    return SW_REF_NOT_FOUND;
  puk = pin->puk ? emu_pin_find (card, pin->puk) : NULL;
  if (pin->unset || (puk && puk->unset))
    return SW_REF_DATA_UNUSABLE;
  if (!puk)
    return SW_COND_NOT_SATISFIED;
  switch (cmd->p1)
    {
    case 0x00:  /* unblocking code || new value */
      split = emu_pin_split (puk, cmd->lc);
      if (!cmd->lc || split >= cmd->lc)
        return SW_WRONG_LENGTH;
      newv = cmd->data + split;
      newlen = cmd->lc - split;
      break;
    case 0x01:  /* unblocking code only */
      if (!cmd->lc)
        return SW_WRONG_LENGTH;
      split = cmd->lc;
      break;
    case 0x02:  /* new value only, unblocking code verified before */
      if (!cmd->lc)
        return SW_WRONG_LENGTH;
      newv = cmd->data;
      newlen = cmd->lc;
      break;
    case 0x03:  /* no data, unblocking code verified before */
      if (cmd->lc)
        return SW_WRONG_LENGTH;
      break;
    }
  if (newv && !emu_pin_acceptable (pin, newv, newlen))
    return SW_WRONG_DATA;
  if (cmd->p1 <= 0x01)
    {
      /* Presenting the unblocking code here does not verify it. */
      sw = emu_pin_check (puk, cmd->data, split, false, changed);
      if (sw != SW_OK)
        return sw;
    }
  else if (!puk->verified)
    return SW_SEC_NOT_SATISFIED;
  if (newv && emu_pin_set (pin, newv, emu_pin_unpad (pin, newv, newlen)))
    return SW_NOT_ENOUGH_MEMORY;
  pin->retries_left = pin->retries_max;
  pin->verified = false;
  *changed = true;
  return SW_OK;
}

gpg_error_t
emu_pin_command (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  bool changed = false;

  if (cmd->ins == 0x20)
    r->sw = emu_pin_verify (card, cmd, &changed);
  else if (cmd->ins == 0x24)
    r->sw = emu_pin_change (card, cmd, &changed);
  else
    r->sw = emu_pin_reset (card, cmd, &changed);
  r->changed = changed;
  return 0;
}
