/* cli-map.h - vsctool restore --map (cli-map.c) */
#ifndef VSC_CLI_MAP_H
#define VSC_CLI_MAP_H

#include <stdio.h>
#include <stdbool.h>
#include "scapi/scapi-map.h"

/* Fill MO from the value of --map: "auto", an application name (move
 * everything there: pkcs15, openpgp, piv) or a map file (read and
 * parsed; *R_CHOICES then holds it, free with map_choices_free).
 * CLI_EXIT_OK, or an exit code after a message. */
int cli_map_option (const char *arg, scapi_map_opts_t *mo,
                    map_choices_t **r_choices);

/* The mapping: in the map file syntax (with comments), or a JSON array. */
void cli_map_print (const map_t *map, bool json, FILE *fp);

#endif /* VSC_CLI_MAP_H */
