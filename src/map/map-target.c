/* map-target.c - what a target token can take, read from its image
 *
 * OpenPGP card (3.4, 4.4.3.7 and 4.4.3.11): extended capabilities C0 say
 * whether keys can be imported (byte 1 bit 6), whether private-use DOs
 * exist (bit 4) and the maximum lengths of a certificate (bytes 5-6) and
 * of the special DOs (bytes 7-8); algorithm information FA lists the
 * attributes each slot takes (some tokens answer it without the outer FA
 * tag); without FA the current attributes C1..C3 and, if they can be
 * changed (bit 3), the algorithms of the card's version.
 *
 * PIV: tokens that answer YubiKey's GET VERSION import keys (IMPORT KEY
 * FE). Reading the target of a mapped restore, the PIV agent records on
 * the applet (image_node_piv_caps) the retired key slots the token has
 * (GET METADATA) and the algorithms it takes (its version and the keys
 * GET METADATA reports). An applet without them means 20 retired slots
 * and RSA 2048, P-256, P-384.
 *
 * File system: an MF with no DF and only erased EFs is blank and takes a
 * new PKCS#15 structure; keys can be imported into it only on our
 * emulator (ISO 7816 defines no key import for file-system cards). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "map/map-int.h"

static const uint8_t oid_p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01,
                                    0x07 };
static const uint8_t oid_p384[] = { 0x2B, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_p521[] = { 0x2B, 0x81, 0x04, 0x00, 0x23 };
static const uint8_t oid_ed25519[] = { 0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA,
                                       0x47, 0x0F, 0x01 };
static const uint8_t oid_cv25519[] = { 0x2B, 0x06, 0x01, 0x04, 0x01, 0x97,
                                       0x55, 0x01, 0x05, 0x01 };

/* The algorithm of OpenPGP attributes A[0..N), 0 if unknown. */
static unsigned
map_target_pgp_attr (const uint8_t *a, size_t n)
{
  size_t olen;

  if (n >= 3 && a[0] == 0x01)
    {
      unsigned bits = get_be16 (a + 1);
      return bits == 1024 ? MAP_ALG_RSA1024 : bits == 2048 ? MAP_ALG_RSA2048
        : bits == 3072 ? MAP_ALG_RSA3072 : bits == 4096 ? MAP_ALG_RSA4096 : 0;
    }
  if (n < 2 || (a[0] != 0x12 && a[0] != 0x13 && a[0] != 0x16))
    return 0;
  olen = n - 1;
  if (olen > 1 && (a[n - 1] == 0xFF || a[n - 1] == 0x00))
    olen--;                     /* import format byte */
  a++;
#define IS(o) (olen == sizeof o && !memcmp (a, o, olen))
  if (IS (oid_p256))
    return MAP_ALG_NISTP256;
  if (IS (oid_p384))
    return MAP_ALG_NISTP384;
  if (IS (oid_p521))
    return MAP_ALG_NISTP521;
  if (IS (oid_ed25519))
    return MAP_ALG_ED25519;
  if (IS (oid_cv25519))
    return MAP_ALG_CV25519;
#undef IS
  return 0;
}

static void
map_target_openpgp (const image_node_t *app, map_target_t *t)
{
  const image_node_t *c0, *fa, *aid, *attr;
  unsigned version = 0x0304;
  bool changeable = true;
  int i;

  t->openpgp = true;
  aid = image_find_child (app, "4F");
  if (aid && aid->content_len >= 8)
    version = get_be16 (aid->content + 6);
  c0 = image_find_child (app, "C0");
  if (c0 && c0->content_len >= 1)
    {
      const uint8_t *p = c0->content;
      t->openpgp_import = (p[0] & 0x20) != 0;
      changeable = (p[0] & 0x04) != 0;
      if (c0->content_len >= 6)
        t->openpgp_cert_max = get_be16 (p + 4);
      if (version >= 0x0300 && c0->content_len >= 8)
        t->openpgp_special_max = get_be16 (p + 6);
      else
        t->openpgp_special_max = 254;
      if (p[0] & 0x08)
        t->openpgp_private_max = t->openpgp_special_max
          ? t->openpgp_special_max : 254;
    }
  else
    {
      /* No capabilities read: what every 3.x card has. */
      t->openpgp_import = true;
      t->openpgp_cert_max = 1024;
      t->openpgp_special_max = 254;
    }

  fa = image_find_child (app, "FA");
  if (fa && fa->content_len)
    {
      const uint8_t *p = fa->content;
      size_t n = fa->content_len;
      tlv_t outer, t1;
      tlv_iter_t it;

      if (!tlv_parse (p, n, &outer, NULL) && outer.tag == 0xFA)
        p = outer.value, n = outer.len;
      tlv_iter_init (&it, p, n, TLV_SKIP_PADDING);
      while (!tlv_iter_next (&it, &t1))
        if (t1.tag >= 0xC1 && t1.tag <= 0xC3)
          t->openpgp_algs[t1.tag - 0xC1]
            |= map_target_pgp_attr (t1.value, t1.len);
    }
  for (i = 0; i < 3; i++)
    {
      char comp[4];
      snprintf (comp, sizeof comp, "C%d", i + 1);
      attr = image_find_child (app, comp);
      if (attr && attr->content_len)
        t->openpgp_algs[i] |= map_target_pgp_attr (attr->content,
                                                   attr->content_len);
    }
  if ((!fa || !fa->content_len) && changeable)
    {
      unsigned rsa = MAP_ALG_RSA2048 | MAP_ALG_RSA3072 | MAP_ALG_RSA4096;
      unsigned ecc = version >= 0x0300 ? MAP_ALG_NISTP256 | MAP_ALG_NISTP384
                                       : 0;
      t->openpgp_algs[0] |= rsa | ecc
        | (version >= 0x0300 ? MAP_ALG_ED25519 : 0);
      t->openpgp_algs[2] |= rsa | ecc
        | (version >= 0x0300 ? MAP_ALG_ED25519 : 0);
      t->openpgp_algs[1] |= rsa | ecc
        | (version >= 0x0300 ? MAP_ALG_CV25519 : 0);
    }
}

/* The algorithm names of the PIV agent's note. */
static unsigned
map_target_piv_alg (const char *name, size_t len)
{
  static const struct {
    const char *name;
    unsigned alg;
  } t[] = {
    { "rsa1024", MAP_ALG_RSA1024 }, { "rsa2048", MAP_ALG_RSA2048 },
    { "rsa3072", MAP_ALG_RSA3072 }, { "rsa4096", MAP_ALG_RSA4096 },
    { "eccp256", MAP_ALG_NISTP256 }, { "eccp384", MAP_ALG_NISTP384 },
    { "ed25519", MAP_ALG_ED25519 }, { "x25519", MAP_ALG_CV25519 }
  };
  size_t i;

  for (i = 0; i < DIM (t); i++)
    if (strlen (t[i].name) == len && !strncmp (t[i].name, name, len))
      return t[i].alg;
  return 0;
}

void
map_target_piv_set (map_target_t *t, int retired, const char *algs)
{
  /* What the PIV agent imports (IMPORT KEY FE algorithms 07, 11, 14). */
  const unsigned importable = MAP_ALG_RSA2048 | MAP_ALG_NISTP256
    | MAP_ALG_NISTP384;
  unsigned set = importable;

  t->piv_import = true;
  t->piv_retired = retired < 0 || retired > MAP_PIV_RETIRED_MAX
                   ? MAP_PIV_RETIRED_MAX : (unsigned)retired;
  if (algs)
    {
      const char *a = algs;
      set = 0;
      while (*a)
        {
          size_t l = strcspn (a, ",");
          set |= map_target_piv_alg (a, l);
          a += l;
          if (*a == ',')
            a++;
        }
    }
  t->piv_algs = set & importable;
}

bool
map_target_piv_caps (const image_node_t *app, map_target_t *t)
{
  unsigned retired;
  const char *algs = NULL;
  bool caps;

  if (!image_node_yubikey (app, NULL))
    return false;
  caps = image_node_piv_caps (app, &retired, &algs);
  map_target_piv_set (t, caps ? (int)retired : -1, caps ? algs : NULL);
  return true;
}

static void
map_target_piv (const image_node_t *app, map_target_t *t)
{
  t->piv = true;
  t->piv_retired = MAP_PIV_RETIRED_MAX;
  t->piv_cert_max = 2980;
  map_target_piv_caps (app, t);
}

static bool
map_target_fs_blank (const image_node_t *mf)
{
  const image_node_t *ch;
  size_t i;

  for (ch = mf->first_child; ch; ch = ch->next)
    {
      if (!image_node_is_ef (ch))
        return false;
      for (i = 0; ch->has_content && i < ch->content_len; i++)
        if (ch->content[i] != 0x00 && ch->content[i] != 0xFF)
          return false;
    }
  return true;
}

void
map_target_from_image (const image_t *dst, bool emulator, map_target_t *t)
{
  const image_node_t *top;

  map_target_init (t);
  if (dst->card.reader)
    snprintf (t->reader, sizeof t->reader, "%s", dst->card.reader);
  for (top = dst->root.first_child; top; top = top->next)
    {
      if (top->type == IMAGE_NODE_APPLET && top->name
          && !strcmp (top->name, "openpgp"))
        map_target_openpgp (top, t);
      else if (top->type == IMAGE_NODE_APPLET && top->name
               && !strcmp (top->name, "piv"))
        map_target_piv (top, t);
      else if (top->type == IMAGE_NODE_MF)
        {
          const image_node_t *ch;
          for (ch = top->first_child; ch; ch = ch->next)
            if (ch->type == IMAGE_NODE_DF && ch->has_fid
                && ch->fid == 0x5015)
              t->pkcs15_present = true;
          t->pkcs15 = map_target_fs_blank (top);
          t->same_fs = emulator;
          if (emulator)
            {
              t->pkcs15_import = true;
              t->pkcs15_algs = MAP_ALG_RSA | MAP_ALG_NISTP256
                | MAP_ALG_NISTP384;
              t->pkcs15_file_max = 65535;
            }
        }
    }
}
