/* test-pins.c - PINs stored in the VSC (backup store_pins) and set on
 * restore only when asked (restore set_pins), against the in-process
 * emulator: tests/cards/openpgp.card (PW1 123456, PW3 12345678) backed
 * up, restored onto tests/cards/openpgp-blank.card (same defaults). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cutest.h"
#include "common/util.h"
#include "agency/iso7816.h"
#include "scapi/scapi.h"
#include "vsc/vsc.h"

static char tmpdir[256];
static char src_spec[1024];
static char blank_spec[1024];

static const scapi_scan_range_t test_ranges[] = {
  { 0x4B00, 0x4B03 }, { 0x4F00, 0x4F03 }
};

static const uint8_t openpgp_aid[] = { 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01 };

/* PIN answers per reference; counts the questions. */
typedef struct pin_answers {
  const char *pin[256];
  unsigned calls[256];
  int retries[256];
} pin_answers_t;

static gpg_error_t
test_pins_cb (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  pin_answers_t *pa = ctx;

  pa->calls[req->ref]++;
  pa->retries[req->ref] = req->retries;
  if (!pa->pin[req->ref])
    return gpg_error (GPG_ERR_CANCELED);
  *r_pin = xtrystrdup_secure (pa->pin[req->ref]);
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

static void
test_defaults (pin_answers_t *pa)
{
  memset (pa, 0, sizeof *pa);
  pa->pin[0x81] = "123456";
  pa->pin[0x82] = "123456";
  pa->pin[0x83] = "12345678";
  pa->pin[0x01] = "123456";       /* pkcs15.card CHV1 */
}

static gpg_error_t
test_backup_spec (const char *spec, const char *path, bool store_pins)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_cb_t cb;
  pin_answers_t pa;
  gpg_error_t err;

  test_defaults (&pa);
  memset (&cb, 0, sizeof cb);
  cb.pin = test_pins_cb;
  cb.pin_ctx = &pa;
  memset (&o, 0, sizeof o);
  o.out_path = path;
  o.password = "test password";
  o.kdf_m_kib = VSC_KDF_M_MIN;
  o.kdf_t = 1;
  o.kdf_p = 1;
  o.discover.ranges = test_ranges;     /* 4F01 is found by the scan */
  o.discover.n_ranges = DIM (test_ranges);
  o.store_pins = store_pins;
  unlink (path);
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  err = scapi_backup (card, NULL, &o, &cb, &sum);
  scapi_summary_free (&sum);
  scapi_card_close (card);
  scapi_free (s);
  return err;
}

static gpg_error_t
test_backup (const char *path, bool store_pins)
{
  return test_backup_spec (src_spec, path, store_pins);
}

static image_t *
test_open (const char *path)
{
  vsc_t *v = NULL;
  image_t *img = NULL;
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, "test password", &v), 0);
  CU_ASSERT_EQUAL (image_copy (vsc_image (v), &img), 0);
  vsc_close (v);
  return img;
}

/* VERIFY REF with PIN on the card now in S (a new session): the SW. */
static unsigned
test_verify (scapi_t *s, uint8_t ref, const char *pin)
{
  reader_card_t *rc = NULL;
  apdu_chan_t chan;
  unsigned sw = 0;

  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &rc), 0);
  reader_chan_init (rc, &chan);
  CU_ASSERT_EQUAL (iso7816_select_aid (&chan, openpgp_aid,
                                       sizeof openpgp_aid, NULL, &sw), 0);
  CU_ASSERT_EQUAL (sw, SW_OK);
  CU_ASSERT_EQUAL (iso7816_verify (&chan, ref, pin, &sw), 0);
  reader_disconnect (rc, true);
  return sw;
}

/* Restore SRC onto a fresh blank OpenPGP card; then check the PINs of
 * the restored card with CHECK (called with the scapi context). */
static gpg_error_t
test_restore (const image_t *src, bool set_pins, pin_answers_t *pa,
              plan_t **r_plan, scapi_restore_report_t *rep, scapi_t **r_s)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_restore_opts_t ro;
  scapi_cb_t cb;
  gpg_error_t err;

  memset (&cb, 0, sizeof cb);
  cb.pin = test_pins_cb;
  cb.pin_ctx = pa;
  memset (&ro, 0, sizeof ro);
  ro.set_pins = set_pins;
  CU_ASSERT_EQUAL_FATAL (scapi_new (blank_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_restore_plan (card, src, &cb, r_plan), 0);
  err = scapi_restore (card, src, *r_plan, &ro, &cb, rep);
  scapi_card_close (card);
  *r_s = s;
  return err;
}

static void
test_set_pin (image_t *img, const char *path, const char *pin)
{
  image_node_t *n = NULL;
  CU_ASSERT_EQUAL_FATAL (image_make_path (img, path, IMAGE_NODE_DO,
                                          IMAGE_SRC_USER, &n), 0);
  n->area = IMAGE_AREA_PRIVATE;
  CU_ASSERT_EQUAL (image_node_set_content (n, pin, strlen (pin)), 0);
}

static void
test_pin_path (void)
{
  int ref = 0;
  CU_ASSERT (scapi_pin_path ("pins/81", &ref) && ref == 0x81);
  CU_ASSERT (scapi_pin_path ("PINS/01", &ref) && ref == 0x01);
  CU_ASSERT (scapi_pin_path ("pins", &ref) && ref == -1);
  CU_ASSERT (!scapi_pin_path ("pinsx/81", &ref));
  CU_ASSERT (!scapi_pin_path ("pins/zz", &ref));
  CU_ASSERT (!scapi_pin_path ("pins/100", &ref));
  CU_ASSERT (!scapi_pin_path ("openpgp/5F50", &ref));
}

/* --store-pins keeps exactly the PINs verified, in the private area;
 * without it no PIN is stored. */
static void
test_store (void)
{
  char path[512];
  image_t *img;
  const image_node_t *n;

  snprintf (path, sizeof path, "%s/plain.vsc", tmpdir);
  CU_ASSERT_EQUAL_FATAL (test_backup (path, false), 0);
  img = test_open (path);
  CU_ASSERT_PTR_NULL (image_find_path (img, "pins"));
  image_free (img);

  snprintf (path, sizeof path, "%s/pins.vsc", tmpdir);
  CU_ASSERT_EQUAL_FATAL (test_backup (path, true), 0);
  img = test_open (path);
  n = image_find_path (img, "pins/83");
  CU_ASSERT_FATAL (n != NULL);
  CU_ASSERT (n->has_content && n->content_len == 8
             && !memcmp (n->content, "12345678", 8));
  CU_ASSERT_EQUAL (image_node_effective_area (n), IMAGE_AREA_PRIVATE);
  /* It belongs to the OpenPGP application: restore selects it first. */
  CU_ASSERT (image_node_pin_scope (n) && !strcmp (image_node_pin_scope (n), "openpgp"));
  CU_ASSERT_PTR_NULL (n->note);      /* the note is human text only */
  n = image_find_path (img, "pins");
  CU_ASSERT (n && n->area == IMAGE_AREA_PRIVATE);
  image_free (img);

  /* Without the password only the public area: no PIN node at all. */
  {
    vsc_t *v = NULL;
    CU_ASSERT_EQUAL_FATAL (vsc_open (path, NULL, &v), 0);
    CU_ASSERT_PTR_NULL (image_find_path (vsc_image (v), "pins/83"));
    CU_ASSERT_PTR_NULL (image_find_path (vsc_image (v), "pins"));
    vsc_close (v);
  }

  /* An ISO/PKCS#15 card: CHV1 (01), scoped to the DF it was used in. */
  {
    char spec[1024];
    snprintf (spec, sizeof spec, "emu:%s/tests/cards/pkcs15.card",
              cutest_srcdir ());
    snprintf (path, sizeof path, "%s/p15.vsc", tmpdir);
    CU_ASSERT_EQUAL_FATAL (test_backup_spec (spec, path, true), 0);
    img = test_open (path);
    n = image_find_path (img, "pins/01");
    CU_ASSERT_FATAL (n != NULL);
    CU_ASSERT (n->content_len == 6 && !memcmp (n->content, "123456", 6));
    CU_ASSERT (image_node_pin_scope (n) && !strcmp (image_node_pin_scope (n), "3F00/5015"));
    CU_ASSERT (image_node_pin_label (n) && !strcmp (image_node_pin_label (n), "User PIN"));
    image_free (img);
  }
}

/* Restore without set_pins: PINs listed as skipped, the target keeps its
 * PINs. With set_pins: the stored values are set (old refused). */
static void
test_restore_pins (void)
{
  char path[512];
  image_t *img;
  plan_t *plan = NULL;
  plan_entry_t *e;
  scapi_restore_report_t rep;
  pin_answers_t pa;
  scapi_t *s = NULL;

  snprintf (path, sizeof path, "%s/pins.vsc", tmpdir);
  img = test_open (path);
  CU_ASSERT_FATAL (img != NULL);
  test_set_pin (img, "pins/81", "654321");
  test_set_pin (img, "pins/83", "87654321");

  /* 1. Not asked: nothing changes. */
  test_defaults (&pa);
  CU_ASSERT_EQUAL (test_restore (img, false, &pa, &plan, &rep, &s), 0);
  e = plan_find (plan, "pins/81");
  CU_ASSERT (e && e->action == PLAN_NOT_RESTORABLE && !e->written
             && e->reason && strstr (e->reason, "--set-pins"));
  CU_ASSERT_EQUAL (pa.calls[0x81], 0);     /* never asked for 81 */
  CU_ASSERT_EQUAL (test_verify (s, 0x81, "123456"), SW_OK);
  CU_ASSERT_EQUAL (test_verify (s, 0x83, "12345678"), SW_OK);
  plan_free (plan);
  plan = NULL;
  scapi_free (s);

  /* 2. Asked: 81 and 83 set; 82 (PW1 again on OpenPGP) left to 81. */
  test_defaults (&pa);
  CU_ASSERT_EQUAL (test_restore (img, true, &pa, &plan, &rep, &s), 0);
  e = plan_find (plan, "pins/81");
  CU_ASSERT (e && e->action == PLAN_UPDATE && e->written && e->verified
             && !e->err);
  CU_ASSERT_EQUAL (pa.calls[0x81], 1);
  CU_ASSERT_EQUAL (pa.retries[0x81], 3);   /* counter shown first */
  e = plan_find (plan, "pins/83");
  CU_ASSERT (e && e->written && e->verified);
  e = plan_find (plan, "pins/82");    /* PW1 again: set by pins/81 */
  CU_ASSERT (e && e->action == PLAN_SAME && !e->written && e->reason
             && strstr (e->reason, "pins/81"));
  CU_ASSERT_EQUAL (rep.failed, 0);
  CU_ASSERT_EQUAL (test_verify (s, 0x81, "654321"), SW_OK);
  CU_ASSERT_EQUAL (test_verify (s, 0x83, "87654321"), SW_OK);
  CU_ASSERT_EQUAL (test_verify (s, 0x81, "123456") & 0xFFF0, 0x63C0);
  CU_ASSERT_EQUAL (test_verify (s, 0x83, "12345678") & 0xFFF0, 0x63C0);
  plan_free (plan);
  plan = NULL;
  scapi_free (s);

  /* 3. A wrong current PIN for 81 (82, the same PW1 for the data, is
   * right): refused with its status word, asked once, not retried; 83
   * is still set. */
  test_defaults (&pa);
  pa.pin[0x81] = "000000";
  CU_ASSERT_NOT_EQUAL (test_restore (img, true, &pa, &plan, &rep, &s), 0);
  e = plan_find (plan, "pins/81");
  CU_ASSERT (e && !e->written && e->sw == 0x63C2
             && gpg_err_code (e->err) == GPG_ERR_BAD_PIN);
  CU_ASSERT_EQUAL (pa.calls[0x81], 1);
  CU_ASSERT_EQUAL (rep.failed, 1);
  e = plan_find (plan, "pins/83");
  CU_ASSERT (e && e->written && e->verified);
  CU_ASSERT_EQUAL (test_verify (s, 0x81, "123456"), SW_OK);
  CU_ASSERT_EQUAL (test_verify (s, 0x83, "87654321"), SW_OK);
  plan_free (plan);
  scapi_free (s);
  image_free (img);
}

static int
suite_init (void)
{
  snprintf (tmpdir, sizeof tmpdir, "%s/test-pins.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (!mkdtemp (tmpdir))
    return -1;
  snprintf (src_spec, sizeof src_spec, "emu:%s/tests/cards/openpgp.card",
            cutest_srcdir ());
  snprintf (blank_spec, sizeof blank_spec,
            "emu:%s/tests/cards/openpgp-blank.card", cutest_srcdir ());
  return 0;
}

static int
suite_cleanup (void)
{
  char cmd[600];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system (cmd) == 0 ? 0 : -1;
}

static const cutest_t tests[] = {
  CUTEST (test_pin_path),
  CUTEST (test_store),
  CUTEST (test_restore_pins),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("pins", tests, suite_init, suite_cleanup);
}
