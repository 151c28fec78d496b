/* screen-restore.c - restore a VSC onto a card: read the target and show
 * the plan (create/update/same/conflict/not restorable/extra, like a
 * diff) -> confirm (a typed word when forcing a card that is not blank
 * or of another model) -> progress -> verification report. In keys-only
 * mode ("write keys to card") only the secret-key-area keys are planned
 * and shown, and a card in use needs no typed confirmation. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"
#include "scapi/scapi-keys.h"

enum rs_phase { RS_LOADING, RS_PLANNING, RS_PLAN, RS_WRITING, RS_REPORT,
                RS_FAILED };

typedef struct {
  ui_t *ui;
  char reader[128];
  const image_t *src;
  scapi_card_t *card;
  plan_t *plan;
  bool force;
  bool set_pins;           /* set the PINs stored in the VSC */
  scapi_restore_report_t report;
  gpg_error_t restore_err;
} restore_job_t;

typedef struct {
  enum rs_phase phase;
  image_t *owned_src;
  image_t *keys_src;       /* keys-only copy of the source, owned */
  bool keys_only;
  size_t *rows;            /* plan entries shown */
  size_t n_rows;
  restore_job_t job;
  widget_menu_t menu;
  char error[512];
  bool cancelled;
} restore_state_t;

static gpg_error_t
screen_restore_plan_job (void *arg, const scapi_cb_t *cb)
{
  restore_job_t *j = arg;
  gpg_error_t err = 0;
  if (!j->card)
    err = scapi_card_open (backend_sc (j->ui), j->reader, &j->card);
  if (!err)
    err = scapi_restore_plan (j->card, j->src, cb, &j->plan);
  return err;
}

static gpg_error_t
screen_restore_write_job (void *arg, const scapi_cb_t *cb)
{
  restore_job_t *j = arg;
  scapi_restore_opts_t opts;
  memset (&opts, 0, sizeof opts);
  opts.force = j->force;
  opts.set_pins = j->set_pins;
  return scapi_restore (j->card, j->src, j->plan, &opts, cb, &j->report);
}

/* Is plan entry E shown (and written)? Keys-only: the keys, and the
 * stored PINs when they are to be set. */
static bool
screen_restore_shown (const restore_state_t *st, const plan_entry_t *e)
{
  return !st->keys_only || scapi_keys_only_node (e->src, st->job.set_pins);
}

/* Would E be written? Stored PINs turn into updates with set_pins. */
static bool
screen_restore_writes (const restore_state_t *st, const plan_entry_t *e)
{
  int ref;
  if (!screen_restore_shown (st, e))
    return false;
  if (e->action == PLAN_CREATE || e->action == PLAN_UPDATE)
    return true;
  return st->job.set_pins && e->action == PLAN_NOT_RESTORABLE && e->src
    && scapi_pin_path (e->path, &ref) && ref >= 0;
}

static size_t
screen_restore_count_writes (const restore_state_t *st)
{
  size_t i, n = 0;
  for (i = 0; i < st->job.plan->n; i++)
    if (screen_restore_writes (st, &st->job.plan->entries[i]))
      n++;
  return n;
}

/* Rebuild the list of shown entries (after planning, after p). */
static void
screen_restore_rows (restore_state_t *st)
{
  plan_t *plan = st->job.plan;
  size_t i;

  st->n_rows = 0;
  xfree (st->rows);
  st->rows = plan->n ? xtrycalloc (plan->n, sizeof *st->rows) : NULL;
  if (st->rows)
    for (i = 0; i < plan->n; i++)
      if (screen_restore_shown (st, &plan->entries[i]))
        st->rows[st->n_rows++] = i;
  widget_menu_init (&st->menu, st->n_rows);
}

static void
screen_restore_planned (ui_t *ui, void *ctx, gpg_error_t err,
                        const char *text)
{
  ui_screen_t *s = ctx;
  restore_state_t *st = s->state;
  if (err)
    {
      st->phase = RS_FAILED;
      snprintf (st->error, sizeof st->error, "%s",
                text && *text ? text : vsc_strerror (err));
      screen_error (ui, err, text, _("Planning the restore"));
      return;
    }
  st->phase = RS_PLAN;
  screen_restore_rows (st);
}

static void
screen_restore_plan_start (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  if (st->keys_only && !st->keys_src)
    {
      /* The stored PINs stay in the copy so that p can add them. */
      gpg_error_t err = scapi_keys_only_image (st->job.src, true,
                                               &st->keys_src);
      if (err)
        {
          st->phase = RS_FAILED;
          snprintf (st->error, sizeof st->error, "%s",
                    gpg_err_code (err) == GPG_ERR_NOT_FOUND
                    ? _("The VSC holds no keys in its secret-key area.")
                    : vsc_strerror (err));
          return;
        }
      st->job.src = st->keys_src;
    }
  st->phase = RS_PLANNING;
  screen_run_task (ui, _("Reading the target card"), screen_restore_plan_job,
                   &st->job, screen_restore_planned, s);
}

static void
screen_restore_loaded (ui_t *ui, void *ctx, image_t *image, const char *spec)
{
  ui_screen_t *s = ctx;
  restore_state_t *st = s->state;
  (void) spec;
  if (!image)
    {
      st->cancelled = true;
      return;
    }
  if (image->unverified)
    {
      image_free (image);
      ui_status (ui, true, "%s", _("A restore needs the VSC password (private areas)."));
      st->cancelled = true;
      return;
    }
  st->owned_src = image;
  st->job.src = image;
  screen_restore_plan_start (ui, s);
}

static gpg_error_t
screen_restore_enter (ui_t *ui, ui_screen_t *s)
{
  screen_restore_arg_t *a = s->arg;
  restore_state_t *st = s->state;

  st->job.ui = ui;
  st->keys_only = a->keys_only;
  snprintf (st->job.reader, sizeof st->job.reader, "%s", a->reader);
  if (a->vsc)
    {
      st->job.src = scapi_vsc_image (a->vsc);
      screen_restore_plan_start (ui, s);
    }
  else
    {
      st->phase = RS_LOADING;
      screen_load_image (ui, a->vsc_path, screen_restore_loaded, s);
    }
  return 0;
}

static void
screen_restore_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                     bool sel)
{
  restore_state_t *st = ctx;
  plan_entry_t *e;
  int attr = sel ? draw_attr (ui, DRAW_SELECT) : (int) A_NORMAL;
  char result[128] = "";

  if (idx >= st->n_rows)
    return;
  e = &st->job.plan->entries[st->rows[idx]];
  if (st->phase == RS_REPORT)
    {
      if (e->err)
        snprintf (result, sizeof result, _("FAILED: %s"),
                  e->sw ? sw_describe (e->sw) : vsc_strerror (e->err));
      else if (e->verified)
        snprintf (result, sizeof result, "%s", _("written, verified"));
      else if (e->written)
        snprintf (result, sizeof result, "%s", _("written"));
    }
  draw_textf (ui, y, x, w, attr, " %-16.16s %-30.30s %s %s",
              plan_action_label (e->action), e->path,
              result, e->reason ? e->reason : "");
  if (!sel && (e->action == PLAN_CONFLICT || e->action == PLAN_NOT_RESTORABLE
               || e->err))
    mvchgat (y, x, 17, draw_attr (ui, DRAW_WARN), 0, NULL);
}

static void
screen_restore_draw (ui_t *ui, ui_screen_t *s)
{
  screen_restore_arg_t *a = s->arg;
  restore_state_t *st = s->state;
  plan_t *plan = st->job.plan;
  size_t i, counts[PLAN_ACTION_MAX + 1];
  int y = 1;

  draw_screen (ui, s, st->keys_only ? _("Write keys to card") : _("Restore"));
  draw_textf (ui, y++, 1, ui->cols - 2, A_NORMAL, _("From: %s"), a->vsc_path);
  draw_textf (ui, y++, 1, ui->cols - 2, A_NORMAL, _("Onto: card in %s"), a->reader);
  if (st->phase == RS_FAILED)
    {
      draw_text (ui, y + 1, 1, ui->cols - 2, draw_attr (ui, DRAW_ERROR), st->error);
      return;
    }
  if (!plan)
    {
      draw_text (ui, y + 1, 1, ui->cols - 2, A_NORMAL, _("Preparing the plan..."));
      return;
    }
  draw_textf (ui, y++, 1, ui->cols - 2,
              plan->target_blank && plan->same_model ? (int) A_NORMAL : draw_attr (ui, DRAW_WARN),
              _("Target: %s, %s"),
              plan->target_blank ? _("blank") : _("NOT blank"),
              plan->same_model ? _("same model") : _("another model"));
  if (st->keys_only)
    draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL,
               _("Keys only: the keys of the secret-key area; everything else on the card is left alone."));
  draw_textf (ui, y++, 1, ui->cols - 2, A_NORMAL,
              _("Set the PINs stored in the VSC: %s (p toggles)"),
              st->job.set_pins ? _("on") : _("off"));
  memset (counts, 0, sizeof counts);
  for (i = 0; i < st->n_rows; i++)
    counts[plan->entries[st->rows[i]].action]++;
  draw_textf (ui, y++, 1, ui->cols - 2, A_BOLD,
              _("Plan: %zu create, %zu update, %zu same, %zu conflict, %zu not restorable, %zu extra"),
              counts[PLAN_CREATE], counts[PLAN_UPDATE], counts[PLAN_SAME],
              counts[PLAN_CONFLICT], counts[PLAN_NOT_RESTORABLE],
              counts[PLAN_EXTRA]);
  if (st->phase == RS_REPORT)
    {
      scapi_restore_report_t *r = &st->job.report;
      char t[32];
      widget_progress_format_time (r->seconds, t, sizeof t);
      draw_textf (ui, y++, 1, ui->cols - 2,
                  r->failed || st->job.restore_err ? draw_attr (ui, DRAW_ERROR)
                  : draw_attr (ui, DRAW_OK),
                  _("Restore %s: %zu written, %zu verified, %zu failed, %zu skipped, %lu APDUs, %s"),
                  st->job.restore_err ? _("stopped") : _("finished"),
                  r->written, r->verified, r->failed, r->skipped, r->apdus, t);
      if (st->job.restore_err)
        draw_textf (ui, y++, 1, ui->cols - 2, draw_attr (ui, DRAW_ERROR),
                    _("Stopped at %s: %s (the VSC is unchanged)"),
                    r->stopped_at[0] ? r->stopped_at : "-", st->error);
    }
  else
    draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL,
               screen_restore_count_writes (st)
               ? _("Nothing has been written yet. F5 writes to the card.")
               : _("Nothing to write."));
  draw_textf (ui, y++, 1, ui->cols - 2, A_BOLD, " %-16s %-30s %s", _("Action"),
              _("Node"), _("Reason / result"));
  widget_menu_draw (ui, &st->menu, y, 0, ui->rows - 2 - y, ui->cols,
                    screen_restore_item, st);
}

static void
screen_restore_written (ui_t *ui, void *ctx, gpg_error_t err, const char *text)
{
  ui_screen_t *s = ctx;
  restore_state_t *st = s->state;
  st->phase = RS_REPORT;
  st->job.restore_err = err;
  if (err)
    {
      snprintf (st->error, sizeof st->error, "%s",
                text && *text ? text : vsc_strerror (err));
      screen_error (ui, err, text, _("Restore"));
    }
  else
    ui_status (ui, false, "%s", _("Restore finished; see the report."));
  loop_refresh_readers (ui);
}

static void
screen_restore_confirmed (ui_t *ui, void *ctx, bool yes)
{
  ui_screen_t *s = ctx;
  restore_state_t *st = s->state;
  if (!yes)
    {
      ui_status (ui, false, "%s", _("Nothing was written."));
      return;
    }
  st->phase = RS_WRITING;
  screen_run_task (ui, _("Writing to the card"), screen_restore_write_job,
                   &st->job, screen_restore_written, s);
}

/* ---- keys ------------------------------------------------------------ */

static unsigned
screen_restore_key (ui_t *ui, ui_screen_t *s, int ch)
{
  restore_state_t *st = s->state;
  (void) ui;
  if (!st->job.plan || (st->phase != RS_PLAN && st->phase != RS_REPORT))
    return 0;
  return widget_menu_key (&st->menu, ch);
}

/* The keys' modes are the phases. */
static unsigned
screen_restore_mode (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  return st->job.plan ? 1u << st->phase : 0;
}

static unsigned
screen_restore_pins (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;

  st->job.set_pins = !st->job.set_pins;
  screen_restore_rows (st);
  ui_status (ui, false, "%s", st->job.set_pins
             ? _("The PINs stored in the VSC will be set after the data.")
             : _("The PINs on the card will not be changed."));
  return UI_REDRAW;
}

static const char *
screen_restore_pins_label (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  return st->job.set_pins ? _("Set PINs: on") : _("Set PINs: off");
}

static const char *
screen_restore_write_label (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  return st->keys_only ? _("Write keys") : _("Write to card");
}

static unsigned
screen_restore_write (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  plan_t *plan = st->job.plan;
  char msg[600];
  size_t n = screen_restore_count_writes (st);

  if (!n)
    {
      ui_status (ui, true, "%s", _("Nothing to write."));
      return UI_REDRAW;
    }
  if (st->keys_only)
    {
      /* Only keys are written: a card in use is the normal case. */
      st->job.force = true;
      snprintf (msg, sizeof msg,
                _("Write %zu keys to the card in %s?\n"
                  "A key already on the card in the same slot is replaced; nothing else is changed."),
                n, st->job.reader);
      screen_ask_confirm (ui, _("Write keys to card"), msg, NULL,
                          screen_restore_confirmed, s);
    }
  else if (!plan->target_blank || !plan->same_model)
    {
      st->job.force = true;
      snprintf (msg, sizeof msg,
                _("The target card is %s and %s.\n"
                  "Writing may overwrite data on it (%zu objects)."),
                plan->target_blank ? _("blank") : _("NOT blank"),
                plan->same_model ? _("of the same model") : _("of another model"),
                n);
      screen_ask_confirm (ui, _("Force the restore"), msg,
                          _("overwrite"), screen_restore_confirmed, s);
    }
  else
    {
      snprintf (msg, sizeof msg,
                _("Write %zu objects to the blank card in %s?"),
                n, st->job.reader);
      screen_ask_confirm (ui, _("Restore"), msg, NULL,
                          screen_restore_confirmed, s);
    }
  return UI_PUSH;
}

static const ui_key_t screen_restore_keys[] = {
  { .key = KEY_F (5), .key2 = 'w', .modes = 1u << RS_PLAN,
    .label_fn = screen_restore_write_label, .action = screen_restore_write,
    .help = N_("write the plan to the card (after a confirmation), then read "
               "back") },
  { .key = 'p', .modes = 1u << RS_PLAN, .label_fn = screen_restore_pins_label,
    .help = N_("set the PINs stored in the VSC after the data, or not"),
    .action = screen_restore_pins },
  UI_KEYS_END
};

static unsigned
screen_restore_event (ui_t *ui, ui_screen_t *s, int ev)
{
  restore_state_t *st = s->state;
  (void) ui;
  if (ev == UI_EV_RESUME && st->cancelled)
    return UI_POP;
  return ev == UI_EV_RESUME || ev == UI_EV_RESIZE || ev == UI_EV_READERS
    ? UI_REDRAW : 0;
}

static void
screen_restore_leave (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  plan_free (st->job.plan);
  scapi_card_close (st->job.card);
  image_free (st->keys_src);     /* wipes */
  image_free (st->owned_src);    /* wipes */
  xfree (st->rows);
}

const ui_screen_ops_t screen_restore_ops = {
  .name = "restore", .enter = screen_restore_enter,
  .draw = screen_restore_draw, .key = screen_restore_key,
  .event = screen_restore_event, .leave = screen_restore_leave,
  .keys = screen_restore_keys, .mode = screen_restore_mode,
  .state_size = sizeof (restore_state_t),
  .help = N_("The restore plan: what writing would do per node, and nodes only on\n"
             "the card (left alone). Nothing is written before you confirm; every\n"
             "written node is read back and the report shows the result.")
};
