/* widget-field.c - a one-line text field; no-echo fields for passwords
 * and PINs keep their bytes in libgcrypt secure memory and wipe them. */
#include <config.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"

gpg_error_t
widget_field_init (widget_field_t *f, size_t cap, bool noecho,
                   const char *initial)
{
  f->noecho = noecho;
  f->cap = cap;
  f->len = 0;
  f->buf = noecho ? xtrymalloc_secure (cap + 1) : xtrymalloc (cap + 1);
  if (!f->buf)
    return gpg_error_from_syserror ();
  f->buf[0] = 0;
  if (initial)
    {
      size_t n = strlen (initial);
      if (n > cap)
        n = cap;
      memcpy (f->buf, initial, n);
      f->buf[n] = 0;
      f->len = n;
    }
  return 0;
}

void
widget_field_clear (widget_field_t *f)
{
  if (f->buf)
    {
      wipememory (f->buf, f->cap + 1);
      f->buf[0] = 0;
    }
  f->len = 0;
}

void
widget_field_free (widget_field_t *f)
{
  if (!f->buf)
    return;
  wipememory (f->buf, f->cap + 1);
  if (f->noecho)
    xfree_secure (f->buf);
  else
    xfree (f->buf);
  f->buf = NULL;
  f->len = 0;
}

unsigned
widget_field_key (widget_field_t *f, int ch)
{
  if (!f->buf)
    return 0;
  if (ch == KEY_BACKSPACE || ch == 127 || ch == 8)
    {
      /* Remove one character (all continuation bytes of UTF-8). */
      while (f->len > 0)
        {
          unsigned char c = (unsigned char) f->buf[--f->len];
          f->buf[f->len] = 0;
          if ((c & 0xC0) != 0x80)
            break;
        }
      return UI_HANDLED | UI_REDRAW;
    }
  if (ch == UI_CTRL ('u'))
    {
      widget_field_clear (f);
      return UI_HANDLED | UI_REDRAW;
    }
  if (ch >= 0x20 && ch < 0x100 && ch != 127)
    {
      if (f->len < f->cap)
        {
          f->buf[f->len++] = (char) ch;
          f->buf[f->len] = 0;
        }
      return UI_HANDLED | UI_REDRAW;
    }
  return 0;
}

void
widget_field_draw (ui_t *ui, widget_field_t *f, int y, int x, int w)
{
  int attr = draw_attr (ui, DRAW_SELECT) | A_UNDERLINE;
  if (w < 2)
    return;
  if (f->noecho)
    {
      char stars[130];
      size_t n = 0;
      for (size_t i = 0; i < f->len && n < sizeof stars - 1; i++)
        if (((unsigned char) f->buf[i] & 0xC0) != 0x80)
          stars[n++] = '*';
      stars[n] = 0;
      draw_text (ui, y, x, w, attr, stars);
      move (y, x + (int) (n < (size_t) w - 1 ? n : (size_t) w - 1));
    }
  else
    {
      const char *s = f->buf;
      int width = draw_width (s);
      /* Show the tail when the text is longer than the field. */
      while (width > w - 1 && *s)
        {
          s++;
          while ((*s & 0xC0) == 0x80)
            s++;
          width = draw_width (s);
        }
      draw_text (ui, y, x, w, attr, s);
      move (y, x + width);
    }
  curs_set (1);
}

char *
widget_field_take (widget_field_t *f)
{
  char *s;
  if (!f->buf)
    return NULL;
  s = f->noecho ? xtrystrdup_secure (f->buf) : xtrystrdup (f->buf);
  widget_field_clear (f);
  return s;
}
