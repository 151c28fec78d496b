/* cmd-rm.c - vsctool rm: remove a node (and its subtree) from a VSC */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (rm, "rm", "FILE PATH",
             N_("remove node PATH and everything below it from a VSC"),
             CLI_CMD_PW, 2, 2);

static int
cmd_rm_exec (cli_ctx_t *c)
{
  const char *file = c->argv[0], *path = c->argv[1];
  scapi_vsc_t *vsc = NULL;
  int rc;

  rc = cli_vsc_open (c, file, true, &vsc);
  if (rc)
    return rc;
  if (!cli_vsc_node (vsc, file, path, false))
    rc = CLI_EXIT_FAIL;
  else
    {
      gpg_error_t err = scapi_vsc_rm (vsc, path);
      rc = err ? cli_vsc_fail (err, file) : cli_vsc_save (vsc, file);
    }
  scapi_vsc_close (vsc);
  return rc;
}
