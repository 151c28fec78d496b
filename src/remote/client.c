/* client.c - talk to vscd over ssh (vscd --stdio) or a Unix socket
 *
 * ssh runs with one end of a socketpair as its stdin and stdout, so our
 * writes use send(MSG_NOSIGNAL): a dead ssh gives EPIPE, never SIGPIPE,
 * and the library changes no signal disposition of its caller. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <signal.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "common/sanitize.h"
#include "client.h"
#include "common/util.h"
#include "common/i18n.h"
#include "scapi/scapi.h"

#define REMOTE_ARGV_MAX 16

struct remote {
  proto_io_t io;
  int fd;                 /* socket (unix) or our end of the socketpair */
  pid_t ssh_pid;          /* 0 for unix sockets */
  uint32_t max_frame;     /* the server's limit for our requests */
  unsigned version;       /* the protocol version the server chose */
  bool replace;           /* remote_opts_t.replace */
};

/* The server's text, with control characters escaped (it is shown), as
 * the sentence of the thread's error context. */
static void
remote_set_msg (const char *p, size_t n)
{
  errctx_t *ctx = errctx_get ();

  if (n > PROTO_TEXT_MAX)
    n = PROTO_TEXT_MAX;
  sanitize_mem (p, n, ctx->text, sizeof ctx->text);
}

static bool
remote_name_ok (const char *s, size_t n, const char *extra)
{
  size_t i;
  if (!n || s[0] == '-')
    return false;   /* never let a name become an ssh option */
  for (i = 0; i < n; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')
          || (s[i] >= '0' && s[i] <= '9') || strchr (extra, s[i])))
      return false;
  return true;
}

gpg_error_t
remote_parse_url (const char *url, char *kind, char **user, char **host,
                  unsigned *port, char **path)
{
  gpg_error_t err = 0;
  const char *a, *slash, *at, *hs, *he, *colon = NULL;
  size_t i;

  *user = *host = *path = NULL;
  *port = 0;
  *kind = 0;
  if (!strncmp (url, "unix:", 5))
    {
      const char *p = url + 5;
      if (!strncmp (p, "//", 2))
        p += 2;
      if (!*p)
        return gpg_error (GPG_ERR_INV_URI);
      *kind = 'u';
      *path = xtrystrdup (p);
      return *path ? 0 : gpg_error_from_syserror ();
    }
  if (strncmp (url, "ssh://", 6))
    return gpg_error (GPG_ERR_INV_URI);
  a = url + 6;
  slash = strchr (a, '/');
  if (!slash)
    slash = a + strlen (a);
  at = memchr (a, '@', (size_t)(slash - a));
  if (at)
    {
      if (!remote_name_ok (a, (size_t)(at - a), "._-"))
        return gpg_error (GPG_ERR_INV_URI);
      *user = xtrystrndup (a, (size_t)(at - a));
      if (!*user)
        goto nomem;
      a = at + 1;
    }
  if (*a == '[')
    {
      hs = a + 1;
      he = memchr (hs, ']', (size_t)(slash - hs));
      if (!he || !remote_name_ok (hs, (size_t)(he - hs), ":."))
        goto inval;
      if (he + 1 < slash)
        {
          if (he[1] != ':')
            goto inval;
          colon = he + 1;
        }
    }
  else
    {
      hs = a;
      colon = memchr (a, ':', (size_t)(slash - a));
      he = colon ? colon : slash;
      if (!remote_name_ok (hs, (size_t)(he - hs), ".-_"))
        goto inval;
    }
  *host = xtrystrndup (hs, (size_t)(he - hs));
  if (!*host)
    goto nomem;
  if (colon)
    {
      unsigned long p = 0;
      const char *q;
      if (colon + 1 >= slash || colon + 6 < slash)
        goto inval;
      for (q = colon + 1; q < slash; q++)
        {
          if (*q < '0' || *q > '9')
            goto inval;
          p = p * 10 + (unsigned long)(*q - '0');
        }
      if (!p || p > 65535)
        goto inval;
      *port = (unsigned)p;
    }
  if (*slash && slash[1])
    {
      for (i = 0; slash[i]; i++)
        if ((unsigned char)slash[i] < 0x20 || slash[i] == 0x7f)
          goto inval;
      *path = xtrystrdup (slash);
      if (!*path)
        goto nomem;
    }
  *kind = 's';
  return 0;

 nomem:
  err = gpg_error_from_syserror ();
  goto fail;
 inval:
  err = gpg_error (GPG_ERR_INV_URI);
 fail:
  xfree (*user);
  xfree (*host);
  xfree (*path);
  *user = *host = *path = NULL;
  return err;
}

/* Append S single-quoted for a POSIX shell to OUT. */
static gpg_error_t
remote_shell_quote (buf_t *out, const char *s)
{
  gpg_error_t err = buf_append_byte (out, '\'');
  for (; !err && *s; s++)
    err = *s == '\'' ? buf_append (out, "'\\''", 4) : buf_append_byte (out, (uint8_t)*s);
  if (!err)
    err = buf_append_byte (out, '\'');
  return err;
}

static gpg_error_t
remote_spawn_ssh (remote_t *r, const remote_opts_t *o, const char *user,
                  const char *host, unsigned port, const char *path)
{
  gpg_error_t err;
  const char *ssh = o->ssh_command ? o->ssh_command : getenv ("VSC_SSH");
  const char *vscd = o->remote_vscd ? o->remote_vscd : getenv ("VSC_REMOTE_VSCD");
  const char *argv[REMOTE_ARGV_MAX];
  char portstr[16], *shcmd = NULL;
  buf_t cmd = BUF_INIT, shb = BUF_INIT;
  int sv[2] = { -1, -1 }, n = 0;
  pid_t pid;

  if (!vscd || !*vscd)
    vscd = "vscd";
  err = remote_shell_quote (&cmd, vscd);
  if (!err)
    err = buf_append (&cmd, " --stdio", 8);
  if (!err && path)
    {
      err = buf_append (&cmd, " --vault ", 9);
      if (!err)
        err = remote_shell_quote (&cmd, path);
    }
  if (!err)
    err = buf_append_byte (&cmd, 0);
  if (err)
    goto leave;

  if (ssh && *ssh)
    {
      /* Like GIT_SSH_COMMAND: the user's words, then ours as "$@". */
      err = buf_append (&shb, ssh, strlen (ssh));
      if (!err)
        err = buf_append (&shb, " \"$@\"", 6);   /* with the NUL */
      if (err)
        goto leave;
      shcmd = (char *)shb.data;
      argv[n++] = "/bin/sh";
      argv[n++] = "-c";
      argv[n++] = shcmd;
      argv[n++] = "sh";
    }
  else
    argv[n++] = "ssh";
  argv[n++] = "-x";
  argv[n++] = "-T";
  if (port)
    {
      snprintf (portstr, sizeof portstr, "%u", port);
      argv[n++] = "-p";
      argv[n++] = portstr;
    }
  if (user)
    {
      argv[n++] = "-l";
      argv[n++] = user;
    }
  argv[n++] = "--";
  argv[n++] = host;
  argv[n++] = (const char *)cmd.data;
  argv[n] = NULL;

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  pid = fork ();
  if (pid < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (pid == 0)
    {
      /* Child: the socket is stdin and stdout. */
      if (dup2 (sv[1], 0) < 0 || dup2 (sv[1], 1) < 0)
        _exit (127);
      if (o->ssh_stderr_fd >= 0 && dup2 (o->ssh_stderr_fd, 2) < 0)
        _exit (127);
      signal (SIGPIPE, SIG_DFL);
      execvp (argv[0], (char *const *)argv);
      _exit (127);
    }
  close (sv[1]);
  sv[1] = -1;
  r->fd = sv[0];
  sv[0] = -1;
  r->ssh_pid = pid;

 leave:
  if (sv[0] >= 0)
    close (sv[0]);
  if (sv[1] >= 0)
    close (sv[1]);
  buf_free (&cmd);
  buf_free (&shb);
  return err;
}

static gpg_error_t
remote_connect_unix (remote_t *r, const char *path)
{
  struct sockaddr_un sa;
  int fd;

  if (strlen (path) >= sizeof sa.sun_path)
    return gpg_error (GPG_ERR_ENAMETOOLONG);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return gpg_error_from_syserror ();
  memset (&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  strcpy (sa.sun_path, path);
  if (connect (fd, (struct sockaddr *)&sa, sizeof sa))
    {
      gpg_error_t err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  r->fd = fd;
  return 0;
}

/* Send REQ, read the reply into FRAME and decode it into REP. An error
 * frame becomes the returned error (its text in the error context). */
static gpg_error_t
remote_call (remote_t *r, const proto_msg_t *req, buf_t *frame,
             proto_msg_t *rep)
{
  gpg_error_t err;
  buf_t out = BUF_INIT;
  uint32_t max;

  errctx_clear ();
  if (r->fd < 0)
    return gpg_error (GPG_ERR_NOT_INITIALIZED);
  err = proto_msg_build (&out, req);
  if (err)
    goto leave;
  if (r->max_frame && out.len - 4 > r->max_frame)
    {
      errctx_set ("request of %zu bytes exceeds the server's limit of %u",
                  out.len - 4, (unsigned)r->max_frame);
      err = gpg_error (GPG_ERR_TOO_LARGE);
      goto leave;
    }
  err = proto_write_all (&r->io, out.data, out.len);
  if (gpg_err_code (err) == GPG_ERR_EPIPE
      || gpg_err_code (err) == GPG_ERR_ECONNRESET)
    {
      /* The server may have refused us before reading anything (too
       * many connections): its error frame is still there to read. */
      gpg_error_t werr = err;
      max = PROTO_TEXT_MAX + 256;
      err = proto_read_frame (&r->io, max, frame);
      if (!err && !proto_msg_parse (frame->data, frame->len, rep)
          && rep->type == PROTO_ERROR)
        {
          if (rep->have & PROTO_F_ERRTEXT)
            remote_set_msg (rep->errtext, rep->errtextlen);
          err = proto_msg_error (rep);
        }
      else
        err = werr;
      goto leave;
    }
  if (err)
    goto leave;
  /* Replies carry at most one VSC, which the server bounds by its own
   * frame limit; allow a little room for the fields around it. */
  max = r->max_frame ? r->max_frame + 4096 : PROTO_MAX_FRAME_DEFAULT;
  err = proto_read_frame (&r->io, max, frame);
  if (gpg_err_code (err) == GPG_ERR_EOF || gpg_err_code (err) == GPG_ERR_TOO_SHORT)
    {
      errctx_set ("the server closed the connection");
      err = gpg_error (GPG_ERR_EPIPE);
    }
  if (err)
    goto leave;
  err = proto_msg_parse (frame->data, frame->len, rep);
  if (err)
    {
      errctx_set ("malformed reply from the server");
      goto leave;
    }
  if (rep->type == PROTO_ERROR)
    {
      if (rep->have & PROTO_F_ERRTEXT)
        remote_set_msg (rep->errtext, rep->errtextlen);
      err = proto_msg_error (rep);
      goto leave;
    }
  if (rep->type != (req->type | PROTO_REPLY))
    {
      errctx_set ("unexpected reply from the server");
      err = gpg_error (GPG_ERR_PROTOCOL_VIOLATION);
    }

 leave:
  buf_free (&out);
  return err;
}

gpg_error_t
remote_open (const char *url, const remote_opts_t *opts, remote_t **r_remote)
{
  gpg_error_t err;
  static const remote_opts_t defaults = REMOTE_OPTS_INIT;
  remote_t *r = NULL;
  char kind, *user = NULL, *host = NULL, *path = NULL;
  unsigned port;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  *r_remote = NULL;
  errctx_clear ();
  if (!opts)
    opts = &defaults;
  err = remote_parse_url (url, &kind, &user, &host, &port, &path);
  if (err)
    return err;
  r = xtrycalloc (1, sizeof *r);
  if (!r)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  r->fd = -1;
  if (kind == 'u')
    err = remote_connect_unix (r, path);
  else
    err = remote_spawn_ssh (r, opts, user, host, port, path);
  if (err)
    goto leave;
  r->io.in = r->io.out = r->fd;
  r->io.cancel_fd = opts->cancel_fd;
  r->io.timeout_ms = opts->timeout_ms;
  r->replace = opts->replace;

  memset (&req, 0, sizeof req);
  req.type = PROTO_HELLO;
  req.have = PROTO_F_VMIN | PROTO_F_VMAX | PROTO_F_NAME;
  req.vmin = PROTO_VERSION_MIN;
  req.vmax = PROTO_VERSION;
  req.name = "vscman " PACKAGE_VERSION;
  req.namelen = strlen (req.name);
  err = remote_call (r, &req, &frame, &rep);
  if (err)
    goto leave;
  if (rep.vmax < PROTO_VERSION_MIN || rep.vmax > PROTO_VERSION
      || rep.maxframe < PROTO_MAX_FRAME_MIN
      || rep.maxframe > PROTO_MAX_FRAME_LIMIT)
    {
      errctx_set ("the server offers an unusable protocol");
      err = gpg_error (GPG_ERR_UNSUPPORTED_PROTOCOL);
      goto leave;
    }
  r->max_frame = (uint32_t)rep.maxframe;
  r->version = (unsigned)rep.vmax;
  *r_remote = r;
  r = NULL;

 leave:
  if (r && err)
    r->max_frame = 0;   /* no hello done: no bye either */
  buf_free (&frame);
  remote_close (r);
  xfree (user);
  xfree (host);
  xfree (path);
  return err;
}

void
remote_close (remote_t *r)
{
  if (!r)
    return;
  if (r->fd >= 0 && r->max_frame)
    {
      /* Orderly end; do not wait long for the answer. Whatever the bye
       * meets, the error context keeps the failure it reports. */
      proto_msg_t req, rep;
      buf_t frame = BUF_INIT;
      errctx_t *keep = xtrymalloc (sizeof *keep);
      if (keep)
        *keep = *errctx_get ();
      memset (&req, 0, sizeof req);
      req.type = PROTO_BYE;
      r->io.timeout_ms = 5000;
      remote_call (r, &req, &frame, &rep);
      buf_free (&frame);
      if (keep)
        *errctx_get () = *keep;
      xfree (keep);
    }
  if (r->fd >= 0)
    close (r->fd);
  if (r->ssh_pid > 0)
    {
      while (waitpid (r->ssh_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    }
  wipememory (r, sizeof *r);
  xfree (r);
}

gpg_error_t
remote_create (remote_t *r, char *uuid, uint64_t *r_gen, char **r_password,
               buf_t *file)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame;
  char *pw = NULL;

  *r_password = NULL;
  buf_init_secure (&frame);   /* the reply carries the password */
  memset (&req, 0, sizeof req);
  req.type = PROTO_CREATE;
  err = remote_call (r, &req, &frame, &rep);
  if (err)
    goto leave;
  pw = xtrymalloc_secure (rep.passwordlen + 1);
  if (!pw)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  memcpy (pw, rep.password, rep.passwordlen);
  pw[rep.passwordlen] = 0;
  if (file)
    err = buf_set (file, rep.data, rep.datalen);
  if (err)
    goto leave;
  memcpy (uuid, rep.uuid, PROTO_UUID_LEN + 1);
  *r_gen = rep.gen;
  *r_password = pw;
  pw = NULL;

 leave:
  xfree_secure (pw);
  buf_free (&frame);
  return err;
}

gpg_error_t
remote_create_file (remote_t *r, const char *path, char *uuid,
                    uint64_t *r_gen, char **r_password)
{
  gpg_error_t err;
  buf_t file = BUF_INIT;

  if (!r->replace
      && (err = remote_check_target (path, NULL,
                                      errctx_get ()->text, ERRCTX_TEXT_MAX)))
    return err;
  err = remote_create (r, uuid, r_gen, r_password, &file);
  if (!err)
    err = remote_write_file_ex (path, file.data, file.len, r->replace);
  /* On a local write error the VSC exists on the server all the same:
   * *R_PASSWORD stays set so the caller can still show it. */
  buf_free (&file);
  return err;
}

gpg_error_t
remote_list (remote_t *r, proto_entry_t **r_list, size_t *r_n)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  *r_list = NULL;
  *r_n = 0;
  memset (&req, 0, sizeof req);
  req.type = PROTO_LIST;
  err = remote_call (r, &req, &frame, &rep);
  if (!err)
    err = proto_msg_entries (&rep, r_list, r_n);
  buf_free (&frame);
  return err;
}

static gpg_error_t
remote_uuid_req (proto_msg_t *req, unsigned type, const char *uuid)
{
  memset (req, 0, sizeof *req);
  req->type = type;
  if (!uuid || !proto_uuid_valid (uuid, strlen (uuid)))
    return gpg_error (GPG_ERR_INV_NAME);
  req->have = PROTO_F_UUID;
  memcpy (req->uuid, uuid, PROTO_UUID_LEN + 1);
  return 0;
}

gpg_error_t
remote_stat (remote_t *r, const char *uuid, proto_entry_t *e)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  err = remote_uuid_req (&req, PROTO_STAT, uuid);
  if (!err)
    err = remote_call (r, &req, &frame, &rep);
  if (!err)
    {
      memset (e, 0, sizeof *e);
      memcpy (e->uuid, rep.uuid, sizeof e->uuid);
      e->gen = rep.gen;
      e->size = rep.size;
      e->mtime = rep.mtime;
    }
  buf_free (&frame);
  return err;
}

unsigned
remote_version (remote_t *r)
{
  return r->version;
}

/* Refuse what a version 1 server cannot do, with a sentence. */
static gpg_error_t
remote_need_v2 (remote_t *r, const char *what)
{
  if (r->version >= 2)
    return 0;
  errctx_set ("the server speaks protocol version %u, "
              "which has no %s (it needs a newer vscd)", r->version, what);
  return gpg_error (GPG_ERR_NOT_SUPPORTED);
}

gpg_error_t
remote_get (remote_t *r, const char *uuid, buf_t *data, uint64_t *r_gen)
{
  return remote_get_gen (r, uuid, 0, data, r_gen);
}

gpg_error_t
remote_get_gen (remote_t *r, const char *uuid, uint64_t gen, buf_t *data,
                uint64_t *r_gen)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  err = remote_uuid_req (&req, PROTO_GET, uuid);
  if (!err && gen)
    {
      err = remote_need_v2 (r, "older generations");
      req.have |= PROTO_F_GEN;
      req.gen = gen;
    }
  if (!err)
    err = remote_call (r, &req, &frame, &rep);
  if (!err && gen && rep.gen != gen)
    err = gpg_error (GPG_ERR_PROTOCOL_VIOLATION);
  if (!err && strcmp (rep.uuid, uuid))
    err = gpg_error (GPG_ERR_PROTOCOL_VIOLATION);
  if (!err)
    err = buf_set (data, rep.data, rep.datalen);
  if (!err)
    *r_gen = rep.gen;
  buf_free (&frame);
  return err;
}

gpg_error_t
remote_put (remote_t *r, const char *uuid, uint64_t gen, const void *data,
            size_t len, uint64_t *r_newgen)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  err = remote_uuid_req (&req, PROTO_PUT, uuid);
  if (err)
    return err;
  req.have |= PROTO_F_GEN | PROTO_F_DATA;
  req.gen = gen;
  req.data = data;
  req.datalen = len;
  err = remote_call (r, &req, &frame, &rep);
  if (!err)
    *r_newgen = rep.gen;
  buf_free (&frame);
  return err;
}

gpg_error_t
remote_delete (remote_t *r, const char *uuid, uint64_t gen)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  err = remote_uuid_req (&req, PROTO_DELETE, uuid);
  if (err)
    return err;
  if (gen)
    {
      req.have |= PROTO_F_GEN;
      req.gen = gen;
    }
  err = remote_call (r, &req, &frame, &rep);
  buf_free (&frame);
  return err;
}

gpg_error_t
remote_history (remote_t *r, const char *uuid, proto_version_t **r_list,
                size_t *r_n)
{
  gpg_error_t err;
  proto_msg_t req, rep;
  buf_t frame = BUF_INIT;

  *r_list = NULL;
  *r_n = 0;
  err = remote_uuid_req (&req, PROTO_HISTORY, uuid);
  if (!err)
    err = remote_need_v2 (r, "history");
  if (!err)
    err = remote_call (r, &req, &frame, &rep);
  if (!err && strcmp (rep.uuid, uuid))
    err = gpg_error (GPG_ERR_PROTOCOL_VIOLATION);
  if (!err)
    err = proto_msg_versions (&rep, r_list, r_n);
  buf_free (&frame);
  return err;
}

gpg_error_t
remote_check_target (const char *path, const char *uuid, char *text,
                     size_t textsz)
{
  struct stat st;
  scapi_vsc_t *v = NULL;
  gpg_error_t err;

  if (lstat (path, &st))
    return 0;   /* nothing there (or nothing we could replace anyway) */
  err = scapi_vsc_open (path, NULL, &v);
  if (!err && uuid && !strcasecmp (scapi_vsc_uuid (v), uuid))
    {
      scapi_vsc_close (v);
      return 0;   /* an older copy of the same VSC */
    }
  if (!err)
    snprintf (text, textsz, _("%s exists and holds another VSC (%s); "
                              "give another file name or --force"),
              path, scapi_vsc_uuid (v));
  else
    snprintf (text, textsz, _("%s exists and is not a VSC; give another "
                              "file name or --force"), path);
  scapi_vsc_close (v);
  return gpg_error (GPG_ERR_EEXIST);
}

gpg_error_t
remote_write_file_ex (const char *path, const void *p, size_t n,
                      bool replace)
{
  gpg_error_t err = 0;
  char *tmp = NULL, *dir = NULL, *slash, *real = NULL;
  int fd = -1, dfd;
  struct stat st;

  /* Replace a symlinked file where it is (renaming over the link would
   * turn the link into a file and leave the target as it was). */
  if (replace && !lstat (path, &st) && S_ISLNK (st.st_mode))
    {
      real = realpath (path, NULL);
      if (real)
        path = real;
    }
  tmp = xtrymalloc (strlen (path) + 16);
  dir = xtrystrdup (path);
  if (!tmp || !dir)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  sprintf (tmp, "%s.tmp-XXXXXX", path);
  fd = mkostemp (tmp, O_CLOEXEC);
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (fchmod (fd, 0600))
    err = gpg_error_from_syserror ();
  if (!err)
    err = util_write_all (fd, p, n);
  if (!err && fsync (fd))
    err = gpg_error_from_syserror ();
  if (close (fd) && !err)
    err = gpg_error_from_syserror ();
  fd = -1;
  /* link(2) refuses a file that appeared meanwhile. */
  if (!err && (replace ? rename (tmp, path) : link (tmp, path)))
    err = gpg_error_from_syserror ();
  if (!replace || err)
    unlink (tmp);
  if (err)
    goto leave;
  slash = strrchr (dir, '/');
  if (slash == dir)
    slash[1] = 0;
  else if (slash)
    *slash = 0;
  else
    strcpy (dir, ".");
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }

 leave:
  if (fd >= 0)
    {
      close (fd);
      unlink (tmp);
    }
  xfree (tmp);
  xfree (dir);
  free (real);
  return err;
}

gpg_error_t
remote_write_file (const char *path, const void *p, size_t n)
{
  return remote_write_file_ex (path, p, n, true);
}

void
remote_set_replace (remote_t *r, bool replace)
{
  r->replace = replace;
}

gpg_error_t
remote_get_file (remote_t *r, const char *uuid, const char *path,
                 uint64_t *r_gen)
{
  return remote_get_gen_file (r, uuid, 0, path, r_gen);
}

gpg_error_t
remote_get_gen_file (remote_t *r, const char *uuid, uint64_t gen,
                     const char *path, uint64_t *r_gen)
{
  gpg_error_t err;
  buf_t data = BUF_INIT;

  errctx_clear ();
  /* Before fetching, and again after: the file may appear meanwhile. */
  if (!r->replace
      && (err = remote_check_target (path, uuid,
                                      errctx_get ()->text, ERRCTX_TEXT_MAX)))
    return err;
  err = remote_get_gen (r, uuid, gen, &data, r_gen);
  if (!err && !r->replace)
    err = remote_check_target (path, uuid, errctx_get ()->text,
                               ERRCTX_TEXT_MAX);
  if (!err)
    {
      struct stat st;
      bool exists = !lstat (path, &st);
      err = remote_write_file_ex (path, data.data, data.len,
                                  r->replace || exists);
    }
  buf_free (&data);
  return err;
}

gpg_error_t
remote_put_file (remote_t *r, const char *uuid, uint64_t gen,
                 const char *path, uint64_t *r_newgen)
{
  gpg_error_t err = 0;
  buf_t data = BUF_INIT;
  struct stat st;
  int fd;
  ssize_t n;

  errctx_clear ();
  /* O_NONBLOCK: a FIFO or a device must not make us hang in open(2). */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  if (fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (!S_ISREG (st.st_mode))
    {
      errctx_set (_("%s is not a regular file"), path);
      err = gpg_error (GPG_ERR_INV_OBJ);
      goto leave;
    }
  if (fcntl (fd, F_SETFL, fcntl (fd, F_GETFL) & ~O_NONBLOCK))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if ((uint64_t)st.st_size > (r->max_frame ? r->max_frame : PROTO_MAX_FRAME_DEFAULT))
    {
      err = gpg_error (GPG_ERR_TOO_LARGE);
      goto leave;
    }
  err = buf_reserve (&data, (size_t)st.st_size + 1);
  while (!err)
    {
      if (data.len == data.cap)
        err = buf_reserve (&data, 4096);
      if (err)
        break;
      n = read (fd, data.data + data.len, data.cap - data.len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        err = gpg_error_from_syserror ();
      else if (!n)
        break;
      else
        data.len += (size_t)n;
      if (!err && data.len > (r->max_frame ? r->max_frame : PROTO_MAX_FRAME_DEFAULT))
        err = gpg_error (GPG_ERR_TOO_LARGE);
    }
  if (!err)
    err = remote_put (r, uuid, gen, data.data, data.len, r_newgen);

 leave:
  close (fd);
  buf_free (&data);
  return err;
}
