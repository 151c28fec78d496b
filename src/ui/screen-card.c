/* screen-card.c - a card's discovered tree (DF/EF/DO/record/key with
 * size, access, area, source, "not extractable"), `/` search, select
 * for backup, view content as hex + ASCII or decoded TLV */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
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
  screen_discover_job_t job;
  image_t *image;
  widget_tree_t tree;
  bool have_tree;
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
  err = widget_tree_init (&st->tree, st->image, true);
  if (err)
    ui_status (ui, true, "%s", vsc_strerror (err));
  else
    st->have_tree = true;
}

static gpg_error_t
screen_card_enter (ui_t *ui, ui_screen_t *s)
{
  screen_card_arg_t *a = s->arg;
  card_state_t *st = xtrycalloc (1, sizeof *st);
  if (!st)
    return gpg_error_from_syserror ();
  s->state = st;
  st->job.ui = ui;
  snprintf (st->job.reader, sizeof st->job.reader, "%s", a->reader);
  screen_run_task (ui, _("Reading the card"), screen_discover_job, &st->job,
                   screen_card_discovered, st);
  return 0;
}

static void
screen_card_draw (ui_t *ui, ui_screen_t *s)
{
  static const char *keys[16];
  screen_card_arg_t *a = s->arg;
  card_state_t *st = s->state;
  char title[300], atr[80] = "";
  size_t bytes = 0, nodes = 0;
  int k = 0;

  keys[k++] = "Enter"; keys[k++] = _("View");
  keys[k++] = "Space"; keys[k++] = _("Select");
  keys[k++] = "/"; keys[k++] = _("Search");
  keys[k++] = "F5"; keys[k++] = _("Backup");
  keys[k++] = "F6"; keys[k++] = _("Restore");
  keys[k++] = "F7"; keys[k++] = _("Diff");
  keys[k++] = "Esc"; keys[k++] = _("Back");
  keys[k] = NULL;
  snprintf (title, sizeof title, _("Card in %s"), a->reader);
  draw_screen (ui, title, keys);
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
              st->have_tree ? widget_tree_count_selected (&st->tree) : 0);
  if (st->failed)
    draw_text (ui, 4, 1, ui->cols - 2, draw_attr (ui, DRAW_ERROR), st->error);
  else if (!st->have_tree)
    draw_text (ui, 4, 1, ui->cols - 2, A_NORMAL, _("Reading the card..."));
  else
    widget_tree_draw (ui, &st->tree, 3, 0, ui->rows - 5, ui->cols);
}

static void
screen_card_restore_picked (ui_t *ui, void *ctx, char *spec)
{
  ui_screen_t *s = ctx;
  screen_card_arg_t *ca = s->arg;
  screen_restore_arg_t *a;
  if (!spec)
    return;
  a = xtrycalloc (1, sizeof *a);
  if (a)
    {
      snprintf (a->reader, sizeof a->reader, "%s", ca->reader);
      snprintf (a->vsc_path, sizeof a->vsc_path, "%s", spec);
      ui_push (ui, UI_SCREEN_RESTORE, a);
    }
  xfree (spec);
}

static void
screen_card_diff_picked (ui_t *ui, void *ctx, char *spec)
{
  ui_screen_t *s = ctx;
  card_state_t *st = s->state;
  screen_card_arg_t *ca = s->arg;
  screen_diff_arg_t *a;
  if (!spec)
    return;
  a = xtrycalloc (1, sizeof *a);
  if (a)
    {
      snprintf (a->a, sizeof a->a, "card:%s", ca->reader);
      snprintf (a->b, sizeof a->b, "%s", spec);
      a->image_a = st->image;
      ui_push (ui, UI_SCREEN_DIFF, a);
    }
  xfree (spec);
}

static unsigned
screen_card_key (ui_t *ui, ui_screen_t *s, int ch)
{
  card_state_t *st = s->state;
  screen_card_arg_t *ca = s->arg;
  unsigned r;

  if (!st->have_tree)
    return 0;
  r = widget_tree_key (ui, &st->tree, ch);
  if (r)
    return r;
  if (ui_key_is_enter (ch))
    {
      image_node_t *node = widget_tree_current (&st->tree);
      if (node && !screen_view_push (ui, node))
        return UI_HANDLED | UI_PUSH;
      return UI_HANDLED | UI_REDRAW;
    }
  switch (ch)
    {
    case KEY_F (5):
    case 'b':
      {
        screen_backup_arg_t *a;
        bool all;
        gpg_error_t err;
        if (!widget_tree_count_selected (&st->tree))
          {
            ui_status (ui, true, "%s", _("Nothing selected (Space selects, a selects all)."));
            return UI_HANDLED | UI_REDRAW;
          }
        a = xtrycalloc (1, sizeof *a);
        if (!a)
          return UI_HANDLED;
        err = widget_tree_selection (&st->tree, &a->select, &a->n_select, &all);
        if (err)
          {
            xfree (a);
            ui_status (ui, true, "%s", vsc_strerror (err));
            return UI_HANDLED | UI_REDRAW;
          }
        snprintf (a->reader, sizeof a->reader, "%s", ca->reader);
        snprintf (a->label, sizeof a->label, "%.63s",
                  st->job.info.label[0] ? st->job.info.label
                  : st->job.info.serial[0] ? st->job.info.serial
                  : st->job.info.n_agents ? st->job.info.agents[0] : "card");
        a->image = st->image;
        ui_push (ui, UI_SCREEN_BACKUP, a);
        return UI_HANDLED | UI_PUSH;
      }
    case KEY_F (6):
    case 'r':
      screen_pick_source (ui, _("Restore onto this card"), false, true,
                          screen_card_restore_picked, s);
      return UI_HANDLED | UI_PUSH;
    case KEY_F (7):
    case 'd':
      screen_pick_source (ui, _("Compare this card with"), true, true,
                          screen_card_diff_picked, s);
      return UI_HANDLED | UI_PUSH;
    default:
      return 0;
    }
}

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
  if (st)
    {
      if (st->have_tree)
        widget_tree_free (&st->tree);
      image_free (st->image);   /* wipes content */
      image_free (st->job.image);
      xfree (st);
    }
  xfree (s->arg);
}

const ui_screen_ops_t screen_card_ops = {
  "card", screen_card_enter, screen_card_draw, screen_card_key,
  screen_card_event, screen_card_leave,
  N_("The card's tree as the agents discovered it: type, size, read access,\n"
     "VSC area, where it was found (source) and flags. Keys, files and data\n"
     "objects that cannot be read are marked; keys generated on the card are\n"
     "\"not extractable\": regenerate or re-import them after a restore.\n"
     "Enter views the content (Tab: hex or TLV). Space selects nodes for the\n"
     "backup (F5/b); F6/r restores a VSC onto this card; F7/d compares.")
};
