/* agent-openpgp.c - the OpenPGP card application (version 3.4)
 *
 * Matched by SELECT of the RID + application (D2 76 00 01 24 01).
 * Discovery reads the data objects with GET DATA: the composites 6E
 * (application related data) and 65 (cardholder data) are split into
 * their parts, the three certificates 7F21 are read per occurrence after
 * SELECT DATA (A5), and the PIN-gated private-use DOs 0103 (after PW1
 * 82) and 0104 (after PW3) go to the private area when the user gives the
 * PIN. The three keys are "not extractable" nodes carrying what the card
 * tells about them (algorithm C1-C3, fingerprint C5, date CD).
 *
 * Restore: PUT DATA after PW3 (0101 and 0103 after PW1 82), the
 * certificates after SELECT DATA, algorithm attributes C1-C3, and keys
 * from the VSC's secret-key area imported with PUT DATA odd DB 3FFF
 * (extended header list 4D); only for those keys the fingerprints C7-C9
 * and dates CE-D0 are set (OpenPGP v4, agent-keys.c). Objects the card
 * defines itself (AID, historical bytes, capabilities, signature
 * counter, fingerprints of keys it generated) are never written: the new
 * token keeps its own. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "common/tlv.h"
#include "common/hex.h"
#include "agency/agent.h"
#include "agency/iso7816.h"
#include "agency/agent-apps.h"
#include "agency/agent-openpgp.h"
#include "agency/agent-app.h"

#define AGENT_NAME AGENT_OPENPGP_NAME

static const uint8_t opg_rid[6] = { 0xD2, 0x76, 0x00, 0x01, 0x24, 0x01 };

/* In image order (the restore writes in this order: algorithm
 * attributes before the keys they describe). */
static const agent_openpgp_def_t opg_defs[] = {
  { 0x4F,   F_6E | F_RO, N_("application identifier (AID)") },
  { 0x5F52, F_6E | F_RO | F_OPT, N_("historical bytes") },
  { 0x7F66, F_6E | F_RO | F_OPT, N_("extended length information") },
  { 0x7F74, F_6E | F_RO | F_OPT, N_("general feature management") },
  { 0xC0,   F_6E | F_RO, N_("extended capabilities") },
  { 0xC1,   F_6E, N_("algorithm attributes, signature key") },
  { 0xC2,   F_6E, N_("algorithm attributes, decryption key") },
  { 0xC3,   F_6E, N_("algorithm attributes, authentication key") },
  { 0xC4,   F_6E | F_FIRST, N_("PW status bytes (PW1 validity written)") },
  { 0xC5,   F_6E | F_RO, N_("key fingerprints") },
  { 0xC6,   F_6E | F_CAFPR, N_("CA fingerprints") },
  { 0xCD,   F_6E | F_RO, N_("key generation dates") },
  { 0xDE,   F_6E | F_RO | F_OPT, N_("key information") },
  { 0x5B,   F_65, N_("cardholder name") },
  { 0x5F2D, F_65, N_("language preference") },
  { 0x5F35, F_65, N_("salutation") },
  { 0x5F50, 0, N_("URL of the public key") },
  { 0x5E,   0, N_("login data") },
  { 0x0101, F_PW1, N_("private use DO 1") },
  { 0x0102, 0, N_("private use DO 2") },
  { 0x7A,   F_RO, N_("security support template (signature counter)") },
  { 0xF9,   F_KDF | F_OPT, N_("KDF-DO") },
  { 0xFA,   F_RO | F_OPT, N_("algorithm information") },
  { 0xD6,   F_6E | F_FIRST | F_OPT,
    N_("user interaction flag, signature key") },
  { 0xD7,   F_6E | F_FIRST | F_OPT,
    N_("user interaction flag, decryption key") },
  { 0xD8,   F_6E | F_FIRST | F_OPT,
    N_("user interaction flag, authentication key") },
  { 0x0103, F_PW1 | F_RPW1 | F_OPT, N_("private use DO 3 (PW1)") },
  { 0x0104, F_RPW3 | F_OPT, N_("private use DO 4 (PW3)") }
};

/* Key slots: name, CRT tag, 7F21 occurrence, usage. */
const agent_openpgp_slot_t agent_openpgp_slots[3] = {
  { "key-sig", 0xB6, 2, "sign" },
  { "key-dec", 0xB8, 1, "decrypt" },
  { "key-aut", 0xA4, 0, "auth" }
};

const agent_openpgp_def_t *
agent_openpgp_def (unsigned tag)
{
  return agent_app_def (opg_defs, DIM (opg_defs), sizeof opg_defs[0], tag);
}

bool
agent_openpgp_is_mine (const image_node_t *n)
{
  return agent_app_is_mine (&agent_openpgp, n);
}

/* Slot of a key node or a certificate child (CRT tag), -1 if none. */
int
agent_openpgp_slot_of (const image_node_t *n)
{
  int i;
  for (i = 0; i < 3; i++)
    if ((n->type == IMAGE_NODE_KEY && n->name
         && !strcmp (n->name, agent_openpgp_slots[i].name))
        || (n->type == IMAGE_NODE_DO && n->tag == agent_openpgp_slots[i].crt
            && n->parent && n->parent->type == IMAGE_NODE_DO
            && n->parent->tag == 0x7F21))
      return i;
  return -1;
}

/* ---- commands -------------------------------------------------------- */

static gpg_error_t
opg_select (agency_card_t *card, unsigned *sw)
{
  return iso7816_select_aid (&card->chan, opg_rid, sizeof opg_rid, NULL, sw);
}

gpg_error_t
agent_openpgp_get_data (agency_card_t *card, unsigned tag, buf_t *out,
                        unsigned *sw)
{
  apdu_t a;
  memset (&a, 0, sizeof a);
  a.ins = 0xCA;
  a.p1 = (uint8_t)(tag >> 8);
  a.p2 = (uint8_t)tag;
  a.le = card->chan.max_le ? card->chan.max_le : 256;
  a.secret = tag == 0x0103 || tag == 0x0104;
  buf_clear (out);
  return apdu_chan_exchange (&card->chan, &a, out, sw);
}

gpg_error_t
agent_openpgp_put_data (agency_card_t *card, unsigned ins, unsigned tag,
              const uint8_t *p, size_t n, unsigned *sw)
{
  apdu_t a;
  buf_t resp = BUF_INIT;
  gpg_error_t err;

  memset (&a, 0, sizeof a);
  a.ins = (uint8_t)ins;
  a.p1 = (uint8_t)(tag >> 8);
  a.p2 = (uint8_t)tag;
  a.data = p;
  a.lc = n;
  a.secret = true;
  err = apdu_chan_exchange (&card->chan, &a, &resp, sw);
  buf_free (&resp);
  return err;
}

/* SELECT DATA (A5) of occurrence OCC of 7F21. */
gpg_error_t
agent_openpgp_select_cert (agency_card_t *card, unsigned occ, unsigned *sw)
{
  static const uint8_t d[] = { 0x60, 0x04, 0x5C, 0x02, 0x7F, 0x21 };
  apdu_t a;
  buf_t resp = BUF_INIT;
  gpg_error_t err;

  memset (&a, 0, sizeof a);
  a.ins = 0xA5;
  a.p1 = (uint8_t)occ;
  a.p2 = 0x04;
  a.data = d;
  a.lc = sizeof d;
  err = apdu_chan_exchange (&card->chan, &a, &resp, sw);
  buf_free (&resp);
  return err;
}

/* The constructed DO that holds TAG (0 if none): some cards serve 5B,
 * C0-C6, CD, D6-D8 or 93 only inside 65, 6E or 7A. */
static unsigned
opg_parent_of (unsigned tag)
{
  const agent_openpgp_def_t *d = agent_openpgp_def (tag);
  if (tag == 0x93)
    return 0x7A;
  if (d && (d->flags & F_6E))
    return 0x6E;
  if (d && (d->flags & F_65))
    return 0x65;
  return 0;
}

/* What the agent learnt about a card (agency_agent_flags). */
#define OPG_LEARNT_COMPOSITE_ONLY 0x01ul   /* 5B, C1.. only inside 65/6E */

/* TAG inside the constructed DO P[0..N) (into 73 too). */
static bool
opg_find_in (const uint8_t *p, size_t n, unsigned tag, tlv_t *r, int depth)
{
  tlv_iter_t it;
  tlv_t t;

  if (depth > 3)
    return false;
  tlv_iter_init (&it, p, n, 0);
  while (!tlv_iter_next (&it, &t))
    {
      if (t.tag == tag)
        {
          *r = t;
          return true;
        }
      if ((t.tag == 0x73 || t.tag == 0x6E || t.tag == 0x65 || t.tag == 0x7A)
          && opg_find_in (t.value, t.len, tag, r, depth + 1))
        return true;
    }
  return false;
}

/* GET DATA of TAG, taken from its constructed DO when the card does not
 * serve it on its own (6A88 / 6A82). */
gpg_error_t
agent_openpgp_get_do (agency_card_t *card, unsigned tag, buf_t *out,
                      unsigned *sw)
{
  gpg_error_t err;
  unsigned parent = opg_parent_of (tag), psw = 0;
  buf_t whole = BUF_INIT;
  tlv_t t;

  unsigned long *learnt = agency_agent_flags (card, &agent_openpgp);

  /* Once the card served a child only inside its constructed DO, ask
   * for the constructed DO right away. */
  if (!parent || !(*learnt & OPG_LEARNT_COMPOSITE_ONLY))
    {
      err = agent_openpgp_get_data (card, tag, out, sw);
      if (err || !parent
          || (*sw != SW_REF_NOT_FOUND && *sw != SW_FILE_NOT_FOUND))
        return err;
    }
  else
    *sw = SW_REF_NOT_FOUND;
  err = agent_openpgp_get_data (card, parent, &whole, &psw);
  if (!err && psw == SW_OK && opg_find_in (whole.data, whole.len, tag, &t, 0))
    {
      buf_clear (out);
      err = buf_append (out, t.value, t.len);
      *sw = SW_OK;
      *learnt |= OPG_LEARNT_COMPOSITE_ONLY;
    }
  buf_free (&whole);
  return err;
}

/* Algorithm attributes A and B describe the same key format: RSA by
 * modulus and exponent size (the import format byte is the card's
 * choice: standard or CRT), ECC by algorithm and OID (a trailing 00 or
 * FF import format byte aside). */
bool
agent_openpgp_attr_same (const uint8_t *a, size_t an, const uint8_t *b,
                         size_t bn)
{
  if (an >= 5 && bn >= 5 && a[0] == 0x01 && b[0] == 0x01)
    return !memcmp (a, b, 5);
  if (an && (a[an - 1] == 0xFF || a[an - 1] == 0x00) && an == bn + 1)
    an--;
  if (bn && (b[bn - 1] == 0xFF || b[bn - 1] == 0x00) && bn == an + 1)
    bn--;
  return an == bn && !memcmp (a, b, an);
}

/* ---- discovery ------------------------------------------------------- */

static gpg_error_t
opg_match (agency_card_t *card, bool *r_match)
{
  return agency_match_select (card, opg_select, r_match);
}

/* Add or find the DO TAG below PARENT. */
static gpg_error_t
opg_node (image_node_t *parent, unsigned tag, image_node_t **r_node)
{
  return agency_child_node (parent, IMAGE_NODE_DO, tag, NULL, AGENT_NAME,
                            r_node);
}

/* Record the DO TAG with content P[0..N) (N may be 0). */
static gpg_error_t
opg_store (image_node_t *app, unsigned tag, const uint8_t *p, size_t n)
{
  gpg_error_t err;
  image_node_t *node;
  const agent_openpgp_def_t *d = agent_openpgp_def (tag);
  unsigned flags = d ? d->flags : F_RO;

  err = opg_node (app, tag, &node);
  if (err)
    return err;
  node->flags &= ~IMAGE_FLAG_UNREADABLE;
  node->sw = 0;
  err = n ? image_node_set_content (node, p, n) : image_node_set_empty (node);
  node->access.read = (flags & (F_RPW1 | F_RPW3)) ? IMAGE_AC_PIN
                      : IMAGE_AC_ALWAYS;
  node->access.read_ref = (flags & F_RPW1) ? 0x82 : (flags & F_RPW3)
                          ? 0x83 : 0;
  node->access.write = (flags & F_RO) ? IMAGE_AC_NEVER : IMAGE_AC_PIN;
  node->access.write_ref = (flags & F_RO) ? 0 : (flags & F_PW1) ? 0x82
                           : 0x83;
  if (flags & (F_RPW1 | F_RPW3))
    node->area = IMAGE_AREA_PRIVATE;
  return err;
}

static gpg_error_t
opg_unreadable (image_node_t *app, unsigned tag, unsigned sw,
                const char *note)
{
  image_node_t *node;
  gpg_error_t err = opg_node (app, tag, &node);
  if (err)
    return err;
  image_node_set_unreadable (node, sw);
  if (note)
    err = image_node_set_note (node, note);
  if (tag == 0x0103 || tag == 0x0104)
    {
      node->area = IMAGE_AREA_PRIVATE;
      node->access.read = IMAGE_AC_PIN;
      node->access.read_ref = tag == 0x0103 ? 0x82 : 0x83;
    }
  return err;
}

/* Split the composite P[0..N) (value of 6E or 65) into its parts,
 * recursing into 73 (discretionary data objects). */
static gpg_error_t
opg_split (image_node_t *app, const uint8_t *p, size_t n, unsigned want,
           unsigned depth)
{
  tlv_iter_t it;
  tlv_t t;
  gpg_error_t err = 0;

  if (depth > 3)
    return 0;
  tlv_iter_init (&it, p, n, 0);
  while (!err && !tlv_iter_next (&it, &t))
    {
      const agent_openpgp_def_t *d = agent_openpgp_def (t.tag);
      if (t.tag == 0x73)
        err = opg_split (app, t.value, t.len, want, depth + 1);
      else if (d && (d->flags & want))
        err = opg_store (app, t.tag, t.value, t.len);
    }
  return err;
}

/* GET DATA of the composite TAG (6E, 65) and its parts flagged WANT
 * into the image; *R_HAVE if the card answered it. B is scratch. */
static gpg_error_t
opg_composite (agency_card_t *card, image_node_t *app, unsigned tag,
               unsigned want, buf_t *b, bool *r_have)
{
  gpg_error_t err;
  unsigned sw = 0;
  tlv_t t;

  err = agent_openpgp_get_data (card, tag, b, &sw);
  if (!err && sw == SW_OK && !tlv_parse (b->data, b->len, &t, NULL)
      && t.tag == tag)
    {
      *r_have = true;
      err = opg_split (app, t.value, t.len, want, 0);
    }
  return err;
}

/* GET DATA TAG into the image; absent optional objects add nothing. */
static gpg_error_t
opg_fetch (agency_card_t *card, image_node_t *app, unsigned tag)
{
  gpg_error_t err;
  buf_t b = BUF_INIT;
  unsigned sw = 0;
  const agent_openpgp_def_t *d = agent_openpgp_def (tag);

  unsigned long before = card->chan.apdus;

  if (d && (d->flags & (F_RPW1 | F_RPW3)))
    buf_init_secure (&b);
  err = agent_openpgp_get_do (card, tag, &b, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    err = opg_store (app, tag, b.data, b.len);
  else if (sw == SW_REF_NOT_FOUND || sw == SW_FILE_NOT_FOUND
           || (d && (d->flags & F_OPT)
               && (sw == SW_INS_NOT_SUPPORTED || sw == SW_WRONG_P1P2
                   || sw == SW_INCORRECT_P1P2
                   || sw == SW_FUNC_NOT_SUPPORTED)))
    {
      /* Absent (never written, or not on this card): not in the image,
       * not "not backed up"; the probe found nothing. */
      card->scan_apdus += card->chan.apdus - before;
      err = 0;
    }
  else
    err = opg_unreadable (app, tag, sw, NULL);
  if (!err)
    agency_progress (card, AGENCY_PHASE_READ, app, b.len);
 leave:
  buf_free (&b);
  return err;
}

gpg_error_t
agent_openpgp_cert_container (image_node_t *cont)
{
  gpg_error_t err = image_node_set_empty (cont);

  if (!err)
    {
      cont->access.read = IMAGE_AC_ALWAYS;
      cont->access.write = IMAGE_AC_NEVER;
    }
  return err;
}

/* Certificates: 7F21 container with one child per key (CRT tag). */
static gpg_error_t
opg_fetch_certs (agency_card_t *card, image_node_t *app)
{
  gpg_error_t err;
  image_node_t *cont, *child;
  buf_t b = BUF_INIT;
  unsigned sw = 0;
  int i;

  err = opg_node (app, 0x7F21, &cont);
  if (!err)
    err = agent_openpgp_cert_container (cont);
  if (err)
    return err;
  for (i = 0; !err && i < 3; i++)
    {
      err = agent_openpgp_select_cert (card, agent_openpgp_slots[i].occ, &sw);
      if (!err && sw == SW_OK)
        err = agent_openpgp_get_data (card, 0x7F21, &b, &sw);
      if (err)
        break;
      err = opg_node (cont, agent_openpgp_slots[i].crt, &child);
      if (err)
        break;
      child->access.read = IMAGE_AC_ALWAYS;
      child->access.write = IMAGE_AC_PIN;
      child->access.write_ref = 0x83;
      if (sw == SW_OK)
        {
          child->flags &= ~IMAGE_FLAG_UNREADABLE;
          err = b.len ? image_node_set_content (child, b.data, b.len)
                      : image_node_set_empty (child);
          agency_progress (card, AGENCY_PHASE_READ, child, b.len);
        }
      else
        image_node_set_unreadable (child, sw);
    }
  buf_free (&b);
  return err;
}

/* Name of the algorithm in attributes A[0..N) ("rsa2048", "ed25519"),
 * or "unknown". */
static void
opg_attr_name (const uint8_t *a, size_t n, char *buf, size_t size)
{
  static const char *const names[] = { "nistp256", "nistp384", "ed25519",
                                       "cv25519" };
  size_t i, olen;
  const agent_keys_algo_t *al;

  snprintf (buf, size, "unknown");
  if (n >= 3 && a[0] == 0x01)
    {
      snprintf (buf, size, "rsa%u", get_be16 (a + 1));
      return;
    }
  if (n < 2)
    return;
  olen = n - 1;
  if (a[n - 1] == 0xFF)             /* import format "with public key" */
    olen--;
  for (i = 0; i < DIM (names); i++)
    {
      al = agent_keys_algo (names[i]);
      if (al && al->oid_len == olen && !memcmp (a + 1, al->oid, olen))
        {
          snprintf (buf, size, "%s", names[i]);
          return;
        }
    }
}

static const image_node_t *
opg_child (const image_node_t *app, unsigned tag)
{
  char comp[16];
  snprintf (comp, sizeof comp, tag > 0xFF ? "%04X" : "%02X", tag);
  return image_find_child (app, comp);
}

/* Key nodes from C1-C3, C5 and CD: a key is present when its
 * fingerprint is not all zeros. */
static gpg_error_t
opg_keys (image_node_t *app)
{
  const image_node_t *fp = opg_child (app, 0xC5);
  const image_node_t *cd = opg_child (app, 0xCD);
  gpg_error_t err = 0;
  int i;

  for (i = 0; !err && i < 3; i++)
    {
      const image_node_t *at = opg_child (app, 0xC1 + (unsigned)i);
      image_node_t *k;
      image_keyinfo_t ki;
      char alg[16], hexfp[41], when[32];
      size_t j;
      bool present = false;

      if (!fp || fp->content_len < 60)
        break;
      for (j = 0; j < 20; j++)
        if (fp->content[20 * i + j])
          present = true;
      if (!present)
        continue;
      k = image_find_child (app, agent_openpgp_slots[i].name);
      if (!k)
        {
          err = image_node_new (IMAGE_NODE_KEY, &k);
          if (!err)
            err = image_node_set_name (k, agent_openpgp_slots[i].name);
          if (!err)
            err = image_add_child (app, k);
          if (err)
            {
              if (k && !k->parent)
                image_node_free (k);
              break;
            }
        }
      k->source = IMAGE_SRC_DO_LIST;
      k->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
      hex_encode (fp->content + 20 * i, 20, hexfp);
      when[0] = 0;
      if (cd && cd->content_len >= 12 && get_be32 (cd->content + 4 * i))
        util_time_text (get_be32 (cd->content + 4 * i), when,
                              sizeof when);
      if (at && at->has_content)
        opg_attr_name (at->content, at->content_len, alg, sizeof alg);
      else
        snprintf (alg, sizeof alg, "unknown");
      memset (&ki, 0, sizeof ki);
      ki.algorithm = alg;
      ki.fingerprint = hexfp;
      ki.created = when[0] ? when : NULL;
      ki.usage = (char *)agent_openpgp_slots[i].usage;
      err = image_node_set_keyinfo (k, &ki);
      if (!err)
        err = image_node_set_agent (k, AGENT_NAME);
      if (!err)
        err = image_node_set_note
          (k, _("on-card key: it cannot be read, so the new token will "
                "not have it (regenerate it, or escrow a key with "
                "vsctool keygen)"));
    }
  return err;
}

/* "openpgp/0103" (xfree), NULL on ENOMEM. */
static char *
opg_path (const image_node_t *app, unsigned tag)
{
  char *base = image_node_path (app);
  char *p;
  size_t n;
  if (!base)
    return NULL;
  n = strlen (base) + 8;
  p = xtrymalloc (n);
  if (p)
    snprintf (p, n, "%s/%04X", base, tag);
  xfree (base);
  return p;
}

static gpg_error_t
opg_discover (agency_card_t *card, image_t *image)
{
  gpg_error_t err;
  unsigned sw = 0;
  image_node_t *app;
  buf_t b = BUF_INIT;
  size_t i;
  bool have6e = false, have65 = false;

  err = agency_app_select (card, &agent_openpgp, &sw);
  if (err || (sw != SW_OK && !SW_IS_MORE_DATA (sw)))
    return err;
  err = agency_applet_node (image, AGENT_NAME, opg_rid, sizeof opg_rid, &app);
  if (err)
    return err;
  agency_progress (card, AGENCY_PHASE_DISCOVER, app, 0);

  /* 6E and 65 in one command each. */
  if (!err)
    err = opg_composite (card, app, 0x6E, F_6E, &b, &have6e);
  if (!err)
    err = opg_composite (card, app, 0x65, F_65, &b, &have65);
  for (i = 0; !err && i < DIM (opg_defs); i++)
    {
      const agent_openpgp_def_t *d = &opg_defs[i];
      if (d->flags & (F_RPW1 | F_RPW3))
        continue;
      if (((d->flags & F_6E) && have6e) || ((d->flags & F_65) && have65))
        {
          /* Absent from the composite: record as empty where the spec
           * says it is always there. */
          if (!opg_child (app, d->tag) && !(d->flags & F_OPT))
            err = opg_store (app, d->tag, NULL, 0);
          continue;
        }
      err = opg_fetch (card, app, d->tag);
    }
  if (!err)
    err = opg_fetch_certs (card, app);

  /* PIN-gated objects: only with the user's PIN, never retried. */
  for (i = 0; !err && i < DIM (opg_defs); i++)
    {
      const agent_openpgp_def_t *d = &opg_defs[i];
      uint8_t ref;
      char *path;
      if (!(d->flags & (F_RPW1 | F_RPW3)))
        continue;
      ref = (d->flags & F_RPW1) ? 0x82 : 0x83;
      path = opg_path (app, d->tag);
      err = agency_ensure_pin (card, &agent_openpgp, ref, path ? path : "",
                               NULL);
      xfree (path);
      if (!err)
        err = opg_fetch (card, app, d->tag);
      else if (agent_app_pin_unavailable (err))
        {
          char note[96];
          if (gpg_err_code (err) == GPG_ERR_CANCELED)
            snprintf (note, sizeof note, _("PW%s not given"),
                      ref == 0x82 ? "1" : "3");
          else
            snprintf (note, sizeof note, _("PW%s not verified"),
                      ref == 0x82 ? "1" : "3");
          err = opg_unreadable (app, d->tag, SW_SEC_NOT_SATISFIED, note);
        }
    }
  if (!err)
    err = opg_keys (app);

  /* The card's identity: AID and serial (manufacturer + serial). */
  if (!err)
    {
      const image_node_t *aid = opg_child (app, 0x4F);
      if (aid && aid->content_len == 16)
        {
          err = agency_add_aid (image, aid->content, aid->content_len);
          if (!err && !image->card.serial)
            {
              char s[9];
              hex_encode (aid->content + 10, 4, s);
              err = image_set_serial (image, s);
            }
        }
    }
  buf_free (&b);
  return err;
}

/* ---- read one node --------------------------------------------------- */

static gpg_error_t
opg_read (agency_card_t *card, image_t *image, image_node_t *node)
{
  gpg_error_t err;
  unsigned sw = 0;
  image_node_t *app = node;
  const agent_openpgp_def_t *d;
  (void)image;

  while (app->parent && app->parent->parent)
    app = app->parent;
  if (node->type != IMAGE_NODE_DO)
    return 0;                         /* applet, keys: nothing to read */
  err = agency_app_select (card, &agent_openpgp, &sw);
  if (err)
    return err;
  if (node->tag == 0x7F21 || agent_openpgp_slot_of (node) >= 0)
    return opg_fetch_certs (card, app);
  d = agent_openpgp_def (node->tag);
  if (d && (d->flags & (F_RPW1 | F_RPW3)))
    {
      char *path = image_node_path (node);
      err = agency_ensure_pin (card, &agent_openpgp,
                               (d->flags & F_RPW1) ? 0x82 : 0x83,
                               path ? path : "", NULL);
      xfree (path);
      if (err)
        {
          if (!agent_app_pin_unavailable (err))
            return err;
          image_node_set_unreadable (node, SW_SEC_NOT_SATISFIED);
          return 0;
        }
    }
  return opg_fetch (card, app, node->tag);
}

/* ---- restore plan ---------------------------------------------------- */

/* Is ALGO among the attributes the target lists in FA (algorithm
 * information)? True when the target has no FA. */
static bool
opg_target_supports (const image_node_t *dapp, int slot, const uint8_t *attr,
                     size_t alen)
{
  const image_node_t *fa = dapp ? opg_child (dapp, 0xFA) : NULL;
  tlv_iter_t it;
  tlv_t t, outer;

  if (!fa || !fa->content_len)
    return true;
  if (!tlv_parse (fa->content, fa->content_len, &outer, NULL)
      && outer.tag == 0xFA)
    tlv_iter_init (&it, outer.value, outer.len, 0);
  else
    tlv_iter_init (&it, fa->content, fa->content_len, 0);
  while (!tlv_iter_next (&it, &t))
    if (t.tag == 0xC1 + (unsigned)slot
        && agent_openpgp_attr_same (t.value, t.len, attr, alen))
      return true;
  return false;
}

/* The escrowed key node of SLOT in the source applet, NULL if none. */
static const image_node_t *
opg_escrowed (const image_node_t *sapp, int slot)
{
  const image_node_t *k = image_find_child (sapp,
                                            agent_openpgp_slots[slot].name);
  if (k && k->type == IMAGE_NODE_KEY && k->has_content && k->content_len
      && !(k->flags & IMAGE_FLAG_NOT_EXTRACTABLE))
    return k;
  return NULL;
}

static gpg_error_t
opg_plan_key (plan_t *plan, plan_entry_t *e, const image_node_t *dapp,
              int slot)
{
  const image_node_t *s = e->src;
  const agent_keys_algo_t *al = agent_keys_algo (s->key.algorithm);
  uint8_t attr[16], fpr[20];
  size_t alen;
  uint32_t created = 0;
  char reason[160];

  if (!al || agent_keys_openpgp_attr (al, slot, attr, &alen))
    {
      snprintf (reason, sizeof reason,
                _("not restorable: %s is not a key for this slot"),
                s->key.algorithm ? s->key.algorithm : "?");
      return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
    }
  if (!opg_target_supports (dapp, slot, attr, alen))
    {
      snprintf (reason, sizeof reason,
                _("not restorable: this token does not take %s keys"),
                al->name);
      return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE, reason);
    }
  /* Already there (same fingerprint)? */
  if (e->dst && e->dst->key.fingerprint
      && util_time_parse (s->key.created, &created)
      && !agent_keys_openpgp_fpr (al, s->content, s->content_len, slot,
                                  created, fpr))
    {
      char hex[41];
      hex_encode (fpr, 20, hex);
      if (!strcmp (hex, e->dst->key.fingerprint))
        return plan_entry_set (plan, e, PLAN_SAME,
                               _("this key is already on the token"));
    }
  return plan_entry_set (plan, e, e->dst ? PLAN_UPDATE : PLAN_CREATE,
                         e->dst ? _("replaces the key on the token "
                                    "(import from the secret-key area)")
                                : _("import from the secret-key area"));
}

/* One entry of the restore plan (agent_app_plan). */
static gpg_error_t
opg_plan_entry (plan_t *plan, plan_entry_t *e, const image_node_t *sapp,
                const image_node_t *dapp)
{
  const image_node_t *s = e->src;
  const agent_openpgp_def_t *d;
  int slot = agent_openpgp_slot_of (s);

  if (s->type == IMAGE_NODE_KEY)
    {
      if (slot < 0)
        return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                               _("not restorable: unknown key slot"));
      return opg_plan_key (plan, e, dapp, slot);
    }
  if (s->type != IMAGE_NODE_DO || (s->tag == 0x7F21 && s->parent == sapp))
    return 0;
  if (slot >= 0)
    return 0;                           /* certificates: as compared */
  d = agent_openpgp_def (s->tag);
  if (!d || (d->flags & F_RO))
    {
      if (e->action == PLAN_SAME)
        return 0;
      return plan_entry_set (plan, e, PLAN_SAME,
                             _("defined by the token: the new token "
                               "keeps its own"));
    }
  if ((d->flags & F_OPT) && !e->dst && !(d->flags & (F_RPW1 | F_RPW3)))
    {
      if ((d->flags & F_FIRST) && (!s->content_len || !s->content[0]))
        /* A user interaction flag that was off: nothing is lost. */
        return plan_entry_set (plan, e, PLAN_SAME,
                               _("off on the source; this token does "
                                 "not have it"));
      return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                             _("not restorable: this token does not "
                               "have this object"));
    }
  if (d->flags & F_FIRST)
    {
      if (e->dst && e->dst->content_len && s->content_len
          && e->dst->content[0] == s->content[0])
        return plan_entry_set (plan, e, PLAN_SAME, NULL);
      return 0;
    }
  if ((d->flags & F_CAFPR) && e->action != PLAN_SAME
      && s->content_len != 60)
    return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                           _("not restorable: CA fingerprints are "
                             "three times 20 bytes"));
  if (d->flags & F_KDF)
    {
      if (e->action == PLAN_SAME)
        return 0;
      return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                             _("not restorable here: the KDF-DO "
                               "changes how PINs are sent; set it up "
                               "together with new PINs"));
    }
  if (s->tag < 0xC1 || s->tag > 0xC3)
    return 0;
  slot = (int)(s->tag - 0xC1);
  if (opg_escrowed (sapp, slot))
    return plan_entry_set (plan, e, PLAN_SAME,
                           _("set with the escrowed key"));
  if (e->dst && e->dst->has_content
      && agent_openpgp_attr_same (e->dst->content, e->dst->content_len,
                                  s->content, s->content_len))
    {
      if (e->action == PLAN_SAME)
        return 0;
      return plan_entry_set (plan, e, PLAN_SAME,
                             _("the same algorithm (the import "
                               "format is the token's)"));
    }
  if (e->action != PLAN_SAME
      && !opg_target_supports (dapp, slot, s->content, s->content_len))
    return plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                           _("not restorable: this token does not "
                             "support the algorithm"));
  return 0;
}

static gpg_error_t
opg_plan_restore (agency_card_t *card, const image_t *src,
                  const image_t *dst, plan_t *plan)
{
  (void)card;
  return agent_app_plan (&agent_openpgp, src, dst, plan,
                         _("not restorable: this token has no "
                           "OpenPGP application"), opg_plan_entry);
}

/* ---- describe, blank ------------------------------------------------- */

static const char *
opg_describe (const image_node_t *node)
{
  const agent_openpgp_def_t *d;
  int slot;

  if (node->type == IMAGE_NODE_APPLET)
    return _("OpenPGP card application");
  slot = agent_openpgp_slot_of (node);
  if (node->type == IMAGE_NODE_KEY)
    return slot == 0 ? _("signature key") : slot == 1
      ? _("decryption key") : slot == 2 ? _("authentication key") : NULL;
  if (node->type != IMAGE_NODE_DO)
    return NULL;
  if (slot >= 0)
    return slot == 0 ? _("certificate of the signature key") : slot == 1
      ? _("certificate of the decryption key")
      : _("certificate of the authentication key");
  if (node->tag == 0x7F21)
    return _("certificates (one per key)");
  d = agent_openpgp_def (node->tag);
  return d ? _(d->desc) : NULL;
}

static bool
opg_node_blank (const image_node_t *n)
{
  const agent_openpgp_def_t *d;
  size_t i;

  switch (n->type)
    {
    case IMAGE_NODE_APPLET:
      return true;
    case IMAGE_NODE_KEY:
      return false;
    case IMAGE_NODE_DO:
      break;
    default:
      return true;
    }
  if (agent_openpgp_slot_of (n) >= 0 || n->tag == 0x7F21)
    return !n->content_len;
  d = agent_openpgp_def (n->tag);
  if (!d || (d->flags & (F_RO | F_FIRST | F_KDF))
      || (n->tag >= 0xC1 && n->tag <= 0xC3))
    return true;                      /* card-defined or settings */
  if (n->tag == 0x5F35)               /* salutation: 0 or 9 = unset */
    return !n->content_len || n->content[0] == 0x30 || n->content[0] == 0x39
      || n->content[0] == 0;
  for (i = 0; i < n->content_len; i++)
    if (n->content[i])
      return false;
  return true;
}

/* PW1 (81 signing, 82 other commands) and PW3 83 (OpenPGP card 3.4,
 * 4.3): the spec's minimum lengths; PW1 82 is changed as 81. */
static void
opg_pin_info (uint8_t ref, agency_pin_info_t *info)
{
  snprintf (info->label, sizeof info->label, "%s",
            ref == 0x83 ? "PW3" : "PW1");
  info->min_len = ref == 0x83 ? 8 : 6;
  info->max_len = 127;
  /* One PW1 for 81 and 82; CHANGE REFERENCE DATA names it 81 (7.2.2). */
  if (ref == 0x82)
    info->changed_as = 0x81;
}

/* Escrowed keys: sig, dec, aut with the algorithms the card takes. */
static gpg_error_t
opg_key_slot (const char *slot, const char *algo, agency_key_slot_t *ks,
              char *errbuf, size_t errsize)
{
  const agent_keys_algo_t *al = agent_keys_algo (algo);
  static const char *const names[3] = { "sig", "dec", "aut" };
  int i, k = -1;

  for (i = 0; i < 3; i++)
    if (slot && !strcasecmp (slot, names[i]))
      k = i;
  if (k < 0)
    {
      snprintf (errbuf, errsize,
                _("OpenPGP key slot must be sig, dec or aut"));
      return gpg_error (GPG_ERR_INV_ARG);
    }
  if (!al || !strncmp (al->name, "ecc", 3)
      || (al->kind == AGENT_KEYS_CV25519 && k != 1)
      || (al->kind == AGENT_KEYS_ED25519 && k == 1))
    {
      snprintf (errbuf, errsize,
                _("algorithm '%s' does not fit the OpenPGP %s key "
                  "(sig/aut: rsa2048 rsa3072 rsa4096 nistp256 nistp384 "
                  "ed25519; dec: rsa*, nistp*, cv25519)"),
                algo ? algo : "", names[k]);
      return gpg_error (GPG_ERR_PUBKEY_ALGO);
    }
  snprintf (ks->path, sizeof ks->path, "%s/%s", AGENT_NAME,
            agent_openpgp_slots[k].name);
  snprintf (ks->usage, sizeof ks->usage, "%s", agent_openpgp_slots[k].usage);
  ks->openpgp_slot = k;
  return 0;
}

const agent_t agent_openpgp = {
  .name = AGENT_NAME,
  .summary = N_("OpenPGP card application 3.4"),
  .match = opg_match,
  .discover = opg_discover,
  .read = opg_read,
  .plan_restore = opg_plan_restore,
  .write = agent_openpgp_write_entry,
  .describe = opg_describe,
  .select = opg_select,
  .pin_info = opg_pin_info,
  .node_blank = opg_node_blank,
  .key_slot = opg_key_slot
};
