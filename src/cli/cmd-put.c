/* cmd-put.c - vsctool put: add or replace a node's content in a VSC */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_put_run (int argc, char **argv);

const cli_cmd_t cli_cmd_put = {
  "put",
  "[--area public|private|secret-key] [--type TYPE] "
  "[--password-file F|--password-fd N] FILE PATH SRCFILE",
  N_("store the bytes of SRCFILE ('-' = stdin) as node PATH"),
  cmd_put_run
};

static int
cmd_put_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_HELP,
    { "area", 1, NULL, 'A' }, { "type", 1, NULL, 'T' }, { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_t *vsc = NULL;
  const char *file, *path, *src;
  image_node_t *node;
  unsigned char *data = NULL;
  size_t len = 0;
  int area = -1, type = -1;
  gpg_error_t err;
  int c, rc;

  cli_vsc_opts_init (&o);
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    {
      int r = cli_vsc_option (&o, c, optarg);
      if (r > 0)
        continue;
      if (r < 0)
        return CLI_EXIT_USAGE;
      if (c == 'A')
        {
          area = image_area_parse (optarg);
          if (area < 0)
            {
              cli_msg (_("unknown area '%s' (public, private, secret-key)"), optarg);
              return CLI_EXIT_USAGE;
            }
        }
      else if (c == 'T')
        {
          type = image_type_parse (optarg);
          if (type < 0 || type == IMAGE_NODE_MF || type == IMAGE_NODE_APPLET)
            {
              cli_msg (_("unsupported node type '%s'"), optarg);
              return CLI_EXIT_USAGE;
            }
        }
      else if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_put.name, cli_cmd_put.args);
          return CLI_EXIT_OK;
        }
      else
        return cli_usage (&cli_cmd_put);
    }
  if (optind + 3 != argc)
    return cli_usage (&cli_cmd_put);
  file = argv[optind];
  path = argv[optind + 1];
  src = argv[optind + 2];

  err = cli_vsc_read_file (src, &data, &len);
  if (err)
    {
      cli_error (err, _("cannot read '%s'"), src);
      return CLI_EXIT_FAIL;
    }
  rc = cli_vsc_open (&o, file, true, &vsc);
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
  if (!err)
    {
      node->flags &= ~(IMAGE_FLAG_TRUNCATED | IMAGE_FLAG_UNREADABLE);
      node->sw = 0;
      err = vsc_save (vsc);
    }
  if (err)
    rc = cli_vsc_fail (err, file);

 leave:
  if (data)
    wipememory (data, len);
  xfree (data);
  vsc_close (vsc);
  return rc;
}
