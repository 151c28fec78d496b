/* server.c - vscd: serve the vault protocol on a stream or a Unix socket
 *
 * One connection = one sequential conversation: HELLO first, then any
 * number of requests, each answered by one reply or one error frame.
 * Framing errors (oversized, zero length, truncated) end the connection
 * after an error frame where one can still be sent; a well-framed but
 * malformed request gets an error frame and the conversation goes on,
 * up to SERVER_MAX_BAD of them. Passwords pass through this file only in
 * secure memory, only on create, and are never logged. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <grp.h>
#include <pwd.h>
#include <inttypes.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <gcrypt.h>

#include "server.h"
#include "server-uid.h"
#include "proto.h"
#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"

#define SERVER_MAX_BAD 16         /* malformed requests before we hang up */
#define SERVER_FRAME_OVERHEAD 256 /* reply fields around a VSC's bytes */

/* Connection state. */
typedef struct server_conn {
  vault_t *v;
  const server_opts_t *o;
  proto_io_t io;
  buf_t out;
  bool hello;
  unsigned version;         /* negotiated protocol version */
} server_conn_t;

static gpg_error_t
server_send (server_conn_t *c, buf_t *frame)
{
  gpg_error_t err = proto_write_all (&c->io, frame->data, frame->len);
  buf_clear (frame);
  return err;
}

static gpg_error_t
server_send_error (server_conn_t *c, gpg_error_t err, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));

static gpg_error_t
server_send_error (server_conn_t *c, gpg_error_t err, const char *fmt, ...)
{
  char text[512];
  va_list ap;
  gpg_error_t e;

  va_start (ap, fmt);
  vsnprintf (text, sizeof text, fmt, ap);
  va_end (ap);
  log_info ("%s: %s (%s)", c->o->peer ? c->o->peer : "client", text,
            gpg_strerror (err));
  buf_clear (&c->out);
  e = proto_build_error (&c->out, err, text);
  if (!e)
    e = server_send (c, &c->out);
  return e;
}

/* Record a request the server refused itself (the vault records the
 * outcome of every get, put, create and delete it performs). */
static void
server_audit (server_conn_t *c, const char *op, const char *uuid,
              uint64_t gen, gpg_error_t err, const char *why)
{
  if (c->o->echo || !c->v)
    return;
  if (vault_audit (c->v, op, uuid, gen, err, why))
    log_error ("%s: cannot record the refused %s in the audit log: %s",
               c->o->peer ? c->o->peer : "client", op,
               errctx_text ());
}

/* Start the reply M to a request of TYPE with the fields HAVE (a list
 * field with no elements writes nothing) and, if not NULL, UUID. */
static void
server_reply (proto_msg_t *m, unsigned type, unsigned have, const char *uuid)
{
  memset (m, 0, sizeof *m);
  m->type = type | PROTO_REPLY;
  m->have = have;
  if (uuid)
    memcpy (m->uuid, uuid, sizeof m->uuid);
}

/* The same with the UUID, generation, size and time of E (only those
 * in HAVE are sent). */
static void
server_reply_entry (proto_msg_t *m, unsigned type, unsigned have,
                    const proto_entry_t *e)
{
  server_reply (m, type, have, e->uuid);
  m->gen = e->gen;
  m->size = e->size;
  m->mtime = e->mtime;
}

static gpg_error_t
server_send_msg (server_conn_t *c, const proto_msg_t *m)
{
  gpg_error_t err;
  buf_clear (&c->out);
  err = proto_msg_build (&c->out, m);
  if (err)
    return server_send_error (c, err, "cannot encode the reply");
  return server_send (c, &c->out);
}

static gpg_error_t
server_do_hello (server_conn_t *c, const proto_msg_t *req)
{
  proto_msg_t m;
  static const char name[] = "vscd " PACKAGE_VERSION;

  /* The newest version both sides speak. */
  uint64_t chosen = req->vmax < PROTO_VERSION ? req->vmax : PROTO_VERSION;

  if (req->vmin > req->vmax || chosen < req->vmin
      || chosen < PROTO_VERSION_MIN)
    {
      server_send_error (c, gpg_error (GPG_ERR_UNSUPPORTED_PROTOCOL),
                         "protocol versions %" PRIu64 "..%" PRIu64
                         " not supported (this server speaks %d..%d)",
                         req->vmin, req->vmax, PROTO_VERSION_MIN,
                         PROTO_VERSION);
      server_audit (c, "hello", NULL, 0,
                    gpg_error (GPG_ERR_UNSUPPORTED_PROTOCOL),
                    "protocol version not supported");
      return gpg_error (GPG_ERR_UNSUPPORTED_PROTOCOL);
    }
  server_reply (&m, PROTO_HELLO,
                PROTO_F_VMAX | PROTO_F_MAXFRAME | PROTO_F_NAME, NULL);
  m.vmax = chosen;
  c->version = (unsigned)chosen;
  m.maxframe = c->o->max_frame;
  m.name = name;
  m.namelen = strlen (name);
  c->hello = true;
  return server_send_msg (c, &m);
}

static gpg_error_t server_vault_error (server_conn_t *c, gpg_error_t err,
                                       const char *what, const char *uuid,
                                       uint64_t sent);

/* Before the costly work of a create: refuse it when the vault holds
 * max_vscs already. Returns nonzero when the request has been answered
 * with an error. The vault enforces the limit itself, without races;
 * this only spares the key derivation of a VSC that cannot be stored. */
static gpg_error_t
server_quota (server_conn_t *c, bool *r_refused)
{
  gpg_error_t err;
  size_t n = 0;
  uint64_t max = c->o->limits.max_vscs ? c->o->limits.max_vscs
                 : c->o->max_vscs;

  /* An early refusal only (no key derivation for a create that cannot
   * be stored); the vault's put decides, atomically (vault_set_limits). */
  *r_refused = false;
  if (!max)
    return 0;
  err = vault_count (c->v, &n);
  if (err)
    {
      *r_refused = true;
      return server_vault_error (c, err, "create", "", 0);
    }
  if (n >= max)
    {
      *r_refused = true;
      server_audit (c, "create", NULL, 0, gpg_error (GPG_ERR_LIMIT_REACHED),
                    "VSC limit");
      return server_send_error (c, gpg_error (GPG_ERR_LIMIT_REACHED),
                                "this vault holds %zu VSCs, the limit is %"
                                PRIu64, n, max);
    }
  return 0;
}

/* The VSC is made in a scratch directory next to the vault's files (or
 * in $TMPDIR for a database vault); nothing is written there unless the
 * create function needs it. */
static gpg_error_t
server_do_create (server_conn_t *c)
{
  gpg_error_t err;
  proto_msg_t m;
  char uuid[PROTO_UUID_LEN + 1] = "";
  char *password = NULL;
  char scratch[4096];
  unsigned char rnd[8];
  buf_t file, reply;
  uint64_t gen = 0;
  bool made = false, refused;
  int slot = -1;

  buf_init_secure (&file);
  buf_init_secure (&reply);
  if (!c->o->create)
    {
      server_audit (c, "create", NULL, 0, gpg_error (GPG_ERR_NOT_SUPPORTED),
                    "create not supported");
      err = server_send_error (c, gpg_error (GPG_ERR_NOT_SUPPORTED),
                               "this server cannot create VSCs");
      goto leave;
    }
  err = server_quota (c, &refused);
  if (err || refused)
    goto leave;
  gcry_create_nonce (rnd, sizeof rnd);
  {
    const char *base = c->o->vault_dir;
    if (!base)
      base = getenv ("TMPDIR") && *getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp";
    snprintf (scratch, sizeof scratch,
              "%s/.new-%02x%02x%02x%02x%02x%02x%02x%02x", base,
              rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
  }
  if (mkdir (scratch, 0700))
    {
      err = server_send_error (c, gpg_error_from_syserror (),
                               "cannot make a scratch directory");
      goto leave;
    }
  made = true;
  /* Key derivation costs memory and time: a bounded number at once,
   * one per client uid. */
  if (c->o->kdf_slots
      && (err = slots_acquire (c->o->kdf_slots, c->o->owner, &slot)))
    {
      err = server_send_error (c, err, "cannot reserve a key derivation");
      goto leave;
    }
  err = c->o->create (c->o->create_ctx, scratch, uuid, &password, &file);
  if (c->o->kdf_slots)
    slots_release (c->o->kdf_slots, c->o->owner, slot);
  if (!err && (!password || !proto_uuid_valid (uuid, strlen (uuid))))
    err = gpg_error (GPG_ERR_BUG);
  if (err)
    {
      server_audit (c, "create", NULL, 0, err, "cannot create a VSC");
      err = server_send_error (c, err, "cannot create a VSC");
      goto leave;
    }
  err = vault_create (c->v, uuid, file.data, file.len, &gen);
  if (err)
    {
      err = server_vault_error (c, err, "create", uuid, 0);
      goto leave;
    }
  log_info ("%s: created VSC %s", c->o->peer ? c->o->peer : "client",
            uuid);
  server_reply (&m, PROTO_CREATE,
                PROTO_F_UUID | PROTO_F_GEN | PROTO_F_PASSWORD | PROTO_F_DATA,
                uuid);
  m.gen = gen;
  m.password = password;
  m.passwordlen = strlen (password);
  m.data = file.data;
  m.datalen = file.len;
  err = proto_msg_build (&reply, &m);
  if (!err)
    err = proto_write_all (&c->io, reply.data, reply.len);

 leave:
  if (made)
    {
      /* The create function leaves at most its file(s) behind. */
      DIR *d;
      int dfd = open (scratch, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (dfd >= 0 && (d = fdopendir (dfd)))
        {
          struct dirent *de;
          while ((de = readdir (d)))
            if (strcmp (de->d_name, ".") && strcmp (de->d_name, ".."))
              unlinkat (dirfd (d), de->d_name, 0);
          closedir (d);
        }
      else if (dfd >= 0)
        close (dfd);
      rmdir (scratch);
    }
  xfree_secure (password);
  buf_free (&file);
  buf_free (&reply);
  return err;
}

/* Send M, then free LIST (the array M carries). */
static gpg_error_t
server_send_free (server_conn_t *c, const proto_msg_t *m, void *list)
{
  gpg_error_t err = server_send_msg (c, m);
  xfree (list);
  return err;
}

static gpg_error_t
server_do_list (server_conn_t *c)
{
  gpg_error_t err;
  proto_entry_t *list = NULL;
  size_t n = 0;
  proto_msg_t m;

  err = vault_list (c->v, &list, &n);
  if (err)
    return server_send_error (c, err, "cannot list the vault");
  server_reply (&m, PROTO_LIST, PROTO_F_ENTRY, NULL);
  m.entry_array = list;
  m.nentries = n;
  return server_send_free (c, &m, list);
}

/* Error frame for a vault error on UUID, with the current generation on
 * a conflict so the person knows what to fetch. The details of a back
 * end failure go to the log, not to the client. */
static gpg_error_t
server_vault_error (server_conn_t *c, gpg_error_t err, const char *what,
                    const char *uuid, uint64_t sent)
{
  proto_entry_t e;
  switch (gpg_err_code (err))
    {
    case GPG_ERR_NOT_FOUND:
      return server_send_error (c, err, "no VSC %s in this vault", uuid);
    case GPG_ERR_NO_DATA:
      return server_send_error (c, err, "VSC %s does not keep generation %"
                                PRIu64 " any more (see its history)",
                                uuid, sent);
    case GPG_ERR_CONFLICT:
      if (!sent)
        return server_send_error (c, err, "VSC %s exists already", uuid);
      if (!vault_stat (c->v, uuid, &e))
        return server_send_error (c, err,
                                  "generation conflict on %s: the vault has "
                                  "generation %" PRIu64 ", the request was "
                                  "based on %" PRIu64
                                  " (get it again and redo the change)",
                                  uuid, e.gen, sent);
      return server_send_error (c, err, "generation conflict on %s", uuid);
    case GPG_ERR_TOO_LARGE:
      return server_send_error (c, err, "VSC %s is larger than a frame", uuid);
    case GPG_ERR_LIMIT_REACHED:
      return server_send_error (c, err, "%s %s refused: %s", what, uuid,
                                errctx_text ());
    case GPG_ERR_TRY_LATER:
      log_error ("%s: %s %s: %s", c->o->peer ? c->o->peer : "client", what,
                 uuid, errctx_text ());
      return server_send_error (c, err, "%s %s failed: the vault database "
                                "cannot be reached; try again later%s",
                                what, uuid,
                                !strcmp (what, "put") || !strcmp (what, "delete")
                                || !strcmp (what, "create")
                                ? " (the VSC is either unchanged or fully "
                                  "stored: stat it then)" : "");
    default:
      log_error ("%s: %s %s: %s", c->o->peer ? c->o->peer : "client", what,
                 uuid, errctx_text ());
      return server_send_error (c, err, "%s %s failed", what, uuid);
    }
}

static gpg_error_t
server_do_stat (server_conn_t *c, const proto_msg_t *req)
{
  gpg_error_t err;
  proto_msg_t m;
  proto_entry_t e;

  err = vault_stat (c->v, req->uuid, &e);
  if (err)
    {
      server_audit (c, "stat", req->uuid, 0, err, "");
      return server_vault_error (c, err, "stat", req->uuid, 0);
    }
  server_reply_entry (&m, PROTO_STAT,
                      PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE
                      | PROTO_F_MTIME, &e);
  return server_send_msg (c, &m);
}

static gpg_error_t
server_do_get (server_conn_t *c, const proto_msg_t *req)
{
  gpg_error_t err;
  proto_msg_t m;
  proto_entry_t e;
  buf_t data = BUF_INIT;
  size_t max = c->o->max_frame > SERVER_FRAME_OVERHEAD
               ? c->o->max_frame - SERVER_FRAME_OVERHEAD : 0;

  /* The vault records the get in the audit log before it returns the
   * bytes; a get it cannot record fails. */
  err = vault_get_gen (c->v, req->uuid, (req->have & PROTO_F_GEN) ? req->gen : 0,
                       max, &data, &e);
  if (err)
    {
      err = server_vault_error (c, err, "get", req->uuid,
                                (req->have & PROTO_F_GEN) ? req->gen : 0);
      goto leave;
    }
  server_reply_entry (&m, PROTO_GET,
                      PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA
                      | PROTO_F_MTIME, &e);
  m.data = data.data;
  m.datalen = data.len;
  err = server_send_msg (c, &m);

 leave:
  buf_free (&data);
  return err;
}

static gpg_error_t
server_do_put (server_conn_t *c, const proto_msg_t *req)
{
  gpg_error_t err;
  proto_msg_t m;
  uint64_t gen = req->gen;

  if (!req->datalen)
    {
      server_audit (c, "put", req->uuid, req->gen, gpg_error (GPG_ERR_NO_DATA),
                    "empty");
      return server_send_error (c, gpg_error (GPG_ERR_NO_DATA),
                                "refusing to store an empty VSC");
    }
  if (c->o->check)
    {
      char text[256] = "";
      err = c->o->check (c->o->check_ctx, req->uuid, req->data, req->datalen,
                         text, sizeof text);
      if (err)
        {
          server_audit (c, "put", req->uuid, req->gen, err,
                        text[0] ? text : gpg_strerror (err));
          return server_send_error (c, err, "refusing to store %s: %s",
                                    req->uuid,
                                    text[0] ? text : gpg_strerror (err));
        }
    }
  if (!c->o->echo)
    {
      err = vault_put (c->v, req->uuid, req->gen, req->data, req->datalen,
                       &gen);
      if (err)
        return server_vault_error (c, err, "put", req->uuid, req->gen);
      log_debug ("%s: put %s generation %" PRIu64,
                 c->o->peer ? c->o->peer : "client", req->uuid, gen);
    }
  server_reply (&m, PROTO_PUT, PROTO_F_UUID | PROTO_F_GEN, req->uuid);
  m.gen = gen;
  return server_send_msg (c, &m);
}

static gpg_error_t
server_do_delete (server_conn_t *c, const proto_msg_t *req)
{
  gpg_error_t err;
  proto_msg_t m;

  err = vault_delete (c->v, req->uuid,
                      (req->have & PROTO_F_GEN) ? req->gen : 0);
  if (err)
    return server_vault_error (c, err, "delete", req->uuid,
                               (req->have & PROTO_F_GEN) ? req->gen : 0);
  log_info ("%s: deleted VSC %s", c->o->peer ? c->o->peer : "client",
            req->uuid);
  server_reply (&m, PROTO_DELETE, PROTO_F_UUID, req->uuid);
  return server_send_msg (c, &m);
}

static gpg_error_t
server_do_history (server_conn_t *c, const proto_msg_t *req)
{
  gpg_error_t err;
  proto_msg_t m;
  proto_version_t *list = NULL;
  size_t n = 0;

  err = vault_history (c->v, req->uuid, &list, &n);
  if (err)
    {
      server_audit (c, "history", req->uuid, 0, err, "");
      return server_vault_error (c, err, "history", req->uuid, 0);
    }
  server_reply (&m, PROTO_HISTORY, PROTO_F_UUID | PROTO_F_VERSION,
                req->uuid);
  m.version_array = list;
  m.nversions = n;
  return server_send_free (c, &m, list);
}

/* Take one of the account's request slots (--max-inflight); false when
 * the request was refused (and answered). */
static bool
server_request_begin (server_conn_t *c, const proto_msg_t *req,
                      gpg_error_t *r_err)
{
  gpg_error_t err;

  *r_err = 0;
  if (c->o->echo || req->type == PROTO_HELLO || req->type == PROTO_BYE)
    return true;
  err = vault_request_begin (c->v);
  if (!err)
    return true;
  if (gpg_err_code (err) == GPG_ERR_LIMIT_REACHED)
    {
      server_audit (c, proto_type_name (req->type),
                    (req->have & PROTO_F_UUID) ? req->uuid : NULL,
                    (req->have & PROTO_F_GEN) ? req->gen : 0, err,
                    "requests in flight limit");
      *r_err = server_send_error (c, err, "too many requests of this account "
                                  "at once; try again in a moment");
    }
  else
    *r_err = server_vault_error (c, err, proto_type_name (req->type),
                                 (req->have & PROTO_F_UUID) ? req->uuid : "",
                                 0);
  return false;
}

gpg_error_t
server_serve (vault_t *v, int in, int out, const server_opts_t *o)
{
  gpg_error_t err = 0, perr;
  server_conn_t c;
  buf_t frame = BUF_INIT;
  proto_msg_t req;
  unsigned bad = 0;

  memset (&c, 0, sizeof c);
  c.v = v;
  c.o = o;
  if (v)
    {
      vault_limits_t lim = o->limits;
      if (!lim.max_vscs)
        lim.max_vscs = o->max_vscs;
      vault_set_who (v, o->user ? o->user : "", o->peer ? o->peer : "");
      if (o->keep)
        vault_set_keep (v, o->keep);
      vault_set_limits (v, &lim);
      if (o->db_timeout_ms)
        vault_set_timeout (v, o->db_timeout_ms);
    }
  c.io.in = in;
  c.io.out = out;
  c.io.cancel_fd = -1;
  c.io.timeout_ms = o->timeout_ms;
  buf_init (&c.out);

  for (;;)
    {
      /* Until HELLO a short limit: a connection that says nothing must
       * not hold a server process for the whole idle time. */
      c.io.timeout_ms = !c.hello && o->hello_timeout_ms ? o->hello_timeout_ms
                        : o->timeout_ms;
      err = proto_read_frame (&c.io, o->max_frame, &frame);
      switch (gpg_err_code (err))
        {
        case GPG_ERR_NO_ERROR:
          break;
        case GPG_ERR_EOF:
          err = 0;   /* the client went away between requests */
          goto leave;
        case GPG_ERR_TOO_LARGE:
          server_audit (&c, "request", NULL, 0, err, "frame too large");
          server_send_error (&c, err, "frame larger than %" PRIu32 " bytes",
                             o->max_frame);
          goto leave;
        case GPG_ERR_INV_LENGTH:
          server_audit (&c, "request", NULL, 0, err, "empty frame");
          server_send_error (&c, err, "empty frame");
          goto leave;
        case GPG_ERR_TOO_SHORT:
          log_info ("%s: connection closed inside a frame",
                    o->peer ? o->peer : "client");
          goto leave;
        case GPG_ERR_TIMEOUT:
          server_send_error (&c, err, "idle for too long");
          goto leave;
        default:
          goto leave;
        }

      perr = proto_msg_parse (frame.data, frame.len, &req);
      if (!perr && (req.type & PROTO_REPLY || req.type == PROTO_ERROR))
        perr = gpg_error (GPG_ERR_INV_OBJ);
      if (!perr && c.hello)
        perr = proto_msg_check_version (&req, c.version);
      if (perr)
        {
          server_audit (&c, "request", NULL, 0, perr, "malformed request");
          err = server_send_error (&c, perr, "malformed request");
          if (err || !c.hello || ++bad >= SERVER_MAX_BAD)
            {
              if (!err)
                err = gpg_error (GPG_ERR_PROTOCOL_VIOLATION);
              goto leave;
            }
          continue;
        }
      if (!c.hello && req.type != PROTO_HELLO)
        {
          server_audit (&c, proto_type_name (req.type), NULL, 0,
                        gpg_error (GPG_ERR_PROTOCOL_VIOLATION),
                        "hello expected");
          server_send_error (&c, gpg_error (GPG_ERR_PROTOCOL_VIOLATION),
                             "hello expected before %s",
                             proto_type_name (req.type));
          err = gpg_error (GPG_ERR_PROTOCOL_VIOLATION);
          goto leave;
        }
      log_debug ("%s: %s", o->peer ? o->peer : "client",
                 proto_type_name (req.type));
      if (!server_request_begin (&c, &req, &err))
        {
          if (err)
            goto leave;
          continue;
        }
      switch (req.type)
        {
        case PROTO_HELLO:
          if (c.hello)
            err = server_send_error (&c, gpg_error (GPG_ERR_PROTOCOL_VIOLATION),
                                     "hello sent twice");
          else
            err = server_do_hello (&c, &req);
          break;
        case PROTO_CREATE: err = server_do_create (&c); break;
        case PROTO_LIST: err = server_do_list (&c); break;
        case PROTO_STAT: err = server_do_stat (&c, &req); break;
        case PROTO_GET: err = server_do_get (&c, &req); break;
        case PROTO_PUT: err = server_do_put (&c, &req); break;
        case PROTO_DELETE: err = server_do_delete (&c, &req); break;
        case PROTO_HISTORY: err = server_do_history (&c, &req); break;
        case PROTO_BYE:
          {
            proto_msg_t m;
            server_reply (&m, PROTO_BYE, 0, NULL);
            server_send_msg (&c, &m);
            err = 0;
            goto leave;
          }
        default:
          err = server_send_error (&c, gpg_error (GPG_ERR_INV_OBJ),
                                   "unknown request");
          break;
        }
      vault_request_end (v);
      if (err)
        goto leave;   /* could not even answer: the peer is gone */
      if (!c.hello)
        {
          err = gpg_error (GPG_ERR_UNSUPPORTED_PROTOCOL);
          goto leave;
        }
    }

 leave:
  vault_request_end (v);
  buf_free (&frame);
  buf_free (&c.out);
  return err;
}


/* ---- Unix socket: one process per client ------------------------------ */

static volatile sig_atomic_t server_stop;

/* Directory vaults: the audit file BASE/.audit, opened by the listener
 * before any child becomes a user, so that users (who own their vault
 * directories) cannot change the record of what they did. */
static int server_audit_fd = -1;

static void
server_on_signal (int sig)
{
  (void)sig;
  server_stop = 1;
}

/* Open the base of the per-uid vaults (made if missing). It must be a
 * real directory (not a symlink), ours, and writable by nobody else:
 * otherwise a user could plant BASE/<uid> as a link to any file and have
 * a privileged vscd hand it over. When clients' processes run as their
 * own uids (server_uid_can_switch) it is made 0711, so that users can
 * reach their own (0700) directory and nothing else. */
static gpg_error_t
server_open_base (const char *base, int *r_fd)
{
  gpg_error_t err;
  struct stat st;
  int fd;
  bool sw = server_uid_can_switch ();

  *r_fd = -1;
  if (mkdir (base, sw ? 0711 : 0700) && errno != EEXIST)
    return gpg_error_from_syserror ();
  fd = open (base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      if (errno == ELOOP || errno == ENOTDIR)
        log_error (_("vault base %s is not a directory (a symbolic link is "
                     "refused)"), base);
      return err;
    }
  if (fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  if (st.st_uid != geteuid ())
    {
      log_error (_("vault base %s belongs to uid %u, not to uid %u: "
                   "refused"), base, (unsigned)st.st_uid,
                 (unsigned)geteuid ());
      close (fd);
      return gpg_error (GPG_ERR_EPERM);
    }
  if (st.st_mode & 022)
    {
      log_error (_("vault base %s is writable by others (mode %03o): "
                   "refused"), base, (unsigned)(st.st_mode & 0777));
      close (fd);
      return gpg_error (GPG_ERR_EPERM);
    }
  if (sw && (st.st_mode & 0777) != 0711 && fchmod (fd, 0711))
    {
      err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  *r_fd = fd;
  return 0;
}

/* BASEFD/.audit for appending (not a symlink, mode 0600); -1 on error. */
static int
server_open_audit_file (int basefd)
{
  return openat (basefd, ".audit", O_WRONLY | O_APPEND | O_CREAT
                 | O_NOFOLLOW | O_CLOEXEC, 0600);
}

/* A database vault: never served as root; the database and its schema
 * are checked once, now. */
static gpg_error_t
server_check_database (const server_socket_opts_t *o)
{
  gpg_error_t err;
  vault_t *v;

  /* Every client's process would hold the database credentials. */
  if (geteuid () == 0)
    {
      log_error ("%s", _("vscd does not serve a database vault as root: "
                         "run it as its own account (see vscd(8))"));
      return gpg_error (GPG_ERR_EPERM);
    }
  err = vault_open (o->vault_base, false, &v);
  if (!err)
    {
      if (o->serve.db_timeout_ms)
        vault_set_timeout (v, o->serve.db_timeout_ms);
      err = vault_check (v);
      if (err)
        log_error ("%s", errctx_text ());
    }
  vault_close (v);
  return err;
}

/* Before serving anyone: a database is checked (*R_BASEFD -1); a base
 * directory is opened and checked (server_open_base) and its audit file
 * opened, while we are still ourselves. */
static gpg_error_t
server_prepare (const server_socket_opts_t *o, int *r_basefd)
{
  gpg_error_t err;

  *r_basefd = -1;
  if (vault_spec_is_database (o->vault_base))
    return server_check_database (o);
  err = server_open_base (o->vault_base, r_basefd);
  if (!err && server_audit_fd < 0
      && (server_audit_fd = server_open_audit_file (*r_basefd)) < 0)
    {
      err = gpg_error_from_syserror ();
      close (*r_basefd);
      *r_basefd = -1;
    }
  return err;
}

gpg_error_t
server_prepare_base (const server_socket_opts_t *o)
{
  int fd;
  gpg_error_t err = server_prepare (o, &fd);

  if (fd >= 0)
    close (fd);
  return err;
}

/* The vault directory of CR's uid below BASEFD, never through a
 * symlink: made if missing; where clients' processes become their uids
 * a new one (ours) is given to the uid by fchown on the fd we opened
 * (never through a path), one that is already the uid's is opened after
 * becoming the uid (a service account may not read it before), and one
 * that belongs to anybody else is refused. *R_FD is the vault's
 * directory fd, opened with O_NOFOLLOW and checked with fstat. */
static gpg_error_t
server_child_setup (int basefd, const struct ucred *cr, const char *vdir,
                    int *r_fd)
{
  gpg_error_t err;
  const char *name = strrchr (vdir, '/') + 1;
  struct stat st;
  int fd = -1;
  bool sw = server_uid_can_switch ();
  bool stay = geteuid () == 0 && cr->uid == 0;

  *r_fd = -1;
  if (mkdirat (basefd, name, 0700) && errno != EEXIST)
    return gpg_error_from_syserror ();
  if (fstatat (basefd, name, &st, AT_SYMLINK_NOFOLLOW))
    return gpg_error_from_syserror ();
  if (!S_ISDIR (st.st_mode))
    {
      log_error ("%s: not a directory (a symlink?): refused", vdir);
      return gpg_error (GPG_ERR_ENOTDIR);
    }
  if (sw && st.st_uid != cr->uid && st.st_uid != geteuid ())
    {
      log_error ("%s belongs to uid %u, not to uid %u: refused", vdir,
                 (unsigned)st.st_uid, (unsigned)cr->uid);
      return gpg_error (GPG_ERR_EPERM);
    }
  if (sw && st.st_uid != cr->uid)
    {
      /* Ours (just made): open it, then hand the open directory over. */
      fd = openat (basefd, name,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return gpg_error_from_syserror ();
      if (fstat (fd, &st) || st.st_uid != geteuid ())
        {
          err = gpg_error (GPG_ERR_EPERM);   /* replaced meanwhile */
          goto leave;
        }
      if (fchown (fd, cr->uid, cr->gid))
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
    }
  if (sw && !stay && (err = server_uid_become (cr->uid, cr->gid)))
    goto leave;
  if (fd < 0)
    {
      fd = openat (basefd, name,
                   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          err = gpg_error_from_syserror ();
          log_error ("%s: %s", vdir, strerror (errno));
          goto leave;
        }
    }
  if (fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if ((st.st_mode & 077) && fchmod (fd, 0700))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  *r_fd = fd;
  fd = -1;
  err = 0;

 leave:
  if (fd >= 0)
    close (fd);
  return err;
}

/* Send an error frame without waiting (a client that does not read must
 * not block the server). */
static void
server_refuse (int fd, gpg_error_t err, const char *text)
{
  buf_t b = BUF_INIT;

  if (!proto_build_error (&b, err, text))
    (void)!send (fd, b.data, b.len, MSG_DONTWAIT | MSG_NOSIGNAL);
  buf_free (&b);
}

/* Serve one accepted client; KDF (may be NULL) caps concurrent creates.
 * The base is opened (and checked) again here: with --inetd every
 * connection is a process of its own. */
static gpg_error_t
server_serve_client (const server_socket_opts_t *o, slots_t *kdf, int fd)
{
  gpg_error_t err;
  struct ucred cr;
  socklen_t crlen = sizeof cr;
  char vdir[4096], peer[64], user[VAULT_NAME_MAX + 1];
  struct passwd *pw;
  vault_t *v = NULL;
  server_opts_t so = o->serve;
  int basefd = -1, vfd = -1;

  if (getsockopt (fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen)
      || crlen != sizeof cr)
    {
      err = gpg_error_from_syserror ();
      log_error ("%s", _("cannot get the peer credentials"));
      return err;
    }
  snprintf (peer, sizeof peer, "local pid %d", (int)cr.pid);
  /* The account is the peer's login name ("#UID" without one). */
  pw = getpwuid (cr.uid);
  if (pw && pw->pw_name && *pw->pw_name)
    snprintf (user, sizeof user, "%s", pw->pw_name);
  else
    snprintf (user, sizeof user, "#%u", (unsigned)cr.uid);
  so.peer = peer;
  so.user = user;
  so.kdf_slots = kdf;
  so.owner = cr.uid;
  if (vault_spec_is_database (o->vault_base))
    {
      /* One database for every uid: the process keeps vscd's identity
       * (and its ~/.pgpass), and the database shows each account only
       * its rows. Never root (server_prepare_base); a service account
       * with capabilities drops them before it serves anyone. */
      snprintf (vdir, sizeof vdir, "%s", o->vault_base);
      err = 0;
      if (geteuid () == 0)
        err = gpg_error (GPG_ERR_EPERM);
      else if (server_uid_can_switch ())
        err = server_uid_become (geteuid (), getegid ());
      if (!err)
        err = vault_open (vdir, false, &v);
    }
  else
    {
      snprintf (vdir, sizeof vdir, "%s/%u", o->vault_base, (unsigned)cr.uid);
      err = server_open_base (o->vault_base, &basefd);
      /* The audit file BASE/.audit, opened before the process becomes
       * the client (--inetd: here; the socket server: before it forks). */
      if (!err && server_audit_fd < 0
          && (server_audit_fd = server_open_audit_file (basefd)) < 0)
        err = gpg_error_from_syserror ();
      if (!err)
        err = server_child_setup (basefd, &cr, vdir, &vfd);
      if (basefd >= 0)
        close (basefd);
      if (!err)
        err = vault_open_fd (vfd, &v);
    }
  if (!err)
    {
      /* A database: wait for it up to --db-timeout, check its schema. */
      if (so.db_timeout_ms)
        vault_set_timeout (v, so.db_timeout_ms);
      err = vault_check (v);
    }
  if (err)
    {
      log_error ("%s: %s: %s", peer, _("cannot open the vault"),
                 errctx_message (err));
      server_refuse (fd, err, gpg_err_code (err) == GPG_ERR_TRY_LATER
                     ? "the vault database cannot be reached; try again later"
                     : "the server cannot open your vault");
      vault_close (v);
      return err;
    }
  vault_set_fsync (v, o->fsync);
  if (server_audit_fd >= 0)
    vault_set_audit_fd (v, server_audit_fd);
  so.vault_dir = vault_spec_is_database (vdir) ? NULL : vdir;
  log_info ("%s: connected", peer);
  err = server_serve (v, fd, fd, &so);
  vault_close (v);
  return err;
}

gpg_error_t
server_serve_accepted (const server_socket_opts_t *o, int fd)
{
  gpg_error_t err;
  slots_t *kdf = NULL;

  /* One process per connection (--inetd): the cap on creates is the
   * vault's lock file, as with --stdio. */
  if (o->max_kdf)
    {
      char lp[4200];
      if (o->kdf_lock)
        snprintf (lp, sizeof lp, "%s", o->kdf_lock);
      else
        snprintf (lp, sizeof lp, "%s/.kdf.lock", o->vault_base);
      if (slots_open (lp, o->max_kdf, &kdf))
        kdf = NULL;   /* then no cap */
    }
  err = server_serve_client (o, kdf, fd);
  slots_free (kdf);
  return err;
}

static void
server_child (const server_socket_opts_t *o, slots_t *kdf, int fd)
{
  gpg_error_t err;

  signal (SIGTERM, SIG_DFL);
  signal (SIGINT, SIG_DFL);
  err = server_serve_client (o, kdf, fd);
  close (fd);
  _exit (err ? 1 : 0);
}

/* Make the listening socket at PATH. An existing file there is removed
 * only if it is a socket nobody answers on (left by an earlier run); a
 * live socket or any other file is an error. The socket is created with
 * mode 0666 by the umask around bind(2), never by a chmod of the path. */
static gpg_error_t
server_listen (const char *path, int *r_fd, struct stat *r_st)
{
  gpg_error_t err;
  struct sockaddr_un sa;
  struct stat st;
  mode_t old;
  int fd;

  *r_fd = -1;
  memset (&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  strcpy (sa.sun_path, path);
  if (!lstat (path, &st))
    {
      if (!S_ISSOCK (st.st_mode))
        {
          log_error (_("%s exists and is not a socket: not removed"), path);
          return gpg_error (GPG_ERR_EEXIST);
        }
      fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0)
        return gpg_error_from_syserror ();
      if (!connect (fd, (struct sockaddr *)&sa, sizeof sa))
        {
          close (fd);
          return gpg_error (GPG_ERR_EADDRINUSE);   /* a running server */
        }
      err = gpg_error_from_syserror ();
      close (fd);
      if (gpg_err_code (err) != GPG_ERR_ECONNREFUSED)
        return err;
      if (unlink (path) && errno != ENOENT)
        return gpg_error_from_syserror ();
    }
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return gpg_error_from_syserror ();
  /* Anyone may connect; SO_PEERCRED decides whose vault they get. */
  old = umask (0111);
  if (bind (fd, (struct sockaddr *)&sa, sizeof sa))
    {
      err = gpg_error_from_syserror ();
      umask (old);
      close (fd);
      return err;
    }
  umask (old);
  if (lstat (path, r_st) || listen (fd, 128))
    {
      err = gpg_error_from_syserror ();
      unlink (path);
      close (fd);
      return err;
    }
  *r_fd = fd;
  return 0;
}

/* The uid of each running client process. */
typedef struct server_kid {
  pid_t pid;
  uid_t uid;
} server_kid_t;

static void
server_reap (server_kid_t *kids, unsigned *n, bool block)
{
  pid_t pid;
  unsigned i;

  while (*n && (pid = waitpid (-1, NULL, block ? 0 : WNOHANG)) > 0)
    {
      for (i = 0; i < *n && kids[i].pid != pid; i++)
        ;
      if (i < *n)
        kids[i] = kids[--*n];
      block = false;
    }
}

gpg_error_t
server_run_socket (const server_socket_opts_t *o)
{
  gpg_error_t err = 0;
  struct sigaction act;
  struct stat sst, now;
  server_kid_t *kids = NULL;
  unsigned nkids = 0, i, same;
  slots_t *kdf = NULL;
  int lfd = -1, basefd = -1;

  if (strlen (o->path) >= sizeof ((struct sockaddr_un *)0)->sun_path)
    return gpg_error (GPG_ERR_ENAMETOOLONG);
  kids = xtrycalloc (o->max_clients ? o->max_clients : 1, sizeof *kids);
  if (!kids)
    return gpg_error_from_syserror ();
  /* Checked once here (a bad base refuses to start) and again by each
   * client process before it is used. */
  if ((err = server_prepare (o, &basefd)))
    goto leave;
  if (o->max_kdf && (err = slots_new_anon (o->max_kdf, &kdf)))
    goto leave;

  memset (&act, 0, sizeof act);
  act.sa_handler = server_on_signal;   /* no SA_RESTART: accept returns */
  sigaction (SIGTERM, &act, NULL);
  sigaction (SIGINT, &act, NULL);

  if ((err = server_listen (o->path, &lfd, &sst)))
    goto leave;
  if (vault_spec_is_database (o->vault_base))
    log_info ("listening on %s (vault: a database)", o->path);
  else
    log_info ("listening on %s (vaults under %s)", o->path, o->vault_base);

  while (!server_stop)
    {
      pid_t pid;
      int cfd;
      struct ucred cr;
      socklen_t crlen = sizeof cr;

      server_reap (kids, &nkids, false);
      if (nkids >= o->max_clients)
        {
          /* Bounded: wait for a client to finish; new ones queue. */
          server_reap (kids, &nkids, true);
          continue;
        }
      cfd = accept4 (lfd, NULL, NULL, SOCK_CLOEXEC);
      if (cfd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED || errno == EMFILE
              || errno == ENFILE)
            {
              if (errno == EMFILE || errno == ENFILE)
                sleep (1);
              continue;
            }
          err = gpg_error_from_syserror ();
          break;
        }
      if (getsockopt (cfd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen)
          || crlen != sizeof cr)
        {
          log_error ("%s", _("cannot get the peer credentials"));
          close (cfd);
          continue;
        }
      /* One uid may not take all the client processes (count after
       * reaping the ones that ended while we waited in accept). */
      server_reap (kids, &nkids, false);
      for (i = same = 0; i < nkids; i++)
        if (kids[i].uid == cr.uid)
          same++;
      if (o->max_per_uid && same >= o->max_per_uid)
        {
          char text[128];
          snprintf (text, sizeof text, "too many connections from uid %u "
                    "(the limit is %u)", (unsigned)cr.uid, o->max_per_uid);
          log_info ("%s", text);
          server_refuse (cfd, gpg_error (GPG_ERR_LIMIT_REACHED), text);
          close (cfd);
          continue;
        }
      pid = fork ();
      if (pid == 0)
        {
          close (lfd);
          close (basefd);
          xfree (kids);
          server_child (o, kdf, cfd);
        }
      if (pid < 0)
        log_error ("fork: %s", strerror (errno));
      else
        {
          kids[nkids].pid = pid;
          kids[nkids].uid = cr.uid;
          nkids++;
        }
      close (cfd);
    }

 leave:
  /* Remove the socket only if it is still the one we made. */
  if (lfd >= 0 && !lstat (o->path, &now) && now.st_dev == sst.st_dev
      && now.st_ino == sst.st_ino)
    unlink (o->path);
  if (lfd >= 0)
    close (lfd);
  if (basefd >= 0)
    close (basefd);
  slots_free (kdf);
  /* Clients still connected finish on their own (idle timeout). */
  server_reap (kids, &nkids, false);
  xfree (kids);
  return err;
}
