/* task.c - one scapi operation on a worker thread, talking to the UI's
 * poll() loop through a pipe */
#include <config.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>

#include "common/util.h"
#include "ui/task.h"

struct ui_task {
  pthread_t thread;
  bool started, joined;
  int pipe[2];
  pthread_mutex_t lock;
  pthread_cond_t cond;
  task_fn fn;
  void *arg;
  scapi_cb_t cb;
  volatile int cancel;
  scapi_progress_t progress;
  enum task_request req;
  scapi_pin_request_t pin_req;
  char pw_path[512];
  bool answered;
  char *answer;            /* secure memory or NULL */
  bool done;
  gpg_error_t result;
  char errtext[512];
};

static void
task_notify (ui_task_t *t)
{
  char c = 't';
  ssize_t n = write (t->pipe[1], &c, 1);
  (void) n;
}

static void
task_on_progress (void *ctx, const scapi_progress_t *p)
{
  ui_task_t *t = ctx;
  pthread_mutex_lock (&t->lock);
  t->progress = *p;
  pthread_mutex_unlock (&t->lock);
  task_notify (t);
}

/* Block the worker until the UI answers. */
static gpg_error_t
task_ask (ui_task_t *t, enum task_request kind, char **r_secret)
{
  gpg_error_t err;
  *r_secret = NULL;
  pthread_mutex_lock (&t->lock);
  if (t->cancel)
    {
      pthread_mutex_unlock (&t->lock);
      return gpg_error (GPG_ERR_CANCELED);
    }
  t->req = kind;
  t->answered = false;
  pthread_mutex_unlock (&t->lock);
  task_notify (t);
  pthread_mutex_lock (&t->lock);
  while (!t->answered)
    pthread_cond_wait (&t->cond, &t->lock);
  t->req = TASK_REQ_NONE;
  if (t->answer)
    {
      *r_secret = t->answer;
      t->answer = NULL;
      err = 0;
    }
  else
    err = gpg_error (GPG_ERR_CANCELED);
  pthread_mutex_unlock (&t->lock);
  return err;
}

static gpg_error_t
task_on_pin (void *ctx, const scapi_pin_request_t *req, char **r_pin)
{
  ui_task_t *t = ctx;
  gpg_error_t err;
  pthread_mutex_lock (&t->lock);
  t->pin_req = *req;
  pthread_mutex_unlock (&t->lock);
  err = task_ask (t, TASK_REQ_PIN, r_pin);
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
  pthread_mutex_lock (&t->lock);
  snprintf (t->pw_path, sizeof t->pw_path, "%s", path ? path : "");
  pthread_mutex_unlock (&t->lock);
  return task_ask (t, TASK_REQ_PASSWORD, r_pw);
}

static void *
task_thread (void *arg)
{
  ui_task_t *t = arg;
  gpg_error_t err = t->fn (t->arg, &t->cb);
  const char *text = scapi_last_error_text ();
  pthread_mutex_lock (&t->lock);
  t->result = err;
  snprintf (t->errtext, sizeof t->errtext, "%s", err && text ? text : "");
  t->done = true;
  pthread_mutex_unlock (&t->lock);
  task_notify (t);
  return NULL;
}

gpg_error_t
task_start (task_fn fn, void *arg, ui_task_t **r_task)
{
  ui_task_t *t;
  int rc;

  *r_task = NULL;
  t = xtrycalloc (1, sizeof *t);
  if (!t)
    return gpg_error_from_syserror ();
  if (pipe (t->pipe))
    {
      gpg_error_t err = gpg_error_from_syserror ();
      xfree (t);
      return err;
    }
  for (int i = 0; i < 2; i++)
    {
      fcntl (t->pipe[i], F_SETFL, fcntl (t->pipe[i], F_GETFL) | O_NONBLOCK);
      fcntl (t->pipe[i], F_SETFD, FD_CLOEXEC);
    }
  pthread_mutex_init (&t->lock, NULL);
  pthread_cond_init (&t->cond, NULL);
  t->fn = fn;
  t->arg = arg;
  t->progress.eta = -1;
  t->cb.progress = task_on_progress;
  t->cb.progress_ctx = t;
  t->cb.pin = task_on_pin;
  t->cb.pin_ctx = t;
  t->cb.password = task_on_password;
  t->cb.password_ctx = t;
  t->cb.cancel = &t->cancel;
  rc = pthread_create (&t->thread, NULL, task_thread, t);
  if (rc)
    {
      close (t->pipe[0]);
      close (t->pipe[1]);
      xfree (t);
      return gpg_error_from_errno (rc);
    }
  t->started = true;
  *r_task = t;
  return 0;
}

int
task_fd (ui_task_t *t)
{
  return t->pipe[0];
}

bool
task_drain (ui_task_t *t)
{
  char buf[256];
  bool done;
  while (read (t->pipe[0], buf, sizeof buf) > 0)
    ;
  pthread_mutex_lock (&t->lock);
  done = t->done;
  pthread_mutex_unlock (&t->lock);
  return done;
}

void
task_progress (ui_task_t *t, scapi_progress_t *p)
{
  pthread_mutex_lock (&t->lock);
  *p = t->progress;
  pthread_mutex_unlock (&t->lock);
}

enum task_request
task_request (ui_task_t *t, scapi_pin_request_t *pin, char *path,
              size_t pathsz)
{
  enum task_request r;
  pthread_mutex_lock (&t->lock);
  r = t->answered ? TASK_REQ_NONE : t->req;
  if (r == TASK_REQ_PIN && pin)
    *pin = t->pin_req;
  if (r == TASK_REQ_PASSWORD && path)
    snprintf (path, pathsz, "%s", t->pw_path);
  pthread_mutex_unlock (&t->lock);
  return r;
}

void
task_answer (ui_task_t *t, char *secret)
{
  pthread_mutex_lock (&t->lock);
  if (t->req != TASK_REQ_NONE && !t->answered)
    {
      t->answer = secret;
      t->answered = true;
      secret = NULL;
      pthread_cond_broadcast (&t->cond);
    }
  pthread_mutex_unlock (&t->lock);
  xfree_secure (secret);   /* nobody asked */
}

void
task_cancel (ui_task_t *t)
{
  t->cancel = 1;
  task_answer (t, NULL);
}

bool
task_cancelled (ui_task_t *t)
{
  return t->cancel != 0;
}

void
task_wait (ui_task_t *t)
{
  if (t->started && !t->joined)
    {
      pthread_join (t->thread, NULL);
      t->joined = true;
    }
}

gpg_error_t
task_result (ui_task_t *t, const char **r_text)
{
  if (r_text)
    *r_text = t->errtext;
  return t->result;
}

void
task_free (ui_task_t *t)
{
  if (!t)
    return;
  if (!t->done)
    task_cancel (t);
  task_wait (t);
  xfree_secure (t->answer);
  close (t->pipe[0]);
  close (t->pipe[1]);
  pthread_mutex_destroy (&t->lock);
  pthread_cond_destroy (&t->cond);
  xfree (t);
}
