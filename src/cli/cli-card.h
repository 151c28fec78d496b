/* cli-card.h - helpers shared by vsctool's card commands (backup,
 * restore, diff): reader/emulator selection, PIN prompts, progress on
 * stderr, Ctrl-C as cancellation. The options come from cli_parse
 * (CLI_CMD_READER, CLI_CMD_PINFILE, CLI_CMD_QUIET, CLI_CMD_SCAN). */
#ifndef VSC_CLI_CARD_H
#define VSC_CLI_CARD_H

#include <stdbool.h>
#include "cli/cli.h"
#include "scapi/scapi.h"

/* A card session: the backend, the card and the callbacks. */
typedef struct cli_card {
  scapi_t *s;
  scapi_card_t *card;
  scapi_cb_t cb;            /* set by cli_card_cb */
} cli_card_t;
#define CLI_CARD_INIT { NULL, NULL, { 0 } }

/* Open the backend (--emu PROFILE, else PC/SC) and connect to the card
 * (--reader, else the first with a card). Prints the error and returns
 * the exit code (> 0), or 0. */
int cli_card_open (const cli_ctx_t *c, cli_card_t *cs);
/* Close the card and the backend; the callbacks are done too. */
void cli_card_close (cli_card_t *cs);

/* Callbacks: PIN from --pin-file or /dev/tty (showing the retry
 * counter first), progress on stderr when it is a terminal (commands
 * with --quiet, unless given or --json), Ctrl-C sets the cancel flag.
 * Call cli_card_cb_done afterwards (more than once is fine). */
void cli_card_cb (const cli_ctx_t *c, scapi_cb_t *cb);
void cli_card_cb_done (void);

/* Print "vsctool: TEXT" using scapi_last_error_text (or the error) and
 * return the exit code for ERR. */
int cli_card_fail (gpg_error_t err, const char *what);

/* The scan options (--scan-range, --scan-budget, --no-scan) into
 * discovery options. */
void cli_card_scan_apply (const cli_ctx_t *c, scapi_discover_opts_t *o);

#endif /* VSC_CLI_CARD_H */
