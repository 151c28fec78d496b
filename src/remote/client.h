/* client.h - talk to vscd over ssh (vscd --stdio) or a Unix socket
 *
 * URLs:
 *   ssh://[USER@]HOST[:PORT][/VAULT]   runs "ssh ... HOST vscd --stdio
 *                                      [--vault /VAULT]"
 *   unix:/path/to/socket               connects to "vscd --socket PATH"
 *
 * A connection is one object used by one thread at a time; calls block,
 * but every wait can be cut short by the cancel fd and bounded by the
 * timeout in remote_opts_t, so a UI can run them on a worker thread and
 * cancel from its own loop. Nothing here prints to stdout or stderr
 * (ssh's own stderr goes where remote_opts_t.ssh_stderr_fd says).
 * After a failed call, errctx_text() has the server's text. */
#ifndef VSC_REMOTE_CLIENT_H
#define VSC_REMOTE_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/errctx.h"
#include "common/buffer.h"
#include "remote/proto.h"

typedef struct remote remote_t;

typedef struct remote_opts {
  const char *ssh_command;   /* NULL: $VSC_SSH, else "ssh"; run by sh -c */
  const char *remote_vscd;   /* NULL: $VSC_REMOTE_VSCD, else "vscd" */
  int cancel_fd;             /* -1 or an fd that becomes readable to cancel */
  int timeout_ms;            /* -1 or a bound for each wait */
  int ssh_stderr_fd;         /* -1: inherit; else ssh's stderr goes here */
  bool replace;              /* get/create may replace a local file that
                                is not that VSC (vsctool --force) */
} remote_opts_t;

#define REMOTE_OPTS_INIT { NULL, NULL, -1, -1, -1, false }

/* Connect and negotiate the protocol version. */
gpg_error_t remote_open(const char *url, const remote_opts_t *opts,
                        remote_t **r_remote);
/* Change remote_opts_t.replace for the following calls. */
void remote_set_replace(remote_t *r, bool replace);
/* Say bye, close, reap ssh. NULL is fine. */
void remote_close(remote_t *r);

/* Every call starts with a clear error context; after a failure it
 * holds the server's message (or the client's own reason), "" if none:
 * errctx_text () (common/errctx.h), also after a failed remote_open.
 * remote_close keeps it. */

/* Create a VSC on the server. UUID (>= 37 bytes) and *R_GEN receive its
 * name and generation, *R_PASSWORD the password (secure memory, shown
 * once: release with xfree_secure), FILE (may be NULL) its bytes. */
gpg_error_t remote_create(remote_t *r, char *uuid, uint64_t *r_gen,
                          char **r_password, buf_t *file);
/* As remote_create, and write the VSC to PATH (atomically, 0600). PATH
 * must not exist (GPG_ERR_EEXIST, checked before the VSC is created),
 * unless the connection was opened with remote_opts_t.replace. */
gpg_error_t remote_create_file(remote_t *r, const char *path, char *uuid,
                               uint64_t *r_gen, char **r_password);

/* List the account's VSCs (xfree *R_LIST). */
gpg_error_t remote_list(remote_t *r, proto_entry_t **r_list, size_t *r_n);
gpg_error_t remote_stat(remote_t *r, const char *uuid, proto_entry_t *e);

/* The protocol version the server chose (1 or 2). */
unsigned remote_version(remote_t *r);

/* Fetch a VSC; *R_GEN gets its generation. */
gpg_error_t remote_get(remote_t *r, const char *uuid, buf_t *data,
                       uint64_t *r_gen);
/* Fetch generation GEN (0: the current one; an older one needs protocol
 * version 2, else GPG_ERR_NOT_SUPPORTED). */
gpg_error_t remote_get_gen(remote_t *r, const char *uuid, uint64_t gen,
                           buf_t *data, uint64_t *r_gen);
/* Fetch into PATH, written atomically (temp + fsync + rename), 0600.
 * An existing PATH is replaced only if it holds the same VSC (an older
 * copy) or with remote_opts_t.replace; otherwise GPG_ERR_EEXIST, with the
 * reason in errctx_text (). A symlinked PATH is replaced at its
 * target, in the target's directory. */
gpg_error_t remote_get_file(remote_t *r, const char *uuid, const char *path,
                            uint64_t *r_gen);
gpg_error_t remote_get_gen_file(remote_t *r, const char *uuid, uint64_t gen,
                                const char *path, uint64_t *r_gen);

/* The kept generations of a VSC, newest first (xfree *R_LIST); needs
 * protocol version 2. */
gpg_error_t remote_history(remote_t *r, const char *uuid,
                           proto_version_t **r_list, size_t *r_n);

/* Store DATA as the next generation if the server's is still GEN (0:
 * the UUID must be new). GPG_ERR_CONFLICT if it moved on. */
gpg_error_t remote_put(remote_t *r, const char *uuid, uint64_t gen,
                       const void *data, size_t len, uint64_t *r_newgen);
gpg_error_t remote_put_file(remote_t *r, const char *uuid, uint64_t gen,
                            const char *path, uint64_t *r_newgen);

/* Delete (GEN 0: whatever generation is current). */
gpg_error_t remote_delete(remote_t *r, const char *uuid, uint64_t gen);

/* Parse a URL (exposed for tests). KIND is 's' (ssh) or 'u' (unix); the
 * other outputs are allocated (xfree), NULL when absent. */
gpg_error_t remote_parse_url(const char *url, char *kind, char **user,
                             char **host, unsigned *port, char **path);

/* Write P[0..N) to PATH atomically with mode 0600 (a symlink is
 * followed: its target is replaced, in its own directory). REPLACE
 * false: PATH must not exist (GPG_ERR_EEXIST, also when it appears while
 * writing). */
gpg_error_t remote_write_file(const char *path, const void *p, size_t n);
gpg_error_t remote_write_file_ex(const char *path, const void *p, size_t n,
                                 bool replace);

/* Whether PATH may receive VSC UUID (NULL: a VSC that is new here): 0 if
 * PATH does not exist or (UUID given) holds that VSC, GPG_ERR_EEXIST
 * otherwise, with a sentence for the person in TEXT (TEXTSZ bytes). */
gpg_error_t remote_check_target(const char *path, const char *uuid,
                                char *text, size_t textsz);

#endif /* VSC_REMOTE_CLIENT_H */
