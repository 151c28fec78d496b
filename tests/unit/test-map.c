/* test-map.c - the mapping planner (src/map), no card: every decision of
 * where an object goes (keys and certificates by purpose, retired slots,
 * algorithms, sizes, data objects, cardholder data, keys born on the old
 * card, objects of an application the target lacks), the user's choices
 * (map files, map_choose), the target description read from an image,
 * the image a mapped restore writes (PIV, OpenPGP, a PKCS#15 structure
 * read back by the source scanner), and the X.509 reader. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "tests/unit/cutest.h"
#include "common/util.h"
#include "common/tlv.h"
#include "common/hex.h"
#include "map/map.h"
#include "map/map-int.h"
#include "map/map-p15.h"
#include "agency/agent-apps.h"
#include "emu/emu.h"
#include "emu/emu-image.h"

/* ---- fixtures ---------------------------------------------------------- */

static buf_t key_rsa, key_p256, key_rsa_b;

static int
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

static int
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
static void
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

/* X.509 key usage bits. */
#define KU_DS 0x01
#define KU_NR 0x02
#define KU_KE 0x04

static image_node_t *
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
static image_node_t *
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

static void
mkapp (image_t *im, const char *name)
{
  image_node_t *n = mknode (im, name, IMAGE_NODE_APPLET, NULL, 0);
  CU_ASSERT (!image_node_set_agent (n, name));
}

/* A PIV certificate object around CERT. */
static image_node_t *
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
static void
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

static void
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

static void
fs_target (map_target_t *t)
{
  map_target_init (t);
  t->pkcs15 = true;
  t->pkcs15_import = true;
  t->same_fs = true;
  t->pkcs15_algs = MAP_ALG_RSA | MAP_ALG_NISTP256 | MAP_ALG_NISTP384;
  t->pkcs15_file_max = 65535;
}

static const map_entry_t *
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

static void
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

static bool
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

static buf_t certs[6];

/* Keys: 01 authentication (RSA, escrowed), 02 signature (P-256,
 * escrowed), 03 decryption (RSA, escrowed), 04 card authentication
 * (born on the card), 05 a second decryption key (escrowed); a CA
 * certificate; a public and a private data object. */
static image_t *
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

static void
free_certs (void)
{
  int i;
  for (i = 0; i < 6; i++)
    buf_free (&certs[i]);
}

/* ---- tests ------------------------------------------------------------- */

static void
test_names (void)
{
  map_slot_t s;
  char buf[MAP_SLOT_NAME_MAX];

  CU_ASSERT_EQUAL (map_alg_parse ("eccp256"), MAP_ALG_NISTP256);
  CU_ASSERT_EQUAL (map_alg_parse ("RSA3072"), MAP_ALG_RSA3072);
  CU_ASSERT_EQUAL (map_alg_parse ("x25519"), MAP_ALG_CV25519);
  CU_ASSERT_EQUAL (map_alg_parse ("dsa"), 0);
  CU_ASSERT_STRING_EQUAL (map_alg_name (MAP_ALG_NISTP384), "nistp384");
  CU_ASSERT (!map_slot_parse ("piv:9A", MAP_KIND_KEY, &s));
  CU_ASSERT (s.app == MAP_APP_PIV && s.id == 0x9A);
  CU_ASSERT (!map_slot_parse ("piv:95", MAP_KIND_CERT, &s) && s.id == 0x95);
  CU_ASSERT_EQUAL (gpg_err_code (map_slot_parse ("piv:96", MAP_KIND_KEY, &s)),
                   GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (map_slot_parse ("piv:9a", MAP_KIND_DATA,
                                                 &s)), GPG_ERR_INV_VALUE);
  CU_ASSERT (!map_slot_parse ("openpgp:aut", MAP_KIND_KEY, &s) && s.id == 3);
  CU_ASSERT (!map_slot_parse ("openpgp:0103", MAP_KIND_DATA, &s)
             && s.id == 0x0103);
  CU_ASSERT (map_slot_parse ("openpgp:0105", MAP_KIND_DATA, &s));
  CU_ASSERT (!map_slot_parse ("openpgp:login", MAP_KIND_HOLDER, &s)
             && s.id == MAP_HOLDER_LOGIN);
  CU_ASSERT (!map_slot_parse ("pkcs15:decrypt", MAP_KIND_KEY, &s)
             && s.app == MAP_APP_PKCS15 && s.id == MAP_PURPOSE_DECRYPT);
  CU_ASSERT (!map_slot_parse ("pkcs15:data", MAP_KIND_DATA, &s));
  CU_ASSERT (!map_slot_parse ("none", MAP_KIND_KEY, &s)
             && s.app == MAP_APP_NONE);
  CU_ASSERT (map_slot_parse ("yubikey:9a", MAP_KIND_KEY, &s));
  CU_ASSERT (map_slot_parse ("9a", MAP_KIND_KEY, &s));
  s.app = MAP_APP_OPENPGP;
  s.id = 2;
  map_slot_name (&s, MAP_KIND_CERT, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL (buf, "openpgp:dec");
  s.app = MAP_APP_PIV;
  s.id = 0x83;
  map_slot_name (&s, MAP_KIND_KEY, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL (buf, "piv:83");
}

static void
test_x509 (void)
{
  buf_t c = BUF_INIT, der = BUF_INIT;
  map_x509_t x;
  char path[512];
  FILE *fp;
  size_t n;
  uint8_t tmp[4096];

  mkcert (&c, "Jane Doe", "jdoe", KU_DS | KU_NR, false, true);
  CU_ASSERT (!map_x509_parse (c.data, c.len, &x));
  CU_ASSERT_EQUAL (x.alg, MAP_ALG_NISTP256);
  CU_ASSERT_STRING_EQUAL (x.cn, "Jane Doe");
  CU_ASSERT_STRING_EQUAL (x.uid, "jdoe");
  CU_ASSERT (x.has_ku && (x.ku & MAP_KU_NON_REPUDIATION));
  CU_ASSERT_EQUAL (map_x509_purpose (&x), MAP_PURPOSE_SIGN);
  mkcert (&c, "enc", NULL, KU_KE, false, false);
  CU_ASSERT (!map_x509_parse (c.data, c.len, &x));
  CU_ASSERT_EQUAL (x.alg, MAP_ALG_RSA2048);
  CU_ASSERT_EQUAL (x.pub_len, 256);
  CU_ASSERT_EQUAL (map_x509_purpose (&x), MAP_PURPOSE_DECRYPT);
  mkcert (&c, "CA", NULL, -1, true, false);
  CU_ASSERT (!map_x509_parse (c.data, c.len, &x) && x.ca);
  CU_ASSERT_EQUAL (map_x509_purpose (&x), MAP_PURPOSE_NONE);
  /* Not a certificate. */
  CU_ASSERT (map_x509_parse ((const uint8_t *)"\x30\x03\x02\x01\x01", 5, &x));
  CU_ASSERT (map_x509_parse (c.data, c.len - 3, &x));
  /* The real certificate of the sample card (openssl made it). */
  snprintf (path, sizeof path, "%s/tests/cards/pkcs15/cert.der",
            cutest_srcdir ());
  fp = fopen (path, "rb");
  CU_ASSERT_FATAL (fp != NULL);
  n = fread (tmp, 1, sizeof tmp, fp);
  fclose (fp);
  CU_ASSERT (!map_x509_parse (tmp, n, &x));
  CU_ASSERT_EQUAL (x.alg, MAP_ALG_RSA2048);
  CU_ASSERT_STRING_EQUAL (x.cn, "vscemu test card");
  /* Inside a PIV object; a compressed one is refused. */
  buf_clear (&der);
  tlv_put (&der, 0x70, tmp, n);
  tlv_put_u8 (&der, 0x71, 0x00);
  {
    const uint8_t *p;
    size_t len;
    CU_ASSERT (!map_x509_from_piv (der.data, der.len, &p, &len));
    CU_ASSERT (len == n && !memcmp (p, tmp, n));
    buf_clear (&der);
    tlv_put (&der, 0x70, tmp, 10);
    tlv_put_u8 (&der, 0x71, 0x01);
    CU_ASSERT_EQUAL (gpg_err_code (map_x509_from_piv (der.data, der.len, &p,
                                                      &len)),
                     GPG_ERR_NOT_SUPPORTED);
  }
  buf_free (&c);
  buf_free (&der);
}

/* PKCS#15 -> PIV: by purpose, retired slots, CA certificate, data has
 * no place, the card-generated key stays behind with commands. */
static void
test_p15_to_piv (void)
{
  image_t *src = p15_source (true);
  map_target_t t;
  map_t *m = NULL;

  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "piv:9a");
  check_slot (m, "3F00/5015/key-02", "piv:9c");
  check_slot (m, "3F00/5015/key-03", "piv:9d");
  check_slot (m, "3F00/5015/key-05", "piv:82");   /* a second decryption */
  check_slot (m, "3F00/5015/3401", "piv:9a");     /* certificates follow */
  check_slot (m, "3F00/5015/3402", "piv:9c");
  check_slot (m, "3F00/5015/3405", "piv:82");
  /* The card authentication key was generated on the card. */
  check_slot (m, "3F00/5015/key-04", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-04", "generate a new key"));
  CU_ASSERT (entry (m, "3F00/5015/key-04")->howto != NULL);
  CU_ASSERT (strstr (entry (m, "3F00/5015/key-04")->howto,
                     "yubico-piv-tool -r 'Virtual PCD 00 01' -a generate "
                     "-s 9e") != NULL);
  check_slot (m, "3F00/5015/3404", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3404", "stays behind"));
  /* The CA certificate: a retired slot of its own. */
  check_slot (m, "3F00/5015/3406", "piv:83");
  /* PIV has no place for data objects. */
  check_slot (m, "3F00/5015/3201", "none");
  check_slot (m, "3F00/5015/3501", "none");
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/key-02")->purpose, MAP_PURPOSE_SIGN);
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/key-02")->alg, MAP_ALG_NISTP256);
  CU_ASSERT_EQUAL (map_count_mapped (m), 9);
  map_free (m);

  /* Without retired slots the second decryption key has no place. */
  t.piv_retired = 0;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-05", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-05", "piv:9d is taken by "
                         "3F00/5015/key-03"));
  check_slot (m, "3F00/5015/3406", "none");
  map_free (m);

  /* A token that cannot import keys: certificates do not move either. */
  piv_target (&t);
  t.piv_import = false;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-01", "cannot import keys"));
  check_slot (m, "3F00/5015/3401", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3401", "its key has no place"));
  map_free (m);
  image_free (src);
  free_certs ();
}

/* Algorithms: a key goes only where the target takes its algorithm. */
static void
test_algorithms (void)
{
  image_t *src = p15_source (false);
  map_target_t t;
  map_t *m = NULL;

  piv_target (&t);
  t.piv_algs = MAP_ALG_RSA2048;         /* no ECC */
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-02", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-02", "piv:9c takes rsa2048, "
                         "not nistp256"));
  check_slot (m, "3F00/5015/3402", "none");
  check_slot (m, "3F00/5015/key-01", "piv:9a");
  map_free (m);

  /* With an OpenPGP application as well, the P-256 key goes there. */
  {
    map_target_t p;
    pgp_target (&p, true);
    t.openpgp = true;
    t.openpgp_import = true;
    memcpy (t.openpgp_algs, p.openpgp_algs, sizeof t.openpgp_algs);
    t.openpgp_cert_max = 2048;
    t.openpgp_private_max = 255;
    t.openpgp_special_max = 255;
  }
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-02", "openpgp:sig");
  check_slot (m, "3F00/5015/3402", "openpgp:sig");
  /* ... and the data objects to the private-use DOs. */
  check_slot (m, "3F00/5015/3201", "openpgp:0101");
  check_slot (m, "3F00/5015/3501", "openpgp:0103");
  map_free (m);

  /* An unknown algorithm never moves. */
  {
    image_node_t *k = image_find_path (src, "3F00/5015/key-01");
    image_keyinfo_t ki;
    memset (&ki, 0, sizeof ki);
    ki.algorithm = (char *)"dsa1024";
    image_node_set_keyinfo (k, &ki);
  }
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  /* (the PrKDF's modulus length still says RSA 2048) */
  check_slot (m, "3F00/5015/key-01", "piv:9a");
  map_free (m);
  image_free (src);
  free_certs ();
}

/* OpenPGP card as the target: slots by purpose, certificates of keys
 * only, private-use DOs with their size limit, cardholder data from the
 * certificate only when asked. */
static void
test_p15_to_openpgp (void)
{
  image_t *src = p15_source (true);
  map_target_t t;
  map_t *m = NULL;
  map_opts_t o;
  const map_entry_t *e;
  int i;

  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "openpgp:aut");
  check_slot (m, "3F00/5015/key-02", "openpgp:sig");
  check_slot (m, "3F00/5015/key-03", "openpgp:dec");
  check_slot (m, "3F00/5015/key-05", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-05", "openpgp:dec is taken"));
  check_slot (m, "3F00/5015/3401", "openpgp:aut");
  check_slot (m, "3F00/5015/3406", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3406", "only the certificates of "
                         "its three keys"));
  CU_ASSERT (strstr (entry (m, "3F00/5015/key-04")->howto, "gpg --card-edit")
             != NULL);
  check_slot (m, "3F00/5015/3201", "openpgp:0101");
  check_slot (m, "3F00/5015/3501", "openpgp:0103");
  /* No cardholder entries unless asked. */
  for (i = 0; i < (int)m->n; i++)
    CU_ASSERT (m->e[i].kind != MAP_KIND_HOLDER);
  map_free (m);

  /* Asked: name and login from the authentication certificate. */
  memset (&o, 0, sizeof o);
  o.holder = true;
  CU_ASSERT_FATAL (!map_plan (src, &t, &o, NULL, &m));
  e = NULL;
  for (i = 0; i < (int)m->n; i++)
    if (m->e[i].kind == MAP_KIND_HOLDER && m->e[i].src_slot.id == 0x5B)
      e = &m->e[i];
  CU_ASSERT_FATAL (e != NULL);
  CU_ASSERT_STRING_EQUAL ((const char *)e->value, "Doe<<Jane");
  CU_ASSERT (e->slot.app == MAP_APP_OPENPGP && e->slot.id == 0x5B);
  e = NULL;
  for (i = 0; i < (int)m->n; i++)
    if (m->e[i].kind == MAP_KIND_HOLDER && m->e[i].src_slot.id == 0x5E)
      e = &m->e[i];
  CU_ASSERT_FATAL (e != NULL);
  CU_ASSERT_STRING_EQUAL ((const char *)e->value, "jdoe");
  map_free (m);

  /* No private-use DOs (CanoKey); a name longer than the token takes. */
  pgp_target (&t, false);
  t.openpgp_name_max = 5;
  CU_ASSERT_FATAL (!map_plan (src, &t, &o, NULL, &m));
  check_slot (m, "3F00/5015/3201", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3201", "no private-use DOs"));
  for (i = 0; i < (int)m->n; i++)
    if (m->e[i].kind == MAP_KIND_HOLDER && m->e[i].src_slot.id == 0x5B)
      {
        CU_ASSERT (m->e[i].slot.app == MAP_APP_NONE);
        CU_ASSERT (m->e[i].reason && strstr (m->e[i].reason,
                                             "9 bytes; this token takes 5"));
      }
  map_free (m);

  /* Too big for the private-use DOs. */
  pgp_target (&t, true);
  t.openpgp_private_max = 10;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/3201", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3201", "11 bytes; this token's "
                         "private-use DOs hold 10"));
  /* Certificates larger than the token takes. */
  map_free (m);
  t.openpgp_cert_max = 100;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "openpgp:aut");
  check_slot (m, "3F00/5015/3401", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3401", "this token's certificates "
                         "hold 100"));
  map_free (m);
  image_free (src);
  free_certs ();
}

/* An OpenPGP token's identity: onto PIV, onto itself, both ways on a
 * token with both applications. */
static image_t *
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

static void
test_openpgp_piv (void)
{
  image_t *src = pgp_source ();
  map_target_t t;
  map_t *m = NULL;
  map_opts_t o;

  /* OpenPGP -> PIV. */
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/key-sig", "piv:9c");
  check_slot (m, "openpgp/7F21/B6", "piv:9c");
  check_slot (m, "openpgp/key-dec", "piv:9d");
  check_slot (m, "openpgp/key-aut", "none");
  CU_ASSERT (reason_has (m, "openpgp/key-aut", "generated on the old card"));
  CU_ASSERT (strstr (entry (m, "openpgp/key-aut")->howto, "-s 9a") != NULL);
  check_slot (m, "openpgp/0101", "none");
  check_slot (m, "openpgp/5B", "none");
  CU_ASSERT (reason_has (m, "openpgp/5B", "only OpenPGP cards hold "
                         "cardholder data"));
  map_free (m);

  /* OpenPGP -> OpenPGP: everything stays. */
  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/key-sig", "openpgp:sig");
  CU_ASSERT (entry (m, "openpgp/key-sig")->stays);
  check_slot (m, "openpgp/0103", "openpgp:0103");
  check_slot (m, "openpgp/5B", "openpgp:name");
  CU_ASSERT (entry (m, "openpgp/5B")->stays);
  map_free (m);

  /* A token whose capabilities announce no private-use DOs (CanoKey
   * has a DO 0102 that is no private-use DO): the OpenPGP objects stay
   * and its agent decides. */
  pgp_target (&t, false);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/0101", "openpgp:0101");
  CU_ASSERT (entry (m, "openpgp/0101")->stays);
  CU_ASSERT (reason_has (m, "openpgp/0101", "application decides"));
  map_free (m);
  pgp_target (&t, true);

  /* A token with both: by default they stay; "prefer piv" moves them. */
  t.piv = true;
  t.piv_import = true;
  t.piv_algs = MAP_ALG_RSA2048 | MAP_ALG_NISTP256;
  t.piv_retired = 2;
  t.piv_cert_max = 2980;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/key-sig", "openpgp:sig");
  map_free (m);
  memset (&o, 0, sizeof o);
  o.prefer = MAP_APP_PIV;
  CU_ASSERT_FATAL (!map_plan (src, &t, &o, NULL, &m));
  check_slot (m, "openpgp/key-sig", "piv:9c");
  check_slot (m, "openpgp/key-dec", "piv:9d");
  check_slot (m, "openpgp/7F21/B6", "piv:9c");
  /* Data has no place on PIV: it stays on OpenPGP. */
  check_slot (m, "openpgp/0101", "openpgp:0101");
  map_free (m);
  image_free (src);
}

static image_t *
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

static void
test_piv_to_others (void)
{
  image_t *src = piv_source ();
  map_target_t t;
  map_t *m = NULL;

  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-9A", "openpgp:aut");
  check_slot (m, "piv/5FC105", "openpgp:aut");
  check_slot (m, "piv/key-9C", "openpgp:sig");
  check_slot (m, "piv/5FC10A", "openpgp:sig");
  check_slot (m, "piv/key-9D", "none");
  CU_ASSERT (strstr (entry (m, "piv/key-9D")->howto, "key 2") != NULL);
  /* 9E would be aut, taken by 9A; the retired key goes to dec (free,
   * since 9D was born on the card). */
  check_slot (m, "piv/key-9E", "none");
  CU_ASSERT (reason_has (m, "piv/key-9E", "openpgp:aut is taken by "
                         "piv/key-9A"));
  check_slot (m, "piv/key-82", "openpgp:dec");
  check_slot (m, "piv/5FC102", "none");
  CU_ASSERT (reason_has (m, "piv/5FC102", "PIV card data"));
  CU_ASSERT (map_find (m, "piv/key-9B") < 0);   /* the management key */
  map_free (m);

  /* PIV -> blank file system: a PKCS#15 structure, every key by
   * purpose. */
  fs_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-9A", "pkcs15:auth");
  check_slot (m, "piv/key-9C", "pkcs15:sign");
  check_slot (m, "piv/key-9E", "pkcs15:cardauth");
  check_slot (m, "piv/key-82", "pkcs15:retired");
  check_slot (m, "piv/5FC105", "pkcs15:auth");
  CU_ASSERT (strstr (entry (m, "piv/key-9D")->howto, "vsctool keygen")
             != NULL);
  map_free (m);

  /* PIV -> PIV: stays, card data included. */
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-9A", "piv:9a");
  CU_ASSERT (entry (m, "piv/key-9A")->stays);
  CU_ASSERT (entry (m, "piv/5FC102")->stays);
  /* The certificate of a key born on the card is copied as before. */
  map_free (m);
  image_free (src);
}

/* A file-system card onto another file-system card (our emulator):
 * keys stay in their own files; onto a token with applications the file
 * system is not used unless preferred. */
static void
test_fs_targets (void)
{
  image_t *src = p15_source (false);
  map_target_t t;
  map_t *m = NULL;
  map_opts_t o;

  fs_target (&t);
  t.pkcs15 = false;             /* not blank, but the same model */
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "pkcs15:auth");
  CU_ASSERT (entry (m, "3F00/5015/key-01")->stays);
  check_slot (m, "3F00/5015/3201", "pkcs15:data");
  map_free (m);

  /* A token with PIV and a file system (the emulator has one). */
  fs_target (&t);
  t.piv = true;
  t.piv_import = true;
  t.piv_algs = MAP_ALG_RSA2048 | MAP_ALG_NISTP256;
  t.piv_retired = 20;
  t.piv_cert_max = 2980;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "piv:9a");
  map_free (m);
  memset (&o, 0, sizeof o);
  o.prefer = MAP_APP_PKCS15;
  CU_ASSERT_FATAL (!map_plan (src, &t, &o, NULL, &m));
  check_slot (m, "3F00/5015/key-01", "pkcs15:auth");
  map_free (m);

  /* Other files of a file system: nowhere but a file system. */
  {
    image_node_t *x = mknode (src, "3F00/7000/7001",
                              IMAGE_NODE_EF_TRANSPARENT, "abc", 3);
    (void)x;
  }
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/7000/7001", "none");
  CU_ASSERT (reason_has (m, "3F00/7000/7001", "file system"));
  CU_ASSERT_EQUAL (entry (m, "3F00/7000/7001")->kind, MAP_KIND_OTHER);
  map_free (m);
  fs_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  CU_ASSERT (entry (m, "3F00/7000/7001")->stays);
  map_free (m);
  image_free (src);
  free_certs ();
}

/* The sample card (tests/cards/pkcs15.card, DER written by
 * mkpkcs15.py): its key and certificate are found as the pkcs15 agent
 * records them. */
static void
test_sample_card (void)
{
  emu_card_t *card = NULL;
  image_t *im = NULL;
  char path[512];
  map_target_t t;
  map_t *m = NULL;

  snprintf (path, sizeof path, "%s/tests/cards/pkcs15.card",
            cutest_srcdir ());
  CU_ASSERT_FATAL (!emu_card_load (path, &card));
  CU_ASSERT_FATAL (!image_new (&im));
  CU_ASSERT_FATAL (!emu_image_sync (card, im));
  mkkey (im, "3F00/5015/key-45", "rsa2048", &key_rsa);
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (im, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-45", "piv:9a");  /* decrypt + sign */
  CU_ASSERT_STRING_EQUAL (entry (m, "3F00/5015/key-45")->label,
                          "Signing key");
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/key-45")->key_ref, 1);
  CU_ASSERT (entry (m, "3F00/5015/key-45")->file
             == image_find_path (im, "3F00/5015/4B01"));
  check_slot (m, "3F00/5015/4301", "piv:9a");
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/4301")->key,
                   map_find (m, "3F00/5015/key-45"));
  /* Files no directory names are "other"; the public key file is not. */
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/4F01")->kind, MAP_KIND_OTHER);
  CU_ASSERT_EQUAL (entry (m, "3F00/7000/7001")->kind, MAP_KIND_OTHER);
  CU_ASSERT (map_find (m, "3F00/5015/4501") < 0);
  CU_ASSERT (map_find (m, "3F00/5015/5031") < 0);
  map_free (m);
  image_free (im);
  emu_card_free (card);
}

/* Map files and the user's choices. */
static void
test_map_file (void)
{
  static const char good[] =
    "# my mapping\r\n"
    "prefer piv\n"
    "holder yes   # and the name\n"
    "\n"
    "3F00/5015/key-01   piv:83\n"
    "/3F00/5015/key-03  none\n"
    "3F00/5015/3201     auto\n";
  map_choices_t *ch = NULL;
  image_t *src = p15_source (false);
  map_target_t t;
  map_t *m = NULL;
  char *text = NULL;
  struct { const char *text; const char *msg; } bad[] = {
    { "a b c\n", "1: expected two words" },
    { "prefer yubikey\n", "prefer takes" },
    { "holder maybe\n", "holder takes" },
    { "keys piv:9a\n", "is not a path" },
    { "3F00/5015/key-01 piv:9x\n", "is not a place" },
    { "x/y piv:9a\n\nx/y none\n", "3: x/y is given twice (also line 1)" },
  };
  size_t i;

  CU_ASSERT_FATAL (!map_choices_parse (good, sizeof good - 1, &ch));
  CU_ASSERT_EQUAL (ch->n, 3);
  CU_ASSERT (ch->has_prefer && ch->opts.prefer == MAP_APP_PIV);
  CU_ASSERT (ch->has_holder && ch->opts.holder);
  CU_ASSERT_STRING_EQUAL (ch->c[1].src, "3F00/5015/key-03");
  CU_ASSERT_EQUAL (ch->c[1].line, 6);
  CU_ASSERT (ch->c[2].automatic);
  for (i = 0; i < DIM (bad); i++)
    {
      map_choices_t *x = NULL;
      CU_ASSERT_EQUAL (gpg_err_code (map_choices_parse (bad[i].text,
                                                        strlen (bad[i].text),
                                                        &x)),
                       GPG_ERR_INV_DATA);
      CU_ASSERT (x == NULL);
      if (!strstr (map_error_text (), bad[i].msg))
        fprintf (stderr, "'%s' -> '%s'\n", bad[i].text, map_error_text ());
      CU_ASSERT (strstr (map_error_text (), bad[i].msg) != NULL);
    }

  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, ch, &m));
  check_slot (m, "3F00/5015/key-01", "piv:83");
  CU_ASSERT (entry (m, "3F00/5015/key-01")->fixed);
  check_slot (m, "3F00/5015/3401", "piv:83");     /* follows its key */
  check_slot (m, "3F00/5015/key-03", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-03", "map file"));
  /* 9A is free now: nothing else is an authentication key. */
  CU_ASSERT_EQUAL (m->opts.prefer, MAP_APP_PIV);

  /* Printed, parsed back, planned again: the same mapping. */
  CU_ASSERT_FATAL (!map_format (m, &text));
  if (getenv ("TEST_MAP_SHOW"))
    fputs (text, stderr);
  CU_ASSERT (strstr (text, "3F00/5015/key-01") != NULL);
  CU_ASSERT (strstr (text, "piv:83") != NULL);
  CU_ASSERT (strstr (text, "#     yubico-piv-tool") != NULL);
  CU_ASSERT (strstr (text, "prefer piv\n") != NULL);
  {
    map_choices_t *ch2 = NULL;
    map_t *m2 = NULL;
    size_t k;
    CU_ASSERT_FATAL (!map_choices_parse (text, strlen (text), &ch2));
    CU_ASSERT_FATAL (!map_plan (src, &t, NULL, ch2, &m2));
    CU_ASSERT_EQUAL (m2->n, m->n);
    for (k = 0; k < m->n && k < m2->n; k++)
      {
        CU_ASSERT_STRING_EQUAL (m->e[k].src, m2->e[k].src);
        CU_ASSERT (m->e[k].slot.app == m2->e[k].slot.app
                   && m->e[k].slot.id == m2->e[k].slot.id);
      }
    map_free (m2);
    map_choices_free (ch2);
  }
  xfree (text);
  map_free (m);
  map_choices_free (ch);

  /* Choices that cannot be: unknown path, wrong kind, algorithm. */
  {
    static const char *const wrong[] = {
      "3F00/5015/key-99 piv:9a\n",
      "3F00/5015/3201 piv:9a\n",
      "3F00/5015/key-02 openpgp:sig\n",
      "3F00/5015/key-01 piv:95\n",
    };
    static const char *const why[] = {
      "is not an object the mapping moves", "cannot go to piv:9a",
      "this token has no OpenPGP", "this token has 2 retired key slots",
    };
    t.piv_retired = 2;
    for (i = 0; i < DIM (wrong); i++)
      {
        CU_ASSERT_FATAL (!map_choices_parse (wrong[i], strlen (wrong[i]),
                                             &ch));
        CU_ASSERT (map_plan (src, &t, NULL, ch, &m) != 0);
        CU_ASSERT (m == NULL);
        if (!strstr (map_error_text (), why[i]))
          fprintf (stderr, "%s -> %s\n", wrong[i], map_error_text ());
        CU_ASSERT (strstr (map_error_text (), why[i]) != NULL);
        map_choices_free (ch);
      }
  }
  image_free (src);
  free_certs ();
}

static void
test_choose (void)
{
  image_t *src = p15_source (false);
  map_target_t t;
  map_t *m = NULL;
  map_slot_t s, cand[32];
  size_t n, i;
  int k1 = -1, k3;
  bool has_none = false, has_9a = false, has_pgp = false;

  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  k3 = map_find (m, "3F00/5015/key-03");
  k1 = map_find (m, "3F00/5015/key-01");
  /* Put the decryption key into 9A: the authentication key that was
   * planned there has to go (no other slot for it). */
  s.app = MAP_APP_PIV;
  s.id = 0x9A;
  CU_ASSERT (!map_choose (m, src, (size_t)k3, &s));
  check_slot (m, "3F00/5015/key-03", "piv:9a");
  check_slot (m, "3F00/5015/3403", "piv:9a");
  check_slot (m, "3F00/5015/key-01", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/key-01", "piv:9a is taken by "
                         "3F00/5015/key-03"));
  /* The second decryption key gets 9D now. */
  check_slot (m, "3F00/5015/key-05", "piv:9d");
  /* Refused: an algorithm the slot does not take; nothing changes. */
  t.piv_algs = MAP_ALG_RSA2048;
  m->target.piv_algs = MAP_ALG_RSA2048;
  s.id = 0x9C;
  CU_ASSERT_EQUAL (gpg_err_code (map_choose (m, src,
                                              (size_t)map_find
                                              (m, "3F00/5015/key-02"), &s)),
                   GPG_ERR_INV_VALUE);
  CU_ASSERT (strstr (map_error_text (), "not nistp256") != NULL);
  check_slot (m, "3F00/5015/key-03", "piv:9a");
  /* Candidates for the authentication key: PIV slots, none last; 9A
   * is the user's choice for another key, so it is not offered. */
  map_candidates (m, (size_t)k1, cand, DIM (cand), &n);
  for (i = 0; i < n; i++)
    {
      if (cand[i].app == MAP_APP_NONE)
        has_none = i == n - 1;
      if (cand[i].app == MAP_APP_PIV && cand[i].id == 0x9A)
        has_9a = true;
      if (cand[i].app == MAP_APP_OPENPGP)
        has_pgp = true;
    }
  CU_ASSERT (has_none && !has_9a && !has_pgp);
  CU_ASSERT (n == 1 + 3 + 20);
  /* Leave it behind. */
  s.app = MAP_APP_NONE;
  CU_ASSERT (!map_choose (m, src, (size_t)k3, &s));
  check_slot (m, "3F00/5015/key-03", "none");
  check_slot (m, "3F00/5015/key-01", "piv:9a");
  map_free (m);
  image_free (src);
  free_certs ();
}

/* The target's description from its image. */
static void
test_target_from_image (void)
{
  image_t *im = NULL;
  map_target_t t;
  /* CanoKey: C0 without private DOs, FA without its outer tag. */
  static const uint8_t c0_ck[] = { 0x74, 0x00, 0x05, 0x3C, 0x04, 0x80, 0x00,
                                   0xFF, 0x00, 0x00 };
  static const uint8_t fa_ck[] = {
    0xC1, 0x06, 0x01, 0x08, 0x00, 0x00, 0x20, 0x02,
    0xC1, 0x09, 0x13, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07,
    0xC1, 0x0A, 0x16, 0x2B, 0x06, 0x01, 0x04, 0x01, 0xDA, 0x47, 0x0F, 0x01,
    0xC2, 0x0B, 0x12, 0x2B, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05,
    0x01,
    0xC3, 0x06, 0x01, 0x10, 0x00, 0x00, 0x20, 0x02
  };
  static const uint8_t c0_pd[] = { 0x7D, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00,
                                   0xFF, 0x00, 0x00 };
  static const uint8_t aid[] = { 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01, 0x03,
                                 0x04, 0xF1, 0xD0, 0, 0, 0, 1, 0, 0 };
  image_node_t *n;

  CU_ASSERT_FATAL (!image_new (&im));
  mkapp (im, "openpgp");
  mknode (im, "openpgp/4F", IMAGE_NODE_DO, aid, sizeof aid);
  mknode (im, "openpgp/C0", IMAGE_NODE_DO, c0_ck, sizeof c0_ck);
  mknode (im, "openpgp/FA", IMAGE_NODE_DO, fa_ck, sizeof fa_ck);
  mkapp (im, "piv");
  n = image_find_path (im, "piv");
  image_node_set_note (n, "yubikey-compatible 5.7.0");
  mknode (im, "3F00", IMAGE_NODE_MF, NULL, 0);
  map_target_from_image (im, true, &t);
  CU_ASSERT (t.openpgp && t.openpgp_import);
  CU_ASSERT_EQUAL (t.openpgp_private_max, 0);
  CU_ASSERT_EQUAL (t.openpgp_cert_max, 1152);
  CU_ASSERT_EQUAL (t.openpgp_special_max, 255);
  CU_ASSERT_EQUAL (t.openpgp_algs[0], MAP_ALG_RSA2048 | MAP_ALG_NISTP256
                   | MAP_ALG_ED25519);
  CU_ASSERT_EQUAL (t.openpgp_algs[1], MAP_ALG_CV25519);
  CU_ASSERT_EQUAL (t.openpgp_algs[2], MAP_ALG_RSA4096);
  CU_ASSERT (t.piv && t.piv_import && t.piv_retired == 20);
  CU_ASSERT (t.piv_algs & MAP_ALG_NISTP256);
  CU_ASSERT (t.pkcs15 && t.pkcs15_import);      /* an empty MF */
  image_free (im);

  /* vscemu's OpenPGP: FA with its tag, private DOs; a PIV applet that
   * imports nothing; no MF. */
  CU_ASSERT_FATAL (!image_new (&im));
  mkapp (im, "openpgp");
  {
    buf_t fa = BUF_INIT;
    tlv_put (&fa, 0xFA, fa_ck, sizeof fa_ck);
    mknode (im, "openpgp/FA", IMAGE_NODE_DO, fa.data, fa.len);
    buf_free (&fa);
  }
  mknode (im, "openpgp/C0", IMAGE_NODE_DO, c0_pd, sizeof c0_pd);
  mkapp (im, "piv");
  map_target_from_image (im, false, &t);
  CU_ASSERT_EQUAL (t.openpgp_private_max, 255);
  CU_ASSERT_EQUAL (t.openpgp_algs[1], MAP_ALG_CV25519);
  CU_ASSERT (t.piv && !t.piv_import);
  CU_ASSERT (!t.pkcs15);
  image_free (im);

  /* No FA, attributes changeable: the card version's algorithms. */
  CU_ASSERT_FATAL (!image_new (&im));
  mkapp (im, "openpgp");
  mknode (im, "openpgp/C0", IMAGE_NODE_DO, c0_pd, sizeof c0_pd);
  mknode (im, "openpgp/C1", IMAGE_NODE_DO, "\x01\x08\x00\x00\x20\x00", 6);
  mknode (im, "3F00/2F00", IMAGE_NODE_EF_TRANSPARENT, "\x61\x00", 2);
  map_target_from_image (im, true, &t);
  CU_ASSERT (t.openpgp_algs[0] & MAP_ALG_ED25519);
  CU_ASSERT (t.openpgp_algs[1] & MAP_ALG_CV25519);
  CU_ASSERT (!(t.openpgp_algs[1] & MAP_ALG_ED25519));
  CU_ASSERT (!t.pkcs15);        /* the MF holds a file */
  image_free (im);
}

/* The image a mapped restore writes. */
static void
test_apply_piv_openpgp (void)
{
  image_t *src = p15_source (false), *dst = NULL, *out = NULL;
  map_target_t t;
  map_t *m = NULL;
  image_node_t *n;
  const uint8_t *cert;
  size_t len;
  static const uint8_t atr[] = { 0x3B, 0x01, 0x02 };

  CU_ASSERT_FATAL (!image_new (&dst));
  image_set_atr (dst, atr, sizeof atr);
  image_add_agent (dst, "piv");
  mkapp (dst, "piv");
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  CU_ASSERT_FATAL (!map_apply (m, src, dst, &out));
  /* Identity of the target; nothing of the file system. */
  CU_ASSERT (out->card.atr_len == 3 && out->card.atr[1] == 0x01);
  CU_ASSERT (image_find_path (out, "3F00") == NULL);
  n = image_find_path (out, "piv/key-9C");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->type == IMAGE_NODE_KEY);
  CU_ASSERT (n->content_len == key_p256.len
             && !memcmp (n->content, key_p256.data, key_p256.len));
  CU_ASSERT_STRING_EQUAL (n->key.algorithm, "eccp256");
  CU_ASSERT (image_node_effective_area (n) == IMAGE_AREA_SECRET_KEY);
  CU_ASSERT_STRING_EQUAL (image_find_path (out, "piv/key-9A")->key.algorithm,
                          "rsa2048");
  n = image_find_path (out, "piv/5FC10A");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (!map_x509_from_piv (n->content, n->content_len, &cert, &len));
  CU_ASSERT (len == certs[1].len && !memcmp (cert, certs[1].data, len));
  CU_ASSERT (image_find_path (out, "piv/5FC101") == NULL);   /* 9E: none */
  CU_ASSERT (image_find_path (out, "piv/key-82") != NULL);
  CU_ASSERT (image_find_path (out, "piv/5FC10D") != NULL);
  CU_ASSERT_STRING_EQUAL (image_find_path (out, "piv")->agent, "piv");
  image_free (out);
  map_free (m);

  /* OpenPGP. */
  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  CU_ASSERT_FATAL (!map_apply (m, src, dst, &out));
  n = image_find_path (out, "openpgp/key-sig");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT_STRING_EQUAL (n->key.algorithm, "nistp256");
  CU_ASSERT_STRING_EQUAL (n->key.usage, "sign");
  CU_ASSERT (n->key.created != NULL);
  n = image_find_path (out, "openpgp/7F21/B6");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->content_len == certs[1].len);
  CU_ASSERT (image_find_path (out, "openpgp/7F21/A4") != NULL);
  n = image_find_path (out, "openpgp/0103");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->content_len == 12 && !memcmp (n->content, "private note", 12));
  CU_ASSERT (image_node_effective_area (n) == IMAGE_AREA_PRIVATE);
  image_free (out);
  map_free (m);
  image_free (dst);
  image_free (src);
  free_certs ();
}

/* OpenPGP -> PIV on a token with both: the OpenPGP application keeps
 * the rest, the moved keys are gone from it. */
static void
test_apply_moves (void)
{
  image_t *src = pgp_source (), *dst = NULL, *out = NULL;
  map_target_t t;
  map_t *m = NULL;
  map_opts_t o;

  CU_ASSERT_FATAL (!image_new (&dst));
  pgp_target (&t, true);
  t.piv = true;
  t.piv_import = true;
  t.piv_algs = MAP_ALG_RSA2048 | MAP_ALG_NISTP256;
  t.piv_retired = 20;
  t.piv_cert_max = 2980;
  memset (&o, 0, sizeof o);
  o.prefer = MAP_APP_PIV;
  CU_ASSERT_FATAL (!map_plan (src, &t, &o, NULL, &m));
  CU_ASSERT_FATAL (!map_apply (m, src, dst, &out));
  CU_ASSERT (image_find_path (out, "piv/key-9C") != NULL);
  CU_ASSERT (image_find_path (out, "piv/key-9D") != NULL);
  CU_ASSERT (image_find_path (out, "piv/5FC10A") != NULL);
  CU_ASSERT (image_find_path (out, "openpgp/key-sig") == NULL);
  CU_ASSERT (image_find_path (out, "openpgp/7F21/B6") == NULL);
  CU_ASSERT (image_find_path (out, "openpgp/key-aut") == NULL);
  CU_ASSERT (image_find_path (out, "openpgp/5B") != NULL);
  CU_ASSERT (image_find_path (out, "openpgp/0101") != NULL);
  CU_ASSERT (image_find_path (out, "openpgp/C4") != NULL);
  image_free (out);
  map_free (m);
  image_free (dst);
  image_free (src);
}

/* PIV -> blank file system: the PKCS#15 structure, read back by the
 * source scanner (keys, purposes, certificates, the public key file). */
static void
test_apply_pkcs15 (void)
{
  image_t *src = piv_source (), *dst = NULL, *out = NULL;
  map_target_t t;
  map_t *m = NULL, *back = NULL;
  image_node_t *n;
  buf_t pub = BUF_INIT;
  tlv_t seq;

  CU_ASSERT_FATAL (!image_new (&dst));
  mknode (dst, "3F00", IMAGE_NODE_MF, NULL, 0);
  fs_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  CU_ASSERT_FATAL (!map_apply (m, src, dst, &out));
  CU_ASSERT (image_find_path (out, "piv") == NULL);
  n = image_find_path (out, "3F00/5015");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->aid_len == 12);
  CU_ASSERT (n->fcp_len > 0);
  CU_ASSERT (image_find_path (out, "3F00/2F00") != NULL);
  CU_ASSERT (image_find_path (out, "3F00/5015/5031") != NULL);
  CU_ASSERT (image_find_path (out, "3F00/5015/4402") != NULL);
  CU_ASSERT (image_find_path (out, "3F00/5015/4405") == NULL);  /* no data */
  n = image_find_path (out, "3F00/5015/key-01");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->has_fid && n->fid == 0x3001);
  CU_ASSERT (n->content_len == key_rsa.len);
  CU_ASSERT (n->fcp && n->fcp_len > 4 && n->fcp[4] == 0x09);
  /* The public key file: RSAPublicKey with the key's modulus. */
  n = image_find_path (out, "3F00/5015/3301");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (!tlv_parse (n->content, n->content_len, &seq, NULL)
             && seq.tag == 0x30);
  CU_ASSERT (!agent_keys_param (key_rsa.data, key_rsa.len, "n", 0, &pub));
  CU_ASSERT (n->content_len > pub.len
             && memmem (n->content, n->content_len, pub.data, pub.len));
  /* EC: SubjectPublicKeyInfo. */
  n = image_find_path (out, "3F00/5015/3302");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->content[0] == 0x30 && memmem (n->content, n->content_len,
                                              "\x2A\x86\x48\xCE\x3D\x03\x01"
                                              "\x07", 8));
  /* Read back: the scanner finds the keys with their purposes and the
   * certificates with their keys. */
  {
    map_target_t pt;
    piv_target (&pt);
    CU_ASSERT_FATAL (!map_plan (out, &pt, NULL, NULL, &back));
  }
  CU_ASSERT_EQUAL (entry (back, "3F00/5015/key-01")->purpose,
                   MAP_PURPOSE_AUTH);
  CU_ASSERT_EQUAL (entry (back, "3F00/5015/key-02")->purpose,
                   MAP_PURPOSE_SIGN);
  CU_ASSERT_EQUAL (entry (back, "3F00/5015/key-04")->purpose,
                   MAP_PURPOSE_CARDAUTH);
  /* (a retired key is a decryption key on a PKCS#15 card) */
  CU_ASSERT_EQUAL (entry (back, "3F00/5015/key-05")->purpose,
                   MAP_PURPOSE_DECRYPT);
  CU_ASSERT_EQUAL (entry (back, "3F00/5015/key-02")->alg, MAP_ALG_NISTP256);
  CU_ASSERT_EQUAL (entry (back, "3F00/5015/key-01")->key_ref, 1);
  check_slot (back, "3F00/5015/key-01", "piv:9a");
  check_slot (back, "3F00/5015/3401", "piv:9a");
  check_slot (back, "3F00/5015/3402", "piv:9c");
  /* No "other" entries: every file is part of the structure. */
  {
    size_t i;
    for (i = 0; i < back->n; i++)
      CU_ASSERT (back->e[i].kind != MAP_KIND_OTHER);
  }
  map_free (back);
  buf_free (&pub);
  image_free (out);
  map_free (m);
  image_free (dst);
  image_free (src);
}

/* A PKCS#15 key that stays on a file-system card goes into its file. */
static void
test_apply_stays_fs (void)
{
  emu_card_t *card = NULL;
  image_t *im = NULL, *dst = NULL, *out = NULL;
  char path[512];
  map_target_t t;
  map_t *m = NULL;
  image_node_t *k;

  snprintf (path, sizeof path, "%s/tests/cards/pkcs15.card",
            cutest_srcdir ());
  CU_ASSERT_FATAL (!emu_card_load (path, &card));
  CU_ASSERT_FATAL (!image_new (&im));
  CU_ASSERT_FATAL (!emu_image_sync (card, im));
  mkkey (im, "3F00/5015/key-45", "rsa2048", &key_rsa);
  CU_ASSERT_FATAL (!image_new (&dst));
  mknode (dst, "3F00", IMAGE_NODE_MF, NULL, 0);
  fs_target (&t);
  CU_ASSERT_FATAL (!map_plan (im, &t, NULL, NULL, &m));
  CU_ASSERT (entry (m, "3F00/5015/key-45")->stays);
  CU_ASSERT_FATAL (!map_apply (m, im, dst, &out));
  k = image_find_path (out, "3F00/5015/key-45");
  CU_ASSERT_FATAL (k != NULL);
  CU_ASSERT (k->has_fid && k->fid == 0x4B01);
  CU_ASSERT (image_find_path (out, "3F00/5015/4B01") == NULL);
  CU_ASSERT (image_find_path (out, "3F00/5015/4301") != NULL);
  CU_ASSERT (image_find_path (out, "3F00/7000/7001") != NULL);
  image_free (out);
  map_free (m);
  image_free (dst);
  image_free (im);
  emu_card_free (card);
}

/* The remaining decisions: choices for data and cardholder fields, a
 * token that imports no keys on OpenPGP, an unknown algorithm, sizes of
 * file-system targets, a compressed PIV certificate, a CA certificate
 * onto a file system, the URL from a certificate. */
static void
test_more_decisions (void)
{
  image_t *src = pgp_source ();
  map_target_t t;
  map_t *m = NULL;
  map_choices_t *ch = NULL;
  static const char choices[] =
    "openpgp/0101 openpgp:0104\n"
    "openpgp/5B none\n";

  /* Data and cardholder choices. */
  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_choices_parse (choices, sizeof choices - 1, &ch));
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, ch, &m));
  check_slot (m, "openpgp/0101", "openpgp:0104");
  CU_ASSERT (!entry (m, "openpgp/0101")->stays);
  check_slot (m, "openpgp/5B", "none");
  /* 0103 is planned around the choice (0104 is taken). */
  check_slot (m, "openpgp/0103", "openpgp:0103");
  map_free (m);
  map_choices_free (ch);
  {
    static const char bad[] = "openpgp/0101 openpgp:sig\n";
    CU_ASSERT_FATAL (!map_choices_parse (bad, sizeof bad - 1, &ch));
    CU_ASSERT (map_plan (src, &t, NULL, ch, &m));
    CU_ASSERT (strstr (map_error_text (), "1: openpgp/0101 is a data "
                       "object and cannot go to openpgp:sig") != NULL);
    map_choices_free (ch);
  }

  /* An OpenPGP application that imports no keys: a PIV target would
   * take the key; with none, it stays (its agent reports it). */
  t.openpgp_import = false;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/key-sig", "openpgp:sig");
  CU_ASSERT (reason_has (m, "openpgp/key-sig", "application decides"));
  map_free (m);
  piv_target (&t);
  t.piv_import = false;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/key-sig", "none");
  CU_ASSERT (reason_has (m, "openpgp/key-sig", "cannot import keys"));
  map_free (m);

  /* An algorithm nobody knows. */
  {
    image_node_t *k = image_find_path (src, "openpgp/key-dec");
    image_keyinfo_t ki;
    memset (&ki, 0, sizeof ki);
    ki.algorithm = (char *)"elgamal";
    image_node_set_keyinfo (k, &ki);
  }
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "openpgp/key-dec", "none");
  CU_ASSERT (reason_has (m, "openpgp/key-dec", "algorithm is not known"));
  map_free (m);
  image_free (src);

  /* File-system sizes; a CA certificate onto a file system. */
  src = p15_source (true);
  fs_target (&t);
  t.same_fs = false;
  t.pkcs15_file_max = 11;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/3201", "pkcs15:data");         /* 11 bytes */
  check_slot (m, "3F00/5015/3501", "none");                /* 12 */
  CU_ASSERT (reason_has (m, "3F00/5015/3501", "12 bytes; this card's "
                         "files hold 11"));
  check_slot (m, "3F00/5015/3406", "none");
  CU_ASSERT (reason_has (m, "3F00/5015/3406", "certificates hold 11"));
  map_free (m);
  t.pkcs15_file_max = 65535;
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/3406", "pkcs15:auth");
  map_free (m);
  image_free (src);
  free_certs ();

  /* A compressed PIV certificate cannot be read, so it does not move. */
  src = piv_source ();
  {
    image_node_t *c = image_find_path (src, "piv/5FC105");
    uint8_t z[] = { 0x70, 0x03, 0x1F, 0x8B, 0x08, 0x71, 0x01, 0x01 };
    image_node_set_content (c, z, sizeof z);
  }
  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-9A", "openpgp:aut");
  check_slot (m, "piv/5FC105", "none");
  CU_ASSERT (reason_has (m, "piv/5FC105", "stored compressed"));
  map_free (m);
  image_free (src);

  /* The URL from a certificate's subject alternative name. */
  {
    image_t *im = NULL;
    buf_t c = BUF_INIT;
    map_opts_t o;
    size_t i;
    const map_entry_t *u = NULL;
    static const uint8_t san[] = {
      /* 30 { 06 55 1D 11, 04 { 30 { 86 "https://ex.org/j" } } } */
      0x30, 0x1D, 0x06, 0x03, 0x55, 0x1D, 0x11, 0x04, 0x16, 0x30, 0x14,
      0x86, 0x12, 'h', 't', 't', 'p', 's', ':', '/', '/', 'e', 'x', '.',
      'o', 'r', 'g', '/', 'j', 'a', 'n'
    };
    mkcert (&c, "Jane Doe", NULL, KU_DS, false, true);
    /* Put the extension into the certificate: rebuild with A3. */
    {
      tlv_t cert, tbs;
      buf_t nb = BUF_INIT, nt = BUF_INIT;
      size_t m1, m2, m3;
      CU_ASSERT_FATAL (!tlv_parse (c.data, c.len, &cert, NULL));
      CU_ASSERT_FATAL (!tlv_parse (cert.value, cert.len, &tbs, NULL));
      /* tbs without its A3, then A3 { 30 { KU ext, SAN ext } } */
      {
        tlv_iter_t it;
        tlv_t x, a3 = { 0 }, exts;
        tlv_begin (&nt, 0x30, &m1);
        tlv_iter_init (&it, tbs.value, tbs.len, 0);
        while (!tlv_iter_next (&it, &x))
          if (x.tag == 0xA3)
            a3 = x;
          else
            buf_append (&nt, x.raw, x.raw_len);
        tlv_begin (&nt, 0xA3, &m2);
        tlv_begin (&nt, 0x30, &m3);
        if (a3.len && !tlv_parse (a3.value, a3.len, &exts, NULL))
          buf_append (&nt, exts.value, exts.len);
        buf_append (&nt, san, sizeof san);
        tlv_end (&nt, m3);
        tlv_end (&nt, m2);
        tlv_end (&nt, m1);
      }
      tlv_begin (&nb, 0x30, &m1);
      buf_append (&nb, nt.data, nt.len);
      buf_append (&nb, tbs.raw + tbs.raw_len,
                  cert.len - (size_t)(tbs.raw + tbs.raw_len - cert.value));
      tlv_end (&nb, m1);
      buf_set (&c, nb.data, nb.len);
      buf_free (&nb);
      buf_free (&nt);
    }
    CU_ASSERT_FATAL (!image_new (&im));
    mkapp (im, "piv");
    mkkey (im, "piv/key-9C", "eccp256", &key_p256);
    mkpivcert (im, "piv/5FC10A", &c);
    pgp_target (&t, true);
    memset (&o, 0, sizeof o);
    o.holder = true;
    CU_ASSERT_FATAL (!map_plan (im, &t, &o, NULL, &m));
    for (i = 0; i < m->n; i++)
      if (m->e[i].kind == MAP_KIND_HOLDER
          && m->e[i].src_slot.id == MAP_HOLDER_URL)
        u = &m->e[i];
    CU_ASSERT_FATAL (u != NULL);
    CU_ASSERT_STRING_EQUAL ((const char *)u->value, "https://ex.org/jan");
    CU_ASSERT (u->slot.app == MAP_APP_OPENPGP
               && u->slot.id == MAP_HOLDER_URL);
    map_free (m);
    image_free (im);
    buf_free (&c);
  }
}

static const cutest_t tests[] = {
  CUTEST (test_names),
  CUTEST (test_x509),
  CUTEST (test_p15_to_piv),
  CUTEST (test_algorithms),
  CUTEST (test_p15_to_openpgp),
  CUTEST (test_openpgp_piv),
  CUTEST (test_piv_to_others),
  CUTEST (test_fs_targets),
  CUTEST (test_sample_card),
  CUTEST (test_map_file),
  CUTEST (test_choose),
  CUTEST (test_target_from_image),
  CUTEST (test_apply_piv_openpgp),
  CUTEST (test_apply_moves),
  CUTEST (test_apply_pkcs15),
  CUTEST (test_apply_stays_fs),
  CUTEST (test_more_decisions),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("map", tests, suite_init, suite_cleanup);
}
