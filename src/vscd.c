/* vscd.c - the VSC server (claim 11)
 *
 *   vscd --stdio [--vault VAULT]      one client on stdin/stdout, run by
 *                                     "ssh user@host vscd --stdio"
 *   vscd --socket PATH [--vault VAULT] local clients on a Unix socket,
 *                                     a vault per peer uid (DIR/<uid>/)
 *                                     or one database for all
 *   vscd --inetd [--vault VAULT]      one client on a connected Unix
 *                                     socket on stdin (systemd Accept=yes,
 *                                     vscd@.service), vault per peer uid
 *   vscd --init-db --vault DB         create / migrate the schema
 *   vscd --audit [--vault VAULT] ...  print the audit log
 *
 * VAULT is a directory or a PostgreSQL database (remote/vault.h).
 * The protocol is in src/remote/proto.h and doc/vscd-protocol.md, the
 * vault in src/remote/vault.h, the conversation in src/remote/server.c.
 * This file parses options and provides the two VSC-aware hooks: making a
 * new VSC (UUID + generated password, through src/vsc) and checking that
 * a stored file is a VSC with the UUID it is stored under. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <unistd.h>
#include <signal.h>
#include <pwd.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <sys/socket.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "vsc/vsc.h"
#include "remote/proto.h"
#include "remote/vault.h"
#include "remote/server.h"
#include "vscd-admin.h"
#ifdef HAVE_LIBPQ
#include <libpq-fe.h>
#endif

#define VSCD_SOCKET_VAULT_DEFAULT "/var/lib/vscd"
#define VSCD_MAX_CLIENTS_DEFAULT 128
#define VSCD_SOCKET_TIMEOUT_DEFAULT 600   /* seconds idle per client */
#define VSCD_MAX_VSCS_DEFAULT 10000
#define VSCD_MAX_PER_UID_DEFAULT 8      /* socket clients per uid */
#define VSCD_MAX_KDF_DEFAULT 2          /* concurrent creates */
#define VSCD_HELLO_TIMEOUT_DEFAULT 10   /* seconds until the first request */

static gpg_error_t
vscd_create (void *ctx, const char *scratch, char *uuid, char **r_password,
             buf_t *file)
{
  gpg_error_t err;
  char path[PATH_MAX];
  vsc_t *vsc = NULL;
  uint8_t *data = NULL;
  size_t n = 0, i;
  const char *u;

  (void)ctx;
  *r_password = NULL;
  snprintf (path, sizeof path, "%s/new.vsc", scratch);
  err = vsc_create (path, NULL, NULL, &vsc, r_password);
  if (err)
    goto leave;
  err = vsc_encode (vsc, &data, &n);
  if (err)
    goto leave;
  err = buf_set (file, data, n);
  if (err)
    goto leave;
  u = vsc_uuid (vsc);
  if (!u || strlen (u) != PROTO_UUID_LEN)
    {
      err = gpg_error (GPG_ERR_BUG);
      goto leave;
    }
  for (i = 0; i <= PROTO_UUID_LEN; i++)
    uuid[i] = (char)tolower ((unsigned char)u[i]);

 leave:
  if (data)
    {
      wipememory (data, n);
      xfree (data);
    }
  vsc_close (vsc);
  if (err)
    {
      xfree_secure (*r_password);
      *r_password = NULL;
    }
  return err;
}

/* Structure-only open (no password, no KDF): a VSC, and the right one. */
static gpg_error_t
vscd_check (void *ctx, const char *uuid, const void *data, size_t len,
            char *text, size_t textsz)
{
  gpg_error_t err;
  vsc_t *vsc = NULL;

  (void)ctx;
  err = vsc_open_mem (data, len, NULL, NULL, &vsc);
  if (err)
    {
      snprintf (text, textsz, "not a valid VSC: %s",
                errctx_message (err));
      return err;
    }
  if (strcasecmp (vsc_uuid (vsc), uuid))
    {
      snprintf (text, textsz, "the file is VSC %s", vsc_uuid (vsc));
      err = gpg_error (GPG_ERR_WRONG_NAME);
    }
  vsc_close (vsc);
  return err;
}

/* $XDG_DATA_HOME/vscman/vault or ~/.local/share/vscman/vault. */
static char *
vscd_default_vault (void)
{
  const char *x = getenv ("XDG_DATA_HOME");
  const char *home = getenv ("HOME");
  char buf[PATH_MAX];

  if (x && *x == '/')
    snprintf (buf, sizeof buf, "%s/vscman/vault", x);
  else
    {
      if (!home || *home != '/')
        {
          struct passwd *pw = getpwuid (getuid ());
          home = pw ? pw->pw_dir : NULL;
        }
      if (!home)
        return NULL;
      snprintf (buf, sizeof buf, "%s/.local/share/vscman/vault", home);
    }
  return xtrystrdup (buf);
}

/* The lock file of the cap on concurrent creates (--max-kdf) where every
 * connection is a process of its own (--stdio, --inetd): VAULT/.kdf.lock
 * for a directory; for a database (shared by every host, while the cap
 * is about this host's memory) $XDG_RUNTIME_DIR/vscd-kdf.lock, else
 * ~/.vscd-kdf.lock of the account vscd runs as. */
static void
vscd_kdf_lock_path (const char *vault, char *out, size_t outsz)
{
  const char *rt = getenv ("XDG_RUNTIME_DIR");
  const char *home = getenv ("HOME");

  if (!vault_spec_is_database (vault))
    snprintf (out, outsz, "%s/.kdf.lock", vault);
  else if (rt && *rt == '/')
    snprintf (out, outsz, "%s/vscd-kdf.lock", rt);
  else
    {
      if (!home || *home != '/')
        {
          struct passwd *pw = getpwuid (getuid ());
          home = pw && pw->pw_dir ? pw->pw_dir : "/";
        }
      snprintf (out, outsz, "%s/.vscd-kdf.lock", home);
    }
}

static void
vscd_usage (FILE *fp)
{
  fprintf (fp, _("usage: vscd --stdio [OPTIONS]\n"
                 "       vscd --socket PATH [OPTIONS]\n"
                 "       vscd --inetd [OPTIONS]\n"
                 "       vscd --init-db --vault DATABASE [--schema N]\n"
                 "       vscd --audit [--vault VAULT] [--since T] [--user NAME] [--json]\n"
                 "The VSC server: creates VSCs and stores encrypted VSCs.\n\n"
                 "  --stdio            serve one client on stdin/stdout (ssh)\n"
                 "  --socket PATH      serve local clients on a Unix socket\n"
                 "  --inetd            serve the one client connected to the\n"
                 "                     Unix socket on stdin (systemd Accept=yes)\n"
                 "  --vault VAULT      a directory (stdio default:\n"
                 "                     ~/.local/share/vscman/vault; socket and\n"
                 "                     inetd default: %s, one subdirectory\n"
                 "                     per uid) or a PostgreSQL database\n"
                 "                     (postgresql://host/db or 'host=... dbname=...';\n"
                 "                     the password comes from ~/.pgpass)\n"
                 "  --user NAME        the account served (stdio; default: the login)\n"
                 "  --keep N           generations kept per VSC (default %d)\n"
                 "  --max-frame BYTES  largest request accepted (default 16 MiB)\n"
                 "  --max-clients N    concurrent socket clients (default %d)\n"
                 "  --max-per-uid N    of them from one uid (default %d, 0 = no limit)\n"
                 "  --max-kdf N        concurrent creates (key derivations,\n"
                 "                     default %d, one per uid)\n"
                 "  --timeout SECS     idle limit per client (0 = none)\n"
                 "  --hello-timeout SECS  limit until the first request\n"
                 "                     (default %d)\n"
                 "  --max-vscs N       VSCs per account (default %d, 0 = no limit)\n"
                 "  --max-bytes BYTES  bytes of VSCs per account (0 = no limit)\n"
                 "  --max-inflight N   requests at once per account (0 = no limit)\n"
                 "  --db-timeout SECS  how long a request waits for the database\n"
                 "                     (default %d)\n"
                 "  --no-check         store puts without checking they are VSCs\n"
                 "  --echo             benchmark reference: no CAS, puts discarded\n"
                 "  --log-file FILE    log there instead of stderr\n"
                 "  -v, --verbose      more log output (repeat for debug)\n"
                 "  --version, --help\n"
                 "See vscd(8).\n"),
           VSCD_SOCKET_VAULT_DEFAULT, VAULT_KEEP_DEFAULT,
           VSCD_MAX_CLIENTS_DEFAULT, VSCD_MAX_PER_UID_DEFAULT,
           VSCD_MAX_KDF_DEFAULT, VSCD_HELLO_TIMEOUT_DEFAULT,
           VSCD_MAX_VSCS_DEFAULT, VAULT_TIMEOUT_DEFAULT / 1000);
}

/* An account name for --user: what a login name may be. */
static bool
vscd_user_valid (const char *s)
{
  size_t i, n = strlen (s);
  if (!n || n > VAULT_NAME_MAX || s[0] == '-')
    return false;
  for (i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
          || (s[i] >= '0' && s[i] <= '9') || strchr ("._@-", s[i])))
      return false;
  return true;
}

/* The login name of the account we run as ("#UID" without one). */
static void
vscd_login_name (char *out, size_t outsz)
{
  struct passwd *pw = getpwuid (getuid ());
  if (pw && pw->pw_name && *pw->pw_name)
    snprintf (out, outsz, "%s", pw->pw_name);
  else
    snprintf (out, outsz, "#%u", (unsigned)getuid ());
}

/* Where an ssh client comes from: "ADDR:PORT" ("[ADDR]:PORT" for IPv6)
 * from $SSH_CONNECTION, else "local". */
static void
vscd_ssh_peer (char *out, size_t outsz)
{
  const char *sc = getenv ("SSH_CONNECTION");
  char addr[64] = "";
  unsigned port = 0;

  if (sc && sscanf (sc, "%63s %u", addr, &port) == 2 && port && port < 65536)
    {
      if (strchr (addr, ':'))
        snprintf (out, outsz, "[%s]:%u", addr, port);
      else
        snprintf (out, outsz, "%s:%u", addr, port);
    }
  else
    snprintf (out, outsz, "local");
}

static bool
vscd_parse_ulong (const char *s, unsigned long max, unsigned long *r)
{
  char *end;
  unsigned long v;
  errno = 0;
  if (!s || !*s || *s == '-')
    return false;
  v = strtoul (s, &end, 10);
  if (errno || *end || v > max)
    return false;
  *r = v;
  return true;
}

/* A numeric option "--NAME N", N in MIN..MAX (SECONDS: a time, the
 * message says so), into *VAR; *GIVEN (if not NULL) set when it was. */
typedef struct vscd_num_opt {
  const char *name;
  unsigned long min, max;
  bool seconds;
  unsigned long *var;
  bool *given;
} vscd_num_opt_t;

/* The entry of OPTS (N of them) named A, or NULL. */
static const vscd_num_opt_t *
vscd_num_opt_find (const vscd_num_opt_t *opts, size_t n, const char *a)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (!strcmp (opts[i].name, a))
      return &opts[i];
  return NULL;
}

/* VAL for the numeric option O, or false after a message (exit 2). */
static bool
vscd_num_opt_set (const vscd_num_opt_t *o, const char *val)
{
  if (vscd_parse_ulong (val, o->max, o->var) && *o->var >= o->min)
    {
      if (o->given)
        *o->given = true;
      return true;
    }
  if (o->seconds)
    fprintf (stderr, _("vscd: %s must be %lu to %lu seconds\n"), o->name,
             o->min, o->max);
  else
    fprintf (stderr, _("vscd: %s must be %lu to %lu\n"), o->name, o->min,
             o->max);
  return false;
}

/* --inetd: the client is already connected on standard input (systemd's
 * vscd.socket with Accept=yes starts one vscd@.service per connection,
 * StandardInput=socket). SO_PEERCRED of that socket is the client's, so
 * the vault is picked as with --socket. Returns the exit code. */
static int
vscd_inetd (const char *vault_arg, const server_opts_t *so, bool timeout_set,
            unsigned long timeout, unsigned long max_kdf)
{
  gpg_error_t err;
  server_socket_opts_t sso;
  char kdf_lock[PATH_MAX];
  int domain = 0, type = 0;
  socklen_t len = sizeof domain;

  if (getsockopt (0, SOL_SOCKET, SO_DOMAIN, &domain, &len) || domain != AF_UNIX
      || (len = sizeof type, getsockopt (0, SOL_SOCKET, SO_TYPE, &type, &len))
      || type != SOCK_STREAM)
    {
      fprintf (stderr, _("vscd: --inetd needs a connected Unix stream socket "
                         "on standard input (systemd Accept=yes)\n"));
      return 2;
    }
  memset (&sso, 0, sizeof sso);
  sso.vault_base = vault_arg ? vault_arg : VSCD_SOCKET_VAULT_DEFAULT;
  sso.fsync = true;
  sso.max_kdf = (unsigned)max_kdf;
  if (vault_spec_is_database (sso.vault_base))
    {
      vscd_kdf_lock_path (sso.vault_base, kdf_lock, sizeof kdf_lock);
      sso.kdf_lock = kdf_lock;
    }
  sso.serve = *so;
  sso.serve.timeout_ms = !timeout_set ? VSCD_SOCKET_TIMEOUT_DEFAULT * 1000
                         : timeout ? (int)(timeout * 1000) : -1;
  err = server_prepare_base (&sso);
  if (err)
    {
      fprintf (stderr, _("vscd: cannot prepare the vault directory '%s': %s\n"),
               sso.vault_base, gpg_strerror (err));
      return 1;
    }
  err = server_serve_accepted (&sso, 0);
  return err ? 1 : 0;
}

int
main (int argc, char **argv)
{
  gpg_error_t err;
  const char *socket_path = NULL, *vault_arg = NULL, *logfile = NULL;
  const char *user_arg = NULL, *since_arg = NULL;
  char *vault_dir = NULL;
  bool stdio = false, inetd = false, check = true, echo = false;
  bool init_db = false, audit = false, json = false;
  unsigned long max_frame = PROTO_MAX_FRAME_DEFAULT;
  unsigned long max_clients = VSCD_MAX_CLIENTS_DEFAULT;
  unsigned long timeout = 0;
  unsigned long max_vscs = VSCD_MAX_VSCS_DEFAULT;
  unsigned long max_bytes = 0, max_inflight = 0, schema = 0;
  unsigned long keep = VAULT_KEEP_DEFAULT;
  unsigned long db_timeout = VAULT_TIMEOUT_DEFAULT / 1000;
  unsigned long max_per_uid = VSCD_MAX_PER_UID_DEFAULT;
  unsigned long max_kdf = VSCD_MAX_KDF_DEFAULT;
  unsigned long hello_timeout = VSCD_HELLO_TIMEOUT_DEFAULT;
  bool timeout_set = false;
  int i, rc = 1;
  int64_t since_us = 0;
  server_opts_t so;
  vault_t *v = NULL;
  char user[VAULT_NAME_MAX + 1], peer[VAULT_NAME_MAX + 1];
  slots_t *kdf = NULL;
  const vscd_num_opt_t nums[] = {
    { "--max-frame", PROTO_MAX_FRAME_MIN, PROTO_MAX_FRAME_LIMIT, false,
      &max_frame, NULL },
    { "--max-clients", 1, 65536, false, &max_clients, NULL },
    { "--max-per-uid", 0, 65536, false, &max_per_uid, NULL },
    { "--max-kdf", 0, 1024, false, &max_kdf, NULL },
    { "--hello-timeout", 0, 86400, true, &hello_timeout, NULL },
    { "--timeout", 0, 86400, true, &timeout, &timeout_set },
    { "--max-vscs", 0, 10000000, false, &max_vscs, NULL },
    { "--max-bytes", 0, ULONG_MAX / 2, false, &max_bytes, NULL },
    { "--max-inflight", 0, 65535, false, &max_inflight, NULL },
    { "--keep", 1, 100000, false, &keep, NULL },
    { "--db-timeout", 1, 3600, false, &db_timeout, NULL },
    { "--schema", 1, 1000, false, &schema, NULL }
  };
  const vscd_num_opt_t *num;

  err = util_program_init ();
  if (err)
    {
      fprintf (stderr, "vscd: %s\n", gpg_strerror (err));
      return 1;
    }
  log_set_level (LOG_LEVEL_WARN);
  for (i = 1; i < argc; i++)
    {
      const char *a = argv[i];
      const char *val = i + 1 < argc ? argv[i + 1] : NULL;
      if (!strcmp (a, "--help") || !strcmp (a, "-h"))
        {
          vscd_usage (stdout);
          return 0;
        }
      else if (!strcmp (a, "--version"))
        {
          printf ("vscd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
#ifdef HAVE_LIBPQ
          printf ("vaults: directory, postgresql (libpq %d, schema %d)\n",
                  PQlibVersion (), vault_schema_version ());
#else
          printf ("vaults: directory\n");
#endif
          return 0;
        }
      else if (!strcmp (a, "--stdio"))
        stdio = true;
      else if (!strcmp (a, "--inetd"))
        inetd = true;
      else if (!strcmp (a, "--init-db"))
        init_db = true;
      else if (!strcmp (a, "--audit"))
        audit = true;
      else if (!strcmp (a, "--json"))
        json = true;
      else if (!strcmp (a, "--socket") && val)
        socket_path = argv[++i];
      else if (!strcmp (a, "--vault") && val)
        vault_arg = argv[++i];
      else if (!strcmp (a, "--log-file") && val)
        logfile = argv[++i];
      else if (!strcmp (a, "--user") && val)
        {
          user_arg = argv[++i];
          if (!vscd_user_valid (user_arg))
            {
              fprintf (stderr, _("vscd: --user needs an account name (letters, "
                                 "digits, . _ @ -, at most %d)\n"),
                       VAULT_NAME_MAX);
              return 2;
            }
        }
      else if (!strcmp (a, "--since") && val)
        {
          since_arg = argv[++i];
          if (!vscd_admin_parse_time (since_arg, &since_us))
            {
              fprintf (stderr, _("vscd: --since '%s': give a UTC time "
                                 "(2026-12-05 or 2026-12-05T10:00:00), a "
                                 "duration back from now (90s 30m 24h 7d) "
                                 "or @EPOCH\n"), since_arg);
              return 2;
            }
        }
      else if (val && (num = vscd_num_opt_find (nums, DIM (nums), a)))
        {
          if (!vscd_num_opt_set (num, argv[++i]))
            return 2;
        }
      else if (!strcmp (a, "--no-check"))
        check = false;
      else if (!strcmp (a, "--echo"))
        echo = true;
      else if (!strcmp (a, "-v") || !strcmp (a, "--verbose"))
        log_set_level (log_get_level () + 1);
      else
        {
          fprintf (stderr, _("vscd: unknown or incomplete option '%s'\n"), a);
          vscd_usage (stderr);
          return 2;
        }
    }
  if ((int)stdio + (int)inetd + (int)!!socket_path + (int)init_db + (int)audit
      != 1)
    {
      fprintf (stderr, _("vscd: give exactly one of --stdio, --socket, "
                         "--inetd, --init-db and --audit\n"));
      vscd_usage (stderr);
      return 2;
    }
  if (logfile && (err = log_set_file (logfile)))
    {
      fprintf (stderr, _("vscd: cannot open log file '%s': %s\n"), logfile,
               gpg_strerror (err));
      return 1;
    }
  signal (SIGPIPE, SIG_IGN);
  umask (077);

  if (init_db)
    {
      if (!vault_arg)
        {
          fprintf (stderr, _("vscd: --init-db needs --vault\n"));
          return 2;
        }
      return vscd_admin_init_db (vault_arg, (int)schema) ? 1 : 0;
    }
  if (audit)
    {
      vault_dir = vault_arg ? xtrystrdup (vault_arg) : vscd_default_vault ();
      if (!vault_dir)
        {
          fprintf (stderr, _("vscd: no vault (set HOME or use --vault)\n"));
          return 1;
        }
      rc = vscd_admin_audit (vault_dir, since_us, user_arg, json,
                             (int)(db_timeout * 1000)) ? 1 : 0;
      xfree (vault_dir);
      return rc;
    }

  memset (&so, 0, sizeof so);
  so.max_frame = (uint32_t)max_frame;
  so.create = vscd_create;
  so.check = check && !echo ? vscd_check : NULL;
  so.echo = echo;
  so.max_vscs = (unsigned)max_vscs;
  so.limits.max_vscs = max_vscs;
  so.limits.max_bytes = max_bytes;
  so.limits.max_inflight = (unsigned)max_inflight;
  so.keep = (unsigned)keep;
  so.db_timeout_ms = (int)(db_timeout * 1000);
  so.hello_timeout_ms = (int)(hello_timeout * 1000);

  if (stdio)
    {
      vault_dir = vault_arg ? xtrystrdup (vault_arg) : vscd_default_vault ();
      if (!vault_dir)
        {
          fprintf (stderr, _("vscd: no vault directory (set HOME or use --vault)\n"));
          goto leave;
        }
      if (user_arg)
        snprintf (user, sizeof user, "%s", user_arg);
      else
        vscd_login_name (user, sizeof user);
      vscd_ssh_peer (peer, sizeof peer);
      err = vault_open (vault_dir, true, &v);
      if (!err)
        {
          vault_set_timeout (v, so.db_timeout_ms);
          err = vault_check (v);
        }
      if (err)
        {
          buf_t b = BUF_INIT;
          proto_io_t io = { 0, 1, -1, 1000 };
          fprintf (stderr, _("vscd: cannot open vault '%s': %s\n"), vault_dir,
                   errctx_message (err));
          /* Tell the client too, in its own language. */
          if (!proto_build_error (&b, err, gpg_err_code (err) == GPG_ERR_TRY_LATER
                                  ? "the vault database cannot be reached; "
                                    "try again later"
                                  : "the server cannot open the vault"))
            proto_write_all (&io, b.data, b.len);
          buf_free (&b);
          goto leave;
        }
      so.vault_dir = vault_spec_is_database (vault_dir) ? NULL : vault_dir;
      so.timeout_ms = timeout_set && timeout ? (int)(timeout * 1000) : -1;
      so.peer = peer;
      so.user = user;
      /* Every ssh session is a process of its own: the cap on concurrent
       * creates of this account is a lock file in its vault (or, for a
       * database, in the account's home). */
      if (max_kdf)
        {
          char lp[PATH_MAX];
          vscd_kdf_lock_path (vault_dir, lp, sizeof lp);
          err = slots_open (lp, (unsigned)max_kdf, &kdf);
          if (err)
            {
              fprintf (stderr, _("vscd: cannot open '%s': %s\n"), lp,
                       gpg_strerror (err));
              goto leave;
            }
          so.kdf_slots = kdf;
          so.owner = getuid ();
        }
      err = server_serve (v, 0, 1, &so);
      rc = err ? 1 : 0;
    }
  else if (user_arg)
    {
      fprintf (stderr, _("vscd: --user is for --stdio (on the socket, the "
                         "peer's uid names the account)\n"));
      rc = 2;
    }
  else if (inetd)
    rc = vscd_inetd (vault_arg, &so, timeout_set, timeout, max_kdf);
  else
    {
      server_socket_opts_t sso;
      memset (&sso, 0, sizeof sso);
      sso.path = socket_path;
      sso.vault_base = vault_arg ? vault_arg : VSCD_SOCKET_VAULT_DEFAULT;
      sso.max_clients = (unsigned)max_clients;
      sso.max_per_uid = (unsigned)max_per_uid;
      sso.max_kdf = (unsigned)max_kdf;
      sso.fsync = true;
      so.timeout_ms = !timeout_set ? VSCD_SOCKET_TIMEOUT_DEFAULT * 1000
                      : timeout ? (int)(timeout * 1000) : -1;
      sso.serve = so;
      err = server_run_socket (&sso);
      if (err)
        fprintf (stderr, _("vscd: socket '%s': %s\n"), socket_path,
                 errctx_message (err));
      rc = err ? 1 : 0;
    }

 leave:
  slots_free (kdf);
  vault_close (v);
  xfree (vault_dir);
  return rc;
}
