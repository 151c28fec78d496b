/* screen-card.c - a card's discovered tree (DF/EF/DO/record/key with
 * size, access, area, source, "not extractable"), `/` search, select
 * for backup, view content as hex + ASCII or decoded TLV */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/hex.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

typedef struct {
  screen_tree_t view;          /* first: the tree view's state */
  screen_discover_job_t job;
  image_t *image;
  bool failed;
  char error[512];
  char diff_a[160];
} card_state_t;

static void
screen_card_discovered (ui_t *ui, void *ctx, gpg_error_t err,
                        const char *text)
{
  card_state_t *st = ctx;
  if (err)
    {
      st->failed = true;
      snprintf (st->error, sizeof st->error, "%s",
                text && *text ? text : vsc_strerror (err));
      screen_error (ui, err, text, _("Reading the card"));
      image_free (st->job.image);
      st->job.image = NULL;
      return;
    }
  st->image = st->job.image;
  st->job.image = NULL;
  err = screen_tree_set (&st->view, st->image, true);
  if (err)
    ui_status (ui, true, "%s", vsc_strerror (err));
}

static gpg_error_t
screen_card_enter (ui_t *ui, ui_screen_t *s)
{
  screen_card_arg_t *a = s->arg;
  card_state_t *st = s->state;

  st->job.ui = ui;
  snprintf (st->job.reader, sizeof st->job.reader, "%s", a->reader);
  screen_run_task (ui, _("Reading the card"), screen_discover_job, &st->job,
                   screen_card_discovered, st);
  return 0;
}

static void
screen_card_draw (ui_t *ui, ui_screen_t *s)
{
  screen_card_arg_t *a = s->arg;
  card_state_t *st = s->state;
  char title[300], atr[80] = "";
  size_t bytes = 0, nodes = 0;

  snprintf (title, sizeof title, _("Card in %s"), a->reader);
  draw_screen (ui, s, title);
  if (st->job.info.atr_len)
    hex_encode (st->job.info.atr,
                st->job.info.atr_len > 36 ? 36 : st->job.info.atr_len, atr);
  if (st->image)
    nodes = image_count_nodes (st->image, &bytes);
  {
    char agents[160] = "";
    for (size_t i = 0; i < st->job.info.n_agents && i < 8; i++)
      {
        size_t l = strlen (agents);
        snprintf (agents + l, sizeof agents - l, "%s%s", i ? "+" : "",
                  st->job.info.agents[i]);
      }
    draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("Type: %s  Label: %s  Serial: %s"),
                agents[0] ? agents : "-", st->job.info.label[0] ? st->job.info.label : "-",
                st->job.info.serial[0] ? st->job.info.serial : "-");
  }
  draw_textf (ui, 2, 1, ui->cols - 2, A_NORMAL, _("ATR %s   %zu nodes, %zu bytes, %zu selected"),
              atr[0] ? atr : "-", nodes, bytes,
              st->view.have ? widget_tree_count_selected (&st->view.tree) : 0);
  if (st->failed)
    draw_text (ui, 4, 1, ui->cols - 2, draw_attr (ui, DRAW_ERROR), st->error);
  else if (!st->view.have)
    draw_text (ui, 4, 1, ui->cols - 2, A_NORMAL, _("Reading the card..."));
  else
    screen_tree_draw (ui, &st->view, 3);
}

static void
screen_card_restore_picked (ui_t *ui, void *ctx, char *spec)
{
  ui_screen_t *s = ctx;
  screen_card_arg_t *ca = s->arg;

  if (spec)
    screen_push_restore (ui, ca->reader, spec, NULL, false);
  xfree (spec);
}

static void
screen_card_diff_picked (ui_t *ui, void *ctx, char *spec)
{
  ui_screen_t *s = ctx;
  card_state_t *st = s->state;
  screen_card_arg_t *ca = s->arg;
  char a[160];

  if (spec)
    {
      snprintf (a, sizeof a, "card:%s", ca->reader);
      screen_push_diff (ui, a, spec, st->image);
    }
  xfree (spec);
}

static unsigned
screen_card_backup (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  screen_card_arg_t *ca = s->arg;
  screen_backup_arg_t *a;
  bool all;
  gpg_error_t err;

  if (!widget_tree_count_selected (&st->view.tree))
    {
      ui_status (ui, true, "%s", _("Nothing selected (Space selects, a selects all)."));
      return UI_REDRAW;
    }
  a = xtrycalloc (1, sizeof *a);
  if (!a)
    return UI_HANDLED;
  err = widget_tree_selection (&st->view.tree, &a->select, &a->n_select, &all);
  if (err)
    {
      xfree (a);
      ui_status (ui, true, "%s", vsc_strerror (err));
      return UI_REDRAW;
    }
  snprintf (a->reader, sizeof a->reader, "%s", ca->reader);
  snprintf (a->label, sizeof a->label, "%.63s",
            st->job.info.label[0] ? st->job.info.label
            : st->job.info.serial[0] ? st->job.info.serial
            : st->job.info.n_agents ? st->job.info.agents[0] : "card");
  a->image = st->image;
  ui_push (ui, &screen_backup_ops, a);
  return UI_PUSH;
}

static unsigned
screen_card_restore (ui_t *ui, ui_screen_t *s)
{
  screen_pick_source (ui, _("Restore onto this card"), false, true,
                      screen_card_restore_picked, s);
  return UI_PUSH;
}

static unsigned
screen_card_diff (ui_t *ui, ui_screen_t *s)
{
  screen_pick_source (ui, _("Compare this card with"), true, true,
                      screen_card_diff_picked, s);
  return UI_PUSH;
}

static unsigned
screen_card_mode (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  return screen_tree_mode (s);
}

static const ui_key_t screen_card_keys[] = {
  SCREEN_TREE_KEYS,             /* first: Enter View, Space, / */
  UI_KEY (KEY_F (5), 'b', UI_MODE_TREE, N_("Backup"),
          N_("back up the selected nodes into a new VSC"), screen_card_backup),
  UI_KEY (KEY_F (6), 'r', UI_MODE_TREE, N_("Restore"),
          N_("restore a VSC onto this card"), screen_card_restore),
  UI_KEY (KEY_F (7), 'd', UI_MODE_TREE, N_("Diff"),
          N_("compare this card with a card or VSC"), screen_card_diff),
  UI_KEYS_END
};

static unsigned
screen_card_event (ui_t *ui, ui_screen_t *s, int ev)
{
  screen_card_arg_t *a = s->arg;
  if (ev == UI_EV_READERS)
    {
      for (size_t i = 0; i < ui->n_readers; i++)
        if (!strcmp (ui->readers[i].name, a->reader) && !ui->readers[i].present)
          ui_status (ui, true, "%s", _("The card was removed; the tree shows what was read."));
      return UI_REDRAW;
    }
  return ev == UI_EV_RESUME || ev == UI_EV_RESIZE ? UI_REDRAW : 0;
}

static void
screen_card_leave (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  (void) ui;
  screen_tree_free (&st->view);
  image_free (st->image);   /* wipes content */
  image_free (st->job.image);
}

const ui_screen_ops_t screen_card_ops = {
  .name = "card", .enter = screen_card_enter, .draw = screen_card_draw,
  .key = screen_tree_key, .event = screen_card_event,
  .leave = screen_card_leave, .keys = screen_card_keys,
  .mode = screen_card_mode, .state_size = sizeof (card_state_t),
  .help = N_("The card's tree as the agents discovered it: type, size, read\n"
             "access, VSC area, where it was found and flags. Keys generated on\n"
             "the card are \"not extractable\": regenerate or re-import them after\n"
             "a restore. Everything is selected for the backup at first.")
};
