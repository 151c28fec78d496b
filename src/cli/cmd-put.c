/* cmd-put.c - vsctool put: add or replace a node's content in a VSC */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (put, "put", "FILE PATH SRCFILE",
             N_("store the bytes of SRCFILE ('-' = stdin) as node PATH"),
             CLI_CMD_PW, 3, 3,
             { "area=public|private|secret-key", N_("the area the node is "
                                                    "stored in (default: "
                                                    "public, or inherited)") },
             { "type=TYPE", N_("node type of a new node (default: from the "
                               "path)") });

static int
cmd_put_exec (cli_ctx_t *c)
{
  const char *file = c->argv[0], *path = c->argv[1], *src = c->argv[2];
  const char *opt;
  scapi_vsc_t *vsc = NULL;
  const image_node_t *node;
  unsigned char *data = NULL;
  size_t len = 0;
  int area = -1, type = -1;
  gpg_error_t err;
  int rc;

  if ((opt = cli_get (c, "area")))
    {
      area = image_area_parse (opt);
      if (area < 0)
        {
          cli_msg (_("unknown area '%s' (public, private, secret-key)"), opt);
          return CLI_EXIT_USAGE;
        }
    }
  if ((opt = cli_get (c, "type")))
    {
      type = image_type_parse (opt);
      if (type < 0 || type == IMAGE_NODE_MF || type == IMAGE_NODE_APPLET)
        {
          cli_msg (_("unsupported node type '%s'"), opt);
          return CLI_EXIT_USAGE;
        }
    }

  err = cli_vsc_read_file (src, &data, &len);
  if (err)
    {
      cli_error (err, _("cannot read '%s'"), src);
      return CLI_EXIT_FAIL;
    }
  rc = cli_vsc_open (c, file, true, &vsc);
  if (rc)
    goto leave;
  /* The facade makes the node (type from the path or --type), sets the
   * content and area and clears what the card had said of the node,
   * exactly as the manager's "add node" does. */
  err = scapi_vsc_put (vsc, path, data, len, area, type);
  if (err)
    {
      rc = cli_vsc_fail (err, file);
      if (gpg_err_code (err) != GPG_ERR_CONFLICT
          && gpg_err_code (err) != GPG_ERR_ENOMEM)
        rc = CLI_EXIT_USAGE;      /* a path or type that cannot be */
      goto leave;
    }
  node = image_find_path (scapi_vsc_image (vsc), path);
  if (area >= 0 && node && image_node_effective_area (node) != node->area)
    fprintf (stderr, _("vsctool: note: '%s' is stored in the %s area "
                       "(inherited from a parent node)\n"), path,
             image_area_name (image_node_effective_area (node)));
  rc = cli_vsc_save (vsc, file);

 leave:
  if (data)
    wipememory (data, len);
  xfree (data);
  scapi_vsc_close (vsc);
  return rc;
}
