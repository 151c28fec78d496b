/* emu-iso8.c - the file-system card's key operations (ISO/IEC 7816-8,
 * ISO/IEC 7816-4 7.5): private keys in internal EFs, MANAGE SECURITY
 * ENVIRONMENT (22) SET and RESTORE, PERFORM SECURITY OPERATION (2A)
 * COMPUTE DIGITAL SIGNATURE and DECIPHER, INTERNAL AUTHENTICATE (88).
 * Written from the standards, not from the agents.
 *
 * A key lives in an internal EF (file descriptor byte 09) as DER
 * (PKCS #1 RSAPrivateKey, SEC 1 ECPrivateKey, or either in PKCS #8):
 * writing that DER with UPDATE BINARY is the key import. READ BINARY of
 * an internal EF is refused (6981); the EF's read condition is the
 * condition for using the key. MSE SET names the key by file reference
 * (81: a FID in the current DF or a path from the MF) or by key
 * reference (83/84: the internal EF 30xx of the current DF), and the
 * algorithm (80) as this card numbers it:
 *
 *   00  RSA: signature input is the whole block (raw); decipher returns
 *       the whole block.  ECDSA: the input is the hash.
 *   11  RSA PKCS #1 v1.5: the card pads the input (a DigestInfo) for a
 *       signature, and removes the padding after deciphering.
 *   21  ECDSA: the card hashes the input with SHA-1 first.
 *   22  ECDSA over a hash given by the host.
 *   none: RSA signatures PKCS #1 v1.5 unless the input fills the
 *       modulus, RSA decipher PKCS #1 v1.5; ECDSA over the given hash.
 *
 * ECDSA signatures are answered as the DER SEQUENCE { r, s }. The current
 * security environment is volatile (dropped at power off).
 *
 * Profiles may also ask the card to answer a SELECT of the IsoApplet AID
 * (`isoapplet yes`): OpenSC's default driver registers no algorithms
 * and so never uses a key; its isoApplet driver speaks exactly these
 * commands, and binds when that SELECT answers an API version. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "common/tlv.h"
#include "emu-int.h"
#include "emu-crypto.h"

static const uint8_t emu_iso8_isoapplet_aid[] = {
  0xF2, 0x76, 0xA2, 0x88, 0xBC, 0xFB, 0xA6, 0x9D, 0x34, 0xF3, 0x10, 0x01
};

void
emu_iso8_reset (emu_card_t *card)
{
  card->se_crt = 0;
  card->se_alg = -1;
  card->se_key = NULL;
}

bool
emu_iso8_select (emu_card_t *card, const applet_cmd_t *cmd,
                 applet_reply_t *r, gpg_error_t *r_err)
{
  uint8_t v[3];

  *r_err = 0;
  if (!card->isoapplet || cmd->p1 != 0x04 || cmd->lc < 5
      || cmd->lc > sizeof emu_iso8_isoapplet_aid
      || memcmp (cmd->data, emu_iso8_isoapplet_aid, cmd->lc))
    return false;
  /* API version 00 06; features: GET CHALLENGE, ECC, extended length. */
  v[0] = 0x00;
  v[1] = 0x06;
  v[2] = 0x02 | 0x04 | (card->ext ? 0x01 : 0x00);
  card->cur_df = card->mf;
  card->cur_ef = NULL;
  card->cur_rec = 0;
  emu_iso8_reset (card);
  r->sw = SW_OK;
  *r_err = buf_append (&r->data, v, sizeof v);
  return true;
}

/* Is F (still) in the tree below DF? */
static bool
emu_iso8_in_tree (const emu_file_t *df, const emu_file_t *f)
{
  const emu_file_t *c;
  for (c = df->child; c; c = c->next)
    if (c == f || (c->type == EMU_DF && emu_iso8_in_tree (c, f)))
      return true;
  return false;
}

/* The key file a file reference names. */
static emu_file_t *
emu_iso8_file_ref (emu_card_t *card, const uint8_t *p, size_t n)
{
  emu_file_t *f;
  size_t i = 0;

  if (n == 2)
    {
      unsigned fid = get_be16 (p);
      if (card->cur_ef && card->cur_ef->fid == fid)
        return card->cur_ef;
      return emu_fs_child_fid (card->cur_df, fid);
    }
  if (n < 4 || (n & 1))
    return NULL;
  f = card->mf;
  if (get_be16 (p) == 0x3F00)
    i = 2;
  for (; f && i + 1 < n; i += 2)
    f = f->type == EMU_DF ? emu_fs_child_fid (f, get_be16 (p + i)) : NULL;
  return f;
}

gpg_error_t
emu_iso8_mse (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  tlv_iter_t it;
  tlv_t t;
  emu_file_t *key = NULL;
  int alg = -1;
  bool have_ref = false;
  gpg_error_t err;

  if (cmd->p1 == 0xF3)
    {
      /* RESTORE: this card keeps no stored environments; every number
       * gives back the empty one. */
      emu_iso8_reset (card);
      r->sw = cmd->lc ? SW_LC_INCONSISTENT : SW_OK;
      return 0;
    }
  if (cmd->p1 != 0x41
      || (cmd->p2 != 0xB6 && cmd->p2 != 0xB8 && cmd->p2 != 0xA4))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (tlv_validate (cmd->data, cmd->lc, 1))
    return applet_reply_sw (r, SW_WRONG_DATA);
  tlv_iter_init (&it, cmd->data, cmd->lc, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      switch (t.tag)
        {
        case 0x80:
          if (t.len != 1)
            return applet_reply_sw (r, SW_WRONG_DATA);
          alg = t.value[0];
          break;
        case 0x81:
          key = emu_iso8_file_ref (card, t.value, t.len);
          have_ref = true;
          if (!key)
            return applet_reply_sw (r, SW_REF_NOT_FOUND);
          break;
        case 0x83:
        case 0x84:
          if (t.len != 1)
            return applet_reply_sw (r, SW_WRONG_DATA);
          if (!have_ref)
            {
              /* The key reference names the internal EF 30xx. */
              key = emu_fs_child_fid (card->cur_df, 0x3000 | t.value[0]);
              if (!key)
                return applet_reply_sw (r, SW_REF_NOT_FOUND);
            }
          break;
        default:
          break;        /* other CRT data objects: not used here */
        }
    }
  if (!key && card->cur_ef && card->cur_ef->internal)
    key = card->cur_ef;
  if (!key || key->type != EMU_EF_TRANSPARENT || !key->internal)
    return applet_reply_sw (r, SW_REF_NOT_FOUND);
  if (alg >= 0 && alg != 0x00 && alg != 0x11 && alg != 0x21 && alg != 0x22)
    return applet_reply_sw (r, SW_WRONG_DATA);
  card->se_crt = cmd->p2;
  card->se_alg = alg;
  card->se_key = key;
  r->sw = SW_OK;
  return 0;
}

/* Load the key of the current environment for CRT; 0 or a SW. */
static unsigned
emu_iso8_key (emu_card_t *card, uint8_t crt, emu_key_t *key)
{
  emu_file_t *f = card->se_key;
  unsigned sw;
  tlv_t t;

  if (card->se_crt != crt || !f || !emu_iso8_in_tree (card->mf, f))
    return SW_COND_NOT_SATISFIED;
  if (f->deactivated)
    return SW_COND_NOT_SATISFIED;
  sw = emu_fs_check (card, f, EMU_AC_READ);
  if (sw)
    return sw;
  /* The DER may be followed by the rest of a larger file. */
  if (tlv_parse (f->data.data, f->data.len, &t, NULL)
      || emu_crypto_der_load (key, t.raw, t.raw_len))
    return SW_REF_DATA_UNUSABLE;
  return 0;
}

static unsigned
emu_iso8_sign (emu_card_t *card, uint8_t crt, const uint8_t *in, size_t n,
               buf_t *out, gpg_error_t *r_err)
{
  emu_key_t key;
  unsigned sw;
  gpg_error_t err = 0;
  int alg = card->se_alg;
  uint8_t h[20];

  memset (&key, 0, sizeof key);
  *r_err = 0;
  sw = emu_iso8_key (card, crt, &key);
  if (sw)
    return sw;
  if (key.type == EMU_KEY_RSA)
    {
      size_t k = (key.bits + 7) / 8;
      if (alg == 0x21 || alg == 0x22)
        sw = SW_COND_NOT_SATISFIED;
      else if (alg == 0x00 || (alg < 0 && n == k))
        err = emu_crypto_rsa_raw (&key, in, n, out);
      else
        err = emu_crypto_rsa_sign (&key, in, n, out);
    }
  else if (key.type == EMU_KEY_NISTP256 || key.type == EMU_KEY_NISTP384)
    {
      if (alg == 0x11)
        sw = SW_COND_NOT_SATISFIED;
      else if (alg == 0x21)
        {
          emu_crypto_der_sha1 (in, n, h);
          err = emu_crypto_ecdsa_sign (&key, h, sizeof h, true, out);
        }
      else
        err = emu_crypto_ecdsa_sign (&key, in, n, true, out);
    }
  else
    sw = SW_COND_NOT_SATISFIED;
  if (gpg_err_code (err) == GPG_ERR_INV_LENGTH)
    {
      err = 0;
      sw = SW_WRONG_DATA;
    }
  emu_crypto_key_free (&key);
  *r_err = err;
  return sw ? sw : SW_OK;
}

gpg_error_t
emu_iso8_pso (void *state, const applet_cmd_t *cmd, applet_reply_t *r)
{
  emu_card_t *card = state;
  emu_key_t key;
  gpg_error_t err = 0;
  unsigned sw;

  memset (&key, 0, sizeof key);
  if (cmd->p1 == 0x9E && cmd->p2 == 0x9A)
    {
      if (!cmd->lc)
        return applet_reply_sw (r, SW_WRONG_LENGTH);
      r->sw = emu_iso8_sign (card, 0xB6, cmd->data, cmd->lc, &r->data, &err);
      return err;
    }
  if (cmd->p1 == 0x80 && cmd->p2 == 0x86)
    {
      /* Padding indicator 00, then the cryptogram. */
      if (cmd->lc < 2 || cmd->data[0] != 0x00)
        return applet_reply_sw (r, SW_WRONG_DATA);
      sw = emu_iso8_key (card, 0xB8, &key);
      if (!sw && key.type != EMU_KEY_RSA)
        sw = SW_COND_NOT_SATISFIED;
      if (!sw && card->se_alg == 0x00)
        err = emu_crypto_rsa_raw (&key, cmd->data + 1, cmd->lc - 1,
                                  &r->data);
      else if (!sw)
        err = emu_crypto_rsa_decrypt (&key, cmd->data + 1, cmd->lc - 1,
                                      &r->data);
      if (gpg_err_code (err) == GPG_ERR_INV_LENGTH
          || gpg_err_code (err) == GPG_ERR_BAD_DATA)
        {
          err = 0;
          sw = SW_WRONG_DATA;
        }
      emu_crypto_key_free (&key);
      r->secret = true;
      r->sw = sw ? sw : SW_OK;
      return err;
    }
  if ((cmd->p1 == 0x86 && cmd->p2 == 0x80)
      || (cmd->p1 == 0x00 && cmd->p2 == 0xA8)
      || (cmd->p1 == 0x00 && cmd->p2 == 0xA2))
    {
      r->sw = SW_FUNC_NOT_SUPPORTED;   /* encipher, verifications */
      return 0;
    }
  r->sw = SW_INCORRECT_P1P2;
  return 0;
}

gpg_error_t
emu_iso8_internal_auth (void *state, const applet_cmd_t *cmd,
                        applet_reply_t *r)
{
  emu_card_t *card = state;
  gpg_error_t err = 0;

  if (cmd->p1 != 0x00 || (cmd->p2 != 0x00 && cmd->p2 != 0x80))
    return applet_reply_sw (r, SW_INCORRECT_P1P2);
  if (!cmd->lc)
    return applet_reply_sw (r, SW_WRONG_LENGTH);
  r->sw = emu_iso8_sign (card, 0xA4, cmd->data, cmd->lc, &r->data, &err);
  return err;
}
