/* vsc.c - VSC control: create, open, save, change password, verify */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "vsc-internal.h"
#include "common/util.h"
#include "common/i18n.h"
#include "common/errctx.h"

const char *
vsc_area_name (vsc_area_t area)
{
  switch (area)
    {
    case VSC_AREA_HEADER: return "header";
    case VSC_AREA_IDENTIFIER: return "identifier";
    case VSC_AREA_PUBLIC: return "public";
    case VSC_AREA_PRIVATE: return "private";
    case VSC_AREA_SECRET_KEY: return "secret-key";
    case VSC_AREA_MAC: return "mac";
    default: return "?";
    }
}

static const char *
vsc_area_label (vsc_area_t area)
{
  switch (area)
    {
    case VSC_AREA_HEADER: return _("header (password area)");
    case VSC_AREA_IDENTIFIER: return _("identifier area");
    case VSC_AREA_PUBLIC: return _("public area");
    case VSC_AREA_PRIVATE: return _("private area");
    case VSC_AREA_SECRET_KEY: return _("secret-key area");
    case VSC_AREA_MAC: return _("authenticator area");
    default: return "?";
    }
}

/* The VSC layer's failures go into this thread's error context
 * (common/errctx.h); the first failure is the one that counts (inner
 * calls fill it). */
gpg_error_t
vsc_fail (gpg_error_t err, vsc_area_t area, const char *msg)
{
  errctx_t *ctx = errctx_get ();

  if (!ctx->text[0])
    {
      /* The password check does not name an area: a wrong password and
       * a damaged keyslot must look the same. */
      if (gpg_err_code (err) == GPG_ERR_BAD_PASSPHRASE)
        {
          ctx->area = -1;
          errctx_set ("%s", msg);
        }
      else
        {
          ctx->area = (int)area;
          errctx_set ("%s: %s", vsc_area_label (area), msg);
        }
    }
  return err;
}

gpg_error_t
vsc_fail_plain (gpg_error_t err, const char *msg)
{
  if (errctx_set_first ("%s", msg))
    errctx_get ()->area = -1;
  return err;
}

void
vsc_format_uuid (const uint8_t *u, char *out)
{
  snprintf (out, 37,
            "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x",
            u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
            u[10], u[11], u[12], u[13], u[14], u[15]);
}

static gpg_error_t
vsc_new (vsc_t **r_vsc)
{
  vsc_t *vsc = xtrycalloc (1, sizeof *vsc);

  *r_vsc = vsc;
  if (!vsc)
    return gpg_error_from_syserror ();
  return 0;
}

void
vsc_close (vsc_t *vsc)
{
  if (!vsc)
    return;
  vsc_crypto_free_keys (vsc->keys);
  image_free (vsc->image);
  xfree (vsc->path);
  wipememory (vsc, sizeof *vsc);
  xfree (vsc);
}

/* Make a password keyslot for VSC->keys: fresh salt and nonce, KEK from
 * PASSWORD, DEK wrapped with AES-256-GCM. */
gpg_error_t
vsc_make_slot (vsc_t *vsc, const char *password, const vsc_opts_t *opts,
               vsc_keyslot_t *slot)
{
  gpg_error_t err;
  vsc_kdf_fn kdf = opts && opts->kdf_fn ? opts->kdf_fn : vsc_crypto_kdf;
  void *kdf_ctx = opts && opts->kdf_fn ? opts->kdf_ctx : NULL;
  uint8_t *kek;
  buf_t ad = BUF_INIT;

  memset (slot, 0, sizeof *slot);
  slot->type = VSC_SLOT_PASSWORD;
  if (opts && opts->kdf)
    slot->kdf = *opts->kdf;
  else
    {
      slot->kdf.m_kib = VSC_KDF_M_DEFAULT;
      slot->kdf.t = VSC_KDF_T_DEFAULT;
      slot->kdf.p = VSC_KDF_P_DEFAULT;
    }
  err = vsc_kdf_check (&slot->kdf);
  if (err)
    return vsc_fail (err, VSC_AREA_HEADER, _("KDF parameters out of bounds"));
  vsc_crypto_random_strong (slot->salt, VSC_SALT_LEN);
  vsc_crypto_nonce (slot->nonce, VSC_NONCE_LEN);
  kek = xtrymalloc_secure (VSC_KEY_LEN);
  if (!kek)
    return gpg_error_from_syserror ();
  err = kdf (kdf_ctx, password, &slot->kdf, slot->salt, kek);
  if (!err)
    err = vsc_header_slot_ad (vsc, slot, NULL, 0, &ad);
  if (!err)
    err = vsc_crypto_seal (kek, slot->nonce, ad.data, ad.len,
                           vsc->keys->dek, VSC_KEY_LEN, slot->wrapped,
                           slot->wrapped + VSC_KEY_LEN);
  wipememory (kek, VSC_KEY_LEN);
  xfree_secure (kek);
  buf_free (&ad);
  return err;
}

gpg_error_t
vsc_create (const char *path, const char *password, const vsc_opts_t *opts,
            vsc_t **r_vsc, char **r_password)
{
  gpg_error_t err;
  vsc_t *vsc = NULL;
  char *genpw = NULL;

  errctx_clear ();
  *r_vsc = NULL;
  if (r_password)
    *r_password = NULL;
  if (!password && !r_password)
    return gpg_error (GPG_ERR_INV_ARG);
  if (password && !*password)
    return vsc_fail (gpg_error (GPG_ERR_NO_PASSPHRASE), VSC_AREA_HEADER,
                     _("empty password"));
  if ((err = vsc_new (&vsc)))
    return err;
  if (path && !(vsc->path = xtrystrdup (path)))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (!password)
    {
      if ((err = vsc_password_generate (&genpw)))
        goto leave;
      password = genpw;
    }
  vsc->version = VSC_FORMAT_VERSION;
  vsc_crypto_random_strong (vsc->uuid, VSC_UUID_LEN);
  vsc->uuid[6] = (vsc->uuid[6] & 0x0F) | 0x40;   /* RFC 4122 version 4 */
  vsc->uuid[8] = (vsc->uuid[8] & 0x3F) | 0x80;
  vsc_format_uuid (vsc->uuid, vsc->uuid_str);
  vsc->created = vsc->modified = (uint64_t)time (NULL);
  if ((err = image_new (&vsc->image))
      || (err = vsc_crypto_new_keys (&vsc->keys))
      || (err = vsc_make_slot (vsc, password, opts, &vsc->slots[0])))
    goto leave;
  vsc->n_slots = 1;
  vsc->unlocked = true;

 leave:
  if (err)
    {
      vsc_close (vsc);
      xfree_secure (genpw);
      return err;
    }
  *r_vsc = vsc;
  if (genpw)
    *r_password = genpw;
  return 0;
}

static gpg_error_t
vsc_open_data (const uint8_t *data, size_t n, const char *password,
               const vsc_opts_t *opts, vsc_t **r_vsc)
{
  gpg_error_t err;
  vsc_t *vsc;

  *r_vsc = NULL;
  if ((err = vsc_new (&vsc)))
    return err;
  err = vsc_file_parse (vsc, data, n, password, opts);
  if (err)
    {
      vsc_close (vsc);
      return err;
    }
  *r_vsc = vsc;
  return 0;
}

gpg_error_t
vsc_open_mem (const void *data, size_t n, const char *password,
              const vsc_opts_t *opts, vsc_t **r_vsc)
{
  errctx_clear ();
  return vsc_open_data (data, n, password, opts, r_vsc);
}

gpg_error_t
vsc_open_ex (const char *path, const char *password, const vsc_opts_t *opts,
             vsc_t **r_vsc)
{
  gpg_error_t err;
  uint8_t *data = NULL;
  size_t n;
  vsc_t *vsc = NULL;

  errctx_clear ();
  *r_vsc = NULL;
  err = vsc_store_read (path, &data, &n);
  if (err)
    return err;
  err = vsc_open_data (data, n, password, opts, &vsc);
  xfree (data);   /* ciphertext and public data only */
  if (err)
    return err;
  err = vsc_set_path (vsc, path);
  if (err)
    {
      vsc_close (vsc);
      return err;
    }
  vsc->on_disk = true;
  *r_vsc = vsc;
  return 0;
}

gpg_error_t
vsc_open (const char *path, const char *password, vsc_t **r_vsc)
{
  return vsc_open_ex (path, password, NULL, r_vsc);
}

gpg_error_t
vsc_verify (const char *path, const char *password, const vsc_opts_t *opts,
            vsc_info_t *r_info)
{
  gpg_error_t err;
  vsc_t *vsc;

  err = vsc_open_ex (path, password, opts, &vsc);
  if (err)
    return err;
  if (r_info)
    vsc_info (vsc, r_info);
  vsc_close (vsc);
  return 0;
}

image_t *
vsc_image (vsc_t *vsc)
{
  return vsc->image;
}

gpg_error_t
vsc_set_image (vsc_t *vsc, const image_t *image)
{
  gpg_error_t err;
  image_t *copy;

  err = image_copy (image, &copy);
  if (err)
    return err;
  copy->unverified = vsc->image ? vsc->image->unverified : false;
  image_free (vsc->image);
  vsc->image = copy;
  return 0;
}

static gpg_error_t
vsc_info_count (image_node_t *node, unsigned depth, void *ctx)
{
  vsc_info_t *info = ctx;
  image_area_t a = image_node_effective_area (node);

  (void)depth;
  info->nodes[a]++;
  info->content_bytes[a] += node->content_len;
  return 0;
}

void
vsc_info (vsc_t *vsc, vsc_info_t *info)
{
  memset (info, 0, sizeof *info);
  memcpy (info->uuid, vsc->uuid_str, sizeof info->uuid);
  info->version = vsc->version;
  info->generation = vsc->generation;
  info->created = vsc->created;
  info->modified = vsc->modified;
  if (vsc->n_slots)
    info->kdf = vsc->slots[0].kdf;
  info->n_keyslots = vsc->n_slots;
  info->unlocked = vsc->unlocked;
  info->on_disk = vsc->on_disk;
  info->file_size = vsc->file_size;
  memcpy (info->area_size, vsc->area_size, sizeof info->area_size);
  if (vsc->image)
    image_walk (vsc->image, vsc_info_count, info);
}

bool
vsc_unlocked (const vsc_t *vsc)
{
  return vsc->unlocked;
}

const char *
vsc_uuid (const vsc_t *vsc)
{
  return vsc->uuid_str;
}

const char *
vsc_path (const vsc_t *vsc)
{
  return vsc->path;
}

gpg_error_t
vsc_set_path (vsc_t *vsc, const char *path)
{
  char *p = xtrystrdup (path);

  if (!p)
    return gpg_error_from_syserror ();
  xfree (vsc->path);
  vsc->path = p;
  vsc->on_disk = false;
  return 0;
}

gpg_error_t
vsc_encode (vsc_t *vsc, uint8_t **r_data, size_t *r_len)
{
  errctx_clear ();
  *r_data = NULL;
  *r_len = 0;
  if (!vsc->keys)
    return vsc_fail (gpg_error (GPG_ERR_NOT_SUPPORTED), VSC_AREA_HEADER,
                     _("opened without the password: read-only"));
  return vsc_file_encode (vsc, vsc->generation, false, r_data, r_len);
}

gpg_error_t
vsc_save (vsc_t *vsc)
{
  gpg_error_t err;
  uint8_t *data = NULL;
  size_t len = 0;
  uint64_t old_modified = vsc->modified;

  errctx_clear ();
  if (!vsc->keys)
    return vsc_fail (gpg_error (GPG_ERR_NOT_SUPPORTED), VSC_AREA_HEADER,
                     _("opened without the password: read-only"));
  if (!vsc->path)
    return gpg_error (GPG_ERR_INV_STATE);
  if (vsc->generation == UINT64_MAX)
    return gpg_error (GPG_ERR_TOO_LARGE);
  vsc->modified = (uint64_t)time (NULL);
  err = vsc_file_encode (vsc, vsc->generation + 1, false, &data, &len);
  if (!err)
    err = vsc_store_write (vsc->path, data, len,
                           vsc->on_disk ? vsc->uuid : NULL, vsc->generation);
  if (err)
    {
      vsc->modified = old_modified;
      goto leave;
    }
  vsc->generation++;
  vsc->on_disk = true;
  vsc->file_size = len;

 leave:
  xfree (data);   /* ciphertext and public data only */
  return err;
}

gpg_error_t
vsc_passwd (vsc_t *vsc, const char *new_password, const vsc_opts_t *opts,
            char **r_password)
{
  gpg_error_t err;
  vsc_keys_t *old_keys;
  vsc_keyslot_t old_slots[VSC_MAX_KEYSLOTS];
  unsigned old_n;
  char *genpw = NULL;

  errctx_clear ();
  if (r_password)
    *r_password = NULL;
  if (!vsc->keys)
    return vsc_fail (gpg_error (GPG_ERR_NOT_SUPPORTED), VSC_AREA_HEADER,
                     _("opened without the password: read-only"));
  if (!new_password && !r_password)
    return gpg_error (GPG_ERR_INV_ARG);
  if (new_password && !*new_password)
    return vsc_fail (gpg_error (GPG_ERR_NO_PASSPHRASE), VSC_AREA_HEADER,
                     _("empty password"));
  if (!new_password)
    {
      if ((err = vsc_password_generate (&genpw)))
        return err;
      new_password = genpw;
    }
  old_keys = vsc->keys;
  memcpy (old_slots, vsc->slots, sizeof old_slots);
  old_n = vsc->n_slots;
  vsc->keys = NULL;

  /* Fresh DEK: the old file and the old password never open the new
   * one, and every area is re-encrypted under new keys. */
  err = vsc_crypto_new_keys (&vsc->keys);
  if (!err)
    err = vsc_make_slot (vsc, new_password, opts, &vsc->slots[0]);
  if (!err)
    {
      vsc->n_slots = 1;
      err = vsc_save (vsc);
    }
  if (err)
    {
      vsc_crypto_free_keys (vsc->keys);
      vsc->keys = old_keys;
      memcpy (vsc->slots, old_slots, sizeof old_slots);
      vsc->n_slots = old_n;
      xfree_secure (genpw);
      return err;
    }
  vsc_crypto_free_keys (old_keys);
  wipememory (old_slots, sizeof old_slots);
  if (genpw)
    *r_password = genpw;
  return 0;
}

gpg_error_t
vsc_export_public (vsc_t *vsc, const char *out_path)
{
  gpg_error_t err;
  uint8_t *data = NULL;
  size_t len = 0;

  errctx_clear ();
  if (!vsc->keys)
    return vsc_fail (gpg_error (GPG_ERR_NOT_SUPPORTED), VSC_AREA_HEADER,
                     _("opened without the password: read-only"));
  err = vsc_file_encode (vsc, vsc->generation, true, &data, &len);
  if (!err)
    err = vsc_store_write (out_path, data, len, NULL, 0);
  xfree (data);
  return err;
}
