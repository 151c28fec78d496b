/* emu-fs.c - the emulated card's file tree: files, FCP, CREATE FILE
 * templates and access conditions (ISO 7816-4 5.3.3, 7.4; ISO 7816-9)
 *
 * Security attributes are shown in the compact format (tag 8C): one
 * access-mode byte and one security-condition byte per bit set.  A PIN
 * condition is written as user authentication (b5) with the low nibble
 * of the PIN reference as SE number: 0x10 | (ref & 0x0F).  00 means
 * always, FF never.  CREATE FILE reads the same encoding back, so a file
 * copied from this card to another keeps its conditions. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "common/tlv.h"
#include "emu-int.h"

emu_file_t *
emu_fs_new (emu_card_t *card, emu_file_t *parent, enum emu_ftype type,
            unsigned fid)
{
  emu_file_t *f, **pp;
  int i;

  if (card->nfiles >= EMU_MAX_FILES)
    return NULL;
  f = xtrycalloc (1, sizeof *f);
  if (!f)
    return NULL;
  f->type = type;
  f->fid = fid & 0xFFFF;
  for (i = 0; i < EMU_AC_N; i++)
    f->ac[i] = EMU_AC_ALWAYS;
  f->parent = parent;
  if (parent)
    {
      for (pp = &parent->child; *pp; pp = &(*pp)->next)
        ;
      *pp = f;
    }
  card->nfiles++;
  return f;
}

void
emu_fs_unlink (emu_file_t *f)
{
  emu_file_t **pp;

  if (!f || !f->parent)
    return;
  for (pp = &f->parent->child; *pp; pp = &(*pp)->next)
    if (*pp == f)
      {
        *pp = f->next;
        break;
      }
  f->parent = NULL;
  f->next = NULL;
}

void
emu_fs_free (emu_card_t *card, emu_file_t *f)
{
  size_t i;

  while (f)
    {
      emu_file_t *next = f->next;

      emu_fs_free (card, f->child);
      buf_free (&f->data);
      for (i = 0; i < f->nrecs; i++)
        buf_free (&f->recs[i]);
      xfree (f->recs);
      xfree (f);
      if (card && card->nfiles)
        card->nfiles--;
      f = next;   /* callers pass an unlinked file or a sibling list */
    }
}

emu_file_t *
emu_fs_child_fid (emu_file_t *df, unsigned fid)
{
  emu_file_t *f;

  if (!df || df->type != EMU_DF)
    return NULL;
  for (f = df->child; f; f = f->next)
    if (f->fid == fid)
      return f;
  return NULL;
}

emu_file_t *
emu_fs_child_sfi (emu_file_t *df, unsigned sfi)
{
  emu_file_t *f;

  if (!df || df->type != EMU_DF || !sfi)
    return NULL;
  for (f = df->child; f; f = f->next)
    if (f->type != EMU_DF && f->sfi == sfi)
      return f;
  return NULL;
}

/* Depth-first search for a DF whose name starts with AID (exact match
 * preferred by the caller passing the full name). */
emu_file_t *
emu_fs_find_aid (emu_file_t *root, const uint8_t *aid, size_t len)
{
  emu_file_t *f, *hit;

  if (!root || !len)
    return NULL;
  if (root->type == EMU_DF && root->aid_len >= len
      && !memcmp (root->aid, aid, len))
    return root;
  for (f = root->child; f; f = f->next)
    if ((hit = emu_fs_find_aid (f, aid, len)))
      return hit;
  return NULL;
}

unsigned
emu_fs_depth (const emu_file_t *f)
{
  unsigned d = 0;

  while (f && f->parent)
    {
      d++;
      f = f->parent;
    }
  return d;
}

size_t
emu_fs_size (const emu_file_t *f)
{
  size_t i, n = 0;

  switch (f->type)
    {
    case EMU_EF_TRANSPARENT:
      return f->data.len;
    case EMU_EF_LINEAR_FIXED:
    case EMU_EF_CYCLIC:
      return f->rec_len * f->rec_max;
    case EMU_EF_LINEAR_VAR:
      for (i = 0; i < f->nrecs; i++)
        n += f->recs[i].len;
      return n;
    default:
      return 0;
    }
}

static uint8_t
emu_fs_sc_byte (unsigned ac)
{
  if (ac == EMU_AC_ALWAYS)
    return 0x00;
  if (ac == EMU_AC_NEVER)
    return 0xFF;
  return 0x10 | (ac & 0x0F);
}

/* Compact security attributes: AM byte b7..b1, SC bytes in that order. */
static gpg_error_t
emu_fs_put_sec (const emu_file_t *f, buf_t *out)
{
  unsigned map[7];   /* index 0 = b7 ... 6 = b1 */
  uint8_t v[8];
  size_t n = 1;
  int i;

  map[0] = f->ac[EMU_AC_DELETE];     /* b7 delete (self) */
  map[1] = EMU_AC_NEVER;             /* b6 terminate */
  map[2] = f->ac[EMU_AC_ADMIN];      /* b5 activate */
  map[3] = f->ac[EMU_AC_ADMIN];      /* b4 deactivate */
  if (f->type == EMU_DF)
    {
      map[4] = f->ac[EMU_AC_CREATE]; /* b3 create DF */
      map[5] = f->ac[EMU_AC_CREATE]; /* b2 create EF */
      map[6] = f->ac[EMU_AC_DELETE]; /* b1 delete child */
    }
  else
    {
      map[4] = f->ac[EMU_AC_UPDATE]; /* b3 write */
      map[5] = f->ac[EMU_AC_UPDATE]; /* b2 update / erase */
      map[6] = f->ac[EMU_AC_READ];   /* b1 read */
    }
  v[0] = 0x7F;
  for (i = 0; i < 7; i++)
    v[n++] = emu_fs_sc_byte (map[i]);
  return tlv_put (out, 0x8C, v, n);
}

gpg_error_t
emu_fs_fcp (emu_card_t *card, const emu_file_t *f, unsigned tag, buf_t *out)
{
  gpg_error_t err;
  size_t mark;
  uint8_t d[6];

  err = tlv_begin (out, tag, &mark);
  if (err)
    goto leave;
  if (f->type != EMU_DF)
    {
      uint8_t sz[2];
      put_be16 (sz, (unsigned)emu_fs_size (f));
      err = tlv_put (out, 0x80, sz, 2);
      if (err)
        goto leave;
    }
  switch (f->type)
    {
    case EMU_DF:
      d[0] = 0x38;
      err = tlv_put (out, 0x82, d, 1);
      break;
    case EMU_EF_TRANSPARENT:
      d[0] = f->internal ? 0x09 : 0x01;     /* internal EF: a key */
      err = tlv_put (out, 0x82, d, 1);
      break;
    default:
      d[0] = f->type == EMU_EF_LINEAR_FIXED ? 0x02
             : f->type == EMU_EF_LINEAR_VAR ? 0x04 : 0x06;
      d[1] = 0x21;
      put_be16 (d + 2, (unsigned)f->rec_len);
      d[4] = (uint8_t)f->nrecs;
      err = tlv_put (out, 0x82, d, 5);
      break;
    }
  if (err)
    goto leave;
  put_be16 (d, f->fid);
  err = tlv_put (out, 0x83, d, 2);
  if (!err && f->type == EMU_DF && f->aid_len)
    err = tlv_put (out, 0x84, f->aid, f->aid_len);
  if (!err && f->type != EMU_DF && f->sfi)
    err = tlv_put_u8 (out, 0x88, (uint8_t)(f->sfi << 3));
  if (!err)
    err = tlv_put_u8 (out, 0x8A, f->initialising ? 0x03
                                 : f->deactivated ? 0x04 : 0x05);
  if (!err && !(card && card->no_fcp_access))
    err = emu_fs_put_sec (f, out);
  if (!err)
    err = tlv_end (out, mark);
 leave:
  return err;
}

/* Security condition byte to our access condition. */
static unsigned
emu_fs_sc_decode (emu_card_t *card, uint8_t sc)
{
  size_t i;

  if (sc == 0x00)
    return EMU_AC_ALWAYS;
  if (sc == 0xFF || !(sc & 0x10) || !(sc & 0x0F))
    return EMU_AC_NEVER;
  for (i = 0; i < card->npins; i++)
    if ((card->pins[i].ref & 0x0F) == (sc & 0x0F))
      return card->pins[i].ref;
  return EMU_AC_NEVER;
}

static void
emu_fs_sec_decode (emu_card_t *card, emu_file_t *f, const uint8_t *p,
                   size_t n)
{
  unsigned sc[7];
  size_t i, k = 1;
  uint8_t am;

  if (!n)
    return;
  am = p[0];
  for (i = 0; i < 7; i++)
    {
      sc[i] = EMU_AC_ALWAYS;
      if (am & (0x40 >> i))
        sc[i] = k < n ? emu_fs_sc_decode (card, p[k++]) : EMU_AC_NEVER;
    }
  f->ac[EMU_AC_DELETE] = sc[0];
  f->ac[EMU_AC_ADMIN] = sc[3];
  if (f->type == EMU_DF)
    f->ac[EMU_AC_CREATE] = sc[5];
  else
    {
      f->ac[EMU_AC_UPDATE] = sc[5];
      f->ac[EMU_AC_READ] = sc[6];
    }
}

gpg_error_t
emu_fs_add_record (emu_file_t *f, const uint8_t *p, size_t n, bool at_front)
{
  buf_t *recs;

  recs = xtryrealloc (f->recs, (f->nrecs + 1) * sizeof *recs);
  if (!recs)
    return gpg_error_from_syserror ();
  f->recs = recs;
  if (at_front)
    {
      memmove (recs + 1, recs, f->nrecs * sizeof *recs);
      buf_init (&recs[0]);
      f->nrecs++;
      return buf_set (&recs[0], p, n);
    }
  buf_init (&recs[f->nrecs]);
  f->nrecs++;
  return buf_set (&recs[f->nrecs - 1], p, n);
}

gpg_error_t
emu_fs_fill_records (emu_file_t *f)
{
  uint8_t *zero;
  gpg_error_t err = 0;

  if (f->type != EMU_EF_LINEAR_FIXED || f->nrecs >= f->rec_max)
    return 0;
  zero = xtrycalloc (1, f->rec_len);
  if (!zero)
    return gpg_error_from_syserror ();
  while (!err && f->nrecs < f->rec_max)
    err = emu_fs_add_record (f, zero, f->rec_len, false);
  xfree (zero);
  return err;
}

static bool
emu_fs_fid_ok (unsigned fid)
{
  return fid != 0x3F00 && fid != 0x3FFF && fid != 0xFFFF;
}

gpg_error_t
emu_fs_create (emu_card_t *card, emu_file_t *df, const uint8_t *p, size_t n,
               emu_file_t **r_file, unsigned *sw)
{
  gpg_error_t err = 0;
  tlv_t outer, t;
  tlv_iter_t it;
  bool have_fid = false, have_desc = false, deact = false, init = false;
  bool internal = false;
  unsigned fid = 0, sfi = 0;
  uint64_t size = 0, v;
  bool have_size = false;
  size_t rec_len = 0, rec_max = 0, i;
  const uint8_t *name = NULL, *sec = NULL;
  size_t name_len = 0, sec_len = 0;
  enum emu_ftype type = EMU_EF_TRANSPARENT;
  emu_file_t *f = NULL;

  *r_file = NULL;
  *sw = SW_WRONG_DATA;
  if (tlv_parse (p, n, &outer, NULL) || outer.raw_len != n
      || (outer.tag != 0x62 && outer.tag != 0x6F))
    goto leave;
  tlv_iter_init (&it, outer.value, outer.len, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      switch (t.tag)
        {
        case 0x80:
        case 0x81:
          if (t.len < 1 || t.len > 4 || tlv_get_uint (&t, &v))
            goto leave;
          if (t.tag == 0x80 || !have_size)
            size = v;
          have_size = true;
          break;
        case 0x82:
          if (t.len < 1 || t.len > 6)
            goto leave;
          have_desc = true;
          internal = (t.value[0] & 0x38) == 0x08;
          if ((t.value[0] & 0x38) == 0x38)
            type = EMU_DF;
          else if ((t.value[0] & 0x30) || (t.value[0] & 0x80))
            goto leave;
          else
            switch (t.value[0] & 7)
              {
              case 1: type = EMU_EF_TRANSPARENT; break;
              case 2: case 3: type = EMU_EF_LINEAR_FIXED; break;
              case 4: case 5: type = EMU_EF_LINEAR_VAR; break;
              case 6: case 7: type = EMU_EF_CYCLIC; break;
              default: goto leave;
              }
          if (t.len == 3)
            rec_len = t.value[2];
          else if (t.len >= 4)
            rec_len = get_be16 (t.value + 2);
          if (t.len == 5)
            rec_max = t.value[4];
          else if (t.len == 6)
            rec_max = get_be16 (t.value + 4);
          break;
        case 0x83:
          if (t.len != 2)
            goto leave;
          fid = get_be16 (t.value);
          have_fid = true;
          break;
        case 0x84:
          if (t.len < 1 || t.len > EMU_MAX_AID)
            goto leave;
          name = t.value;
          name_len = t.len;
          break;
        case 0x88:
          if (t.len > 1)
            goto leave;
          sfi = t.len ? (t.value[0] >> 3) : 0;
          if (sfi == 31)
            goto leave;
          break;
        case 0x8A:
          if (t.len != 1)
            goto leave;
          deact = t.value[0] == 0x04 || t.value[0] == 0x06;
          init = t.value[0] == 0x01 || t.value[0] == 0x03;
          break;
        case 0x8C:
          sec = t.value;
          sec_len = t.len;
          break;
        default:
          break;   /* 85, 86, A5, ... proprietary: ignored */
        }
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    {
      err = 0;
      goto leave;
    }
  err = 0;
  if (!have_fid || !have_desc || !emu_fs_fid_ok (fid))
    goto leave;
  if (type != EMU_DF && name)
    goto leave;
  if (emu_fs_child_fid (df, fid) || fid == df->fid
      || (name && emu_fs_find_aid (card->mf, name, name_len)))
    {
      *sw = SW_FILE_EXISTS;
      goto leave;
    }
  if (type == EMU_DF && emu_fs_depth (df) + 1 > EMU_MAX_DEPTH)
    {
      *sw = SW_NOT_ENOUGH_MEMORY;
      goto leave;
    }
  if (type == EMU_EF_TRANSPARENT && size > EMU_MAX_EF_SIZE)
    {
      *sw = SW_NOT_ENOUGH_MEMORY;
      goto leave;
    }
  if (type != EMU_DF && type != EMU_EF_TRANSPARENT)
    {
      if (!rec_len)
        rec_len = (rec_max && have_size) ? size / rec_max : 255;
      if (!rec_max)
        rec_max = (have_size && rec_len) ? size / rec_len : 0;
      if (!rec_max || rec_max > EMU_MAX_RECORDS)
        rec_max = type == EMU_EF_LINEAR_FIXED ? 1 : EMU_MAX_RECORDS;
      if (!rec_len || rec_len > EMU_MAX_RECLEN || rec_max > EMU_MAX_RECORDS)
        goto leave;
      if (type == EMU_EF_LINEAR_FIXED && rec_len * rec_max > 4 * 65536)
        {
          *sw = SW_NOT_ENOUGH_MEMORY;
          goto leave;
        }
    }
  f = emu_fs_new (card, df, type, fid);
  if (!f)
    {
      *sw = SW_NOT_ENOUGH_MEMORY;
      goto leave;
    }
  f->sfi = (uint8_t)sfi;
  f->internal = internal && type == EMU_EF_TRANSPARENT;
  f->deactivated = deact;
  f->initialising = init;
  if (name)
    {
      memcpy (f->aid, name, name_len);
      f->aid_len = name_len;
    }
  if (sec)
    emu_fs_sec_decode (card, f, sec, sec_len);
  if (type == EMU_EF_TRANSPARENT)
    {
      err = buf_reserve (&f->data, (size_t)size);
      if (!err && size)
        {
          memset (f->data.data, 0, (size_t)size);
          f->data.len = (size_t)size;
        }
    }
  else if (type != EMU_DF)
    {
      f->rec_len = rec_len;
      f->rec_max = rec_max;
      if (type == EMU_EF_LINEAR_FIXED)
        {
          uint8_t *zero = xtrycalloc (1, rec_len);
          if (!zero)
            err = gpg_error_from_syserror ();
          for (i = 0; !err && i < rec_max; i++)
            err = emu_fs_add_record (f, zero, rec_len, false);
          xfree (zero);
        }
    }
  if (err)
    {
      emu_fs_unlink (f);
      emu_fs_free (card, f);
      goto leave;
    }
  *sw = SW_OK;
  *r_file = f;
 leave:
  return err;
}

unsigned
emu_fs_check (emu_card_t *card, const emu_file_t *f, enum emu_acop op)
{
  unsigned ac = f->ac[op];
  emu_pin_t *pin;

  /* A file in creation or initialisation state is being personalised:
   * its security attributes apply from ACTIVATE FILE on. */
  if (ac == EMU_AC_ALWAYS || f->initialising)
    return 0;
  if (ac == EMU_AC_NEVER)
    return SW_SEC_NOT_SATISFIED;
  pin = emu_pin_find (card, ac);
  if (pin && pin->verified)
    return 0;
  /* A PIN still in its creation state (no value) protects nothing yet:
   * the card models a token whose PIN objects were never personalised
   * (profile `unset'). */
  if (pin && pin->unset)
    return 0;
  return SW_SEC_NOT_SATISFIED;
}
