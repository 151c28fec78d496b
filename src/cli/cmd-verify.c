/* cmd-verify.c - vsctool verify: authenticate every byte of a VSC */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_verify_run (int argc, char **argv);

const cli_cmd_t cli_cmd_verify = {
  "verify",
  "[--json] [--structure-only] [--password-file F|--password-fd N] FILE",
  N_("check every tag and MAC of a VSC; names the damaged area"),
  cmd_verify_run
};

static int
cmd_verify_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_JSON, CLI_VSC_LONGOPTS_HELP,
    { "structure-only", 0, NULL, 'S' }, { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  bool structure_only = false;
  const char *file;
  char *pw = NULL;
  vsc_info_t info;
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
      if (c == 'S')
        structure_only = true;
      else if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_verify.name, cli_cmd_verify.args);
          return CLI_EXIT_OK;
        }
      else
        return cli_usage (&cli_cmd_verify);
    }
  if (optind + 1 != argc)
    return cli_usage (&cli_cmd_verify);
  file = argv[optind];

  if (!structure_only)
    {
      char prompt[512];
      snprintf (prompt, sizeof prompt, _("Password for %s: "), file);
      err = cli_read_password (&o.pw, prompt, false, &pw);
      if (err)
        {
          cli_error (err, _("cannot read the password (use --structure-only "
                            "to check without it)"));
          return CLI_EXIT_AUTH;
        }
    }
  err = vsc_verify (file, pw, NULL, &info);
  xfree_secure (pw);
  if (o.json)
    {
      const char *t = vsc_error_text ();
      printf ("{\"file\":");
      cli_json_str (stdout, file);
      printf (",\"ok\":%s,\"verified\":%s", err ? "false" : "true",
              !err && !structure_only ? "true" : "false");
      if (err)
        {
          int a = vsc_error_area ();
          printf (",\"area\":");
          if (a >= 0)
            printf ("\"%s\"", vsc_area_name ((vsc_area_t)a));
          else
            printf ("null");
          printf (",\"error\":");
          cli_json_str (stdout, *t ? t : vsc_strerror (err));
        }
      else
        printf (",\"uuid\":\"%s\",\"generation\":%llu", info.uuid,
                (unsigned long long)info.generation);
      printf ("}\n");
      if (err)
        rc = cli_exit_code (err);
    }
  else if (err)
    rc = cli_vsc_fail (err, file);
  else if (structure_only)
    printf (_("%s: structure OK (not verified: no password given)\n"), file);
  else
    printf (_("%s: OK, every byte authenticated (UUID %s, generation %llu)\n"),
            file, info.uuid, (unsigned long long)info.generation);
  return rc;
}
