/* slots.h - a counting semaphore shared by processes that may die at any
 * moment: vscd's cap on concurrent key derivations
 *
 * Slots are one-byte POSIX record locks (fcntl F_SETLK) on one file: a
 * lock belongs to the process that took it and is released by the
 * kernel when the process exits, so a client killed with SIGKILL in the
 * middle of a create never leaks a slot. At most one slot per OWNER
 * (vscd passes the client's uid), so one account cannot take them all.
 *
 * The file is an anonymous memfd made by the socket server before it
 * forks (shared by all its clients), or a named lock file (vscd --stdio,
 * where every ssh session is its own process: a lock file in the
 * account's vault caps that account's sessions). */
#ifndef VSC_REMOTE_SLOTS_H
#define VSC_REMOTE_SLOTS_H

#include "common/error.h"

typedef struct slots slots_t;

/* N slots (1..1024) on an anonymous file, for forked children. */
gpg_error_t slots_new_anon (unsigned n, slots_t **r_slots);
/* N slots on the file PATH (created with mode 0600 if missing). */
gpg_error_t slots_open (const char *path, unsigned n, slots_t **r_slots);
void slots_free (slots_t *s);

/* Take a slot, waiting for one if all are taken (and for OWNER's own
 * slot if OWNER holds one in another process). *R_SLOT is what to pass
 * to slots_release. */
gpg_error_t slots_acquire (slots_t *s, unsigned long owner, int *r_slot);
void slots_release (slots_t *s, unsigned long owner, int slot);

#endif /* VSC_REMOTE_SLOTS_H */
