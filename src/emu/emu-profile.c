/* emu-profile.c - read and write card profiles (doc/card-profile.md)
 *
 * A state file is a profile too: emu_profile_save writes the whole card
 * (content inline as hex, retry counters, PIN values, applet state), so
 * loading it gives back the card exactly as it was. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <ctype.h>

#include "common/util.h"
#include "emu-appdata.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu-int.h"

#define EMU_PROFILE_MAX (16u << 20)   /* bytes of profile text */
#define EMU_PROFILE_MAXTOK 64

typedef struct emu_profile_ctx {
  emu_card_t *card;
  const char *path;
  unsigned line;
  emu_file_t *last;          /* for `record' lines */
  bool fixed_records_given;  /* linear fixed EF had explicit records= */
} emu_profile_ctx_t;

static gpg_error_t
emu_profile_err (emu_profile_ctx_t *c, const char *what, const char *arg)
{
  log_error (_("%s:%u: %s%s%s\n"), c->path, c->line, what,
             arg ? ": " : "", arg ? arg : "");
  return gpg_error (GPG_ERR_INV_VALUE);
}

/* Read a whole file (at most MAX bytes) into OUT. */
static gpg_error_t
emu_profile_slurp (const char *path, size_t max, buf_t *out)
{
  gpg_error_t err = 0;
  FILE *fp = fopen (path, "rb");
  uint8_t tmp[4096];
  size_t n;

  if (!fp)
    return gpg_error_from_syserror ();
  while ((n = fread (tmp, 1, sizeof tmp, fp)) > 0)
    {
      if (out->len + n > max)
        {
          err = gpg_error (GPG_ERR_TOO_LARGE);
          goto leave;
        }
      if ((err = buf_append (out, tmp, n)))
        goto leave;
    }
  if (ferror (fp))
    err = gpg_error_from_syserror ();
 leave:
  fclose (fp);
  return err;
}

static const char *
emu_profile_get (char **keys, char **vals, size_t n, const char *key)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (keys[i] && !strcmp (keys[i], key))
      {
        keys[i] = NULL;   /* consumed */
        return vals[i] ? vals[i] : "";
      }
  return NULL;
}

/* Hex or @file content relative to the profile's directory. */
static gpg_error_t
emu_profile_content (emu_profile_ctx_t *c, const char *s, buf_t *out)
{
  gpg_error_t err;
  char *path;

  if (*s != '@')
    {
      err = hex_decode (s, out);
      if (err)
        return emu_profile_err (c, _("bad hex value"), s);
      return 0;
    }
  s++;
  if (*s == '/' || !c->card->profile_dir)
    path = xtrystrdup (s);
  else
    {
      path = xtrymalloc (strlen (c->card->profile_dir) + strlen (s) + 2);
      if (path)
        sprintf (path, "%s/%s", c->card->profile_dir, s);
    }
  if (!path)
    return gpg_error_from_syserror ();
  err = emu_profile_slurp (path, EMU_MAX_EF_SIZE, out);
  if (err)
    {
      log_error (_("%s:%u: cannot read %s: %s\n"), c->path, c->line, path,
                 gpg_strerror (err));
      err = gpg_error (GPG_ERR_INV_VALUE);
    }
  xfree (path);
  return err;
}

static bool
emu_profile_ac (emu_card_t *card, const char *s, unsigned *ac)
{
  unsigned long v;

  (void)card;
  if (!strcmp (s, "always"))
    *ac = EMU_AC_ALWAYS;
  else if (!strcmp (s, "never"))
    *ac = EMU_AC_NEVER;
  else if (!strncmp (s, "pin:", 4) && emu_appdata_uint (s + 4, 0xFE, &v)
           && (v & 0x0F))
    *ac = (unsigned)v;
  else
    return false;
  return true;
}

static const char *const emu_profile_acnames[EMU_AC_N] = {
  "read", "update", "create", "delete", "admin"
};

static gpg_error_t
emu_profile_acs (emu_profile_ctx_t *c, emu_file_t *f, char **keys,
                 char **vals, size_t n)
{
  int i;
  const char *v;

  for (i = 0; i < EMU_AC_N; i++)
    if ((v = emu_profile_get (keys, vals, n, emu_profile_acnames[i])))
      if (!emu_profile_ac (c->card, v, &f->ac[i]))
        return emu_profile_err (c, _("bad access condition"), v);
  return 0;
}

/* Resolve "3F00/5015/4401": *R_PARENT gets the DF holding the last
 * component, *FID its FID; *R_EXISTING the file if it exists. */
static gpg_error_t
emu_profile_path (emu_profile_ctx_t *c, const char *s, emu_file_t **r_parent,
                  unsigned *fid, emu_file_t **r_existing)
{
  emu_file_t *df = NULL, *f = NULL;
  unsigned long v;
  char part[8];
  const char *p = s;
  size_t n;

  *r_parent = NULL;
  *r_existing = NULL;
  while (*p)
    {
      n = strcspn (p, "/");
      if (n != 4)
        return emu_profile_err (c, _("bad path"), s);
      memcpy (part, p, 4);
      part[4] = 0;
      if (!isxdigit ((unsigned char)part[0]) || !isxdigit ((unsigned char)part[1])
          || !isxdigit ((unsigned char)part[2])
          || !isxdigit ((unsigned char)part[3]))
        return emu_profile_err (c, _("bad path"), s);
      v = strtoul (part, NULL, 16);
      if (!df && !f)
        {
          if (v != 0x3F00)
            return emu_profile_err (c, _("paths start at 3F00"), s);
          f = c->card->mf;
        }
      else
        {
          if (!f || f->type != EMU_DF)
            return emu_profile_err (c, _("parent is not a DF"), s);
          df = f;
          f = emu_fs_child_fid (df, (unsigned)v);
          *fid = (unsigned)v;
        }
      p += n;
      if (*p == '/')
        p++;
    }
  if (!df && !f)
    return emu_profile_err (c, _("bad path"), s);
  if (!df)
    *fid = 0x3F00;
  *r_parent = df;
  *r_existing = f;
  return 0;
}

static gpg_error_t
emu_profile_pin (emu_profile_ctx_t *c, char **tok, char **vals, size_t ntok)
{
  emu_card_t *card = c->card;
  emu_pin_t *pin;
  unsigned long v;
  const char *s;
  gpg_error_t err = 0;
  buf_t val;

  buf_init_secure (&val);
  if (ntok < 2 || vals[1] || !emu_appdata_uint (tok[1], 0xFE, &v) || !v
      || !(v & 0x0F))
    return emu_profile_err (c, _("pin needs a reference 1..FE whose low "
                                 "nibble is not 0"), ntok > 1 ? tok[1] : NULL);
  if (emu_pin_find (card, (unsigned)v))
    return emu_profile_err (c, _("duplicate PIN reference"), tok[1]);
  if (card->npins >= EMU_MAX_PINS)
    return emu_profile_err (c, _("too many PINs"), NULL);
  pin = &card->pins[card->npins];
  memset (pin, 0, sizeof *pin);
  pin->ref = (uint8_t)v;
  pin->pad = -1;
  pin->retries_max = 3;
  pin->min_len = 1;
  pin->max_len = 8;
  snprintf (pin->name, sizeof pin->name, "PIN%u", (unsigned)(v & 0xFF));
  tok[1] = NULL;
  if ((s = emu_profile_get (tok, vals, ntok, "name")))
    snprintf (pin->name, sizeof pin->name, "%s", s);
  pin->unset = emu_profile_get (tok, vals, ntok, "unset") != NULL;
  if ((s = emu_profile_get (tok, vals, ntok, "value")))
    err = buf_set (&val, s, strlen (s));
  else if ((s = emu_profile_get (tok, vals, ntok, "hex")))
    err = hex_decode (s, &val) ? emu_profile_err (c, _("bad hex value"), s)
                               : 0;
  else if (!pin->unset)
    err = emu_profile_err (c, _("pin needs value= or hex= (or unset)"),
                           NULL);
  if (!err && pin->unset && val.len)
    err = emu_profile_err (c, _("an unset PIN has no value"), NULL);
  if (err)
    goto leave;
  if ((s = emu_profile_get (tok, vals, ntok, "retries")))
    {
      if (!emu_appdata_uint (s, 15, &v) || !v)
        {
          err = emu_profile_err (c, _("retries must be 1..15"), s);
          goto leave;
        }
      pin->retries_max = (unsigned)v;
    }
  pin->retries_left = pin->retries_max;
  if ((s = emu_profile_get (tok, vals, ntok, "left")))
    {
      if (!emu_appdata_uint (s, pin->retries_max, &v))
        {
          err = emu_profile_err (c, _("left must be 0..retries"), s);
          goto leave;
        }
      pin->retries_left = (unsigned)v;
    }
  if ((s = emu_profile_get (tok, vals, ntok, "min")))
    {
      if (!emu_appdata_uint (s, 64, &v))
        {
          err = emu_profile_err (c, _("bad min"), s);
          goto leave;
        }
      pin->min_len = v;
    }
  if ((s = emu_profile_get (tok, vals, ntok, "max")))
    {
      if (!emu_appdata_uint (s, 64, &v) || !v)
        {
          err = emu_profile_err (c, _("bad max"), s);
          goto leave;
        }
      pin->max_len = v;
    }
  if ((s = emu_profile_get (tok, vals, ntok, "pad")) && strcmp (s, "none"))
    {
      char *end;
      v = strtoul (s, &end, 16);
      if (*end || v > 0xFF || !*s)
        {
          err = emu_profile_err (c, _("pad is one hex byte"), s);
          goto leave;
        }
      pin->pad = (int)v;
    }
  if ((s = emu_profile_get (tok, vals, ntok, "puk")))
    {
      if (!emu_appdata_uint (s, 0xFE, &v) || !v)
        {
          err = emu_profile_err (c, _("bad puk reference"), s);
          goto leave;
        }
      pin->puk = (uint8_t)v;
    }
  if ((!pin->unset && (val.len > pin->max_len || val.len < pin->min_len))
      || pin->min_len > pin->max_len)
    {
      err = emu_profile_err (c, _("PIN value length outside min..max"),
                             NULL);
      goto leave;
    }
  if (!pin->unset)
    err = emu_pin_set (pin, val.data, val.len);
  if (!err)
    card->npins++;
 leave:
  buf_free (&val);
  return err;
}

static gpg_error_t
emu_profile_file (emu_profile_ctx_t *c, char **tok, char **vals, size_t ntok)
{
  emu_card_t *card = c->card;
  bool is_df = !strcmp (tok[0], "df");
  emu_file_t *parent, *f;
  unsigned fid = 0;
  enum emu_ftype type = EMU_DF;
  unsigned long v;
  const char *s;
  gpg_error_t err;
  size_t first = 2;
  bool internal;

  if (ntok < 2 || vals[1])
    return emu_profile_err (c, _("missing path"), NULL);
  if ((err = emu_profile_path (c, tok[1], &parent, &fid, &f)))
    return err;
  if (!is_df)
    {
      if (ntok < 3 || vals[2])
        return emu_profile_err (c, _("ef needs a type"), NULL);
      if (!strcmp (tok[2], "transparent") || !strcmp (tok[2], "internal"))
        type = EMU_EF_TRANSPARENT;
      else if (!strcmp (tok[2], "linear-fixed"))
        type = EMU_EF_LINEAR_FIXED;
      else if (!strcmp (tok[2], "linear-variable"))
        type = EMU_EF_LINEAR_VAR;
      else if (!strcmp (tok[2], "cyclic"))
        type = EMU_EF_CYCLIC;
      else
        return emu_profile_err (c, _("unknown EF type"), tok[2]);
      first = 3;
    }
  internal = first == 3 && !strcmp (tok[2], "internal");
  tok[0] = tok[1] = NULL;
  if (first == 3)
    tok[2] = NULL;
  if (f && !(is_df && f == card->mf))
    return emu_profile_err (c, _("file defined twice"), NULL);
  if (!parent && !is_df)
    return emu_profile_err (c, _("3F00 is the MF, not an EF"), NULL);
  if (!f)
    {
      if (fid == 0x3FFF || fid == 0xFFFF)
        return emu_profile_err (c, _("reserved FID"), NULL);
      if (is_df && emu_fs_depth (parent) + 1 > EMU_MAX_DEPTH)
        return emu_profile_err (c, _("DFs nested too deep"), NULL);
      f = emu_fs_new (card, parent, type, fid);
      if (!f)
        return emu_profile_err (c, _("too many files"), NULL);
    }
  if ((s = emu_profile_get (tok, vals, ntok, "aid")))
    {
      buf_t aid = BUF_INIT;
      if (!is_df || hex_decode (s, &aid) || !aid.len || aid.len > EMU_MAX_AID)
        {
          buf_free (&aid);
          return emu_profile_err (c, _("aid is 1..16 hex bytes on a DF"), s);
        }
      memcpy (f->aid, aid.data, aid.len);
      f->aid_len = aid.len;
      buf_free (&aid);
    }
  if ((s = emu_profile_get (tok, vals, ntok, "sfi")))
    {
      if (is_df || !emu_appdata_uint (s, 30, &v) || !v
          || emu_fs_child_sfi (parent, (unsigned)v))
        return emu_profile_err (c, _("sfi is 1..30, unique in the DF"), s);
      f->sfi = (uint8_t)v;
    }
  f->internal = internal;
  if ((s = emu_profile_get (tok, vals, ntok, "select")))
    {
      if (!is_df || strcmp (s, "aid") || (f != card->mf && !f->aid_len))
        return emu_profile_err (c, _("select=aid is for the MF or a DF "
                                     "with an aid="), s);
      f->aid_only = true;
    }
  if (emu_profile_get (tok, vals, ntok, "deactivated"))
    f->deactivated = true;
  if (emu_profile_get (tok, vals, ntok, "initialising"))
    f->initialising = true;
  if ((err = emu_profile_acs (c, f, tok, vals, ntok)))
    return err;
  c->last = f;
  c->fixed_records_given = false;
  if (type == EMU_EF_TRANSPARENT)
    {
      if ((s = emu_profile_get (tok, vals, ntok, "content")))
        if ((err = emu_profile_content (c, s, &f->data)))
          return err;
      if ((s = emu_profile_get (tok, vals, ntok, "size")))
        {
          if (!emu_appdata_uint (s, EMU_MAX_EF_SIZE, &v) || v < f->data.len)
            return emu_profile_err (c, _("size must hold the content "
                                         "(at most 65535)"), s);
          if ((err = buf_reserve (&f->data, v - f->data.len)))
            return err;
          memset (f->data.data + f->data.len, 0, v - f->data.len);
          f->data.len = v;
        }
    }
  else if (type != EMU_DF)
    {
      f->rec_len = type == EMU_EF_LINEAR_VAR ? 255 : 0;
      if ((s = emu_profile_get (tok, vals, ntok, "record-size")))
        {
          if (!emu_appdata_uint (s, EMU_MAX_RECLEN, &v) || !v)
            return emu_profile_err (c, _("bad record-size"), s);
          f->rec_len = v;
        }
      f->rec_max = 0;
      if ((s = emu_profile_get (tok, vals, ntok, "records")))
        {
          if (!emu_appdata_uint (s, EMU_MAX_RECORDS, &v) || !v)
            return emu_profile_err (c, _("records is 1..254"), s);
          f->rec_max = v;
          c->fixed_records_given = true;
        }
      else if (type == EMU_EF_LINEAR_VAR)
        f->rec_max = EMU_MAX_RECORDS;
    }
  for (; first < ntok; first++)
    if (tok[first])
      return emu_profile_err (c, _("unknown option"), tok[first]);
  return 0;
}

/* Finish the record EF that the previous lines described. */
static gpg_error_t
emu_profile_finish_ef (emu_profile_ctx_t *c)
{
  emu_file_t *f = c->last;

  c->last = NULL;
  if (!f || f->type == EMU_DF || f->type == EMU_EF_TRANSPARENT)
    return 0;
  if (!f->rec_len)
    return emu_profile_err (c, _("record EF needs record-size= or "
                                 "records"), NULL);
  if (!f->rec_max)
    f->rec_max = f->nrecs ? f->nrecs : 1;
  if (f->nrecs > f->rec_max)
    return emu_profile_err (c, _("more records than records="), NULL);
  return emu_fs_fill_records (f);
}

static gpg_error_t
emu_profile_record (emu_profile_ctx_t *c, const char *s)
{
  emu_file_t *f = c->last;
  buf_t rec = BUF_INIT;
  gpg_error_t err;

  if (!f || f->type == EMU_DF || f->type == EMU_EF_TRANSPARENT)
    return emu_profile_err (c, _("record outside a record EF"), NULL);
  if ((err = emu_profile_content (c, s, &rec)))
    goto leave;
  if (!f->rec_len && f->type != EMU_EF_LINEAR_VAR)
    f->rec_len = rec.len;
  if (!rec.len || rec.len > f->rec_len
      || (f->type != EMU_EF_LINEAR_VAR && rec.len != f->rec_len)
      || f->nrecs >= EMU_MAX_RECORDS
      || (f->rec_max && f->nrecs >= f->rec_max))
    {
      err = emu_profile_err (c, _("record does not fit the EF"), NULL);
      goto leave;
    }
  err = emu_fs_add_record (f, rec.data, rec.len, false);
 leave:
  buf_free (&rec);
  return err;
}

static gpg_error_t
emu_profile_applet (emu_profile_ctx_t *c, const char *name, const char *opts)
{
  emu_card_t *card = c->card;
  const applet_ops_t *ops = applet_find (name);
  gpg_error_t err;

  if (!ops)
    {
      log_error (_("%s:%u: unknown applet '%s' (known: %s)\n"), c->path,
                 c->line, name, applet_names ());
      return gpg_error (GPG_ERR_INV_VALUE);
    }
  if (card->napplets >= EMU_MAX_APPLETS)
    return emu_profile_err (c, _("too many applets"), NULL);
  err = emu_card_applet_add (card, ops, opts, opts, NULL);
  if (gpg_err_code (err) == GPG_ERR_ENOMEM)
    return err;
  if (err)
    /* Not the options themselves: they may hold private key material. */
    return emu_profile_err (c, _("applet options refused"), name);
  return 0;
}

static gpg_error_t
emu_profile_applet_state (emu_profile_ctx_t *c, const char *name,
                          const char *hex)
{
  emu_card_t *card = c->card;
  buf_t st = BUF_INIT;
  gpg_error_t err;
  size_t i;

  for (i = card->napplets; i > 0; i--)
    if (!strcmp (card->applets[i - 1].ops->name, name))
      break;
  if (!i || !card->applets[i - 1].ops->load)
    return emu_profile_err (c, _("applet-state for no such applet"), name);
  if (hex_decode (hex, &st))
    return emu_profile_err (c, _("bad hex value"), NULL);
  err = card->applets[i - 1].ops->load (card->applets[i - 1].state,
                                        st.data, st.len);
  buf_free (&st);
  if (err)
    return emu_profile_err (c, _("applet state refused"), name);
  return 0;
}

/* Whether the ATR or EF.ATR (2F01) announces extended length: card
 * capabilities (compact-TLV tag 7, or BER 47 in EF.ATR), third byte b7. */
bool
emu_profile_ext_announced (emu_card_t *card)
{
  const uint8_t *a = card->atr;
  size_t n = card->atr_len, i = 2, k;
  uint8_t y;
  bool more = true, tck = false;
  emu_file_t *ef;

  if (n < 2)
    return false;
  k = a[1] & 0x0F;
  y = a[1] >> 4;
  while (more && i <= n)
    {
      i += !!(y & 1) + !!(y & 2) + !!(y & 4);
      more = y & 8;
      if (more)
        {
          if (i >= n)
            return false;
          if (a[i] & 0x0F)
            tck = true;
          y = a[i] >> 4;
          i++;
        }
    }
  (void)tck;
  if (i + k <= n && k > 1 && (a[i] == 0x00 || a[i] == 0x80))
    {
      size_t j = i + 1, end = i + k;
      while (j < end)
        {
          unsigned tag = a[j] >> 4, len = a[j] & 0x0F;
          if (j + 1 + len > end)
            break;
          if (tag == 7 && len >= 3 && (a[j + 3] & 0x40))
            return true;
          j += 1 + len;
        }
    }
  ef = emu_fs_child_fid (card->mf, 0x2F01);
  if (ef && ef->type == EMU_EF_TRANSPARENT)
    for (i = 0; i + 4 < ef->data.len; i++)
      if (ef->data.data[i] == 0x47 && ef->data.data[i + 1] == 3
          && (ef->data.data[i + 4] & 0x40))
        return true;
  return false;
}

/* Split LINE into tokens (in place); key=value splits at '='. */
static size_t
emu_profile_split (char *line, char **tok, char **vals, size_t max)
{
  size_t n = 0;
  char *p = line, *eq;

  while (*p && n < max)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (!*p || *p == '#')
        break;
      tok[n] = p;
      while (*p && *p != ' ' && *p != '\t')
        p++;
      if (*p)
        *p++ = 0;
      eq = strchr (tok[n], '=');
      vals[n] = NULL;
      if (eq)
        {
          *eq = 0;
          vals[n] = eq + 1;
        }
      n++;
    }
  return n;
}

static gpg_error_t
emu_profile_line (emu_profile_ctx_t *c, char *line, bool *saw_ext, bool *ext)
{
  emu_card_t *card = c->card;
  char *tok[EMU_PROFILE_MAXTOK], *vals[EMU_PROFILE_MAXTOK];
  char *rest;
  size_t ntok;
  gpg_error_t err = 0;
  buf_t b = BUF_INIT;

  while (*line == ' ' || *line == '\t')
    line++;
  if (!*line || *line == '#')
    return 0;
  if (!strncmp (line, "applet ", 7) || !strcmp (line, "applet"))
    {
      char name[32];
      size_t n;
      if ((err = emu_profile_finish_ef (c)))
        return err;
      rest = line + 6;
      rest += strspn (rest, " \t");
      n = strcspn (rest, " \t");
      if (!n || n >= sizeof name)
        return emu_profile_err (c, _("applet needs a name"), NULL);
      memcpy (name, rest, n);
      name[n] = 0;
      rest += n;
      rest += strspn (rest, " \t");
      return emu_profile_applet (c, name, rest);
    }
  ntok = emu_profile_split (line, tok, vals, DIM (tok));
  if (!ntok)
    return 0;
  if (ntok == DIM (tok))
    return emu_profile_err (c, _("too many words"), NULL);
  if (strcmp (tok[0], "record") && (err = emu_profile_finish_ef (c)))
    return err;
  if (!strcmp (tok[0], "record"))
    {
      if (ntok != 2 || vals[1])
        return emu_profile_err (c, _("record takes one value"), NULL);
      return emu_profile_record (c, tok[1]);
    }
  if (!strcmp (tok[0], "atr"))
    {
      size_t i;
      for (i = 1; i < ntok && !err; i++)
        err = vals[i] ? gpg_error (GPG_ERR_INV_VALUE) : hex_decode (tok[i], &b);
      if (err || b.len < 2 || b.len > sizeof card->atr
          || (b.data[0] != 0x3B && b.data[0] != 0x3F))
        err = emu_profile_err (c, _("atr is 2..33 hex bytes starting "
                                    "with 3B or 3F"), NULL);
      else
        {
          memcpy (card->atr, b.data, b.len);
          card->atr_len = b.len;
        }
    }
  else if (!strcmp (tok[0], "protocol"))
    {
      if (ntok != 2)
        err = emu_profile_err (c, _("protocol is t0 or t1"), NULL);
      else if (!strcmp (tok[1], "t0"))
        card->t0 = true;
      else if (!strcmp (tok[1], "t1"))
        card->t0 = false;
      else
        err = emu_profile_err (c, _("protocol is t0 or t1"), tok[1]);
    }
  else if (!strcmp (tok[0], "extended-length")
           || !strcmp (tok[0], "list-files")
           || !strcmp (tok[0], "isoapplet"))
    {
      bool yes = ntok == 2 && !strcmp (tok[1], "yes");
      if (ntok != 2 || (!yes && strcmp (tok[1], "no")))
        err = emu_profile_err (c, _("expected yes or no"), tok[0]);
      else if (tok[0][0] == 'e')
        {
          *saw_ext = true;
          *ext = yes;
        }
      else if (tok[0][0] == 'i')
        card->isoapplet = yes;
      else
        card->list_files = yes;
    }
  else if (!strcmp (tok[0], "fcp-access"))
    {
      if (ntok != 2 || (strcmp (tok[1], "yes") && strcmp (tok[1], "no")))
        err = emu_profile_err (c, _("expected yes or no"), tok[0]);
      else
        card->no_fcp_access = !strcmp (tok[1], "no");
    }
  else if (!strcmp (tok[0], "select-template"))
    {
      if (ntok != 2 || (strcmp (tok[1], "fci") && strcmp (tok[1], "fcp")
                        && strcmp (tok[1], "none")))
        err = emu_profile_err (c, _("select-template is fcp, fci or none"),
                               ntok > 1 ? tok[1] : NULL);
      else
        card->select_template = !strcmp (tok[1], "fci") ? EMU_TEMPLATE_FCI
          : !strcmp (tok[1], "none") ? EMU_TEMPLATE_NONE : EMU_TEMPLATE_FCP;
    }
  else if (!strcmp (tok[0], "latency"))
    {
      unsigned long v;
      if (ntok != 2 || vals[1] || !emu_appdata_uint (tok[1], EMU_LATENCY_MAX,
                                                    &v))
        err = emu_profile_err (c, _("latency is 0..60000 milliseconds"),
                               ntok > 1 ? tok[1] : NULL);
      else
        card->latency_ms = (unsigned)v;
    }
  else if (!strcmp (tok[0], "select-resets-security"))
    {
      /* yes | no | APPLET[,APPLET...] */
      if (ntok != 2 || vals[1] || !*tok[1])
        err = emu_profile_err (c, _("select-resets-security is yes, no or "
                                    "a list of applet names"), NULL);
      else
        {
          xfree (card->select_resets);
          card->select_resets = NULL;
          if (strcmp (tok[1], "no"))
            {
              card->select_resets = xtrystrdup (strcmp (tok[1], "yes")
                                                ? tok[1] : "*");
              if (!card->select_resets)
                err = gpg_error_from_syserror ();
            }
        }
    }
  else if (!strcmp (tok[0], "applet-switch-powers-off"))
    {
      bool yes = ntok == 2 && !strcmp (tok[1], "yes");
      if (ntok != 2 || vals[1] || (!yes && strcmp (tok[1], "no")))
        err = emu_profile_err (c, _("expected yes or no"), tok[0]);
      else
        card->switch_powers_off = yes;
    }
  else if (!strcmp (tok[0], "pin"))
    err = emu_profile_pin (c, tok, vals, ntok);
  else if (!strcmp (tok[0], "df") || !strcmp (tok[0], "ef"))
    err = emu_profile_file (c, tok, vals, ntok);
  else if (!strcmp (tok[0], "applet-state"))
    {
      if (ntok != 3)
        err = emu_profile_err (c, _("applet-state NAME HEX"), NULL);
      else
        err = emu_profile_applet_state (c, tok[1], tok[2]);
    }
  else
    err = emu_profile_err (c, _("unknown keyword"), tok[0]);
  buf_free (&b);
  return err;
}

gpg_error_t
emu_profile_load (emu_card_t *card, const char *path)
{
  gpg_error_t err;
  buf_t text = BUF_INIT;
  emu_profile_ctx_t c;
  char *p, *end, *nl;
  bool saw_ext = false, ext = false;
  size_t i;

  memset (&c, 0, sizeof c);
  c.card = card;
  c.path = path;
  err = emu_profile_slurp (path, EMU_PROFILE_MAX, &text);
  if (err)
    {
      log_error (_("cannot read card profile %s: %s\n"), path,
                 gpg_strerror (err));
      goto leave;
    }
  if ((err = buf_append_byte (&text, 0)))
    goto leave;
  if (memchr (text.data, 0, text.len - 1))
    {
      log_error (_("%s: not a text file\n"), path);
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  if (!card->mf)
    {
      card->mf = emu_fs_new (card, NULL, EMU_DF, 0x3F00);
      if (!card->mf)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
    }
  p = (char *)text.data;
  end = p + text.len - 1;
  while (p < end)
    {
      char *resume;
      nl = strchr (p, '\n');
      if (!nl)
        nl = end;
      *nl = 0;
      resume = nl + 1;
      c.line++;
      /* Join continuation lines (trailing backslash): the backslash
       * becomes a space and the next physical line is moved up. */
      while (nl > p && nl[-1] == '\\' && resume < end)
        {
          char *next = strchr (resume, '\n');
          size_t n;
          if (!next)
            next = end;
          *next = 0;
          n = (size_t)(next - resume);
          nl[-1] = ' ';
          memmove (nl, resume, n + 1);
          nl += n;
          resume = next + 1;
          c.line++;
        }
      if (nl > p && nl[-1] == '\r')
        nl[-1] = 0;
      err = emu_profile_line (&c, p, &saw_ext, &ext);
      if (err)
        goto leave;
      p = resume;
    }
  if ((err = emu_profile_finish_ef (&c)))
    goto leave;
  if (!card->atr_len)
    {
      log_error (_("%s: no atr line\n"), path);
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  for (i = 0; i < card->npins; i++)
    if (card->pins[i].puk && !emu_pin_find (card, card->pins[i].puk))
      {
        log_error (_("%s: PIN %s names a puk that is not defined\n"), path,
                   card->pins[i].name);
        err = gpg_error (GPG_ERR_INV_VALUE);
        goto leave;
      }
  if (card->select_resets && strcmp (card->select_resets, "*"))
    {
      /* Every name in the list is an applet of this card. */
      const char *q = card->select_resets;
      while (q && *q)
        {
          size_t n = strcspn (q, ","), k;
          for (k = 0; k < card->napplets; k++)
            if (strlen (card->applets[k].ops->name) == n
                && !strncmp (card->applets[k].ops->name, q, n))
              break;
          if (k == card->napplets)
            {
              log_error (_("%s: select-resets-security names an applet "
                           "the card does not have: %.*s\n"), path,
                         (int)n, q);
              err = gpg_error (GPG_ERR_INV_VALUE);
              goto leave;
            }
          q = q[n] ? q + n + 1 : NULL;
        }
    }
  card->ext = emu_profile_ext_announced (card);
  if (saw_ext && ext && !card->ext)
    {
      log_error (_("%s: extended-length yes, but neither the ATR nor EF.ATR "
                   "announce it (card capabilities, third byte, bit 7)\n"),
                 path);
      err = gpg_error (GPG_ERR_INV_VALUE);
      goto leave;
    }
  if (saw_ext && !ext)
    card->ext = false;
 leave:
  buf_free (&text);
  return err;
}

/* ---- writing ---- */

static const char *
emu_profile_acname (unsigned ac, char *tmp)
{
  if (ac == EMU_AC_ALWAYS)
    return "always";
  if (ac == EMU_AC_NEVER)
    return "never";
  sprintf (tmp, "pin:0x%02X", ac);
  return tmp;
}

static gpg_error_t
emu_profile_puthex (buf_t *out, const uint8_t *p, size_t n)
{
  return n ? hex_append (out, p, n, 0) : 0;
}

static gpg_error_t
emu_profile_putf (buf_t *out, const char *fmt, ...)
  __attribute__((format (printf, 2, 3)));

static gpg_error_t
emu_profile_putf (buf_t *out, const char *fmt, ...)
{
  char tmp[256];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (tmp, sizeof tmp, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t)n >= sizeof tmp)
    return gpg_error (GPG_ERR_INTERNAL);
  return buf_append (out, tmp, (size_t)n);
}

static gpg_error_t
emu_profile_put_path (buf_t *out, const emu_file_t *f)
{
  gpg_error_t err = 0;

  if (f->parent)
    {
      err = emu_profile_put_path (out, f->parent);
      if (!err)
        err = emu_profile_putf (out, "/%04X", f->fid);
    }
  else
    err = emu_profile_putf (out, "%04X", f->fid);
  return err;
}

static gpg_error_t
emu_profile_put_file (buf_t *out, const emu_file_t *f)
{
  static const char *const types[] = {
    "df", "transparent", "linear-fixed", "linear-variable", "cyclic"
  };
  gpg_error_t err;
  char tmp[16];
  const emu_file_t *ch;
  size_t i;
  int k;

  err = buf_append (out, f->type == EMU_DF ? "df " : "ef ", 3);
  if (!err)
    err = emu_profile_put_path (out, f);
  if (!err && f->type != EMU_DF)
    err = emu_profile_putf (out, " %s", f->internal ? "internal"
                           : types[f->type]);
  for (k = 0; !err && k < EMU_AC_N; k++)
    err = emu_profile_putf (out, " %s=%s", emu_profile_acnames[k],
                            emu_profile_acname (f->ac[k], tmp));
  if (!err && f->aid_len)
    {
      err = buf_append (out, " aid=", 5);
      if (!err)
        err = hex_append (out, f->aid, f->aid_len, 0);
    }
  if (!err && f->aid_only)
    err = buf_append (out, " select=aid", 11);
  if (!err && f->sfi)
    err = emu_profile_putf (out, " sfi=%u", f->sfi);
  if (!err && f->deactivated)
    err = buf_append (out, " deactivated", 12);
  if (!err && f->initialising)
    err = buf_append (out, " initialising", 13);
  if (!err && f->type == EMU_EF_TRANSPARENT)
    {
      err = emu_profile_putf (out, " size=%zu", f->data.len);
      if (!err && f->data.len)
        {
          err = buf_append (out, " content=", 9);
          if (!err)
            err = emu_profile_puthex (out, f->data.data, f->data.len);
        }
    }
  else if (!err && f->type != EMU_DF)
    err = emu_profile_putf (out, " record-size=%zu records=%zu", f->rec_len,
                            f->rec_max);
  if (!err)
    err = buf_append_byte (out, '\n');
  for (i = 0; !err && f->type != EMU_DF && i < f->nrecs; i++)
    {
      err = buf_append (out, "record ", 7);
      if (!err)
        err = emu_profile_puthex (out, f->recs[i].data, f->recs[i].len);
      if (!err)
        err = buf_append_byte (out, '\n');
    }
  for (ch = f->child; !err && ch; ch = ch->next)
    err = emu_profile_put_file (out, ch);
  return err;
}

/* Write BUF to PATH atomically: temp file, fsync, rename, fsync dir. */
static gpg_error_t
emu_profile_write_atomic (const char *path, const buf_t *b)
{
  gpg_error_t err = 0;
  char *tmp = NULL, *dir = NULL, *slash;
  int fd = -1;
  size_t off = 0;
  ssize_t w;

  tmp = xtrymalloc (strlen (path) + 16);
  dir = xtrystrdup (path);
  if (!tmp || !dir)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  sprintf (tmp, "%s.tmp%ld", path, (long)getpid ());
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  while (off < b->len)
    {
      w = write (fd, b->data + off, b->len - off);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      off += (size_t)w;
    }
  if (fsync (fd) || close (fd))
    {
      err = gpg_error_from_syserror ();
      fd = -1;
      goto leave;
    }
  fd = -1;
  if (rename (tmp, path))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  slash = strrchr (dir, '/');
  if (slash)
    {
      *slash = 0;
      fd = open (*dir ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  else
    fd = open (".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
  fd = -1;
 leave:
  if (fd >= 0)
    close (fd);
  if (err && tmp)
    unlink (tmp);
  xfree (tmp);
  xfree (dir);
  return err;
}

gpg_error_t
emu_profile_save (emu_card_t *card, const char *path)
{
  gpg_error_t err;
  buf_t out, st = BUF_INIT;
  size_t i;

  buf_init_secure (&out);   /* holds PIN values */
  err = emu_profile_putf (&out, "%s", "# vscemu card state: a card profile "
                          "written by vscemu (doc/card-profile.md)\natr ");
  if (!err)
    err = hex_append (&out, card->atr, card->atr_len, 0);
  if (!err)
    err = emu_profile_putf (&out, "\nprotocol %s\nextended-length %s\n"
                            "list-files %s\nisoapplet %s\n",
                            card->t0 ? "t0" : "t1",
                            card->ext ? "yes" : "no",
                            card->list_files ? "yes" : "no",
                            card->isoapplet ? "yes" : "no");
  if (!err)
    err = emu_profile_putf (&out, "select-template %s\nlatency %u\n"
                            "fcp-access %s\n",
                            card->select_template == EMU_TEMPLATE_FCI
                            ? "fci" : card->select_template
                            == EMU_TEMPLATE_NONE ? "none" : "fcp",
                            card->latency_ms,
                            card->no_fcp_access ? "no" : "yes");
  if (!err)
    err = emu_profile_putf (&out, "select-resets-security %s\n"
                            "applet-switch-powers-off %s\n",
                            !card->select_resets ? "no"
                            : !strcmp (card->select_resets, "*") ? "yes"
                            : card->select_resets,
                            card->switch_powers_off ? "yes" : "no");
  for (i = 0; !err && i < card->npins; i++)
    {
      emu_pin_t *p = &card->pins[i];
      err = emu_profile_putf (&out, "pin 0x%02X name=%s retries=%u left=%u "
                              "min=%zu max=%zu", p->ref, p->name,
                              p->retries_max, p->retries_left, p->min_len,
                              p->max_len);
      if (!err && p->pad >= 0)
        err = emu_profile_putf (&out, " pad=%02X", (unsigned)p->pad);
      if (!err && p->puk)
        err = emu_profile_putf (&out, " puk=0x%02X", p->puk);
      if (!err && p->unset)
        err = buf_append (&out, " unset", 6);
      else if (!err)
        {
          err = buf_append (&out, " hex=", 5);
          if (!err)
            err = emu_profile_puthex (&out, p->value, p->len);
        }
      if (!err)
        err = buf_append_byte (&out, '\n');
    }
  if (!err)
    err = emu_profile_put_file (&out, card->mf);
  for (i = 0; !err && i < card->napplets; i++)
    {
      emu_applet_t *a = &card->applets[i];
      err = emu_profile_putf (&out, "applet %s ", a->ops->name);
      if (!err)
        err = buf_append (&out, a->options, strlen (a->options));
      if (!err)
        err = buf_append_byte (&out, '\n');
      if (!err && a->ops->save)
        {
          buf_clear (&st);
          err = a->ops->save (a->state, &st);
          if (!err && st.len)
            {
              err = emu_profile_putf (&out, "applet-state %s ", a->ops->name);
              if (!err)
                err = hex_append (&out, st.data, st.len, 0);
              if (!err)
                err = buf_append_byte (&out, '\n');
            }
        }
    }
  if (!err)
    err = emu_profile_write_atomic (path, &out);
  buf_free (&out);
  buf_free (&st);
  return err;
}
