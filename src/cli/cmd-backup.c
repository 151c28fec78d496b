/* cmd-backup.c - vsctool backup: card -> VSC file (claim 5) */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <inttypes.h>
#include <errno.h>
#include <signal.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-card.h"
#include "remote/client.h"

CLI_COMMAND (backup, "backup", "OUT.vsc|--remote URL [OUT.vsc]",
             N_("back up a card into a new VSC (or continue one); prints a "
                "summary"),
             CLI_CMD_PW | CLI_CMD_JSON | CLI_CMD_KDF | CLI_CMD_READER
             | CLI_CMD_PINFILE | CLI_CMD_QUIET | CLI_CMD_SCAN, 0, 1,
             { "select=PATH...", N_("back up only this subtree (repeatable; "
                                    "default: everything)") },
             { "store-pins", N_("keep the PINs entered in the VSC's private "
                                "area") },
             { "remote=URL", N_("the server creates the VSC and stores the "
                                "backup") },
             { "ssh-command=CMD", N_("with --remote: the ssh program and its "
                                     "options") },
             { "remote-vscd=PATH", N_("with --remote: vscd's path on the "
                                      "server") });

/* Where a --remote backup went (NULL for a local one). */
typedef struct cmd_backup_rem {
  const char *url;
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t gen;                 /* generation stored by the put */
} cmd_backup_rem_t;

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
      cli_json_str_or_null (stdout, sum->password);
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
    printf (_("VSC:      %s\n"), sanitize_str (path));
  if (rem)
    printf (_("Stored:   %s, generation %" PRIu64 "\n"), rem->url, rem->gen);
  printf (_("UUID:     %s\n"), sum->uuid);
  if (sum->password)
    cli_show_password (_("Password: %s\n"), sum->password);
  if (sum->n_missing)
    {
      printf (_("Not backed up:\n"));
      for (i = 0; i < sum->n_missing; i++)
        printf ("  %-24s %s\n", sanitize_str (sum->missing[i].path),
                sanitize_str (sum->missing[i].reason));
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
cmd_backup_remote_check (const cli_ctx_t *c, const char *url)
{
  if (!url)
    cli_msg (_("--ssh-command and --remote-vscd need --remote URL"));
  else if (c->pw.file || c->pw.fd >= 0)
    cli_msg (_("--password-file cannot be used with --remote: "
               "the server chooses the password"));
  else if (c->kdf_set)
    cli_msg (_("--kdf-* cannot be used with --remote: "
               "the server chooses the KDF parameters"));
  else
    return CLI_EXIT_OK;
  return CLI_EXIT_USAGE;
}

static int
cmd_backup_remote_fail (gpg_error_t err, const char *what)
{
  const char *m = errctx_text ();
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
cmd_backup_remote (const cli_ctx_t *c, const char *url,
                   const remote_opts_t *ro, const char *out,
                   scapi_backup_opts_t *bo, scapi_summary_t *sum)
{
  remote_t *r = NULL;
  cli_card_t cs = CLI_CARD_INIT;
  scapi_vsc_t *vsc = NULL;
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
          rc = cmd_backup_remote_fail (err, what);
        }
      cli_msg (_("nothing was backed up"));
      goto leave;
    }
  rc = cli_card_open (c, &cs);
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
      rc = cmd_backup_remote_fail (err, _("cannot create a VSC on the "
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
  cli_card_cb (c, &cs.cb);
  err = scapi_backup (cs.card, NULL, bo, &cs.cb, sum);
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
      rc = cmd_backup_remote_fail (err, _("cannot store the backup on "
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
  cmd_backup_print (out, sum, c->json, &rem);
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
  cli_card_close (&cs);
  remote_close (r);
  return rc;
}

static int
cmd_backup_exec (cli_ctx_t *c)
{
  scapi_backup_opts_t bo;
  scapi_summary_t sum;
  cli_card_t cs = CLI_CARD_INIT;
  scapi_vsc_t *vsc = NULL;
  const char *path = c->argc ? c->argv[0] : NULL;
  const char *remote_url = cli_get (c, "remote");
  remote_opts_t ro = REMOTE_OPTS_INIT;
  char *pw = NULL;
  gpg_error_t err;
  int rc = CLI_EXIT_OK;
  size_t i;

  memset (&bo, 0, sizeof bo);
  memset (&sum, 0, sizeof sum);
  if (!path && !remote_url)
    return cli_usage (c->cmd);
  bo.select = cli_get_all (c, "select", &bo.n_select);
  bo.store_pins = cli_has (c, "store-pins");
  bo.kdf_m_kib = c->kdf_m_kib;
  bo.kdf_t = c->kdf_t;
  bo.kdf_p = c->kdf_p;
  ro.ssh_command = cli_get (c, "ssh-command");
  ro.remote_vscd = cli_get (c, "remote-vscd");
  if (remote_url && bo.store_pins)
    {
      cli_msg (_("--store-pins is not available with --remote"));
      return CLI_EXIT_USAGE;
    }
  cli_card_scan_apply (c, &bo.discover);
  if (remote_url || ro.ssh_command || ro.remote_vscd)
    {
      rc = cmd_backup_remote_check (c, remote_url);
      if (!rc)
        rc = cmd_backup_remote (c, remote_url, &ro, path, &bo, &sum);
      goto leave;
    }

  /* An existing VSC is continued (the scan resumes where it stopped);
   * it needs its password. A new one gets the given or a generated
   * password. */
  if (access (path, F_OK) == 0)
    {
      err = cli_read_password (&c->pw, _("Password of the existing VSC: "),
                               false, &pw);
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
      if (c->pw.file || c->pw.fd >= 0)
        {
          err = cli_read_secret_file (c->pw.file, c->pw.fd, &pw);
          if (err)
            {
              cli_error (err, _("cannot read %s"),
                         c->pw.file ? c->pw.file : "--password-fd");
              rc = cli_exit_code (err);
              goto leave;
            }
          bo.password = pw;
        }
    }

  rc = cli_card_open (c, &cs);
  if (rc)
    goto leave;
  cli_card_cb (c, &cs.cb);
  err = scapi_backup (cs.card, NULL, &bo, &cs.cb, &sum);
  cli_card_cb_done ();
  if (err)
    {
      rc = cli_card_fail (err, _("backup failed"));
      if (!vsc)
        cli_msg (_("nothing was written to %s"), path);
      else
        cli_msg (_("%s was left as it was"), path);
      goto leave;
    }
  cmd_backup_print (path, &sum, c->json, NULL);
  for (i = 0; i < sum.n_missing; i++)
    if (sum.missing[i].sw)
      rc = CLI_EXIT_PARTIAL;

 leave:
  cli_card_cb_done ();     /* (again: does nothing if done) */
  scapi_summary_free (&sum);
  scapi_vsc_close (vsc);
  cli_card_close (&cs);
  xfree_secure (pw);
  fflush (stdout);
  return rc;
}
