/* cmd-passwd.c - vsctool passwd: change a VSC's password (fresh key) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_passwd_run (int argc, char **argv);

const cli_cmd_t cli_cmd_passwd = {
  "passwd",
  "[--password-file F|--password-fd N] [--new-password-file F|"
  "--new-password-fd N] [--json] [--kdf-memory KIB] [--kdf-iterations N] "
  "[--kdf-parallelism N] FILE",
  N_("change a VSC's password (generated unless given); re-encrypts all"),
  cmd_passwd_run
};

static int
cmd_passwd_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_KDF, CLI_VSC_LONGOPTS_JSON,
    CLI_VSC_LONGOPTS_HELP,
    { "new-password-file", 1, NULL, 'N' }, { "new-password-fd", 1, NULL, 'F' },
    { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_opts_t vo;
  vsc_t *vsc = NULL;
  const char *file, *newfile = NULL;
  int newfd = -1;
  char *newpw = NULL, *genpw = NULL;
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
      if (c == 'N')
        newfile = optarg;
      else if (c == 'F')
        {
          char *end;
          long v = strtol (optarg, &end, 10);
          if (*end || end == optarg || v < 0 || v > 1000000)
            {
              cli_msg (_("bad value '%s' for %s"), optarg, "--new-password-fd");
              return CLI_EXIT_USAGE;
            }
          newfd = (int)v;
        }
      else if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_passwd.name, cli_cmd_passwd.args);
          return CLI_EXIT_OK;
        }
      else
        return cli_usage (&cli_cmd_passwd);
    }
  if (optind + 1 != argc)
    return cli_usage (&cli_cmd_passwd);
  file = argv[optind];

  if (newfile || newfd >= 0)
    {
      err = cli_read_secret_file (newfile, newfd, &newpw);
      if (err)
        {
          cli_error (err, _("cannot read the new password"));
          return CLI_EXIT_FAIL;
        }
      if (!*newpw)
        {
          xfree_secure (newpw);
          cli_msg (_("the new password is empty"));
          return CLI_EXIT_USAGE;
        }
    }
  rc = cli_vsc_open (&o, file, true, &vsc);
  if (rc)
    goto leave;
  cli_vsc_vopts (&o, &vo);
  err = vsc_passwd (vsc, newpw, &vo, newpw ? NULL : &genpw);
  if (err)
    {
      rc = cli_vsc_fail (err, file);
      goto leave;
    }
  if (o.json)
    {
      printf ("{\"file\":");
      cli_json_str (stdout, file);
      printf (",\"uuid\":\"%s\",\"password\":", vsc_uuid (vsc));
      if (genpw)
        cli_json_str (stdout, genpw);
      else
        printf ("null");
      printf ("}\n");
    }
  else
    {
      printf (_("Password of %s changed.\n"), file);
      if (genpw)
        {
          printf (_("New password: %s\n"), genpw);
          fprintf (stderr, _("vsctool: this password is shown only once; "
                             "write it down or store it safely.\n"));
        }
    }
  fflush (stdout);

 leave:
  xfree_secure (newpw);
  xfree_secure (genpw);
  vsc_close (vsc);
  return rc;
}
