/* agency-apdus.c - APDUs a backup of the sample card costs, against the
 * minimum a reader of the same files needs
 *
 * In-process emulator (tests/cards/pkcs15.card), so only APDUs count,
 * not time. Reference measured from the backup's own image: one SELECT
 * per DF/EF plus ceil(size / max chunk) READ BINARY per transparent EF
 * (at least one) and one READ RECORD per record (plus the one that says
 * "no more" when the FCP does not give the count). VERIFY and the
 * retry-counter query, and the FID scan, are reported separately.
 * Goal: ratio <= 1.10.
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
  (void)req;
  *r_pin = xtrystrdup_secure ("123456");
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

typedef struct bench_min {
  size_t chunk;
  unsigned long apdus;
  unsigned long files;
} bench_min_t;

static gpg_error_t
bench_visit (image_node_t *n, unsigned depth, void *ctx)
{
  bench_min_t *m = ctx;
  (void)depth;
  switch (n->type)
    {
    case IMAGE_NODE_MF:
    case IMAGE_NODE_DF:
      m->apdus += 1;
      m->files++;
      break;
    case IMAGE_NODE_EF_TRANSPARENT:
      {
        size_t sz = n->size > n->content_len ? n->size : n->content_len;
        m->apdus += 1 + (sz ? (sz + m->chunk - 1) / m->chunk : 1);
        m->files++;
      }
      break;
    case IMAGE_NODE_EF_LINEAR_FIXED:
    case IMAGE_NODE_EF_LINEAR_VARIABLE:
    case IMAGE_NODE_EF_CYCLIC:
      m->apdus += 1 + (n->record_count ? n->record_count : 1);
      m->files++;
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
  char spec[1024], path[] = "/tmp/bench-agency-XXXXXX";
  char vscpath[1100];
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t o;
  scapi_summary_t sum;
  scapi_cb_t cb;
  vsc_t *vsc = NULL;
  bench_min_t m;
  unsigned long body;
  double ratio;
  int rc = 1;

  if (util_program_init () || !mkdtemp (path))
    return 1;
  snprintf (spec, sizeof spec, "emu:%s/tests/cards/pkcs15.card", top);
  snprintf (vscpath, sizeof vscpath, "%s/b.vsc", path);
  memset (&cb, 0, sizeof cb);
  cb.pin = bench_pin;
  memset (&o, 0, sizeof o);
  o.out_path = vscpath;
  o.password = "bench";
  o.kdf_m_kib = VSC_KDF_M_MIN;
  o.kdf_t = 1;
  o.kdf_p = 1;
  if (scapi_new (spec, &s) || scapi_card_open (s, NULL, &card)
      || scapi_backup (card, NULL, &o, &cb, &sum))
    {
      fprintf (stderr, "bench agency-apdus: backup failed: %s\n",
               scapi_last_error_text ());
      goto leave;
    }
  if (vsc_open (vscpath, "bench", &vsc))
    goto leave;
  memset (&m, 0, sizeof m);
  m.chunk = 256;     /* the sample card speaks short APDUs only */
  image_walk (vsc_image (vsc), bench_visit, &m);
  body = sum.apdus - sum.scan_apdus - sum.pin_apdus;
  ratio = (double)body / (double)m.apdus;
  printf ("bench agency-backup-apdus: %lu APDUs (reference %lu APDUs "
          "minimal for %lu files, ratio %.3f, goal 1.10)\n",
          body, m.apdus, m.files, ratio);
  printf ("bench agency-backup-apdus: separately %lu APDUs for the FID "
          "scan, %lu for VERIFY and the retry counter, %lu in all\n",
          sum.scan_apdus, sum.pin_apdus, sum.apdus);
  rc = 0;   /* the ratio is reported, never asserted */

 leave:
  scapi_summary_free (&sum);
  vsc_close (vsc);
  scapi_card_close (card);
  scapi_free (s);
  unlink (vscpath);
  rmdir (path);
  return rc;
}
