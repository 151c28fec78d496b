/* map.c - the mapping planner: where every object of an identity goes on
 * another card model, or why it cannot (see map.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/array.h"
#include "common/i18n.h"
#include "common/errctx.h"
#include "map/map-int.h"

/* ---- names ------------------------------------------------------------ */

static const struct {
  unsigned bit;
  const char *name;
} map_algs[] = {
  { MAP_ALG_RSA1024, "rsa1024" }, { MAP_ALG_RSA2048, "rsa2048" },
  { MAP_ALG_RSA3072, "rsa3072" }, { MAP_ALG_RSA4096, "rsa4096" },
  { MAP_ALG_NISTP256, "nistp256" }, { MAP_ALG_NISTP384, "nistp384" },
  { MAP_ALG_NISTP521, "nistp521" }, { MAP_ALG_ED25519, "ed25519" },
  { MAP_ALG_CV25519, "cv25519" },
  /* other spellings */
  { MAP_ALG_NISTP256, "eccp256" }, { MAP_ALG_NISTP384, "eccp384" },
  { MAP_ALG_NISTP256, "p256" }, { MAP_ALG_NISTP384, "p384" },
  { MAP_ALG_NISTP521, "p521" }, { MAP_ALG_CV25519, "x25519" },
  { MAP_ALG_CV25519, "curve25519" }
};

unsigned
map_alg_parse (const char *name)
{
  size_t i;
  if (!name)
    return 0;
  for (i = 0; i < DIM (map_algs); i++)
    if (!strcasecmp (map_algs[i].name, name))
      return map_algs[i].bit;
  return 0;
}

const char *
map_alg_name (unsigned alg)
{
  size_t i;
  for (i = 0; i < DIM (map_algs); i++)
    if (map_algs[i].bit == alg)
      return map_algs[i].name;
  return "unknown";
}

/* "rsa2048 nistp256 ..." of a set into BUF. */
static void
map_alg_list (unsigned set, char *buf, size_t size)
{
  size_t i, k = 0;
  buf[0] = 0;
  for (i = 0; i < 9; i++)
    if (set & map_algs[i].bit)
      {
        int r = snprintf (buf + k, size - k, "%s%s", k ? " " : "",
                          map_algs[i].name);
        if (r < 0 || (size_t)r >= size - k)
          break;
        k += (size_t)r;
      }
  if (!k)
    snprintf (buf, size, "%s", _("none"));
}

const char *
map_kind_name (map_kind_t k)
{
  switch (k)
    {
    case MAP_KIND_KEY: return "key";
    case MAP_KIND_CERT: return "certificate";
    case MAP_KIND_DATA: return "data";
    case MAP_KIND_HOLDER: return "cardholder";
    case MAP_KIND_OTHER: return "other";
    }
  return "?";
}

/* "a key", "a data object", ... (translated). */
static const char *
map_kind_phrase (map_kind_t k)
{
  switch (k)
    {
    case MAP_KIND_KEY: return _("a key");
    case MAP_KIND_CERT: return _("a certificate");
    case MAP_KIND_DATA: return _("a data object");
    case MAP_KIND_HOLDER: return _("a cardholder field");
    default: return _("an object of its application");
    }
}

/* Each purpose's stable name next to its label for people. */
static const struct {
  const char *name;
  const char *label;
} map_purposes[MAP_PURPOSE_MAX + 1] = {
  [MAP_PURPOSE_NONE] = { "none", N_("no purpose") },
  [MAP_PURPOSE_AUTH] = { "auth", N_("authentication") },
  [MAP_PURPOSE_SIGN] = { "sign", N_("signature") },
  [MAP_PURPOSE_DECRYPT] = { "decrypt", N_("decryption") },
  [MAP_PURPOSE_CARDAUTH] = { "cardauth", N_("card authentication") },
  [MAP_PURPOSE_RETIRED] = { "retired", N_("retired key management") },
};

const char *
map_purpose_name (map_purpose_t p)
{
  return (unsigned)p <= MAP_PURPOSE_MAX ? map_purposes[p].name : "?";
}

const char *
map_purpose_label (map_purpose_t p)
{
  return (unsigned)p <= MAP_PURPOSE_MAX ? _(map_purposes[p].label) : "?";
}

const char *
map_app_name (map_app_t a)
{
  switch (a)
    {
    case MAP_APP_NONE: return "none";
    case MAP_APP_PKCS15: return "pkcs15";
    case MAP_APP_OPENPGP: return "openpgp";
    case MAP_APP_PIV: return "piv";
    }
  return "?";
}

int
map_app_parse (const char *s)
{
  int a;
  for (a = MAP_APP_NONE; a <= MAP_APP_MAX; a++)
    if (s && !strcasecmp (s, map_app_name ((map_app_t)a)))
      return a;
  return -1;
}

static const char *const map_pgp_slot_names[4] = { NULL, "sig", "dec",
                                                   "aut" };

void
map_slot_name (const map_slot_t *slot, map_kind_t kind, char *buf,
               size_t size)
{
  switch (slot->app)
    {
    case MAP_APP_PIV:
      snprintf (buf, size, "piv:%02x", slot->id);
      return;
    case MAP_APP_OPENPGP:
      if ((kind == MAP_KIND_KEY || kind == MAP_KIND_CERT)
          && slot->id >= 1 && slot->id <= 3)
        snprintf (buf, size, "openpgp:%s", map_pgp_slot_names[slot->id]);
      else if (kind == MAP_KIND_HOLDER)
        snprintf (buf, size, "openpgp:%s", slot->id == MAP_HOLDER_NAME
                  ? "name" : slot->id == MAP_HOLDER_URL ? "url" : "login");
      else
        snprintf (buf, size, "openpgp:%04x", slot->id);
      return;
    case MAP_APP_PKCS15:
      if (kind == MAP_KIND_DATA || kind == MAP_KIND_OTHER)
        snprintf (buf, size, "pkcs15:data");
      else
        snprintf (buf, size, "pkcs15:%s",
                  map_purpose_name ((map_purpose_t)slot->id));
      return;
    default:
      snprintf (buf, size, "none");
    }
}

gpg_error_t
map_slot_parse (const char *s, map_kind_t kind, map_slot_t *slot)
{
  const char *colon;
  char app[16];
  unsigned long v;
  char *end;
  int a;

  memset (slot, 0, sizeof *slot);
  if (!strcasecmp (s, "none"))
    return 0;
  colon = strchr (s, ':');
  if (!colon || (size_t)(colon - s) >= sizeof app)
    return gpg_error (GPG_ERR_INV_NAME);
  memcpy (app, s, (size_t)(colon - s));
  app[colon - s] = 0;
  a = map_app_parse (app);
  if (a <= 0)
    return gpg_error (GPG_ERR_INV_NAME);
  slot->app = (map_app_t)a;
  colon++;
  switch (slot->app)
    {
    case MAP_APP_PIV:
      v = strtoul (colon, &end, 16);
      if (!*colon || *end)
        return gpg_error (GPG_ERR_INV_NAME);
      if (kind != MAP_KIND_KEY && kind != MAP_KIND_CERT)
        return gpg_error (GPG_ERR_INV_VALUE);
      if (v != 0x9A && v != 0x9C && v != 0x9D && v != 0x9E
          && !(v >= 0x82 && v <= 0x95))
        return gpg_error (GPG_ERR_INV_NAME);
      slot->id = (unsigned)v;
      return 0;
    case MAP_APP_OPENPGP:
      {
        int i;
        for (i = 1; i <= 3; i++)
          if (!strcasecmp (colon, map_pgp_slot_names[i]))
            {
              if (kind != MAP_KIND_KEY && kind != MAP_KIND_CERT)
                return gpg_error (GPG_ERR_INV_VALUE);
              slot->id = (unsigned)i;
              return 0;
            }
        if (!strcasecmp (colon, "name") || !strcasecmp (colon, "url")
            || !strcasecmp (colon, "login"))
          {
            if (kind != MAP_KIND_HOLDER)
              return gpg_error (GPG_ERR_INV_VALUE);
            slot->id = !strcasecmp (colon, "name") ? MAP_HOLDER_NAME
              : !strcasecmp (colon, "url") ? MAP_HOLDER_URL
              : MAP_HOLDER_LOGIN;
            return 0;
          }
        v = strtoul (colon, &end, 16);
        if (!*colon || *end || v < 0x0101 || v > 0x0104)
          return gpg_error (GPG_ERR_INV_NAME);
        if (kind != MAP_KIND_DATA)
          return gpg_error (GPG_ERR_INV_VALUE);
        slot->id = (unsigned)v;
        return 0;
      }
    case MAP_APP_PKCS15:
      if (!strcasecmp (colon, "data"))
        {
          if (kind != MAP_KIND_DATA)
            return gpg_error (GPG_ERR_INV_VALUE);
          slot->id = 0;
          return 0;
        }
      for (a = MAP_PURPOSE_AUTH; a <= MAP_PURPOSE_MAX; a++)
        if (!strcasecmp (colon, map_purpose_name ((map_purpose_t)a)))
          {
            if (kind != MAP_KIND_KEY && kind != MAP_KIND_CERT)
              return gpg_error (GPG_ERR_INV_VALUE);
            slot->id = (unsigned)a;
            return 0;
          }
      return gpg_error (GPG_ERR_INV_NAME);
    default:
      return gpg_error (GPG_ERR_INV_NAME);
    }
}

/* ---- entries ---------------------------------------------------------- */

gpg_error_t
map_set_text (char **dst, const char *s)
{
  return image_setstr (dst, s);
}

gpg_error_t
map_add_entry (map_t *map, map_kind_t kind, const image_node_t *node,
               map_entry_t **r_e)
{
  map_entry_t *e;
  gpg_error_t err = ARRAY_GROW (map->e, map->cap, map->n, 16);

  if (err)
    return err;
  e = &map->e[map->n];
  memset (e, 0, sizeof *e);
  e->kind = kind;
  e->node = node;
  e->key = -1;
  e->src = image_node_path (node);
  if (!e->src)
    return gpg_error_from_syserror ();
  map->n++;
  *r_e = e;
  return 0;
}

int
map_find (const map_t *map, const char *path)
{
  size_t i;
  const char *p = path && *path == '/' ? path + 1 : path;
  for (i = 0; p && i < map->n; i++)
    if (!strcasecmp (map->e[i].src, p))
      return (int)i;
  return -1;
}

static void
map_entry_release (map_entry_t *e)
{
  xfree (e->src);
  xfree (e->label);
  xfree (e->reason);
  xfree (e->howto);
  if (e->value)
    wipememory (e->value, e->value_len);
  xfree (e->value);
}

void
map_free (map_t *map)
{
  ARRAY_FREE_OWNER (map, e, n, map_entry_release);
}

size_t
map_count_mapped (const map_t *map)
{
  size_t i, n = 0;
  for (i = 0; i < map->n; i++)
    if (map->e[i].slot.app != MAP_APP_NONE)
      n++;
  return n;
}

/* ---- the target ------------------------------------------------------- */

void
map_target_init (map_target_t *t)
{
  memset (t, 0, sizeof *t);
  t->openpgp_name_max = 39;
}

/* ---- checks ----------------------------------------------------------- */

static bool
map_is_piv_key_slot (unsigned id)
{
  return id == 0x9A || id == 0x9C || id == 0x9D || id == 0x9E
    || (id >= 0x82 && id <= 0x95);
}

/* May E stay in its own place? Its application is on the target (and a
 * file-system object only where the file system is copied as it is: a
 * blank card of another model gets a new PKCS#15 structure). */
static bool
map_can_stay (const map_t *map, const map_entry_t *e)
{
  return e->src_slot.app != MAP_APP_NONE
    && map_target_has (map, e->src_app, e->src_app)
    && (e->src_app != MAP_APP_PKCS15 || map->target.same_fs)
    && !(e->src_slot.app == MAP_APP_PIV && e->src_slot.id >= 0x82
         && e->src_slot.id <= 0x95
         && e->src_slot.id - 0x82 >= map->target.piv_retired);
}

/* Can the target's application APP take objects at all? A token with
 * an OpenPGP or PIV application is used through them: its file system
 * (our emulator has one on every card) only when asked for. */
bool
map_target_has (const map_t *map, map_app_t app, map_app_t src_app)
{
  const map_target_t *t = &map->target;
  switch (app)
    {
    case MAP_APP_PIV: return t->piv;
    case MAP_APP_OPENPGP: return t->openpgp;
    case MAP_APP_PKCS15:
      if ((t->openpgp || t->piv) && map->opts.prefer != MAP_APP_PKCS15)
        return false;
      return t->pkcs15 || (src_app == MAP_APP_PKCS15 && t->same_fs);
    default: return false;
    }
}

static unsigned
map_slot_algs (const map_target_t *t, const map_slot_t *slot)
{
  switch (slot->app)
    {
    case MAP_APP_PIV: return t->piv_algs;
    case MAP_APP_OPENPGP:
      return slot->id >= 1 && slot->id <= 3 ? t->openpgp_algs[slot->id - 1]
                                            : 0;
    case MAP_APP_PKCS15: return t->pkcs15_algs;
    default: return 0;
    }
}

static const char *
map_app_label (map_app_t app)
{
  switch (app)
    {
    case MAP_APP_PIV: return _("PIV application");
    case MAP_APP_OPENPGP: return _("OpenPGP application");
    case MAP_APP_PKCS15: return _("PKCS#15 file system");
    default: return "?";
    }
}

/* Who holds SLOT (PIV / OpenPGP keys, certificates, DOs) against an
 * object of KIND (entry SKIP)? -1 if free. A key and its own certificate
 * share their slot; a certificate next to another key, or a lone one,
 * takes it. With FIXED_ONLY only the user's choices count. */
static int
map_slot_taker (const map_t *map, const map_slot_t *slot, map_kind_t kind,
                size_t skip, bool fixed_only)
{
  size_t i;
  const map_entry_t *s = &map->e[skip];
  bool pair = kind == MAP_KIND_KEY || kind == MAP_KIND_CERT;

  if (slot->app == MAP_APP_PKCS15 || slot->app == MAP_APP_NONE)
    return -1;
  for (i = 0; i < map->n; i++)
    {
      const map_entry_t *o = &map->e[i];
      if (i == skip || o->slot.app != slot->app || o->slot.id != slot->id
          || (fixed_only && !o->fixed))
        continue;
      if (pair && (o->kind == MAP_KIND_KEY || o->kind == MAP_KIND_CERT))
        {
          if ((kind == MAP_KIND_CERT && s->key == (int)i)
              || (o->kind == MAP_KIND_CERT && o->key == (int)skip))
            continue;           /* its own key / certificate */
          return (int)i;
        }
      if (!pair && o->kind == kind)
        return (int)i;
    }
  return -1;
}

/* Can entry I go to SLOT? REASON gets why not. */
static bool
map_fits (const map_t *map, size_t i, const map_slot_t *slot,
          bool fixed_only, char *reason, size_t size)
{
  const map_target_t *t = &map->target;
  const map_entry_t *e = &map->e[i];
  char algs[128], other[MAP_SLOT_NAME_MAX];
  int taker;

  reason[0] = 0;
  if (slot->app == MAP_APP_NONE)
    return true;
  if (!map_target_has (map, slot->app, e->src_app))
    {
      snprintf (reason, size, _("this token has no %s"),
                map_app_label (slot->app));
      return false;
    }
  switch (e->kind)
    {
    case MAP_KIND_KEY:
    case MAP_KIND_CERT:
      if ((slot->app == MAP_APP_PIV && !map_is_piv_key_slot (slot->id))
          || (slot->app == MAP_APP_OPENPGP && (slot->id < 1 || slot->id > 3))
          || (slot->app == MAP_APP_PKCS15 && (slot->id < MAP_PURPOSE_AUTH
                                              || slot->id > MAP_PURPOSE_MAX)))
        {
          snprintf (reason, size, _("not a key slot"));
          return false;
        }
      if (slot->app == MAP_APP_PIV && slot->id >= 0x82 && slot->id <= 0x95
          && slot->id - 0x82 >= t->piv_retired)
        {
          snprintf (reason, size, _("this token has %u retired key slots "
                                    "(82 to %02X)"), t->piv_retired,
                    0x82 + t->piv_retired - 1);
          if (!t->piv_retired)
            snprintf (reason, size, _("this token has no retired key "
                                      "slots"));
          return false;
        }
      break;
    case MAP_KIND_DATA:
      if ((slot->app == MAP_APP_OPENPGP
           && (slot->id < 0x0101 || slot->id > 0x0104))
          || slot->app == MAP_APP_PIV)
        {
          snprintf (reason, size, _("not a place for a data object"));
          return false;
        }
      if (slot->app == MAP_APP_OPENPGP && !t->openpgp_private_max)
        {
          snprintf (reason, size, _("this token has no private-use DOs"));
          return false;
        }
      if (slot->app == MAP_APP_OPENPGP && e->size > t->openpgp_private_max)
        {
          snprintf (reason, size, _("%zu bytes; this token's private-use "
                                    "DOs hold %zu"), e->size,
                    t->openpgp_private_max);
          return false;
        }
      break;
    case MAP_KIND_HOLDER:
      if (slot->app != MAP_APP_OPENPGP
          || (slot->id != MAP_HOLDER_NAME && slot->id != MAP_HOLDER_URL
              && slot->id != MAP_HOLDER_LOGIN))
        {
          snprintf (reason, size, _("only OpenPGP cards hold cardholder "
                                    "data"));
          return false;
        }
      {
        size_t len = e->value ? e->value_len : e->data_len;
        size_t max = slot->id == MAP_HOLDER_NAME ? t->openpgp_name_max
                                                 : t->openpgp_special_max;
        if (max && len > max)
          {
            snprintf (reason, size, _("%zu bytes; this token takes %zu"),
                      len, max);
            return false;
          }
      }
      break;
    case MAP_KIND_OTHER:
      if (slot->app != e->src_app)
        {
          snprintf (reason, size, _("it belongs to the %s and goes "
                                    "nowhere else"),
                    map_app_label (e->src_app));
          return false;
        }
      return true;
    }

  if (e->kind == MAP_KIND_KEY)
    {
      bool import = slot->app == MAP_APP_PIV ? t->piv_import
        : slot->app == MAP_APP_OPENPGP ? t->openpgp_import : t->pkcs15_import;
      unsigned algs_ok = map_slot_algs (t, slot);
      if (!e->escrowed)
        {
          snprintf (reason, size, _("the key is not in the VSC"));
          return false;
        }
      if (!import)
        {
          snprintf (reason, size, _("this token's %s cannot import keys"),
                    map_app_label (slot->app));
          return false;
        }
      if (!e->alg)
        {
          snprintf (reason, size, _("the key's algorithm is not known"));
          return false;
        }
      if (!(algs_ok & e->alg))
        {
          map_alg_list (algs_ok, algs, sizeof algs);
          map_slot_name (slot, e->kind, other, sizeof other);
          snprintf (reason, size, _("%s takes %s, not %s"), other, algs,
                    map_alg_name (e->alg));
          return false;
        }
    }
  if (e->kind == MAP_KIND_CERT)
    {
      size_t max = slot->app == MAP_APP_PIV ? t->piv_cert_max
        : slot->app == MAP_APP_OPENPGP ? t->openpgp_cert_max
        : t->pkcs15_file_max;
      if (!e->data_len)
        {
          snprintf (reason, size, _("the certificate is not in the VSC "
                                    "(or stored compressed)"));
          return false;
        }
      if (max && e->size > max)
        {
          snprintf (reason, size, _("%zu bytes; this token's certificates "
                                    "hold %zu"), e->size, max);
          return false;
        }
      if (slot->app == MAP_APP_OPENPGP && e->key < 0)
        {
          snprintf (reason, size, _("an OpenPGP card holds only the "
                                    "certificates of its three keys"));
          return false;
        }
    }
  if (e->kind == MAP_KIND_DATA && slot->app == MAP_APP_PKCS15
      && t->pkcs15_file_max && e->size > t->pkcs15_file_max)
    {
      snprintf (reason, size, _("%zu bytes; this card's files hold %zu"),
                e->size, t->pkcs15_file_max);
      return false;
    }
  taker = map_slot_taker (map, slot, e->kind, i, fixed_only);
  if (taker >= 0)
    {
      map_slot_name (slot, e->kind, other, sizeof other);
      snprintf (reason, size, _("%s is taken by %s"), other,
                map->e[taker].src);
      return false;
    }
  return true;
}

/* ---- commands for a key that stays behind ----------------------------- */

static gpg_error_t
map_howto (map_t *map, map_entry_t *e)
{
  const map_target_t *t = &map->target;
  const char *r = t->reader[0] ? t->reader : "READER";
  char buf[1024];
  static const unsigned piv_slot[MAP_PURPOSE_MAX + 1] = {
    0x9A, 0x9A, 0x9C, 0x9D, 0x9E, 0x82
  };
  static const char *const pgp_key[MAP_PURPOSE_MAX + 1] = {
    "3", "3", "1", "2", "3", "2"
  };

  buf[0] = 0;
  if (t->piv && (e->src_app == MAP_APP_PIV || !t->openpgp))
    {
      unsigned s = e->src_app == MAP_APP_PIV ? e->src_slot.id
                                             : piv_slot[e->purpose];
      snprintf (buf, sizeof buf,
                "yubico-piv-tool -r '%s' -a generate -s %02x -A %s "
                "-o %02x-pub.pem\n"
                "yubico-piv-tool -r '%s' -a verify-pin -a "
                "request-certificate -s %02x -S '/CN=.../' -i %02x-pub.pem "
                "-o %02x.csr\n"
                "yubico-piv-tool -r '%s' -a import-certificate -s %02x "
                "-i %02x.crt",
                r, s, (e->alg & MAP_ALG_RSA) ? "RSA2048" : "ECCP256", s, r,
                s, s, s, r, s, s);
    }
  else if (t->openpgp)
    snprintf (buf, sizeof buf,
              "gpg --card-edit  (admin, key-attr, generate: key %s)\n"
              "gpgsm --gen-key  (\"existing key from card\": the request "
              "for the certificate)",
              pgp_key[e->src_app == MAP_APP_OPENPGP && e->src_slot.id >= 1
                      && e->src_slot.id <= 3
                      ? (e->src_slot.id == 1 ? MAP_PURPOSE_SIGN
                         : e->src_slot.id == 2 ? MAP_PURPOSE_DECRYPT
                         : MAP_PURPOSE_AUTH) : e->purpose]);
  else if (t->pkcs15 && e->src_app == MAP_APP_PKCS15)
    snprintf (buf, sizeof buf,
              "openssl genpkey -algorithm %s -out new-key.pem\n"
              "openssl req -new -key new-key.pem -out new.csr  (the "
              "request for the certificate)\n"
              "vsctool put FILE.vsc CERTIFICATE-PATH new-cert.der\n"
              "vsctool keygen FILE.vsc --pkcs15 %s --import new-key.pem\n"
              "vsctool restore --map auto --reader '%s' FILE.vsc",
              (e->alg & MAP_ALG_RSA) ? "RSA"
              : "EC -pkeyopt ec_paramgen_curve:P-256",
              e->id[0] ? e->id : "ID", r);
  else if (t->pkcs15)
    {
      char slot[MAP_SLOT_NAME_MAX], *colon;
      map_slot_name (&e->src_slot, e->kind, slot, sizeof slot);
      colon = strchr (slot, ':');
      if (colon)
        *colon = ' ';
      snprintf (buf, sizeof buf,
                "vsctool keygen FILE.vsc --%s --algo %s  (a new key in the "
                "VSC, mapped like this one)\n"
                "vsctool restore --map auto --reader '%s' FILE.vsc\n"
                "vsctool export-public FILE.vsc  (the public key for the "
                "certificate request)",
                slot, (e->alg & MAP_ALG_RSA) ? "rsa2048"
                : e->src_app == MAP_APP_PIV ? "eccp256" : "nistp256", r);
    }
  else
    return 0;
  return map_set_text (&e->howto, buf);
}

/* ---- planning --------------------------------------------------------- */

/* The applications an object of SRC_APP may go to, best first. */
static size_t
map_app_order (const map_t *map, map_app_t src_app, map_app_t *out)
{
  size_t n = 0, i;
  map_app_t pref[4];
  size_t np = 0;

  if (map->opts.prefer != MAP_APP_NONE)
    pref[np++] = map->opts.prefer;
  if (map_target_has (map, src_app, src_app))
    pref[np++] = src_app;
  switch (src_app)
    {
    case MAP_APP_PKCS15:
      pref[np++] = MAP_APP_PIV;
      pref[np++] = MAP_APP_OPENPGP;
      break;
    case MAP_APP_OPENPGP:
      pref[np++] = MAP_APP_PIV;
      pref[np++] = MAP_APP_PKCS15;
      break;
    default:
      pref[np++] = MAP_APP_OPENPGP;
      pref[np++] = MAP_APP_PKCS15;
      break;
    }
  for (i = 0; i < np && n < 3; i++)
    {
      size_t k;
      bool dup = false;
      for (k = 0; k < n; k++)
        dup |= out[k] == pref[i];
      if (!dup && map_target_has (map, pref[i], src_app))
        out[n++] = pref[i];
    }
  return n;
}

/* The slots of APP for entry E, best first. */
static size_t
map_slot_order (const map_t *map, const map_entry_t *e, map_app_t app,
                map_slot_t *out, size_t max)
{
  size_t n = 0;
  unsigned k;
  map_purpose_t p = e->purpose;

  if (app == e->src_app && e->src_slot.app == app
      && (app != MAP_APP_PKCS15 || e->kind == MAP_KIND_KEY))
    {
      out[n++] = e->src_slot;     /* its own place first */
    }
  if (app == MAP_APP_PIV
      && (e->kind == MAP_KIND_KEY || e->kind == MAP_KIND_CERT))
    {
      static const unsigned prim[MAP_PURPOSE_MAX + 1] = {
        0x9A, 0x9A, 0x9C, 0x9D, 0x9E, 0
      };
      if (e->kind == MAP_KIND_CERT && e->key < 0)
        p = MAP_PURPOSE_RETIRED;        /* a certificate on its own */
      if (prim[p] && n < max)
        out[n].app = app, out[n].id = prim[p], n++;
      if (p == MAP_PURPOSE_DECRYPT || p == MAP_PURPOSE_RETIRED)
        for (k = 0; k < map->target.piv_retired && n < max; k++)
          out[n].app = app, out[n].id = 0x82 + k, n++;
    }
  else if (app == MAP_APP_OPENPGP)
    {
      static const unsigned prim[MAP_PURPOSE_MAX + 1] = { 3, 3, 1, 2, 3, 2 };
      if (e->kind == MAP_KIND_KEY || e->kind == MAP_KIND_CERT)
        out[n].app = app, out[n].id = prim[p], n++;
      else if (e->kind == MAP_KIND_DATA)
        {
          static const unsigned pub[2] = { 0x0101, 0x0102 };
          static const unsigned priv[2] = { 0x0103, 0x0104 };
          const unsigned *l = e->private_data ? priv : pub;
          for (k = 0; k < 2 && n < max; k++)
            out[n].app = app, out[n].id = l[k], n++;
        }
      else if (e->kind == MAP_KIND_HOLDER && n < max)
        out[n].app = app, out[n].id = e->src_slot.id, n++;
    }
  else if (app == MAP_APP_PKCS15)
    {
      if (e->kind == MAP_KIND_DATA)
        out[n].app = app, out[n].id = 0, n++;
      else if (e->kind == MAP_KIND_KEY || e->kind == MAP_KIND_CERT)
        out[n].app = app, out[n].id = p ? (unsigned)p : MAP_PURPOSE_AUTH,
          n++;
    }
  return n;
}

/* A key for a PIV token that says which algorithms it takes (its
 * version, GET METADATA): one it does not take does not stay either. */
static bool
map_piv_alg_refused (const map_t *map, const map_entry_t *e)
{
  const map_target_t *t = &map->target;
  return e->kind == MAP_KIND_KEY && e->src_app == MAP_APP_PIV
         && t->piv_import && e->alg && !(t->piv_algs & e->alg);
}

/* Plan entry I (not fixed): the first fitting slot, else why not. */
static gpg_error_t
map_plan_one (map_t *map, size_t i)
{
  map_entry_t *e = &map->e[i];
  map_app_t apps[3];
  size_t napps, a, s, ns, ntaken = 0, ntried = 0;
  map_slot_t slots[24];
  char reason[256], first[256] = "", taken[256] = "";
  bool retired = false;

  e->slot.app = MAP_APP_NONE;
  e->slot.id = 0;
  e->stays = false;

  if (e->kind == MAP_KIND_KEY && !e->escrowed)
    {
      gpg_error_t err = map_set_text
        (&e->reason, e->born_on_card
         ? _("not restorable: the key was generated on the old card; "
             "generate a new key on the new token and have its "
             "certificate re-issued")
         : _("not restorable: the key is not in the VSC; generate a new "
             "key on the new token and have its certificate re-issued"));
      if (!err)
        err = map_howto (map, e);
      return err;
    }
  if (e->kind == MAP_KIND_CERT && e->key >= 0)
    {
      const map_entry_t *k = &map->e[e->key];
      if (k->slot.app != MAP_APP_NONE)
        {
          map_slot_t ks = k->slot;
          if (map_fits (map, i, &ks, false, reason, sizeof reason))
            {
              e->slot = ks;
              e->stays = k->stays;
              return map_set_text (&e->reason, _("goes with its key"));
            }
          return map_set_text (&e->reason, reason);
        }
      if (!map_target_has (map, e->src_app, e->src_app)
          || map->opts.prefer != MAP_APP_NONE)
        return map_set_text (&e->reason, k->born_on_card || !k->escrowed
                             ? _("stays behind with its key: a new "
                                 "certificate comes with the new key")
                             : k->fixed
                             ? _("left behind with its key")
                             : _("not moved: its key has no place on "
                                 "this token"));
      /* Same application, key not movable: copied as it is (a clone
       * keeps the certificate). On the same file system that is the
       * file where it is: a new PKCS#15 place would need a structure
       * of its own. */
      if (e->src_app == MAP_APP_PKCS15 && map_can_stay (map, e))
        {
          e->slot = k->src_slot;
          e->stays = true;
          return map_set_text (&e->reason, _("stays in its place (its key "
                                             "does not come along)"));
        }
    }
  if (e->kind == MAP_KIND_HOLDER && e->src_app != MAP_APP_OPENPGP
      && !map->opts.holder)
    return map_set_text (&e->reason, _("only when asked (holder yes)"));
  if (e->kind == MAP_KIND_OTHER)
    {
      if (map_target_has (map, e->src_app, e->src_app))
        {
          e->slot.app = e->src_app;
          e->slot.id = e->src_slot.id;
          e->stays = true;
          return map_set_text (&e->reason, NULL);
        }
      return map_set_text
        (&e->reason, e->src_app == MAP_APP_PKCS15
         ? _("a file of the old card's file system; only a card of the "
             "same model or the emulator takes it as it is")
         : _("PIV card data: only a PIV token takes it"));
    }

  napps = map_app_order (map, e->src_app, apps);
  for (a = 0; a < napps; a++)
    {
      ns = map_slot_order (map, e, apps[a], slots, DIM (slots));
      /* Retired slots would be next, but the token has none. */
      if (apps[a] == MAP_APP_PIV && !map->target.piv_retired
          && (e->kind == MAP_KIND_KEY || e->kind == MAP_KIND_CERT)
          && (e->purpose == MAP_PURPOSE_DECRYPT
              || e->purpose == MAP_PURPOSE_RETIRED
              || (e->kind == MAP_KIND_CERT && e->key < 0)))
        retired = true;
      for (s = 0; s < ns; s++)
        {
          if (map_fits (map, i, &slots[s], false, reason, sizeof reason))
            {
              e->slot = slots[s];
              e->stays = apps[a] == e->src_app
                && slots[s].app == e->src_slot.app
                && slots[s].id == e->src_slot.id && map_can_stay (map, e);
              return map_set_text (&e->reason, e->stays
                                   ? _("stays in its place") : NULL);
            }
          if (!first[0])
            snprintf (first, sizeof first, "%s", reason);
          ntried++;
          if (slots[s].app == MAP_APP_PIV && slots[s].id >= 0x82
              && slots[s].id <= 0x95)
            {
              retired = true;
              if (slots[s].id - 0x82 >= map->target.piv_retired)
                {
                  ntaken++;     /* a slot the token does not have */
                  continue;
                }
            }
          if (map_slot_taker (map, &slots[s], e->kind, i, false) >= 0)
            {
              ntaken++;
              if (!taken[0])
                snprintf (taken, sizeof taken, "%s", reason);
            }
        }
      if (!ns && !first[0])
        {
          if (e->kind == MAP_KIND_HOLDER)
            snprintf (first, sizeof first, _("only OpenPGP cards hold "
                                             "cardholder data"));
          else if (e->kind == MAP_KIND_DATA)
            snprintf (first, sizeof first, _("the %s has no place for data "
                                             "objects"),
                      map_app_label (apps[a]));
          else
            snprintf (first, sizeof first, _("the %s has no place for it"),
                      map_app_label (apps[a]));
        }
    }
  /* Nothing fits, but the target has the object's own application: it
   * stays there and that application's agent decides (a token may hold
   * what its capabilities do not announce, like a DO 0102 that is no
   * private-use DO). Only a slot the user or another object took keeps
   * it out. */
  if (map_can_stay (map, e)
      && map_slot_taker (map, &e->src_slot, e->kind, i, false) < 0
      && !map_piv_alg_refused (map, e))
    {
      e->slot = e->src_slot;
      e->stays = true;
      return map_set_text (&e->reason, _("stays in its place (the token's "
                                         "application decides)"));
    }
  /* Every PIV place for it, retired slots included, is taken: more
   * keys and certificates than this token has slots. */
  if (retired && ntried && ntaken == ntried)
    {
      char why[200];
      if (map->target.piv_retired)
        snprintf (why, sizeof why, _("no room on this token: its %u "
                                     "retired key slots (82 to %02X) are "
                                     "all taken"),
                  map->target.piv_retired, 0x82 + map->target.piv_retired
                  - 1);
      else
        snprintf (why, sizeof why, _("no room on this token: it has no "
                                     "retired key slots"));
      if (taken[0])
        snprintf (first, sizeof first, "%s (%s)", why, taken);
      else
        snprintf (first, sizeof first, "%s", why);
    }
  if (!napps)
    {
      if (e->kind == MAP_KIND_OTHER)
        snprintf (first, sizeof first, e->src_app == MAP_APP_PKCS15
                  ? _("a file of the old card's file system; only a card "
                      "of the same model or the emulator takes it")
                  : _("it belongs to the %s and goes nowhere else"),
                  map_app_label (e->src_app));
      else if (e->kind == MAP_KIND_HOLDER)
        snprintf (first, sizeof first, _("only OpenPGP cards hold "
                                         "cardholder data"));
      else
        snprintf (first, sizeof first, _("this token has no place for "
                                         "it"));
    }
  return map_set_text (&e->reason, first[0] ? first
                       : _("this token has no place for it"));
}

static int
map_key_rank (const map_entry_t *e)
{
  static const int rank[MAP_PURPOSE_MAX + 1] = { 5, 0, 1, 2, 3, 4 };
  return rank[e->purpose];
}

/* Plan every entry that is not fixed. */
static gpg_error_t
map_plan_all (map_t *map)
{
  gpg_error_t err = 0;
  size_t i, pass;
  int r;

  for (i = 0; i < map->n; i++)
    if (!map->e[i].fixed)
      {
        map->e[i].slot.app = MAP_APP_NONE;
        map->e[i].stays = false;
      }
  /* Keys: those that stay in their own place first (they own it), then
   * by purpose, then certificates, data, cardholder, other. */
  for (pass = 0; !err && pass < 2; pass++)
    for (r = 0; !err && r <= 5; r++)
      for (i = 0; !err && i < map->n; i++)
        {
          map_entry_t *e = &map->e[i];
          bool own = map_target_has (map, e->src_app, e->src_app)
            && (map->opts.prefer == MAP_APP_NONE
                || map->opts.prefer == e->src_app);
          if (e->fixed || e->kind != MAP_KIND_KEY || map_key_rank (e) != r
              || own != (pass == 0))
            continue;
          err = map_plan_one (map, i);
        }
  for (i = 0; !err && i < map->n; i++)
    if (!map->e[i].fixed && map->e[i].kind == MAP_KIND_CERT
        && map->e[i].key >= 0)
      err = map_plan_one (map, i);
  for (i = 0; !err && i < map->n; i++)
    if (!map->e[i].fixed && map->e[i].kind != MAP_KIND_KEY
        && !(map->e[i].kind == MAP_KIND_CERT && map->e[i].key >= 0))
      err = map_plan_one (map, i);
  return err;
}

/* ---- cardholder data from a certificate ------------------------------- */

/* OpenPGP's name format: surname, "<<", given names with '<' between. */
static void
map_holder_name (const map_x509_t *x, char *buf, size_t size)
{
  char given[128], sur[128];
  size_t i;

  buf[0] = 0;
  if (x->surname[0])
    {
      snprintf (sur, sizeof sur, "%s", x->surname);
      snprintf (given, sizeof given, "%s", x->given);
    }
  else if (x->cn[0])
    {
      const char *sp = strrchr (x->cn, ' ');
      if (!sp)
        {
          snprintf (buf, size, "%s", x->cn);
          return;
        }
      snprintf (sur, sizeof sur, "%s", sp + 1);
      snprintf (given, sizeof given, "%.*s", (int)(sp - x->cn), x->cn);
    }
  else
    return;
  for (i = 0; given[i]; i++)
    if (given[i] == ' ')
      given[i] = '<';
  for (i = 0; sur[i]; i++)
    if (sur[i] == ' ')
      sur[i] = '<';
  if (given[0])
    snprintf (buf, size, "%.60s<<%.60s", sur, given);
  else
    snprintf (buf, size, "%s", sur);
}

static gpg_error_t
map_holder_add (map_t *map, const map_entry_t *cert, unsigned field,
                const char *text, const char *label)
{
  gpg_error_t err;
  map_entry_t *e;
  size_t i;
  const image_node_t *node = cert->node;

  if (!text[0])
    return 0;
  for (i = 0; i < map->n; i++)
    if (map->e[i].kind == MAP_KIND_HOLDER && map->e[i].src_slot.id == field)
      return 0;           /* the source has the DO itself */
  err = map_add_entry (map, MAP_KIND_HOLDER, node, &e);
  if (err)
    return err;
  e->src_app = cert->src_app;
  e->src_slot.app = MAP_APP_NONE;
  e->src_slot.id = field;
  e->slot.app = MAP_APP_NONE;
  e->slot.id = field;
  e->value_len = strlen (text);
  e->value = xtrymalloc (e->value_len + 1);
  if (!e->value)
    return gpg_error_from_syserror ();
  memcpy (e->value, text, e->value_len + 1);
  e->size = e->value_len;
  return map_set_text (&e->label, label);
}

/* Cardholder entries from the subject of the best certificate (the one
 * with the authentication or signature key). */
static gpg_error_t
map_holder_from_certs (map_t *map)
{
  gpg_error_t err;
  size_t i, n = map->n;
  const map_entry_t *best = NULL;
  int best_rank = 99;
  map_x509_t x;
  char name[128];

  for (i = 0; i < n; i++)
    {
      const map_entry_t *e = &map->e[i];
      int rank;
      if (e->kind != MAP_KIND_CERT || !e->data_len
          || map_x509_parse (e->data, e->data_len, &x) || x.ca)
        continue;
      rank = e->key >= 0 ? map_key_rank (&map->e[e->key]) : 6;
      if (rank < best_rank)
        best_rank = rank, best = e;
    }
  if (!best || map_x509_parse (best->data, best->data_len, &x))
    return 0;
  map_holder_name (&x, name, sizeof name);
  err = map_holder_add (map, best, MAP_HOLDER_NAME, name,
                        _("cardholder name (from the certificate)"));
  if (!err)
    err = map_holder_add (map, best, MAP_HOLDER_LOGIN,
                          x.uid[0] ? x.uid : x.email,
                          _("login data (from the certificate)"));
  if (!err)
    err = map_holder_add (map, best, MAP_HOLDER_URL, x.uri,
                          _("URL (from the certificate)"));
  return err;
}

/* ---- the planner ------------------------------------------------------ */

/* Pair certificates with keys (same iD / slot) and fill a certificate's
 * purpose and algorithm from its key or its key usage. */
static void
map_pair (map_t *map)
{
  size_t i, k;
  map_x509_t x;

  for (i = 0; i < map->n; i++)
    {
      map_entry_t *c = &map->e[i];
      if (c->kind != MAP_KIND_CERT)
        continue;
      c->key = -1;
      for (k = 0; c->id[0] && k < map->n; k++)
        if (map->e[k].kind == MAP_KIND_KEY
            && !strcasecmp (map->e[k].id, c->id))
          {
            c->key = (int)k;
            break;
          }
      if (c->data_len && !map_x509_parse (c->data, c->data_len, &x))
        {
          if (!c->alg)
            c->alg = x.alg;
          if (!c->purpose)
            c->purpose = map_x509_purpose (&x);
          if (!c->label && x.cn[0])
            map_set_text (&c->label, x.cn);
        }
      if (c->key >= 0)
        {
          map_entry_t *key = &map->e[c->key];
          c->purpose = key->purpose;
          if (!key->alg)
            key->alg = c->alg;
          if (!key->purpose)
            key->purpose = c->purpose;
        }
    }
}

static gpg_error_t
map_apply_choice (map_t *map, const map_choice_t *ch)
{
  int i = map_find (map, ch->src);
  map_entry_t *e;
  map_slot_t slot;
  gpg_error_t err;
  char reason[256];

  if (i < 0)
    {
      errctx_set (_("%u: %s is not an object the mapping moves "
                       "(a key, certificate, data object or cardholder "
                       "field of the VSC)"), ch->line, ch->src);
      return gpg_error (GPG_ERR_NOT_FOUND);
    }
  e = &map->e[i];
  if (ch->automatic)
    {
      e->fixed = false;
      return 0;
    }
  slot = ch->slot;
  if (slot.app != MAP_APP_NONE)
    {
      /* The target as written, for the object's kind. */
      const char *name = ch->target[0] ? ch->target : "?";
      err = map_slot_parse (name, e->kind, &slot);
      if (err)
        {
          errctx_set (_("%u: %s is %s and cannot go to %s"), ch->line,
                         ch->src, map_kind_phrase (e->kind), name);
          return gpg_error (GPG_ERR_INV_VALUE);
        }
      if (!map_fits (map, (size_t)i, &slot, true, reason, sizeof reason))
        {
          errctx_set (_("%u: %s cannot go to %s: %s"), ch->line,
                         ch->src, name, reason);
          return gpg_error (GPG_ERR_INV_VALUE);
        }
    }
  e->slot = slot;
  e->fixed = true;
  e->stays = slot.app == e->src_app && slot.app == e->src_slot.app
    && slot.id == e->src_slot.id;
  return map_set_text (&e->reason, slot.app == MAP_APP_NONE
                       ? _("left behind (map file)") : _("map file"));
}

gpg_error_t
map_plan (const image_t *src, const map_target_t *target,
          const map_opts_t *opts, const map_choices_t *choices,
          map_t **r_map)
{
  gpg_error_t err;
  map_t *map;
  size_t i;

  *r_map = NULL;
  errctx_clear ();
  map = xtrycalloc (1, sizeof *map);
  if (!map)
    return gpg_error_from_syserror ();
  map->target = *target;
  if (opts)
    map->opts = *opts;
  if (choices && choices->has_holder)
    map->opts.holder = choices->opts.holder;
  if (choices && choices->has_prefer)
    map->opts.prefer = choices->opts.prefer;
  err = map_source_scan (map, src);
  if (err)
    goto leave;
  map_pair (map);
  if (map->opts.holder && map->target.openpgp)
    {
      err = map_holder_from_certs (map);
      if (err)
        goto leave;
    }
  /* The user's choices first: they own their slots. */
  for (i = 0; !err && choices && i < choices->n; i++)
    err = map_apply_choice (map, &choices->c[i]);
  if (!err)
    err = map_plan_all (map);
  if (err)
    goto leave;
  *r_map = map;
  map = NULL;
 leave:
  map_free (map);
  return err;
}

gpg_error_t
map_choose (map_t *map, const image_t *src, size_t i, const map_slot_t *slot)
{
  char reason[256];
  map_entry_t *e;
  map_slot_t old_slot;
  bool old_fixed, ok;
  size_t k;
  (void)src;

  errctx_clear ();
  if (i >= map->n)
    return gpg_error (GPG_ERR_INV_ARG);
  e = &map->e[i];
  old_slot = e->slot;
  old_fixed = e->fixed;
  /* Against the user's other choices only: the planner's own picks
   * make room. */
  for (k = 0; k < map->n; k++)
    if (!map->e[k].fixed)
      map->e[k].slot.app = MAP_APP_NONE;
  e->fixed = false;
  e->slot.app = MAP_APP_NONE;
  ok = map_fits (map, i, slot, true, reason, sizeof reason);
  if (!ok)
    {
      e->slot = old_slot;
      e->fixed = old_fixed;
      errctx_set ("%s", reason);
      map_plan_all (map);
      return gpg_error (GPG_ERR_INV_VALUE);
    }
  e->slot = *slot;
  e->fixed = true;
  e->stays = slot->app == e->src_app && slot->app == e->src_slot.app
    && slot->id == e->src_slot.id;
  if (map_set_text (&e->reason, slot->app == MAP_APP_NONE
                    ? _("left behind (your choice)") : _("your choice")))
    return gpg_error_from_syserror ();
  return map_plan_all (map);
}

void
map_candidates (const map_t *map, size_t i, map_slot_t *slots, size_t max,
                size_t *r_n)
{
  map_app_t apps[MAP_APP_MAX] = { MAP_APP_PIV, MAP_APP_OPENPGP,
                                  MAP_APP_PKCS15 };
  map_slot_t all[48];
  size_t n = 0, a, k, na;
  char reason[256];
  const map_entry_t *e;
  static const unsigned piv_ids[] = { 0x9A, 0x9C, 0x9D, 0x9E };

  *r_n = 0;
  if (i >= map->n || !max)
    return;
  e = &map->e[i];
  for (a = 0; a < DIM (apps); a++)
    {
      na = 0;
      if (apps[a] == MAP_APP_PIV)
        {
          for (k = 0; k < DIM (piv_ids); k++)
            all[na].app = MAP_APP_PIV, all[na].id = piv_ids[k], na++;
          for (k = 0; k < map->target.piv_retired; k++)
            all[na].app = MAP_APP_PIV, all[na].id = 0x82 + (unsigned)k, na++;
        }
      else if (apps[a] == MAP_APP_OPENPGP)
        {
          if (e->kind == MAP_KIND_DATA)
            for (k = 0; k < 4; k++)
              all[na].app = MAP_APP_OPENPGP, all[na].id = 0x0101
                + (unsigned)k, na++;
          else if (e->kind == MAP_KIND_HOLDER)
            all[na].app = MAP_APP_OPENPGP, all[na].id = e->src_slot.id
              ? e->src_slot.id : e->slot.id, na++;
          else
            for (k = 1; k <= 3; k++)
              all[na].app = MAP_APP_OPENPGP, all[na].id = (unsigned)k, na++;
        }
      else
        {
          if (e->kind == MAP_KIND_DATA)
            all[na].app = MAP_APP_PKCS15, all[na].id = 0, na++;
          else
            for (k = MAP_PURPOSE_AUTH; k <= MAP_PURPOSE_MAX; k++)
              all[na].app = MAP_APP_PKCS15, all[na].id = (unsigned)k, na++;
        }
      for (k = 0; k < na && n + 1 < max; k++)
        if (map_fits (map, i, &all[k], true, reason, sizeof reason))
          slots[n++] = all[k];
    }
  slots[n].app = MAP_APP_NONE;
  slots[n].id = 0;
  *r_n = n + 1;
}
