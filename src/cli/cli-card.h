/* cli-card.h - helpers shared by vsctool's card commands (backup,
 * restore, diff): reader/emulator selection, PIN prompts, progress on
 * stderr, Ctrl-C as cancellation. */
#ifndef VSC_CLI_CARD_H
#define VSC_CLI_CARD_H

#include <stdbool.h>
#include "cli/cli.h"
#include "scapi/scapi.h"

typedef struct cli_card_opts {
  const char *reader;        /* --reader NAME */
  const char *emu;           /* --emu PROFILE (in-process emulator) */
  const char *pin_file;      /* --pin-file F: the PIN for every reference,
                                or lines "RR:PIN" per reference (hex RR) */
  bool json;
  bool quiet;                /* no progress */
} cli_card_opts_t;

/* Open the backend and connect to the card. Prints the error and
 * returns the exit code (> 0), or 0. */
int cli_card_open (const cli_card_opts_t *o, scapi_t **r_s,
                   scapi_card_t **r_card);

/* Callbacks: PIN from --pin-file or /dev/tty (showing the retry
 * counter first), progress on stderr when it is a terminal, Ctrl-C sets
 * the cancel flag. Call cli_card_cb_done afterwards. */
void cli_card_cb (const cli_card_opts_t *o, scapi_cb_t *cb);
void cli_card_cb_done (void);

/* Print "vsctool: TEXT" using scapi_last_error_text (or the error) and
 * return the exit code for ERR. */
int cli_card_fail (gpg_error_t err, const char *what);

/* Scan options shared by backup and diff: --scan-range FIRST-LAST (hex
 * FIDs, repeatable), --scan-budget N, --no-scan. Returns 1 if C was one
 * of them, 0 if not, -1 on a bad value (message printed). */
#define CLI_CARD_MAX_RANGES 32
typedef struct cli_card_scan {
  scapi_scan_range_t ranges[CLI_CARD_MAX_RANGES];
  size_t n_ranges;
  unsigned long budget;
  bool no_scan;
} cli_card_scan_t;
enum { CLI_CARD_OPT_RANGE = 0x200, CLI_CARD_OPT_BUDGET, CLI_CARD_OPT_NOSCAN };
#define CLI_CARD_LONGOPTS_SCAN \
  { "scan-range", 1, NULL, CLI_CARD_OPT_RANGE }, \
  { "scan-budget", 1, NULL, CLI_CARD_OPT_BUDGET }, \
  { "no-scan", 0, NULL, CLI_CARD_OPT_NOSCAN }
int cli_card_scan_option (cli_card_scan_t *sc, int c, const char *arg);
/* Copy into discovery options. */
void cli_card_scan_apply (const cli_card_scan_t *sc,
                          scapi_discover_opts_t *o);

/* Read a password for PATH from --password-file / tty (secure memory). */
gpg_error_t cli_card_password (const char *pwfile, const char *prompt,
                               char **r_pw);

#endif /* VSC_CLI_CARD_H */
