/* vault-dir.h - the directory vault back end (vault.h is the contract)
 *
 * A directory vault (mode 0700) holds, per VSC,
 *   <uuid>.<generation>.vsc   the ciphertext VSC as the client sent it
 *   .<uuid>.lock              flock(2) target for compare-and-swap
 *   .<uuid>.<generation>.who  who stored that generation ("user TAB peer")
 * and transient ".tmp-<uuid>-<random>" files while a write is under way;
 * the last N generations are kept (vault_set_keep). Besides:
 *   .audit                    the audit log (vault-dir-audit.c), unless
 *                             vault_set_audit_fd gave another file
 *   .slot-<n>                 flock(2) targets counting requests in flight
 * The generation is part of the file name, so a new version appears
 * atomically with its generation by one rename(2); after a kill -9 the
 * vault holds the old or the new version (the highest generation wins;
 * leftovers are removed under the lock by the next writer). A file name,
 * once written, never changes content.
 *
 * Every access goes through the directory fd with openat(2) and
 * O_NOFOLLOW, and only canonical UUID text (proto_uuid_valid) names a
 * VSC, so no request reaches outside the vault. */
#ifndef VSC_REMOTE_VAULT_DIR_H
#define VSC_REMOTE_VAULT_DIR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "remote/vault.h"

/* Build a file name "<uuid>.<gen>.vsc" (OUT >= 64 bytes) and parse one
 * back (false for anything else). Exposed for tests. */
void vault_dir_name(char *out, size_t outsz, const char *uuid, uint64_t gen);
bool vault_dir_name_parse(const char *name, char *uuid, uint64_t *gen);

/* vault-dir-audit.c: the audit file's lines. */
gpg_error_t vault_dir_audit_format(const vault_audit_rec_t *r, char *out,
                                   size_t outsz, size_t *r_len);
/* Parse one line (modified in place). */
gpg_error_t vault_dir_audit_parse(char *line, vault_audit_rec_t *r);
/* Append one record with a single write(2) (FD has O_APPEND). */
gpg_error_t vault_dir_audit_append(int fd, const vault_audit_rec_t *r);
/* Read FD from its start; *R_BAD counts lines that do not parse. */
gpg_error_t vault_dir_audit_read_fd(int fd, const vault_audit_query_t *q,
                                    vault_audit_fn fn, void *ctx,
                                    unsigned *r_bad);

#endif /* VSC_REMOTE_VAULT_DIR_H */
