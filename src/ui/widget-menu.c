/* widget-menu.c - a list with a cursor that scrolls */
#include <config.h>
#include <curses.h>

#include "ui/ui.h"
#include "ui/widget.h"

void
widget_menu_init (widget_menu_t *m, size_t n)
{
  m->n = n;
  m->cur = 0;
  m->top = 0;
  m->height = 10;
}

void
widget_menu_set_count (widget_menu_t *m, size_t n)
{
  m->n = n;
  if (m->cur >= n)
    m->cur = n ? n - 1 : 0;
  if (m->top > m->cur)
    m->top = m->cur;
}

unsigned
widget_menu_key (widget_menu_t *m, int ch)
{
  size_t page = m->height > 1 ? (size_t) m->height - 1 : 1;
  size_t old = m->cur;

  if (!m->n)
    return 0;
  if (ui_key_is_up (ch))
    {
      if (m->cur > 0)
        m->cur--;
    }
  else if (ui_key_is_down (ch))
    {
      if (m->cur + 1 < m->n)
        m->cur++;
    }
  else if (ch == KEY_PPAGE)
    m->cur = m->cur > page ? m->cur - page : 0;
  else if (ch == KEY_NPAGE)
    m->cur = m->cur + page < m->n ? m->cur + page : m->n - 1;
  else if (ch == KEY_HOME || ch == 'g')
    m->cur = 0;
  else if (ch == KEY_END || ch == 'G')
    m->cur = m->n - 1;
  else
    return 0;
  return UI_HANDLED | (old != m->cur ? UI_REDRAW : 0);
}

void
widget_menu_draw (ui_t *ui, widget_menu_t *m, int y, int x, int h, int w,
                  widget_menu_item_fn fn, void *ctx)
{
  if (h < 1)
    return;
  m->height = h;
  if (m->cur < m->top)
    m->top = m->cur;
  if (m->cur >= m->top + (size_t) h)
    m->top = m->cur - (size_t) h + 1;
  if (m->top + (size_t) h > m->n)
    m->top = m->n > (size_t) h ? m->n - (size_t) h : 0;
  for (int i = 0; i < h && m->top + (size_t) i < m->n; i++)
    fn (ui, ctx, m->top + (size_t) i, y + i, x, w, m->top + (size_t) i == m->cur);
}
