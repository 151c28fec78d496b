/* screen-tree.c - the one tree view of the card and VSC screens (as
 * tmux's mode-tree.c serves its modes): the image as a tree under the
 * screen's header lines, the keys that work on it (move, open/close,
 * search, select, Enter views a node), and the steps both screens share
 * after a pick (restore, compare).
 *
 * A screen that shows a tree puts a screen_tree_t first in its state,
 * uses screen_tree_key as its key hook and includes screen_tree_keys at
 * the end of its key table. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

gpg_error_t
screen_tree_set (screen_tree_t *t, const image_t *image, bool selectable)
{
  screen_tree_free (t);
  if (!image)
    return 0;
  if (widget_tree_init (&t->tree, image, selectable))
    return gpg_error_from_syserror ();
  t->have = true;
  return 0;
}

gpg_error_t
screen_tree_rebuild (screen_tree_t *t, const image_t *image)
{
  if (!t->have)
    return screen_tree_set (t, image, true);
  return widget_tree_rebuild (&t->tree, image);
}

void
screen_tree_free (screen_tree_t *t)
{
  if (t->have)
    widget_tree_free (&t->tree);
  t->have = false;
}

void
screen_tree_draw (ui_t *ui, screen_tree_t *t, int y)
{
  if (t->have)
    widget_tree_draw (ui, &t->tree, y, 0, ui->rows - 2 - y, ui->cols);
}

image_node_t *
screen_tree_current (screen_tree_t *t)
{
  return t->have ? widget_tree_current (&t->tree) : NULL;
}

/* The key hook: the search field while it has focus, then moving. */
unsigned
screen_tree_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_tree_t *t = s->state;
  unsigned r;

  if (!t->have)
    return 0;
  r = widget_tree_search_key (ui, &t->tree, ch);
  if (!r)
    r = widget_menu_key (&t->tree.menu, ch);
  return r;
}

unsigned
screen_tree_mode (ui_screen_t *s)
{
  screen_tree_t *t = s->state;
  if (!t->have)
    return 0;
  return UI_MODE_TREE | (t->tree.selectable ? UI_MODE_SELECT : 0);
}

static unsigned
screen_tree_view (ui_t *ui, ui_screen_t *s)
{
  image_node_t *node = screen_tree_current (s->state);

  if (node && !screen_view_push (ui, node))
    return UI_PUSH;
  return UI_REDRAW;
}

static unsigned
screen_tree_search (ui_t *ui, ui_screen_t *s)
{
  screen_tree_t *t = s->state;
  (void) ui;
  widget_tree_search_start (&t->tree);
  return UI_REDRAW;
}

static unsigned
screen_tree_next (ui_t *ui, ui_screen_t *s)
{
  screen_tree_t *t = s->state;
  if (!widget_tree_search_next (&t->tree))
    ui_status (ui, true, _("Not found: %s"), t->tree.search);
  return UI_REDRAW;
}

#define SCREEN_TREE_OP(name, fn)                                 \
  static unsigned                                                \
  screen_tree_##name (ui_t *ui, ui_screen_t *s)                  \
  {                                                              \
    (void) ui;                                                   \
    fn (&((screen_tree_t *) s->state)->tree);                    \
    return UI_REDRAW;                                            \
  }
SCREEN_TREE_OP (open, widget_tree_open)
SCREEN_TREE_OP (close, widget_tree_close)
SCREEN_TREE_OP (open_all, widget_tree_open_all)
SCREEN_TREE_OP (toggle, widget_tree_toggle)
SCREEN_TREE_OP (toggle_all, widget_tree_toggle_all)

const ui_key_t screen_tree_keys[] = {
  UI_KEY ('\n', 0, UI_MODE_TREE, N_("View"),
          N_("view the node's content (hex or TLV)"), screen_tree_view),
  UI_KEY (' ', 0, UI_MODE_SELECT, N_("Select"),
          N_("select or deselect the node and what is below"),
          screen_tree_toggle),
  UI_KEY ('a', 0, UI_MODE_SELECT, NULL, N_("select everything, or nothing"),
          screen_tree_toggle_all),
  UI_KEY ('/', 0, UI_MODE_TREE, N_("Search"),
          N_("search node names and notes"), screen_tree_search),
  UI_KEY ('n', 0, UI_MODE_TREE, NULL, N_("the next match"), screen_tree_next),
  UI_KEY (KEY_RIGHT, 'l', UI_MODE_TREE, NULL, N_("open the node"),
          screen_tree_open),
  UI_KEY (KEY_LEFT, 'h', UI_MODE_TREE, NULL,
          N_("close the node, or go to its parent"), screen_tree_close),
  UI_KEY ('+', 0, UI_MODE_TREE, NULL, NULL, screen_tree_open),
  UI_KEY ('-', 0, UI_MODE_TREE, NULL, NULL, screen_tree_close),
  UI_KEY ('*', 0, UI_MODE_TREE, NULL, N_("open everything"),
          screen_tree_open_all),
  UI_KEYS_END
};

/* ---- after a pick: the steps the start, card and VSC screens share ---- */

void
screen_push_restore (ui_t *ui, const char *reader, const char *vsc_path,
                     void *vsc, bool keys_only)
{
  screen_restore_arg_t *a = ui_push_new (ui, &screen_restore_ops,
                                         sizeof *a);

  if (!a)
    return;
  snprintf (a->reader, sizeof a->reader, "%.127s", reader);
  snprintf (a->vsc_path, sizeof a->vsc_path, "%s", vsc_path);
  a->vsc = vsc;
  a->keys_only = keys_only;
}

void
screen_push_diff (ui_t *ui, const char *spec_a, const char *spec_b,
                  const image_t *image_a)
{
  screen_diff_arg_t *a = ui_push_new (ui, &screen_diff_ops, sizeof *a);

  if (!a)
    return;
  snprintf (a->a, sizeof a->a, "%s", spec_a);
  snprintf (a->b, sizeof a->b, "%s", spec_b);
  a->image_a = image_a;
}

/* The side a pick is for: a restore from a VSC (VSC_PATH, VSC) onto the
 * card picked, onto READER from the VSC picked, or a comparison of
 * SPEC_A (IMAGE_A) with what is picked. */
typedef struct {
  bool diff;
  char reader[128];
  char vsc_path[1024];
  void *vsc;                   /* borrowed from the screen below */
  bool keys_only;
  const image_t *image_a;      /* borrowed from the screen below */
} screen_tree_pick_t;

static void
screen_tree_picked (ui_t *ui, void *ctx, char *spec)
{
  screen_tree_pick_t *p = ctx;

  if (spec && p->diff)
    screen_push_diff (ui, p->vsc_path, spec, p->image_a);
  else if (spec && p->reader[0])
    screen_push_restore (ui, p->reader, spec, NULL, false);
  else if (spec && !strncmp (spec, "card:", 5))
    screen_push_restore (ui, spec + 5, p->vsc_path, p->vsc, p->keys_only);
  xfree (spec);
  xfree (p);
}

static unsigned
screen_tree_pick (ui_t *ui, const char *title, bool cards, bool vscs,
                  screen_tree_pick_t *p)
{
  if (!p)
    {
      ui_status (ui, true, "%s", _("out of memory"));
      return UI_REDRAW;
    }
  return screen_pick_source (ui, title, cards, vscs, screen_tree_picked, p);
}

unsigned
screen_pick_restore (ui_t *ui, const char *title, const char *reader,
                     const char *vsc_path, void *vsc, bool keys_only)
{
  screen_tree_pick_t *p = xtrycalloc (1, sizeof *p);

  if (p)
    {
      snprintf (p->reader, sizeof p->reader, "%s", reader ? reader : "");
      snprintf (p->vsc_path, sizeof p->vsc_path, "%s",
                vsc_path ? vsc_path : "");
      p->vsc = vsc;
      p->keys_only = keys_only;
    }
  return screen_tree_pick (ui, title, !reader, !!reader, p);
}

unsigned
screen_pick_diff (ui_t *ui, const char *title, const char *spec_a,
                  const image_t *image_a)
{
  screen_tree_pick_t *p = xtrycalloc (1, sizeof *p);

  if (p)
    {
      p->diff = true;
      snprintf (p->vsc_path, sizeof p->vsc_path, "%s", spec_a);
      p->image_a = image_a;
    }
  return screen_tree_pick (ui, title, true, true, p);
}
