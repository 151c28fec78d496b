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
#include "common/array.h"
#include "common/log.h"

#define VAULT_OPEN_RETRIES 16
#define VAULT_DIR_AUDIT_NAME ".audit"

typedef struct vault_dir {
  int dfd;
  int audit_fd;        /* .audit, opened on first use (-1) */
  int slot_fd;         /* the request slot held (-1) */
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

/* ".<uuid>.<gen>.who": who stored generation GEN ("user\tpeer\n"). */
static void
vault_dir_who_name (char *out, size_t outsz, const char *uuid, uint64_t gen)
{
  snprintf (out, outsz, ".%s.%" PRIu64 ".who", uuid, gen);
}

static bool
vault_dir_who_name_parse (const char *name, char *uuid, uint64_t *gen)
{
  char tmp[96];
  size_t n = strlen (name);

  if (name[0] != '.' || n < 5 || n >= sizeof tmp
      || strcmp (name + n - 4, ".who"))
    return false;
  memcpy (tmp, name + 1, n - 5);
  strcpy (tmp + n - 5, ".vsc");
  return vault_dir_name_parse (tmp, uuid, gen);
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

static gpg_error_t vault_dir_adopt (vault_t *v, int fd, bool create);

static gpg_error_t
vault_dir_open (vault_t *v, const char *dir, bool create)
{
  gpg_error_t err = 0;
  int fd;

  if (!dir || !*dir)
    return gpg_error (GPG_ERR_INV_ARG);
  if (create)
    {
      err = vault_dir_mkdirs (dir);
      if (err)
        return err;
    }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  return vault_dir_adopt (v, fd, create);
}

/* vault_open_fd: a directory the server opened for serving. */
gpg_error_t
vault_dir_open_fd (vault_t *v, int fd)
{
  return vault_dir_adopt (v, fd, true);
}

/* Make the directory FD (taken, also on error) V's vault; CREATE: opened
 * for serving, so tighten its mode. */
static gpg_error_t
vault_dir_adopt (vault_t *v, int fd, bool create)
{
  gpg_error_t err = 0;
  vault_dir_t *d = NULL;
  struct stat st;

  if (fstat (fd, &st))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  if (!S_ISDIR (st.st_mode))
    {
      err = gpg_error (GPG_ERR_ENOTDIR);
      goto leave;
    }
  if (st.st_uid != geteuid ())
    {
      err = gpg_error (GPG_ERR_EPERM);
      goto leave;
    }
  /* Ciphertext only, but still nobody else's business. Only a vault
   * opened for serving is tightened: vscd --audit only reads (and may be
   * given the 0711 base of the per-user vaults). */
  if (create && (st.st_mode & 077) && fchmod (fd, 0700))
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
  d->audit_fd = -1;
  d->slot_fd = -1;
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

  close (d->dfd);
  if (d->audit_fd >= 0)
    close (d->audit_fd);
  if (d->slot_fd >= 0)
    close (d->slot_fd);
  xfree (d);
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

static gpg_error_t vault_dir_read_gens (vault_t *v, const char *only,
                                        bool newest, proto_entry_t **r_list,
                                        size_t *r_n);

/* The highest generation of UUID on disk (0 if none). */
static gpg_error_t
vault_dir_current (vault_t *v, const char *uuid, uint64_t *r_gen)
{
  gpg_error_t err;
  proto_entry_t *list = NULL;
  size_t n = 0;

  *r_gen = 0;
  err = vault_dir_read_gens (v, uuid, true, &list, &n);
  if (!err && n)
    *r_gen = list[0].gen;
  xfree (list);
  return err;
}

/* Remove the generations of UUID below LO, the "who" files of
 * generations outside LO..HI (left by a crash before a rename), and stale
 * temporary files. Called with the UUID's lock held. */
static gpg_error_t
vault_dir_cleanup (vault_t *v, const char *uuid, uint64_t lo, uint64_t hi)
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
        drop = !strcmp (u, uuid) && g < lo;
      else if (vault_dir_who_name_parse (de->d_name, u, &g))
        drop = !strcmp (u, uuid) && (g < lo || g > hi);
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

/* flock FD exclusively, waiting; on failure FD is closed. */
static gpg_error_t
vault_dir_flock (int fd)
{
  gpg_error_t err;

  while (flock (fd, LOCK_EX))
    if (errno != EINTR)
      {
        err = gpg_error_from_syserror ();
        close (fd);
        return err;
      }
  return 0;
}

/* Take the UUID's lock. The lock file may be removed by a delete while
 * we wait, so after getting the lock check that the name still refers to
 * the file we locked. CREATE false: only an existing lock file is used
 * (GPG_ERR_ENOENT if there is none), so that requests about UUIDs that
 * do not exist leave no files behind. */
static gpg_error_t
vault_dir_lock (vault_t *v, const char *uuid, bool create, int *r_fd)
{
  gpg_error_t err;
  char name[PROTO_UUID_LEN + 8];
  struct stat a, b;
  int fd;

  snprintf (name, sizeof name, ".%s.lock", uuid);
  for (;;)
    {
      fd = openat (VAULT_DIR (v)->dfd, name,
                   O_RDWR | (create ? O_CREAT : 0) | O_NOFOLLOW | O_CLOEXEC,
                   0600);
      if (fd < 0)
        return gpg_error_from_syserror ();
      err = vault_dir_flock (fd);
      if (err)
        return err;
      if (!fstat (fd, &a)
          && !fstatat (VAULT_DIR (v)->dfd, name, &b, AT_SYMLINK_NOFOLLOW)
          && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        break;
      close (fd);
    }
  *r_fd = fd;
  return 0;
}

/* Take UUID's lock (vault_dir_lock; the lock file is made only when
 * CREATE, but a VSC from before lock files gets one), then *R_CUR is its
 * current generation (0: none). */
static gpg_error_t
vault_dir_lock_current (vault_t *v, const char *uuid, bool create,
                        int *r_fd, uint64_t *r_cur)
{
  gpg_error_t err;

  err = vault_dir_lock (v, uuid, create, r_fd);
  if (gpg_err_code (err) == GPG_ERR_ENOENT && !create)
    {
      err = vault_dir_current (v, uuid, r_cur);
      if (!err && !*r_cur)
        err = gpg_error (GPG_ERR_NOT_FOUND);
      if (!err)
        err = vault_dir_lock (v, uuid, true, r_fd);
    }
  if (!err)
    err = vault_dir_current (v, uuid, r_cur);
  return err;
}

static gpg_error_t
vault_dir_sync_dir (vault_t *v)
{
  if (v->fsync && fsync (VAULT_DIR (v)->dfd))
    return gpg_error_from_syserror ();
  return 0;
}

/* Size and time of generation GEN of UUID; false when it is not (or no
 * longer) a regular file. */
static bool
vault_dir_stat_gen (vault_t *v, const char *uuid, uint64_t gen,
                    uint64_t *r_size, uint64_t *r_mtime)
{
  char name[96];
  struct stat st;

  vault_dir_name (name, sizeof name, uuid, gen);
  if (fstatat (VAULT_DIR (v)->dfd, name, &st, AT_SYMLINK_NOFOLLOW)
      || !S_ISREG (st.st_mode))
    return false;
  *r_size = (uint64_t)st.st_size;
  *r_mtime = st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0;
  return true;
}

/* The generation files in the vault (of ONLY, if not NULL; with NEWEST
 * just each VSC's newest), UUID and generation set, in a new array. */
static gpg_error_t
vault_dir_read_gens (vault_t *v, const char *only, bool newest,
                     proto_entry_t **r_list, size_t *r_n)
{
  gpg_error_t err;
  DIR *d = NULL;
  struct dirent *de;
  proto_entry_t *list = NULL;
  size_t n = 0, cap = 0, i;
  char u[PROTO_UUID_LEN + 1];
  uint64_t g;

  err = vault_dir_opendir (v, &d);
  if (err)
    goto leave;
  while ((de = readdir (d)))
    {
      if (!vault_dir_name_parse (de->d_name, u, &g)
          || (only && strcmp (u, only)))
        continue;
      i = n;
      if (newest)
        for (i = 0; i < n && strcmp (list[i].uuid, u); i++)
          ;
      if (i == n)
        {
          err = ARRAY_GROW (list, cap, n, 32);
          if (err)
            goto leave;
          memset (&list[n], 0, sizeof list[n]);
          memcpy (list[n].uuid, u, sizeof u);
          n++;
        }
      if (g > list[i].gen)
        list[i].gen = g;
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

/* qsort orders: by UUID; newest generation first. */
static int
vault_dir_cmp_uuid (const void *a, const void *b)
{
  return strcmp (((const proto_entry_t *)a)->uuid,
                 ((const proto_entry_t *)b)->uuid);
}

static int
vault_dir_cmp_newest (const void *a, const void *b)
{
  uint64_t x = ((const proto_entry_t *)a)->gen;
  uint64_t y = ((const proto_entry_t *)b)->gen;
  return x < y ? 1 : x > y ? -1 : 0;
}

static gpg_error_t
vault_dir_list (vault_t *v, proto_entry_t **r_list, size_t *r_n)
{
  gpg_error_t err;
  proto_entry_t *list = NULL, *e;
  size_t n = 0, i, j;

  *r_list = NULL;
  *r_n = 0;
  err = vault_dir_read_gens (v, NULL, true, &list, &n);
  if (err)
    return err;
  /* Sizes and times; a VSC deleted meanwhile is dropped. */
  for (i = j = 0; i < n; i++)
    {
      e = &list[i];
      if (vault_dir_stat_gen (v, e->uuid, e->gen, &e->size, &e->mtime))
        list[j++] = *e;
    }
  if (j > 1)
    qsort (list, j, sizeof *list, vault_dir_cmp_uuid);
  *r_list = list;
  *r_n = j;
  return 0;
}

/* FD, just opened, holds generation GEN of UUID: describe it in R and
 * hand it out in *R_FD, or close it if it is not a regular file. */
static gpg_error_t
vault_dir_fd_entry (int fd, const char *uuid, uint64_t gen, int *r_fd,
                    proto_entry_t *r)
{
  struct stat st;

  if (fstat (fd, &st) || !S_ISREG (st.st_mode))
    {
      close (fd);
      return gpg_error (GPG_ERR_INV_OBJ);
    }
  memset (r, 0, sizeof *r);
  memcpy (r->uuid, uuid, PROTO_UUID_LEN);
  r->gen = gen;
  r->size = (uint64_t)st.st_size;
  r->mtime = st.st_mtime > 0 ? (uint64_t)st.st_mtime : 0;
  *r_fd = fd;
  return 0;
}

/* Open the current generation of UUID for reading. */
static gpg_error_t
vault_dir_open_current (vault_t *v, const char *uuid, int *r_fd,
                    proto_entry_t *r)
{
  gpg_error_t err;
  char name[96];
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
      return vault_dir_fd_entry (fd, uuid, g, r_fd, r);
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

/* Open generation GEN (> 0) of UUID: GPG_ERR_NO_DATA if the VSC exists
 * but does not keep that generation. */
static gpg_error_t
vault_dir_open_gen (vault_t *v, const char *uuid, uint64_t gen, int *r_fd,
                    proto_entry_t *r)
{
  char name[96];
  uint64_t cur;
  int fd;

  vault_dir_name (name, sizeof name, uuid, gen);
  fd = openat (VAULT_DIR (v)->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    {
      gpg_error_t err = vault_dir_current (v, uuid, &cur);
      if (err)
        return err;
      return gpg_error (cur ? GPG_ERR_NO_DATA : GPG_ERR_NOT_FOUND);
    }
  if (fd < 0)
    return gpg_error_from_syserror ();
  return vault_dir_fd_entry (fd, uuid, gen, r_fd, r);
}

static gpg_error_t
vault_dir_read_all (int fd, size_t size, buf_t *data)
{
  gpg_error_t err;
  size_t got = 0;

  err = buf_reserve (data, size);
  if (!err)
    err = util_read_full (fd, data->data, size, &got);
  if (err)
    return err;
  /* Names are write-once: cannot shrink, but be safe. */
  if (got != size)
    return gpg_error (GPG_ERR_TOO_SHORT);
  data->len = got;
  return 0;
}

static gpg_error_t vault_dir_audit_op (vault_t *v, const char *op,
                                       const char *uuid, uint64_t gen,
                                       gpg_error_t err);

static gpg_error_t
vault_dir_get (vault_t *v, const char *uuid, uint64_t gen, size_t max,
               buf_t *data, proto_entry_t *r)
{
  gpg_error_t err, aerr;
  int fd = -1;

  buf_clear (data);
  if (gen)
    err = vault_dir_open_gen (v, uuid, gen, &fd, r);
  else
    err = vault_dir_open_current (v, uuid, &fd, r);
  if (!err && r->size > max)
    err = gpg_error (GPG_ERR_TOO_LARGE);
  if (!err)
    err = vault_dir_read_all (fd, (size_t)r->size, data);
  if (fd >= 0)
    close (fd);
  /* Audited before the bytes leave: no record, no bytes. */
  aerr = vault_dir_audit_op (v, "get", uuid, err ? gen : r->gen, err);
  if (!err)
    err = aerr;
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
  unsigned char rnd[8];
  int fd = -1, tries;

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
  err = util_write_all (fd, data, len);
  if (!err && v->fsync && fsync (fd))
    err = gpg_error_from_syserror ();
  if (close (fd) && !err)
    err = gpg_error_from_syserror ();
  if (err)
    unlinkat (VAULT_DIR (v)->dfd, name, 0);
  return err;
}

/* Write who stores generation GEN of UUID (informative: no fsync; a
 * missing file shows as an unknown author in the history). */
static void
vault_dir_write_who (vault_t *v, const char *uuid, uint64_t gen)
{
  char name[96], line[2 * VAULT_NAME_MAX + 4];
  int fd, n;

  vault_dir_who_name (name, sizeof name, uuid, gen);
  n = snprintf (line, sizeof line, "%s\t%s\n", v->user, v->peer);
  fd = openat (VAULT_DIR (v)->dfd, name,
               O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    return;
  if (write (fd, line, (size_t)n) != n)
    log_info ("cannot record who stored %s generation %" PRIu64, uuid, gen);
  close (fd);
}

static gpg_error_t vault_dir_list (vault_t *v, proto_entry_t **r_list,
                                   size_t *r_n);

/* Remove the lock file of UUID (held by us) if no generation of it
 * exists: a refused put of a new UUID leaves nothing behind. */
static void
vault_dir_drop_lock (vault_t *v, const char *uuid)
{
  char name[PROTO_UUID_LEN + 8];
  uint64_t cur;

  if (vault_dir_current (v, uuid, &cur) || cur)
    return;
  snprintf (name, sizeof name, ".%s.lock", uuid);
  unlinkat (VAULT_DIR (v)->dfd, name, 0);
}

/* Would storing LEN bytes as UUID's next generation (CUR: its current
 * one, 0 if new) exceed the limits? Called with the vault's limits lock
 * held, so nobody else changes the totals meanwhile. */
static gpg_error_t
vault_dir_check_limits (vault_t *v, const char *uuid, uint64_t cur,
                        size_t len)
{
  gpg_error_t err;
  proto_entry_t *list = NULL;
  size_t n = 0, i;
  uint64_t bytes = 0, old = 0;

  err = vault_dir_list (v, &list, &n);
  if (err)
    return err;
  for (i = 0; i < n; i++)
    {
      bytes += list[i].size;
      if (!strcmp (list[i].uuid, uuid))
        old = list[i].size;
    }
  xfree (list);
  if (!cur && v->limits.max_vscs && n >= v->limits.max_vscs)
    {
      errctx_set ("this vault holds %zu VSCs, "
                "the limit is %" PRIu64, n, v->limits.max_vscs);
      return gpg_error (GPG_ERR_LIMIT_REACHED);
    }
  if (v->limits.max_bytes && len > old
      && bytes - old + len > v->limits.max_bytes)
    {
      errctx_set ("this vault holds %" PRIu64
                " bytes, the limit is %" PRIu64, bytes, v->limits.max_bytes);
      return gpg_error (GPG_ERR_LIMIT_REACHED);
    }
  return 0;
}

/* The vault-wide lock for changes that move the totals the limits count
 * (taken before any UUID's lock): an flock of the vault directory itself,
 * on a descriptor of our own (flock is per open file, and processes
 * forked with this vault open share the vault's descriptor), so that no
 * file is needed for it. */
static gpg_error_t
vault_dir_lock_limits (vault_t *v, int *r_fd)
{
  int fd = openat (VAULT_DIR (v)->dfd, ".",
                   O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gpg_error_t err;

  if (fd < 0)
    return gpg_error_from_syserror ();
  err = vault_dir_flock (fd);
  if (!err)
    *r_fd = fd;
  return err;
}

static gpg_error_t
vault_dir_store (vault_t *v, const char *op, const char *uuid,
                 uint64_t expect, const void *data, size_t len,
                 uint64_t *r_gen)
{
  gpg_error_t err, aerr;
  char tmp[PROTO_UUID_LEN + 32], name[96];
  uint64_t cur = 0;
  int lockfd = -1, limfd = -1;
  bool stored = false;

  if ((v->limits.max_vscs && !expect) || v->limits.max_bytes)
    {
      err = vault_dir_lock_limits (v, &limfd);
      if (err)
        goto leave;
    }
  /* An update needs the UUID's lock file to exist already, so that
   * requests about UUIDs that do not exist leave no files behind. */
  err = vault_dir_lock_current (v, uuid, !expect, &lockfd, &cur);
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
  if (limfd >= 0)
    {
      err = vault_dir_check_limits (v, uuid, cur, len);
      if (err)
        goto leave;
    }
  err = vault_dir_write_temp (v, uuid, data, len, tmp, sizeof tmp);
  if (err)
    goto leave;
  vault_dir_write_who (v, uuid, cur + 1);
  vault_dir_name (name, sizeof name, uuid, cur + 1);
  if (renameat (VAULT_DIR (v)->dfd, tmp, VAULT_DIR (v)->dfd, name))
    {
      err = gpg_error_from_syserror ();
      unlinkat (VAULT_DIR (v)->dfd, tmp, 0);
      goto leave;
    }
  stored = true;
  err = vault_dir_sync_dir (v);
  if (err)
    goto leave;
  *r_gen = cur + 1;
  /* The new generation is in place; the oldest kept ones drop out. */
  err = vault_dir_cleanup (v, uuid, cur + 1 >= v->keep ? cur + 2 - v->keep : 1,
                           cur + 1);

 leave:
  aerr = vault_dir_audit_op (v, op, uuid, stored ? cur + 1 : expect, err);
  if (lockfd >= 0)
    {
      if (err && !stored && !expect)
        vault_dir_drop_lock (v, uuid);
      close (lockfd);
    }
  if (limfd >= 0)
    close (limfd);
  return err ? err : aerr;
}

static gpg_error_t
vault_dir_delete (vault_t *v, const char *uuid, uint64_t expect)
{
  gpg_error_t err, aerr;
  char name[96];
  uint64_t cur = 0;
  int lockfd = -1;

  /* No lock file is made for a UUID that does not exist. */
  err = vault_dir_lock_current (v, uuid, false, &lockfd, &cur);
  if (err)
    goto leave;
  if (!cur)
    {
      vault_dir_drop_lock (v, uuid);   /* left by an older vscd */
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
  err = vault_dir_cleanup (v, uuid, cur, cur);
  if (err)
    goto leave;
  vault_dir_name (name, sizeof name, uuid, cur);
  if (unlinkat (VAULT_DIR (v)->dfd, name, 0))
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  vault_dir_who_name (name, sizeof name, uuid, cur);
  unlinkat (VAULT_DIR (v)->dfd, name, 0);
  snprintf (name, sizeof name, ".%s.lock", uuid);
  unlinkat (VAULT_DIR (v)->dfd, name, 0);
  err = vault_dir_sync_dir (v);

 leave:
  aerr = vault_dir_audit_op (v, "delete", uuid, expect ? expect : cur, err);
  if (lockfd >= 0)
    close (lockfd);
  return err ? err : aerr;
}

/* Read who stored generation GEN into E (empty if unknown). */
static void
vault_dir_read_who (vault_t *v, const char *uuid, uint64_t gen,
                    proto_version_t *e)
{
  char name[96], line[2 * VAULT_NAME_MAX + 4], *tab, *nl;
  ssize_t n;
  int fd;

  vault_dir_who_name (name, sizeof name, uuid, gen);
  fd = openat (VAULT_DIR (v)->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return;
  n = read (fd, line, sizeof line - 1);
  close (fd);
  if (n <= 0)
    return;
  line[n] = 0;
  tab = strchr (line, '\t');
  nl = strchr (line, '\n');
  if (!tab || !nl || nl < tab)
    return;
  *tab = *nl = 0;
  memcpy (e->by, line, strnlen (line, sizeof e->by - 1));
  memcpy (e->from, tab + 1, strnlen (tab + 1, sizeof e->from - 1));
}

static gpg_error_t
vault_dir_history (vault_t *v, const char *uuid, proto_version_t **r_list,
                   size_t *r_n)
{
  gpg_error_t err;
  proto_entry_t *gens = NULL;
  proto_version_t *list = NULL, *e;
  size_t n = 0, i, j;

  err = vault_dir_read_gens (v, uuid, false, &gens, &n);
  if (!err && !(list = xtrycalloc (n ? n : 1, sizeof *list)))
    err = gpg_error_from_syserror ();
  if (err)
    goto leave;
  /* Newest first; sizes, times, authors. A generation that went away
   * meanwhile (a put pruned it) is dropped. */
  if (n > 1)
    qsort (gens, n, sizeof *gens, vault_dir_cmp_newest);
  for (i = j = 0; i < n; i++)
    {
      e = &list[j];
      e->gen = gens[i].gen;
      if (!vault_dir_stat_gen (v, uuid, e->gen, &e->size, &e->mtime))
        continue;
      vault_dir_read_who (v, uuid, e->gen, e);
      j++;
    }
  if (!j)
    err = gpg_error (GPG_ERR_NOT_FOUND);
  else
    {
      *r_list = list;
      *r_n = j;
      list = NULL;
    }

 leave:
  xfree (gens);
  xfree (list);
  return err;
}

/* The audit file: the one vault_set_audit_fd gave, else ".audit" in the
 * vault, opened for appending on first use. */
static gpg_error_t
vault_dir_audit_fd (vault_t *v, int *r_fd)
{
  vault_dir_t *d = VAULT_DIR (v);

  if (v->audit_fd >= 0)
    {
      *r_fd = v->audit_fd;
      return 0;
    }
  if (d->audit_fd < 0)
    {
      d->audit_fd = openat (d->dfd, VAULT_DIR_AUDIT_NAME,
                            O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW
                            | O_CLOEXEC, 0600);
      if (d->audit_fd < 0)
        {
          gpg_error_t err = gpg_error_from_syserror ();
          errctx_set ("cannot open the audit file: %s", gpg_strerror (err));
          return err;
        }
    }
  *r_fd = d->audit_fd;
  return 0;
}

static gpg_error_t
vault_dir_audit (vault_t *v, const vault_audit_rec_t *rec)
{
  gpg_error_t err;
  int fd = -1;

  err = vault_dir_audit_fd (v, &fd);
  if (!err)
    err = vault_dir_audit_append (fd, rec);
  if (err)
    log_error ("cannot write the audit record of %s %s: %s", rec->op,
               rec->uuid, gpg_strerror (err));
  return err;
}

/* The record of one of our own operations. */
static gpg_error_t
vault_dir_audit_op (vault_t *v, const char *op, const char *uuid,
                    uint64_t gen, gpg_error_t err)
{
  vault_audit_rec_t rec;
  vault_audit_fill (v, &rec, op, uuid, gen, err, "");
  return vault_dir_audit (v, &rec);
}

static gpg_error_t
vault_dir_audit_read (vault_t *v, const vault_audit_query_t *q,
                      vault_audit_fn fn, void *ctx)
{
  gpg_error_t err;
  unsigned bad = 0;
  int fd;

  fd = openat (VAULT_DIR (v)->dfd, VAULT_DIR_AUDIT_NAME,
               O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT)
    return 0;   /* nothing happened yet */
  if (fd < 0)
    return gpg_error_from_syserror ();
  err = vault_dir_audit_read_fd (fd, q, fn, ctx, &bad);
  close (fd);
  if (bad)
    log_error ("%u lines of the audit file are not audit records", bad);
  return err;
}

/* Requests in flight: flock(2) on one of max_inflight slot files; the
 * lock goes with the process when it dies. */
static gpg_error_t
vault_dir_request_begin (vault_t *v)
{
  vault_dir_t *d = VAULT_DIR (v);
  char name[32];
  unsigned i;
  int fd;

  for (i = 0; i < v->limits.max_inflight && i < 65536; i++)
    {
      snprintf (name, sizeof name, ".slot-%u", i);
      fd = openat (d->dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                   0600);
      if (fd < 0)
        return gpg_error_from_syserror ();
      if (!flock (fd, LOCK_EX | LOCK_NB))
        {
          d->slot_fd = fd;
          return 0;
        }
      close (fd);
      if (errno != EWOULDBLOCK && errno != EINTR)
        return gpg_error_from_syserror ();
    }
  return gpg_error (GPG_ERR_LIMIT_REACHED);
}

static void
vault_dir_request_end (vault_t *v)
{
  vault_dir_t *d = VAULT_DIR (v);
  if (d->slot_fd >= 0)
    close (d->slot_fd);
  d->slot_fd = -1;
}

/* A directory that opened is ready. */
static gpg_error_t
vault_dir_check (vault_t *v)
{
  (void)v;
  return 0;
}

const vault_ops_t vault_dir_ops = {
  "directory",
  vault_dir_open,
  vault_dir_close,
  vault_dir_check,
  vault_dir_list,
  vault_dir_stat,
  vault_dir_get,
  vault_dir_store,
  vault_dir_delete,
  vault_dir_history,
  vault_dir_audit,
  vault_dir_audit_read,
  vault_dir_request_begin,
  vault_dir_request_end
};
