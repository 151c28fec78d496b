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
  vsc_t *vsc = NULL;
  image_node_t *node;
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
  node = image_find_path (vsc_image (vsc), path);
  if (!node)
    {
      image_type_t t = type > 0 ? (image_type_t)type
                       : !strncmp (strrchr (path, '/') ? strrchr (path, '/') + 1
                                   : path, "key-", 4)
                       ? IMAGE_NODE_KEY : IMAGE_NODE_EF_TRANSPARENT;
      err = image_make_path (vsc_image (vsc), path, t, IMAGE_SRC_USER, &node);
      if (err)
        {
          cli_error (err, _("%s: cannot create node '%s'"), file, path);
          rc = CLI_EXIT_USAGE;
          goto leave;
        }
    }
  else if (type > 0 && node->type != (image_type_t)type)
    {
      cli_msg (_("%s: node '%s' exists with type %s"), file, path,
               image_type_name (node->type));
      rc = CLI_EXIT_CONFLICT;
      goto leave;
    }
  if (area >= 0)
    node->area = (image_area_t)area;
  if (image_node_effective_area (node) != node->area && area >= 0)
    fprintf (stderr, _("vsctool: note: '%s' is stored in the %s area "
                       "(inherited from a parent node)\n"), path,
             image_area_name (image_node_effective_area (node)));
  node->size = 0;
  err = len ? image_node_set_content (node, data, len)
            : image_node_set_empty (node);
  node->flags &= ~(IMAGE_FLAG_TRUNCATED | IMAGE_FLAG_UNREADABLE);
  node->sw = 0;
  rc = err ? cli_vsc_fail (err, file) : cli_vsc_save (vsc, file);

 leave:
  if (data)
    wipememory (data, len);
  xfree (data);
  vsc_close (vsc);
  return rc;
}
