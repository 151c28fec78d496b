/* screen-password.c - password / PIN entry (no echo, secure memory) and
 * plain one-line text input as a dialog over the screen below */
#include <config.h>
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
  pw_state_t *st = s->state;
  (void) ui;
  return widget_field_init (&st->field, a->noecho ? 256 : 1000, a->noecho,
                            a->initial[0] ? a->initial : NULL);
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

/* A dialog: every key that is not in the table belongs to the field
 * (no global '?', 'q' ...). */
static unsigned
screen_password_key (ui_t *ui, ui_screen_t *s, int ch)
{
  pw_state_t *st = s->state;

  if (ui_keys_find (ui, s, s->ops->keys, ch))
    return 0;
  return widget_field_key (&st->field, ch) | UI_HANDLED;
}

static unsigned
screen_password_cancel (ui_t *ui, ui_screen_t *s)
{
  screen_input_arg_t *a = s->arg;
  pw_state_t *st = s->state;

  widget_field_clear (&st->field);
  if (a->done)
    a->done (ui, a->ctx, NULL);
  return UI_POP;
}

static unsigned
screen_password_ok (ui_t *ui, ui_screen_t *s)
{
  screen_input_arg_t *a = s->arg;
  pw_state_t *st = s->state;
  char *v;

  if (!st->field.len && !a->allow_empty)
    return UI_HANDLED;
  v = widget_field_take (&st->field);
  if (!v)
    {
      ui_status (ui, true, "%s", _("out of memory"));
      return UI_POP;
    }
  if (a->done)
    a->done (ui, a->ctx, v);
  else if (a->noecho)
    xfree_secure (v);
  else
    xfree (v);
  return UI_POP;
}

static const ui_key_t screen_password_keys[] = {
  UI_KEY ('\n', 0, 0, N_("OK"), N_("take the text"), screen_password_ok),
  UI_KEY (UI_KEY_ESC, KEY_F (10), 0, N_("Cancel"), N_("cancel"),
          screen_password_cancel),
  UI_KEYS_END
};

static void
screen_password_leave (ui_t *ui, ui_screen_t *s)
{
  pw_state_t *st = s->state;
  (void) ui;
  widget_field_free (&st->field);
}

const ui_screen_ops_t screen_password_ops = {
  .name = "password", .enter = screen_password_enter,
  .draw = screen_password_draw, .key = screen_password_key,
  .leave = screen_password_leave, .keys = screen_password_keys,
  .state_size = sizeof (pw_state_t),
  .help = N_("Type the text and press Enter. Passwords and PINs are not shown and\n"
             "are kept in protected memory that is wiped after use.")
};
