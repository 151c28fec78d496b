/* cli-vsc.h - helpers shared by vsctool's VSC file commands (the files
 * are opened and changed through the facade, scapi_vsc_*, as in the
 * manager) */
#ifndef VSC_CLI_VSC_H
#define VSC_CLI_VSC_H

#include <stdio.h>
#include <stdbool.h>
#include "cli/cli.h"
#include "scapi/scapi.h"

/* Open PATH; with WANT_PASSWORD ask for it (cli_read_password with the
 * command's password source). On error prints a message and returns the
 * exit code (> 0); 0 on success. */
int cli_vsc_open (const cli_ctx_t *c, const char *path, bool want_password,
                  scapi_vsc_t **r_vsc);

/* Print "vsctool: PATH: <scapi_last_error_text or strerror>" and return
 * the exit code for ERR. */
int cli_vsc_fail (gpg_error_t err, const char *path);

/* Save VSC: 0, or the message printed and the exit code. */
int cli_vsc_save (scapi_vsc_t *vsc, const char *file);

/* The node PATH of VSC, or NULL after "FILE: no node 'PATH'" (with
 * PRIVATE_HINT: that private nodes need the password). */
const image_node_t *cli_vsc_node (scapi_vsc_t *vsc, const char *file,
                                  const char *path, bool private_hint);

/* The new password of create and passwd: PW read from a file or
 * descriptor, or NULL when none was given (then GENPW receives the one
 * scapi_vsc_create/_passwd generate); KDF, the Argon2id parameters from
 * the --kdf-* options (the defaults for those not given). */
typedef struct cli_vsc_newpw {
  char *pw;
  char *genpw;
  vsc_kdf_params_t kdf;
} cli_vsc_newpw_t;

/* Fill NP: the password from FILE or FD (IS_NEW: a VSC's new password,
 * for the messages; an empty one is refused), the KDF from C. 0, or the
 * exit code (message printed; NP then holds no password). */
int cli_vsc_newpw_get (const cli_ctx_t *c, const char *file, int fd,
                       bool is_new, cli_vsc_newpw_t *np);

/* Wipe and free NP's passwords. */
void cli_vsc_newpw_release (cli_vsc_newpw_t *np);

/* The end of create and passwd (CHANGED): with --json
 * {"file","uuid","password"} (the generated password GENPW, or null);
 * otherwise GENPW, if any, as "Password:" (or "New password:") shown
 * once. The text lines before it are the caller's. */
void cli_vsc_print_password (const cli_ctx_t *c, const char *file,
                             scapi_vsc_t *vsc, const char *genpw,
                             bool changed);

/* Read a whole file ("-" = stdin), at most 16 MiB. */
gpg_error_t cli_vsc_read_file (const char *path, unsigned char **r_data,
                               size_t *r_len);

/* Print a Unix time as ISO 8601 UTC. */
void cli_vsc_time (FILE *fp, unsigned long long t);

#endif /* VSC_CLI_VSC_H */
