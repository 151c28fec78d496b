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
#include <config.h>
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
#include "common/sanitize.h"
#include "remote/client.h"
#include "cli/cli.h"

CLI_COMMAND (remote, "remote", "URL create|ls|stat|get|put|rm|history [ARGS...]",
             N_("VSCs on a vscd server (ssh://user@host[:port][/vault] or "
                "unix:PATH)"),
             CLI_CMD_JSON | CLI_CMD_IN_ORDER, 2, -1,
             { "ssh-command=CMD", N_("the ssh program and its options "
                                     "(default: ssh)") },
             { "remote-vscd=PATH", N_("vscd's path on the server (default: "
                                      "vscd)") },
             { "timeout=SECS", N_("give up after SECS seconds without an "
                                  "answer") },
             { "force", N_("create -o and get may replace a FILE that is "
                           "not that VSC") });

/* The operations after the URL: commands of their own, parsed by
 * cli_parse; cli_ctx_t.data is the connection. */
static const cli_opt_t cmd_remote_create_opts[] = {
  { "o,output=FILE", N_("also write the new VSC to FILE (with FILE.remote)") },
  { "password-out=FILE",
    N_("write the password to FILE instead of showing it") },
  { "force", N_("replace FILE (and the password file) if they exist") },
  CLI_OPT_END
};
static const cli_opt_t cmd_remote_get_opts[] = {
  { "force", N_("replace FILE even if it is not this VSC") },
  { "g,generation=GEN",
    N_("an older generation the server keeps (see history)") },
  CLI_OPT_END
};
static const cli_opt_t cmd_remote_put_opts[] = {
  { "g,generation=GEN",
    N_("the generation the file was fetched as (default: from FILE.remote)") },
  { "new", N_("store FILE as a new VSC") },
  CLI_OPT_END
};
static const cli_opt_t cmd_remote_rm_opts[] = {
  { "g,generation=GEN",
    N_("delete only if the server still has generation GEN") },
  CLI_OPT_END
};

/* Say what failed (with the server's message); the exit code. */
static int
cmd_remote_fail (gpg_error_t err, const char *what)
{
  const char *m = errctx_text ();
  if (m && *m)
    cli_msg ("%s: %s (%s)", what, m, vsc_strerror (err));
  else
    cli_error (err, "%s", what);
  return cli_exit_code (err);
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

/* -g/--generation, when given: a number >= 1 into *R_GEN (not touched
 * when the option is not given); false when it is not one. */
static bool
cmd_remote_gen_opt (const cli_ctx_t *c, uint64_t *r_gen)
{
  return !cli_has (c, "generation")
         || (cmd_remote_gen (cli_get (c, "generation"), r_gen) && *r_gen);
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

static void
cmd_remote_print_entry (const void *row, bool json, bool first)
{
  const proto_entry_t *e = row;
  char when[32];
  util_time_text (e->mtime, when, sizeof when);
  if (json)
    printf ("%s{\"uuid\":\"%s\",\"generation\":%" PRIu64 ",\"size\":%" PRIu64
            ",\"mtime\":\"%s\"}", first ? "" : ",", e->uuid, e->gen, e->size,
            when);
  else
    printf ("%s  %6" PRIu64 "  %10" PRIu64 "  %s\n", e->uuid, e->gen,
            e->size, when);
}

/* Text from the server on the terminal, escaped (sanitize.h). */
static void
cmd_remote_print_text (const char *s)
{
  sanitize_fputs (s, stdout);
}

/* One generation of remote history: an object in the JSON array (FIRST:
 * the first one), or a line. */
static void
cmd_remote_print_version (const void *row, bool json, bool first)
{
  const proto_version_t *v = row;
  char when[32];

  util_time_text (v->mtime, when, sizeof when);
  if (json)
    {
      printf ("%s{\"generation\":%" PRIu64 ",\"size\":%" PRIu64
              ",\"stored\":\"%s\",\"by\":", first ? "" : ",", v->gen,
              v->size, when);
      cli_json_str (stdout, v->by);
      printf (",\"from\":");
      cli_json_str (stdout, v->from);
      putchar ('}');
    }
  else
    {
      printf ("%-10" PRIu64 "  %10" PRIu64 "  %-20s  ", v->gen, v->size,
              when);
      cmd_remote_print_text (v->by[0] ? v->by : "?");
      if (v->from[0])
        {
          printf (" (");
          cmd_remote_print_text (v->from);
          putchar (')');
        }
      putchar ('\n');
    }
}

/* The N rows of ROWS (SIZE bytes each) that ls and history print with
 * FN: with --json the array that JSON_HEAD opens, closed with the
 * object; else below HEADER (NULL: none). */
static void
cmd_remote_print_rows (const cli_ctx_t *c, const char *json_head,
                       const char *header, const void *rows, size_t size,
                       size_t n,
                       void (*fn) (const void *row, bool json, bool first))
{
  size_t i;

  if (c->json)
    fputs (json_head, stdout);
  else if (header)
    fputs (header, stdout);
  for (i = 0; i < n; i++)
    fn ((const char *) rows + i * size, c->json, !i);
  if (c->json)
    printf ("]}\n");
}

/* --force given before the URL (the operation's own --force is in its
 * context). */
static bool cmd_remote_forced;

/* Refuse (exit 6) to write over FILE unless FORCE: it must not exist,
 * or (UUID given) hold that VSC. */
static int
cmd_remote_target (const char *file, const char *uuid, bool force)
{
  char text[512];

  if (force || !remote_check_target (file, uuid, text, sizeof text))
    return CLI_EXIT_OK;
  cli_msg ("%s", text);
  return CLI_EXIT_CONFLICT;
}

/* Whether FILE.remote says FILE was fetched as VSC UUID (then a get
 * may refresh FILE whatever it holds now: it is that VSC's copy). */
static bool
cmd_remote_fetched_as (const char *file, const char *uuid)
{
  char line[128], u[64], *sc = cmd_remote_sidecar (file);
  bool yes = false;
  FILE *fp = sc ? fopen (sc, "r") : NULL;

  if (fp)
    {
      yes = fgets (line, sizeof line, fp) && sscanf (line, "%63s", u) == 1
            && !strcmp (u, uuid);
      fclose (fp);
    }
  xfree (sc);
  return yes;
}

static int
cmd_remote_create (cli_ctx_t *c)
{
  remote_t *r = c->data;
  gpg_error_t err;
  const char *out = cli_get (c, "output");
  const char *pwout = cli_get (c, "password-out");
  bool force = cli_has (c, "force") || cmd_remote_forced;
  char uuid[PROTO_UUID_LEN + 1], *pw = NULL;
  uint64_t gen = 0;
  buf_t file = BUF_INIT;
  int rc = CLI_EXIT_OK;

  /* Before the server makes a VSC: nothing is replaced by surprise. */
  if ((out && (rc = cmd_remote_target (out, NULL, force)))
      || (pwout && (rc = cmd_remote_target (pwout, NULL, force))))
    return rc;
  err = remote_create (r, uuid, &gen, &pw, &file);
  if (err)
    {
      rc = cmd_remote_fail (err, _("create"));
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
        err = remote_write_file_ex (pwout, line.data, line.len, force);
      buf_free (&line);
      if (err)
        {
          cli_error (err, _("cannot write the password to '%s'; it is: %s"),
                     pwout, pw);
          rc = CLI_EXIT_FAIL;
        }
    }
  if (c->json)
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
      err = remote_write_file_ex (out, file.data, file.len, force);
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
cmd_remote_ls (cli_ctx_t *c)
{
  remote_t *r = c->data;
  gpg_error_t err;
  proto_entry_t *list = NULL;
  size_t n = 0;

  err = remote_list (r, &list, &n);
  if (err)
    return cmd_remote_fail (err, _("ls"));
  cmd_remote_print_rows (c, "{\"vscs\":[", NULL, list, sizeof *list, n,
                         cmd_remote_print_entry);
  xfree (list);
  return CLI_EXIT_OK;
}

static int
cmd_remote_stat (cli_ctx_t *c)
{
  remote_t *r = c->data;
  gpg_error_t err;
  proto_entry_t e;

  err = remote_stat (r, c->argv[0], &e);
  if (err)
    return cmd_remote_fail (err, _("stat"));
  cmd_remote_print_entry (&e, c->json, true);
  if (c->json)
    putchar ('\n');
  return CLI_EXIT_OK;
}

static int
cmd_remote_get (cli_ctx_t *c)
{
  remote_t *r = c->data;
  const char *uuid = c->argv[0], *file = c->argv[1];
  gpg_error_t err;
  uint64_t want = 0, gen = 0;
  proto_entry_t cur;

  if (!cmd_remote_gen_opt (c, &want))
    {
      cli_msg (_("-g needs a generation number >= 1"));
      return CLI_EXIT_USAGE;
    }
  /* An existing FILE is replaced only if it is this VSC (or was fetched
   * as it, says FILE.remote), or with --force. */
  if (cli_has (c, "force") || cmd_remote_forced
      || cmd_remote_fetched_as (file, uuid))
    remote_set_replace (r, true);
  err = remote_get_gen_file (r, uuid, want, file, &gen);
  if (gpg_err_code (err) == GPG_ERR_EEXIST)
    {
      cli_msg ("%s", errctx_text ());
      return CLI_EXIT_CONFLICT;
    }
  if (!err)
    err = cmd_remote_save_state (file, uuid, gen);
  if (err)
    return cmd_remote_fail (err, _("get"));
  if (c->json)
    {
      printf ("{\"uuid\":\"%s\",\"generation\":%" PRIu64 ",\"file\":",
              uuid, gen);
      cli_json_str (stdout, file);
      printf ("}\n");
    }
  else
    printf (_("VSC %s generation %" PRIu64 " written to %s\n"), uuid, gen,
            file);
  /* An old generation: say how to make it the current one again. */
  if (want && !c->json && !remote_stat (r, uuid, &cur) && cur.gen != gen)
    printf (_("The current generation is %" PRIu64 "; to make this one "
              "current again: vsctool remote URL put %s -g %" PRIu64 "\n"),
            cur.gen, file, cur.gen);
  return CLI_EXIT_OK;
}

static int
cmd_remote_history (cli_ctx_t *c)
{
  remote_t *r = c->data;
  gpg_error_t err;
  proto_version_t *list = NULL;
  size_t n = 0;
  char head[128], header[256];

  err = remote_history (r, c->argv[0], &list, &n);
  if (err)
    return cmd_remote_fail (err, _("history"));
  /* The server answered for this UUID: it fits. */
  snprintf (head, sizeof head, "{\"uuid\":\"%s\",\"generations\":[",
            c->argv[0]);
  snprintf (header, sizeof header, "%-10s  %10s  %-20s  %s\n", _("GEN"),
            _("BYTES"), _("STORED (UTC)"), _("BY"));
  cmd_remote_print_rows (c, head, header, list, sizeof *list, n,
                         cmd_remote_print_version);
  xfree (list);
  return CLI_EXIT_OK;
}

static int
cmd_remote_put (cli_ctx_t *c)
{
  remote_t *r = c->data;
  gpg_error_t err;
  char *const *pos = c->argv;
  const char *file;
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t gen = 0, newgen = 0;
  bool have_gen = cli_has (c, "generation"), isnew = cli_has (c, "new");
  int npos = c->argc;

  if (!cmd_remote_gen_opt (c, &gen))
    {
      cli_msg (_("-g needs a generation number >= 1"));
      return CLI_EXIT_USAGE;
    }
  if ((isnew && have_gen) || ((isnew || have_gen) && npos != 2))
    return cli_usage (c->cmd);
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
    return cmd_remote_fail (err, _("put"));
  err = cmd_remote_save_state (file, uuid, newgen);
  if (err)
    cli_error (err, _("stored, but cannot record the new generation"));
  if (c->json)
    printf ("{\"uuid\":\"%s\",\"generation\":%" PRIu64 "}\n", uuid, newgen);
  else
    printf (_("VSC %s stored as generation %" PRIu64 ".\n"), uuid, newgen);
  return err ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static int
cmd_remote_rm (cli_ctx_t *c)
{
  remote_t *r = c->data;
  gpg_error_t err;
  uint64_t gen = 0;

  if (!cmd_remote_gen_opt (c, &gen))
    return cli_usage (c->cmd);
  err = remote_delete (r, c->argv[0], gen);
  if (err)
    return cmd_remote_fail (err, _("rm"));
  return CLI_EXIT_OK;
}

#define CMD_REMOTE_OP(n, args_, flags_, opts_, min_, max_)              \
  { .name = #n, .args = args_, .flags = flags_, .opts = opts_,          \
    .min_args = min_, .max_args = max_, .exec = cmd_remote_##n,         \
    .parent = "remote URL" }

static const cli_cmd_t cmd_remote_ops[] = {
  CMD_REMOTE_OP (create, "", CLI_CMD_JSON, cmd_remote_create_opts, 0, 0),
  CMD_REMOTE_OP (ls, "", CLI_CMD_JSON, NULL, 0, 0),
  CMD_REMOTE_OP (stat, "UUID", CLI_CMD_JSON, NULL, 1, 1),
  CMD_REMOTE_OP (get, "UUID FILE", CLI_CMD_JSON, cmd_remote_get_opts, 2, 2),
  CMD_REMOTE_OP (put, "[UUID] FILE", CLI_CMD_JSON, cmd_remote_put_opts, 1, 2),
  CMD_REMOTE_OP (rm, "UUID", 0, cmd_remote_rm_opts, 1, 1),
  CMD_REMOTE_OP (history, "UUID", CLI_CMD_JSON, NULL, 1, 1)
};

static int
cmd_remote_exec (cli_ctx_t *c)
{
  gpg_error_t err;
  remote_opts_t o = REMOTE_OPTS_INIT;
  remote_t *r = NULL;
  const cli_cmd_t *op = NULL;
  const char *url = c->argv[0];
  unsigned long t = 0;
  cli_ctx_t sc;
  bool done;
  size_t i;
  int rc;

  o.ssh_command = cli_get (c, "ssh-command");
  o.remote_vscd = cli_get (c, "remote-vscd");
  if (cli_get_ulong (c, "timeout", 1, 86400, &t) > 1)
    return cli_usage (c->cmd);
  if (t)
    o.timeout_ms = (int)(t * 1000);
  for (i = 0; i < DIM (cmd_remote_ops); i++)
    if (!strcmp (cmd_remote_ops[i].name, c->argv[1]))
      op = &cmd_remote_ops[i];
  if (!op)
    {
      cli_msg (_("unknown remote operation '%s'"), c->argv[1]);
      return cli_usage (c->cmd);
    }
  rc = cli_parse (op, c->argc - 1, c->argv + 1, &sc, &done);
  if (rc || done)
    goto leave;
  sc.json |= c->json;

  /* A vanished ssh must give an error, not kill us. */
  signal (SIGPIPE, SIG_IGN);
  err = remote_open (url, &o, &r);
  if (err)
    {
      if (gpg_err_code (err) == GPG_ERR_INV_URI)
        {
          cli_msg (_("'%s' is not a server URL (ssh://[user@]host[:port][/vault]"
                     " or unix:/path/to/socket)"), url);
          rc = CLI_EXIT_USAGE;
          goto leave;
        }
      rc = cmd_remote_fail (err, url);
      rc = rc == CLI_EXIT_OK || rc == CLI_EXIT_USAGE ? CLI_EXIT_FAIL : rc;
      goto leave;
    }
  sc.data = r;
  cmd_remote_forced = cli_has (c, "force");   /* given before the URL */
  rc = op->exec (&sc);
  remote_close (r);

 leave:
  cli_ctx_release (&sc);
  return rc;
}
