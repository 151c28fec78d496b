/* cmd-keygen.c - vsctool keygen: escrow a private key in a VSC
 *
 * The key is generated off-card with libgcrypt and stored in the VSC's
 * secret-key area as the key node of its slot; vsctool restore imports
 * it into the token (OpenPGP card: PUT DATA odd DB with fingerprint and
 * date; PIV: YubiKey-compatible tokens only). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"
#include "scapi/scapi-keys.h"

static int cmd_keygen_run (int argc, char **argv);

const cli_cmd_t cli_cmd_keygen = {
  "keygen",
  "(--openpgp sig|dec|aut | --piv 9a|9c|9d|9e) --algo ALGO "
  "[--created UNIXTIME] [--password-file F|--password-fd N] [--json] FILE",
  N_("generate a private key off-card into the VSC's secret-key area "
     "(imported by restore)"),
  cmd_keygen_run
};

enum { OPT_OPENPGP = 0x100, OPT_PIV, OPT_ALGO, OPT_CREATED };

static int
cmd_keygen_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_JSON, CLI_VSC_LONGOPTS_HELP,
    { "openpgp", 1, NULL, OPT_OPENPGP },
    { "piv", 1, NULL, OPT_PIV },
    { "algo", 1, NULL, OPT_ALGO },
    { "created", 1, NULL, OPT_CREATED },
    { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_t *vsc = NULL;
  const char *app = NULL, *slot = NULL, *algo = NULL, *file;
  unsigned long created = 0;
  scapi_keygen_result_t res;
  gpg_error_t err;
  int c, rc = CLI_EXIT_OK;
  char *end;

  cli_vsc_opts_init (&o);
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    {
      int r = cli_vsc_option (&o, c, optarg);
      if (r > 0)
        continue;
      if (r < 0)
        return CLI_EXIT_USAGE;
      switch (c)
        {
        case OPT_OPENPGP:
        case OPT_PIV:
          if (app)
            {
              cli_msg (_("give one of --openpgp and --piv"));
              return CLI_EXIT_USAGE;
            }
          app = c == OPT_OPENPGP ? "openpgp" : "piv";
          slot = optarg;
          break;
        case OPT_ALGO:
          algo = optarg;
          break;
        case OPT_CREATED:
          created = strtoul (optarg, &end, 10);
          if (!*optarg || *end || !created || created > 0xFFFFFFFFul)
            {
              cli_msg (_("--created wants seconds since 1970 (1 to "
                         "4294967295)"));
              return CLI_EXIT_USAGE;
            }
          break;
        case 'h':
        case CLI_VSC_OPT_HELP:
          printf (_("usage: vsctool %s %s\n"), cli_cmd_keygen.name,
                  cli_cmd_keygen.args);
          return CLI_EXIT_OK;
        default:
          return cli_usage (&cli_cmd_keygen);
        }
    }
  if (optind + 1 != argc || !app || !algo)
    return cli_usage (&cli_cmd_keygen);
  file = argv[optind];

  rc = cli_vsc_open (&o, file, true, &vsc);
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
  err = vsc_save (vsc);
  if (err)
    {
      rc = cli_vsc_fail (err, file);
      goto leave;
    }
  if (o.json)
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
