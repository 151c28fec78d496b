/* emu-cmd.c - file system commands of the emulated card (ISO 7816-4
 * clause 7, ISO 7816-9): SELECT, READ/UPDATE/ERASE BINARY, CREATE/DELETE/
 * ACTIVATE/DEACTIVATE FILE, GET CHALLENGE, and the dispatcher. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/tlv.h"
#include "emu-int.h"

/* Make F the current file. */
static void
emu_cmd_set_current (emu_card_t *card, emu_file_t *f)
{
  if (f->type == EMU_DF)
    {
      card->cur_df = f;
      card->cur_ef = NULL;
    }
  else
    {
      card->cur_df = f->parent;
      card->cur_ef = f;
    }
  card->cur_rec = 0;
}

/* Walk a path of FIDs (2 bytes each) from START. A path from the MF
 * (FROM_MF) does not lead into a DF reached only by its name. */
static emu_file_t *
emu_cmd_walk (emu_file_t *start, const uint8_t *p, size_t n, bool from_mf)
{
  emu_file_t *f = start;
  size_t i;

  if (from_mf && f->aid_only)
    return NULL;
  for (i = 0; f && i + 1 < n; i += 2)
    {
      if (f->type != EMU_DF)
        return NULL;
      f = emu_fs_child_fid (f, get_be16 (p + i));
      if (from_mf && f && f->aid_only)
        return NULL;
    }
  return f;
}

/* Is F within D (D itself or below it)? */
static bool
emu_cmd_within (const emu_file_t *f, const emu_file_t *d)
{
  for (; f; f = f->parent)
    if (f == d)
      return true;
  return false;
}

/* May a SELECT by FID (relative to the current DF) reach F? Not if F is
 * in a DF reached only by its name (select=aid) that the current DF is
 * not in, and not when there is no current DF at all. A DF reached only
 * by name is not found by its FID from inside either, except itself
 * while it is current. */
static bool
emu_cmd_reachable (const emu_card_t *card, const emu_file_t *f)
{
  const emu_file_t *h;

  if (card->no_df)
    return false;
  for (h = f; h; h = h->parent)
    if (h->aid_only)
      {
        if (h == card->mf && f == card->mf)
          return false;
        if (!emu_cmd_within (card->cur_df, h))
          return false;
      }
  return true;
}

/* Search order for P1 00 (ISO 7816-4 7.1.1): the MF, children of the
 * current DF, the current DF, its parent and the parent's children. */
static emu_file_t *
emu_cmd_by_fid (emu_card_t *card, unsigned fid)
{
  emu_file_t *df = card->cur_df, *f;

  if (fid == 0x3F00)
    return card->mf;
  if ((f = emu_fs_child_fid (df, fid)))
    return f;
  if (df->fid == fid)
    return df;
  if (df->parent)
    {
      if (df->parent->fid == fid)
        return df->parent;
      if ((f = emu_fs_child_fid (df->parent, fid)))
        return f;
    }
  return NULL;
}

/* DF name search with occurrence control (P2 b2-b1): 00 first, 01 last,
 * 02 next, 03 previous, relative to the current DF for next/previous. */
static void
emu_cmd_collect (emu_file_t *f, const uint8_t *aid, size_t n,
                 emu_file_t **hits, size_t *nhits, size_t max)
{
  for (; f; f = f->next)
    {
      if (f->type != EMU_DF)
        continue;
      if (*nhits < max && f->aid_len >= n && !memcmp (f->aid, aid, n))
        hits[(*nhits)++] = f;
      emu_cmd_collect (f->child, aid, n, hits, nhits, max);
    }
}

static emu_file_t *
emu_cmd_by_name (emu_card_t *card, const uint8_t *aid, size_t n, unsigned occ)
{
  emu_file_t *hits[64];
  size_t nhits = 0, i;

  emu_cmd_collect (card->mf, aid, n, hits, &nhits, DIM (hits));
  if (!nhits)
    return NULL;
  switch (occ)
    {
    case 0:
      /* Prefer an exact match over a partial one. */
      for (i = 0; i < nhits; i++)
        if (hits[i]->aid_len == n)
          return hits[i];
      return hits[0];
    case 1:
      return hits[nhits - 1];
    case 2:
      for (i = 0; i + 1 < nhits; i++)
        if (hits[i] == card->cur_df)
          return hits[i + 1];
      return hits[0] == card->cur_df ? NULL : hits[0];
    default:
      for (i = 1; i < nhits; i++)
        if (hits[i] == card->cur_df)
          return hits[i - 1];
      return NULL;
    }
}

gpg_error_t
emu_cmd_select (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f = NULL;
  unsigned what = cmd->p2 & 0x0C;
  unsigned occ = cmd->p2 & 0x03;
  gpg_error_t err = 0;

  if ((cmd->p2 & 0xF0) || (occ && cmd->p1 != 0x04))
    {
      r->sw = SW_INCORRECT_P1P2;
      goto leave;
    }
  if (card->select_template == EMU_TEMPLATE_NONE
      && (what == 0x00 || what == 0x04))
    {
      /* A card that cannot encode its file control information (as
       * vsmartcard's vicc ISO card under Python 3): an error, nothing
       * selected. */
      r->sw = SW_UNKNOWN;
      goto leave;
    }
  switch (cmd->p1)
    {
    case 0x00:
      if (!cmd->lc)
        f = card->mf;
      else if (cmd->lc != 2)
        {
          r->sw = SW_LC_INCONSISTENT;
          goto leave;
        }
      else
        f = emu_cmd_by_fid (card, get_be16 (cmd->data));
      break;
    case 0x01:
    case 0x02:
      if (cmd->lc != 2)
        {
          r->sw = SW_LC_INCONSISTENT;
          goto leave;
        }
      f = emu_fs_child_fid (card->cur_df, get_be16 (cmd->data));
      if (f && ((cmd->p1 == 0x01) != (f->type == EMU_DF)))
        f = NULL;
      break;
    case 0x03:
      if (cmd->lc)
        {
          r->sw = SW_LC_INCONSISTENT;
          goto leave;
        }
      f = card->cur_df->parent;
      break;
    case 0x04:
      if (cmd->lc > EMU_MAX_AID)
        {
          r->sw = SW_LC_INCONSISTENT;
          goto leave;
        }
      if (emu_iso8_select (card, cmd, r, &err))
        goto leave;
      f = cmd->lc ? emu_cmd_by_name (card, cmd->data, cmd->lc, occ)
                  : card->mf->aid_only ? NULL : card->mf;
      break;
    case 0x08:
    case 0x09:
      if (!cmd->lc || (cmd->lc & 1))
        {
          r->sw = SW_LC_INCONSISTENT;
          goto leave;
        }
      if (cmd->p1 == 0x08)
        {
          const uint8_t *p = cmd->data;
          size_t n = cmd->lc;
          if (get_be16 (p) == 0x3F00)  /* tolerated: path starting at MF */
            {
              p += 2;
              n -= 2;
            }
          f = emu_cmd_walk (card->mf, p, n, true);
        }
      else
        {
          f = emu_cmd_walk (card->cur_df, cmd->data, cmd->lc, false);
          if (f && !emu_cmd_reachable (card, f))
            f = NULL;
        }
      break;
    default:
      r->sw = SW_INCORRECT_P1P2;
      goto leave;
    }
  /* By FID, child or parent: not into a DF reached only by name. */
  if (f && cmd->p1 <= 0x03 && !emu_cmd_reachable (card, f))
    f = NULL;
  if (!f)
    {
      r->sw = SW_FILE_NOT_FOUND;
      goto leave;
    }
  emu_cmd_set_current (card, f);
  card->no_df = false;
  r->sw = f->deactivated ? SW_FILE_DEACTIVATED : SW_OK;
  if (what == 0x00)
    err = emu_fs_fcp (card, f, 0x6F, &r->data);
  else if (what == 0x04)
    err = emu_fs_fcp (card, f, card->select_template == EMU_TEMPLATE_FCI
                      ? 0x6F : 0x62, &r->data);
  else if (what == 0x08)
    err = tlv_put (&r->data, 0x64, NULL, 0);
 leave:
  return err;
}

/* The EF a binary command works on: by SFI (P1 b8 = 1 for even INS) or
 * the current EF.  Returns 0 or a status word. */
static unsigned
emu_cmd_binary_ef (emu_card_t *card, const applet_cmd_t *cmd, size_t *off,
                   emu_file_t **r_ef)
{
  emu_file_t *f;
  bool odd = cmd->ins & 1;

  *r_ef = NULL;
  if (!odd)
    {
      if (cmd->p1 & 0x80)
        {
          if (cmd->p1 & 0x60)
            return SW_INCORRECT_P1P2;
          f = emu_fs_child_sfi (card->cur_df, cmd->p1 & 0x1F);
          if (!f)
            return SW_FILE_NOT_FOUND;
          emu_cmd_set_current (card, f);
          *off = cmd->p2;
        }
      else
        *off = ((size_t)(cmd->p1 & 0x7F) << 8) | cmd->p2;
    }
  else
    {
      unsigned id = (cmd->p1 << 8) | cmd->p2;
      if (id && !(id & 0xFFE0))
        {
          f = emu_fs_child_sfi (card->cur_df, id & 0x1F);
          if (!f)
            return SW_FILE_NOT_FOUND;
          emu_cmd_set_current (card, f);
        }
      else if (id)
        {
          f = emu_fs_child_fid (card->cur_df, id);
          if (!f || f->type == EMU_DF)
            return SW_FILE_NOT_FOUND;
          emu_cmd_set_current (card, f);
        }
    }
  if (!card->cur_ef)
    return SW_NOT_ALLOWED;
  if (card->cur_ef->type != EMU_EF_TRANSPARENT)
    return SW_INCOMPAT_FILE;
  if (card->cur_ef->deactivated)
    return SW_COND_NOT_SATISFIED;
  *r_ef = card->cur_ef;
  return 0;
}

/* Offset from DO 54 in an odd-INS data field; *DATA and *N get DO 53 if
 * WANT53.  Returns 0 or a status word. */
static unsigned
emu_cmd_odd_offset (const applet_cmd_t *cmd, size_t *off, bool want53,
                    const uint8_t **data, size_t *n)
{
  tlv_t t;
  uint64_t v;

  *off = 0;
  if (tlv_validate (cmd->data, cmd->lc, 1))
    return SW_WRONG_DATA;
  if (tlv_find (cmd->data, cmd->lc, 0x54, &t))
    return SW_WRONG_DATA;
  if (t.len < 1 || t.len > 3 || tlv_get_uint (&t, &v))
    return SW_WRONG_DATA;
  *off = (size_t)v;
  if (want53)
    {
      if (tlv_find (cmd->data, cmd->lc, 0x53, &t))
        return SW_WRONG_DATA;
      *data = t.value;
      *n = t.len;
    }
  return 0;
}

static bool
emu_cmd_ne_max (const applet_cmd_t *cmd)
{
  return cmd->ne == 256 || cmd->ne == 65536;
}

/* A command that changed the card (to be saved) succeeded. */
static gpg_error_t
emu_cmd_done (applet_reply_t *r)
{
  r->changed = true;
  return applet_reply_sw (r, SW_OK);
}

/* The transparent EF of a binary command (emu_cmd_binary_ef) if OP is
 * allowed on it; a key's internal EF is never read. */
static unsigned
emu_cmd_binary_access (emu_card_t *card, const applet_cmd_t *cmd,
                       enum emu_acop op, size_t *off, emu_file_t **r_f)
{
  unsigned sw = emu_cmd_binary_ef (card, cmd, off, r_f);

  if (!sw && op == EMU_AC_READ && (*r_f)->internal)
    sw = SW_INCOMPAT_FILE;
  if (!sw)
    sw = emu_fs_check (card, *r_f, op);
  return sw;
}

static gpg_error_t
emu_cmd_read_binary (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  size_t off = 0, n, room;
  unsigned sw;

  if ((cmd->ins & 1)
      && (sw = emu_cmd_odd_offset (cmd, &off, false, NULL, NULL)))
    return applet_reply_sw (r, sw);
  if (!(cmd->ins & 1) && cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if ((sw = emu_cmd_binary_access (card, cmd, EMU_AC_READ, &off, &f)))
    return applet_reply_sw (r, sw);
  if (!cmd->ne)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if (off > f->data.len)
    return applet_reply_sw (r, SW_WRONG_P1P2);
  n = f->data.len - off;
  if (cmd->ins & 1)
    {
      /* The DO 53 header must fit into Ne as well. */
      room = cmd->ne;
      if (n > room)
        n = room;
      while (n && n + 1 + tlv_len_size (n) > room)
        n--;
      if (n + 1 + tlv_len_size (n) > room)
        return applet_reply_sw (r, SW_WRONG_LENGTH);
      r->sw = (n < f->data.len - off) || emu_cmd_ne_max (cmd)
              || n + 1 + tlv_len_size (n) == room ? SW_OK : SW_EOF_REACHED;
    }
  else
    {
      if (n > cmd->ne)
        n = cmd->ne;
      r->sw = (n < cmd->ne && !emu_cmd_ne_max (cmd)) ? SW_EOF_REACHED : SW_OK;
    }
  if (off == f->data.len)
    r->sw = SW_EOF_REACHED;
  if (cmd->ins & 1)
    return tlv_put (&r->data, 0x53, f->data.data + off, n);
  return buf_append (&r->data, f->data.data + off, n);
}

static gpg_error_t
emu_cmd_update_binary (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  size_t off = 0, n = cmd->lc;
  const uint8_t *data = cmd->data;
  unsigned sw;

  if (!cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if ((cmd->ins & 1) && (sw = emu_cmd_odd_offset (cmd, &off, true, &data, &n)))
    return applet_reply_sw (r, sw);
  if ((sw = emu_cmd_binary_access (card, cmd, EMU_AC_UPDATE, &off, &f)))
    return applet_reply_sw (r, sw);
  if (off > f->data.len)
    return applet_reply_sw (r, SW_WRONG_P1P2);
  if (n > f->data.len - off)
    return applet_reply_sw (r, SW_NOT_ENOUGH_MEMORY);
  if (n)
    memcpy (f->data.data + off, data, n);
  return emu_cmd_done (r);
}

static gpg_error_t
emu_cmd_erase_binary (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  size_t off = 0, end;
  unsigned sw;

  if ((sw = emu_cmd_binary_access (card, cmd, EMU_AC_UPDATE, &off, &f)))
    return applet_reply_sw (r, sw);
  end = f->data.len;
  if (cmd->lc == 2)
    end = get_be16 (cmd->data);
  else if (cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if (off > f->data.len || end > f->data.len || end < off)
    return applet_reply_sw (r, SW_WRONG_P1P2);
  memset (f->data.data + off, 0, end - off);
  return emu_cmd_done (r);
}

/* The file a CREATE/DELETE/ACTIVATE/DEACTIVATE refers to: data field
 * empty = the current file, two bytes = a FID in the current DF. */
static unsigned
emu_cmd_target (emu_card_t *card, const applet_cmd_t *cmd, emu_file_t **r_f)
{
  *r_f = NULL;
  if (cmd->p1 || cmd->p2)
    return SW_INCORRECT_P1P2;
  if (!cmd->lc)
    {
      *r_f = card->cur_ef ? card->cur_ef : card->cur_df;
      return 0;
    }
  if (cmd->lc != 2)
    return SW_WRONG_LENGTH;
  *r_f = emu_fs_child_fid (card->cur_df, get_be16 (cmd->data));
  return *r_f ? 0 : SW_FILE_NOT_FOUND;
}

static gpg_error_t
emu_cmd_create (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  gpg_error_t err;
  unsigned sw;

  if (cmd->p1 || cmd->p2)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if ((sw = emu_fs_check (card, card->cur_df, EMU_AC_CREATE)))
    return applet_reply_sw (r, sw);
  err = emu_fs_create (card, card->cur_df, cmd->data, cmd->lc, &f, &r->sw);
  if (!err && f)
    {
      emu_cmd_set_current (card, f);
      r->changed = true;
    }
  return err;
}

static gpg_error_t
emu_cmd_delete (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f, *parent;
  unsigned sw;

  if ((sw = emu_cmd_target (card, cmd, &f)))
    return applet_reply_sw (r, sw);
  if (f == card->mf)
    return applet_reply_sw (r, SW_COND_NOT_SATISFIED);
  if ((sw = emu_fs_check (card, f, EMU_AC_DELETE)))
    return applet_reply_sw (r, sw);
  parent = f->parent;
  emu_fs_unlink (f);
  emu_fs_free (card, f);
  card->cur_df = parent;
  card->cur_ef = NULL;
  card->cur_rec = 0;
  return emu_cmd_done (r);
}

static gpg_error_t
emu_cmd_activate (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  unsigned sw;

  if ((sw = emu_cmd_target (card, cmd, &f)))
    return applet_reply_sw (r, sw);
  if ((sw = emu_fs_check (card, f, EMU_AC_ADMIN)))
    return applet_reply_sw (r, sw);
  f->deactivated = cmd->ins == 0x04;
  f->initialising = false;
  emu_cmd_set_current (card, f);
  return emu_cmd_done (r);
}

static gpg_error_t
emu_cmd_challenge (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  gpg_error_t err;

  (void)state;
  if (cmd->p1 || cmd->p2)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!cmd->ne || cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  err = buf_reserve (&r->data, cmd->ne);
  if (err)
    return err;
  gcry_randomize (r->data.data, cmd->ne, GCRY_STRONG_RANDOM);
  r->data.len = cmd->ne;
  r->sw = SW_OK;
  return 0;
}

/* Proprietary LIST FILES (only if the profile says `list-files yes`):
 * CLA 80 INS 16, P1 01 DFs / 02 EFs / 03 both, P2 00: the FIDs of the
 * current DF's children, two bytes each. */
static gpg_error_t
emu_cmd_list (emu_card_t *card, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_file_t *f;
  gpg_error_t err = 0;

  if (!cmd->p1 || cmd->p1 > 3 || cmd->p2)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  for (f = card->cur_df->child; f && !err; f = f->next)
    if (((cmd->p1 & 1) && f->type == EMU_DF)
        || ((cmd->p1 & 2) && f->type != EMU_DF))
      err = buf_append_be16 (&r->data, f->fid);
  r->sw = SW_OK;
  return err;
}

/* The file system card's commands (the applets have tables of their
 * own).  Record commands: emu-record.c, PIN commands: emu-pin.c, key
 * operations: emu-iso8.c. */
static const applet_command_t emu_cmd_table[] = {
  { 0xA4, 0, emu_cmd_select },
  { 0xB0, 0, emu_cmd_read_binary }, { 0xB1, 0, emu_cmd_read_binary },
  { 0xD6, 0, emu_cmd_update_binary }, { 0xD7, 0, emu_cmd_update_binary },
  { 0xD0, 0, emu_cmd_update_binary },
  { 0x0E, 0, emu_cmd_erase_binary },
  { 0xB2, 0, emu_record_read },
  { 0xDC, 0, emu_record_write }, { 0xD2, 0, emu_record_write },
  { 0xE2, 0, emu_record_write },
  { 0xE0, 0, emu_cmd_create },
  { 0xE4, 0, emu_cmd_delete },
  { 0x44, 0, emu_cmd_activate }, { 0x04, 0, emu_cmd_activate },
  { 0x84, 0, emu_cmd_challenge },
  { 0x20, 0, emu_pin_command }, { 0x24, 0, emu_pin_command },
  { 0x2C, 0, emu_pin_command },
  { 0x22, 0, emu_iso8_mse },
  { 0x2A, 0, emu_iso8_pso },
  { 0x88, 0, emu_iso8_internal_auth },
  { 0, 0, NULL }
};

gpg_error_t
emu_cmd_dispatch (emu_card_t *card, const applet_cmd_t *cmd,
                  applet_reply_t *r)
{
  const applet_command_t *c;

  if (cmd->cla & 0x80)
    {
      if (card->list_files && cmd->cla == 0x80 && cmd->ins == 0x16)
        return emu_cmd_list (card, cmd, r);
      return applet_reply_sw (r, SW_CLA_NOT_SUPPORTED);
    }
  c = applet_command_find (emu_cmd_table, cmd->ins);
  if (!c)
    return applet_reply_sw (r, SW_INS_NOT_SUPPORTED);
  return c->run (card, cmd, r);
}
