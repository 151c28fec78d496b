/* vsc-store.c - reading VSC files and saving them atomically
 *
 * Save = write NAME.tmp-XXXXXX (mode 0600) in the same directory, fsync,
 * then rename over NAME (or link() for a new file, which refuses an
 * existing NAME), fsync the directory. A crash leaves the old or the new
 * file, plus at worst a temp file, which the next save of the same VSC
 * removes (under the lock, so no other writer can own it). Replacing an
 * existing file is done under an flock on it and only if it still holds
 * the UUID and generation that were opened. */
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
#include <libgen.h>
#include <sys/stat.h>
#include <sys/file.h>

#include "vsc-internal.h"
#include "common/util.h"
#include "common/errctx.h"
#include "common/i18n.h"

/* Open PATH for reading. O_NONBLOCK, so that a FIFO without a writer
 * or a device cannot make us hang in open(2); then anything that is not
 * a regular file is refused, and the fd is made blocking again. */
static gpg_error_t
vsc_store_open_regular (const char *path, int *r_fd, struct stat *st)
{
  gpg_error_t err;
  int fd, fl;

  *r_fd = -1;
  fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return gpg_error_from_syserror ();
  if (fstat (fd, st))
    {
      err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  if (!S_ISREG (st->st_mode))
    {
      close (fd);
      return vsc_fail_plain (gpg_error (GPG_ERR_INV_OBJ),
                             S_ISDIR (st->st_mode)
                             ? _("a directory, not a VSC file")
                             : _("not a regular file (a FIFO, socket or "
                                 "device is never a VSC)"));
    }
  fl = fcntl (fd, F_GETFL);
  if (fl < 0 || fcntl (fd, F_SETFL, fl & ~O_NONBLOCK))
    {
      err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  *r_fd = fd;
  return 0;
}

gpg_error_t
vsc_store_read (const char *path, uint8_t **r_data, size_t *r_len)
{
  gpg_error_t err = 0;
  int fd;
  struct stat st;
  uint8_t *data = NULL;
  size_t off = 0;

  *r_data = NULL;
  *r_len = 0;
  err = vsc_store_open_regular (path, &fd, &st);
  if (err)
    return err;
  if ((uint64_t)st.st_size > VSC_MAX_FILE)
    {
      err = gpg_error (GPG_ERR_TOO_LARGE);
      goto leave;
    }
  data = xtrymalloc (st.st_size ? (size_t)st.st_size : 1);
  if (!data)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  /* A file that shrank while reading: parse what we got (it fails). */
  err = util_read_full (fd, data, (size_t)st.st_size, &off);
  if (err)
    goto leave;
  *r_data = data;
  *r_len = off;
  data = NULL;

 leave:
  xfree (data);
  close (fd);
  return err;
}

/* Split PATH into a directory (malloced) and the base name pointer. */
static gpg_error_t
split_path (const char *path, char **r_dir, const char **r_base)
{
  const char *slash = strrchr (path, '/');
  char *dir;

  if (!slash)
    {
      dir = xtrystrdup (".");
      *r_base = path;
    }
  else
    {
      size_t n = slash == path ? 1 : (size_t)(slash - path);
      dir = xtrystrndup (path, n);
      *r_base = slash + 1;
    }
  if (!dir)
    return gpg_error_from_syserror ();
  if (!**r_base)
    {
      xfree (dir);
      return gpg_error (GPG_ERR_INV_NAME);
    }
  *r_dir = dir;
  return 0;
}

static void
fsync_dir (const char *dir)
{
  int fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

/* Remove BASE.tmp-XXXXXX files in DIR (stale: we hold the lock). */
static void
remove_stale (const char *dir, const char *base, const char *mine)
{
  DIR *d = opendir (dir);
  struct dirent *e;
  size_t bl = strlen (base);

  if (!d)
    return;
  while ((e = readdir (d)))
    {
      const char *n = e->d_name;
      char *full;
      if (strncmp (n, base, bl) || strncmp (n + bl, ".tmp-", 5)
          || strlen (n + bl + 5) != 6 || (mine && !strcmp (n, mine)))
        continue;
      full = xtrymalloc (strlen (dir) + strlen (n) + 2);
      if (!full)
        break;
      sprintf (full, "%s/%s", dir, n);
      unlink (full);
      xfree (full);
    }
  closedir (d);
}

/* Lock the existing file at PATH: returns an fd with LOCK_EX held that is
 * still the file PATH names. */
static gpg_error_t
lock_existing (const char *path, int *r_fd)
{
  gpg_error_t err;
  int fd, tries;
  struct stat a, b;

  for (tries = 0; tries < 100; tries++)
    {
      err = vsc_store_open_regular (path, &fd, &a);
      if (err)
        return err;
      if (flock (fd, LOCK_EX))
        {
          err = gpg_error_from_syserror ();
          close (fd);
          return err;
        }
      if (!fstat (fd, &a) && !stat (path, &b)
          && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        {
          *r_fd = fd;
          return 0;
        }
      close (fd);   /* replaced meanwhile: lock the new one */
    }
  return gpg_error (GPG_ERR_CONFLICT);
}

gpg_error_t
vsc_store_write (const char *path, const uint8_t *data, size_t n,
                 const uint8_t *expect_uuid, uint64_t expect_gen)
{
  gpg_error_t err;
  char *dir = NULL, *tmp = NULL, *real = NULL;
  const char *base;
  int fd = -1, lockfd = -1;
  bool tmp_exists = false;
  struct stat lst;

  /* A VSC reached through a symbolic link is replaced where it is: the
   * new file is written in the target's directory and renamed over the
   * target, so the link stays and keeps pointing at the current VSC
   * (renaming over PATH would replace the link with a file and leave
   * the target as it was, old password and all). */
  if (expect_uuid && !lstat (path, &lst) && S_ISLNK (lst.st_mode))
    {
      real = realpath (path, NULL);
      if (!real)
        {
          err = gpg_error_from_syserror ();
          if (gpg_err_code (err) == GPG_ERR_ENOENT)
            err = vsc_fail_plain (gpg_error (GPG_ERR_CONFLICT),
                                  _("the symbolic link no longer points "
                                    "to the VSC that was opened"));
          return err;
        }
      path = real;
    }
  err = split_path (path, &dir, &base);
  if (err)
    {
      free (real);
      return err;
    }

  if (expect_uuid)
    {
      uint8_t *cur = NULL;
      size_t curlen;
      uint8_t uuid[VSC_UUID_LEN];
      uint64_t gen;

      err = lock_existing (path, &lockfd);
      if (gpg_err_code (err) == GPG_ERR_ENOENT)
        err = vsc_fail (gpg_error (GPG_ERR_CONFLICT), VSC_AREA_HEADER,
                        _("the VSC file was removed since it was opened"));
      if (err)
        goto leave;
      err = vsc_store_read (path, &cur, &curlen);
      if (!err)
        err = vsc_file_peek (cur, curlen, uuid, &gen);
      xfree (cur);
      if (err || memcmp (uuid, expect_uuid, VSC_UUID_LEN)
          || gen != expect_gen)
        {
          errctx_clear ();   /* a parse error of the other file */
          err = vsc_fail (gpg_error (GPG_ERR_CONFLICT), VSC_AREA_HEADER,
                          _("the VSC file was changed since it was opened"));
          goto leave;
        }
    }
  else if (!lstat (path, &lst))   /* also a dangling symlink */
    {
      err = vsc_fail (gpg_error (GPG_ERR_EEXIST), VSC_AREA_HEADER,
                      _("file exists"));
      goto leave;
    }

  tmp = xtrymalloc (strlen (path) + 12);
  if (!tmp)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  sprintf (tmp, "%s.tmp-XXXXXX", path);
  fd = mkstemp (tmp);   /* mode 0600 */
  if (fd < 0)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  tmp_exists = true;
  if (fchmod (fd, 0600) || (err = util_write_all (fd, data, n)))
    {
      if (!err)
        err = gpg_error_from_syserror ();
      goto leave;
    }
  if (fsync (fd) || close (fd))
    {
      fd = -1;
      err = gpg_error_from_syserror ();
      goto leave;
    }
  fd = -1;

  if (expect_uuid)
    {
      if (rename (tmp, path))
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      tmp_exists = false;
      remove_stale (dir, base, NULL);
    }
  else
    {
      /* link() refuses to replace a file that appeared meanwhile. */
      int lr = link (tmp, path);
      if (lr && (errno == EPERM || errno == ENOTSUP || errno == ENOSYS)
          && access (path, F_OK))
        lr = rename (tmp, path);   /* file system without hard links */
      if (lr)
        {
          err = gpg_error_from_syserror ();
          if (gpg_err_code (err) == GPG_ERR_EEXIST)
            err = vsc_fail (err, VSC_AREA_HEADER, _("file exists"));
          goto leave;
        }
      unlink (tmp);
      tmp_exists = false;
    }
  fsync_dir (dir);

 leave:
  if (fd >= 0)
    close (fd);
  if (tmp_exists)
    unlink (tmp);
  if (lockfd >= 0)
    close (lockfd);
  xfree (tmp);
  xfree (dir);
  free (real);
  return err;
}
