/* cmd-create.c - vsctool create: a new, empty VSC file */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (create, "create", "FILE",
             N_("create an empty VSC; prints its UUID and a generated "
                "password once"),
             CLI_CMD_PW | CLI_CMD_JSON | CLI_CMD_KDF, 1, 1,
             { "label=TEXT", N_("a label for the VSC") });

static int
cmd_create_exec (cli_ctx_t *c)
{
  const char *label = cli_get (c, "label"), *path = c->argv[0];
  cli_vsc_newpw_t np;
  scapi_vsc_t *vsc = NULL;
  gpg_error_t err;
  int rc;

  /* A password is taken from --password-file/--password-fd only;
   * otherwise a strong one is generated. */
  rc = cli_vsc_newpw_get (c, c->pw.file, c->pw.fd, false, &np);
  if (rc)
    return rc;
  err = scapi_vsc_create (path, np.pw, NULL, &np.kdf, &vsc,
                          np.pw ? NULL : &np.genpw);
  if (!err && label)
    err = image_set_label (scapi_vsc_edit (vsc), label);
  rc = err ? cli_vsc_fail (err, path) : cli_vsc_save (vsc, path);
  if (rc)
    goto leave;
  if (!c->json)
    {
      printf (_("Created %s\n"), path);
      printf (_("UUID:     %s\n"), scapi_vsc_uuid (vsc));
    }
  cli_vsc_print_password (c, path, vsc, np.genpw, false);

 leave:
  cli_vsc_newpw_release (&np);
  scapi_vsc_close (vsc);
  return rc;
}
