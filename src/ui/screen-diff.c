/* screen-diff.c - two images side by side (VSC vs card, VSC vs VSC,
 * card vs card), node by node */
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

typedef struct {
  screen_list_t list;      /* first: the list view; there once compared */
  image_t *a_owned, *b;
  const image_t *a;
  image_diff_t *diff;
  bool same;
} diff_state_t;

static void
screen_diff_compute (ui_t *ui, ui_screen_t *s)
{
  diff_state_t *st = s->state;
  gpg_error_t err = scapi_diff (st->a, st->b, &st->diff);
  if (err)
    {
      screen_error (ui, err, scapi_last_error_text (), _("Compare"));
      s->close_on_resume = true;
      return;
    }
  screen_list_set (&st->list, st->diff->n);
  st->same = !st->diff->n;
}

/* A (unless the card screen gave it), then B: each loaded image comes
 * here; without one (cancelled, not readable) the screen closes. */
static void
screen_diff_loaded (ui_t *ui, void *ctx, image_t *image, const char *spec)
{
  ui_screen_t *s = ctx;
  screen_diff_arg_t *a = s->arg;
  diff_state_t *st = s->state;
  (void) spec;
  if (!image)
    s->close_on_resume = true;
  else if (!st->a)
    {
      st->a_owned = image;
      st->a = image;
      screen_load_image (ui, a->b, screen_diff_loaded, s);
    }
  else
    {
      st->b = image;
      screen_diff_compute (ui, s);
    }
}

static gpg_error_t
screen_diff_enter (ui_t *ui, ui_screen_t *s)
{
  screen_diff_arg_t *a = s->arg;
  diff_state_t *st = s->state;

  if (!strcmp (a->a, a->b))
    {
      ui_status (ui, true, "%s", _("Choose two different sources to compare."));
      return gpg_error (GPG_ERR_CANCELED);
    }
  st->a = a->image_a;
  screen_load_image (ui, st->a ? a->b : a->a, screen_diff_loaded, s);
  return 0;
}

static void
screen_diff_side (const image_node_t *n, char *buf, size_t len)
{
  if (!n)
    snprintf (buf, len, "%s", "-");
  else
    snprintf (buf, len, "%s %zu%s", image_type_name (n->type),
              n->has_content ? n->content_len : n->size,
              n->has_content ? "" : "?");
}

static void
screen_diff_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                  bool sel)
{
  diff_state_t *st = ctx;
  image_change_t *c = &st->diff->changes[idx];
  char left[64], right[64], what[128] = "";
  int attr = draw_row_attr (ui, sel);
  int pw = w - 2 - 2 * 22 - 12;

  screen_diff_side (c->a, left, sizeof left);
  screen_diff_side (c->b, right, sizeof right);
  for (unsigned bit = 1; bit <= IMAGE_DIFF_AID; bit <<= 1)
    if ((c->what & bit) && image_diff_what_name (bit))
      {
        size_t l = strlen (what);
        snprintf (what + l, sizeof what - l, "%s%s", l ? "," : "",
                  image_diff_what_name (bit));
      }
  if (pw < 20)
    pw = 20;
  draw_textf (ui, y, x, w, attr, " %-*.*s %-21.21s %-21.21s %-8s %s", pw, pw,
              c->path, left, right, image_change_kind_name (c->kind), what);
}

static void
screen_diff_draw (ui_t *ui, ui_screen_t *s)
{
  screen_diff_arg_t *a = s->arg;
  diff_state_t *st = s->state;
  int pw = ui->cols - 2 - 2 * 22 - 12;

  draw_screen (ui, s, _("Compare"));
  draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("A: %s%s"), a->a,
              st->a && st->a->unverified ? _(" (not verified)") : "");
  draw_textf (ui, 2, 1, ui->cols - 2, A_NORMAL, _("B: %s%s"), a->b,
              st->b && st->b->unverified ? _(" (not verified)") : "");
  if (!st->diff)
    {
      draw_text (ui, 4, 1, ui->cols - 2, A_NORMAL, _("Loading..."));
      return;
    }
  if (st->same)
    {
      draw_text (ui, 4, 1, ui->cols - 2, draw_attr (ui, DRAW_OK),
                 _("No differences: both hold the same nodes and content."));
      return;
    }
  draw_textf (ui, 3, 1, ui->cols - 2, A_BOLD, _("%zu differences%s"),
              st->diff->n,
              st->diff->identity_changed ? _("; the card identity (ATR, serial, AIDs) differs") : "");
  if (pw < 20)
    pw = 20;
  screen_list_draw (ui, &st->list, 4, screen_diff_item, st,
                    " %-*s %-21s %-21s %-8s %s", pw, _("Node"), "A", "B",
                    _("Change"), _("What"));
}

static void
screen_diff_leave (ui_t *ui, ui_screen_t *s)
{
  diff_state_t *st = s->state;
  (void) ui;
  image_diff_free (st->diff);
  image_free (st->a_owned);
  image_free (st->b);
}

const ui_screen_ops_t screen_diff_ops = {
  .name = "diff", .enter = screen_diff_enter, .draw = screen_diff_draw,
  .key = screen_list_key,
  .leave = screen_diff_leave, .state_size = sizeof (diff_state_t),
  .help = N_("The differences of two cards or VSCs, node by node: added (only in\n"
             "B), removed (only in A) or changed (type, size, content, FCP, access,\n"
             "area, flags, key, AID). Sizes with ? were not read.")
};
