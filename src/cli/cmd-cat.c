/* cmd-cat.c - vsctool cat: write a node's content to stdout */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_cat_run (int argc, char **argv);

const cli_cmd_t cli_cmd_cat = {
  "cat",
  "[--password-file F|--password-fd N] FILE PATH",
  N_("write a node's content (raw bytes) to stdout"),
  cmd_cat_run
};

static int
cmd_cat_write (const unsigned char *p, size_t n)
{
  while (n)
    {
      ssize_t w = write (1, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          cli_error (gpg_error_from_syserror (), _("writing to stdout"));
          return CLI_EXIT_FAIL;
        }
      p += w;
      n -= (size_t)w;
    }
  return CLI_EXIT_OK;
}

static int
cmd_cat_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_HELP, { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_t *vsc = NULL;
  const char *file, *path;
  image_node_t *node;
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
          printf (_("usage: vsctool %s %s\n"), cli_cmd_cat.name, cli_cmd_cat.args);
          return CLI_EXIT_OK;
        }
      return cli_usage (&cli_cmd_cat);
    }
  if (optind + 2 != argc)
    return cli_usage (&cli_cmd_cat);
  file = argv[optind];
  path = argv[optind + 1];

  /* Public nodes need no password (unless one is configured, then the
   * file is verified); private and secret-key nodes do. */
  rc = cli_vsc_open (&o, file, cli_vsc_have_pwsrc (&o), &vsc);
  if (rc)
    return rc;
  node = image_find_path (vsc_image (vsc), path);
  if (!node && !vsc_unlocked (vsc))
    {
      vsc_close (vsc);
      rc = cli_vsc_open (&o, file, true, &vsc);
      if (rc)
        return rc;
      node = image_find_path (vsc_image (vsc), path);
    }
  if (!node)
    {
      cli_msg (_("%s: no node '%s'"), file, path);
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
  if (!vsc_unlocked (vsc))
    fprintf (stderr, _("vsctool: %s: public content, not verified (give the "
                       "password to verify)\n"), file);
  rc = cmd_cat_write (node->content, node->content_len);

 leave:
  vsc_close (vsc);
  return rc;
}
