/* scapi-vsc.c - VSC files through the facade (thin wrappers over
 * src/vsc that turn its errors into the facade's sentence). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "scapi/scapi-int.h"

static gpg_error_t
scapi_vsc_wrap (vsc_t *v, scapi_vsc_t **r_vsc)
{
  scapi_vsc_t *w = xtrycalloc (1, sizeof *w);
  if (!w)
    {
      gpg_error_t err = gpg_error_from_syserror ();
      vsc_close (v);
      return err;
    }
  w->vsc = v;
  *r_vsc = w;
  return 0;
}

static gpg_error_t
scapi_vsc_err (gpg_error_t err)
{
  if (err)
    {
      scapi_set_error ("%s", errctx_message (err));   /* the area stays */
      scapi_error_note (err, NULL, 0);
    }
  return err;
}

gpg_error_t
scapi_vsc_create (const char *path, const char *password,
                  const image_card_t *identity, const vsc_kdf_params_t *kdf,
                  scapi_vsc_t **r_vsc, char **r_password)
{
  gpg_error_t err;
  vsc_t *v = NULL;
  vsc_opts_t vo = { .kdf = kdf };
  image_t *img;
  size_t i;

  *r_vsc = NULL;
  scapi_clear_error ();
  err = vsc_create (path, password, &vo, &v, r_password);
  if (err)
    return scapi_vsc_err (err);
  img = vsc_image (v);
  if (identity)
    {
      err = image_set_atr (img, identity->atr, identity->atr_len);
      if (!err)
        err = image_set_serial (img, identity->serial);
      if (!err)
        err = image_set_label (img, identity->label);
      if (!err)
        err = image_set_reader (img, identity->reader);
      for (i = 0; !err && i < identity->n_aids; i++)
        err = image_add_aid (img, identity->aids[i], identity->aid_lens[i]);
      for (i = 0; !err && i < identity->n_agents; i++)
        err = image_add_agent (img, identity->agents[i]);
      if (err)
        {
          vsc_close (v);
          if (r_password && *r_password)
            {
              xfree_secure (*r_password);
              *r_password = NULL;
            }
          return err;
        }
    }
  return scapi_vsc_wrap (v, r_vsc);
}

gpg_error_t
scapi_vsc_open (const char *path, const char *password, scapi_vsc_t **r_vsc)
{
  gpg_error_t err;
  vsc_t *v = NULL;

  *r_vsc = NULL;
  scapi_clear_error ();
  err = vsc_open (path, password, &v);
  if (err)
    {
      scapi_set_error ("%s: %s", path, errctx_message (err));
      scapi_error_note (err, NULL, 0);
      return err;
    }
  return scapi_vsc_wrap (v, r_vsc);
}

gpg_error_t
scapi_vsc_save (scapi_vsc_t *vsc)
{
  scapi_clear_error ();
  return scapi_vsc_err (vsc_save (vsc->vsc));
}

void
scapi_vsc_close (scapi_vsc_t *vsc)
{
  if (!vsc)
    return;
  vsc_close (vsc->vsc);
  xfree (vsc);
}

const image_t *
scapi_vsc_image (scapi_vsc_t *vsc)
{
  return vsc_image (vsc->vsc);
}

image_t *
scapi_vsc_edit (scapi_vsc_t *vsc)
{
  return vsc_image (vsc->vsc);
}

void
scapi_vsc_info (scapi_vsc_t *vsc, vsc_info_t *info)
{
  vsc_info (vsc->vsc, info);
}

const char *
scapi_vsc_area_name (vsc_area_t area)
{
  return vsc_area_name (area);
}

gpg_error_t
scapi_vsc_set_image (scapi_vsc_t *vsc, const image_t *image,
                     const char *const *select, size_t n_select)
{
  gpg_error_t err;
  image_t *copy = NULL;
  scapi_backup_opts_t o;

  if (!select || !n_select)
    return vsc_set_image (vsc->vsc, image);
  memset (&o, 0, sizeof o);
  o.select = select;
  o.n_select = n_select;
  err = image_copy (image, &copy);
  if (!err)
    err = scapi_prune (&copy->root, &o);
  if (!err)
    err = vsc_set_image (vsc->vsc, copy);
  image_free (copy);
  return err;
}

const char *
scapi_vsc_uuid (scapi_vsc_t *vsc)
{
  return vsc_uuid (vsc->vsc);
}

const char *
scapi_vsc_path (scapi_vsc_t *vsc)
{
  return vsc_path (vsc->vsc);
}

bool
scapi_vsc_unlocked (scapi_vsc_t *vsc)
{
  return vsc_unlocked (vsc->vsc);
}

gpg_error_t
scapi_vsc_passwd (scapi_vsc_t *vsc, const char *new_password,
                  const vsc_kdf_params_t *kdf, char **r_password)
{
  vsc_opts_t vo = { .kdf = kdf };

  scapi_clear_error ();
  return scapi_vsc_err (vsc_passwd (vsc->vsc, new_password, &vo,
                                    r_password));
}

gpg_error_t
scapi_vsc_verify (const char *path, const char *password,
                  vsc_info_t *r_info)
{
  scapi_clear_error ();
  return scapi_vsc_err (vsc_verify (path, password, NULL, r_info));
}

gpg_error_t
scapi_vsc_export_public (scapi_vsc_t *vsc, const char *out_path)
{
  scapi_clear_error ();
  return scapi_vsc_err (vsc_export_public (vsc->vsc, out_path));
}

/* The type a new node at PATH gets: a key for key-*, else a transparent
 * EF. */
static image_type_t
scapi_vsc_path_type (const char *path)
{
  const char *last = strrchr (path, '/');

  last = last ? last + 1 : path;
  return !strncmp (last, "key-", 4) ? IMAGE_NODE_KEY
         : IMAGE_NODE_EF_TRANSPARENT;
}

gpg_error_t
scapi_vsc_put (scapi_vsc_t *vsc, const char *node_path, const void *data,
               size_t n, int area, int type)
{
  gpg_error_t err;
  image_node_t *node;
  image_t *img = vsc_image (vsc->vsc);

  scapi_clear_error ();
  if (!vsc_unlocked (vsc->vsc))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  if (area > IMAGE_AREA_MAX)
    return gpg_error (GPG_ERR_INV_ARG);
  node = image_find_path (img, node_path);
  if (!node)
    {
      err = image_make_path (img, node_path,
                             type > 0 ? (image_type_t)type
                             : scapi_vsc_path_type (node_path),
                             IMAGE_SRC_USER, &node);
      if (err)
        {
          scapi_set_error (_("cannot add %s: %s"), node_path,
                           gpg_strerror (err));
          scapi_error_note (err, node_path, 0);
          return err;
        }
    }
  else if (type > 0 && node->type != (image_type_t)type)
    {
      scapi_set_error (_("node '%s' exists with type %s"), node_path,
                       image_type_name (node->type));
      scapi_error_note (gpg_error (GPG_ERR_CONFLICT), node_path, 0);
      return gpg_error (GPG_ERR_CONFLICT);
    }
  if (node->type != IMAGE_NODE_KEY && !image_node_is_ef (node)
      && node->type != IMAGE_NODE_DO && node->type != IMAGE_NODE_RECORD)
    {
      scapi_set_error (_("%s cannot hold content"), node_path);
      scapi_error_note (gpg_error (GPG_ERR_INV_OBJ), node_path, 0);
      return gpg_error (GPG_ERR_INV_OBJ);
    }
  node->size = 0;
  err = n ? image_node_set_content (node, data, n)
          : image_node_set_empty (node);
  if (err)
    return err;
  if (area >= 0)
    node->area = (image_area_t)area;
  node->flags &= ~(IMAGE_FLAG_TRUNCATED | IMAGE_FLAG_UNREADABLE);
  node->sw = 0;
  return 0;
}

gpg_error_t
scapi_vsc_rm (scapi_vsc_t *vsc, const char *node_path)
{
  image_node_t *node;
  scapi_clear_error ();
  if (!vsc_unlocked (vsc->vsc))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  node = image_find_path (vsc_image (vsc->vsc), node_path);
  if (!node)
    {
      scapi_set_error (_("%s: no such node"), node_path);
      scapi_error_note (gpg_error (GPG_ERR_ENOENT), node_path, 0);
      return gpg_error (GPG_ERR_ENOENT);
    }
  image_node_remove (node);
  return 0;
}
