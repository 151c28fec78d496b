/* server-uid.c - vscd: become the client's uid for a per-uid vault
 *
 * A vscd that serves per-uid vaults (--socket, --inetd) either runs as
 * root, or as a service account given only CAP_SETUID, CAP_SETGID and
 * CAP_CHOWN (the packaged vscd@.service runs as the "vscd" user that
 * way).  Changing from root to another uid clears every capability in the
 * kernel; changing from one ordinary uid to another does not, so after the
 * switch the capabilities are cleared here explicitly and the result is
 * checked before any client request is read. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <grp.h>
#include <sys/syscall.h>
#include <sys/prctl.h>
#include <linux/capability.h>

#include "server-uid.h"

/* capget/capset with the 64-bit (version 3) layout: two 32-bit words. */
static int
server_uid_capget (struct __user_cap_data_struct data[2])
{
  struct __user_cap_header_struct hdr;
  memset (&hdr, 0, sizeof hdr);
  memset (data, 0, 2 * sizeof *data);
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  hdr.pid = 0;
  return (int)syscall (SYS_capget, &hdr, data);
}

static bool
server_uid_cap_effective (struct __user_cap_data_struct data[2], int cap)
{
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

bool
server_uid_can_switch (void)
{
  struct __user_cap_data_struct data[2];

  if (geteuid () == 0)
    return true;
  if (server_uid_capget (data))
    return false;
  return server_uid_cap_effective (data, CAP_SETUID)
         && server_uid_cap_effective (data, CAP_SETGID);
}

gpg_error_t
server_uid_become (uid_t uid, gid_t gid)
{
  struct __user_cap_header_struct hdr;
  struct __user_cap_data_struct data[2];
  int i;

  if (setgroups (0, NULL) || setgid (gid) || setuid (uid))
    return gpg_error_from_syserror ();
  /* Nothing of the service's privileges may survive into the
   * conversation: ambient, effective, permitted and inheritable sets. */
#ifdef PR_CAP_AMBIENT
  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
      && errno != EINVAL)
    return gpg_error_from_syserror ();
#endif
  memset (&hdr, 0, sizeof hdr);
  memset (data, 0, sizeof data);
  hdr.version = _LINUX_CAPABILITY_VERSION_3;
  if (syscall (SYS_capset, &hdr, data))
    return gpg_error_from_syserror ();
  if (server_uid_capget (data))
    return gpg_error_from_syserror ();
  for (i = 0; i < 2; i++)
    if (data[i].effective || data[i].permitted || data[i].inheritable)
      return gpg_error (GPG_ERR_EPERM);
  if (getuid () != uid || geteuid () != uid || getgid () != gid
      || getegid () != gid)
    return gpg_error (GPG_ERR_EPERM);
  /* The way back must be closed. */
  if (uid != 0 && setuid (0) == 0)
    return gpg_error (GPG_ERR_EPERM);
  return 0;
}
