/* screen-pick.c - choose one item of a list (a card, a VSC, ...) */
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
  widget_menu_t menu;
} pick_state_t;

static gpg_error_t
screen_pick_enter (ui_t *ui, ui_screen_t *s)
{
  screen_pick_arg_t *a = s->arg;
  pick_state_t *st = xtrycalloc (1, sizeof *st);
  (void) ui;
  if (!st)
    return gpg_error_from_syserror ();
  widget_menu_init (&st->menu, a->n);
  s->state = st;
  return 0;
}

static void
screen_pick_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                  bool sel)
{
  screen_pick_arg_t *a = ctx;
  draw_textf (ui, y, x, w, sel ? draw_attr (ui, DRAW_SELECT) : (int) A_NORMAL,
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

static unsigned
screen_pick_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_pick_arg_t *a = s->arg;
  pick_state_t *st = s->state;
  unsigned r = widget_menu_key (&st->menu, ch);
  if (r)
    return r;
  if (ui_key_is_enter (ch) && a->n)
    {
      if (a->done)
        a->done (ui, a->ctx, st->menu.cur);
      return UI_HANDLED | UI_POP;
    }
  if (ui_key_is_back (ch))
    {
      if (a->done)
        a->done (ui, a->ctx, (size_t) -1);
      return UI_HANDLED | UI_POP;
    }
  return UI_HANDLED;
}

static void
screen_pick_leave (ui_t *ui, ui_screen_t *s)
{
  screen_pick_arg_t *a = s->arg;
  (void) ui;
  if (a)
    { for (size_t i = 0; i < a->n; i++) xfree (a->items[i]); xfree (a->items); }
  xfree (s->state);
  xfree (a);
}

const ui_screen_ops_t screen_pick_ops = {
  "pick", screen_pick_enter, screen_pick_draw, screen_pick_key, NULL,
  screen_pick_leave,
  N_("Choose with the arrow keys or j/k and press Enter; Esc cancels.")
};
