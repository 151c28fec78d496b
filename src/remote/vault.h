/* vault.h - where vscd keeps the encrypted VSCs: the contract
 *
 * A vault holds VSCs named by canonical UUID text, each with a
 * generation that counts its stores; every change is a compare-and-swap
 * on that generation. The contract is the same for every back end:
 *
 *   directory   one directory of files (vault-dir.h: the layout)
 *   postgresql  one database for every account and every vscd host
 *               (vault-pg.h)
 *
 * Both keep the last few generations of every VSC (history), write an
 * audit record for every create, get, put and delete and for every
 * refused request, and enforce per-account limits. A vault_t is used by
 * one thread; vscd has one per connection.
 *
 * vault.c checks the arguments (only canonical UUID text, see
 * proto_uuid_valid, ever reaches a back end) and dispatches to the back
 * end's table (vault-be.h).
 *
 * What every back end guarantees besides compare-and-swap per UUID: the
 * quota checked and applied atomically with the store of a new UUID
 * (vault_set_max_vscs: N concurrent puts of new UUIDs into a vault with
 * room for k store exactly k), and nothing left behind by a request
 * that changed nothing (a delete or a refused put of a UUID that does
 * not exist leaves no trace, e.g. no lock file). Per-connection limits
 * (connections per uid, the time before the first request, concurrent
 * key derivations) are the server's (server.h), not the vault's. */
#ifndef VSC_REMOTE_VAULT_H
#define VSC_REMOTE_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/errctx.h"
#include "common/buffer.h"
#include "remote/proto.h"

typedef struct vault vault_t;

#define VAULT_KEEP_DEFAULT 10   /* generations kept per VSC */
#define VAULT_NAME_MAX     64   /* account names, peers, host names */
#define VAULT_TIMEOUT_DEFAULT 30000 /* ms a request may wait for the database */

/* Open the vault SPEC: a directory (created with mode 0700, parents too,
 * and an existing one made 0700, if CREATE; it must not be a symlink and
 * must be owned by the caller),
 * or a PostgreSQL database (vault-pg.h; CREATE is ignored: the schema is
 * made by vault_init_db; nothing is connected before vault_check or the
 * first request). After a failure, *R_VAULT is NULL and the error
 * context has the reason in a sentence (errctx_text ()). */
gpg_error_t vault_open(const char *spec, bool create, vault_t **r_vault);
/* A directory vault on a directory fd the caller opened and checked (it
 * must be a directory owned by the caller; the vault takes the fd, also
 * on error): vscd's socket server opens BASE/<uid> without following
 * symlinks before it drops root. */
gpg_error_t vault_open_fd(int dfd, vault_t **r_vault);
void vault_close(vault_t *v);

/* Is the vault ready to serve? A database must answer (within the
 * timeout: GPG_ERR_TRY_LATER) and have this program's schema
 * (GPG_ERR_NOT_OPERATIONAL); errctx_text () says what is wrong. */
gpg_error_t vault_check(vault_t *v);

/* Is SPEC a PostgreSQL vault rather than a directory? */
bool vault_spec_is_database(const char *spec);

/* Create or migrate the PostgreSQL vault's schema to version TARGET (<= 0:
 * the newest this program knows); *R_FROM and *R_TO get the versions
 * before and after. A directory SPEC is made (like vault_open with
 * CREATE), and both versions are 0. */
gpg_error_t vault_init_db(const char *spec, int target, int *r_from,
                          int *r_to);

/* The database schema version this program serves (0 without
 * PostgreSQL support). */
int vault_schema_version(void);

/* At most MAX VSCs (0 = no limit): the same as limits.max_vscs of
 * vault_set_limits. vault_put of a new UUID into a full vault fails with
 * GPG_ERR_LIMIT_REACHED. The count and the store are one atomic step (in
 * the directory: under an flock of the vault; in PostgreSQL: in the
 * put's transaction, serialised per account). */
void vault_set_max_vscs(vault_t *v, unsigned max);
/* Number of VSCs now (for a cheap early refusal; vault_put decides). */
gpg_error_t vault_count(vault_t *v, size_t *r_n);

/* The back end's name ("directory", "postgresql"). */
const char *vault_backend(vault_t *v);

/* Every call that works on the vault's contents starts with a clear
 * error context (common/errctx.h) and leaves the details of a failure
 * there, for the log: never a secret, but it may name the database
 * host. */

/* Who is asking, for the audit log and the history's "stored by": the
 * account (the unix login or vscd --user) and where the request comes
 * from ("192.0.2.7:51234" from SSH_CONNECTION, "local pid 42"). Both are
 * cut to VAULT_NAME_MAX bytes, control characters replaced. Set it once
 * per connection, before the first request. The PostgreSQL vault keeps
 * the VSCs of all accounts and shows each account only its own. */
void vault_set_who(vault_t *v, const char *user, const char *peer);

/* Keep the last KEEP generations of every VSC, the current one included
 * (>= 1; default VAULT_KEEP_DEFAULT). */
void vault_set_keep(vault_t *v, unsigned keep);

/* Per-account limits (0 = none), enforced by the vault without races:
 * a create or a put that would exceed them gets GPG_ERR_LIMIT_REACHED. */
typedef struct vault_limits {
  uint64_t max_vscs;        /* VSCs */
  uint64_t max_bytes;       /* bytes of their current generations */
  unsigned max_inflight;    /* requests at once (vault_request_begin) */
} vault_limits_t;
void vault_set_limits(vault_t *v, const vault_limits_t *limits);

/* Directory vaults: append audit records to FD (O_APPEND, opened and
 * kept by the caller, e.g. a parent that runs as another user) instead
 * of the vault's own ".audit". Ignored by the PostgreSQL vault. */
void vault_set_audit_fd(vault_t *v, int fd);

/* How long one request may wait for a database, reconnecting included,
 * before it fails with GPG_ERR_TRY_LATER (default VAULT_TIMEOUT_DEFAULT). */
void vault_set_timeout(vault_t *v, int ms);

/* Make every change durable before it is acknowledged (default on). Off
 * only for tests. */
void vault_set_fsync(vault_t *v, bool on);

/* All VSCs, sorted by UUID. Free *R_LIST with xfree. */
gpg_error_t vault_list(vault_t *v, proto_entry_t **r_list, size_t *r_n);

/* One VSC's generation, size and mtime. GPG_ERR_NOT_FOUND if absent,
 * GPG_ERR_INV_NAME if UUID is not canonical. */
gpg_error_t vault_stat(vault_t *v, const char *uuid, proto_entry_t *r);

/* Read a VSC (at most MAX bytes, else GPG_ERR_TOO_LARGE) into DATA. */
gpg_error_t vault_get(vault_t *v, const char *uuid, size_t max, buf_t *data,
                      proto_entry_t *r);

/* The same for generation GEN (0: the current one); GPG_ERR_NO_DATA if
 * the VSC exists but that generation is not kept. Audited. */
gpg_error_t vault_get_gen(vault_t *v, const char *uuid, uint64_t gen,
                          size_t max, buf_t *data, proto_entry_t *r);

/* Compare-and-swap: store DATA as the next generation if the current one
 * is EXPECT (EXPECT 0: the UUID must not exist yet, the new one gets
 * generation 1). GPG_ERR_CONFLICT if another generation is current (or
 * it exists when EXPECT is 0), GPG_ERR_NOT_FOUND if EXPECT > 0 and the
 * UUID is absent, GPG_ERR_LIMIT_REACHED for a new UUID in a full vault.
 * *R_GEN receives the new generation. */
gpg_error_t vault_put(vault_t *v, const char *uuid, uint64_t expect,
                      const void *data, size_t len, uint64_t *r_gen);

/* vault_put with EXPECT 0, audited as a create. */
gpg_error_t vault_create(vault_t *v, const char *uuid, const void *data,
                         size_t len, uint64_t *r_gen);

/* Remove a VSC and its history; with EXPECT > 0 only if that generation
 * is current. */
gpg_error_t vault_delete(vault_t *v, const char *uuid, uint64_t expect);

/* The kept generations of UUID, newest first (xfree *R_LIST). */
gpg_error_t vault_history(vault_t *v, const char *uuid,
                          proto_version_t **r_list, size_t *r_n);

/* Requests in flight: vault_request_begin takes one of the account's
 * max_inflight slots (counted across every vscd sharing the vault) or
 * fails with GPG_ERR_LIMIT_REACHED; vault_request_end gives it back. */
gpg_error_t vault_request_begin(vault_t *v);
void vault_request_end(vault_t *v);

/* ---- Audit log ------------------------------------------------------

   get, put, create and delete audit themselves (in the same transaction
   where the back end has transactions). The server adds the requests it
   refuses before they reach the vault with vault_audit. Records never
   hold a password or a VSC's bytes. */

typedef struct vault_audit_rec {
  int64_t time_us;                  /* microseconds since 1970, UTC */
  char user[VAULT_NAME_MAX + 1];
  char op[16];                      /* create get put delete list ... */
  char uuid[PROTO_UUID_LEN + 1];    /* "" if none */
  uint64_t gen;                     /* 0 if none */
  char peer[VAULT_NAME_MAX + 1];
  char server[VAULT_NAME_MAX + 1];  /* the vscd host that served it */
  unsigned code;                    /* libgpg-error code, 0 = done */
  char result[256];                 /* why it was refused, "" if done */
} vault_audit_rec_t;

/* Record a request refused by the server (OP, UUID and GEN as far as
 * known, ERR its error, WHY a short reason). */
gpg_error_t vault_audit(vault_t *v, const char *op, const char *uuid,
                        uint64_t gen, gpg_error_t err, const char *why);

typedef struct vault_audit_query {
  int64_t since_us;      /* records at or after this time (0: all) */
  const char *user;      /* only this account (NULL: all) */
} vault_audit_query_t;

/* Call FN for every record matching Q, oldest first; FN returning an
 * error stops the walk with that error. */
typedef gpg_error_t (*vault_audit_fn) (void *ctx, const vault_audit_rec_t *r);
gpg_error_t vault_audit_read(vault_t *v, const vault_audit_query_t *q,
                             vault_audit_fn fn, void *ctx);

#endif /* VSC_REMOTE_VAULT_H */
