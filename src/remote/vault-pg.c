/* vault-pg.c - the PostgreSQL vault back end (libpq)
 *
 * One connection per vault_t (so per vscd connection process). Every
 * operation is one statement: a call of a function of the vscd schema
 * (vault-pg-schema.c) or one SELECT, so it runs in one transaction and
 * costs one round trip.
 *
 * Faults: every wait is bounded by the vault's timeout (poll on the
 * connection's socket, nonblocking sends). When the connection breaks
 * (the database restarts, a fail-over, a network cut) we reconnect with
 * a growing pause until the timeout. Reads are simply sent again. A
 * change whose answer was lost is "in doubt": it carries a random put id
 * that the database stores with the generation, so after reconnecting
 * one SELECT tells whether it committed (then it succeeded), or not
 * (then the VSC is still at the expected generation and it is sent
 * again), or someone else moved on (a conflict). Either way the VSC is
 * the old or the new generation, never something in between: that is
 * the database's transaction. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <gcrypt.h>
#include <libpq-fe.h>

#include "vault-be.h"
#include "vault-pg.h"
#include "proto.h"
#include "common/util.h"
#include "common/log.h"

#define VAULT_PG_PUT_ID_LEN 16
#define VAULT_PG_MAX_PARAMS 12
#define VAULT_PG_RETRY_MIN_MS 50
#define VAULT_PG_RETRY_MAX_MS 1000

typedef struct vault_pg {
  char *spec;                /* connection string (no password in it) */
  PGconn *conn;              /* NULL when not connected */
  int64_t slot;              /* advisory lock key held (0: none) */
} vault_pg_t;

#define VAULT_PG(v) ((vault_pg_t *)(v)->be)

/* One statement with its parameters (text, except where FORMATS says 1). */
typedef struct vault_pg_q {
  const char *sql;
  int n;
  const char *values[VAULT_PG_MAX_PARAMS];
  int lengths[VAULT_PG_MAX_PARAMS];
  int formats[VAULT_PG_MAX_PARAMS];
  int binary;                /* results in binary */
} vault_pg_q_t;

static void
vault_pg_sleep_ms (int ms)
{
  struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
  while (nanosleep (&ts, &ts) && errno == EINTR)
    ;
}

/* libpq's notices (NOTICE, WARNING) go to our log, never to stderr:
 * under --stdio stderr is the ssh client's. */
static void
vault_pg_notice (void *arg, const char *message)
{
  (void)arg;
  log_debug ("database: %s", message);
}

static void vault_pg_set_error (vault_t *v, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));

/* The failure in detail, for the log: into the thread's error context
 * (libpq's messages end in a newline: cut). */
static void
vault_pg_set_error (vault_t *v, const char *fmt, ...)
{
  char *text = errctx_get ()->text;
  va_list ap;
  size_t n;

  (void)v;
  va_start (ap, fmt);
  errctx_vset (fmt, ap);
  va_end (ap);
  n = strlen (text);
  while (n && (text[n - 1] == '\n' || text[n - 1] == ' '))
    text[--n] = 0;
}

/* Connect once (no retry): the connection string from --vault, with a
 * connect_timeout within the deadline unless the string sets one. */
static gpg_error_t
vault_pg_connect_once (vault_t *v, int64_t deadline)
{
  vault_pg_t *pg = VAULT_PG (v);
  const char *keys[4], *vals[4];
  char tmo[16];
  PGconn *conn;
  PGresult *res;
  gpg_error_t err;
  int64_t left = deadline - proto_now_ms ();

  if (left < 2000)
    left = 2000;   /* libpq's smallest useful timeout */
  snprintf (tmo, sizeof tmo, "%d", (int)(left / 1000));
  keys[0] = "connect_timeout"; vals[0] = tmo;
  keys[1] = "application_name"; vals[1] = "vscd";
  keys[2] = "dbname"; vals[2] = pg->spec;
  keys[3] = NULL; vals[3] = NULL;
  conn = PQconnectdbParams (keys, vals, 1);
  if (!conn)
    return gpg_error (GPG_ERR_ENOMEM);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      vault_pg_set_error (v, "cannot connect to the vault database: %s",
                          PQerrorMessage (conn));
      PQfinish (conn);
      return gpg_error (GPG_ERR_TRY_LATER);
    }
  PQsetNoticeProcessor (conn, vault_pg_notice, NULL);
  /* A standby cannot take our writes (the audit log is written even by
   * a get): say so instead of failing on every request. */
  res = PQexec (conn, "SELECT pg_is_in_recovery ()");
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
    {
      vault_pg_set_error (v, "the vault database does not answer: %s",
                          PQerrorMessage (conn));
      PQclear (res);
      PQfinish (conn);
      return gpg_error (GPG_ERR_TRY_LATER);
    }
  if (!strcmp (PQgetvalue (res, 0, 0), "t"))
    {
      PQclear (res);
      PQfinish (conn);
      vault_pg_set_error (v, "the vault database is a read-only standby: "
                          "point --vault at the primary (or list every host "
                          "with target_session_attrs=read-write)");
      return gpg_error (GPG_ERR_TRY_LATER);
    }
  PQclear (res);
  err = vault_pg_schema_check (conn, errctx_get ()->text, ERRCTX_TEXT_MAX);
  if (err)
    {
      PQfinish (conn);
      return err;
    }
  if (PQsetnonblocking (conn, 1))
    {
      vault_pg_set_error (v, "cannot use the database connection: %s",
                          PQerrorMessage (conn));
      PQfinish (conn);
      return gpg_error (GPG_ERR_TRY_LATER);
    }
  pg->conn = conn;
  pg->slot = 0;
  return 0;
}

/* Wait for the connection's socket (EVENTS) until DEADLINE. */
static gpg_error_t
vault_pg_wait (PGconn *conn, short events, int64_t deadline, short *r_revents)
{
  int fd = PQsocket (conn);

  if (fd < 0)
    return gpg_error (GPG_ERR_EPIPE);
  return proto_poll (fd, events, -1, deadline, r_revents);
}

/* The connection is gone (or useless): drop it; the next statement
 * reconnects. */
static void
vault_pg_drop (vault_t *v, const char *why)
{
  vault_pg_t *pg = VAULT_PG (v);
  if (why)
    vault_pg_set_error (v, "lost the vault database connection: %s", why);
  if (pg->conn)
    PQfinish (pg->conn);
  pg->conn = NULL;
  pg->slot = 0;   /* session locks went with the session */
}

/* Is a failed result's error the connection's (not the statement's)? */
static bool
vault_pg_conn_error (PGconn *conn, PGresult *res)
{
  const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
  if (PQstatus (conn) != CONNECTION_OK)
    return true;
  if (!state)
    return true;
  /* 08: connection exception; 57P01..57P03: admin/crash shutdown,
   * cannot connect now; 40: serialization/deadlock (rolled back). */
  return !strncmp (state, "08", 2) || !strncmp (state, "57P0", 4)
         || !strncmp (state, "40", 2);
}

/* Send Q once and collect its result. *R_LOST is set when the connection
 * broke (or was not there); *R_SENT when the statement may have reached
 * the database. */
static gpg_error_t
vault_pg_run (vault_t *v, const vault_pg_q_t *q, int64_t deadline,
              PGresult **r_res, bool *r_lost, bool *r_sent)
{
  vault_pg_t *pg = VAULT_PG (v);
  gpg_error_t err;
  PGresult *res = NULL, *last = NULL;
  short rev;
  int r;

  *r_res = NULL;
  *r_lost = *r_sent = false;
  if (!pg->conn)
    {
      err = vault_pg_connect_once (v, deadline);
      if (err)
        {
          *r_lost = gpg_err_code (err) == GPG_ERR_TRY_LATER;
          return err;
        }
    }
  if (!PQsendQueryParams (pg->conn, q->sql, q->n, NULL, q->values,
                          q->lengths, q->formats, q->binary))
    {
      *r_sent = true;   /* part of it may have gone out */
      goto lost;
    }
  *r_sent = true;
  while ((r = PQflush (pg->conn)) == 1)
    {
      err = vault_pg_wait (pg->conn, POLLIN | POLLOUT, deadline, &rev);
      if (err)
        goto timeout;
      if ((rev & POLLIN) && !PQconsumeInput (pg->conn))
        goto lost;
    }
  if (r < 0)
    goto lost;
  for (;;)
    {
      while (PQisBusy (pg->conn))
        {
          err = vault_pg_wait (pg->conn, POLLIN, deadline, NULL);
          if (err)
            goto timeout;
          if (!PQconsumeInput (pg->conn))
            goto lost;
        }
      res = PQgetResult (pg->conn);
      if (!res)
        break;
      PQclear (last);
      last = res;
    }
  if (!last)
    goto lost;
  switch (PQresultStatus (last))
    {
    case PGRES_TUPLES_OK:
    case PGRES_COMMAND_OK:
      *r_res = last;
      return 0;
    default:
      if (vault_pg_conn_error (pg->conn, last))
        {
          vault_pg_drop (v, PQresultErrorMessage (last));
          PQclear (last);
          *r_lost = true;
          return gpg_error (GPG_ERR_TRY_LATER);
        }
      vault_pg_set_error (v, "database error: %s", PQresultErrorMessage (last));
      log_error ("%s", errctx_text ());
      PQclear (last);
      return gpg_error (GPG_ERR_SERVER_FAILED);
    }

 timeout:
  PQclear (last);
  vault_pg_drop (v, "no answer in time");
  *r_lost = true;
  return gpg_error (GPG_ERR_TRY_LATER);

 lost:
  PQclear (last);
  vault_pg_drop (v, PQerrorMessage (pg->conn));
  *r_lost = true;
  return gpg_error (GPG_ERR_TRY_LATER);
}

static int64_t
vault_pg_deadline (vault_t *v)
{
  return proto_now_ms () + (v->timeout_ms > 0 ? v->timeout_ms
                               : VAULT_TIMEOUT_DEFAULT);
}

/* Pause before the next attempt; false when the deadline has passed. */
static bool
vault_pg_backoff (int64_t deadline, int *delay)
{
  int64_t left = deadline - proto_now_ms ();
  if (left <= 0)
    return false;
  vault_pg_sleep_ms (*delay < left ? *delay : (int)left);
  if (*delay < VAULT_PG_RETRY_MAX_MS)
    *delay *= 2;
  return proto_now_ms () < deadline;
}

/* Run a statement that may be repeated (a read), reconnecting until the
 * deadline. */
static gpg_error_t
vault_pg_exec (vault_t *v, const vault_pg_q_t *q, int64_t deadline,
               PGresult **r_res)
{
  gpg_error_t err;
  bool lost, sent;
  int delay = VAULT_PG_RETRY_MIN_MS;

  for (;;)
    {
      err = vault_pg_run (v, q, deadline, r_res, &lost, &sent);
      if (!lost)
        return err;
      if (delay == VAULT_PG_RETRY_MIN_MS)
        log_info ("%s; trying again", errctx_text ());   /* once per request */
      if (!vault_pg_backoff (deadline, &delay))
        return err;
    }
}

static void
vault_pg_param (vault_pg_q_t *q, const char *s)
{
  q->values[q->n] = s;
  q->lengths[q->n] = 0;
  q->formats[q->n] = 0;
  q->n++;
}

static void
vault_pg_param_bin (vault_pg_q_t *q, const void *p, size_t n)
{
  q->values[q->n] = p;
  q->lengths[q->n] = (int)n;
  q->formats[q->n] = 1;
  q->n++;
}

static uint64_t
vault_pg_u64 (PGresult *res, int row, int col)
{
  const char *s = PQgetvalue (res, row, col);
  return PQgetisnull (res, row, col) ? 0 : strtoull (s, NULL, 10);
}

/* A binary int4/int8 column. */
static int64_t
vault_pg_bin_int (PGresult *res, int row, int col)
{
  const uint8_t *p = (const uint8_t *)PQgetvalue (res, row, col);
  int len = PQgetlength (res, row, col), i;
  uint64_t x = 0;

  if (PQgetisnull (res, row, col))
    return 0;
  for (i = 0; i < len && i < 8; i++)
    x = (x << 8) | p[i];
  if (len == 4)
    return (int32_t)(uint32_t)x;
  return (int64_t)x;
}

static void
vault_pg_copy_text (char *dst, size_t dstsz, const char *src)
{
  snprintf (dst, dstsz, "%s", src ? src : "");
}

/* Start statement SQL; with WHO, its first three parameters are who is
 * asking, from where, and this server (the database's change functions
 * take them for the audit record). */
static void
vault_pg_q_init (vault_pg_q_t *q, vault_t *who, const char *sql)
{
  memset (q, 0, sizeof *q);
  q->sql = sql;
  if (who)
    {
      vault_pg_param (q, who->user);
      vault_pg_param (q, who->peer);
      vault_pg_param (q, who->server);
    }
}



/* ---- operations -------------------------------------------------- */

gpg_error_t
vault_pg_check_spec (const char *spec, char *msg, size_t msgsz)
{
  PQconninfoOption *opts, *o;
  char *errmsg = NULL;
  gpg_error_t err = 0;

  opts = PQconninfoParse (spec, &errmsg);
  if (!opts)
    {
      snprintf (msg, msgsz, "the vault is not a valid connection string: %s",
                errmsg ? errmsg : "out of memory");
      PQfreemem (errmsg);
      return gpg_error (GPG_ERR_INV_ARG);
    }
  for (o = opts; o->keyword; o++)
    if (!strcmp (o->keyword, "password") && o->val && *o->val)
      {
        snprintf (msg, msgsz, "the vault connection string holds a password, "
                  "which every user of this host can see on a command "
                  "line: put it in ~/.pgpass or in the file $PGPASSFILE "
                  "names (mode 0600) instead");
        err = gpg_error (GPG_ERR_INV_ARG);
      }
  PQconninfoFree (opts);
  return err;
}

static gpg_error_t
vault_pg_open (vault_t *v, const char *spec, bool create)
{
  gpg_error_t err;
  vault_pg_t *pg;

  (void)create;
  err = vault_pg_check_spec (spec, errctx_get ()->text, ERRCTX_TEXT_MAX);
  if (err)
    return err;
  pg = xtrycalloc (1, sizeof *pg);
  if (!pg)
    return gpg_error_from_syserror ();
  pg->spec = xtrystrdup (spec);
  if (!pg->spec)
    {
      err = gpg_error_from_syserror ();
      xfree (pg);
      return err;
    }
  v->be = pg;
  return 0;   /* connected on first use, or by vault_check */
}

/* Connect now (waiting up to the timeout for the database to come), so
 * that a wrong vault or schema is reported before the first request. */
static gpg_error_t
vault_pg_check (vault_t *v)
{
  gpg_error_t err = 0;
  int delay = VAULT_PG_RETRY_MIN_MS;
  int64_t deadline = vault_pg_deadline (v);

  while (!VAULT_PG (v)->conn)
    {
      err = vault_pg_connect_once (v, deadline);
      if (gpg_err_code (err) != GPG_ERR_TRY_LATER
          || !vault_pg_backoff (deadline, &delay))
        break;
    }
  return err;
}

static void
vault_pg_close (vault_t *v)
{
  vault_pg_t *pg = VAULT_PG (v);

  if (pg->conn)
    PQfinish (pg->conn);
  xfree (pg->spec);
  xfree (pg);
}

static void
vault_pg_fill_entry (PGresult *res, int row, void *elem)
{
  proto_entry_t *e = elem;
  vault_pg_copy_text (e->uuid, sizeof e->uuid, PQgetvalue (res, row, 0));
  e->gen = vault_pg_u64 (res, row, 1);
  e->size = vault_pg_u64 (res, row, 2);
  e->mtime = vault_pg_u64 (res, row, 3);
}

static void
vault_pg_fill_version (PGresult *res, int row, void *elem)
{
  proto_version_t *e = elem;
  e->gen = vault_pg_u64 (res, row, 0);
  e->size = vault_pg_u64 (res, row, 1);
  e->mtime = vault_pg_u64 (res, row, 2);
  vault_pg_copy_text (e->by, sizeof e->by, PQgetvalue (res, row, 3));
  vault_pg_copy_text (e->from, sizeof e->from, PQgetvalue (res, row, 4));
}

/* The two reads that return rows: the VSCs of the account asking ($1),
 * all or the one UUID ($2), and the kept generations of UUID. */
enum { VAULT_PG_READ_LIST, VAULT_PG_READ_HISTORY };
static const struct vault_pg_read {
  const char *sql;
  size_t size;                /* of an element of the result array */
  bool need_one;              /* no row: GPG_ERR_NOT_FOUND */
  void (*fill) (PGresult *res, int row, void *elem);
} vault_pg_reads[] = {
  { "SELECT c.uuid, c.gen, c.size, extract (epoch FROM c.mtime)::bigint"
    " FROM vscd.vsc c JOIN vscd.account a ON a.id = c.account WHERE"
    " a.name = $1 AND ($2::uuid IS NULL OR c.uuid = $2::uuid) ORDER BY c.uuid",
    sizeof (proto_entry_t), false, vault_pg_fill_entry },
  { "SELECT g.gen, g.size, extract (epoch FROM g.stored)::bigint,"
    " g.stored_by, g.peer FROM vscd.account a JOIN vscd.vsc c ON c.account"
    " = a.id LEFT JOIN vscd.generation g ON g.vsc = c.id WHERE a.name = $1"
    " AND c.uuid = $2::uuid ORDER BY g.gen DESC",
    sizeof (proto_version_t), true, vault_pg_fill_version }
};

/* Run read R with the parameters $1 the account asking and $2 UUID, and
 * turn each row into an element of a new array. */
static gpg_error_t
vault_pg_rows (vault_t *v, const struct vault_pg_read *r, const char *uuid,
               void *r_list, size_t *r_n)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  char *list = NULL;
  int i, n;

  vault_pg_q_init (&q, NULL, r->sql);
  vault_pg_param (&q, v->user);
  vault_pg_param (&q, uuid);
  err = vault_pg_exec (v, &q, vault_pg_deadline (v), &res);
  if (err)
    return err;
  n = PQntuples (res);
  if (!n && r->need_one)
    {
      err = gpg_error (GPG_ERR_NOT_FOUND);
      goto leave;
    }
  list = xtrycalloc (n ? (size_t)n : 1, r->size);
  if (!list)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (i = 0; i < n; i++)
    r->fill (res, i, list + (size_t)i * r->size);
  memcpy (r_list, &list, sizeof list);
  *r_n = (size_t)n;
  list = NULL;

 leave:
  xfree (list);
  PQclear (res);
  return err;
}

static gpg_error_t
vault_pg_list_rows (vault_t *v, const char *uuid, proto_entry_t **r_list,
                    size_t *r_n)
{
  return vault_pg_rows (v, &vault_pg_reads[VAULT_PG_READ_LIST], uuid, r_list,
                        r_n);
}

static gpg_error_t
vault_pg_list (vault_t *v, proto_entry_t **r_list, size_t *r_n)
{
  return vault_pg_list_rows (v, NULL, r_list, r_n);
}

static gpg_error_t
vault_pg_stat (vault_t *v, const char *uuid, proto_entry_t *r)
{
  gpg_error_t err;
  proto_entry_t *list = NULL;
  size_t n = 0;

  err = vault_pg_list_rows (v, uuid, &list, &n);
  if (!err && !n)
    err = gpg_error (GPG_ERR_NOT_FOUND);
  if (!err)
    *r = list[0];
  xfree (list);
  return err;
}

static gpg_error_t
vault_pg_get (vault_t *v, const char *uuid, uint64_t gen, size_t max,
              buf_t *data, proto_entry_t *r)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  char sgen[24], smax[24];
  int64_t code;

  buf_clear (data);
  snprintf (sgen, sizeof sgen, "%" PRIu64, gen);
  snprintf (smax, sizeof smax, "%zu", max);
  vault_pg_q_init (&q, v, "SELECT o_code, o_gen, o_size, o_mtime, o_data"
                   " FROM vscd.get ($1, $2, $3, $4::uuid, $5::bigint,"
                   " $6::bigint)");
  q.binary = 1;
  vault_pg_param (&q, uuid);
  vault_pg_param (&q, sgen);
  vault_pg_param (&q, smax);
  err = vault_pg_exec (v, &q, vault_pg_deadline (v), &res);
  if (err)
    return err;
  if (PQntuples (res) != 1 || PQnfields (res) != 5)
    {
      err = gpg_error (GPG_ERR_SERVER_FAILED);
      goto leave;
    }
  code = vault_pg_bin_int (res, 0, 0);
  if (code)
    {
      err = gpg_error ((gpg_err_code_t)code);
      goto leave;
    }
  memset (r, 0, sizeof *r);
  memcpy (r->uuid, uuid, PROTO_UUID_LEN);
  r->gen = (uint64_t)vault_pg_bin_int (res, 0, 1);
  r->size = (uint64_t)vault_pg_bin_int (res, 0, 2);
  r->mtime = (uint64_t)vault_pg_bin_int (res, 0, 3);
  if (PQgetisnull (res, 0, 4) || (uint64_t)PQgetlength (res, 0, 4) != r->size)
    {
      err = gpg_error (GPG_ERR_SERVER_FAILED);
      goto leave;
    }
  err = buf_set (data, PQgetvalue (res, 0, 4), (size_t)r->size);

 leave:
  PQclear (res);
  return err;
}

/* After a put or delete whose answer was lost: did it commit? Sets
 * *R_DONE and *R_GEN when it did, *R_RETRY when it certainly did not and
 * the VSC is still as expected; otherwise returns the outcome (conflict,
 * not found). PUT_ID NULL: a delete. */
static gpg_error_t
vault_pg_resolve (vault_t *v, const char *uuid, uint64_t expect,
                  const uint8_t *put_id, int64_t deadline, bool *r_done,
                  bool *r_retry, uint64_t *r_gen)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  bool exists;
  uint64_t cur;

  *r_done = *r_retry = false;
  memset (&q, 0, sizeof q);
  q.sql = "SELECT (SELECT g.gen FROM vscd.generation g"
          "         WHERE g.vsc = c.id AND g.put_id = $3), c.gen"
          " FROM vscd.vsc c JOIN vscd.account a ON a.id = c.account"
          " WHERE a.name = $1 AND c.uuid = $2::uuid";
  vault_pg_param (&q, v->user);
  vault_pg_param (&q, uuid);
  if (put_id)
    vault_pg_param_bin (&q, put_id, VAULT_PG_PUT_ID_LEN);
  else
    vault_pg_param_bin (&q, "", 0);
  err = vault_pg_exec (v, &q, deadline, &res);
  if (err)
    return err;
  exists = PQntuples (res) == 1;
  cur = exists ? vault_pg_u64 (res, 0, 1) : 0;
  if (put_id && exists && !PQgetisnull (res, 0, 0))
    {
      *r_done = true;
      *r_gen = vault_pg_u64 (res, 0, 0);
    }
  else if (!put_id && !exists)
    *r_done = true;   /* it is gone, which is what was asked */
  else if (put_id ? (expect ? exists && cur == expect : !exists)
           : (exists && (!expect || cur == expect)))
    *r_retry = true;
  else if (expect && !exists)
    err = gpg_error (GPG_ERR_NOT_FOUND);
  else
    err = gpg_error (GPG_ERR_CONFLICT);
  PQclear (res);
  return err;
}

/* Run a change that must not be applied twice (a put, or with PUT_ID
 * NULL a delete), reconnecting until the deadline: when the connection
 * was lost after the statement went out, ask the database whether it
 * committed (vault_pg_resolve) before sending it again. *R_FINAL: ERR
 * (and *R_GEN for a put that did commit) is the whole outcome, there is
 * no result row; else *R_RES holds the statement's answer. */
static gpg_error_t
vault_pg_change (vault_t *v, const vault_pg_q_t *q, const char *op,
                 const char *uuid, uint64_t expect, const uint8_t *put_id,
                 PGresult **r_res, bool *r_final, uint64_t *r_gen)
{
  gpg_error_t err;
  int64_t deadline = vault_pg_deadline (v);
  int delay = VAULT_PG_RETRY_MIN_MS;
  bool lost, sent, done, retry;
  char why[ERRCTX_TEXT_MAX];

  *r_final = true;
  for (;;)
    {
      err = vault_pg_run (v, q, deadline, r_res, &lost, &sent);
      if (!lost)
        {
          *r_final = false;
          return err;
        }
      if (sent)
        {
          if (put_id)
            log_info ("%s; checking whether %s of %s was stored",
                      errctx_text (), op, uuid);
          err = vault_pg_resolve (v, uuid, expect, put_id, deadline, &done,
                                  &retry, r_gen);
          if (err || done)
            {
              if (put_id && gpg_err_code (err) == GPG_ERR_TRY_LATER)
                {
                  memcpy (why, errctx_text (), sizeof why);
                  vault_pg_set_error (v, "%s (the VSC is at the old or the "
                                      "new generation; stat it when the "
                                      "database is back)", why);
                }
              return err;
            }
        }
      if (!vault_pg_backoff (deadline, &delay))
        return err;
    }
}

static gpg_error_t
vault_pg_store (vault_t *v, const char *op, const char *uuid,
                uint64_t expect, const void *data, size_t len,
                uint64_t *r_gen)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  uint8_t put_id[VAULT_PG_PUT_ID_LEN];
  char sexp[24], skeep[16], smaxv[24], smaxb[24];
  bool final;
  unsigned code;

  if (len > INT32_MAX)
    return gpg_error (GPG_ERR_TOO_LARGE);
  gcry_create_nonce (put_id, sizeof put_id);
  snprintf (sexp, sizeof sexp, "%" PRIu64, expect);
  snprintf (skeep, sizeof skeep, "%u", v->keep);
  snprintf (smaxv, sizeof smaxv, "%" PRIu64, v->limits.max_vscs);
  snprintf (smaxb, sizeof smaxb, "%" PRIu64, v->limits.max_bytes);
  vault_pg_q_init (&q, v, "SELECT o_code, o_gen, o_detail FROM vscd.put ($1,"
                   " $2, $3, $4, $5::uuid, $6::bigint, $7::bytea, $8::bytea,"
                   " $9::integer, $10::bigint, $11::bigint)");
  vault_pg_param (&q, op);
  vault_pg_param (&q, uuid);
  vault_pg_param (&q, sexp);
  vault_pg_param_bin (&q, data, len);
  vault_pg_param_bin (&q, put_id, sizeof put_id);
  vault_pg_param (&q, skeep);
  vault_pg_param (&q, smaxv);
  vault_pg_param (&q, smaxb);
  err = vault_pg_change (v, &q, op, uuid, expect, put_id, &res, &final,
                         r_gen);
  if (err || final)
    return err;
  code = (unsigned)vault_pg_u64 (res, 0, 0);
  if (code)
    {
      vault_pg_set_error (v, "%s", PQgetvalue (res, 0, 2));
      err = gpg_error ((gpg_err_code_t)code);
    }
  else
    *r_gen = vault_pg_u64 (res, 0, 1);
  PQclear (res);
  return err;
}

static gpg_error_t
vault_pg_del (vault_t *v, const char *uuid, uint64_t expect)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  char sexp[24];
  bool final;
  uint64_t gen;
  unsigned code;

  snprintf (sexp, sizeof sexp, "%" PRIu64, expect);
  vault_pg_q_init (&q, v, "SELECT o_code, o_gen FROM vscd.del ($1, $2, $3,"
                   " $4::uuid, $5::bigint)");
  vault_pg_param (&q, uuid);
  vault_pg_param (&q, sexp);
  err = vault_pg_change (v, &q, "delete", uuid, expect, NULL, &res, &final,
                         &gen);
  if (err || final)
    return err;
  code = (unsigned)vault_pg_u64 (res, 0, 0);
  PQclear (res);
  return code ? gpg_error ((gpg_err_code_t)code) : 0;
}

static gpg_error_t
vault_pg_history (vault_t *v, const char *uuid, proto_version_t **r_list,
                  size_t *r_n)
{
  return vault_pg_rows (v, &vault_pg_reads[VAULT_PG_READ_HISTORY], uuid,
                        r_list, r_n);
}

static gpg_error_t
vault_pg_audit (vault_t *v, const vault_audit_rec_t *a)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  char sgen[24], scode[16];

  snprintf (sgen, sizeof sgen, "%" PRIu64, a->gen);
  snprintf (scode, sizeof scode, "%u", a->code);
  memset (&q, 0, sizeof q);
  q.sql = "SELECT vscd.log ($1, $2, $3, $4, $5::uuid, $6::bigint,"
          " $7::integer, $8)";
  vault_pg_param (&q, a->user);
  vault_pg_param (&q, a->peer);
  vault_pg_param (&q, a->server);
  vault_pg_param (&q, a->op);
  vault_pg_param (&q, a->uuid[0] ? a->uuid : NULL);
  vault_pg_param (&q, sgen);
  vault_pg_param (&q, scode);
  vault_pg_param (&q, a->result);
  err = vault_pg_exec (v, &q, vault_pg_deadline (v), &res);
  PQclear (res);
  return err;
}

static gpg_error_t
vault_pg_audit_read (vault_t *v, const vault_audit_query_t *aq,
                     vault_audit_fn fn, void *ctx)
{
  gpg_error_t err = 0;
  vault_pg_t *pg = VAULT_PG (v);
  vault_pg_q_t q;
  PGresult *res;
  vault_audit_rec_t rec;
  char since[24];

  if (!pg->conn)
    {
      err = vault_pg_connect_once (v, vault_pg_deadline (v));
      if (err)
        return err;
    }
  snprintf (since, sizeof since, "%" PRId64, aq->since_us);
  memset (&q, 0, sizeof q);
  q.sql = "SELECT (extract (epoch FROM t.time) * 1000000)::bigint,"
          " t.username, t.op, coalesce (t.uuid::text, ''),"
          " coalesce (t.gen, 0), t.peer, t.server, t.code, t.result"
          " FROM vscd.audit t"
          " WHERE t.time >= 'epoch'::timestamptz"
          "   + $1::bigint * interval '1 microsecond'"
          "  AND ($2::text IS NULL OR t.username = $2::text)"
          " ORDER BY t.time, t.id";
  vault_pg_param (&q, since);
  vault_pg_param (&q, aq->user);
  /* An administrator's query, possibly long: blocking, one row at a
   * time (never the whole table in memory). */
  PQsetnonblocking (pg->conn, 0);
  if (!PQsendQueryParams (pg->conn, q.sql, q.n, NULL, q.values, q.lengths,
                          q.formats, 0)
      || !PQsetSingleRowMode (pg->conn))
    {
      vault_pg_set_error (v, "cannot read the audit log: %s",
                          PQerrorMessage (pg->conn));
      vault_pg_drop (v, NULL);
      return gpg_error (GPG_ERR_SERVER_FAILED);
    }
  while ((res = PQgetResult (pg->conn)))
    {
      ExecStatusType st = PQresultStatus (res);
      if (st == PGRES_SINGLE_TUPLE && !err)
        {
          memset (&rec, 0, sizeof rec);
          rec.time_us = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
          vault_pg_copy_text (rec.user, sizeof rec.user, PQgetvalue (res, 0, 1));
          vault_pg_copy_text (rec.op, sizeof rec.op, PQgetvalue (res, 0, 2));
          vault_pg_copy_text (rec.uuid, sizeof rec.uuid, PQgetvalue (res, 0, 3));
          rec.gen = vault_pg_u64 (res, 0, 4);
          vault_pg_copy_text (rec.peer, sizeof rec.peer, PQgetvalue (res, 0, 5));
          vault_pg_copy_text (rec.server, sizeof rec.server,
                              PQgetvalue (res, 0, 6));
          rec.code = (unsigned)vault_pg_u64 (res, 0, 7);
          vault_pg_copy_text (rec.result, sizeof rec.result,
                              PQgetvalue (res, 0, 8));
          err = fn (ctx, &rec);
        }
      else if (st != PGRES_TUPLES_OK && st != PGRES_SINGLE_TUPLE && !err)
        {
          vault_pg_set_error (v, "cannot read the audit log: %s",
                              PQresultErrorMessage (res));
          err = gpg_error (GPG_ERR_SERVER_FAILED);
        }
      PQclear (res);
    }
  if (pg->conn)
    PQsetnonblocking (pg->conn, 1);
  return err;
}

static gpg_error_t
vault_pg_request_begin (vault_t *v)
{
  gpg_error_t err;
  vault_pg_q_t q;
  PGresult *res = NULL;
  char smax[16];

  memset (&q, 0, sizeof q);
  snprintf (smax, sizeof smax, "%u", v->limits.max_inflight);
  q.sql = "SELECT vscd.slot ($1, $2::integer)";
  vault_pg_param (&q, v->user);
  vault_pg_param (&q, smax);
  err = vault_pg_exec (v, &q, vault_pg_deadline (v), &res);
  if (err)
    return err;
  if (PQgetisnull (res, 0, 0))
    err = gpg_error (GPG_ERR_LIMIT_REACHED);
  else
    VAULT_PG (v)->slot = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
  PQclear (res);
  return err;
}

static void
vault_pg_request_end (vault_t *v)
{
  vault_pg_t *pg = VAULT_PG (v);
  vault_pg_q_t q;
  PGresult *res = NULL;
  char key[24];
  bool lost, sent;

  if (!pg->slot || !pg->conn)
    return;
  snprintf (key, sizeof key, "%" PRId64, pg->slot);
  memset (&q, 0, sizeof q);
  q.sql = "SELECT pg_advisory_unlock ($1::bigint)";
  vault_pg_param (&q, key);
  /* If this fails the connection is gone, and the lock with it. */
  vault_pg_run (v, &q, vault_pg_deadline (v), &res, &lost, &sent);
  PQclear (res);
  pg->slot = 0;
}

gpg_error_t
vault_pg_init_db (const char *spec, int target, int *r_from, int *r_to,
                  char *msg, size_t msgsz)
{
  gpg_error_t err;
  const char *keys[3] = { "application_name", "dbname", NULL };
  const char *vals[3] = { "vscd --init-db", spec, NULL };
  PGconn *conn;

  conn = PQconnectdbParams (keys, vals, 1);
  if (!conn)
    return gpg_error (GPG_ERR_ENOMEM);
  if (PQstatus (conn) != CONNECTION_OK)
    {
      snprintf (msg, msgsz, "cannot connect to the vault database: %s",
                PQerrorMessage (conn));
      PQfinish (conn);
      return gpg_error (GPG_ERR_TRY_LATER);
    }
  PQsetNoticeProcessor (conn, vault_pg_notice, NULL);
  err = vault_pg_schema_init (conn, target, r_from, r_to, msg, msgsz);
  PQfinish (conn);
  return err;
}

const vault_ops_t vault_pg_ops = {
  "postgresql",
  vault_pg_open,
  vault_pg_close,
  vault_pg_check,
  vault_pg_list,
  vault_pg_stat,
  vault_pg_get,
  vault_pg_store,
  vault_pg_del,
  vault_pg_history,
  vault_pg_audit,
  vault_pg_audit_read,
  vault_pg_request_begin,
  vault_pg_request_end
};
