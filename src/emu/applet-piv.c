/* applet-piv.c - the PIV card application (NIST SP 800-73-4) with the
 * YubiKey extensions that Debian 12's yubico-piv-tool 2.2.0 uses
 *
 * Written from SP 800-73-4 part 2 (SELECT, GET DATA / PUT DATA with the
 * 5C tag list, VERIFY / CHANGE REFERENCE DATA / RESET RETRY COUNTER for
 * PIN 80 and PUK 81, GENERAL AUTHENTICATE 87 with the dynamic
 * authentication template 7C, GENERATE ASYMMETRIC KEY PAIR 47) and the
 * YubiKey PIV extensions as their clients send them: GET VERSION FD,
 * GET SERIAL F8, IMPORT KEY FE, SET MANAGEMENT KEY FF, GET METADATA F7.
 * Key operations: emu-crypto.c.  Profile options: doc/card-profile.md. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/piv.h"
#include "common/tlv.h"
#include "common/keyutil.h"
#include "common/log.h"
#include "common/i18n.h"
#include "applet.h"
#include "emu-crypto.h"
#include "emu-appdata.h"

static const uint8_t applet_piv_aid[11] = { 0xA0, 0x00, 0x00, 0x03, 0x08,
                                            0x00, 0x00, 0x10, 0x00, 0x01,
                                            0x00 };
static const uint8_t applet_piv_default_mgmt[24] = {
  1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};

#define PIV_ALG_3DES   0x03
#define PIV_ALG_RSA1024 0x06
#define PIV_ALG_RSA2048 0x07
#define PIV_ALG_P256   0x11
#define PIV_ALG_P384   0x14

#define PIV_MAX_OBJ    64
#define PIV_MAX_OBJLEN 3072     /* like a YubiKey 5 */
#define PIV_NKEYS      24       /* 9A 9C 9D 9E 82..95 */
#define PIV_TRIES      3

/* PIN policy (YubiKey numbering): 1 never, 2 once, 3 always. */
#define POL_NEVER  1
#define POL_ONCE   2
#define POL_ALWAYS 3

typedef struct piv_obj {
  unsigned tag;
  buf_t v;                      /* content of 53 (7E: the whole 7E TLV) */
} piv_obj_t;

typedef struct piv_key {
  uint8_t ref;                  /* 9A, ... */
  uint8_t alg;                  /* 0 = empty */
  uint8_t pin_policy, touch_policy, origin;
  emu_key_t key;
} piv_key_t;

typedef struct piv {
  bool yubikey;
  bool basic_objects;           /* only the objects of SP 800-73-4's
                                   basic set (profile objects=basic) */
  uint8_t retired;              /* retired key slots from 82 (retired=) */
  unsigned algs;                /* applet_piv_alg_bit () it takes (algs=) */
  uint8_t version[3];
  uint32_t serial;
  uint8_t pin[8], puk[8];       /* padded with FF */
  uint8_t pin_tries, puk_tries;
  bool pin_default, puk_default;
  uint8_t mgmt[24];
  piv_obj_t obj[PIV_MAX_OBJ];
  size_t nobj;
  piv_key_t keys[PIV_NKEYS];
  /* Volatile. */
  bool pin_ok, pin_fresh, mgmt_ok;
  uint8_t witness[8], challenge[8];
  int auth_state;               /* 0 none, 1 witness out, 2 challenge out */
} piv_t;

static const uint8_t piv_key_refs[PIV_NKEYS] = {
  0x9A, 0x9C, 0x9D, 0x9E,
  0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D,
  0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95
};

/* A retired key slot this card does not have (profile retired=N). */
static bool
applet_piv_retired_absent (const piv_t *v, unsigned ref)
{
  return ref >= 0x82 && ref <= 0x95 && ref - 0x82 >= v->retired;
}

static piv_key_t *
applet_piv_key (piv_t *v, unsigned ref)
{
  size_t i;
  if (applet_piv_retired_absent (v, ref))
    return NULL;
  for (i = 0; i < PIV_NKEYS; i++)
    if (v->keys[i].ref == ref)
      return &v->keys[i];
  return NULL;
}

/* Whether TAG names an object this card accepts. */
static bool
applet_piv_tag_ok (unsigned tag)
{
  return tag == 0x7E || tag == 0x7F61
         || (tag >= 0x5FC101 && tag <= 0x5FC123)
         || (tag >= 0x5FFF00 && tag <= 0x5FFF15);
}

/* Does this card have object TAG? With objects=basic only what some
 * tokens keep (certificates 9A 9C 9D 9E 82 83, CHUID, CCC, printed
 * information, fingerprints, facial image; discovery fixed): others
 * answer 6A82 on GET and PUT DATA. */
static bool
applet_piv_tag_served (const piv_t *v, unsigned tag, bool put)
{
  static const unsigned basic[] = { 0x5FC101, 0x5FC102, 0x5FC103,
                                    0x5FC105, 0x5FC107, 0x5FC108,
                                    0x5FC109, 0x5FC10A, 0x5FC10B,
                                    0x5FC10D, 0x5FC10E };
  size_t i;

  if (tag >= 0x5FC10D && tag <= 0x5FC120
      && applet_piv_retired_absent (v, 0x82 + (tag - 0x5FC10D)))
    return false;               /* the certificate of a slot it lacks */
  if (!v->basic_objects)
    return true;
  if (tag == 0x7E)
    return !put;
  for (i = 0; i < DIM (basic); i++)
    if (basic[i] == tag)
      return true;
  return false;
}

/* Objects that only a verified PIN may read. */
static bool
applet_piv_tag_pin (unsigned tag)
{
  return tag == 0x5FC103 || tag == 0x5FC108 || tag == 0x5FC109
         || tag == 0x5FC121;
}

static piv_obj_t *
applet_piv_obj (piv_t *v, unsigned tag)
{
  size_t i;
  for (i = 0; i < v->nobj; i++)
    if (v->obj[i].tag == tag)
      return &v->obj[i];
  return NULL;
}

/* Set (or with N == 0 delete) an object. */
static gpg_error_t
applet_piv_obj_set (piv_t *v, unsigned tag, const uint8_t *p, size_t n)
{
  piv_obj_t *o = applet_piv_obj (v, tag);

  if (!n)
    {
      if (o)
        {
          buf_free (&o->v);
          *o = v->obj[--v->nobj];
          memset (&v->obj[v->nobj], 0, sizeof v->obj[0]);
        }
      return 0;
    }
  if (!o)
    {
      if (v->nobj >= PIV_MAX_OBJ)
        return gpg_error (GPG_ERR_TOO_LARGE);
      o = &v->obj[v->nobj++];
      o->tag = tag;
      buf_init (&o->v);
      if (tag == 0x5FC109)
        buf_init_secure (&o->v);
    }
  return buf_set (&o->v, p, n);
}

static bool
applet_piv_alg_type (unsigned alg, emu_key_type_t *type, unsigned *bits)
{
  switch (alg)
    {
    case PIV_ALG_RSA1024: *type = EMU_KEY_RSA; *bits = 1024; return true;
    case PIV_ALG_RSA2048: *type = EMU_KEY_RSA; *bits = 2048; return true;
    case PIV_ALG_P256: *type = EMU_KEY_NISTP256; *bits = 256; return true;
    case PIV_ALG_P384: *type = EMU_KEY_NISTP384; *bits = 384; return true;
    default: return false;
    }
}

/* Bit of ALG in piv_t.algs. */
static unsigned
applet_piv_alg_bit (unsigned alg)
{
  switch (alg)
    {
    case PIV_ALG_RSA1024: return 1u;
    case PIV_ALG_RSA2048: return 2u;
    case PIV_ALG_P256: return 4u;
    case PIV_ALG_P384: return 8u;
    default: return 0;
    }
}

/* Does this card take key algorithm ALG (GENERATE, IMPORT KEY)? */
static bool
applet_piv_alg_ok (const piv_t *v, unsigned alg, emu_key_type_t *type,
                   unsigned *bits)
{
  return (v->algs & applet_piv_alg_bit (alg))
         && applet_piv_alg_type (alg, type, bits);
}

static uint8_t
applet_piv_default_pin_policy (unsigned ref)
{
  return ref == 0x9C ? POL_ALWAYS : ref == 0x9E ? POL_NEVER : POL_ONCE;
}

static void
applet_piv_pad (uint8_t out[8], const uint8_t *p, size_t n)
{
  memset (out, 0xFF, 8);
  memcpy (out, p, n > 8 ? 8 : n);
}

/* ---- objects built for populated profiles --------------------------- */

static gpg_error_t
applet_piv_auto_chuid (piv_t *v)
{
  static const uint8_t fascn[25] = {
    0xD4, 0xE7, 0x39, 0xDA, 0x73, 0x9C, 0xED, 0x39, 0xCE, 0x73, 0x9D, 0x83,
    0x68, 0x58, 0x21, 0x08, 0x42, 0x10, 0x84, 0x21, 0xC8, 0x42, 0x10, 0xC3,
    0xEB
  };
  buf_t b = BUF_INIT;
  uint8_t guid[16];
  gpg_error_t err;

  /* A GUID derived from the serial number, so the profile is stable. */
  memset (guid, 0, sizeof guid);
  memcpy (guid, "vscemu-piv", 10);
  put_be32 (guid + 12, v->serial);
  err = tlv_put (&b, 0x30, fascn, sizeof fascn);
  if (!err)
    err = tlv_put (&b, 0x34, guid, sizeof guid);
  if (!err)
    err = tlv_put (&b, 0x35, "20301231", 8);
  if (!err)
    err = tlv_put (&b, 0x3E, NULL, 0);
  if (!err)
    err = tlv_put (&b, 0xFE, NULL, 0);
  if (!err)
    err = applet_piv_obj_set (v, 0x5FC102, b.data, b.len);
  buf_free (&b);
  return err;
}

static gpg_error_t
applet_piv_auto_ccc (piv_t *v)
{
  uint8_t id[21] = { 0xA0, 0x00, 0x00, 0x01, 0x16, 0xFF, 0x02 };
  buf_t b = BUF_INIT;
  gpg_error_t err;
  static const unsigned empty[] = { 0xF3, 0xF6, 0xF7, 0xFA, 0xFB, 0xFC,
                                    0xFD, 0xFE };
  size_t i;

  put_be32 (id + 17, v->serial);
  memcpy (id + 7, "vscemu", 6);
  err = tlv_put (&b, 0xF0, id, sizeof id);
  if (!err)
    err = tlv_put (&b, 0xF1, "\x21", 1);
  if (!err)
    err = tlv_put (&b, 0xF2, "\x21", 1);
  if (!err)
    err = tlv_put (&b, 0xF4, "\x00", 1);
  if (!err)
    err = tlv_put (&b, 0xF5, "\x10", 1);
  for (i = 0; !err && i < DIM (empty); i++)
    err = tlv_put (&b, empty[i], NULL, 0);
  if (!err)
    err = applet_piv_obj_set (v, 0x5FC107, b.data, b.len);
  buf_free (&b);
  return err;
}

/* The certificate object content: 70 cert, 71 certinfo, FE LRC. */
static gpg_error_t
applet_piv_set_cert (piv_t *v, unsigned ref, const uint8_t *der, size_t n)
{
  buf_t b = BUF_INIT;
  gpg_error_t err;

  err = tlv_put (&b, 0x70, der, n);
  if (!err)
    err = tlv_put (&b, 0x71, "\x00", 1);
  if (!err)
    err = tlv_put (&b, 0xFE, NULL, 0);
  if (!err)
    err = applet_piv_obj_set (v, piv_cert_tag (ref), b.data, b.len);
  buf_free (&b);
  return err;
}

/* ---- state ---------------------------------------------------------- */

static void
applet_piv_clear (piv_t *v)
{
  size_t i;

  for (i = 0; i < v->nobj; i++)
    buf_free (&v->obj[i].v);
  v->nobj = 0;
  for (i = 0; i < PIV_NKEYS; i++)
    {
      emu_crypto_key_free (&v->keys[i].key);
      memset (&v->keys[i], 0, sizeof v->keys[i]);
      v->keys[i].ref = piv_key_refs[i];
    }
}

static void
applet_piv_factory (piv_t *v)
{
  static const uint8_t disc[] = { 0x7E, 0x12, 0x4F, 0x0B, 0xA0, 0x00, 0x00,
                                  0x03, 0x08, 0x00, 0x00, 0x10, 0x00, 0x01,
                                  0x00, 0x5F, 0x2F, 0x02, 0x40, 0x00 };
  applet_piv_clear (v);
  applet_piv_pad (v->pin, (const uint8_t *)"123456", 6);
  applet_piv_pad (v->puk, (const uint8_t *)"12345678", 8);
  v->pin_tries = v->puk_tries = PIV_TRIES;
  v->pin_default = v->puk_default = true;
  memcpy (v->mgmt, applet_piv_default_mgmt, 24);
  v->pin_ok = v->pin_fresh = v->mgmt_ok = false;
  v->auth_state = 0;
  applet_piv_obj_set (v, 0x7E, disc, sizeof disc);
}

static int
applet_piv_slot_suffix (const char *k, const char *prefix)
{
  size_t n = strlen (prefix);
  unsigned long ref;
  char *end;

  if (strncmp (k, prefix, n))
    return -1;
  ref = strtoul (k + n, &end, 16);
  if (*end || end == k + n || ref > 0xFF || !piv_cert_tag (ref))
    return -1;
  return (int)ref;
}

static bool
applet_piv_alg_by_name (const char *name, uint8_t *alg)
{
  static const struct { const char *n; uint8_t a; } t[] = {
    { "rsa1024", PIV_ALG_RSA1024 }, { "rsa2048", PIV_ALG_RSA2048 },
    { "nistp256", PIV_ALG_P256 }, { "nistp384", PIV_ALG_P384 }
  };
  size_t i;
  for (i = 0; i < DIM (t); i++)
    if (!strcasecmp (name, t[i].n))
      {
        *alg = t[i].a;
        return true;
      }
  return false;
}

/* The algorithm of key-REF=ALG,...: any PIV algorithm (algs= limits
 * only what the card takes over the air). */
static bool
applet_piv_key_alg (void *ctx, const char *name, emu_key_type_t *type,
                    unsigned *bits)
{
  uint8_t *alg = ctx;

  return applet_piv_alg_by_name (name, alg)
         && applet_piv_alg_type (*alg, type, bits);
}

/* Put KEY (already made) with algorithm ALG into slot PK; ORIGIN 1
 * generated, 2 imported; default policies. */
static void
applet_piv_install (piv_key_t *pk, emu_key_t *key, uint8_t alg,
                    uint8_t origin)
{
  emu_crypto_key_free (&pk->key);
  pk->key = *key;
  memset (key, 0, sizeof *key);
  pk->alg = alg;
  pk->origin = origin;
  pk->pin_policy = applet_piv_default_pin_policy (pk->ref);
  pk->touch_policy = 1;
}

/* key-REF=ALG,gen | rsaNNNN,E,P,Q | nistpNNN,D */
static gpg_error_t
applet_piv_opt_key (piv_t *v, int ref, const char *k, const char *val)
{
  piv_key_t *pk = applet_piv_key (v, (unsigned)ref);
  emu_key_t key = { 0, 0, NULL };
  uint8_t alg;
  bool generated;
  gpg_error_t err;

  if (!pk)
    return emu_appdata_bad ("piv", k, _("ALG,gen or ALG,E,P,Q or ALG,D"));
  err = applet_key_option ("piv", k, val, applet_piv_key_alg, &alg, &key,
                           &generated);
  if (!err)
    applet_piv_install (pk, &key, alg, generated ? 1 : 2);
  emu_crypto_key_free (&key);
  return err;
}

/* algs=NAME,...: the key algorithms GENERATE and IMPORT KEY take. */
static gpg_error_t
applet_piv_opt_algs (piv_t *v, const char *val)
{
  char name[16];
  uint8_t alg;
  size_t len;

  v->algs = 0;
  while (*val)
    {
      len = strcspn (val, ",");
      if (!len || len >= sizeof name)
        return emu_appdata_bad ("piv", "algs", _("rsa1024, rsa2048, "
                                                 "nistp256, nistp384"));
      memcpy (name, val, len);
      name[len] = 0;
      if (!applet_piv_alg_by_name (name, &alg))
        return emu_appdata_bad ("piv", "algs", _("rsa1024, rsa2048, "
                                                 "nistp256, nistp384"));
      v->algs |= applet_piv_alg_bit (alg);
      val += len;
      if (*val == ',')
        val++;
    }
  if (!v->algs)
    return emu_appdata_bad ("piv", "algs", _("rsa1024, rsa2048, nistp256, "
                                             "nistp384"));
  return 0;
}

static gpg_error_t
applet_piv_option (void *ctx, const char *k, const char *val)
{
  piv_t *v = ctx;
  buf_t b;
  unsigned long u;
  gpg_error_t err = 0;
  int ref;

  buf_init_secure (&b);
  if (!strcmp (k, "yubikey"))
    err = applet_opt_bool ("piv", k, val, &v->yubikey);
  else if (!strcmp (k, "objects"))
    {
      if (strcmp (val, "basic") && strcmp (val, "all"))
        err = emu_appdata_bad ("piv", k, _("basic or all"));
      v->basic_objects = !strcmp (val, "basic");
    }
  else if (!strcmp (k, "retired"))
    {
      err = applet_opt_uint ("piv", k, val, 0, 20, _("0 to 20"), &u);
      if (!err)
        v->retired = (uint8_t)u;
    }
  else if (!strcmp (k, "algs"))
    err = applet_piv_opt_algs (v, val);
  else if (!strcmp (k, "serial"))
    {
      err = applet_opt_uint ("piv", k, val, 0, 0xFFFFFFFF, _("number"), &u);
      if (!err)
        v->serial = (uint32_t)u;
    }
  else if (!strcmp (k, "version"))
    {
      unsigned a, c, d;
      char extra;
      if (sscanf (val, "%u.%u.%u%c", &a, &c, &d, &extra) != 3 || a > 255
          || c > 255 || d > 255)
        err = emu_appdata_bad ("piv", k, _("like 5.4.3"));
      else
        {
          v->version[0] = (uint8_t)a;
          v->version[1] = (uint8_t)c;
          v->version[2] = (uint8_t)d;
        }
    }
  else if (!strcmp (k, "pin") || !strcmp (k, "puk"))
    {
      size_t min = k[1] == 'i' ? 6 : 6;
      err = emu_appdata_bytes (val, &b);
      if (!err && (b.len < min || b.len > 8))
        err = emu_appdata_bad ("piv", k, _("6 to 8 characters"));
      else if (!err && k[1] == 'i')
        {
          applet_piv_pad (v->pin, b.data, b.len);
          v->pin_default = false;
        }
      else if (!err)
        {
          applet_piv_pad (v->puk, b.data, b.len);
          v->puk_default = false;
        }
    }
  else if (!strcmp (k, "mgmt"))
    {
      err = emu_appdata_hex (val, &b);
      if (err || b.len != 24)
        err = emu_appdata_bad ("piv", k, _("48 hex digits (3DES key)"));
      else
        memcpy (v->mgmt, b.data, 24);
    }
  else if (!strcmp (k, "chuid") || !strcmp (k, "ccc"))
    {
      if (!strcmp (val, "auto"))
        err = k[1] == 'h' ? applet_piv_auto_chuid (v) : applet_piv_auto_ccc (v);
      else if (emu_appdata_bytes (val, &b) || b.len > PIV_MAX_OBJLEN)
        err = emu_appdata_bad ("piv", k, _("auto or hex:..."));
      else
        err = applet_piv_obj_set (v, k[1] == 'h' ? 0x5FC102 : 0x5FC107,
                                  b.data, b.len);
    }
  else if (!strncmp (k, "object-", 7))
    {
      unsigned long tag;
      char *end;
      tag = strtoul (k + 7, &end, 16);
      if (*end || !applet_piv_tag_ok (tag) || tag == 0x7E)
        err = emu_appdata_bad ("piv", k, _("not a PIV object tag"));
      else if (emu_appdata_bytes (val, &b) || b.len > PIV_MAX_OBJLEN)
        err = emu_appdata_bad ("piv", k, _("bad or too long value"));
      else
        err = applet_piv_obj_set (v, tag, b.data, b.len);
    }
  else if ((ref = applet_piv_slot_suffix (k, "key-")) >= 0)
    err = applet_piv_opt_key (v, ref, k, val);
  else if ((ref = applet_piv_slot_suffix (k, "cert-")) >= 0)
    {
      if (emu_appdata_bytes (val, &b) || !b.len
          || b.len > PIV_MAX_OBJLEN - 16)
        err = emu_appdata_bad ("piv", k, _("bad or too long value"));
      else
        err = applet_piv_set_cert (v, (unsigned)ref, b.data, b.len);
    }
  else
    err = emu_appdata_bad ("piv", k, _("unknown option"));
  buf_free (&b);
  return err;
}

static gpg_error_t
applet_piv_init (void *state)
{
  piv_t *v = state;

  v->yubikey = true;
  v->version[0] = 5;
  v->version[1] = 4;
  v->version[2] = 3;
  v->serial = 10000001;
  v->retired = 20;
  v->algs = 0x0F;
  applet_piv_factory (v);
  return 0;
}

static void
applet_piv_clear_state (void *state)
{
  applet_piv_clear (state);
}

static const uint8_t *
applet_piv_instance_aid (void *state, size_t *len)
{
  (void)state;
  *len = sizeof applet_piv_aid;
  return applet_piv_aid;
}

static const applet_life_t applet_piv_life = {
  sizeof (piv_t), applet_piv_init, applet_piv_option,
  applet_piv_clear_state, applet_piv_instance_aid
};

/* ---- persistence: records tag(1) len(4) value ----------------------- */

static gpg_error_t
applet_piv_save (void *state, buf_t *out)
{
  piv_t *v = state;
  uint8_t misc[12];
  buf_t k;
  gpg_error_t err;
  size_t i;

  buf_init_secure (&k);
  misc[0] = v->yubikey;
  memcpy (misc + 1, v->version, 3);
  put_be32 (misc + 4, v->serial);
  misc[8] = v->pin_tries;
  misc[9] = v->puk_tries;
  misc[10] = v->pin_default;
  misc[11] = v->puk_default;
  err = emu_appdata_rec_put (out, 0x01, misc, sizeof misc);
  if (!err)
    err = emu_appdata_rec_put (out, 0x02, v->pin, 8);
  if (!err)
    err = emu_appdata_rec_put (out, 0x03, v->puk, 8);
  if (!err)
    err = emu_appdata_rec_put (out, 0x04, v->mgmt, 24);
  for (i = 0; !err && i < v->nobj; i++)
    {
      uint8_t t[3];
      t[0] = (uint8_t)(v->obj[i].tag >> 16);
      t[1] = (uint8_t)(v->obj[i].tag >> 8);
      t[2] = (uint8_t)v->obj[i].tag;
      err = emu_appdata_rec_put (out, 0x10, t, 3);
      if (!err)
        err = emu_appdata_rec_put (out, 0x11, v->obj[i].v.data, v->obj[i].v.len);
    }
  for (i = 0; !err && i < PIV_NKEYS; i++)
    {
      piv_key_t *pk = &v->keys[i];
      uint8_t meta[5] = { pk->ref, pk->alg, pk->pin_policy, pk->touch_policy,
                          pk->origin };
      if (!pk->alg)
        continue;
      buf_clear (&k);
      err = emu_crypto_save (&pk->key, &k);
      if (!err)
        err = emu_appdata_rec_put (out, 0x20, meta, sizeof meta);
      if (!err)
        err = emu_appdata_rec_put (out, 0x21, k.data, k.len);
    }
  buf_free (&k);
  return err;
}

static gpg_error_t
applet_piv_load (void *state, const uint8_t *p, size_t n)
{
  piv_t *v = state;
  bufr_t r;
  unsigned tag = 0;
  piv_key_t *pk = NULL;
  gpg_error_t err = 0;

  applet_piv_factory (v);
  applet_piv_obj_set (v, 0x7E, NULL, 0);
  bufr_init (&r, p, n);
  while (bufr_left (&r) && !err)
    {
      uint8_t t;
      uint32_t len;
      const uint8_t *d;

      if (emu_appdata_rec_next (&r, &t, &d, &len))
        return gpg_error (GPG_ERR_INV_VALUE);
      if (t == 0x01 && len == 12)
        {
          v->yubikey = d[0];
          memcpy (v->version, d + 1, 3);
          v->serial = get_be32 (d + 4);
          v->pin_tries = d[8];
          v->puk_tries = d[9];
          v->pin_default = d[10];
          v->puk_default = d[11];
        }
      else if ((t == 0x02 || t == 0x03) && len == 8)
        memcpy (t == 2 ? v->pin : v->puk, d, 8);
      else if (t == 0x04 && len == 24)
        memcpy (v->mgmt, d, 24);
      else if (t == 0x10 && len == 3)
        tag = (unsigned)d[0] << 16 | (unsigned)d[1] << 8 | d[2];
      else if (t == 0x11 && applet_piv_tag_ok (tag) && len <= PIV_MAX_OBJLEN)
        err = applet_piv_obj_set (v, tag, d, len);
      else if (t == 0x20 && len == 5 && (pk = applet_piv_key (v, d[0])))
        {
          pk->alg = d[1];
          pk->pin_policy = d[2];
          pk->touch_policy = d[3];
          pk->origin = d[4];
        }
      else if (t == 0x21 && pk)
        err = emu_crypto_load (&pk->key, d, len);
      else
        return gpg_error (GPG_ERR_INV_VALUE);
    }
  return err;
}

static void
applet_piv_power_off (void *state)
{
  piv_t *v = state;

  v->pin_ok = v->pin_fresh = v->mgmt_ok = false;
  v->auth_state = 0;
}

/* ---- commands ------------------------------------------------------- */

static gpg_error_t
applet_piv_select (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  size_t m61, m79, mac;
  buf_t *b = &r->data;
  gpg_error_t err;
  static const uint8_t algs[] = { PIV_ALG_3DES, PIV_ALG_RSA1024,
                                  PIV_ALG_RSA2048, PIV_ALG_P256,
                                  PIV_ALG_P384 };
  size_t i;

  (void)cmd;
  v->auth_state = 0;
  err = tlv_begin (b, 0x61, &m61);
  if (!err)
    err = tlv_put (b, 0x4F, applet_piv_aid + 5, 6);
  if (!err)
    err = tlv_begin (b, 0x79, &m79);
  if (!err)
    err = tlv_put (b, 0x4F, applet_piv_aid, 5);
  if (!err)
    err = tlv_end (b, m79);
  if (!err)
    err = tlv_put (b, 0x50, "vscemu PIV", 10);
  if (!err)
    err = tlv_begin (b, 0xAC, &mac);
  for (i = 0; !err && i < DIM (algs); i++)
    err = tlv_put (b, 0x80, &algs[i], 1);
  if (!err)
    err = tlv_put (b, 0x06, "\x00", 1);
  if (!err)
    err = tlv_end (b, mac);
  if (!err)
    err = tlv_end (b, m61);
  return err;
}

/* The tag in a 5C tag list. */
static bool
applet_piv_tag_list (const uint8_t *p, size_t n, unsigned *tag)
{
  tlv_t t;
  size_t used;

  if (tlv_parse (p, n, &t, &used) || t.tag != 0x5C || !t.len || t.len > 3)
    return false;
  *tag = 0;
  for (size_t i = 0; i < t.len; i++)
    *tag = *tag << 8 | t.value[i];
  (void)used;
  return true;
}

static gpg_error_t
applet_piv_get_data (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  unsigned tag;
  piv_obj_t *o;

  if (cmd->p1 != 0x3F || cmd->p2 != 0xFF)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!applet_piv_tag_list (cmd->data, cmd->lc, &tag))
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (!applet_piv_tag_ok (tag) || !applet_piv_tag_served (v, tag, false))
    return applet_reply_sw (r, SW_FILE_NOT_FOUND);
  if (applet_piv_tag_pin (tag) && !v->pin_ok)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  o = applet_piv_obj (v, tag);
  if (!o)
    return applet_reply_sw (r, SW_FILE_NOT_FOUND);
  r->secret = tag == 0x5FC109;
  if (tag == 0x7E)
    return buf_append (&r->data, o->v.data, o->v.len);
  return tlv_put (&r->data, 0x53, o->v.data, o->v.len);
}

static gpg_error_t
applet_piv_put_data (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  unsigned tag;
  tlv_t t5c, t53;
  size_t used;

  if (cmd->p1 != 0x3F || cmd->p2 != 0xFF)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!v->mgmt_ok)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  if (tlv_parse (cmd->data, cmd->lc, &t5c, &used)
      || !applet_piv_tag_list (cmd->data, cmd->lc, &tag)
      || tlv_parse (cmd->data + used, cmd->lc - used, &t53, NULL)
      || t53.raw_len != cmd->lc - used)
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (!applet_piv_tag_served (v, tag, true))
    return applet_reply_sw (r, SW_FILE_NOT_FOUND);
  if (!applet_piv_tag_ok (tag)
      || (tag == 0x7E ? t53.tag != 0x7E : t53.tag != 0x53))
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (t53.raw_len > PIV_MAX_OBJLEN + 8)
    return applet_reply_sw (r, SW_NOT_ENOUGH_MEMORY);
  r->changed = true;
  if (tag == 0x7E)
    return applet_piv_obj_set (v, tag, t53.raw, t53.raw_len);
  return applet_piv_obj_set (v, tag, t53.value, t53.len);
}

/* Compare an 8-byte presented value with REF, counting the try. */
static unsigned
applet_piv_check (const uint8_t *ref, uint8_t *tries, const uint8_t *p,
                  bool *changed)
{
  return applet_secret_check (ref, 8, tries, PIV_TRIES, p, 8, changed);
}

/* A new PIN/PUK: 6..8 characters, then FF padding. */
static bool
applet_piv_pin_ok (const uint8_t *p)
{
  size_t n = 8;
  size_t i;

  while (n && p[n - 1] == 0xFF)
    n--;
  if (n < 6)
    return false;
  for (i = 0; i < n; i++)
    if (p[i] == 0xFF)
      return false;
  return true;
}

static gpg_error_t
applet_piv_verify (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;

  if (cmd->p1 == 0xFF && cmd->p2 == 0x80 && !cmd->lc)
    {
      v->pin_ok = v->pin_fresh = false;
      return 0;
    }
  if (cmd->p1 || cmd->p2 != 0x80)
    return applet_reply_sw (r, cmd->p2 == 0x81 ? SW_REF_NOT_FOUND
                                               : SW_INCORRECT_P1P2);
  if (!cmd->lc)
    {
      if (!v->pin_ok || !v->pin_tries)
        r->sw = applet_tries_sw (v->pin_tries);
      return 0;
    }
  if (cmd->lc != 8)
    return applet_reply_sw (r, SW_WRONG_DATA);
  v->pin_ok = v->pin_fresh = false;
  r->sw = applet_piv_check (v->pin, &v->pin_tries, cmd->data, &r->changed);
  if (r->sw == SW_OK)
    v->pin_ok = v->pin_fresh = true;
  return 0;
}

/* CHANGE REFERENCE DATA (P2 80 PIN, 81 PUK) and RESET RETRY COUNTER
 * (PUK, then the new PIN): "old (8) || new (8)", both FF padded. */
static gpg_error_t
applet_piv_change (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  bool reset = cmd->ins == 0x2C;
  bool pin = cmd->p2 == 0x80;

  if (cmd->p1 || (cmd->p2 != 0x80 && (reset || cmd->p2 != 0x81)))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (cmd->lc != 16 || !applet_piv_pin_ok (cmd->data + 8))
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (pin && !reset)
    r->sw = applet_piv_check (v->pin, &v->pin_tries, cmd->data, &r->changed);
  else
    r->sw = applet_piv_check (v->puk, &v->puk_tries, cmd->data, &r->changed);
  if (r->sw != SW_OK)
    {
      if (pin && !reset)
        v->pin_ok = false;
      return 0;
    }
  memcpy (pin ? v->pin : v->puk, cmd->data + 8, 8);
  if (reset)
    {
      v->pin_tries = PIV_TRIES;
      v->pin_ok = false;
    }
  if (pin)
    v->pin_default = false;
  else
    v->puk_default = false;
  return 0;
}

/* Management key authentication (P2 9B). */
static gpg_error_t
applet_piv_auth_mgmt (piv_t *v, const applet_cmd_t *cmd, const tlv_t *t7c,
                      applet_reply_t *r)
{
  tlv_t w, c, resp;
  bool hw = !tlv_find (t7c->value, t7c->len, 0x80, &w);
  bool hc = !tlv_find (t7c->value, t7c->len, 0x81, &c);
  bool hr = !tlv_find (t7c->value, t7c->len, 0x82, &resp);
  uint8_t tmp[8], out[8];
  gpg_error_t err;
  int state = v->auth_state;

  v->auth_state = 0;
  if (cmd->p1 != PIV_ALG_3DES && cmd->p1 != 0x00)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (hw && !w.len && !hc && !hr)
    {
      /* Mutual authentication, step 1: the card's encrypted witness. */
      emu_crypto_random (v->witness, 8);
      err = keyutil_3des (v->mgmt, v->witness, out, true);
      if (err)
        return err;
      v->auth_state = 1;
      return applet_put_wrapped (&r->data, 0x7C, 0x80, out, 8);
    }
  if (hw && w.len == 8 && hc && c.len == 8 && !hr)
    {
      /* Mutual authentication, step 2: decrypted witness + challenge. */
      if (state != 1 || !ct_memequal (w.value, v->witness, 8))
        {
          v->mgmt_ok = false;
          r->sw = SW_SEC_NOT_SATISFIED;
          return 0;
        }
      err = keyutil_3des (v->mgmt, c.value, out, true);
      if (err)
        return err;
      v->mgmt_ok = true;
      return applet_put_wrapped (&r->data, 0x7C, 0x82, out, 8);
    }
  if (hc && !c.len && !hw && !hr)
    {
      /* External authentication, step 1: a plain challenge. */
      emu_crypto_random (v->challenge, 8);
      v->auth_state = 2;
      return applet_put_wrapped (&r->data, 0x7C, 0x81, v->challenge, 8);
    }
  if (hr && resp.len == 8 && !hw && !hc)
    {
      /* External authentication, step 2: the encrypted challenge. */
      err = keyutil_3des (v->mgmt, v->challenge, tmp, true);
      if (err)
        return err;
      if (state != 2 || !ct_memequal (tmp, resp.value, 8))
        {
          v->mgmt_ok = false;
          r->sw = SW_SEC_NOT_SATISFIED;
          return 0;
        }
      v->mgmt_ok = true;
      return 0;
    }
  r->sw = SW_WRONG_DATA;
  return 0;
}

/* Signature / decryption / key agreement with a slot key. */
static gpg_error_t
applet_piv_auth_key (piv_t *v, const applet_cmd_t *cmd, const tlv_t *t7c,
                     applet_reply_t *r)
{
  piv_key_t *pk = applet_piv_key (v, cmd->p2);
  tlv_t resp, chal, exp;
  buf_t out = BUF_INIT;
  gpg_error_t err = 0;

  if (applet_piv_retired_absent (v, cmd->p2))
    return applet_reply_sw (r, SW_INCORRECT_P1P2); /* a slot it lacks */
  if (!pk)
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  if (!pk->alg)
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  if (cmd->p1 != pk->alg)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (tlv_find (t7c->value, t7c->len, 0x82, &resp) || resp.len)
    return applet_reply_sw (r, SW_WRONG_DATA);
  if ((pk->pin_policy == POL_ONCE && !v->pin_ok)
      || (pk->pin_policy == POL_ALWAYS && !v->pin_fresh))
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  buf_init_secure (&out);
  if (!tlv_find (t7c->value, t7c->len, 0x81, &chal))
    {
      if (pk->key.type == EMU_KEY_RSA)
        err = emu_crypto_rsa_raw (&pk->key, chal.value, chal.len, &out);
      else
        err = emu_crypto_ecdsa_sign (&pk->key, chal.value, chal.len, true,
                                     &out);
    }
  else if (!tlv_find (t7c->value, t7c->len, 0x85, &exp)
           && pk->key.type != EMU_KEY_RSA)
    err = emu_crypto_ecdh (&pk->key, exp.value, exp.len, &out);
  else
    {
      r->sw = SW_WRONG_DATA;
      goto leave;
    }
  if (gpg_err_code (err) == GPG_ERR_INV_LENGTH
      || gpg_err_code (err) == GPG_ERR_INV_VALUE)
    {
      r->sw = SW_WRONG_DATA;
      err = 0;
      goto leave;
    }
  if (err)
    goto leave;
  if (pk->pin_policy == POL_ALWAYS)
    v->pin_fresh = false;
  r->secret = true;
  err = applet_put_wrapped (&r->data, 0x7C, 0x82, out.data, out.len);
 leave:
  buf_free (&out);
  return err;
}

static gpg_error_t
applet_piv_general_auth (void *state, const applet_cmd_t *cmd,
                         applet_reply_t *r)
{
  piv_t *v = state;
  tlv_t t7c;

  if (tlv_parse (cmd->data, cmd->lc, &t7c, NULL) || t7c.tag != 0x7C
      || t7c.raw_len != cmd->lc || tlv_validate (t7c.value, t7c.len, 2))
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (cmd->p2 == 0x9B)
    return applet_piv_auth_mgmt (v, cmd, &t7c, r);
  v->auth_state = 0;
  return applet_piv_auth_key (v, cmd, &t7c, r);
}

/* 81/82 or 86 public key TLVs (without the 7F49 wrapper). */
static gpg_error_t
applet_piv_put_public (const emu_key_t *key, buf_t *b)
{
  buf_t a = BUF_INIT, e = BUF_INIT;
  gpg_error_t err;

  err = emu_crypto_public (key, &a, &e);
  if (!err && key->type == EMU_KEY_RSA)
    {
      err = tlv_put (b, 0x81, a.data, a.len);
      if (!err)
        err = tlv_put (b, 0x82, e.data, e.len);
    }
  else if (!err)
    err = tlv_put (b, 0x86, a.data, a.len);
  buf_free (&a);
  buf_free (&e);
  return err;
}

/* PIN (AA) and touch (AB) policies 1..3 among the TLVs of [P, P+N). */
static void
applet_piv_policies (piv_key_t *pk, const uint8_t *p, size_t n)
{
  tlv_t t;

  if (!tlv_find (p, n, 0xAA, &t) && t.len == 1 && t.value[0] >= 1
      && t.value[0] <= 3)
    pk->pin_policy = t.value[0];
  if (!tlv_find (p, n, 0xAB, &t) && t.len == 1 && t.value[0] >= 1
      && t.value[0] <= 3)
    pk->touch_policy = t.value[0];
}

static gpg_error_t
applet_piv_generate (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  piv_key_t *pk = applet_piv_key (v, cmd->p2);
  tlv_t tac, talg;
  emu_key_t key = { 0, 0, NULL };
  emu_key_type_t type;
  unsigned bits;
  size_t mark;
  gpg_error_t err;

  if (cmd->p1 || !pk)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!v->mgmt_ok)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  if (tlv_parse (cmd->data, cmd->lc, &tac, NULL) || tac.tag != 0xAC
      || tlv_find (tac.value, tac.len, 0x80, &talg) || talg.len != 1)
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (!applet_piv_alg_ok (v, talg.value[0], &type, &bits))
    {
      r->sw = SW_INCORRECT_P1P2;  /* YubiKeys answer 6A86 */
      return 0;
    }
  err = emu_crypto_generate (&key, type, bits);
  if (err)
    return err;
  applet_piv_install (pk, &key, talg.value[0], 1);
  applet_piv_policies (pk, tac.value, tac.len);
  r->changed = true;
  err = tlv_begin (&r->data, 0x7F49, &mark);
  if (!err)
    err = applet_piv_put_public (&pk->key, &r->data);
  if (!err)
    err = tlv_end (&r->data, mark);
  return err;
}

/* YubiKey IMPORT KEY (FE): P1 algorithm, P2 slot; RSA 01 p 02 q 03 dp
 * 04 dq 05 qinv, ECC 06 private scalar; AA/AB policies. */
static gpg_error_t
applet_piv_import (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  piv_key_t *pk = applet_piv_key (v, cmd->p2);
  emu_key_t key = { 0, 0, NULL };
  emu_key_type_t type;
  unsigned bits;
  tlv_t tp, tq, td;
  gpg_error_t err;

  if (!pk || !applet_piv_alg_ok (v, cmd->p1, &type, &bits))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!v->mgmt_ok)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  {
    /* A flat list of TLVs (AA/AB carry the constructed bit but are
     * plain bytes, as on YubiKeys: do not recurse). */
    tlv_iter_t it;
    tlv_t t;
    gpg_error_t e;

    tlv_iter_init (&it, cmd->data, cmd->lc, 0);
    while (!(e = tlv_iter_next (&it, &t)))
      ;
    if (gpg_err_code (e) != GPG_ERR_EOF || !cmd->lc)
      return applet_reply_sw (r, SW_WRONG_DATA);
  }
  if (type == EMU_KEY_RSA)
    {
      if (tlv_find (cmd->data, cmd->lc, 0x01, &tp)
          || tlv_find (cmd->data, cmd->lc, 0x02, &tq))
        return applet_reply_sw (r, SW_WRONG_DATA);
      err = emu_crypto_import_rsa (&key, bits, (const uint8_t *)"\x01\x00\x01",
                                   3, tp.value, tp.len, tq.value, tq.len);
    }
  else
    {
      if (tlv_find (cmd->data, cmd->lc, 0x06, &td))
        return applet_reply_sw (r, SW_WRONG_DATA);
      err = emu_crypto_import_ecc (&key, type, td.value, td.len);
    }
  if (gpg_err_code (err) == GPG_ERR_INV_VALUE)
    return applet_reply_sw (r, SW_WRONG_DATA);
  if (err)
    return err;
  applet_piv_install (pk, &key, cmd->p1, 2);
  applet_piv_policies (pk, cmd->data, cmd->lc);
  r->changed = true;
  return 0;
}

/* YubiKey GET METADATA (F7). */
static gpg_error_t
applet_piv_metadata (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;
  buf_t *b = &r->data;
  piv_key_t *pk;
  uint8_t t[2];
  size_t mark;
  gpg_error_t err;

  if (v->version[0] < 5 || (v->version[0] == 5 && v->version[1] < 3))
    {
      r->sw = SW_INS_NOT_SUPPORTED;     /* from YubiKey 5.3 on */
      return 0;
    }
  if (cmd->p1)
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (cmd->p2 == 0x80 || cmd->p2 == 0x81)
    {
      bool pin = cmd->p2 == 0x80;
      t[0] = PIV_TRIES;
      t[1] = pin ? v->pin_tries : v->puk_tries;
      err = tlv_put_u8 (b, 0x01, 0xFF);
      if (!err)
        err = tlv_put_u8 (b, 0x05, pin ? v->pin_default : v->puk_default);
      if (!err)
        err = tlv_put (b, 0x06, t, 2);
      return err;
    }
  if (cmd->p2 == 0x9B)
    {
      err = tlv_put_u8 (b, 0x01, PIV_ALG_3DES);
      if (!err)
        err = tlv_put (b, 0x02, "\x00\x01", 2);
      if (!err)
        err = tlv_put_u8 (b, 0x05, !memcmp (v->mgmt, applet_piv_default_mgmt,
                                            24));
      return err;
    }
  pk = applet_piv_key (v, cmd->p2);
  if (!pk || !pk->alg)
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  t[0] = pk->pin_policy;
  t[1] = pk->touch_policy;
  err = tlv_put_u8 (b, 0x01, pk->alg);
  if (!err)
    err = tlv_put (b, 0x02, t, 2);
  if (!err)
    err = tlv_put_u8 (b, 0x03, pk->origin);
  if (!err)
    err = tlv_begin (b, 0x04, &mark);
  if (!err)
    err = applet_piv_put_public (&pk->key, b);
  if (!err)
    err = tlv_end (b, mark);
  return err;
}

/* YubiKey GET VERSION (FD). */
static gpg_error_t
applet_piv_get_version (void *state, const applet_cmd_t *cmd,
                        applet_reply_t *r)
{
  piv_t *v = state;

  (void)cmd;
  return buf_append (&r->data, v->version, 3);
}

/* YubiKey GET SERIAL (F8). */
static gpg_error_t
applet_piv_get_serial (void *state, const applet_cmd_t *cmd,
                       applet_reply_t *r)
{
  piv_t *v = state;
  uint8_t s[4];

  (void)cmd;
  put_be32 (s, v->serial);
  return buf_append (&r->data, s, 4);
}

/* YubiKey SET MANAGEMENT KEY (FF). */
static gpg_error_t
applet_piv_set_mgmt (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;

  if (cmd->p1 != 0xFF || (cmd->p2 != 0xFF && cmd->p2 != 0xFE))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!v->mgmt_ok)
    return applet_reply_sw (r, SW_SEC_NOT_SATISFIED);
  if (cmd->lc != 27 || cmd->data[0] != PIV_ALG_3DES
      || cmd->data[1] != 0x9B || cmd->data[2] != 24)
    return applet_reply_sw (r, SW_WRONG_DATA);
  memcpy (v->mgmt, cmd->data + 3, 24);
  r->changed = true;
  return 0;
}

static const applet_command_t applet_piv_commands[] = {
  { 0xA4, 0, applet_cmd_not_found },    /* SELECT of what we do not have */
  { 0xCB, 0, applet_piv_get_data },
  { 0xDB, 0, applet_piv_put_data },
  { 0x20, 0, applet_piv_verify },
  { 0x24, 0, applet_piv_change },
  { 0x2C, 0, applet_piv_change },
  { 0x87, 0, applet_piv_general_auth },
  { 0x47, 0, applet_piv_generate },
  { 0xFD, APPLET_CMD_VENDOR, applet_piv_get_version },
  { 0xF8, APPLET_CMD_VENDOR, applet_piv_get_serial },
  { 0xFE, APPLET_CMD_VENDOR, applet_piv_import },
  { 0xF7, APPLET_CMD_VENDOR, applet_piv_metadata },
  { 0xFF, APPLET_CMD_VENDOR, applet_piv_set_mgmt },
  { 0, 0, NULL }
};

static gpg_error_t
applet_piv_apdu (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  piv_t *v = state;

  return applet_dispatch (applet_piv_commands,
                          v->yubikey ? APPLET_CMD_VENDOR : 0, v, cmd, r);
}

const applet_ops_t applet_piv_ops = {
  "piv",
  applet_piv_aid, sizeof applet_piv_aid,
  &applet_piv_life,
  applet_piv_select,
  applet_piv_apdu,
  applet_piv_power_off,
  applet_piv_save,
  applet_piv_load
};
