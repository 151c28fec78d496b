/* vscd-admin.h - vscd --init-db and --audit */
#ifndef VSC_VSCD_ADMIN_H
#define VSC_VSCD_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include "common/error.h"

/* A time for --since: ISO 8601 UTC ("2026-12-05", "2026-12-05T10:00",
 * "2026-12-05 10:00:00Z"), a duration back from now ("90s", "30m",
 * "24h", "7d") or "@EPOCH". */
bool vscd_admin_parse_time(const char *s, int64_t *r_us);

/* Create or migrate the schema (TARGET <= 0: the newest). */
gpg_error_t vscd_admin_init_db(const char *spec, int target);

/* Print the audit records since SINCE_US (of USER, or all), waiting
 * up to TIMEOUT_MS for a database. */
gpg_error_t vscd_admin_audit(const char *spec, int64_t since_us,
                             const char *user, bool json, int timeout_ms);

#endif /* VSC_VSCD_ADMIN_H */
