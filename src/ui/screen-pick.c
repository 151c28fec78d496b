/* screen-pick.c - choose one item of a list (a card, a VSC, ...) */
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
  widget_menu_t menu;
} pick_state_t;

static gpg_error_t
screen_pick_enter (ui_t *ui, ui_screen_t *s)
{
  screen_pick_arg_t *a = s->arg;
  pick_state_t *st = s->state;
  (void) ui;
  widget_menu_init (&st->menu, a->n);
  return 0;
}

static void
screen_pick_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                  bool sel)
{
  screen_pick_arg_t *a = ctx;
  draw_textf (ui, y, x, w, draw_row_attr (ui, sel),
              " %s", a->items[idx]);
}

static void
screen_pick_draw (ui_t *ui, ui_screen_t *s)
{
  screen_pick_arg_t *a = s->arg;
  pick_state_t *st = s->state;
  int y, x, w = ui->cols - 8, h = (int) a->n + 5;
  if (s->below)
    s->below->ops->draw (ui, s->below);
  if (h > ui->rows - 4)
    h = ui->rows - 4;
  draw_dialog (ui, h, w, a->title, &y, &x);
  draw_text (ui, y + 1, x + 2, w - 4, A_NORMAL, a->prompt);
  if (!a->n)
    draw_text (ui, y + 2, x + 2, w - 4, draw_attr (ui, DRAW_WARN),
               _("(nothing to choose from)"));
  widget_menu_draw (ui, &st->menu, y + 2, x + 1, h - 4, w - 2,
                    screen_pick_item, a);
  draw_text (ui, y + h - 2, x + 2, w - 4, draw_attr (ui, DRAW_KEY),
             _("Enter: choose   Esc: cancel"));
}

/* A dialog: the list moves, the table chooses or cancels, other keys
 * do nothing. */
static unsigned
screen_pick_key (ui_t *ui, ui_screen_t *s, int ch)
{
  pick_state_t *st = s->state;
  unsigned r = widget_menu_key (&st->menu, ch);

  if (r || ui_keys_find (ui, s, s->ops->keys, ch))
    return r;
  return UI_HANDLED;
}

static unsigned
screen_pick_answer (ui_t *ui, ui_screen_t *s, size_t idx)
{
  screen_pick_arg_t *a = s->arg;
  if (a->done)
    a->done (ui, a->ctx, idx);
  return UI_POP;
}

static unsigned
screen_pick_choose (ui_t *ui, ui_screen_t *s)
{
  screen_pick_arg_t *a = s->arg;
  pick_state_t *st = s->state;

  if (!a->n)
    return UI_HANDLED;
  return screen_pick_answer (ui, s, st->menu.cur);
}

static unsigned
screen_pick_cancel (ui_t *ui, ui_screen_t *s)
{
  return screen_pick_answer (ui, s, (size_t) -1);
}

static const ui_key_t screen_pick_keys[] = {
  UI_KEY ('\n', 0, 0, N_("Choose"), N_("choose"), screen_pick_choose),
  UI_KEY (UI_KEY_ESC, 'q', 0, N_("Cancel"), N_("cancel"), screen_pick_cancel),
  UI_KEY (KEY_F (10), 0, 0, NULL, NULL, screen_pick_cancel),
  UI_KEYS_END
};

static void
screen_pick_leave (ui_t *ui, ui_screen_t *s)
{
  screen_pick_arg_t *a = s->arg;
  (void) ui;
  if (a)
    {
      for (size_t i = 0; i < a->n; i++)
        xfree (a->items[i]);
      xfree (a->items);
    }
}

const ui_screen_ops_t screen_pick_ops = {
  .name = "pick", .enter = screen_pick_enter, .draw = screen_pick_draw,
  .key = screen_pick_key, .leave = screen_pick_leave,
  .keys = screen_pick_keys, .state_size = sizeof (pick_state_t),
  .help = N_("Choose with the arrow keys or j/k and press Enter; Esc cancels.")
};
