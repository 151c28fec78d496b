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
  vsc_t *vsc = NULL;
  image_node_t *node;
  int rc;

  rc = cli_vsc_open (c, file, true, &vsc);
  if (rc)
    return rc;
  if (!(node = cli_vsc_node (vsc, file, path, false)))
    rc = CLI_EXIT_FAIL;
  else
    {
      image_node_remove (node);
      rc = cli_vsc_save (vsc, file);
    }
  vsc_close (vsc);
  return rc;
}
