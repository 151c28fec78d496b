/* task.h - run one scapi operation on a worker thread for the UI
 *
 * The worker reports progress and PIN/password requests through a pipe
 * the event loop poll()s; the UI answers a request with task_answer.
 * task_cancel sets the scapi cancel flag (the operation stops before its
 * next APDU) and answers a pending request with "cancelled". */
#ifndef VSC_UI_TASK_H
#define VSC_UI_TASK_H

#include <stdbool.h>
#include "common/error.h"
#include "scapi/scapi.h"
#include "ui/ui.h"

/* The operation: run with CB (progress, pin, password, cancel filled in). */
typedef gpg_error_t (*task_fn) (void *arg, const scapi_cb_t *cb);

enum task_request {
  TASK_REQ_NONE = 0,
  TASK_REQ_PIN,
  TASK_REQ_PASSWORD
};

gpg_error_t task_start (task_fn fn, void *arg, ui_task_t **r_task);
int task_fd (ui_task_t *t);
/* Empty the pipe; true when the operation has finished. */
bool task_drain (ui_task_t *t);
/* Latest progress (copy). */
void task_progress (ui_task_t *t, scapi_progress_t *p);
/* A pending PIN or password request (copy of the PIN request; PATH for
 * a password request), or TASK_REQ_NONE. */
enum task_request task_request (ui_task_t *t, scapi_pin_request_t *pin,
                                char *path, size_t pathsz);
/* Answer the pending request: SECRET in secure memory (ownership passes
 * to scapi) or NULL = cancelled. */
void task_answer (ui_task_t *t, char *secret);
void task_cancel (ui_task_t *t);
bool task_cancelled (ui_task_t *t);
void task_wait (ui_task_t *t);
/* Result of the finished operation, and scapi_last_error_text() as the
 * worker saw it. */
gpg_error_t task_result (ui_task_t *t, const char **r_text);
void task_free (ui_task_t *t);   /* waits for the thread */

/* Nodes a background scan finds: a job that wants them reported sets
 * its scapi_cb_t's node_added = task_post_node, node_ctx =
 * cb->progress_ctx. Each event is queued in order with worker_post
 * (never coalesced; when WORKER_QUEUE_MAX wait, the job blocks until
 * the UI takes one or the task is cancelled). The UI takes them with
 * task_next_node (false when the queue is empty). */
void task_post_node (void *ctx, const scapi_node_event_t *ev);
bool task_next_node (ui_task_t *t, scapi_node_event_t *ev);
/* Milliseconds since task_start (the UI's own clock, so the elapsed
 * time moves between progress reports). */
long long task_elapsed_ms (ui_task_t *t);

#endif /* VSC_UI_TASK_H */
