/* test-vault.c - the vault contract (remote/vault.h), the same tests for
 * every back end: compare-and-swap, history (--keep), audit records,
 * per-account limits, requests in flight, accounts kept apart.
 *
 * The vault is $VSC_TEST_VAULT: a PostgreSQL connection string (the
 * shell test tests/remote/vault-pg.sh starts a throw-away cluster and
 * runs this program against it), else a fresh directory. UUIDs and
 * account names are made per run, so a database may be shared. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/wait.h>
#include <gcrypt.h>
#include "cutest.h"
#include "common/util.h"
#include "remote/vault.h"

static char tmpdir[256];
static char spec[1024];
static bool database;
static char run[16];            /* this run's tag for account names */

static int
suite_init (void)
{
  const char *env = getenv ("VSC_TEST_VAULT");
  unsigned char r[4];

  gcry_create_nonce (r, sizeof r);
  snprintf (run, sizeof run, "%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
  if (env && *env)
    {
      snprintf (spec, sizeof spec, "%s", env);
      database = vault_spec_is_database (spec);
      return 0;
    }
  snprintf (tmpdir, sizeof tmpdir, "%s/test-vault.XXXXXX",
            getenv ("TMPDIR") ? getenv ("TMPDIR") : "/tmp");
  if (!mkdtemp (tmpdir))
    return -1;
  snprintf (spec, sizeof spec, "%s/vault", tmpdir);
  return 0;
}

static int
suite_cleanup (void)
{
  char cmd[400];
  if (!tmpdir[0])
    return 0;
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
  return system (cmd) == 0 ? 0 : -1;
}

/* A fresh UUID. */
static void
new_uuid (char *u)
{
  unsigned char b[16];
  gcry_create_nonce (b, sizeof b);
  snprintf (u, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
            "%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
            b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* The vault as account WHO of this run (directory vaults: a
 * subdirectory per account, as vscd --socket does). */
static vault_t *
open_as (const char *who)
{
  char user[64], path[1400];
  vault_t *v = NULL;
  gpg_error_t err;

  snprintf (user, sizeof user, "%s-%s", who, run);
  if (database)
    snprintf (path, sizeof path, "%s", spec);
  else
    snprintf (path, sizeof path, "%s/%s", spec, user);
  err = vault_open (path, true, &v);
  if (err)
    fprintf (stderr, "vault_open: %s: %s\n", gpg_strerror (err),
             errctx_text ());
  CU_ASSERT_EQUAL (err, 0);
  if (v)
    {
      vault_set_fsync (v, false);
      vault_set_who (v, user, "192.0.2.7:4711");
    }
  return v;
}

static void
test_cas (void)
{
  vault_t *v = open_as ("cas");
  char u[37];
  buf_t d = BUF_INIT;
  proto_entry_t e, *list = NULL;
  size_t n = 0;
  uint64_t g = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  new_uuid (u);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, u, 1000, &d, &e)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_stat (v, u, &e)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, u, 1, "x", 1, &g)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (vault_create (v, u, "one", 3, &g), 0);
  CU_ASSERT_EQUAL (g, 1);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, u, 0, "dup", 3, &g)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_put (v, u, 1, "two!", 4, &g), 0);
  CU_ASSERT_EQUAL (g, 2);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, u, 1, "lost", 4, &g)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_get (v, u, 1000, &d, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 2);
  CU_ASSERT_EQUAL (e.size, 4);
  CU_ASSERT_TRUE (d.len == 4 && !memcmp (d.data, "two!", 4));
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, u, 3, &d, &e)), GPG_ERR_TOO_LARGE);
  CU_ASSERT_EQUAL (d.len, 0);
  CU_ASSERT_EQUAL (vault_stat (v, u, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 2);
  CU_ASSERT_EQUAL (vault_list (v, &list, &n), 0);
  CU_ASSERT_EQUAL_FATAL (n, 1);
  CU_ASSERT_STRING_EQUAL (list[0].uuid, u);
  CU_ASSERT_EQUAL (list[0].gen, 2);
  CU_ASSERT_EQUAL (list[0].size, 4);
  xfree (list);
  CU_ASSERT_EQUAL (gpg_err_code (vault_delete (v, u, 1)), GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_delete (v, u, 2), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_delete (v, u, 0)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_history (v, u, &(proto_version_t *){NULL},
                                                &n)), GPG_ERR_NOT_FOUND);
  /* Names that are not canonical UUIDs never reach a back end. */
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, "../x", 0, "x", 1, &g)), GPG_ERR_INV_NAME);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, "A0000000-0000-0000-0000-000000000000",
                                            10, &d, &e)), GPG_ERR_INV_NAME);
  buf_free (&d);
  vault_close (v);
}

static void
test_history (void)
{
  vault_t *v = open_as ("hist");
  char u[37], data[32];
  buf_t d = BUF_INIT;
  proto_entry_t e;
  proto_version_t *h = NULL;
  size_t n = 0, i;
  uint64_t g = 0;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  vault_set_keep (v, 3);
  new_uuid (u);
  for (i = 1; i <= 5; i++)
    {
      snprintf (data, sizeof data, "generation %zu%*s", i, (int)i, "");
      CU_ASSERT_EQUAL (vault_put (v, u, i - 1, data, strlen (data), &g), 0);
      CU_ASSERT_EQUAL (g, i);
    }
  CU_ASSERT_EQUAL (vault_history (v, u, &h, &n), 0);
  CU_ASSERT_EQUAL_FATAL (n, 3);
  for (i = 0; i < 3; i++)
    {
      CU_ASSERT_EQUAL (h[i].gen, 5 - i);
      CU_ASSERT_EQUAL (h[i].size, strlen ("generation N") + 5 - i);
      CU_ASSERT_TRUE (h[i].mtime > 1700000000);
      CU_ASSERT_TRUE (!strncmp (h[i].by, "hist-", 5));
      CU_ASSERT_STRING_EQUAL (h[i].from, "192.0.2.7:4711");
    }
  xfree (h);
  /* An old generation, byte for byte. */
  CU_ASSERT_EQUAL (vault_get_gen (v, u, 3, 1000, &d, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 3);
  CU_ASSERT_TRUE (d.len == 15 && !memcmp (d.data, "generation 3   ", 15));
  CU_ASSERT_EQUAL (vault_get_gen (v, u, 0, 1000, &d, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 5);
  /* Dropped out of the history, or never there. */
  CU_ASSERT_EQUAL (gpg_err_code (vault_get_gen (v, u, 2, 1000, &d, &e)), GPG_ERR_NO_DATA);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get_gen (v, u, 6, 1000, &d, &e)), GPG_ERR_NO_DATA);
  /* A smaller --keep prunes at the next put. */
  vault_set_keep (v, 1);
  CU_ASSERT_EQUAL (vault_put (v, u, 5, "six", 3, &g), 0);
  CU_ASSERT_EQUAL (vault_history (v, u, &h, &n), 0);
  CU_ASSERT_EQUAL (n, 1);
  CU_ASSERT_TRUE (n && h[0].gen == 6);
  xfree (h);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get_gen (v, u, 5, 1000, &d, &e)), GPG_ERR_NO_DATA);
  /* Deleting takes the history along. */
  CU_ASSERT_EQUAL (vault_delete (v, u, 0), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get_gen (v, u, 6, 1000, &d, &e)), GPG_ERR_NOT_FOUND);
  buf_free (&d);
  vault_close (v);
}

typedef struct {
  char user[64];
  unsigned n;
  unsigned ops[8];       /* create get put delete stat refused other */
  bool secret;           /* a record held the marker */
  bool order;            /* times went backwards */
  int64_t last;
} audit_seen_t;

static gpg_error_t
audit_cb (void *arg, const vault_audit_rec_t *r)
{
  audit_seen_t *s = arg;

  if (strcmp (r->user, s->user))
    return 0;
  if (r->time_us < s->last)
    s->order = true;
  s->last = r->time_us;
  s->n++;
  if (strstr (r->result, "MARKER") || strstr (r->op, "MARKER"))
    s->secret = true;
  if (r->code)
    s->ops[5]++;
  else if (!strcmp (r->op, "create"))
    s->ops[0]++;
  else if (!strcmp (r->op, "get"))
    s->ops[1]++;
  else if (!strcmp (r->op, "put"))
    s->ops[2]++;
  else if (!strcmp (r->op, "delete"))
    s->ops[3]++;
  else
    s->ops[6]++;
  return 0;
}

static void
test_audit (void)
{
  vault_t *v = open_as ("audit");
  char u[37];
  buf_t d = BUF_INIT;
  proto_entry_t e;
  uint64_t g;
  audit_seen_t seen;
  vault_audit_query_t q;
  int64_t before;
  struct timespec ts;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  clock_gettime (CLOCK_REALTIME, &ts);
  before = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - 1000000;
  new_uuid (u);
  CU_ASSERT_EQUAL (vault_create (v, u, "MARKER one", 10, &g), 0);
  CU_ASSERT_EQUAL (vault_get (v, u, 1000, &d, &e), 0);
  CU_ASSERT_EQUAL (vault_put (v, u, 1, "MARKER two", 10, &g), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, u, 1, "MARKER lost", 11, &g)),
                   GPG_ERR_CONFLICT);
  CU_ASSERT_EQUAL (vault_audit (v, "put", u, 2, gpg_error (GPG_ERR_INV_OBJ),
                                "not a valid VSC"), 0);
  CU_ASSERT_EQUAL (vault_delete (v, u, 2), 0);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (v, u, 1000, &d, &e)), GPG_ERR_NOT_FOUND);

  memset (&seen, 0, sizeof seen);
  snprintf (seen.user, sizeof seen.user, "audit-%s", run);
  memset (&q, 0, sizeof q);
  q.since_us = before;
  q.user = seen.user;
  CU_ASSERT_EQUAL (vault_audit_read (v, &q, audit_cb, &seen), 0);
  CU_ASSERT_EQUAL (seen.n, 7);
  CU_ASSERT_EQUAL (seen.ops[0], 1);   /* create */
  CU_ASSERT_EQUAL (seen.ops[1], 1);   /* get */
  CU_ASSERT_EQUAL (seen.ops[2], 1);   /* put */
  CU_ASSERT_EQUAL (seen.ops[3], 1);   /* delete */
  CU_ASSERT_EQUAL (seen.ops[5], 3);   /* conflict, refused put, get of a deleted VSC */
  CU_ASSERT_FALSE (seen.secret);
  CU_ASSERT_FALSE (seen.order);
  /* --since in the future: nothing; another account: nothing. */
  memset (&seen, 0, sizeof seen);
  snprintf (seen.user, sizeof seen.user, "audit-%s", run);
  q.since_us = before + 3600LL * 1000000;
  CU_ASSERT_EQUAL (vault_audit_read (v, &q, audit_cb, &seen), 0);
  CU_ASSERT_EQUAL (seen.n, 0);
  q.since_us = 0;
  q.user = "nobody-at-all";
  CU_ASSERT_EQUAL (vault_audit_read (v, &q, audit_cb, &seen), 0);
  CU_ASSERT_EQUAL (seen.n, 0);
  buf_free (&d);
  vault_close (v);
}

static void
test_limits (void)
{
  vault_t *v = open_as ("limits");
  vault_limits_t lim = { 2, 100, 0 };
  char u1[37], u2[37], u3[37], big[80];
  uint64_t g;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  memset (big, 'b', sizeof big);
  vault_set_limits (v, &lim);
  new_uuid (u1);
  new_uuid (u2);
  new_uuid (u3);
  CU_ASSERT_EQUAL (vault_create (v, u1, big, 40, &g), 0);
  CU_ASSERT_EQUAL (vault_put (v, u2, 0, big, 40, &g), 0);
  /* Third VSC: over max_vscs. */
  CU_ASSERT_EQUAL (gpg_err_code (vault_create (v, u3, "x", 1, &g)), GPG_ERR_LIMIT_REACHED);
  CU_ASSERT_PTR_NOT_NULL (strstr (errctx_text (), "limit"));
  /* Growing u1 to 61 bytes: 101 > 100 bytes. */
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (v, u1, 1, big, 61, &g)), GPG_ERR_LIMIT_REACHED);
  /* Exactly 100 is fine, shrinking always is. */
  CU_ASSERT_EQUAL (vault_put (v, u1, 1, big, 60, &g), 0);
  CU_ASSERT_EQUAL (vault_put (v, u1, 2, big, 10, &g), 0);
  /* A delete makes room. */
  CU_ASSERT_EQUAL (vault_delete (v, u2, 0), 0);
  CU_ASSERT_EQUAL (vault_create (v, u3, big, 80, &g), 0);
  CU_ASSERT_EQUAL (vault_delete (v, u1, 0), 0);
  CU_ASSERT_EQUAL (vault_delete (v, u3, 0), 0);
  vault_close (v);
}

static void
test_inflight (void)
{
  vault_t *a = open_as ("busy"), *b = open_as ("busy"), *c = open_as ("idle");
  vault_limits_t lim = { 0, 0, 1 };

  CU_ASSERT_PTR_NOT_NULL_FATAL (a);
  CU_ASSERT_PTR_NOT_NULL_FATAL (b);
  CU_ASSERT_PTR_NOT_NULL_FATAL (c);
  vault_set_limits (a, &lim);
  vault_set_limits (b, &lim);
  vault_set_limits (c, &lim);
  CU_ASSERT_EQUAL (vault_request_begin (a), 0);
  /* The same account's second request at once is refused ... */
  CU_ASSERT_EQUAL (gpg_err_code (vault_request_begin (b)), GPG_ERR_LIMIT_REACHED);
  /* ... another account's is not. */
  CU_ASSERT_EQUAL (vault_request_begin (c), 0);
  vault_request_end (a);
  CU_ASSERT_EQUAL (vault_request_begin (b), 0);
  vault_request_end (b);
  vault_request_end (c);
  /* A slot held by a vault that goes away (a dying vscd) is free again. */
  CU_ASSERT_EQUAL (vault_request_begin (a), 0);
  vault_close (a);
  CU_ASSERT_EQUAL (vault_request_begin (b), 0);
  vault_request_end (b);
  vault_close (b);
  vault_close (c);
}

static void
test_accounts_apart (void)
{
  vault_t *a = open_as ("alice"), *b = open_as ("bob");
  char u[37];
  buf_t d = BUF_INIT;
  proto_entry_t e, *list = NULL;
  size_t n = 0;
  uint64_t g;

  CU_ASSERT_PTR_NOT_NULL_FATAL (a);
  CU_ASSERT_PTR_NOT_NULL_FATAL (b);
  new_uuid (u);
  CU_ASSERT_EQUAL (vault_create (a, u, "alice's", 7, &g), 0);
  CU_ASSERT_EQUAL (vault_list (b, &list, &n), 0);
  CU_ASSERT_EQUAL (n, 0);
  xfree (list);
  CU_ASSERT_EQUAL (gpg_err_code (vault_get (b, u, 100, &d, &e)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_stat (b, u, &e)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_put (b, u, 1, "evil", 4, &g)), GPG_ERR_NOT_FOUND);
  CU_ASSERT_EQUAL (gpg_err_code (vault_delete (b, u, 0)), GPG_ERR_NOT_FOUND);
  /* The same UUID is bob's own VSC, apart from alice's. */
  CU_ASSERT_EQUAL (vault_create (b, u, "bob's!", 6, &g), 0);
  CU_ASSERT_EQUAL (g, 1);
  CU_ASSERT_EQUAL (vault_get (a, u, 100, &d, &e), 0);
  CU_ASSERT_TRUE (d.len == 7 && !memcmp (d.data, "alice's", 7));
  CU_ASSERT_EQUAL (vault_delete (b, u, 0), 0);
  CU_ASSERT_EQUAL (vault_get (a, u, 100, &d, &e), 0);
  CU_ASSERT_EQUAL (vault_delete (a, u, 0), 0);
  buf_free (&d);
  vault_close (a);
  vault_close (b);
}

/* Eight processes, ten rounds, all putting from the same generation:
 * exactly one winner per round. */
static void
test_race (void)
{
  vault_t *v = open_as ("race");
  char u[37];
  int i, round, st, wins;
  pid_t pids[8];
  uint64_t g;
  proto_entry_t e;

  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  new_uuid (u);
  CU_ASSERT_EQUAL (vault_create (v, u, "0", 1, &g), 0);
  vault_close (v);
  for (round = 1; round <= 10; round++)
    {
      for (i = 0; i < 8; i++)
        {
          pids[i] = fork ();
          if (!pids[i])
            {
              vault_t *w = open_as ("race");
              uint64_t ng;
              gpg_error_t err;
              char data[16];
              snprintf (data, sizeof data, "%d.%d", round, i);
              err = w ? vault_put (w, u, (uint64_t)round, data, strlen (data), &ng)
                      : gpg_error (GPG_ERR_GENERAL);
              vault_close (w);
              _exit (!err ? 0 : gpg_err_code (err) == GPG_ERR_CONFLICT ? 6 : 1);
            }
        }
      wins = 0;
      for (i = 0; i < 8; i++)
        {
          CU_ASSERT_EQUAL (waitpid (pids[i], &st, 0), pids[i]);
          CU_ASSERT_TRUE (WIFEXITED (st));
          if (WIFEXITED (st) && !WEXITSTATUS (st))
            wins++;
          else
            CU_ASSERT_EQUAL (WEXITSTATUS (st), 6);
        }
      CU_ASSERT_EQUAL (wins, 1);
    }
  v = open_as ("race");
  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (vault_stat (v, u, &e), 0);
  CU_ASSERT_EQUAL (e.gen, 11);
  CU_ASSERT_EQUAL (vault_delete (v, u, 0), 0);
  vault_close (v);
}

/* Issue 13.5 for every back end: sixteen processes (each with a vault
 * of its own, as sixteen vscd connections) create new VSCs in an
 * account with room for three: exactly three are stored, the others
 * get GPG_ERR_LIMIT_REACHED, and the count is three. */
static void
test_quota_race (void)
{
  enum { NPROC = 16 };
  vault_t *v;
  pid_t pids[NPROC];
  int i, st, stored = 0, full = 0;
  size_t n = 0;
  proto_entry_t *list = NULL;

  for (i = 0; i < NPROC; i++)
    {
      pids[i] = fork ();
      if (!pids[i])
        {
          vault_t *w = open_as ("quota");
          char u[37];
          uint64_t g;
          gpg_error_t err;
          snprintf (u, sizeof u, "00000000-0000-4000-8000-%012d", i);
          if (w)
            vault_set_max_vscs (w, 3);
          err = w ? vault_create (w, u, "data", 4, &g)
                  : gpg_error (GPG_ERR_GENERAL);
          if (err && gpg_err_code (err) != GPG_ERR_LIMIT_REACHED)
            fprintf (stderr, "quota race: %s: %s\n", gpg_strerror (err),
                     w ? errctx_text () : "no vault");
          vault_close (w);
          _exit (!err ? 0 : gpg_err_code (err) == GPG_ERR_LIMIT_REACHED
                 ? 5 : 1);
        }
    }
  for (i = 0; i < NPROC; i++)
    {
      CU_ASSERT_EQUAL (waitpid (pids[i], &st, 0), pids[i]);
      if (WIFEXITED (st) && !WEXITSTATUS (st))
        stored++;
      else if (WIFEXITED (st) && WEXITSTATUS (st) == 5)
        full++;
    }
  CU_ASSERT_EQUAL (stored, 3);
  CU_ASSERT_EQUAL (full, NPROC - 3);
  v = open_as ("quota");
  CU_ASSERT_PTR_NOT_NULL_FATAL (v);
  CU_ASSERT_EQUAL (vault_count (v, &n), 0);
  CU_ASSERT_EQUAL (n, 3);
  CU_ASSERT_EQUAL (vault_list (v, &list, &n), 0);
  for (i = 0; i < (int)n; i++)
    CU_ASSERT_EQUAL (vault_delete (v, list[i].uuid, 0), 0);
  xfree (list);
  vault_close (v);
}

static const cutest_t tests[] = {
  CUTEST (test_cas),
  CUTEST (test_history),
  CUTEST (test_audit),
  CUTEST (test_limits),
  CUTEST (test_inflight),
  CUTEST (test_accounts_apart),
  CUTEST (test_race),
  CUTEST (test_quota_race),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("vault", tests, suite_init, suite_cleanup);
}
