/* slots.c - a counting semaphore of record locks (see slots.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>

#include "slots.h"
#include "common/util.h"

#define SLOTS_MAX 1024

struct slots {
  int fd;
  unsigned n;
};

/* Byte ranges: slot i is byte i; owner o's own byte is SLOTS_MAX + o. */
static gpg_error_t
slots_lock (int fd, short type, off_t at, bool wait)
{
  struct flock fl;

  memset (&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = at;
  fl.l_len = 1;
  while (fcntl (fd, wait ? F_SETLKW : F_SETLK, &fl))
    {
      if (errno == EINTR && wait)
        continue;
      return gpg_error_from_syserror ();
    }
  return 0;
}

static gpg_error_t
slots_make (int fd, unsigned n, slots_t **r_slots)
{
  slots_t *s;

  if (fd < 0)
    return gpg_error_from_syserror ();
  s = xtrycalloc (1, sizeof *s);
  if (!s)
    {
      gpg_error_t err = gpg_error_from_syserror ();
      close (fd);
      return err;
    }
  s->fd = fd;
  s->n = n;
  *r_slots = s;
  return 0;
}

gpg_error_t
slots_new_anon (unsigned n, slots_t **r_slots)
{
  *r_slots = NULL;
  if (!n || n > SLOTS_MAX)
    return gpg_error (GPG_ERR_INV_ARG);
  return slots_make (memfd_create ("vscd-slots", MFD_CLOEXEC), n, r_slots);
}

gpg_error_t
slots_open (const char *path, unsigned n, slots_t **r_slots)
{
  *r_slots = NULL;
  if (!n || n > SLOTS_MAX)
    return gpg_error (GPG_ERR_INV_ARG);
  return slots_make (open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                           0600), n, r_slots);
}

void
slots_free (slots_t *s)
{
  if (!s)
    return;
  close (s->fd);
  xfree (s);
}

gpg_error_t
slots_acquire (slots_t *s, unsigned long owner, int *r_slot)
{
  gpg_error_t err;
  unsigned i;

  *r_slot = -1;
  /* The owner's own byte first: one slot per owner at a time. */
  err = slots_lock (s->fd, F_WRLCK, (off_t)SLOTS_MAX + (off_t)owner, true);
  if (err)
    return err;
  for (;;)
    {
      for (i = 0; i < s->n; i++)
        if (!slots_lock (s->fd, F_WRLCK, (off_t)i, false))
          {
            *r_slot = (int)i;
            return 0;
          }
      /* All taken: wait for one (which one frees first is unknown; any
       * is as good as another). */
      i = (unsigned)getpid () % s->n;
      err = slots_lock (s->fd, F_WRLCK, (off_t)i, true);
      if (!err)
        {
          *r_slot = (int)i;
          return 0;
        }
      if (gpg_err_code (err) != GPG_ERR_EDEADLK)
        break;
    }
  slots_lock (s->fd, F_UNLCK, (off_t)SLOTS_MAX + (off_t)owner, false);
  return err;
}

void
slots_release (slots_t *s, unsigned long owner, int slot)
{
  if (slot >= 0)
    slots_lock (s->fd, F_UNLCK, (off_t)slot, false);
  slots_lock (s->fd, F_UNLCK, (off_t)SLOTS_MAX + (off_t)owner, false);
}
