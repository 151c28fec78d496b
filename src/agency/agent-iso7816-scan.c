/* agent-iso7816-scan.c - the bounded FID scan of the generic agent
 *
 * Files that no directory lists are found by SELECTing FIDs, one SELECT
 * each, within a budget (default ISO_SCAN_BUDGET_DEFAULT). In a SELECT
 * scan 9000/61xx, 6283 (deactivated), 6982 and 6985 mean the file
 * exists, 6A82 that it does not. The order is chosen so that what cards
 * hold is found early, and DFs before the EFs inside them:
 *
 *   phase 1, in every DF: the FIDs that personalisation tools and common
 *     card profiles write (OpenSC's pkcs15-init profiles and its info
 *     file 4946, ISO's reserved EF.DIR/EF.ATR area), the DF's own
 *     neighbourhood (7000 -> 7001..7008: files are often numbered after
 *     their DF) and the neighbours of the files already known in it;
 *   phase 2, in every DF: FIDs where cards put DFs (x000, 0x00, 5x00,
 *     7F10-7F2F, DF00-DF1F, 5F00-5F3F);
 *   phase 3, in every DF: ranges where cards put EFs.
 * All DFs finish a phase before any starts the next; a DF found in phase
 * 2 or 3 gets phase 1 at once. In the ranges of phases 2 and 3 a run of
 * ISO_SCAN_RUN misses in a row ends the range. A FID is never SELECTed
 * twice in one DF. Ranges given by the caller (--scan-range) replace all
 * three phases and are probed completely.
 *
 * When the budget runs out the position is kept in the MF's typed state
 * (image_node_set_scan_next: DF path, FID, phase): a later run given that image
 * re-probes what the earlier one found and goes on from there. What
 * was covered is kept as text for the summary (agency_scan_coverage). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/array.h"
#include "common/i18n.h"
#include "common/log.h"
#include "agency/agent.h"
#include "agency/agent-iso7816.h"

#define ISO_SCAN_RUN 32          /* misses in a row that end a range */
#define ISO_SCAN_PHASES 3
#define ISO_SCAN_MAX_DFS 256

/* Phase 1: what personalisation tools and card profiles write. From
 * OpenSC's profiles (pkcs15, myeid, isoApplet, cardos, setcos, starcos,
 * rutoken, iasecc, oberthur, flex, cyberflex, entersafe, epass2003,
 * westcos, gpk, asepcos: /usr/share/opensc/ *.profile) and pkcs15-lib.c
 * (OpenSC's info file 4946 in the application DF), ISO 7816-4 (EF.DIR,
 * EF.ATR and their area) and GSM 11.11 / ETSI TS 151 011 (DFs 7F10,
 * 7F20; EFs 6Fxx, the phone book 5F3A/4F30). One list for the MF (mostly
 * DFs), one for every other DF (mostly EFs). */
static const uint16_t iso_scan_mf_fids[] = {
  0x2F00, 0x2F01, 0x2F02, 0x2F03, 0x2F04, 0x2F05, 0x2F06,
  0x5015, 0x5000, 0x5100, 0x5200, 0x5300, 0x5500,
  0x3000, 0x3100, 0x3200, 0x3300, 0x3400, 0x3500,
  0x1000, 0x2000, 0x4000, 0x6000, 0x7000, 0x9F00,
  0xB000, 0xB100, 0xB200, 0xD000, 0xE000, 0xF000,
  0x0100, 0x0200, 0x0300, 0x0400, 0x0500, 0x0002, 0x0010, 0x0012, 0x7EAD,
  0xDF01, 0xDF02, 0xDF03, 0x7F10, 0x7F20, 0x7F21
};
static const uint16_t iso_scan_df_fids[] = {
  /* PKCS#15: ODF, TokenInfo, UnusedSpace, directory files, OpenSC's
   * info file, object files of the pkcs15-init templates */
  0x5031, 0x5032, 0x5033,
  0x4401, 0x4402, 0x4403, 0x4404, 0x4405, 0x4406, 0x4407,
  0x4946,
  0x4301, 0x4302, 0x4303, 0x4501, 0x4502, 0x4503, 0x4601, 0x4602,
  0x4B01, 0x4B02, 0x4B03, 0x4D01, 0x4D02, 0x5501, 0x5502, 0x5503,
  0x4300, 0x4400, 0x4500, 0x4600, 0x4700, 0x4800, 0x4B00,
  /* native cards' key and object files */
  0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0010, 0x0012, 0x0080,
  0x1000, 0x1001, 0x1002, 0x1003, 0x1004, 0x1012,
  0x3003, 0x3010, 0x3104, 0x3201, 0x3220, 0x3301, 0x3302,
  0x3401, 0x3402, 0x3403, 0x5300, 0x5301,
  0x6001, 0x6002, 0x6003, 0x6004, 0x6005, 0x6006,
  0x7001, 0x7002, 0x7003, 0x7004, 0x7005, 0x7006,
  0x8001, 0x8002, 0x9001, 0x9002, 0xB101, 0xB104, 0xFFFD,
  /* GSM: EFs of DF GSM/TELECOM, the phone book DF and its PBR */
  0x6F05, 0x6F07, 0x6F20, 0x6F30, 0x6F31, 0x6F37, 0x6F38, 0x6F39,
  0x6F3A, 0x6F3B, 0x6F3E, 0x6F40, 0x6F42, 0x6F46, 0x6F74, 0x6F78,
  0x6F7B, 0x6F7E, 0x6FAD, 0x6FAE, 0x5F3A, 0x4F30
};

/* A range of FIDs FIRST, FIRST+STEP, ... <= LAST. */
typedef struct iso_scan_range {
  uint16_t first, last, step;
} iso_scan_range_t;

/* Phase 2: where cards put DFs. */
static const iso_scan_range_t iso_scan_df_ranges[] = {
  { 0x1000, 0xF000, 0x1000 },
  { 0x0100, 0x0F00, 0x0100 },
  { 0x5000, 0x5F00, 0x0100 },
  { 0x7F10, 0x7F2F, 1 },      /* GSM/ETSI DFs (7F10, 7F20, ...) */
  { 0xDF00, 0xDF1F, 1 },
  { 0x5F00, 0x5F3F, 1 }       /* DFs inside GSM DFs (5F3A, ...) */
};

/* Phase 3: where cards put EFs. */
static const iso_scan_range_t iso_scan_ef_ranges[] = {
  { 0x0000, 0x001F, 1 },      /* small numbers used by many native cards */
  { 0x2F00, 0x2F0F, 1 },
  { 0x4000, 0x4007, 1 }, { 0x4100, 0x4107, 1 }, { 0x4200, 0x4207, 1 },
  { 0x4300, 0x4307, 1 }, { 0x4400, 0x4407, 1 }, { 0x4500, 0x4507, 1 },
  { 0x4600, 0x4607, 1 }, { 0x4700, 0x4707, 1 }, { 0x4800, 0x4807, 1 },
  { 0x4900, 0x4907, 1 }, { 0x4A00, 0x4A07, 1 }, { 0x4B00, 0x4B07, 1 },
  { 0x4C00, 0x4C07, 1 }, { 0x4D00, 0x4D07, 1 }, { 0x4E00, 0x4E07, 1 },
  { 0x4F00, 0x4F07, 1 },      /* 40xx-4Fxx: PKCS#15 objects */
  { 0x5000, 0x503F, 1 }, { 0x5100, 0x510F, 1 },
  { 0x5F00, 0x5F0F, 1 },
  { 0x6F00, 0x6F3F, 1 },      /* GSM/ETSI EFs */
  { 0x7000, 0x700F, 1 }, { 0x7F00, 0x7F1F, 1 },
  { 0xDF00, 0xDF0F, 1 }
};

/* One DF to scan. */
typedef struct iso_scan_df {
  image_node_t *node;
  char *path;
  uint16_t fids[ISO7816_PATH_MAX];
  size_t depth;
  int done;                   /* phases done */
  uint8_t *probed;            /* bitmap of FIDs SELECTed in this run */
  unsigned long n_probed;
} iso_scan_df_t;

typedef struct iso_scan {
  agency_card_t *card;
  image_t *image;
  image_node_t *mf;
  iso_fs_t *fs;               /* may be NULL (no memory): no reporting */
  unsigned long budget, used;
  iso_scan_df_t *dfs;
  size_t n_dfs, cap_dfs;
  /* Resuming: skip to (phase, DF, FID). */
  bool skipping;
  int resume_phase;
  char resume_df[256];
  uint16_t resume_fid;
  /* Stopped by the budget (or a cancel) here. */
  bool stopped;
  bool cancelled;
  int stop_phase;
  size_t stop_df;
  uint16_t stop_fid;
} iso_scan_t;

/* ---- position ------------------------------------------------------------ */

/* Where the last scan stopped: the MF's typed state (phase 3 for a
 * position recorded before there were phases). */
static bool
iso_scan_position (const image_t *image, char *df_path, size_t df_path_size,
                   uint16_t *next_fid, int *phase)
{
  const image_node_t *mf = agent_iso7816_mf (image);
  const char *df;
  uint16_t fid;
  unsigned p;

  if (!image_node_scan_next (mf, &df, &fid, &p)
      || strlen (df) >= df_path_size)
    return false;
  if (p < 1 || p > ISO_SCAN_PHASES)
    p = ISO_SCAN_PHASES;
  if (df_path)
    snprintf (df_path, df_path_size, "%s", df);
  if (next_fid)
    *next_fid = fid;
  if (phase)
    *phase = (int)p;
  return true;
}

bool
agent_iso7816_scan_pending (const image_t *image, char *df_path,
                            size_t df_path_size, uint16_t *next_fid)
{
  char tmp[256];
  if (!df_path)
    {
      df_path = tmp;
      df_path_size = sizeof tmp;
    }
  return iso_scan_position (image, df_path, df_path_size, next_fid, NULL);
}

bool
agency_scan_position (const image_t *image, char *buf, size_t size)
{
  char df[256];
  uint16_t fid = 0;
  int phase = 0;

  if (size)
    *buf = 0;
  if (!iso_scan_position (image, df, sizeof df, &fid, &phase))
    return false;
  if (size)
    snprintf (buf, size, _("%s from FID %04X (phase %d of %d)"), df, fid,
              phase, ISO_SCAN_PHASES);
  return true;
}

gpg_error_t
agency_scan_position_copy (image_t *dst, const image_t *src)
{
  image_node_t *smf = agent_iso7816_mf (src);
  image_node_t *dmf = agent_iso7816_mf (dst);
  const char *df;
  uint16_t fid;
  unsigned phase;

  if (!smf || !dmf || !image_node_scan_next (smf, &df, &fid, &phase))
    return 0;
  return image_node_set_scan_next (dmf, df, fid, phase);
}

gpg_error_t
agency_scan (agency_card_t *card, image_t *image)
{
  image_node_t *mf = agent_iso7816_mf (image);
  const image_t *saved = card->resume;
  gpg_error_t err;

  if (!mf)
    return 0;          /* no file system: nothing to scan */
  card->resume = image;
  card->scan_pending = false;
  err = agent_iso7816_scan (card, image, mf);
  card->resume = saved;
  return err;
}

/* ---- reporting ----------------------------------------------------------- */

void
agency_card_set_node_fn (agency_card_t *card, agency_node_fn fn, void *ctx)
{
  iso_fs_t *fs = agent_iso7816_fs (card);
  if (fs)
    {
      fs->node_fn = fn;
      fs->node_ctx = ctx;
    }
}

void
agency_scan_status (agency_card_t *card, unsigned long *used,
                    unsigned long *budget, char *scope, size_t scope_size)
{
  iso_fs_t *fs = card->fs;
  *used = fs ? fs->scan_used : 0;
  *budget = fs ? fs->scan_budget : 0;
  if (scope && scope_size)
    snprintf (scope, scope_size, "%s", fs ? fs->scan_scope : "");
}

const char *
agency_scan_coverage (agency_card_t *card)
{
  return card->fs ? card->fs->coverage : NULL;
}

/* Append the probed FIDs of D as merged intervals to OUT. */
static gpg_error_t
iso_scan_cover_df (const iso_scan_df_t *d, buf_t *out)
{
  char tmp[64];
  unsigned fid = 0, first;
  int shown = 0;
  gpg_error_t err;

  snprintf (tmp, sizeof tmp, "%s:", d->path);
  err = buf_append (out, tmp, strlen (tmp));
  while (!err && d->probed && fid <= 0xFFFF)
    {
      if (!(d->probed[fid >> 3] & (1 << (fid & 7))))
        {
          fid++;
          continue;
        }
      first = fid;
      while (fid + 1 <= 0xFFFF
             && (d->probed[(fid + 1) >> 3] & (1 << ((fid + 1) & 7))))
        fid++;
      if (shown++ == 48)
        {
          err = buf_append (out, " ...", 4);
          break;
        }
      if (first == fid)
        snprintf (tmp, sizeof tmp, " %04X", first);
      else
        snprintf (tmp, sizeof tmp, " %04X-%04X", first, fid);
      err = buf_append (out, tmp, strlen (tmp));
      fid++;
    }
  if (!err)
    {
      snprintf (tmp, sizeof tmp, _(" (%lu FIDs)"), d->n_probed);
      err = buf_append (out, tmp, strlen (tmp));
    }
  if (!err)
    err = buf_append_byte (out, '\n');
  return err;
}

/* What this run covered, one line per DF, then how it ended. */
static gpg_error_t
iso_scan_cover (iso_scan_t *sc)
{
  gpg_error_t err = 0;
  buf_t out = BUF_INIT;
  char line[400];
  size_t i;

  if (!sc->fs)
    return 0;
  for (i = 0; !err && i < sc->n_dfs; i++)
    if (sc->dfs[i].n_probed)
      err = iso_scan_cover_df (&sc->dfs[i], &out);
  if (!err)
    {
      if (sc->cancelled)
        snprintf (line, sizeof line,
                  _("scan cancelled after %lu SELECTs in %s at FID %04X "
                    "(phase %d of %d); it goes on from there\n"), sc->used,
                  sc->dfs[sc->stop_df].path, sc->stop_fid, sc->stop_phase,
                  ISO_SCAN_PHASES);
      else if (sc->stopped)
        snprintf (line, sizeof line,
                  _("scan stopped by its budget of %lu SELECTs in %s at FID "
                    "%04X (phase %d of %d); the next backup into this VSC "
                    "goes on from there\n"), sc->budget,
                  sc->dfs[sc->stop_df].path, sc->stop_fid, sc->stop_phase,
                  ISO_SCAN_PHASES);
      else
        snprintf (line, sizeof line,
                  _("scan complete: %lu SELECTs of a budget of %lu\n"),
                  sc->used, sc->budget);
      err = buf_append (&out, line, strlen (line));
    }
  if (!err)
    err = buf_append_byte (&out, 0);
  if (!err)
    {
      xfree (sc->fs->coverage);
      sc->fs->coverage = (char *)out.data;
      buf_init (&out);
    }
  buf_free (&out);
  return err;
}

/* ---- the DFs ------------------------------------------------------------- */

static gpg_error_t
iso_scan_add_df (iso_scan_t *sc, image_node_t *node)
{
  iso_scan_df_t *d;
  size_t i;
  gpg_error_t err;

  for (i = 0; i < sc->n_dfs; i++)
    if (sc->dfs[i].node == node)
      return 0;
  if (sc->n_dfs == ISO_SCAN_MAX_DFS)
    return 0;
  err = ARRAY_NEW (sc->dfs, sc->cap_dfs, sc->n_dfs, 8, d);
  if (err)
    return err;
  d->node = node;
  if (node != sc->mf
      && (agent_iso7816_node_fids (node, d->fids, &d->depth)
          || d->depth >= ISO7816_PATH_MAX))
    return 0;                 /* cannot be reached by a path: skipped */
  d->path = image_node_path (node);
  if (!d->path)
    return gpg_error_from_syserror ();
  /* Without a selectable MF nothing is reached by a path from it. */
  if (node == sc->mf && sc->fs && sc->fs->mf_hidden)
    d->done = ISO_SCAN_PHASES;
  sc->n_dfs++;
  return 0;
}

static gpg_error_t
iso_scan_collect (image_node_t *node, unsigned depth, void *ctx)
{
  (void)depth;
  if (node->type == IMAGE_NODE_DF || node->type == IMAGE_NODE_MF)
    return iso_scan_add_df (ctx, node);
  return 0;
}

static void
iso_scan_free (iso_scan_t *sc)
{
  size_t i;
  for (i = 0; i < sc->n_dfs; i++)
    {
      xfree (sc->dfs[i].path);
      xfree (sc->dfs[i].probed);
    }
  xfree (sc->dfs);
}

/* ---- probing ------------------------------------------------------------- */

enum { ISO_PROBE_SKIPPED, ISO_PROBE_MISS, ISO_PROBE_HIT };

/* SELECT FID in DF number DI (unless skipped); *R says what happened.
 * Sets sc->stopped when the budget is used up. */
static gpg_error_t
iso_scan_probe (iso_scan_t *sc, size_t di, int phase, unsigned fid, int *r)
{
  gpg_error_t err;
  agency_card_t *card = sc->card;
  iso_scan_df_t *d = &sc->dfs[di];
  image_node_t *node = NULL;
  uint16_t fids[ISO7816_PATH_MAX];

  *r = ISO_PROBE_SKIPPED;
  if (sc->skipping)
    {
      if (phase != sc->resume_phase || fid != sc->resume_fid
          || strcmp (d->path, sc->resume_df))
        return 0;
      sc->skipping = false;
    }
  if (fid == 0x3F00 || fid == 0x3FFF || fid == 0xFFFF
      || (d->node->has_fid && fid == d->node->fid))
    return 0;
  if (agent_iso7816_child (d->node, (uint16_t)fid))
    {
      *r = ISO_PROBE_HIT;     /* known already: counts as found */
      return 0;
    }
  if (d->probed && (d->probed[fid >> 3] & (1 << (fid & 7))))
    return 0;
  if (sc->used >= sc->budget)
    {
      sc->stopped = true;
      sc->stop_phase = phase;
      sc->stop_df = di;
      sc->stop_fid = (uint16_t)fid;
      return 0;
    }
  if (card->chan.cancel && *card->chan.cancel)
    {
      /* Kept like a budget stop: the next scan goes on from here. */
      sc->stopped = true;
      sc->cancelled = true;
      sc->stop_phase = phase;
      sc->stop_df = di;
      sc->stop_fid = (uint16_t)fid;
      return 0;
    }
  if (!d->probed)
    {
      d->probed = xtrycalloc (1, 65536 / 8);
      if (!d->probed)
        return gpg_error_from_syserror ();
    }
  d->probed[fid >> 3] |= 1 << (fid & 7);
  d->n_probed++;
  sc->used++;
  if (sc->fs)
    {
      sc->fs->scan_used = sc->used;
      snprintf (sc->fs->scan_scope, sizeof sc->fs->scan_scope, "%s",
                d->path);
    }
  agency_progress (card, AGENCY_PHASE_SCAN, NULL, 0);
  memcpy (fids, d->fids, d->depth * sizeof *fids);
  fids[d->depth] = (uint16_t)fid;
  /* (misses are counted as discovery cost by the probe) */
  err = agent_iso7816_probe (card, sc->image, d->node, fids, d->depth + 1,
                             IMAGE_SRC_FID_SCAN, &node);
  if (err)
    return err;
  if (!node)
    {
      *r = ISO_PROBE_MISS;
      return 0;
    }
  *r = ISO_PROBE_HIT;
  if (node->type == IMAGE_NODE_DF)
    err = iso_scan_add_df (sc, node);   /* note: may move sc->dfs */
  return err;
}

/* Probe a list of ranges in DF DI; RUN_STOP: a range ends after
 * ISO_SCAN_RUN misses in a row. */
static gpg_error_t
iso_scan_ranges (iso_scan_t *sc, size_t di, int phase,
                 const iso_scan_range_t *rg, size_t n, bool run_stop)
{
  gpg_error_t err = 0;
  size_t i;

  for (i = 0; !err && !sc->stopped && i < n; i++)
    {
      unsigned fid, misses = 0, step = rg[i].step ? rg[i].step : 1;
      for (fid = rg[i].first; !err && !sc->stopped && fid <= rg[i].last;
           fid += step)
        {
          int r;
          err = iso_scan_probe (sc, di, phase, fid, &r);
          if (r == ISO_PROBE_MISS)
            misses++;
          else if (r == ISO_PROBE_HIT)
            misses = 0;
          if (run_stop && misses >= ISO_SCAN_RUN)
            break;
        }
    }
  return err;
}

/* Phase 1 of DF DI: personalisation FIDs, the DF's neighbourhood, the
 * neighbours of its files. */
static gpg_error_t
iso_scan_phase1 (iso_scan_t *sc, size_t di)
{
  gpg_error_t err = 0;
  uint16_t near[256];
  size_t n = 0, i;
  const image_node_t *c;
  image_node_t *df = sc->dfs[di].node;
  int r, k;

  if (df == sc->mf)
    for (i = 0; !err && !sc->stopped && i < DIM (iso_scan_mf_fids); i++)
      err = iso_scan_probe (sc, di, 1, iso_scan_mf_fids[i], &r);
  else
    for (i = 0; !err && !sc->stopped && i < DIM (iso_scan_df_fids); i++)
      err = iso_scan_probe (sc, di, 1, iso_scan_df_fids[i], &r);
  if (df->has_fid && df->type == IMAGE_NODE_DF)
    for (k = 1; k <= 8 && df->fid + k <= 0xFFFE; k++)
      near[n++] = (uint16_t)(df->fid + k);
  for (c = df->first_child; c && n + 4 <= DIM (near); c = c->next)
    if (c->has_fid)
      for (k = -2; k <= 2; k++)
        if (k && c->fid + k >= 0 && c->fid + k <= 0xFFFE)
          near[n++] = (uint16_t)(c->fid + k);
  for (i = 0; !err && !sc->stopped && i < n; i++)
    err = iso_scan_probe (sc, di, 1, near[i], &r);
  return err;
}

static gpg_error_t
iso_scan_phase (iso_scan_t *sc, size_t di, int phase)
{
  agency_card_t *card = sc->card;

  if (card->ranges)
    {
      /* The caller's ranges replace everything, probed in full. */
      iso_scan_range_t rg[32];
      size_t i, n = card->n_ranges < DIM (rg) ? card->n_ranges : DIM (rg);
      if (phase != ISO_SCAN_PHASES)
        return 0;
      for (i = 0; i < n; i++)
        {
          rg[i].first = card->ranges[i].first;
          rg[i].last = card->ranges[i].last;
          rg[i].step = 1;
        }
      return iso_scan_ranges (sc, di, phase, rg, n, false);
    }
  switch (phase)
    {
    case 1:
      return iso_scan_phase1 (sc, di);
    case 2:
      return iso_scan_ranges (sc, di, 2, iso_scan_df_ranges,
                              DIM (iso_scan_df_ranges), true);
    default:
      return iso_scan_ranges (sc, di, 3, iso_scan_ef_ranges,
                              DIM (iso_scan_ef_ranges), true);
    }
}

gpg_error_t
agent_iso7816_scan (agency_card_t *card, image_t *image, image_node_t *mf)
{
  gpg_error_t err;
  iso_scan_t sc;
  size_t i;
  bool resume_df_known = false;

  memset (&sc, 0, sizeof sc);
  sc.card = card;
  sc.image = image;
  sc.mf = mf;
  sc.fs = agent_iso7816_fs (card);
  sc.budget = card->scan_budget ? card->scan_budget
                                : ISO_SCAN_BUDGET_DEFAULT;
  if (sc.fs)
    {
      sc.fs->scan_budget = sc.budget;
      sc.fs->scan_used = 0;
      sc.fs->scan_scope[0] = 0;
    }
  if (card->resume
      && iso_scan_position (card->resume, sc.resume_df, sizeof sc.resume_df,
                            &sc.resume_fid, &sc.resume_phase))
    sc.skipping = true;
  err = image_node_set_scan_next (mf, NULL, 0, 0);
  if (!err)
    err = image_walk_node (mf, iso_scan_collect, &sc);
  if (err)
    goto leave;
  if (sc.skipping)
    {
      /* The phases before the resume point were done by the earlier
       * run, for every DF it knew; a DF it did not know gets them all. */
      for (i = 0; i < sc.n_dfs; i++)
        if (!strcmp (sc.dfs[i].path, sc.resume_df))
          resume_df_known = true;
      if (!resume_df_known)
        sc.skipping = false;
      else
        for (i = 0; i < sc.n_dfs; i++)
          if (sc.dfs[i].done < sc.resume_phase - 1)
            sc.dfs[i].done = sc.resume_phase - 1;
    }

  /* Always the lowest phase any DF still needs, DFs in the order found. */
  while (!sc.stopped)
    {
      int phase = ISO_SCAN_PHASES + 1;
      size_t pick = 0;

      for (i = 0; i < sc.n_dfs; i++)
        if (sc.dfs[i].done + 1 < phase)
          {
            phase = sc.dfs[i].done + 1;
            pick = i;
          }
      if (phase > ISO_SCAN_PHASES)
        break;
      err = iso_scan_phase (&sc, pick, phase);
      if (err)
        goto leave;
      if (sc.stopped)
        break;
      sc.dfs[pick].done = phase;
      if (sc.skipping && phase == sc.resume_phase
          && !strcmp (sc.dfs[pick].path, sc.resume_df))
        sc.skipping = false;   /* the resume FID was not in its list */
    }
  if (sc.stopped)
    {
      err = image_node_set_scan_next (mf, sc.dfs[sc.stop_df].path,
                                      sc.stop_fid, (unsigned)sc.stop_phase);
      card->scan_pending = true;
      if (err)
        goto leave;
    }
  err = iso_scan_cover (&sc);
  if (!err && sc.cancelled)
    err = gpg_error (GPG_ERR_CANCELED);

 leave:
  if (sc.fs)
    sc.fs->scan_scope[0] = 0;
  iso_scan_free (&sc);
  return err;
}
