/* worker.c - one long job on a thread, reported through a pipe
 *
 * State lives under one mutex. A producer (the job reporting progress,
 * asking, or ending) sets a pending bit and writes one byte to the pipe
 * if none is there yet; worker_drain reads that byte and returns the
 * bits pending now, so a poll() loop wakes once per batch and never
 * misses a change. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdint.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "common/util.h"
#include "scapi/worker.h"

struct worker {
  pthread_t thread;
  bool joined;                  /* by worker_wait */
  pthread_mutex_t lock;
  pthread_cond_t cond;          /* answers and cancellation */
  int fd[2];
  bool signalled;               /* a byte is in the pipe */
  unsigned pending;             /* WORKER_EV_* */

  worker_fn fn;
  void *arg;
  long long start_ns;
  volatile int cancel;

  bool have_progress;
  worker_progress_t progress;

  int req_kind;                 /* 0: no question */
  void *req;
  bool answered;
  void *answer;

  bool done;
  gpg_error_t result;

  /* Queued events (worker_post): a ring of N_EVENTS from HEAD. */
  struct worker_event *events;
  size_t cap_events, head_event, n_events;
};

struct worker_event {
  int kind;
  size_t len;
  uint8_t data[WORKER_EVENT_MAX];
};

static long long
worker_now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Called with LOCK. */
static void
worker_signal (worker_t *w, unsigned bit)
{
  w->pending |= bit;
  if (!w->signalled)
    {
      static const char one = 1;
      if (write (w->fd[1], &one, 1) == 1)
        w->signalled = true;
    }
}

static void *
worker_thread (void *arg)
{
  worker_t *w = arg;
  gpg_error_t err = w->fn (w, w->arg);

  pthread_mutex_lock (&w->lock);
  w->result = err;
  w->done = true;
  worker_signal (w, WORKER_EV_DONE);
  pthread_cond_broadcast (&w->cond);
  pthread_mutex_unlock (&w->lock);
  return NULL;
}

gpg_error_t
worker_start (worker_fn fn, void *arg, worker_t **r_w)
{
  worker_t *w;
  int i;

  if (!fn || !r_w)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_w = NULL;
  w = xtrycalloc (1, sizeof *w);
  if (!w)
    return gpg_error_from_syserror ();
  if (pipe (w->fd))
    {
      gpg_error_t err = gpg_error_from_syserror ();
      xfree (w);
      return err;
    }
  for (i = 0; i < 2; i++)
    {
      fcntl (w->fd[i], F_SETFL, fcntl (w->fd[i], F_GETFL) | O_NONBLOCK);
      fcntl (w->fd[i], F_SETFD, FD_CLOEXEC);
    }
  pthread_mutex_init (&w->lock, NULL);
  pthread_cond_init (&w->cond, NULL);
  w->fn = fn;
  w->arg = arg;
  w->result = gpg_error (GPG_ERR_EAGAIN);
  w->start_ns = worker_now_ns ();
  if (pthread_create (&w->thread, NULL, worker_thread, w))
    {
      gpg_error_t err = gpg_error_from_syserror ();
      close (w->fd[0]);
      close (w->fd[1]);
      pthread_cond_destroy (&w->cond);
      pthread_mutex_destroy (&w->lock);
      xfree (w);
      return err;
    }
  *r_w = w;
  return 0;
}

int
worker_fd (worker_t *w)
{
  return w ? w->fd[0] : -1;
}

void
worker_progress (worker_t *w, const worker_progress_t *p)
{
  worker_progress_t q = *p;

  q.node[WORKER_NODE_MAX - 1] = 0;
  if (q.data_len > sizeof q.data)
    q.data_len = sizeof q.data;
  q.elapsed = (worker_now_ns () - w->start_ns) / 1e9;
  if (q.eta <= 0)
    {
      q.eta = -1;
      if (q.bytes_total && q.bytes_done && q.bytes_done <= q.bytes_total)
        q.eta = q.elapsed * (double)(q.bytes_total - q.bytes_done)
                / (double)q.bytes_done;
      else if (q.items_total && q.items_done && q.items_done <= q.items_total)
        q.eta = q.elapsed * (double)(q.items_total - q.items_done)
                / (double)q.items_done;
    }
  pthread_mutex_lock (&w->lock);
  q.seq = w->progress.seq + 1;
  w->progress = q;
  w->have_progress = true;
  worker_signal (w, WORKER_EV_PROGRESS);
  pthread_mutex_unlock (&w->lock);
}

volatile int *
worker_cancel_flag (worker_t *w)
{
  return &w->cancel;
}

bool
worker_cancelled (worker_t *w)
{
  return w->cancel != 0;
}

gpg_error_t
worker_ask (worker_t *w, int kind, void *request, void **r_answer)
{
  gpg_error_t err = 0;

  if (kind <= 0 || !r_answer)
    return gpg_error (GPG_ERR_INV_ARG);
  *r_answer = NULL;
  pthread_mutex_lock (&w->lock);
  if (w->cancel)
    {
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  w->req_kind = kind;
  w->req = request;
  w->answered = false;
  w->answer = NULL;
  worker_signal (w, WORKER_EV_REQUEST);
  while (!w->answered && !w->cancel)
    pthread_cond_wait (&w->cond, &w->lock);
  if (w->answered)
    *r_answer = w->answer;
  else
    err = gpg_error (GPG_ERR_CANCELED);
  w->req_kind = 0;
  w->req = NULL;
  w->answered = false;
  w->answer = NULL;
  w->pending &= ~WORKER_EV_REQUEST;

 leave:
  pthread_mutex_unlock (&w->lock);
  return err;
}

gpg_error_t
worker_post (worker_t *w, int kind, const void *data, size_t len)
{
  gpg_error_t err = 0;
  struct worker_event *ev;

  if (kind <= 0 || len > WORKER_EVENT_MAX || (len && !data))
    return gpg_error (GPG_ERR_INV_ARG);
  pthread_mutex_lock (&w->lock);
  while (!w->cancel && w->n_events >= WORKER_QUEUE_MAX)
    pthread_cond_wait (&w->cond, &w->lock);
  if (w->cancel)
    {
      err = gpg_error (GPG_ERR_CANCELED);
      goto leave;
    }
  if (w->n_events == w->cap_events)
    {
      /* Grow the ring, oldest first in the new one. */
      size_t ncap = w->cap_events ? 2 * w->cap_events : 16, i;
      struct worker_event *v = xtrycalloc (ncap, sizeof *v);
      if (!v)
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      for (i = 0; i < w->n_events; i++)
        v[i] = w->events[(w->head_event + i) % w->cap_events];
      xfree (w->events);
      w->events = v;
      w->cap_events = ncap;
      w->head_event = 0;
    }
  ev = &w->events[(w->head_event + w->n_events) % w->cap_events];
  ev->kind = kind;
  ev->len = len;
  if (len)
    memcpy (ev->data, data, len);
  w->n_events++;
  worker_signal (w, WORKER_EV_EVENT);
 leave:
  pthread_mutex_unlock (&w->lock);
  return err;
}

int
worker_next_event (worker_t *w, void *buf, size_t size, size_t *r_len)
{
  int kind = 0;
  struct worker_event *ev;

  if (r_len)
    *r_len = 0;
  pthread_mutex_lock (&w->lock);
  if (!w->n_events)
    {
      w->pending &= ~WORKER_EV_EVENT;
      goto leave;
    }
  ev = &w->events[w->head_event];
  kind = ev->kind;
  if (buf && size)
    memcpy (buf, ev->data, ev->len < size ? ev->len : size);
  if (r_len)
    *r_len = ev->len;
  w->head_event = (w->head_event + 1) % w->cap_events;
  w->n_events--;
  if (!w->n_events)
    w->pending &= ~WORKER_EV_EVENT;
  pthread_cond_broadcast (&w->cond);   /* a blocked worker_post */
 leave:
  pthread_mutex_unlock (&w->lock);
  return kind;
}

unsigned
worker_drain (worker_t *w)
{
  unsigned bits;

  pthread_mutex_lock (&w->lock);
  if (w->signalled)
    {
      char buf[16];
      while (read (w->fd[0], buf, sizeof buf) > 0)
        ;
      w->signalled = false;
    }
  /* A question answered meanwhile is no longer pending. */
  if (!w->req_kind || w->answered)
    w->pending &= ~WORKER_EV_REQUEST;
  bits = w->pending;
  pthread_mutex_unlock (&w->lock);
  return bits;
}

bool
worker_get_progress (worker_t *w, worker_progress_t *p)
{
  bool have;

  pthread_mutex_lock (&w->lock);
  have = w->have_progress;
  if (have)
    *p = w->progress;
  w->pending &= ~WORKER_EV_PROGRESS;
  pthread_mutex_unlock (&w->lock);
  return have;
}

int
worker_request (worker_t *w, void **r_request)
{
  int kind;

  pthread_mutex_lock (&w->lock);
  kind = w->answered ? 0 : w->req_kind;
  if (r_request)
    *r_request = kind ? w->req : NULL;
  pthread_mutex_unlock (&w->lock);
  return kind;
}

void
worker_answer (worker_t *w, void *answer)
{
  pthread_mutex_lock (&w->lock);
  if (w->req_kind && !w->answered)
    {
      w->answer = answer;
      w->answered = true;
      w->pending &= ~WORKER_EV_REQUEST;
      pthread_cond_broadcast (&w->cond);
    }
  pthread_mutex_unlock (&w->lock);
}

void
worker_cancel (worker_t *w)
{
  if (!w)
    return;
  pthread_mutex_lock (&w->lock);
  w->cancel = 1;
  pthread_cond_broadcast (&w->cond);
  pthread_mutex_unlock (&w->lock);
}

bool
worker_done (worker_t *w)
{
  bool d;
  pthread_mutex_lock (&w->lock);
  d = w->done;
  pthread_mutex_unlock (&w->lock);
  return d;
}

gpg_error_t
worker_wait (worker_t *w, worker_progress_cb on_progress,
             worker_request_cb on_request, void *ctx)
{
  return worker_wait_events (w, on_progress, on_request, NULL, ctx);
}

gpg_error_t
worker_wait_events (worker_t *w, worker_progress_cb on_progress,
                    worker_request_cb on_request, worker_event_cb on_event,
                    void *ctx)
{
  if (w->joined)
    return worker_result (w);
  for (;;)
    {
      struct pollfd pfd = { w->fd[0], POLLIN, 0 };
      unsigned bits = worker_drain (w);

      if (bits & WORKER_EV_EVENT)
        {
          static __thread uint8_t buf[WORKER_EVENT_MAX];
          size_t len;
          int kind;
          while ((kind = worker_next_event (w, buf, sizeof buf, &len)))
            if (on_event)
              on_event (ctx, kind, buf, len);
        }

      if (bits & WORKER_EV_PROGRESS)
        {
          worker_progress_t p;
          if (worker_get_progress (w, &p) && on_progress)
            on_progress (ctx, &p);
        }
      if (bits & WORKER_EV_REQUEST)
        {
          void *req, *ans = NULL;
          bool cancel = !on_request;
          int kind = worker_request (w, &req);
          if (kind && on_request)
            ans = on_request (ctx, kind, req, &cancel);
          if (kind && cancel)
            worker_cancel (w);
          else if (kind)
            worker_answer (w, ans);
        }
      if (bits & WORKER_EV_DONE)
        break;
      if (poll (&pfd, 1, -1) < 0 && errno != EINTR)
        return gpg_error_from_syserror ();
    }
  pthread_join (w->thread, NULL);
  w->joined = true;
  return worker_result (w);
}

gpg_error_t
worker_result (worker_t *w)
{
  gpg_error_t err;
  pthread_mutex_lock (&w->lock);
  err = w->result;
  pthread_mutex_unlock (&w->lock);
  return err;
}

void
worker_free (worker_t *w)
{
  if (!w)
    return;
  worker_cancel (w);
  if (!w->joined)
    pthread_join (w->thread, NULL);
  close (w->fd[0]);
  close (w->fd[1]);
  pthread_cond_destroy (&w->cond);
  pthread_mutex_destroy (&w->lock);
  xfree (w->events);
  xfree (w);
}
