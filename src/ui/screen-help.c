/* screen-help.c - what the screen below is, its keys and the global
 * ones (all from the key tables, keys.c), and about */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/screens.h"

typedef struct {
  size_t top;
  char *text;              /* built when the help opens */
} help_state_t;

static gpg_error_t
screen_help_enter (ui_t *ui, ui_screen_t *s)
{
  help_state_t *st = s->state;
  if (s->below)
    st->text = ui_keys_help_text (ui, s->below);
  return 0;
}

static void
screen_help_draw (ui_t *ui, ui_screen_t *s)
{
  help_state_t *st = s->state;
  char about[512];
  const char *parts[2], *p;
  char buf[256];
  int y = 2;
  size_t line = 0;

  draw_screen (ui, s, _("Help"));
  snprintf (about, sizeof about, "\n%s\n%s",
            _("About: vscman backs up smart cards into encrypted virtual smart\n"
              "card (VSC) files, lets you browse them and restores them onto cards."),
            ui->kiosk ? _("Kiosk mode: no shell, fixed VSC directory, idle timeout.")
                      : PACKAGE_STRING);
  parts[0] = st->text ? st->text : "";
  parts[1] = about;
  for (int i = 0; i < 2; i++)
    for (p = parts[i]; draw_next_line (&p, buf, sizeof buf); )
      if (line++ >= st->top && y < ui->rows - 2)
        draw_text (ui, y++, 2, ui->cols - 4, A_NORMAL, buf);
}

static unsigned
screen_help_down (ui_t *ui, ui_screen_t *s)
{
  help_state_t *st = s->state;
  (void) ui;
  st->top++;
  return UI_REDRAW;
}

static unsigned
screen_help_up (ui_t *ui, ui_screen_t *s)
{
  help_state_t *st = s->state;
  (void) ui;
  if (st->top)
    st->top--;
  return UI_REDRAW;
}

static void
screen_help_leave (ui_t *ui, ui_screen_t *s)
{
  help_state_t *st = s->state;
  (void) ui;
  xfree (st->text);
}

static const ui_key_t screen_help_keys[] = {
  UI_KEY (KEY_DOWN, 'j', 0, NULL, N_("scroll down"), screen_help_down),
  UI_KEY (KEY_UP, 'k', 0, NULL, N_("scroll up"), screen_help_up),
  UI_KEY ('?', KEY_F (1), 0, NULL, N_("close the help"), screen_close),
  UI_KEYS_END
};

const ui_screen_ops_t screen_help_ops = {
  .name = "help", .enter = screen_help_enter, .draw = screen_help_draw,
  .leave = screen_help_leave, .keys = screen_help_keys,
  .state_size = sizeof (help_state_t),
  .help = N_("Help: what the screen is and the keys that work there.")
};
