/* screen-dialog.c - the dialogs over the screen below: a line of text or
 * a secret (password, PIN: no echo, secure memory), a yes/no or typed
 * confirmation, and the choice of one item of a list (a card, a VSC, a
 * target slot).
 *
 * They are one frame: the screen below drawn first, a centred box with
 * the title, the dialog's body, the key line at its foot; one key rule:
 * the dialog's table, then its field or list, and no other key (a '?'
 * or 'q' typed into a password stays there); one answer: OK or Cancel
 * calls the pusher's DONE (screens.h) and pops the dialog. The three
 * are three screens (password, confirm, pick) for their arguments,
 * key tables and help. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

enum dialog_kind { DIALOG_INPUT, DIALOG_CONFIRM, DIALOG_PICK };
enum { CONFIRM_YN = 1, CONFIRM_TYPED = 2 };   /* ui_screen_t.mode */

typedef struct {
  enum dialog_kind kind;
  widget_field_t field;    /* input; confirm (the typed word) */
  widget_menu_t menu;      /* pick */
} dialog_state_t;

static gpg_error_t
screen_dialog_enter (ui_t *ui, ui_screen_t *s)
{
  dialog_state_t *st = s->state;
  const screen_input_arg_t *in = s->arg;
  const screen_confirm_arg_t *cf = s->arg;
  const screen_pick_arg_t *pk = s->arg;
  (void) ui;

  if (s->ops == &screen_pick_ops)
    {
      st->kind = DIALOG_PICK;
      widget_menu_init (&st->menu, pk->n);
      return 0;
    }
  if (s->ops == &screen_confirm_ops)
    {
      st->kind = DIALOG_CONFIRM;
      s->mode = cf->typed[0] ? CONFIRM_TYPED : CONFIRM_YN;
      return widget_field_init (&st->field, 40, false, NULL);
    }
  st->kind = DIALOG_INPUT;
  return widget_field_init (&st->field, in->noecho ? 256 : 1000, in->noecho,
                            in->initial[0] ? in->initial : NULL);
}

/* ---- drawing ------------------------------------------------------------ */

void
screen_dialog_frame (ui_t *ui, ui_screen_t *s, int h, int w,
                     const char *title, int *r_y, int *r_x)
{
  if (s->below)
    s->below->ops->draw (ui, s->below);
  draw_dialog (ui, h, w, title, r_y, r_x);
}

static void
screen_dialog_draw_input (ui_t *ui, ui_screen_t *s, dialog_state_t *st)
{
  screen_input_arg_t *a = s->arg;
  int y, x, w = ui->cols > 84 ? 76 : ui->cols - 4, row;

  screen_dialog_frame (ui, s, 9, w, a->title, &y, &x);
  row = y + 1;
  draw_text (ui, row++, x + 2, w - 4, A_NORMAL, a->prompt);
  draw_text (ui, row++, x + 2, w - 4, draw_attr (ui, DRAW_WARN), a->info);
  draw_text (ui, row++, x + 2, w - 4, A_NORMAL, a->info2);
  row++;
  draw_text (ui, y + 7, x + 2, w - 4, draw_attr (ui, DRAW_KEY),
             _("Enter: OK   Esc: cancel   Ctrl-U: clear"));
  widget_field_draw (ui, &st->field, row, x + 2, w - 4);
}

/* The message (lines separated by '\n'), then the y/n choice or the
 * field for the typed word. */
static void
screen_dialog_draw_confirm (ui_t *ui, ui_screen_t *s, dialog_state_t *st)
{
  screen_confirm_arg_t *a = s->arg;
  int lines = 1, w = 40, y, x, row;
  const char *p;
  char line[512];

  for (p = a->message; draw_next_line (&p, line, sizeof line); lines++)
    if (draw_width (line) + 4 > w)
      w = draw_width (line) + 4;
  if (w > ui->cols - 2)
    w = ui->cols - 2;
  screen_dialog_frame (ui, s, lines + (a->typed[0] ? 5 : 4), w, a->title,
                       &y, &x);
  row = y + 1;
  for (p = a->message; draw_next_line (&p, line, sizeof line); )
    draw_text (ui, row++, x + 2, w - 4, A_NORMAL, line);
  row++;
  if (a->typed[0])
    {
      draw_textf (ui, row++, x + 2, w - 4, A_BOLD,
                  _("Type %s and press Enter (Esc: cancel):"), a->typed);
      widget_field_draw (ui, &st->field, row, x + 2, w - 4);
    }
  else
    draw_text (ui, row, x + 2, w - 4, draw_attr (ui, DRAW_KEY),
               _("[y] Yes   [n] No"));
}

static void
screen_dialog_pick_item (ui_t *ui, void *ctx, size_t idx, int y, int x,
                         int w, bool sel)
{
  screen_pick_arg_t *a = ctx;
  draw_textf (ui, y, x, w, draw_row_attr (ui, sel), " %s", a->items[idx]);
}

static void
screen_dialog_draw_pick (ui_t *ui, ui_screen_t *s, dialog_state_t *st)
{
  screen_pick_arg_t *a = s->arg;
  int y, x, w = ui->cols - 8, h = (int) a->n + 5;

  if (h > ui->rows - 4)
    h = ui->rows - 4;
  screen_dialog_frame (ui, s, h, w, a->title, &y, &x);
  draw_text (ui, y + 1, x + 2, w - 4, A_NORMAL, a->prompt);
  if (!a->n)
    draw_text (ui, y + 2, x + 2, w - 4, draw_attr (ui, DRAW_WARN),
               _("(nothing to choose from)"));
  widget_menu_draw (ui, &st->menu, y + 2, x + 1, h - 4, w - 2,
                    screen_dialog_pick_item, a);
  draw_text (ui, y + h - 2, x + 2, w - 4, draw_attr (ui, DRAW_KEY),
             _("Enter: choose   Esc: cancel"));
}

static void
screen_dialog_draw (ui_t *ui, ui_screen_t *s)
{
  static void (*const body[]) (ui_t *, ui_screen_t *, dialog_state_t *) = {
    [DIALOG_INPUT] = screen_dialog_draw_input,
    [DIALOG_CONFIRM] = screen_dialog_draw_confirm,
    [DIALOG_PICK] = screen_dialog_draw_pick
  };
  dialog_state_t *st = s->state;

  body[st->kind] (ui, s, st);
}

/* ---- keys --------------------------------------------------------------- */

static unsigned screen_dialog_answer (ui_t *ui, ui_screen_t *s, int ok);

/* The key rule of every dialog: the table's keys go to the table, the
 * others to the list or the field; "y" in the language of the user
 * counts as yes; no key reaches the global keys. */
static unsigned
screen_dialog_key (ui_t *ui, ui_screen_t *s, int ch)
{
  dialog_state_t *st = s->state;
  const char *y = _("y");

  if (ui_keys_find (ui, s, s->ops->keys, ch))
    return 0;
  if (st->kind == DIALOG_PICK)
    return widget_menu_key (&st->menu, ch) | UI_HANDLED;
  if (st->kind == DIALOG_INPUT || s->mode == CONFIRM_TYPED)
    return widget_field_key (&st->field, ch) | UI_HANDLED;
  if (ch == (unsigned char) y[0])
    return screen_dialog_answer (ui, s, true) | UI_HANDLED;
  return UI_HANDLED;
}

/* The text typed: to DONE (which owns it), or freed. */
static unsigned
screen_dialog_take_input (ui_t *ui, screen_input_arg_t *a,
                          dialog_state_t *st)
{
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

/* OK (yes, choose) or, with OK false, Cancel (no): the answer goes to
 * the pusher's DONE and the dialog closes. */
static unsigned
screen_dialog_answer (ui_t *ui, ui_screen_t *s, int ok)
{
  dialog_state_t *st = s->state;
  screen_input_arg_t *in = s->arg;
  screen_confirm_arg_t *cf = s->arg;
  screen_pick_arg_t *pk = s->arg;

  switch (st->kind)
    {
    case DIALOG_INPUT:
      if (ok)
        return screen_dialog_take_input (ui, in, st);
      widget_field_clear (&st->field);
      if (in->done)
        in->done (ui, in->ctx, NULL);
      break;
    case DIALOG_CONFIRM:
      if (ok && cf->typed[0] && strcmp (st->field.buf, cf->typed))
        {
          ui_status (ui, true, _("Type exactly: %s"), cf->typed);
          return UI_REDRAW;
        }
      if (cf->done)
        cf->done (ui, cf->ctx, ok);
      break;
    case DIALOG_PICK:
      if (ok && !pk->n)
        return UI_HANDLED;
      if (pk->done)
        pk->done (ui, pk->ctx, ok ? st->menu.cur : (size_t) -1);
      break;
    }
  return UI_POP;
}

static void
screen_dialog_leave (ui_t *ui, ui_screen_t *s)
{
  dialog_state_t *st = s->state;
  screen_confirm_arg_t *cf = s->arg;
  screen_pick_arg_t *pk = s->arg;
  (void) ui;

  widget_field_free (&st->field);
  if (!s->arg)
    return;
  if (st->kind == DIALOG_CONFIRM && cf->wipe)
    wipememory (cf->message, sizeof cf->message);
  if (st->kind == DIALOG_PICK)
    {
      for (size_t i = 0; i < pk->n; i++)
        xfree (pk->items[i]);
      xfree (pk->items);
    }
}

/* ---- the three dialogs -------------------------------------------------- */

#define SCREEN_DIALOG(n, table, hlp)                                      \
  const ui_screen_ops_t screen_##n##_ops = {                              \
    .name = #n, .enter = screen_dialog_enter, .draw = screen_dialog_draw, \
    .key = screen_dialog_key, .leave = screen_dialog_leave,               \
    .keys = table, .state_size = sizeof (dialog_state_t), .help = hlp     \
  }

static const ui_key_t screen_password_keys[] = {
  UI_KEY_ARG ('\n', 0, 0, N_("OK"), N_("take the text"),
              screen_dialog_answer, true),
  UI_KEY_ARG (UI_KEY_ESC, KEY_F (10), 0, N_("Cancel"), N_("cancel"),
              screen_dialog_answer, false),
  UI_KEYS_END
};
SCREEN_DIALOG (password, screen_password_keys,
               N_("Type the text and press Enter. Passwords and PINs are not shown and\n"
                  "are kept in protected memory that is wiped after use."));

static const ui_key_t screen_confirm_keys[] = {
  UI_KEY_ARG ('y', 'Y', CONFIRM_YN, N_("Yes"), N_("yes"),
              screen_dialog_answer, true),
  UI_KEY_ARG ('n', 'N', CONFIRM_YN, N_("No"), N_("no"),
              screen_dialog_answer, false),
  UI_KEY_ARG ('q', 0, CONFIRM_YN, NULL, NULL, screen_dialog_answer, false),
  UI_KEY_ARG ('\n', 0, CONFIRM_TYPED, N_("OK"), N_("confirm the typed word"),
              screen_dialog_answer, true),
  UI_KEY_ARG (UI_KEY_ESC, KEY_F (10), 0, N_("Cancel"), N_("cancel (no)"),
              screen_dialog_answer, false),
  UI_KEYS_END
};
SCREEN_DIALOG (confirm, screen_confirm_keys,
               N_("Answer y (yes) or n (no). When a word must be typed, type it exactly\n"
                  "and press Enter; Esc cancels."));

static const ui_key_t screen_pick_keys[] = {
  UI_KEY_ARG ('\n', 0, 0, N_("Choose"), N_("choose"), screen_dialog_answer,
              true),
  UI_KEY_ARG (UI_KEY_ESC, 'q', 0, N_("Cancel"), N_("cancel"),
              screen_dialog_answer, false),
  UI_KEY_ARG (KEY_F (10), 0, 0, NULL, NULL, screen_dialog_answer, false),
  UI_KEYS_END
};
SCREEN_DIALOG (pick, screen_pick_keys,
               N_("Choose with the arrow keys or j/k and press Enter; Esc cancels."));
