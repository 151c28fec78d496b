/* screen-main.c - the start screen: readers and cards (updated live on
 * insert/remove), VSCs in the VSC directory and recent ones, actions */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

enum main_kind { ROW_READER, ROW_VSC, ROW_ACTION };
enum main_action { ACT_OPEN, ACT_SERVER, ACT_SETTINGS, ACT_LOG, ACT_HELP, ACT_QUIT };
/* The actions that open a screen of their own. */
static const ui_screen_ops_t *const screen_main_action_screen[] = {
  [ACT_SERVER] = &screen_server_ops, [ACT_SETTINGS] = &screen_settings_ops,
  [ACT_LOG] = &screen_log_ops, [ACT_HELP] = &screen_help_ops
};

typedef struct {
  enum main_kind kind;
  size_t idx;              /* reader index, VSC index or action */
} main_row_t;

typedef struct {
  widget_menu_t menu;      /* first: screen_menu_key */
  main_row_t rows[256];
  size_t n_rows;
  size_t first_vsc, first_action;
  char **vscs;             /* VSC dir listing + recent, full paths */
  size_t n_vscs;
  char pending_a[1024];    /* diff: first source */
} main_state_t;

static void
screen_main_rows (ui_t *ui, main_state_t *st)
{
  size_t n = 0;
  for (size_t i = 0; i < ui->n_readers && n < 100; i++)
    st->rows[n++] = (main_row_t) { ROW_READER, i };
  st->first_vsc = n;
  for (size_t i = 0; i < st->n_vscs && n < 220; i++)
    st->rows[n++] = (main_row_t) { ROW_VSC, i };
  st->first_action = n;
  if (!ui->kiosk)
    {
      st->rows[n++] = (main_row_t) { ROW_ACTION, ACT_OPEN };
      st->rows[n++] = (main_row_t) { ROW_ACTION, ACT_SERVER };
    }
  st->rows[n++] = (main_row_t) { ROW_ACTION, ACT_SETTINGS };
  st->rows[n++] = (main_row_t) { ROW_ACTION, ACT_LOG };
  st->rows[n++] = (main_row_t) { ROW_ACTION, ACT_HELP };
  if (!ui->kiosk)
    st->rows[n++] = (main_row_t) { ROW_ACTION, ACT_QUIT };
  st->n_rows = n;
  widget_menu_set_count (&st->menu, n);
}

static void
screen_main_load_vscs (ui_t *ui, main_state_t *st)
{
  char **list = NULL, **all;
  size_t n = 0;

  backend_free_list (st->vscs, st->n_vscs);
  st->vscs = NULL;
  st->n_vscs = 0;
  backend_vsc_list (ui, &list, &n);
  all = xtrycalloc (n + ui->n_recent + 1, sizeof *all);
  if (!all)
    {
      backend_free_list (list, n);
      return;
    }
  /* Recent first (most recent on top), then the rest of the directory. */
  for (size_t i = 0; i < ui->n_recent; i++)
    if ((all[st->n_vscs] = xtrystrdup (ui->recent[i])))
      st->n_vscs++;
  for (size_t i = 0; i < n; i++)
    {
      bool dup = false;
      for (size_t j = 0; j < ui->n_recent; j++)
        if (!strcmp (list[i], ui->recent[j]))
          dup = true;
      if (!dup)
        {
          all[st->n_vscs++] = list[i];
          list[i] = NULL;
        }
    }
  backend_free_list (list, n);
  st->vscs = all;
}

static gpg_error_t
screen_main_enter (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;

  widget_menu_init (&st->menu, 0);
  screen_main_load_vscs (ui, st);
  screen_main_rows (ui, st);
  return 0;
}

static const char *
screen_main_basename (const char *p)
{
  const char *s = strrchr (p, '/');
  return s ? s + 1 : p;
}

static void
screen_main_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                  bool sel)
{
  main_state_t *st = ctx;
  main_row_t *row = &st->rows[idx];
  int attr = draw_row_attr (ui, sel);
  static const char *actions[6];

  actions[ACT_OPEN] = _("Open a VSC file...");
  actions[ACT_SERVER] = _("VSC server...");
  actions[ACT_SETTINGS] = _("Settings");
  actions[ACT_LOG] = _("Log");
  actions[ACT_HELP] = _("Help and about");
  actions[ACT_QUIT] = _("Quit");
  switch (row->kind)
    {
    case ROW_READER:
      {
        ui_reader_t *r = &ui->readers[row->idx];
        if (r->present)
          draw_textf (ui, y, x, w, attr, " %-24.24s %-22.22s %-16.16s ATR %s",
                      r->name, r->type[0] ? r->type : _("card"),
                      r->label, r->atr);
        else
          draw_textf (ui, y, x, w, attr, " %-24.24s %s", r->name, _("(no card)"));
      }
      break;
    case ROW_VSC:
      {
        const char *p = st->vscs[row->idx];
        bool recent = false;
        for (size_t i = 0; i < ui->n_recent; i++)
          if (!strcmp (ui->recent[i], p))
            recent = true;
        draw_textf (ui, y, x, w, attr, " %-40s %s", screen_main_basename (p),
                    recent ? _("(recent)") : "");
      }
      break;
    case ROW_ACTION:
      draw_textf (ui, y, x, w, attr, " %s", actions[row->idx]);
      break;
    }
}

static void
screen_main_draw (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;
  int y = 1, h;
  size_t n_cards = 0;

  draw_screen (ui, s, _("Smart card manager"));
  screen_main_rows (ui, st);
  for (size_t i = 0; i < ui->n_readers; i++)
    if (ui->readers[i].present)
      n_cards++;

  /* Three sections drawn from one menu: readers, VSCs, actions. */
  draw_textf (ui, y++, 1, ui->cols - 2, A_BOLD,
              _("Readers (%zu) and cards (%zu)%s"), ui->n_readers, n_cards,
              ui->emu ? _("  [emulator]") : "");
  h = (int) st->first_vsc;
  if (h == 0)
    draw_text (ui, y, 2, ui->cols - 4, draw_attr (ui, DRAW_WARN),
               _("No reader found. Connect a reader (pcscd must run)."));
  for (size_t i = 0; i < st->first_vsc && y < ui->rows - 10; i++)
    screen_main_item (ui, st, i, y++, 1, ui->cols - 2, st->menu.cur == i);
  if (h == 0)
    y++;
  y++;
  draw_textf (ui, y++, 1, ui->cols - 2, A_BOLD, _("Virtual smart cards in %s"),
              ui->settings.vsc_dir);
  if (!st->n_vscs)
    draw_text (ui, y++, 2, ui->cols - 4, draw_attr (ui, DRAW_DIM),
               _("(none yet: back up a card with F5)"));
  {
    /* VSC rows scroll inside their part. */
    int room = ui->rows - 4 - y - (int) (st->n_rows - st->first_action) - 1;
    size_t first = st->first_vsc, cnt = st->first_action - st->first_vsc;
    size_t top = 0;
    if (room < 1)
      room = 1;
    if (st->menu.cur >= first && st->menu.cur < first + cnt
        && st->menu.cur - first >= (size_t) room)
      top = st->menu.cur - first - (size_t) room + 1;
    for (size_t i = top; i < cnt && (int) (i - top) < room; i++)
      screen_main_item (ui, st, first + i, y++, 1, ui->cols - 2,
                        st->menu.cur == first + i);
  }
  y++;
  draw_text (ui, y++, 1, ui->cols - 2, A_BOLD, _("Actions"));
  for (size_t i = st->first_action; i < st->n_rows && y < ui->rows - 2; i++)
    screen_main_item (ui, st, i, y++, 1, ui->cols - 2, st->menu.cur == i);
}

static int
screen_main_reader_at (main_state_t *st)
{
  if (st->menu.cur < st->n_rows && st->rows[st->menu.cur].kind == ROW_READER)
    return (int) st->rows[st->menu.cur].idx;
  return -1;
}

static const char *
screen_main_vsc_at (main_state_t *st)
{
  if (st->menu.cur < st->n_rows && st->rows[st->menu.cur].kind == ROW_VSC)
    return st->vscs[st->rows[st->menu.cur].idx];
  return NULL;
}

/* Push OPS, whose argument is one string of SIZE bytes (the card
 * screen's reader, the VSC screen's path), with TEXT. */
static unsigned
screen_main_push (ui_t *ui, const ui_screen_ops_t *ops, size_t size,
                  const char *text)
{
  char *a = ui_push_new (ui, ops, size);
  if (!a)
    return UI_HANDLED;
  snprintf (a, size, "%s", text);
  return UI_PUSH;
}
_Static_assert (offsetof (screen_card_arg_t, reader) == 0
                && sizeof (screen_card_arg_t)
                   == sizeof ((screen_card_arg_t *) 0)->reader,
                "the card screen's argument is its reader's name");
_Static_assert (offsetof (screen_vsc_arg_t, path) == 0
                && sizeof (screen_vsc_arg_t)
                   == sizeof ((screen_vsc_arg_t *) 0)->path,
                "the VSC screen's argument is its path");

static void
screen_main_open_done (ui_t *ui, void *ctx, char *value)
{
  (void) ctx;
  if (!value)
    return;
  screen_main_push (ui, &screen_vsc_ops, sizeof (screen_vsc_arg_t), value);
  xfree (value);
}

/* ---- keys ------------------------------------------------------------ */

static unsigned
screen_main_open (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;
  int ri = screen_main_reader_at (st);
  const char *vsc = screen_main_vsc_at (st);

  if (ri >= 0)
    {
      if (!ui->readers[ri].present)
        {
          ui_status (ui, true, "%s", _("No card in this reader."));
          return UI_REDRAW;
        }
      return screen_main_push (ui, &screen_card_ops,
                                sizeof (screen_card_arg_t),
                                ui->readers[ri].name);
    }
  if (vsc)
    return screen_main_push (ui, &screen_vsc_ops, sizeof (screen_vsc_arg_t),
                                vsc);
  if (st->menu.cur >= st->n_rows)
    return 0;
  switch (st->rows[st->menu.cur].idx)
    {
    case ACT_OPEN:
      screen_ask_input (ui, _("Open a VSC"), _("File name of the VSC:"),
                        NULL, ui->settings.vsc_dir,
                        screen_main_open_done, st);
      return UI_PUSH;
    case ACT_SERVER:
    case ACT_SETTINGS:
    case ACT_LOG:
    case ACT_HELP:
      ui_push (ui, screen_main_action_screen[st->rows[st->menu.cur].idx],
               NULL);
      return UI_PUSH;
    case ACT_QUIT:
      return ui_keys_quit (ui, s);
    }
  return 0;
}

static unsigned
screen_main_backup (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;
  int ri = screen_main_reader_at (st);

  if (ri >= 0 && ui->readers[ri].present)
    {
      ui_status (ui, false, "%s",
                 _("Select what to back up (Space), then press F5."));
      return screen_main_push (ui, &screen_card_ops,
                                sizeof (screen_card_arg_t),
                                ui->readers[ri].name);
    }
  ui_status (ui, true, "%s", _("Choose a reader with a card to back up."));
  return UI_REDRAW;
}

/* The first side of a restore or a comparison, the one under the
 * cursor, into st->pending_a: a card in a reader (its name after
 * CARD_PREFIX) or a VSC. Returns SRC_CARD, SRC_VSC, or 0 after saying
 * NONE on the status line. */
enum { SRC_CARD = 1, SRC_VSC };
static int
screen_main_first_side (ui_t *ui, main_state_t *st, const char *card_prefix,
                        const char *none)
{
  int ri = screen_main_reader_at (st);
  const char *vsc = screen_main_vsc_at (st);

  if (ri >= 0 && ui->readers[ri].present)
    {
      snprintf (st->pending_a, sizeof st->pending_a, "%s%s", card_prefix,
                ui->readers[ri].name);
      return SRC_CARD;
    }
  if (vsc)
    {
      snprintf (st->pending_a, sizeof st->pending_a, "%s", vsc);
      return SRC_VSC;
    }
  ui_status (ui, true, "%s", none);
  return 0;
}

static unsigned
screen_main_restore (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;

  switch (screen_main_first_side (ui, st, "",
                                  _("Choose a card or a VSC to restore.")))
    {
    case SRC_CARD:
      return screen_pick_restore (ui, _("Restore onto this card"),
                                  st->pending_a, NULL, NULL, false);
    case SRC_VSC:
      return screen_pick_restore (ui, _("Restore this VSC"), NULL,
                                  st->pending_a, NULL, false);
    default:
      return UI_REDRAW;
    }
}

static unsigned
screen_main_diff (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;

  if (!screen_main_first_side (ui, st, "card:",
                               _("Choose a card or a VSC to compare.")))
    return UI_REDRAW;
  return screen_pick_diff (ui, _("Compare with"), st->pending_a, NULL);
}

static unsigned
screen_main_insert (ui_t *ui, ui_screen_t *s)
{
  int ri = screen_main_reader_at (s->state);
  gpg_error_t err;

  if (!ui->emu)
    {
      ui_status (ui, true, "%s",
                 _("Insert/remove works only with the emulator (--emu)."));
      return UI_REDRAW;
    }
  if (ri < 0)
    {
      ui_status (ui, true, "%s", _("Choose a reader first."));
      return UI_REDRAW;
    }
  /* The monitor reports the change; the list updates from it. */
  err = backend_emu_toggle (ui, (size_t) ri);
  if (err)
    ui_status (ui, true, "%s", vsc_strerror (err));
  return UI_REDRAW;
}

static const char *
screen_main_insert_label (ui_t *ui, ui_screen_t *s)
{
  (void) s;
  return ui->emu ? _("Insert/Remove") : NULL;
}

static unsigned
screen_main_settings (ui_t *ui, ui_screen_t *s)
{
  (void) s;
  ui_push (ui, &screen_settings_ops, NULL);
  return UI_PUSH;
}

static unsigned
screen_main_refresh (ui_t *ui, ui_screen_t *s)
{
  loop_refresh_readers (ui);
  screen_main_load_vscs (ui, s->state);
  return UI_REDRAW;
}

static unsigned
screen_main_nothing (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  (void) s;
  return UI_HANDLED;        /* Esc on the start screen: nothing to leave */
}

static const ui_key_t screen_main_keys[] = {
  UI_KEY ('\n', KEY_RIGHT, 0, N_("Open"),
          N_("open the card (its tree) or the VSC"), screen_main_open),
  UI_KEY (KEY_F (5), 'b', 0, N_("Backup"),
          N_("back up the card under the cursor"), screen_main_backup),
  UI_KEY (KEY_F (6), 'r', 0, N_("Restore"),
          N_("restore: a VSC onto this card, or this VSC onto a card"),
          screen_main_restore),
  UI_KEY (KEY_F (7), 'd', 0, N_("Diff"), N_("compare two cards or VSCs"),
          screen_main_diff),
  { .key = KEY_F (8), .key2 = 'i', .label_fn = screen_main_insert_label,
    .help = N_("insert or remove the emulated card of this reader (--emu)"),
    .action = screen_main_insert },
  UI_KEY (KEY_F (2), 's', 0, N_("Settings"), N_("settings"),
          screen_main_settings),
  UI_KEY (KEY_F (3), 0, 0, NULL,
          N_("read the readers and the VSC directory again"),
          screen_main_refresh),
  UI_KEY ('q', 0, 0, NULL, N_("leave vscman"), ui_keys_quit),
  UI_KEY (UI_KEY_ESC, 0, 0, NULL, NULL, screen_main_nothing),
  UI_KEYS_END
};

static unsigned
screen_main_event (ui_t *ui, ui_screen_t *s, int ev)
{
  main_state_t *st = s->state;
  if (ev == UI_EV_RESUME)
    {
      screen_main_load_vscs (ui, st);
      return UI_REDRAW;
    }
  if (ev == UI_EV_READERS || ev == UI_EV_RESIZE)
    return UI_REDRAW;
  return 0;
}

static void
screen_main_leave (ui_t *ui, ui_screen_t *s)
{
  main_state_t *st = s->state;
  (void) ui;
  backend_free_list (st->vscs, st->n_vscs);
}

const ui_screen_ops_t screen_main_ops = {
  .name = "main", .enter = screen_main_enter, .draw = screen_main_draw,
  .key = screen_menu_key, .event = screen_main_event,
  .leave = screen_main_leave, .keys = screen_main_keys,
  .state_size = sizeof (main_state_t),
  .help = N_("Start screen: readers and cards (live), the VSCs of the VSC\n"
             "directory and the recent ones, then the actions.")
};
