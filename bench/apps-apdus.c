/* apps-apdus.c - the APDUs a token backup and a token restore cost
 * (OpenPGP card + PIV), against the minimal sequence for the same work,
 * re-authentication included (goal: ratio <= 1.10)
 *
 * Two kinds of token: one that keeps its security state across SELECTs
 * (tests/cards/yubikey*.card with select-resets-security no), and one
 * that drops it as real tokens do (tests/cards/canokey-blank.card:
 * applet switches power the others off, a SELECT of PIV resets PIV; it
 * also serves some OpenPGP objects only inside 65/6E). For each: back up
 * the populated token, restore the VSC onto a factory-fresh one.
 *
 * The minimal sequence, counted from what was read or written (the
 * image, the plan entries), not from what was sent:
 *  - per application: one SELECT, per card one SELECT of the MF; per PIN
 *    that guards an object the application defines (OpenPGP PW1 and PW3
 *    for 0103 and 0104, the PIV PIN for 5FC109): its retry counter (shown
 *    before asking) and one VERIFY; PIV: GET VERSION and GET METADATA per
 *    slot key;
 *  - reading: one GET DATA per data object (65, 6E and 7A for what they
 *    hold), SELECT DATA + GET DATA per OpenPGP certificate;
 *  - a restore first reads the target the same way, then per application
 *    it writes to: one SELECT and the authentication the writes need in
 *    that selection (VERIFY PW3 and PW1; the PIV management key, two
 *    GENERAL AUTHENTICATE; the PIV PIN when 5FC109 is read back), and per
 *    written object PUT DATA and one GET DATA to read it back (SELECT
 *    DATA before each for a certificate; C6 as three PUT DATA; a key
 *    import: the attributes read and set, the key, fingerprint and date
 *    put, C5 read back; PIV: IMPORT KEY and GET METADATA).
 * What the agents send on top - probes for applications the token does
 * not have are reported apart, as in the backup's own summary - is the
 * overhead the ratio shows. In-process emulator, APDUs only.
 *
 * Environment: top_srcdir; BENCH_TRACE=1 prints the (redacted) APDU
 * transcript on stderr. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "common/log.h"
#include "scapi/scapi.h"
#include "scapi/scapi-keys.h"
#include "vsc/vsc.h"

static gpg_error_t
bench_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  (void)ctx;
  *r_pin = xtrystrdup_secure (req->ref == 0x83 ? "12345678" : "123456");
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

/* APDUs by kind, from the transcript. */
typedef struct bench_count {
  unsigned long all, select_aid, verify, auth;
  unsigned long absent;       /* GET DATA or SELECT of something absent */
  unsigned long lacking;      /* PUT DATA of an object the token lacks */
} bench_count_t;

static bench_count_t bench_now;
static unsigned bench_last_ins;

static void
bench_sink (void *ctx, int level, const char *line)
{
  const char *p = strstr (line, "> ");
  const char *r = strstr (line, "< ");
  unsigned cla, ins, p1;
  (void)ctx;
  if (level != LOG_LEVEL_APDU)
    return;
  if (!p && r && (bench_last_ins == 0xCA || bench_last_ins == 0xCB
                  || bench_last_ins == 0xA4)
      && (strstr (r, "6A 82") == r + 2 || strstr (r, "6A 88") == r + 2))
    bench_now.absent++;
  if (!p && r && (bench_last_ins == 0xDA || bench_last_ins == 0xDB)
      && (strstr (r, "6A 82") == r + 2 || strstr (r, "6A 88") == r + 2
          || strstr (r, "6A 86") == r + 2))
    bench_now.lacking++;
  if (!p || sscanf (p + 2, "%x %x %x", &cla, &ins, &p1) != 3)
    return;
  bench_last_ins = ins;
  bench_now.all++;
  if (getenv ("BENCH_TRACE"))
    fprintf (stderr, "%s\n", line);
  if (ins == 0xA4 && p1 == 0x04)
    bench_now.select_aid++;
  else if (ins == 0x20)
    bench_now.verify++;
  else if (ins == 0x87)
    bench_now.auth++;
}

/* ---- the minimal sequence ------------------------------------------- */

typedef struct bench_min {
  unsigned long apdus;
  bool pw1, pw3, pivpin;
} bench_min_t;

static bool
bench_in (const image_node_t *n, const char *app)
{
  for (; n; n = n->parent)
    if (n->type == IMAGE_NODE_APPLET)
      return n->name && !strcmp (n->name, app);
  return false;
}

/* Reading NODE: what a client that knows the card would send. */
static gpg_error_t
bench_read_visit (image_node_t *n, unsigned depth, void *ctx)
{
  bench_min_t *m = ctx;
  (void)depth;
  if (n->type == IMAGE_NODE_MF || n->type == IMAGE_NODE_APPLET)
    {
      if (n->type == IMAGE_NODE_MF || n->aid_len)
        m->apdus++;
      if (n->type == IMAGE_NODE_APPLET && n->name && !strcmp (n->name, "piv"))
        m->apdus++;                       /* GET VERSION */
      return 0;
    }
  if (n->type == IMAGE_NODE_KEY)
    {
      if (bench_in (n, "piv"))
        m->apdus++;                       /* GET METADATA */
      return 0;
    }
  if (n->type != IMAGE_NODE_DO || n->first_child)
    return 0;
  if (bench_in (n, "openpgp"))
    {
      if (n->parent && n->parent->type == IMAGE_NODE_DO)
        m->apdus += 2;                    /* certificate: A5 + CA */
      else if ((n->tag >= 0xC0 && n->tag <= 0xCD) || n->tag == 0xDE
               || n->tag == 0x4F || n->tag == 0x5F52 || n->tag == 0x7F66
               || n->tag == 0x7F74 || n->tag == 0x5B || n->tag == 0x5F2D
               || n->tag == 0x5F35 || (n->tag >= 0xD6 && n->tag <= 0xD8))
        ;                                 /* inside 6E or 65 */
      else
        m->apdus++;
      if (n->tag == 0x0103)
        m->pw1 = true;
      if (n->tag == 0x0104)
        m->pw3 = true;
    }
  else if (bench_in (n, "piv"))
    {
      m->apdus++;
      if (n->tag == 0x5FC109)
        m->pivpin = true;
    }
  else if (n->type == IMAGE_NODE_DO)
    m->apdus++;
  return 0;
}

/* The minimal reading of IMAGE, PINs included. */
static unsigned long
bench_min_read (const image_t *img)
{
  bench_min_t m;
  memset (&m, 0, sizeof m);
  image_walk ((image_t *)img, bench_read_visit, &m);
  /* The PINs that guard what the specs define (OpenPGP 0103 and 0104,
   * PIV 5FC109) are needed to find out whether it is there. */
  if (image_find_path (img, "openpgp"))
    {
      m.apdus += 2;                       /* 6E, 65 */
      m.pw1 = m.pw3 = true;
    }
  if (image_find_path (img, "piv"))
    m.pivpin = true;
  m.apdus += 2 * ((unsigned long)m.pw1 + m.pw3 + m.pivpin);
  return m.apdus;
}

/* The minimal writing of the entries of PLAN that were written. */
static unsigned long
bench_min_write (const plan_t *plan)
{
  unsigned long apdus = 0;
  bool pgp = false, piv = false, pw1 = false, pivpin = false;
  size_t i;

  for (i = 0; i < plan->n; i++)
    {
      const plan_entry_t *e = &plan->entries[i];
      const image_node_t *s = e->src;
      if (!e->written || !s || s->type == IMAGE_NODE_APPLET)
        continue;
      if (bench_in (s, "openpgp"))
        {
          pgp = true;
          if (s->type == IMAGE_NODE_KEY)
            apdus += 6;      /* attributes read and set, key, C7-C9,
                                CE-D0, C5 read back */
          else if (s->parent && s->parent->type == IMAGE_NODE_DO)
            apdus += 4;      /* A5, PUT, A5, GET */
          else if (s->tag == 0xC6)
            apdus += 4;      /* CA, CB, CC, GET */
          else
            apdus += 2;
          if (s->tag == 0x0101 || s->tag == 0x0103)
            pw1 = true;
        }
      else if (bench_in (s, "piv"))
        {
          piv = true;
          apdus += 2;        /* PUT + GET, or IMPORT KEY + GET METADATA */
          if (s->tag == 0x5FC109)
            pivpin = true;
        }
    }
  /* Objects the token turned out not to have: one attempt each (counted
   * by the caller from the answers), after the PIN the spec names. */
  for (i = 0; i < plan->n; i++)
    {
      const plan_entry_t *e = &plan->entries[i];
      if (!e->written && e->src && e->action == PLAN_NOT_RESTORABLE
          && e->src->type == IMAGE_NODE_DO && bench_in (e->src, "openpgp")
          && (e->src->tag == 0x0101 || e->src->tag == 0x0103))
        pw1 = pgp = true;
    }
  if (pgp)
    apdus += 2 + pw1;        /* SELECT, VERIFY PW3 (and PW1) */
  if (piv)
    apdus += 3 + pivpin;     /* SELECT, management key, (PIN) */
  return apdus;
}

/* ---- the runs -------------------------------------------------------- */

static int
bench_token (const char *label, const char *src_prof, const char *blank,
             const char *dir)
{
  char spec[2048], vscpath[1100], keypath[1100];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_restore_opts_t ro;
  scapi_restore_report_t rep;
  scapi_keygen_result_t kr;
  scapi_cb_t cb;
  vsc_t *vsc = NULL;
  plan_t *plan = NULL;
  image_t *src = NULL, *dst = NULL;
  unsigned long ref, body, plan_apdus;
  bench_count_t now;
  int rc = 1;

  memset (&sum, 0, sizeof sum);
  snprintf (spec, sizeof spec, "emu:%s,%s,%s", src_prof, blank, blank);
  snprintf (vscpath, sizeof vscpath, "%s/%s.vsc", dir, label);
  snprintf (keypath, sizeof keypath, "%s/%s-keys.vsc", dir, label);
  memset (&cb, 0, sizeof cb);
  cb.pin = bench_pin;
  if (scapi_new (spec, &s))
    goto leave;

  /* Backup of the populated token. */
  memset (&o, 0, sizeof o);
  o.out_path = vscpath;
  o.password = "bench";
  o.kdf_m_kib = VSC_KDF_M_MIN;
  o.kdf_t = 1;
  o.kdf_p = 1;
  o.discover.no_scan = true;
  memset (&bench_now, 0, sizeof bench_now);
  if (scapi_card_open (s, "vscemu 0", &card)
      || scapi_backup (card, NULL, &o, &cb, &sum))
    {
      fprintf (stderr, "bench apps-apdus: backup failed: %s\n",
               scapi_last_error_text ());
      goto leave;
    }
  scapi_card_close (card);
  card = NULL;
  if (vsc_open (vscpath, "bench", &vsc) || image_copy (vsc_image (vsc), &src))
    goto leave;
  ref = bench_min_read (src);
  body = sum.apdus - sum.scan_apdus;
  printf ("bench apps-backup-apdus (%s): %lu APDUs (reference %lu: the "
          "objects, SELECTs, PINs; ratio %.3f, goal 1.10); %lu SELECT by "
          "AID, %lu VERIFY; %lu more probing for absent applications\n",
          label, body, ref, (double)body / (double)ref,
          bench_now.select_aid, bench_now.verify, sum.scan_apdus);
  scapi_summary_free (&sum);

  /* With escrowed keys: a full restore onto a fresh token. */
  if (scapi_keygen (src, "openpgp", "sig", "ed25519", 1700000000, &kr)
      || scapi_keygen (src, "openpgp", "dec", "cv25519", 1700000000, &kr)
      || scapi_keygen (src, "piv", "9a", "eccp256", 0, &kr))
    goto leave;
  memset (&ro, 0, sizeof ro);
  ro.force = true;              /* (the source names another model) */
  if (scapi_card_open (s, "vscemu 1", &card))
    goto leave;
  memset (&bench_now, 0, sizeof bench_now);
  if (scapi_restore_plan (card, src, &cb, &plan))
    goto fail;
  plan_apdus = bench_now.all - bench_now.absent;
  if (scapi_restore (card, src, plan, &ro, &cb, &rep))
    goto fail;
  scapi_card_close (card);
  card = NULL;
  now = bench_now;
  /* The target as it was: a second fresh token read the same way. */
  if (scapi_image_load (s, "card:vscemu 2", &cb, &dst))
    goto leave;
  ref = bench_min_read (dst) + bench_min_write (plan) + now.lacking;
  body = plan_apdus + rep.apdus;
  printf ("bench apps-restore-apdus (%s): %lu APDUs (%lu reading the "
          "target, %lu writing %zu nodes; reference %lu: the same reading "
          "and writing with one SELECT and one authentication per "
          "application; ratio %.3f, goal 1.10); %lu SELECT by AID, %lu "
          "VERIFY, %lu GENERAL AUTHENTICATE; %lu more probing for absent "
          "objects\n",
          label, body, plan_apdus, rep.apdus, rep.written, ref,
          (double)body / (double)ref, now.select_aid, now.verify,
          now.auth, now.absent);
  rc = 0;
  goto leave;

 fail:
  fprintf (stderr, "bench apps-apdus: restore failed: %s\n",
           scapi_last_error_text ());
 leave:
  plan_free (plan);
  image_free (src);
  image_free (dst);
  vsc_close (vsc);
  scapi_card_close (card);
  scapi_free (s);
  unlink (vscpath);
  unlink (keypath);
  return rc;
}

/* PROFILE with LINES appended, as DIR/NAME. */
static int
bench_profile (const char *profile, const char *lines, const char *dir,
               const char *name, char *out, size_t size)
{
  FILE *in = fopen (profile, "r"), *fp;
  char buf[4096];
  size_t n;

  snprintf (out, size, "%s/%s", dir, name);
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
  fputs (lines, fp);
  fclose (in);
  return fclose (fp) ? 1 : 0;
}

int
main (void)
{
  const char *top = getenv ("top_srcdir") ? getenv ("top_srcdir") : ".";
  static const char keep[] = "\nselect-resets-security no\n"
    "applet-switch-powers-off no\n";
  char dir[] = "/tmp/bench-apps-XXXXXX";
  char in[1024], yk[1200], ykb[1200], ck[1200];
  int rc = 1;

  if (util_program_init () || !mkdtemp (dir))
    return 1;
  log_set_quiet (true);
  log_set_level (LOG_LEVEL_APDU);
  log_set_sink (bench_sink, NULL);
  snprintf (in, sizeof in, "%s/tests/cards/yubikey.card", top);
  if (bench_profile (in, keep, dir, "yk.card", yk, sizeof yk))
    goto leave;
  snprintf (in, sizeof in, "%s/tests/cards/yubikey-blank.card", top);
  if (bench_profile (in, keep, dir, "ykb.card", ykb, sizeof ykb))
    goto leave;
  snprintf (ck, sizeof ck, "%s/tests/cards/canokey-blank.card", top);
  /* Keeping: the YubiKey-like token made to keep its state, onto a blank
   * of the same. Dropping: the YubiKey-like token as it is (PIV resets on
   * SELECT, applet switches power the others off) onto a CanoKey-like
   * blank. */
  if (bench_token ("token keeping state", yk, ykb, dir))
    goto leave;
  snprintf (in, sizeof in, "%s/tests/cards/yubikey.card", top);
  if (bench_token ("token dropping state", in, ck, dir))
    goto leave;
  rc = 0;
 leave:
  log_set_sink (NULL, NULL);
  rmdir (dir);
  return rc;
}
