/* server.h - vscd: serve the vault protocol on a stream or a Unix socket */
#ifndef VSC_REMOTE_SERVER_H
#define VSC_REMOTE_SERVER_H

#include <stdint.h>
#include <stdbool.h>
#include <sys/types.h>
#include "common/error.h"
#include "common/buffer.h"
#include "remote/vault.h"
#include "remote/slots.h"

/* Build a new encrypted VSC in the private scratch directory SCRATCH:
 * fill UUID (canonical lower-case text), a generated password in secure
 * memory (*R_PASSWORD, released by the caller with xfree_secure) and the
 * file's bytes (*FILE). The password must never be logged or stored. */
typedef gpg_error_t (*server_create_fn) (void *ctx, const char *scratch,
                                         char *uuid, char **r_password,
                                         buf_t *file);

/* Check a VSC a client wants to store under UUID (structure, and that it
 * is that UUID's file). An error refuses the put with TEXT as reason. */
typedef gpg_error_t (*server_check_fn) (void *ctx, const char *uuid,
                                        const void *data, size_t len,
                                        char *text, size_t textsz);

typedef struct server_opts {
  uint32_t max_frame;          /* largest request body accepted */
  int timeout_ms;              /* idle limit per request, -1 = none */
  int hello_timeout_ms;        /* limit for the first request (HELLO);
                                  0 = timeout_ms */
  slots_t *kdf_slots;          /* NULL, or the cap on concurrent creates
                                  (key derivations), one per OWNER */
  unsigned long owner;         /* the client's uid, for kdf_slots */
  const char *vault_dir;       /* path of the vault (scratch for create) */
  server_create_fn create;     /* NULL: create answers "not supported" */
  void *create_ctx;
  server_check_fn check;       /* NULL: any bytes are stored */
  void *check_ctx;
  const char *peer;            /* where the client is: log lines and the
                                  audit log ("192.0.2.7:51234", "local") */
  const char *user;            /* the account served (audit, history) */
  unsigned max_vscs;           /* VSCs per vault (0 = no limit) */
  vault_limits_t limits;       /* per account, enforced by the vault
                                  (max_vscs is copied in) */
  unsigned keep;               /* generations kept (0: the default) */
  int db_timeout_ms;           /* a request's wait for a database (0:
                                  the default) */
  bool echo;                   /* bench reference: GET/PUT copy bytes
                                  without CAS, fsync or rename */
} server_opts_t;

/* Serve one client on IN/OUT until it says bye, closes, or breaks the
 * protocol in a way that cannot be recovered from. Bad requests get an
 * error frame. The vault gets O's account, peer, history length, limits
 * and timeout first. Returns 0 for an orderly end. */
gpg_error_t server_serve(vault_t *v, int in, int out, const server_opts_t *o);

typedef struct server_socket_opts {
  const char *path;            /* socket path (created, mode 0666); an
                                  existing file is replaced only if it is
                                  a stale socket */
  const char *vault_base;      /* per-uid vaults: BASE/<uid>/ (BASE must
                                  be ours (root's or the service
                                  account's) and writable by nobody
                                  else, and is never a symlink), or a
                                  database for every uid */
  unsigned max_clients;        /* concurrent client processes */
  unsigned max_per_uid;        /* of them, from one uid (0 = no limit) */
  unsigned max_kdf;            /* concurrent creates (0 = no limit) */
  const char *kdf_lock;        /* --inetd: the lock file of that cap
                                  (NULL: BASE/.kdf.lock) */
  server_opts_t serve;         /* per connection */
  bool fsync;
} server_socket_opts_t;

/* Listen on a Unix socket; each client runs in its own process with the
 * vault of its SO_PEERCRED uid (as root the process first becomes that
 * user). Returns on SIGTERM/SIGINT (the socket is removed). */
gpg_error_t server_run_socket(const server_socket_opts_t *o);

/* Create O->vault_base if missing; mode 0711 when clients' processes
 * will run as their own uids (server_uid_can_switch). */
gpg_error_t server_prepare_base(const server_socket_opts_t *o);

/* Serve one client on FD, a connected Unix stream socket (from accept, or
 * passed by systemd with Accept=yes / inetd): the peer's uid
 * (SO_PEERCRED) picks the vault O->vault_base/<uid>/, and the process
 * becomes that uid first where it can (root, or CAP_SETUID/CAP_SETGID).
 * Returns when the conversation ends; the caller exits afterwards (the
 * process may no longer be what it was). */
gpg_error_t server_serve_accepted(const server_socket_opts_t *o, int fd);

#endif /* VSC_REMOTE_SERVER_H */
