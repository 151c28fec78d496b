/* log.h - logging with levels, and an APDU transcript with secrets redacted */
#ifndef VSC_LOG_H
#define VSC_LOG_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>
#include "error.h"

enum log_level {
  LOG_LEVEL_ERROR = 0,
  LOG_LEVEL_WARN  = 1,
  LOG_LEVEL_INFO  = 2,
  LOG_LEVEL_DEBUG = 3,
  LOG_LEVEL_APDU  = 4   /* APDU transcript (redacted) */
};

void log_set_level(int level);
int log_get_level(void);
/* Log to a file (appended, mode 0600) instead of stderr; NULL = stderr. */
gpg_error_t log_set_file(const char *path);
/* An extra sink (e.g. the manager's log view) gets every line that passes
 * the level filter, after redaction. NULL to remove. */
typedef void (*log_sink_fn)(void *ctx, int level, const char *line);
void log_set_sink(log_sink_fn fn, void *ctx);
/* Mute stderr output (the manager owns the terminal). */
void log_set_quiet(bool quiet);

void log_msg(int level, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)

/* Redaction state of one APDU channel. A command is secret if the caller
 * says so or its INS is one of 20 VERIFY, 24 CHANGE REFERENCE DATA, 2C
 * RESET RETRY COUNTER, DA/DB PUT DATA, FE/FF (YubiKey import/set mgmt
 * key), 87 GENERAL AUTHENTICATE; every fragment of a chained secret
 * command is secret; the response to a secret command, to PSO:DECIPHER
 * (2A 80 86) and any GET RESPONSE (C0) that follows a secret exchange is
 * secret too. */
typedef struct log_redact {
  bool in_secret_chain;   /* inside a chained secret command */
  bool last_secret;       /* last exchange was secret (for GET RESPONSE) */
} log_redact_t;

/* Decide for a raw C-APDU; updates the state. CALLER_SECRET forces it. */
bool log_redact_command(log_redact_t *st, const uint8_t *capdu, size_t n,
                        bool caller_secret);
/* Whether the response to the command just decided must be hidden. */
bool log_redact_response(const log_redact_t *st);

/* Write one transcript line at LOG_LEVEL_APDU: "> 00 A4 04 00 ..." or
 * "> 00 20 00 81 <redacted 6 bytes>"; responses "< 90 00" or
 * "< <redacted 256 bytes> 90 00". The header (CLA INS P1 P2) and status
 * word are always shown. */
void log_apdu_command(const uint8_t *capdu, size_t n, bool secret);
void log_apdu_response(const uint8_t *rapdu, size_t n, bool secret);

/* Format the same lines into a caller buffer (for tests and the UI). */
void log_format_command(char *out, size_t outsz, const uint8_t *capdu,
                        size_t n, bool secret);
void log_format_response(char *out, size_t outsz, const uint8_t *rapdu,
                         size_t n, bool secret);

#endif /* VSC_LOG_H */
