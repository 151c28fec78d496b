/* cmd-remote.c - vsctool remote: VSCs on a vscd server (ssh or socket)
 *
 *   vsctool remote [OPTIONS] URL create [-o FILE] [--password-out FILE]
 *   vsctool remote [OPTIONS] URL ls
 *   vsctool remote [OPTIONS] URL stat UUID
 *   vsctool remote [OPTIONS] URL get UUID FILE [-g GEN]
 *   vsctool remote [OPTIONS] URL put [UUID] FILE [-g GEN | --new]
 *   vsctool remote [OPTIONS] URL rm UUID [-g GEN]
 *   vsctool remote [OPTIONS] URL history UUID
 *
 * get writes FILE atomically and records "UUID GENERATION" in FILE.remote;
 * put sends that generation (or -g), so a put based on an old copy is
 * refused with a conflict (exit 6) instead of losing someone's update. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>

#include "common/util.h"
#include "common/i18n.h"
#include "remote/client.h"
#include "cli/cli.h"

static int cmd_remote_run (int argc, char **argv);

const cli_cmd_t cli_cmd_remote = {
  "remote",
  "[--ssh-command CMD] [--remote-vscd PATH] [--timeout SECS] [--json] URL\n"
  "       create [-o FILE] [--password-out FILE] | ls | stat UUID |\n"
  "       get UUID FILE [-g GEN] | put [UUID] FILE [-g GEN|--new] |\n"
  "       rm UUID [-g GEN] | history UUID",
  N_("VSCs on a vscd server (ssh://user@host[:port][/vault] or unix:PATH)"),
  cmd_remote_run
};

static void
cmd_remote_fail (remote_t *r, gpg_error_t err, const char *what)
{
  const char *m = remote_last_message (r);
  if (m && *m)
    cli_msg ("%s: %s (%s)", what, m, vsc_strerror (err));
  else
    cli_error (err, "%s", what);
}

static bool
cmd_remote_gen (const char *s, uint64_t *g)
{
  char *end;
  unsigned long long v;
  if (!s || *s < '0' || *s > '9')
    return false;
  errno = 0;
  v = strtoull (s, &end, 10);
  if (errno || *end)
    return false;
  *g = v;
  return true;
}

/* FILE.remote: "UUID GENERATION\n". */
static char *
cmd_remote_sidecar (const char *file)
{
  char *p = xtrymalloc (strlen (file) + 8);
  if (p)
    sprintf (p, "%s.remote", file);
  return p;
}

static gpg_error_t
cmd_remote_save_state (const char *file, const char *uuid, uint64_t gen)
{
  char line[80], *sc = cmd_remote_sidecar (file);
  gpg_error_t err;
  if (!sc)
    return gpg_error_from_syserror ();
  snprintf (line, sizeof line, "%s %" PRIu64 "\n", uuid, gen);
  err = remote_write_file (sc, line, strlen (line));
  xfree (sc);
  return err;
}

static gpg_error_t
cmd_remote_load_state (const char *file, char *uuid, uint64_t *gen)
{
  char line[128], u[64], *sc = cmd_remote_sidecar (file);
  unsigned long long g;
  FILE *fp;
  gpg_error_t err = 0;

  if (!sc)
    return gpg_error_from_syserror ();
  fp = fopen (sc, "r");
  if (!fp)
    err = gpg_error_from_syserror ();
  else
    {
      if (!fgets (line, sizeof line, fp)
          || sscanf (line, "%63s %llu", u, &g) != 2
          || !proto_uuid_valid (u, strlen (u)) || !g)
        err = gpg_error (GPG_ERR_INV_OBJ);
      else
        {
          memcpy (uuid, u, PROTO_UUID_LEN + 1);
          *gen = g;
        }
      fclose (fp);
    }
  if (err)
    cli_error (err, _("cannot read '%s' (written by 'remote get'; or give "
                      "UUID and -g GEN)"), sc);
  xfree (sc);
  return err;
}

/* Text from the server on the terminal: control characters as '?'. */
static void
cmd_remote_print_text (const char *s)
{
  for (; *s; s++)
    putchar (((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

static void
cmd_remote_time (char *buf, size_t n, uint64_t t)
{
  time_t tt = (time_t)t;
  struct tm tm;
  if (!gmtime_r (&tt, &tm) || !strftime (buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
    snprintf (buf, n, "%" PRIu64, t);
}

static void
cmd_remote_print_entry (const proto_entry_t *e, bool json, bool first)
{
  char when[32];
  cmd_remote_time (when, sizeof when, e->mtime);
  if (json)
    printf ("%s{\"uuid\":\"%s\",\"generation\":%" PRIu64 ",\"size\":%" PRIu64
            ",\"mtime\":\"%s\"}", first ? "" : ",", e->uuid, e->gen, e->size,
            when);
  else
    printf ("%s  %6" PRIu64 "  %10" PRIu64 "  %s\n", e->uuid, e->gen,
            e->size, when);
}

static int
cmd_remote_create (remote_t *r, int argc, char **argv, bool json)
{
  gpg_error_t err;
  const char *out = NULL, *pwout = NULL;
  char uuid[PROTO_UUID_LEN + 1], *pw = NULL;
  uint64_t gen = 0;
  buf_t file = BUF_INIT;
  int i, rc = CLI_EXIT_OK;

  for (i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-o") && i + 1 < argc)
        out = argv[++i];
      else if (!strcmp (argv[i], "--password-out") && i + 1 < argc)
        pwout = argv[++i];
      else
        return cli_usage (&cli_cmd_remote);
    }
  err = remote_create (r, uuid, &gen, &pw, &file);
  if (err)
    {
      cmd_remote_fail (r, err, _("create"));
      rc = cli_exit_code (err);
      goto leave;
    }
  /* The password exists only here now: hand it over before anything
   * else can fail. */
  if (pwout)
    {
      buf_t line;
      buf_init_secure (&line);
      err = buf_append (&line, pw, strlen (pw));
      if (!err)
        err = buf_append_byte (&line, '\n');
      if (!err)
        err = remote_write_file (pwout, line.data, line.len);
      buf_free (&line);
      if (err)
        {
          cli_error (err, _("cannot write the password to '%s'; it is: %s"),
                     pwout, pw);
          rc = CLI_EXIT_FAIL;
        }
    }
  if (json)
    {
      printf ("{\"uuid\":\"%s\",\"generation\":%" PRIu64 ",\"password\":",
              uuid, gen);
      if (pwout)
        printf ("null");
      else
        cli_json_str (stdout, pw);
      printf ("}\n");
    }
  else
    {
      printf (_("Created VSC %s (generation %" PRIu64 ").\n"), uuid, gen);
      if (!pwout)
        printf (_("Password (shown once, write it down): %s\n"), pw);
      else
        printf (_("Password written to %s.\n"), pwout);
    }
  fflush (stdout);
  if (out)
    {
      err = remote_write_file (out, file.data, file.len);
      if (!err)
        err = cmd_remote_save_state (out, uuid, gen);
      if (err)
        {
          cli_error (err, _("cannot write '%s'"), out);
          rc = CLI_EXIT_FAIL;
        }
    }

 leave:
  xfree_secure (pw);
  buf_free (&file);
  return rc;
}

static int
cmd_remote_ls (remote_t *r, bool json)
{
  gpg_error_t err;
  proto_entry_t *list = NULL;
  size_t n = 0, i;

  err = remote_list (r, &list, &n);
  if (err)
    {
      cmd_remote_fail (r, err, _("ls"));
      return cli_exit_code (err);
    }
  if (json)
    printf ("{\"vscs\":[");
  for (i = 0; i < n; i++)
    cmd_remote_print_entry (&list[i], json, !i);
  if (json)
    printf ("]}\n");
  xfree (list);
  return CLI_EXIT_OK;
}

static int
cmd_remote_stat (remote_t *r, int argc, char **argv, bool json)
{
  gpg_error_t err;
  proto_entry_t e;

  if (argc != 2)
    return cli_usage (&cli_cmd_remote);
  err = remote_stat (r, argv[1], &e);
  if (err)
    {
      cmd_remote_fail (r, err, _("stat"));
      return cli_exit_code (err);
    }
  cmd_remote_print_entry (&e, json, true);
  if (json)
    putchar ('\n');
  return CLI_EXIT_OK;
}

static int
cmd_remote_get (remote_t *r, int argc, char **argv, bool json)
{
  gpg_error_t err;
  uint64_t want = 0, gen = 0;
  proto_entry_t cur;
  const char *pos[2];
  int i, npos = 0;

  for (i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-g") && i + 1 < argc)
        {
          if (!cmd_remote_gen (argv[++i], &want) || !want)
            {
              cli_msg (_("-g needs a generation number >= 1"));
              return CLI_EXIT_USAGE;
            }
        }
      else if (argv[i][0] == '-' || npos == 2)
        return cli_usage (&cli_cmd_remote);
      else
        pos[npos++] = argv[i];
    }
  if (npos != 2)
    return cli_usage (&cli_cmd_remote);
  err = remote_get_gen_file (r, pos[0], want, pos[1], &gen);
  if (!err)
    err = cmd_remote_save_state (pos[1], pos[0], gen);
  if (err)
    {
      cmd_remote_fail (r, err, _("get"));
      return cli_exit_code (err);
    }
  if (json)
    {
      printf ("{\"uuid\":\"%s\",\"generation\":%" PRIu64 ",\"file\":",
              pos[0], gen);
      cli_json_str (stdout, pos[1]);
      printf ("}\n");
    }
  else
    printf (_("VSC %s generation %" PRIu64 " written to %s\n"), pos[0], gen,
            pos[1]);
  /* An old generation: say how to make it the current one again. */
  if (want && !json && !remote_stat (r, pos[0], &cur) && cur.gen != gen)
    printf (_("The current generation is %" PRIu64 "; to make this one "
              "current again: vsctool remote URL put %s -g %" PRIu64 "\n"),
            cur.gen, pos[1], cur.gen);
  return CLI_EXIT_OK;
}

static int
cmd_remote_history (remote_t *r, int argc, char **argv, bool json)
{
  gpg_error_t err;
  proto_version_t *list = NULL;
  size_t n = 0, i;
  char when[32];

  if (argc != 2)
    return cli_usage (&cli_cmd_remote);
  err = remote_history (r, argv[1], &list, &n);
  if (err)
    {
      cmd_remote_fail (r, err, _("history"));
      return cli_exit_code (err);
    }
  if (json)
    printf ("{\"uuid\":\"%s\",\"generations\":[", argv[1]);
  else
    printf ("%-10s  %10s  %-20s  %s\n", _("GEN"), _("BYTES"),
            _("STORED (UTC)"), _("BY"));
  for (i = 0; i < n; i++)
    {
      cmd_remote_time (when, sizeof when, list[i].mtime);
      if (json)
        {
          printf ("%s{\"generation\":%" PRIu64 ",\"size\":%" PRIu64
                  ",\"stored\":\"%s\",\"by\":", i ? "," : "", list[i].gen,
                  list[i].size, when);
          cli_json_str (stdout, list[i].by);
          printf (",\"from\":");
          cli_json_str (stdout, list[i].from);
          putchar ('}');
        }
      else
        {
          printf ("%-10" PRIu64 "  %10" PRIu64 "  %-20s  ", list[i].gen,
                  list[i].size, when);
          cmd_remote_print_text ( list[i].by[0] ? list[i].by : "?");
          if (list[i].from[0])
            {
              printf (" (");
              cmd_remote_print_text ( list[i].from);
              putchar (')');
            }
          putchar ('\n');
        }
    }
  if (json)
    printf ("]}\n");
  xfree (list);
  return CLI_EXIT_OK;
}

static int
cmd_remote_put (remote_t *r, int argc, char **argv, bool json)
{
  gpg_error_t err;
  const char *pos[2], *file;
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t gen = 0, newgen = 0;
  bool have_gen = false, isnew = false;
  int i, npos = 0;

  for (i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-g") && i + 1 < argc)
        {
          if (!cmd_remote_gen (argv[++i], &gen) || !gen)
            {
              cli_msg (_("-g needs a generation number >= 1"));
              return CLI_EXIT_USAGE;
            }
          have_gen = true;
        }
      else if (!strcmp (argv[i], "--new"))
        isnew = true;
      else if (argv[i][0] == '-' || npos == 2)
        return cli_usage (&cli_cmd_remote);
      else
        pos[npos++] = argv[i];
    }
  if (!npos || (isnew && have_gen) || ((isnew || have_gen) && npos != 2))
    return cli_usage (&cli_cmd_remote);
  file = pos[npos - 1];
  if (npos == 2)
    {
      if (!proto_uuid_valid (pos[0], strlen (pos[0])))
        {
          cli_msg (_("'%s' is not a VSC UUID"), pos[0]);
          return CLI_EXIT_USAGE;
        }
      memcpy (uuid, pos[0], PROTO_UUID_LEN + 1);
    }
  if (!isnew && !have_gen)
    {
      char su[PROTO_UUID_LEN + 1];
      if (cmd_remote_load_state (file, su, &gen))
        return CLI_EXIT_USAGE;
      if (npos == 2 && strcmp (su, uuid))
        {
          cli_msg (_("'%s' was fetched as VSC %s, not %s"), file, su, uuid);
          return CLI_EXIT_USAGE;
        }
      memcpy (uuid, su, sizeof su);
    }
  err = remote_put_file (r, uuid, isnew ? 0 : gen, file, &newgen);
  if (err)
    {
      cmd_remote_fail (r, err, _("put"));
      return cli_exit_code (err);
    }
  err = cmd_remote_save_state (file, uuid, newgen);
  if (err)
    cli_error (err, _("stored, but cannot record the new generation"));
  if (json)
    printf ("{\"uuid\":\"%s\",\"generation\":%" PRIu64 "}\n", uuid, newgen);
  else
    printf (_("VSC %s stored as generation %" PRIu64 ".\n"), uuid, newgen);
  return err ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int
cmd_remote_rm (remote_t *r, int argc, char **argv)
{
  gpg_error_t err;
  uint64_t gen = 0;

  if (argc == 4 && !strcmp (argv[2], "-g"))
    {
      if (!cmd_remote_gen (argv[3], &gen) || !gen)
        return cli_usage (&cli_cmd_remote);
    }
  else if (argc != 2)
    return cli_usage (&cli_cmd_remote);
  err = remote_delete (r, argv[1], gen);
  if (err)
    {
      cmd_remote_fail (r, err, _("rm"));
      return cli_exit_code (err);
    }
  return CLI_EXIT_OK;
}

static int
cmd_remote_run (int argc, char **argv)
{
  gpg_error_t err;
  remote_opts_t o = REMOTE_OPTS_INIT;
  remote_t *r = NULL;
  const char *url, *op;
  bool json = false;
  unsigned long t;
  int i = 1, rc;

  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *a = argv[i];
      if (!strcmp (a, "--help") || !strcmp (a, "-h"))
        {
          printf (_("usage: vsctool remote %s\n"), cli_cmd_remote.args);
          return CLI_EXIT_OK;
        }
      else if (!strcmp (a, "--json"))
        json = true;
      else if (!strcmp (a, "--ssh-command") && i + 1 < argc)
        o.ssh_command = argv[++i];
      else if (!strcmp (a, "--remote-vscd") && i + 1 < argc)
        o.remote_vscd = argv[++i];
      else if (!strcmp (a, "--timeout") && i + 1 < argc)
        {
          char *end;
          errno = 0;
          t = strtoul (argv[++i], &end, 10);
          if (errno || *end || !t || t > 86400)
            return cli_usage (&cli_cmd_remote);
          o.timeout_ms = (int)(t * 1000);
        }
      else
        return cli_usage (&cli_cmd_remote);
    }
  if (argc - i < 2)
    return cli_usage (&cli_cmd_remote);
  url = argv[i++];
  op = argv[i];
  if (strcmp (op, "create") && strcmp (op, "ls") && strcmp (op, "stat")
      && strcmp (op, "get") && strcmp (op, "put") && strcmp (op, "rm")
      && strcmp (op, "history"))
    {
      cli_msg (_("unknown remote operation '%s'"), op);
      return cli_usage (&cli_cmd_remote);
    }

  /* A vanished ssh must give an error, not kill us. */
  signal (SIGPIPE, SIG_IGN);
  err = remote_open (url, &o, &r);
  if (err)
    {
      if (gpg_err_code (err) == GPG_ERR_INV_URI)
        {
          cli_msg (_("'%s' is not a server URL (ssh://[user@]host[:port][/vault]"
                     " or unix:/path/to/socket)"), url);
          return CLI_EXIT_USAGE;
        }
      cmd_remote_fail (NULL, err, url);
      return cli_exit_code (err) == CLI_EXIT_OK ? CLI_EXIT_FAIL : cli_exit_code (err);
    }
  argc -= i;
  argv += i;
  if (!strcmp (op, "create"))
    rc = cmd_remote_create (r, argc, argv, json);
  else if (!strcmp (op, "ls"))
    rc = argc == 1 ? cmd_remote_ls (r, json) : cli_usage (&cli_cmd_remote);
  else if (!strcmp (op, "stat"))
    rc = cmd_remote_stat (r, argc, argv, json);
  else if (!strcmp (op, "get"))
    rc = cmd_remote_get (r, argc, argv, json);
  else if (!strcmp (op, "put"))
    rc = cmd_remote_put (r, argc, argv, json);
  else if (!strcmp (op, "history"))
    rc = cmd_remote_history (r, argc, argv, json);
  else
    rc = cmd_remote_rm (r, argc, argv);
  remote_close (r);
  return rc;
}
