/* cmd-backup.c - vsctool backup: card -> VSC file (claim 5) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>
#include <unistd.h>
#include <inttypes.h>
#include <errno.h>
#include <signal.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"
#include "remote/client.h"

static int cmd_backup_run (int argc, char **argv);

const cli_cmd_t cli_cmd_backup = {
  "backup",
  "[--reader R|--emu PROFILE] [--select PATH]... [--pin-file F] "
  "[--password-file F] [--scan-range FIRST-LAST]... [--scan-budget N] "
  "[--no-scan] [--store-pins] [--kdf-memory KIB] "
  "[--kdf-iterations N] [--kdf-parallelism N] [--json]\n"
  "       OUT.vsc | --remote URL [--ssh-command CMD] [--remote-vscd PATH] "
  "[OUT.vsc]",
  N_("back up a card into a new VSC (or continue one); prints a summary"),
  cmd_backup_run
};

enum {
  OPT_READER = 0x100, OPT_EMU, OPT_SELECT, OPT_PIN, OPT_PW, OPT_JSON, OPT_KDF_M, OPT_KDF_T, OPT_KDF_P, OPT_HELP, OPT_QUIET,
  OPT_STORE_PINS
};
enum { OPT_REMOTE = 0x180, OPT_SSH_CMD, OPT_REMOTE_VSCD };

/* Where a --remote backup went (NULL for a local one). */
typedef struct cmd_backup_rem {
  const char *url;
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t gen;                 /* generation stored by the put */
} cmd_backup_rem_t;

static bool
cmd_backup_ulong (const char *s, unsigned long *v)
{
  char *end;
  if (!s || !*s || *s == '-')
    return false;
  *v = strtoul (s, &end, 10);
  return !*end;
}

/* TEXT's lines as a JSON array of strings (null if TEXT is NULL). */
static void
cmd_backup_json_lines (const char *text)
{
  const char *p = text, *nl;
  char line[1024];
  bool first = true;

  if (!text)
    {
      printf ("null");
      return;
    }
  printf ("[");
  for (; *p; p = nl + 1)
    {
      size_t n;
      nl = strchr (p, '\n');
      n = nl ? (size_t)(nl - p) : strlen (p);
      snprintf (line, sizeof line, "%.*s", (int)n, p);
      printf ("%s", first ? "" : ",");
      cli_json_str (stdout, line);
      first = false;
      if (!nl)
        break;
    }
  printf ("]");
}

static void
cmd_backup_print (const char *path, const scapi_summary_t *sum, bool json,
                  const cmd_backup_rem_t *rem)
{
  size_t i;

  if (json)
    {
      printf ("{\"file\":");
      if (path)
        cli_json_str (stdout, path);
      else
        printf ("null");
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
      printf ("],\"scan_selects\":%lu,\"scan_next\":", sum->scan_selects);
      if (sum->scan_next[0])
        cli_json_str (stdout, sum->scan_next);
      else
        printf ("null");
      printf (",\"scan_coverage\":");
      cmd_backup_json_lines (sum->scan_coverage);
      if (rem)
        {
          printf (",\"remote\":{\"url\":");
          cli_json_str (stdout, rem->url);
          printf (",\"uuid\":\"%s\",\"generation\":%" PRIu64 "}",
                  rem->uuid, rem->gen);
        }
      printf ("}\n");
      return;
    }
  printf (_("Backed up %zu nodes, %zu bytes in %.2f s "
            "(%lu APDUs, of which %lu for the FID scan; saving %.2f s)\n"),
          sum->nodes, sum->bytes, sum->seconds, sum->apdus, sum->scan_apdus,
          sum->save_seconds);
  if (path)
    printf (_("VSC:      %s\n"), path);
  if (rem)
    printf (_("Stored:   %s, generation %" PRIu64 "\n"), rem->url, rem->gen);
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
  if (sum->scan_coverage)
    {
      const char *p = sum->scan_coverage, *nl;
      printf (_("Scanned (%lu SELECTs):\n"), sum->scan_selects);
      for (; *p; p = nl + 1)
        {
          nl = strchr (p, '\n');
          if (!nl)
            nl = p + strlen (p) - 1;
          printf ("  %.*s\n", (int)(nl - p), p);
          if (!nl[1])
            break;
        }
    }
  if (sum->scan_pending)
    printf (_("Not scanned: %s and what follows; back up into the same "
              "VSC again to continue the scan.\n"), sum->scan_next);
}

/* --remote refuses what only makes sense for a VSC made here. */
static int
cmd_backup_remote_check (const char *url, const char *pwfile, bool kdf_set)
{
  if (!url)
    cli_msg (_("--ssh-command and --remote-vscd need --remote URL"));
  else if (pwfile)
    cli_msg (_("--password-file cannot be used with --remote: "
               "the server chooses the password"));
  else if (kdf_set)
    cli_msg (_("--kdf-* cannot be used with --remote: "
               "the server chooses the KDF parameters"));
  else
    return CLI_EXIT_OK;
  return CLI_EXIT_USAGE;
}

static int
cmd_backup_remote_fail (remote_t *r, gpg_error_t err, const char *what)
{
  const char *m = remote_last_message (r);
  int rc = cli_exit_code (err);

  if (m && *m)
    cli_msg ("%s: %s (%s)", what, m, vsc_strerror (err));
  else
    cli_error (err, "%s", what);
  return rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE ? CLI_EXIT_FAIL : rc;
}

/* Put FILE as generation GEN + 1. A connection that died while the card
 * was read (the server's idle limit, ssh) is opened once more; any other
 * answer (a conflict, a quota, a size limit) is final. */
static gpg_error_t
cmd_backup_remote_put (remote_t **r, const char *url, const remote_opts_t *ro,
                       cmd_backup_rem_t *rem, const char *file)
{
  gpg_error_t err;
  uint64_t newgen = 0;

  err = remote_put_file (*r, rem->uuid, rem->gen, file, &newgen);
  switch (gpg_err_code (err))
    {
    case GPG_ERR_EPIPE:
    case GPG_ERR_ECONNRESET:
    case GPG_ERR_TIMEOUT:
    case GPG_ERR_EOF:
    case GPG_ERR_TOO_SHORT:
      break;
    case GPG_ERR_NO_ERROR:
      rem->gen = newgen;
      return 0;
    default:
      return err;
    }
  remote_close (*r);
  *r = NULL;
  err = remote_open (url, ro, r);
  if (!err)
    err = remote_put_file (*r, rem->uuid, rem->gen, file, &newgen);
  if (!err)
    rem->gen = newgen;
  return err;
}

/* vsctool backup --remote URL [OUT]: the server creates the VSC (UUID
 * and password, shown once), the card is backed up into a local copy
 * of it (OUT, or a file in a private temporary directory), which is
 * then stored on the server as its next generation. On failure before
 * the put, the new VSC is deleted on the server and the local copy
 * removed; if only the put fails, the local copy is kept and named. */
static int
cmd_backup_remote (const char *url, const remote_opts_t *ro, const char *out,
                   const cli_card_opts_t *co, scapi_backup_opts_t *bo,
                   scapi_summary_t *sum)
{
  remote_t *r = NULL;
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_vsc_t *vsc = NULL;
  scapi_cb_t cb;
  cmd_backup_rem_t rem;
  char *dir = NULL, *file = NULL, *pw = NULL;
  const char *tmp;
  uint64_t gen1 = 0;
  bool created = false, keep = false;
  gpg_error_t err;
  int rc = CLI_EXIT_OK;
  size_t i;

  memset (&rem, 0, sizeof rem);
  rem.url = url;
  if (out && access (out, F_OK) == 0)
    {
      cli_msg (_("%s exists; a backup with --remote makes a new VSC "
                 "(give a new file name or none)"), out);
      return CLI_EXIT_CONFLICT;
    }

  /* A vanished ssh must give an error, not kill us. */
  signal (SIGPIPE, SIG_IGN);
  err = remote_open (url, ro, &r);
  if (err)
    {
      if (gpg_err_code (err) == GPG_ERR_INV_URI)
        {
          cli_msg (_("'%s' is not a server URL (ssh://[user@]host[:port]"
                     "[/vault] or unix:/path/to/socket)"), url);
          rc = CLI_EXIT_USAGE;
        }
      else
        {
          char what[512];
          snprintf (what, sizeof what, _("cannot connect to the server %s"),
                    url);
          rc = cmd_backup_remote_fail (NULL, err, what);
        }
      cli_msg (_("nothing was backed up"));
      goto leave;
    }
  rc = cli_card_open (co, &s, &card);
  if (rc)
    goto leave;

  /* The local working copy. */
  if (out)
    file = xtrystrdup (out);
  else
    {
      tmp = getenv ("TMPDIR");
      if (!tmp || !*tmp)
        tmp = "/tmp";
      dir = xtrymalloc (strlen (tmp) + 32);
      if (dir)
        {
          sprintf (dir, "%s/vsctool-backup.XXXXXX", tmp);
          if (!mkdtemp (dir))
            {
              err = gpg_error_from_syserror ();
              cli_error (err, _("cannot create a directory in %s"), tmp);
              rc = CLI_EXIT_FAIL;
              xfree (dir);
              dir = NULL;
              goto leave;
            }
          file = xtrymalloc (strlen (dir) + PROTO_UUID_LEN + 8);
        }
    }
  if (!file)
    {
      cli_error (gpg_error_from_syserror (), _("out of core"));
      rc = CLI_EXIT_FAIL;
      goto leave;
    }

  /* Creating is the point of no return for the server: from here on a
   * failure deletes the new VSC again. */
  if (dir)
    sprintf (file, "%s/new.vsc", dir);
  err = remote_create_file (r, file, rem.uuid, &gen1, &pw);
  if (err)
    {
      rc = cmd_backup_remote_fail (r, err, _("cannot create a VSC on the "
                                             "server"));
      cli_msg (_("nothing was backed up"));
      goto leave;
    }
  created = true;
  rem.gen = gen1;
  if (dir)
    {
      char *named = xtrymalloc (strlen (dir) + PROTO_UUID_LEN + 8);
      if (named)
        {
          sprintf (named, "%s/%s.vsc", dir, rem.uuid);
          if (rename (file, named) == 0)
            {
              xfree (file);
              file = named;
            }
          else
            xfree (named);
        }
    }

  err = scapi_vsc_open (file, pw, &vsc);
  if (err)
    {
      rc = cli_card_fail (err, file);
      goto leave;
    }
  bo->vsc = vsc;
  bo->out_path = NULL;
  bo->password = NULL;
  cli_card_cb (co, &cb);
  err = scapi_backup (card, NULL, bo, &cb, sum);
  cli_card_cb_done ();
  bo->vsc = NULL;
  scapi_vsc_close (vsc);
  vsc = NULL;
  if (err)
    {
      rc = cli_card_fail (err, _("backup failed"));
      goto leave;
    }

  err = cmd_backup_remote_put (&r, url, ro, &rem, file);
  if (err)
    {
      rc = cmd_backup_remote_fail (r, err, _("cannot store the backup on "
                                             "the server"));
      keep = true;
      /* The local copy is the backup now: say where, and its password. */
      cli_msg (_("the backup is kept in %s"), file);
      cli_msg (_("VSC %s, password: %s"), rem.uuid, pw);
      cli_msg (_("store it later with: vsctool remote %s put %s %s -g %"
                 PRIu64), url, rem.uuid, file, gen1);
      created = false;    /* the server's VSC is still ours to fill */
      goto leave;
    }
  created = false;
  keep = out != NULL;

  /* The password was the server's; show it like a generated one. */
  sum->password = pw;
  pw = NULL;
  cmd_backup_print (out, sum, co->json, &rem);
  for (i = 0; i < sum->n_missing; i++)
    if (sum->missing[i].sw)
      rc = CLI_EXIT_PARTIAL;

 leave:
  scapi_vsc_close (vsc);
  if (created)
    {
      /* Nothing usable reached the server: take the empty VSC back. */
      if (!r || remote_delete (r, rem.uuid, gen1))
        {
          remote_close (r);
          r = NULL;
          if (remote_open (url, ro, &r) || remote_delete (r, rem.uuid, gen1))
            cli_msg (_("the empty VSC %s is left on the server"), rem.uuid);
        }
    }
  if (file && !keep)
    {
      if (unlink (file) == 0 || errno == ENOENT)
        {
          if (out && rc)
            cli_msg (_("nothing was written to %s"), out);
        }
      else
        cli_error (gpg_error_from_syserror (), _("cannot remove %s"), file);
    }
  if (dir && !keep)
    rmdir (dir);
  xfree (file);
  xfree (dir);
  xfree_secure (pw);
  scapi_card_close (card);
  scapi_free (s);
  remote_close (r);
  return rc;
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
    { "store-pins", 0, NULL, OPT_STORE_PINS },
    { "help", 0, NULL, OPT_HELP },
    { "remote", 1, NULL, OPT_REMOTE },
    { "ssh-command", 1, NULL, OPT_SSH_CMD },
    { "remote-vscd", 1, NULL, OPT_REMOTE_VSCD },
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
  const char *remote_url = NULL;
  remote_opts_t ro = REMOTE_OPTS_INIT;
  bool ro_set = false, kdf_set = false;
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
      case OPT_STORE_PINS: bo.store_pins = true; break;
      case OPT_REMOTE: remote_url = optarg; break;
      case OPT_SSH_CMD: ro.ssh_command = optarg; ro_set = true; break;
      case OPT_REMOTE_VSCD: ro.remote_vscd = optarg; ro_set = true; break;
      case OPT_KDF_M:
      case OPT_KDF_T:
      case OPT_KDF_P:
        kdf_set = true;
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
  if (optind + 1 != argc && !(remote_url && optind == argc))
    {
      rc = cli_usage (&cli_cmd_backup);
      goto leave;
    }
  path = optind < argc ? argv[optind] : NULL;
  if (remote_url && bo.store_pins)
    {
      cli_msg (_("--store-pins is not available with --remote"));
      rc = CLI_EXIT_USAGE;
      goto leave;
    }
  if (co.reader && co.emu)
    {
      cli_msg (_("--reader and --emu exclude each other"));
      rc = CLI_EXIT_USAGE;
      goto leave;
    }
  cli_card_scan_apply (&scan, &bo.discover);
  bo.select = n_select ? select : NULL;
  bo.n_select = n_select;
  if (remote_url || ro_set)
    {
      rc = cmd_backup_remote_check (remote_url, pwfile, kdf_set);
      if (!rc)
        rc = cmd_backup_remote (remote_url, &ro, path, &co, &bo, &sum);
      goto leave;
    }

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
  cmd_backup_print (path, &sum, co.json, NULL);
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
