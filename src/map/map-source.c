/* map-source.c - the objects of an identity in a source image
 *
 * PKCS#15 (ISO/IEC 7816-15): the ODF names the directory files; private
 * keys come from the PrKDF (iD, key usage, key reference, size; the key
 * node the pkcs15 agent made is <app>/key-<iD>), certificates from the
 * CDF (by path or direct), data objects from the DODF. OpenPGP card:
 * key-sig/-dec/-aut, the certificates 7F21/B6, B8, A4, the private-use
 * DOs 0101..0104 and the cardholder DOs 5B, 5F50, 5E. PIV: the slot keys
 * and their certificate objects (retired 82..95 included), and the PIV
 * card data (CHUID, CCC, ...), which only a PIV token takes.
 *
 * Files of an ISO file system that are no PKCS#15 object (and not part
 * of its directory structure) are entries of kind "other": they go only
 * where the file system can be copied as it is. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/util.h"
#include "common/piv.h"
#include "common/i18n.h"
#include "common/hex.h"
#include "common/pkcs15.h"
#include "map/map-int.h"

static const uint8_t map_src_p15_aid[] = {
  0xA0, 0x00, 0x00, 0x00, 0x63, 0x50, 0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35
};

/* Files (by node) that belong to the PKCS#15 structure or that an entry
 * already stands for: not listed again as "other". */
#define MAP_SRC_MAX_USED 512

typedef struct map_src {
  map_t *map;
  const image_t *image;
  const image_node_t *mf;
  const image_node_t *app;      /* PKCS#15 application DF */
  const image_node_t *df;       /* the directory file being read */
  unsigned df_kind;             /* its ODF tag (A0..A8) */
  const image_node_t *used[MAP_SRC_MAX_USED];
  size_t n_used;
} map_src_t;

static void
map_src_use (map_src_t *c, const image_node_t *n)
{
  if (n && c->n_used < MAP_SRC_MAX_USED)
    c->used[c->n_used++] = n;
}

static bool
map_src_is_used (const map_src_t *c, const image_node_t *n)
{
  size_t i;
  for (i = 0; i < c->n_used; i++)
    if (c->used[i] == n)
      return true;
  return false;
}

static const image_node_t *
map_src_child_fid (const image_node_t *parent, unsigned fid)
{
  const image_node_t *ch;
  for (ch = parent ? parent->first_child : NULL; ch; ch = ch->next)
    if (ch->has_fid && ch->fid == fid)
      return ch;
  return NULL;
}

/* The FID of the file a PKCS#15 path names when the file would be a
 * child of DF (the file itself need not be in the image: a key file is
 * an internal EF that a backup cannot record); 0 otherwise. */
static unsigned
map_src_path_fid (const map_src_t *c, const uint8_t *p, size_t n,
                  const image_node_t *df)
{
  const image_node_t *node;
  size_t i = 0;

  if (n < 2 || (n & 1) || !df)
    return 0;
  if (get_be16 (p) == 0x3F00)
    {
      if (n == 2)
        return 0;
      node = c->mf;
      i = 2;
    }
  else
    node = c->app;
  for (; node && i + 2 < n; i += 2)
    node = map_src_child_fid (node, get_be16 (p + i));
  if (node != df)
    return 0;
  return get_be16 (p + n - 2);
}

/* The node a PKCS#15 path names (absolute from 3F00, or relative to the
 * application DF). */
static const image_node_t *
map_src_path (const map_src_t *c, const uint8_t *p, size_t n)
{
  const image_node_t *node;
  size_t i = 0;

  if (n < 2 || (n & 1))
    return NULL;
  if (get_be16 (p) == 0x3F00)
    {
      node = c->mf;
      i = 2;
    }
  else
    node = c->app;
  for (; node && i + 1 < n; i += 2)
    node = map_src_child_fid (node, get_be16 (p + i));
  return node;
}

/* Label and flags of CommonObjectAttributes (first child). */
static void
map_src_common (const tlv_t *obj, char *label, size_t size, bool *priv,
                bool *has_auth)
{
  tlv_t common, t;

  label[0] = 0;
  *priv = *has_auth = false;
  if (!der_child (obj, 0, &common) || common.tag != 0x30)
    return;
  if (!tlv_find (common.value, common.len, 0x0C, &t))
    {
      size_t k, n = t.len < size ? t.len : size - 1;
      for (k = 0; k < n; k++)
        label[k] = (t.value[k] >= 0x20 && t.value[k] != 0x7F)
                   ? (char)t.value[k] : '?';
      label[n] = 0;
    }
  if (!tlv_find (common.value, common.len, 0x03, &t))
    *priv = der_bit (&t, 0);
  *has_auth = !tlv_find (common.value, common.len, 0x04, &t) && t.len;
}

/* The value of the type attributes [1]: its first SEQUENCE's first child
 * is the object value: a path (SEQUENCE { OCTET STRING ... }) or a
 * direct value [0]. *R_INT gets the first INTEGER after it (modulus or
 * field length), 0 if none. */
static void
map_src_value (const map_src_t *c, const tlv_t *obj, bool attrs_seq,
               const image_node_t **r_node, const uint8_t **r_direct,
               size_t *r_direct_len, unsigned *r_int, tlv_t *r_path)
{
  tlv_t ta, attrs, v, t;
  tlv_iter_t it;
  bool first = true;

  *r_node = NULL;
  *r_direct = NULL;
  *r_direct_len = 0;
  if (r_int)
    *r_int = 0;
  if (r_path)
    memset (r_path, 0, sizeof *r_path);
  if (tlv_find (obj->value, obj->len, 0xA1, &ta))
    return;
  if (attrs_seq)
    {
      if (tlv_parse (ta.value, ta.len, &attrs, NULL) || attrs.tag != 0x30)
        return;
    }
  else
    attrs = ta;
  tlv_iter_init (&it, attrs.value, attrs.len, 0);
  while (!tlv_iter_next (&it, &v))
    {
      if (first)
        {
          first = false;
          if (v.tag == 0x30 && !tlv_find (v.value, v.len, 0x04, &t))
            {
              *r_node = map_src_path (c, t.value, t.len);
              if (r_path)
                *r_path = t;
            }
          else if (v.tag == 0xA0)
            {
              *r_direct = v.value;
              *r_direct_len = v.len;
            }
          continue;
        }
      if (v.tag == 0x02 && r_int && !*r_int)
        {
          uint64_t x;
          if (!tlv_get_uint (&v, &x) && x <= 65536)
            *r_int = (unsigned)x;
        }
    }
}

static map_purpose_t
map_src_p15_purpose (const tlv_t *usage, const char *label)
{
  /* KeyUsageFlags: encrypt(0) decrypt(1) sign(2) signRecover(3) wrap(4)
   * unwrap(5) verify(6) verifyRecover(7) derive(8) nonRepudiation(9). */
  if (strcasestr (label, "card auth"))
    return MAP_PURPOSE_CARDAUTH;
  if (der_bit (usage, 9))
    return MAP_PURPOSE_SIGN;
  if (der_bit (usage, 2) || der_bit (usage, 3))
    return MAP_PURPOSE_AUTH;
  if (der_bit (usage, 1) || der_bit (usage, 5)
      || der_bit (usage, 8))
    return MAP_PURPOSE_DECRYPT;
  return MAP_PURPOSE_NONE;
}

static gpg_error_t map_src_key_common (map_entry_t *e, const image_node_t *n);

static gpg_error_t
map_src_p15_key (map_src_t *c, const tlv_t *obj)
{
  gpg_error_t err;
  tlv_t ckey, id, usage, ref, path;
  char label[64], name[IMAGE_COMPONENT_MAX];
  bool priv, has_auth;
  const image_node_t *file, *key;
  const uint8_t *direct;
  size_t direct_len;
  unsigned bits;
  map_entry_t *e;
  uint64_t v;

  map_src_common (obj, label, sizeof label, &priv, &has_auth);
  if (!der_child (obj, 1, &ckey) || ckey.tag != 0x30
      || tlv_find (ckey.value, ckey.len, 0x04, &id) || !id.len)
    return 0;
  memcpy (name, "key-", 4);
  hex_encode (id.value, id.len > 28 ? 28 : id.len, name + 4);
  key = image_find_child (c->app, name);
  map_src_value (c, obj, true, &file, &direct, &direct_len, &bits, &path);
  if (file)
    map_src_use (c, file);
  if (!key)
    return 0;       /* the backup did not record it: nothing to move */
  err = map_add_entry (c->map, MAP_KIND_KEY, key, &e);
  if (err)
    return err;
  e->src_app = MAP_APP_PKCS15;
  e->src_slot.app = MAP_APP_PKCS15;
  e->file = file;
  e->file_fid = map_src_path_fid (c, path.value, path.len, key->parent);
  hex_encode (id.value, id.len > 20 ? 20 : id.len, e->id);
  if (tlv_find (ckey.value, ckey.len, 0x03, &usage))
    memset (&usage, 0, sizeof usage);
  e->purpose = map_src_p15_purpose (&usage, label);
  e->src_slot.id = e->purpose;
  if (!tlv_find (ckey.value, ckey.len, 0x02, &ref) && !tlv_get_uint (&ref, &v)
      && v <= 0xFF)
    e->key_ref = (unsigned)v;
  map_src_key_common (e, key);
  if (!e->alg && obj->tag == 0x30)
    e->alg = bits == 1024 ? MAP_ALG_RSA1024 : bits == 2048 ? MAP_ALG_RSA2048
      : bits == 3072 ? MAP_ALG_RSA3072 : bits == 4096 ? MAP_ALG_RSA4096 : 0;
  else if (!e->alg && obj->tag == 0xA0)
    e->alg = bits == 256 ? MAP_ALG_NISTP256 : bits == 384 ? MAP_ALG_NISTP384
      : bits == 521 ? MAP_ALG_NISTP521 : 0;
  return map_set_text (&e->label, label[0] ? label : NULL);
}

static gpg_error_t
map_src_p15_cert (map_src_t *c, const image_node_t *cdf, const tlv_t *obj)
{
  gpg_error_t err;
  tlv_t ccert, id, t;
  char label[64];
  bool priv, has_auth, authority = false;
  const image_node_t *file;
  const uint8_t *direct;
  size_t direct_len;
  map_entry_t *e;

  if (obj->tag != 0x30)
    return 0;                   /* only X.509 certificates */
  map_src_common (obj, label, sizeof label, &priv, &has_auth);
  if (!der_child (obj, 1, &ccert) || ccert.tag != 0x30)
    return 0;
  if (!tlv_find (ccert.value, ccert.len, 0x01, &t) && t.len == 1)
    authority = t.value[0] != 0;
  map_src_value (c, obj, true, &file, &direct, &direct_len, NULL, NULL);
  if (!file && !direct)
    return 0;
  err = map_add_entry (c->map, MAP_KIND_CERT, file ? file : cdf, &e);
  if (err)
    return err;
  e->src_app = MAP_APP_PKCS15;
  e->src_slot.app = MAP_APP_PKCS15;
  if (!tlv_find (ccert.value, ccert.len, 0x04, &id) && id.len)
    hex_encode (id.value, id.len > 20 ? 20 : id.len, e->id);
  if (file)
    {
      map_src_use (c, file);
      if (file->has_content)
        {
          e->data = file->content;
          e->data_len = file->content_len;
        }
    }
  else
    {
      e->data = direct;
      e->data_len = direct_len;
    }
  e->size = e->data_len;
  if (authority)
    e->id[0] = 0;               /* a CA certificate has no key here */
  return map_set_text (&e->label, label[0] ? label : NULL);
}

static gpg_error_t
map_src_p15_data (map_src_t *c, const tlv_t *obj)
{
  gpg_error_t err;
  char label[64];
  bool priv, has_auth;
  const image_node_t *file;
  const uint8_t *direct;
  size_t direct_len;
  map_entry_t *e;

  if (obj->tag != 0x30)
    return 0;                   /* opaque data objects only */
  map_src_common (obj, label, sizeof label, &priv, &has_auth);
  map_src_value (c, obj, false, &file, &direct, &direct_len, NULL, NULL);
  if (!file)
    return 0;
  map_src_use (c, file);
  err = map_add_entry (c->map, MAP_KIND_DATA, file, &e);
  if (err)
    return err;
  e->src_app = MAP_APP_PKCS15;
  e->src_slot.app = MAP_APP_PKCS15;
  e->private_data = priv || has_auth
    || image_node_effective_area (file) != IMAGE_AREA_PUBLIC;
  if (file->has_content)
    {
      e->data = file->content;
      e->data_len = file->content_len;
    }
  e->size = e->data_len;
  return map_set_text (&e->label, label[0] ? label : NULL);
}

/* One object of the directory file c->df (of kind c->kind). */
static gpg_error_t
map_src_p15_object (void *ctx, const tlv_t *obj)
{
  map_src_t *c = ctx;
  unsigned kind = c->df_kind;

  if (kind == 0xA0)
    return map_src_p15_key (c, obj);
  if (kind == 0xA4 || kind == 0xA5 || kind == 0xA6)
    return map_src_p15_cert (c, c->df, obj);
  if (kind == 0xA7)
    return map_src_p15_data (c, obj);
  if (kind == 0xA1 || kind == 0xA2 || kind == 0xA3)
    {
      /* Public keys: they come back from the private key. */
      const image_node_t *file;
      const uint8_t *direct;
      size_t direct_len;
      map_src_value (c, obj, true, &file, &direct, &direct_len, NULL, NULL);
      map_src_use (c, file);
    }
  return 0;
}

/* A directory file the ODF lists, and every object it lists. */
static gpg_error_t
map_src_p15_df (void *ctx, unsigned kind, const uint8_t *path, size_t len)
{
  map_src_t *c = ctx;
  const image_node_t *df = map_src_path (c, path, len);

  if (!df)
    return 0;
  map_src_use (c, df);
  if (!df->has_content)
    return 0;
  c->df = df;
  c->df_kind = kind;
  return pkcs15_each_object (df->content, df->content_len,
                             map_src_p15_object, c);
}

static const image_node_t *
map_src_find_app (const image_node_t *df, unsigned depth)
{
  const image_node_t *ch, *r;

  if (depth > 8)
    return NULL;
  for (ch = df->first_child; ch; ch = ch->next)
    if (ch->type == IMAGE_NODE_DF
        && ((ch->has_fid && ch->fid == 0x5015 && df->type == IMAGE_NODE_MF)
            || (ch->aid_len == sizeof map_src_p15_aid
                && !memcmp (ch->aid, map_src_p15_aid, ch->aid_len))))
      return ch;
  for (ch = df->first_child; ch; ch = ch->next)
    if (ch->type == IMAGE_NODE_DF && (r = map_src_find_app (ch, depth + 1)))
      return r;
  return NULL;
}

static gpg_error_t
map_src_pkcs15 (map_src_t *c)
{
  const image_node_t *odf;
  /* CDFs before the PrKDF would not matter; keys first reads better. */
  static const unsigned order[] = { 0xA0, 0xA4, 0xA5, 0xA6, 0xA7, 0xA1,
                                    0xA2, 0xA3, 0xA8 };

  c->app = map_src_find_app (c->mf, 0);
  if (!c->app)
    return 0;
  c->map->src_apps[c->map->n_src_apps++] = MAP_APP_PKCS15;
  map_src_use (c, c->app);
  odf = map_src_child_fid (c->app, 0x5031);
  map_src_use (c, odf);
  map_src_use (c, map_src_child_fid (c->app, 0x5032));
  map_src_use (c, map_src_child_fid (c->app, 0x5033));
  map_src_use (c, map_src_child_fid (c->mf, 0x2F00));
  if (!odf || !odf->has_content)
    return 0;
  return pkcs15_each_df (odf->content, odf->content_len, order, DIM (order),
                         map_src_p15_df, c);
}

/* Files of the file system that no entry stands for. */
static gpg_error_t
map_src_other_files (map_src_t *c, const image_node_t *df)
{
  gpg_error_t err = 0;
  const image_node_t *ch;
  map_entry_t *e;

  for (ch = df->first_child; ch && !err; ch = ch->next)
    {
      if (ch->type == IMAGE_NODE_DF)
        {
          err = map_src_other_files (c, ch);
          continue;
        }
      if (!image_node_is_ef (ch) || map_src_is_used (c, ch))
        continue;
      err = map_add_entry (c->map, MAP_KIND_OTHER, ch, &e);
      if (!err)
        e->src_app = MAP_APP_PKCS15;
    }
  return err;
}

/* ---- OpenPGP ---------------------------------------------------------- */

static const struct {
  const char *key;
  const char *cert;
  map_purpose_t purpose;
  const char *label;
} map_src_pgp_slots[3] = {
  /* Labels may be written to a card (PKCS#15): not translated. */
  { "key-sig", "7F21/B6", MAP_PURPOSE_SIGN, "OpenPGP signature key" },
  { "key-dec", "7F21/B8", MAP_PURPOSE_DECRYPT, "OpenPGP decryption key" },
  { "key-aut", "7F21/A4", MAP_PURPOSE_AUTH, "OpenPGP authentication key" }
};

static gpg_error_t
map_src_key_common (map_entry_t *e, const image_node_t *n)
{
  e->alg = map_alg_parse (n->key.algorithm);
  e->born_on_card = (n->flags & IMAGE_FLAG_NOT_EXTRACTABLE) != 0;
  e->escrowed = !e->born_on_card && n->has_content && n->content_len
    && image_node_effective_area (n) == IMAGE_AREA_SECRET_KEY;
  return 0;
}

static gpg_error_t
map_src_openpgp (map_src_t *c, const image_node_t *app)
{
  gpg_error_t err = 0;
  const image_node_t *n;
  map_entry_t *e;
  char path[32];
  int i;
  static const unsigned dos[4] = { 0x0101, 0x0102, 0x0103, 0x0104 };
  static const struct { unsigned tag; const char *label; } holder[3] = {
    { 0x5B, N_("cardholder name") }, { 0x5F50, N_("URL of the public key") },
    { 0x5E, N_("login data") }
  };

  c->map->src_apps[c->map->n_src_apps++] = MAP_APP_OPENPGP;
  for (i = 0; !err && i < 3; i++)
    {
      n = image_find_child (app, map_src_pgp_slots[i].key);
      if (n && n->type == IMAGE_NODE_KEY)
        {
          err = map_add_entry (c->map, MAP_KIND_KEY, n, &e);
          if (err)
            break;
          e->src_app = MAP_APP_OPENPGP;
          e->src_slot.app = MAP_APP_OPENPGP;
          e->src_slot.id = (unsigned)i + 1;
          e->purpose = map_src_pgp_slots[i].purpose;
          snprintf (e->id, sizeof e->id, "OPENPGP-%d", i + 1);
          map_src_key_common (e, n);
          err = map_set_text (&e->label, map_src_pgp_slots[i].label);
        }
    }
  for (i = 0; !err && i < 3; i++)
    {
      snprintf (path, sizeof path, "openpgp/%s", map_src_pgp_slots[i].cert);
      n = image_find_path (c->image, path);
      if (!n || !n->has_content || !n->content_len)
        continue;
      err = map_add_entry (c->map, MAP_KIND_CERT, n, &e);
      if (err)
        break;
      e->src_app = MAP_APP_OPENPGP;
      e->src_slot.app = MAP_APP_OPENPGP;
      e->src_slot.id = (unsigned)i + 1;
      snprintf (e->id, sizeof e->id, "OPENPGP-%d", i + 1);
      e->data = n->content;
      e->data_len = e->size = n->content_len;
    }
  for (i = 0; !err && i < 4; i++)
    {
      snprintf (path, sizeof path, "%04X", dos[i]);
      n = image_find_child (app, path);
      if (!n || !n->has_content || !n->content_len)
        continue;
      err = map_add_entry (c->map, MAP_KIND_DATA, n, &e);
      if (err)
        break;
      e->src_app = MAP_APP_OPENPGP;
      e->src_slot.app = MAP_APP_OPENPGP;
      e->src_slot.id = dos[i];
      e->private_data = dos[i] >= 0x0103;
      e->data = n->content;
      e->data_len = e->size = n->content_len;
      snprintf (path, sizeof path, _("private-use DO %d"), i + 1);
      err = map_set_text (&e->label, path);
    }
  for (i = 0; !err && i < 3; i++)
    {
      snprintf (path, sizeof path, "%02X", holder[i].tag);
      n = image_find_child (app, path);
      if (!n || !n->has_content || !n->content_len)
        continue;
      err = map_add_entry (c->map, MAP_KIND_HOLDER, n, &e);
      if (err)
        break;
      e->src_app = MAP_APP_OPENPGP;
      e->src_slot.app = MAP_APP_OPENPGP;
      e->src_slot.id = holder[i].tag;
      e->data = n->content;
      e->data_len = e->size = n->content_len;
      err = map_set_text (&e->label, _(holder[i].label));
    }
  return err;
}

/* ---- PIV -------------------------------------------------------------- */

static map_purpose_t
map_src_piv_purpose (unsigned ref)
{
  switch (ref)
    {
    case 0x9A: return MAP_PURPOSE_AUTH;
    case 0x9C: return MAP_PURPOSE_SIGN;
    case 0x9D: return MAP_PURPOSE_DECRYPT;
    case 0x9E: return MAP_PURPOSE_CARDAUTH;
    default: return MAP_PURPOSE_RETIRED;
    }
}

/* The slot's name in SP 800-73-4 (written to cards: not translated). */
static const char *
map_src_piv_label (unsigned ref, char *buf, size_t size)
{
  switch (ref)
    {
    case 0x9A: return "PIV Authentication key";
    case 0x9C: return "Digital Signature key";
    case 0x9D: return "Key Management key";
    case 0x9E: return "Card Authentication key";
    default:
      snprintf (buf, size, "Retired Key Management key %u", ref - 0x81);
      return buf;
    }
}

static gpg_error_t
map_src_piv (map_src_t *c, const image_node_t *app)
{
  gpg_error_t err = 0;
  const image_node_t *n;
  map_entry_t *e;
  unsigned ref;
  char comp[40];
  static const unsigned refs[] = {
    0x9A, 0x9C, 0x9D, 0x9E, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8A, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95
  };
  size_t i;

  c->map->src_apps[c->map->n_src_apps++] = MAP_APP_PIV;
  for (i = 0; !err && i < DIM (refs); i++)
    {
      ref = refs[i];
      snprintf (comp, sizeof comp, "key-%02X", ref);
      n = image_find_child (app, comp);
      if (n && n->type == IMAGE_NODE_KEY)
        {
          err = map_add_entry (c->map, MAP_KIND_KEY, n, &e);
          if (err)
            break;
          e->src_app = MAP_APP_PIV;
          e->src_slot.app = MAP_APP_PIV;
          e->src_slot.id = ref;
          e->purpose = map_src_piv_purpose (ref);
          snprintf (e->id, sizeof e->id, "PIV-%02X", ref);
          map_src_key_common (e, n);
          err = map_set_text (&e->label, map_src_piv_label (ref, comp,
                                                              sizeof comp));
          if (err)
            break;
        }
      snprintf (comp, sizeof comp, "%06X", piv_cert_tag (ref));
      n = image_find_child (app, comp);
      if (!n || !n->has_content || !n->content_len)
        continue;
      err = map_add_entry (c->map, MAP_KIND_CERT, n, &e);
      if (err)
        break;
      e->src_app = MAP_APP_PIV;
      e->src_slot.app = MAP_APP_PIV;
      e->src_slot.id = ref;
      snprintf (e->id, sizeof e->id, "PIV-%02X", ref);
      if (map_x509_from_piv (n->content, n->content_len, &e->data,
                             &e->data_len))
        {
          e->data = NULL;
          e->data_len = 0;
        }
      e->size = e->data_len;
    }
  /* Everything else of the application (not the management key, not
   * what the token defines itself): PIV card data. */
  for (n = app->first_child; !err && n; n = n->next)
    {
      if (n->type != IMAGE_NODE_DO || n->tag == 0x7E)
        continue;
      {
        char *path = image_node_path (n);
        int known;
        if (!path)
          return gpg_error_from_syserror ();
        known = map_find (c->map, path);
        xfree (path);
        if (known >= 0)
          continue;
      }
      if (n->tag >= 0x5FC10D && n->tag <= 0x5FC120)
        continue;             /* a certificate object: done above */
      err = map_add_entry (c->map, MAP_KIND_OTHER, n, &e);
      if (!err)
        {
          e->src_app = MAP_APP_PIV;
          e->src_slot.app = MAP_APP_PIV;
        }
    }
  return err;
}

gpg_error_t
map_source_scan (map_t *map, const image_t *src)
{
  gpg_error_t err = 0;
  map_src_t *c;
  const image_node_t *top;

  c = xtrycalloc (1, sizeof *c);
  if (!c)
    return gpg_error_from_syserror ();
  c->map = map;
  c->image = src;
  for (top = src->root.first_child; top; top = top->next)
    if (top->type == IMAGE_NODE_MF)
      c->mf = top;
  if (c->mf)
    {
      err = map_src_pkcs15 (c);
      if (!err)
        err = map_src_other_files (c, c->mf);
    }
  for (top = src->root.first_child; !err && top; top = top->next)
    {
      if (top->type != IMAGE_NODE_APPLET || !top->name)
        continue;
      if (!strcmp (top->name, "openpgp"))
        err = map_src_openpgp (c, top);
      else if (!strcmp (top->name, "piv"))
        err = map_src_piv (c, top);
    }
  xfree (c);
  return err;
}
