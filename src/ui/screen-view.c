/* screen-view.c - a node's content as hex + ASCII or as decoded BER-TLV
 * (Tab switches); the copy is kept in secure memory and wiped. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/array.h"
#include "common/tlv.h"
#include "common/hex.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/screens.h"

typedef struct {
  bool tlv;
  char **lines;
  size_t n, cap;
  size_t top;
  bool tlv_ok;
} view_state_t;

static gpg_error_t
view_add (view_state_t *st, const char *line)
{
  gpg_error_t err = ARRAY_GROW (st->lines, st->cap, st->n, 64);

  if (err)
    return err;
  st->lines[st->n] = xtrystrdup (line);
  if (!st->lines[st->n])
    return gpg_error_from_syserror ();
  st->n++;
  return 0;
}

static void
view_clear (view_state_t *st)
{
  for (size_t i = 0; i < st->n; i++)
    {
      wipememory (st->lines[i], strlen (st->lines[i]));
      xfree (st->lines[i]);
    }
  st->n = 0;
  st->top = 0;
}

static gpg_error_t
view_hex (view_state_t *st, const uint8_t *p, size_t n)
{
  gpg_error_t err = 0;
  char line[100];
  if (!n)
    return view_add (st, _("(empty)"));
  for (size_t off = 0; off < n && !err; off += 16)
    {
      size_t k = 0, l = n - off < 16 ? n - off : 16;
      k += (size_t) snprintf (line + k, sizeof line - k, "%06zx  ", off);
      for (size_t i = 0; i < 16; i++)
        k += (size_t) snprintf (line + k, sizeof line - k, i < l ? "%02X " : "   ",
                                i < l ? p[off + i] : 0);
      k += (size_t) snprintf (line + k, sizeof line - k, " ");
      for (size_t i = 0; i < l; i++)
        line[k++] = (char) (p[off + i] >= 0x20 && p[off + i] < 0x7f ? p[off + i] : '.');
      line[k] = 0;
      err = view_add (st, line);
    }
  wipememory (line, sizeof line);
  return err;
}

static gpg_error_t
view_tlv (view_state_t *st, const uint8_t *p, size_t n, unsigned depth)
{
  tlv_iter_t it;
  tlv_t t;
  gpg_error_t err;
  char line[200];

  if (depth > 12)
    return gpg_error (GPG_ERR_TOO_LARGE);
  tlv_iter_init (&it, p, n, TLV_SKIP_PADDING);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      int k = snprintf (line, sizeof line, "%*s%X  (%zu)", (int) depth * 2, "",
                        t.tag, t.len);
      if (t.constructed)
        {
          err = view_add (st, line);
          if (!err)
            err = view_tlv (st, t.value, t.len, depth + 1);
        }
      else
        {
          bool printable = t.len > 0;
          for (size_t i = 0; i < t.len; i++)
            if (t.value[i] < 0x20 || t.value[i] >= 0x7f)
              printable = false;
          for (size_t i = 0; i < t.len && (size_t) k < sizeof line - 40; i++)
            k += snprintf (line + k, sizeof line - (size_t) k, i ? " %02X" : "  %02X",
                           t.value[i]);
          if ((size_t) k >= sizeof line - 40 && t.len)
            k += snprintf (line + k, sizeof line - (size_t) k, " ...");
          if (printable)
            snprintf (line + k, sizeof line - (size_t) k, "  \"%.*s\"",
                      (int) (t.len > 30 ? 30 : t.len), (const char *) t.value);
          err = view_add (st, line);
        }
      if (err)
        break;
    }
  wipememory (line, sizeof line);
  return gpg_err_code (err) == GPG_ERR_EOF ? 0 : err;
}

static gpg_error_t
view_build (view_state_t *st, screen_view_arg_t *a)
{
  gpg_error_t err;
  view_clear (st);
  if (!st->tlv)
    return view_hex (st, a->data, a->len);
  err = view_tlv (st, a->data, a->len, 0);
  if (err)
    {
      view_clear (st);
      view_add (st, _("The content is not valid BER-TLV; showing hex."));
      st->tlv_ok = false;
      return view_hex (st, a->data, a->len);
    }
  return 0;
}

static gpg_error_t
screen_view_enter (ui_t *ui, ui_screen_t *s)
{
  view_state_t *st = s->state;
  (void) ui;
  st->tlv_ok = true;
  return view_build (st, s->arg);
}

static void
screen_view_draw (ui_t *ui, ui_screen_t *s)
{
  screen_view_arg_t *a = s->arg;
  view_state_t *st = s->state;
  int y = 1, h;
  const char *p = a->info;
  char line[256];

  draw_screen (ui, s, a->title);
  while (y < 5 && draw_next_line (&p, line, sizeof line))
    draw_text (ui, y++, 1, ui->cols - 2, A_NORMAL, line);
  draw_hline (ui, y++, 0, ui->cols);
  draw_textf (ui, y++, 1, ui->cols - 2, A_BOLD, "%s, %zu %s",
              st->tlv ? _("Decoded TLV") : _("Hex and ASCII"), a->len,
              _("bytes"));
  h = ui->rows - 2 - y;
  if (st->top + (size_t) h > st->n)
    st->top = st->n > (size_t) h ? st->n - (size_t) h : 0;
  for (int i = 0; i < h && st->top + (size_t) i < st->n; i++)
    draw_text (ui, y + i, 1, ui->cols - 2, A_NORMAL, st->lines[st->top + (size_t) i]);
}

static unsigned
screen_view_toggle (ui_t *ui, ui_screen_t *s)
{
  view_state_t *st = s->state;
  gpg_error_t err;

  st->tlv = !st->tlv;
  err = view_build (st, s->arg);
  if (err)
    ui_status (ui, true, "%s", vsc_strerror (err));
  return UI_REDRAW;
}

static const ui_key_t screen_view_keys[] = {
  { .key = '\t', .key2 = 't', .label = N_("TLV"), .label_on = N_("Hex"),
    .flag = UI_FLAG (view_state_t, tlv),
    .help = N_("hex and ASCII, or decoded TLV"), .action = screen_view_toggle },
  UI_KEYS_END
};

/* Scrolling (the arrows, j/k, PgUp/PgDn, Space, g/G, Home/End). */
static unsigned
screen_view_key (ui_t *ui, ui_screen_t *s, int ch)
{
  view_state_t *st = s->state;
  size_t page = (size_t) (ui->rows > 12 ? ui->rows - 10 : 1);

  if (!ui_key_scroll (ch, &st->top, page, st->n))
    return 0;
  return UI_HANDLED | UI_REDRAW;
}

static void
screen_view_leave (ui_t *ui, ui_screen_t *s)
{
  screen_view_arg_t *a = s->arg;
  view_state_t *st = s->state;
  (void) ui;
  view_clear (st);
  xfree (st->lines);
  if (a)
    xfree_secure (a->data);
}

gpg_error_t
screen_view_push (ui_t *ui, const image_node_t *node)
{
  screen_view_arg_t *a;
  char *path, desc[200], state[300];

  if (!node->has_content)
    {
      if (node->flags & IMAGE_FLAG_NOT_EXTRACTABLE)
        ui_status (ui, true, "%s", _("Not extractable: regenerate or re-import this key."));
      else if (node->flags & IMAGE_FLAG_UNREADABLE)
        ui_status (ui, true, _("Not read: %s"), sw_describe (node->sw));
      else
        ui_status (ui, true, "%s", _("No content (not read)."));
      return gpg_error (GPG_ERR_NO_DATA);
    }
  a = xtrycalloc (1, sizeof *a);
  if (!a)
    return gpg_error_from_syserror ();
  a->data = xtrymalloc_secure (node->content_len ? node->content_len : 1);
  if (!a->data)
    {
      xfree (a);
      return gpg_error_from_syserror ();
    }
  memcpy (a->data, node->content, node->content_len);
  a->len = node->content_len;
  path = image_node_path (node);
  snprintf (a->title, sizeof a->title, "%s", path ? path : "?");
  widget_tree_describe (node, desc, sizeof desc);
  image_node_state_text (node, state, sizeof state);
  snprintf (a->info, sizeof a->info, "%s\n%s%s%s%s%s", desc, state,
            *state && node->note ? "; " : "", node->note ? node->note : "",
            node->agent ? "  agent: " : "", node->agent ? node->agent : "");
  xfree (path);
  ui_push (ui, &screen_view_ops, a);
  return 0;
}

const ui_screen_ops_t screen_view_ops = {
  .name = "view", .enter = screen_view_enter, .draw = screen_view_draw,
  .key = screen_view_key, .leave = screen_view_leave,
  .keys = screen_view_keys, .state_size = sizeof (view_state_t),
  .help = N_("The content of one node, as hex and ASCII or as decoded BER-TLV\n"
             "(tags, lengths, nesting). Secret content is wiped when you leave.")
};
