/* screen-password.c - password / PIN entry (no echo, secure memory) and
 * plain one-line text input as a dialog over the screen below */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

typedef struct {
  widget_field_t field;
} pw_state_t;

static gpg_error_t
screen_password_enter (ui_t *ui, ui_screen_t *s)
{
  screen_input_arg_t *a = s->arg;
  pw_state_t *st;
  gpg_error_t err;
  (void) ui;
  st = xtrycalloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();
  err = widget_field_init (&st->field, a->noecho ? 256 : 1000, a->noecho,
                           a->initial[0] ? a->initial : NULL);
  if (err)
    {
      xfree (st);
      return err;
    }
  s->state = st;
  return 0;
}

static void
screen_password_draw (ui_t *ui, ui_screen_t *s)
{
  screen_input_arg_t *a = s->arg;
  pw_state_t *st = s->state;
  int y, x, w = ui->cols > 84 ? 76 : ui->cols - 4, row;

  if (s->below)
    s->below->ops->draw (ui, s->below);
  draw_dialog (ui, 9, w, a->title, &y, &x);
  row = y + 1;
  draw_text (ui, row++, x + 2, w - 4, A_NORMAL, a->prompt);
  draw_text (ui, row++, x + 2, w - 4, draw_attr (ui, DRAW_WARN), a->info);
  draw_text (ui, row++, x + 2, w - 4, A_NORMAL, a->info2);
  row++;
  draw_text (ui, y + 7, x + 2, w - 4, draw_attr (ui, DRAW_KEY),
             _("Enter: OK   Esc: cancel   Ctrl-U: clear"));
  widget_field_draw (ui, &st->field, row, x + 2, w - 4);
}

static unsigned
screen_password_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_input_arg_t *a = s->arg;
  pw_state_t *st = s->state;

  if (ch == UI_KEY_ESC || ch == KEY_F (10))
    {
      widget_field_clear (&st->field);
      if (a->done)
        a->done (ui, a->ctx, NULL);
      return UI_HANDLED | UI_POP;
    }
  if (ui_key_is_enter (ch))
    {
      char *v;
      if (!st->field.len && !a->allow_empty)
        return UI_HANDLED;
      v = widget_field_take (&st->field);
      if (!v)
        {
          ui_status (ui, true, "%s", _("out of memory"));
          return UI_HANDLED | UI_POP;
        }
      if (a->done)
        a->done (ui, a->ctx, v);
      else if (a->noecho)
        xfree_secure (v);
      else
        xfree (v);
      return UI_HANDLED | UI_POP;
    }
  /* Every other key belongs to the field (no global '?', 'q' ...). */
  return widget_field_key (&st->field, ch) | UI_HANDLED;
}

static void
screen_password_leave (ui_t *ui, ui_screen_t *s)
{
  pw_state_t *st = s->state;
  (void) ui;
  if (st)
    {
      widget_field_free (&st->field);
      xfree (st);
    }
  xfree (s->arg);
}

const ui_screen_ops_t screen_password_ops = {
  "password", screen_password_enter, screen_password_draw,
  screen_password_key, NULL, screen_password_leave,
  N_("Type the text and press Enter. Passwords and PINs are not shown and\n"
     "are kept in protected memory that is wiped after use.\n"
     "Esc cancels.")
};
