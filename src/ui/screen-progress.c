/* screen-progress.c - a long operation on the worker: progress bar with
 * node, bytes, APDUs and ETA; PIN / password requests; Esc cancels at
 * the next APDU boundary (the card is left consistent). */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

enum { PROG_RUNNING = 1 };   /* ui_screen_t.mode: the task runs */

typedef struct {
  ui_task_t *task;
  scapi_progress_t rep;    /* as reported */
  long long rep_ms;        /* when (the task's clock) */
  scapi_progress_t prog;   /* as shown: elapsed and ETA move on */
  bool asking;             /* a PIN/password dialog is open */
  bool done;               /* finished while a dialog was on top */
} prog_state_t;

static gpg_error_t
screen_progress_enter (ui_t *ui, ui_screen_t *s)
{
  screen_progress_arg_t *a = s->arg;
  prog_state_t *st = s->state;
  gpg_error_t err;

  if (ui->task)
    return gpg_error (GPG_ERR_EBUSY);
  st->prog.eta = st->rep.eta = -1;
  st->prog.percent = st->rep.percent = -1;
  err = task_start (a->fn, a->fn_arg, &st->task);
  if (err)
    return err;
  ui->task = st->task;
  ui->task_owner = s;
  s->mode = PROG_RUNNING;
  return 0;
}

static void
screen_progress_draw (ui_t *ui, ui_screen_t *s)
{
  screen_progress_arg_t *a = s->arg;
  prog_state_t *st = s->state;
  int y, x, w = ui->cols > 84 ? 76 : ui->cols - 4;

  screen_dialog_frame (ui, s, 11, w, a->title, &y, &x);
  widget_progress_draw (ui, &st->prog, y + 1, x + 1, w - 2,
                        st->task && task_cancelled (st->task));
}

static void
screen_progress_answer (ui_t *ui, void *ctx, char *secret)
{
  prog_state_t *st = ctx;
  (void) ui;
  st->asking = false;
  if (st->task)
    task_answer (st->task, secret);
  else
    xfree_secure (secret);
}

/* Ask for a pending PIN or password. */
static unsigned
screen_progress_request (ui_t *ui, prog_state_t *st)
{
  scapi_pin_request_t pin;
  char path[512];
  screen_input_arg_t *in;
  enum task_request r;

  if (st->asking)
    return 0;
  r = task_request (st->task, &pin, path, sizeof path);
  if (r == TASK_REQ_NONE)
    return 0;
  in = xtrycalloc (1, sizeof *in);
  if (!in)
    {
      task_answer (st->task, NULL);
      return 0;
    }
  in->noecho = true;
  in->done = screen_progress_answer;
  in->ctx = st;
  if (r == TASK_REQ_PIN)
    {
      snprintf (in->title, sizeof in->title, "%s", _("PIN"));
      snprintf (in->prompt, sizeof in->prompt, _("Enter %s (reference %02X):"),
                pin.label[0] ? pin.label : _("the PIN"), pin.ref);
      if (pin.retries >= 0)
        snprintf (in->info, sizeof in->info,
                  _("%d tries left. A wrong PIN is not retried."),
                  pin.retries);
      else
        snprintf (in->info, sizeof in->info, "%s",
                  _("Retry counter unknown. A wrong PIN is not retried."));
      snprintf (in->info2, sizeof in->info2, _("Needed for %s"), pin.node);
      if (pin.pinpad)
        {
          snprintf (in->info2, sizeof in->info2, "%s",
                    _("Type the PIN on the reader's PIN pad, then press Enter."));
          in->allow_empty = true;
        }
    }
  else
    {
      snprintf (in->title, sizeof in->title, "%s", _("VSC password"));
      snprintf (in->prompt, sizeof in->prompt, _("Password for %s:"), path);
    }
  st->asking = true;
  ui_push (ui, &screen_password_ops, in);
  return UI_PUSH | UI_REDRAW;
}

static unsigned
screen_progress_finish (ui_t *ui, ui_screen_t *s)
{
  screen_progress_arg_t *a = s->arg;
  prog_state_t *st = s->state;
  const char *text;
  char textcopy[512];
  gpg_error_t err;

  task_wait (st->task);
  err = task_result (st->task, &text);
  snprintf (textcopy, sizeof textcopy, "%s", text ? text : "");
  ui->task_was_cancelled = task_cancelled (st->task);
  ui->task = NULL;
  ui->task_owner = NULL;
  task_free (st->task);
  st->task = NULL;
  s->mode = 0;
  loop_refresh_readers (ui);   /* identify cards seen meanwhile */
  if (a->done)
    a->done (ui, a->ctx, err, textcopy);
  return UI_HANDLED | UI_POP | UI_REDRAW;
}

static unsigned
screen_progress_event (ui_t *ui, ui_screen_t *s, int ev)
{
  prog_state_t *st = s->state;
  if (!st->task)
    return 0;
  switch (ev)
    {
    case UI_EV_TASK_PROGRESS:
      task_progress (st->task, &st->rep);
      st->rep_ms = task_elapsed_ms (st->task);
      widget_progress_at (&st->rep, st->rep_ms, st->rep_ms, &st->prog);
      return UI_REDRAW | screen_progress_request (ui, st);
    case UI_EV_TASK_TICK:
      widget_progress_at (&st->rep, st->rep_ms, task_elapsed_ms (st->task),
                          &st->prog);
      return UI_REDRAW;
    case UI_EV_TASK_DONE:
      task_progress (st->task, &st->prog);
      if (ui->top != s)
        {
          st->done = true;
          return UI_REDRAW;
        }
      return screen_progress_finish (ui, s);
    case UI_EV_RESUME:
      if (st->done)
        return screen_progress_finish (ui, s);
      return UI_REDRAW | screen_progress_request (ui, st);
    default:
      return 0;
    }
}

/* Nothing but the table while the operation runs. */
static unsigned
screen_progress_key (ui_t *ui, ui_screen_t *s, int ch)
{
  return ui_keys_find (ui, s, s->ops->keys, ch) ? 0 : UI_HANDLED;
}

static unsigned
screen_progress_cancel (ui_t *ui, ui_screen_t *s)
{
  prog_state_t *st = s->state;

  task_cancel (st->task);
  ui_status (ui, false, "%s", _("Cancelling..."));
  return UI_REDRAW;
}

static const ui_key_t screen_progress_keys[] = {
  UI_KEY (UI_KEY_ESC, KEY_F (10), PROG_RUNNING, N_("Cancel"),
          N_("cancel the operation before its next APDU"),
          screen_progress_cancel),
  UI_KEYS_END
};

static void
screen_progress_leave (ui_t *ui, ui_screen_t *s)
{
  prog_state_t *st = s->state;
  if (st->task)
    {
      task_cancel (st->task);
      task_free (st->task);
      if (ui->task == st->task)
        {
          ui->task = NULL;
          ui->task_owner = NULL;
        }
    }
}

const ui_screen_ops_t screen_progress_ops = {
  .name = "progress", .enter = screen_progress_enter,
  .draw = screen_progress_draw, .key = screen_progress_key,
  .event = screen_progress_event, .leave = screen_progress_leave,
  .keys = screen_progress_keys, .state_size = sizeof (prog_state_t),
  .help = N_("An operation is running. Esc cancels it before the next APDU; the\n"
             "card is left consistent and the report says what was done.")
};
