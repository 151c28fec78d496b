/* vault-be.h - what a vault back end implements (inside src/remote only)
 *
 * vault.c owns the vault_t and dispatches every vault.h call to the
 * back end's table; a back end keeps its own state in V->be and reads
 * the common settings (who is asking, history length, limits, timeout)
 * from the vault_t. Back ends: vault-dir.c (a directory of files) and
 * vault-pg.c (PostgreSQL). Arguments are checked by vault.c before they
 * get here (canonical UUIDs only), so a back end never sees a name it
 * has to sanitise. A back end puts the details of a failure into the
 * thread's error context (common/errctx.h; for the log, the client gets
 * a plainer sentence). */
#ifndef VSC_REMOTE_VAULT_BE_H
#define VSC_REMOTE_VAULT_BE_H

#include "remote/vault.h"

typedef struct vault_ops {
  const char *name;
  /* Connect to / open SPEC and set V->be. */
  gpg_error_t (*open) (vault_t *v, const char *spec, bool create);
  /* Release V->be (called only when it is set, also after a failed
   * open, just before the vault_t itself is freed). */
  void (*close) (vault_t *v);
  /* Ready to serve now (vault_check)? */
  gpg_error_t (*check) (vault_t *v);
  gpg_error_t (*list) (vault_t *v, proto_entry_t **r_list, size_t *r_n);
  gpg_error_t (*stat) (vault_t *v, const char *uuid, proto_entry_t *r);
  /* GEN 0: the current generation. Writes the audit record. */
  gpg_error_t (*get) (vault_t *v, const char *uuid, uint64_t gen, size_t max,
                      buf_t *data, proto_entry_t *r);
  /* A put (OP "put", compare-and-swap on EXPECT, 0: must not exist)
   * or a create (OP "create", EXPECT 0); writes the audit record OP. */
  gpg_error_t (*store) (vault_t *v, const char *op, const char *uuid,
                        uint64_t expect, const void *data, size_t len,
                        uint64_t *r_gen);
  gpg_error_t (*del) (vault_t *v, const char *uuid, uint64_t expect);
  gpg_error_t (*history) (vault_t *v, const char *uuid,
                          proto_version_t **r_list, size_t *r_n);
  /* Append one record (user, peer, server and time are filled in). */
  gpg_error_t (*audit) (vault_t *v, const vault_audit_rec_t *rec);
  gpg_error_t (*audit_read) (vault_t *v, const vault_audit_query_t *q,
                             vault_audit_fn fn, void *ctx);
  /* Called only when limits.max_inflight is set. */
  gpg_error_t (*request_begin) (vault_t *v);
  void (*request_end) (vault_t *v);
} vault_ops_t;

struct vault {
  const vault_ops_t *ops;
  void *be;                    /* the back end's state */
  bool fsync;                  /* make every change durable (default) */
  unsigned keep;               /* generations kept per VSC, >= 1 */
  vault_limits_t limits;       /* the back end applies max_vscs and
                                  max_bytes atomically with the store */
  int timeout_ms;              /* a request's wait for a database */
  char user[VAULT_NAME_MAX + 1];    /* who is asking */
  char peer[VAULT_NAME_MAX + 1];    /* from where */
  char server[VAULT_NAME_MAX + 1];  /* this host */
  bool in_request;             /* between request_begin and _end */
  int audit_fd;                /* directory vaults: audit file given by
                                  vault_set_audit_fd (-1: the vault's) */
};

extern const vault_ops_t vault_dir_ops;
/* vault_open_fd: the directory back end on an fd (taken, also on error). */
gpg_error_t vault_dir_open_fd (vault_t *v, int fd);
#ifdef HAVE_LIBPQ
extern const vault_ops_t vault_pg_ops;
/* vault-pg.c: --init-db. */
gpg_error_t vault_pg_init_db(const char *spec, int target, int *r_from,
                             int *r_to, char *msg, size_t msgsz);
/* vault-pg.c: refuse a connection string with a password in it. */
gpg_error_t vault_pg_check_spec(const char *spec, char *msg, size_t msgsz);
#endif

/* vault.c: a record with V's user, peer, server and the time now. */
void vault_audit_fill(vault_t *v, vault_audit_rec_t *rec, const char *op,
                      const char *uuid, uint64_t gen, gpg_error_t err,
                      const char *why);

#endif /* VSC_REMOTE_VAULT_BE_H */
