/* test-map-apply.c - the mapping planner (src/map), no card: the
 * target's description read from its image, and the image a mapped
 * restore writes (PIV, OpenPGP, a PKCS#15 structure read back by the
 * source scanner, keys that stay in the files their PrKDF names). The
 * decisions themselves: test-map.c. */
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
  image_node_set_yubikey (n, (const uint8_t *)"\x05\x07\x00");
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

/* A backup cannot record a key file (an internal EF): the key keeps the
 * FID its PrKDF names, not the first free one; a path into another DF
 * names no FID of the key's DF. */
static void
test_key_file_fid (void)
{
  image_t *src = p15_source (false), *dst = NULL, *out = NULL;
  map_target_t t;
  map_t *m = NULL;
  image_node_t *k;

  /* The backup did not record key 01 either: with the first free FID,
   * key 02 would take 3001, key 01's file. */
  image_node_remove (image_find_path (src, "3F00/5015/key-01"));
  image_node_remove (image_find_path (src, "3F00/5015/3401"));
  CU_ASSERT_FATAL (!image_new (&dst));
  mknode (dst, "3F00", IMAGE_NODE_MF, NULL, 0);
  fs_target (&t);
  CU_ASSERT_FATAL (!map_plan (src, &t, NULL, NULL, &m));
  CU_ASSERT (entry (m, "3F00/5015/key-02")->file == NULL);
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/key-02")->file_fid, 0x3002);
  CU_ASSERT_EQUAL (entry (m, "3F00/5015/key-05")->file_fid, 0x3005);
  CU_ASSERT (entry (m, "3F00/5015/key-02")->stays);
  /* The certificate of the key born on the card stays in its file. */
  CU_ASSERT (entry (m, "3F00/5015/3404")->stays);
  CU_ASSERT (reason_has (m, "3F00/5015/3404", "does not come along"));
  CU_ASSERT_FATAL (!map_apply (m, src, dst, &out));
  k = image_find_path (out, "3F00/5015/key-02");
  CU_ASSERT_FATAL (k != NULL);
  CU_ASSERT (k->has_fid && k->fid == 0x3002);
  k = image_find_path (out, "3F00/5015/key-03");
  CU_ASSERT_FATAL (k != NULL);
  CU_ASSERT (k->has_fid && k->fid == 0x3003);
  image_free (out);
  map_free (m);
  image_free (dst);
  image_free (src);
  free_certs ();
}

static const cutest_t tests[] = {
  CUTEST (test_target_from_image),
  CUTEST (test_apply_piv_openpgp),
  CUTEST (test_apply_moves),
  CUTEST (test_apply_pkcs15),
  CUTEST (test_apply_stays_fs),
  CUTEST (test_key_file_fid),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("map-apply", tests, suite_init, suite_cleanup);
}
