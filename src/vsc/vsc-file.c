/* vsc-file.c - the sealed VSC file (BER-TLV envelope, doc/vsc-format.md)
 *
 * Layout: MAGIC, then one constructed TLV E1 holding, in this order, the
 * header E2 (vsc-header.c), the identifier area E3 (vsc-header.c), the
 * public area E4, the private area E5, the secret-key area E6 (node lists,
 * vsc-node.c) and the authenticators E7. This file owns the envelope:
 * the outer structure, the MACs of the plaintext parts and of the whole
 * file, the keyslots and the AES-256-GCM of the encrypted areas.
 *
 * Reading is strict: every length is checked, unknown tags are refused
 * unless they are ignorable extensions (DF20..DF7F), areas appear once and
 * in order, nothing follows E1. With the password every byte is
 * authenticated before the image is returned. The encrypted areas are
 * sealed and opened in one pass each: the encoder encrypts every piece
 * of plaintext from where it lies (node contents included) straight into
 * the file buffer, and the decoder decrypts each node's content straight
 * into the node's buffer; an image built from an area whose tag then
 * fails is wiped and dropped. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>

#include "vsc-internal.h"
#include "common/util.h"
#include "common/errctx.h"
#include "common/tlv.h"
#include "common/i18n.h"

/* ---- outer structure ---------------------------------------------------- */

typedef struct vsc_file_parsed {
  tlv_t header, ident, pub, priv, secret, mac;
  /* encrypted areas */
  const uint8_t *priv_nonce, *priv_ct, *priv_tag;
  size_t priv_len;
  const uint8_t *sec_nonce, *sec_ct, *sec_tag;
  size_t sec_len;
  /* authenticators */
  const uint8_t *mac_header, *mac_ident, *mac_public, *mac_file;
  size_t mac_file_off;            /* offset of mac_file in the data */
  vsc_header_raw_t raw;           /* keyslots' KDF TLVs */
} vsc_file_parsed_t;

/* Encrypted area T (80 nonce, 81 ciphertext, 82 tag). */
static gpg_error_t
vsc_file_parse_encrypted (const tlv_t *ea, vsc_area_t where,
                          const uint8_t **nonce, const uint8_t **ct,
                          size_t *len, const uint8_t **tag)
{
  tlv_iter_t it;
  tlv_t t;

  tlv_iter_init (&it, ea->value, ea->len, 0);
  if (tlv_iter_next (&it, &t) || t.tag != 0x80 || t.constructed
      || t.len != VSC_NONCE_LEN)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                     _("malformed nonce"));
  *nonce = t.value;
  if (tlv_iter_next (&it, &t) || t.tag != 0x81 || t.constructed)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                     _("malformed ciphertext"));
  *ct = t.value;
  *len = t.len;
  if (tlv_iter_next (&it, &t) || t.tag != 0x82 || t.constructed
      || t.len != VSC_TAG_LEN)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                     _("malformed authentication tag"));
  *tag = t.value;
  if (gpg_err_code (tlv_iter_next (&it, &t)) != GPG_ERR_EOF)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                     _("unexpected element"));
  return 0;
}

/* Parse the outer structure into P, the header into VSC. */
static gpg_error_t
vsc_file_parse_outer (const uint8_t *data, size_t n, vsc_t *vsc,
                      vsc_file_parsed_t *p)
{
  gpg_error_t err;
  tlv_t file, t;
  tlv_iter_t it;
  size_t consumed;
  int last = 0, i;
  tlv_t *slot;

  memset (p, 0, sizeof *p);
  if (n < VSC_MAGIC_LEN || memcmp (data, VSC_MAGIC, VSC_MAGIC_LEN))
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("not a VSC file (bad magic)"));
  if (n == VSC_MAGIC_LEN)
    return vsc_fail (gpg_error (GPG_ERR_TOO_SHORT), VSC_AREA_HEADER,
                     _("truncated or malformed file"));
  err = tlv_parse (data + VSC_MAGIC_LEN, n - VSC_MAGIC_LEN, &file, &consumed);
  if (err)
    return vsc_fail (err, VSC_AREA_HEADER, _("truncated or malformed file"));
  if (file.tag != VSC_TAG_FILE || !file.constructed)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("not a VSC file"));
  if (consumed != n - VSC_MAGIC_LEN)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                     _("trailing bytes after the end of the VSC"));

  tlv_iter_init (&it, file.value, file.len, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      int idx;
      vsc_area_t where;

      switch (t.tag)
        {
        case VSC_TAG_HEADER: idx = 1; slot = &p->header; break;
        case VSC_TAG_IDENTIFIER: idx = 2; slot = &p->ident; break;
        case VSC_TAG_PUBLIC: idx = 3; slot = &p->pub; break;
        case VSC_TAG_PRIVATE: idx = 4; slot = &p->priv; break;
        case VSC_TAG_SECRET: idx = 5; slot = &p->secret; break;
        case VSC_TAG_MAC: idx = 6; slot = &p->mac; break;
        default:
          where = last ? (vsc_area_t)(last - 1) : VSC_AREA_HEADER;
          if (last == 6 || (err = vsc_node_unknown (&t)))
            return vsc_fail (err ? err : gpg_error (GPG_ERR_INV_OBJ), where,
                             _("unknown element in the VSC"));
          continue;
        }
      where = (vsc_area_t)(idx - 1);
      if (slot->raw)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                         _("area appears twice"));
      if (idx < last)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                         _("area out of order"));
      if (!t.constructed)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), where,
                         _("malformed area"));
      *slot = t;
      last = idx;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return vsc_fail (err, last ? (vsc_area_t)(last < 6 ? last : 5)
                               : VSC_AREA_HEADER,
                     _("truncated or malformed area"));
  if (!p->header.raw)
    return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_HEADER,
                     _("area missing"));
  /* The header first: it says which version the rest follows. */
  err = vsc_header_parse (&p->header, vsc, &p->raw);
  if (err)
    return err;
  {
    const tlv_t *need[5] = { &p->ident, &p->pub, &p->priv, &p->secret,
                             &p->mac };
    for (i = 0; i < 5; i++)
      if (!need[i]->raw)
        return vsc_fail (gpg_error (GPG_ERR_INV_OBJ),
                         (vsc_area_t)(VSC_AREA_IDENTIFIER + i),
                         _("area missing"));
  }

  if ((err = vsc_file_parse_encrypted (&p->priv, VSC_AREA_PRIVATE,
                                       &p->priv_nonce, &p->priv_ct,
                                       &p->priv_len, &p->priv_tag))
      || (err = vsc_file_parse_encrypted (&p->secret, VSC_AREA_SECRET_KEY,
                                          &p->sec_nonce, &p->sec_ct,
                                          &p->sec_len, &p->sec_tag)))
    return err;

  /* Authenticators: 80 header, 81 identifier, 82 public, 83 file. */
  {
    const uint8_t **m[4] = { &p->mac_header, &p->mac_ident, &p->mac_public,
                             &p->mac_file };

    tlv_iter_init (&it, p->mac.value, p->mac.len, 0);
    for (i = 0; i < 4; i++)
      {
        if (tlv_iter_next (&it, &t) || t.tag != (unsigned)(0x80 + i)
            || t.constructed || t.len != VSC_MAC_LEN)
          return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                           _("malformed authenticator"));
        *m[i] = t.value;
      }
    if (gpg_err_code (tlv_iter_next (&it, &t)) != GPG_ERR_EOF)
      return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                       _("unexpected element"));
    /* E7 must be the last element of E1 so that the file MAC covers
     * everything but itself. */
    if (p->mac.raw + p->mac.raw_len != data + n)
      return vsc_fail (gpg_error (GPG_ERR_INV_OBJ), VSC_AREA_MAC,
                       _("authenticators are not at the end"));
    p->mac_file_off = (size_t)(p->mac_file - data);
  }
  return 0;
}

gpg_error_t
vsc_file_peek (const uint8_t *data, size_t n, uint8_t *uuid,
               uint64_t *generation)
{
  gpg_error_t err;
  vsc_t tmp;
  vsc_file_parsed_t p;

  memset (&tmp, 0, sizeof tmp);
  err = vsc_file_parse_outer (data, n, &tmp, &p);
  if (err)
    return err;
  memcpy (uuid, tmp.uuid, VSC_UUID_LEN);
  *generation = tmp.generation;
  return 0;
}

/* ---- encode ------------------------------------------------------------- */

/* Associated data of an encrypted area: MAGIC || header TLV || tag. */
static gpg_error_t
vsc_file_make_ad (buf_t *ad, const uint8_t *hdr, size_t hdrlen,
                  uint8_t areatag)
{
  gpg_error_t err;

  buf_clear (ad);
  if ((err = buf_append (ad, VSC_MAGIC, VSC_MAGIC_LEN))
      || (err = buf_append (ad, hdr, hdrlen))
      || (err = buf_append_byte (ad, areatag)))
    return err;
  return 0;
}

/* Size of an encrypted area's value for N bytes of plaintext. */
static size_t
vsc_file_encrypted_vlen (size_t n)
{
  return 2 + VSC_NONCE_LEN + 1 + tlv_len_size (n) + n + 2 + VSC_TAG_LEN;
}

static gpg_error_t
vsc_file_copy (void *ctx, uint8_t *dst, const uint8_t *src, size_t n)
{
  (void)ctx;
  memcpy (dst, src, n);
  return 0;
}

static gpg_error_t
vsc_file_seal (void *ctx, uint8_t *dst, const uint8_t *src, size_t n)
{
  return vsc_crypto_gcm_encrypt (ctx, dst, src, n);
}

/* Append an encrypted area (E5/E6) with the plaintext of A, encrypted
 * from where each piece lies. *R_CT_OFF is where the ciphertext starts. */
static gpg_error_t
vsc_file_encode_encrypted (vsc_t *vsc, buf_t *out, uint8_t areatag,
                           const buf_t *ad, const vsc_node_area_t *a,
                           size_t *r_ct_off)
{
  gpg_error_t err;
  size_t ct;
  uint8_t nonce[VSC_NONCE_LEN], tag[VSC_TAG_LEN];
  vsc_gcm_t *gcm = NULL;

  vsc_crypto_nonce (nonce, sizeof nonce);
  if ((err = tlv_put_header (out, areatag,
                             vsc_file_encrypted_vlen (a->total)))
      || (err = tlv_put (out, 0x80, nonce, sizeof nonce))
      || (err = tlv_put_header (out, 0x81, a->total)))
    return err;
  ct = out->len;
  if (a->total > out->cap - out->len)
    return gpg_error (GPG_ERR_INTERNAL);
  err = vsc_crypto_gcm_open (vsc->keys->enc, nonce, ad->data, ad->len, &gcm);
  if (!err)
    err = vsc_node_area_emit (a, out->data + ct, vsc_file_seal, gcm);
  if (!err)
    err = vsc_crypto_gcm_tag (gcm, tag);
  vsc_crypto_gcm_close (gcm);
  if (err)
    return err;
  out->len += a->total;
  *r_ct_off = ct;
  return tlv_put (out, 0x82, tag, sizeof tag);
}

gpg_error_t
vsc_file_encode (vsc_t *vsc, uint64_t generation, bool public_only,
                 uint8_t **r_data, size_t *r_len)
{
  gpg_error_t err;
  buf_t hdr = BUF_INIT, id = BUF_INIT, ad = BUF_INIT, out = BUF_INIT;
  vsc_node_area_t areas[3];
  size_t mark_len, i, total, hdr_off, id_off, pub_off, pub_len, sum, fsize;
  size_t priv_ct = 0, sec_ct = 0, priv_off, sec_off;
  uint8_t mac[3][VSC_MAC_LEN], filemac[VSC_MAC_LEN];
  static const uint8_t e7_head[] = { VSC_TAG_MAC, 0x81, 4 * (2 + VSC_MAC_LEN) };
  const size_t e7_len = sizeof e7_head + 4 * (2 + VSC_MAC_LEN);

  *r_data = NULL;
  *r_len = 0;
  vsc_node_area_init (&areas[IMAGE_AREA_PUBLIC], false);
  vsc_node_area_init (&areas[IMAGE_AREA_PRIVATE], false);
  vsc_node_area_init (&areas[IMAGE_AREA_SECRET_KEY], true);
  if (!vsc->keys)
    {
      err = gpg_error (GPG_ERR_NOT_SUPPORTED);
      goto leave;
    }

  /* Header, identifier, and the nodes sorted into their areas (large
   * contents stay where they are until they are sealed). */
  if ((err = vsc_header_encode (vsc, generation, &hdr))
      || (err = vsc_header_ident_encode (vsc, &id))
      || (err = vsc_node_encode (vsc->image, public_only, areas)))
    goto leave;

  /* The file, in one buffer of its exact size: MAGIC, E1 { E2 E3 E4 E5
   * E6 E7 }. */
  pub_len = 1 + tlv_len_size (areas[0].total) + areas[0].total;
  sum = areas[1].total;
  total = hdr.len + id.len + pub_len
          + 1 + tlv_len_size (vsc_file_encrypted_vlen (sum))
          + vsc_file_encrypted_vlen (sum);
  sum = areas[2].total;
  total += 1 + tlv_len_size (vsc_file_encrypted_vlen (sum))
           + vsc_file_encrypted_vlen (sum) + e7_len;
  mark_len = 1 + tlv_len_size (total);
  fsize = VSC_MAGIC_LEN + mark_len + total;
  if (total > VSC_MAX_FILE_SIZE || fsize > VSC_MAX_FILE_SIZE)
    {
      char msg[160];
      snprintf (msg, sizeof msg,
                _("the file would be %zu bytes, more than the %lu bytes "
                  "a VSC may have"), fsize, (unsigned long)VSC_MAX_FILE_SIZE);
      err = vsc_fail (gpg_error (GPG_ERR_LIMIT_REACHED), VSC_AREA_HEADER,
                      msg);
      goto leave;
    }
  if ((err = buf_reserve_exact (&out, fsize))
      || (err = buf_append (&out, VSC_MAGIC, VSC_MAGIC_LEN))
      || (err = tlv_put_header (&out, VSC_TAG_FILE, total)))
    goto leave;
  hdr_off = out.len;
  if ((err = buf_append (&out, hdr.data, hdr.len)))
    goto leave;
  id_off = out.len;
  if ((err = buf_append (&out, id.data, id.len)))
    goto leave;
  pub_off = out.len;
  if ((err = tlv_put_header (&out, VSC_TAG_PUBLIC, areas[0].total)))
    goto leave;
  if (areas[0].total > out.cap - out.len)
    {
      err = gpg_error (GPG_ERR_INTERNAL);
      goto leave;
    }
  if ((err = vsc_node_area_emit (&areas[0], out.data + out.len,
                                 vsc_file_copy, NULL)))
    goto leave;
  out.len += areas[0].total;
  priv_off = out.len;
  if ((err = vsc_file_make_ad (&ad, out.data + hdr_off, hdr.len,
                               VSC_TAG_PRIVATE))
      || (err = vsc_file_encode_encrypted (vsc, &out, VSC_TAG_PRIVATE, &ad,
                                           &areas[1], &priv_ct)))
    goto leave;
  sec_off = out.len;
  if ((err = vsc_file_make_ad (&ad, out.data + hdr_off, hdr.len,
                               VSC_TAG_SECRET))
      || (err = vsc_file_encode_encrypted (vsc, &out, VSC_TAG_SECRET, &ad,
                                           &areas[2], &sec_ct)))
    goto leave;

  /* Authenticators of the plaintext parts. */
  if ((err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_HEADER, mac[0],
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             out.data + hdr_off, hdr.len, NULL))
      || (err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_IDENTIFIER,
                                mac[1], VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                                out.data + hdr_off, hdr.len,
                                out.data + id_off, id.len, NULL))
      || (err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_PUBLIC, mac[2],
                                VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                                out.data + hdr_off, hdr.len,
                                out.data + pub_off, pub_len, NULL)))
    goto leave;
  if ((err = buf_append (&out, e7_head, sizeof e7_head)))
    goto leave;
  for (i = 0; i < 3; i++)
    if ((err = tlv_put (&out, 0x80 + i, mac[i], VSC_MAC_LEN)))
      goto leave;
  if ((err = buf_append_byte (&out, 0x83))
      || (err = buf_append_byte (&out, VSC_MAC_LEN)))
    goto leave;
  /* The file MAC covers every byte before it except the ciphertexts,
   * which their GCM tags cover. */
  if ((err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_FILE, filemac,
                             out.data, priv_ct,
                             out.data + priv_ct + areas[1].total,
                             sec_ct - (priv_ct + areas[1].total),
                             out.data + sec_ct + areas[2].total,
                             out.len - (sec_ct + areas[2].total), NULL))
      || (err = buf_append (&out, filemac, VSC_MAC_LEN)))
    goto leave;
  if (out.len != fsize || out.cap != fsize)
    {
      err = gpg_error (GPG_ERR_INTERNAL);
      goto leave;
    }

  vsc->area_size[VSC_AREA_HEADER] = hdr.len;
  vsc->area_size[VSC_AREA_IDENTIFIER] = id.len;
  vsc->area_size[VSC_AREA_PUBLIC] = pub_len;
  vsc->area_size[VSC_AREA_PRIVATE] = sec_off - priv_off;
  vsc->area_size[VSC_AREA_SECRET_KEY] = out.len - e7_len - sec_off;
  vsc->area_size[VSC_AREA_MAC] = e7_len;
  *r_data = buf_steal (&out, r_len);
  if (!*r_data)
    err = gpg_error_from_syserror ();

 leave:
  wipememory (mac, sizeof mac);
  buf_free (&hdr);
  buf_free (&id);
  buf_free (&ad);
  buf_free (&out);
  for (i = 0; i < 3; i++)
    vsc_node_area_free (&areas[i]);
  return err;
}

/* ---- parse -------------------------------------------------------------- */

/* Try each keyslot with PASSWORD; on success VSC->keys is set. */
static gpg_error_t
vsc_file_unlock (vsc_t *vsc, const vsc_file_parsed_t *p,
                 const char *password, const vsc_opts_t *opts)
{
  gpg_error_t err = gpg_error (GPG_ERR_BAD_PASSPHRASE);
  vsc_kdf_fn kdf = opts && opts->kdf_fn ? opts->kdf_fn : vsc_crypto_kdf;
  void *kdf_ctx = opts && opts->kdf_fn ? opts->kdf_ctx : NULL;
  uint8_t *kek = NULL;
  buf_t ad = BUF_INIT;
  vsc_keys_t *keys = NULL;
  unsigned i;

  kek = xtrymalloc_secure (VSC_KEY_LEN);
  keys = xtrymalloc_secure (sizeof *keys);
  if (!kek || !keys)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (i = 0; i < vsc->n_slots; i++)
    {
      const vsc_keyslot_t *s = &vsc->slots[i];
      gpg_error_t e;

      e = kdf (kdf_ctx, password, &s->kdf, s->salt, kek);
      if (e)
        {
          err = e;
          goto leave;
        }
      if ((e = vsc_header_slot_ad (vsc, s, p->raw.kdf_raw[i],
                                   p->raw.kdf_raw_len[i], &ad)))
        {
          err = e;
          goto leave;
        }
      e = vsc_crypto_open (kek, s->nonce, ad.data, ad.len, s->wrapped,
                           VSC_KEY_LEN, keys->dek, s->wrapped + VSC_KEY_LEN);
      if (!e)
        {
          err = vsc_crypto_derive (keys);
          if (!err)
            {
              vsc->keys = keys;
              keys = NULL;
            }
          goto leave;
        }
    }
  err = vsc_fail (gpg_error (GPG_ERR_BAD_PASSPHRASE), VSC_AREA_HEADER,
                  _("wrong password or damaged file"));

 leave:
  if (kek)
    {
      wipememory (kek, VSC_KEY_LEN);
      xfree_secure (kek);
    }
  vsc_crypto_free_keys (keys);
  buf_free (&ad);
  return err;
}

static gpg_error_t
vsc_file_check_mac (const uint8_t *expect, const uint8_t *got,
                    vsc_area_t area)
{
  if (!ct_memequal (expect, got, VSC_MAC_LEN))
    return vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), area,
                     _("authentication failed - the file was altered or "
                       "damaged"));
  return 0;
}

/* The MACs of the header, the identifier and the public area. */
static gpg_error_t
vsc_file_check_plain (vsc_t *vsc, const vsc_file_parsed_t *p)
{
  gpg_error_t err;
  uint8_t mac[VSC_MAC_LEN];
  const uint8_t *k = vsc->keys->mac;

  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_HEADER, mac,
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             p->header.raw, p->header.raw_len, NULL))
      || (err = vsc_file_check_mac (mac, p->mac_header, VSC_AREA_HEADER)))
    goto leave;
  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_IDENTIFIER, mac,
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             p->header.raw, p->header.raw_len,
                             p->ident.raw, p->ident.raw_len, NULL))
      || (err = vsc_file_check_mac (mac, p->mac_ident, VSC_AREA_IDENTIFIER)))
    goto leave;
  if ((err = vsc_crypto_mac (k, VSC_MACLABEL_PUBLIC, mac,
                             VSC_MAGIC, (size_t)VSC_MAGIC_LEN,
                             p->header.raw, p->header.raw_len,
                             p->pub.raw, p->pub.raw_len, NULL))
      || (err = vsc_file_check_mac (mac, p->mac_public, VSC_AREA_PUBLIC)))
    goto leave;

 leave:
  wipememory (mac, sizeof mac);
  return err;
}

/* The file MAC: everything but the ciphertexts and the MAC itself. */
static gpg_error_t
vsc_file_check_filemac (vsc_t *vsc, const uint8_t *data,
                        const vsc_file_parsed_t *p)
{
  gpg_error_t err;
  uint8_t mac[VSC_MAC_LEN];

  err = vsc_crypto_mac (vsc->keys->mac, VSC_MACLABEL_FILE, mac,
                        data, (size_t)(p->priv_ct - data),
                        p->priv_ct + p->priv_len,
                        (size_t)(p->sec_ct - (p->priv_ct + p->priv_len)),
                        p->sec_ct + p->sec_len,
                        p->mac_file_off
                        - (size_t)(p->sec_ct + p->sec_len - data), NULL);
  if (!err && !ct_memequal (mac, p->mac_file, VSC_MAC_LEN))
    err = vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), VSC_AREA_MAC,
                    _("file authentication failed - the file structure was "
                      "altered or damaged"));
  wipememory (mac, sizeof mac);
  return err;
}

/* The decoder's source for an encrypted area: the next bytes of the
 * ciphertext, decrypted into the place the decoder asks for. */
typedef struct vsc_file_src {
  vsc_gcm_t *gcm;
  const uint8_t *ct;
  size_t off, len;
} vsc_file_src_t;

static gpg_error_t
vsc_file_unseal (void *ctx, uint8_t *dst, size_t n)
{
  vsc_file_src_t *s = ctx;
  gpg_error_t err;

  if (n > s->len - s->off)
    return gpg_error (GPG_ERR_INTERNAL);
  err = vsc_crypto_gcm_decrypt (s->gcm, dst, s->ct + s->off, n);
  if (!err)
    s->off += n;
  return err;
}

/* Decrypt and decode an encrypted area into IMAGE, then check its tag.
 * A decoding failure is reported only if the tag is good (else the file
 * was altered, and that is what is reported). */
static gpg_error_t
vsc_file_open_area (vsc_t *vsc, const vsc_file_parsed_t *p, image_t *image,
                    bool secret, size_t *count)
{
  gpg_error_t err, derr;
  vsc_area_t where = secret ? VSC_AREA_SECRET_KEY : VSC_AREA_PRIVATE;
  vsc_file_src_t src;
  buf_t ad = BUF_INIT;
  uint8_t *scratch = NULL;

  memset (&src, 0, sizeof src);
  src.ct = secret ? p->sec_ct : p->priv_ct;
  src.len = secret ? p->sec_len : p->priv_len;
  err = vsc_file_make_ad (&ad, p->header.raw, p->header.raw_len,
                          secret ? VSC_TAG_SECRET : VSC_TAG_PRIVATE);
  if (!err)
    err = vsc_crypto_gcm_open (vsc->keys->enc,
                               secret ? p->sec_nonce : p->priv_nonce,
                               ad.data, ad.len, &src.gcm);
  if (err)
    goto leave;
  derr = vsc_node_decode_stream (image, src.len, vsc_file_unseal, &src,
                                 secret,
                                 secret ? IMAGE_AREA_SECRET_KEY
                                        : IMAGE_AREA_PRIVATE,
                                 where, count);
  if (gpg_err_code (derr) == GPG_ERR_ENOMEM)
    {
      err = derr;
      goto leave;
    }
  /* The rest of the ciphertext after a decoding failure, for the tag. */
  if (src.off < src.len)
    {
      scratch = secret ? xtrymalloc_secure (4096) : xtrymalloc (4096);
      if (!scratch)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      while (!err && src.off < src.len)
        err = vsc_file_unseal (&src, scratch, src.len - src.off < 4096
                                              ? src.len - src.off : 4096);
      wipememory (scratch, 4096);
      if (err)
        goto leave;
    }
  err = vsc_crypto_gcm_check (src.gcm, secret ? p->sec_tag : p->priv_tag);
  if (gpg_err_code (err) == GPG_ERR_CHECKSUM)
    {
      errctx_clear ();   /* a decoding failure of altered bytes */
      err = vsc_fail (gpg_error (GPG_ERR_BAD_SIGNATURE), where,
                      _("authentication failed - the file was altered or "
                        "damaged"));
    }
  if (!err)
    err = derr;

 leave:
  if (scratch)
    {
      if (secret)
        xfree_secure (scratch);
      else
        xfree (scratch);
    }
  vsc_crypto_gcm_close (src.gcm);
  buf_free (&ad);
  return err;
}

gpg_error_t
vsc_file_parse (vsc_t *vsc, const uint8_t *data, size_t n,
                const char *password, const vsc_opts_t *opts)
{
  gpg_error_t err;
  vsc_file_parsed_t p;
  image_t *image = NULL;
  size_t count = 0;

  err = vsc_file_parse_outer (data, n, vsc, &p);
  if (err)
    goto leave;
  vsc->file_size = n;
  vsc->area_size[VSC_AREA_HEADER] = p.header.raw_len;
  vsc->area_size[VSC_AREA_IDENTIFIER] = p.ident.raw_len;
  vsc->area_size[VSC_AREA_PUBLIC] = p.pub.raw_len;
  vsc->area_size[VSC_AREA_PRIVATE] = p.priv.raw_len;
  vsc->area_size[VSC_AREA_SECRET_KEY] = p.secret.raw_len;
  vsc->area_size[VSC_AREA_MAC] = p.mac.raw_len;

  if (password)
    {
      if ((err = vsc_file_unlock (vsc, &p, password, opts))
          || (err = vsc_file_check_plain (vsc, &p)))
        goto leave;
    }

  if ((err = image_new (&image)))
    goto leave;
  image->unverified = !password;
  if ((err = vsc_header_ident_parse (&p.ident, vsc, image))
      || (err = vsc_node_decode_mem (image, p.pub.value, p.pub.len,
                                     IMAGE_AREA_PUBLIC, VSC_AREA_PUBLIC,
                                     &count)))
    goto leave;
  if (password)
    {
      if ((err = vsc_file_open_area (vsc, &p, image, false, &count))
          || (err = vsc_file_open_area (vsc, &p, image, true, &count))
          || (err = vsc_file_check_filemac (vsc, data, &p)))
        goto leave;
      vsc->unlocked = true;
    }
  image_free (vsc->image);
  vsc->image = image;
  image = NULL;

 leave:
  image_free (image);
  if (err)
    {
      vsc_crypto_free_keys (vsc->keys);
      vsc->keys = NULL;
      vsc->unlocked = false;
    }
  return err;
}
