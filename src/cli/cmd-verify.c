/* cmd-verify.c - vsctool verify: authenticate every byte of a VSC */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (verify, "verify", "FILE",
             N_("check every tag and MAC of a VSC; names the damaged area"),
             CLI_CMD_PW | CLI_CMD_JSON, 1, 1,
             { "structure-only", N_("check the structure only (no password; "
                                    "nothing is verified)") });

static void
cmd_verify_json (const char *file, gpg_error_t err, bool structure_only,
                 const vsc_info_t *info)
{
  printf ("{\"file\":");
  cli_json_str (stdout, file);
  printf (",\"ok\":%s,\"verified\":%s", err ? "false" : "true",
          !err && !structure_only ? "true" : "false");
  if (err)
    {
      const char *t = scapi_last_error ()->text;
      int a = scapi_last_error ()->area;
      printf (",\"area\":");
      cli_json_str_or_null (stdout, a >= 0
                                    ? scapi_vsc_area_name ((vsc_area_t) a)
                                    : NULL);
      printf (",\"error\":");
      cli_json_str (stdout, *t ? t : vsc_strerror (err));
    }
  else
    printf (",\"uuid\":\"%s\",\"generation\":%llu", info->uuid,
            (unsigned long long) info->generation);
  printf ("}\n");
}

static int
cmd_verify_exec (cli_ctx_t *c)
{
  bool structure_only = cli_has (c, "structure-only");
  const char *file = c->argv[0];
  char *pw = NULL;
  vsc_info_t info;
  gpg_error_t err;
  int rc = CLI_EXIT_OK;

  if (!structure_only)
    {
      char prompt[512];
      snprintf (prompt, sizeof prompt, _("Password for %s: "), file);
      err = cli_read_password (&c->pw, prompt, false, &pw);
      if (err)
        {
          cli_error (err, _("cannot read the password (use --structure-only "
                            "to check without it)"));
          return CLI_EXIT_AUTH;
        }
    }
  err = scapi_vsc_verify (file, pw, &info);
  xfree_secure (pw);
  if (c->json)
    {
      cmd_verify_json (file, err, structure_only, &info);
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
