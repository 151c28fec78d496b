/* util.c - allocation, wiping, process hardening, libgcrypt start-up */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <stdint.h>
#include <inttypes.h>
#include <time.h>
#include <sys/resource.h>
#ifdef HAVE_SYS_PRCTL_H
#include <sys/prctl.h>
#endif
#include <gcrypt.h>

#include "util.h"
#include "i18n.h"

void *
xtrymalloc (size_t n)
{
  return malloc (n ? n : 1);
}

void *
xtrycalloc (size_t n, size_t m)
{
  if (m && n > SIZE_MAX / m)
    {
      errno = ENOMEM;
      return NULL;
    }
  return calloc (n ? n : 1, m ? m : 1);
}

void *
xtryrealloc (void *p, size_t n)
{
  return realloc (p, n ? n : 1);
}

char *
xtrystrdup (const char *s)
{
  return strdup (s);
}

char *
xtrystrndup (const char *s, size_t n)
{
  char *p = n < SIZE_MAX ? xtrymalloc (n + 1) : NULL;
  if (p)
    {
      memcpy (p, s, n);
      p[n] = 0;
    }
  return p;
}

void *
xtrymemdup (const void *p, size_t n)
{
  void *v = xtrymalloc (n ? n : 1);
  if (v && n)
    memcpy (v, p, n);
  return v;
}

void
xfree (void *p)
{
  free (p);
}

void *
xtrymalloc_secure (size_t n)
{
  return gcry_malloc_secure (n ? n : 1);
}

char *
xtrystrdup_secure (const char *s)
{
  size_t n = strlen (s);
  char *p = xtrymalloc_secure (n + 1);
  if (p)
    memcpy (p, s, n + 1);
  return p;
}

void
xfree_secure (void *p)
{
  /* gcry_free wipes blocks from the secure pool before releasing them. */
  if (p)
    gcry_free (p);
}

/* xbytes_set and xsecret_set: the copy in ordinary memory (NULL when
 * empty) or in secure memory (always a block). */
static gpg_error_t
util_bytes_set (uint8_t **dst, size_t *dlen, const void *p, size_t n,
                bool secure)
{
  uint8_t *v = NULL;

  if (n || secure)
    {
      v = secure ? xtrymalloc_secure (n ? n : 1) : xtrymalloc (n);
      if (!v)
        return gpg_error_from_syserror ();
      if (n)
        memcpy (v, p, n);
    }
  if (*dst)
    {
      wipememory (*dst, *dlen);
      if (secure)
        xfree_secure (*dst);
      else
        xfree (*dst);
    }
  *dst = v;
  *dlen = n;
  return 0;
}

gpg_error_t
xbytes_set (uint8_t **dst, size_t *dlen, const void *p, size_t n)
{
  return util_bytes_set (dst, dlen, p, n, false);
}

gpg_error_t
xsecret_set (uint8_t **dst, size_t *dlen, const void *p, size_t n)
{
  return util_bytes_set (dst, dlen, p, n, true);
}

gpg_error_t
util_write_all (int fd, const void *p, size_t n)
{
  const uint8_t *q = p;

  while (n)
    {
      ssize_t w = write (fd, q, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        return gpg_error_from_syserror ();
      q += w;
      n -= (size_t)w;
    }
  return 0;
}

gpg_error_t
util_read_full (int fd, void *p, size_t n, size_t *r_got)
{
  uint8_t *q = p;
  size_t got = 0;

  while (got < n)
    {
      ssize_t r = read (fd, q + got, n - got);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        {
          *r_got = got;
          return gpg_error_from_syserror ();
        }
      if (!r)
        break;
      got += (size_t)r;
    }
  *r_got = got;
  return 0;
}

void
wipememory (void *p, size_t n)
{
  if (!p || !n)
    return;
#ifdef HAVE_EXPLICIT_BZERO
  explicit_bzero (p, n);
#else
  volatile uint8_t *v = p;
  while (n--)
    *v++ = 0;
#endif
}

int
ct_memequal (const void *a, const void *b, size_t n)
{
  const volatile uint8_t *x = a, *y = b;
  uint8_t d = 0;
  size_t i;
  for (i = 0; i < n; i++)
    d |= x[i] ^ y[i];
  return d == 0;
}

gpg_error_t
util_init_gcrypt (void)
{
  if (gcry_control (GCRYCTL_INITIALIZATION_FINISHED_P))
    return 0;
  if (!gcry_check_version ("1.10.0"))
    return gpg_error (GPG_ERR_NOT_SUPPORTED);
  gcry_control (GCRYCTL_SUSPEND_SECMEM_WARN);
  gcry_control (GCRYCTL_DISABLE_SECMEM_WARN);
  /* Keys, passwords and PINs only: 1 MiB is plenty. */
  if (gcry_control (GCRYCTL_INIT_SECMEM, 1024 * 1024, 0))
    return gpg_error (GPG_ERR_ENOMEM);
  gcry_control (GCRYCTL_RESUME_SECMEM_WARN);
  gcry_control (GCRYCTL_INITIALIZATION_FINISHED, 0);
  return 0;
}

gpg_error_t
util_program_init (void)
{
  struct rlimit rl = { 0, 0 };

  setrlimit (RLIMIT_CORE, &rl);
#if defined(HAVE_SYS_PRCTL_H) && defined(PR_SET_DUMPABLE)
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
#endif
  i18n_init ();
  return util_init_gcrypt ();
}

void
util_time_text (uint64_t t, char *buf, size_t size)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r (&tt, &tm)
      || !strftime (buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf (buf, size, "%" PRIu64, t);
}

bool
util_time_parse (const char *s, uint32_t *t)
{
  struct tm tm;
  const char *end;
  time_t v;

  if (!s)
    return false;
  memset (&tm, 0, sizeof tm);
  end = strptime (s, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (!end || *end)
    return false;
  v = timegm (&tm);
  if (v < 0 || (unsigned long long)v > 0xFFFFFFFFull)
    return false;
  *t = (uint32_t)v;
  return true;
}
