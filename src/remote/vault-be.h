/* vault-be.h - what a vault back end implements (inside src/remote only)
 *
 * vault.c owns the vault_t and dispatches every vault.h call to the
 * back end's table; a back end keeps its own state in V->be. Back ends:
 * vault-dir.c (a directory of files) and vault-pg.c (PostgreSQL).
 * Arguments are checked by vault.c before they get here (canonical
 * UUIDs only), so a back end never sees a name it has to sanitise. */
#ifndef VSC_REMOTE_VAULT_BE_H
#define VSC_REMOTE_VAULT_BE_H

#include "remote/vault.h"

typedef struct vault_ops {
  const char *name;
  /* Connect to / open SPEC and set V->be. */
  gpg_error_t (*open) (vault_t *v, const char *spec, bool create);
  /* Release V->be (also after a failed open). */
  void (*close) (vault_t *v);
  gpg_error_t (*list) (vault_t *v, proto_entry_t **r_list, size_t *r_n);
  gpg_error_t (*stat) (vault_t *v, const char *uuid, proto_entry_t *r);
  gpg_error_t (*get) (vault_t *v, const char *uuid, size_t max, buf_t *data,
                      proto_entry_t *r);
  gpg_error_t (*put) (vault_t *v, const char *uuid, uint64_t expect,
                      const void *data, size_t len, uint64_t *r_gen);
  gpg_error_t (*del) (vault_t *v, const char *uuid, uint64_t expect);
} vault_ops_t;

struct vault {
  const vault_ops_t *ops;
  void *be;                    /* the back end's state */
  bool fsync;                  /* make every change durable (default) */
};

extern const vault_ops_t vault_dir_ops;

#endif /* VSC_REMOTE_VAULT_BE_H */
