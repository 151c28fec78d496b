/* agent-piv.c - PIV (NIST SP 800-73-4) as Debian's clients speak it
 *
 * Matched by SELECT of the PIV AID (the full AID, then the 5-byte RID
 * prefix yubico-piv-tool uses). Data objects are read with GET DATA
 * (CB 3F FF, tag list 5C): CCC, CHUID, discovery 7E, the four slot
 * certificates, key history and (as many as it announces) the retired
 * key certificates, security object; on YubiKeys (GET VERSION FD
 * answers) also the admin data 5FFF00. Printed information / protected
 * data 5FC109 needs the PIN (80, padded with FF to 8 bytes) and goes to
 * the private area. Slot keys are "not extractable" nodes; their
 * presence and algorithm come from YubiKey GET METADATA (F7) where the
 * token has it, otherwise they are "unknown" (recorded for slots with a
 * certificate).
 *
 * Restore: PUT DATA (DB 3F FF) after management-key authentication
 * (GENERAL AUTHENTICATE 87, 3DES 03, key 9B, mutual: witness and
 * challenge). The key is the one kept as piv/key-9B in the VSC's
 * secret-key area, else the factory default. A refused key is reported
 * and never tried again in the session. Escrowed slot keys are imported
 * only into YubiKey-compatible tokens (IMPORT KEY FE). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/tlv.h"
#include "common/keyutil.h"
#include "common/hex.h"
#include "agency/agent.h"
#include "agency/iso7816.h"
#include "agency/agent-apps.h"
#include "agency/agent-app.h"

#define AGENT_NAME "piv"
#define PIV_PIN_REF 0x80
#define PIV_PUK_REF 0x81
#define PIV_MGMT_REF 0x9B

static const uint8_t piv_aid[11] = { 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                                     0x00, 0x10, 0x00, 0x01, 0x00 };
static const uint8_t piv_default_mgmt[24] = {
  1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8
};

#define F_PIN   0x01u     /* read after the PIN: private area */
#define F_CARD  0x02u     /* defined by the token: not written */
#define F_YK    0x04u     /* YubiKey only */

typedef struct piv_def {
  unsigned tag;
  unsigned flags;
  const char *desc;
} piv_def_t;

static const piv_def_t piv_defs[] = {
  { 0x5FC107, 0, N_("Card Capability Container") },
  { 0x5FC102, 0, N_("Card Holder Unique Identifier (CHUID)") },
  { 0x7E,     F_CARD, N_("discovery object") },
  { 0x5FC105, 0, N_("certificate for PIV authentication (9A)") },
  { 0x5FC10A, 0, N_("certificate for digital signature (9C)") },
  { 0x5FC10B, 0, N_("certificate for key management (9D)") },
  { 0x5FC101, 0, N_("certificate for card authentication (9E)") },
  { 0x5FC10C, 0, N_("key history object") },
  { 0x5FC106, 0, N_("security object") },
  { 0x5FFF00, F_YK, N_("YubiKey admin data") },
  { 0x5FC109, F_PIN, N_("printed information / protected data (PIN)") }
};

static const struct {
  uint8_t ref;
  unsigned cert;
  const char *name;
} piv_slots[4] = {
  { 0x9A, 0x5FC105, "key-9A" },
  { 0x9C, 0x5FC10A, "key-9C" },
  { 0x9D, 0x5FC10B, "key-9D" },
  { 0x9E, 0x5FC101, "key-9E" }
};

static const piv_def_t *
piv_def (unsigned tag)
{
  return agent_app_def (piv_defs, DIM (piv_defs), sizeof piv_defs[0], tag);
}

/* PIV algorithm identifiers (SP 800-78-4; 05, 16, E0, E1 are YubiKey
 * 5.7's, which other tokens use too) and their names. */
static const struct {
  uint8_t id;
  const char *name;
} piv_algs[] = {
  { 0x06, "rsa1024" }, { 0x07, "rsa2048" }, { 0x05, "rsa3072" },
  { 0x16, "rsa4096" }, { 0x11, "eccp256" }, { 0x14, "eccp384" },
  { 0xE0, "ed25519" }, { 0xE1, "x25519" }
};

/* Index of ALG in piv_algs[], -1 if unknown. */
static int
piv_alg_index (unsigned alg)
{
  int i;
  for (i = 0; i < (int)DIM (piv_algs) && piv_algs[i].id != alg; i++)
    ;
  return i < (int)DIM (piv_algs) ? i : -1;
}

static const char *
piv_alg_name (unsigned alg)
{
  int i = piv_alg_index (alg);
  return i < 0 ? "unknown" : piv_algs[i].name;
}

/* Bit of ALG in a set of piv_algs[], 0 if unknown. */
static unsigned
piv_alg_bit (unsigned alg)
{
  int i = piv_alg_index (alg);
  return i < 0 ? 0 : 1u << i;
}

static unsigned
piv_alg_id (const char *name)
{
  if (!name)
    return 0;
  if (!strcmp (name, "rsa2048"))
    return 0x07;
  if (!strcmp (name, "eccp256") || !strcmp (name, "nistp256"))
    return 0x11;
  if (!strcmp (name, "eccp384") || !strcmp (name, "nistp384"))
    return 0x14;
  return 0;
}

/* ---- commands -------------------------------------------------------- */

static gpg_error_t
piv_select (agency_card_t *card, unsigned *sw)
{
  gpg_error_t err;
  err = iso7816_select_aid (&card->chan, piv_aid, sizeof piv_aid, NULL, sw);
  if (!err && *sw != SW_OK && !SW_IS_MORE_DATA (*sw))
    err = iso7816_select_aid (&card->chan, piv_aid, 5, NULL, sw);
  return err;
}

static gpg_error_t
piv_cmd (agency_card_t *card, uint8_t ins, uint8_t p1, uint8_t p2,
         const uint8_t *data, size_t n, bool secret, buf_t *out,
         unsigned *sw)
{
  apdu_t a;
  memset (&a, 0, sizeof a);
  a.ins = ins;
  a.p1 = p1;
  a.p2 = p2;
  a.data = data;
  a.lc = n;
  a.le = card->chan.max_le ? card->chan.max_le : 256;
  a.secret = secret;
  buf_clear (out);
  return apdu_chan_exchange (&card->chan, &a, out, sw);
}

/* GET DATA of TAG: OUT gets the content of 53 (7E: the whole 7E). */
static gpg_error_t
piv_get_data (agency_card_t *card, unsigned tag, buf_t *out, unsigned *sw)
{
  uint8_t q[5];
  size_t n;
  gpg_error_t err;
  tlv_t t;

  q[0] = 0x5C;
  if (tag > 0xFFFF)
    {
      q[1] = 3;
      q[2] = (uint8_t)(tag >> 16);
      q[3] = (uint8_t)(tag >> 8);
      q[4] = (uint8_t)tag;
      n = 5;
    }
  else
    {
      q[1] = 1;
      q[2] = (uint8_t)tag;
      n = 3;
    }
  err = piv_cmd (card, 0xCB, 0x3F, 0xFF, q, n, tag == 0x5FC109, out, sw);
  if (err || *sw != SW_OK || tag == 0x7E)
    return err;
  if (!tlv_parse (out->data, out->len, &t, NULL) && t.tag == 0x53)
    {
      memmove (out->data, t.value, t.len);
      buf_truncate (out, t.len);
    }
  return 0;
}

/* PUT DATA of TAG with CONTENT (53 value; 7E: the whole TLV). */
static gpg_error_t
piv_put_data (agency_card_t *card, unsigned tag, const uint8_t *p, size_t n,
              unsigned *sw)
{
  buf_t cmd = BUF_INIT, resp = BUF_INIT;
  uint8_t t3[3];
  gpg_error_t err;

  t3[0] = (uint8_t)(tag >> 16);
  t3[1] = (uint8_t)(tag >> 8);
  t3[2] = (uint8_t)tag;
  err = tag > 0xFFFF ? tlv_put (&cmd, 0x5C, t3, 3)
                     : tlv_put (&cmd, 0x5C, t3 + 2, 1);
  if (!err)
    err = tag == 0x7E ? buf_append (&cmd, p, n) : tlv_put (&cmd, 0x53, p, n);
  if (!err)
    err = piv_cmd (card, 0xDB, 0x3F, 0xFF, cmd.data, cmd.len, true, &resp,
                   sw);
  buf_free (&cmd);
  buf_free (&resp);
  return err;
}

/* ---- PINs: what differs from the generic path ------------------------ */

/* PIN 80 and PUK 81 are 6..8 characters, sent padded with FF to 8 bytes
 * (SP 800-73-4 part 2, 3.2.1). */
static void
piv_pin_info (uint8_t ref, agency_pin_info_t *info)
{
  snprintf (info->label, sizeof info->label, "%s",
            ref == PIV_PUK_REF ? "PIV PUK" : "PIV PIN");
  info->min_len = 6;
  info->max_len = 8;
}

static gpg_error_t
piv_pin_encode (agency_card_t *card, uint8_t ref, const char *pin, buf_t *out)
{
  size_t n = strlen (pin);
  gpg_error_t err;

  if (n > 8)
    {
      agency_set_errtext (card, _("the PIV PIN has at most 8 characters"));
      return gpg_error (GPG_ERR_INV_LENGTH);
    }
  err = agency_pin_encode_generic (card, ref, pin, out);
  while (!err && out->len < 8)
    err = buf_append_byte (out, 0xFF);
  return err;
}

/* The PUK cannot be VERIFYed (SP 800-73-4 lists 80 for VERIFY): its
 * counter comes from YubiKey GET METADATA where the token has it (tag
 * 06: total, remaining), else it is unknown. The PIN: the generic empty
 * VERIFY. */
static gpg_error_t
piv_pin_retries (agency_card_t *card, uint8_t ref, int *retries,
                 unsigned *sw)
{
  gpg_error_t err;
  buf_t b = BUF_INIT;
  tlv_t t;

  if (ref != PIV_PUK_REF)
    return iso7816_pin_retries (&card->chan, ref, retries, sw);
  *retries = -1;
  err = piv_cmd (card, 0xF7, 0x00, ref, NULL, 0, false, &b, sw);
  if (!err && *sw == SW_OK && !tlv_find (b.data, b.len, 0x06, &t)
      && t.len == 2)
    *retries = t.value[1];
  else if (!err)
    *sw = SW_OK;          /* unknown, but every PIV token has a PUK */
  buf_free (&b);
  return err;
}

static void
piv_pinpad_format (uint8_t ref, agency_pinpad_format_t *fmt)
{
  (void)ref;
  fmt->min_len = 6;
  fmt->max_len = 8;
  fmt->block_len = 8;
  fmt->pad = 0xFF;
}

/* ---- discovery ------------------------------------------------------- */

static gpg_error_t
piv_match (agency_card_t *card, bool *r_match)
{
  return agency_match_select (card, piv_select, r_match);
}

static gpg_error_t
piv_node (image_node_t *parent, image_type_t type, unsigned tag,
          const char *name, image_node_t **r_node)
{
  return agency_child_node (parent, type, tag, name, AGENT_NAME, r_node);
}

/* GET DATA TAG into the image; absent objects add nothing. */
static gpg_error_t
piv_fetch (agency_card_t *card, image_node_t *app, unsigned tag,
           bool *r_present)
{
  gpg_error_t err;
  buf_t b;
  unsigned sw = 0;
  image_node_t *node;
  bool pin = tag == 0x5FC109;

  if (r_present)
    *r_present = false;
  if (pin)
    buf_init_secure (&b);
  else
    buf_init (&b);
  err = piv_get_data (card, tag, &b, &sw);
  if (err)
    goto leave;
  if (sw == SW_FILE_NOT_FOUND || sw == SW_REF_NOT_FOUND)
    {
      card->scan_apdus++;     /* absent: the probe found nothing */
      goto leave;
    }
  err = piv_node (app, IMAGE_NODE_DO, tag, NULL, &node);
  if (err)
    goto leave;
  node->access.read = pin ? IMAGE_AC_PIN : IMAGE_AC_ALWAYS;
  node->access.read_ref = pin ? PIV_PIN_REF : 0;
  node->access.write = IMAGE_AC_PIN;
  node->access.write_ref = PIV_MGMT_REF;
  if (pin)
    node->area = IMAGE_AREA_PRIVATE;
  if (sw == SW_OK)
    {
      node->flags &= ~IMAGE_FLAG_UNREADABLE;
      err = b.len ? image_node_set_content (node, b.data, b.len)
                  : image_node_set_empty (node);
      if (r_present)
        *r_present = true;
      agency_progress (card, AGENCY_PHASE_READ, node, b.len);
    }
  else
    image_node_set_unreadable (node, sw);
 leave:
  buf_free (&b);
  return err;
}

/* What a YubiKey-compatible token tells about its key slots. */
typedef struct piv_caps {
  bool no_metadata;     /* GET METADATA is not supported */
  unsigned seen;        /* piv_alg_bit () of the keys it reported */
} piv_caps_t;

/* Key nodes: YubiKey GET METADATA where it answers, else "unknown" for
 * slots that hold a certificate. CAPS gets what the metadata said. */
static gpg_error_t
piv_keys (agency_card_t *card, image_node_t *app, piv_caps_t *caps)
{
  gpg_error_t err = 0;
  buf_t b = BUF_INIT;
  unsigned sw = 0;
  size_t i;
  bool f7 = true;     /* GET METADATA where the token has it; also on
                         tokens without GET VERSION */

  for (i = 0; !err && i < DIM (piv_slots); i++)
    {
      image_node_t *k;
      image_keyinfo_t ki;
      const char *alg = "unknown";
      char usage[4];
      bool present = false, known = false;
      tlv_t t;
      const image_node_t *cert;

      if (f7)
        {
          err = piv_cmd (card, 0xF7, 0x00, piv_slots[i].ref, NULL, 0, false,
                         &b, &sw);
          if (err)
            break;
          if (sw == SW_OK)
            {
              /* An empty slot may answer with no algorithm (or FF). */
              known = true;
              present = !tlv_find (b.data, b.len, 0x01, &t) && t.len == 1
                        && t.value[0] && t.value[0] != 0xFF;
              if (present)
                {
                  alg = piv_alg_name (t.value[0]);
                  caps->seen |= piv_alg_bit (t.value[0]);
                }
            }
          else if (sw == SW_REF_NOT_FOUND || sw == SW_FILE_NOT_FOUND)
            known = true;
          else
            {
              f7 = false;             /* not supported: stop asking */
              caps->no_metadata = true;
            }
        }
      if (!known)
        {
          char comp[8];
          snprintf (comp, sizeof comp, "%06X", piv_slots[i].cert);
          cert = image_find_child (app, comp);
          present = cert && cert->content_len;
        }
      if (!present)
        continue;
      err = piv_node (app, IMAGE_NODE_KEY, 0, piv_slots[i].name, &k);
      if (err)
        break;
      k->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
      snprintf (usage, sizeof usage, "%02X", piv_slots[i].ref);
      memset (&ki, 0, sizeof ki);
      ki.algorithm = (char *)alg;
      ki.usage = usage;
      if (known && !tlv_find (b.data, b.len, 0x04, &t))
        {
          ki.pubkey = (uint8_t *)t.value;
          ki.pubkey_len = t.len;
        }
      err = image_node_set_keyinfo (k, &ki);
      if (!err)
        err = image_node_set_note
          (k, known ? _("on-card key: it cannot be read, so the new token "
                        "will not have it (regenerate it, or escrow a key "
                        "with vsctool keygen)")
                    : _("key presence unknown (this token cannot tell); "
                        "an on-card key cannot be read"));
    }
  buf_free (&b);
  return err;
}

/* Does the token have key slot REF? GET METADATA answers 9000 for a
 * slot with a key; 6A88 both for an empty slot and (CanoKey) for one it
 * does not have: then GENERAL AUTHENTICATE with an empty template tells
 * (6A86 or 6B00: no such key reference; an empty slot says 6985, 6A80
 * or 6A88). Nothing is signed and no state is changed. *R_UNSUPPORTED:
 * the token has no GET METADATA. */
static gpg_error_t
piv_slot_exists (agency_card_t *card, uint8_t ref, piv_caps_t *caps,
                 bool *r_exists, bool *r_unsupported)
{
  static const uint8_t empty7c[2] = { 0x7C, 0x00 };
  gpg_error_t err;
  buf_t b = BUF_INIT;
  unsigned sw = 0;
  tlv_t t;

  *r_exists = false;
  *r_unsupported = false;
  err = piv_cmd (card, 0xF7, 0x00, ref, NULL, 0, false, &b, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    {
      *r_exists = true;
      if (!tlv_find (b.data, b.len, 0x01, &t) && t.len == 1)
        caps->seen |= piv_alg_bit (t.value[0]);
    }
  else if (sw == SW_INS_NOT_SUPPORTED || sw == SW_CLA_NOT_SUPPORTED
           || sw == SW_FUNC_NOT_SUPPORTED)
    *r_unsupported = true;
  else if (sw == SW_REF_NOT_FOUND)
    {
      err = piv_cmd (card, 0x87, 0x07, ref, empty7c, sizeof empty7c, false,
                     &b, &sw);
      if (!err)
        *r_exists = sw != SW_INCORRECT_P1P2 && sw != SW_WRONG_P1P2;
    }
 leave:
  buf_free (&b);
  return err;
}

/* How many retired key slots (82 on) a YubiKey-compatible token has:
 * all 20 if it has 95, else those from 82 up to the first it lacks
 * (piv_slot_exists). Without GET METADATA: 20 from YubiKey 4 on, none
 * before (the NEO has none). */
static gpg_error_t
piv_retired_slots (agency_card_t *card, const uint8_t ver[3],
                   piv_caps_t *caps, unsigned *r_n)
{
  gpg_error_t err = 0;
  unsigned k;
  bool exists, unsupported;

  *r_n = ver[0] >= 4 ? 20 : 0;
  if (caps->no_metadata)
    return 0;
  err = piv_slot_exists (card, 0x95, caps, &exists, &unsupported);
  if (err || unsupported || exists)
    {
      if (!err && exists)
        *r_n = 20;
      return err;
    }
  for (k = 0; k < 19; k++)
    {
      err = piv_slot_exists (card, (uint8_t)(0x82 + k), caps, &exists,
                             &unsupported);
      if (err || unsupported)
        return err;
      if (!exists)
        break;
    }
  *r_n = k;
  return 0;
}

/* What a YubiKey-compatible token has, as typed state on its applet
 * (image_node_set_piv_caps), which the mapping planner reads
 * (map-target.c): its retired key slots and the algorithms it takes.
 * The algorithms: those of its firmware
 * version (RSA 1024/2048 and P-256 on every one, P-384 from 4 on, RSA
 * 3072/4096, Ed25519 and X25519 from 5.7 on) and any a slot holds
 * according to GET METADATA. */
static gpg_error_t
piv_target_caps (agency_card_t *card, image_node_t *app, const uint8_t ver[3],
                 piv_caps_t *caps)
{
  gpg_error_t err;
  unsigned retired, set, v = (unsigned)ver[0] << 8 | ver[1];
  char algs[128];
  size_t i, len = 0;
  const char *sep = "";

  err = piv_retired_slots (card, ver, caps, &retired);
  if (err)
    return err;
  set = piv_alg_bit (0x06) | piv_alg_bit (0x07) | piv_alg_bit (0x11);
  if (v >= 0x0400)
    set |= piv_alg_bit (0x14);
  if (v >= 0x0507)
    set |= piv_alg_bit (0x05) | piv_alg_bit (0x16) | piv_alg_bit (0xE0)
      | piv_alg_bit (0xE1);
  set |= caps->seen;
  *algs = 0;
  for (i = 0; i < DIM (piv_algs) && len < sizeof algs; i++)
    if (set & (1u << i))
      {
        len += (size_t)snprintf (algs + len, sizeof algs - len, "%s%s", sep,
                                 piv_algs[i].name);
        sep = ",";
      }
  return image_node_set_piv_caps (app, (int)retired, algs);
}

static gpg_error_t
piv_discover (agency_card_t *card, image_t *image)
{
  gpg_error_t err;
  unsigned sw = 0;
  image_node_t *app;
  buf_t b = BUF_INIT;
  size_t i;
  bool yubikey = false;
  uint8_t ver[3] = { 0, 0, 0 };
  piv_caps_t caps = { false, 0 };

  err = agency_app_select (card, &agent_piv, &sw);
  if (err || (sw != SW_OK && !SW_IS_MORE_DATA (sw)))
    return err;
  err = agency_applet_node (image, AGENT_NAME, piv_aid, sizeof piv_aid, &app);
  if (err)
    return err;
  err = agency_add_aid (image, piv_aid, sizeof piv_aid);
  agency_progress (card, AGENCY_PHASE_DISCOVER, app, 0);

  /* YubiKey GET VERSION: key import (FE) and metadata (F7). */
  if (!err)
    err = piv_cmd (card, 0xFD, 0x00, 0x00, NULL, 0, false, &b, &sw);
  if (!err && sw == SW_OK && b.len == 3)
    {
      yubikey = true;
      image_node_set_yubikey (app, b.data);
      memcpy (ver, b.data, 3);
    }
  else if (!err)
    {
      image_node_set_yubikey (app, NULL);
      err = image_node_set_piv_caps (app, -1, NULL);
    }

  for (i = 0; !err && i < DIM (piv_defs); i++)
    {
      const piv_def_t *d = &piv_defs[i];
      if ((d->flags & F_YK) && !yubikey)
        continue;
      if (d->flags & F_PIN)
        {
          char path[32];
          snprintf (path, sizeof path, "%s/%06X", AGENT_NAME, d->tag);
          err = agency_ensure_pin (card, &agent_piv, PIV_PIN_REF, path,
                                   NULL);
          if (err && !agent_app_pin_unavailable (err))
            break;
          if (err)
            {
              /* Does it exist at all? (an unauthorised read says 6982) */
              image_node_t *node;
              err = piv_get_data (card, d->tag, &b, &sw);
              if (err || sw == SW_FILE_NOT_FOUND || sw == SW_OK)
                {
                  if (!err && sw == SW_OK)
                    err = piv_fetch (card, app, d->tag, NULL);
                  continue;
                }
              err = piv_node (app, IMAGE_NODE_DO, d->tag, NULL, &node);
              if (!err)
                {
                  image_node_set_unreadable (node, sw);
                  node->area = IMAGE_AREA_PRIVATE;
                  node->access.read = IMAGE_AC_PIN;
                  node->access.read_ref = PIV_PIN_REF;
                  err = image_node_set_note (node, _("PIV PIN not given"));
                }
              continue;
            }
        }
      err = piv_fetch (card, app, d->tag, NULL);
      if (!err && d->tag == 0x5FC10C)
        {
          /* Retired key certificates: as many as the key history says
           * are on the card (keysWithOnCardCerts, tag C1). */
          const image_node_t *kh = image_find_child (app, "5FC10C");
          tlv_t t;
          unsigned k, n = 0;
          if (kh && kh->content_len
              && !tlv_find (kh->content, kh->content_len, 0xC1, &t)
              && t.len == 1)
            n = t.value[0] > 20 ? 20 : t.value[0];
          for (k = 0; !err && k < n; k++)
            err = piv_fetch (card, app, 0x5FC10D + k, NULL);
        }
    }
  if (!err)
    err = piv_keys (card, app, &caps);
  /* Its retired slots and algorithms cost probes (GENERAL AUTHENTICATE
   * among them): only for a mapped restore onto it. */
  if (!err && yubikey && card->target_caps)
    err = piv_target_caps (card, app, ver, &caps);
  buf_free (&b);
  return err;
}

static gpg_error_t
piv_read (agency_card_t *card, image_t *image, image_node_t *node)
{
  gpg_error_t err;
  unsigned sw = 0;
  (void)image;

  if (node->type != IMAGE_NODE_DO || !node->parent)
    return 0;
  err = agency_app_select (card, &agent_piv, &sw);
  if (err)
    return err;
  if (node->tag == 0x5FC109)
    {
      char *path = image_node_path (node);
      err = agency_ensure_pin (card, &agent_piv, PIV_PIN_REF,
                               path ? path : "", NULL);
      xfree (path);
      if (err)
        {
          if (gpg_err_code (err) == GPG_ERR_CARD_REMOVED
              || gpg_err_code (err) == GPG_ERR_CARD_RESET)
            return err;
          image_node_set_unreadable (node, SW_SEC_NOT_SATISFIED);
          return 0;
        }
    }
  return piv_fetch (card, node->parent, node->tag, NULL);
}

/* ---- management key -------------------------------------------------- */

/* Mutual authentication with the management key 9B (3DES, GENERAL
 * AUTHENTICATE 87: witness, then our challenge) with the key kept as
 * piv/key-9B in SRC, else the factory default. The agency calls it
 * through agency_ensure_key: again in every selection epoch, never again
 * after a refusal. */
static gpg_error_t
piv_authenticate (agency_card_t *card, uint8_t ref, const image_t *src,
                  bool *r_ok, unsigned *r_sw)
{
  static const uint8_t step1[] = { 0x7C, 0x02, 0x80, 0x00 };
  const image_node_t *kn = src ? image_find_path (src, "piv/key-9B") : NULL;
  const uint8_t *key = piv_default_mgmt;
  uint8_t *wit = NULL, chal[8], exp[8], cmd[22];
  buf_t resp = BUF_INIT;
  gpg_error_t err = 0;
  unsigned sw = 0;
  tlv_t t7c, t;

  *r_ok = false;
  *r_sw = 0;
  if (ref != PIV_MGMT_REF)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (kn && kn->has_content && kn->content_len == 24)
    key = kn->content;
  wit = xtrymalloc_secure (8);
  if (!wit)
    return gpg_error_from_syserror ();
  err = piv_cmd (card, 0x87, 0x03, PIV_MGMT_REF, step1, sizeof step1, false,
                 &resp, &sw);
  if (err)
    goto leave;
  if (sw != SW_OK || tlv_parse (resp.data, resp.len, &t7c, NULL)
      || t7c.tag != 0x7C || tlv_find (t7c.value, t7c.len, 0x80, &t)
      || t.len != 8)
    goto refused;
  err = keyutil_3des (key, t.value, wit, false);
  if (!err)
    gcry_randomize (chal, 8, GCRY_STRONG_RANDOM);
  if (!err)
    err = keyutil_3des (key, chal, exp, true);
  if (err)
    goto leave;
  cmd[0] = 0x7C; cmd[1] = 20;
  cmd[2] = 0x80; cmd[3] = 8;
  memcpy (cmd + 4, wit, 8);
  cmd[12] = 0x81; cmd[13] = 8;
  memcpy (cmd + 14, chal, 8);
  err = piv_cmd (card, 0x87, 0x03, PIV_MGMT_REF, cmd, sizeof cmd, true,
                 &resp, &sw);
  wipememory (cmd, sizeof cmd);
  if (err)
    goto leave;
  if (sw != SW_OK || tlv_parse (resp.data, resp.len, &t7c, NULL)
      || t7c.tag != 0x7C || tlv_find (t7c.value, t7c.len, 0x82, &t)
      || t.len != 8 || memcmp (t.value, exp, 8))
    goto refused;
  *r_ok = true;
  goto leave;

 refused:
  agency_set_errtext (card, _("the PIV management key was refused (%s); "
                              "it is not tried again"),
                      key == piv_default_mgmt ? _("the default key")
                      : _("the key from the VSC"));
  *r_sw = sw != SW_OK ? sw : SW_SEC_NOT_SATISFIED;
 leave:
  xfree_secure (wit);
  buf_free (&resp);
  return err;
}

/* ---- plan, write ----------------------------------------------------- */

static bool
piv_yubikey (const image_node_t *app)
{
  return image_node_yubikey (app, NULL);
}

/* One entry of the restore plan (agent_app_plan). */
static gpg_error_t
piv_plan_entry (plan_t *plan, plan_entry_t *e, const image_node_t *sapp,
                const image_node_t *dapp)
{
  const image_node_t *s = e->src;
  const piv_def_t *d;

  (void)sapp;
  if (s->type == IMAGE_NODE_KEY)
    {
      if (s->name && !strcmp (s->name, "key-9B"))
        return plan_entry_set (plan, e, PLAN_SAME,
                               _("management key: used to authenticate "
                                 "the writes"));
      if (!piv_yubikey (dapp))
        return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                               _("not restorable: this token cannot "
                                 "import keys"));
      if (!piv_alg_id (s->key.algorithm))
        return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                               _("not restorable: unknown key "
                                 "algorithm"));
      return plan_entry_set (plan, e, e->dst ? PLAN_UPDATE : PLAN_CREATE,
                             _("import from the secret-key area "
                               "(IMPORT KEY FE)"));
    }
  if (s->type != IMAGE_NODE_DO)
    return 0;
  d = piv_def (s->tag);
  if (d && (d->flags & F_CARD) && e->action != PLAN_SAME)
    return plan_entry_set (plan, e, PLAN_SAME,
                           _("defined by the token: the new token keeps "
                             "its own"));
  if (d && (d->flags & F_YK) && !piv_yubikey (dapp))
    return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                           _("not restorable: YubiKey data on another "
                             "token"));
  return 0;
}

static gpg_error_t
piv_plan_restore (agency_card_t *card, const image_t *src,
                  const image_t *dst, plan_t *plan)
{
  (void)card;
  return agent_app_plan (&agent_piv, src, dst, plan,
                         _("not restorable: this token has no PIV "
                           "application"), piv_plan_entry);
}

/* IMPORT KEY (FE) of an escrowed key; read back with GET METADATA. */
static gpg_error_t
piv_import (agency_card_t *card, plan_entry_t *e)
{
  const image_node_t *s = e->src;
  unsigned alg = piv_alg_id (s->key.algorithm);
  unsigned ref = 0, sw = 0;
  buf_t cmd, part, resp = BUF_INIT, pub = BUF_INIT;
  gpg_error_t err = 0;
  size_t i;
  tlv_t t, t86;

  buf_init_secure (&cmd);
  buf_init_secure (&part);
  for (i = 0; i < DIM (piv_slots); i++)
    if (s->name && !strcmp (s->name, piv_slots[i].name))
      ref = piv_slots[i].ref;
  /* The retired key-management slots 82..95 take keys the same way (a
   * restore that maps a further key there). */
  if (!ref && s->name && !strncmp (s->name, "key-", 4)
      && strtoul (s->name + 4, NULL, 16) >= 0x82
      && strtoul (s->name + 4, NULL, 16) <= 0x95 && strlen (s->name) == 6)
    ref = (unsigned)strtoul (s->name + 4, NULL, 16);
  if (!ref || !alg)
    {
      e->err = gpg_error (GPG_ERR_PUBKEY_ALGO);
      return 0;
    }
  if (alg == 0x07)
    {
      /* 01 P, 02 Q, 03 dP, 04 dQ, 05 qInv. */
      buf_t crt[5];
      int k;

      for (k = 0; k < 5; k++)
        buf_init_secure (&crt[k]);
      err = agent_keys_rsa_crt (s->content, s->content_len, crt);
      for (k = 0; !err && k < 5; k++)
        err = tlv_put (&cmd, 0x01 + (unsigned)k, crt[k].data, crt[k].len);
      for (k = 0; k < 5; k++)
        buf_free (&crt[k]);
    }
  else
    {
      err = agent_keys_param (s->content, s->content_len, "d",
                              alg == 0x11 ? 32 : 48, &part);
      if (!err)
        err = tlv_put (&cmd, 0x06, part.data, part.len);
    }
  if (!err)
    err = piv_cmd (card, 0xFE, (uint8_t)alg, (uint8_t)ref, cmd.data, cmd.len,
                   true, &resp, &sw);
  if (err || !agency_entry_written (e, sw))
    goto leave;
  agency_progress (card, AGENCY_PHASE_READBACK, s, 0);
  err = piv_cmd (card, 0xF7, 0x00, (uint8_t)ref, NULL, 0, false, &resp, &sw);
  if (err)
    goto leave;
  err = agent_keys_param (s->content, s->content_len,
                          alg == 0x07 ? "n" : "q", 0, &pub);
  if (err)
    goto leave;
  if (sw == SW_OK && !tlv_find (resp.data, resp.len, 0x04, &t)
      && !tlv_find (t.value, t.len, alg == 0x07 ? 0x81 : 0x86, &t86))
    {
      const uint8_t *v = t86.value;
      size_t n = t86.len;
      while (n > pub.len && !*v)
        v++, n--;
      e->verified = n == pub.len && !memcmp (v, pub.data, n);
      if (!e->verified)
        e->err = gpg_error (GPG_ERR_BAD_DATA);
    }
 leave:
  buf_free (&cmd);
  buf_free (&part);
  buf_free (&resp);
  buf_free (&pub);
  return err;
}

/* One attempt at writing E: management key in this selection, PUT DATA
 * (or IMPORT KEY); *FRESH tells whether the key was authenticated just
 * now. A refusal is left in e->sw / e->err. */
static gpg_error_t
piv_write_once (agency_card_t *card, const image_t *src, plan_entry_t *e,
                bool *fresh)
{
  const image_node_t *s = e->src;
  gpg_error_t err;
  unsigned sw = 0;
  bool ok;

  *fresh = false;
  err = agency_entry_select (card, &agent_piv, e, &sw, &ok);
  if (err || !ok)
    return err;
  err = agency_ensure_key (card, &agent_piv, PIV_MGMT_REF, src, fresh, &sw);
  if (gpg_err_code (err) == GPG_ERR_BAD_PIN)
    {
      e->sw = sw;
      e->err = err;
      return 0;
    }
  if (err)
    return err;
  if (s->type == IMAGE_NODE_KEY)
    return piv_import (card, e);
  if (s->type != IMAGE_NODE_DO)
    return gpg_error (GPG_ERR_INV_OBJ);
  agency_progress (card, AGENCY_PHASE_WRITE, s, s->content_len);
  err = piv_put_data (card, s->tag, s->content, s->content_len, &sw);
  if (!err)
    agency_entry_refused (e, sw);
  return err;
}

static gpg_error_t
piv_write (agency_card_t *card, const image_t *src, plan_t *plan,
           plan_entry_t *e)
{
  const image_node_t *s = e->src;
  gpg_error_t err;
  unsigned sw = 0;
  bool fresh;
  int attempt;
  buf_t back = BUF_INIT;

  if (!s || s->type == IMAGE_NODE_APPLET)
    {
      e->written = e->verified = true;
      return 0;
    }
  /* A 6982 with a key only assumed to be authenticated (the token may
   * have dropped it): once more, authenticated afresh. */
  for (attempt = 0; ; attempt++)
    {
      err = piv_write_once (card, src, e, &fresh);
      if (err || attempt || !agency_security_lost (card, e->sw, fresh))
        break;
    }
  if (err || s->type == IMAGE_NODE_KEY)
    return err;
  if (e->err)
    {
      char reason[160];
      if (agent_app_refusal (e, 0, reason, sizeof reason))
        return agent_app_not_restorable (plan, e, reason);
      return 0;
    }
  e->written = true;
  agency_progress (card, AGENCY_PHASE_READBACK, s, 0);
  if (s->tag == 0x5FC109)
    {
      buf_init_secure (&back);
      err = agency_ensure_pin (card, &agent_piv, PIV_PIN_REF, e->path, NULL);
      if (err)
        {
          /* Written; it cannot be read back without the PIN. */
          buf_free (&back);
          if (gpg_err_code (err) == GPG_ERR_CARD_REMOVED
              || gpg_err_code (err) == GPG_ERR_CARD_RESET)
            return err;
          return 0;
        }
    }
  err = piv_get_data (card, s->tag, &back, &sw);
  if (!err)
    agency_entry_readback (e, back.data, back.len, sw);
  buf_free (&back);
  return err;
}

/* ---- describe, blank ------------------------------------------------- */

static const char *
piv_describe (const image_node_t *node)
{
  const piv_def_t *d;
  if (node->type == IMAGE_NODE_APPLET)
    return _("PIV application (SP 800-73-4)");
  if (node->type == IMAGE_NODE_KEY)
    return node->name && !strcmp (node->name, "key-9B")
      ? _("PIV management key") : _("PIV slot key");
  if (node->type != IMAGE_NODE_DO)
    return NULL;
  if (node->tag >= 0x5FC10D && node->tag <= 0x5FC120)
    return _("certificate of a retired key");
  d = piv_def (node->tag);
  return d ? _(d->desc) : NULL;
}

static bool
piv_node_blank (const image_node_t *n)
{
  const piv_def_t *d;
  if (n->type == IMAGE_NODE_APPLET)
    return true;
  if (n->type == IMAGE_NODE_KEY)
    return false;
  if (n->type != IMAGE_NODE_DO)
    return true;
  d = piv_def (n->tag);
  if (d && (d->flags & (F_CARD | F_YK)))
    return true;
  /* A factory token carries a CCC and a CHUID of its own (random
   * identifiers); anything else (certificates, printed information, key
   * history) means "used". */
  if (n->tag == 0x5FC107 || n->tag == 0x5FC102)
    return true;
  return !n->content_len;
}

/* Escrowed keys: the four key slots, the algorithms of IMPORT KEY. */
static gpg_error_t
piv_key_slot (const char *slot, const char *algo, agency_key_slot_t *ks,
              char *errbuf, size_t errsize)
{
  size_t i;

  for (i = 0; i < DIM (piv_slots); i++)
    {
      char name[4];
      snprintf (name, sizeof name, "%02x", piv_slots[i].ref);
      if (slot && !strcasecmp (slot, name))
        break;
    }
  if (i == DIM (piv_slots))
    {
      snprintf (errbuf, errsize, _("PIV key slot must be 9a, 9c, 9d or 9e"));
      return gpg_error (GPG_ERR_INV_ARG);
    }
  if (!algo || (strcmp (algo, "rsa2048") && strcmp (algo, "eccp256")
                && strcmp (algo, "eccp384")))
    {
      snprintf (errbuf, errsize,
                _("algorithm '%s' is not a PIV key algorithm (rsa2048, "
                  "eccp256, eccp384)"), algo ? algo : "");
      return gpg_error (GPG_ERR_PUBKEY_ALGO);
    }
  snprintf (ks->path, sizeof ks->path, "%s/%s", AGENT_NAME,
            piv_slots[i].name);
  snprintf (ks->usage, sizeof ks->usage, "%02X", piv_slots[i].ref);
  ks->openpgp_slot = -1;
  return 0;
}

const agent_t agent_piv = {
  .name = AGENT_NAME,
  .summary = N_("PIV application (NIST SP 800-73-4)"),
  .match = piv_match,
  .discover = piv_discover,
  .read = piv_read,
  .plan_restore = piv_plan_restore,
  .write = piv_write,
  .describe = piv_describe,
  .select = piv_select,
  .pin_info = piv_pin_info,
  .pin_encode = piv_pin_encode,
  .pin_retries = piv_pin_retries,
  .pinpad_format = piv_pinpad_format,
  .authenticate = piv_authenticate,
  .node_blank = piv_node_blank,
  .key_slot = piv_key_slot
};
