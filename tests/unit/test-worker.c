/* test-worker.c - the generic worker thread: progress, questions, cancel */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdio.h>
#include <poll.h>
#include "cutest.h"
#include "common/util.h"
#include "common/apdu.h"
#include "scapi/worker.h"

static int
readable (int fd, int timeout_ms)
{
  struct pollfd p = { fd, POLLIN, 0 };
  return poll (&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* Reports 100 steps of 10 bytes, then returns 0. */
static gpg_error_t
job_count (worker_t *w, void *arg)
{
  worker_progress_t p;
  int i;

  (void)arg;
  memset (&p, 0, sizeof p);
  p.bytes_total = 1000;
  for (i = 1; i <= 100; i++)
    {
      p.bytes_done = (uint64_t)i * 10;
      p.apdus = (unsigned long)i;
      snprintf (p.node, sizeof p.node, "3F00/%04X", i);
      p.data_len = (size_t)snprintf ((char *)p.data, sizeof p.data,
                                     "step %d", i) + 1;
      worker_progress (w, &p);
    }
  return 0;
}

static void
test_progress_poll (void)
{
  worker_t *w = NULL;
  worker_progress_t p;
  unsigned bits = 0;
  int wakeups = 0;

  CU_ASSERT_EQUAL_FATAL (worker_start (job_count, NULL, &w), 0);
  while (!(bits & WORKER_EV_DONE))
    {
      CU_ASSERT_TRUE_FATAL (readable (worker_fd (w), 5000));
      bits = worker_drain (w);
      wakeups++;
    }
  CU_ASSERT_TRUE (wakeups >= 1 && wakeups <= 101);
  CU_ASSERT_TRUE (bits & WORKER_EV_PROGRESS);
  CU_ASSERT_TRUE (worker_get_progress (w, &p));
  /* Coalesced: the latest update wins. */
  CU_ASSERT_EQUAL (p.bytes_done, 1000);
  CU_ASSERT_EQUAL (p.apdus, 100);
  CU_ASSERT_EQUAL (p.seq, 100);
  CU_ASSERT_STRING_EQUAL (p.node, "3F00/0064");
  /* The job's own data travels with it. */
  CU_ASSERT_EQUAL (p.data_len, 9);
  CU_ASSERT_STRING_EQUAL ((const char *)p.data, "step 100");
  CU_ASSERT_TRUE (p.elapsed >= 0);
  CU_ASSERT_TRUE (p.eta >= 0 && p.eta < 1e-9);   /* all done */
  CU_ASSERT_FALSE (worker_drain (w) & WORKER_EV_PROGRESS);
  CU_ASSERT_FALSE (readable (worker_fd (w), 0));
  CU_ASSERT_TRUE (worker_done (w));
  CU_ASSERT_EQUAL (worker_result (w), 0);
  worker_free (w);
}

/* Half done after a measurable time: ETA about the elapsed time. */
static gpg_error_t
job_half (worker_t *w, void *arg)
{
  worker_progress_t p;
  (void)arg;
  memset (&p, 0, sizeof p);
  poll (NULL, 0, 20);
  p.items_total = 4;
  p.items_done = 2;
  p.eta = -1;
  worker_progress (w, &p);
  return gpg_error (GPG_ERR_EOF);
}

static void
test_eta_and_result (void)
{
  worker_t *w = NULL;
  worker_progress_t p;

  CU_ASSERT_EQUAL_FATAL (worker_start (job_half, NULL, &w), 0);
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, NULL, NULL)),
                   GPG_ERR_EOF);
  CU_ASSERT_TRUE (worker_get_progress (w, &p));
  CU_ASSERT_TRUE (p.elapsed >= 0.015);
  CU_ASSERT_TRUE (p.eta >= 0.9 * p.elapsed && p.eta <= 1.1 * p.elapsed);
  /* A second wait returns the same result without joining again. */
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, NULL, NULL)),
                   GPG_ERR_EOF);
  worker_free (w);
}

/* Spins until cancelled (checks the flag between "APDUs"). */
static gpg_error_t
job_until_cancel (worker_t *w, void *arg)
{
  volatile int *flag = worker_cancel_flag (w);
  (void)arg;
  while (!*flag)
    poll (NULL, 0, 1);
  return gpg_error (GPG_ERR_CANCELED);
}

static void
test_cancel (void)
{
  worker_t *w = NULL;

  CU_ASSERT_EQUAL_FATAL (worker_start (job_until_cancel, NULL, &w), 0);
  CU_ASSERT_FALSE (readable (worker_fd (w), 30));
  CU_ASSERT_EQUAL (gpg_err_code (worker_result (w)), GPG_ERR_EAGAIN);
  CU_ASSERT_FALSE (worker_done (w));
  worker_cancel (w);
  CU_ASSERT_TRUE (readable (worker_fd (w), 5000));
  CU_ASSERT_TRUE (worker_drain (w) & WORKER_EV_DONE);
  CU_ASSERT_EQUAL (gpg_err_code (worker_result (w)), GPG_ERR_CANCELED);
  worker_free (w);
  /* Freeing a running worker cancels and joins it. */
  CU_ASSERT_EQUAL_FATAL (worker_start (job_until_cancel, NULL, &w), 0);
  worker_free (w);
}

/* Asks for a "PIN" and returns its length as the result code. */
static gpg_error_t
job_ask (worker_t *w, void *arg)
{
  void *answer = NULL;
  gpg_error_t err;
  (void)arg;
  err = worker_ask (w, 7, "PIN for 81", &answer);
  if (err)
    return err;
  return answer && !strcmp (answer, "123456") ? 0 : gpg_error (GPG_ERR_BAD_PIN);
}

static void
test_ask_answer (void)
{
  worker_t *w = NULL;
  void *req = NULL;
  unsigned bits;

  CU_ASSERT_EQUAL_FATAL (worker_start (job_ask, NULL, &w), 0);
  CU_ASSERT_TRUE_FATAL (readable (worker_fd (w), 5000));
  bits = worker_drain (w);
  CU_ASSERT_TRUE (bits & WORKER_EV_REQUEST);
  CU_ASSERT_EQUAL (worker_request (w, &req), 7);
  CU_ASSERT_STRING_EQUAL ((const char *)req, "PIN for 81");
  CU_ASSERT_FALSE (worker_done (w));      /* blocked on the answer */
  worker_answer (w, "123456");
  CU_ASSERT_EQUAL (worker_wait (w, NULL, NULL, NULL), 0);
  CU_ASSERT_EQUAL (worker_request (w, &req), 0);
  worker_free (w);

  /* Cancel while it waits for the answer. */
  CU_ASSERT_EQUAL_FATAL (worker_start (job_ask, NULL, &w), 0);
  CU_ASSERT_TRUE_FATAL (readable (worker_fd (w), 5000));
  CU_ASSERT_TRUE (worker_drain (w) & WORKER_EV_REQUEST);
  worker_cancel (w);
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, NULL, NULL)),
                   GPG_ERR_CANCELED);
  worker_free (w);
}

struct cli_ctx {
  int progress_calls;
  int requests;
  bool refuse;
};

static void
cli_progress (void *ctx, const worker_progress_t *p)
{
  struct cli_ctx *c = ctx;
  (void)p;
  c->progress_calls++;
}

static void *
cli_request (void *ctx, int kind, void *req, bool *cancel)
{
  struct cli_ctx *c = ctx;
  (void)req;
  c->requests++;
  CU_ASSERT_EQUAL (kind, 7);
  if (c->refuse)
    *cancel = true;
  return "123456";
}

static gpg_error_t
job_progress_then_ask (worker_t *w, void *arg)
{
  worker_progress_t p;
  memset (&p, 0, sizeof p);
  p.items_total = 1;
  worker_progress (w, &p);
  return job_ask (w, arg);
}

static void
test_wait_callbacks (void)
{
  worker_t *w = NULL;
  struct cli_ctx c = { 0, 0, false };

  CU_ASSERT_EQUAL_FATAL (worker_start (job_progress_then_ask, NULL, &w), 0);
  CU_ASSERT_EQUAL (worker_wait (w, cli_progress, cli_request, &c), 0);
  CU_ASSERT_EQUAL (c.progress_calls, 1);
  CU_ASSERT_EQUAL (c.requests, 1);
  worker_free (w);

  c.refuse = true;
  c.requests = 0;
  CU_ASSERT_EQUAL_FATAL (worker_start (job_ask, NULL, &w), 0);
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, cli_request, &c)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_EQUAL (c.requests, 1);
  worker_free (w);

  /* No request handler: questions are answered "cancelled". */
  CU_ASSERT_EQUAL_FATAL (worker_start (job_ask, NULL, &w), 0);
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, NULL, NULL)),
                   GPG_ERR_CANCELED);
  worker_free (w);
}

/* The cancel flag stops an apdu_chan before its next APDU. */
static int transmits;

static gpg_error_t
fake_transmit (void *ctx, const uint8_t *c, size_t clen, uint8_t *resp,
               size_t *rlen)
{
  (void)ctx; (void)c; (void)clen;
  transmits++;
  resp[0] = 0x90;
  resp[1] = 0x00;
  *rlen = 2;
  return 0;
}

static gpg_error_t
job_apdus (worker_t *w, void *arg)
{
  apdu_chan_t chan;
  apdu_t a;
  buf_t resp = BUF_INIT;
  unsigned sw;
  gpg_error_t err = 0;
  (void)arg;

  apdu_chan_init (&chan, fake_transmit, NULL, APDU_PROTO_T1);
  chan.cancel = worker_cancel_flag (w);
  memset (&a, 0, sizeof a);
  a.ins = 0xB0;
  a.le = 256;
  while (!err)
    {
      err = apdu_chan_exchange (&chan, &a, &resp, &sw);
      if (transmits == 5)
        worker_cancel (w);   /* as the owner would, from its thread */
    }
  buf_free (&resp);
  return err;
}

static void
test_cancel_apdu_chan (void)
{
  worker_t *w = NULL;

  transmits = 0;
  CU_ASSERT_EQUAL_FATAL (worker_start (job_apdus, NULL, &w), 0);
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, NULL, NULL)),
                   GPG_ERR_CANCELED);
  CU_ASSERT_EQUAL (transmits, 5);   /* nothing sent after the flag */
  worker_free (w);
}

/* Events are queued, not coalesced: every one arrives, in order, also
 * beyond the queue's limit (the job waits for the owner). */
#define N_EVENTS (WORKER_QUEUE_MAX + 500)
static gpg_error_t
job_events (worker_t *w, void *arg)
{
  gpg_error_t err = 0;
  unsigned i;
  char path[32];
  (void)arg;

  for (i = 0; !err && i < N_EVENTS; i++)
    {
      snprintf (path, sizeof path, "3F00/%04X", i & 0xFFFF);
      err = worker_post (w, 1 + (i & 1), path, strlen (path) + 1);
    }
  return err;
}

struct ev_ctx {
  unsigned n;
  bool in_order;
};

static void
ev_seen (void *ctx, int kind, const void *data, size_t len)
{
  struct ev_ctx *c = ctx;
  char want[32];
  snprintf (want, sizeof want, "3F00/%04X", c->n & 0xFFFF);
  if (kind != (int)(1 + (c->n & 1)) || len != strlen (want) + 1
      || strcmp (data, want))
    c->in_order = false;
  c->n++;
}

static void
test_events (void)
{
  worker_t *w = NULL;
  struct ev_ctx c = { 0, true };
  char buf[8];
  size_t len;

  CU_ASSERT_EQUAL_FATAL (worker_start (job_events, NULL, &w), 0);
  CU_ASSERT_EQUAL (worker_wait_events (w, NULL, NULL, ev_seen, &c), 0);
  CU_ASSERT_EQUAL (c.n, N_EVENTS);
  CU_ASSERT_TRUE (c.in_order);
  CU_ASSERT_EQUAL (worker_next_event (w, buf, sizeof buf, &len), 0);
  CU_ASSERT_EQUAL (len, 0);
  worker_free (w);

  /* Not drained: the job blocks at the limit; a cancel frees it. */
  CU_ASSERT_EQUAL_FATAL (worker_start (job_events, NULL, &w), 0);
  while (!(worker_drain (w) & WORKER_EV_EVENT))
    CU_ASSERT_TRUE_FATAL (readable (worker_fd (w), 5000));
  /* A cut copy still reports the full length. */
  CU_ASSERT_EQUAL (worker_next_event (w, buf, 4, &len), 1);
  CU_ASSERT_EQUAL (len, strlen ("3F00/0000") + 1);
  CU_ASSERT_TRUE (!memcmp (buf, "3F00", 4));
  worker_cancel (w);
  CU_ASSERT_EQUAL (gpg_err_code (worker_wait (w, NULL, NULL, NULL)),
                   GPG_ERR_CANCELED);
  worker_free (w);

  /* Bad arguments. */
  CU_ASSERT_EQUAL_FATAL (worker_start (job_count, NULL, &w), 0);
  CU_ASSERT_EQUAL (gpg_err_code (worker_post (w, 0, "x", 1)),
                   GPG_ERR_INV_ARG);
  CU_ASSERT_EQUAL (gpg_err_code (worker_post (w, 1, NULL, 3)),
                   GPG_ERR_INV_ARG);
  CU_ASSERT_EQUAL (gpg_err_code (worker_post (w, 1, buf,
                                              WORKER_EVENT_MAX + 1)),
                   GPG_ERR_INV_ARG);
  CU_ASSERT_EQUAL (worker_wait (w, NULL, NULL, NULL), 0);
  worker_free (w);
}

static const cutest_t tests[] = {
  CUTEST (test_events),
  CUTEST (test_progress_poll),
  CUTEST (test_eta_and_result),
  CUTEST (test_cancel),
  CUTEST (test_ask_answer),
  CUTEST (test_wait_callbacks),
  CUTEST (test_cancel_apdu_chan),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("worker", tests, NULL, NULL);
}
