/* test-fs-agent.c - the file-system agents on cards that behave as
 * independent ones (issue 12 item 7) and the scan (issue 18), through
 * the facade against the in-process emulator:
 *   - applications reached only by their AID, with and without an MF,
 *     selected again after a reset;
 *   - the scan's order and coverage: every unlisted file of the test
 *     cards within the default budget, OpenSC's info file 4946;
 *   - the tree first, the scan after: node events, progress per SELECT,
 *     cancel keeps what was found, a backup says what was not scanned,
 *     the next scan goes on;
 *   - fewer APDUs: no second SELECT of a DF whose FCP is known, EF.ATR's
 *     extended length;
 *   - a card that gives nothing fails instead of making an empty VSC. */
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
#include "common/log.h"
#include "common/hex.h"
#include "image/plan.h"
#include "scapi/scapi.h"
#include "vsc/vsc.h"

static char tmpdir[256];

static void
card_spec (char *buf, size_t n, const char *name)
{
  if (name[0] == '/')
    snprintf (buf, n, "emu:%s", name);
  else
    snprintf (buf, n, "emu:%s/tests/cards/%s", cutest_srcdir (), name);
}

static void
tmp_path (char *buf, size_t n, const char *name)
{
  snprintf (buf, n, "%s/%s", tmpdir, name);
  unlink (buf);
}

/* A profile written to the temporary directory. */
static void
tmp_card (char *buf, size_t n, const char *name, const char *text)
{
  FILE *fp;
  tmp_path (buf, n, name);
  fp = fopen (buf, "w");
  CU_ASSERT_PTR_NOT_NULL_FATAL (fp);
  fputs (text, fp);
  fclose (fp);
}

static gpg_error_t
pin_123456 (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  (void)ctx;
  (void)req;
  *r_pin = xtrystrdup_secure ("123456");
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

static void
backup_opts (scapi_backup_opts_t *o, const char *path)
{
  memset (o, 0, sizeof *o);
  o->out_path = path;
  o->password = "test password";
  o->kdf_m_kib = VSC_KDF_M_MIN;
  o->kdf_t = 1;
  o->kdf_p = 1;
}

static bool
has (const image_t *img, const char *path)
{
  return image_find_path (img, path) != NULL;
}

/* Discover CARD (default scan) and return the image. */
static image_t *
discover (const char *name, bool scan, scapi_scan_report_t *unused)
{
  char spec[1024];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_discover_opts_t o;
  image_t *img = NULL;
  scapi_cb_t cb;
  (void)unused;

  card_spec (spec, sizeof spec, name);
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = !scan;
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_123456;
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL (scapi_discover (card, &o, &cb, &img), 0);
  scapi_card_close (card);
  scapi_free (s);
  return img;
}

/* ---- applications by AID ------------------------------------------------ */

static const char *const p15_files[] = {
  "3F00/5015/5031", "3F00/5015/5032", "3F00/5015/4401", "3F00/5015/4402",
  "3F00/5015/4403", "3F00/5015/4404", "3F00/5015/4301", "3F00/5015/4501",
  "3F00/5015/4F01", "3F00/5015/5100/#3", "3F00/5015/5101/#2",
  "3F00/5015/key-45"
};

static void
check_p15 (const image_t *img, const char *what)
{
  size_t i;
  const image_node_t *n;

  for (i = 0; i < DIM (p15_files); i++)
    if (!has (img, p15_files[i]))
      {
        fprintf (stderr, "%s: %s missing\n", what, p15_files[i]);
        CU_FAIL ("a PKCS#15 file is missing");
      }
  n = image_find_path (img, "3F00/5015/4301");
  CU_ASSERT (n && n->has_content && n->content_len == 829);
  n = image_find_path (img, "3F00/5015/4F01");
  CU_ASSERT (n && n->has_content && n->content_len > 10);
  CU_ASSERT (img->card.label && !strcmp (img->card.label,
                                         "vscemu test card"));
}

static void
test_app_by_path (void)
{
  image_t *img = discover ("pkcs15.card", true, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  check_p15 (img, "pkcs15.card");
  CU_ASSERT (has (img, "3F00/7000/7002/#2"));
  image_free (img);
}

/* EF.DIR names the AID only, the DF answers no path: found by its AID,
 * its relative paths followed, the rest of the card as usual. */
static void
test_app_by_aid (void)
{
  image_t *img = discover ("pkcs15-aid.card", true, NULL);
  const image_node_t *app;

  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  check_p15 (img, "pkcs15-aid.card");
  app = image_find_path (img, "3F00/5015");
  CU_ASSERT (app && app->aid_len == 12);
  CU_ASSERT (has (img, "3F00/2F00") && has (img, "3F00/7000/7001"));
  image_free (img);
}

/* No selectable MF at all: only the PKCS#15 AID leads in. */
static void
test_app_no_mf (void)
{
  image_t *img = discover ("pkcs15-nomf.card", true, NULL);
  const image_node_t *mf;

  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  check_p15 (img, "pkcs15-nomf.card");
  mf = image_find_path (img, "3F00");
  CU_ASSERT (mf && !mf->fcp);    /* the card gave none */
  image_free (img);
}

/* The tree of an AID-only card, then a reset by another program, then
 * the backup of that tree: the application is selected again. */
static void
test_reselect_after_reset (void)
{
  char spec[1024], path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  reader_card_t *other = NULL;
  scapi_discover_opts_t o;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_cb_t cb;
  image_t *tree = NULL;
  vsc_t *vsc = NULL;
  gpg_error_t err;

  card_spec (spec, sizeof spec, "pkcs15-nomf.card");
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_123456;
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  memset (&o, 0, sizeof o);
  o.no_scan = true;
  CU_ASSERT_EQUAL_FATAL (scapi_discover (card, &o, &cb, &tree), 0);
  CU_ASSERT_FATAL (has (tree, "3F00/5015/4301"));
  CU_ASSERT (!image_find_path (tree, "3F00/5015/4301")->has_content);

  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &other), 0);
  CU_ASSERT_EQUAL (reader_reconnect (other, true), 0);
  reader_disconnect (other, false);

  tmp_path (path, sizeof path, "reselect.vsc");
  backup_opts (&bo, path);
  err = scapi_backup (card, tree, &bo, &cb, &sum);
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CARD_RESET);
  err = scapi_backup (card, tree, &bo, &cb, &sum);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (sum.n_missing, 1);    /* key-45: never extractable */
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, "test password", &vsc), 0);
  {
    const image_node_t *n = image_find_path (vsc_image (vsc),
                                             "3F00/5015/4301");
    CU_ASSERT (n && n->has_content && n->content_len == 829);
    n = image_find_path (vsc_image (vsc), "3F00/5015/4404");
    CU_ASSERT (n && n->has_content && n->content_len > 10);
  }
  vsc_close (vsc);
  image_free (tree);
  scapi_card_close (card);
  scapi_free (s);
}

/* A card that gives no FCP at all (SELECT P2 00/04 answer 6F00, only
 * 0C works, as vsmartcard's vicc ISO card): the files are still read,
 * DFs told by "no current EF", record files by "incompatible with the
 * file structure". */
static void
test_no_fcp (void)
{
  char card[512];
  image_t *img;
  const image_node_t *n;

  tmp_card (card, sizeof card, "nofcp.card",
            "atr 3B 02 14 50\nselect-template none\n"
            "ef 3F00/2F00 transparent content=61084F02A00151023F01\n"
            "df 3F00/3F01\n"
            "ef 3F00/3F01/0001 transparent content=68656C6C6F\n"
            "ef 3F00/3F01/0002 linear-variable\nrecord 3132\n"
            "record 333435\n");
  img = discover (card, true, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  n = image_find_path (img, "3F00/3F01");
  CU_ASSERT (n && n->type == IMAGE_NODE_DF);
  n = image_find_path (img, "3F00/3F01/0001");
  CU_ASSERT (n && n->has_content && n->content_len == 5);
  n = image_find_path (img, "3F00/3F01/0002");
  CU_ASSERT (n && n->type == IMAGE_NODE_EF_LINEAR_VARIABLE);
  n = image_find_path (img, "3F00/3F01/0002/#2");
  CU_ASSERT (n && n->content_len == 3);
  image_free (img);
}

/* A plan onto a card that reaches the application only by its AID: the
 * target's files are found there (same), not planned as new. */
static void
test_plan_onto_aid_card (void)
{
  char spec[1024];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  plan_t *plan = NULL;
  image_t *src;
  scapi_cb_t cb;
  size_t i, creates = 0, same = 0;

  src = discover ("pkcs15-nomf.card", true, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (src);
  card_spec (spec, sizeof spec, "pkcs15-nomf.card");
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_123456;
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_restore_plan (card, src, &cb, &plan), 0);
  for (i = 0; i < plan->n; i++)
    if (plan->entries[i].action == PLAN_CREATE)
      {
        creates++;
        fprintf (stderr, "create %s\n", plan->entries[i].path);
      }
    else if (plan->entries[i].action == PLAN_SAME)
      same++;
  CU_ASSERT_EQUAL (creates, 0);
  CU_ASSERT (same >= 10);
  CU_ASSERT_PTR_NOT_NULL (plan_find (plan, "3F00/5015/4301"));
  CU_ASSERT_EQUAL (plan_find (plan, "3F00/5015/4301")->action, PLAN_SAME);
  plan_free (plan);
  scapi_card_close (card);
  scapi_free (s);
  image_free (src);
}

/* ---- the scan -------------------------------------------------------- */

/* Every unlisted file of the test cards within the default budget. */
static void
test_scan_finds_unlisted (void)
{
  static const char *const hidden[] = {
    "3F00/2F05", "3F00/A000/A001", "3F00/A000/A002", "3F00/A000/B000/B001",
    "3F00/DF01/0001", "3F00/DF01/0002/#2", "3F00/7F20/6F07",
    "3F00/7F20/6F20"
  };
  image_t *img;
  size_t i;

  img = discover ("hidden.card", true, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  for (i = 0; i < DIM (hidden); i++)
    if (!has (img, hidden[i]))
      {
        fprintf (stderr, "hidden.card: %s not found\n", hidden[i]);
        CU_FAIL ("an unlisted file was not found");
      }
  CU_ASSERT (image_find_path (img, "3F00/A000/A001")->source
             == IMAGE_SRC_FID_SCAN);
  image_free (img);

  /* OpenSC's pkcs15-init layout: its info file, listed nowhere. */
  img = discover ("opensc-init.card", true, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  CU_ASSERT (has (img, "3F00/5015/4946"));
  CU_ASSERT (has (img, "3F00/5015/4405"));
  CU_ASSERT (image_find_path (img, "3F00/5015/4946")->has_content);
  image_free (img);
  /* Without the scan it is not found: the scan is what finds it. */
  img = discover ("opensc-init.card", false, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  CU_ASSERT (!has (img, "3F00/5015/4946"));
  image_free (img);
}

typedef struct scan_log {
  unsigned events;
  char first[SCAPI_PATH_MAX];
  bool saw_a001;
  unsigned progress, scan_progress;
  unsigned long last_done;
  bool done_monotonic, scope_ok;
  unsigned cancel_after;      /* node events; 0 = never */
  volatile int cancel;
} scan_log_t;

static void
scan_node (void *ctx, const scapi_node_event_t *ev)
{
  scan_log_t *l = ctx;
  if (!l->events++)
    snprintf (l->first, sizeof l->first, "%s", ev->path);
  if (!strcmp (ev->path, "3F00/A000/A001"))
    l->saw_a001 = ev->type == IMAGE_NODE_EF_TRANSPARENT;
  if (l->cancel_after && l->events >= l->cancel_after)
    l->cancel = 1;
}

static void
scan_progress (void *ctx, const scapi_progress_t *p)
{
  scan_log_t *l = ctx;
  l->progress++;
  if (p->phase != SCAPI_PHASE_SCAN || !p->scan_budget)
    return;
  l->scan_progress++;
  if (p->scan_done < l->last_done)
    l->done_monotonic = false;
  l->last_done = p->scan_done;
  if (p->scan_done && (!p->scope[0] || strncmp (p->scope, "3F00", 4)
                       || p->scan_percent < 0 || p->scan_percent > 100))
    l->scope_ok = false;
}

/* The tree first, the scan after (what the manager does): node events,
 * a progress report per SELECT, cancel keeps what was found, a backup
 * of it says what was not scanned, the next scan goes on. */
static void
test_tree_then_scan (void)
{
  char spec[1024], path[512];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_discover_opts_t o;
  scapi_scan_report_t rep;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_cb_t cb;
  scan_log_t l;
  image_t *tree = NULL;
  size_t listed;
  gpg_error_t err;
  vsc_t *vsc = NULL;

  card_spec (spec, sizeof spec, "hidden.card");
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  memset (&o, 0, sizeof o);
  o.no_scan = true;
  CU_ASSERT_EQUAL_FATAL (scapi_discover (card, &o, NULL, &tree), 0);
  listed = image_count_nodes (tree, NULL);
  CU_ASSERT (has (tree, "3F00/DF01") && !has (tree, "3F00/A000"));
  CU_ASSERT_FALSE (scapi_image_scan_pending (tree, NULL));

  /* Cancelled after the fourth node: the nodes stay, the position is
   * recorded. */
  memset (&l, 0, sizeof l);
  l.done_monotonic = l.scope_ok = true;
  l.cancel_after = 4;
  memset (&cb, 0, sizeof cb);
  cb.node_added = scan_node;
  cb.node_ctx = &l;
  cb.progress = scan_progress;
  cb.progress_ctx = &l;
  cb.cancel = &l.cancel;
  err = scapi_scan (card, tree, NULL, &cb, &rep);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_CANCELED);
  CU_ASSERT_EQUAL (l.events, 4);
  CU_ASSERT_EQUAL (rep.found, 4);
  CU_ASSERT_TRUE (rep.pending);
  CU_ASSERT (rep.next[0] && strstr (rep.next, "3F00"));
  CU_ASSERT (rep.coverage && strstr (rep.coverage, "cancelled"));
  CU_ASSERT_EQUAL (image_count_nodes (tree, NULL), listed + 4);
  CU_ASSERT (has (tree, l.first));
  CU_ASSERT_TRUE (scapi_image_scan_pending (tree, NULL));
  /* One report per SELECT, counting up, naming the DF. */
  CU_ASSERT (l.scan_progress >= rep.selects);
  CU_ASSERT_TRUE (l.done_monotonic);
  CU_ASSERT_TRUE (l.scope_ok);
  scapi_scan_report_free (&rep);

  /* A backup now: what was found, and what was not scanned. */
  tmp_path (path, sizeof path, "partial.vsc");
  backup_opts (&bo, path);
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_123456;
  CU_ASSERT_EQUAL (scapi_backup (card, tree, &bo, &cb, &sum), 0);
  CU_ASSERT_TRUE (sum.scan_pending);
  CU_ASSERT (sum.scan_next[0] && strstr (sum.scan_next, "phase"));
  CU_ASSERT_EQUAL (sum.nodes, listed + 4 + (has (tree, "3F00/DF01/0002")
                                            ? 2 : 0));
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, "test password", &vsc), 0);
  CU_ASSERT_TRUE (scapi_image_scan_pending (vsc_image (vsc), NULL));
  vsc_close (vsc);

  /* The scan goes on from there and finds the rest, once each. */
  memset (&l, 0, sizeof l);
  l.done_monotonic = l.scope_ok = true;
  memset (&cb, 0, sizeof cb);
  cb.node_added = scan_node;
  cb.node_ctx = &l;
  CU_ASSERT_EQUAL (scapi_scan (card, tree, NULL, &cb, &rep), 0);
  CU_ASSERT (has (tree, "3F00/A000/A001") && has (tree, "3F00/7F20/6F20")
             && has (tree, "3F00/DF01/0001"));
  CU_ASSERT_EQUAL (rep.found, l.events);
  /* 11 unlisted files and DFs (records aside): 4 before, 7 now. */
  CU_ASSERT_EQUAL (l.events, 7);
  scapi_scan_report_free (&rep);
  image_free (tree);
  scapi_card_close (card);
  scapi_free (s);
}

/* The tree first on a PKCS#15 card (discover with defer): TokenInfo and
 * the ODF only; the directory files and their objects come with
 * scapi_scan (reported as nodes, the FID scan not run with no_scan), or
 * with a backup given the deferred tree (on its own session, as the
 * manager's backup), and the result is what a full discovery finds. */
static void
tree_defer_card (const char *name)
{
  char spec[1024], path[512], what[128];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL, *card2 = NULL;
  scapi_discover_opts_t o;
  scapi_scan_report_t rep;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_cb_t cb;
  scan_log_t l;
  image_t *tree = NULL, *full = NULL, *copy = NULL;
  unsigned long a0, tree_apdus, full_apdus;
  vsc_t *vsc = NULL;
  size_t n_full;

  card_spec (spec, sizeof spec, name);
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  /* The reference: a full discovery without the scan. */
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  memset (&o, 0, sizeof o);
  o.no_scan = true;
  o.read_content = true;
  a0 = scapi_card_apdus (card);
  CU_ASSERT_EQUAL_FATAL (scapi_discover (card, &o, NULL, &full), 0);
  full_apdus = scapi_card_apdus (card) - a0;
  CU_ASSERT_FALSE (scapi_card_deferred (card, NULL, 0));
  n_full = image_count_nodes (full, NULL);
  scapi_card_close (card);

  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  o.defer = true;
  a0 = scapi_card_apdus (card);
  CU_ASSERT_EQUAL_FATAL (scapi_discover (card, &o, NULL, &tree), 0);
  tree_apdus = scapi_card_apdus (card) - a0;
  CU_ASSERT (has (tree, "3F00/5015/5031") && has (tree, "3F00/5015/5032"));
  CU_ASSERT (!has (tree, "3F00/5015/4401") && !has (tree, "3F00/5015/4301"));
  CU_ASSERT_STRING_EQUAL (tree->card.label, full->card.label);
  CU_ASSERT_TRUE (scapi_card_deferred (card, what, sizeof what));
  CU_ASSERT (strstr (what, "PKCS#15") != NULL);
  /* The tree costs at most half the full discovery on these cards. */
  CU_ASSERT (tree_apdus * 2 <= full_apdus);
  CU_ASSERT_EQUAL_FATAL (image_copy (tree, &copy), 0);

  /* The background job: the directory files, node by node, no scan. */
  memset (&l, 0, sizeof l);
  memset (&cb, 0, sizeof cb);
  cb.node_added = scan_node;
  cb.node_ctx = &l;
  o.defer = false;
  o.no_scan = true;
  /* Stopped after two nodes: kept, and said what is left. */
  l.cancel_after = 2;
  cb.cancel = &l.cancel;
  CU_ASSERT_EQUAL (gpg_err_code (scapi_scan (card, tree, &o, &cb, &rep)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_EQUAL (l.events, 2);
  CU_ASSERT_TRUE (rep.pending);
  CU_ASSERT (strstr (rep.next, "PKCS#15") != NULL);
  CU_ASSERT_TRUE (scapi_card_deferred (card, NULL, 0));
  scapi_scan_report_free (&rep);
  l.cancel_after = 0;
  l.cancel = 0;
  /* Again: the rest, each node reported once. */
  CU_ASSERT_EQUAL (scapi_scan (card, tree, &o, &cb, &rep), 0);
  CU_ASSERT_EQUAL (image_count_nodes (tree, NULL), n_full);
  CU_ASSERT_EQUAL (l.events, n_full - image_count_nodes (copy, NULL));
  CU_ASSERT (has (tree, "3F00/5015/4401") && has (tree, "3F00/5015/key-45"));
  CU_ASSERT (image_find_path (tree, "3F00/5015/4301")->has_content);
  CU_ASSERT_EQUAL (rep.selects, 0);      /* no FID scan */
  CU_ASSERT_FALSE (rep.pending);
  CU_ASSERT_FALSE (scapi_card_deferred (card, NULL, 0));
  scapi_scan_report_free (&rep);

  /* A backup given the deferred tree, on a session of its own. */
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card2), 0);
  tmp_path (path, sizeof path, "deferred.vsc");
  backup_opts (&bo, path);
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_123456;
  CU_ASSERT_EQUAL (scapi_backup (card2, copy, &bo, &cb, &sum), 0);
  CU_ASSERT_FALSE (sum.scan_pending);
  scapi_summary_free (&sum);
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, "test password", &vsc), 0);
  CU_ASSERT (has (vsc_image (vsc), "3F00/5015/4401")
             && has (vsc_image (vsc), "3F00/5015/4402")
             && has (vsc_image (vsc), "3F00/5015/key-45"));
  CU_ASSERT (image_find_path (vsc_image (vsc), "3F00/5015/4301")
             && image_find_path (vsc_image (vsc), "3F00/5015/4301")
                ->has_content);
  vsc_close (vsc);
  /* A complete tree (the full discovery) backs up the same nodes. */
  tmp_path (path, sizeof path, "complete.vsc");
  backup_opts (&bo, path);
  CU_ASSERT_EQUAL (scapi_backup (card2, full, &bo, &cb, &sum), 0);
  CU_ASSERT_EQUAL (sum.nodes, n_full);
  scapi_summary_free (&sum);

  image_free (copy);
  image_free (tree);
  image_free (full);
  scapi_card_close (card2);
  scapi_card_close (card);
  scapi_free (s);
}

/* On the sample card and its variants: FCI instead of FCP, the
 * application reached only by its AID, no MF at all (the backup's own
 * session must reach the directory files the way the discovery did). */
static void
test_tree_defer_pkcs15 (void)
{
  static const char *const cards[] = {
    "pkcs15.card", "pkcs15-fci.card", "pkcs15-aid.card", "pkcs15-nomf.card"
  };
  for (size_t i = 0; i < DIM (cards); i++)
    tree_defer_card (cards[i]);
}

/* ---- fewer APDUs -------------------------------------------------------- */

typedef struct apdu_log {
  unsigned select_5015;       /* SELECTs of 3F00/5015 by path */
  unsigned reads;             /* READ BINARY */
} apdu_log_t;

static void
apdu_sink (void *ctx, int level, const char *line)
{
  apdu_log_t *a = ctx;
  if (level != LOG_LEVEL_APDU)
    return;
  if (strstr (line, "> 00 A4 08 04 02 50 15"))
    a->select_5015++;
  if (strstr (line, "> 00 B0 "))
    a->reads++;
}

static image_t *
discover_logged (const char *name, bool scan, apdu_log_t *a)
{
  image_t *img;
  memset (a, 0, sizeof *a);
  log_set_level (LOG_LEVEL_APDU);
  log_set_quiet (true);
  log_set_sink (apdu_sink, a);
  img = discover (name, scan, NULL);
  log_set_sink (NULL, NULL);
  log_set_quiet (false);
  log_set_level (LOG_LEVEL_WARN);
  return img;
}

/* The application DF is selected once, though two agents want it. */
static void
test_no_second_select (void)
{
  apdu_log_t a;
  image_t *img = discover_logged ("pkcs15.card", false, &a);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  CU_ASSERT_EQUAL (a.select_5015, 1);
  image_free (img);
}

/* EF.ATR announcing extended length: a 1000-byte file in one READ
 * BINARY instead of four. */
static void
test_ef_atr_extended (void)
{
  char card[512];
  apdu_log_t a, b;
  image_t *img;
  char text[3000];
  char content[2001];
  size_t i;

  for (i = 0; i < 1000; i++)
    snprintf (content + 2 * i, 3, "%02X", (unsigned)(i & 0xFF));
  /* T=1 ATR without card capabilities in the historical bytes. */
  snprintf (text, sizeof text,
            "atr 3B 81 80 01 80 80\n"
            "ef 3F00/2F01 transparent content=47030000%s\n"
            "ef 3F00/4000 transparent content=%s\n", "40", content);
  tmp_card (card, sizeof card, "efatr.card", text);
  img = discover_logged (card, false, &a);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  CU_ASSERT (has (img, "3F00/4000") == false);   /* (not listed) */
  image_free (img);
  img = discover_logged (card, true, &a);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  CU_ASSERT (image_find_path (img, "3F00/4000")
             && image_find_path (img, "3F00/4000")->content_len == 1000);
  image_free (img);

  /* The same card without the announcement. */
  snprintf (text, sizeof text,
            "atr 3B 81 80 01 80 80\n"
            "ef 3F00/2F01 transparent content=47030000%s\n"
            "ef 3F00/4000 transparent content=%s\n", "00", content);
  tmp_card (card, sizeof card, "efatr0.card", text);
  img = discover_logged (card, true, &b);
  CU_ASSERT_PTR_NOT_NULL_FATAL (img);
  CU_ASSERT (image_find_path (img, "3F00/4000")
             && image_find_path (img, "3F00/4000")->content_len == 1000);
  image_free (img);
  /* EF.ATR and 4000: 1 + 1 reads with it, 1 + 4 without. */
  CU_ASSERT_EQUAL (a.reads, 2);
  CU_ASSERT_EQUAL (b.reads, 5);
}

/* ---- nothing read --------------------------------------------------- */

static void
test_nothing_read (void)
{
  char card[512], spec[1024], path[512];
  scapi_t *s = NULL;
  scapi_card_t *c = NULL;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  image_t *img = NULL;
  struct stat st;
  gpg_error_t err;

  tmp_card (card, sizeof card, "nothing.card",
            "atr 3B 02 14 50\ndf 3F00 select=aid\n");
  card_spec (spec, sizeof spec, card);
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &c), 0);
  tmp_path (path, sizeof path, "nothing.vsc");
  backup_opts (&bo, path);
  err = scapi_backup (c, NULL, &bo, NULL, &sum);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_WRONG_CARD);
  CU_ASSERT (strstr (scapi_last_error_text (), "nothing could be read")
             != NULL);
  CU_ASSERT (stat (path, &st) != 0);
  scapi_summary_free (&sum);
  scapi_card_close (c);
  scapi_free (s);

  err = scapi_image_load (NULL, spec, NULL, &img);
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_WRONG_CARD);
  CU_ASSERT_PTR_NULL (img);

  /* A selection that matches nothing on a readable card. */
  card_spec (spec, sizeof spec, "pkcs15.card");
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &c), 0);
  backup_opts (&bo, path);
  {
    static const char *const sel[] = { "piv" };
    bo.select = sel;
    bo.n_select = 1;
    bo.discover.no_scan = true;
    err = scapi_backup (c, NULL, &bo, NULL, &sum);
  }
  CU_ASSERT_EQUAL (gpg_err_code (err), GPG_ERR_NOT_FOUND);
  CU_ASSERT (stat (path, &st) != 0);
  scapi_summary_free (&sum);
  scapi_card_close (c);
  scapi_free (s);
}

/* ---- restore onto a card that cannot protect yet ---------------------- */

static unsigned pin_asked;

static gpg_error_t
pin_count (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  pin_asked++;
  return pin_123456 (ctx, req, r_pin);
}

/* Raw APDU on a second connection to the emulated card. */
static unsigned
raw (reader_card_t *rc, const char *hex, size_t *rlen)
{
  buf_t b = BUF_INIT;
  uint8_t resp[512];
  size_t n = sizeof resp;
  unsigned sw = 0;

  CU_ASSERT_EQUAL_FATAL (hex_decode (hex, &b), 0);
  if (!reader_transmit (rc, b.data, b.len, resp, &n) && n >= 2)
    sw = (resp[n - 2] << 8) | resp[n - 1];
  if (rlen)
    *rlen = n >= 2 ? n - 2 : 0;
  buf_free (&b);
  return sw;
}

/* Restore the PKCS#15 backup (with its PIN) onto TARGET; return the
 * action of 4F01's plan entry, the reason of 5015's and the restore's
 * result. */
static gpg_error_t
restore_onto (const char *target, const image_t *src, bool set_pins,
              plan_action_t *r_4f01, char *why, size_t whysize,
              scapi_t **r_s)
{
  char spec[1024];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  plan_t *plan = NULL;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_cb_t cb;
  plan_entry_t *e;
  gpg_error_t err;

  card_spec (spec, sizeof spec, target);
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_count;
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_restore_plan (card, src, &cb, &plan), 0);
  memset (&ro, 0, sizeof ro);
  ro.set_pins = set_pins;
  err = scapi_restore (card, src, plan, &ro, &cb, &rep);
  e = plan_find (plan, "3F00/5015/4F01");
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  *r_4f01 = e->action;
  /* Why: the DF's reason (its create condition names the PIN too); the
   * files in it follow the DF. */
  e = plan_find (plan, "3F00/5015");
  CU_ASSERT_PTR_NOT_NULL_FATAL (e);
  snprintf (why, whysize, "%s", e->reason ? e->reason : "");
  plan_free (plan);
  scapi_card_close (card);
  *r_s = s;
  return err;
}

static void
test_restore_pin_protection (void)
{
  char spec[1024], path[512], why[400];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_cb_t cb;
  vsc_t *vsc = NULL;
  image_t *src = NULL;
  plan_action_t act;
  reader_card_t *rc = NULL;
  size_t n;
  gpg_error_t err;

  /* The source: the PKCS#15 card, its PIN kept in the VSC. */
  card_spec (spec, sizeof spec, "pkcs15.card");
  memset (&cb, 0, sizeof cb);
  cb.pin = pin_123456;
  CU_ASSERT_EQUAL_FATAL (scapi_new (spec, &s), 0);
  CU_ASSERT_EQUAL_FATAL (scapi_card_open (s, NULL, &card), 0);
  tmp_path (path, sizeof path, "pins.vsc");
  backup_opts (&bo, path);
  bo.store_pins = true;
  CU_ASSERT_EQUAL_FATAL (scapi_backup (card, NULL, &bo, &cb, &sum), 0);
  scapi_summary_free (&sum);
  scapi_card_close (card);
  scapi_free (s);
  CU_ASSERT_EQUAL_FATAL (vsc_open (path, "test password", &vsc), 0);
  CU_ASSERT_EQUAL_FATAL (image_copy (vsc_image (vsc), &src), 0);
  vsc_close (vsc);
  CU_ASSERT_FATAL (has (src, "pins/01"));

  /* Onto a card whose PIN has no value yet, without --set-pins: the
   * protected files are held back and not written. */
  pin_asked = 0;
  err = restore_onto ("blank-unset.card", src, false, &act, why, sizeof why,
                      &s);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (act, PLAN_NOT_RESTORABLE);
  CU_ASSERT (strstr (why, "PIN 01") && strstr (why, "not set"));
  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &rc), 0);
  CU_ASSERT_EQUAL (raw (rc, "00A4080C0450154F01", NULL), 0x6A82);
  CU_ASSERT_EQUAL (raw (rc, "00A4080C02 2F00", NULL), 0x9000);
  CU_ASSERT_EQUAL (raw (rc, "0020 0001", NULL), 0x6984);
  reader_disconnect (rc, false);
  scapi_free (s);

  /* With --set-pins: the PIN first (no current PIN to ask for), then
   * the files; afterwards the card protects them. */
  pin_asked = 0;
  err = restore_onto ("blank-unset.card", src, true, &act, why, sizeof why,
                      &s);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (act, PLAN_CREATE);
  CU_ASSERT_EQUAL (pin_asked, 0);
  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &rc), 0);
  CU_ASSERT_EQUAL (raw (rc, "00A4080C0450154F01", NULL), 0x9000);
  CU_ASSERT_EQUAL (raw (rc, "00B0000000", NULL), 0x6982);
  CU_ASSERT_EQUAL (raw (rc, "0020000106313233343536", NULL), 0x9000);
  CU_ASSERT_EQUAL (raw (rc, "00B0000000", &n), 0x9000);
  CU_ASSERT (n > 10);
  reader_disconnect (rc, false);
  scapi_free (s);

  /* A card without the PIN at all: not restorable, and nothing asked. */
  pin_asked = 0;
  err = restore_onto ("blank-nopin.card", src, true, &act, why, sizeof why,
                      &s);
  CU_ASSERT_EQUAL (act, PLAN_NOT_RESTORABLE);
  CU_ASSERT (strstr (why, "no PIN 01") != NULL);
  CU_ASSERT_EQUAL_FATAL (reader_connect (scapi_reader_ctx (s), NULL,
                                         READER_SHARED, READER_PROTO_ANY,
                                         &rc), 0);
  CU_ASSERT_EQUAL (raw (rc, "00A4080C0450154F01", NULL), 0x6A82);
  reader_disconnect (rc, false);
  scapi_free (s);
  (void)err;

  /* The plain blank card has PIN 01 set: everything is written. */
  err = restore_onto ("blank.card", src, false, &act, why, sizeof why, &s);
  CU_ASSERT_EQUAL (err, 0);
  CU_ASSERT_EQUAL (act, PLAN_CREATE);
  scapi_free (s);
  image_free (src);
}

static int
suite_init (void)
{
  snprintf (tmpdir, sizeof tmpdir, "%s/test-fs-agent.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  return mkdtemp (tmpdir) ? 0 : -1;
}

static int
suite_cleanup (void)
{
  char cmd[600];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system (cmd) == 0 ? 0 : -1;
}

static const cutest_t tests[] = {
  CUTEST (test_app_by_path),
  CUTEST (test_app_by_aid),
  CUTEST (test_app_no_mf),
  CUTEST (test_reselect_after_reset),
  CUTEST (test_no_fcp),
  CUTEST (test_plan_onto_aid_card),
  CUTEST (test_scan_finds_unlisted),
  CUTEST (test_tree_then_scan),
  CUTEST (test_tree_defer_pkcs15),
  CUTEST (test_no_second_select),
  CUTEST (test_ef_atr_extended),
  CUTEST (test_nothing_read),
  CUTEST (test_restore_pin_protection),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("fs-agent", tests, suite_init, suite_cleanup);
}
