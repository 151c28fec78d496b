/* test-image.c - card image tree, paths, copy and diff */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include "cutest.h"
#include "common/util.h"
#include "image/image.h"

static image_t *
make_sample (void)
{
  image_t *img;
  image_node_t *n;

  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/5015/4401",
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_PKCS15, &n), 0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (image_node_set_content (n, "\x30\x03\x02\x01\x05", 5), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "openpgp/5F50", IMAGE_NODE_DO,
                                    IMAGE_SRC_DO_LIST, &n), 0);
  CU_ASSERT_EQUAL (image_node_set_content (n, "https://x", 9), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "openpgp/key-sig", IMAGE_NODE_KEY,
                                    IMAGE_SRC_DO_LIST, &n), 0);
  n->area = IMAGE_AREA_SECRET_KEY;
  n->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
  CU_ASSERT_EQUAL (image_node_set_note (n, "regenerate or re-import"), 0);
  CU_ASSERT_EQUAL (image_set_serial (img, "D2760001240103040006123456780000"), 0);
  CU_ASSERT_EQUAL (image_add_aid (img, (const uint8_t *)"\xD2\x76\x00\x01\x24\x01", 6), 0);
  return img;
}

static void
test_paths (void)
{
  image_t *img = make_sample ();
  image_node_t *n;
  char *p;

  n = image_find_path (img, "3F00/5015/4401");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (n->type, IMAGE_NODE_EF_TRANSPARENT);
  CU_ASSERT_EQUAL (n->parent->type, IMAGE_NODE_DF);
  CU_ASSERT_EQUAL (n->parent->parent->type, IMAGE_NODE_MF);
  CU_ASSERT_EQUAL (n->size, 5);
  CU_ASSERT_PTR_EQUAL (image_find_path (img, "/3f00/5015/4401"), n);
  p = image_node_path (n);
  CU_ASSERT_STRING_EQUAL (p, "3F00/5015/4401");
  xfree (p);
  n = image_find_path (img, "openpgp/5F50");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (n->type, IMAGE_NODE_DO);
  CU_ASSERT_EQUAL (n->tag, 0x5F50);
  CU_ASSERT_EQUAL (n->parent->type, IMAGE_NODE_APPLET);
  CU_ASSERT_EQUAL (image_node_depth (n), 2);
  n = image_find_path (img, "openpgp/key-sig");
  CU_ASSERT_PTR_NOT_NULL_FATAL (n);
  CU_ASSERT_EQUAL (n->type, IMAGE_NODE_KEY);
  CU_ASSERT_EQUAL (image_node_effective_area (n), IMAGE_AREA_SECRET_KEY);
  CU_ASSERT_PTR_NULL (image_find_path (img, "3F00/5016"));
  CU_ASSERT_PTR_NULL (image_find_path (img, ""));
  CU_ASSERT_EQUAL (image_count_nodes (img, NULL), 6);
  /* a record and bad paths */
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/2F00", IMAGE_NODE_EF_LINEAR_VARIABLE,
                                    IMAGE_SRC_KNOWN_FID, &n), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/2F00/#2", IMAGE_NODE_RECORD,
                                    IMAGE_SRC_KNOWN_FID, &n), 0);
  CU_ASSERT_EQUAL (n->recno, 2);
  p = image_node_path (n);
  CU_ASSERT_STRING_EQUAL (p, "3F00/2F00/#2");
  xfree (p);
  CU_ASSERT_EQUAL (gpg_err_code (image_make_path (img, "3F00/2F00/#0", IMAGE_NODE_RECORD,
                                                  IMAGE_SRC_USER, &n)), GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (image_make_path (img, "3F00/5015/4401/0001",
                                                  IMAGE_NODE_EF_TRANSPARENT,
                                                  IMAGE_SRC_USER, &n)), GPG_ERR_INV_OBJ);
  CU_ASSERT_EQUAL (gpg_err_code (image_make_path (img, "3F00//x", IMAGE_NODE_EF_TRANSPARENT,
                                                  IMAGE_SRC_USER, &n)), GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (image_make_path (img, "3F00/a b", IMAGE_NODE_EF_TRANSPARENT,
                                                  IMAGE_SRC_USER, &n)), GPG_ERR_INV_NAME);
  image_free (img);
}

static void
test_add_remove (void)
{
  image_t *img = make_sample ();
  image_node_t *n, *dup;

  CU_ASSERT_EQUAL (image_node_new (IMAGE_NODE_DF, &dup), 0);
  image_node_set_fid (dup, 0x5015);
  n = image_find_path (img, "3F00");
  CU_ASSERT_EQUAL (gpg_err_code (image_add_child (n, dup)), GPG_ERR_EEXIST);
  image_node_free (dup);
  CU_ASSERT_EQUAL (gpg_err_code (image_node_set_name (n, "a/b")), GPG_ERR_INV_NAME);
  n = image_find_path (img, "3F00/5015");
  image_node_remove (n);
  CU_ASSERT_PTR_NULL (image_find_path (img, "3F00/5015/4401"));
  CU_ASSERT_PTR_NOT_NULL (image_find_path (img, "3F00"));
  CU_ASSERT_EQUAL (image_count_nodes (img, NULL), 4);
  image_free (img);
}

static gpg_error_t
visit (image_node_t *node, unsigned depth, void *ctx)
{
  char *s = ctx;
  char comp[IMAGE_COMPONENT_MAX];
  image_node_component (node, comp, sizeof comp);
  sprintf (s + strlen (s), "%u:%s ", depth, comp);
  return 0;
}

static gpg_error_t
visit_stop (image_node_t *node, unsigned depth, void *ctx)
{
  (void)depth;
  ++*(int *)ctx;
  return node->type == IMAGE_NODE_DF ? gpg_error (GPG_ERR_EOF) : 0;
}

static void
test_walk (void)
{
  image_t *img = make_sample ();
  char buf[256] = "";
  int n = 0;

  CU_ASSERT_EQUAL (image_walk (img, visit, buf), 0);
  CU_ASSERT_STRING_EQUAL (buf, "1:3F00 2:5015 3:4401 1:openpgp 2:5F50 2:key-sig ");
  CU_ASSERT_EQUAL (gpg_err_code (image_walk (img, visit_stop, &n)), GPG_ERR_EOF);
  CU_ASSERT_EQUAL (n, 2);
  image_free (img);
}

static void
test_copy_diff (void)
{
  image_t *a = make_sample (), *b;
  image_diff_t *d;
  image_node_t *n;
  size_t i;
  int seen = 0;

  CU_ASSERT_EQUAL_FATAL (image_copy (a, &b), 0);
  CU_ASSERT_EQUAL (image_diff (a, b, &d), 0);
  CU_ASSERT_EQUAL (d->n, 0);
  CU_ASSERT_FALSE (d->identity_changed);
  image_diff_free (d);
  CU_ASSERT_STRING_EQUAL (b->card.serial, a->card.serial);
  CU_ASSERT_PTR_NOT_EQUAL (b->card.serial, a->card.serial);

  n = image_find_path (b, "3F00/5015/4401");
  CU_ASSERT_EQUAL (image_node_set_content (n, "\x30\x03\x02\x01\x06", 5), 0);
  n = image_find_path (b, "openpgp/5F50");
  n->area = IMAGE_AREA_PRIVATE;
  image_node_remove (image_find_path (b, "openpgp/key-sig"));
  CU_ASSERT_EQUAL (image_make_path (b, "piv/5FC102", IMAGE_NODE_DO, IMAGE_SRC_USER, &n), 0);
  CU_ASSERT_EQUAL (image_set_serial (b, "other"), 0);

  CU_ASSERT_EQUAL_FATAL (image_diff (a, b, &d), 0);
  CU_ASSERT_TRUE (d->identity_changed);
  CU_ASSERT_EQUAL (d->n, 5);
  for (i = 0; i < d->n; i++)
    {
      image_change_t *c = &d->changes[i];
      if (!strcmp (c->path, "3F00/5015/4401"))
        {
          CU_ASSERT_EQUAL (c->kind, IMAGE_CHANGE_CHANGED);
          CU_ASSERT_EQUAL (c->what, IMAGE_DIFF_CONTENT);
          seen |= 1;
        }
      else if (!strcmp (c->path, "openpgp/5F50"))
        {
          CU_ASSERT_EQUAL (c->what, IMAGE_DIFF_AREA);
          seen |= 2;
        }
      else if (!strcmp (c->path, "openpgp/key-sig"))
        {
          CU_ASSERT_EQUAL (c->kind, IMAGE_CHANGE_REMOVED);
          CU_ASSERT_PTR_NULL (c->b);
          seen |= 4;
        }
      else if (!strcmp (c->path, "piv") || !strcmp (c->path, "piv/5FC102"))
        {
          CU_ASSERT_EQUAL (c->kind, IMAGE_CHANGE_ADDED);
          seen |= 8;
        }
    }
  CU_ASSERT_EQUAL (seen, 15);
  CU_ASSERT_STRING_EQUAL (image_change_kind_name (IMAGE_CHANGE_ADDED), "added");
  CU_ASSERT_STRING_EQUAL (image_diff_what_name (IMAGE_DIFF_FCP), "fcp");
  CU_ASSERT_PTR_NULL (image_diff_what_name (3));
  image_diff_free (d);
  image_free (a);
  image_free (b);
}

static void
test_wipe_private (void)
{
  image_t *img = make_sample ();
  image_node_t *n, *k;

  k = image_find_path (img, "openpgp/key-sig");
  CU_ASSERT_EQUAL (image_node_set_content (k, "secret", 6), 0);
  n = image_find_path (img, "openpgp/5F50");
  image_wipe_private (img);
  CU_ASSERT_FALSE (k->has_content);
  CU_ASSERT_PTR_NULL (k->content);
  CU_ASSERT_TRUE (n->has_content);
  CU_ASSERT_STRING_EQUAL (image_area_name (IMAGE_AREA_SECRET_KEY), "secret-key");
  CU_ASSERT_EQUAL (image_area_parse ("private"), IMAGE_AREA_PRIVATE);
  CU_ASSERT_EQUAL (image_area_parse ("nope"), -1);
  CU_ASSERT_EQUAL (image_type_parse ("ef-cyclic"), IMAGE_NODE_EF_CYCLIC);
  image_free (img);
}

static void
test_component_names (void)
{
  image_node_t *n;
  char c[IMAGE_COMPONENT_MAX];

  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_APPLET, &n), 0);
  CU_ASSERT_EQUAL (image_node_set_aid (n, (const uint8_t *)"\xA0\x00\x00\x03\x08", 5), 0);
  image_node_component (n, c, sizeof c);
  CU_ASSERT_STRING_EQUAL (c, "aid-A000000308");
  image_node_free (n);
  CU_ASSERT_EQUAL_FATAL (image_node_new (IMAGE_NODE_DO, &n), 0);
  image_node_set_tag (n, 0x5FC102);
  image_node_component (n, c, sizeof c);
  CU_ASSERT_STRING_EQUAL (c, "5FC102");
  image_node_set_tag (n, 0x65);
  image_node_component (n, c, sizeof c);
  CU_ASSERT_STRING_EQUAL (c, "65");
  image_node_free (n);
}

static void
test_deep_copy (void)
{
  image_t *a = make_sample (), *b;
  image_node_t *n, *m, *sub;
  image_keyinfo_t ki = { (char *)"ed25519", (char *)"ABCD", (char *)"2026-01-01T00:00:00Z",
                         (char *)"auth", (uint8_t *)"\x7F\x49\x00", 3 };
  image_diff_t *d;

  n = image_find_path (a, "openpgp/key-sig");
  CU_ASSERT_EQUAL (image_node_set_keyinfo (n, &ki), 0);
  CU_ASSERT_EQUAL (image_node_set_access_raw (n, (const uint8_t *)"\x8C\x01\x00", 3), 0);
  n->access.read = IMAGE_AC_NEVER;
  n = image_find_path (a, "3F00/5015/4401");
  CU_ASSERT_EQUAL (image_node_set_fcp (n, (const uint8_t *)"\x62\x03\x80\x01\x05", 5), 0);
  image_node_set_unreadable (n, 0x6982);
  CU_ASSERT_EQUAL_FATAL (image_copy (a, &b), 0);
  m = image_find_path (b, "openpgp/key-sig");
  CU_ASSERT_PTR_NOT_NULL_FATAL (m);
  CU_ASSERT_STRING_EQUAL (m->key.created, "2026-01-01T00:00:00Z");
  CU_ASSERT_EQUAL (m->key.pubkey_len, 3);
  CU_ASSERT_PTR_NOT_EQUAL (m->key.pubkey, image_find_path (a, "openpgp/key-sig")->key.pubkey);
  CU_ASSERT_EQUAL (m->access.read, IMAGE_AC_NEVER);
  CU_ASSERT_STRING_EQUAL (m->note, "regenerate or re-import");
  m = image_find_path (b, "3F00/5015/4401");
  CU_ASSERT_EQUAL (m->sw, 0x6982);
  CU_ASSERT_TRUE (m->flags & IMAGE_FLAG_UNREADABLE);
  CU_ASSERT_EQUAL (m->fcp_len, 5);
  CU_ASSERT_EQUAL (image_diff (a, b, &d), 0);
  CU_ASSERT_EQUAL (d->n, 0);
  image_diff_free (d);
  /* A changed FCP and key metadata are seen by diff. */
  CU_ASSERT_EQUAL (image_node_set_fcp (m, (const uint8_t *)"\x62\x00", 2), 0);
  ki.fingerprint = (char *)"EF01";
  CU_ASSERT_EQUAL (image_node_set_keyinfo (image_find_path (b, "openpgp/key-sig"), &ki), 0);
  CU_ASSERT_EQUAL (image_diff (a, b, &d), 0);
  CU_ASSERT_EQUAL (d->n, 2);
  CU_ASSERT_EQUAL (d->changes[0].what, IMAGE_DIFF_FCP);
  CU_ASSERT_EQUAL (d->changes[1].what, IMAGE_DIFF_KEY);
  image_diff_free (d);
  /* Subtree copy is detached and complete. */
  CU_ASSERT_EQUAL_FATAL (image_node_copy (image_find_path (a, "3F00"), &sub), 0);
  CU_ASSERT_PTR_NULL (sub->parent);
  CU_ASSERT_PTR_NOT_NULL (sub->first_child);
  CU_ASSERT_PTR_NOT_NULL (sub->first_child->first_child);
  image_node_free (sub);
  /* Empty vs absent content. */
  CU_ASSERT_EQUAL (image_node_set_empty (m), 0);
  CU_ASSERT_TRUE (m->has_content);
  CU_ASSERT_EQUAL (m->content_len, 0);
  image_node_clear_content (m);
  CU_ASSERT_FALSE (m->has_content);
  image_free (a);
  image_free (b);
}

/* FCP and FCI compare by their items: wrapper, order and FMD aside. */
static void
test_fcp_same (void)
{
  static const uint8_t fcp[] = { 0x62, 0x0B, 0x80, 0x02, 0x00, 0x10,
                                 0x82, 0x01, 0x01, 0x83, 0x02, 0x43, 0x01 };
  static const uint8_t fci[] = { 0x6F, 0x0B, 0x80, 0x02, 0x00, 0x10,
                                 0x82, 0x01, 0x01, 0x83, 0x02, 0x43, 0x01 };
  static const uint8_t fci_order[] = { 0x6F, 0x0B, 0x83, 0x02, 0x43, 0x01,
                                       0x80, 0x02, 0x00, 0x10,
                                       0x82, 0x01, 0x01 };
  static const uint8_t fci_nested[] = { 0x6F, 0x0F, 0x62, 0x0B,
                                        0x80, 0x02, 0x00, 0x10,
                                        0x82, 0x01, 0x01, 0x83, 0x02,
                                        0x43, 0x01, 0x64, 0x00 };
  static const uint8_t other_size[] = { 0x6F, 0x0B, 0x80, 0x02, 0x00, 0x11,
                                        0x82, 0x01, 0x01, 0x83, 0x02, 0x43,
                                        0x01 };
  static const uint8_t fewer[] = { 0x62, 0x07, 0x80, 0x02, 0x00, 0x10,
                                   0x82, 0x01, 0x01 };
  static const uint8_t junk[] = { 0x62, 0x0A, 0x80 };
  image_t *a = NULL, *b = NULL;
  image_node_t *na, *nb;
  image_diff_t *d = NULL;

  CU_ASSERT_TRUE (image_fcp_same (fcp, sizeof fcp, fcp, sizeof fcp));
  CU_ASSERT_TRUE (image_fcp_same (fcp, sizeof fcp, fci, sizeof fci));
  CU_ASSERT_TRUE (image_fcp_same (fci_order, sizeof fci_order, fcp,
                                  sizeof fcp));
  CU_ASSERT_TRUE (image_fcp_same (fcp, sizeof fcp, fci_nested,
                                  sizeof fci_nested));
  CU_ASSERT_FALSE (image_fcp_same (fcp, sizeof fcp, other_size,
                                   sizeof other_size));
  CU_ASSERT_FALSE (image_fcp_same (fcp, sizeof fcp, fewer, sizeof fewer));
  CU_ASSERT_FALSE (image_fcp_same (fcp, sizeof fcp, junk, sizeof junk));
  CU_ASSERT_FALSE (image_fcp_same (fcp, sizeof fcp, NULL, 0));
  CU_ASSERT_TRUE (image_fcp_same (NULL, 0, NULL, 0));

  /* In a diff: FCI against FCP is no change, another size is. */
  CU_ASSERT_EQUAL_FATAL (image_new (&a), 0);
  CU_ASSERT_EQUAL_FATAL (image_new (&b), 0);
  CU_ASSERT_EQUAL_FATAL (image_make_path (a, "3F00/4301",
                                          IMAGE_NODE_EF_TRANSPARENT,
                                          IMAGE_SRC_FID_SCAN, &na), 0);
  CU_ASSERT_EQUAL_FATAL (image_make_path (b, "3F00/4301",
                                          IMAGE_NODE_EF_TRANSPARENT,
                                          IMAGE_SRC_FID_SCAN, &nb), 0);
  CU_ASSERT_EQUAL (image_node_set_fcp (na, fcp, sizeof fcp), 0);
  CU_ASSERT_EQUAL (image_node_set_fcp (nb, fci_order, sizeof fci_order), 0);
  CU_ASSERT_EQUAL_FATAL (image_diff (a, b, &d), 0);
  CU_ASSERT_EQUAL (d->n, 0);
  image_diff_free (d);
  CU_ASSERT_EQUAL (image_node_set_fcp (nb, other_size, sizeof other_size),
                   0);
  CU_ASSERT_EQUAL_FATAL (image_diff (a, b, &d), 0);
  CU_ASSERT_EQUAL_FATAL (d->n, 1);
  CU_ASSERT_EQUAL (d->changes[0].what, IMAGE_DIFF_FCP);
  image_diff_free (d);
  image_free (a);
  image_free (b);
}

static const cutest_t tests[] = {
  CUTEST (test_fcp_same),
  CUTEST (test_deep_copy),
  CUTEST (test_paths),
  CUTEST (test_add_remove),
  CUTEST (test_walk),
  CUTEST (test_copy_diff),
  CUTEST (test_wipe_private),
  CUTEST (test_component_names),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("image", tests, NULL, NULL);
}
