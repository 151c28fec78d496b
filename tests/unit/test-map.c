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
#include "tests/unit/map-fixtures.h"
#include "common/util.h"
#include "common/tlv.h"
#include "common/hex.h"
#include "map/map.h"
#include "map/map-int.h"
#include "map/map-p15.h"
#include "agency/agent-apps.h"
#include "emu/emu.h"
#include "emu/emu-image.h"


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

/* An escrowed card-authentication key goes to PIV 9E with its
 * certificate; onto OpenPGP (no such slot) it has no place. */
static void
test_cardauth (void)
{
  image_t *src = p15_source (false);
  image_node_t *k = image_find_path (src, "3F00/5015/key-04");
  map_target_t t;
  map_t *m = NULL;

  CU_ASSERT_FATAL (k != NULL);
  CU_ASSERT_FATAL (!image_node_set_content (k, key_rsa.data, key_rsa.len));
  k->flags &= ~IMAGE_FLAG_NOT_EXTRACTABLE;
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/key-04")->purpose,
                   MAP_PURPOSE_CARDAUTH);
  check_slot (m, "3F00/5015/key-04", "piv:9e");
  check_slot (m, "3F00/5015/3404", "piv:9e");
  CU_ASSERT (entry (m, "3F00/5015/key-04")->howto == NULL);
  map_free (m);
  pgp_target (&t, true);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "3F00/5015/key-04", "none");
  CU_ASSERT (entry (m, "3F00/5015/key-04")->reason != NULL);
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
      if (!strstr (errctx_text (), bad[i].msg))
        fprintf (stderr, "'%s' -> '%s'\n", bad[i].text, errctx_text ());
      CU_ASSERT (strstr (errctx_text (), bad[i].msg) != NULL);
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
        if (!strstr (errctx_text (), why[i]))
          fprintf (stderr, "%s -> %s\n", wrong[i], errctx_text ());
        CU_ASSERT (strstr (errctx_text (), why[i]) != NULL);
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
  CU_ASSERT (strstr (errctx_text (), "not nistp256") != NULL);
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
    CU_ASSERT (strstr (errctx_text (), "1: openpgp/0101 is a data "
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


/* What the PIV agent records on a YubiKey-compatible token's applet:
 * retired key slots and algorithms (GET METADATA, version), and the
 * applets of older VSCs without them (the fixed set). */
static void
test_piv_note (void)
{
  map_target_t t;
  image_t *im = NULL;

  map_target_init (&t);
  CU_ASSERT_FATAL (!image_new (&im));
  mkapp (im, "piv");
  CU_ASSERT (!map_target_piv_caps (NULL, &t));
  CU_ASSERT (!map_target_piv_caps (image_find_path (im, "piv"), &t));
  CU_ASSERT (!t.piv_import);

  /* Without the facts (a VSC made before): 20 slots and what the agent
   * imports. */
  map_target_init (&t);
  map_target_piv_set (&t, -1, NULL);
  CU_ASSERT (t.piv_import);
  CU_ASSERT_EQUAL (t.piv_retired, 20);
  CU_ASSERT_EQUAL (t.piv_algs, MAP_ALG_RSA2048 | MAP_ALG_NISTP256
                   | MAP_ALG_NISTP384);

  /* CanoKey: two retired slots; RSA 3072/4096 and Ed25519 are the
   * token's, but the agent does not import them. */
  map_target_init (&t);
  map_target_piv_set (&t, 2, "rsa2048,rsa3072,rsa4096,eccp256,eccp384,"
                      "ed25519,x25519");
  CU_ASSERT_EQUAL (t.piv_retired, 2);
  CU_ASSERT_EQUAL (t.piv_algs, MAP_ALG_RSA2048 | MAP_ALG_NISTP256
                   | MAP_ALG_NISTP384);

  /* An older token: no P-384, no retired slots. */
  map_target_init (&t);
  map_target_piv_set (&t, 0, "rsa1024,rsa2048,eccp256");
  CU_ASSERT_EQUAL (t.piv_retired, 0);
  CU_ASSERT_EQUAL (t.piv_algs, MAP_ALG_RSA2048 | MAP_ALG_NISTP256);
  /* Only RSA: no ECC at all; an unknown name counts for nothing; more
   * slots than PIV has count as 20. */
  map_target_init (&t);
  map_target_piv_set (&t, 99, "rsa2048,sm2");
  CU_ASSERT_EQUAL (t.piv_algs, MAP_ALG_RSA2048);
  CU_ASSERT_EQUAL (t.piv_retired, 20);

  /* From the target's image: the agent's typed state on the applet. */
  {
    static const uint8_t v570[3] = { 5, 7, 0 };
    image_node_t *app = image_find_path (im, "piv");
    image_node_set_yubikey (app, v570);
    CU_ASSERT (!image_node_set_piv_caps (app, 2, "rsa2048,eccp256"));
  }
  map_target_from_image (im, false, &t);
  CU_ASSERT (t.piv && t.piv_import);
  CU_ASSERT_EQUAL (t.piv_retired, 2);
  CU_ASSERT_EQUAL (t.piv_algs, MAP_ALG_RSA2048 | MAP_ALG_NISTP256);
  image_free (im);
}

/* The planner with what a token really has: a key goes only where the
 * algorithm fits; more keys and certificates than retired slots: "no
 * room" for the rest. */
static void
test_piv_room (void)
{
  image_t *src = piv_source ();
  map_target_t t;
  map_t *m = NULL;
  buf_t c = BUF_INIT;

  /* Three more retired keys with certificates, and a certificate of
   * its own in 90. */
  mkkey (src, "piv/key-83", "rsa2048", &key_rsa_b);
  mkkey (src, "piv/key-84", "rsa2048", &key_rsa_b);
  mkkey (src, "piv/key-85", "rsa2048", &key_rsa_b);
  mkcert (&c, "Old key 83", NULL, KU_KE, false, false);
  mkpivcert (src, "piv/5FC10E", &c);
  mkcert (&c, "Old key 84", NULL, KU_KE, false, false);
  mkpivcert (src, "piv/5FC10F", &c);
  mkcert (&c, "Lone 90", NULL, KU_DS, false, false);
  mkpivcert (src, "piv/5FC11B", &c);

  /* A YubiKey: every one in its own place. */
  piv_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-82", "piv:82");
  check_slot (m, "piv/key-85", "piv:85");
  check_slot (m, "piv/5FC11B", "piv:90");
  map_free (m);

  /* CanoKey (two retired slots, as its note says). */
  map_target_piv_set (&t, 2, "rsa2048,eccp256,eccp384");
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-82", "piv:82");
  check_slot (m, "piv/key-83", "piv:83");
  check_slot (m, "piv/5FC10E", "piv:83");
  check_slot (m, "piv/key-84", "none");
  CU_ASSERT (reason_has (m, "piv/key-84", "no room on this token: its 2 "
                         "retired key slots (82 to 83) are all taken"));
  check_slot (m, "piv/key-85", "none");
  CU_ASSERT (reason_has (m, "piv/key-85", "no room on this token"));
  check_slot (m, "piv/5FC10F", "none");
  /* The certificate of its own has no place either (not "stays"). */
  check_slot (m, "piv/5FC11B", "none");
  CU_ASSERT (reason_has (m, "piv/5FC11B", "no room on this token"));
  check_slot (m, "piv/key-9A", "piv:9a");
  map_free (m);

  /* With 84 and 85 gone, the certificate of its own gets a slot... */
  {
    map_choices_t *ch = NULL;
    static const char text[] = "piv/key-82 none\n";
    CU_ASSERT_FATAL (!map_choices_parse (text, sizeof text - 1, &ch));
    CU_ASSERT_FATAL (!map_plan (src, &t, NULL, ch, &m));
    CU_ASSERT (entry (m, "piv/key-84")->slot.id == 0x82
               || entry (m, "piv/key-85")->slot.id == 0x82
               || entry (m, "piv/5FC11B")->slot.id == 0x82);
    map_free (m);
    map_choices_free (ch);
  }

  /* An older token: no P-384 and no retired slots. */
  {
    image_node_t *k = image_find_path (src, "piv/key-9C");
    image_keyinfo_t ki;
    memset (&ki, 0, sizeof ki);
    ki.algorithm = (char *)"eccp384";
    CU_ASSERT (!image_node_set_keyinfo (k, &ki));
  }
  map_target_init (&t);
  t.piv = true;
  t.piv_cert_max = 2980;
  map_target_piv_set (&t, 0, "rsa1024,rsa2048,eccp256");
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-9C", "none");
  CU_ASSERT (reason_has (m, "piv/key-9C", "piv:9c takes rsa2048 nistp256, "
                         "not nistp384"));
  check_slot (m, "piv/key-9E", "piv:9e");      /* P-256 fits */
  check_slot (m, "piv/key-82", "none");
  CU_ASSERT (reason_has (m, "piv/key-82", "no room on this token: it has "
                         "no retired key slots"));
  map_free (m);
  /* The same token with P-384 (its version says so): 9C again. */
  map_target_piv_set (&t, 20, "rsa1024,rsa2048,eccp256,eccp384");
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  check_slot (m, "piv/key-9C", "piv:9c");
  check_slot (m, "piv/key-85", "piv:85");
  map_free (m);
  buf_free (&c);
  image_free (src);
}

static const cutest_t tests[] = {
  CUTEST (test_names),
  CUTEST (test_x509),
  CUTEST (test_p15_to_piv),
  CUTEST (test_cardauth),
  CUTEST (test_algorithms),
  CUTEST (test_p15_to_openpgp),
  CUTEST (test_openpgp_piv),
  CUTEST (test_piv_to_others),
  CUTEST (test_fs_targets),
  CUTEST (test_sample_card),
  CUTEST (test_map_file),
  CUTEST (test_choose),
  CUTEST (test_more_decisions),
  CUTEST (test_piv_note),
  CUTEST (test_piv_room),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("map", tests, suite_init, suite_cleanup);
}
