/* cmd-cat.c - vsctool cat: write a node's content to stdout */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (cat, "cat", "FILE PATH",
             N_("write a node's content (raw bytes) to stdout"),
             CLI_CMD_PW, 2, 2);

static int
cmd_cat_write (const unsigned char *p, size_t n)
{
  gpg_error_t err = util_write_all (1, p, n);

  if (err)
    {
      cli_error (err, _("writing to stdout"));
      return CLI_EXIT_FAIL;
    }
  return CLI_EXIT_OK;
}

static int
cmd_cat_exec (cli_ctx_t *c)
{
  const char *file = c->argv[0], *path = c->argv[1];
  scapi_vsc_t *vsc = NULL;
  const image_node_t *node;
  int rc;

  /* Public nodes need no password (unless one is configured, then the
   * file is verified); private and secret-key nodes do. */
  rc = cli_vsc_open (c, file, cli_have_pwsrc (c), &vsc);
  if (rc)
    return rc;
  node = image_find_path (scapi_vsc_image (vsc), path);
  if (!node && !scapi_vsc_unlocked (vsc))
    {
      scapi_vsc_close (vsc);
      rc = cli_vsc_open (c, file, true, &vsc);
      if (rc)
        return rc;
    }
  if (!node && !(node = cli_vsc_node (vsc, file, path, false)))
    {
      rc = CLI_EXIT_FAIL;
      goto leave;
    }
  if (!node->has_content)
    {
      cli_msg (_("%s: node '%s' has no content%s"), file, path,
               node->flags & IMAGE_FLAG_NOT_EXTRACTABLE
               ? _(" (key not extractable: regenerate or re-import)")
               : node->flags & IMAGE_FLAG_UNREADABLE
               ? _(" (it could not be read from the card)") : "");
      rc = CLI_EXIT_FAIL;
      goto leave;
    }
  if (!scapi_vsc_unlocked (vsc))
    fprintf (stderr, _("vsctool: %s: public content, not verified (give the "
                       "password to verify)\n"), file);
  rc = cmd_cat_write (node->content, node->content_len);

 leave:
  scapi_vsc_close (vsc);
  return rc;
}
