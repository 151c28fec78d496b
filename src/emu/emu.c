/* emu.c - the emulated card: power, C-APDU decoding, class byte, command
 * chaining, Ne handling, 61xx / GET RESPONSE, applet routing, state file
 *
 * Transport rules (ISO 7816-4 5.1-5.3):
 * - Malformed length fields answer 6700; extended length is refused with
 *   6700 unless the profile's ATR / EF.ATR announce it.
 * - CLA: first interindustry (000x xxxx) with secure messaging -> 6882,
 *   with a logical channel other than 0 -> 6881; further interindustry
 *   (01xx xxxx) -> 6881; 001x xxxx and FF -> 6E00; proprietary (1xxx xxxx)
 *   goes to the current applet or is refused with 6E00.
 * - Chaining: CLA b5 (0x10) set = more to come; fragments answer 9000
 *   and are joined; a different INS/P1/P2 inside a chain answers 6883.
 * - Response data longer than Ne: the first Ne bytes and 61xx, the rest
 *   by GET RESPONSE (C0).  With protocol t0 a case 4 command answers 61xx
 *   and all data comes by GET RESPONSE, as a T=0 card does.
 * - Any command other than GET RESPONSE discards pending response data. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <time.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu-int.h"

#define EMU_CHAIN_MAX 65536

gpg_error_t
emu_card_applet_add (emu_card_t *card, const applet_ops_t *ops,
                     const char *options, const char *kept,
                     emu_applet_t **r_applet)
{
  emu_applet_t *a;
  gpg_error_t err;

  if (card->napplets >= EMU_MAX_APPLETS)
    return gpg_error (GPG_ERR_TOO_LARGE);
  a = &card->applets[card->napplets];
  memset (a, 0, sizeof *a);
  a->ops = ops;
  a->options = xtrystrdup (kept);
  if (!a->options)
    return gpg_error_from_syserror ();
  err = applet_create (ops, options, &a->state, &a->aid);
  if (!err && !a->aid.len)
    err = buf_set (&a->aid, ops->aid, ops->aid_len);
  if (err)
    {
      applet_destroy (ops, a->state);
      xfree (a->options);
      buf_free (&a->aid);
      memset (a, 0, sizeof *a);
      return err;
    }
  card->napplets++;
  if (r_applet)
    *r_applet = a;
  return 0;
}

static void
emu_card_clear (emu_card_t *card)
{
  size_t i;

  for (i = 0; i < card->napplets; i++)
    {
      emu_applet_t *a = &card->applets[i];
      applet_destroy (a->ops, a->state);
      buf_free (&a->aid);
      xfree (a->options);
    }
  card->napplets = 0;
  for (i = 0; i < card->npins; i++)
    {
      if (card->pins[i].value)
        {
          wipememory (card->pins[i].value, card->pins[i].len);
          xfree_secure (card->pins[i].value);
        }
    }
  memset (card->pins, 0, sizeof card->pins);
  card->npins = 0;
  emu_fs_free (card, card->mf);
  card->mf = NULL;
  card->nfiles = 0;
  card->atr_len = 0;
  card->t0 = card->ext = card->list_files = false;
  card->select_template = EMU_TEMPLATE_FCP;
  card->latency_ms = 0;
  xfree (card->select_resets);
  card->select_resets = NULL;
  card->switch_powers_off = false;
  card->cur_df = NULL;
  card->cur_ef = NULL;
  buf_free (&card->pending);
  buf_free (&card->chain);
  card->chaining = false;
}

/* Drop everything volatile (power off and reset). */
static void
emu_card_reset_volatile (emu_card_t *card)
{
  size_t i;

  for (i = 0; i < card->npins; i++)
    card->pins[i].verified = false;
  for (i = 0; i < card->napplets; i++)
    if (card->applets[i].ops->power_off)
      card->applets[i].ops->power_off (card->applets[i].state);
  card->cur_df = card->mf;
  card->cur_ef = NULL;
  card->no_df = card->mf && card->mf->aid_only;
  card->cur_rec = 0;
  card->cur_applet = -1;
  buf_clear (&card->pending);
  card->pending_off = 0;
  buf_clear (&card->chain);
  card->chaining = false;
  emu_iso8_reset (card);
}

static gpg_error_t
emu_card_load_into (emu_card_t *card, const char *path)
{
  gpg_error_t err;

  emu_card_clear (card);
  err = emu_profile_load (card, path);
  if (!err)
    emu_card_reset_volatile (card);
  return err;
}

gpg_error_t
emu_card_load (const char *profile_path, emu_card_t **r_card)
{
  gpg_error_t err;
  emu_card_t *card;
  const char *slash;

  *r_card = NULL;
  card = xtrycalloc (1, sizeof *card);
  if (!card)
    return gpg_error_from_syserror ();
  card->cur_applet = -1;
  slash = strrchr (profile_path, '/');
  if (!slash)
    card->profile_dir = xtrystrdup (".");
  else
    {
      size_t n = slash == profile_path ? 1 : (size_t)(slash - profile_path);
      card->profile_dir = xtrymalloc (n + 1);
      if (card->profile_dir)
        {
          memcpy (card->profile_dir, profile_path, n);
          card->profile_dir[n] = 0;
        }
    }
  if (!card->profile_dir)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  err = emu_card_load_into (card, profile_path);
  if (err)
    goto leave;
  *r_card = card;
  card = NULL;
 leave:
  emu_card_free (card);
  return err;
}

gpg_error_t
emu_card_set_state_file (emu_card_t *card, const char *state_path)
{
  gpg_error_t err = 0;
  char *p;

  if (!card || !state_path)
    return gpg_error (GPG_ERR_INV_ARG);
  p = xtrystrdup (state_path);
  if (!p)
    return gpg_error_from_syserror ();
  if (!access (state_path, F_OK))
    {
      err = emu_card_load_into (card, state_path);
      if (err)
        {
          log_error (_("cannot load card state %s: %s\n"), state_path,
                     gpg_strerror (err));
          xfree (p);
          return err;
        }
    }
  xfree (card->state_path);
  card->state_path = p;
  err = emu_profile_save (card, p);
  if (err)
    log_error (_("cannot save card state %s: %s\n"), p, gpg_strerror (err));
  return err;
}

void
emu_card_free (emu_card_t *card)
{
  if (!card)
    return;
  emu_card_clear (card);
  xfree (card->profile_dir);
  xfree (card->state_path);
  xfree (card);
}

gpg_error_t
emu_card_power_on (emu_card_t *card, uint8_t *atr, size_t *atr_len)
{
  emu_card_reset_volatile (card);
  card->powered = true;
  if (atr && atr_len)
    {
      if (*atr_len < card->atr_len)
        return gpg_error (GPG_ERR_BUFFER_TOO_SHORT);
      memcpy (atr, card->atr, card->atr_len);
      *atr_len = card->atr_len;
    }
  return 0;
}

gpg_error_t
emu_card_get_atr (emu_card_t *card, uint8_t *atr, size_t *atr_len)
{
  if (*atr_len < card->atr_len)
    return gpg_error (GPG_ERR_BUFFER_TOO_SHORT);
  memcpy (atr, card->atr, card->atr_len);
  *atr_len = card->atr_len;
  return 0;
}

void
emu_card_set_latency (emu_card_t *card, unsigned ms)
{
  if (card)
    card->latency_ms = ms > EMU_LATENCY_MAX ? EMU_LATENCY_MAX : ms;
}

/* A slow card: wait before answering (EINTR shortens the wait, which
 * is what a signal to stop the emulator wants). */
static void
emu_card_delay (const emu_card_t *card)
{
  struct timespec ts;

  if (!card->latency_ms)
    return;
  ts.tv_sec = card->latency_ms / 1000;
  ts.tv_nsec = (long)(card->latency_ms % 1000) * 1000000L;
  nanosleep (&ts, NULL);
}

void
emu_card_power_off (emu_card_t *card)
{
  if (!card)
    return;
  emu_card_reset_volatile (card);
  card->powered = false;
}

int
emu_card_applet_by_aid (emu_card_t *card, const uint8_t *aid, size_t len)
{
  size_t i;

  if (len < 5)
    return -1;
  for (i = 0; i < card->napplets; i++)
    if (card->applets[i].aid.len >= len
        && !memcmp (card->applets[i].aid.data, aid, len))
      return (int)i;
  return -1;
}

gpg_error_t
emu_card_changed (emu_card_t *card)
{
  gpg_error_t err = 0;

  if (card->change_hook)
    err = card->change_hook (card->change_ctx, card);
  if (!err && card->state_path)
    {
      err = emu_profile_save (card, card->state_path);
      if (err)
        log_error (_("cannot save card state %s: %s\n"), card->state_path,
                   gpg_strerror (err));
    }
  return err;
}

/* Decode the length fields.  Returns 0 or the status word to answer. */
static unsigned
emu_card_decode (const emu_card_t *card, const uint8_t *raw, size_t n,
                 applet_cmd_t *cmd)
{
  size_t lc;

  memset (cmd, 0, sizeof *cmd);
  if (n < 4)
    return SW_WRONG_LENGTH;
  cmd->cla = raw[0];
  cmd->ins = raw[1];
  cmd->p1 = raw[2];
  cmd->p2 = raw[3];
  if (n == 4)
    return 0;                                   /* case 1 */
  if (n == 5)
    {
      cmd->ne = raw[4] ? raw[4] : 256;          /* case 2S */
      return 0;
    }
  if (raw[4])
    {
      lc = raw[4];
      if (n == 5 + lc)
        ;                                        /* case 3S */
      else if (n == 6 + lc)
        cmd->ne = raw[5 + lc] ? raw[5 + lc] : 256; /* case 4S */
      else
        return SW_WRONG_LENGTH;
      cmd->data = raw + 5;
      cmd->lc = lc;
      return 0;
    }
  /* Extended: 00 followed by two bytes. */
  if (n < 7)
    return SW_WRONG_LENGTH;
  cmd->extended = true;
  if (!card->ext)
    return SW_WRONG_LENGTH;
  if (n == 7)
    {
      cmd->ne = get_be16 (raw + 5);             /* case 2E */
      if (!cmd->ne)
        cmd->ne = 65536;
      return 0;
    }
  lc = get_be16 (raw + 5);
  if (!lc)
    return SW_WRONG_LENGTH;
  if (n == 7 + lc)
    ;                                            /* case 3E */
  else if (n == 9 + lc)
    {
      cmd->ne = get_be16 (raw + 7 + lc);        /* case 4E */
      if (!cmd->ne)
        cmd->ne = 65536;
    }
  else
    return SW_WRONG_LENGTH;
  cmd->data = raw + 7;
  cmd->lc = lc;
  return 0;
}

/* Class byte check for interindustry classes; 0 or a status word. */
static unsigned
emu_card_check_cla (uint8_t cla)
{
  if (cla == 0xFF)
    return SW_CLA_NOT_SUPPORTED;
  if (cla & 0x80)
    return 0;                   /* proprietary: decided later */
  if ((cla & 0xE0) == 0x20)
    return SW_CLA_NOT_SUPPORTED;
  if ((cla & 0xC0) == 0x40)
    return 0x6881;              /* further interindustry: channels 4-19 */
  if (cla & 0x0C)
    return 0x6882;              /* secure messaging */
  if (cla & 0x03)
    return 0x6881;              /* logical channel 1-3 */
  return 0;
}

static void
emu_card_put_sw (uint8_t *resp, size_t *len, unsigned sw)
{
  resp[*len] = (uint8_t)(sw >> 8);
  resp[*len + 1] = (uint8_t)sw;
  *len += 2;
}

static unsigned
emu_card_more (size_t left)
{
  return 0x6100 | (left >= 256 ? 0 : (unsigned)left);
}

/* GET RESPONSE: hand out pending data. */
static void
emu_card_get_response (emu_card_t *card, const applet_cmd_t *cmd,
                       uint8_t *resp, size_t *resp_len)
{
  size_t left = card->pending.len - card->pending_off, n;

  *resp_len = 0;
  if (cmd->p1 || cmd->p2)
    {
      emu_card_put_sw (resp, resp_len, SW_INCORRECT_P1P2);
      return;
    }
  if (!left)
    {
      buf_clear (&card->pending);
      card->pending_off = 0;
      emu_card_put_sw (resp, resp_len, SW_COND_NOT_SATISFIED);
      return;
    }
  if (cmd->lc || !cmd->ne)
    {
      emu_card_put_sw (resp, resp_len, SW_WRONG_LENGTH);
      return;
    }
  n = left < cmd->ne ? left : cmd->ne;
  memcpy (resp, card->pending.data + card->pending_off, n);
  *resp_len = n;
  card->pending_off += n;
  left -= n;
  if (left)
    emu_card_put_sw (resp, resp_len, emu_card_more (left));
  else
    {
      buf_clear (&card->pending);
      card->pending_off = 0;
      emu_card_put_sw (resp, resp_len, SW_OK);
    }
}

/* Does the profile say that a SELECT of applet IDX clears its security
 * state? */
static bool
emu_card_select_resets (const emu_card_t *card, int idx)
{
  const char *list = card->select_resets, *name, *p;
  size_t n;

  if (!list)
    return false;
  if (!strcmp (list, "*"))
    return true;
  name = card->applets[idx].ops->name;
  n = strlen (name);
  for (p = list; p; p = strchr (p, ','), p = p ? p + 1 : NULL)
    if (!strncmp (p, name, n) && (p[n] == ',' || !p[n]))
      return true;
  return false;
}

/* Applet IDX (-1: the file system) is being selected: what the profile
 * says real tokens then drop (the other applets powered off; IDX's own
 * security state). */
static void
emu_card_applet_switch (emu_card_t *card, int idx)
{
  size_t i;

  for (i = 0; i < card->napplets; i++)
    {
      emu_applet_t *a = &card->applets[i];
      bool off = (int)i == idx ? emu_card_select_resets (card, idx)
                               : card->switch_powers_off;
      if (off && a->ops->power_off)
        a->ops->power_off (a->state);
    }
}

/* Route one complete command. */
static gpg_error_t
emu_card_route (emu_card_t *card, const applet_cmd_t *cmd, applet_reply_t *r)
{
  gpg_error_t err;
  int idx;
  bool iso = !(cmd->cla & 0x80);

  /* SELECT by AID of an applet. */
  if (iso && cmd->ins == 0xA4 && cmd->p1 == 0x04 && cmd->lc
      && (idx = emu_card_applet_by_aid (card, cmd->data, cmd->lc)) >= 0)
    {
      emu_applet_t *a = &card->applets[idx];
      emu_card_applet_switch (card, idx);
      err = a->ops->select (a->state, cmd, r);
      if (err)
        return err;
      /* 6285: the applet is terminated (OpenPGP TERMINATE DF) but stays
       * selectable so that ACTIVATE FILE can reach it. */
      if (r->sw == SW_OK || SW_IS_MORE_DATA (r->sw)
          || r->sw == SW_TERMINATED)
        card->cur_applet = idx;
      return 0;
    }
  if (card->cur_applet >= 0)
    {
      emu_applet_t *a = &card->applets[card->cur_applet];
      if (iso && cmd->ins == 0xA4)
        {
          /* The file system may take over; if it cannot, the applet
           * sees the SELECT. */
          err = emu_cmd_select (card, cmd, r);
          if (err)
            return err;
          if (r->sw == SW_OK || r->sw == SW_FILE_DEACTIVATED)
            {
              emu_card_applet_switch (card, -1);
              card->cur_applet = -1;
              return 0;
            }
          buf_clear (&r->data);
          r->sw = SW_OK;
        }
      return a->ops->apdu (a->state, cmd, r);
    }
  return emu_cmd_dispatch (card, cmd, r);
}

gpg_error_t
emu_card_apdu (emu_card_t *card, const uint8_t *capdu, size_t clen,
               uint8_t *resp, size_t *resp_len)
{
  gpg_error_t err = 0;
  applet_cmd_t cmd;
  applet_reply_t r;
  unsigned sw;
  bool chain_more;
  size_t n;

  memset (&r, 0, sizeof r);
  *resp_len = 0;
  if (!card || !capdu || !resp)
    return gpg_error (GPG_ERR_INV_ARG);
  if (!card->powered)
    emu_card_power_on (card, NULL, NULL);
  emu_card_delay (card);

  sw = emu_card_decode (card, capdu, clen, &cmd);
  if (!sw)
    sw = emu_card_check_cla (cmd.cla);
  if (sw)
    {
      /* Malformed: answer, and leave transport state as it was except
       * that pending response data is gone (another command came). */
      buf_clear (&card->pending);
      card->pending_off = 0;
      emu_card_put_sw (resp, resp_len, sw);
      return 0;
    }

  if (!(cmd.cla & 0x80) && cmd.ins == 0xC0)
    {
      if (card->chaining)
        {
          buf_clear (&card->chain);
          card->chaining = false;
        }
      emu_card_get_response (card, &cmd, resp, resp_len);
      return 0;
    }
  buf_clear (&card->pending);
  card->pending_off = 0;

  /* Command chaining (interindustry classes only). */
  chain_more = !(cmd.cla & 0x80) && (cmd.cla & 0x10);
  cmd.cla &= chain_more ? ~0x10 : 0xFF;
  if (card->chaining)
    {
      if (card->chain_hdr[0] != cmd.cla || card->chain_hdr[1] != cmd.ins
          || card->chain_hdr[2] != cmd.p1 || card->chain_hdr[3] != cmd.p2)
        {
          buf_clear (&card->chain);
          card->chaining = false;
          emu_card_put_sw (resp, resp_len, 0x6883);
          return 0;
        }
      if (card->chain.len + cmd.lc > EMU_CHAIN_MAX)
        {
          buf_clear (&card->chain);
          card->chaining = false;
          emu_card_put_sw (resp, resp_len, SW_WRONG_LENGTH);
          return 0;
        }
      if ((err = buf_append (&card->chain, cmd.data, cmd.lc)))
        goto leave;
      if (chain_more)
        {
          emu_card_put_sw (resp, resp_len, SW_OK);
          return 0;
        }
      card->chaining = false;
      cmd.data = card->chain.data;
      cmd.lc = card->chain.len;
    }
  else if (chain_more)
    {
      card->chain_hdr[0] = cmd.cla;
      card->chain_hdr[1] = cmd.ins;
      card->chain_hdr[2] = cmd.p1;
      card->chain_hdr[3] = cmd.p2;
      buf_clear (&card->chain);
      if ((err = buf_append (&card->chain, cmd.data, cmd.lc)))
        goto leave;
      card->chaining = true;
      emu_card_put_sw (resp, resp_len, SW_OK);
      return 0;
    }
  if (!cmd.lc)
    cmd.data = NULL;

  r.sw = SW_OK;
  err = emu_card_route (card, &cmd, &r);
  buf_clear (&card->chain);
  if (err)
    {
      log_error ("emu: %s\n", gpg_strerror (err));
      err = 0;
      r.sw = SW_UNKNOWN;
      buf_clear (&r.data);
    }
  if (r.changed && emu_card_changed (card))
    r.sw = 0x6581;   /* memory failure: the change was not persisted */

  /* Response data against Ne. */
  sw = r.sw;
  n = r.data.len;
  /* Le absent: the file system sends nothing (ISO 7816-4 case 3); an
   * applet answers like a YubiKey does, as if Le were 00 (yubico-piv-tool
   * 2.2.0 sends GET DATA and GENERAL AUTHENTICATE without Le). */
  if (n && !cmd.ne && card->cur_applet >= 0)
    cmd.ne = 256;
  if (n && !cmd.ne)
    n = 0;
  else if (n && card->t0 && cmd.lc && sw == SW_OK)
    {
      if ((err = buf_set (&card->pending, r.data.data, r.data.len)))
        goto leave;
      card->pending_off = 0;
      sw = emu_card_more (r.data.len);
      n = 0;
    }
  else if (n > cmd.ne)
    {
      n = cmd.ne;
      if (sw == SW_OK)
        {
          if ((err = buf_set (&card->pending, r.data.data + n,
                              r.data.len - n)))
            goto leave;
          card->pending_off = 0;
          sw = emu_card_more (r.data.len - n);
        }
    }
  if (n)
    memcpy (resp, r.data.data, n);
  *resp_len = n;
  emu_card_put_sw (resp, resp_len, sw);
 leave:
  if (r.secret)
    wipememory (r.data.data, r.data.len);
  buf_free (&r.data);
  return err;
}
