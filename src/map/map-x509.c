/* map-x509.c - the few parts of an X.509 certificate (RFC 5280) the
 * mapping needs: the subject public key's algorithm and value (to tell
 * which key a certificate belongs to and whether the target takes it),
 * key usage and basic constraints (the purpose of a certificate without
 * a PKCS#15 key next to it), and the subject's name, login and e-mail
 * (the OpenPGP cardholder fields). DER is read with the strict BER-TLV
 * parser; nothing here checks signatures. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/der.h"
#include "map/map-int.h"

static const uint8_t oid_ku[] = { 0x55, 0x1D, 0x0F };
static const uint8_t oid_bc[] = { 0x55, 0x1D, 0x13 };
static const uint8_t oid_san[] = { 0x55, 0x1D, 0x11 };
static const uint8_t oid_cn[] = { 0x55, 0x04, 0x03 };
static const uint8_t oid_sn[] = { 0x55, 0x04, 0x04 };
static const uint8_t oid_gn[] = { 0x55, 0x04, 0x2A };
static const uint8_t oid_uid[] = { 0x09, 0x92, 0x26, 0x89, 0x93, 0xF2, 0x2C,
                                   0x64, 0x01, 0x01 };
static const uint8_t oid_email[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01,
                                     0x09, 0x01 };

/* A directory string into BUF (printable ASCII/UTF-8 kept as is, control
 * characters dropped). */
static void
map_x509_string (const tlv_t *t, char *buf, size_t size)
{
  size_t i, k = 0;

  buf[0] = 0;
  if (t->tag != 0x0C && t->tag != 0x13 && t->tag != 0x16 && t->tag != 0x14)
    return;
  for (i = 0; i < t->len && k + 1 < size; i++)
    if (t->value[i] >= 0x20 && t->value[i] != 0x7F)
      buf[k++] = (char)t->value[i];
  buf[k] = 0;
}

static void
map_x509_name (map_x509_t *x, const tlv_t *name)
{
  tlv_iter_t it, it2;
  tlv_t rdn, atv, oid, val;

  tlv_iter_init (&it, name->value, name->len, 0);
  while (!tlv_iter_next (&it, &rdn))
    {
      if (rdn.tag != 0x31)
        continue;
      tlv_iter_init (&it2, rdn.value, rdn.len, 0);
      while (!tlv_iter_next (&it2, &atv))
        {
          if (atv.tag != 0x30 || !der_child (&atv, 0, &oid)
              || !der_child (&atv, 1, &val))
            continue;
          if (der_oid_is (&oid, oid_cn, sizeof oid_cn))
            map_x509_string (&val, x->cn, sizeof x->cn);
          else if (der_oid_is (&oid, oid_gn, sizeof oid_gn))
            map_x509_string (&val, x->given, sizeof x->given);
          else if (der_oid_is (&oid, oid_sn, sizeof oid_sn))
            map_x509_string (&val, x->surname, sizeof x->surname);
          else if (der_oid_is (&oid, oid_uid, sizeof oid_uid))
            map_x509_string (&val, x->uid, sizeof x->uid);
          else if (der_oid_is (&oid, oid_email, sizeof oid_email))
            map_x509_string (&val, x->email, sizeof x->email);
        }
    }
}

static void
map_x509_spki (map_x509_t *x, const tlv_t *spki)
{
  tlv_t alg, oid, par, bits, rsapub, n;

  if (!der_child (spki, 0, &alg) || alg.tag != 0x30
      || !der_child (&alg, 0, &oid)
      || !der_child (spki, 1, &bits) || bits.tag != 0x03
      || bits.len < 2 || bits.value[0] != 0)
    return;
  if (der_oid_is (&oid, der_oid_rsa, sizeof der_oid_rsa))
    {
      size_t len, nbits;
      if (tlv_parse (bits.value + 1, bits.len - 1, &rsapub, NULL)
          || rsapub.tag != 0x30 || !der_child (&rsapub, 0, &n)
          || n.tag != 0x02 || !n.len)
        return;
      x->pub = n.value;
      len = n.len;
      while (len > 1 && !*x->pub)
        x->pub++, len--;
      x->pub_len = len;
      nbits = (len - 1) * 8;
      for (uint8_t top = x->pub[0]; top; top >>= 1)
        nbits++;
      x->alg = nbits == 1024 ? MAP_ALG_RSA1024 : nbits == 2048
        ? MAP_ALG_RSA2048 : nbits == 3072 ? MAP_ALG_RSA3072 : nbits == 4096
        ? MAP_ALG_RSA4096 : 0;
      return;
    }
  x->pub = bits.value + 1;
  x->pub_len = bits.len - 1;
  if (der_oid_is (&oid, der_oid_ed25519, sizeof der_oid_ed25519))
    x->alg = MAP_ALG_ED25519;
  else if (der_oid_is (&oid, der_oid_x25519, sizeof der_oid_x25519))
    x->alg = MAP_ALG_CV25519;
  else if (der_oid_is (&oid, der_oid_ec, sizeof der_oid_ec)
           && der_child (&alg, 1, &par))
    x->alg = der_oid_is (&par, der_oid_p256, sizeof der_oid_p256)
      ? MAP_ALG_NISTP256 : der_oid_is (&par, der_oid_p384, sizeof der_oid_p384)
      ? MAP_ALG_NISTP384 : der_oid_is (&par, der_oid_p521, sizeof der_oid_p521)
      ? MAP_ALG_NISTP521 : 0;
}

static void
map_x509_extensions (map_x509_t *x, const tlv_t *a3)
{
  tlv_t exts, ext, oid, val, inner, t;
  tlv_iter_t it, it2;

  if (tlv_parse (a3->value, a3->len, &exts, NULL) || exts.tag != 0x30)
    return;
  tlv_iter_init (&it, exts.value, exts.len, 0);
  while (!tlv_iter_next (&it, &ext))
    {
      if (ext.tag != 0x30 || !der_child (&ext, 0, &oid))
        continue;
      /* extnValue is the last child (critical is optional). */
      if (tlv_find (ext.value, ext.len, 0x04, &val)
          || tlv_parse (val.value, val.len, &inner, NULL))
        continue;
      if (der_oid_is (&oid, oid_ku, sizeof oid_ku) && inner.tag == 0x03)
        {
          static const unsigned bits[] = {
            MAP_KU_DIGITAL_SIGNATURE, MAP_KU_NON_REPUDIATION,
            MAP_KU_KEY_ENCIPHERMENT, MAP_KU_DATA_ENCIPHERMENT,
            MAP_KU_KEY_AGREEMENT, MAP_KU_KEY_CERT_SIGN
          };
          unsigned i;
          x->has_ku = true;
          for (i = 0; i < DIM (bits); i++)
            if (der_bit (&inner, i))
              x->ku |= bits[i];
        }
      else if (der_oid_is (&oid, oid_bc, sizeof oid_bc)
               && inner.tag == 0x30)
        x->ca = !tlv_find (inner.value, inner.len, 0x01, &t) && t.len == 1
          && t.value[0];
      else if (der_oid_is (&oid, oid_san, sizeof oid_san)
               && inner.tag == 0x30)
        {
          tlv_iter_init (&it2, inner.value, inner.len, 0);
          while (!tlv_iter_next (&it2, &t))
            {
              char *dst = NULL;
              size_t size = 0, k;
              if (t.tag == 0x81 && !x->email[0])
                dst = x->email, size = sizeof x->email;
              else if (t.tag == 0x86 && !x->uri[0])
                dst = x->uri, size = sizeof x->uri;
              if (!dst || t.len >= size)
                continue;
              for (k = 0; k < t.len; k++)
                dst[k] = (t.value[k] >= 0x20 && t.value[k] < 0x7F)
                         ? (char)t.value[k] : '?';
              dst[k] = 0;
            }
        }
    }
}

gpg_error_t
map_x509_parse (const uint8_t *p, size_t n, map_x509_t *x)
{
  tlv_t cert, tbs, t;
  tlv_iter_t it;
  unsigned idx = 0;
  bool seen_subject = false;
  unsigned seq_count = 0;

  memset (x, 0, sizeof *x);
  if (tlv_parse (p, n, &cert, NULL) || cert.tag != 0x30
      || !der_child (&cert, 0, &tbs) || tbs.tag != 0x30)
    return gpg_error (GPG_ERR_INV_OBJ);
  /* tbsCertificate: [0] version, serial, signature, issuer, validity,
   * subject, subjectPublicKeyInfo, [1], [2], [3] extensions. The
   * SEQUENCEs after the serial are counted: 1 signature algorithm, 2
   * issuer, 3 validity, 4 subject, 5 subject public key info. */
  tlv_iter_init (&it, tbs.value, tbs.len, 0);
  while (!tlv_iter_next (&it, &t))
    {
      idx++;
      if (t.tag == 0x30)
        {
          seq_count++;
          if (seq_count == 4)
            {
              map_x509_name (x, &t);
              x->subject = t.raw;
              x->subject_len = t.raw_len;
              seen_subject = true;
            }
          else if (seq_count == 5)
            map_x509_spki (x, &t);
        }
      else if (t.tag == 0xA3)
        map_x509_extensions (x, &t);
    }
  if (!seen_subject || !x->pub)
    return gpg_error (GPG_ERR_INV_OBJ);
  (void)idx;
  return 0;
}

map_purpose_t
map_x509_purpose (const map_x509_t *x)
{
  if (!x->has_ku || x->ca)
    return MAP_PURPOSE_NONE;
  if (x->ku & MAP_KU_NON_REPUDIATION)
    return MAP_PURPOSE_SIGN;
  if (x->ku & MAP_KU_DIGITAL_SIGNATURE)
    return MAP_PURPOSE_AUTH;
  if (x->ku & (MAP_KU_KEY_ENCIPHERMENT | MAP_KU_DATA_ENCIPHERMENT
               | MAP_KU_KEY_AGREEMENT))
    return MAP_PURPOSE_DECRYPT;
  return MAP_PURPOSE_NONE;
}

gpg_error_t
map_x509_from_piv (const uint8_t *p, size_t n, const uint8_t **r_cert,
                   size_t *r_len)
{
  tlv_t c, info;

  *r_cert = NULL;
  *r_len = 0;
  if (tlv_find (p, n, 0x70, &c) || !c.len)
    return gpg_error (GPG_ERR_INV_OBJ);
  /* CertInfo 71: bit 0 set = compressed (gzip). */
  if (!tlv_find (p, n, 0x71, &info) && info.len == 1 && (info.value[0] & 1))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  *r_cert = c.value;
  *r_len = c.len;
  return 0;
}
