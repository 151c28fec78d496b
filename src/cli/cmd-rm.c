/* cmd-rm.c - vsctool rm: remove a node (and its subtree) from a VSC */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_rm_run (int argc, char **argv);

const cli_cmd_t cli_cmd_rm = {
  "rm",
  "[--password-file F|--password-fd N] FILE PATH",
  N_("remove node PATH and everything below it from a VSC"),
  cmd_rm_run
};

static int
cmd_rm_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_HELP, { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_t *vsc = NULL;
  const char *file, *path;
  image_node_t *node;
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
      if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_rm.name, cli_cmd_rm.args);
          return CLI_EXIT_OK;
        }
      return cli_usage (&cli_cmd_rm);
    }
  if (optind + 2 != argc)
    return cli_usage (&cli_cmd_rm);
  file = argv[optind];
  path = argv[optind + 1];
  rc = cli_vsc_open (&o, file, true, &vsc);
  if (rc)
    return rc;
  node = image_find_path (vsc_image (vsc), path);
  if (!node)
    {
      cli_msg (_("%s: no node '%s'"), file, path);
      vsc_close (vsc);
      return CLI_EXIT_FAIL;
    }
  image_node_remove (node);
  err = vsc_save (vsc);
  if (err)
    rc = cli_vsc_fail (err, file);
  vsc_close (vsc);
  return rc;
}
