/* fuzz-agents.c - libFuzzer target: every agent's backup and restore
 * against a card whose answers come from the fuzz input (in the manner
 * of OpenSC's fuzz_pkcs15_reader)
 *
 * Input:
 *   byte 0   flags: 01 read content while discovering, 02 restore the
 *            discovered image onto the card too, 04 T=0 channel, 08
 *            extended length, 10 the emulator's ATR (security
 *            attributes kept in a restore) instead of a foreign one, 20
 *            add a stored PIN ("pins/01") to the image before the
 *            restore (CHANGE REFERENCE DATA paths), 40 a short APDU
 *            answer ends the card ("removed") instead of 6A82
 *   byte 1   FID-scan budget / 4 (0: no scan)
 *   then     the card's answers in order, each a 2-byte big-endian
 *            length and that many bytes (data and status word)
 * When the answers run out (or after FUZZ_AGENTS_MAX_APDUS) every
 * command gets 6A82, or the card is gone (flag 40). The flow is the
 * agency's: match, discover (every matched agent), then with flag 02
 * the plan onto the same card (agency_plan_target, agency_plan) and a
 * write of every CREATE/UPDATE entry, the stored PINs through
 * agency_restore_pin / agency_restore_first_pin. The PIN callback
 * answers 123456.
 *
 * Seeds: FUZZ_AGENTS_MAKE_SEEDS=DIR runs the same flow against the
 * emulated sample cards (each restored onto its blank counterpart) and
 * writes what they answered as seed files into DIR, then exits. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "common/util.h"
#include "common/log.h"
#include "common/buffer.h"
#include "agency/agent.h"
#include "emu/emu.h"

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_AGENTS_MAX_APDUS 4096

enum {
  FL_READ = 0x01, FL_RESTORE = 0x02, FL_T0 = 0x04, FL_EXT = 0x08,
  FL_EMU_ATR = 0x10, FL_PINS = 0x20, FL_REMOVE = 0x40
};

typedef struct fuzz_card {
  const uint8_t *p;           /* answers left */
  size_t n;
  unsigned long apdus;
  bool removed_at_end;
  /* Seed making: the emulated card that answers, and the record. */
  emu_card_t *emu;
  buf_t *rec;
} fuzz_card_t;

static gpg_error_t
fuzz_tx (void *ctx, const uint8_t *c, size_t clen, uint8_t *r, size_t *rlen)
{
  fuzz_card_t *fc = ctx;
  size_t len;
  (void)c;
  (void)clen;

  fc->apdus++;
  if (fc->emu)
    {
      /* Seed making: the emulator answers, the answer is recorded. */
      uint8_t hdr[2];
      gpg_error_t err = emu_card_apdu (fc->emu, c, clen, r, rlen);
      if (err || *rlen > 0xFFFF)
        return err ? err : gpg_error (GPG_ERR_TOO_LARGE);
      hdr[0] = (uint8_t)(*rlen >> 8);
      hdr[1] = (uint8_t)*rlen;
      err = buf_append (fc->rec, hdr, 2);
      if (!err)
        err = buf_append (fc->rec, r, *rlen);
      return err;
    }
  if (fc->n < 2 || fc->apdus > FUZZ_AGENTS_MAX_APDUS)
    {
      if (fc->removed_at_end)
        return gpg_error (GPG_ERR_CARD_REMOVED);
      r[0] = 0x6A;
      r[1] = 0x82;
      *rlen = 2;
      return 0;
    }
  len = ((size_t)fc->p[0] << 8) | fc->p[1];
  fc->p += 2;
  fc->n -= 2;
  if (len > fc->n)
    len = fc->n;
  /* The channel needs at least a status word; a shorter answer is a
   * transport failure (the channel says so itself). */
  memcpy (r, fc->p, len);
  *rlen = len;
  fc->p += len;
  fc->n -= len;
  return 0;
}

static gpg_error_t
fuzz_pin (void *ctx, const agency_pin_query_t *q, char **r_pin)
{
  (void)ctx;
  (void)q;
  *r_pin = xtrystrdup_secure ("123456");
  return *r_pin ? 0 : gpg_error (GPG_ERR_ENOMEM);
}

/* "pins/01" as backup --store-pins makes it, for the restore's PIN
 * paths. */
static void
fuzz_add_pin (image_t *img)
{
  image_node_t *n = NULL;
  if (image_make_path (img, "pins/01", IMAGE_NODE_DO, IMAGE_SRC_USER, &n))
    return;
  n->area = IMAGE_AREA_PRIVATE;
  image_node_set_content (n, "654321", 6);
  image_node_set_pin_scope (n, "3F00", "CHV1");
}

static const uint8_t fuzz_emu_atr[] = {
  0x3B, 0x8C, 0x80, 0x01, 0x80, 0x73, 0x00, 0x00, 0xC0, 0x56, 0x76, 0x73,
  0x63, 0x65, 0x6D, 0x75, 0x73
};
static const uint8_t fuzz_other_atr[] = {
  0x3B, 0xF8, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x59, 0x75, 0x62,
  0x69, 0x6B, 0x65, 0x79, 0x34, 0xD4
};

/* The flow. SWAP (seed making only) switches the emulated card to the
 * restore's target before the restore. */
static void
fuzz_flow (fuzz_card_t *fc, unsigned flags, unsigned budget,
           emu_card_t *swap)
{
  agency_card_t *card = NULL;
  agency_discover_opts_t o;
  image_t *img = NULL, *dst = NULL;
  plan_t *plan = NULL;
  size_t i;
  gpg_error_t err;

  if (agency_card_new_chan (fuzz_tx, fc, flags & FL_EMU_ATR ? fuzz_emu_atr
                            : fuzz_other_atr,
                            flags & FL_EMU_ATR ? sizeof fuzz_emu_atr
                            : sizeof fuzz_other_atr, &card))
    return;
  card->chan.proto = flags & FL_T0 ? APDU_PROTO_T0 : APDU_PROTO_T1;
  if (flags & FL_EXT)
    {
      card->chan.ext_ok = true;
      card->chan.max_le = 65536;
      card->chan.max_lc = 65535;
    }
  agency_card_set_callbacks (card, fuzz_pin, NULL, NULL, NULL, NULL);
  memset (&o, 0, sizeof o);
  o.read_content = (flags & FL_READ) != 0;
  o.no_scan = !budget;
  o.scan_budget = budget;
  agency_card_set_discover (card, &o);
  agency_op_begin (card);
  if (image_new (&img))
    goto leave;
  err = agency_match (card);
  if (!err)
    err = agency_discover (card, img);
  agency_op_end (card, false);
  if (err && agency_fatal (err) && !(flags & FL_RESTORE))
    goto leave;
  /* What a backup does with it: count, compare with itself. */
  {
    image_diff_t *d = NULL;
    size_t bytes;
    image_count_nodes (img, &bytes);
    if (!image_diff (img, img, &d) && d && d->n)
      abort ();               /* an image differs from itself */
    image_diff_free (d);
  }
  if (!(flags & FL_RESTORE))
    goto leave;
  if (flags & FL_PINS)
    fuzz_add_pin (img);
  if (swap)
    fc->emu = swap;
  agency_op_begin (card);
  /* for_map: the mapping's probes of the target too (PIV caps). */
  if (agency_plan_target (card, img, true, &dst) || plan_new (&plan)
      || agency_plan (card, img, dst, plan))
    goto op_end;
  for (i = 0; i < plan->n && i < 512; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      if (e->action != PLAN_CREATE && e->action != PLAN_UPDATE)
        continue;
      if (!strncmp (e->path, "pins", 4))
        err = e->needs_pin ? agency_restore_first_pin (card, img, plan, e)
                           : agency_restore_pin (card, img, plan, e);
      else
        err = agency_write (card, img, plan, e);
      if (err && agency_fatal (err))
        break;
    }
  /* The PINs a plan held files back for. */
  for (i = 0; plan && i < plan->n && i < 512; i++)
    if (plan->entries[i].needs_pin && plan->entries[i].src
        && !strncmp (plan->entries[i].path, "pins", 4))
      agency_restore_first_pin (card, img, plan, &plan->entries[i]);
 op_end:
  agency_op_end (card, false);
 leave:
  plan_free (plan);
  image_free (dst);
  image_free (img);
  agency_card_free (card);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_card_t fc;

  if (size < 2)
    return 0;
  memset (&fc, 0, sizeof fc);
  fc.p = data + 2;
  fc.n = size - 2;
  fc.removed_at_end = (data[0] & FL_REMOVE) != 0;
  fuzz_flow (&fc, data[0], 4u * data[1], NULL);
  return 0;
}

/* ---- seeds ------------------------------------------------------------- */

static void
fuzz_make_seed (const char *dir, const char *cards, const char *name,
                const char *card, const char *target, unsigned flags,
                unsigned budget)
{
  char path[4096];
  emu_card_t *a = NULL, *b = NULL;
  buf_t rec = BUF_INIT;
  fuzz_card_t fc;
  uint8_t hdr[2];
  FILE *fp;

  snprintf (path, sizeof path, "%s/%s", cards, card);
  if (emu_card_load (path, &a) || emu_card_power_on (a, NULL, NULL))
    {
      fprintf (stderr, "fuzz-agents: cannot load %s\n", path);
      exit (1);
    }
  if (target)
    {
      snprintf (path, sizeof path, "%s/%s", cards, target);
      if (emu_card_load (path, &b) || emu_card_power_on (b, NULL, NULL))
        {
          fprintf (stderr, "fuzz-agents: cannot load %s\n", path);
          exit (1);
        }
    }
  hdr[0] = (uint8_t)flags;
  hdr[1] = (uint8_t)(budget / 4);
  buf_append (&rec, hdr, 2);
  memset (&fc, 0, sizeof fc);
  fc.emu = a;
  fc.rec = &rec;
  fuzz_flow (&fc, flags, budget, b);
  snprintf (path, sizeof path, "%s/%s", dir, name);
  fp = fopen (path, "wb");
  if (!fp || fwrite (rec.data, 1, rec.len, fp) != rec.len || fclose (fp))
    {
      fprintf (stderr, "fuzz-agents: cannot write %s\n", path);
      exit (1);
    }
  buf_free (&rec);
  emu_card_free (a);
  emu_card_free (b);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  const char *dir = getenv ("FUZZ_AGENTS_MAKE_SEEDS");
  const char *src = getenv ("top_srcdir");
  char cards[4096];

  (void)argc;
  (void)argv;
  util_init_gcrypt ();
  log_set_quiet (true);
  if (!dir)
    return 0;
  snprintf (cards, sizeof cards, "%s/tests/cards", src ? src : ".");
  fuzz_make_seed (dir, cards, "pkcs15", "pkcs15.card", "blank.card",
                  FL_READ | FL_RESTORE | FL_EMU_ATR, 64);
  fuzz_make_seed (dir, cards, "pkcs15-unset-pins", "pkcs15.card",
                  "blank-unset.card",
                  FL_READ | FL_RESTORE | FL_EMU_ATR | FL_PINS, 0);
  fuzz_make_seed (dir, cards, "pkcs15-aid", "pkcs15-aid.card", "blank.card",
                  FL_READ | FL_RESTORE | FL_EMU_ATR | FL_EXT, 32);
  fuzz_make_seed (dir, cards, "pkcs15-nomf", "pkcs15-nomf.card", NULL,
                  FL_READ, 16);
  fuzz_make_seed (dir, cards, "opensc-init", "opensc-init.card", NULL,
                  FL_READ | FL_REMOVE, 0);
  fuzz_make_seed (dir, cards, "hidden", "hidden.card", NULL, FL_READ, 128);
  fuzz_make_seed (dir, cards, "yubikey", "yubikey.card", "yubikey-blank.card",
                  FL_READ | FL_RESTORE | FL_EXT, 0);
  fuzz_make_seed (dir, cards, "openpgp", "openpgp.card", "openpgp-blank.card",
                  FL_READ | FL_RESTORE, 0);
  fuzz_make_seed (dir, cards, "piv", "piv.card", "piv-blank.card",
                  FL_READ | FL_RESTORE | FL_T0, 0);
  fuzz_make_seed (dir, cards, "pkcs15-structure", "pkcs15.card", NULL,
                  FL_EMU_ATR | FL_PINS | FL_RESTORE, 8);
  exit (0);
}
