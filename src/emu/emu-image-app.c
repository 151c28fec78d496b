/* emu-image-app.c - the OpenPGP and PIV applications of a card image as
 * applets of the emulated card (vscemu --vsc: the VSC as a stand-in
 * token; see emu-image.h)
 *
 * The applet root of the image ("openpgp", "piv") is turned into the
 * option list of the applet's own profile parser (doc/card-profile.md,
 * "Applets: openpgp and piv"): data objects, certificates, algorithm
 * attributes, creation times, and the escrowed private keys of the VSC's
 * secret-key area as `key-SLOT=ALG,E,P,Q' / `ALG,D'.  That list holds key
 * material and PINs: it is built in a secure buffer, handed to the
 * applet's create(), and wiped; the card keeps no copy of it (the
 * applet's `options' stay empty, so nothing can write them out).  Keys
 * born on the card have no escrowed content: their slots stay empty and
 * are listed in the report. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/hex.h"
#include "common/tlv.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu-int.h"
#include "emu-image.h"
#include "emu-crypto.h"

#define EMU_IMAGE_APP_PIV_OBJMAX 3072   /* the PIV applet's object limit */

/* The applet's factory values (applet-openpgp.c, applet-piv.c), named in
 * the report when the VSC holds no value of its own. */
#define EMU_IMAGE_APP_PW3 "12345678"
#define EMU_IMAGE_APP_PUK "12345678"
#define EMU_IMAGE_APP_MGMT "010203040506070801020304050607080102030405060708"

static const char *const emu_image_app_opg_slots[3] = { "sig", "dec", "aut" };

/* ---- the option list ------------------------------------------------ */

/* Append " K1K2=" to the option list O. */
static gpg_error_t
emu_image_app_key (buf_t *o, const char *k1, const char *k2)
{
  gpg_error_t err = o->len ? buf_append_byte (o, ' ') : 0;

  if (!err)
    err = buf_append (o, k1, strlen (k1));
  if (!err)
    err = buf_append (o, k2, strlen (k2));
  if (!err)
    err = buf_append_byte (o, '=');
  return err;
}

/* " KEY=hex:VALUE" */
static gpg_error_t
emu_image_app_hexopt (buf_t *o, const char *key, const uint8_t *p, size_t n)
{
  gpg_error_t err = emu_image_app_key (o, key, "");

  if (!err)
    err = buf_append (o, "hex:", 4);
  if (!err)
    err = hex_append (o, p, n, 0);
  return err;
}

/* " KEY=TEXT" (TEXT without blanks) */
static gpg_error_t
emu_image_app_textopt (buf_t *o, const char *key, const char *text)
{
  gpg_error_t err = emu_image_app_key (o, key, "");

  if (!err)
    err = buf_append (o, text, strlen (text));
  return err;
}

/* The DO TAG below the applet root APP with content, or NULL. */
static const image_node_t *
emu_image_app_do (const image_node_t *app, unsigned tag)
{
  const image_node_t *n;

  for (n = app->first_child; n; n = n->next)
    if (n->type == IMAGE_NODE_DO && n->tag == tag && n->has_content
        && n->content_len)
      return n;
  return NULL;
}

/* The key node NAME ("key-sig", "key-9A") below APP, or NULL. */
static const image_node_t *
emu_image_app_keynode (const image_node_t *app, const char *name)
{
  const image_node_t *n = image_find_child (app, name);

  return n && n->type == IMAGE_NODE_KEY ? n : NULL;
}

/* Note the key node N in the report: no key in the stand-in (born on
 * the card, or, with UNUSABLE or without that flag, another reason). */
static void
emu_image_app_nokey (const image_node_t *n, bool unusable,
                     emu_image_report_t *rep)
{
  char *path = image_node_path (n);
  bool other = unusable || !(n->flags & IMAGE_FLAG_NOT_EXTRACTABLE);
  char *list = other ? rep->other : rep->nokey;
  size_t size = other ? sizeof rep->other : sizeof rep->nokey;
  size_t len = strlen (list);

  if (path && len + strlen (path) + 3 < size)
    snprintf (list + len, size - len, "%s%s", len ? ", " : "", path);
  xfree (path);
}

/* ---- escrowed keys -------------------------------------------------- */

/* In the canonical S-expression S[0..N), the value of the first list
 * "(NAME VALUE ...)": *R_P / *R_N point into S.  False if there is none
 * or S is not canonical. */
static bool
emu_image_app_canon (const uint8_t *s, size_t n, const char *name,
                     const uint8_t **r_p, size_t *r_n)
{
  size_t i = 0, nlen = strlen (name);
  int pos = -1;                 /* atoms seen in the current list */
  bool want = false;

  while (i < n)
    {
      if (s[i] == '(')
        {
          pos = 0;
          want = false;
          i++;
        }
      else if (s[i] == ')')
        {
          pos = -1;
          i++;
        }
      else
        {
          size_t len = 0;
          while (i < n && s[i] >= '0' && s[i] <= '9' && len < 100000)
            len = len * 10 + (size_t)(s[i++] - '0');
          if (i >= n || s[i] != ':' || len > n - i - 1)
            return false;
          i++;
          if (pos == 0)
            want = len == nlen && !memcmp (s + i, name, nlen);
          else if (pos == 1 && want)
            {
              *r_p = s + i;
              *r_n = len;
              return true;
            }
          if (pos >= 0)
            pos++;
          i += len;
        }
    }
  return false;
}

/* The escrowed key of node N as "ALG,E,P,Q" (RSA) or "ALG,D" (ECC)
 * appended to the option list O; *R_KEY gets the key (for its type).
 * GPG_ERR_INV_SEXP if the node holds no usable key. */
static gpg_error_t
emu_image_app_keyval (const image_node_t *n, emu_key_t *key, buf_t *o)
{
  static const char *const rsa[3] = { "e", "p", "q" };
  buf_t sx, canon;
  gpg_error_t err;
  const uint8_t *p;
  size_t len, i;
  char alg[16];

  buf_init_secure (&sx);
  buf_init_secure (&canon);
  /* A secure copy first: libgcrypt then keeps the parsed key in secure
   * memory too. */
  err = buf_set (&sx, n->content, n->content_len);
  if (!err)
    err = emu_crypto_der_from_sexp (key, sx.data, sx.len);
  if (err)
    {
      err = gpg_error (GPG_ERR_INV_SEXP);
      goto leave;
    }
  len = gcry_sexp_sprint (key->sexp, GCRYSEXP_FMT_CANON, NULL, 0);
  if (!len || (err = buf_reserve (&canon, len)))
    {
      err = err ? err : gpg_error (GPG_ERR_INV_SEXP);
      goto leave;
    }
  canon.len = gcry_sexp_sprint (key->sexp, GCRYSEXP_FMT_CANON,
                                canon.data, len);
  if (key->type == EMU_KEY_RSA)
    snprintf (alg, sizeof alg, "rsa%u", key->bits);
  else
    snprintf (alg, sizeof alg, "%s", emu_crypto_name (key));
  err = buf_append (o, alg, strlen (alg));
  for (i = 0; !err && i < (key->type == EMU_KEY_RSA ? 3u : 1u); i++)
    {
      if (!emu_image_app_canon (canon.data, canon.len,
                                key->type == EMU_KEY_RSA ? rsa[i] : "d",
                                &p, &len) || !len)
        err = gpg_error (GPG_ERR_INV_SEXP);
      if (!err)
        err = buf_append_byte (o, ',');
      if (!err)
        err = hex_append (o, p, len, 0);
    }
 leave:
  buf_free (&sx);
  buf_free (&canon);
  return err;
}

/* ---- PINs ----------------------------------------------------------- */

/* A PIN for applet APP: the one the VSC stores for REF (or REF2 if not
 * 0), if MIN..MAX bytes long, else GIVEN (--pin; NULL: none).  Appends
 * " KEY=hex:..." to O unless there is no value; *R_FROM says where it
 * came from: 's' stored, 'g' given, 0 none (the applet's default). */
static gpg_error_t
emu_image_app_pin (const image_t *image, const char *app, unsigned ref,
                   unsigned ref2, const char *given, size_t min, size_t max,
                   const char *key, buf_t *o, char *r_from)
{
  const image_node_t *n = emu_image_stored_pin (image, app, ref);

  if (!n && ref2)
    n = emu_image_stored_pin (image, app, ref2);
  *r_from = 0;
  if (n && n->content_len >= min && n->content_len <= max)
    {
      *r_from = 's';
      return emu_image_app_hexopt (o, key, n->content, n->content_len);
    }
  if (n)
    log_info (_("%s: the PIN the VSC stores for %02X does not fit the "
                "applet (%u to %u characters); it is not used\n"), app, ref,
              (unsigned)min, (unsigned)max);
  if (!given)
    return 0;
  if (strlen (given) < min || strlen (given) > max)
    {
      log_error (_("%s: --pin must have %u to %u characters for this "
                   "applet\n"), app, (unsigned)min, (unsigned)max);
      return gpg_error (GPG_ERR_INV_VALUE);
    }
  *r_from = 'g';
  return emu_image_app_hexopt (o, key, (const uint8_t *)given,
                               strlen (given));
}

/* The report's sentence for one PIN (FROM: 's' stored, 'g' --pin,
 * 'p' PIN-protected in the printed information, 0 the default DFLT). */
static void
emu_image_app_pin_text (emu_image_report_t *rep, const char *what,
                        char from, const char *dflt)
{
  size_t len = strlen (rep->pins);

  if (len + 2 >= sizeof rep->pins)
    return;
  if (from == 's')
    snprintf (rep->pins + len, sizeof rep->pins - len,
              _("%s: the value stored in the VSC\n"), what);
  else if (from == 'g')
    snprintf (rep->pins + len, sizeof rep->pins - len,
              _("%s: the value of --pin\n"), what);
  else if (from == 'p')
    snprintf (rep->pins + len, sizeof rep->pins - len,
              _("%s: the PIN-protected key the VSC stores in the printed "
                "information\n"), what);
  else
    snprintf (rep->pins + len, sizeof rep->pins - len,
              _("%s: %s (factory default)\n"), what, dflt);
}

/* ---- OpenPGP -------------------------------------------------------- */

/* Name of the algorithm in OpenPGP attributes A[0..N) that the applet
 * takes in SLOT (0 sig, 1 dec, 2 aut); NULL if none. */
static const char *
emu_image_app_opg_attr (const uint8_t *a, size_t n, int slot)
{
  static const struct { const char *name; const char *oid; size_t len; }
  curves[] = {
    { "nistp256", "\x2A\x86\x48\xCE\x3D\x03\x01\x07", 8 },
    { "nistp384", "\x2B\x81\x04\x00\x22", 5 },
    { "ed25519", "\x2B\x06\x01\x04\x01\xDA\x47\x0F\x01", 9 },
    { "cv25519", "\x2B\x06\x01\x04\x01\x97\x55\x01\x05\x01", 10 }
  };
  size_t i;

  if (n >= 3 && a[0] == 0x01)
    switch (get_be16 (a + 1))
      {
      case 2048: return "rsa2048";
      case 3072: return "rsa3072";
      case 4096: return "rsa4096";
      default: return NULL;
      }
  if (n >= 2 && a[n - 1] == 0xFF)
    n--;                        /* import format "with public key" */
  for (i = 0; n > 1 && i < DIM (curves); i++)
    if (n - 1 == curves[i].len && !memcmp (a + 1, curves[i].oid, n - 1))
      {
        if ((i == 2 && slot == 1) || (i == 3 && slot != 1))
          return NULL;
        return curves[i].name;
      }
  return NULL;
}

/* Can the OpenPGP applet hold KEY in SLOT? */
static bool
emu_image_app_opg_fits (const emu_key_t *key, int slot)
{
  switch (key->type)
    {
    case EMU_KEY_RSA:
      return key->bits == 2048 || key->bits == 3072 || key->bits == 4096;
    case EMU_KEY_NISTP256:
    case EMU_KEY_NISTP384:
      return true;
    case EMU_KEY_ED25519:
      return slot != 1;
    case EMU_KEY_CV25519:
      return slot == 1;
    default:
      return false;
    }
}

/* attr-, time-, key- and cert- options of SLOT. */
static gpg_error_t
emu_image_app_opg_slot (const image_node_t *app, int slot, buf_t *o,
                        emu_image_report_t *rep, unsigned *r_keys)
{
  static const unsigned cert_tag[3] = { 0xB6, 0xB8, 0xA4 };
  const char *sn = emu_image_app_opg_slots[slot];
  const image_node_t *kn, *at, *cd, *c7f21, *cert = NULL;
  emu_key_t key = { 0, 0, NULL };
  char name[16];
  uint32_t t = 0;
  gpg_error_t err = 0;
  size_t mark;

  snprintf (name, sizeof name, "key-%s", sn);
  kn = emu_image_app_keynode (app, name);
  at = emu_image_app_do (app, 0xC1 + (unsigned)slot);
  cd = emu_image_app_do (app, 0xCD);
  if (kn && kn->has_content && kn->content_len)
    {
      mark = o->len;
      if (!util_time_parse (kn->key.created, &t))
        t = 0;
      if (!t && cd && cd->content_len >= 12)
        t = get_be32 (cd->content + 4 * slot);
      if (t)
        {
          char num[24];
          snprintf (num, sizeof num, "%lu", (unsigned long)t);
          err = emu_image_app_key (o, "time-", sn);
          if (!err)
            err = buf_append (o, num, strlen (num));
        }
      if (!err)
        err = emu_image_app_key (o, "key-", sn);
      if (!err)
        err = emu_image_app_keyval (kn, &key, o);
      if (!err && !emu_image_app_opg_fits (&key, slot))
        err = gpg_error (GPG_ERR_PUBKEY_ALGO);
      if (err && gpg_err_code (err) != GPG_ERR_INV_SEXP
          && gpg_err_code (err) != GPG_ERR_PUBKEY_ALGO)
        goto leave;
      if (err)
        {
          log_info (_("openpgp/%s: the escrowed key (%s) cannot go into "
                      "the applet's %s slot; the slot stays empty\n"), name,
                    key.type ? emu_crypto_name (&key) : "?", sn);
          emu_image_app_nokey (kn, true, rep);
          buf_truncate (o, mark);
          err = 0;
        }
      else
        (*r_keys)++;
    }
  else
    {
      if (kn)
        emu_image_app_nokey (kn, false, rep);
      if (at && emu_image_app_opg_attr (at->content, at->content_len, slot))
        err = emu_image_app_textopt (o, slot == 0 ? "attr-sig"
                                     : slot == 1 ? "attr-dec" : "attr-aut",
                                     emu_image_app_opg_attr
                                       (at->content, at->content_len, slot));
    }

  /* The certificate: 7F21 occurrence of the slot (B6/B8/A4 below it), or
   * a 7F21 without occurrences for the authentication key. */
  c7f21 = image_find_child (app, "7F21");
  if (!err && c7f21)
    {
      char comp[4];
      snprintf (comp, sizeof comp, "%02X", cert_tag[slot]);
      cert = image_find_child (c7f21, comp);
      if (!cert && slot == 2 && !c7f21->first_child)
        cert = c7f21;
      if (cert && cert->has_content && cert->content_len
          && cert->content_len <= 2048)
        {
          snprintf (name, sizeof name, "cert-%s", sn);
          err = emu_image_app_hexopt (o, name, cert->content,
                                      cert->content_len);
        }
    }
 leave:
  emu_crypto_key_free (&key);
  return err;
}

/* The simple DOs: AID parts, cardholder data, private DOs, counters. */
static gpg_error_t
emu_image_app_opg_dos (const image_node_t *app, buf_t *o,
                       emu_image_report_t *rep)
{
  static const struct { unsigned tag; const char *key; size_t max; } dos[] = {
    { 0x5B, "name", 39 }, { 0x5F2D, "lang", 8 }, { 0x5F35, "sex", 1 },
    { 0x5E, "login", 255 }, { 0x5F50, "url", 255 },
    { 0x0101, "private1", 255 }, { 0x0102, "private2", 255 },
    { 0x0103, "private3", 255 }, { 0x0104, "private4", 255 }
  };
  const image_node_t *n;
  gpg_error_t err = 0;
  size_t i;
  tlv_t t;

  n = emu_image_app_do (app, 0x4F);
  if (n && n->content_len == 16)
    {
      err = emu_image_app_hexopt (o, "version", n->content + 6, 2);
      if (!err)
        err = emu_image_app_hexopt (o, "manufacturer", n->content + 8, 2);
      if (!err)
        err = emu_image_app_hexopt (o, "serial", n->content + 10, 4);
    }
  for (i = 0; !err && i < DIM (dos); i++)
    if (!(n = emu_image_app_do (app, dos[i].tag)))
      continue;
    else if (n->content_len > dos[i].max)
      rep->skipped++;           /* longer than the applet takes */
    else
      err = emu_image_app_hexopt (o, dos[i].key, n->content, n->content_len);
  /* The signature counter: 93 in 7A (the content with or without 7A). */
  n = emu_image_app_do (app, 0x7A);
  if (!err && n)
    {
      const uint8_t *p = n->content;
      size_t len = n->content_len;
      if (!tlv_parse (p, len, &t, NULL) && t.tag == 0x7A)
        p = t.value, len = t.len;
      if (!tlv_find (p, len, 0x93, &t) && t.len >= 1 && t.len <= 3)
        {
          char num[24];
          unsigned long v = 0;
          for (i = 0; i < t.len; i++)
            v = v << 8 | t.value[i];
          snprintf (num, sizeof num, "%lu", v);
          err = emu_image_app_textopt (o, "sigcount", num);
        }
    }
  n = emu_image_app_do (app, 0xC4);
  if (!err && n && n->content[0] == 0x01)
    err = emu_image_app_textopt (o, "pw1-multi", "yes");
  return err;
}

/* Send one command to the applet A (setting up what its options cannot
 * say); the status word, or 0 after an internal error. */
static unsigned
emu_image_app_tx (emu_applet_t *a, uint8_t ins, uint8_t p1, uint8_t p2,
                  const uint8_t *data, size_t lc, buf_t *out)
{
  applet_cmd_t cmd;
  applet_reply_t r;
  unsigned sw;

  memset (&cmd, 0, sizeof cmd);
  cmd.ins = ins;
  cmd.p1 = p1;
  cmd.p2 = p2;
  cmd.data = lc ? data : NULL;
  cmd.lc = lc;
  cmd.ne = 256;
  memset (&r, 0, sizeof r);
  buf_init_secure (&r.data);
  r.sw = 0x9000;
  sw = a->ops->apdu (a->state, &cmd, &r) ? 0 : r.sw;
  if (out)
    buf_set (out, r.data.data, r.data.len);
  buf_free (&r.data);
  return sw;
}

/* After create: the CA fingerprints (C6 -> PUT DATA CA-CC after PW3),
 * and a check that the fingerprints the applet computed from the keys
 * and times are the ones the VSC records. */
static void
emu_image_app_opg_after (const image_node_t *app, emu_applet_t *a,
                         const buf_t *pw3)
{
  const image_node_t *ca = emu_image_app_do (app, 0xC6), *kn;
  static const uint8_t zero[20];
  buf_t fpr = BUF_INIT;
  unsigned i;

  if (ca && ca->content_len == 60
      && emu_image_app_tx (a, 0x20, 0x00, 0x83, pw3->data, pw3->len,
                           NULL) == 0x9000)
    for (i = 0; i < 3; i++)
      if (memcmp (ca->content + 20 * i, zero, 20)
          && emu_image_app_tx (a, 0xDA, 0x00, 0xCA + i, ca->content + 20 * i,
                               20, NULL) != 0x9000)
        log_info (_("openpgp: CA fingerprint %u not set\n"), i + 1);
  a->ops->power_off (a->state);
  if (emu_image_app_tx (a, 0xCA, 0x00, 0xC5, NULL, 0, &fpr) != 0x9000
      || fpr.len != 60)
    goto leave;
  for (i = 0; i < 3; i++)
    {
      char name[16], hex[41];
      snprintf (name, sizeof name, "key-%s", emu_image_app_opg_slots[i]);
      kn = emu_image_app_keynode (app, name);
      if (!kn || !kn->has_content || !kn->content_len || !kn->key.fingerprint
          || !memcmp (fpr.data + 20 * i, zero, 20))
        continue;
      hex_encode (fpr.data + 20 * i, 20, hex);
      if (strcasecmp (hex, kn->key.fingerprint))
        log_info (_("openpgp/%s: the stand-in's fingerprint %s is not the "
                    "one the VSC records (%s)\n"), name, hex,
                  kn->key.fingerprint);
    }
 leave:
  buf_free (&fpr);
}

/* ---- PIV ------------------------------------------------------------ */

static bool
emu_image_app_piv_tag (unsigned tag)
{
  return tag == 0x7F61 || (tag >= 0x5FC101 && tag <= 0x5FC123)
         || (tag >= 0x5FFF00 && tag <= 0x5FFF15);
}

/* The PIV options: objects (certificates, CHUID, CCC, ...) and keys. */
static gpg_error_t
emu_image_app_piv (const image_node_t *app, buf_t *o,
                   emu_image_report_t *rep, unsigned *r_keys)
{
  const image_node_t *n;
  uint8_t ver[3];
  gpg_error_t err = 0;

  if (image_node_yubikey (app, ver))
    {
      char v[16];
      snprintf (v, sizeof v, "%u.%u.%u", ver[0], ver[1], ver[2]);
      err = emu_image_app_textopt (o, "version", v);
    }
  for (n = app->first_child; !err && n; n = n->next)
    if (n->type == IMAGE_NODE_DO && emu_image_app_piv_tag (n->tag)
        && n->has_content && n->content_len)
      {
        char key[16];
        if (n->content_len > EMU_IMAGE_APP_PIV_OBJMAX)
          {
            rep->skipped++;
            continue;
          }
        snprintf (key, sizeof key, "object-%X", n->tag);
        err = emu_image_app_hexopt (o, key, n->content, n->content_len);
      }
    else if (n->type == IMAGE_NODE_KEY && n->name
             && !strncasecmp (n->name, "key-", 4))
      {
        unsigned long ref = strtoul (n->name + 4, NULL, 16);
        emu_key_t key = { 0, 0, NULL };
        size_t mark = o->len;

        if (ref != 0x9A && ref != 0x9C && ref != 0x9D && ref != 0x9E
            && (ref < 0x82 || ref > 0x95))
          continue;
        if (!n->has_content || !n->content_len)
          {
            emu_image_app_nokey (n, false, rep);
            continue;
          }
        err = emu_image_app_key (o, "key-", n->name + 4);
        if (!err)
          err = emu_image_app_keyval (n, &key, o);
        if (!err && !(key.type == EMU_KEY_NISTP256
                      || key.type == EMU_KEY_NISTP384
                      || (key.type == EMU_KEY_RSA
                          && (key.bits == 1024 || key.bits == 2048))))
          err = gpg_error (GPG_ERR_PUBKEY_ALGO);
        if (gpg_err_code (err) == GPG_ERR_INV_SEXP
            || gpg_err_code (err) == GPG_ERR_PUBKEY_ALGO)
          {
            log_info (_("piv/%s: the escrowed key (%s) cannot go into the "
                        "applet; the slot stays empty\n"), n->name,
                      key.type ? emu_crypto_name (&key) : "?");
            emu_image_app_nokey (n, true, rep);
            buf_truncate (o, mark);
            err = 0;
          }
        else if (!err)
          (*r_keys)++;
        emu_crypto_key_free (&key);
      }
  return err;
}

/* The PIN-protected management key a YubiKey tool keeps in the printed
 * information (5FC109: 88 { 89 KEY }), as mgmt= if it is a 3DES key;
 * true if there was one. */
static bool
emu_image_app_piv_mgmt (const image_node_t *app, buf_t *o, gpg_error_t *r_err)
{
  const image_node_t *pi = emu_image_app_do (app, 0x5FC109);
  tlv_t t88, t89;

  *r_err = 0;
  if (!pi || tlv_find (pi->content, pi->content_len, 0x88, &t88)
      || tlv_find (t88.value, t88.len, 0x89, &t89) || t89.len != 24)
    return false;
  *r_err = emu_image_app_hexopt (o, "mgmt", t89.value, t89.len);
  return true;
}

/* ---- the applets ---------------------------------------------------- */

/* Make the applet NAME from the option list O (wiped by the caller) and
 * add it to CARD. */
static gpg_error_t
emu_image_app_create (emu_card_t *card, const char *name, const buf_t *o,
                      emu_applet_t **r_applet)
{
  const applet_ops_t *ops = applet_find (name);
  gpg_error_t err;

  if (!ops)
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  /* Not the list: it holds keys and PINs, and the card would keep it in
   * ordinary memory.  Nothing writes it out (--vsc has no state file). */
  err = emu_card_applet_add (card, ops, (const char *)o->data, "", r_applet);
  if (err)
    log_error (_("the %s applet refused the data of the VSC\n"), name);
  return err;
}

gpg_error_t
emu_image_app_add (emu_card_t *card, const image_t *image,
                   const image_node_t *app, const char *pin,
                   emu_image_report_t *rep)
{
  const char *name = app->name;
  emu_applet_t *a = NULL;
  buf_t o, pw3;
  unsigned keys = 0;
  gpg_error_t err = 0;
  char from1 = 0, from2 = 0;
  bool mgmt = false;
  int i;

  buf_init_secure (&o);
  buf_init_secure (&pw3);
  if (!name || (strcmp (name, "openpgp") && strcmp (name, "piv")))
    {
      rep->skipped++;
      goto leave;
    }
  if (!strcmp (name, "openpgp"))
    {
      const image_node_t *n = emu_image_stored_pin (image, name, 0x83);
      err = emu_image_app_pin (image, name, 0x82, 0x81, pin, 6, 127, "pw1",
                               &o, &from1);
      if (!err)
        err = emu_image_app_pin (image, name, 0x83, 0, NULL, 8, 127, "pw3",
                                 &o, &from2);
      if (!err)
        err = from2 ? buf_set (&pw3, n->content, n->content_len)
                    : buf_set (&pw3, EMU_IMAGE_APP_PW3,
                               strlen (EMU_IMAGE_APP_PW3));
      if (!err)
        err = emu_image_app_opg_dos (app, &o, rep);
      for (i = 0; !err && i < 3; i++)
        err = emu_image_app_opg_slot (app, i, &o, rep, &keys);
    }
  else
    {
      err = emu_image_app_pin (image, name, 0x80, 0, pin, 6, 8, "pin", &o,
                               &from1);
      if (!err)
        err = emu_image_app_pin (image, name, 0x81, 0, NULL, 6, 8, "puk",
                                 &o, &from2);
      if (!err)
        err = emu_image_app_piv (app, &o, rep, &keys);
      if (!err)
        mgmt = emu_image_app_piv_mgmt (app, &o, &err);
    }
  if (!err)
    err = buf_append_byte (&o, 0);
  if (!err)
    err = emu_image_app_create (card, name, &o, &a);
  if (err)
    goto leave;
  if (!strcmp (name, "openpgp"))
    {
      emu_image_app_opg_after (app, a, &pw3);
      emu_image_app_pin_text (rep, "OpenPGP PW1", from1, "123456");
      emu_image_app_pin_text (rep, "OpenPGP PW3", from2, EMU_IMAGE_APP_PW3);
    }
  else
    {
      emu_image_app_pin_text (rep, "PIV PIN", from1, "123456");
      emu_image_app_pin_text (rep, "PIV PUK", from2, EMU_IMAGE_APP_PUK);
      emu_image_app_pin_text (rep, _("PIV management key"), mgmt ? 'p' : 0,
                              EMU_IMAGE_APP_MGMT);
    }
  rep->applets++;
  rep->keys += keys;
 leave:
  buf_free (&o);
  buf_free (&pw3);
  return err;
}
