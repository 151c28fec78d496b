/* test-agency.c - agency, agents, scapi backup/restore/diff against the
 * in-process emulator (tests/cards/pkcs15.card, tests/cards/blank.card) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cutest.h"
#include "common/util.h"
#include "agency/agent.h"
#include "agency/iso7816.h"
#include "scapi/scapi.h"
#include "vsc/vsc.h"

static char tmpdir[256];
static char last_text[512];   /* scapi_last_error_text of the restore */
static char pkcs15_spec[1024];
static char blank_spec[1024];

/* Small scan ranges that still cover the files no directory lists. */
static const scapi_scan_range_t test_ranges[] = {
  { 0x2F00, 0x2F03 }, { 0x4B00, 0x4B03 }, { 0x4F00, 0x4F03 },
  { 0x5100, 0x5103 }, { 0x7000, 0x7003 }
};

typedef struct pin_log {
  const char *pin;         /* answer, NULL = cancel */
  unsigned calls;
  int retries_seen;
  uint8_t ref_seen;
  char label_seen[64];
} pin_log_t;

static gpg_error_t
test_pin_cb (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  pin_log_t *pl = ctx;
  pl->calls++;
  pl->retries_seen = req->retries;
  pl->ref_seen = req->ref;
  snprintf (pl->label_seen, sizeof pl->label_seen, "%s", req->label);
  if (!pl->pin)
    return gpg_error (GPG_ERR_CANCELED);
  *r_pin = xtrystrdup_secure (pl->pin);
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

static void
test_opts (scapi_backup_opts_t *o, const char *path)
{
  memset (o, 0, sizeof *o);
  o->out_path = path;
  o->password = "test password";
  o->kdf_m_kib = VSC_KDF_M_MIN;
  o->kdf_t = 1;
  o->kdf_p = 1;
  o->discover.ranges = test_ranges;
  o->discover.n_ranges = DIM (test_ranges);
}

static void
test_path (char *buf, size_t n, const char *name)
{
  snprintf (buf, n, "%s/%s", tmpdir, name);
  unlink (buf);
}

/* Backup of the PKCS#15 card into PATH with PIN answer PIN. */
static gpg_error_t
do_backup (const char *path, pin_log_t *pl, scapi_summary_t *sum)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_cb_t cb;
  gpg_error_t err;

  memset (&cb, 0, sizeof cb);
  cb.pin = test_pin_cb;
  cb.pin_ctx = pl;
  test_opts (&o, path);
  err = scapi_new (pkcs15_spec, &s);
  CU_ASSERT_EQUAL_FATAL (err, 0);
  err = scapi_card_open (s, NULL, &card);
  CU_ASSERT_EQUAL_FATAL (err, 0);
  err = scapi_backup (card, NULL, &o, &cb, sum);
  scapi_card_close (card);
  scapi_free (s);
  return err;
}

static image_t *
open_image (const char *path)
{
  vsc_t *v = NULL;
  image_t *img = NULL;
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, "test password", &v), 0);
  CU_ASSERT_EQUAL (image_copy (vsc_image (v), &img), 0);
  vsc_close (v);
  return img;
}

static bool
content_is (const image_t *img, const char *path, const char *text)
{
  const image_node_t *n = image_find_path (img, path);
  return n && n->has_content && n->content_len == strlen (text)
    && !memcmp (n->content, text, n->content_len);
}

static void
test_backup_pkcs15 (void)
{
  char path[512];
  scapi_summary_t sum;
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  image_t *img;
  const image_node_t *n;
  size_t i;
  bool saw_key = false, saw_4b01 = false;

  test_path (path, sizeof path, "b1.vsc");
  CU_ASSERT_EQUAL_FATAL (do_backup (path, &pl, &sum), 0);
  /* The PIN was asked once, with the retry counter read first. */
  CU_ASSERT_EQUAL (pl.calls, 1);
  CU_ASSERT_EQUAL (pl.retries_seen, 3);
  CU_ASSERT_EQUAL (pl.ref_seen, 0x01);
  CU_ASSERT_STRING_EQUAL (pl.label_seen, "User PIN");
  CU_ASSERT (sum.nodes >= 25);
  CU_ASSERT (sum.bytes > 1000);
  CU_ASSERT (sum.apdus > 30);
  CU_ASSERT (sum.scan_apdus > 0 && sum.scan_apdus < sum.apdus);
  CU_ASSERT_FALSE (sum.scan_pending);
  CU_ASSERT_PTR_NULL (sum.password);     /* given, not generated */
  CU_ASSERT_EQUAL (strlen (sum.uuid), 36);
  for (i = 0; i < sum.n_missing; i++)
    {
      if (strstr (sum.missing[i].path, "key-45"))
        saw_key = strstr (sum.missing[i].reason, "not extractable") != NULL;
      if (!strcmp (sum.missing[i].path, "3F00/5015/4B01"))
        saw_4b01 = sum.missing[i].sw == 0x6982;
    }
  CU_ASSERT (saw_key);
  CU_ASSERT (saw_4b01);
  scapi_summary_free (&sum);

  img = open_image (path);
  /* EF.DIR, PKCS#15 directory files, token label. */
  CU_ASSERT_PTR_NOT_NULL (image_find_path (img, "3F00/2F00"));
  CU_ASSERT_PTR_NOT_NULL (img->card.label);
  if (img->card.label)
    CU_ASSERT_STRING_EQUAL (img->card.label, "vscemu test card");
  n = image_find_path (img, "3F00/5015/4401");
  CU_ASSERT (n && n->source == IMAGE_SRC_PKCS15 && n->has_content);
  /* The PIN-protected EF, read after VERIFY, in the private area. */
  CU_ASSERT (content_is (img, "3F00/5015/4F01",
                         "secret note: readable after VERIFY CHV1"));
  n = image_find_path (img, "3F00/5015/4F01");
  CU_ASSERT (n && n->area == IMAGE_AREA_PRIVATE
             && n->access.read == IMAGE_AC_PIN);
  /* The DF nobody lists, found by the scan, with its files. */
  n = image_find_path (img, "3F00/7000");
  CU_ASSERT (n && n->type == IMAGE_NODE_DF && n->source == IMAGE_SRC_FID_SCAN);
  CU_ASSERT (content_is (img, "3F00/7000/7001", "hidden DF content"));
  CU_ASSERT (content_is (img, "3F00/7000/7002/#1", "short"));
  /* Records. */
  CU_ASSERT (content_is (img, "3F00/5015/5100/#2", "record two      "));
  n = image_find_path (img, "3F00/5015/5101");
  CU_ASSERT (n && n->type == IMAGE_NODE_EF_CYCLIC);
  CU_ASSERT (content_is (img, "3F00/5015/5101/#1", "newest.."));
  /* The private key: metadata only. */
  n = image_find_path (img, "3F00/5015/key-45");
  CU_ASSERT (n && (n->flags & IMAGE_FLAG_NOT_EXTRACTABLE) && !n->has_content);
  /* The certificate is the real DER file. */
  n = image_find_path (img, "3F00/5015/4301");
  CU_ASSERT (n && n->content_len > 300 && n->content[0] == 0x30);
  image_free (img);
}

static int
retries_now (scapi_t *s)
{
  reader_card_t *rc = NULL;
  apdu_chan_t ch;
  int r = -9;
  unsigned sw = 0;
  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &rc), 0);
  reader_chan_init (rc, &ch);
  CU_ASSERT_EQUAL (iso7816_pin_retries (&ch, 0x01, &r, &sw), 0);
  reader_disconnect (rc, false);
  return r;
}

/* Wrong PIN: asked once, the counter drops by exactly one, no retry,
 * the protected file is reported, the rest is backed up. */
static void
test_wrong_pin (void)
{
  char path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_cb_t cb;
  pin_log_t pl = { "000000", 0, 0, 0, "" };
  image_t *img;
  const image_node_t *n;

  test_path (path, sizeof path, "wrongpin.vsc");
  memset (&cb, 0, sizeof cb);
  cb.pin = test_pin_cb;
  cb.pin_ctx = &pl;
  test_opts (&o, path);
  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL (retries_now (s), 3);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL (scapi_backup (card, NULL, &o, &cb, &sum), 0);
  CU_ASSERT_EQUAL (pl.calls, 1);
  CU_ASSERT_EQUAL (retries_now (s), 2);
  scapi_summary_free (&sum);
  scapi_card_close (card);
  scapi_free (s);

  img = open_image (path);
  n = image_find_path (img, "3F00/5015/4F01");
  CU_ASSERT (n && (n->flags & IMAGE_FLAG_UNREADABLE) && !n->has_content);
  CU_ASSERT (n && n->note && strstr (n->note, "not verified"));
  CU_ASSERT (content_is (img, "3F00/7000/7001", "hidden DF content"));
  image_free (img);

  /* No PIN callback at all: nothing asked, counter unchanged. */
  test_path (path, sizeof path, "nopin.vsc");
  test_opts (&o, path);
  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL (scapi_backup (card, NULL, &o, NULL, &sum), 0);
  CU_ASSERT_EQUAL (retries_now (s), 3);
  scapi_summary_free (&sum);
  scapi_card_close (card);
  scapi_free (s);
}

/* A budget stops the scan; backing up into the same VSC again
 * continues where it stopped until the unlisted DF is found. */
static void
test_scan_resume (void)
{
  char path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_vsc_t *vsc = NULL;
  unsigned runs = 0;
  bool found = false, pending = true;
  static const scapi_scan_range_t wide[] = { { 0x0001, 0x00FF },
                                             { 0x7000, 0x7003 } };

  test_path (path, sizeof path, "resume.vsc");
  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  test_opts (&o, path);
  o.discover.ranges = wide;
  o.discover.n_ranges = DIM (wide);
  o.discover.scan_budget = 100;
  CU_ASSERT_EQUAL_FATAL (scapi_backup (card, NULL, &o, NULL, &sum), 0);
  CU_ASSERT_TRUE (sum.scan_pending);
  /* The budget counts the scan's SELECTs; scan_apdus also has the other
   * probes that found nothing (well-known FIDs, absent applications). */
  CU_ASSERT (sum.scan_apdus >= 90 && sum.scan_apdus <= 100 + 20);
  scapi_summary_free (&sum);
  runs = 1;
  while (pending && runs < 20)
    {
      const image_t *img;
      CU_ASSERT_EQUAL_FATAL (scapi_vsc_open (path, "test password", &vsc), 0);
      img = scapi_vsc_image (vsc);
      found = image_find_path (img, "3F00/7000/7001") != NULL;
      pending = scapi_image_scan_pending (img, NULL);
      if (pending)
        {
          o.vsc = vsc;
          CU_ASSERT_EQUAL (scapi_backup (card, NULL, &o, NULL, &sum), 0);
          scapi_summary_free (&sum);
          runs++;
        }
      scapi_vsc_close (vsc);
      vsc = NULL;
    }
  /* 255 + 4 FIDs in MF and again in 5015/7000: needs several runs. */
  CU_ASSERT (runs >= 3);
  CU_ASSERT_FALSE (pending);
  CU_ASSERT_TRUE (found);
  scapi_card_close (card);
  scapi_free (s);
}

/* Read a whole file (for "untouched" checks). */
static uint8_t *
slurp (const char *path, size_t *n)
{
  FILE *fp = fopen (path, "rb");
  uint8_t *p = NULL;
  long len;
  *n = 0;
  if (!fp)
    return NULL;
  fseek (fp, 0, SEEK_END);
  len = ftell (fp);
  fseek (fp, 0, SEEK_SET);
  p = malloc (len ? len : 1);
  if (p && fread (p, 1, len, fp) != (size_t)len)
    {
      free (p);
      p = NULL;
    }
  fclose (fp);
  *n = len;
  return p;
}

/* Card pulled after N APDUs during backup: a clear error and no file,
 * or a complete file; into an existing VSC: the old file untouched. */
static void
test_remove_during_backup (void)
{
  static const unsigned long ns[] = { 1, 2, 3, 4, 5, 7, 9, 12, 15, 20, 27,
                                      35, 44, 52, 60, 70, 85, 100 };
  char path[512], old[512];
  size_t i, n0, n1;
  uint8_t *before, *after;
  unsigned removed = 0, complete = 0;
  unsigned long total;
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  scapi_summary_t sum;

  test_path (old, sizeof old, "old.vsc");
  CU_ASSERT_EQUAL_FATAL (do_backup (old, &pl, &sum), 0);
  total = sum.apdus;
  scapi_summary_free (&sum);
  before = slurp (old, &n0);
  CU_ASSERT_PTR_NOT_NULL_FATAL (before);
  CU_ASSERT (total > 30);

  for (i = 0; i < DIM (ns) + 3; i++)
    {
      scapi_t *s = NULL;
      scapi_card_t *card = NULL;
      scapi_backup_opts_t o;
      scapi_vsc_t *vsc = NULL;
      scapi_cb_t cb;
      gpg_error_t err;
      struct stat st;
      /* The listed N, then the last APDU, and just enough. */
      unsigned long n = i < DIM (ns) ? ns[i]
        : i == DIM (ns) ? total - 1 : i == DIM (ns) + 1 ? total : total + 5;

      memset (&cb, 0, sizeof cb);
      cb.pin = test_pin_cb;
      cb.pin_ctx = &pl;
      test_path (path, sizeof path, "removed.vsc");
      test_opts (&o, path);
      CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
      CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
      CU_ASSERT_EQUAL (scapi_emu_remove_after (s, 0, n), 0);
      err = scapi_backup (card, NULL, &o, &cb, &sum);
      scapi_summary_free (&sum);
      CU_ASSERT_EQUAL (err != 0, n < total);
      if (err)
        {
          removed++;
          CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_REMOVED);
          CU_ASSERT (strstr (scapi_last_error_text (), "removed") != NULL);
          CU_ASSERT_EQUAL (gpg_err_code (scapi_last_error ()->code),
                           GPG_ERR_CARD_REMOVED);
          CU_ASSERT (stat (path, &st) != 0);   /* no file at all */
        }
      else
        {
          image_t *img = open_image (path);
          complete++;
          CU_ASSERT (content_is (img, "3F00/5015/4F01",
                                 "secret note: readable after VERIFY CHV1"));
          CU_ASSERT_PTR_NOT_NULL (image_find_path (img, "3F00/7000/7002"));
          image_free (img);
        }
      scapi_card_close (card);
      scapi_free (s);

      /* The same into the existing VSC: it stays byte for byte. */
      CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
      CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
      CU_ASSERT_EQUAL_FATAL (scapi_vsc_open (old, "test password", &vsc), 0);
      test_opts (&o, NULL);
      o.vsc = vsc;
      CU_ASSERT_EQUAL (scapi_emu_remove_after (s, 0, n), 0);
      err = scapi_backup (card, NULL, &o, &cb, &sum);
      scapi_summary_free (&sum);
      scapi_vsc_close (vsc);
      scapi_card_close (card);
      scapi_free (s);
      CU_ASSERT_EQUAL (err != 0, n < total);
      if (err)
        {
          after = slurp (old, &n1);
          CU_ASSERT (after && n1 == n0 && !memcmp (before, after, n0));
          free (after);
        }
      else
        {
          free (before);
          before = slurp (old, &n0);
        }
    }
  CU_ASSERT (removed >= 10);
  CU_ASSERT_EQUAL (removed + complete, DIM (ns) + 3);
  CU_ASSERT (complete >= 2);           /* N = total and total + 5 */
  free (before);
}

/* Restore the backup onto the blank card: plan, write, read back; then
 * the card compares equal to the VSC except for the MF's own attributes
 * (a restore never changes the MF). */
static gpg_error_t
restore_onto (const char *spec, const image_t *src, bool force,
              bool dry_run, unsigned long remove_after, plan_t **r_plan,
              scapi_restore_report_t *rep, image_t **r_after)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_restore_opts_t ro;
  scapi_cb_t cb;
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  gpg_error_t err;
  scapi_discover_opts_t dopts;

  memset (&cb, 0, sizeof cb);
  cb.pin = test_pin_cb;
  cb.pin_ctx = &pl;
  memset (&ro, 0, sizeof ro);
  ro.force = force;
  ro.dry_run = dry_run;
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  err = scapi_restore_plan (card, src, &cb, r_plan);
  CU_ASSERT_EQUAL_FATAL (err, 0);
  if (remove_after)
    CU_ASSERT_EQUAL (scapi_emu_remove_after (s, 0, remove_after), 0);
  err = scapi_restore (card, src, *r_plan, &ro, &cb, rep);
  snprintf (last_text, sizeof last_text, "%s", scapi_last_error_text ());
  scapi_card_close (card);
  card = NULL;
  if (r_after)
    {
      /* Put the card back (after a removal) and read it again. */
      scapi_emu_remove_after (s, 0, 0);
      reader_emu_set_present (scapi_reader_ctx (s), 0, true);
      CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
      memset (&dopts, 0, sizeof dopts);
      dopts.read_content = true;
      dopts.ranges = test_ranges;
      dopts.n_ranges = DIM (test_ranges);
      CU_ASSERT_EQUAL (scapi_discover (card, &dopts, &cb, r_after), 0);
      scapi_card_close (card);
    }
  scapi_free (s);
  return err;
}

static void
test_restore_blank (void)
{
  char path[512];
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  scapi_summary_t sum;
  image_t *src, *after = NULL;
  plan_t *plan = NULL;
  scapi_restore_report_t rep;
  image_diff_t *d = NULL;
  gpg_error_t err;
  size_t i;

  test_path (path, sizeof path, "r1.vsc");
  CU_ASSERT_EQUAL_FATAL (do_backup (path, &pl, &sum), 0);
  scapi_summary_free (&sum);
  src = open_image (path);
  err = restore_onto (blank_spec, src, false, false, 0, &plan, &rep, &after);
  /* Everything, EF.DIR (update: never) included: it is written while the
   * new file is in initialisation state, then activated. */
  CU_ASSERT_EQUAL (err, 0);
  if (err)
    fprintf (stderr, "restore: %s\n", last_text);
  CU_ASSERT_EQUAL (rep.failed, 0);
  CU_ASSERT (plan->target_blank);
  CU_ASSERT (rep.written >= 20);
  CU_ASSERT_EQUAL (rep.written, rep.verified);
  CU_ASSERT_PTR_NOT_NULL_FATAL (after);
  CU_ASSERT (content_is (after, "3F00/7000/7001", "hidden DF content"));
  {
    const image_node_t *a = image_find_path (after, "3F00/2F00");
    const image_node_t *b = image_find_path (src, "3F00/2F00");
    CU_ASSERT (a && b && a->content_len == b->content_len
               && !memcmp (a->content, b->content, a->content_len));
    /* ... and its attributes are the original's again: update never. */
    CU_ASSERT (a && a->access.write == IMAGE_AC_NEVER);
  }
  CU_ASSERT_EQUAL (image_diff (src, after, &d), 0);
  for (i = 0; d && i < d->n; i++)
    {
      const image_change_t *c = &d->changes[i];
      bool mf_attrs = !strcmp (c->path, "3F00")
        && c->kind == IMAGE_CHANGE_CHANGED
        && !(c->what & ~(IMAGE_DIFF_FCP | IMAGE_DIFF_ACCESS));
      if (!mf_attrs)
        fprintf (stderr, "unexpected difference: %s %s %x\n",
                 image_change_kind_name (c->kind), c->path, c->what);
      CU_ASSERT (mf_attrs);
    }
  image_diff_free (d);
  image_free (after);
  plan_free (plan);
  image_free (src);
}

/* Dry run: the plan only; the card is unchanged afterwards. A non-blank
 * card is refused without --force and accepted with it. */
static void
test_dry_run_and_force (void)
{
  char path[512];
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  scapi_summary_t sum;
  image_t *src, *after = NULL, *before = NULL;
  plan_t *plan = NULL;
  scapi_restore_report_t rep;
  image_diff_t *d = NULL;
  gpg_error_t err;

  test_path (path, sizeof path, "r2.vsc");
  CU_ASSERT_EQUAL_FATAL (do_backup (path, &pl, &sum), 0);
  scapi_summary_free (&sum);
  src = open_image (path);

  /* The blank card as it is, read the same way. */
  {
    image_t *empty = NULL;
    CU_ASSERT_EQUAL (image_new (&empty), 0);
    err = restore_onto (blank_spec, empty, false, true, 0, &plan, &rep,
                        &before);
    plan_free (plan);
    plan = NULL;
    image_free (empty);
  }
  err = restore_onto (blank_spec, src, false, true, 0, &plan, &rep, &after);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (rep.written, 0);
  CU_ASSERT (plan->counts[PLAN_CREATE] >= 20);
  CU_ASSERT_EQUAL (image_diff (before, after, &d), 0);
  CU_ASSERT (d && d->n == 0);
  image_diff_free (d);
  image_free (after);
  image_free (before);
  plan_free (plan);
  plan = NULL;

  /* Non-blank (the original card): refused without force. */
  err = restore_onto (pkcs15_spec, src, false, false, 0, &plan, &rep, NULL);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CONFLICT);
  CU_ASSERT_FALSE (plan->target_blank);
  CU_ASSERT_EQUAL (rep.written, 0);
  CU_ASSERT (strstr (last_text, "--force") != NULL);
  plan_free (plan);
  plan = NULL;
  /* With force: everything is already there, nothing to write. */
  err = restore_onto (pkcs15_spec, src, true, false, 0, &plan, &rep, NULL);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (plan_count_writes (plan), 0);
  CU_ASSERT (plan->counts[PLAN_SAME] >= 20);
  plan_free (plan);
  image_free (src);
}

/* Card pulled after N APDUs during a restore: the error names it, the
 * report's written entries are on the card, later ones are not. */
static void
test_remove_during_restore (void)
{
  static const unsigned long ns[] = { 1, 2, 3, 5, 8, 13, 21, 34, 55, 70,
                                      89, 100, 110, 120 };
  char path[512];
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  scapi_summary_t sum;
  image_t *src;
  size_t i, k, n0, n1;
  uint8_t *before, *after_bytes;
  unsigned long total;
  plan_t *plan = NULL;
  scapi_restore_report_t rep;
  gpg_error_t full_err;

  test_path (path, sizeof path, "r3.vsc");
  CU_ASSERT_EQUAL_FATAL (do_backup (path, &pl, &sum), 0);
  scapi_summary_free (&sum);
  src = open_image (path);
  before = slurp (path, &n0);
  /* APDUs of an uninterrupted restore (after planning). */
  full_err = restore_onto (blank_spec, src, false, false, 0, &plan, &rep,
                           NULL);
  total = rep.apdus;
  plan_free (plan);
  CU_ASSERT (total > 50);
  for (i = 0; i < DIM (ns); i++)
    {
      scapi_restore_report_t r;
      image_t *after = NULL;
      gpg_error_t err;
      size_t cl;

      plan = NULL;
      err = restore_onto (blank_spec, src, false, false, ns[i], &plan, &r,
                          &after);
      if (ns[i] < total)
        {
          CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_REMOVED);
          CU_ASSERT (strstr (last_text, "removed") != NULL);
        }
      else
        CU_ASSERT_EQUAL (err, full_err);
      CU_ASSERT_EQUAL (r.stopped_at[0] != 0, err != 0);
      cl = strlen (r.stopped_at);
      for (k = 0; after && k < plan->n; k++)
        {
          const plan_entry_t *e = &plan->entries[k];
          const image_node_t *n;
          if (e->action != PLAN_CREATE && e->action != PLAN_UPDATE)
            continue;
          n = image_find_path (after, e->path);
          if (e->written && e->verified)
            {
              /* Reported written: on the card, equal. */
              CU_ASSERT_PTR_NOT_NULL (n);
              if (n && e->src->has_content)
                CU_ASSERT (n->content_len == e->src->content_len
                           && (!n->content_len
                               || !memcmp (n->content, e->src->content,
                                           n->content_len)));
            }
          else if (cl && !strncmp (e->path, r.stopped_at, cl)
                   && (!e->path[cl] || e->path[cl] == '/'))
            ;   /* the node being written when the card went */
          else
            CU_ASSERT_PTR_NULL (n);   /* not reported: not there */
        }
      image_free (after);
      plan_free (plan);
    }
  /* The VSC is never touched by a restore. */
  after_bytes = slurp (path, &n1);
  CU_ASSERT (after_bytes && n0 == n1 && !memcmp (before, after_bytes, n0));
  free (before);
  free (after_bytes);
  image_free (src);
}

/* Files the target cannot hold, paths that do not fit: not restorable. */
static void
test_plan_not_restorable (void)
{
  image_t *src = NULL, *dst = NULL;
  image_node_t *n = NULL;
  plan_t *plan = NULL;
  agency_card_t *ac = NULL;
  plan_entry_t *e;
  static const uint8_t big_fcp[] = { 0x62, 0x0D, 0x80, 0x04, 0x00, 0x01,
                                     0x11, 0x70, 0x82, 0x01, 0x01, 0x83,
                                     0x02, 0x12, 0x34 };
  uint8_t *data;

  CU_ASSERT_EQUAL_FATAL (image_new (&src), 0);
  CU_ASSERT_EQUAL_FATAL (image_new (&dst), 0);
  CU_ASSERT_EQUAL (image_make_path (dst, "3F00", IMAGE_NODE_MF,
                                    IMAGE_SRC_KNOWN_FID, &n), 0);
  CU_ASSERT_EQUAL (image_make_path (src, "3F00", IMAGE_NODE_MF,
                                    IMAGE_SRC_KNOWN_FID, &n), 0);
  /* 70000 bytes: more than one file of the card can hold. */
  CU_ASSERT_EQUAL (image_make_path (src, "3F00/1234",
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_FID_SCAN, &n), 0);
  image_node_set_fid (n, 0x1234);
  CU_ASSERT_EQUAL (image_node_set_fcp (n, big_fcp, sizeof big_fcp), 0);
  data = calloc (1, 70000);
  CU_ASSERT_EQUAL (image_node_set_content (n, data, 70000), 0);
  free (data);
  /* Nine DFs deep: more than the card's path can address. */
  CU_ASSERT_EQUAL (image_make_path (src, "3F00/1001/1002/1003/1004/1005/"
                                    "1006/1007/1008/1009/2001",
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_USER, &n), 0);
  CU_ASSERT_EQUAL (image_node_set_content (n, "x", 1), 0);
  /* A small file that fits, as a control. */
  CU_ASSERT_EQUAL (image_make_path (src, "3F00/1100",
                                    IMAGE_NODE_EF_TRANSPARENT,
                                    IMAGE_SRC_USER, &n), 0);
  CU_ASSERT_EQUAL (image_node_set_content (n, "ok", 2), 0);

  CU_ASSERT_EQUAL_FATAL (agency_card_new_chan (NULL, NULL, NULL, 0, &ac), 0);
  CU_ASSERT_EQUAL_FATAL (plan_new (&plan), 0);
  CU_ASSERT_EQUAL (agency_plan (ac, src, dst, plan), 0);
  e = plan_find (plan, "3F00/1234");
  CU_ASSERT (e && e->action == PLAN_NOT_RESTORABLE && e->reason
             && strstr (e->reason, "larger"));
  e = plan_find (plan, "3F00/1001/1002/1003/1004/1005/1006/1007/1008/1009/2001");
  CU_ASSERT (e && e->action == PLAN_NOT_RESTORABLE && e->reason
             && strstr (e->reason, "path does not fit"));
  e = plan_find (plan, "3F00/1100");
  CU_ASSERT (e && e->action == PLAN_CREATE && e->fcp && e->fcp_len > 4);
  CU_ASSERT (plan->counts[PLAN_NOT_RESTORABLE] >= 2);
  agency_card_free (ac);
  plan_free (plan);
  image_free (src);
  image_free (dst);
}

/* FCP parsing and compact security attributes. */
static void
test_fcp (void)
{
  static const uint8_t fcp[] = {
    0x62, 0x1F, 0x80, 0x02, 0x00, 0x40, 0x82, 0x05, 0x02, 0x21, 0x00, 0x10,
    0x04, 0x83, 0x02, 0x51, 0x00, 0x88, 0x01, 0x08, 0x8A, 0x01, 0x05, 0x8C,
    0x08, 0x7F, 0x00, 0xFF, 0x00, 0x00, 0x11, 0x11, 0x00 };
  iso7816_fcp_t f;
  image_access_t ac;

  CU_ASSERT_EQUAL_FATAL (iso7816_fcp_parse (fcp, sizeof fcp, &f), 0);
  CU_ASSERT (f.has_size && f.size == 64);
  CU_ASSERT_EQUAL (f.type, IMAGE_NODE_EF_LINEAR_FIXED);
  CU_ASSERT_EQUAL (f.max_rec_len, 16);
  CU_ASSERT_EQUAL (f.n_records, 4);
  CU_ASSERT (f.has_fid && f.fid == 0x5100);
  CU_ASSERT (f.has_lcs && f.lcs == 5);
  CU_ASSERT_EQUAL (f.sec_len, 10);
  memset (&ac, 0, sizeof ac);
  iso7816_decode_access (f.sec, f.sec_len, false, &ac);
  CU_ASSERT_EQUAL (ac.read, IMAGE_AC_ALWAYS);
  CU_ASSERT_EQUAL (ac.write, IMAGE_AC_PIN);
  CU_ASSERT_EQUAL (ac.write_ref, 1);
  CU_ASSERT_NOT_EQUAL (iso7816_fcp_parse ((const uint8_t *)"\x62\x05\x80",
                                          3, &f), 0);
}

/* Identify: agents and label, few APDUs. */
static void
test_identify (void)
{
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_card_info_t info;

  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL (scapi_card_identify (card, &info), 0);
  CU_ASSERT_EQUAL (info.n_agents, 2);
  CU_ASSERT_STRING_EQUAL (info.agents[0], "pkcs15");
  CU_ASSERT_STRING_EQUAL (info.agents[1], "iso7816");
  CU_ASSERT_STRING_EQUAL (info.label, "vscemu test card");
  CU_ASSERT_FALSE (info.blank);
  CU_ASSERT (scapi_card_apdus (card) < 60);
  scapi_card_close (card);
  scapi_free (s);

  CU_ASSERT_EQUAL_FATAL (scapi_new (blank_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL (scapi_card_identify (card, &info), 0);
  CU_ASSERT_EQUAL (info.n_agents, 1);
  CU_ASSERT_TRUE (info.blank);
  scapi_card_close (card);
  scapi_free (s);
}


/* --select keeps only the chosen subtrees (and the path to them); the
 * UI flow: discover the structure, then back up a selection from it. */
static void
test_backup_select (void)
{
  char path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_discover_opts_t dopts;
  scapi_cb_t cb;
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  image_t *structure = NULL, *img;
  const image_node_t *n;
  const char *sel[] = { "3F00/5015/4F01", "3F00/7000" };

  memset (&cb, 0, sizeof cb);
  cb.pin = test_pin_cb;
  cb.pin_ctx = &pl;
  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  memset (&dopts, 0, sizeof dopts);
  dopts.read_content = false;
  dopts.ranges = test_ranges;
  dopts.n_ranges = DIM (test_ranges);
  CU_ASSERT_EQUAL_FATAL (scapi_discover (card, &dopts, &cb, &structure), 0);
  /* Structure only: no PIN asked, protected content not read. */
  CU_ASSERT_EQUAL (pl.calls, 0);
  n = image_find_path (structure, "3F00/5015/4F01");
  CU_ASSERT (n && !n->has_content && n->access.read == IMAGE_AC_PIN);
  n = image_find_path (structure, "3F00/7000/7001");
  CU_ASSERT (n && !n->has_content);

  test_path (path, sizeof path, "select.vsc");
  test_opts (&o, path);
  o.select = sel;
  o.n_select = DIM (sel);
  CU_ASSERT_EQUAL (scapi_backup (card, structure, &o, &cb, &sum), 0);
  CU_ASSERT_EQUAL (pl.calls, 1);     /* asked when the selection needed it */
  scapi_summary_free (&sum);
  scapi_card_close (card);
  scapi_free (s);

  img = open_image (path);
  CU_ASSERT (content_is (img, "3F00/5015/4F01",
                         "secret note: readable after VERIFY CHV1"));
  CU_ASSERT (content_is (img, "3F00/7000/7001", "hidden DF content"));
  CU_ASSERT_PTR_NOT_NULL (image_find_path (img, "3F00/5015"));
  CU_ASSERT_PTR_NULL (image_find_path (img, "3F00/5015/4401"));
  CU_ASSERT_PTR_NULL (image_find_path (img, "3F00/2F00"));
  image_free (img);
  image_free (structure);
}

/* The backup and a fresh read of the same card compare equal. */
static void
test_diff_vsc_vs_card (void)
{
  char path[512];
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  scapi_summary_t sum;
  scapi_discover_opts_t dopts;
  scapi_cb_t cb;
  image_t *a, *b = NULL;
  image_diff_t *d = NULL;
  size_t i;

  test_path (path, sizeof path, "d.vsc");
  CU_ASSERT_EQUAL_FATAL (do_backup (path, &pl, &sum), 0);
  scapi_summary_free (&sum);
  a = open_image (path);
  memset (&cb, 0, sizeof cb);
  cb.pin = test_pin_cb;
  cb.pin_ctx = &pl;
  memset (&dopts, 0, sizeof dopts);
  dopts.ranges = test_ranges;
  dopts.n_ranges = DIM (test_ranges);
  CU_ASSERT_EQUAL_FATAL (scapi_image_load_ex (NULL, pkcs15_spec, &dopts, &cb,
                                              &b), 0);
  CU_ASSERT_EQUAL (scapi_diff (a, b, &d), 0);
  CU_ASSERT (d && d->n == 0 && !d->identity_changed);
  for (i = 0; d && i < d->n; i++)
    fprintf (stderr, "difference: %s %s %x\n",
             image_change_kind_name (d->changes[i].kind), d->changes[i].path,
             d->changes[i].what);
  image_diff_free (d);
  d = NULL;
  /* A changed node is seen. */
  CU_ASSERT_EQUAL (image_node_set_content (image_find_path (b, "3F00/7000/7001"),
                                           "changed", 7), 0);
  CU_ASSERT_EQUAL (scapi_diff (a, b, &d), 0);
  CU_ASSERT (d && d->n == 1 && d->changes[0].kind == IMAGE_CHANGE_CHANGED
             && (d->changes[0].what & IMAGE_DIFF_CONTENT));
  image_diff_free (d);
  image_free (a);
  image_free (b);
}


typedef struct cancel_ctx {
  volatile int flag;
  unsigned calls, after;
  scapi_progress_t last;
} cancel_ctx_t;

static void
test_cancel_progress (void *ctx, const scapi_progress_t *p)
{
  cancel_ctx_t *c = ctx;
  c->last = *p;
  if (++c->calls == c->after)
    c->flag = 1;
}

static volatile int *cancel_flag_for_pin;

/* A PIN prompt the user leaves by cancelling the whole operation. */
static gpg_error_t
test_cancel_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  pin_log_t *pl = ctx;
  (void)req;
  pl->calls++;
  *r_pin = NULL;
  if (cancel_flag_for_pin)
    *cancel_flag_for_pin = 1;
  return gpg_error (GPG_ERR_CANCELED);
}

/* Cancel from the progress callback: the backup stops before its next
 * APDU with GPG_ERR_CANCELED and writes nothing; progress is plain data
 * with a growing APDU count. */
static void
test_cancel (void)
{
  char path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_cb_t cb;
  cancel_ctx_t cc;
  struct stat st;
  gpg_error_t err;

  memset (&cc, 0, sizeof cc);
  cc.after = 5;
  memset (&cb, 0, sizeof cb);
  cb.progress = test_cancel_progress;
  cb.progress_ctx = &cc;
  cb.cancel = &cc.flag;
  test_path (path, sizeof path, "cancel.vsc");
  test_opts (&o, path);
  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  err = scapi_backup (card, NULL, &o, &cb, &sum);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CANCELED);
  CU_ASSERT (stat (path, &st) != 0);
  CU_ASSERT (cc.calls >= 5);
  CU_ASSERT (cc.last.apdus > 0 && cc.last.apdus < 40);
  CU_ASSERT (cc.last.elapsed >= 0);
  scapi_summary_free (&sum);
  /* Cancelled at the PIN prompt of the last protected file, with no
   * APDU left to notice it: still no file. */
  {
    const char *sel[] = { "3F00/5015/4F01" };
    pin_log_t pl = { NULL, 0, 0, 0, "" };
    scapi_discover_opts_t dopts;
    image_t *img = NULL;

    /* Everything read but the protected file (no PIN callback)... */
    memset (&dopts, 0, sizeof dopts);
    dopts.read_content = true;
    dopts.ranges = test_ranges;
    dopts.n_ranges = DIM (test_ranges);
    CU_ASSERT_EQUAL_FATAL (scapi_discover (card, &dopts, NULL, &img), 0);
    scapi_card_close (card);
    CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
    /* ... then a backup of it whose only card access is that file. */
    memset (&cb, 0, sizeof cb);
    cb.pin = test_cancel_pin;
    cb.pin_ctx = &pl;
    cb.cancel = &cc.flag;
    cc.flag = 0;
    test_opts (&o, path);
    o.select = sel;
    o.n_select = 1;
    cancel_flag_for_pin = &cc.flag;
    err = scapi_backup (card, img, &o, &cb, &sum);
    image_free (img);
    cancel_flag_for_pin = NULL;
    CU_ASSERT_EQUAL (pl.calls, 1);
    CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CANCELED);
    CU_ASSERT (stat (path, &st) != 0);
    scapi_summary_free (&sum);
    cc.flag = 0;
    o.select = NULL;      /* SEL goes out of scope */
    o.n_select = 0;
  }
  /* The session is usable afterwards. */
  cb.cancel = NULL;
  cb.progress = NULL;
  CU_ASSERT_EQUAL (scapi_backup (card, NULL, &o, &cb, &sum), 0);
  scapi_summary_free (&sum);
  scapi_card_close (card);
  scapi_free (s);
}


/* Another program resets the card between two operations: the next one
 * stops with GPG_ERR_CARD_RESET and a clear message, writes nothing,
 * and the one after that starts over (the PIN is asked again, since
 * the card forgot it). */
static void
test_card_reset (void)
{
  char path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  reader_card_t *other = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_cb_t cb;
  pin_log_t pl = { "123456", 0, 0, 0, "" };
  struct stat st;
  gpg_error_t err;

  memset (&cb, 0, sizeof cb);
  cb.pin = test_pin_cb;
  cb.pin_ctx = &pl;
  CU_ASSERT_EQUAL_FATAL (scapi_new (pkcs15_spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  test_path (path, sizeof path, "reset1.vsc");
  test_opts (&o, path);
  CU_ASSERT_EQUAL (scapi_backup (card, NULL, &o, &cb, &sum), 0);
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL (pl.calls, 1);

  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &other), 0);
  CU_ASSERT_EQUAL (reader_reconnect (other, true), 0);
  reader_disconnect (other, false);

  test_path (path, sizeof path, "reset2.vsc");
  test_opts (&o, path);
  err = scapi_backup (card, NULL, &o, &cb, &sum);
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_RESET);
  CU_ASSERT (strstr (scapi_last_error_text (), "reset") != NULL);
  CU_ASSERT_EQUAL (gpg_err_code (scapi_last_error ()->code),
                   GPG_ERR_CARD_RESET);
  CU_ASSERT (stat (path, &st) != 0);
  CU_ASSERT_EQUAL (pl.calls, 1);

  err = scapi_backup (card, NULL, &o, &cb, &sum);
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (pl.calls, 2);
  CU_ASSERT (stat (path, &st) == 0);
  scapi_card_close (card);
  scapi_free (s);
}


/* A card that knows neither SELECT by path nor P2=04 (FCP) and gives no
 * size: the generic agent walks step by step, reads until a short read,
 * and still finds EF.DIR's application and the PKCS#15 TokenInfo. */
typedef struct oldcard {
  int cur;            /* 0 MF, 1 DF 5015, 2 EF 5032, 3 EF 2F00 */
  unsigned long n;
} oldcard_t;

static const uint8_t old_tokeninfo[300] = {
  0x30, 0x0E, 0x02, 0x01, 0x00, 0x04, 0x02, 0x12, 0x34,
  0x80, 0x05, 'o', 'l', 'd', 'i', 'e' };
static const uint8_t old_efdir[] = {
  0x61, 0x0A, 0x4F, 0x02, 0xA0, 0x01, 0x51, 0x04, 0x3F, 0x00, 0x50, 0x15 };

static gpg_error_t
oldcard_tx (void *ctx, const uint8_t *c, size_t clen, uint8_t *r,
            size_t *rlen)
{
  oldcard_t *oc = ctx;
  unsigned sw = 0x6D00;
  size_t n = 0;

  oc->n++;
  if (clen >= 4 && c[1] == 0xA4)
    {
      unsigned fid = clen >= 7 ? get_be16 (c + 5) : 0;
      if (c[2] != 0x00 || (c[3] != 0x0C && c[3] != 0x00))
        sw = 0x6A86;          /* no P1 08, no FCP */
      else if (fid == 0x3F00)
        oc->cur = 0, sw = 0x9000;
      else if (fid == 0x5015 && oc->cur == 0)
        oc->cur = 1, sw = 0x9000;
      else if (fid == 0x5032 && oc->cur == 1)
        oc->cur = 2, sw = 0x9000;
      else if (fid == 0x2F00 && oc->cur == 0)
        oc->cur = 3, sw = 0x9000;
      else
        sw = 0x6A82;
    }
  else if (clen >= 5 && c[1] == 0xB0 && (oc->cur == 2 || oc->cur == 3))
    {
      const uint8_t *d = oc->cur == 2 ? old_tokeninfo : old_efdir;
      size_t len = oc->cur == 2 ? sizeof old_tokeninfo : sizeof old_efdir;
      size_t off = get_be16 (c + 2), le = c[4] ? c[4] : 256;
      if (off > len)
        sw = 0x6B00;
      else
        {
          n = len - off < le ? len - off : le;
          memcpy (r, d + off, n);
          sw = 0x9000;
        }
    }
  else if (clen >= 4 && c[1] == 0xB0)
    sw = 0x6986;
  r[n] = sw >> 8;
  r[n + 1] = sw & 0xFF;
  *rlen = n + 2;
  return 0;
}

static void
test_old_card_transcript (void)
{
  agency_card_t *ac = NULL;
  agency_discover_opts_t o;
  oldcard_t oc;
  image_t *img = NULL;
  const image_node_t *n;

  memset (&oc, 0, sizeof oc);
  CU_ASSERT_EQUAL_FATAL (agency_card_new_chan (oldcard_tx, &oc, NULL, 0,
                                               &ac), 0);
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = true;
  agency_card_set_discover (ac, &o);
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  CU_ASSERT_EQUAL (agency_match (ac), 0);
  CU_ASSERT_EQUAL (agency_discover (ac, img), 0);
  n = image_find_path (img, "3F00/5015/5032");
  CU_ASSERT (n && n->has_content && n->content_len == sizeof old_tokeninfo
             && !memcmp (n->content, old_tokeninfo, n->content_len));
  CU_ASSERT (img->card.label && !strcmp (img->card.label, "oldie"));
  CU_ASSERT (img->card.serial && !strcmp (img->card.serial, "1234"));
  n = image_find_path (img, "3F00/2F00");
  CU_ASSERT (n && n->source == IMAGE_SRC_KNOWN_FID
             && n->content_len == sizeof old_efdir);
  n = image_find_path (img, "3F00/5015");
  CU_ASSERT (n && n->aid_len == 2 && n->aid[0] == 0xA0);
  CU_ASSERT (oc.n < 80);
  image_free (img);
  agency_card_free (ac);
}

static int
suite_init (void)
{
  snprintf (tmpdir, sizeof tmpdir, "%s/test-agency.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (!mkdtemp (tmpdir))
    return -1;
  snprintf (pkcs15_spec, sizeof pkcs15_spec, "emu:%s/tests/cards/pkcs15.card",
            cutest_srcdir ());
  snprintf (blank_spec, sizeof blank_spec, "emu:%s/tests/cards/blank.card",
            cutest_srcdir ());
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
  CUTEST (test_fcp),
  CUTEST (test_old_card_transcript),
  CUTEST (test_identify),
  CUTEST (test_backup_pkcs15),
  CUTEST (test_wrong_pin),
  CUTEST (test_backup_select),
  CUTEST (test_cancel),
  CUTEST (test_card_reset),
  CUTEST (test_diff_vsc_vs_card),
  CUTEST (test_scan_resume),
  CUTEST (test_plan_not_restorable),
  CUTEST (test_dry_run_and_force),
  CUTEST (test_restore_blank),
  CUTEST (test_remove_during_backup),
  CUTEST (test_remove_during_restore),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("agency", tests, suite_init, suite_cleanup);
}
