/* worker.h - run one long job on a thread; progress through a pipe
 *
 * Generic: knows nothing about cards, agents or VSCs. The owner (a UI's
 * poll() loop, or the CLI through worker_wait) starts a job function on
 * a thread and watches worker_fd(). The job reports progress (coalesced:
 * the owner always sees the latest), may ask the owner a question and
 * block until it is answered (a PIN, a password), and checks the cancel
 * flag, which can also be handed to apdu_chan_t.cancel or scapi_cb_t.cancel
 * so the job stops before its next APDU.
 *
 * The pipe carries no data: one byte means "something changed since you
 * last called worker_drain" (progress, a question, the end). */
#ifndef VSC_WORKER_H
#define VSC_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"

typedef struct worker worker_t;

#define WORKER_NODE_MAX 256
#define WORKER_PROGRESS_DATA 1024

/* Plain data. The job fills what it knows; the worker stamps ELAPSED and,
 * when the job leaves ETA <= 0, estimates it from bytes (or items)
 * done so far: elapsed * (total - done) / done; -1 if not known. */
typedef struct worker_progress {
  int phase;                     /* job-defined */
  char node[WORKER_NODE_MAX];    /* what is being worked on, "" if none */
  uint64_t bytes_done, bytes_total;   /* total 0 = not known */
  uint64_t items_done, items_total;   /* total 0 = not known */
  unsigned long apdus;
  double elapsed;                /* seconds since worker_start */
  double eta;                    /* seconds left; < 0 unknown */
  unsigned long seq;             /* number of updates so far */
  /* Job-defined plain data that travels with the progress, coalesced
   * like the rest (the manager's task sends the facade's whole
   * scapi_progress_t here); DATA_LEN bytes of DATA are meaningful. */
  size_t data_len;
  unsigned char data[WORKER_PROGRESS_DATA];
} worker_progress_t;

/* The job. Its return value is the worker's result. */
typedef gpg_error_t (*worker_fn) (worker_t *w, void *arg);

gpg_error_t worker_start (worker_fn fn, void *arg, worker_t **r_w);
/* Readable when worker_drain has something new to report. */
int worker_fd (worker_t *w);

/* ---- job side (called on the worker thread) ---------------------------- */

void worker_progress (worker_t *w, const worker_progress_t *p);
/* The cancel flag: non-zero once cancelled. Give it to apdu_chan_t.cancel
 * / scapi_cb_t.cancel. A signal handler may set it directly. */
volatile int *worker_cancel_flag (worker_t *w);
bool worker_cancelled (worker_t *w);
/* Ask the owner (KIND > 0 and REQUEST are job-defined; REQUEST must stay
 * valid until answered) and block until worker_answer. Returns 0 with
 * *R_ANSWER (may be NULL), or GPG_ERR_CANCELED if the worker is or gets
 * cancelled while waiting. */
gpg_error_t worker_ask (worker_t *w, int kind, void *request, void **r_answer);

/* Post an event that must not be coalesced (a node found by a scan):
 * KIND > 0 and LEN bytes of plain data (at most WORKER_EVENT_MAX) are
 * copied into a queue that the owner empties with worker_next_event, in
 * order. When WORKER_QUEUE_MAX events wait, the job blocks until the
 * owner takes one; GPG_ERR_CANCELED if the worker is or gets cancelled
 * meanwhile. */
#define WORKER_EVENT_MAX 1024
#define WORKER_QUEUE_MAX 4096
gpg_error_t worker_post (worker_t *w, int kind, const void *data,
                         size_t len);

/* ---- owner side --------------------------------------------------------- */

#define WORKER_EV_PROGRESS 1u  /* newer progress than the owner has seen */
#define WORKER_EV_REQUEST  2u  /* a question is waiting for worker_answer */
#define WORKER_EV_DONE     4u  /* the job has returned */
#define WORKER_EV_EVENT    8u  /* worker_next_event has something */

/* The oldest queued event: its KIND (0 if the queue is empty, which
 * clears WORKER_EV_EVENT), copied into BUF (SIZE bytes; *R_LEN the
 * event's length, which may exceed SIZE: then it is cut). */
int worker_next_event (worker_t *w, void *buf, size_t size, size_t *r_len);

/* Empty the pipe; returns the WORKER_EV_* bits that are pending now. */
unsigned worker_drain (worker_t *w);
/* Copy the latest progress (clears WORKER_EV_PROGRESS); false if the
 * job has not reported any yet. */
bool worker_get_progress (worker_t *w, worker_progress_t *p);
/* The pending question: its KIND (0 if none) and *R_REQUEST. */
int worker_request (worker_t *w, void **r_request);
/* Answer the pending question (ignored if there is none). */
void worker_answer (worker_t *w, void *answer);
/* Set the cancel flag and wake a job blocked in worker_ask. */
void worker_cancel (worker_t *w);
bool worker_done (worker_t *w);

/* For a CLI: block until the job ends. ON_PROGRESS (may be NULL) is called
 * on the caller's thread with each new progress; ON_REQUEST (may be NULL:
 * every question is answered "cancelled") returns the answer, or sets
 * *CANCEL to give up. Returns the job's result. */
typedef void (*worker_progress_cb) (void *ctx, const worker_progress_t *p);
typedef void *(*worker_request_cb) (void *ctx, int kind, void *request,
                                    bool *cancel);
gpg_error_t worker_wait (worker_t *w, worker_progress_cb on_progress,
                         worker_request_cb on_request, void *ctx);
/* The same with queued events (ON_EVENT may be NULL: they are dropped). */
typedef void (*worker_event_cb) (void *ctx, int kind, const void *data,
                                 size_t len);
gpg_error_t worker_wait_events (worker_t *w, worker_progress_cb on_progress,
                                worker_request_cb on_request,
                                worker_event_cb on_event, void *ctx);

/* The job's return value (GPG_ERR_EAGAIN while it runs). */
gpg_error_t worker_result (worker_t *w);
/* Cancel if still running, join the thread, free. NULL is fine. */
void worker_free (worker_t *w);

#endif /* VSC_WORKER_H */
