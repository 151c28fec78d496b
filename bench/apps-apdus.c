/* apps-apdus.c - APDUs a backup of the YubiKey-like sample token
 * (OpenPGP card + PIV, tests/cards/yubikey.card) costs, against the
 * minimum: one SELECT per application and for the MF, one GET DATA per
 * data object, certificate chunks (ceil(size / max Ne)), and on PIV one
 * GET METADATA per slot key. VERIFY and retry-counter queries are
 * reported separately; no FID scan. In-process emulator: APDUs count,
 * the time is printed for information. Goal: ratio <= 1.10.
 *
 * Environment: top_srcdir. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "scapi/scapi.h"
#include "vsc/vsc.h"

static gpg_error_t
bench_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  (void)ctx;
  *r_pin = xtrystrdup_secure (req->ref == 0x83 ? "12345678" : "123456");
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

typedef struct bench_min {
  size_t chunk;
  unsigned long apdus, objects;
} bench_min_t;

static gpg_error_t
bench_visit (image_node_t *n, unsigned depth, void *ctx)
{
  bench_min_t *m = ctx;
  (void)depth;
  switch (n->type)
    {
    case IMAGE_NODE_MF:
    case IMAGE_NODE_APPLET:
      m->apdus++;
      break;
    case IMAGE_NODE_DO:
      if (n->first_child)
        break;                    /* a container read through its parts */
      m->objects++;
      m->apdus += n->content_len > m->chunk
                  ? (n->content_len + m->chunk - 1) / m->chunk : 1;
      break;
    case IMAGE_NODE_KEY:
      if (n->parent && n->parent->name && !strcmp (n->parent->name, "piv"))
        m->apdus++;
      break;
    default:
      break;
    }
  return 0;
}

int
main (void)
{
  const char *top = getenv ("top_srcdir") ? getenv ("top_srcdir") : ".";
  char spec[1024], path[] = "/tmp/bench-apps-XXXXXX";
  char vscpath[1100];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_cb_t cb;
  vsc_t *vsc = NULL;
  bench_min_t m;
  unsigned long body;
  int rc = 1;

  memset (&sum, 0, sizeof sum);
  if (util_program_init () || !mkdtemp (path))
    return 1;
  snprintf (spec, sizeof spec, "emu:%s/tests/cards/yubikey.card", top);
  snprintf (vscpath, sizeof vscpath, "%s/b.vsc", path);
  memset (&cb, 0, sizeof cb);
  cb.pin = bench_pin;
  memset (&o, 0, sizeof o);
  o.out_path = vscpath;
  o.password = "bench";
  o.kdf_m_kib = VSC_KDF_M_MIN;
  o.kdf_t = 1;
  o.kdf_p = 1;
  o.discover.no_scan = true;
  if (scapi_new (spec, &s) || scapi_card_open (s, NULL, &card)
      || scapi_backup (card, NULL, &o, &cb, &sum))
    {
      fprintf (stderr, "bench apps-apdus: backup failed: %s\n",
               scapi_last_error_text ());
      goto leave;
    }
  if (vsc_open (vscpath, "bench", &vsc))
    goto leave;
  memset (&m, 0, sizeof m);
  m.chunk = 65536;   /* the token takes extended length */
  image_walk (vsc_image (vsc), bench_visit, &m);
  body = sum.apdus - sum.scan_apdus - sum.pin_apdus;
  printf ("bench apps-backup-apdus: %lu APDUs (reference %lu: one GET DATA "
          "per object for %lu objects + SELECTs + PIV metadata; ratio %.3f, "
          "goal 1.10) in %.3f s (%.3f s of it saving the VSC)\n",
          body, m.apdus, m.objects, (double)body / (double)m.apdus,
          sum.seconds, sum.save_seconds);
  printf ("bench apps-backup-apdus: separately %lu APDUs for VERIFY and "
          "the retry counters, %lu for the FID scan, %lu in all\n",
          sum.pin_apdus, sum.scan_apdus, sum.apdus);
  rc = 0;   /* reported, never asserted */

 leave:
  scapi_summary_free (&sum);
  vsc_close (vsc);
  scapi_card_close (card);
  scapi_free (s);
  unlink (vscpath);
  rmdir (path);
  return rc;
}
