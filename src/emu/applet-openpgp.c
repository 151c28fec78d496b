/* applet-openpgp.c - the OpenPGP Smart Card Application 3.4 for the
 * emulated card
 *
 * Written from the "Functional Specification of the OpenPGP application
 * on ISO Smart Card Operating Systems", version 3.4: data objects via
 * GET DATA (CA/CB), PUT DATA (DA, odd DB for key import), the three
 * passwords PW1 (81 signing, 82 other), PW3 (83) and the resetting code,
 * GENERATE ASYMMETRIC KEY PAIR (47), PSO:CDS / DECIPHER (2A), INTERNAL
 * AUTHENTICATE (88), SELECT DATA (A5) / GET NEXT DATA (CC) for the three
 * certificates, GET CHALLENGE (84), TERMINATE DF (E6) / ACTIVATE FILE
 * (44).  Key operations: emu-crypto.c (libgcrypt).  Profile options:
 * doc/card-profile.md. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <strings.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/tlv.h"
#include "common/log.h"
#include "common/i18n.h"
#include "applet.h"
#include "emu-crypto.h"
#include "emu-appdata.h"
#include "applet-openpgp.h"

static const uint8_t applet_openpgp_rid[6] = { 0xD2, 0x76, 0x00, 0x01,
                                               0x24, 0x01 };

static const struct {
  unsigned tag;
  size_t max;
  enum opg_acc read, write;
} opg_dos[DO_N] = {
  { 0x5B,   39,        ACC_ALWAYS, ACC_PW3 },
  { 0x5F2D, 8,         ACC_ALWAYS, ACC_PW3 },
  { 0x5F35, 1,         ACC_ALWAYS, ACC_PW3 },
  { 0x5E,   OPG_MAXDO, ACC_ALWAYS, ACC_PW3 },
  { 0x5F50, OPG_MAXDO, ACC_ALWAYS, ACC_PW3 },
  { 0x0101, OPG_MAXDO, ACC_ALWAYS, ACC_PW1 },
  { 0x0102, OPG_MAXDO, ACC_ALWAYS, ACC_PW3 },
  { 0x0103, OPG_MAXDO, ACC_PW1,    ACC_PW1 },
  { 0x0104, OPG_MAXDO, ACC_PW3,    ACC_PW3 },
  { 0xF9,   110,       ACC_ALWAYS, ACC_PW3 }
};

/* ---- state ---------------------------------------------------------- */

static gpg_error_t
applet_openpgp_pw_set (opg_pw_t *pw, const uint8_t *p, size_t n)
{
  gpg_error_t err = xsecret_set (&pw->v, &pw->len, p, n);

  if (!err)
    pw->tries = n ? OPG_TRIES : 0;
  return err;
}

static void
applet_openpgp_clear (opg_t *o)
{
  int i;

  for (i = 0; i < DO_N; i++)
    buf_free (&o->dos[i]);
  for (i = 0; i < 3; i++)
    {
      emu_crypto_key_free (&o->slot[i].key);
      buf_free (&o->cert[i]);
    }
  if (o->pw1.v)
    xfree_secure (o->pw1.v);
  if (o->pw3.v)
    xfree_secure (o->pw3.v);
  if (o->rc.v)
    xfree_secure (o->rc.v);
  o->pw1.v = o->pw3.v = o->rc.v = NULL;
}

/* Factory state (ISO: after ACTIVATE FILE): default passwords, RSA 2048
 * attributes, no keys, no data. */
static gpg_error_t
applet_openpgp_factory (opg_t *o)
{
  gpg_error_t err;
  int i;

  applet_openpgp_clear (o);
  for (i = 0; i < DO_N; i++)
    buf_init (&o->dos[i]);
  buf_init_secure (&o->dos[DO_PRIV3]);
  buf_init_secure (&o->dos[DO_PRIV4]);
  for (i = 0; i < 3; i++)
    {
      opg_slot_t *s = &o->slot[i];
      memset (s, 0, sizeof *s);
      applet_openpgp_attr_by_name ("rsa2048", i, s->attr, &s->attr_len);
      if (o->rsa_crt)
        s->attr[5] = 0x02;        /* import format: CRT */
      if (o->uif)
        s->uif[1] = 0x20;         /* button available, UIF disabled */
      buf_init (&o->cert[i]);
    }
  o->sigcount = 0;
  o->pw1_multi = false;
  o->terminated = false;
  o->v81 = o->v82 = o->v83 = false;
  o->occ = 0;
  err = applet_openpgp_pw_set (&o->pw1, (const uint8_t *)"123456", 6);
  if (!err)
    err = applet_openpgp_pw_set (&o->pw3, (const uint8_t *)"12345678", 8);
  if (!err)
    err = applet_openpgp_pw_set (&o->rc, NULL, 0);
  if (!err)
    err = buf_set (&o->dos[DO_KDF], "\x81\x01\x00", 3);
  return err;
}

/* ---- profile options ------------------------------------------------ */

static int
applet_openpgp_slot_suffix (const char *key, const char *prefix)
{
  size_t n = strlen (prefix);
  if (strncmp (key, prefix, n))
    return -1;
  if (!strcmp (key + n, "sig"))
    return OPG_SIG;
  if (!strcmp (key + n, "dec"))
    return OPG_DEC;
  if (!strcmp (key + n, "aut"))
    return OPG_AUT;
  return -1;
}

/* The algorithm of key-SLOT=ALG,...: becomes the slot's attributes. */
struct applet_openpgp_keyopt {
  opg_t *o;
  int slot;
};

static bool
applet_openpgp_key_alg (void *ctx, const char *alg, emu_key_type_t *type,
                        unsigned *bits)
{
  struct applet_openpgp_keyopt *ko = ctx;
  opg_slot_t *s = &ko->o->slot[ko->slot];

  return applet_openpgp_attr_by_name (alg, ko->slot, s->attr, &s->attr_len)
         && applet_openpgp_attr_parse (s->attr, s->attr_len, ko->slot, type,
                                       bits);
}

/* key-SLOT=ALG,gen | ALG,E,P,Q | ALG,D */
static gpg_error_t
applet_openpgp_opt_key (opg_t *o, int slot, const char *k, const char *v)
{
  struct applet_openpgp_keyopt ko = { o, slot };
  opg_slot_t *s = &o->slot[slot];
  emu_key_t key = { 0, 0, NULL };
  bool generated;
  gpg_error_t err;

  err = applet_key_option ("openpgp", k, v, applet_openpgp_key_alg, &ko,
                           &key, &generated);
  if (!err)
    err = applet_openpgp_install (o, slot, &key, generated ? 1 : 2);
  if (!err && !s->time)
    s->time = OPG_DEFAULT_TIME;
  if (!err)
    err = applet_openpgp_attr_fingerprint (s, slot);
  emu_crypto_key_free (&key);
  return err;
}

static gpg_error_t
applet_openpgp_option (void *ctx, const char *k, const char *v)
{
  opg_t *o = ctx;
  buf_t b;
  unsigned long u;
  gpg_error_t err = 0;
  int slot;
  size_t i;
  static const struct { const char *name; int idx; } textdos[] = {
    { "name", DO_NAME }, { "lang", DO_LANG }, { "sex", DO_SEX },
    { "login", DO_LOGIN }, { "url", DO_URL }, { "private1", DO_PRIV1 },
    { "private2", DO_PRIV2 }, { "private3", DO_PRIV3 },
    { "private4", DO_PRIV4 }
  };

  buf_init_secure (&b);
  for (i = 0; i < DIM (textdos); i++)
    if (!strcmp (k, textdos[i].name))
      {
        err = emu_appdata_bytes (v, &b);
        if (err || b.len > opg_dos[textdos[i].idx].max)
          err = emu_appdata_bad ("openpgp", k, _("bad or too long value"));
        else
          err = buf_set (&o->dos[textdos[i].idx], b.data, b.len);
        goto leave;
      }
  if (!strcmp (k, "serial") || !strcmp (k, "manufacturer")
      || !strcmp (k, "version"))
    {
      size_t want = k[0] == 's' ? 4 : 2;
      err = emu_appdata_hex (v, &b);
      if (err || b.len != want)
        {
          err = emu_appdata_bad ("openpgp", k, want == 4
                                 ? _("8 hex digits") : _("4 hex digits"));
          goto leave;
        }
      memcpy (o->aid + (k[0] == 's' ? 10 : k[0] == 'm' ? 8 : 6), b.data,
              want);
    }
  else if (!strcmp (k, "pw1") || !strcmp (k, "pw3") || !strcmp (k, "rc"))
    {
      size_t min = k[2] == '1' ? 6 : 8;
      opg_pw_t *pw = k[2] == '1' ? &o->pw1 : k[2] == '3' ? &o->pw3 : &o->rc;
      err = emu_appdata_bytes (v, &b);
      if (!err && (b.len < min || b.len > OPG_MAXPW))
        err = emu_appdata_bad ("openpgp", k, _("wrong length"));
      else if (!err)
        err = applet_openpgp_pw_set (pw, b.data, b.len);
    }
  else if (!strcmp (k, "pw1-multi"))
    err = applet_opt_bool ("openpgp", k, v, &o->pw1_multi);
  else if (!strcmp (k, "composite-only") || !strcmp (k, "put-needs-pw3"))
    err = applet_opt_bool ("openpgp", k, v, k[0] == 'c' ? &o->composite_only
                                                       : &o->put_pw3);
  else if (!strcmp (k, "private-dos"))
    {
      bool yes = true;
      err = applet_opt_bool ("openpgp", k, v, &yes);
      o->no_private_dos = !yes;
    }
  else if (!strcmp (k, "rsa-import"))
    {
      if (strcmp (v, "crt") && strcmp (v, "standard"))
        err = emu_appdata_bad ("openpgp", k, _("standard or crt"));
      o->rsa_crt = !strcmp (v, "crt");
      for (i = 0; i < 3; i++)
        if (o->slot[i].attr_len == 6 && o->slot[i].attr[0] == 0x01)
          o->slot[i].attr[5] = o->rsa_crt ? 0x02 : 0x00;
    }
  else if (!strcmp (k, "wrong-pin"))
    {
      if (strcmp (v, "6982") && strcmp (v, "63cx") && strcmp (v, "63CX"))
        err = emu_appdata_bad ("openpgp", k, _("63CX or 6982"));
      o->wrong_pin_6982 = !strcmp (v, "6982");
    }
  else if (!strcmp (k, "uif"))
    {
      err = applet_opt_bool ("openpgp", k, v, &o->uif);
      for (i = 0; i < 3; i++)
        o->slot[i].uif[1] = o->uif ? 0x20 : 0;
    }
  else if (!strcmp (k, "sigcount"))
    {
      err = applet_opt_uint ("openpgp", k, v, 0, 0xFFFFFF, _("number"), &u);
      if (!err)
        o->sigcount = (uint32_t)u;
    }
  else if ((slot = applet_openpgp_slot_suffix (k, "attr-")) >= 0)
    {
      opg_slot_t *s = &o->slot[slot];
      if (s->key.sexp)
        err = emu_appdata_bad ("openpgp", k, _("give attr- before key-"));
      else if (!applet_openpgp_attr_by_name (v, slot, s->attr, &s->attr_len))
        err = emu_appdata_bad ("openpgp", k, _("unknown algorithm"));
    }
  else if ((slot = applet_openpgp_slot_suffix (k, "time-")) >= 0)
    {
      if (o->slot[slot].key.sexp)
        err = emu_appdata_bad ("openpgp", k, _("give time- before key-"));
      else if (!(err = applet_opt_uint ("openpgp", k, v, 1, 0xFFFFFFFF,
                                        _("number"), &u)))
        o->slot[slot].time = (uint32_t)u;
    }
  else if ((slot = applet_openpgp_slot_suffix (k, "key-")) >= 0)
    err = applet_openpgp_opt_key (o, slot, k, v);
  else if ((slot = applet_openpgp_slot_suffix (k, "cert-")) >= 0)
    {
      int occ = slot == OPG_AUT ? 0 : slot == OPG_DEC ? 1 : 2;
      err = emu_appdata_bytes (v, &b);
      if (err || b.len > OPG_MAXCERT)
        err = emu_appdata_bad ("openpgp", k, _("bad or too long value"));
      else
        err = buf_set (&o->cert[occ], b.data, b.len);
    }
  else
    err = emu_appdata_bad ("openpgp", k, _("unknown option"));
 leave:
  buf_free (&b);
  return err;
}

static gpg_error_t
applet_openpgp_init (void *state)
{
  opg_t *o = state;

  memcpy (o->aid, applet_openpgp_rid, 6);
  o->aid[6] = 0x03;
  o->aid[7] = 0x04;
  o->aid[8] = 0xFF;             /* manufacturer FFFF: test card */
  o->aid[9] = 0xFF;
  o->aid[13] = 0x01;            /* serial 00000001 */
  return applet_openpgp_factory (o);
}

static void
applet_openpgp_clear_state (void *state)
{
  applet_openpgp_clear (state);
}

static const uint8_t *
applet_openpgp_aid (void *state, size_t *len)
{
  opg_t *o = state;

  *len = sizeof o->aid;
  return o->aid;
}

static const applet_life_t applet_openpgp_life = {
  sizeof (opg_t), applet_openpgp_init, applet_openpgp_option,
  applet_openpgp_clear_state, applet_openpgp_aid
};

/* ---- persistence: records tag(1) len(4) value ----------------------- */

static gpg_error_t
applet_openpgp_save (void *state, buf_t *out)
{
  opg_t *o = state;
  uint8_t misc[12];
  buf_t k;
  gpg_error_t err;
  int i;

  buf_init_secure (&k);
  misc[0] = o->pw1.tries;
  misc[1] = o->rc.tries;
  misc[2] = o->pw3.tries;
  misc[3] = o->pw1_multi;
  misc[4] = o->terminated;
  misc[5] = o->uif;
  put_be32 (misc + 6, o->sigcount);
  misc[10] = misc[11] = 0;
  err = emu_appdata_rec_put (out, 0x01, o->aid, 16);
  if (!err)
    err = emu_appdata_rec_put (out, 0x02, misc, sizeof misc);
  if (!err)
    err = emu_appdata_rec_put (out, 0x03, o->pw1.v, o->pw1.len);
  if (!err)
    err = emu_appdata_rec_put (out, 0x04, o->pw3.v, o->pw3.len);
  if (!err)
    err = emu_appdata_rec_put (out, 0x05, o->rc.v, o->rc.len);
  for (i = 0; !err && i < DO_N; i++)
    err = emu_appdata_rec_put (out, (uint8_t)(0x10 + i), o->dos[i].data,
                              o->dos[i].len);
  for (i = 0; !err && i < 3; i++)
    {
      opg_slot_t *s = &o->slot[i];
      uint8_t meta[4 + 1 + 2];

      put_be32 (meta, s->time);
      meta[4] = s->status;
      memcpy (meta + 5, s->uif, 2);
      err = emu_appdata_rec_put (out, (uint8_t)(0x30 + i), s->attr,
                                s->attr_len);
      if (!err)
        err = emu_appdata_rec_put (out, (uint8_t)(0x34 + i), s->fpr, 20);
      if (!err)
        err = emu_appdata_rec_put (out, (uint8_t)(0x38 + i), s->cafpr, 20);
      if (!err)
        err = emu_appdata_rec_put (out, (uint8_t)(0x3C + i), meta,
                                  sizeof meta);
      buf_clear (&k);
      if (!err)
        err = emu_crypto_save (&s->key, &k);
      if (!err)
        err = emu_appdata_rec_put (out, (uint8_t)(0x40 + i), k.data, k.len);
      if (!err)
        err = emu_appdata_rec_put (out, (uint8_t)(0x44 + i), o->cert[i].data,
                                  o->cert[i].len);
    }
  buf_free (&k);
  return err;
}

static gpg_error_t
applet_openpgp_load (void *state, const uint8_t *p, size_t n)
{
  opg_t *o = state;
  bufr_t r;
  gpg_error_t err;

  err = applet_openpgp_factory (o);
  if (err)
    return err;
  bufr_init (&r, p, n);
  while (bufr_left (&r))
    {
      uint8_t tag;
      uint32_t len;
      const uint8_t *v;
      int i;

      if (emu_appdata_rec_next (&r, &tag, &v, &len))
        return gpg_error (GPG_ERR_INV_VALUE);
      i = tag & 3;
      if (tag == 0x01 && len == 16)
        memcpy (o->aid, v, 16);
      else if (tag == 0x02 && len == 12)
        {
          o->pw1.tries = v[0];
          o->rc.tries = v[1];
          o->pw3.tries = v[2];
          o->pw1_multi = v[3];
          o->terminated = v[4];
          o->uif = v[5];
          o->sigcount = get_be32 (v + 6);
          continue;
        }
      else if (tag >= 0x03 && tag <= 0x05 && len <= OPG_MAXPW)
        {
          opg_pw_t *pw = tag == 3 ? &o->pw1 : tag == 4 ? &o->pw3 : &o->rc;
          uint8_t t = pw->tries;
          err = applet_openpgp_pw_set (pw, v, len);
          pw->tries = t;
        }
      else if (tag >= 0x10 && tag < 0x10 + DO_N && len <= OPG_MAXDO)
        err = buf_set (&o->dos[tag - 0x10], v, len);
      else if (tag >= 0x30 && tag <= 0x32 && len <= 16)
        {
          memcpy (o->slot[i].attr, v, len);
          o->slot[i].attr_len = len;
        }
      else if (((tag >= 0x34 && tag <= 0x36) || (tag >= 0x38 && tag <= 0x3A))
               && len == 20)
        memcpy (tag < 0x38 ? o->slot[i].fpr : o->slot[i].cafpr, v, 20);
      else if (tag >= 0x3C && tag <= 0x3E && len == 7)
        {
          o->slot[i].time = get_be32 (v);
          o->slot[i].status = v[4];
          memcpy (o->slot[i].uif, v + 5, 2);
        }
      else if (tag >= 0x40 && tag <= 0x42)
        err = emu_crypto_load (&o->slot[i].key, v, len);
      else if (tag >= 0x44 && tag <= 0x46 && len <= OPG_MAXCERT)
        err = buf_set (&o->cert[i], v, len);
      else
        return gpg_error (GPG_ERR_INV_VALUE);
      if (err)
        return err;
    }
  /* Tries were restored before the values: fix up after pw_set. */
  return 0;
}

static void
applet_openpgp_power_off (void *state)
{
  opg_t *o = state;

  o->v81 = o->v82 = o->v83 = false;
  o->occ = 0;
}

/* ---- data objects --------------------------------------------------- */

static const uint8_t opg_hist[] = { 0x00, 0x73, 0x00, 0x00, 0xE0,
                                    0x05, 0x90, 0x00 };

static gpg_error_t
applet_openpgp_ext_caps (buf_t *b)
{
  uint8_t c[10] = { 0x7D, 0x00, 0x01, 0x00, 0, 0, 0x00, OPG_MAXDO, 0x00,
                    0x00 };

  put_be16 (c + 4, OPG_MAXCERT);
  return tlv_put (b, 0xC0, c, sizeof c);
}

static gpg_error_t
applet_openpgp_pw_status (opg_t *o, buf_t *b)
{
  uint8_t c[7] = { o->pw1_multi, OPG_MAXPW, OPG_MAXPW, OPG_MAXPW,
                   o->pw1.tries, o->rc.tries, o->pw3.tries };
  return tlv_put (b, 0xC4, c, sizeof c);
}

static gpg_error_t
applet_openpgp_ext_len (buf_t *b)
{
  uint8_t c[8] = { 0x02, 0x02, 0, 0, 0x02, 0x02, 0, 0 };
  put_be16 (c + 2, OPG_MAXCMD);
  put_be16 (c + 6, OPG_MAXCMD);
  return tlv_put (b, 0x7F66, c, sizeof c);
}

static gpg_error_t
applet_openpgp_features (opg_t *o, buf_t *b)
{
  uint8_t c[3] = { 0x81, 0x01, o->uif ? 0x20 : 0x00 };
  return tlv_put (b, 0x7F74, c, sizeof c);
}

/* One of the simple objects of 6E as a TLV: 7F66, 7F74, and in 73
 * C0-C6, CD, DE. */
static gpg_error_t
applet_openpgp_put_part (opg_t *o, unsigned tag, buf_t *b)
{
  uint8_t v[60];
  int i;

  switch (tag)
    {
    case 0x7F66:
      return applet_openpgp_ext_len (b);
    case 0x7F74:
      return applet_openpgp_features (o, b);
    case 0xC0:
      return applet_openpgp_ext_caps (b);
    case 0xC4:
      return applet_openpgp_pw_status (o, b);
    case 0xC1: case 0xC2: case 0xC3:
      return tlv_put (b, tag, o->slot[tag - 0xC1].attr,
                      o->slot[tag - 0xC1].attr_len);
    case 0xC5: case 0xC6:
      for (i = 0; i < 3; i++)
        memcpy (v + 20 * i, tag == 0xC5 ? o->slot[i].fpr : o->slot[i].cafpr,
                20);
      return tlv_put (b, tag, v, 60);
    case 0xCD:
      for (i = 0; i < 3; i++)
        put_be32 (v + 4 * i, o->slot[i].status ? o->slot[i].time : 0);
      return tlv_put (b, tag, v, 12);
    case 0xDE:
      for (i = 0; i < 3; i++)
        {
          v[2 * i] = (uint8_t)(i + 1);
          v[2 * i + 1] = o->slot[i].status;
        }
      return tlv_put (b, tag, v, 6);
    default:
      return gpg_error (GPG_ERR_INTERNAL);
    }
}

static gpg_error_t
applet_openpgp_app_data (opg_t *o, buf_t *b)
{
  size_t m6e, m73;
  gpg_error_t err;
  static const unsigned before73[] = { 0x7F66, 0x7F74 };
  static const unsigned in73[] = { 0xC0, 0xC1, 0xC2, 0xC3, 0xC4, 0xC5, 0xC6,
                                   0xCD, 0xDE };
  size_t i;

  err = tlv_begin (b, 0x6E, &m6e);
  if (!err)
    err = tlv_put (b, 0x4F, o->aid, 16);
  if (!err)
    err = tlv_put (b, 0x5F52, opg_hist, sizeof opg_hist);
  for (i = 0; !err && i < DIM (before73); i++)
    err = applet_openpgp_put_part (o, before73[i], b);
  if (!err)
    err = tlv_begin (b, 0x73, &m73);
  for (i = 0; !err && i < DIM (in73); i++)
    err = applet_openpgp_put_part (o, in73[i], b);
  /* UIF, where offered, is part of 73 too (OpenPGP card 3.4). */
  for (i = 0; !err && o->uif && i < 3; i++)
    err = tlv_put (b, 0xD6 + (unsigned)i, o->slot[i].uif, 2);
  if (!err)
    err = tlv_end (b, m73);
  if (!err)
    err = tlv_end (b, m6e);
  return err;
}

static int
applet_openpgp_do_index (unsigned tag)
{
  int i;
  for (i = 0; i < DO_N; i++)
    if (opg_dos[i].tag == tag)
      return i;
  return -1;
}

static bool
applet_openpgp_allowed (opg_t *o, enum opg_acc acc)
{
  switch (acc)
    {
    case ACC_ALWAYS: return true;
    case ACC_PW1: return o->v82;
    case ACC_PW3: return o->v83;
    default: return false;
    }
}

/* Objects this card does not serve on their own (composite-only: only
 * inside 65, 6E, 7A) or at all (no private-use DOs). */
static bool
applet_openpgp_hidden (const opg_t *o, unsigned tag)
{
  if (o->no_private_dos && tag >= 0x0101 && tag <= 0x0104)
    return true;
  if (!o->composite_only)
    return false;
  switch (tag)
    {
    case 0x5B: case 0x5F2D: case 0x5F35:
    case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC5: case 0xC6:
    case 0xCD: case 0xD6: case 0xD7: case 0xD8: case 0x93:
      return true;
    default:
      return false;
    }
}

static gpg_error_t
applet_openpgp_get_data (opg_t *o, unsigned tag, applet_reply_t *r)
{
  buf_t *b = &r->data;
  uint8_t v[4];
  size_t mark;
  gpg_error_t err = 0;
  int i = applet_openpgp_do_index (tag);

  if (applet_openpgp_hidden (o, tag))
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  if (i >= 0)
    {
      if (!applet_openpgp_allowed (o, opg_dos[i].read))
        return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
      r->secret = tag == 0x0103 || tag == 0x0104;
      return buf_append (b, o->dos[i].data, o->dos[i].len);
    }
  switch (tag)
    {
    case 0x4F:
      return buf_append (b, o->aid, 16);
    case 0x5F52:
      return buf_append (b, opg_hist, sizeof opg_hist);
    case 0x65:
      err = tlv_begin (b, 0x65, &mark);
      for (i = DO_NAME; !err && i <= DO_SEX; i++)
        err = tlv_put (b, opg_dos[i].tag, o->dos[i].data, o->dos[i].len);
      if (!err)
        err = tlv_end (b, mark);
      return err;
    case 0x6E:
      return applet_openpgp_app_data (o, b);
    case 0x7A:
      put_be32 (v, o->sigcount);
      return applet_put_wrapped (b, 0x7A, 0x93, v + 1, 3);
    case 0xC0: case 0xC1: case 0xC2: case 0xC3: case 0xC4: case 0xC5:
    case 0xC6: case 0xCD: case 0xDE: case 0x7F66: case 0x7F74:
      err = applet_openpgp_put_part (o, tag, b);
      break;
    case 0x93:
      put_be32 (v, o->sigcount);
      return buf_append (b, v + 1, 3);
    case 0x7F21:
      return buf_append (b, o->cert[o->occ].data, o->cert[o->occ].len);
    case 0xD6: case 0xD7: case 0xD8:
      if (!o->uif)
        return applet_reply_sw (r, SW_REF_NOT_FOUND);
      return buf_append (b, o->slot[tag - 0xD6].uif, 2);
    case 0xFA:
      return applet_openpgp_attr_info (b);
    default:
      r->sw = SW_REF_NOT_FOUND;
      return 0;
    }
  if (err)
    return err;
  /* Simple objects answered above as TLVs: strip to the value. */
  {
    tlv_t t;
    if (!tlv_parse (b->data, b->len, &t, NULL))
      {
        memmove (b->data, t.value, t.len);
        buf_truncate (b, t.len);
      }
  }
  return 0;
}

/* Validate and store new attributes for SLOT. */
static unsigned
applet_openpgp_put_attr (opg_t *o, int slot, const uint8_t *p, size_t n)
{
  opg_slot_t *s = &o->slot[slot];
  emu_key_type_t type;
  unsigned bits;
  uint8_t a[16];

  if (n > sizeof s->attr || !applet_openpgp_attr_parse (p, n, slot, &type,
                                                        &bits))
    return SW_WRONG_DATA;
  if (n <= sizeof a && o->rsa_crt && n == 6 && p[0] == 0x01)
    {
      /* This card imports RSA keys in CRT form only: it keeps its own
       * import format whatever the terminal sends. */
      memcpy (a, p, n);
      a[5] = 0x02;
      p = a;
    }
  if (n != s->attr_len || memcmp (s->attr, p, n))
    {
      /* A new algorithm makes the old key unusable: drop it. */
      emu_crypto_key_free (&s->key);
      s->status = 0;
      memset (s->fpr, 0, 20);
      s->time = 0;
    }
  memcpy (s->attr, p, n);
  s->attr_len = n;
  return SW_OK;
}

static gpg_error_t
applet_openpgp_put_data (opg_t *o, unsigned tag, const applet_cmd_t *cmd,
                         applet_reply_t *r)
{
  const uint8_t *p = cmd->data;
  size_t n = cmd->lc;
  int i = applet_openpgp_do_index (tag);
  enum opg_acc need = i >= 0 ? opg_dos[i].write : ACC_PW3;
  gpg_error_t err = 0;

  if (tag == 0xC4 || (tag >= 0xC1 && tag <= 0xD8) || tag == 0xD3
      || tag == 0x7F21 || i >= 0)
    ;
  else
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  if (o->put_pw3)
    need = ACC_PW3;           /* checked before the tag, as some cards do */
  if (!applet_openpgp_allowed (o, need))
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  if (o->no_private_dos && tag >= 0x0101 && tag <= 0x0104)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  r->changed = true;
  if (i >= 0)
    {
      if (n > opg_dos[i].max)
        r->sw = SW_WRONG_LENGTH;
      else
        err = buf_set (&o->dos[i], p, n);
      return err;
    }
  switch (tag)
    {
    case 0xC1: case 0xC2: case 0xC3:
      r->sw = applet_openpgp_put_attr (o, (int)(tag - 0xC1), p, n);
      break;
    case 0xC4:
      if (n < 1 || n > 4 || p[0] > 1)
        r->sw = SW_WRONG_DATA;
      else
        o->pw1_multi = p[0];
      break;
    case 0xC7: case 0xC8: case 0xC9:
    case 0xCA: case 0xCB: case 0xCC:
      if (n != 20)
        r->sw = SW_WRONG_LENGTH;
      else if (tag <= 0xC9)
        memcpy (o->slot[tag - 0xC7].fpr, p, 20);
      else
        memcpy (o->slot[tag - 0xCA].cafpr, p, 20);
      break;
    case 0xCE: case 0xCF: case 0xD0:
      if (n != 4)
        r->sw = SW_WRONG_LENGTH;
      else
        o->slot[tag - 0xCE].time = get_be32 (p);
      break;
    case 0xD3:
      if (n && (n < 8 || n > OPG_MAXPW))
        r->sw = SW_WRONG_LENGTH;
      else
        err = applet_openpgp_pw_set (&o->rc, p, n);
      break;
    case 0xD6: case 0xD7: case 0xD8:
      if (!o->uif)
        r->sw = SW_REF_NOT_FOUND;
      else if (n != 2 || p[0] > 0x04)
        r->sw = SW_WRONG_DATA;
      else if (o->slot[tag - 0xD6].uif[0] == 0x02)
        r->sw = SW_COND_NOT_SATISFIED;   /* permanently set */
      else
        o->slot[tag - 0xD6].uif[0] = p[0];
      break;
    case 0x7F21:
      if (n > OPG_MAXCERT)
        r->sw = SW_WRONG_LENGTH;
      else
        err = buf_set (&o->cert[o->occ], p, n);
      break;
    default:
      r->sw = SW_REF_NOT_FOUND;
      r->changed = false;
    }
  return err;
}

/* ---- passwords ------------------------------------------------------ */

/* Check P against PW, counting the try. */
static unsigned
applet_openpgp_pw_check (opg_pw_t *pw, const uint8_t *p, size_t n,
                         bool *changed)
{
  return applet_secret_check (pw->v, pw->len, &pw->tries, OPG_TRIES, p, n,
                              changed);
}

static gpg_error_t
applet_openpgp_verify (void *state, const applet_cmd_t *cmd,
                       applet_reply_t *r)
{
  opg_t *o = state;
  opg_pw_t *pw;
  bool *flag;

  if (cmd->p1 == 0xFF && !cmd->lc
      && (cmd->p2 == 0x81 || cmd->p2 == 0x82 || cmd->p2 == 0x83))
    {
      /* 3.4: reset the access status of a password. */
      if (cmd->p2 == 0x83)
        o->v83 = false;
      else if (cmd->p2 == 0x81)
        o->v81 = false;
      else
        o->v82 = false;
      return 0;
    }
  if (cmd->p1 || (cmd->p2 != 0x81 && cmd->p2 != 0x82 && cmd->p2 != 0x83))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  pw = cmd->p2 == 0x83 ? &o->pw3 : &o->pw1;
  flag = cmd->p2 == 0x81 ? &o->v81 : cmd->p2 == 0x82 ? &o->v82 : &o->v83;
  if (!cmd->lc)
    {
      if (!*flag || !pw->tries)
        r->sw = applet_tries_sw (pw->tries);
      return 0;
    }
  *flag = false;
  r->sw = applet_openpgp_pw_check (pw, cmd->data, cmd->lc, &r->changed);
  if (r->sw == SW_OK)
    *flag = true;
  else if (o->wrong_pin_6982 && (r->sw & 0xFFF0) == 0x63C0)
    /* Some tokens say "security status not satisfied" to a wrong PIN
     * (the counter still drops; an empty VERIFY shows it). */
    r->sw = pw->tries ? SW_SEC_NOT_SATISFIED : SW_AUTH_BLOCKED;
  return 0;
}

static gpg_error_t
applet_openpgp_change (void *state, const applet_cmd_t *cmd,
                       applet_reply_t *r)
{
  opg_t *o = state;
  opg_pw_t *pw;
  size_t min, oldlen;
  gpg_error_t err;

  if (cmd->p1 || (cmd->p2 != 0x81 && cmd->p2 != 0x83))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  pw = cmd->p2 == 0x83 ? &o->pw3 : &o->pw1;
  min = cmd->p2 == 0x83 ? 8 : 6;
  oldlen = pw->len;
  if (!pw->tries)
    return applet_reply_sw (r, SW_AUTH_BLOCKED);
  if (cmd->lc < oldlen + min || cmd->lc > oldlen + OPG_MAXPW)
    {
      /* Wrong length counts as a wrong password only if the old part
       * cannot be there at all: answer a length error. */
      r->sw = SW_WRONG_LENGTH;
      return 0;
    }
  r->sw = applet_openpgp_pw_check (pw, cmd->data, oldlen, &r->changed);
  if (r->sw != SW_OK)
    {
      if (cmd->p2 == 0x83)
        o->v83 = false;
      else
        o->v81 = o->v82 = false;
      if (o->wrong_pin_6982 && (r->sw & 0xFFF0) == 0x63C0)
        r->sw = pw->tries ? SW_SEC_NOT_SATISFIED : SW_AUTH_BLOCKED;
      return 0;
    }
  err = applet_openpgp_pw_set (pw, cmd->data + oldlen, cmd->lc - oldlen);
  return err;
}

static gpg_error_t
applet_openpgp_reset_retry (void *state, const applet_cmd_t *cmd,
                            applet_reply_t *r)
{
  opg_t *o = state;
  const uint8_t *np;
  size_t nn;

  if ((cmd->p1 != 0x00 && cmd->p1 != 0x02) || cmd->p2 != 0x81)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (cmd->p1 == 0x02)
    {
      if (!o->v83)
        return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
      np = cmd->data;
      nn = cmd->lc;
    }
  else
    {
      if (!o->rc.len || !o->rc.tries)
        return applet_reply_sw (r, SW_AUTH_BLOCKED);
      if (cmd->lc < o->rc.len + 6)
        return applet_reply_sw (r, SW_WRONG_LENGTH);
      r->sw = applet_openpgp_pw_check (&o->rc, cmd->data, o->rc.len,
                                       &r->changed);
      if (r->sw != SW_OK)
        return 0;
      np = cmd->data + o->rc.len;
      nn = cmd->lc - o->rc.len;
    }
  if (nn < 6 || nn > OPG_MAXPW)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  r->changed = true;
  o->v81 = o->v82 = false;
  return applet_openpgp_pw_set (&o->pw1, np, nn);
}

/* ---- PSO and INTERNAL AUTHENTICATE ---------------------------------- */

static gpg_error_t
applet_openpgp_sign (opg_slot_t *s, const uint8_t *p, size_t n,
                     applet_reply_t *r)
{
  gpg_error_t err;

  switch (s->key.type)
    {
    case EMU_KEY_RSA:
      if (n > (s->key.bits / 8) * 4 / 10 + 1)
        return applet_reply_sw (r, SW_WRONG_LENGTH);
      err = emu_crypto_rsa_sign (&s->key, p, n, &r->data);
      break;
    case EMU_KEY_NISTP256:
    case EMU_KEY_NISTP384:
      err = emu_crypto_ecdsa_sign (&s->key, p, n, false, &r->data);
      break;
    case EMU_KEY_ED25519:
      err = emu_crypto_eddsa_sign (&s->key, p, n, &r->data);
      break;
    default:
      r->sw = SW_COND_NOT_SATISFIED;
      return 0;
    }
  if (gpg_err_code (err) == GPG_ERR_INV_LENGTH)
    {
      r->sw = SW_WRONG_LENGTH;
      err = 0;
    }
  return err;
}

/* May the key of S serve CMD? VERIFIED: the password it needs is;
 * NEED_DATA: CMD must carry data.  0 if so, else the status word. */
static unsigned
applet_openpgp_key_ready (bool verified, const opg_slot_t *s,
                          const applet_cmd_t *cmd, bool need_data)
{
  if (!verified)
    return SW_SEC_NOT_SATISFIED;
  if (!s->key.sexp)
    return SW_REF_NOT_FOUND;
  if (need_data && !cmd->lc)
    return SW_WRONG_LENGTH;
  return 0;
}

static gpg_error_t
applet_openpgp_decipher (opg_t *o, const applet_cmd_t *cmd,
                         applet_reply_t *r)
{
  opg_slot_t *s = &o->slot[OPG_DEC];
  gpg_error_t err = 0;
  unsigned sw = applet_openpgp_key_ready (o->v82, s, cmd, true);

  if (sw)
    return applet_reply_sw (r, sw);
  r->secret = true;
  if (s->key.type == EMU_KEY_RSA)
    {
      if (cmd->data[0] != 0x00)
        r->sw = SW_WRONG_DATA;
      else
        err = emu_crypto_rsa_decrypt (&s->key, cmd->data + 1, cmd->lc - 1,
                                      &r->data);
    }
  else
    {
      tlv_t pt;
      static const unsigned path[] = { 0xA6, 0x7F49, 0x86 };
      if (tlv_find_path (cmd->data, cmd->lc, path, 3, &pt))
        r->sw = SW_WRONG_DATA;
      else
        err = emu_crypto_ecdh (&s->key, pt.value, pt.len, &r->data);
    }
  switch (gpg_err_code (err))
    {
    case GPG_ERR_BAD_DATA:
    case GPG_ERR_INV_VALUE:
    case GPG_ERR_INV_LENGTH:
      buf_clear (&r->data);
      r->sw = SW_WRONG_DATA;
      err = 0;
      break;
    default:
      break;
    }
  return err;
}

static gpg_error_t
applet_openpgp_pso (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  opg_t *o = state;
  gpg_error_t err;
  opg_slot_t *s = &o->slot[OPG_SIG];
  unsigned sw;

  if (cmd->p1 == 0x80 && cmd->p2 == 0x86)
    return applet_openpgp_decipher (o, cmd, r);
  if (cmd->p1 != 0x9E || cmd->p2 != 0x9A)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if ((sw = applet_openpgp_key_ready (o->v81, s, cmd, false)))
    return applet_reply_sw (r, sw);
  err = applet_openpgp_sign (s, cmd->data, cmd->lc, r);
  if (err || r->sw != SW_OK)
    return err;
  if (o->sigcount < 0xFFFFFF)
    o->sigcount++;
  if (!o->pw1_multi)
    o->v81 = false;
  r->changed = true;
  return 0;
}

static gpg_error_t
applet_openpgp_internal_auth (void *state, const applet_cmd_t *cmd,
                              applet_reply_t *r)
{
  opg_t *o = state;
  opg_slot_t *s = &o->slot[OPG_AUT];
  unsigned sw = applet_openpgp_key_ready (o->v82, s, cmd, true);

  if (sw)
    return applet_reply_sw (r, sw);
  return applet_openpgp_sign (s, cmd->data, cmd->lc, r);
}

/* ---- SELECT DATA / GET NEXT DATA ------------------------------------ */

static gpg_error_t
applet_openpgp_select_data (void *state, const applet_cmd_t *cmd,
                            applet_reply_t *r)
{
  static const uint8_t want[] = { 0x5C, 0x02, 0x7F, 0x21 };
  opg_t *o = state;
  const uint8_t *p = cmd->data;
  size_t n = cmd->lc;

  if (n == 6 && p[0] == 0x60 && p[1] == 0x04)
    p += 2, n -= 2;
  if (n != 4 || memcmp (p, want, 4))
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (cmd->p1 > 2)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  o->occ = cmd->p1;
  return 0;
}

/* GET DATA (CA; odd CB only for 3FFF, which this card does not serve). */
static gpg_error_t
applet_openpgp_cmd_get_data (void *state, const applet_cmd_t *cmd,
                             applet_reply_t *r)
{
  unsigned tag = (unsigned)cmd->p1 << 8 | cmd->p2;

  if (cmd->ins == 0xCB)
    return applet_reply_sw (r, tag != 0x3FFF ? SW_INCORRECT_P1P2
                                             : SW_FUNC_NOT_SUPPORTED);
  return applet_openpgp_get_data (state, tag, r);
}

/* GET NEXT DATA (CC): the next certificate. */
static gpg_error_t
applet_openpgp_next_data (void *state, const applet_cmd_t *cmd,
                          applet_reply_t *r)
{
  opg_t *o = state;

  if (cmd->p1 != 0x7F || cmd->p2 != 0x21 || o->occ >= 2)
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  o->occ++;
  return applet_openpgp_get_data (o, 0x7F21, r);
}

static gpg_error_t
applet_openpgp_cmd_put_data (void *state, const applet_cmd_t *cmd,
                             applet_reply_t *r)
{
  return applet_openpgp_put_data (state, (unsigned)cmd->p1 << 8 | cmd->p2,
                                  cmd, r);
}

/* PUT DATA odd (DB) 3FFF: key import (applet-openpgp-key.c). */
static gpg_error_t
applet_openpgp_cmd_import (void *state, const applet_cmd_t *cmd,
                           applet_reply_t *r)
{
  if (cmd->p1 != 0x3F || cmd->p2 != 0xFF)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  return applet_openpgp_import (state, cmd, r);
}

static gpg_error_t
applet_openpgp_challenge (void *state, const applet_cmd_t *cmd,
                          applet_reply_t *r)
{
  gpg_error_t err;

  (void)state;
  if (!cmd->ne || cmd->ne > 256)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  err = buf_reserve (&r->data, cmd->ne);
  if (!err)
    {
      emu_crypto_random (r->data.data, cmd->ne);
      r->data.len = cmd->ne;
    }
  return err;
}

/* TERMINATE DF (E6): only ACTIVATE FILE brings the applet back. */
static gpg_error_t
applet_openpgp_terminate (void *state, const applet_cmd_t *cmd,
                          applet_reply_t *r)
{
  opg_t *o = state;

  (void)cmd;
  if (!o->v83 && o->pw3.tries)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  o->terminated = true;
  o->v81 = o->v82 = o->v83 = false;
  r->changed = true;
  return 0;
}

/* ACTIVATE FILE (44) on a live application: nothing to do. */
static gpg_error_t
applet_openpgp_activate (void *state, const applet_cmd_t *cmd,
                         applet_reply_t *r)
{
  (void)state;
  (void)cmd;
  (void)r;
  return 0;
}

/* ---- dispatch ------------------------------------------------------- */

static gpg_error_t
applet_openpgp_select (void *state, const applet_cmd_t *cmd,
                       applet_reply_t *r)
{
  opg_t *o = state;

  (void)cmd;
  o->occ = 0;
  if (o->terminated)
    r->sw = SW_TERMINATED;
  return 0;
}

static const applet_command_t applet_openpgp_commands[] = {
  { 0xA4, 0, applet_cmd_not_found },    /* SELECT of what we do not have */
  { 0xCA, 0, applet_openpgp_cmd_get_data },
  { 0xCB, 0, applet_openpgp_cmd_get_data },
  { 0xCC, 0, applet_openpgp_next_data },
  { 0xA5, 0, applet_openpgp_select_data },
  { 0xDA, 0, applet_openpgp_cmd_put_data },
  { 0xDB, 0, applet_openpgp_cmd_import },
  { 0x20, 0, applet_openpgp_verify },
  { 0x24, 0, applet_openpgp_change },
  { 0x2C, 0, applet_openpgp_reset_retry },
  { 0x47, 0, applet_openpgp_generate },
  { 0x2A, 0, applet_openpgp_pso },
  { 0x88, APPLET_CMD_P1P2_ZERO, applet_openpgp_internal_auth },
  { 0x84, APPLET_CMD_P1P2_ZERO, applet_openpgp_challenge },
  { 0xE6, APPLET_CMD_P1P2_ZERO, applet_openpgp_terminate },
  { 0x44, 0, applet_openpgp_activate },
  { 0, 0, NULL }
};

static gpg_error_t
applet_openpgp_apdu (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  opg_t *o = state;
  gpg_error_t err = 0;

  if (cmd->cla & 0x80 && cmd->cla != 0x80)
    return applet_reply_sw (r, SW_CLA_NOT_SUPPORTED);
  if (!o->terminated)
    return applet_dispatch (applet_openpgp_commands, 0, o, cmd, r);
  if (cmd->ins == 0x44)
    {
      /* ACTIVATE FILE: back to the factory state. */
      err = applet_openpgp_factory (o);
      r->changed = true;
    }
  else
    r->sw = SW_TERMINATED;
  return err;
}

const applet_ops_t applet_openpgp_ops = {
  "openpgp",
  applet_openpgp_rid, sizeof applet_openpgp_rid,
  &applet_openpgp_life,
  applet_openpgp_select,
  applet_openpgp_apdu,
  applet_openpgp_power_off,
  applet_openpgp_save,
  applet_openpgp_load
};
