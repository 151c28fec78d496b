/* cli-vsc.h - helpers shared by vsctool's VSC file commands */
#ifndef VSC_CLI_VSC_H
#define VSC_CLI_VSC_H

#include <stdio.h>
#include <stdbool.h>
#include "cli/cli.h"
#include "vsc/vsc.h"

/* Options common to the file commands (parsed by cli_vsc_option). */
typedef struct cli_vsc_opts {
  cli_pwsrc_t pw;            /* --password-file / --password-fd */
  bool json;                 /* --json */
  vsc_kdf_params_t kdf;      /* --kdf-memory/--kdf-iterations/--kdf-parallelism */
  bool kdf_set;
} cli_vsc_opts_t;

void cli_vsc_opts_init (cli_vsc_opts_t *o);

/* Long option ids for getopt_long tables. */
enum {
  CLI_VSC_OPT_PWFILE = 0x1000,
  CLI_VSC_OPT_PWFD,
  CLI_VSC_OPT_JSON,
  CLI_VSC_OPT_KDF_M,
  CLI_VSC_OPT_KDF_T,
  CLI_VSC_OPT_KDF_P,
  CLI_VSC_OPT_HELP
};
#define CLI_VSC_LONGOPTS_PW \
  { "password-file", 1, NULL, CLI_VSC_OPT_PWFILE }, \
  { "password-fd", 1, NULL, CLI_VSC_OPT_PWFD }
#define CLI_VSC_LONGOPTS_KDF \
  { "kdf-memory", 1, NULL, CLI_VSC_OPT_KDF_M }, \
  { "kdf-iterations", 1, NULL, CLI_VSC_OPT_KDF_T }, \
  { "kdf-parallelism", 1, NULL, CLI_VSC_OPT_KDF_P }
#define CLI_VSC_LONGOPTS_JSON { "json", 0, NULL, CLI_VSC_OPT_JSON }
#define CLI_VSC_LONGOPTS_HELP { "help", 0, NULL, CLI_VSC_OPT_HELP }

/* Handle one of the options above: 1 if handled, 0 if not ours, -1 on a
 * bad value (message printed). */
int cli_vsc_option (cli_vsc_opts_t *o, int c, const char *arg);

/* Whether a password source other than the terminal is configured. */
bool cli_vsc_have_pwsrc (const cli_vsc_opts_t *o);

/* Open PATH; with WANT_PASSWORD ask for it (cli_read_password). On error
 * prints a message and returns the exit code (> 0); 0 on success. */
int cli_vsc_open (const cli_vsc_opts_t *o, const char *path,
                  bool want_password, vsc_t **r_vsc);

/* Print "vsctool: PATH: <vsc_error_text or strerror>" and return the
 * exit code for ERR. */
int cli_vsc_fail (gpg_error_t err, const char *path);

/* Options for vsc_create/vsc_passwd from the --kdf-* options. */
void cli_vsc_vopts (const cli_vsc_opts_t *o, vsc_opts_t *vo);

/* Read a whole file ("-" = stdin), at most 16 MiB. */
gpg_error_t cli_vsc_read_file (const char *path, unsigned char **r_data,
                               size_t *r_len);

/* Print a Unix time as ISO 8601 UTC. */
void cli_vsc_time (FILE *fp, unsigned long long t);

#endif /* VSC_CLI_VSC_H */
