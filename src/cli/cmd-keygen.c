/* cmd-keygen.c - vsctool keygen: escrow a private key in a VSC
 *
 * The key is generated off-card with libgcrypt, or read from a key file
 * (--import), and stored in the VSC's secret-key area as the key node of
 * its slot; vsctool restore imports it into the token (OpenPGP card: PUT
 * DATA odd DB with fingerprint and date; PIV: YubiKey-compatible tokens;
 * the key files of a PKCS#15 card on the emulator). */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

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
             { "pkcs15=ID", N_("the private key with this iD (hex) of the "
                               "VSC's PKCS#15 structure (with --import)") },
             { "import=FILE", N_("escrow this private key (PEM or DER: "
                                 "PKCS #8, PKCS #1, SEC 1) instead of "
                                 "generating one") },
             { "algo=ALGO",
               N_("OpenPGP: rsa2048|rsa3072|rsa4096|nistp256|nistp384|"
                  "ed25519|cv25519; PIV: rsa2048|eccp256|eccp384") },
             { "created=UNIXTIME", N_("creation time (OpenPGP fingerprint), "
                                      "default now") });

/* The key file (at most 64 KiB) into secure memory. */
static int
cmd_keygen_read (const char *path, buf_t *out)
{
  FILE *fp = fopen (path, "rb");
  uint8_t tmp[4096];
  size_t n;
  int rc = CLI_EXIT_OK;

  if (!fp)
    {
      cli_msg (_("cannot open %s: %s"), path, strerror (errno));
      return CLI_EXIT_FAIL;
    }
  while ((n = fread (tmp, 1, sizeof tmp, fp)) > 0)
    if (out->len + n > 65536 || buf_append (out, tmp, n))
      {
        cli_msg (_("%s: not a key file (larger than 64 KiB)"), path);
        rc = CLI_EXIT_USAGE;
        break;
      }
  wipememory (tmp, sizeof tmp);
  if (!rc && ferror (fp))
    {
      cli_msg (_("cannot read %s: %s"), path, strerror (errno));
      rc = CLI_EXIT_FAIL;
    }
  fclose (fp);
  return rc;
}

/* What the user gave is wrong (exit 2): the slot, the algorithm, the
 * key file or its passphrase; a key already there is a conflict. */
static const gpg_err_code_t cmd_keygen_usage_errors[] = {
  GPG_ERR_INV_ARG, GPG_ERR_PUBKEY_ALGO, GPG_ERR_INV_DATA, GPG_ERR_NOT_FOUND,
  GPG_ERR_WRONG_SECKEY, GPG_ERR_WRONG_PUBKEY_ALGO, GPG_ERR_UNKNOWN_CURVE,
  GPG_ERR_BAD_PASSPHRASE, GPG_ERR_BAD_SECKEY
};

static int
cmd_keygen_exit_code (gpg_error_t err)
{
  size_t i;

  for (i = 0; i < DIM (cmd_keygen_usage_errors); i++)
    if (gpg_err_code (err) == cmd_keygen_usage_errors[i])
      return CLI_EXIT_USAGE;
  return gpg_err_code (err) == GPG_ERR_CONFLICT ? CLI_EXIT_CONFLICT
         : CLI_EXIT_FAIL;
}

static int
cmd_keygen_exec (cli_ctx_t *c)
{
  scapi_vsc_t *vsc = NULL;
  const char *app, *slot, *algo = cli_get (c, "algo"), *file = c->argv[0];
  const char *keyfile = cli_get (c, "import");
  buf_t kb;
  unsigned long created = 0;
  scapi_keygen_result_t res;
  gpg_error_t err;
  const char *opt;
  char *end;
  int rc;

  if (cli_count (c, "openpgp") + cli_count (c, "piv")
      + cli_count (c, "pkcs15") > 1)
    {
      cli_msg (_("give one of --openpgp, --piv and --pkcs15"));
      return CLI_EXIT_USAGE;
    }
  app = cli_has (c, "openpgp") ? "openpgp" : cli_has (c, "pkcs15")
    ? "pkcs15" : "piv";
  slot = cli_get (c, app);
  if (!slot || (!algo && !keyfile))
    return cli_usage (c->cmd);
  if (keyfile && algo)
    {
      cli_msg (_("--algo and --import exclude each other (the key file "
                 "says the algorithm)"));
      return CLI_EXIT_USAGE;
    }
  if (!keyfile && !strcmp (app, "pkcs15"))
    {
      cli_msg (_("--pkcs15 takes the card's key from a key file "
                 "(--import): a new key would not belong to the "
                 "certificate the card holds for it"));
      return CLI_EXIT_USAGE;
    }
  if ((opt = cli_get (c, "created"))
      && (created = strtoul (opt, &end, 10),
          !*opt || *end || !created || created > 0xFFFFFFFFul))
    {
      cli_msg (_("--created wants seconds since 1970 (1 to "
                 "4294967295)"));
      return CLI_EXIT_USAGE;
    }

  buf_init_secure (&kb);
  if (keyfile)
    {
      rc = cmd_keygen_read (keyfile, &kb);
      if (rc)
        return rc;
    }
  rc = cli_vsc_open (c, file, true, &vsc);
  if (rc)
    goto leave;
  if (keyfile)
    err = scapi_keyimport (scapi_vsc_edit (vsc), app, slot, kb.data, kb.len,
                           (uint32_t)created, &res);
  else
    err = scapi_keygen (scapi_vsc_edit (vsc), app, slot, algo, (uint32_t)created,
                        &res);
  if (err)
    {
      const char *t = scapi_last_error_text ();
      if (*t)
        cli_msg ("%s", t);
      else
        cli_error (err, _("key generation failed"));
      rc = cmd_keygen_exit_code (err);
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
  buf_free (&kb);
  scapi_vsc_close (vsc);
  return rc;
}
