/* cmd-keygen.c - vsctool keygen: escrow a private key in a VSC
 *
 * The key is generated off-card with libgcrypt and stored in the VSC's
 * secret-key area as the key node of its slot; vsctool restore imports
 * it into the token (OpenPGP card: PUT DATA odd DB with fingerprint and
 * date; PIV: YubiKey-compatible tokens only). */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"
#include "scapi/scapi-keys.h"

CLI_COMMAND (keygen, "keygen", "FILE",
             N_("generate a private key off-card into the VSC's secret-key "
                "area (imported by restore)"),
             CLI_CMD_PW | CLI_CMD_JSON, 1, 1,
             { "openpgp=sig|dec|aut", N_("a key for this OpenPGP card slot") },
             { "piv=9a|9c|9d|9e", N_("a key for this PIV slot") },
             { "algo=ALGO",
               N_("OpenPGP: rsa2048|rsa3072|rsa4096|nistp256|nistp384|"
                  "ed25519|cv25519; PIV: rsa2048|eccp256|eccp384") },
             { "created=UNIXTIME", N_("creation time (OpenPGP fingerprint), "
                                      "default now") });

static int
cmd_keygen_exec (cli_ctx_t *c)
{
  vsc_t *vsc = NULL;
  const char *app, *slot, *algo = cli_get (c, "algo"), *file = c->argv[0];
  unsigned long created = 0;
  scapi_keygen_result_t res;
  gpg_error_t err;
  const char *opt;
  char *end;
  int rc;

  if (cli_count (c, "openpgp") + cli_count (c, "piv") > 1)
    {
      cli_msg (_("give one of --openpgp and --piv"));
      return CLI_EXIT_USAGE;
    }
  app = cli_has (c, "openpgp") ? "openpgp" : "piv";
  slot = cli_has (c, "openpgp") ? cli_get (c, "openpgp")
                                  : cli_get (c, "piv");
  if (!slot || !algo)
    return cli_usage (c->cmd);
  if ((opt = cli_get (c, "created"))
      && (created = strtoul (opt, &end, 10),
          !*opt || *end || !created || created > 0xFFFFFFFFul))
    {
      cli_msg (_("--created wants seconds since 1970 (1 to "
                 "4294967295)"));
      return CLI_EXIT_USAGE;
    }

  rc = cli_vsc_open (c, file, true, &vsc);
  if (rc)
    goto leave;
  err = scapi_keygen (vsc_image (vsc), app, slot, algo, (uint32_t)created,
                      &res);
  if (err)
    {
      const char *t = scapi_keygen_error_text ();
      if (*t)
        cli_msg ("%s", t);
      else
        cli_error (err, _("key generation failed"));
      rc = (gpg_err_code (err) == GPG_ERR_INV_ARG
            || gpg_err_code (err) == GPG_ERR_PUBKEY_ALGO)
           ? CLI_EXIT_USAGE : gpg_err_code (err) == GPG_ERR_CONFLICT
           ? CLI_EXIT_CONFLICT : CLI_EXIT_FAIL;
      goto leave;
    }
  rc = cli_vsc_save (vsc, file);
  if (rc)
    goto leave;
  if (c->json)
    {
      printf ("{\"path\":");
      cli_json_str (stdout, res.path);
      printf (",\"algorithm\":");
      cli_json_str (stdout, res.algorithm);
      printf (",\"created\":");
      cli_json_str (stdout, res.created);
      printf (",\"fingerprint\":");
      if (res.fingerprint[0])
        cli_json_str (stdout, res.fingerprint);
      else
        printf ("null");
      printf (",\"public\":");
      cli_json_str (stdout, res.public_hex);
      printf ("}\n");
    }
  else
    {
      printf (_("Key:         %s (%s), in the secret-key area\n"), res.path,
              res.algorithm);
      printf (_("Created:     %s\n"), res.created);
      if (res.fingerprint[0])
        printf (_("Fingerprint: %s\n"), res.fingerprint);
      printf (_("Public key:  %s\n"), res.public_hex);
      printf (_("vsctool restore imports it into the token.\n"));
    }

 leave:
  vsc_close (vsc);
  return rc;
}
