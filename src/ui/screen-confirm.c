/* screen-confirm.c - yes/no or typed confirmation over the screen below */
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
} confirm_state_t;

static gpg_error_t
screen_confirm_enter (ui_t *ui, ui_screen_t *s)
{
  confirm_state_t *st = xtrycalloc (1, sizeof *st);
  (void) ui;
  if (!st)
    return gpg_error_from_syserror ();
  s->state = st;
  return widget_field_init (&st->field, 40, false, NULL);
}

static void
screen_confirm_draw (ui_t *ui, ui_screen_t *s)
{
  screen_confirm_arg_t *a = s->arg;
  confirm_state_t *st = s->state;
  if (s->below)
    s->below->ops->draw (ui, s->below);
  widget_confirm_draw (ui, a->title, a->message, a->typed[0] ? a->typed : NULL,
                       &st->field);
}

static unsigned
screen_confirm_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_confirm_arg_t *a = s->arg;
  confirm_state_t *st = s->state;
  bool yes;

  if (a->typed[0])
    {
      if (ch == UI_KEY_ESC)
        yes = false;
      else if (ui_key_is_enter (ch))
        {
          if (strcmp (st->field.buf, a->typed))
            {
              ui_status (ui, true, _("Type exactly: %s"), a->typed);
              return UI_HANDLED | UI_REDRAW;
            }
          yes = true;
        }
      else
        return widget_field_key (&st->field, ch) | UI_HANDLED;
    }
  else
    {
      /* The translated initial of "yes" is accepted too. */
      const char *y = _("y");
      if (ch == 'y' || ch == 'Y' || ch == (unsigned char) y[0])
        yes = true;
      else if (ch == 'n' || ch == 'N' || ui_key_is_back (ch))
        yes = false;
      else
        return UI_HANDLED;
    }
  if (a->done)
    a->done (ui, a->ctx, yes);
  return UI_HANDLED | UI_POP;
}

static void
screen_confirm_leave (ui_t *ui, ui_screen_t *s)
{
  confirm_state_t *st = s->state;
  (void) ui;
  screen_confirm_arg_t *a = s->arg;
  if (st)
    widget_field_free (&st->field);
  xfree (st);
  if (a && a->wipe)
    wipememory (a->message, sizeof a->message);
  xfree (a);
}

const ui_screen_ops_t screen_confirm_ops = {
  "confirm", screen_confirm_enter, screen_confirm_draw, screen_confirm_key,
  NULL, screen_confirm_leave,
  N_("Answer y (yes) or n (no). When a word must be typed, type it exactly\n"
     "and press Enter; Esc cancels.")
};
