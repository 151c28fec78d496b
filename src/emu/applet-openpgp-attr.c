/* applet-openpgp-attr.c - OpenPGP card 3.4 algorithm attributes (C1-C3,
 * FA) and OpenPGP v4 fingerprints of the card's keys (RFC 4880 12.2,
 * RFC 6637 for ECDH / ECDSA, EdDSA as GnuPG writes it) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <strings.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/tlv.h"
#include "common/pgp.h"
#include "emu-appdata.h"
#include "applet-openpgp.h"

/* ---- algorithm attributes ------------------------------------------ */

static const struct {
  const char *name;
  emu_key_type_t type;
  const uint8_t *oid;
  size_t oidlen;
} opg_curves[] = {
  { "nistp256", EMU_KEY_NISTP256,
    (const uint8_t *)"\x2A\x86\x48\xCE\x3D\x03\x01\x07", 8 },
  { "nistp384", EMU_KEY_NISTP384, (const uint8_t *)"\x2B\x81\x04\x00\x22", 5 },
  { "ed25519", EMU_KEY_ED25519,
    (const uint8_t *)"\x2B\x06\x01\x04\x01\xDA\x47\x0F\x01", 9 },
  { "cv25519", EMU_KEY_CV25519,
    (const uint8_t *)"\x2B\x06\x01\x04\x01\x97\x55\x01\x05\x01", 10 }
};

/* Attributes for algorithm NAME in slot SLOT into A; false if unknown
 * or not usable in that slot. */
bool
applet_openpgp_attr_by_name (const char *name, int slot, uint8_t *a,
                             size_t *alen)
{
  size_t i;

  if (!strncasecmp (name, "rsa", 3))
    {
      unsigned long bits;
      if (!emu_appdata_uint (name + 3, 4096, &bits)
          || (bits != 2048 && bits != 3072 && bits != 4096))
        return false;
      a[0] = 0x01;
      put_be16 (a + 1, (unsigned)bits);
      put_be16 (a + 3, 32);
      a[5] = 0x00;
      *alen = 6;
      return true;
    }
  for (i = 0; i < DIM (opg_curves); i++)
    if (!strcasecmp (name, opg_curves[i].name))
      {
        emu_key_type_t t = opg_curves[i].type;
        if (t == EMU_KEY_CV25519 && slot != OPG_DEC)
          return false;
        if (t == EMU_KEY_ED25519 && slot == OPG_DEC)
          return false;
        a[0] = slot == OPG_DEC ? 0x12 : t == EMU_KEY_ED25519 ? 0x16 : 0x13;
        memcpy (a + 1, opg_curves[i].oid, opg_curves[i].oidlen);
        *alen = 1 + opg_curves[i].oidlen;
        return true;
      }
  return false;
}

/* Decode attributes: key type and RSA bits.  False if unsupported. */
bool
applet_openpgp_attr_parse (const uint8_t *a, size_t n, int slot,
                           emu_key_type_t *type, unsigned *bits)
{
  size_t i;

  if (n >= 6 && a[0] == 0x01)
    {
      unsigned nb = get_be16 (a + 1);
      if (n != 6 || (nb != 2048 && nb != 3072 && nb != 4096)
          || get_be16 (a + 3) < 17 || get_be16 (a + 3) > 32 || a[5] > 0x03)
        return false;
      *type = EMU_KEY_RSA;
      *bits = nb;
      return true;
    }
  if (n < 2)
    return false;
  /* ECC: algorithm id, OID, optional import format byte 00 / FF. */
  for (i = 0; i < DIM (opg_curves); i++)
    {
      size_t ol = opg_curves[i].oidlen;
      emu_key_type_t t = opg_curves[i].type;

      if ((n != 1 + ol && !(n == 2 + ol && (a[n - 1] == 0 || a[n - 1] == 0xFF)))
          || memcmp (a + 1, opg_curves[i].oid, ol))
        continue;
      if (slot == OPG_DEC && a[0] != 0x12)
        return false;
      if (slot != OPG_DEC && !((a[0] == 0x13 && t != EMU_KEY_ED25519
                                && t != EMU_KEY_CV25519)
                               || (a[0] == 0x16 && t == EMU_KEY_ED25519)))
        return false;
      if (slot == OPG_DEC && t == EMU_KEY_ED25519)
        return false;
      *type = t;
      *bits = emu_crypto_ecc_size (t) * 8;
      return true;
    }
  return false;
}

const uint8_t *
applet_openpgp_attr_oid (const opg_slot_t *s, size_t *n)
{
  size_t i;
  for (i = 0; i < DIM (opg_curves); i++)
    if (s->attr_len >= 1 + opg_curves[i].oidlen
        && !memcmp (s->attr + 1, opg_curves[i].oid, opg_curves[i].oidlen))
      {
        *n = opg_curves[i].oidlen;
        return opg_curves[i].oid;
      }
  *n = 0;
  return NULL;
}

/* ---- OpenPGP v4 fingerprint of a slot's public key ------------------ */

gpg_error_t
applet_openpgp_attr_fingerprint (opg_slot_t *s, int slot)
{
  buf_t a = BUF_INIT, e = BUF_INIT;
  gpg_error_t err;
  const uint8_t *oid = NULL;
  size_t oidlen = 0;
  uint8_t algo = PGP_ALGO_RSA;

  err = emu_crypto_public (&s->key, &a, &e);
  if (err)
    goto leave;
  if (s->key.type != EMU_KEY_RSA)
    {
      oid = applet_openpgp_attr_oid (s, &oidlen);
      if (!oid)
        {
          err = gpg_error (GPG_ERR_INTERNAL);
          goto leave;
        }
      algo = slot == OPG_DEC ? PGP_ALGO_ECDH
        : s->key.type == EMU_KEY_ED25519 ? PGP_ALGO_EDDSA : PGP_ALGO_ECDSA;
    }
  err = pgp_fingerprint (s->time, algo, oid, oidlen, a.data, a.len, e.data,
                         e.len, s->key.type == EMU_KEY_NISTP384, s->fpr);
 leave:
  buf_free (&a);
  buf_free (&e);
  return err;
}

/* Algorithm information (FA): every attribute each key accepts. */
gpg_error_t
applet_openpgp_attr_info (buf_t *b)
{
  static const char *const names[] = { "rsa2048", "rsa3072", "rsa4096",
                                       "nistp256", "nistp384", "ed25519",
                                       "cv25519" };
  size_t mark, i, alen;
  uint8_t a[16];
  gpg_error_t err;
  int slot;

  err = tlv_begin (b, 0xFA, &mark);
  for (slot = 0; !err && slot < 3; slot++)
    for (i = 0; !err && i < DIM (names); i++)
      if (applet_openpgp_attr_by_name (names[i], slot, a, &alen))
        err = tlv_put (b, 0xC1 + (unsigned)slot, a, alen);
  if (!err)
    err = tlv_end (b, mark);
  return err;
}
