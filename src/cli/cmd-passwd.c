/* cmd-passwd.c - vsctool passwd: change a VSC's password (fresh key) */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (passwd, "passwd", "FILE",
             N_("change a VSC's password (generated unless given); "
                "re-encrypts all"),
             CLI_CMD_PW | CLI_CMD_JSON | CLI_CMD_KDF, 1, 1,
             { "new-password-file=F", N_("the new password from the first "
                                         "line of F (default: generated)") },
             { "new-password-fd=N", N_("the new password from file descriptor "
                                       "N") });

static int
cmd_passwd_exec (cli_ctx_t *c)
{
  const char *file = c->argv[0];
  unsigned long newfd = (unsigned long) -1;
  cli_vsc_newpw_t np;
  scapi_vsc_t *vsc = NULL;
  gpg_error_t err;
  int rc;

  rc = cli_get_ulong (c, "new-password-fd", 0, 1000000, &newfd);
  if (rc > 1)
    return rc;
  rc = cli_vsc_newpw_get (c, cli_get (c, "new-password-file"),
                          cli_has (c, "new-password-fd") ? (int) newfd : -1,
                          true, &np);
  if (rc)
    return rc;
  rc = cli_vsc_open (c, file, true, &vsc);
  if (rc)
    goto leave;
  err = scapi_vsc_passwd (vsc, np.pw, &np.kdf, np.pw ? NULL : &np.genpw);
  if (err)
    {
      rc = cli_vsc_fail (err, file);
      goto leave;
    }
  if (!c->json)
    printf (_("Password of %s changed.\n"), file);
  cli_vsc_print_password (c, file, vsc, np.genpw, true);

 leave:
  cli_vsc_newpw_release (&np);
  scapi_vsc_close (vsc);
  return rc;
}
