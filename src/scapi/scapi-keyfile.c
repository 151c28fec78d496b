/* scapi-keyfile.c - escrow a private key you already have: read it from a
 * key file (PEM or DER: PKCS #8 "PRIVATE KEY", PKCS #1 "RSA PRIVATE KEY",
 * SEC 1 "EC PRIVATE KEY", as openssl writes them; not encrypted) into a
 * libgcrypt S-expression, and store it as the escrowed key of a slot
 * (vsctool keygen --import). For a PKCS#15 card the slot is the key's
 * iD in the VSC's PrKDF; the key must belong to the certificate with
 * that iD, and the key node learns the FID of its key file (so a
 * restore onto the same model or vscemu --vsc puts the key there). */
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
#include "common/tlv.h"
#include "common/der.h"
#include "agency/agent-apps.h"
#include "map/map-x509.h"
#include "scapi/scapi.h"
#include "scapi/scapi-keys.h"

static int
kf_b64 (int c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* The DER of a PEM file (the first BEGIN/END block), or the bytes as
 * they are. GPG_ERR_BAD_PASSPHRASE for an encrypted key. */
static gpg_error_t
kf_der (const uint8_t *p, size_t n, buf_t *out, const char **r_err)
{
  const char *s = (const char *)p, *begin, *body, *end;
  unsigned acc = 0;
  int bits = 0;
  size_t i;

  *r_err = NULL;
  begin = n > 11 ? memmem (s, n, "-----BEGIN ", 11) : NULL;
  if (!begin)
    return buf_set (out, p, n);
  if (memmem (begin, n - (size_t)(begin - s), "ENCRYPTED", 9)
      || memmem (begin, n - (size_t)(begin - s), "Proc-Type: 4,ENCRYPTED",
                 22))
    {
      *r_err = _("the key file is encrypted: decrypt it first (openssl "
                 "pkey -in KEY -out PLAIN)");
      return gpg_error (GPG_ERR_BAD_PASSPHRASE);
    }
  body = memchr (begin, '\n', n - (size_t)(begin - s));
  end = body ? memmem (body, n - (size_t)(body - s), "-----END ", 9) : NULL;
  if (!body || !end)
    return gpg_error (GPG_ERR_INV_DATA);
  for (i = 0; body + i < end; i++)
    {
      int v = kf_b64 ((unsigned char)body[i]);
      if (v < 0)
        {
          if (body[i] == '=' || body[i] == '\n' || body[i] == '\r'
              || body[i] == ' ' || body[i] == '\t')
            continue;
          return gpg_error (GPG_ERR_INV_DATA);
        }
      acc = (acc << 6) | (unsigned)v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          if (buf_append_byte (out, (uint8_t)(acc >> bits)))
            return gpg_error_from_syserror ();
        }
    }
  wipememory (&acc, sizeof acc);
  return out->len ? 0 : gpg_error (GPG_ERR_INV_DATA);
}

static gpg_error_t
kf_rsa (const der_privkey_t *k, gcry_sexp_t *r_sk, unsigned *r_bits)
{
  const tlv_t *t[5] = { &k->n, &k->e, &k->d, &k->p, &k->q };
  gcry_mpi_t m[5] = { NULL, NULL, NULL, NULL, NULL }, u = NULL;
  gpg_error_t err = 0;
  int i;

  for (i = 0; !err && i < 5; i++)
    err = gcry_mpi_scan (&m[i], GCRYMPI_FMT_STD, t[i]->value, t[i]->len,
                         NULL);
  /* n e d p q; libgcrypt wants p < q and u = p^-1 mod q. */
  if (!err && gcry_mpi_cmp (m[3], m[4]) > 0)
    gcry_mpi_swap (m[3], m[4]);
  if (!err)
    {
      u = gcry_mpi_snew (0);
      if (!gcry_mpi_invm (u, m[3], m[4]))
        err = gpg_error (GPG_ERR_INV_DATA);
    }
  if (!err)
    err = gcry_sexp_build (r_sk, NULL,
                           "(private-key(rsa(n%m)(e%m)(d%m)(p%m)(q%m)"
                           "(u%m)))", m[0], m[1], m[2], m[3], m[4], u);
  if (!err)
    *r_bits = gcry_mpi_get_nbits (m[0]);
  for (i = 0; i < 5; i++)
    gcry_mpi_release (m[i]);
  gcry_mpi_release (u);
  return err;
}

/* An ECC key from its private scalar on CURVE (libgcrypt's name). */
static gpg_error_t
kf_ecc (const char *curve, bool eddsa, const uint8_t *d, size_t dlen,
        gcry_sexp_t *r_sk)
{
  gcry_sexp_t tmp = NULL;
  gcry_ctx_t ctx = NULL;
  gcry_mpi_t q = NULL;
  unsigned char *qb = NULL;
  size_t qlen = 0;
  unsigned nbits = 0;
  gpg_error_t err;

  err = eddsa
    ? gcry_sexp_build (&tmp, NULL, "(private-key(ecc(curve Ed25519)"
                       "(flags eddsa)(d%b)))", (int)dlen, d)
    : gcry_sexp_build (&tmp, NULL, "(private-key(ecc(curve %s)(d%b)))",
                       curve, (int)dlen, d);
  if (!err)
    err = gcry_mpi_ec_new (&ctx, tmp, NULL);
  if (!err)
    {
      q = gcry_mpi_ec_get_mpi (eddsa ? "q@eddsa" : "q", ctx, 1);
      if (!q)
        err = gpg_error (GPG_ERR_INV_DATA);
    }
  if (!err && gcry_mpi_get_flag (q, GCRYMPI_FLAG_OPAQUE))
    {
      const void *o = gcry_mpi_get_opaque (q, &nbits);
      qlen = (nbits + 7) / 8;
      err = eddsa
        ? gcry_sexp_build (r_sk, NULL, "(private-key(ecc(curve Ed25519)"
                           "(flags eddsa)(q%b)(d%b)))", (int)qlen, o,
                           (int)dlen, d)
        : gcry_sexp_build (r_sk, NULL, "(private-key(ecc(curve %s)(q%b)"
                           "(d%b)))", curve, (int)qlen, o, (int)dlen, d);
    }
  else if (!err)
    {
      err = gcry_mpi_aprint (GCRYMPI_FMT_USG, &qb, &qlen, q);
      if (!err)
        err = gcry_sexp_build (r_sk, NULL, "(private-key(ecc(curve %s)(q%b)"
                               "(d%b)))", curve, (int)qlen, qb, (int)dlen, d);
    }
  gcry_free (qb);
  gcry_mpi_release (q);
  gcry_ctx_release (ctx);
  gcry_sexp_release (tmp);
  return err;
}

/* SEC 1 ECPrivateKey: the curve of its [0] parameters, else the one of
 * the PKCS #8 wrapper (which must name one). */
static gpg_error_t
kf_sec1 (const der_privkey_t *k, gcry_sexp_t *r_sk, const char **r_algo)
{
  const tlv_t *c = k->has_key_curve ? &k->key_curve
    : k->has_alg_curve ? &k->alg_curve : NULL;

  if (k->pkcs8 && !k->has_alg_curve)
    return gpg_error (GPG_ERR_UNKNOWN_CURVE);
  switch (c ? der_curve (c) : DER_CURVE_NONE)
    {
    case DER_CURVE_P256:
      *r_algo = "nistp256";
      return kf_ecc ("NIST P-256", false, k->priv.value, k->priv.len, r_sk);
    case DER_CURVE_P384:
      *r_algo = "nistp384";
      return kf_ecc ("NIST P-384", false, k->priv.value, k->priv.len, r_sk);
    default:
      return gpg_error (GPG_ERR_UNKNOWN_CURVE);
    }
}

/* DER to a key and its algorithm name (agent-keys.c's names). */
static gpg_error_t
kf_parse (const uint8_t *p, size_t n, gcry_sexp_t *r_sk, const char **r_algo)
{
  der_privkey_t k;
  unsigned bits = 0;
  gpg_error_t err;

  *r_sk = NULL;
  err = der_privkey_parse (p, n, &k);
  if (err)
    return err;
  if (k.kind == DER_KEY_ED25519)
    {
      *r_algo = "ed25519";
      return kf_ecc ("Ed25519", true, k.priv.value, k.priv.len, r_sk);
    }
  if (k.kind == DER_KEY_EC)
    return kf_sec1 (&k, r_sk, r_algo);
  err = kf_rsa (&k, r_sk, &bits);
  if (err)
    return err;
  *r_algo = bits == 2048 ? "rsa2048" : bits == 3072 ? "rsa3072"
    : bits == 4096 ? "rsa4096" : NULL;
  if (!*r_algo)
    {
      gcry_sexp_release (*r_sk);
      *r_sk = NULL;
      return gpg_error (GPG_ERR_PUBKEY_ALGO);
    }
  return 0;
}

gpg_error_t
scapi_keyfile_read (const uint8_t *p, size_t n, buf_t *out,
                    const char **r_algo, const char **r_errtext)
{
  gpg_error_t err;
  buf_t der;
  gcry_sexp_t sk = NULL;
  size_t len;

  buf_init_secure (&der);
  *r_algo = NULL;
  *r_errtext = NULL;
  err = kf_der (p, n, &der, r_errtext);
  if (!err)
    err = kf_parse (der.data, der.len, &sk, r_algo);
  if (!err && gcry_pk_testkey (sk))
    err = gpg_error (GPG_ERR_BAD_SECKEY);
  if (!err)
    {
      len = gcry_sexp_sprint (sk, GCRYSEXP_FMT_CANON, NULL, 0);
      err = buf_reserve (out, len);
      if (!err)
        out->len = gcry_sexp_sprint (sk, GCRYSEXP_FMT_CANON, out->data, len);
    }
  if (err && !*r_errtext)
    *r_errtext = gpg_err_code (err) == GPG_ERR_PUBKEY_ALGO
      ? _("the key file holds a key of another algorithm (RSA 2048, 3072, "
          "4096, NIST P-256, P-384 and Ed25519 keys can be imported)")
      : gpg_err_code (err) == GPG_ERR_UNKNOWN_CURVE
      ? _("the key file holds a key on a curve that cannot be imported "
          "(NIST P-256, P-384)")
      : _("the key file holds no usable private key (PEM or DER: PKCS #8, "
          "PKCS #1 or SEC 1)");
  gcry_sexp_release (sk);
  buf_free (&der);
  return err;
}

/* The public part of the escrowed key in KEY, as an X.509 certificate
 * carries it (RSA modulus / EC point). */
static gpg_error_t
kf_public (const uint8_t *key, size_t n, bool rsa, buf_t *out)
{
  return agent_keys_param (key, n, rsa ? "n" : "q", 0, out);
}

gpg_error_t
scapi_keyfile_pkcs15 (image_t *image, const char *id, const uint8_t *key,
                      size_t keylen, const char *algo, char *path,
                      size_t pathsize, char *errbuf, size_t errsize)
{
  gpg_error_t err;
  map_t *map = NULL;
  map_target_t t;
  size_t i;
  const map_entry_t *ke = NULL, *ce = NULL;
  image_node_t *node;
  buf_t pub = BUF_INIT;
  map_x509_t x;
  image_keyinfo_t ki;

  map_target_init (&t);
  err = map_plan (image, &t, NULL, NULL, &map);
  if (err)
    return err;
  for (i = 0; i < map->n; i++)
    if (map->e[i].src_app == MAP_APP_PKCS15 && !strcasecmp (map->e[i].id, id))
      {
        if (map->e[i].kind == MAP_KIND_KEY)
          ke = &map->e[i];
        else if (map->e[i].kind == MAP_KIND_CERT)
          ce = &map->e[i];
      }
  if (!ke)
    {
      snprintf (errbuf, errsize, _("the VSC's PKCS#15 structure has no "
                                   "private key with iD %s"), id);
      err = gpg_error (GPG_ERR_NOT_FOUND);
      goto leave;
    }
  if (ke->alg && ke->alg != map_alg_parse (algo))
    {
      snprintf (errbuf, errsize, _("the card's key %s is %s, the key file "
                                   "holds %s"), id, map_alg_name (ke->alg),
                algo);
      err = gpg_error (GPG_ERR_WRONG_PUBKEY_ALGO);
      goto leave;
    }
  if (ce && ce->data_len && !map_x509_parse (ce->data, ce->data_len, &x))
    {
      err = kf_public (key, keylen, !strncmp (algo, "rsa", 3), &pub);
      if (err)
        goto leave;
      if (pub.len != x.pub_len || memcmp (pub.data, x.pub, pub.len))
        {
          snprintf (errbuf, errsize, _("the key does not belong to the "
                                       "certificate %s of the VSC"),
                    ce->src);
          err = gpg_error (GPG_ERR_WRONG_SECKEY);
          goto leave;
        }
    }
  node = image_find_path (image, ke->src);
  if (!node)
    {
      err = gpg_error (GPG_ERR_NOT_FOUND);
      goto leave;
    }
  err = image_node_set_content (node, key, keylen);
  if (err)
    goto leave;
  node->size = keylen;
  node->area = IMAGE_AREA_SECRET_KEY;
  node->flags &= ~(IMAGE_FLAG_NOT_EXTRACTABLE | IMAGE_FLAG_UNREADABLE
                   | IMAGE_FLAG_TRUNCATED);
  node->sw = 0;
  /* The key's file on the card: a restore onto the same model (or
   * vscemu --vsc) puts the key there. */
  if (ke->file && ke->file->parent == node->parent && ke->file->has_fid)
    {
      node->has_fid = true;
      node->fid = ke->file->fid;
    }
  else if (ke->file_fid && !ke->file)
    {
      /* The PrKDF names the file, the backup could not record it (an
       * internal EF): the key takes its FID. */
      node->has_fid = true;
      node->fid = ke->file_fid;
    }
  memset (&ki, 0, sizeof ki);
  ki.algorithm = (char *)algo;
  ki.usage = (char *)map_purpose_name (ke->purpose);
  ki.created = node->key.created;
  err = image_node_set_keyinfo (node, &ki);
  if (!err)
    err = image_node_set_note (node, _("escrowed: imported from a key "
                                       "file"));
  if (!err)
    snprintf (path, pathsize, "%s", ke->src);
 leave:
  buf_free (&pub);
  map_free (map);
  return err;
}
