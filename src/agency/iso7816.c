/* iso7816.c - ISO 7816-4/-9 file system commands used by the agents */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "common/tlv.h"
#include "agency/iso7816.h"

/* Files larger than this are not read (a card that never says "end"). */
#define ISO7816_READ_LIMIT (16u * 1024 * 1024)

/* A channel limit MAX (0: DFLT), at most CAP. */
static size_t
iso7816_chunk (size_t max, size_t dflt, size_t cap)
{
  size_t n = max ? max : dflt;
  return n > cap ? cap : n;
}

/* Through vpcd at most 65533 data bytes fit one response frame. */
#define iso7816_chunk_le(c) \
  iso7816_chunk ((c)->max_le, APDU_MAX_SHORT_LE, 65533)
#define iso7816_chunk_lc(c) \
  iso7816_chunk ((c)->max_lc, APDU_MAX_SHORT_LC, 65535)

/* Send one command; RESP may be NULL (data dropped). */
static gpg_error_t
iso7816_cmd (apdu_chan_t *c, uint8_t ins, uint8_t p1, uint8_t p2,
             const uint8_t *data, size_t lc, size_t le, bool secret,
             buf_t *resp, unsigned *sw)
{
  apdu_t a;
  buf_t tmp = BUF_INIT;
  gpg_error_t err;

  memset (&a, 0, sizeof a);
  a.cla = 0x00;
  a.ins = ins;
  a.p1 = p1;
  a.p2 = p2;
  a.data = data;
  a.lc = lc;
  a.le = le;
  a.secret = secret;
  if (lc > APDU_MAX_SHORT_LC || le > APDU_MAX_SHORT_LE)
    a.extended = c->ext_ok;
  if (resp)
    buf_clear (resp);
  err = apdu_chan_exchange (c, &a, resp ? resp : &tmp, sw);
  buf_free (&tmp);
  return err;
}

/* ---- FCP --------------------------------------------------------------- */

static size_t
iso7816_get_uint (const uint8_t *p, size_t n)
{
  size_t v = 0;
  size_t i;
  if (n > sizeof (size_t))
    {
      p += n - sizeof (size_t);
      n = sizeof (size_t);
    }
  for (i = 0; i < n; i++)
    v = (v << 8) | p[i];
  return v;
}

gpg_error_t
iso7816_fcp_parse (const uint8_t *p, size_t n, iso7816_fcp_t *f)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;

  memset (f, 0, sizeof *f);
  if (!n)
    return 0;
  if (p[0] == 0x62 || p[0] == 0x6F || p[0] == 0x64)
    {
      err = tlv_parse (p, n, &t, NULL);
      if (err)
        return gpg_error (GPG_ERR_INV_OBJ);
      p = t.value;
      n = t.len;
    }
  tlv_iter_init (&it, p, n, 0);
  for (;;)
    {
      err = tlv_iter_next (&it, &t);
      if (gpg_err_code (err) == GPG_ERR_EOF)
        break;
      if (err)
        return gpg_error (GPG_ERR_INV_OBJ);
      switch (t.tag)
        {
        case 0x80:
          if (t.len && t.len <= 8)
            {
              f->has_size = true;
              f->size = iso7816_get_uint (t.value, t.len);
            }
          break;
        case 0x81:
          if (t.len && t.len <= 8)
            {
              f->has_total = true;
              f->total = iso7816_get_uint (t.value, t.len);
            }
          break;
        case 0x82:
          if (t.len >= 1)
            {
              f->has_fdb = true;
              f->fdb = t.value[0];
            }
          if (t.len >= 2)
            f->dcb = t.value[1];
          if (t.len == 3)
            f->max_rec_len = t.value[2];
          else if (t.len >= 4)
            f->max_rec_len = get_be16 (t.value + 2);
          if (t.len == 5)
            f->n_records = t.value[4];
          else if (t.len >= 6)
            f->n_records = get_be16 (t.value + 4);
          break;
        case 0x83:
          if (t.len == 2)
            {
              f->has_fid = true;
              f->fid = get_be16 (t.value);
            }
          break;
        case 0x84:
          if (t.len <= sizeof f->name)
            {
              memcpy (f->name, t.value, t.len);
              f->name_len = t.len;
            }
          break;
        case 0x8A:
          if (t.len == 1)
            {
              f->has_lcs = true;
              f->lcs = t.value[0];
            }
          break;
        case 0x86: case 0x8B: case 0x8C: case 0xAB: case 0xA1:
          if (f->sec_len + t.raw_len <= sizeof f->sec)
            {
              memcpy (f->sec + f->sec_len, t.raw, t.raw_len);
              f->sec_len += t.raw_len;
            }
          break;
        default:
          break;
        }
    }

  if (f->has_fdb)
    {
      if ((f->fdb & 0xBF) == 0x38)
        f->type = IMAGE_NODE_DF;
      else
        switch (f->fdb & 0x07)
          {
          case 1: f->type = IMAGE_NODE_EF_TRANSPARENT; break;
          case 2: case 3: f->type = IMAGE_NODE_EF_LINEAR_FIXED; break;
          case 4: case 5: f->type = IMAGE_NODE_EF_LINEAR_VARIABLE; break;
          case 6: case 7: f->type = IMAGE_NODE_EF_CYCLIC; break;
          default: f->type = 0; break;
          }
    }
  else if (f->name_len)
    f->type = IMAGE_NODE_DF;
  if (f->has_fid && f->fid == 0x3F00)
    f->type = IMAGE_NODE_MF;
  return 0;
}

/* One SC byte of the compact format to an access condition. */
static void
iso7816_sc_byte (uint8_t sc, image_ac_t *ac, uint8_t *ref)
{
  *ref = 0;
  if (sc == 0x00)
    *ac = IMAGE_AC_ALWAYS;
  else if (sc == 0xFF)
    *ac = IMAGE_AC_NEVER;
  else if ((sc & 0x60) == 0 && (sc & 0x0F))
    {
      /* b5 user authentication (or a bare reference): PIN reference in
       * the low nibble. */
      *ac = IMAGE_AC_PIN;
      *ref = sc & 0x0F;
    }
  else
    *ac = IMAGE_AC_OTHER;
}

void
iso7816_decode_access (const uint8_t *sec, size_t n, bool is_df,
                       image_access_t *ac)
{
  tlv_iter_t it;
  tlv_t t;
  bool seen = false;

  ac->read = ac->write = IMAGE_AC_UNKNOWN;
  ac->read_ref = ac->write_ref = 0;
  tlv_iter_init (&it, sec, n, 0);
  while (!tlv_iter_next (&it, &t))
    {
      seen = true;
      if (t.tag == 0x8C && t.len >= 1)
        {
          uint8_t am = t.value[0];
          size_t k = 1;
          int bit;
          for (bit = 6; bit >= 0; bit--)
            {
              image_ac_t a;
              uint8_t r;
              if (!(am & (1u << bit)))
                continue;
              if (k >= t.len)
                break;
              iso7816_sc_byte (t.value[k++], &a, &r);
              if (bit == 0 && !is_df)        /* b1: READ */
                {
                  ac->read = a;
                  ac->read_ref = r;
                }
              else if (bit == 1)   /* b2: UPDATE (EF), CREATE EF (DF) */
                {
                  ac->write = a;
                  ac->write_ref = r;
                }
            }
          /* Operations without an SC byte are not allowed... unless the
           * AM byte is 00, which some cards use for "always". */
          if (!is_df)
            {
              if (!(am & 0x01) && ac->read == IMAGE_AC_UNKNOWN)
                ac->read = am ? IMAGE_AC_NEVER : IMAGE_AC_ALWAYS;
              if (!(am & 0x02) && ac->write == IMAGE_AC_UNKNOWN)
                ac->write = am ? IMAGE_AC_NEVER : IMAGE_AC_ALWAYS;
            }
        }
    }
  if (is_df)
    ac->read = IMAGE_AC_ALWAYS;
  if (seen)
    {
      if (ac->read == IMAGE_AC_UNKNOWN)
        ac->read = IMAGE_AC_OTHER;
      if (ac->write == IMAGE_AC_UNKNOWN)
        ac->write = IMAGE_AC_OTHER;
    }
}

gpg_error_t
iso7816_fcp_build (const iso7816_fcp_t *f, buf_t *out)
{
  gpg_error_t err;
  size_t mark;
  uint8_t d[6];
  size_t dn = 0;

  err = tlv_begin (out, 0x62, &mark);
  if (!err && f->type != IMAGE_NODE_DF && f->type != IMAGE_NODE_MF
      && f->has_size)
    {
      uint8_t s[4];
      if (f->size <= 0xFFFF)
        {
          put_be16 (s, (unsigned)f->size);
          err = tlv_put (out, 0x80, s, 2);
        }
      else
        {
          put_be32 (s, (uint32_t)f->size);
          err = tlv_put (out, 0x80, s, 4);
        }
    }
  if (!err && f->has_fdb)
    {
      d[dn++] = f->fdb;
      if (f->max_rec_len || f->n_records
          || f->type == IMAGE_NODE_EF_LINEAR_FIXED
          || f->type == IMAGE_NODE_EF_LINEAR_VARIABLE
          || f->type == IMAGE_NODE_EF_CYCLIC)
        {
          d[dn++] = f->dcb;
          put_be16 (d + dn, f->max_rec_len);
          dn += 2;
          d[dn++] = (uint8_t)(f->n_records > 255 ? 255 : f->n_records);
        }
      else if (f->dcb)
        d[dn++] = f->dcb;
      err = tlv_put (out, 0x82, d, dn);
    }
  if (!err && f->has_fid)
    {
      put_be16 (d, f->fid);
      err = tlv_put (out, 0x83, d, 2);
    }
  if (!err && f->name_len)
    err = tlv_put (out, 0x84, f->name, f->name_len);
  if (!err && f->has_lcs)
    err = tlv_put_u8 (out, 0x8A, f->lcs);
  if (!err && f->sec_len)
    err = buf_append (out, f->sec, f->sec_len);
  if (!err)
    err = tlv_end (out, mark);
  return err;
}

/* ---- SELECT ------------------------------------------------------------ */

bool
iso7816_sw_exists (unsigned sw)
{
  return sw == SW_OK || SW_IS_MORE_DATA (sw) || sw == SW_FILE_DEACTIVATED
    || sw == SW_SEC_NOT_SATISFIED || sw == SW_COND_NOT_SATISFIED;
}

static bool
iso7816_p2_refused (unsigned sw)
{
  return sw == SW_INCORRECT_P1P2 || sw == SW_WRONG_P1P2
    || sw == SW_FUNC_NOT_SUPPORTED;
}

/* SELECT with P2 04 (FCP wanted) or 0C (FCP NULL: no answer data).
 * A card that refuses the one gets the other; 6F00 to a request for
 * the FCP is taken as "cannot encode it" (vsmartcard's vicc ISO card),
 * not as an answer about the file. */
static gpg_error_t
iso7816_select (apdu_chan_t *c, uint8_t p1, const uint8_t *data, size_t n,
                buf_t *fcp, unsigned *sw)
{
  gpg_error_t err;

  if (!fcp)
    {
      err = iso7816_cmd (c, 0xA4, p1, 0x0C, data, n, 0, false, NULL, sw);
      if (!err && iso7816_p2_refused (*sw))
        err = iso7816_cmd (c, 0xA4, p1, 0x04, data, n, 256, false, NULL, sw);
      return err;
    }
  err = iso7816_cmd (c, 0xA4, p1, 0x04, data, n, 256, false, fcp, sw);
  if (!err && (iso7816_p2_refused (*sw) || *sw == SW_UNKNOWN))
    err = iso7816_cmd (c, 0xA4, p1, 0x0C, data, n, 0, false, fcp, sw);
  return err;
}

gpg_error_t
iso7816_select_mf (apdu_chan_t *c, buf_t *fcp, unsigned *sw)
{
  static const uint8_t mf[2] = { 0x3F, 0x00 };
  return iso7816_select (c, 0x00, mf, 2, fcp, sw);
}

gpg_error_t
iso7816_select_fid (apdu_chan_t *c, uint16_t fid, buf_t *fcp, unsigned *sw)
{
  uint8_t d[2];
  put_be16 (d, fid);
  return iso7816_select (c, 0x00, d, 2, fcp, sw);
}

gpg_error_t
iso7816_select_path (apdu_chan_t *c, const uint16_t *fids, size_t n,
                     buf_t *fcp, unsigned *sw)
{
  gpg_error_t err;
  uint8_t d[2 * ISO7816_PATH_MAX];
  size_t i;

  if (n > ISO7816_PATH_MAX)
    return gpg_error (GPG_ERR_INV_LENGTH);
  if (!n)
    return iso7816_select_mf (c, fcp, sw);
  for (i = 0; i < n; i++)
    put_be16 (d + 2 * i, fids[i]);
  err = iso7816_select (c, 0x08, d, 2 * n, fcp, sw);
  if (err || !(iso7816_p2_refused (*sw) || *sw == SW_INS_NOT_SUPPORTED))
    return err;
  /* No SELECT by path: walk from the MF. */
  err = iso7816_select_mf (c, NULL, sw);
  for (i = 0; !err && *sw == SW_OK && i < n; i++)
    err = iso7816_select_fid (c, fids[i], i + 1 == n ? fcp : NULL, sw);
  return err;
}

gpg_error_t
iso7816_select_rel_path (apdu_chan_t *c, const uint16_t *fids, size_t n,
                         buf_t *fcp, unsigned *sw)
{
  uint8_t d[2 * ISO7816_PATH_MAX];
  size_t i;

  if (!n || n > ISO7816_PATH_MAX)
    return gpg_error (GPG_ERR_INV_LENGTH);
  for (i = 0; i < n; i++)
    put_be16 (d + 2 * i, fids[i]);
  return iso7816_select (c, 0x09, d, 2 * n, fcp, sw);
}

bool
iso7816_sw_unsupported (unsigned sw)
{
  return iso7816_p2_refused (sw) || sw == SW_INS_NOT_SUPPORTED
    || sw == SW_WRONG_P1P2;
}

gpg_error_t
iso7816_select_aid (apdu_chan_t *c, const uint8_t *aid, size_t n,
                    buf_t *fcp, unsigned *sw)
{
  gpg_error_t err;
  if (!n || n > 16)
    return gpg_error (GPG_ERR_INV_LENGTH);
  err = iso7816_cmd (c, 0xA4, 0x04, 0x00, aid, n, 256, false, fcp, sw);
  if (!err && (iso7816_p2_refused (*sw) || *sw == SW_UNKNOWN))
    err = iso7816_cmd (c, 0xA4, 0x04, 0x0C, aid, n, 0, false, fcp, sw);
  return err;
}

/* ---- READ -------------------------------------------------------------- */

gpg_error_t
iso7816_read_binary_all (apdu_chan_t *c, size_t size, buf_t *out,
                         unsigned *sw)
{
  gpg_error_t err = 0;
  size_t chunk = iso7816_chunk_le (c);
  size_t off = 0;

  *sw = SW_OK;
  for (;;)
    {
      size_t want = chunk;
      size_t before = out->len;
      size_t got;

      if (size)
        {
          if (off >= size)
            break;
          if (size - off < want)
            want = size - off;
        }
      if (off >= ISO7816_READ_LIMIT)
        {
          err = gpg_error (GPG_ERR_TOO_LARGE);
          break;
        }
      err = apdu_chan_read_binary (c, off, want, out, sw);
      if (err)
        break;
      got = out->len - before;
      if (*sw == SW_EOF_REACHED || (*sw == SW_WRONG_P1P2 && off > 0
                                    && !size))
        {
          *sw = SW_OK;
          break;
        }
      if (*sw != SW_OK)
        break;
      off += got;
      if (got < want || !got)
        break;
    }
  return err;
}

gpg_error_t
iso7816_read_record (apdu_chan_t *c, unsigned recno, buf_t *out,
                     unsigned *sw)
{
  gpg_error_t err;

  if (!recno || recno > 254)
    return gpg_error (GPG_ERR_INV_ARG);
  err = iso7816_cmd (c, 0xB2, (uint8_t)recno, 0x04, NULL, 0,
                     iso7816_chunk_le (c), false, out, sw);
  /* 6282: end of record before Ne bytes - the record is complete. */
  if (!err && *sw == SW_EOF_REACHED)
    *sw = SW_OK;
  return err;
}

/* ---- WRITE ------------------------------------------------------------- */

gpg_error_t
iso7816_update_binary_all (apdu_chan_t *c, const uint8_t *p, size_t n,
                           unsigned *sw)
{
  gpg_error_t err = 0;
  size_t chunk = iso7816_chunk_lc (c);
  size_t off = 0;

  /* The odd-INS form wraps the data in 53/54 TLVs: leave room. */
  if (n > 0x7FFF && chunk > 16)
    chunk -= 16;
  *sw = SW_OK;
  while (off < n)
    {
      size_t k = n - off < chunk ? n - off : chunk;
      err = apdu_chan_update_binary (c, off, p + off, k, sw);
      if (err || *sw != SW_OK)
        break;
      off += k;
    }
  return err;
}

gpg_error_t
iso7816_update_record (apdu_chan_t *c, unsigned recno, const uint8_t *p,
                       size_t n, unsigned *sw)
{
  if (!recno || recno > 254)
    return gpg_error (GPG_ERR_INV_ARG);
  return iso7816_cmd (c, 0xDC, (uint8_t)recno, 0x04, p, n, 0, false, NULL,
                      sw);
}

gpg_error_t
iso7816_append_record (apdu_chan_t *c, const uint8_t *p, size_t n,
                       unsigned *sw)
{
  return iso7816_cmd (c, 0xE2, 0x00, 0x00, p, n, 0, false, NULL, sw);
}

gpg_error_t
iso7816_create_file (apdu_chan_t *c, const uint8_t *fcp, size_t n,
                     unsigned *sw)
{
  return iso7816_cmd (c, 0xE0, 0x00, 0x00, fcp, n, 0, false, NULL, sw);
}

gpg_error_t
iso7816_delete_file (apdu_chan_t *c, uint16_t fid, unsigned *sw)
{
  uint8_t d[2];
  put_be16 (d, fid);
  return iso7816_cmd (c, 0xE4, 0x00, 0x00, d, 2, 0, false, NULL, sw);
}

gpg_error_t
iso7816_activate (apdu_chan_t *c, unsigned *sw)
{
  return iso7816_cmd (c, 0x44, 0x00, 0x00, NULL, 0, 0, false, NULL, sw);
}

gpg_error_t
iso7816_deactivate (apdu_chan_t *c, unsigned *sw)
{
  return iso7816_cmd (c, 0x04, 0x00, 0x00, NULL, 0, 0, false, NULL, sw);
}

/* ---- PIN --------------------------------------------------------------- */

gpg_error_t
iso7816_pin_retries (apdu_chan_t *c, uint8_t ref, int *retries, unsigned *sw)
{
  gpg_error_t err;

  *retries = -1;
  err = iso7816_cmd (c, 0x20, 0x00, ref, NULL, 0, 0, false, NULL, sw);
  if (err)
    return err;
  if (*sw == SW_OK)
    *retries = -2;
  else if (SW_IS_RETRIES (*sw))
    *retries = SW_RETRIES (*sw);
  else if (*sw == SW_AUTH_BLOCKED)
    *retries = 0;
  return 0;
}

gpg_error_t
iso7816_verify (apdu_chan_t *c, uint8_t ref, const char *pin, unsigned *sw)
{
  size_t n = strlen (pin);
  if (!n || n > 255)
    return gpg_error (GPG_ERR_INV_LENGTH);
  return iso7816_verify_data (c, ref, (const uint8_t *)pin, n, sw);
}

gpg_error_t
iso7816_verify_data (apdu_chan_t *c, uint8_t ref, const uint8_t *data,
                     size_t n, unsigned *sw)
{
  return iso7816_cmd (c, 0x20, 0x00, ref, data, n, 0, true, NULL, sw);
}

gpg_error_t
iso7816_change_reference_data (apdu_chan_t *c, uint8_t ref,
                               const char *old_pin, const uint8_t *new_pin,
                               size_t new_len, unsigned *sw)
{
  gpg_error_t err;
  size_t n = strlen (old_pin);
  uint8_t *data;

  if (!n || !new_len || n + new_len > 255)
    return gpg_error (GPG_ERR_INV_LENGTH);
  data = xtrymalloc_secure (n + new_len);
  if (!data)
    return gpg_error_from_syserror ();
  memcpy (data, old_pin, n);
  memcpy (data + n, new_pin, new_len);
  err = iso7816_cmd (c, 0x24, 0x00, ref, data, n + new_len, 0, true, NULL,
                     sw);
  wipememory (data, n + new_len);
  xfree_secure (data);
  return err;
}

gpg_error_t
iso7816_set_reference_data (apdu_chan_t *c, uint8_t ref,
                            const uint8_t *new_pin, size_t new_len,
                            unsigned *sw)
{
  if (!new_len || new_len > 255)
    return gpg_error (GPG_ERR_INV_LENGTH);
  /* INS 24 is redacted in the transcript; NEW_PIN is the caller's
   * (secure) memory, sent as is. */
  return iso7816_cmd (c, 0x24, 0x01, ref, new_pin, new_len, 0, true, NULL,
                      sw);
}
