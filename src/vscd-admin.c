/* vscd-admin.c - vscd's administrator commands: --init-db and --audit
 *
 *   vscd --init-db --vault SPEC [--schema N]
 *   vscd --audit [--vault SPEC] [--since T] [--user U] [--json]
 *
 * The audit log is read through the vault (vault_audit_read), so the
 * same command reads the PostgreSQL table and a directory's .audit file. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <time.h>

#include "vscd-admin.h"
#include "common/util.h"
#include "common/i18n.h"
#include "remote/vault.h"

bool
vscd_admin_parse_time (const char *s, int64_t *r_us)
{
  struct tm tm;
  const char *p;
  char *end;
  unsigned long long n;
  time_t t;
  static const char *const formats[] = {
    "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M", "%Y-%m-%d"
  };
  size_t i;

  if (!s || !*s)
    return false;
  /* @EPOCH */
  if (*s == '@')
    {
      errno = 0;
      n = strtoull (s + 1, &end, 10);
      if (errno || *end || end == s + 1 || n > (unsigned long long)INT64_MAX / 1000000)
        return false;
      *r_us = (int64_t)n * 1000000;
      return true;
    }
  /* A duration back from now: 90s 30m 24h 7d. */
  if (*s >= '0' && *s <= '9')
    {
      errno = 0;
      n = strtoull (s, &end, 10);
      if (!errno && end != s && end[0] && !end[1] && strchr ("smhd", end[0]))
        {
          unsigned long long mul = end[0] == 's' ? 1 : end[0] == 'm' ? 60
                                   : end[0] == 'h' ? 3600 : 86400;
          if (n > (unsigned long long)INT32_MAX)
            return false;
          *r_us = ((int64_t)time (NULL) - (int64_t)(n * mul)) * 1000000;
          return true;
        }
    }
  /* An ISO 8601 date or time, UTC (a trailing Z is allowed). */
  for (i = 0; i < DIM (formats); i++)
    {
      memset (&tm, 0, sizeof tm);
      p = strptime (s, formats[i], &tm);
      if (p && (!*p || (p[0] == 'Z' && !p[1])))
        {
          t = timegm (&tm);
          if (t == (time_t)-1)
            return false;
          *r_us = (int64_t)t * 1000000;
          return true;
        }
    }
  return false;
}

gpg_error_t
vscd_admin_init_db (const char *spec, int target)
{
  gpg_error_t err;
  int from = 0, to = 0;

  err = vault_init_db (spec, target, &from, &to);
  if (err)
    {
      fprintf (stderr, _("vscd: --init-db: %s\n"),
               errctx_message (err));
      return err;
    }
  if (!vault_spec_is_database (spec))
    printf (_("The directory vault %s is ready (a directory needs no "
              "schema).\n"), spec);
  else if (from == to)
    printf (_("The database schema is at version %d already.\n"), to);
  else if (!from)
    printf (_("Created the database schema, version %d.\n"), to);
  else
    printf (_("Migrated the database schema from version %d to %d.\n"),
            from, to);
  return 0;
}

/* JSON string (RFC 8259), control characters escaped. */
static void
vscd_admin_json_str (FILE *fp, const char *s)
{
  putc ('"', fp);
  for (; *s; s++)
    {
      unsigned char c = (unsigned char)*s;
      if (c == '"' || c == '\\')
        fprintf (fp, "\\%c", c);
      else if (c < 0x20 || c == 0x7f)
        fprintf (fp, "\\u%04x", c);
      else
        putc (c, fp);
    }
  putc ('"', fp);
}

/* Text for the terminal: control characters shown as '?'. */
static void
vscd_admin_text (FILE *fp, const char *s, const char *empty)
{
  if (!*s)
    s = empty;
  for (; *s; s++)
    putc (((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s, fp);
}

typedef struct {
  bool json;
  unsigned long n;
} vscd_admin_audit_ctx_t;

static gpg_error_t
vscd_admin_audit_one (void *arg, const vault_audit_rec_t *r)
{
  vscd_admin_audit_ctx_t *ctx = arg;
  char when[40];
  time_t t = (time_t)(r->time_us / 1000000);
  struct tm tm;

  if (gmtime_r (&t, &tm))
    {
      size_t n = strftime (when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
      snprintf (when + n, sizeof when - n, ".%06dZ",
                (int)(r->time_us % 1000000));
    }
  else
    snprintf (when, sizeof when, "@%" PRId64, r->time_us / 1000000);
  ctx->n++;
  if (ctx->json)
    {
      printf ("{\"time\":\"%s\",\"user\":", when);
      vscd_admin_json_str (stdout, r->user);
      printf (",\"op\":");
      vscd_admin_json_str (stdout, r->op);
      printf (",\"uuid\":");
      if (r->uuid[0])
        vscd_admin_json_str (stdout, r->uuid);
      else
        printf ("null");
      if (r->gen)
        printf (",\"generation\":%" PRIu64, r->gen);
      else
        printf (",\"generation\":null");
      printf (",\"peer\":");
      vscd_admin_json_str (stdout, r->peer);
      printf (",\"server\":");
      vscd_admin_json_str (stdout, r->server);
      printf (",\"code\":%u,\"result\":", r->code);
      vscd_admin_json_str (stdout, r->code ? gpg_strerror (r->code) : "ok");
      printf (",\"detail\":");
      vscd_admin_json_str (stdout, r->result);
      printf ("}\n");
    }
  else
    {
      printf ("%s  ", when);
      vscd_admin_text (stdout, r->user, "-");
      printf ("  ");
      vscd_admin_text (stdout, r->op, "-");
      printf ("  %-36s  ", r->uuid[0] ? r->uuid : "-");
      if (r->gen)
        printf ("%" PRIu64, r->gen);
      else
        printf ("-");
      printf ("  ");
      vscd_admin_text (stdout, r->peer, "-");
      printf ("  ");
      vscd_admin_text (stdout, r->server, "-");
      printf ("  %s", r->code ? gpg_strerror (r->code) : "ok");
      if (r->result[0])
        {
          printf (": ");
          vscd_admin_text (stdout, r->result, "");
        }
      putchar ('\n');
    }
  if (ferror (stdout))
    return gpg_error_from_syserror ();
  return 0;
}

gpg_error_t
vscd_admin_audit (const char *spec, int64_t since_us, const char *user,
                  bool json, int timeout_ms)
{
  gpg_error_t err;
  vault_t *v = NULL;
  vault_audit_query_t q;
  vscd_admin_audit_ctx_t ctx;

  err = vault_open (spec, false, &v);
  if (!err)
    {
      vault_set_timeout (v, timeout_ms);
      err = vault_check (v);
    }
  if (err)
    {
      fprintf (stderr, _("vscd: cannot open vault '%s': %s\n"), spec,
               errctx_message (err));
      vault_close (v);
      return err;
    }
  memset (&q, 0, sizeof q);
  q.since_us = since_us;
  q.user = user;
  memset (&ctx, 0, sizeof ctx);
  ctx.json = json;
  err = vault_audit_read (v, &q, vscd_admin_audit_one, &ctx);
  if (!err && fflush (stdout))
    err = gpg_error_from_syserror ();
  if (err)
    fprintf (stderr, _("vscd: cannot read the audit log: %s\n"),
             errctx_message (err));
  vault_close (v);
  return err;
}
