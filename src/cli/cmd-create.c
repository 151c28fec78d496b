/* cmd-create.c - vsctool create: a new, empty VSC file */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_create_run (int argc, char **argv);

const cli_cmd_t cli_cmd_create = {
  "create",
  "[--password-file F|--password-fd N] [--label TEXT] [--json] "
  "[--kdf-memory KIB] [--kdf-iterations N] [--kdf-parallelism N] FILE",
  N_("create an empty VSC; prints its UUID and a generated password once"),
  cmd_create_run
};

static int
cmd_create_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_KDF, CLI_VSC_LONGOPTS_JSON,
    CLI_VSC_LONGOPTS_HELP, { "label", 1, NULL, 'L' }, { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_opts_t vo;
  const char *label = NULL, *path;
  char *pw = NULL, *genpw = NULL;
  vsc_t *vsc = NULL;
  gpg_error_t err;
  int c, rc = CLI_EXIT_OK;

  cli_vsc_opts_init (&o);
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    {
      int r = cli_vsc_option (&o, c, optarg);
      if (r > 0)
        continue;
      if (r < 0)
        return CLI_EXIT_USAGE;
      if (c == 'L')
        label = optarg;
      else if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_create.name, cli_cmd_create.args);
          return CLI_EXIT_OK;
        }
      else
        return cli_usage (&cli_cmd_create);
    }
  if (optind + 1 != argc)
    return cli_usage (&cli_cmd_create);
  path = argv[optind];

  /* A password is taken from --password-file/--password-fd only;
   * otherwise a strong one is generated. */
  if (o.pw.file || o.pw.fd >= 0)
    {
      err = cli_read_password (&o.pw, "", false, &pw);
      if (err)
        {
          cli_error (err, _("cannot read the password"));
          return CLI_EXIT_FAIL;
        }
      if (!*pw)
        {
          xfree_secure (pw);
          cli_msg (_("the password is empty"));
          return CLI_EXIT_USAGE;
        }
    }
  cli_vsc_vopts (&o, &vo);
  err = vsc_create (path, pw, &vo, &vsc, pw ? NULL : &genpw);
  if (!err && label)
    err = image_set_label (vsc_image (vsc), label);
  if (!err)
    err = vsc_save (vsc);
  if (err)
    {
      rc = cli_vsc_fail (err, path);
      goto leave;
    }
  if (o.json)
    {
      printf ("{\"file\":");
      cli_json_str (stdout, path);
      printf (",\"uuid\":\"%s\",\"password\":", vsc_uuid (vsc));
      if (genpw)
        cli_json_str (stdout, genpw);
      else
        printf ("null");
      printf ("}\n");
    }
  else
    {
      printf (_("Created %s\n"), path);
      printf (_("UUID:     %s\n"), vsc_uuid (vsc));
      if (genpw)
        {
          printf (_("Password: %s\n"), genpw);
          fprintf (stderr, _("vsctool: this password is shown only once; "
                             "write it down or store it safely.\n"));
        }
    }
  fflush (stdout);

 leave:
  xfree_secure (pw);
  xfree_secure (genpw);
  vsc_close (vsc);
  return rc;
}
