/* screen-log.c - the log view: messages and the redacted APDU trace
 * (secrets are removed by the logger before they reach us) */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/screens.h"

typedef struct {
  size_t top;
  bool follow;
} log_state_t;

static gpg_error_t
screen_log_enter (ui_t *ui, ui_screen_t *s)
{
  log_state_t *st = s->state;
  (void) ui;
  st->follow = true;
  return 0;
}

static void
screen_log_draw (ui_t *ui, ui_screen_t *s)
{
  log_state_t *st = s->state;
  size_t n = loop_log_count (ui);
  int h = ui->rows - 3;
  static const char *const levels[] = { "error", "warn", "info", "debug", "apdu" };
  int lvl = log_get_level ();

  draw_screen (ui, s, _("Log"));
  draw_textf (ui, 1, 1, ui->cols - 2, A_BOLD, _("%zu lines, level %s (APDU bodies of secrets are redacted)"),
              n, lvl >= 0 && lvl <= 4 ? levels[lvl] : "?");
  if (st->follow)
    st->top = n > (size_t) h ? n - (size_t) h : 0;
  for (int i = 0; i < h; i++)
    {
      char *line = loop_log_line (ui, st->top + (size_t) i);
      if (!line)
        break;
      draw_text (ui, 2 + i, 1, ui->cols - 2, A_NORMAL, line);
      xfree (line);
    }
}

static unsigned
screen_log_key (ui_t *ui, ui_screen_t *s, int ch)
{
  log_state_t *st = s->state;
  size_t n = loop_log_count (ui);
  if (ui_key_is_up (ch) || ch == KEY_PPAGE)
    {
      size_t d = ch == KEY_PPAGE ? 10 : 1;
      st->follow = false;
      st->top = st->top > d ? st->top - d : 0;
    }
  else if (ui_key_is_down (ch) || ch == KEY_NPAGE)
    {
      st->top += ch == KEY_NPAGE ? 10 : 1;
      if (st->top + (size_t) (ui->rows - 3) >= n)
        st->follow = true;
    }
  else
    return 0;
  return UI_HANDLED | UI_REDRAW;
}

/* One level more (STEP 1) or less (-1) detail, within error .. apdu. */
static unsigned
screen_log_level (ui_t *ui, ui_screen_t *s, int step)
{
  int level = log_get_level () + step;
  (void) s;
  if (level >= LOG_LEVEL_ERROR && level <= LOG_LEVEL_APDU)
    {
      ui->settings.log_level = level;
      log_set_level (ui->settings.log_level);
    }
  return UI_REDRAW;
}

static const ui_key_t screen_log_keys[] = {
  UI_KEY_ARG ('+', 0, 0, N_("Level"), N_("more detail (up to the APDU "
                                         "transcript)"), screen_log_level, 1),
  UI_KEY_ARG ('-', 0, 0, NULL, N_("less detail"), screen_log_level, -1),
  UI_KEY (KEY_F (9), 0, 0, NULL, N_("close the log"), screen_close),
  UI_KEYS_END
};

static unsigned
screen_log_event (ui_t *ui, ui_screen_t *s, int ev)
{
  (void) ui;
  (void) s;
  return ev == UI_EV_LOG ? UI_REDRAW : 0;
}

const ui_screen_ops_t screen_log_ops = {
  .name = "log", .enter = screen_log_enter, .draw = screen_log_draw,
  .key = screen_log_key, .event = screen_log_event, .keys = screen_log_keys,
  .state_size = sizeof (log_state_t),
  .help = N_("The log: messages and, at level apdu, the APDU transcript with the\n"
             "bodies of PIN, password and key commands redacted.")
};
