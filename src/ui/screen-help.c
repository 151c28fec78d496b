/* screen-help.c - keys of the current screen, global keys, about */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/screens.h"

typedef struct {
  size_t top;
} help_state_t;

static gpg_error_t
screen_help_enter (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  s->state = xtrycalloc (1, sizeof (help_state_t));
  return s->state ? 0 : gpg_error_from_syserror ();
}

static void
screen_help_draw (ui_t *ui, ui_screen_t *s)
{
  static const char *keys[6];
  help_state_t *st = s->state;
  char text[4096];
  const char *p, *q;
  int y = 2;
  size_t line = 0;

  keys[0] = "Esc"; keys[1] = _("Back"); keys[2] = NULL;
  draw_screen (ui, _("Help"), keys);
  snprintf (text, sizeof text, "%s\n\n%s\n\n%s\n%s",
            s->below && s->below->ops->help ? _(s->below->ops->help) : "",
            _("Everywhere: arrows or j/k move, Enter chooses, Esc or q goes back,\n"
              "? or F1 shows this help, F9 shows the log, Ctrl-L redraws.\n"
              "In trees: Left/Right (h/l) close/open, Space selects, a selects\n"
              "all, / searches, n finds the next match, * opens everything."),
            _("About: vscman backs up smart cards into encrypted virtual smart\n"
              "card (VSC) files, lets you browse them and restores them onto cards."),
            ui->kiosk ? _("Kiosk mode: no shell, fixed VSC directory, idle timeout.")
                      : PACKAGE_STRING);
  for (p = text; *p; p = q + 1)
    {
      char buf[256];
      size_t n;
      q = strchr (p, '\n');
      n = q ? (size_t) (q - p) : strlen (p);
      if (n >= sizeof buf)
        n = sizeof buf - 1;
      memcpy (buf, p, n);
      buf[n] = 0;
      if (line++ >= st->top && y < ui->rows - 2)
        draw_text (ui, y++, 2, ui->cols - 4, A_NORMAL, buf);
      if (!q)
        break;
    }
}

static unsigned
screen_help_key (ui_t *ui, ui_screen_t *s, int ch)
{
  help_state_t *st = s->state;
  (void) ui;
  if (ui_key_is_down (ch))
    st->top++;
  else if (ui_key_is_up (ch) && st->top)
    st->top--;
  else if (ui_key_is_back (ch) || ch == '?' || ch == KEY_F (1))
    return UI_HANDLED | UI_POP;
  else
    return UI_HANDLED;
  return UI_HANDLED | UI_REDRAW;
}

static void
screen_help_leave (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  xfree (s->state);
  xfree (s->arg);
}

const ui_screen_ops_t screen_help_ops = {
  "help", screen_help_enter, screen_help_draw, screen_help_key, NULL,
  screen_help_leave, NULL
};
