/* emu-record.c - record commands of the emulated card (ISO 7816-4 7.3):
 * READ RECORD(S) B2, UPDATE RECORD DC, WRITE RECORD D2, APPEND RECORD E2
 *
 * Records are numbered from 1.  In a cyclic EF record 1 is the most
 * recently appended one; APPEND RECORD there overwrites the oldest record
 * when the file is full.  P2 b8-b4 is a short EF identifier (0 = the
 * current EF), b3-b1 the addressing mode: 100 record number P1 (0 = the
 * current record), 101/110 all records from P1 up/down (READ only),
 * 000/001/010/011 first/last/next/previous - with P1 = 0 relative to the
 * current record, otherwise the record whose first byte (SIMPLE-TLV tag)
 * is P1. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "emu-int.h"

/* The record EF a command works on.  Returns 0 or a status word. */
static unsigned
emu_record_ef (emu_card_t *card, uint8_t p2, enum emu_acop op,
               emu_file_t **r_f)
{
  unsigned sfi = p2 >> 3;
  emu_file_t *f;
  unsigned sw;

  *r_f = NULL;
  if (sfi == 31)
    return SW_INCORRECT_P1P2;
  if (sfi)
    {
      f = emu_fs_child_sfi (card->cur_df, sfi);
      if (!f)
        return SW_FILE_NOT_FOUND;
      if (f != card->cur_ef)
        {
          card->cur_ef = f;
          card->cur_df = f->parent;
          card->cur_rec = 0;
        }
    }
  f = card->cur_ef;
  if (!f)
    return SW_NOT_ALLOWED;
  if (f->type == EMU_EF_TRANSPARENT || f->type == EMU_DF)
    return SW_INCOMPAT_FILE;
  if (f->deactivated)
    return SW_COND_NOT_SATISFIED;
  if ((sw = emu_fs_check (card, f, op)))
    return sw;
  *r_f = f;
  return 0;
}

/* Find the record for modes 0-4; returns the 1-based number or 0. */
static size_t
emu_record_locate (emu_card_t *card, emu_file_t *f, uint8_t p1,
                   unsigned mode)
{
  size_t cur = card->cur_rec, i;

  if (mode == 4)
    {
      if (!p1)
        return cur <= f->nrecs ? cur : 0;
      return p1 <= f->nrecs ? p1 : 0;
    }
  if (!f->nrecs)
    return 0;
  if (!p1)
    switch (mode)
      {
      case 0: return 1;
      case 1: return f->nrecs;
      case 2:
        if (f->type == EMU_EF_CYCLIC && cur == f->nrecs)
          return 1;
        return cur < f->nrecs ? cur + 1 : 0;
      default:
        if (f->type == EMU_EF_CYCLIC && cur <= 1)
          return f->nrecs;
        return cur > 1 ? cur - 1 : 0;
      }
  /* By record identifier (first byte). */
  switch (mode)
    {
    case 0:
      for (i = 1; i <= f->nrecs; i++)
        if (f->recs[i - 1].len && f->recs[i - 1].data[0] == p1)
          return i;
      return 0;
    case 1:
      for (i = f->nrecs; i >= 1; i--)
        if (f->recs[i - 1].len && f->recs[i - 1].data[0] == p1)
          return i;
      return 0;
    case 2:
      for (i = cur + 1; i <= f->nrecs; i++)
        if (f->recs[i - 1].len && f->recs[i - 1].data[0] == p1)
          return i;
      return 0;
    default:
      for (i = cur > 1 ? cur - 1 : 0; i >= 1; i--)
        if (f->recs[i - 1].len && f->recs[i - 1].data[0] == p1)
          return i;
      return 0;
    }
}

gpg_error_t
emu_record_read (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  unsigned mode = cmd->p2 & 7, sw;
  size_t rec, i;
  gpg_error_t err = 0;

  if (cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if (mode == 7)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if ((sw = emu_record_ef (card, cmd->p2, EMU_AC_READ, &f)))
    return applet_reply_sw (r, sw);
  if (!cmd->ne)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if (mode == 5 || mode == 6)
    {
      size_t from = cmd->p1 ? cmd->p1 : card->cur_rec;
      if (!from || from > f->nrecs)
        return applet_reply_sw (r, SW_RECORD_NOT_FOUND);
      /* Whole records only, as many as fit into Ne. */
      if (mode == 5)
        for (i = from; i <= f->nrecs && !err; i++)
          {
            if (r->data.len + f->recs[i - 1].len > cmd->ne)
              break;
            err = buf_append (&r->data, f->recs[i - 1].data,
                              f->recs[i - 1].len);
          }
      else
        for (i = f->nrecs; i >= from && !err; i--)
          {
            if (r->data.len + f->recs[i - 1].len > cmd->ne)
              break;
            err = buf_append (&r->data, f->recs[i - 1].data,
                              f->recs[i - 1].len);
          }
      r->sw = SW_OK;
      return err;
    }
  rec = emu_record_locate (card, f, cmd->p1, mode);
  if (!rec)
    return applet_reply_sw (r, SW_RECORD_NOT_FOUND);
  card->cur_rec = rec;
  /* Longer than Ne: the card's response path answers 61xx. */
  err = buf_append (&r->data, f->recs[rec - 1].data, f->recs[rec - 1].len);
  r->sw = (f->recs[rec - 1].len < cmd->ne && cmd->ne != 256
           && cmd->ne != 65536) ? SW_EOF_REACHED : SW_OK;
  return err;
}

gpg_error_t
emu_record_write (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_file_t *f;
  unsigned mode = cmd->p2 & 7, sw;
  size_t rec;
  gpg_error_t err = 0;
  bool append = cmd->ins == 0xE2;

  if (append && (cmd->p1 || mode))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!append && mode > 4)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if ((sw = emu_record_ef (card, cmd->p2, EMU_AC_UPDATE, &f)))
    return applet_reply_sw (r, sw);
  if (cmd->lc > f->rec_len
      || (f->type != EMU_EF_LINEAR_VAR && cmd->lc != f->rec_len))
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  if (append)
    {
      if (f->type == EMU_EF_CYCLIC)
        {
          if (f->nrecs >= f->rec_max)
            {
              /* Overwrite the oldest: drop the last, insert in front. */
              buf_free (&f->recs[f->nrecs - 1]);
              f->nrecs--;
            }
          err = emu_fs_add_record (f, cmd->data, cmd->lc, true);
          card->cur_rec = 1;
        }
      else
        {
          if (f->nrecs >= f->rec_max)
            return applet_reply_sw (r, SW_NOT_ENOUGH_MEMORY);
          err = emu_fs_add_record (f, cmd->data, cmd->lc, false);
          card->cur_rec = f->nrecs;
        }
    }
  else
    {
      if (f->type == EMU_EF_CYCLIC && mode == 3 && !cmd->p1)
        {
          /* ISO: UPDATE previous in a cyclic EF writes the oldest record,
           * which becomes record 1. */
          if (!f->nrecs)
            return applet_reply_sw (r, SW_RECORD_NOT_FOUND);
          buf_free (&f->recs[f->nrecs - 1]);
          f->nrecs--;
          err = emu_fs_add_record (f, cmd->data, cmd->lc, true);
          card->cur_rec = 1;
        }
      else
        {
          rec = emu_record_locate (card, f, cmd->p1, mode);
          if (!rec)
            return applet_reply_sw (r, SW_RECORD_NOT_FOUND);
          err = buf_set (&f->recs[rec - 1], cmd->data, cmd->lc);
          card->cur_rec = rec;
        }
    }
  if (!err)
    {
      r->changed = true;
      r->sw = SW_OK;
    }
  return err;
}
