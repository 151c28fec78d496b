/* cmd-backup.c - vsctool backup: card -> VSC file (claim 5) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"

static int cmd_backup_run (int argc, char **argv);

const cli_cmd_t cli_cmd_backup = {
  "backup",
  "[--reader R|--emu PROFILE] [--select PATH]... [--pin-file F] "
  "[--password-file F] [--scan-range FIRST-LAST]... [--scan-budget N] "
  "[--no-scan] [--kdf-memory KIB] "
  "[--kdf-iterations N] [--kdf-parallelism N] [--json] OUT.vsc",
  N_("back up a card into a new VSC (or continue one); prints a summary"),
  cmd_backup_run
};

enum {
  OPT_READER = 0x100, OPT_EMU, OPT_SELECT, OPT_PIN, OPT_PW, OPT_JSON, OPT_KDF_M, OPT_KDF_T, OPT_KDF_P, OPT_HELP, OPT_QUIET
};

static bool
cmd_backup_ulong (const char *s, unsigned long *v)
{
  char *end;
  if (!s || !*s || *s == '-')
    return false;
  *v = strtoul (s, &end, 10);
  return !*end;
}

static void
cmd_backup_print (const char *path, const scapi_summary_t *sum, bool json)
{
  size_t i;

  if (json)
    {
      printf ("{\"file\":");
      cli_json_str (stdout, path);
      printf (",\"uuid\":\"%s\",\"password\":", sum->uuid);
      if (sum->password)
        cli_json_str (stdout, sum->password);
      else
        printf ("null");
      printf (",\"nodes\":%zu,\"bytes\":%zu,\"apdus\":%lu,"
              "\"scan_apdus\":%lu,\"pin_apdus\":%lu,\"seconds\":%.3f,"
              "\"save_seconds\":%.3f,\"scan_pending\":%s,\"not_read\":[",
              sum->nodes, sum->bytes, sum->apdus, sum->scan_apdus,
              sum->pin_apdus, sum->seconds, sum->save_seconds,
              sum->scan_pending ? "true" : "false");
      for (i = 0; i < sum->n_missing; i++)
        {
          printf ("%s{\"path\":", i ? "," : "");
          cli_json_str (stdout, sum->missing[i].path);
          printf (",\"reason\":");
          cli_json_str (stdout, sum->missing[i].reason);
          printf (",\"sw\":");
          if (sum->missing[i].sw)
            printf ("\"%04X\"}", sum->missing[i].sw);
          else
            printf ("null}");
        }
      printf ("]}\n");
      return;
    }
  printf (_("Backed up %zu nodes, %zu bytes in %.2f s "
            "(%lu APDUs, of which %lu for the FID scan; saving %.2f s)\n"),
          sum->nodes, sum->bytes, sum->seconds, sum->apdus, sum->scan_apdus,
          sum->save_seconds);
  printf (_("VSC:      %s\n"), path);
  printf (_("UUID:     %s\n"), sum->uuid);
  if (sum->password)
    {
      printf (_("Password: %s\n"), sum->password);
      fprintf (stderr, _("vsctool: this password is shown only once; "
                         "write it down or store it safely.\n"));
    }
  if (sum->n_missing)
    {
      printf (_("Not backed up:\n"));
      for (i = 0; i < sum->n_missing; i++)
        printf ("  %-24s %s\n", sum->missing[i].path,
                sum->missing[i].reason);
    }
  if (sum->scan_pending)
    printf (_("The FID scan stopped at its budget; run the same backup "
              "again to continue it.\n"));
}

static int
cmd_backup_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    { "reader", 1, NULL, OPT_READER },
    { "emu", 1, NULL, OPT_EMU },
    { "select", 1, NULL, OPT_SELECT },
    { "pin-file", 1, NULL, OPT_PIN },
    { "password-file", 1, NULL, OPT_PW },
    CLI_CARD_LONGOPTS_SCAN,
    { "kdf-memory", 1, NULL, OPT_KDF_M },
    { "kdf-iterations", 1, NULL, OPT_KDF_T },
    { "kdf-parallelism", 1, NULL, OPT_KDF_P },
    { "json", 0, NULL, OPT_JSON },
    { "quiet", 0, NULL, OPT_QUIET },
    { "help", 0, NULL, OPT_HELP },
    { NULL, 0, NULL, 0 }
  };
  cli_card_opts_t co;
  cli_card_scan_t scan;
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  scapi_cb_t cb;
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_vsc_t *vsc = NULL;
  const char **select = NULL;
  size_t n_select = 0;
  const char *pwfile = NULL, *path;
  char *pw = NULL;
  gpg_error_t err;
  int c, rc = CLI_EXIT_OK;
  unsigned long v;
  bool cb_set = false;

  memset (&co, 0, sizeof co);
  memset (&scan, 0, sizeof scan);
  memset (&bo, 0, sizeof bo);
  memset (&sum, 0, sizeof sum);
  select = xtrycalloc (argc + 1, sizeof *select);
  if (!select)
    return CLI_EXIT_FAIL;
  optind = 1;
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    switch (c)
      {
      case OPT_READER: co.reader = optarg; break;
      case OPT_EMU: co.emu = optarg; break;
      case OPT_SELECT: select[n_select++] = optarg; break;
      case OPT_PIN: co.pin_file = optarg; break;
      case OPT_PW: pwfile = optarg; break;
      case OPT_JSON: co.json = true; break;
      case OPT_QUIET: co.quiet = true; break;
      case OPT_KDF_M:
      case OPT_KDF_T:
      case OPT_KDF_P:
        if (!cmd_backup_ulong (optarg, &v))
          {
            cli_msg (_("not a number: '%s'"), optarg);
            rc = CLI_EXIT_USAGE;
            goto leave;
          }
        if (c == OPT_KDF_M)
          bo.kdf_m_kib = v;
        else if (c == OPT_KDF_T)
          bo.kdf_t = v;
        else
          bo.kdf_p = v;
        break;
      case OPT_HELP:
      case 'h':
        printf (_("usage: vsctool %s %s\n"), cli_cmd_backup.name,
                cli_cmd_backup.args);
        goto leave;
      default:
        switch (cli_card_scan_option (&scan, c, optarg))
          {
          case 1:
            break;
          case -1:
            rc = CLI_EXIT_USAGE;
            goto leave;
          default:
            rc = cli_usage (&cli_cmd_backup);
            goto leave;
          }
        break;
      }
  if (optind + 1 != argc)
    {
      rc = cli_usage (&cli_cmd_backup);
      goto leave;
    }
  path = argv[optind];
  if (co.reader && co.emu)
    {
      cli_msg (_("--reader and --emu exclude each other"));
      rc = CLI_EXIT_USAGE;
      goto leave;
    }
  cli_card_scan_apply (&scan, &bo.discover);
  bo.select = n_select ? select : NULL;
  bo.n_select = n_select;

  /* An existing VSC is continued (the scan resumes where it stopped);
   * it needs its password. A new one gets the given or a generated
   * password. */
  if (access (path, F_OK) == 0)
    {
      err = cli_card_password (pwfile, _("Password of the existing VSC: "),
                               &pw);
      if (!err)
        err = scapi_vsc_open (path, pw, &vsc);
      if (err)
        {
          rc = cli_card_fail (err, path);
          goto leave;
        }
      bo.vsc = vsc;
    }
  else
    {
      bo.out_path = path;
      if (pwfile)
        {
          err = cli_read_secret_file (pwfile, -1, &pw);
          if (err)
            {
              cli_error (err, _("cannot read %s"), pwfile);
              rc = cli_exit_code (err);
              goto leave;
            }
          bo.password = pw;
        }
    }

  rc = cli_card_open (&co, &s, &card);
  if (rc)
    goto leave;
  cli_card_cb (&co, &cb);
  cb_set = true;
  err = scapi_backup (card, NULL, &bo, &cb, &sum);
  cli_card_cb_done ();
  cb_set = false;
  if (err)
    {
      rc = cli_card_fail (err, _("backup failed"));
      if (!vsc)
        cli_msg (_("nothing was written to %s"), path);
      else
        cli_msg (_("%s was left as it was"), path);
      goto leave;
    }
  cmd_backup_print (path, &sum, co.json);
  {
    size_t i;
    for (i = 0; i < sum.n_missing; i++)
      if (sum.missing[i].sw)
        rc = CLI_EXIT_PARTIAL;
  }

 leave:
  if (cb_set)
    cli_card_cb_done ();
  scapi_summary_free (&sum);
  scapi_vsc_close (vsc);
  scapi_card_close (card);
  scapi_free (s);
  xfree_secure (pw);
  xfree (select);
  fflush (stdout);
  return rc;
}
