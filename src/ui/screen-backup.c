/* screen-backup.c - back up the selected nodes of a card into a new VSC:
 * file name (fixed directory in kiosk mode) -> PIN dialogs as needed
 * (retry counter shown) -> progress -> summary -> the generated password
 * shown once with an "I have written it down" confirmation */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
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
  backup_state_t *st = xtrycalloc (1, sizeof *st);
  char *path;
  gpg_error_t err;

  if (!st)
    return gpg_error_from_syserror ();
  s->state = st;
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
      snprintf (st->error, sizeof st->error, "%s",
                gpg_err_code (err) == GPG_ERR_CANCELED
                ? _("Cancelled. No VSC was written.")
                : text && *text ? text : vsc_strerror (err));
      screen_error (ui, err, text, _("Backup"));
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
  static const char *keys[10];
  screen_backup_arg_t *a = s->arg;
  backup_state_t *st = s->state;
  scapi_summary_t *sum = &st->job.sum;
  int y = 2, k = 0;
  char t1[32], t2[32];

  if (st->phase == BK_FORM)
    {
      keys[k++] = "Enter"; keys[k++] = _("Start");
      keys[k++] = "F4"; keys[k++] = st->job.store_pins
        ? _("Store PINs: on") : _("Store PINs: off");
    }
  else if (st->phase == BK_SUMMARY && sum->password)
    {
      keys[k++] = "w"; keys[k++] = _("Show password");
    }
  keys[k++] = "F1"; keys[k++] = _("Help");
  keys[k++] = "Esc"; keys[k++] = _("Back");
  keys[k] = NULL;
  draw_screen (ui, _("Back up"), keys);
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
        draw_text (ui, y++, 3, ui->cols - 4, draw_attr (ui, DRAW_WARN),
                   _("The FID scan stopped at its budget; back up again to continue."));
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

static unsigned
screen_backup_key (ui_t *ui, ui_screen_t *s, int ch)
{
  backup_state_t *st = s->state;

  switch (st->phase)
    {
    case BK_FORM:
      if (ui_key_is_enter (ch) || ch == KEY_F (5))
        {
          if (!st->file.len)
            return UI_HANDLED;
          screen_backup_start (ui, s);
          return UI_HANDLED | UI_PUSH | UI_REDRAW;
        }
      if (ch == UI_KEY_ESC || ch == KEY_F (10))
        return UI_HANDLED | UI_POP;
      if (ch == KEY_F (4))
        {
          st->job.store_pins = !st->job.store_pins;
          return UI_HANDLED | UI_REDRAW;
        }
      if (ui->kiosk)
        return 0;     /* no typed file names in kiosk mode */
      if (ch == '?')
        return 0;
      return widget_field_key (&st->file, ch);
    case BK_SUMMARY:
      if (st->job.sum.password && (ch == 'w' || ui_key_is_enter (ch)))
        {
          screen_show_password (ui, st->job.sum.password,
                                _("The backup VSC is protected by this password."),
                                screen_backup_pw_shown, s);
          return UI_HANDLED | UI_PUSH;
        }
      if (ui_key_is_back (ch) || ui_key_is_enter (ch))
        {
          if (st->job.sum.password && !st->password_confirmed)
            {
              ui_status (ui, true, "%s",
                         _("First write down the VSC password: press w."));
              return UI_HANDLED | UI_REDRAW;
            }
          return UI_HANDLED | UI_POP;
        }
      if (ui_key_is_down (ch))
        st->missing_top++;
      else if (ui_key_is_up (ch) && st->missing_top)
        st->missing_top--;
      return UI_HANDLED | UI_REDRAW;
    default:
      return 0;
    }
}

static unsigned
screen_backup_event (ui_t *ui, ui_screen_t *s, int ev)
{
  (void) ui;
  (void) s;
  return ev == UI_EV_RESUME ? UI_REDRAW : 0;
}

static void
screen_backup_leave (ui_t *ui, ui_screen_t *s)
{
  screen_backup_arg_t *a = s->arg;
  backup_state_t *st = s->state;
  (void) ui;
  if (st)
    {
      widget_field_free (&st->file);
      scapi_summary_free (&st->job.sum);   /* wipes the password */
      xfree (st);
    }
  if (a)
    widget_tree_free_paths (a->select, a->n_select);
  xfree (a);
}

const ui_screen_ops_t screen_backup_ops = {
  "backup", screen_backup_enter, screen_backup_draw, screen_backup_key,
  screen_backup_event, screen_backup_leave,
  N_("Back up the selected nodes into a new VSC file. Edit the file name\n"
     "and press Enter. PINs are asked when a protected object is selected;\n"
     "the number of tries left is shown and a wrong PIN is never retried.\n"
     "F4 toggles storing the PINs you enter in the VSC (private area), so\n"
     "that a restore can set them on the new card.\n"
     "Esc during the progress cancels cleanly (no VSC is written).\n"
     "At the end the generated VSC password is shown once: write it down.")
};
