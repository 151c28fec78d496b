/* vault-dir.h - the directory vault back end (vault.h is the contract)
 *
 * A directory vault (mode 0700) holds, per VSC,
 *   <uuid>.<generation>.vsc   the ciphertext VSC as the client sent it
 *   .<uuid>.lock              flock(2) target for compare-and-swap
 * and transient ".tmp-<uuid>-<random>" files while a write is under way.
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

/* Build a file name "<uuid>.<gen>.vsc" (OUT >= 64 bytes) and parse one
 * back (false for anything else). Exposed for tests. */
void vault_dir_name(char *out, size_t outsz, const char *uuid, uint64_t gen);
bool vault_dir_name_parse(const char *name, char *uuid, uint64_t *gen);

#endif /* VSC_REMOTE_VAULT_DIR_H */
