/* screen-settings.c - settings, saved in $XDG_CONFIG_HOME/vscman/settings */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

enum { SET_ASCII, SET_MONO, SET_IDLE, SET_LOG, SET_VERIFY, SET_DIR, SET_MAX };

typedef struct {
  widget_menu_t menu;      /* first: screen_menu_key */
} settings_state_t;

static gpg_error_t
screen_settings_enter (ui_t *ui, ui_screen_t *s)
{
  settings_state_t *st = s->state;
  (void) ui;
  widget_menu_init (&st->menu, SET_MAX);
  return 0;
}

static void
screen_settings_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                      bool sel)
{
  static const char *const levels[] = { "error", "warn", "info", "debug", "apdu" };
  char val[600];
  const char *label = "";
  (void) ctx;
  switch (idx)
    {
    case SET_ASCII:
      label = _("ASCII line drawing");
      snprintf (val, sizeof val, "%s", ui->settings.ascii ? _("yes") : _("no"));
      break;
    case SET_MONO:
      label = _("Monochrome");
      snprintf (val, sizeof val, "%s", ui->settings.mono ? _("yes") : _("no"));
      break;
    case SET_IDLE:
      label = _("Kiosk idle timeout");
      snprintf (val, sizeof val, _("%d s"), ui->settings.idle_timeout);
      break;
    case SET_LOG:
      label = _("Log level");
      snprintf (val, sizeof val, "%s", levels[ui->settings.log_level >= 0 && ui->settings.log_level <= 4 ? ui->settings.log_level : 2]);
      break;
    case SET_VERIFY:
      label = _("Read back after restore");
      snprintf (val, sizeof val, "%s",
                ui->settings.verify_after_restore ? _("yes") : _("no"));
      break;
    case SET_DIR:
      label = _("VSC directory");
      snprintf (val, sizeof val, "%s%s", ui->settings.vsc_dir,
                ui->kiosk || ui->cli_vsc_dir ? _(" (fixed)") : "");
      break;
    }
  draw_textf (ui, y, x, w, draw_row_attr (ui, sel),
              " %-30s %s", label, val);
}

static void
screen_settings_draw (ui_t *ui, ui_screen_t *s)
{
  settings_state_t *st = s->state;

  draw_screen (ui, s, _("Settings"));
  draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("Saved in %s/settings"),
              ui->config_dir);
  widget_menu_draw (ui, &st->menu, 3, 1, SET_MAX, ui->cols - 2,
                    screen_settings_item, st);
}

static void
screen_settings_dir_done (ui_t *ui, void *ctx, char *value)
{
  (void) ctx;
  if (value && value[0] == '/')
    {
      snprintf (ui->settings.vsc_dir, sizeof ui->settings.vsc_dir, "%s", value);
      settings_save (ui);
    }
  else if (value)
    ui_status (ui, true, "%s", _("Give an absolute directory name."));
  xfree (value);
}

static unsigned
screen_settings_change (ui_t *ui, ui_screen_t *s)
{
  settings_state_t *st = s->state;
  gpg_error_t err;

  switch (st->menu.cur)
    {
    case SET_ASCII:
      ui->settings.ascii = !ui->settings.ascii;
      break;
    case SET_MONO:
      ui->settings.mono = !ui->settings.mono;
      draw_init (ui);
      if (ui->settings.mono)
        ui->color = false;
      break;
    case SET_IDLE:
      if (ui->kiosk)
        {
          ui_status (ui, true, "%s", _("Not in kiosk mode."));
          return UI_REDRAW;
        }
      ui->settings.idle_timeout = ui->settings.idle_timeout >= 600 ? 0
        : ui->settings.idle_timeout + 60;
      break;
    case SET_LOG:
      ui->settings.log_level = (ui->settings.log_level + 1) % (LOG_LEVEL_APDU + 1);
      log_set_level (ui->settings.log_level);
      break;
    case SET_VERIFY:
      ui->settings.verify_after_restore = !ui->settings.verify_after_restore;
      break;
    case SET_DIR:
      if (ui->kiosk || ui->cli_vsc_dir)
        {
          ui_status (ui, true, "%s", _("The VSC directory is fixed."));
          return UI_REDRAW;
        }
      screen_ask_input (ui, _("VSC directory"), _("Directory for VSC files:"),
                        "", ui->settings.vsc_dir,
                        screen_settings_dir_done, NULL);
      return UI_PUSH;
    }
  err = settings_save (ui);
  if (err)
    ui_status (ui, true, _("Cannot save the settings: %s"), vsc_strerror (err));
  return UI_REDRAW;
}

static const ui_key_t screen_settings_keys[] = {
  UI_KEY ('\n', ' ', 0, N_("Change"), N_("change the setting (saved at "
                                          "once)"), screen_settings_change),
  UI_KEYS_END
};

const ui_screen_ops_t screen_settings_ops = {
  .name = "settings", .enter = screen_settings_enter,
  .draw = screen_settings_draw, .key = screen_menu_key,
  .keys = screen_settings_keys, .state_size = sizeof (settings_state_t),
  .help = N_("Settings, saved in the configuration directory: line drawing,\n"
             "colours, the kiosk idle timeout, the log level, reading back after\n"
             "a restore, and where VSCs are kept.")
};
