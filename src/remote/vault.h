/* vault.h - where vscd keeps the encrypted VSCs: the contract
 *
 * A vault holds VSCs named by canonical UUID text, each with a
 * generation that counts its stores; every change is a compare-and-swap
 * on that generation. The contract is the same for every back end:
 *
 *   directory   one directory of files (vault-dir.h: the layout)
 *
 * vault.c checks the arguments (only canonical UUID text, see
 * proto_uuid_valid, ever reaches a back end) and dispatches to the back
 * end's table (vault-be.h). */
#ifndef VSC_REMOTE_VAULT_H
#define VSC_REMOTE_VAULT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "remote/proto.h"

typedef struct vault vault_t;

/* Open the vault SPEC: a directory (created with mode 0700, parents too,
 * if CREATE; it must not be a symlink and must be owned by the caller). */
gpg_error_t vault_open(const char *spec, bool create, vault_t **r_vault);
void vault_close(vault_t *v);

/* The back end's name ("directory"). */
const char *vault_backend(vault_t *v);

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

/* Compare-and-swap: store DATA as the next generation if the current one
 * is EXPECT (EXPECT 0: the UUID must not exist yet, the new one gets
 * generation 1). GPG_ERR_CONFLICT if another generation is current (or
 * it exists when EXPECT is 0), GPG_ERR_NOT_FOUND if EXPECT > 0 and the
 * UUID is absent. *R_GEN receives the new generation. */
gpg_error_t vault_put(vault_t *v, const char *uuid, uint64_t expect,
                      const void *data, size_t len, uint64_t *r_gen);

/* Remove a VSC; with EXPECT > 0 only if that generation is current. */
gpg_error_t vault_delete(vault_t *v, const char *uuid, uint64_t expect);

#endif /* VSC_REMOTE_VAULT_H */
