/* vault-pg-schema.c - the PostgreSQL vault's schema: versions,
 * migrations and the server-side functions
 *
 * Everything lives in the schema "vscd". vscd.schema_version has one row
 * per migration applied; the highest is the database's schema version.
 * "vscd --init-db" applies the missing migrations in one transaction
 * (under an advisory lock, so several hosts may run it at once) and then
 * (re)creates the functions below, which belong to the newest version.
 * vscd serves only a database whose version is exactly its own
 * (vault_pg_schema_check): older asks for --init-db, newer asks for an
 * upgrade of vscd.
 *
 * Every change to a VSC is one call of one function (vscd.put,
 * vscd.del), so it is one transaction and one round trip: the
 * compare-and-swap, the new generation, the history pruning, the
 * per-account counters the limits use, and the audit row commit together
 * or not at all. Result codes are libgpg-error codes (checked below). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "vault-pg.h"
#include "common/util.h"

/* The codes the SQL below returns. */
_Static_assert (GPG_ERR_NOT_FOUND == 27, "vscd.* return 27 for not found");
_Static_assert (GPG_ERR_NO_DATA == 58, "vscd.get returns 58 for a generation not kept");
_Static_assert (GPG_ERR_TOO_LARGE == 67, "vscd.get returns 67 for too large");
_Static_assert (GPG_ERR_CONFLICT == 70, "vscd.* return 70 for a conflict");
_Static_assert (GPG_ERR_LIMIT_REACHED == 183, "vscd.put returns 183 for limits");

/* Key of the advisory lock that serialises --init-db runs. */
#define VAULT_PG_SCHEMA_LOCK "7653636400000001"

/* Migration N brings the schema from version N-1 to N. Never edit one
 * that has been released: add a new one. */
static const char vault_pg_schema_v1[] =
  /* Accounts: a vscd user name (the unix login, or --user) and what it
   * stores now; the counters make the limits cheap and race-free (the
   * row is locked by every change that moves them). */
  "CREATE TABLE vscd.account ("
  " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  " name text NOT NULL UNIQUE,"
  " vscs bigint NOT NULL DEFAULT 0,"
  " bytes bigint NOT NULL DEFAULT 0,"
  " created timestamptz NOT NULL DEFAULT now());"
  /* One row per VSC: its current generation. */
  "CREATE TABLE vscd.vsc ("
  " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  " account bigint NOT NULL REFERENCES vscd.account ON DELETE CASCADE,"
  " uuid uuid NOT NULL,"
  " gen bigint NOT NULL CHECK (gen > 0),"
  " size bigint NOT NULL,"
  " mtime timestamptz NOT NULL,"
  " UNIQUE (account, uuid));"
  /* The kept generations (the current one included), with the bytes. */
  "CREATE TABLE vscd.generation ("
  " vsc bigint NOT NULL REFERENCES vscd.vsc ON DELETE CASCADE,"
  " gen bigint NOT NULL,"
  " size bigint NOT NULL,"
  " stored timestamptz NOT NULL,"
  " stored_by text NOT NULL,"
  " peer text NOT NULL DEFAULT '',"
  " server text NOT NULL DEFAULT '',"
  " put_id bytea NOT NULL,"
  " data bytea NOT NULL,"
  " PRIMARY KEY (vsc, gen));"
  /* Ciphertext does not compress: do not try. */
  "ALTER TABLE vscd.generation ALTER COLUMN data SET STORAGE EXTERNAL;";

static const char vault_pg_schema_v2[] =
  /* The audit log: every create, get, put and delete, and every refused
   * request. Never a password or a VSC's bytes. */
  "CREATE TABLE vscd.audit ("
  " id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
  " time timestamptz NOT NULL DEFAULT clock_timestamp(),"
  " username text NOT NULL,"
  " op text NOT NULL,"
  " uuid uuid,"
  " gen bigint,"
  " peer text NOT NULL DEFAULT '',"
  " server text NOT NULL DEFAULT '',"
  " code integer NOT NULL,"
  " result text NOT NULL DEFAULT '');"
  "CREATE INDEX audit_time ON vscd.audit (time);"
  "CREATE INDEX audit_user_time ON vscd.audit (username, time);"
  /* Append-only, for its owner too (a purge disables the trigger
   * explicitly, see vscd(8)). */
  "CREATE FUNCTION vscd.audit_append_only () RETURNS trigger"
  " LANGUAGE plpgsql AS $f$ BEGIN"
  "  RAISE EXCEPTION 'vscd.audit is append-only';"
  " END $f$;"
  "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE"
  " ON vscd.audit FOR EACH STATEMENT"
  " EXECUTE FUNCTION vscd.audit_append_only ();";

static const char *const vault_pg_schema_migrations[] = {
  NULL,
  vault_pg_schema_v1,
  vault_pg_schema_v2
};

_Static_assert (DIM (vault_pg_schema_migrations) == VAULT_PG_SCHEMA_VERSION + 1,
                "one migration per schema version");

/* The functions of the current version, replaced by every --init-db. */
static const char vault_pg_schema_functions[] =
  /* The account's id, made on first use. */
  "CREATE OR REPLACE FUNCTION vscd.account_id (p_user text) RETURNS bigint"
  " LANGUAGE plpgsql AS $f$"
  " DECLARE v_id bigint;"
  " BEGIN"
  "  SELECT a.id INTO v_id FROM vscd.account a WHERE a.name = p_user;"
  "  IF v_id IS NULL THEN"
  "   INSERT INTO vscd.account (name) VALUES (p_user)"
  "    ON CONFLICT (name) DO NOTHING RETURNING id INTO v_id;"
  "   IF v_id IS NULL THEN"
  "    SELECT a.id INTO v_id FROM vscd.account a WHERE a.name = p_user;"
  "   END IF;"
  "  END IF;"
  "  RETURN v_id;"
  " END $f$;"

  "CREATE OR REPLACE FUNCTION vscd.log (p_user text, p_peer text,"
  "  p_server text, p_op text, p_uuid uuid, p_gen bigint, p_code integer,"
  "  p_result text) RETURNS void LANGUAGE sql AS $f$"
  " INSERT INTO vscd.audit (username, peer, server, op, uuid, gen, code,"
  "  result) VALUES (p_user, p_peer, p_server, p_op, p_uuid,"
  "  NULLIF (p_gen, 0), p_code, p_result) $f$;"

  /* Compare-and-swap. Locks: an existing VSC's row first, then (only
   * when the counters move) the account's row. A new VSC takes the
   * account's row first and only then inserts its own: the insert's
   * foreign key check takes a KEY SHARE lock on the account's row, and
   * two creates that both held it while each waited for the other's
   * FOR UPDATE deadlocked (16 concurrent creates into one account ran
   * into --db-timeout). Holding the account's row, a create waits for
   * no VSC row, so the orders cannot form a cycle. */
  "CREATE OR REPLACE FUNCTION vscd.put (p_user text, p_peer text,"
  "  p_server text, p_op text, p_uuid uuid, p_expect bigint, p_data bytea,"
  "  p_put_id bytea, p_keep integer, p_max_vscs bigint, p_max_bytes bigint,"
  "  OUT o_code integer, OUT o_gen bigint, OUT o_detail text)"
  " LANGUAGE plpgsql AS $f$"
  " DECLARE"
  "  v_account bigint := vscd.account_id (p_user);"
  "  v_vsc bigint; v_cur bigint; v_old bigint;"
  "  v_n bigint := length (p_data); v_delta bigint := 0;"
  "  v_vscs bigint; v_bytes bigint;"
  " BEGIN"
  "  o_code := 0; o_gen := 0; o_detail := '';"
  "  SELECT c.id, c.gen, c.size INTO v_vsc, v_cur, v_old FROM vscd.vsc c"
  "   WHERE c.account = v_account AND c.uuid = p_uuid FOR UPDATE;"
  "  IF v_vsc IS NULL THEN"
  "   IF p_expect <> 0 THEN"
  "    o_code := 27;"
  "   ELSE"
  "    SELECT a.vscs, a.bytes INTO v_vscs, v_bytes FROM vscd.account a"
  "     WHERE a.id = v_account FOR UPDATE;"
  "    INSERT INTO vscd.vsc (account, uuid, gen, size, mtime)"
  "     VALUES (v_account, p_uuid, 1, v_n, now())"
  "     ON CONFLICT (account, uuid) DO NOTHING RETURNING id INTO v_vsc;"
  "    IF v_vsc IS NULL THEN"
  "     o_code := 70; o_detail := 'exists';"
  "    ELSE"
  "     IF p_max_vscs > 0 AND v_vscs >= p_max_vscs THEN"
  "      o_code := 183;"
  "      o_detail := format ('this vault holds %s VSCs, the limit is %s',"
  "                          v_vscs, p_max_vscs);"
  "     ELSIF p_max_bytes > 0 AND v_bytes + v_n > p_max_bytes THEN"
  "      o_code := 183;"
  "      o_detail := format ('this vault holds %s bytes, the limit is %s',"
  "                          v_bytes, p_max_bytes);"
  "     END IF;"
  "     IF o_code <> 0 THEN"
  "      DELETE FROM vscd.vsc c WHERE c.id = v_vsc;"
  "     ELSE"
  "      v_cur := 0; v_old := 0;"
  "     END IF;"
  "    END IF;"
  "   END IF;"
  "  ELSIF p_expect = 0 THEN"
  "   o_code := 70; o_detail := 'exists';"
  "  ELSIF v_cur <> p_expect THEN"
  "   o_code := 70; o_detail := format ('current %s', v_cur);"
  "  ELSE"
  "   v_delta := v_n - v_old;"
  "   IF v_delta > 0 AND p_max_bytes > 0 THEN"
  "    SELECT a.bytes INTO v_bytes FROM vscd.account a"
  "     WHERE a.id = v_account FOR UPDATE;"
  "    IF v_bytes + v_delta > p_max_bytes THEN"
  "     o_code := 183;"
  "     o_detail := format ('this vault holds %s bytes, the limit is %s',"
  "                         v_bytes, p_max_bytes);"
  "    END IF;"
  "   END IF;"
  "  END IF;"
  "  IF o_code = 0 THEN"
  "   o_gen := v_cur + 1;"
  "   INSERT INTO vscd.generation (vsc, gen, size, stored, stored_by, peer,"
  "    server, put_id, data) VALUES (v_vsc, o_gen, v_n, now (), p_user,"
  "    p_peer, p_server, p_put_id, p_data);"
  "   IF v_cur > 0 THEN"
  "    UPDATE vscd.vsc c SET gen = o_gen, size = v_n, mtime = now ()"
  "     WHERE c.id = v_vsc;"
  "    DELETE FROM vscd.generation g"
  "     WHERE g.vsc = v_vsc AND g.gen <= o_gen - greatest (p_keep, 1);"
  "    IF v_delta <> 0 THEN"
  "     UPDATE vscd.account a SET bytes = a.bytes + v_delta"
  "      WHERE a.id = v_account;"
  "    END IF;"
  "   ELSE"
  "    UPDATE vscd.account a SET vscs = a.vscs + 1, bytes = a.bytes + v_n"
  "     WHERE a.id = v_account;"
  "   END IF;"
  "  END IF;"
  "  PERFORM vscd.log (p_user, p_peer, p_server, p_op, p_uuid,"
  "   CASE WHEN o_code = 0 THEN o_gen ELSE p_expect END, o_code, o_detail);"
  " END $f$;"

  /* A generation's bytes (P_GEN 0: the current one), audited. One
   * statement reads the row and its bytes, so a put that prunes the
   * generation meanwhile cannot make it vanish half-way. */
  "CREATE OR REPLACE FUNCTION vscd.get (p_user text, p_peer text,"
  "  p_server text, p_uuid uuid, p_gen bigint, p_max bigint,"
  "  OUT o_code integer, OUT o_gen bigint, OUT o_size bigint,"
  "  OUT o_mtime bigint, OUT o_data bytea)"
  " LANGUAGE plpgsql AS $f$"
  " DECLARE v_cur bigint;"
  " BEGIN"
  "  o_code := 0;"
  "  SELECT g.gen, g.size, extract (epoch FROM g.stored)::bigint,"
  "   CASE WHEN g.size <= p_max THEN g.data END"
  "   INTO o_gen, o_size, o_mtime, o_data"
  "   FROM vscd.account a JOIN vscd.vsc c ON c.account = a.id"
  "   JOIN vscd.generation g ON g.vsc = c.id"
  "    AND g.gen = CASE WHEN p_gen > 0 THEN p_gen ELSE c.gen END"
  "   WHERE a.name = p_user AND c.uuid = p_uuid;"
  "  IF o_gen IS NULL THEN"
  "   o_code := 27; o_gen := p_gen;"
  "   PERFORM 1 FROM vscd.account a JOIN vscd.vsc c ON c.account = a.id"
  "    WHERE a.name = p_user AND c.uuid = p_uuid;"
  "   IF FOUND THEN o_code := 58; END IF;"
  "  ELSIF o_size > p_max THEN"
  "   o_code := 67;"
  "  END IF;"
  "  PERFORM vscd.log (p_user, p_peer, p_server, 'get', p_uuid, o_gen,"
  "   o_code, '');"
  " END $f$;"

  "CREATE OR REPLACE FUNCTION vscd.del (p_user text, p_peer text,"
  "  p_server text, p_uuid uuid, p_expect bigint,"
  "  OUT o_code integer, OUT o_gen bigint)"
  " LANGUAGE plpgsql AS $f$"
  " DECLARE v_account bigint; v_size bigint;"
  " BEGIN"
  "  o_code := 0;"
  "  SELECT a.id INTO v_account FROM vscd.account a WHERE a.name = p_user;"
  "  DELETE FROM vscd.vsc c WHERE c.account = v_account AND c.uuid = p_uuid"
  "   AND (p_expect = 0 OR c.gen = p_expect) RETURNING c.gen, c.size"
  "   INTO o_gen, v_size;"
  "  IF o_gen IS NULL THEN"
  "   SELECT c.gen INTO o_gen FROM vscd.vsc c"
  "    WHERE c.account = v_account AND c.uuid = p_uuid;"
  "   o_code := CASE WHEN o_gen IS NULL THEN 27 ELSE 70 END;"
  "  ELSE"
  "   UPDATE vscd.account a SET vscs = a.vscs - 1, bytes = a.bytes - v_size"
  "    WHERE a.id = v_account;"
  "  END IF;"
  "  PERFORM vscd.log (p_user, p_peer, p_server, 'delete', p_uuid,"
  "   CASE WHEN o_code = 0 THEN o_gen ELSE p_expect END, o_code, '');"
  " END $f$;"

  /* Requests in flight per account, counted across every vscd that uses
   * the database: a session-level advisory lock per request slot, so a
   * vscd that dies frees its slots with its connection. */
  "CREATE OR REPLACE FUNCTION vscd.slot (p_user text, p_max integer)"
  " RETURNS bigint LANGUAGE plpgsql AS $f$"
  " DECLARE v_key bigint := (x'7653' :: bigint << 48)"
  "   | (vscd.account_id (p_user) << 16);"
  " BEGIN"
  "  FOR i IN 0 .. least (p_max, 65535) - 1 LOOP"
  "   IF pg_try_advisory_lock (v_key | i) THEN RETURN v_key | i; END IF;"
  "  END LOOP;"
  "  RETURN NULL;"
  " END $f$;";

/* Run SQL (no parameters, no rows wanted) on CONN. */
static gpg_error_t
vault_pg_schema_exec (PGconn *conn, const char *sql, char *msg, size_t msgsz)
{
  PGresult *res = PQexec (conn, sql);
  gpg_error_t err = 0;

  if (PQresultStatus (res) != PGRES_COMMAND_OK
      && PQresultStatus (res) != PGRES_TUPLES_OK)
    {
      snprintf (msg, msgsz, "%s", PQresultErrorMessage (res));
      err = gpg_error (GPG_ERR_SERVER_FAILED);
    }
  PQclear (res);
  return err;
}

/* The database's schema version into *R_VERSION (0: no vscd schema). */
static gpg_error_t
vault_pg_schema_version (PGconn *conn, int *r_version, char *msg,
                         size_t msgsz)
{
  PGresult *res;
  gpg_error_t err = 0;

  *r_version = 0;
  res = PQexec (conn, "SELECT to_regclass ('vscd.schema_version') IS NOT NULL");
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
    {
      snprintf (msg, msgsz, "%s", PQresultErrorMessage (res));
      PQclear (res);
      return gpg_error (GPG_ERR_SERVER_FAILED);
    }
  if (strcmp (PQgetvalue (res, 0, 0), "t"))
    {
      PQclear (res);
      return 0;
    }
  PQclear (res);
  res = PQexec (conn, "SELECT coalesce (max (version), 0) FROM vscd.schema_version");
  if (PQresultStatus (res) != PGRES_TUPLES_OK || PQntuples (res) != 1)
    {
      snprintf (msg, msgsz, "%s", PQresultErrorMessage (res));
      err = gpg_error (GPG_ERR_SERVER_FAILED);
    }
  else
    *r_version = atoi (PQgetvalue (res, 0, 0));
  PQclear (res);
  return err;
}

gpg_error_t
vault_pg_schema_check (PGconn *conn, char *msg, size_t msgsz)
{
  gpg_error_t err;
  int version;

  err = vault_pg_schema_version (conn, &version, msg, msgsz);
  if (err)
    return err;
  if (version == VAULT_PG_SCHEMA_VERSION)
    return 0;
  if (!version)
    snprintf (msg, msgsz, "the database has no vscd schema yet: run "
              "'vscd --init-db --vault ...' once");
  else if (version < VAULT_PG_SCHEMA_VERSION)
    snprintf (msg, msgsz, "the database schema is version %d, this vscd "
              "needs version %d: run 'vscd --init-db --vault ...' to "
              "migrate it", version, VAULT_PG_SCHEMA_VERSION);
  else
    snprintf (msg, msgsz, "the database schema is version %d, newer than "
              "this vscd (version %d): upgrade vscd on this host",
              version, VAULT_PG_SCHEMA_VERSION);
  return gpg_error (GPG_ERR_NOT_OPERATIONAL);
}

gpg_error_t
vault_pg_schema_init (PGconn *conn, int target, int *r_from, int *r_to,
                      char *msg, size_t msgsz)
{
  gpg_error_t err;
  PGresult *res = NULL;
  char sql[256];
  int cur, ver;

  *r_from = *r_to = 0;
  if (target <= 0 || target > VAULT_PG_SCHEMA_VERSION)
    target = VAULT_PG_SCHEMA_VERSION;
  err = vault_pg_schema_exec (conn,
                              "BEGIN;"
                              "SELECT pg_advisory_xact_lock (x'"
                              VAULT_PG_SCHEMA_LOCK "'::bigint);"
                              "CREATE SCHEMA IF NOT EXISTS vscd;"
                              "CREATE TABLE IF NOT EXISTS vscd.schema_version ("
                              " version integer PRIMARY KEY,"
                              " applied timestamptz NOT NULL DEFAULT now(),"
                              " program text NOT NULL)", msg, msgsz);
  if (err)
    goto leave;
  err = vault_pg_schema_version (conn, &cur, msg, msgsz);
  if (err)
    goto leave;
  *r_from = *r_to = cur;
  if (cur > VAULT_PG_SCHEMA_VERSION)
    {
      snprintf (msg, msgsz, "the database schema is version %d, newer than "
                "this vscd (version %d): upgrade vscd, do not downgrade "
                "the database", cur, VAULT_PG_SCHEMA_VERSION);
      err = gpg_error (GPG_ERR_NOT_OPERATIONAL);
      goto leave;
    }
  for (ver = cur + 1; ver <= target; ver++)
    {
      err = vault_pg_schema_exec (conn, vault_pg_schema_migrations[ver],
                                  msg, msgsz);
      if (err)
        goto leave;
      snprintf (sql, sizeof sql, "INSERT INTO vscd.schema_version (version,"
                " program) VALUES (%d, 'vscd " PACKAGE_VERSION "')", ver);
      err = vault_pg_schema_exec (conn, sql, msg, msgsz);
      if (err)
        goto leave;
      *r_to = ver;
    }
  if (*r_to == VAULT_PG_SCHEMA_VERSION)
    {
      err = vault_pg_schema_exec (conn, vault_pg_schema_functions, msg, msgsz);
      if (err)
        goto leave;
    }
  err = vault_pg_schema_exec (conn, "COMMIT", msg, msgsz);

 leave:
  if (err)
    {
      res = PQexec (conn, "ROLLBACK");
      PQclear (res);
      if (gpg_err_code (err) != GPG_ERR_NOT_OPERATIONAL)
        *r_to = *r_from;
    }
  return err;
}
