/* screen-confirm.c - yes/no or typed confirmation over the screen below */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

enum { CONFIRM_YN = 1, CONFIRM_TYPED = 2 };   /* ui_screen_t.mode */

typedef struct {
  widget_field_t field;
} confirm_state_t;

static gpg_error_t
screen_confirm_enter (ui_t *ui, ui_screen_t *s)
{
  screen_confirm_arg_t *a = s->arg;
  confirm_state_t *st = s->state;
  (void) ui;
  s->mode = a->typed[0] ? CONFIRM_TYPED : CONFIRM_YN;
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
screen_confirm_answer (ui_t *ui, ui_screen_t *s, bool yes)
{
  screen_confirm_arg_t *a = s->arg;
  if (a->done)
    a->done (ui, a->ctx, yes);
  return UI_POP;
}

/* A dialog: the typed word goes into the field; "y" in the language of
 * the user counts as yes; other keys do nothing. */
static unsigned
screen_confirm_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_confirm_arg_t *a = s->arg;
  confirm_state_t *st = s->state;
  const char *y = _("y");

  if (ui_keys_find (ui, s, s->ops->keys, ch))
    return 0;
  if (a->typed[0])
    return widget_field_key (&st->field, ch) | UI_HANDLED;
  if (ch == (unsigned char) y[0])
    return screen_confirm_answer (ui, s, true) | UI_HANDLED;
  return UI_HANDLED;
}

static unsigned
screen_confirm_yes (ui_t *ui, ui_screen_t *s)
{
  return screen_confirm_answer (ui, s, true);
}

static unsigned
screen_confirm_no (ui_t *ui, ui_screen_t *s)
{
  return screen_confirm_answer (ui, s, false);
}

static unsigned
screen_confirm_enter_word (ui_t *ui, ui_screen_t *s)
{
  screen_confirm_arg_t *a = s->arg;
  confirm_state_t *st = s->state;

  if (strcmp (st->field.buf, a->typed))
    {
      ui_status (ui, true, _("Type exactly: %s"), a->typed);
      return UI_REDRAW;
    }
  return screen_confirm_answer (ui, s, true);
}

static const ui_key_t screen_confirm_keys[] = {
  UI_KEY ('y', 'Y', CONFIRM_YN, N_("Yes"), N_("yes"), screen_confirm_yes),
  UI_KEY ('n', 'N', CONFIRM_YN, N_("No"), N_("no"), screen_confirm_no),
  UI_KEY ('q', 0, CONFIRM_YN, NULL, NULL, screen_confirm_no),
  UI_KEY ('\n', 0, CONFIRM_TYPED, N_("OK"), N_("confirm the typed word"),
          screen_confirm_enter_word),
  UI_KEY (UI_KEY_ESC, KEY_F (10), 0, N_("Cancel"), N_("cancel (no)"),
          screen_confirm_no),
  UI_KEYS_END
};

static void
screen_confirm_leave (ui_t *ui, ui_screen_t *s)
{
  confirm_state_t *st = s->state;
  screen_confirm_arg_t *a = s->arg;
  (void) ui;
  widget_field_free (&st->field);
  if (a && a->wipe)
    wipememory (a->message, sizeof a->message);
}

const ui_screen_ops_t screen_confirm_ops = {
  .name = "confirm", .enter = screen_confirm_enter,
  .draw = screen_confirm_draw, .key = screen_confirm_key,
  .leave = screen_confirm_leave, .keys = screen_confirm_keys,
  .state_size = sizeof (confirm_state_t),
  .help = N_("Answer y (yes) or n (no). When a word must be typed, type it exactly\n"
             "and press Enter; Esc cancels.")
};
