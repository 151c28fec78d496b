/* vault.c - the vault contract (vault.h): argument checks and dispatch
 * to a back end (vault-be.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "vault-be.h"
#include "common/util.h"

static bool
vault_uuid_ok (const char *uuid)
{
  return uuid && proto_uuid_valid (uuid, strlen (uuid));
}

gpg_error_t
vault_open (const char *spec, bool create, vault_t **r_vault)
{
  gpg_error_t err;
  vault_t *v;

  *r_vault = NULL;
  if (!spec || !*spec)
    return gpg_error (GPG_ERR_INV_ARG);
  v = xtrycalloc (1, sizeof *v);
  if (!v)
    return gpg_error_from_syserror ();
  v->ops = &vault_dir_ops;
  v->fsync = true;
  err = v->ops->open (v, spec, create);
  if (err)
    {
      vault_close (v);
      return err;
    }
  *r_vault = v;
  return 0;
}

void
vault_close (vault_t *v)
{
  if (!v)
    return;
  if (v->be)
    v->ops->close (v);
  xfree (v);
}

const char *
vault_backend (vault_t *v)
{
  return v->ops->name;
}

void
vault_set_fsync (vault_t *v, bool on)
{
  v->fsync = on;
}

gpg_error_t
vault_list (vault_t *v, proto_entry_t **r_list, size_t *r_n)
{
  *r_list = NULL;
  *r_n = 0;
  return v->ops->list (v, r_list, r_n);
}

gpg_error_t
vault_stat (vault_t *v, const char *uuid, proto_entry_t *r)
{
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->stat (v, uuid, r);
}

gpg_error_t
vault_get (vault_t *v, const char *uuid, size_t max, buf_t *data,
           proto_entry_t *r)
{
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->get (v, uuid, max, data, r);
}

gpg_error_t
vault_put (vault_t *v, const char *uuid, uint64_t expect, const void *data,
           size_t len, uint64_t *r_gen)
{
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->put (v, uuid, expect, data, len, r_gen);
}

gpg_error_t
vault_delete (vault_t *v, const char *uuid, uint64_t expect)
{
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->del (v, uuid, expect);
}
