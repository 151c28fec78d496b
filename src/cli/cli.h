/* cli.h - vsctool command table, exit codes, password input, JSON output */
#ifndef VSC_CLI_H
#define VSC_CLI_H

#include <stdio.h>
#include <stdbool.h>
#include "common/error.h"

/* Exit codes (documented in vsctool(1)). */
enum cli_exit {
  CLI_EXIT_OK       = 0,  /* success */
  CLI_EXIT_FAIL     = 1,  /* operation failed (see message) */
  CLI_EXIT_USAGE    = 2,  /* bad command line */
  CLI_EXIT_AUTH     = 3,  /* wrong password, or VSC damaged/altered */
  CLI_EXIT_FORMAT   = 4,  /* not a VSC / malformed / unsupported version */
  CLI_EXIT_CARD     = 5,  /* reader or card error (no card, removed, refused) */
  CLI_EXIT_CONFLICT = 6,  /* changed since opened, generation conflict,
                             non-blank card without --force */
  CLI_EXIT_PARTIAL  = 7,  /* done, but some nodes could not be read/written */
  CLI_EXIT_CANCELED = 8   /* cancelled by the user or a signal */
};

typedef struct cli_cmd {
  const char *name;
  const char *args;      /* "[-l] FILE [PATH]" */
  const char *summary;   /* one line, translated at print time */
  int (*run) (int argc, char **argv);   /* argv[0] is the command name */
} cli_cmd_t;

/* Each command file defines one of these; vsctool.c lists them. */
#define CLI_CMD_DECL(n) extern const cli_cmd_t cli_cmd_##n

/* Print "vsctool: MESSAGE: gpg_strerror(err)" to stderr (translated). */
void cli_error(gpg_error_t err, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
/* Print "vsctool: MESSAGE" to stderr. */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Map an error to the exit code above. */
int cli_exit_code(gpg_error_t err);
/* Usage line for a command, to stderr; returns CLI_EXIT_USAGE. */
int cli_usage(const cli_cmd_t *cmd);

/* Where a password comes from, in order: FILE (--password-file), FD
 * (--password-fd, -1 = none), $VSC_PASSWORD_FILE, then the terminal
 * (/dev/tty, no echo, PROMPT shown; CONFIRM asks twice). Never the
 * command line. The first line is taken, the newline dropped. *R_PW is
 * in secure memory: release with xfree_secure. GPG_ERR_NO_PASSPHRASE if
 * there is no terminal and no other source. */
typedef struct cli_pwsrc {
  const char *file;
  int fd;
} cli_pwsrc_t;
#define CLI_PWSRC_INIT { NULL, -1 }

gpg_error_t cli_read_password(const cli_pwsrc_t *src, const char *prompt,
                              bool confirm, char **r_pw);

/* Read a secret line from FILE or FD (used for --pin-file too). */
gpg_error_t cli_read_secret_file(const char *file, int fd, char **r_secret);

/* JSON output helpers (UTF-8 assumed; control chars escaped). */
void cli_json_str(FILE *fp, const char *s);
void cli_json_hex(FILE *fp, const unsigned char *p, size_t n);

#endif /* VSC_CLI_H */
