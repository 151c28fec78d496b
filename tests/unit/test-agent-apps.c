/* test-agent-apps.c - the OpenPGP and PIV agents and key escrow against
 * the in-process emulator (tests/cards/yubikey.card, yubikey-blank.card,
 * openpgp-blank.card and a PIV token without the YubiKey extensions).
 * Every test runs twice: against tokens that keep their security state
 * across SELECTs, and against tokens that drop it as real ones do
 * (select-resets-security yes, applet-switch-powers-off yes: stricter
 * than a YubiKey), so that neither behaviour can break the other. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cutest.h"
#include "common/util.h"
#include "agency/agent.h"
#include "agency/agent-apps.h"
#include "scapi/scapi.h"
#include "scapi/scapi-keys.h"
#include "vsc/vsc.h"

static char tmpdir[256];
/* emu:yubikey,yubikey-blank,openpgp-blank,piv-noyk in both modes */
static char spec_keep[4096], spec_drop[4096];
static const char *spec = spec_keep;
static bool dropping;
/* Profile lines of the two modes. */
static const char keep_lines[] = "\nselect-resets-security no\n"
  "applet-switch-powers-off no\n";
static const char drop_lines[] = "\nselect-resets-security yes\n"
  "applet-switch-powers-off yes\n";

typedef struct pins {
  const char *pw1, *pw3, *piv;  /* NULL = cancel */
  unsigned calls[256];
  int retries[256];
} pins_t;

static gpg_error_t
pin_cb (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  pins_t *p = ctx;
  const char *v = req->ref == 0x82 || req->ref == 0x81 ? p->pw1
                  : req->ref == 0x83 ? p->pw3 : req->ref == 0x80 ? p->piv
                  : NULL;
  p->calls[req->ref]++;
  p->retries[req->ref] = req->retries;
  if (!v)
    return gpg_error (GPG_ERR_CANCELED);
  *r_pin = xtrystrdup_secure (v);
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

static void
pins_default (pins_t *p)
{
  memset (p, 0, sizeof *p);
  p->pw1 = "123456";
  p->pw3 = "12345678";
  p->piv = "123456";
}

/* Discover reader INDEX with PINS. */
static image_t *
discover (scapi_t *s, unsigned index, pins_t *pins)
{
  scapi_card_t *card = NULL;
  scapi_discover_opts_t o;
  scapi_cb_t cb;
  image_t *img = NULL;
  char name[32];

  snprintf (name, sizeof name, "vscemu %u", index);
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = true;
  memset (&cb, 0, sizeof cb);
  cb.pin = pins ? pin_cb : NULL;
  cb.pin_ctx = pins;
  CU_ASSERT_FATAL (!scapi_card_open (s, name, &card));
  CU_ASSERT (!scapi_discover (card, &o, &cb, &img));
  scapi_card_close (card);
  return img;
}

static const image_node_t *
node (const image_t *img, const char *path)
{
  const image_node_t *n = image_find_path (img, path);
  if (!n)
    fprintf (stderr, "missing node %s\n", path);
  return n;
}

static bool
content_is (const image_t *img, const char *path, const char *text)
{
  const image_node_t *n = node (img, path);
  return n && n->has_content && n->content_len == strlen (text)
         && !memcmp (n->content, text, n->content_len);
}

static bool
same_content (const image_t *a, const image_t *b, const char *path)
{
  const image_node_t *x = node (a, path), *y = node (b, path);
  bool same = x && y && x->has_content && y->has_content
              && x->content_len == y->content_len
              && (!x->content_len || !memcmp (x->content, y->content,
                                              x->content_len));
  if (!same)
    fprintf (stderr, "differs: %s\n", path);
  return same;
}

static scapi_t *
open_emu (void)
{
  scapi_t *s = NULL;
  CU_ASSERT_FATAL (!scapi_new (spec, &s));
  return s;
}

/* ---- discovery --------------------------------------------------------- */

static void
test_openpgp_discover (void)
{
  scapi_t *s = open_emu ();
  pins_t pins;
  image_t *img;
  const image_node_t *n;

  pins_default (&pins);
  img = discover (s, 0, &pins);
  CU_ASSERT_FATAL (img != NULL);
  CU_ASSERT (content_is (img, "openpgp/5B", "Doe<<Jane"));
  CU_ASSERT (content_is (img, "openpgp/5F50", "https://example.org/jane.asc"));
  CU_ASSERT (content_is (img, "openpgp/5E", "jane"));
  CU_ASSERT (content_is (img, "openpgp/0101", "private data 1"));
  n = node (img, "openpgp/7F21/B6");
  CU_ASSERT (n && n->content_len > 500 && n->content[0] == 0x30);
  n = node (img, "openpgp/7F21/A4");
  CU_ASSERT (n && n->content_len > 100);
  n = node (img, "openpgp/C1");
  CU_ASSERT (n && n->content_len == 6 && n->content[0] == 0x01);
  /* On-card keys: metadata only, never content. */
  n = node (img, "openpgp/key-sig");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->type == IMAGE_NODE_KEY);
  CU_ASSERT (n->flags & IMAGE_FLAG_NOT_EXTRACTABLE);
  CU_ASSERT (!n->has_content);
  CU_ASSERT (n->key.algorithm && !strcmp (n->key.algorithm, "rsa2048"));
  CU_ASSERT (n->key.fingerprint && strlen (n->key.fingerprint) == 40);
  CU_ASSERT (n->key.created
             && !strcmp (n->key.created, "2023-11-14T22:13:20Z"));
  n = node (img, "openpgp/key-dec");
  CU_ASSERT (n && n->key.algorithm && !strcmp (n->key.algorithm, "cv25519"));
  n = node (img, "openpgp/key-aut");
  CU_ASSERT (n && n->key.algorithm && !strcmp (n->key.algorithm, "ed25519"));
  /* PIN-gated: read after the PIN, private area; counters shown. */
  n = node (img, "openpgp/0103");
  CU_ASSERT (n && n->area == IMAGE_AREA_PRIVATE && n->has_content
             && !(n->flags & IMAGE_FLAG_UNREADABLE));
  n = node (img, "openpgp/0104");
  CU_ASSERT (n && n->area == IMAGE_AREA_PRIVATE && n->has_content);
  CU_ASSERT (pins.calls[0x82] == 1 && pins.retries[0x82] == 3);
  CU_ASSERT (pins.calls[0x83] == 1 && pins.retries[0x83] == 3);
  CU_ASSERT (agency_describe (node (img, "openpgp/5B")) != NULL);
  image_free (img);

  /* Without PINs (a fresh token: no PIN state left from above): the
   * gated objects are reported, not read. */
  scapi_free (s);
  s = open_emu ();
  img = discover (s, 0, NULL);
  n = img ? node (img, "openpgp/0103") : NULL;
  CU_ASSERT (n && (n->flags & IMAGE_FLAG_UNREADABLE) && !n->has_content
             && n->area == IMAGE_AREA_PRIVATE);
  image_free (img);
  scapi_free (s);
}

static void
test_piv_discover (void)
{
  scapi_t *s = open_emu ();
  pins_t pins;
  image_t *img;
  const image_node_t *n;

  pins_default (&pins);
  img = discover (s, 0, &pins);
  CU_ASSERT_FATAL (img != NULL);
  CU_ASSERT (node (img, "piv/5FC102") != NULL);
  CU_ASSERT (node (img, "piv/5FC107") != NULL);
  n = node (img, "piv/5FC105");
  CU_ASSERT (n && n->content_len > 500);
  n = node (img, "piv/5FC109");
  CU_ASSERT (n && n->area == IMAGE_AREA_PRIVATE && n->has_content);
  CU_ASSERT (content_is (img, "piv/5FC109", "vscemu printed info"));
  CU_ASSERT (pins.calls[0x80] == 1 && pins.retries[0x80] == 3);
  n = node (img, "piv/key-9A");
  CU_ASSERT (n && (n->flags & IMAGE_FLAG_NOT_EXTRACTABLE) && n->key.algorithm
             && !strcmp (n->key.algorithm, "rsa2048"));
  n = node (img, "piv/key-9D");
  CU_ASSERT (n && n->key.algorithm && !strcmp (n->key.algorithm, "eccp384"));
  /* Both applications are in one image; the agents are recorded. */
  CU_ASSERT (image_find_path (img, "openpgp") != NULL);
  CU_ASSERT (img->card.n_agents >= 2 && !strcmp (img->card.agents[0],
                                                 "openpgp")
             && !strcmp (img->card.agents[1], "piv"));
  image_free (img);
  scapi_free (s);
}

/* ---- backup + restore onto a blank token ------------------------------ */

static void
test_clone (void)
{
  scapi_t *s = open_emu ();
  scapi_card_t *card = NULL;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_vsc_t *vsc = NULL;
  scapi_cb_t cb;
  plan_t *plan = NULL;
  pins_t pins;
  image_t *a, *b;
  char path[512];
  size_t i;
  static const char *const paths[] = {
    "openpgp/5B", "openpgp/5F2D", "openpgp/5F35", "openpgp/5F50",
    "openpgp/5E", "openpgp/0101", "openpgp/0102", "openpgp/0103",
    "openpgp/0104", "openpgp/C1", "openpgp/C2", "openpgp/C3",
    "openpgp/7F21/B6", "openpgp/7F21/B8", "openpgp/7F21/A4",
    "piv/5FC107", "piv/5FC102", "piv/5FC105", "piv/5FC10A", "piv/5FC10B",
    "piv/5FC101", "piv/5FC109"
  };

  pins_default (&pins);
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_cb;
  cb.pin_ctx = &pins;
  snprintf (path, sizeof path, "%s/clone.vsc", tmpdir);
  unlink (path);
  memset (&bo, 0, sizeof bo);
  bo.out_path = path;
  bo.password = "test password";
  bo.kdf_m_kib = VSC_KDF_M_MIN;
  bo.kdf_t = 1;
  bo.kdf_p = 1;
  bo.discover.no_scan = true;
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 0", &card));
  CU_ASSERT_FATAL (!scapi_backup (card, NULL, &bo, &cb, &sum));
  CU_ASSERT (sum.n_missing == 7);     /* 3 OpenPGP + 4 PIV on-card keys */
  scapi_summary_free (&sum);
  scapi_card_close (card);

  CU_ASSERT_FATAL (!scapi_vsc_open (path, "test password", &vsc));
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 1", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, scapi_vsc_image (vsc), &cb,
                                        &plan));
  CU_ASSERT (plan->target_blank);     /* factory applets only */
  CU_ASSERT (plan->counts[PLAN_NOT_RESTORABLE] == 7);
  CU_ASSERT (plan->counts[PLAN_CONFLICT] == 0);
  memset (&ro, 0, sizeof ro);
  CU_ASSERT (!scapi_restore (card, scapi_vsc_image (vsc), plan, &ro, &cb,
                             &rep));
  CU_ASSERT (rep.failed == 0 && rep.written > 15
             && rep.verified == rep.written);
  /* Each PIN asked once per token (the backup's, then the target's for
   * the plan), never again during the restore however often the token
   * dropped it: the accepted value is presented again. */
  CU_ASSERT (pins.calls[0x82] == 2 && pins.calls[0x83] == 2
             && pins.calls[0x80] == 2);
  plan_free (plan);
  scapi_card_close (card);

  a = discover (s, 0, &pins);
  b = discover (s, 1, &pins);
  CU_ASSERT_FATAL (a && b);
  for (i = 0; i < DIM (paths); i++)
    CU_ASSERT (same_content (a, b, paths[i]));
  /* Keys cannot be copied; the clone keeps its own serial. */
  CU_ASSERT (image_find_path (b, "openpgp/key-sig") == NULL);
  CU_ASSERT (image_find_path (b, "piv/key-9A") == NULL);
  CU_ASSERT (!same_content (a, b, "openpgp/4F"));
  image_free (a);
  image_free (b);
  scapi_vsc_close (vsc);
  scapi_free (s);
}

/* ---- escrow ----------------------------------------------------------- */

static void
test_escrow (void)
{
  scapi_t *s = open_emu ();
  scapi_card_t *card = NULL;
  scapi_keygen_result_t sig, p9a;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_cb_t cb;
  plan_t *plan = NULL;
  pins_t pins;
  image_t *src = NULL, *t;
  const image_node_t *n;
  const plan_entry_t *e;

  CU_ASSERT_FATAL (!image_new (&src));
  CU_ASSERT (!scapi_keygen (src, "openpgp", "sig", "ed25519", 1700000300,
                            &sig));
  CU_ASSERT (strlen (sig.fingerprint) == 40);
  CU_ASSERT (!scapi_keygen (src, "piv", "9a", "eccp256", 0, &p9a));
  CU_ASSERT (gpg_err_code (scapi_keygen (src, "openpgp", "dec", "ed25519", 0,
                                         &p9a)) == GPG_ERR_PUBKEY_ALGO);
  CU_ASSERT (scapi_last_error_text ()[0] != 0);
  CU_ASSERT (gpg_err_code (scapi_keygen (src, "piv", "9f", "eccp256", 0,
                                         &p9a)) == GPG_ERR_INV_ARG);
  n = image_find_path (src, "openpgp/key-sig");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->area == IMAGE_AREA_SECRET_KEY && n->has_content
             && !(n->flags & IMAGE_FLAG_NOT_EXTRACTABLE));

  pins_default (&pins);
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_cb;
  cb.pin_ctx = &pins;
  memset (&ro, 0, sizeof ro);

  /* A YubiKey-like token takes both. */
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 1", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, src, &cb, &plan));
  e = plan_find (plan, "piv/key-9A");
  CU_ASSERT (e && e->action == PLAN_CREATE);
  CU_ASSERT (!scapi_restore (card, src, plan, &ro, &cb, &rep));
  CU_ASSERT (rep.failed == 0 && rep.written == 2 && rep.verified == 2);
  plan_free (plan);
  plan = NULL;
  scapi_card_close (card);
  t = discover (s, 1, &pins);
  n = t ? image_find_path (t, "openpgp/key-sig") : NULL;
  CU_ASSERT (n && n->key.fingerprint
             && !strcmp (n->key.fingerprint, sig.fingerprint));
  CU_ASSERT (n && n->key.created
             && !strcmp (n->key.created, "2023-11-14T22:18:20Z"));
  n = t ? image_find_path (t, "piv/key-9A") : NULL;
  CU_ASSERT (n && n->key.algorithm && !strcmp (n->key.algorithm, "eccp256"));
  image_free (t);

  /* A PIV token without key import: "not restorable". */
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 3", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, src, &cb, &plan));
  e = plan_find (plan, "piv/key-9A");
  CU_ASSERT (e && e->action == PLAN_NOT_RESTORABLE && e->reason
             && strstr (e->reason, "cannot import keys"));
  e = plan_find (plan, "openpgp/key-sig");
  CU_ASSERT (e && e->action == PLAN_NOT_RESTORABLE);
  plan_free (plan);
  scapi_card_close (card);

  /* Wrong PW3: asked once, the counter drops once, never retried. */
  pins.pw3 = "87654321";
  memset (pins.calls, 0, sizeof pins.calls);
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 2", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, src, &cb, &plan));
  CU_ASSERT (scapi_restore (card, src, plan, &ro, &cb, &rep) != 0);
  CU_ASSERT (rep.written == 0 && rep.failed == 1);
  CU_ASSERT (pins.calls[0x83] == 1);
  e = plan_find (plan, "openpgp/key-sig");
  CU_ASSERT (e && e->sw == 0x63C2 && !e->written);
  plan_free (plan);
  scapi_card_close (card);
  memset (pins.calls, 0, sizeof pins.calls);
  t = discover (s, 2, &pins);
  CU_ASSERT (pins.calls[0x83] == 1 && pins.retries[0x83] == 2);
  CU_ASSERT (t && image_find_path (t, "openpgp/key-sig") == NULL);
  image_free (t);
  image_free (src);
  scapi_free (s);
}

/* restore --keys-only: only the escrowed key goes onto a token that
 * already holds a cardholder name and keys; the name and the other keys
 * stay as they are. */
static void
test_escrow_keys_only (void)
{
  scapi_t *s = open_emu ();
  scapi_card_t *card = NULL;
  scapi_keygen_result_t sig;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_cb_t cb;
  plan_t *plan = NULL;
  pins_t pins;
  image_t *t0, *t1 = NULL, *src = NULL, *keys = NULL, *empty = NULL;
  image_node_t *n;
  const image_node_t *a, *b;
  size_t i, writes = 0;

  pins_default (&pins);
  t0 = discover (s, 0, &pins);
  CU_ASSERT_FATAL (t0 != NULL);
  CU_ASSERT (content_is (t0, "openpgp/5B", "Doe<<Jane"));
  CU_ASSERT_FATAL (!image_copy (t0, &src));
  n = image_find_path (src, "openpgp/5B");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (!image_node_set_content (n, "Other<<Name", 11));
  CU_ASSERT_FATAL (!scapi_keygen (src, "openpgp", "sig", "ed25519",
                                  1700000400, &sig));

  CU_ASSERT_FATAL (!scapi_keys_only_image (src, false, &keys));
  CU_ASSERT (image_find_path (keys, "openpgp/key-sig") != NULL);
  CU_ASSERT (image_find_path (keys, "openpgp") != NULL);
  CU_ASSERT (image_find_path (keys, "openpgp/5B") == NULL);
  CU_ASSERT (image_find_path (keys, "openpgp/C5") == NULL);
  CU_ASSERT_FATAL (!image_new (&empty));
  CU_ASSERT (gpg_err_code (scapi_keys_only_image (empty, true, &t1))
             == GPG_ERR_NOT_FOUND && t1 == NULL);

  memset (&cb, 0, sizeof cb);
  cb.pin = pin_cb;
  cb.pin_ctx = &pins;
  memset (&ro, 0, sizeof ro);
  ro.force = true;
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 0", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, keys, &cb, &plan));
  CU_ASSERT (!plan->target_blank);
  for (i = 0; i < plan->n; i++)
    if (plan->entries[i].action == PLAN_CREATE
        || plan->entries[i].action == PLAN_UPDATE)
      {
        writes++;
        CU_ASSERT (scapi_keys_only_node (plan->entries[i].src, false));
      }
  CU_ASSERT (writes == 1);
  CU_ASSERT (!scapi_restore (card, keys, plan, &ro, &cb, &rep));
  CU_ASSERT (rep.failed == 0 && rep.written == 1 && rep.verified == 1);
  plan_free (plan);
  scapi_card_close (card);

  t1 = discover (s, 0, &pins);
  CU_ASSERT_FATAL (t1 != NULL);
  a = image_find_path (t0, "openpgp/key-sig");
  b = image_find_path (t1, "openpgp/key-sig");
  CU_ASSERT (a && b && a->key.fingerprint && b->key.fingerprint
             && strcmp (a->key.fingerprint, b->key.fingerprint)
             && !strcmp (b->key.fingerprint, sig.fingerprint));
  CU_ASSERT (content_is (t1, "openpgp/5B", "Doe<<Jane"));
  CU_ASSERT (same_content (t0, t1, "openpgp/5E"));
  a = image_find_path (t0, "openpgp/key-aut");
  b = image_find_path (t1, "openpgp/key-aut");
  CU_ASSERT (a && b && a->key.fingerprint && b->key.fingerprint
             && !strcmp (a->key.fingerprint, b->key.fingerprint));
  image_free (t0);
  image_free (t1);
  image_free (src);
  image_free (keys);
  image_free (empty);
  scapi_free (s);
}

static void
test_vsc_keygen (void)
{
  scapi_vsc_t *vsc = NULL;
  scapi_keygen_result_t res;
  char path[512];
  const image_node_t *n;

  snprintf (path, sizeof path, "%s/keys.vsc", tmpdir);
  unlink (path);
  CU_ASSERT_FATAL (!scapi_vsc_create (path, "pw", NULL, NULL, &vsc, NULL));
  CU_ASSERT_FATAL (!scapi_vsc_save (vsc));
  CU_ASSERT (!scapi_vsc_keygen (vsc, "openpgp", "aut", "nistp256", 0, &res));
  CU_ASSERT (!strcmp (res.path, "openpgp/key-aut"));
  scapi_vsc_close (vsc);
  vsc = NULL;
  /* Saved: in the secret-key area, invisible without the password. */
  CU_ASSERT_FATAL (!scapi_vsc_open (path, "pw", &vsc));
  n = image_find_path (scapi_vsc_image (vsc), "openpgp/key-aut");
  CU_ASSERT (n && n->has_content && n->area == IMAGE_AREA_SECRET_KEY
             && n->key.fingerprint
             && !strcmp (n->key.fingerprint, res.fingerprint));
  scapi_vsc_close (vsc);
  vsc = NULL;
  CU_ASSERT_FATAL (!scapi_vsc_open (path, NULL, &vsc));
  n = image_find_path (scapi_vsc_image (vsc), "openpgp/key-aut");
  CU_ASSERT (!n || !n->has_content);
  CU_ASSERT (scapi_vsc_keygen (vsc, "openpgp", "aut", "nistp256", 0, &res)
             != 0);
  scapi_vsc_close (vsc);
}

/* scapi_vsc_put is what vsctool put and the manager's "add node" do: the
 * type from the path or the caller, the card's verdict on the node
 * cleared, another type refused. */
static void
test_vsc_put (void)
{
  scapi_vsc_t *vsc = NULL;
  char path[512];
  const image_node_t *n;
  image_node_t *e;

  snprintf (path, sizeof path, "%s/put.vsc", tmpdir);
  unlink (path);
  CU_ASSERT_FATAL (!scapi_vsc_create (path, "pw", NULL, NULL, &vsc, NULL));
  CU_ASSERT (!scapi_vsc_put (vsc, "piv/key-9A", "k", 1, IMAGE_AREA_SECRET_KEY,
                             0));
  n = image_find_path (scapi_vsc_image (vsc), "piv/key-9A");
  CU_ASSERT (n && n->type == IMAGE_NODE_KEY
             && n->area == IMAGE_AREA_SECRET_KEY);
  CU_ASSERT (!scapi_vsc_put (vsc, "3F00/2F00", "ab", 2, -1, 0));
  e = image_find_path (scapi_vsc_edit (vsc), "3F00/2F00");
  CU_ASSERT_FATAL (e && e->type == IMAGE_NODE_EF_TRANSPARENT);
  e->flags |= IMAGE_FLAG_TRUNCATED | IMAGE_FLAG_UNREADABLE;
  e->sw = 0x6982;
  CU_ASSERT (!scapi_vsc_put (vsc, "3F00/2F00", "abc", 3, -1, 0));
  CU_ASSERT (!(e->flags & (IMAGE_FLAG_TRUNCATED | IMAGE_FLAG_UNREADABLE))
             && !e->sw && e->content_len == 3);
  CU_ASSERT_EQUAL (gpg_err_code (scapi_vsc_put (vsc, "piv/key-9A", "k", 1,
                                                -1, IMAGE_NODE_DO)),
                   GPG_ERR_CONFLICT);
  CU_ASSERT (strstr (scapi_last_error_text (), "piv/key-9A") != NULL);
  /* One error context: code and node with the sentence. */
  CU_ASSERT_EQUAL (gpg_err_code (scapi_last_error ()->code),
                   GPG_ERR_CONFLICT);
  CU_ASSERT_STRING_EQUAL (scapi_last_error ()->path, "piv/key-9A");
  CU_ASSERT_EQUAL (scapi_last_error ()->area, -1);
  CU_ASSERT (!scapi_vsc_save (vsc));
  scapi_vsc_close (vsc);
  CU_ASSERT (!scapi_vsc_verify (path, "pw", NULL));
  CU_ASSERT (!scapi_last_error ()->code && !scapi_last_error ()->text[0]);
  /* A damaged last byte: the context names the area that failed. */
  {
    FILE *fp = fopen (path, "r+b");
    int c;
    CU_ASSERT_FATAL (fp != NULL);
    fseek (fp, -1, SEEK_END);
    c = fgetc (fp);
    fseek (fp, -1, SEEK_END);
    fputc (c ^ 0x01, fp);
    fclose (fp);
  }
  CU_ASSERT (scapi_vsc_verify (path, "pw", NULL) != 0);
  CU_ASSERT (scapi_last_error ()->code != 0 && scapi_last_error ()->text[0]);
  CU_ASSERT (scapi_last_error ()->area >= 0);
}

/* A token with user interaction flags (all off) onto one without. */
static void
test_uif (void)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_cb_t cb;
  pins_t pins;
  plan_t *plan = NULL;
  image_t *src;
  const plan_entry_t *e;
  char prof[512], sp[2048];
  FILE *fp;

  snprintf (prof, sizeof prof, "%s/uif.card", tmpdir);
  fp = fopen (prof, "w");
  CU_ASSERT_FATAL (fp != NULL);
  fprintf (fp, "atr 3BDA18FF81B1FE751F030031F573C001600090001C\n"
           "protocol t1\nextended-length yes\n%s"
           "applet openpgp serial=00000099 uif=yes name=Uif<<Ann\n",
           dropping ? drop_lines : keep_lines);
  fclose (fp);
  snprintf (sp, sizeof sp, "emu:%s,%s/openpgp-blank-%s.card", prof, tmpdir,
            dropping ? "drop" : "keep");
  CU_ASSERT_FATAL (!scapi_new (sp, &s));
  pins_default (&pins);
  src = discover (s, 0, &pins);
  CU_ASSERT_FATAL (src != NULL);
  CU_ASSERT (node (src, "openpgp/D6") && node (src, "openpgp/D8"));
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_cb;
  cb.pin_ctx = &pins;
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 1", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, src, &cb, &plan));
  e = plan_find (plan, "openpgp/D6");
  CU_ASSERT (e && e->action == PLAN_SAME && e->reason);
  e = plan_find (plan, "openpgp/5B");
  CU_ASSERT (e && e->action == PLAN_UPDATE);
  e = plan_find (plan, "openpgp/4F");
  CU_ASSERT (e && e->action == PLAN_SAME && e->reason);
  CU_ASSERT (plan->target_blank);
  plan_free (plan);
  scapi_card_close (card);
  image_free (src);
  scapi_free (s);
}

/* ---- a token that is not like the specs -------------------------------- */

/* Restore a YubiKey-like backup (with CA fingerprints and escrowed keys)
 * onto a CanoKey-like token (tests/cards/canokey-blank.card): objects it
 * serves only inside 65/6E are read back from there, the private-use
 * DOs it does not have are "not restorable" while the rest is written,
 * every PUT DATA gets PW3, RSA keys go in CRT form, PIV objects it does
 * not keep are skipped; then its backup has nothing "not backed up" but
 * its on-card keys. */
static void
test_unlike_specs (void)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_keygen_result_t sig, dec, p9a;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_cb_t cb;
  plan_t *plan = NULL;
  pins_t pins;
  image_t *src, *t;
  image_node_t *n;
  const image_node_t *m;
  const plan_entry_t *e;
  char sp[1200], path[512];
  uint8_t cafpr[60];
  size_t i;

  snprintf (sp, sizeof sp, "emu:%s/tests/cards/yubikey.card,"
            "%s/tests/cards/canokey-blank.card", cutest_srcdir (),
            cutest_srcdir ());
  CU_ASSERT_FATAL (!scapi_new (sp, &s));
  pins_default (&pins);
  src = discover (s, 0, &pins);
  CU_ASSERT_FATAL (src != NULL);
  for (i = 0; i < sizeof cafpr; i++)
    cafpr[i] = (uint8_t)(i + 1);
  n = image_find_path (src, "openpgp/C6");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (!image_node_set_content (n, cafpr, sizeof cafpr));
  CU_ASSERT (!scapi_keygen (src, "openpgp", "sig", "rsa2048", 1700000500,
                            &sig));
  CU_ASSERT (!scapi_keygen (src, "openpgp", "dec", "cv25519", 1700000501,
                            &dec));
  CU_ASSERT (!scapi_keygen (src, "piv", "9a", "eccp256", 0, &p9a));

  memset (&cb, 0, sizeof cb);
  cb.pin = pin_cb;
  cb.pin_ctx = &pins;
  memset (&ro, 0, sizeof ro);
  memset (pins.calls, 0, sizeof pins.calls);
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 1", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, src, &cb, &plan));
  CU_ASSERT (plan->target_blank);   /* its own CHUID and CCC */
  CU_ASSERT (!scapi_restore (card, src, plan, &ro, &cb, &rep));
  CU_ASSERT (rep.failed == 0 && rep.written > 15
             && rep.verified == rep.written);
  for (i = 0; i < 4; i++)
    {
      char pp[16];
      snprintf (pp, sizeof pp, "openpgp/%04X", 0x0101 + (unsigned)i);
      e = plan_find (plan, pp);
      CU_ASSERT (e && e->action == PLAN_NOT_RESTORABLE && !e->written
                 && e->reason && strstr (e->reason, "does not have"));
    }
  e = plan_find (plan, "openpgp/5B");
  CU_ASSERT (e && e->written && e->verified);
  e = plan_find (plan, "openpgp/C6");
  CU_ASSERT (e && e->written && e->verified);
  e = plan_find (plan, "openpgp/key-sig");
  CU_ASSERT (e && e->written && e->verified);
  e = plan_find (plan, "piv/key-9A");
  CU_ASSERT (e && e->written && e->verified);
  CU_ASSERT (pins.calls[0x83] == 1);
  plan_free (plan);
  scapi_card_close (card);

  pins_default (&pins);
  t = discover (s, 1, &pins);
  CU_ASSERT_FATAL (t != NULL);
  CU_ASSERT (same_content (src, t, "openpgp/5B"));
  CU_ASSERT (same_content (src, t, "openpgp/5F2D"));
  CU_ASSERT (same_content (src, t, "openpgp/C6"));
  CU_ASSERT (same_content (src, t, "piv/5FC102"));
  CU_ASSERT (image_find_path (t, "openpgp/0101") == NULL);
  m = image_find_path (t, "openpgp/key-sig");
  CU_ASSERT (m && m->key.fingerprint
             && !strcmp (m->key.fingerprint, sig.fingerprint));
  m = image_find_path (t, "openpgp/key-dec");
  CU_ASSERT (m && m->key.fingerprint
             && !strcmp (m->key.fingerprint, dec.fingerprint));
  image_free (t);

  /* Its backup: absent objects are absent, not "not backed up". */
  snprintf (path, sizeof path, "%s/unlike.vsc", tmpdir);
  unlink (path);
  memset (&bo, 0, sizeof bo);
  bo.out_path = path;
  bo.password = "pw";
  bo.kdf_m_kib = VSC_KDF_M_MIN;
  bo.kdf_t = 1;
  bo.kdf_p = 1;
  bo.discover.no_scan = true;
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 1", &card));
  CU_ASSERT (!scapi_backup (card, NULL, &bo, &cb, &sum));
  for (i = 0; i < sum.n_missing; i++)
    CU_ASSERT (strstr (sum.missing[i].path, "/key-") != NULL);
  CU_ASSERT (sum.n_missing == 3);   /* sig, dec, 9A: now on-card keys */
  scapi_summary_free (&sum);
  scapi_card_close (card);
  image_free (src);
  scapi_free (s);
}

/* ---- PIN pad ------------------------------------------------------------ */

/* The user types on the reader: the callback only hears about it. */
static gpg_error_t
pinpad_cb (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  pins_t *p = ctx;
  *r_pin = NULL;
  p->calls[req->ref]++;
  if (!req->pinpad || req->ref == 0x83)
    return gpg_error (GPG_ERR_CANCELED);
  return 0;
}

/* PIV's PIN goes through the same path as every other (padded to 8
 * bytes by the PIN pad), PIN-pad PINs are never stored, and a PIN pad
 * that types the wrong PIN costs one try, once. */
static void
test_pinpad (void)
{
  scapi_t *s = open_emu ();
  scapi_card_t *card = NULL;
  scapi_discover_opts_t o;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_vsc_t *vsc = NULL;
  scapi_cb_t cb;
  pins_t pins;
  image_t *img = NULL;
  const image_node_t *n;
  char path[512];

  memset (&pins, 0, sizeof pins);
  memset (&cb, 0, sizeof cb);
  cb.pin = pinpad_cb;
  cb.pin_ctx = &pins;
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = true;
  CU_ASSERT_FATAL (!reader_emu_set_pinpad (scapi_reader_ctx (s), 0,
                                           "123456"));
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 0", &card));
  CU_ASSERT (!scapi_discover (card, &o, &cb, &img));
  CU_ASSERT (content_is (img, "piv/5FC109", "vscemu printed info"));
  n = img ? node (img, "openpgp/0103") : NULL;
  CU_ASSERT (n && n->has_content && !(n->flags & IMAGE_FLAG_UNREADABLE));
  n = img ? node (img, "openpgp/0104") : NULL;
  CU_ASSERT (n && (n->flags & IMAGE_FLAG_UNREADABLE));
  CU_ASSERT (pins.calls[0x80] == 1 && pins.calls[0x82] == 1
             && pins.calls[0x83] == 1);
  image_free (img);
  img = NULL;

  /* --store-pins: nothing to store, the PIN never reached the host. */
  snprintf (path, sizeof path, "%s/pinpad-%d.vsc", tmpdir, dropping);
  unlink (path);
  memset (&bo, 0, sizeof bo);
  bo.out_path = path;
  bo.password = "pw";
  bo.kdf_m_kib = VSC_KDF_M_MIN;
  bo.kdf_t = 1;
  bo.kdf_p = 1;
  bo.discover.no_scan = true;
  bo.store_pins = true;
  CU_ASSERT (!scapi_backup (card, NULL, &bo, &cb, &sum));
  scapi_summary_free (&sum);
  scapi_card_close (card);
  CU_ASSERT_FATAL (!scapi_vsc_open (path, "pw", &vsc));
  CU_ASSERT (image_find_path (scapi_vsc_image (vsc), "piv/5FC109") != NULL);
  CU_ASSERT (image_find_path (scapi_vsc_image (vsc), "pins/80") == NULL);
  scapi_vsc_close (vsc);

  /* A PIN pad typing a wrong PIN: one try lost, not repeated. */
  CU_ASSERT (!reader_emu_set_pinpad (scapi_reader_ctx (s), 0, "654321"));
  memset (pins.calls, 0, sizeof pins.calls);
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 0", &card));
  CU_ASSERT (!scapi_discover (card, &o, &cb, &img));
  n = img ? node (img, "piv/5FC109") : NULL;
  CU_ASSERT (n && (n->flags & IMAGE_FLAG_UNREADABLE));
  CU_ASSERT (pins.calls[0x80] == 1);
  image_free (img);
  img = NULL;
  CU_ASSERT (!scapi_discover (card, &o, &cb, &img));
  CU_ASSERT (pins.calls[0x80] == 1);
  image_free (img);
  scapi_card_close (card);
  reader_emu_set_pinpad (scapi_reader_ctx (s), 0, NULL);
  memset (pins.calls, 0, sizeof pins.calls);
  pins_default (&pins);
  img = discover (s, 0, &pins);
  CU_ASSERT (pins.retries[0x80] == 2);
  image_free (img);
  scapi_free (s);
}

/* ---- a reset by another program in the middle of an operation ---------- */

/* Another connection resets the token: during a restore when the fourth
 * node is about to be written, during a backup when the PIV PIN is asked
 * (after PW1 and PW3 were accepted). Both operations go on: the node is
 * written again after selecting and authenticating again, the discovery
 * starts again; the PINs the token accepted are presented again without
 * asking, and everything is on the target. */
typedef struct resetter {
  scapi_t *s;
  const char *reader;
  size_t at;                    /* restore: before node AT is written */
  unsigned resets;
  pins_t *pins;
} resetter_t;

static void
resetter_reset (resetter_t *r)
{
  reader_card_t *other = NULL;
  CU_ASSERT_FATAL (!reader_connect (scapi_reader_ctx (r->s), r->reader,
                                    READER_SHARED, READER_PROTO_ANY,
                                    &other));
  CU_ASSERT (!reader_reconnect (other, true));
  reader_disconnect (other, false);
  r->resets++;
}

static void
reset_progress (void *ctx, const scapi_progress_t *p)
{
  resetter_t *r = ctx;
  if (!r->resets && p->phase == SCAPI_PHASE_WRITE && p->nodes_done == r->at)
    resetter_reset (r);
}

static gpg_error_t
reset_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  resetter_t *r = ctx;
  if (req->ref == 0x80 && !r->resets)
    resetter_reset (r);
  return pin_cb (r->pins, req, r_pin);
}

static void
test_reset_midway (void)
{
  scapi_t *s = open_emu ();
  scapi_card_t *card = NULL;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_vsc_t *vsc = NULL;
  scapi_cb_t cb;
  plan_t *plan = NULL;
  pins_t pins;
  resetter_t r;
  image_t *a, *b;
  char path[512];
  size_t i;
  static const char *const paths[] = {
    "openpgp/5B", "openpgp/5F50", "openpgp/0103", "openpgp/0104",
    "openpgp/7F21/A4", "piv/5FC102", "piv/5FC105", "piv/5FC10A",
    "piv/5FC109"
  };

  /* Backup, reset when the PIV PIN is asked. */
  pins_default (&pins);
  memset (&r, 0, sizeof r);
  r.s = s;
  r.reader = "vscemu 0";
  r.pins = &pins;
  memset (&cb, 0, sizeof cb);
  cb.pin = reset_pin;
  cb.pin_ctx = &r;
  snprintf (path, sizeof path, "%s/reset-%d.vsc", tmpdir, dropping);
  unlink (path);
  memset (&bo, 0, sizeof bo);
  bo.out_path = path;
  bo.password = "pw";
  bo.kdf_m_kib = VSC_KDF_M_MIN;
  bo.kdf_t = 1;
  bo.kdf_p = 1;
  bo.discover.no_scan = true;
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 0", &card));
  CU_ASSERT (!scapi_backup (card, NULL, &bo, &cb, &sum));
  scapi_summary_free (&sum);
  scapi_card_close (card);
  CU_ASSERT (r.resets == 1);
  /* PW1 and PW3 were accepted before the reset: presented again, not
   * asked; the PIV PIN never reached the token the first time. */
  CU_ASSERT (pins.calls[0x82] == 1 && pins.calls[0x83] == 1);
  CU_ASSERT (pins.calls[0x80] == 2);

  /* Restore, reset before the fourth node. */
  CU_ASSERT_FATAL (!scapi_vsc_open (path, "pw", &vsc));
  pins_default (&pins);
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_cb;
  cb.pin_ctx = &pins;
  memset (&r, 0, sizeof r);
  r.s = s;
  r.reader = "vscemu 1";
  r.at = 3;
  cb.progress = reset_progress;
  cb.progress_ctx = &r;
  CU_ASSERT_FATAL (!scapi_card_open (s, "vscemu 1", &card));
  CU_ASSERT_FATAL (!scapi_restore_plan (card, scapi_vsc_image (vsc), &cb,
                                        &plan));
  memset (pins.calls, 0, sizeof pins.calls);
  memset (&ro, 0, sizeof ro);
  CU_ASSERT (!scapi_restore (card, scapi_vsc_image (vsc), plan, &ro, &cb,
                             &rep));
  CU_ASSERT (r.resets == 1);
  CU_ASSERT (rep.failed == 0 && rep.written > 15
             && rep.verified == rep.written);
  CU_ASSERT (pins.calls[0x82] == 0 && pins.calls[0x83] == 0
             && pins.calls[0x80] == 0);
  plan_free (plan);
  scapi_card_close (card);
  scapi_vsc_close (vsc);

  pins_default (&pins);
  a = discover (s, 0, &pins);
  b = discover (s, 1, &pins);
  CU_ASSERT_FATAL (a && b);
  for (i = 0; i < DIM (paths); i++)
    CU_ASSERT (same_content (a, b, paths[i]));
  image_free (a);
  image_free (b);
  scapi_free (s);
}

/* ---- key presence without GET METADATA ---------------------------------- */

/* A PIV token without the YubiKey extensions cannot say which slots hold
 * a key: a slot with a certificate gets a key node whose algorithm and
 * presence are "unknown" (never called an on-card key), a slot without
 * one gets none (9E: its key is there, its certificate moved to another
 * object). The same card with GET METADATA names the algorithms. */
static void
test_key_presence_unknown (void)
{
  static const char *const slots[3] = { "piv/key-9A", "piv/key-9C",
                                        "piv/key-9D" };
  char in[512], prof[600], sp[700], *text = NULL, *at, *cert;
  FILE *fp;
  long len;
  scapi_t *s = NULL;
  image_t *img;
  const image_node_t *n;
  pins_t pins;
  size_t i;

  snprintf (in, sizeof in, "%s/tests/cards/piv.card", cutest_srcdir ());
  fp = fopen (in, "r");
  CU_ASSERT_FATAL (fp != NULL);
  fseek (fp, 0, SEEK_END);
  len = ftell (fp);
  rewind (fp);
  text = calloc (1, (size_t)len + 1);
  CU_ASSERT_FATAL (text && fread (text, 1, (size_t)len, fp) == (size_t)len);
  fclose (fp);
  at = strstr (text, "applet piv ");
  CU_ASSERT_FATAL (at != NULL);
  snprintf (prof, sizeof prof, "%s/piv-nometa.card", tmpdir);
  fp = fopen (prof, "w");
  CU_ASSERT_FATAL (fp != NULL);
  fwrite (text, 1, (size_t)(at - text), fp);
  fputs ("applet piv yubikey=no ", fp);
  at += strlen ("applet piv ");
  cert = strstr (at, "cert-9e=");
  CU_ASSERT_FATAL (cert != NULL);
  fwrite (at, 1, (size_t)(cert - at), fp);
  fputs ("object-5FC10D=", fp);
  fputs (cert + strlen ("cert-9e="), fp);
  fputs (dropping ? drop_lines : keep_lines, fp);
  CU_ASSERT_FATAL (fclose (fp) == 0);
  free (text);

  snprintf (sp, sizeof sp, "emu:%s/tests/cards/piv.card,%s",
            cutest_srcdir (), prof);
  CU_ASSERT_FATAL (!scapi_new (sp, &s));
  pins_default (&pins);
  img = discover (s, 0, &pins);             /* with GET METADATA */
  CU_ASSERT_FATAL (img != NULL);
  n = node (img, "piv/key-9A");
  CU_ASSERT (n && n->key.algorithm && !strcmp (n->key.algorithm, "rsa2048")
             && n->note && strstr (n->note, "on-card key"));
  image_free (img);

  pins_default (&pins);
  img = discover (s, 1, &pins);             /* without */
  CU_ASSERT_FATAL (img != NULL);
  for (i = 0; i < DIM (slots); i++)
    {
      n = node (img, slots[i]);
      CU_ASSERT (n && (n->flags & IMAGE_FLAG_NOT_EXTRACTABLE)
                 && n->key.algorithm && !strcmp (n->key.algorithm, "unknown")
                 && n->note && strstr (n->note, "presence unknown")
                 && !strstr (n->note, "on-card key:"));
    }
  /* 9E holds a key but no certificate: nothing to say, no node. */
  CU_ASSERT (image_find_path (img, "piv/key-9E") == NULL);
  CU_ASSERT (image_find_path (img, "piv/5FC101") == NULL);
  image_free (img);
  scapi_free (s);
}

/* ---- the security state machinery against a scripted token ------------ */

/* A token that accepts every PIN but refuses every PUT DATA with 6982:
 * the agency must report the refusal after a fresh verification, and
 * re-verify at most once when the state was only assumed. */
typedef struct fake {
  unsigned selects, verifies, puts, asks;
} fake_t;

static gpg_error_t
fake_tx (void *ctx, const uint8_t *c, size_t n, uint8_t *r, size_t *rlen)
{
  fake_t *f = ctx;
  unsigned sw = 0x9000;

  if (n >= 4 && c[1] == 0xA4)
    f->selects++;
  else if (n >= 4 && c[1] == 0x20)
    {
      if (n == 4)
        sw = 0x63C3;            /* empty VERIFY: not verified, 3 left */
      else
        f->verifies++;
    }
  else if (n >= 4 && c[1] == 0xDA)
    {
      f->puts++;
      sw = 0x6982;
    }
  r[0] = (uint8_t)(sw >> 8);
  r[1] = (uint8_t)sw;
  *rlen = 2;
  return 0;
}

static gpg_error_t
fake_pin (void *ctx, const agency_pin_query_t *q, char **r_pin)
{
  fake_t *f = ctx;
  (void)q;
  f->asks++;
  *r_pin = xtrystrdup_secure ("12345678");
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

static void
test_refused_after_fresh (void)
{
  agency_card_t *ac = NULL;
  image_t *src = NULL, *dst = NULL;
  image_node_t *n;
  plan_t *plan = NULL;
  plan_entry_t *e;
  fake_t f;

  memset (&f, 0, sizeof f);
  CU_ASSERT_FATAL (!agency_card_new_chan (fake_tx, &f, NULL, 0, &ac));
  agency_card_set_callbacks (ac, fake_pin, &f, NULL, NULL, NULL);
  CU_ASSERT_FATAL (!image_new (&src) && !image_new (&dst));
  CU_ASSERT_FATAL (!image_make_path (src, "openpgp/5B", IMAGE_NODE_DO,
                                     IMAGE_SRC_USER, &n));
  image_node_set_tag (n, 0x5B);
  CU_ASSERT (!image_node_set_agent (n->parent, "openpgp"));
  CU_ASSERT (!image_node_set_content (n, "Doe<<Jane", 9));
  CU_ASSERT (!image_make_path (src, "openpgp/5E", IMAGE_NODE_DO,
                               IMAGE_SRC_USER, &n));
  image_node_set_tag (n, 0x5E);
  CU_ASSERT (!image_node_set_content (n, "jane", 4));
  CU_ASSERT_FATAL (!plan_new (&plan));
  CU_ASSERT_FATAL (!plan_compare (plan, src, dst));

  /* First write: SELECT, VERIFY (asked), PUT DATA 6982 right after a
   * fresh VERIFY: reported, not looped. */
  e = plan_find (plan, "openpgp/5B");
  CU_ASSERT_FATAL (e != NULL);
  agency_op_begin (ac);
  CU_ASSERT (!agency_write (ac, src, plan, e));
  CU_ASSERT (e->sw == 0x6982 && !e->written);
  CU_ASSERT (f.selects == 1 && f.verifies == 1 && f.puts == 1
             && f.asks == 1);
  /* Second write: the state is only assumed; 6982 makes the agency
   * select and present the accepted PIN once more, then report. */
  e = plan_find (plan, "openpgp/5E");
  CU_ASSERT_FATAL (e != NULL);
  CU_ASSERT (!agency_write (ac, src, plan, e));
  CU_ASSERT (e->sw == 0x6982 && !e->written);
  CU_ASSERT (f.selects == 2 && f.verifies == 2 && f.puts == 3
             && f.asks == 1);
  /* OpenPGP's PW3 says nothing about PIV's reference 83, nor about the
   * file system's. */
  CU_ASSERT (agency_pin_state (ac, &agent_openpgp, 0x83)
             == AGENCY_PIN_VERIFIED);
  CU_ASSERT (agency_pin_state (ac, &agent_piv, 0x83) == AGENCY_PIN_UNKNOWN);
  CU_ASSERT (agency_pin_state (ac, NULL, 0x83) == AGENCY_PIN_UNKNOWN);
  /* A SELECT of anything ends the epoch: no longer verified. */
  {
    unsigned sw;
    CU_ASSERT (!agency_app_select (ac, &agent_piv, &sw) && sw == 0x9000);
  }
  CU_ASSERT (agency_pin_state (ac, &agent_openpgp, 0x83)
             == AGENCY_PIN_UNKNOWN);
  /* The end of the operation wipes the value: a later re-verification
   * has to ask again (there is nothing to present). */
  agency_op_end (ac, false);
  CU_ASSERT (!agency_ensure_pin (ac, &agent_openpgp, 0x83, "openpgp/5E",
                                 NULL));
  CU_ASSERT (f.asks == 2 && f.verifies == 3);
  CU_ASSERT (agency_card_authenticated (ac));
  plan_free (plan);
  image_free (src);
  image_free (dst);
  agency_card_free (ac);
}

/* ---- fingerprints and helpers ---------------------------------------- */

static void
test_keys_helpers (void)
{
  const agent_keys_algo_t *al = agent_keys_algo ("ed25519");
  uint8_t attr[16];
  size_t n;
  uint32_t t = 0;
  char buf[32];

  CU_ASSERT_FATAL (al != NULL);
  CU_ASSERT (agent_keys_algo ("rsa1024") == NULL);
  CU_ASSERT (!agent_keys_openpgp_attr (al, 0, attr, &n));
  CU_ASSERT (n == 10 && attr[0] == 0x16);
  CU_ASSERT (agent_keys_openpgp_attr (al, 1, attr, &n) != 0);
  CU_ASSERT (!agent_keys_openpgp_attr (agent_keys_algo ("rsa3072"), 1, attr,
                                       &n));
  CU_ASSERT (n == 6 && attr[0] == 1 && attr[1] == 0x0C && attr[2] == 0x00);
  util_time_text (1700000000, buf, sizeof buf);
  CU_ASSERT (!strcmp (buf, "2023-11-14T22:13:20Z"));
  CU_ASSERT (util_time_parse (buf, &t) && t == 1700000000);
  /* A time gmtime cannot take (server and VSC times are 64 bits): the
   * number. */
  util_time_text ((uint64_t)INT64_MAX, buf, sizeof buf);
  CU_ASSERT_STRING_EQUAL (buf, "9223372036854775807");
  CU_ASSERT (!util_time_parse ("2023-11-14", &t));
}

/* Copy the profile SRC to DIR/NAME-MODE.card with EXTRA appended. */
static int
copy_profile (const char *src, const char *name, const char *mode,
              const char *extra, char *out, size_t outsize)
{
  FILE *in, *fp;
  char buf[4096];
  size_t n;

  snprintf (out, outsize, "%s/%s-%s.card", tmpdir, name, mode);
  in = fopen (src, "r");
  fp = fopen (out, "w");
  if (!in || !fp)
    {
      if (in)
        fclose (in);
      if (fp)
        fclose (fp);
      return 1;
    }
  while ((n = fread (buf, 1, sizeof buf, in)) > 0)
    fwrite (buf, 1, n, fp);
  fputs (extra, fp);
  fclose (in);
  return fclose (fp) ? 1 : 0;
}

static int
make_spec (const char *mode, const char *extra, char *sp, size_t size)
{
  const char *src = cutest_srcdir ();
  static const char *const names[3] = { "yubikey", "yubikey-blank",
                                        "openpgp-blank" };
  char in[512], out[4][512];
  size_t i;

  for (i = 0; i < 3; i++)
    {
      snprintf (in, sizeof in, "%s/tests/cards/%s.card", src, names[i]);
      if (copy_profile (in, names[i], mode, extra, out[i], sizeof out[i]))
        return 1;
    }
  snprintf (in, sizeof in, "%s/piv-noyk.card", tmpdir);
  if (copy_profile (in, "piv-noyk", mode, extra, out[3], sizeof out[3]))
    return 1;
  snprintf (sp, size, "emu:%s,%s,%s,%s", out[0], out[1], out[2], out[3]);
  return 0;
}

static int
suite_init (void)
{
  char prof[512];
  FILE *fp;

  snprintf (tmpdir, sizeof tmpdir, "%s/test-agent-apps.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (!mkdtemp (tmpdir))
    return 1;
  snprintf (prof, sizeof prof, "%s/piv-noyk.card", tmpdir);
  fp = fopen (prof, "w");
  if (!fp)
    return 1;
  fprintf (fp, "atr 3B8C80018073C021C05669766563656D75ED\nprotocol t1\n"
           "extended-length yes\napplet piv serial=1 yubikey=no\n");
  fclose (fp);
  if (make_spec ("keep", keep_lines, spec_keep, sizeof spec_keep)
      || make_spec ("drop", drop_lines, spec_drop, sizeof spec_drop))
    return 1;
  return 0;
}

static int
suite_cleanup (void)
{
  char cmd[600];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system (cmd) == 0 ? 0 : 1;
}

/* Each test against both kinds of token. */
#define BOTH(f)                                                         \
  static void f##_keeping (void)                                        \
  { spec = spec_keep; dropping = false; f (); }                         \
  static void f##_dropping (void)                                       \
  { spec = spec_drop; dropping = true; f (); }
BOTH (test_openpgp_discover)
BOTH (test_piv_discover)
BOTH (test_clone)
BOTH (test_escrow)
BOTH (test_escrow_keys_only)
BOTH (test_uif)
BOTH (test_pinpad)
BOTH (test_key_presence_unknown)
BOTH (test_reset_midway)

static const cutest_t tests[] = {
  CUTEST (test_keys_helpers),
  CUTEST (test_vsc_keygen),
  CUTEST (test_vsc_put),
  CUTEST (test_refused_after_fresh),
  CUTEST (test_unlike_specs),
  CUTEST (test_openpgp_discover_keeping),
  CUTEST (test_openpgp_discover_dropping),
  CUTEST (test_piv_discover_keeping),
  CUTEST (test_piv_discover_dropping),
  CUTEST (test_clone_keeping),
  CUTEST (test_clone_dropping),
  CUTEST (test_escrow_keeping),
  CUTEST (test_escrow_dropping),
  CUTEST (test_escrow_keys_only_keeping),
  CUTEST (test_escrow_keys_only_dropping),
  CUTEST (test_uif_keeping),
  CUTEST (test_uif_dropping),
  CUTEST (test_pinpad_keeping),
  CUTEST (test_pinpad_dropping),
  CUTEST (test_key_presence_unknown_keeping),
  CUTEST (test_key_presence_unknown_dropping),
  CUTEST (test_reset_midway_keeping),
  CUTEST (test_reset_midway_dropping),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("agent-apps", tests, suite_init, suite_cleanup);
}
