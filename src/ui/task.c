/* task.c - one scapi operation for the UI, on the generic worker
 * (scapi/worker.c): the worker owns the thread, the pipe the loop
 * poll()s, the cancel flag and the blocking question; the task only
 * turns the facade's callbacks (progress, PIN, password) into worker
 * progress and questions. */
#include <config.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "scapi/worker.h"
#include "ui/task.h"

struct ui_task {
  worker_t *w;             /* the UI thread's handle */
  worker_t *job_w;         /* the same, for the job thread (set by it) */
  task_fn fn;
  void *arg;
  scapi_cb_t cb;
  char errtext[512];       /* scapi_last_error_text of the worker thread */
};

_Static_assert (sizeof (scapi_progress_t) <= WORKER_PROGRESS_DATA,
                "scapi_progress_t travels in worker_progress_t.data");

/* Worker thread: the latest progress, whole, in the worker's data. */
static void
task_on_progress (void *ctx, const scapi_progress_t *p)
{
  ui_task_t *t = ctx;
  worker_progress_t wp;

  memset (&wp, 0, offsetof (worker_progress_t, data));
  wp.phase = (int)p->phase;
  snprintf (wp.node, sizeof wp.node, "%s", p->node);
  wp.bytes_done = p->bytes_done;
  wp.bytes_total = p->bytes_total;
  wp.items_done = p->nodes_done;
  wp.items_total = p->nodes_total;
  wp.apdus = p->apdus;
  wp.eta = p->eta;
  memcpy (wp.data, p, sizeof *p);
  wp.data_len = sizeof *p;
  worker_progress (t->job_w, &wp);
}

/* Worker thread: ask the UI and block; a NULL answer is "cancelled". */
static gpg_error_t
task_ask (ui_task_t *t, enum task_request kind, void *request,
          char **r_secret)
{
  void *answer = NULL;
  gpg_error_t err = worker_ask (t->job_w, (int)kind, request, &answer);

  *r_secret = answer;
  if (!err && !answer)
    err = gpg_error (GPG_ERR_CANCELED);
  return err;
}

static gpg_error_t
task_on_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  ui_task_t *t = ctx;
  gpg_error_t err = task_ask (t, TASK_REQ_PIN, (void *)req, r_pin);

  if (!err && req->pinpad && *r_pin)
    {
      xfree_secure (*r_pin);
      *r_pin = NULL;
    }
  return err;
}

static gpg_error_t
task_on_password (void *ctx, const char *path, char **r_pw)
{
  ui_task_t *t = ctx;
  return task_ask (t, TASK_REQ_PASSWORD, (void *)(path ? path : ""), r_pw);
}

static gpg_error_t
task_job (worker_t *w, void *arg)
{
  ui_task_t *t = arg;
  gpg_error_t err;
  const char *text;

  t->job_w = w;
  t->cb.cancel = worker_cancel_flag (w);
  err = t->fn (t->arg, &t->cb);
  /* Read by the UI only after the worker reported the end. */
  text = scapi_last_error_text ();
  snprintf (t->errtext, sizeof t->errtext, "%s", err && text ? text : "");
  return err;
}

gpg_error_t
task_start (task_fn fn, void *arg, ui_task_t **r_task)
{
  gpg_error_t err;
  ui_task_t *t;

  *r_task = NULL;
  t = xtrycalloc (1, sizeof *t);
  if (!t)
    return gpg_error_from_syserror ();
  t->fn = fn;
  t->arg = arg;
  t->cb.progress = task_on_progress;
  t->cb.progress_ctx = t;
  t->cb.pin = task_on_pin;
  t->cb.pin_ctx = t;
  t->cb.password = task_on_password;
  t->cb.password_ctx = t;
  err = worker_start (task_job, t, &t->w);
  if (err)
    {
      xfree (t);
      return err;
    }
  *r_task = t;
  return 0;
}

int
task_fd (ui_task_t *t)
{
  return worker_fd (t->w);
}

bool
task_drain (ui_task_t *t)
{
  return (worker_drain (t->w) & WORKER_EV_DONE) != 0;
}

void
task_progress (ui_task_t *t, scapi_progress_t *p)
{
  worker_progress_t wp;

  if (worker_get_progress (t->w, &wp) && wp.data_len == sizeof *p)
    memcpy (p, wp.data, sizeof *p);
  else
    {
      memset (p, 0, sizeof *p);
      p->eta = -1;
    }
}

enum task_request
task_request (ui_task_t *t, scapi_pin_request_t *pin, char *path,
              size_t pathsz)
{
  void *req = NULL;
  int kind = worker_request (t->w, &req);

  /* The job waits in worker_ask until this thread answers or cancels,
   * so REQ stays valid while it is copied. */
  if (kind == TASK_REQ_PIN && pin)
    *pin = *(const scapi_pin_request_t *)req;
  else if (kind == TASK_REQ_PASSWORD && path)
    snprintf (path, pathsz, "%s", (const char *)req);
  return kind == TASK_REQ_PIN || kind == TASK_REQ_PASSWORD
         ? (enum task_request)kind : TASK_REQ_NONE;
}

void
task_answer (ui_task_t *t, char *secret)
{
  void *req;

  if (worker_request (t->w, &req))
    worker_answer (t->w, secret);
  else
    xfree_secure (secret);   /* nobody asked */
}

void
task_cancel (ui_task_t *t)
{
  worker_cancel (t->w);
}

bool
task_cancelled (ui_task_t *t)
{
  return worker_cancelled (t->w);
}

void
task_wait (ui_task_t *t)
{
  /* Only after task_cancel or the end: a question that comes meanwhile
   * is answered "cancelled". */
  worker_wait (t->w, NULL, NULL, NULL);
}

gpg_error_t
task_result (ui_task_t *t, const char **r_text)
{
  if (r_text)
    *r_text = t->errtext;
  return worker_result (t->w);
}

void
task_free (ui_task_t *t)
{
  if (!t)
    return;
  worker_free (t->w);     /* cancels if still running, joins */
  xfree (t);
}
