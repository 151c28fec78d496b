/* vsctool.c - the scriptable command line of vscman
 *
 * Commands are entries of a table (tmux's cmd_table); each lives in
 * src/cli/cmd-*.c as a cli_cmd_t, and src/cli/cli-parse.c parses the
 * command line for all of them. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/log.h"
#include "cli/cli.h"

CLI_CMD_DECL (readers);
CLI_CMD_DECL (remote);
CLI_CMD_DECL (backup);
CLI_CMD_DECL (restore);
CLI_CMD_DECL (diff);
CLI_CMD_DECL (create);
CLI_CMD_DECL (info);
CLI_CMD_DECL (ls);
CLI_CMD_DECL (cat);
CLI_CMD_DECL (put);
CLI_CMD_DECL (rm);
CLI_CMD_DECL (passwd);
CLI_CMD_DECL (verify);
CLI_CMD_DECL (export_public);
CLI_CMD_DECL (keygen);

/* One line per command. */
static const cli_cmd_t *const commands[] = {
  &cli_cmd_readers,
  &cli_cmd_remote,
  &cli_cmd_backup,
  &cli_cmd_restore,
  &cli_cmd_diff,
  &cli_cmd_keygen,
  &cli_cmd_create,
  &cli_cmd_info,
  &cli_cmd_ls,
  &cli_cmd_cat,
  &cli_cmd_put,
  &cli_cmd_rm,
  &cli_cmd_passwd,
  &cli_cmd_verify,
  &cli_cmd_export_public,
  NULL
};

static void
usage (FILE *fp)
{
  size_t i;
  fprintf (fp, _("usage: vsctool [-v|--verbose] [--debug-apdu] [--version] COMMAND [ARGS...]\n\n"
                 "Back up smart cards into encrypted virtual smart cards (VSC),\n"
                 "manage VSC files and restore them onto cards.\n\n"
                 "Commands:\n"));
  for (i = 0; commands[i]; i++)
    fprintf (fp, "  %-14s %s\n", commands[i]->name, _(commands[i]->summary));
  fprintf (fp, _("\nRun 'vsctool COMMAND --help' for a command's options.\n"
                 "See vsctool(1) for exit codes.\n"));
}

int
main (int argc, char **argv)
{
  gpg_error_t err;
  size_t i;
  int argi = 1;

  err = util_program_init ();
  if (err)
    {
      cli_error (err, _("cannot initialise libgcrypt (need >= 1.10)"));
      return CLI_EXIT_FAIL;
    }

  while (argi < argc && argv[argi][0] == '-')
    {
      const char *a = argv[argi];
      if (!strcmp (a, "--help") || !strcmp (a, "-h"))
        {
          usage (stdout);
          return CLI_EXIT_OK;
        }
      else if (!strcmp (a, "--version"))
        {
          printf ("vsctool (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
          return CLI_EXIT_OK;
        }
      else if (!strcmp (a, "--list-commands"))
        {
          /* For shell completion (vsctool(1), completion/vsctool): the
           * names from the table, one per line, never translated. */
          for (i = 0; commands[i]; i++)
            printf ("%s\n", commands[i]->name);
          return CLI_EXIT_OK;
        }
      else if (!strcmp (a, "-v") || !strcmp (a, "--verbose"))
        log_set_level (log_get_level () + 1);
      else if (!strcmp (a, "--debug-apdu"))
        log_set_level (LOG_LEVEL_APDU);
      else
        {
          cli_msg (_("unknown option '%s'"), a);
          usage (stderr);
          return CLI_EXIT_USAGE;
        }
      argi++;
    }
  if (argi >= argc)
    {
      usage (stderr);
      return CLI_EXIT_USAGE;
    }
  for (i = 0; commands[i]; i++)
    if (!strcmp (commands[i]->name, argv[argi]))
      return cli_run (commands[i], argc - argi, argv + argi);

  cli_msg (_("unknown command '%s' (see 'vsctool --help')"), argv[argi]);
  return CLI_EXIT_USAGE;
}
