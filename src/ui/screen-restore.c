/* screen-restore.c - restore a VSC onto a card: read the target and show
 * the plan (create/update/same/conflict/not restorable/extra, like a
 * diff) -> confirm (a typed word when forcing a card that is not blank
 * or of another model) -> progress -> verification report. In keys-only
 * mode ("write keys to card") only the secret-key-area keys are planned
 * and shown, and a card in use needs no typed confirmation.
 *
 * Onto another card model, m plans through the mapping (src/map, issue
 * 17): every object of the VSC gets a place on the card's applications
 * or a reason; the list then shows the mapping (v: the nodes), and t or
 * Enter picks another target slot for the object under the cursor
 * before anything is written (map_choose, then the plan again without
 * card I/O). */
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
#include "scapi/scapi-map.h"

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
  bool map;                /* plan through the mapping */
  map_t *mapping;          /* the mapping (with map) */
  image_t *mapped;         /* the VSC in the card's shape: what is written */
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
  bool show_map;           /* the list shows the mapping, not the nodes */
  size_t pick_for;         /* mapping entry of the open slot choice */
  map_slot_t *picks;       /* its candidate slots */
  char error[512];
} restore_state_t;

static gpg_error_t
screen_restore_plan_job (void *arg, const scapi_cb_t *cb)
{
  restore_job_t *j = arg;
  gpg_error_t err = 0;
  if (!j->card)
    err = scapi_card_open (backend_sc (j->ui), j->reader, &j->card);
  if (!err && j->map)
    {
      scapi_map_opts_t mo;
      memset (&mo, 0, sizeof mo);
      err = scapi_map_plan (j->card, j->src, &mo, cb, &j->mapping,
                            &j->mapped, &j->plan);
    }
  else if (!err)
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
  return scapi_restore (j->card, j->mapped ? j->mapped : j->src, j->plan,
                        &opts, cb, &j->report);
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
  if (st->show_map && st->job.mapping)
    widget_menu_set_count (&st->menu, st->job.mapping->n);
  else
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
      screen_failed (ui, err, text, _("Planning the restore"), st->error,
                     sizeof st->error);
      return;
    }
  st->phase = RS_PLAN;
  st->show_map = st->job.mapping != NULL;
  widget_menu_init (&st->menu, 0);
  screen_restore_rows (st);
}

/* What planning made goes: the plan, the mapping and the VSC in the
 * card's shape (before planning again, after m, and on leaving). */
static void
screen_restore_drop_plan (restore_state_t *st)
{
  plan_free (st->job.plan);
  st->job.plan = NULL;
  map_free (st->job.mapping);
  st->job.mapping = NULL;
  image_free (st->job.mapped);   /* wipes */
  st->job.mapped = NULL;
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
  screen_restore_drop_plan (st);   /* (again, after m) */
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
      s->close_on_resume = true;
      return;
    }
  if (image->unverified)
    {
      image_free (image);
      ui_status (ui, true, "%s", _("A restore needs the VSC password (private areas)."));
      s->close_on_resume = true;
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
  int attr = draw_row_attr (ui, sel);
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

/* A row of the mapping: object, where it goes, why. */
static void
screen_restore_map_item (ui_t *ui, void *ctx, size_t idx, int y, int x,
                         int w, bool sel)
{
  restore_state_t *st = ctx;
  const map_t *map = st->job.mapping;
  const map_entry_t *e;
  char slot[MAP_SLOT_NAME_MAX];
  int attr = draw_row_attr (ui, sel);

  if (!map || idx >= map->n)
    return;
  e = &map->e[idx];
  map_slot_name (&e->slot, e->kind, slot, sizeof slot);
  draw_textf (ui, y, x, w, attr, " %-30.30s %c%-14.14s %s", e->src,
              e->fixed ? '*' : ' ', slot, e->reason ? e->reason : "");
  if (!sel && e->slot.app == MAP_APP_NONE)
    mvchgat (y, x + 32, 15, draw_attr (ui, DRAW_WARN), 0, NULL);
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
  else if (st->job.mapping)
    draw_textf (ui, y++, 1, ui->cols - 2, A_NORMAL,
                _("Mapping: %zu of %zu objects get a place on this card (m: node by node)"),
                map_count_mapped (st->job.mapping), st->job.mapping->n);
  else if (!plan->same_model)
    draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL,
               _("Another model: m maps the objects onto this card's applications."));
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
  if (st->show_map && st->job.mapping)
    {
      draw_textf (ui, y++, 1, ui->cols - 2, A_BOLD, " %-30s  %-14s %s",
                  _("Object"), _("Target"), _("Reason"));
      widget_menu_draw (ui, &st->menu, y, 0, ui->rows - 2 - y, ui->cols,
                        screen_restore_map_item, st);
      return;
    }
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
    screen_failed (ui, err, text, _("Restore"), st->error, sizeof st->error);
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

/* ---- the mapping ------------------------------------------------------ */

static bool
screen_restore_can_map (const ui_screen_t *s)
{
  const restore_state_t *st = s->state;
  return !st->keys_only && st->job.plan
    && (st->job.mapping || !st->job.plan->same_model);
}

static bool
screen_restore_is_mapped (const ui_screen_t *s)
{
  const restore_state_t *st = s->state;
  return st->job.mapping != NULL;
}

static bool
screen_restore_map_shown (const ui_screen_t *s)
{
  const restore_state_t *st = s->state;
  return st->job.mapping && st->show_map && st->job.mapping->n;
}

static unsigned
screen_restore_map_toggle (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  st->job.map = !st->job.map;
  ui_status (ui, false, "%s", st->job.map
             ? _("Planning through the mapping.")
             : _("Planning node by node."));
  screen_restore_plan_start (ui, s);
  return UI_PUSH;
}

static const char *
screen_restore_map_label (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  return st->job.mapping ? _("Map: on") : _("Map: off");
}

static unsigned
screen_restore_view (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  st->show_map = !st->show_map;
  widget_menu_init (&st->menu, 0);
  screen_restore_rows (st);
  return UI_REDRAW;
}

/* The user picked a target slot (or cancelled). */
static void
screen_restore_picked (ui_t *ui, void *ctx, size_t idx)
{
  ui_screen_t *s = ctx;
  restore_state_t *st = s->state;
  restore_job_t *j = &st->job;
  map_slot_t slot;
  char name[MAP_SLOT_NAME_MAX];
  gpg_error_t err;

  if (idx == (size_t) -1 || !st->picks || !j->mapping
      || st->pick_for >= j->mapping->n)
    goto leave;
  slot = st->picks[idx];
  err = map_choose (j->mapping, j->src, st->pick_for, &slot);
  if (err)
    {
      ui_status (ui, true, "%s", errctx_text ()[0] ? errctx_text ()
                 : vsc_strerror (err));
      goto leave;
    }
  err = scapi_map_replan (j->card, j->src, j->mapping, &j->mapped,
                          &j->plan);
  if (err)
    {
      st->phase = RS_FAILED;
      snprintf (st->error, sizeof st->error, "%s", vsc_strerror (err));
      goto leave;
    }
  screen_restore_rows (st);
  map_slot_name (&slot, j->mapping->e[st->pick_for].kind, name, sizeof name);
  ui_status (ui, false, _("%s goes to %s; the plan is updated."),
             j->mapping->e[st->pick_for].src, name);
 leave:
  xfree (st->picks);
  st->picks = NULL;
}

static unsigned
screen_restore_target (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  const map_t *map = st->job.mapping;
  const map_entry_t *e;
  screen_pick_arg_t *a;
  map_slot_t slots[48];
  size_t n = 0, i;

  if (!map || st->menu.cur >= map->n)
    return 0;
  e = &map->e[st->menu.cur];
  map_candidates (map, st->menu.cur, slots, DIM (slots), &n);
  a = xtrycalloc (1, sizeof *a);
  st->picks = n ? xtrycalloc (n, sizeof *st->picks) : NULL;
  if (a && n)
    a->items = xtrycalloc (n, sizeof *a->items);
  if (!a || !st->picks || !a->items)
    goto oom;
  for (i = 0; i < n; i++)
    {
      char name[MAP_SLOT_NAME_MAX];
      map_slot_name (&slots[i], e->kind, name, sizeof name);
      a->items[i] = xtrystrdup (name);
      if (!a->items[i])
        goto oom;
      a->n++;
      st->picks[i] = slots[i];
    }
  st->pick_for = st->menu.cur;
  snprintf (a->title, sizeof a->title, "%s", _("Target slot"));
  snprintf (a->prompt, sizeof a->prompt, _("Where %s goes (none: not written):"),
            e->src);
  a->done = screen_restore_picked;
  a->ctx = s;
  ui_push (ui, &screen_pick_ops, a);
  return UI_PUSH;
 oom:
  if (a)
    {
      for (i = 0; i < a->n; i++)
        xfree (a->items[i]);
      xfree (a->items);
      xfree (a);
    }
  xfree (st->picks);
  st->picks = NULL;
  ui_status (ui, true, "%s", vsc_strerror (gpg_error (GPG_ERR_ENOMEM)));
  return UI_REDRAW;
}

static const ui_key_t screen_restore_keys[] = {
  { .key = KEY_F (5), .key2 = 'w', .modes = 1u << RS_PLAN,
    .label = N_("Write to card"), .label_on = N_("Write keys"),
    .flag = UI_FLAG (restore_state_t, keys_only),
    .action = screen_restore_write,
    .help = N_("write the plan to the card (after a confirmation), then read "
               "back") },
  { .key = 'p', .modes = 1u << RS_PLAN, .label = N_("Set PINs: off"),
    .label_on = N_("Set PINs: on"),
    .flag = UI_FLAG (restore_state_t, job.set_pins),
    .help = N_("set the PINs stored in the VSC after the data, or not"),
    .action = screen_restore_pins },
  { .key = 'm', .modes = 1u << RS_PLAN, .label_fn = screen_restore_map_label,
    .when = screen_restore_can_map, .action = screen_restore_map_toggle,
    .help = N_("another card model: map the VSC's objects onto the card's "
               "applications (keys and certificates by purpose), or restore "
               "node by node") },
  { .key = 'v', .modes = (1u << RS_PLAN) | (1u << RS_REPORT),
    .label = N_("Mapping"), .label_on = N_("Nodes"),
    .flag = UI_FLAG (restore_state_t, show_map),
    .when = screen_restore_is_mapped,
    .action = screen_restore_view,
    .help = N_("with the mapping: show the mapping or the nodes it writes") },
  { .key = 't', .key2 = '\n', .modes = 1u << RS_PLAN, .label = N_("Target"),
    .when = screen_restore_map_shown, .action = screen_restore_target,
    .help = N_("with the mapping shown: choose where the object under the "
               "cursor goes (another slot, or none) before writing") },
  UI_KEYS_END
};

static void
screen_restore_leave (ui_t *ui, ui_screen_t *s)
{
  restore_state_t *st = s->state;
  (void) ui;
  screen_restore_drop_plan (st);
  xfree (st->picks);
  scapi_card_close (st->job.card);
  image_free (st->keys_src);     /* wipes */
  image_free (st->owned_src);    /* wipes */
  xfree (st->rows);
}

const ui_screen_ops_t screen_restore_ops = {
  .name = "restore", .enter = screen_restore_enter,
  .draw = screen_restore_draw, .key = screen_restore_key,
  .leave = screen_restore_leave,
  .keys = screen_restore_keys,
  .phase = UI_PHASE (restore_state_t, phase),  /* the keys' modes */
  .state_size = sizeof (restore_state_t),
  .help = N_("The restore plan: what writing would do per node, and nodes only on\n"
             "the card (left alone). Nothing is written before you confirm; every\n"
             "written node is read back and the report shows the result.\n"
             "Onto another model, m maps the objects onto the card's applications;\n"
             "t changes where the object under the cursor goes.")
};
