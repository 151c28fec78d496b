/* cli.h - vsctool's commands as data, one parser, exit codes, password
 * input and JSON output
 *
 * A command is a cli_cmd_t (like tmux's cmd_entry): its name, the
 * positional arguments for the usage line, a one-line summary, the
 * option groups it takes (CLI_CMD_*), its own options (a cli_opt_t
 * table), the number of positional arguments and its exec function.
 * cli_parse reads argv for every command the same way: --help/-h, the
 * option groups (password source, --json, --kdf-*, reader/emulator,
 * PIN file, scan ranges), the command's own options, the argument count
 * and the hidden --list-options (for shell completion). The exec
 * function then reads what was given with cli_has/cli_get.
 *
 * Adding a command: write src/cli/cmd-NAME.c defining
 * "const cli_cmd_t cli_cmd_NAME", add one line to the table in
 * src/vsctool.c and the file to src/cli/local.mk (see doc/HACKING.md). */
#ifndef VSC_CLI_H
#define VSC_CLI_H

#include <stdio.h>
#include <stdbool.h>
#include "common/error.h"
#include "scapi/scapi.h"

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

/* ---- options --------------------------------------------------------- */

/* One option of a command. SPEC is "[C,]NAME[=ARG][...]": C its short
 * form, =ARG a value (named ARG in the usage), "..." repeatable (every
 * value kept). "l,long", "label=TEXT", "select=PATH...". cli_has and
 * cli_get take NAME. HELP is N_("...") for --help (NULL: hidden). */
typedef struct cli_opt {
  const char *spec;
  const char *help;
} cli_opt_t;
#define CLI_OPT_END { NULL, NULL }

/* Option groups a command takes (cli_cmd_t.flags); the parser handles
 * them and puts the values into cli_ctx_t. */
#define CLI_CMD_PW       0x001u  /* --password-file F, --password-fd N */
#define CLI_CMD_JSON     0x002u  /* --json */
#define CLI_CMD_KDF      0x004u  /* --kdf-memory/-iterations/-parallelism */
#define CLI_CMD_READER   0x008u  /* --reader NAME, --emu PROFILE */
#define CLI_CMD_PINFILE  0x010u  /* --pin-file F */
#define CLI_CMD_QUIET    0x020u  /* --quiet (no progress) */
#define CLI_CMD_SCAN     0x040u  /* --scan-range, --scan-budget, --no-scan */
#define CLI_CMD_PWFILE   0x080u  /* --password-file F only (no -fd) */
#define CLI_CMD_IN_ORDER 0x100u  /* options only before the first
                                    argument (the rest belongs to a
                                    sub-command: vsctool remote) */

typedef struct cli_ctx cli_ctx_t;
struct cli_spec;

typedef struct cli_cmd {
  const char *name;
  const char *args;       /* positional part of the usage ("FILE [PATH]") */
  const char *summary;    /* N_(): one line, translated at print time */
  unsigned flags;         /* CLI_CMD_* */
  const cli_opt_t *opts;  /* the command's own options, or NULL */
  int min_args, max_args; /* positional arguments; max -1 = no limit */
  int (*exec) (cli_ctx_t *c);
  const char *parent;     /* a sub-command's usage prefix ("remote URL") */
} cli_cmd_t;

/* Each command file defines one with CLI_COMMAND; vsctool.c lists
 * them. */
#define CLI_CMD_DECL(n) extern const cli_cmd_t cli_cmd_##n

/* Define cli_cmd_ID (its exec function is cmd_ID_exec) with its own
 * options given as cli_opt_t initialisers after MAX:
 *
 *   CLI_COMMAND (rm, "rm", "FILE PATH", N_("remove a node"),
 *                CLI_CMD_PW, 2, 2,
 *                { "r,recursive", N_("also the nodes below it") });
 */
#define CLI_COMMAND(id, name_, args_, summary_, flags_, min_, max_, ...)  \
  static int cmd_##id##_exec (cli_ctx_t *c);                            \
  const cli_cmd_t cli_cmd_##id = {                                      \
    .name = name_, .args = args_, .summary = summary_, .flags = flags_, \
    .opts = (const cli_opt_t[]) { __VA_ARGS__ __VA_OPT__(,) CLI_OPT_END },\
    .min_args = min_, .max_args = max_, .exec = cmd_##id##_exec         \
  }

/* ---- password sources ---------------------------------------------- */

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

#define CLI_MAX_RANGES 32

/* What cli_parse found. */
struct cli_ctx {
  const cli_cmd_t *cmd;
  int argc;               /* positional arguments */
  char **argv;
  /* option groups */
  cli_pwsrc_t pw;         /* CLI_CMD_PW / CLI_CMD_PWFILE */
  bool json;              /* CLI_CMD_JSON */
  bool quiet;             /* CLI_CMD_QUIET */
  bool kdf_set;           /* CLI_CMD_KDF: any of them given; 0 = default */
  unsigned long kdf_m_kib, kdf_t, kdf_p;
  const char *reader;     /* CLI_CMD_READER */
  const char *emu;
  const char *pin_file;   /* CLI_CMD_PINFILE */
  /* CLI_CMD_SCAN */
  scapi_scan_range_t ranges[CLI_MAX_RANGES];
  size_t n_ranges;
  unsigned long scan_budget;
  bool no_scan;
  /* the command's own options, parallel to cmd->opts */
  size_t n_opts;
  struct cli_spec *own;   /* their specs taken apart */
  unsigned *count;
  const char ***values;   /* every value of an option, in order */
  void *data;             /* for the caller of a sub-command */
};

/* Parse ARGV (ARGV[0] is the command name) for CMD into *C. Returns 0
 * to go on with CMD->exec, or an exit code (> 0, or CLI_EXIT_OK with
 * *DONE set after --help / --list-options). Messages are printed. */
int cli_parse (const cli_cmd_t *cmd, int argc, char **argv, cli_ctx_t *c,
               bool *done);
void cli_ctx_release (cli_ctx_t *c);

/* Parse and run CMD with ARGV: what vsctool's main calls. */
int cli_run (const cli_cmd_t *cmd, int argc, char **argv);

/* How often the command's own option NAME was given (0 = not at all). */
unsigned cli_count (const cli_ctx_t *c, const char *name);
static inline bool cli_has (const cli_ctx_t *c, const char *name)
{ return cli_count (c, name) > 0; }
/* The last value of an own option, or NULL. */
const char *cli_get (const cli_ctx_t *c, const char *name);
/* Every value of a CLI_OPT_MULTI option (*R_N of them; may be NULL). */
const char *const *cli_get_all (const cli_ctx_t *c, const char *name,
                                size_t *r_n);
/* The value of NAME as a number in MIN..MAX: 0 and *R, 1 if the option
 * was not given, or CLI_EXIT_USAGE (message printed) for a bad value. */
int cli_get_ulong (const cli_ctx_t *c, const char *name, unsigned long min,
                   unsigned long max, unsigned long *r);

/* Usage line of a command to FP. */
void cli_print_usage (FILE *fp, const cli_cmd_t *cmd);
/* Usage to stderr; returns CLI_EXIT_USAGE. */
int cli_usage (const cli_cmd_t *cmd);
/* --help: usage, summary and one line per option, to stdout. */
void cli_print_help (const cli_cmd_t *cmd);
/* --list-options: every option one per line ("--json"), for shell
 * completion. */
void cli_print_options (FILE *fp, const cli_cmd_t *cmd);

/* ---- messages and exit codes ---------------------------------------- */

/* Print "vsctool: MESSAGE: gpg_strerror(err)" to stderr (translated). */
void cli_error (gpg_error_t err, const char *fmt, ...)
  __attribute__ ((format (printf, 2, 3)));
/* Print "vsctool: MESSAGE" to stderr. */
void cli_msg (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* Map an error to the exit code above. */
int cli_exit_code (gpg_error_t err);
/* cli_exit_code, but never "success" or "usage" for an ERR that ended
 * an operation (those become CLI_EXIT_FAIL). */
int cli_exit_fail (gpg_error_t err);

gpg_error_t cli_read_password (const cli_pwsrc_t *src, const char *prompt,
                               bool confirm, char **r_pw);
/* Whether a password source other than the terminal is configured
 * (an option of C, or $VSC_PASSWORD_FILE). */
bool cli_have_pwsrc (const cli_ctx_t *c);
/* Read a line from /dev/tty without echo (PROMPT shown) into secure
 * memory; GPG_ERR_NO_PASSPHRASE without a terminal, GPG_ERR_CANCELED
 * when a signal sets *CANCEL (may be NULL). */
gpg_error_t cli_read_tty (const char *prompt, volatile int *cancel,
                          char **r_line);
/* Read a secret line from FILE or FD (used for --pin-file too). */
gpg_error_t cli_read_secret_file (const char *file, int fd, char **r_secret);

/* The "shown once" block of a generated password: the line (e.g.
 * _("Password: %s\n"), pw) on stdout, then the note on stderr that it
 * is shown only once. */
void cli_show_password (const char *fmt, ...)
  __attribute__ ((format (printf, 1, 2)));

/* ---- JSON ------------------------------------------------------------ */

/* A string (UTF-8 assumed; control characters escaped); NULL = "". */
void cli_json_str (FILE *fp, const char *s);
/* A string, or null for NULL. */
void cli_json_str_or_null (FILE *fp, const char *s);
/* Bytes as an upper-case hex string. */
void cli_json_hex (FILE *fp, const unsigned char *p, size_t n);
/* ,"KEY": (FIRST: without the comma) */
void cli_json_key (FILE *fp, const char *key, bool first);
/* ,"KEY":VALUE with VALUE a string, or null for NULL. */
void cli_json_field (FILE *fp, const char *key, const char *value);

#endif /* VSC_CLI_H */
