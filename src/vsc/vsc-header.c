/* vsc-header.c - the VSC header (E2: version, UUID, generation, keyslots)
 * and the identifier area (E3: card identity, times), doc/vsc-format.md
 *
 * Both are plaintext TLV; what protects them (the header MAC, the
 * identifier MAC, the header as associated data of every encrypted part)
 * is the sealed file's business (vsc-file.c). The identifier area obeys
 * the shared limits of vsc.h on both sides, like the nodes. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>

#include "vsc-internal.h"
#include "common/util.h"
#include "common/tlv.h"
#include "common/i18n.h"

/* ---- KDF and keyslots --------------------------------------------------- */

gpg_error_t
vsc_header_put_kdf (buf_t *b, const vsc_keyslot_t *s)
{
  gpg_error_t err;
  size_t kmark;

  if ((err = tlv_begin (b, 0xA1, &kmark))
      || (err = tlv_put_u8 (b, 0x80, VSC_KDF_ARGON2ID))
      || (err = tlv_put_uint (b, 0x81, s->kdf.m_kib))
      || (err = tlv_put_uint (b, 0x82, s->kdf.t))
      || (err = tlv_put_uint (b, 0x83, s->kdf.p))
      || (err = tlv_put (b, 0x84, s->salt, VSC_SALT_LEN)))
    return err;
  return tlv_end (b, kmark);
}

gpg_error_t
vsc_header_slot_ad (const vsc_t *vsc, const vsc_keyslot_t *s,
                    const uint8_t *kdf_raw, size_t kdf_raw_len, buf_t *ad)
{
  gpg_error_t err;

  buf_clear (ad);
  if ((err = buf_append (ad, VSC_MAGIC, VSC_MAGIC_LEN))
      || (err = buf_append (ad, vsc->uuid, VSC_UUID_LEN))
      || (err = buf_append_byte (ad, (uint8_t)s->type)))
    return err;
  if (kdf_raw)
    return buf_append (ad, kdf_raw, kdf_raw_len);
  return vsc_header_put_kdf (ad, s);
}

/* The next field of IT: tag TAG holding an unsigned integer at most
 * MAX (into *R), or N bytes (into DST, if DST). GPG_ERR_INV_OBJ if it is
 * missing or different. */
static gpg_error_t
vsc_header_next (tlv_iter_t *it, unsigned tag, uint64_t max, uint64_t *r,
                 uint8_t *dst, size_t n, tlv_t *f)
{
  if (tlv_iter_next (it, f) || f->tag != tag
      || (dst ? vsc_node_get_fixed (f, dst, n)
              : vsc_node_get_uint (f, max, r)))
    return gpg_error (GPG_ERR_INV_OBJ);
  return 0;
}

/* After the last field of IT: nothing more. */
static gpg_error_t
vsc_header_end (tlv_iter_t *it)
{
  tlv_t f;

  if (gpg_err_code (tlv_iter_next (it, &f)) != GPG_ERR_EOF)
    return gpg_error (GPG_ERR_INV_OBJ);
  return 0;
}

static gpg_error_t
vsc_header_parse_kdf (const tlv_t *t, vsc_keyslot_t *slot)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t v, m, tc, p;

  if (!t->constructed)
    return gpg_error (GPG_ERR_INV_OBJ);
  tlv_iter_init (&it, t->value, t->len, 0);
  /* 80 algorithm, 81 m, 82 t, 83 p, 84 salt: all present, in order. */
  if ((err = vsc_header_next (&it, 0x80, 255, &v, NULL, 0, &f)))
    return err;
  if (v != VSC_KDF_ARGON2ID)
    return gpg_error (GPG_ERR_UNKNOWN_CRIT_EXTN);
  if ((err = vsc_header_next (&it, 0x81, UINT32_MAX, &m, NULL, 0, &f))
      || (err = vsc_header_next (&it, 0x82, UINT32_MAX, &tc, NULL, 0, &f))
      || (err = vsc_header_next (&it, 0x83, UINT32_MAX, &p, NULL, 0, &f))
      || (err = vsc_header_next (&it, 0x84, 0, NULL, slot->salt,
                                 VSC_SALT_LEN, &f))
      || (err = vsc_header_end (&it)))
    return err;
  slot->kdf.m_kib = (unsigned long)m;
  slot->kdf.t = (unsigned long)tc;
  slot->kdf.p = (unsigned long)p;
  return vsc_kdf_check (&slot->kdf);
}

static gpg_error_t
vsc_header_parse_slot (const tlv_t *t, vsc_keyslot_t *slot,
                       const uint8_t **kdf_raw, size_t *kdf_raw_len)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t v;

  if (!t->constructed)
    return gpg_error (GPG_ERR_INV_OBJ);
  tlv_iter_init (&it, t->value, t->len, 0);
  if ((err = vsc_header_next (&it, 0x80, 255, &v, NULL, 0, &f)))
    return err;
  if (v != VSC_SLOT_PASSWORD)
    return gpg_error (GPG_ERR_UNKNOWN_CRIT_EXTN);
  slot->type = (unsigned)v;
  if (tlv_iter_next (&it, &f) || f.tag != 0xA1)
    return gpg_error (GPG_ERR_INV_OBJ);
  err = vsc_header_parse_kdf (&f, slot);
  if (err)
    return err;
  *kdf_raw = f.raw;
  *kdf_raw_len = f.raw_len;
  if ((err = vsc_header_next (&it, 0x82, 0, NULL, slot->nonce,
                              VSC_NONCE_LEN, &f))
      || (err = vsc_header_next (&it, 0x83, 0, NULL, slot->wrapped,
                                 sizeof slot->wrapped, &f)))
    return err;
  return vsc_header_end (&it);
}

/* ---- header ------------------------------------------------------------- */

gpg_error_t
vsc_header_parse (const tlv_t *h, vsc_t *vsc, vsc_header_raw_t *raw)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t v;

  if (!h->constructed)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed header"));
  tlv_iter_init (&it, h->value, h->len, 0);
  /* The version comes first so that a newer format is recognised before
   * anything else is interpreted. */
  if (tlv_iter_next (&it, &f) || f.tag != 0x80
      || vsc_node_get_uint (&f, 255, &v))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed version"));
  if (v > VSC_FORMAT_VERSION)
    return vsc_fail (gpg_error (GPG_ERR_UNKNOWN_VERSION), VSC_AREA_HEADER,
                     _("format version from the future (written by a newer "
                       "vscman)"));
  if (v < 1)
    return vsc_fail (gpg_error (GPG_ERR_UNKNOWN_VERSION), VSC_AREA_HEADER,
                     _("unknown format version"));
  vsc->version = (unsigned)v;
  if (tlv_iter_next (&it, &f) || f.tag != 0x81
      || vsc_node_get_fixed (&f, vsc->uuid, VSC_UUID_LEN))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed UUID"));
  vsc_format_uuid (vsc->uuid, vsc->uuid_str);
  if (tlv_iter_next (&it, &f) || f.tag != 0x82
      || vsc_node_get_uint (&f, UINT64_MAX, &v))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("malformed generation"));
  vsc->generation = v;
  vsc->n_slots = 0;
  while (!(err = tlv_iter_next (&it, &f)))
    {
      const uint8_t *kraw;
      size_t krawlen;

      if (f.tag != 0xA3)
        {
          if ((err = vsc_node_unknown (&f)))
            return vsc_fail (err, VSC_AREA_HEADER, _("unknown element"));
          continue;
        }
      if (vsc->n_slots >= VSC_MAX_KEYSLOTS)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                         _("too many keyslots"));
      err = vsc_header_parse_slot (&f, &vsc->slots[vsc->n_slots], &kraw,
                                   &krawlen);
      if (gpg_err_code (err) == GPG_ERR_INV_PARAMETER)
        {
          char msg[160];
          const vsc_kdf_params_t *k = &vsc->slots[vsc->n_slots].kdf;
          snprintf (msg, sizeof msg,
                    _("KDF parameters out of bounds (m=%lu KiB, t=%lu, "
                      "p=%lu; allowed m %lu..%lu, t %lu..%lu, p %lu..%lu)"),
                    k->m_kib, k->t, k->p, VSC_KDF_M_MIN, VSC_KDF_M_MAX,
                    VSC_KDF_T_MIN, VSC_KDF_T_MAX, VSC_KDF_P_MIN,
                    VSC_KDF_P_MAX);
          return vsc_fail (err, VSC_AREA_HEADER, msg);
        }
      if (err)
        return vsc_fail (err, VSC_AREA_HEADER, _("malformed keyslot"));
      if (raw)
        {
          raw->kdf_raw[vsc->n_slots] = kraw;
          raw->kdf_raw_len[vsc->n_slots] = krawlen;
        }
      vsc->n_slots++;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return vsc_fail (err, VSC_AREA_HEADER, _("malformed header"));
  if (!vsc->n_slots)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("no keyslot"));
  return 0;
}

gpg_error_t
vsc_header_encode (const vsc_t *vsc, uint64_t generation, buf_t *b)
{
  gpg_error_t err;
  size_t mark, i;

  if ((err = tlv_begin (b, VSC_TAG_HEADER, &mark))
      || (err = tlv_put_u8 (b, 0x80, VSC_FORMAT_VERSION))
      || (err = tlv_put (b, 0x81, vsc->uuid, VSC_UUID_LEN))
      || (err = tlv_put_uint (b, 0x82, generation)))
    return err;
  for (i = 0; i < vsc->n_slots; i++)
    {
      const vsc_keyslot_t *s = &vsc->slots[i];
      size_t smark;
      if ((err = tlv_begin (b, 0xA3, &smark))
          || (err = tlv_put_u8 (b, 0x80, (uint8_t)s->type))
          || (err = vsc_header_put_kdf (b, s))
          || (err = tlv_put (b, 0x82, s->nonce, VSC_NONCE_LEN))
          || (err = tlv_put (b, 0x83, s->wrapped, sizeof s->wrapped))
          || (err = tlv_end (b, smark)))
        return err;
    }
  return tlv_end (b, mark);
}

/* ---- identifier area ---------------------------------------------------- */

gpg_error_t
vsc_header_ident_parse (const tlv_t *t, vsc_t *vsc, image_t *image)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t f;
  uint64_t seen = 0, v;
  uint8_t uuid[VSC_UUID_LEN];
  char *s = NULL;

  tlv_iter_init (&it, t->value, t->len, 0);
  while (!(err = tlv_iter_next (&it, &f)))
    {
      switch (f.tag)
        {
        case 0x80:
          if ((err = vsc_node_seen_once (&seen, 0))
              || (err = vsc_node_get_fixed (&f, uuid, VSC_UUID_LEN)))
            goto bad;
          if (memcmp (uuid, vsc->uuid, VSC_UUID_LEN))
            {
              err = gpg_error (GPG_ERR_INV_OBJ);
              goto leave;
            }
          break;
        case 0x81:
          if ((err = vsc_node_seen_once (&seen, 1))
              || (err = vsc_node_get_uint (&f, UINT64_MAX, &v)))
            goto bad;
          vsc->created = v;
          break;
        case 0x82:
          if ((err = vsc_node_seen_once (&seen, 2))
              || (err = vsc_node_get_uint (&f, UINT64_MAX, &v)))
            goto bad;
          vsc->modified = v;
          break;
        case 0x83:
          if ((err = vsc_node_seen_once (&seen, 3)) || f.constructed
              || !f.len || f.len > VSC_MAX_ATR)
            goto bad;
          if ((err = image_set_atr (image, f.value, f.len)))
            goto leave;
          break;
        case 0x84:
        case 0x85:
        case 0x86:
          if ((err = vsc_node_seen_once (&seen, f.tag - 0x80))
              || (err = vsc_node_get_str (&f, &s)))
            goto bad;
          err = (f.tag == 0x84 ? image_set_serial (image, s)
                 : f.tag == 0x85 ? image_set_label (image, s)
                 : image_set_reader (image, s));
          if (err)
            goto leave;
          break;
        case 0x87:
          if (f.constructed || !f.len || f.len > 16
              || image->card.n_aids >= VSC_MAX_AIDS)
            goto bad;
          if ((err = image_add_aid (image, f.value, f.len)))
            goto leave;
          break;
        case 0x88:
          if (image->card.n_agents >= VSC_MAX_AGENTS
              || (err = vsc_node_get_str (&f, &s)))
            goto bad;
          if ((err = image_add_agent (image, s)))
            goto leave;
          break;
        default:
          if ((err = vsc_node_unknown (&f)))
            goto leave;
          break;
        }
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    goto bad;
  err = 0;
  if ((seen & 7) != 7)   /* UUID, created, modified are mandatory */
    goto bad;
  goto leave;

 bad:
  if (!err || gpg_err_code (err) == GPG_ERR_EOF)
    err = gpg_error (GPG_ERR_INV_OBJ);
 leave:
  xfree (s);
  if (err)
    return vsc_fail (err, VSC_AREA_IDENTIFIER,
                     gpg_err_code (err) == GPG_ERR_UNKNOWN_CRIT_EXTN
                     ? _("unknown element") : _("malformed identifier area"));
  return 0;
}

/* Refuse a card identity the reader would refuse. */
static gpg_error_t
vsc_header_ident_check (const image_card_t *c)
{
  char msg[160];
  const char *what = NULL;
  size_t i;

  if (c->serial && strlen (c->serial) > VSC_MAX_STRING)
    what = _("the serial number");
  else if (c->label && strlen (c->label) > VSC_MAX_STRING)
    what = _("the label");
  else if (c->reader && strlen (c->reader) > VSC_MAX_STRING)
    what = _("the reader name");
  for (i = 0; !what && i < c->n_agents; i++)
    if (strlen (c->agents[i]) > VSC_MAX_STRING)
      what = _("an agent name");
  if (what)
    snprintf (msg, sizeof msg, _("%s is longer than %u bytes"), what,
              (unsigned)VSC_MAX_STRING);
  else if (c->atr_len > VSC_MAX_ATR)
    snprintf (msg, sizeof msg, _("the ATR is longer than %u bytes"),
              (unsigned)VSC_MAX_ATR);
  else if (c->n_aids > VSC_MAX_AIDS)
    snprintf (msg, sizeof msg, _("more than %u AIDs"),
              (unsigned)VSC_MAX_AIDS);
  else if (c->n_agents > VSC_MAX_AGENTS)
    snprintf (msg, sizeof msg, _("more than %u agents"),
              (unsigned)VSC_MAX_AGENTS);
  else
    {
      for (i = 0; i < c->n_aids; i++)
        if (!c->aid_lens[i] || c->aid_lens[i] > 16)
          break;
      if (i == c->n_aids)
        return 0;
      snprintf (msg, sizeof msg, "%s", _("an AID is not 1 to 16 bytes"));
    }
  return vsc_fail (gpg_error (GPG_ERR_LIMIT_REACHED), VSC_AREA_IDENTIFIER,
                   msg);
}

gpg_error_t
vsc_header_ident_encode (const vsc_t *vsc, buf_t *b)
{
  gpg_error_t err;
  const image_card_t *c = &vsc->image->card;
  size_t mark, i;

  if ((err = vsc_header_ident_check (c)))
    return err;
  if ((err = tlv_begin (b, VSC_TAG_IDENTIFIER, &mark))
      || (err = tlv_put (b, 0x80, vsc->uuid, VSC_UUID_LEN))
      || (err = tlv_put_uint (b, 0x81, vsc->created))
      || (err = tlv_put_uint (b, 0x82, vsc->modified))
      || (err = vsc_node_put_bytes (b, 0x83, c->atr, c->atr_len))
      || (err = vsc_node_put_str (b, 0x84, c->serial))
      || (err = vsc_node_put_str (b, 0x85, c->label))
      || (err = vsc_node_put_str (b, 0x86, c->reader)))
    return err;
  for (i = 0; i < c->n_aids; i++)
    if ((err = tlv_put (b, 0x87, c->aids[i], c->aid_lens[i])))
      return err;
  for (i = 0; i < c->n_agents; i++)
    if ((err = vsc_node_put_str (b, 0x88, c->agents[i])))
      return err;
  return tlv_end (b, mark);
}
