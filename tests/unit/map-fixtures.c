/* map-fixtures.c - the planner tests' fixtures (tests/unit/test-map.c,
 * test-map-apply.c): keys, certificates made by hand, images of PKCS#15,
 * OpenPGP and PIV sources, targets by hand, and checks of a map's
 * entries. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "tests/unit/cutest.h"
#include "tests/unit/map-fixtures.h"
#include "common/util.h"
#include "common/tlv.h"
#include "map/map-int.h"
#include "map/map-p15.h"
#include "agency/agent-apps.h"

/* ---- fixtures ---------------------------------------------------------- */

buf_t key_rsa, key_p256, key_rsa_b;

int
suite_init (void)
{
  buf_init_secure (&key_rsa);
  buf_init_secure (&key_rsa_b);
  buf_init_secure (&key_p256);
  if (agent_keys_generate (agent_keys_algo ("rsa2048"), &key_rsa)
      || agent_keys_generate (agent_keys_algo ("rsa2048"), &key_rsa_b)
      || agent_keys_generate (agent_keys_algo ("nistp256"), &key_p256))
    return 1;
  return 0;
}

int
suite_cleanup (void)
{
  buf_free (&key_rsa);
  buf_free (&key_rsa_b);
  buf_free (&key_p256);
  return 0;
}

static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_uid[] = { 0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C,
                                   0x64, 0x01, 0x01 };

static void
put_rdn (buf_t *b, const uint8_t *oid, size_t n, const char *v)
{
  size_t m1, m2;
  tlv_begin (b, 0x31, &m1);
  tlv_begin (b, 0x30, &m2);
  tlv_put (b, 0x06, oid, n);
  tlv_put (b, 0x0C, v, strlen (v));
  tlv_end (b, m2);
  tlv_end (b, m1);
}

/* A certificate good enough for the mapping (no valid signature):
 * subject CN (and UID), key usage bits KU (RFC 5280 order, -1 none),
 * basicConstraints cA, an RSA-2048 or P-256 public key. */
void
mkcert (buf_t *b, const char *cn, const char *uid, int ku, bool ca, bool ec)
{
  size_t mc, mt, m, m2, m3;
  (void)0;
  static const uint8_t alg[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01,
                                 0x01, 0x0B };
  static const uint8_t rsa[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01,
                                 0x01, 0x01 };
  static const uint8_t ecpk[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01 };
  static const uint8_t p256[] = { 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01,
                                  0x07 };
  uint8_t mod[257], pt[65], two = 2, one = 1, yes = 0xFF;
  uint8_t e3[3] = { 1, 0, 1 };

  memset (mod, 0xC3, sizeof mod);
  mod[0] = 0;
  memset (pt, 0x11, sizeof pt);
  pt[0] = 4;
  buf_clear (b);
  tlv_begin (b, 0x30, &mc);
  tlv_begin (b, 0x30, &mt);
  tlv_begin (b, 0xA0, &m);
  tlv_put (b, 0x02, &two, 1);
  tlv_end (b, m);
  tlv_put (b, 0x02, &one, 1);
  tlv_begin (b, 0x30, &m);
  tlv_put (b, 0x06, alg, sizeof alg);
  tlv_end (b, m);
  tlv_begin (b, 0x30, &m);
  put_rdn (b, oid_cn, sizeof oid_cn, "Test CA");
  tlv_end (b, m);
  tlv_begin (b, 0x30, &m);
  tlv_put (b, 0x17, "240101000000Z", 13);
  tlv_put (b, 0x17, "340101000000Z", 13);
  tlv_end (b, m);
  tlv_begin (b, 0x30, &m);
  put_rdn (b, oid_cn, sizeof oid_cn, cn);
  if (uid)
    put_rdn (b, oid_uid, sizeof oid_uid, uid);
  tlv_end (b, m);
  tlv_begin (b, 0x30, &m);
  tlv_begin (b, 0x30, &m2);
  if (ec)
    {
      tlv_put (b, 0x06, ecpk, sizeof ecpk);
      tlv_put (b, 0x06, p256, sizeof p256);
    }
  else
    tlv_put (b, 0x06, rsa, sizeof rsa);
  tlv_end (b, m2);
  tlv_begin (b, 0x03, &m2);
  buf_append_byte (b, 0);
  if (ec)
    buf_append (b, pt, sizeof pt);
  else
    {
      tlv_begin (b, 0x30, &m3);
      tlv_put (b, 0x02, mod, sizeof mod);
      tlv_put (b, 0x02, e3, 3);
      tlv_end (b, m3);
    }
  tlv_end (b, m2);
  tlv_end (b, m);
  if (ku >= 0 || ca)
    {
      size_t mx, me, mv;
      tlv_begin (b, 0xA3, &mx);
      tlv_begin (b, 0x30, &me);
      if (ku >= 0)
        {
          static const uint8_t oid_ku[] = { 0x55, 0x1D, 0x0F };
          uint8_t bits[4] = { 0x03, 0x02, 0x00, 0x00 };  /* BIT STRING */
          int i;
          for (i = 0; i < 8; i++)
            if (ku & (1 << i))
              bits[3] |= (uint8_t)(0x80 >> i);
          tlv_begin (b, 0x30, &m);
          tlv_put (b, 0x06, oid_ku, sizeof oid_ku);
          tlv_put (b, 0x01, &yes, 1);
          tlv_put (b, 0x04, bits, sizeof bits);
          tlv_end (b, m);
        }
      if (ca)
        {
          static const uint8_t oid_bc[] = { 0x55, 0x1D, 0x13 };
          tlv_begin (b, 0x30, &m);
          tlv_put (b, 0x06, oid_bc, sizeof oid_bc);
          tlv_begin (b, 0x04, &mv);
          tlv_begin (b, 0x30, &m2);
          tlv_put (b, 0x01, &yes, 1);
          tlv_end (b, m2);
          tlv_end (b, mv);
          tlv_end (b, m);
        }
      tlv_end (b, me);
      tlv_end (b, mx);
    }
  tlv_end (b, mt);
  tlv_begin (b, 0x30, &m);
  tlv_put (b, 0x06, alg, sizeof alg);
  tlv_end (b, m);
  tlv_put (b, 0x03, "\x00\x01\x02", 3);
  tlv_end (b, mc);
}


image_node_t *
mknode (image_t *im, const char *path, image_type_t type, const void *p,
        size_t n)
{
  image_node_t *node = NULL;
  CU_ASSERT_FATAL (!image_make_path (im, path, type, IMAGE_SRC_USER, &node));
  if (p)
    CU_ASSERT_FATAL (!image_node_set_content (node, p, n));
  return node;
}

/* A key node: escrowed (content KEY) or born on the card (KEY NULL). */
image_node_t *
mkkey (image_t *im, const char *path, const char *alg, const buf_t *key)
{
  image_node_t *n = mknode (im, path, IMAGE_NODE_KEY,
                            key ? key->data : NULL, key ? key->len : 0);
  image_keyinfo_t ki;
  memset (&ki, 0, sizeof ki);
  ki.algorithm = (char *)alg;
  ki.created = (char *)"2024-05-01T12:00:00Z";
  CU_ASSERT (!image_node_set_keyinfo (n, &ki));
  n->area = IMAGE_AREA_SECRET_KEY;
  if (!key)
    n->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
  return n;
}

void
mkapp (image_t *im, const char *name)
{
  image_node_t *n = mknode (im, name, IMAGE_NODE_APPLET, NULL, 0);
  CU_ASSERT (!image_node_set_agent (n, name));
}

/* A PIV certificate object around CERT. */
image_node_t *
mkpivcert (image_t *im, const char *path, const buf_t *cert)
{
  buf_t b = BUF_INIT;
  image_node_t *n;
  tlv_put (&b, 0x70, cert->data, cert->len);
  tlv_put_u8 (&b, 0x71, 0);
  tlv_put (&b, 0xFE, NULL, 0);
  n = mknode (im, path, IMAGE_NODE_DO, b.data, b.len);
  buf_free (&b);
  return n;
}

/* Targets. */
void
piv_target (map_target_t *t)
{
  map_target_init (t);
  t->piv = true;
  t->piv_import = true;
  t->piv_algs = MAP_ALG_RSA2048 | MAP_ALG_NISTP256 | MAP_ALG_NISTP384;
  t->piv_retired = 20;
  t->piv_cert_max = 2980;
  snprintf (t->reader, sizeof t->reader, "Virtual PCD 00 01");
}

void
pgp_target (map_target_t *t, bool private_dos)
{
  int i;
  map_target_init (t);
  t->openpgp = true;
  t->openpgp_import = true;
  for (i = 0; i < 3; i++)
    t->openpgp_algs[i] = MAP_ALG_RSA2048 | MAP_ALG_RSA3072 | MAP_ALG_RSA4096
      | MAP_ALG_NISTP256 | MAP_ALG_NISTP384;
  t->openpgp_cert_max = 2048;
  t->openpgp_special_max = 255;
  t->openpgp_private_max = private_dos ? 255 : 0;
}

void
fs_target (map_target_t *t)
{
  map_target_init (t);
  t->pkcs15 = true;
  t->pkcs15_import = true;
  t->same_fs = true;
  t->pkcs15_algs = MAP_ALG_RSA | MAP_ALG_NISTP256 | MAP_ALG_NISTP384;
  t->pkcs15_file_max = 65535;
}

const map_entry_t *
entry (const map_t *m, const char *path)
{
  int i = map_find (m, path);
  CU_ASSERT (i >= 0);
  if (i < 0)
    {
      fprintf (stderr, "no entry %s\n", path);
      return &m->e[0];
    }
  return &m->e[i];
}

void
check_slot (const map_t *m, const char *path, const char *want)
{
  char name[MAP_SLOT_NAME_MAX];
  const map_entry_t *e = entry (m, path);
  map_slot_name (&e->slot, e->kind, name, sizeof name);
  if (strcmp (name, want))
    fprintf (stderr, "%s: %s, expected %s (%s)\n", path, name, want,
             e->reason ? e->reason : "");
  CU_ASSERT_STRING_EQUAL (name, want);
}

bool
reason_has (const map_t *m, const char *path, const char *text)
{
  const map_entry_t *e = entry (m, path);
  bool ok = e->reason && strstr (e->reason, text);
  if (!ok)
    fprintf (stderr, "%s: reason \"%s\" lacks \"%s\"\n", path,
             e->reason ? e->reason : "(none)", text);
  return ok;
}

/* ---- a PKCS#15 source built with the encoder -------------------------- */

buf_t certs[6];

/* Keys: 01 authentication (RSA, escrowed), 02 signature (P-256,
 * escrowed), 03 decryption (RSA, escrowed), 04 card authentication
 * (born on the card), 05 a second decryption key (escrowed); a CA
 * certificate; a public and a private data object. */
image_t *
p15_source (bool with_ca)
{
  image_t *im = NULL;
  map_p15_obj_t o[9];
  map_p15_layout_t l;
  size_t n = 0;
  static const char *const cns[6] = { "Jane Doe", "Jane Doe (sign)",
                                      "Jane Doe (enc)", "card", "old enc",
                                      "Issuing CA" };
  int i;

  CU_ASSERT_FATAL (!image_new (&im));
  for (i = 0; i < 6; i++)
    {
      buf_init (&certs[i]);
      mkcert (&certs[i], cns[i], i == 0 ? "jdoe" : NULL,
              i == 1 ? KU_DS | KU_NR : i == 2 || i == 4 ? KU_KE : KU_DS,
              i == 5, i == 1);
    }
  memset (o, 0, sizeof o);
#define KEY(ID, PURP, ALG, KEYBUF, CERTI, LABEL)                        \
  o[n].kind = MAP_KIND_KEY; o[n].id[0] = ID; o[n].id_len = 1;          \
  o[n].purpose = PURP; o[n].alg = ALG; o[n].key = (KEYBUF)->data;        \
  o[n].key_len = (KEYBUF)->len; o[n].cert = certs[CERTI].data;           \
  o[n].cert_len = certs[CERTI].len; o[n].label = LABEL; n++
  KEY (1, MAP_PURPOSE_AUTH, MAP_ALG_RSA2048, &key_rsa, 0, "Auth key");
  KEY (2, MAP_PURPOSE_SIGN, MAP_ALG_NISTP256, &key_p256, 1, "Sign key");
  KEY (3, MAP_PURPOSE_DECRYPT, MAP_ALG_RSA2048, &key_rsa_b, 2, "Enc key");
  KEY (4, MAP_PURPOSE_CARDAUTH, MAP_ALG_RSA2048, &key_rsa, 3,
       "Card Auth key");
  KEY (5, MAP_PURPOSE_DECRYPT, MAP_ALG_RSA2048, &key_rsa, 4, "Old enc key");
#undef KEY
  if (with_ca)
    {
      o[n].kind = MAP_KIND_CERT;
      o[n].id[0] = 0x50;
      o[n].id_len = 1;
      o[n].cert = certs[5].data;
      o[n].cert_len = certs[5].len;
      o[n].authority = true;
      o[n].label = "Issuing CA";
      n++;
    }
  o[n].kind = MAP_KIND_DATA;
  o[n].label = "notes";
  o[n].data = (const uint8_t *)"public note";
  o[n].data_len = 11;
  n++;
  o[n].kind = MAP_KIND_DATA;
  o[n].label = "secret";
  o[n].data = (const uint8_t *)"private note";
  o[n].data_len = 12;
  o[n].private_data = true;
  n++;
  memset (&l, 0, sizeof l);
  l.label = "source card";
  l.serial = "0102030405060708";
  l.objs = o;
  l.n = n;
  CU_ASSERT_FATAL (!map_p15_build (&l, im));
  /* As a backup records them: the key nodes carry no FID; key 04 was
   * generated on the card. */
  {
    static const char *const keys[5] = { "3F00/5015/key-01",
                                         "3F00/5015/key-02",
                                         "3F00/5015/key-03",
                                         "3F00/5015/key-04",
                                         "3F00/5015/key-05" };
    for (i = 0; i < 5; i++)
      {
        image_node_t *k = image_find_path (im, keys[i]);
        CU_ASSERT_FATAL (k != NULL);
        k->has_fid = false;
        if (i == 3)
          {
            image_node_clear_content (k);
            k->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
          }
      }
  }
  return im;
}

void
free_certs (void)
{
  int i;
  for (i = 0; i < 6; i++)
    buf_free (&certs[i]);
}


/* An OpenPGP token's identity: onto PIV, onto itself, both ways on a
 * token with both applications. */
image_t *
pgp_source (void)
{
  image_t *im = NULL;
  buf_t c = BUF_INIT;

  CU_ASSERT_FATAL (!image_new (&im));
  mkapp (im, "openpgp");
  mkkey (im, "openpgp/key-sig", "nistp256", &key_p256);
  mkkey (im, "openpgp/key-dec", "rsa2048", &key_rsa);
  mkkey (im, "openpgp/key-aut", "ed25519", NULL);        /* on the card */
  mkcert (&c, "Jane Doe", NULL, KU_DS | KU_NR, false, true);
  mknode (im, "openpgp/7F21", IMAGE_NODE_DO, "", 0);
  mknode (im, "openpgp/7F21/B6", IMAGE_NODE_DO, c.data, c.len);
  mknode (im, "openpgp/5B", IMAGE_NODE_DO, "Doe<<Jane", 9);
  mknode (im, "openpgp/5F50", IMAGE_NODE_DO, "https://example.org/j", 21);
  mknode (im, "openpgp/0101", IMAGE_NODE_DO, "pgp private 1", 13);
  mknode (im, "openpgp/0103", IMAGE_NODE_DO, "pgp private 3", 13);
  mknode (im, "openpgp/C4", IMAGE_NODE_DO, "\x00\x7F\x7F\x7F", 4);
  buf_free (&c);
  return im;
}

image_t *
piv_source (void)
{
  image_t *im = NULL;
  buf_t c = BUF_INIT;

  CU_ASSERT_FATAL (!image_new (&im));
  mkapp (im, "piv");
  mkkey (im, "piv/key-9A", "rsa2048", &key_rsa);
  mkkey (im, "piv/key-9C", "eccp256", &key_p256);
  mkkey (im, "piv/key-9D", "rsa2048", NULL);
  mkkey (im, "piv/key-9E", "eccp256", &key_p256);
  mkkey (im, "piv/key-82", "rsa2048", &key_rsa_b);
  mkkey (im, "piv/key-9B", "3des", &key_rsa_b);
  mkcert (&c, "Jane Doe", "jdoe", KU_DS, false, false);
  mkpivcert (im, "piv/5FC105", &c);
  mkcert (&c, "Jane Doe", NULL, KU_NR, false, true);
  mkpivcert (im, "piv/5FC10A", &c);
  mknode (im, "piv/5FC102", IMAGE_NODE_DO, "\x30\x19\xD4", 3);
  mknode (im, "piv/5FC107", IMAGE_NODE_DO, "\xF0\x15", 2);
  buf_free (&c);
  return im;
}
