/* screen-backup.c - back up the selected nodes of a card into a new VSC:
 * file name (fixed directory in kiosk mode) -> PIN dialogs as needed
 * (retry counter shown) -> progress -> summary -> the generated password
 * shown once with an "I have written it down" confirmation */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

typedef struct {
  ui_t *ui;
  char reader[128];
  const image_t *image;
  const char *const *select;
  size_t n_select;
  char path[1024];
  bool store_pins;         /* keep the PINs entered in the VSC */
  scapi_summary_t sum;
} backup_job_t;

enum backup_phase { BK_FORM, BK_RUNNING, BK_SUMMARY, BK_FAILED };

typedef struct {
  enum backup_phase phase;
  widget_field_t file;
  backup_job_t job;
  size_t missing_top;
  bool password_confirmed;
  char error[512];
} backup_state_t;

static gpg_error_t
screen_backup_job (void *arg, const scapi_cb_t *cb)
{
  backup_job_t *j = arg;
  scapi_card_t *card = NULL;
  scapi_backup_opts_t opts;
  gpg_error_t err;

  memset (&opts, 0, sizeof opts);
  opts.select = j->select;
  opts.n_select = j->n_select;
  opts.out_path = j->path;
  opts.discover.read_content = true;
  opts.store_pins = j->store_pins;
  err = scapi_card_open (backend_sc (j->ui), j->reader, &card);
  if (!err)
    err = scapi_backup (card, j->image, &opts, cb, &j->sum);
  scapi_card_close (card);
  return err;
}

static gpg_error_t
screen_backup_enter (ui_t *ui, ui_screen_t *s)
{
  screen_backup_arg_t *a = s->arg;
  backup_state_t *st = s->state;
  char *path;
  gpg_error_t err;

  path = backend_new_vsc_path (ui, a->label);
  if (!path)
    return gpg_error_from_syserror ();
  err = widget_field_init (&st->file, 1000, false, path);
  xfree (path);
  return err;
}

static void
screen_backup_done (ui_t *ui, void *ctx, gpg_error_t err, const char *text)
{
  ui_screen_t *s = ctx;
  backup_state_t *st = s->state;
  if (!err && ui->task_was_cancelled)
    {
      /* Cancelled (Esc, hangup) after the last APDU: the VSC was saved
       * but its generated password was never shown, so nobody could
       * open it. Remove it rather than leave a locked file behind. */
      if (st->job.sum.password)
        {
          unlink (st->job.path);
          err = gpg_error (GPG_ERR_CANCELED);
        }
    }
  if (err)
    {
      st->phase = BK_FAILED;
      screen_failed (ui, err, text, _("Backup"), st->error, sizeof st->error);
      if (gpg_err_code (err) == GPG_ERR_CANCELED)
        snprintf (st->error, sizeof st->error, "%s",
                  _("Cancelled. No VSC was written."));
      return;
    }
  st->phase = BK_SUMMARY;
  settings_add_recent (ui, st->job.path);
  ui_status (ui, false, _("Backup written to %s"), st->job.path);
}

static void
screen_backup_start (ui_t *ui, ui_screen_t *s)
{
  screen_backup_arg_t *a = s->arg;
  backup_state_t *st = s->state;

  st->job.ui = ui;
  snprintf (st->job.reader, sizeof st->job.reader, "%s", a->reader);
  snprintf (st->job.path, sizeof st->job.path, "%s", st->file.buf);
  st->job.image = a->image;
  st->job.select = (const char *const *) a->select;
  st->job.n_select = a->n_select;
  st->phase = BK_RUNNING;
  screen_run_task (ui, _("Backing up"), screen_backup_job, &st->job,
                   screen_backup_done, s);
}

static void
screen_backup_draw (ui_t *ui, ui_screen_t *s)
{
  screen_backup_arg_t *a = s->arg;
  backup_state_t *st = s->state;
  scapi_summary_t *sum = &st->job.sum;
  int y = 2;
  char t1[32], t2[32];

  draw_screen (ui, s, _("Back up"));
  draw_textf (ui, y++, 1, ui->cols - 2, A_NORMAL, _("Card in %s"), a->reader);
  if (a->n_select)
    draw_textf (ui, y++, 1, ui->cols - 2, A_NORMAL,
                _("Selected: %zu subtrees"), a->n_select);
  else
    draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL, _("Selected: everything"));
  y++;
  switch (st->phase)
    {
    case BK_FORM:
      draw_text (ui, y++, 1, ui->cols - 2, A_BOLD, _("New VSC file:"));
      if (ui->kiosk)
        draw_text (ui, y++, 3, ui->cols - 4, A_NORMAL, st->file.buf);
      else
        widget_field_draw (ui, &st->file, y++, 3, ui->cols - 6);
      y++;
      draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL,
                 _("A strong password is generated for the VSC and shown once."));
      draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL,
                 _("PINs are asked only for protected objects, with the retry counter."));
      draw_textf (ui, y++, 1, ui->cols - 2,
                  st->job.store_pins ? draw_attr (ui, DRAW_WARN) : (int) A_NORMAL,
                  _("Store the PINs I enter in the VSC (private area): %s (F4 toggles)"),
                  st->job.store_pins ? _("on") : _("off"));
      draw_text (ui, y + 1, 1, ui->cols - 2, draw_attr (ui, DRAW_KEY),
                 _("Press Enter to start the backup."));
      break;
    case BK_RUNNING:
      draw_text (ui, y, 1, ui->cols - 2, A_NORMAL, _("Backing up..."));
      break;
    case BK_FAILED:
      draw_text (ui, y++, 1, ui->cols - 2, draw_attr (ui, DRAW_ERROR),
                 _("Backup failed:"));
      draw_text (ui, y++, 3, ui->cols - 4, A_NORMAL, st->error);
      break;
    case BK_SUMMARY:
      draw_text (ui, y++, 1, ui->cols - 2, draw_attr (ui, DRAW_OK),
                 _("Backup complete"));
      draw_textf (ui, y++, 3, ui->cols - 4, A_NORMAL, _("File:   %s"), st->job.path);
      draw_textf (ui, y++, 3, ui->cols - 4, A_NORMAL, _("UUID:   %s"), sum->uuid);
      widget_progress_format_time (sum->seconds, t1, sizeof t1);
      widget_progress_format_time (sum->save_seconds, t2, sizeof t2);
      draw_textf (ui, y++, 3, ui->cols - 4, A_NORMAL,
                  _("Nodes:  %zu, %zu bytes, %lu APDUs, %s (saving %s)"),
                  sum->nodes, sum->bytes, sum->apdus, t1, t2);
      if (sum->scan_pending)
        draw_textf (ui, y++, 3, ui->cols - 4, draw_attr (ui, DRAW_WARN),
                    _("Not scanned: the FID scan stopped at %s; the VSC "
                      "records where, so scanning can go on."),
                    sum->scan_next[0] ? sum->scan_next : "?");
      draw_textf (ui, y++, 3, ui->cols - 4,
                  sum->n_missing ? draw_attr (ui, DRAW_WARN) : (int) A_NORMAL,
                  _("Not backed up: %zu"), sum->n_missing);
      for (size_t i = st->missing_top; i < sum->n_missing && y < ui->rows - 4; i++)
        draw_textf (ui, y++, 5, ui->cols - 6, A_NORMAL, "%-30s %s",
                    sum->missing[i].path, sum->missing[i].reason);
      if (sum->password)
        draw_text (ui, ui->rows - 3, 1, ui->cols - 2, draw_attr (ui, DRAW_WARN),
                   _("Press w to see the VSC password (shown once)."));
      break;
    }
}

static void
screen_backup_pw_shown (ui_t *ui, void *ctx)
{
  ui_screen_t *s = ctx;
  backup_state_t *st = s->state;
  (void) ui;
  st->password_confirmed = true;
  if (st->job.sum.password)
    {
      wipememory (st->job.sum.password, strlen (st->job.sum.password));
      xfree_secure (st->job.sum.password);
      st->job.sum.password = NULL;
    }
}

/* ---- keys ------------------------------------------------------------ */

/* The file name field takes what it can (not in kiosk mode, where the
 * name is fixed); the summary scrolls the list of what was not read
 * (ui_key_scroll), its last entry staying in view. */
static unsigned
screen_backup_key (ui_t *ui, ui_screen_t *s, int ch)
{
  backup_state_t *st = s->state;
  size_t last = st->job.sum.n_missing ? st->job.sum.n_missing - 1 : 0;
  size_t page = (size_t) (ui->rows > 16 ? ui->rows - 15 : 1);

  if (st->phase == BK_FORM && !ui->kiosk && ch != '?')
    return widget_field_key (&st->file, ch);
  if (st->phase != BK_SUMMARY
      || !ui_key_scroll (ch, &st->missing_top, page, last))
    return 0;
  if (st->missing_top > last)
    st->missing_top = last;
  return UI_HANDLED | UI_REDRAW;
}

static bool
screen_backup_has_password (const ui_screen_t *s)
{
  const backup_state_t *st = s->state;
  return st->job.sum.password != NULL;
}

static unsigned
screen_backup_go (ui_t *ui, ui_screen_t *s)
{
  backup_state_t *st = s->state;

  if (!st->file.len)
    return UI_HANDLED;
  screen_backup_start (ui, s);
  return UI_PUSH | UI_REDRAW;
}

static unsigned
screen_backup_store_pins (ui_t *ui, ui_screen_t *s)
{
  backup_state_t *st = s->state;
  (void) ui;
  st->job.store_pins = !st->job.store_pins;
  return UI_REDRAW;
}

static unsigned
screen_backup_show_pw (ui_t *ui, ui_screen_t *s)
{
  backup_state_t *st = s->state;

  screen_show_password (ui, st->job.sum.password,
                        _("The backup VSC is protected by this password."),
                        screen_backup_pw_shown, s);
  return UI_PUSH;
}

/* Quitting before the generated password was shown would leave a VSC
 * nobody can open: F10 says so instead (while the summary shows it). */
static bool
screen_backup_unshown (const ui_screen_t *s)
{
  const backup_state_t *st = s->state;
  return st->job.sum.password && !st->password_confirmed;
}

/* Leaving the summary: not before the password was shown. */
static unsigned
screen_backup_close (ui_t *ui, ui_screen_t *s)
{
  if (screen_backup_unshown (s))
    {
      ui_status (ui, true, "%s",
                 _("First write down the VSC password: press w."));
      return UI_REDRAW;
    }
  return UI_POP;
}

#define BK_IN(p) (1u << (p))
static const ui_key_t screen_backup_keys[] = {
  UI_KEY ('\n', KEY_F (5), BK_IN (BK_FORM), N_("Start"),
          N_("start the backup"), screen_backup_go),
  { .key = KEY_F (4), .modes = BK_IN (BK_FORM),
    .label = N_("Store PINs: off"), .label_on = N_("Store PINs: on"),
    .flag = UI_FLAG (backup_state_t, job.store_pins),
    .action = screen_backup_store_pins,
    .help = N_("store the PINs you enter in the VSC (private area), so that "
               "a restore can set them") },
  { .key = 'w', .key2 = '\n', .modes = BK_IN (BK_SUMMARY),
    .label = N_("Show password"), .when = screen_backup_has_password,
    .help = N_("show the generated VSC password (once)"),
    .action = screen_backup_show_pw },
  UI_KEY (UI_KEY_ESC, 'q', BK_IN (BK_SUMMARY), NULL, N_("close the summary"),
          screen_backup_close),
  UI_KEY ('\n', 0, BK_IN (BK_SUMMARY), NULL, NULL, screen_backup_close),
  { .key = KEY_F (10), .modes = BK_IN (BK_SUMMARY),
    .when = screen_backup_unshown, .action = screen_backup_close },
  UI_KEYS_END
};

static void
screen_backup_leave (ui_t *ui, ui_screen_t *s)
{
  screen_backup_arg_t *a = s->arg;
  backup_state_t *st = s->state;
  (void) ui;
  widget_field_free (&st->file);
  scapi_summary_free (&st->job.sum);   /* wipes the password */
  if (a)
    widget_tree_free_paths (a->select, a->n_select);
}

const ui_screen_ops_t screen_backup_ops = {
  .name = "backup", .enter = screen_backup_enter, .draw = screen_backup_draw,
  .key = screen_backup_key,
  .leave = screen_backup_leave, .keys = screen_backup_keys,
  .phase = UI_PHASE (backup_state_t, phase),   /* the keys' modes */
  .state_size = sizeof (backup_state_t),
  .help = N_("Back up the selected nodes into a new VSC file. PINs are asked for\n"
             "protected objects, with the tries left; a wrong PIN is never\n"
             "retried. At the end the generated password is shown once.")
};
