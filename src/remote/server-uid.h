/* server-uid.h - vscd: become the client's uid for a per-uid vault */
#ifndef VSC_REMOTE_SERVER_UID_H
#define VSC_REMOTE_SERVER_UID_H

#include <stdbool.h>
#include <sys/types.h>
#include "common/error.h"

/* True if this process may change its uid and gid: it is root, or has
 * CAP_SETUID and CAP_SETGID in its effective set (a service account
 * started with AmbientCapabilities=, as the packaged vscd@.service). */
bool server_uid_can_switch(void);

/* Become UID/GID with no supplementary groups and no capabilities left
 * in any set; checked afterwards (and that uid 0 cannot be regained).
 * GPG_ERR_EPERM if anything of the old privileges is left. */
gpg_error_t server_uid_become(uid_t uid, gid_t gid);

#endif /* VSC_REMOTE_SERVER_UID_H */
