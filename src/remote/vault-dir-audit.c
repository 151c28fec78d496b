/* vault-dir-audit.c - the directory vault's audit file
 *
 * One line per record, appended with one write(2) on a descriptor opened
 * with O_APPEND, so the lines of several vscd processes never mix:
 *
 *   TIME TAB USER TAB OP TAB UUID TAB GEN TAB PEER TAB SERVER TAB CODE
 *   TAB RESULT LF
 *
 * TIME is UTC with microseconds ("2026-12-05T16:21:03.123456Z"), UUID
 * and RESULT may be empty, GEN 0 means none, CODE is the libgpg-error
 * code (0: done). A backslash, and any control character, in a text
 * field is written as \\ or \xHH, so a field never holds a TAB or a
 * line break. The file holds no password and no VSC bytes. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <time.h>
#include <unistd.h>

#include "vault-dir.h"
#include "common/util.h"

#define VAULT_DIR_AUDIT_LINE_MAX 2048

/* Append S escaped; false if OUT is full. */
static bool
vault_dir_audit_put (char **p, char *end, const char *s)
{
  static const char hex[] = "0123456789abcdef";
  for (; *s; s++)
    {
      unsigned char c = (unsigned char)*s;
      if (end - *p < 5)
        return false;
      if (c == '\\')
        {
          *(*p)++ = '\\';
          *(*p)++ = '\\';
        }
      else if (c < 0x20 || c == 0x7f)
        {
          *(*p)++ = '\\';
          *(*p)++ = 'x';
          *(*p)++ = hex[c >> 4];
          *(*p)++ = hex[c & 15];
        }
      else
        *(*p)++ = (char)c;
    }
  return true;
}

gpg_error_t
vault_dir_audit_format (const vault_audit_rec_t *r, char *out, size_t outsz,
                        size_t *r_len)
{
  char *p = out, *end = out + outsz;
  char num[64];
  time_t t = (time_t)(r->time_us / 1000000);
  struct tm tm;
  const char *fields[9];
  int i;

  if (!gmtime_r (&t, &tm))
    return gpg_error (GPG_ERR_INV_TIME);
  if (outsz < 64)
    return gpg_error (GPG_ERR_TOO_SHORT);
  p += strftime (p, (size_t)(end - p), "%Y-%m-%dT%H:%M:%S", &tm);
  p += snprintf (p, (size_t)(end - p), ".%06dZ",
                 (int)(r->time_us % 1000000));
  fields[0] = r->user;
  fields[1] = r->op;
  fields[2] = r->uuid;
  fields[3] = NULL;   /* gen */
  fields[4] = r->peer;
  fields[5] = r->server;
  fields[6] = NULL;   /* code */
  fields[7] = r->result;
  for (i = 0; i < 8; i++)
    {
      if (end - p < 2)
        return gpg_error (GPG_ERR_TOO_SHORT);
      *p++ = '\t';
      if (i == 3)
        snprintf (num, sizeof num, "%" PRIu64, r->gen);
      else if (i == 6)
        snprintf (num, sizeof num, "%u", r->code);
      if (!vault_dir_audit_put (&p, end, fields[i] ? fields[i] : num))
        return gpg_error (GPG_ERR_TOO_SHORT);
    }
  if (end - p < 2)
    return gpg_error (GPG_ERR_TOO_SHORT);
  *p++ = '\n';
  *p = 0;
  *r_len = (size_t)(p - out);
  return 0;
}

gpg_error_t
vault_dir_audit_append (int fd, const vault_audit_rec_t *r)
{
  gpg_error_t err;
  char line[VAULT_DIR_AUDIT_LINE_MAX];
  size_t len;
  ssize_t n;

  err = vault_dir_audit_format (r, line, sizeof line, &len);
  if (err)
    return err;
  /* One write: with O_APPEND the line lands whole at the end. */
  do
    n = write (fd, line, len);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return gpg_error_from_syserror ();
  if ((size_t)n != len)
    return gpg_error (GPG_ERR_EIO);
  return 0;
}

/* Undo the escaping of one field (in place); false if malformed. */
static bool
vault_dir_audit_unescape (char *s)
{
  char *w = s;
  while (*s)
    {
      if (*s != '\\')
        {
          *w++ = *s++;
          continue;
        }
      if (s[1] == '\\')
        {
          *w++ = '\\';
          s += 2;
        }
      else if (s[1] == 'x' && s[2] && s[3])
        {
          char hx[3] = { s[2], s[3], 0 };
          char *end;
          long c = strtol (hx, &end, 16);
          if (*end)
            return false;
          *w++ = (char)c;
          s += 4;
        }
      else
        return false;
    }
  *w = 0;
  return true;
}

static bool
vault_dir_audit_time (const char *s, int64_t *r_us)
{
  struct tm tm;
  const char *p;
  char *end;
  long us;
  time_t t;

  memset (&tm, 0, sizeof tm);
  p = strptime (s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!p || *p != '.')
    return false;
  us = strtol (p + 1, &end, 10);
  if (end != p + 7 || strcmp (end, "Z") || us < 0)
    return false;
  t = timegm (&tm);
  if (t == (time_t)-1)
    return false;
  *r_us = (int64_t)t * 1000000 + us;
  return true;
}

gpg_error_t
vault_dir_audit_parse (char *line, vault_audit_rec_t *r)
{
  char *f[9], *p = line, *end;
  size_t n = strlen (line);
  int i;

  memset (r, 0, sizeof *r);
  if (n && line[n - 1] == '\n')
    line[--n] = 0;
  for (i = 0; i < 9; i++)
    {
      f[i] = p;
      p = strchr (p, '\t');
      if (i < 8)
        {
          if (!p)
            return gpg_error (GPG_ERR_INV_DATA);
          *p++ = 0;
        }
      else if (p)
        return gpg_error (GPG_ERR_INV_DATA);
    }
  for (i = 0; i < 9; i++)
    if (!vault_dir_audit_unescape (f[i]))
      return gpg_error (GPG_ERR_INV_DATA);
  if (!vault_dir_audit_time (f[0], &r->time_us))
    return gpg_error (GPG_ERR_INV_DATA);
  snprintf (r->user, sizeof r->user, "%s", f[1]);
  snprintf (r->op, sizeof r->op, "%s", f[2]);
  if (*f[3] && !proto_uuid_valid (f[3], strlen (f[3])))
    return gpg_error (GPG_ERR_INV_DATA);
  snprintf (r->uuid, sizeof r->uuid, "%s", f[3]);
  errno = 0;
  r->gen = strtoull (f[4], &end, 10);
  if (errno || *end || !*f[4])
    return gpg_error (GPG_ERR_INV_DATA);
  snprintf (r->peer, sizeof r->peer, "%s", f[5]);
  snprintf (r->server, sizeof r->server, "%s", f[6]);
  r->code = (unsigned)strtoul (f[7], &end, 10);
  if (*end || !*f[7])
    return gpg_error (GPG_ERR_INV_DATA);
  snprintf (r->result, sizeof r->result, "%s", f[8]);
  return 0;
}

gpg_error_t
vault_dir_audit_read_fd (int fd, const vault_audit_query_t *q,
                         vault_audit_fn fn, void *ctx, unsigned *r_bad)
{
  gpg_error_t err = 0;
  FILE *fp;
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  vault_audit_rec_t rec;
  int dfd;

  *r_bad = 0;
  dfd = dup (fd);
  if (dfd < 0)
    return gpg_error_from_syserror ();
  fp = fdopen (dfd, "r");
  if (!fp)
    {
      err = gpg_error_from_syserror ();
      close (dfd);
      return err;
    }
  rewind (fp);
  while (!err && (n = getline (&line, &cap, fp)) >= 0)
    {
      if (n > VAULT_DIR_AUDIT_LINE_MAX || vault_dir_audit_parse (line, &rec))
        {
          (*r_bad)++;
          continue;
        }
      if (rec.time_us < q->since_us)
        continue;
      if (q->user && strcmp (q->user, rec.user))
        continue;
      err = fn (ctx, &rec);
    }
  if (!err && ferror (fp))
    err = gpg_error_from_syserror ();
  free (line);
  fclose (fp);
  return err;
}
