/* screen-history.c - the generations a vscd server keeps of one VSC
 * (vsctool remote history): download one into the VSC directory, or
 * download it and restore it onto a card. Pushed by the server screen,
 * whose connection it borrows (the server screen stays below and runs
 * no task meanwhile). The calls block, so they run on the worker. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "remote/client.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

enum hist_op { HIST_LIST, HIST_GET };

typedef struct {
  enum hist_op op;
  remote_t *r;                 /* borrowed */
  char uuid[64];
  uint64_t gen;                /* HIST_GET: the generation wanted */
  uint64_t got;                /* ... and the one the server sent */
  char path[1024];             /* ... written there */
  proto_version_t *list;       /* newest first, until the done callback */
  size_t n;
  char msg[256];
} hist_job_t;

typedef struct {
  screen_list_t list;          /* first: the list view (proto_version_t
                                  rows); there once listed */
  hist_job_t job;
  bool restore;                /* after HIST_GET: onto a card */
} hist_state_t;

/* The keys' mode: generations listed (and at least one). */
enum { HIST_HAVE = UI_MODE_ITEMS };

static gpg_error_t
screen_history_job (void *arg, const scapi_cb_t *cb)
{
  hist_job_t *j = arg;
  gpg_error_t err = 0;
  (void) cb;

  j->msg[0] = 0;
  switch (j->op)
    {
    case HIST_LIST:
      xfree (j->list);
      j->list = NULL;
      err = remote_history (j->r, j->uuid, &j->list, &j->n);
      break;
    case HIST_GET:
      /* Never over another VSC: a file of that name that holds a
       * different VSC is refused (remote_check_target). */
      remote_set_replace (j->r, false);
      err = remote_get_gen_file (j->r, j->uuid, j->gen, j->path, &j->got);
      break;
    }
  return screen_remote_failed (err, j->msg, sizeof j->msg);
}

static void
screen_history_done (ui_t *ui, void *ctx, gpg_error_t err, const char *text)
{
  ui_screen_t *s = ctx;
  hist_state_t *st = s->state;
  hist_job_t *j = &st->job;
  char title[128];
  (void) text;

  if (err)
    {
      screen_list_failed (ui, s, err, j->op == HIST_LIST, j->msg,
                          _("History"));
      return;
    }
  if (j->op == HIST_LIST)
    {
      screen_list_take (&st->list, j->list, j->n);
      j->list = NULL;
      return;
    }
  settings_add_recent (ui, j->path);
  ui_status (ui, false, _("Generation %llu downloaded to %s"),
             (unsigned long long) j->got, j->path);
  if (st->restore)
    {
      snprintf (title, sizeof title, _("Restore generation %llu onto"),
                (unsigned long long) j->got);
      screen_pick_restore (ui, title, NULL, j->path, NULL, false);
    }
}

/* Run OP (enum hist_op) with a progress dialog; also the key action of
 * Refresh (HIST_LIST). */
static unsigned
screen_history_run (ui_t *ui, ui_screen_t *s, int op)
{
  hist_state_t *st = s->state;

  st->job.op = op;
  screen_run_task (ui, op == HIST_LIST ? _("Asking the server for the history")
                   : _("Downloading from the server"),
                   screen_history_job, &st->job, screen_history_done, s);
  return UI_PUSH;
}

static gpg_error_t
screen_history_enter (ui_t *ui, ui_screen_t *s)
{
  hist_state_t *st = s->state;
  screen_history_arg_t *a = s->arg;

  if (!a || !a->remote || !a->uuid[0])
    return gpg_error (GPG_ERR_INV_ARG);
  st->job.r = a->remote;
  snprintf (st->job.uuid, sizeof st->job.uuid, "%s", a->uuid);
  screen_history_run (ui, s, HIST_LIST);
  return 0;
}

static void
screen_history_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                     bool sel)
{
  hist_state_t *st = ctx;
  const proto_version_t *e = (const proto_version_t *) st->list.rows + idx;
  char when[32];

  screen_format_utc (e->mtime, true, when, sizeof when);
  draw_textf (ui, y, x, w, draw_row_attr (ui, sel),
              " %6llu %10llu  %-19s  %s%s%s%s",
              (unsigned long long) e->gen, (unsigned long long) e->size, when,
              e->by[0] ? e->by : "?", e->from[0] ? " (" : "", e->from,
              e->from[0] ? ")" : "");
}

static void
screen_history_draw (ui_t *ui, ui_screen_t *s)
{
  hist_state_t *st = s->state;

  draw_screen (ui, s, _("History"));
  draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("VSC %s"), st->job.uuid);
  if (!st->list.have)
    return;
  draw_textf (ui, 2, 1, ui->cols - 2, A_BOLD,
              _("%zu generations kept on the server, newest first"),
              st->list.menu.n);
  screen_list_draw (ui, &st->list, 3, screen_history_item, st,
                    " %6s %10s  %-19s  %s", _("Gen."), _("Bytes"),
                    _("Stored (UTC)"), _("By"));
}

/* ---- keys ------------------------------------------------------------ */

/* Download the generation under the cursor to VSCDIR/UUID.gGEN.vsc (a
 * name of its own: the current generation keeps UUID.vsc). */
static unsigned
screen_history_fetch (ui_t *ui, ui_screen_t *s, int restore)
{
  hist_state_t *st = s->state;
  const proto_version_t *e;

  if (st->list.menu.cur >= st->list.menu.n)
    return UI_HANDLED;
  e = (const proto_version_t *) st->list.rows + st->list.menu.cur;
  st->job.gen = e->gen;
  st->restore = restore != 0;
  backend_make_vsc_dir (ui);
  snprintf (st->job.path, sizeof st->job.path, "%.900s/%s.g%llu.vsc",
            ui->settings.vsc_dir, st->job.uuid, (unsigned long long) e->gen);
  return screen_history_run (ui, s, HIST_GET);
}

static const ui_key_t screen_history_keys[] = {
  UI_KEY_ARG ('\n', 'g', HIST_HAVE, N_("Download"),
              N_("download the generation under the cursor into the VSC "
                 "directory (as UUID.gGEN.vsc)"), screen_history_fetch, false),
  UI_KEY_ARG ('r', KEY_F (6), HIST_HAVE, N_("Restore"),
              N_("download the generation under the cursor and restore it "
                 "onto a card"), screen_history_fetch, true),
  UI_KEY_ARG (KEY_F (3), 0, HIST_HAVE, N_("Refresh"),
              N_("ask the server for the history again"), screen_history_run,
              HIST_LIST),
  UI_KEYS_END
};

static void
screen_history_leave (ui_t *ui, ui_screen_t *s)
{
  hist_state_t *st = s->state;
  xfree (st->job.list);        /* a list the done callback did not take */
  screen_list_leave (ui, s);
}

const ui_screen_ops_t screen_history_ops = {
  .name = "history", .enter = screen_history_enter,
  .draw = screen_history_draw, .key = screen_list_key,
  .leave = screen_history_leave,
  .keys = screen_history_keys, .mode = screen_list_mode,
  .state_size = sizeof (hist_state_t),
  .help = N_("The generations the server keeps of one VSC (vscd --keep): when\n"
             "each was stored and by whom. An old one can be downloaded, or\n"
             "downloaded and restored onto a card (its password is asked then).")
};
