/* vault-pg.h - the PostgreSQL vault back end (vault.h is the contract)
 *
 * --vault postgresql://[user@]host[:port]/dbname[?param=value...], or a
 * libpq connection string ("host=/run/postgresql dbname=vscd",
 * "service=vscd"). A password in it is refused: libpq takes it from
 * $PGPASSFILE or ~/.pgpass. All VSCs of all accounts live in one
 * database, schema "vscd" (vault-pg-schema.c); an account sees only its
 * own rows. Several vscd processes on several hosts may share it: every
 * change is one transaction in the database. */
#ifndef VSC_REMOTE_VAULT_PG_H
#define VSC_REMOTE_VAULT_PG_H

#include <stdbool.h>
#include <libpq-fe.h>
#include "common/error.h"

/* The schema version this program creates and serves. */
#define VAULT_PG_SCHEMA_VERSION 2

/* 0 if the database's schema is exactly VAULT_PG_SCHEMA_VERSION, else
 * GPG_ERR_NOT_OPERATIONAL with a sentence in MSG saying what to do. */
gpg_error_t vault_pg_schema_check(PGconn *conn, char *msg, size_t msgsz);

/* Migrate the schema to TARGET (<= 0: the newest) in one transaction:
 * *R_FROM and *R_TO get the versions before and after. A database newer
 * than this program is refused (GPG_ERR_NOT_OPERATIONAL). */
gpg_error_t vault_pg_schema_init(PGconn *conn, int target, int *r_from,
                                 int *r_to, char *msg, size_t msgsz);

#endif /* VSC_REMOTE_VAULT_PG_H */
