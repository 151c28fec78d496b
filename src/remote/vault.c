/* vault.c - the vault contract (vault.h): argument checks, the settings
 * every back end shares, and dispatch to a back end (vault-be.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vault-be.h"
#ifdef HAVE_LIBPQ
#include "vault-pg.h"
#endif
#include "common/util.h"
#include "common/errctx.h"

static bool
vault_uuid_ok (const char *uuid)
{
  return uuid && proto_uuid_valid (uuid, strlen (uuid));
}

/* Copy S into DST (DSTSZ > 0): cut, control characters replaced. */
static void
vault_copy_name (char *dst, size_t dstsz, const char *s)
{
  size_t i;
  for (i = 0; s && s[i] && i + 1 < dstsz; i++)
    dst[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
  dst[i] = 0;
}

bool
vault_spec_is_database (const char *spec)
{
  if (!spec)
    return false;
  if (!strncmp (spec, "postgresql://", 13) || !strncmp (spec, "postgres://", 11))
    return true;
  if (*spec == '/' || *spec == '.')
    return false;
  return strchr (spec, '=') != NULL;   /* "host=... dbname=..." */
}

/* A new vault_t with the defaults, using OPS. */
static vault_t *
vault_new (const vault_ops_t *ops)
{
  vault_t *v = xtrycalloc (1, sizeof *v);
  char host[VAULT_NAME_MAX + 1];

  if (!v)
    return NULL;
  v->ops = ops;
  v->fsync = true;
  v->keep = VAULT_KEEP_DEFAULT;
  v->timeout_ms = VAULT_TIMEOUT_DEFAULT;
  v->audit_fd = -1;
  if (gethostname (host, sizeof host - 1))
    strcpy (host, "localhost");
  host[sizeof host - 1] = 0;
  vault_copy_name (v->server, sizeof v->server, host);
  return v;
}

/* The back end's open of V returned ERR: hand V out, or release it
 * (why it failed stays in the error context). */
static gpg_error_t
vault_opened (vault_t *v, gpg_error_t err, vault_t **r_vault)
{
  if (err)
    {
      vault_close (v);
      return err;
    }
  *r_vault = v;
  return 0;
}

gpg_error_t
vault_open (const char *spec, bool create, vault_t **r_vault)
{
  vault_t *v;

  *r_vault = NULL;
  errctx_clear ();
  if (!spec || !*spec)
    return gpg_error (GPG_ERR_INV_ARG);
#ifndef HAVE_LIBPQ
  if (vault_spec_is_database (spec))
    {
      errctx_set ("this vscd was built without PostgreSQL support "
                  "(configure --without-libpq)");
      return gpg_error (GPG_ERR_NOT_SUPPORTED);
    }
  v = vault_new (&vault_dir_ops);
#else
  v = vault_new (vault_spec_is_database (spec) ? &vault_pg_ops
                 : &vault_dir_ops);
#endif
  if (!v)
    return gpg_error_from_syserror ();
  return vault_opened (v, v->ops->open (v, spec, create), r_vault);
}

gpg_error_t
vault_open_fd (int fd, vault_t **r_vault)
{
  gpg_error_t err;
  vault_t *v;

  *r_vault = NULL;
  errctx_clear ();
  v = vault_new (&vault_dir_ops);
  if (!v)
    {
      err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  return vault_opened (v, vault_dir_open_fd (v, fd), r_vault);
}

void
vault_set_max_vscs (vault_t *v, unsigned max)
{
  v->limits.max_vscs = max;
}

gpg_error_t
vault_count (vault_t *v, size_t *r_n)
{
  proto_entry_t *list = NULL;
  gpg_error_t err;

  *r_n = 0;
  err = v->ops->list (v, &list, r_n);
  xfree (list);
  return err;
}

void
vault_close (vault_t *v)
{
  if (!v)
    return;
  if (v->in_request)
    vault_request_end (v);
  if (v->be)
    v->ops->close (v);
  xfree (v);
}

gpg_error_t
vault_init_db (const char *spec, int target, int *r_from, int *r_to)
{
  gpg_error_t err;
  vault_t *v;

  *r_from = *r_to = 0;
  errctx_clear ();
  if (!spec || !*spec)
    return gpg_error (GPG_ERR_INV_ARG);
  if (!vault_spec_is_database (spec))
    {
      err = vault_open (spec, true, &v);
      vault_close (v);
      return err;
    }
#ifdef HAVE_LIBPQ
  err = vault_pg_check_spec (spec, errctx_get ()->text, ERRCTX_TEXT_MAX);
  if (!err)
    err = vault_pg_init_db (spec, target, r_from, r_to, errctx_get ()->text,
                            ERRCTX_TEXT_MAX);
  return err;
#else
  (void)target;
  errctx_set ("this vscd was built without PostgreSQL support "
              "(configure --without-libpq)");
  return gpg_error (GPG_ERR_NOT_SUPPORTED);
#endif
}

int
vault_schema_version (void)
{
#ifdef HAVE_LIBPQ
  return VAULT_PG_SCHEMA_VERSION;
#else
  return 0;
#endif
}

gpg_error_t
vault_check (vault_t *v)
{
  errctx_clear ();
  return v->ops->check (v);
}

const char *
vault_backend (vault_t *v)
{
  return v->ops->name;
}

void
vault_set_who (vault_t *v, const char *user, const char *peer)
{
  vault_copy_name (v->user, sizeof v->user, user);
  vault_copy_name (v->peer, sizeof v->peer, peer);
}

void
vault_set_keep (vault_t *v, unsigned keep)
{
  v->keep = keep ? keep : 1;
}

void
vault_set_limits (vault_t *v, const vault_limits_t *limits)
{
  v->limits = *limits;
}

void
vault_set_timeout (vault_t *v, int ms)
{
  v->timeout_ms = ms > 0 ? ms : VAULT_TIMEOUT_DEFAULT;
}

void
vault_set_audit_fd (vault_t *v, int fd)
{
  v->audit_fd = fd;
}

void
vault_set_fsync (vault_t *v, bool on)
{
  v->fsync = on;
}

gpg_error_t
vault_list (vault_t *v, proto_entry_t **r_list, size_t *r_n)
{
  errctx_clear ();
  *r_list = NULL;
  *r_n = 0;
  return v->ops->list (v, r_list, r_n);
}

gpg_error_t
vault_stat (vault_t *v, const char *uuid, proto_entry_t *r)
{
  errctx_clear ();
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->stat (v, uuid, r);
}

gpg_error_t
vault_get (vault_t *v, const char *uuid, size_t max, buf_t *data,
           proto_entry_t *r)
{
  return vault_get_gen (v, uuid, 0, max, data, r);
}

gpg_error_t
vault_get_gen (vault_t *v, const char *uuid, uint64_t gen, size_t max,
               buf_t *data, proto_entry_t *r)
{
  gpg_error_t err;

  errctx_clear ();
  buf_clear (data);
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  err = v->ops->get (v, uuid, gen, max, data, r);
  if (err)
    buf_clear (data);
  return err;
}

gpg_error_t
vault_put (vault_t *v, const char *uuid, uint64_t expect, const void *data,
           size_t len, uint64_t *r_gen)
{
  errctx_clear ();
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->store (v, "put", uuid, expect, data, len, r_gen);
}

gpg_error_t
vault_create (vault_t *v, const char *uuid, const void *data, size_t len,
              uint64_t *r_gen)
{
  errctx_clear ();
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->store (v, "create", uuid, 0, data, len, r_gen);
}

gpg_error_t
vault_delete (vault_t *v, const char *uuid, uint64_t expect)
{
  errctx_clear ();
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->del (v, uuid, expect);
}

gpg_error_t
vault_history (vault_t *v, const char *uuid, proto_version_t **r_list,
               size_t *r_n)
{
  errctx_clear ();
  *r_list = NULL;
  *r_n = 0;
  if (!vault_uuid_ok (uuid))
    return gpg_error (GPG_ERR_INV_NAME);
  return v->ops->history (v, uuid, r_list, r_n);
}

gpg_error_t
vault_request_begin (vault_t *v)
{
  gpg_error_t err;

  if (!v->limits.max_inflight || v->in_request)
    return 0;
  err = v->ops->request_begin (v);
  if (!err)
    v->in_request = true;
  return err;
}

void
vault_request_end (vault_t *v)
{
  if (!v->in_request)
    return;
  v->in_request = false;
  v->ops->request_end (v);
}

void
vault_audit_fill (vault_t *v, vault_audit_rec_t *rec, const char *op,
                  const char *uuid, uint64_t gen, gpg_error_t err,
                  const char *why)
{
  struct timespec ts;

  memset (rec, 0, sizeof *rec);
  clock_gettime (CLOCK_REALTIME, &ts);
  rec->time_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
  memcpy (rec->user, v->user, sizeof rec->user);
  memcpy (rec->peer, v->peer, sizeof rec->peer);
  memcpy (rec->server, v->server, sizeof rec->server);
  vault_copy_name (rec->op, sizeof rec->op, op);
  if (uuid && proto_uuid_valid (uuid, strlen (uuid)))
    memcpy (rec->uuid, uuid, PROTO_UUID_LEN + 1);
  rec->gen = gen;
  rec->code = gpg_err_code (err);
  vault_copy_name (rec->result, sizeof rec->result, why);
}

gpg_error_t
vault_audit (vault_t *v, const char *op, const char *uuid, uint64_t gen,
             gpg_error_t err, const char *why)
{
  vault_audit_rec_t rec;

  vault_audit_fill (v, &rec, op, uuid, gen, err, why);
  return v->ops->audit (v, &rec);
}

gpg_error_t
vault_audit_read (vault_t *v, const vault_audit_query_t *q,
                  vault_audit_fn fn, void *ctx)
{
  errctx_clear ();
  return v->ops->audit_read (v, q, fn, ctx);
}
