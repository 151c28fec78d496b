/* vault-dir.c - the directory vault back end: one directory of
 * encrypted VSC files, with CAS
 *
 * See vault-dir.h for the layout. Writers of one UUID serialise on flock(2)
 * of ".<uuid>.lock"; the compare (highest generation on disk) and the
 * swap (write temp, fsync, rename to the next generation, fsync the
 * directory) both happen under that lock, so of two concurrent writers
 * holding the same expected generation exactly one wins. Readers take
 * no lock: a name, once renamed into place, is never rewritten. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>
#include <inttypes.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <gcrypt.h>

#include "vault-be.h"
#include "vault-dir.h"
#include "common/util.h"

#define VAULT_OPEN_RETRIES 16

typedef struct vault_dir {
  int dfd;
} vault_dir_t;

#define VAULT_DIR(v) ((vault_dir_t *)(v)->be)

void
vault_dir_name (char *out, size_t outsz, const char *uuid, uint64_t gen)
{
  snprintf (out, outsz, "%s.%" PRIu64 ".vsc", uuid, gen);
}

bool
vault_dir_name_parse (const char *name, char *uuid, uint64_t *gen)
{
  const char *p;
  uint64_t g = 0;
  size_t ndig = 0;

  if (strlen (name) < PROTO_UUID_LEN + 6)
    return false;
  if (!proto_uuid_valid (name, PROTO_UUID_LEN) || name[PROTO_UUID_LEN] != '.')
    return false;
  p = name + PROTO_UUID_LEN + 1;
  if (*p == '0')
    return false;   /* no leading zeros, no generation 0 */
  for (; *p >= '0' && *p <= '9'; p++, ndig++)
    {
      unsigned d = (unsigned)(*p - '0');
      if (g > (UINT64_MAX - d) / 10)
        return false;
      g = g * 10 + d;
    }
  if (!ndig || strcmp (p, ".vsc"))
    return false;
  if (uuid)
    {
      memcpy (uuid, name, PROTO_UUID_LEN);
      uuid[PROTO_UUID_LEN] = 0;
    }
  if (gen)
    *gen = g;
  return true;
}

/* mkdir -p with mode 0700 for the missing components of PATH. */
static gpg_error_t
vault_dir_mkdirs (const char *path)
{
  gpg_error_t err = 0;
  char *tmp = xtrystrdup (path);
  char *p;

  if (!tmp)
    return gpg_error_from_syserror ();
  for (p = tmp + 1; ; p++)
    {
      if (*p == '/' || !*p)
        {
          char c = *p;
          *p = 0;
          if (mkdir (tmp, 0700) && errno != EEXIST)
            {
              err = gpg_error_from_syserror ();
              break;
            }
          *p = c;
          if (!c)
            break;
        }
    }
  xfree (tmp);
  return err;
}

static gpg_error_t
vault_dir_open (vault_t *v, const char *dir, bool create)
{
  gpg_error_t err = 0;
  vault_dir_t *d = NULL;
  struct stat st;
  int fd = -1;

  if (!dir || !*dir)
    return gpg_error (GPG_ERR_INV_ARG);
  if (create)
    {
      err = vault_dir_mkdirs (dir);
      if (err)
        goto leave;
    }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (st.st_uid != geteuid ())
    {
      err = gpg_error (GPG_ERR_EPERM);
      goto leave;
    }
  /* Ciphertext only, but still nobody else's business. */
  if ((st.st_mode & 077) && fchmod (fd, 0700))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  d = xtrycalloc (1, sizeof *d);
  if (!d)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  d->dfd = fd;
  fd = -1;
  v->be = d;

 leave:
  if (fd >= 0)
    close (fd);
  return err;
}

static void
vault_dir_close (vault_t *v)
{
  vault_dir_t *d = VAULT_DIR (v);
  if (!d)
    return;
  close (d->dfd);
  xfree (d);
  v->be = NULL;
}

/* A directory stream over the vault (a fresh one each time). */
static gpg_error_t
vault_dir_opendir (vault_t *v, DIR **r_dir)
{
  int fd = openat (VAULT_DIR (v)->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  *r_dir = fdopendir (fd);
  if (!*r_dir)
    {
      gpg_error_t err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  return 0;
}

/* The highest generation of UUID on disk (0 if none). */
static gpg_error_t
vault_dir_current (vault_t *v, const char *uuid, uint64_t *r_gen)
{
  gpg_error_t err;
  DIR *d;
  struct dirent *de;
  char u[PROTO_UUID_LEN + 1];
  uint64_t g;

  *r_gen = 0;
  err = vault_dir_opendir (v, &d);
  if (err)
    return err;
  while ((de = readdir (d)))
    if (vault_dir_name_parse (de->d_name, u, &g) && !strcmp (u, uuid)
        && g > *r_gen)
      *r_gen = g;
  closedir (d);
  return 0;
}

/* Remove older generations (all but KEEP; KEEP 0 = all) and stale
 * temporary files of UUID. Called with the UUID's lock held. */
static gpg_error_t
vault_dir_cleanup (vault_t *v, const char *uuid, uint64_t keep)
{
  gpg_error_t err;
  DIR *d;
  struct dirent *de;
  char u[PROTO_UUID_LEN + 1];
  char tmpprefix[PROTO_UUID_LEN + 8];
  uint64_t g;

  snprintf (tmpprefix, sizeof tmpprefix, ".tmp-%s-", uuid);
  err = vault_dir_opendir (v, &d);
  if (err)
    return err;
  while ((de = readdir (d)))
    {
      bool drop = false;
      if (vault_dir_name_parse (de->d_name, u, &g))
        drop = !strcmp (u, uuid) && g != keep;
      else if (!strncmp (de->d_name, tmpprefix, strlen (tmpprefix)))
        drop = true;
      if (drop && unlinkat (VAULT_DIR (v)->dfd, de->d_name, 0) && errno != ENOENT)
        {
          err = gpg_error_from_syserror ();
          break;
        }
    }
  closedir (d);
  return err;
}

/* Take the UUID's lock. The lock file may be removed by a delete while
 * we wait, so after getting the lock check that the name still refers to
 * the file we locked. */
static gpg_error_t
vault_dir_lock (vault_t *v, const char *uuid, int *r_fd)
{
  char name[PROTO_UUID_LEN + 8];
  struct stat a, b;
  int fd;

  snprintf (name, sizeof name, ".%s.lock", uuid);
  for (;;)
    {
      fd = openat (VAULT_DIR (v)->dfd, name,
                   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0)
        return gpg_error_from_syserror ();
      while (flock (fd, LOCK_EX))
        if (errno != EINTR)
          {
            gpg_error_t err = gpg_error_from_syserror ();
            close (fd);
            return err;
          }
      if (!fstat (fd, &a)
          && !fstatat (VAULT_DIR (v)->dfd, name, &b, AT_SYMLINK_NOFOLLOW)
          && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        break;
      close (fd);
    }
  *r_fd = fd;
  return 0;
}

static gpg_error_t
vault_dir_sync_dir (vault_t *v)
{
  if (v->fsync && fsync (VAULT_DIR (v)->dfd))
    return gpg_error_from_syserror ();
  return 0;
}

static gpg_error_t
vault_dir_list (vault_t *v, proto_entry_t **r_list, size_t *r_n)
{
  gpg_error_t err;
  DIR *d = NULL;
  struct dirent *de;
  proto_entry_t *list = NULL, *e;
  size_t n = 0, cap = 0, i, j;
  char u[PROTO_UUID_LEN + 1];
  uint64_t g;

  *r_list = NULL;
  *r_n = 0;
  err = vault_dir_opendir (v, &d);
  if (err)
    goto leave;
  while ((de = readdir (d)))
    {
      if (!vault_dir_name_parse (de->d_name, u, &g))
        continue;
      for (i = 0; i < n && strcmp (list[i].uuid, u); i++)
        ;
      if (i == n)
        {
          if (n == cap)
            {
              size_t ncap = cap ? cap * 2 : 32;
              proto_entry_t *nl = NULL;
              if (ncap <= SIZE_MAX / sizeof *nl)
                nl = xtryrealloc (list, ncap * sizeof *nl);
              if (!nl)
                {
                  err = gpg_error (GPG_ERR_ENOMEM);
                  goto leave;
                }
              list = nl;
              cap = ncap;
            }
          memset (&list[n], 0, sizeof list[n]);
          memcpy (list[n].uuid, u, sizeof u);
          n++;
        }
      if (g > list[i].gen)
        list[i].gen = g;
    }
  /* Sizes and times; a VSC deleted meanwhile is dropped. */
  for (i = j = 0; i < n; i++)
    {
      char name[96];
      struct stat st;
      e = &list[i];
      vault_dir_name (name, sizeof name, e->uuid, e->gen);
      if (fstatat (VAULT_DIR (v)->dfd, name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG (st.st_mode))
        continue;
      e->size = (uint64_t)st.st_size;
      e->mtime = st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0;
      list[j++] = *e;
    }
  n = j;
  /* Sort by UUID (insertion sort; vaults are small). */
  for (i = 1; i < n; i++)
    {
      proto_entry_t t = list[i];
      for (j = i; j > 0 && strcmp (list[j - 1].uuid, t.uuid) > 0; j--)
        list[j] = list[j - 1];
      list[j] = t;
    }
  *r_list = list;
  *r_n = n;
  list = NULL;

 leave:
  if (d)
    closedir (d);
  xfree (list);
  return err;
}

/* Open the current generation of UUID for reading. */
static gpg_error_t
vault_dir_open_current (vault_t *v, const char *uuid, int *r_fd,
                    proto_entry_t *r)
{
  gpg_error_t err;
  char name[96];
  struct stat st;
  uint64_t g;
  int fd, tries;

  if (!proto_uuid_valid (uuid, strlen (uuid)))
    return gpg_error (GPG_ERR_INV_NAME);
  for (tries = 0; tries < VAULT_OPEN_RETRIES; tries++)
    {
      err = vault_dir_current (v, uuid, &g);
      if (err)
        return err;
      if (!g)
        return gpg_error (GPG_ERR_NOT_FOUND);
      vault_dir_name (name, sizeof name, uuid, g);
      fd = openat (VAULT_DIR (v)->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT)
        continue;   /* replaced under us: look again */
      if (fd < 0)
        return gpg_error_from_syserror ();
      if (fstat (fd, &st) || !S_ISREG (st.st_mode))
        {
          close (fd);
          return gpg_error (GPG_ERR_INV_OBJ);
        }
      memset (r, 0, sizeof *r);
      memcpy (r->uuid, uuid, PROTO_UUID_LEN);
      r->gen = g;
      r->size = (uint64_t)st.st_size;
      r->mtime = st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0;
      *r_fd = fd;
      return 0;
    }
  return gpg_error (GPG_ERR_TRY_LATER);
}

static gpg_error_t
vault_dir_stat (vault_t *v, const char *uuid, proto_entry_t *r)
{
  int fd;
  gpg_error_t err = vault_dir_open_current (v, uuid, &fd, r);
  if (!err)
    close (fd);
  return err;
}

static gpg_error_t
vault_dir_get (vault_t *v, const char *uuid, size_t max, buf_t *data,
           proto_entry_t *r)
{
  gpg_error_t err;
  int fd = -1;
  size_t got = 0;
  ssize_t n;

  buf_clear (data);
  err = vault_dir_open_current (v, uuid, &fd, r);
  if (err)
    goto leave;
  if (r->size > max)
    {
      err = gpg_error (GPG_ERR_TOO_LARGE);
      goto leave;
    }
  err = buf_reserve (data, (size_t)r->size);
  if (err)
    goto leave;
  while (got < r->size)
    {
      n = read (fd, data->data + got, (size_t)r->size - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      if (!n)
        break;   /* names are write-once: cannot shrink, but be safe */
      got += (size_t)n;
    }
  if (got != r->size)
    {
      err = gpg_error (GPG_ERR_TOO_SHORT);
      goto leave;
    }
  data->len = got;

 leave:
  if (fd >= 0)
    close (fd);
  if (err)
    buf_clear (data);
  return err;
}

/* Write DATA to a new temporary file; *NAME gets its name. */
static gpg_error_t
vault_dir_write_temp (vault_t *v, const char *uuid, const void *data, size_t len,
                  char *name, size_t namesz)
{
  gpg_error_t err = 0;
  const uint8_t *p = data;
  unsigned char rnd[8];
  int fd = -1, tries;
  ssize_t n;

  for (tries = 0; tries < 8 && fd < 0; tries++)
    {
      gcry_create_nonce (rnd, sizeof rnd);
      snprintf (name, namesz, ".tmp-%s-%02x%02x%02x%02x%02x%02x%02x%02x",
                uuid, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
                rnd[7]);
      fd = openat (VAULT_DIR (v)->dfd, name,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
      if (fd < 0 && errno != EEXIST)
        return gpg_error_from_syserror ();
    }
  if (fd < 0)
    return gpg_error (GPG_ERR_EEXIST);
  while (len)
    {
      n = write (fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      p += n;
      len -= (size_t)n;
    }
  if (v->fsync && fsync (fd))
    err = gpg_error_from_syserror ();

 leave:
  if (close (fd) && !err)
    err = gpg_error_from_syserror ();
  if (err)
    unlinkat (VAULT_DIR (v)->dfd, name, 0);
  return err;
}

static gpg_error_t
vault_dir_put (vault_t *v, const char *uuid, uint64_t expect, const void *data,
           size_t len, uint64_t *r_gen)
{
  gpg_error_t err;
  char tmp[PROTO_UUID_LEN + 32], name[96];
  uint64_t cur;
  int lockfd = -1;

  if (!proto_uuid_valid (uuid, strlen (uuid)))
    return gpg_error (GPG_ERR_INV_NAME);
  err = vault_dir_lock (v, uuid, &lockfd);
  if (err)
    goto leave;
  err = vault_dir_current (v, uuid, &cur);
  if (err)
    goto leave;
  if (expect && !cur)
    {
      err = gpg_error (GPG_ERR_NOT_FOUND);
      goto leave;
    }
  if (cur != expect || cur == UINT64_MAX)
    {
      err = gpg_error (GPG_ERR_CONFLICT);
      goto leave;
    }
  err = vault_dir_write_temp (v, uuid, data, len, tmp, sizeof tmp);
  if (err)
    goto leave;
  vault_dir_name (name, sizeof name, uuid, cur + 1);
  if (renameat (VAULT_DIR (v)->dfd, tmp, VAULT_DIR (v)->dfd, name))
    {
      err = gpg_error_from_syserror ();
      unlinkat (VAULT_DIR (v)->dfd, tmp, 0);
      goto leave;
    }
  err = vault_dir_sync_dir (v);
  if (err)
    goto leave;
  *r_gen = cur + 1;
  /* The new generation is in place; old ones are garbage now. */
  err = vault_dir_cleanup (v, uuid, cur + 1);

 leave:
  if (lockfd >= 0)
    close (lockfd);
  return err;
}

static gpg_error_t
vault_dir_delete (vault_t *v, const char *uuid, uint64_t expect)
{
  gpg_error_t err;
  char name[96];
  uint64_t cur;
  int lockfd = -1;

  if (!proto_uuid_valid (uuid, strlen (uuid)))
    return gpg_error (GPG_ERR_INV_NAME);
  err = vault_dir_lock (v, uuid, &lockfd);
  if (err)
    goto leave;
  err = vault_dir_current (v, uuid, &cur);
  if (err)
    goto leave;
  if (!cur)
    {
      err = gpg_error (GPG_ERR_NOT_FOUND);
      goto leave;
    }
  if (expect && cur != expect)
    {
      err = gpg_error (GPG_ERR_CONFLICT);
      goto leave;
    }
  /* Older generations first, the current one last: a crash in between
   * leaves the current one, never resurrects an old one. */
  err = vault_dir_cleanup (v, uuid, cur);
  if (err)
    goto leave;
  vault_dir_name (name, sizeof name, uuid, cur);
  if (unlinkat (VAULT_DIR (v)->dfd, name, 0))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  snprintf (name, sizeof name, ".%s.lock", uuid);
  unlinkat (VAULT_DIR (v)->dfd, name, 0);
  err = vault_dir_sync_dir (v);

 leave:
  if (lockfd >= 0)
    close (lockfd);
  return err;
}

const vault_ops_t vault_dir_ops = {
  "directory",
  vault_dir_open,
  vault_dir_close,
  vault_dir_list,
  vault_dir_stat,
  vault_dir_get,
  vault_dir_put,
  vault_dir_delete
};
