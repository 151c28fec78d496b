/* agent-pkcs15-keys.c - escrowed keys written into the key files of a
 * PKCS#15 file-system card (the layout of src/map/map-p15.h; the format
 * is the card's, see doc/card-profile.md "Keys in the file system")
 *
 * A key node with a FID is a key file: CREATE FILE of an internal EF
 * (FDB 09) in initialisation state, UPDATE BINARY of the key as DER
 * (PKCS #1 RSAPrivateKey, SEC 1 ECPrivateKey; redacted in the
 * transcript), ACTIVATE FILE. The key cannot be read back; instead the
 * card signs a random value with it (MSE SET, PSO COMPUTE DIGITAL
 * SIGNATURE after the PIN that guards its use), and the signature must
 * verify with the escrowed key's public part. The DER is built here from
 * the libgcrypt key, not by the emulator's code. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/tlv.h"
#include "common/der.h"
#include "agency/agent.h"
#include "agency/agent-apps.h"
#include "agency/agent-pkcs15.h"
#include "agency/iso7816.h"

static const agent_keys_algo_t *
p15k_algo (const image_node_t *s)
{
  const agent_keys_algo_t *al = agent_keys_algo (s->key.algorithm);
  if (al && (al->kind == AGENT_KEYS_RSA || al->kind == AGENT_KEYS_NIST))
    return al;
  return NULL;
}

static gpg_error_t
p15k_mpi (const image_node_t *s, const char *name, gcry_mpi_t *r)
{
  buf_t b;
  gpg_error_t err;

  buf_init_secure (&b);
  *r = NULL;
  err = agent_keys_param (s->content, s->content_len, name, 0, &b);
  if (!err)
    err = gcry_mpi_scan (r, GCRYMPI_FMT_USG, b.data, b.len, NULL);
  buf_free (&b);
  return err;
}

gpg_error_t
agent_pkcs15_keys_der (const image_node_t *s, buf_t *out)
{
  const agent_keys_algo_t *al = p15k_algo (s);
  gpg_error_t err = 0;

  if (!al)
    return gpg_error (GPG_ERR_PUBKEY_ALGO);
  if (al->kind == AGENT_KEYS_RSA)
    {
      /* RSAPrivateKey { 0, n, e, d, p, q, d mod (p-1), d mod (q-1),
       * q^-1 mod p }. libgcrypt keeps p < q with u = p^-1 mod q: our
       * prime1 is its q, prime2 its p, and the coefficient is u. */
      static const char *const names[6] = { "n", "e", "d", "p", "q", "u" };
      gcry_mpi_t m[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
      int k;

      for (k = 0; !err && k < 6; k++)
        err = p15k_mpi (s, names[k], &m[k]);
      if (!err)
        err = der_put_rsa_private (out, m[0], m[1], m[2], m[3], m[4], m[5]);
      for (k = 0; k < 6; k++)
        gcry_mpi_release (m[k]);
      return err;
    }
  /* ECPrivateKey { 1, d (field size), [0] curve, [1] public point }. */
  {
    size_t sz = (al->bits + 7) / 8;
    buf_t d, q = BUF_INIT;
    buf_init_secure (&d);
    err = agent_keys_param (s->content, s->content_len, "d", sz, &d);
    if (!err)
      err = agent_keys_param (s->content, s->content_len, "q", 0, &q);
    if (!err)
      err = der_put_ec_private (out, al->bits == 256 ? DER_CURVE_P256
                                : DER_CURVE_P384, d.data, d.len,
                                q.data, q.len);
    buf_free (&d);
    buf_free (&q);
  }
  return err;
}

/* CREATE FILE template: internal EF, FID, size, initialisation state,
 * and the compact security attributes of the planned FCP (8C). */
static gpg_error_t
p15k_fcp (const image_node_t *s, size_t size, buf_t *out)
{
  size_t mark;
  uint8_t fdb = 0x09, fid[2];
  gpg_error_t err;
  tlv_t outer, sc;

  put_be16 (fid, s->fid);
  err = tlv_begin (out, 0x62, &mark);
  if (!err)
    err = tlv_put (out, 0x82, &fdb, 1);
  if (!err)
    err = tlv_put (out, 0x83, fid, 2);
  if (!err)
    err = tlv_put_uint (out, 0x80, size);
  if (!err)
    err = tlv_put_u8 (out, 0x8A, 0x03);
  if (!err && s->fcp && !tlv_parse (s->fcp, s->fcp_len, &outer, NULL)
      && !tlv_find (outer.value, outer.len, 0x8C, &sc))
    err = buf_append (out, sc.raw, sc.raw_len);
  if (!err)
    err = tlv_end (out, mark);
  return err;
}

/* SELECT the key file of S: the path of its DF, then its FID. */
static gpg_error_t
p15k_select (agency_card_t *card, const image_node_t *s, unsigned *sw)
{
  uint16_t fids[ISO7816_PATH_MAX + 1];
  size_t n = 0;
  gpg_error_t err;

  err = agent_iso7816_node_fids (s->parent, fids, &n);
  if (err || n >= ISO7816_PATH_MAX)
    return err ? err : gpg_error (GPG_ERR_TOO_LARGE);
  fids[n++] = s->fid;
  return iso7816_select_path (&card->chan, fids, n, NULL, sw);
}

/* The PIN reference that guards the key file's use (its read condition
 * in the planned FCP, else its write reference, else 1). */
static uint8_t
p15k_use_ref (const image_node_t *s)
{
  tlv_t outer, sc;

  if (s->fcp && !tlv_parse (s->fcp, s->fcp_len, &outer, NULL)
      && !tlv_find (outer.value, outer.len, 0x8C, &sc) && sc.len == 8
      && (sc.value[7] & 0xF0) == 0x10)
    return sc.value[7] & 0x0F;
  if (s->access.write == IMAGE_AC_PIN && s->access.write_ref)
    return s->access.write_ref;
  return 1;
}

/* Sign a random value with the key in the selected DF's file S and check
 * the signature with the escrowed key. *R_OK false: the card refused or
 * the signature is wrong (E->sw / E->err say which). */
static gpg_error_t
p15k_prove (agency_card_t *card, const image_node_t *s, plan_entry_t *e,
            bool *r_ok)
{
  const agent_keys_algo_t *al = p15k_algo (s);
  gpg_error_t err;
  unsigned sw = 0;
  uint8_t mse[4], hash[32], in[19 + 32];
  size_t inlen;
  buf_t sig = BUF_INIT;
  apdu_t a;
  gcry_sexp_t key = NULL, pub = NULL, data = NULL, sv = NULL;
  char *path = image_node_path (s);
  static const uint8_t di_sha256[19] = {
    0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
    0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20
  };

  *r_ok = false;
  if (!path)
    return gpg_error_from_syserror ();
  err = agency_verify_pin (card, p15k_use_ref (s), path);
  xfree (path);
  if (err)
    {
      if (agency_fatal (err))
        return err;
      e->err = err;
      return 0;
    }
  gcry_randomize (hash, sizeof hash, GCRY_WEAK_RANDOM);
  mse[0] = 0x81;
  mse[1] = 0x02;
  put_be16 (mse + 2, s->fid);
  memset (&a, 0, sizeof a);
  a.ins = 0x22;
  a.p1 = 0x41;
  a.p2 = 0xB6;
  a.data = mse;
  a.lc = sizeof mse;
  err = apdu_chan_exchange (&card->chan, &a, &sig, &sw);
  if (err)
    goto leave;
  if (agency_entry_refused (e, sw))
    goto leave;
  if (al->kind == AGENT_KEYS_RSA)
    {
      memcpy (in, di_sha256, sizeof di_sha256);
      memcpy (in + sizeof di_sha256, hash, sizeof hash);
      inlen = sizeof in;
    }
  else
    {
      memcpy (in, hash, sizeof hash);
      inlen = sizeof hash;
    }
  memset (&a, 0, sizeof a);
  a.ins = 0x2A;
  a.p1 = 0x9E;
  a.p2 = 0x9A;
  a.data = in;
  a.lc = inlen;
  a.le = 256;
  buf_clear (&sig);
  err = apdu_chan_exchange (&card->chan, &a, &sig, &sw);
  if (err)
    goto leave;
  if (agency_entry_refused (e, sw))
    goto leave;
  /* The signature must verify with the escrowed key. */
  if (gcry_sexp_sscan (&key, NULL, (const char *)s->content, s->content_len))
    {
      e->err = gpg_error (GPG_ERR_INV_SEXP);
      goto leave;
    }
  pub = gcry_sexp_find_token (key, "private-key", 0);
  if (al->kind == AGENT_KEYS_RSA)
    {
      err = gcry_sexp_build (&data, NULL, "(data(flags pkcs1)(hash sha256 %b))",
                             (int)sizeof hash, hash);
      if (!err)
        err = gcry_sexp_build (&sv, NULL, "(sig-val(rsa(s%b)))",
                               (int)sig.len, sig.data);
    }
  else
    {
      tlv_t seq, r, t;
      tlv_iter_t it;
      if (tlv_parse (sig.data, sig.len, &seq, NULL) || seq.tag != 0x30)
        {
          e->err = gpg_error (GPG_ERR_BAD_SIGNATURE);
          goto leave;
        }
      tlv_iter_init (&it, seq.value, seq.len, 0);
      if (tlv_iter_next (&it, &r) || tlv_iter_next (&it, &t))
        {
          e->err = gpg_error (GPG_ERR_BAD_SIGNATURE);
          goto leave;
        }
      err = gcry_sexp_build (&data, NULL, "(data(flags raw)(value%b))",
                             (int)sizeof hash, hash);
      if (!err)
        err = gcry_sexp_build (&sv, NULL, "(sig-val(ecdsa(r%b)(s%b)))",
                               (int)r.len, r.value, (int)t.len, t.value);
    }
  if (err)
    goto leave;
  if (gcry_pk_verify (sv, data, key))
    e->err = gpg_error (GPG_ERR_BAD_SIGNATURE);
  else
    *r_ok = true;
 leave:
  gcry_sexp_release (key);
  gcry_sexp_release (pub);
  gcry_sexp_release (data);
  gcry_sexp_release (sv);
  buf_free (&sig);
  return err;
}

gpg_error_t
agent_pkcs15_keys_write (agency_card_t *card, const image_t *src,
                         plan_t *plan, plan_entry_t *e)
{
  const image_node_t *s = e->src;
  gpg_error_t err;
  buf_t der, fcp = BUF_INIT;
  unsigned sw = 0;
  size_t off;
  bool ok = false, secret;
  (void)src;
  (void)plan;

  buf_init_secure (&der);
  err = agent_pkcs15_keys_der (s, &der);
  if (err)
    {
      e->err = err;
      err = 0;
      goto leave;
    }
  err = p15k_fcp (s, der.len, &fcp);
  if (!err)
    err = agent_iso7816_select_node (card, s->parent, NULL, &sw);
  if (err)
    goto leave;
  if (sw == SW_OK)
    {
      err = iso7816_create_file (&card->chan, fcp.data, fcp.len, &sw);
      if (!err && sw == SW_SEC_NOT_SATISFIED
          && s->parent->access.write == IMAGE_AC_PIN)
        {
          /* CREATE needs the DF's condition. */
          char *path = image_node_path (s->parent);
          gpg_error_t perr = agency_verify_pin (card,
                                                s->parent->access.write_ref,
                                                path);
          xfree (path);
          if (agency_fatal (perr))
            err = perr;
          else if (!perr)
            err = iso7816_create_file (&card->chan, fcp.data, fcp.len, &sw);
        }
    }
  if (err)
    goto leave;
  if (agency_entry_refused (e, sw))
    goto leave;
  agency_progress (card, AGENCY_PHASE_WRITE, s, 0);
  err = p15k_select (card, s, &sw);
  if (!err && sw == SW_OK)
    {
      /* The key in chunks; the transcript shows none of it. */
      secret = card->chan.secret_binary;
      card->chan.secret_binary = true;
      for (off = 0; !err && sw == SW_OK && off < der.len; )
        {
          size_t k = der.len - off;
          if (k > card->chan.max_lc)
            k = card->chan.max_lc;
          if (k > 255 && !card->chan.ext_ok)
            k = 255;
          err = apdu_chan_update_binary (&card->chan, off, der.data + off, k,
                                         &sw);
          off += k;
        }
      card->chan.secret_binary = secret;
    }
  if (!err && sw == SW_OK)
    err = iso7816_activate (&card->chan, &sw);
  if (err || !agency_entry_written (e, sw))
    goto leave;
  agency_progress (card, AGENCY_PHASE_READBACK, s, 0);
  err = p15k_prove (card, s, e, &ok);
  e->verified = ok;
 leave:
  buf_free (&der);
  buf_free (&fcp);
  return err;
}

gpg_error_t
agent_pkcs15_keys_plan (agency_card_t *card, const image_t *src,
                        const image_t *dst, plan_t *plan)
{
  gpg_error_t err = 0;
  size_t i;
  bool emu = agency_is_emulator (dst);
  char reason[160];
  (void)card;
  (void)src;

  for (i = 0; !err && i < plan->n; i++)
    {
      plan_entry_t *e = &plan->entries[i];
      const image_node_t *s = e->src;

      if (!s || s->type != IMAGE_NODE_KEY || !s->has_fid
          || !s->agent || strcmp (s->agent, "pkcs15")
          || (e->action != PLAN_CREATE && e->action != PLAN_UPDATE))
        continue;
      if (!s->has_content || image_node_effective_area (s)
          != IMAGE_AREA_SECRET_KEY)
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                              _("no key material in the VSC"));
      else if (!p15k_algo (s))
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                              _("not restorable: key files take RSA and "
                                "NIST P-256/P-384 keys"));
      else if (!emu && !plan->same_model)
        err = plan_entry_set (plan, e, PLAN_NOT_RESTORABLE,
                              _("not restorable: ISO 7816 defines no key "
                                "import for file-system cards (only onto "
                                "the emulator's key files)"));
      else if (e->dst)
        err = plan_entry_set (plan, e, PLAN_CONFLICT,
                              _("the key file exists on the card"));
      else
        {
          snprintf (reason, sizeof reason,
                    _("import into key file %04X, then sign a test value "
                      "with it"), s->fid);
          err = plan_entry_set (plan, e, PLAN_CREATE, reason);
          if (!err && !e->agent)
            {
              e->agent = xtrystrdup ("pkcs15");
              if (!e->agent)
                err = gpg_error_from_syserror ();
            }
        }
    }
  return err;
}
