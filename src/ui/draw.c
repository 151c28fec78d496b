/* draw.c - frames, title bar, footer, colours and clipped text
 *
 * Line drawing is either the terminal's alternate character set (which
 * ncursesw maps to Unicode box characters on a UTF-8 terminal) or plain
 * ASCII (setting "ascii", or a terminal without ACS). Colours are used
 * only when the terminal has them and NO_COLOR is not set; otherwise
 * bold/reverse/underline carry the meaning.
 */
#include <config.h>
#define _XOPEN_SOURCE_EXTENDED 1
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <wchar.h>
#include <langinfo.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "common/sanitize.h"

void
draw_init (ui_t *ui)
{
  const char *nc = getenv ("NO_COLOR");
  const char *cs = nl_langinfo (CODESET);

  ui->utf8 = cs && !strcmp (cs, "UTF-8");
  ui->color = !(nc && *nc) && !ui->settings.mono && has_colors ();
  if (ui->color)
    {
      start_color ();
      use_default_colors ();
      init_pair (1, COLOR_WHITE, COLOR_BLUE);     /* title */
      init_pair (2, COLOR_BLACK, COLOR_CYAN);     /* selection */
      init_pair (3, COLOR_BLACK, COLOR_WHITE);    /* footer labels */
      init_pair (4, COLOR_YELLOW, -1);            /* footer keys */
      init_pair (5, COLOR_RED, -1);               /* errors */
      init_pair (6, COLOR_GREEN, -1);             /* ok */
      init_pair (7, COLOR_BLUE, -1);              /* dim */
      init_pair (8, COLOR_MAGENTA, -1);           /* warnings */
    }
}

int
draw_attr (ui_t *ui, enum draw_color c)
{
  if (ui->color)
    switch (c)
      {
      case DRAW_NORMAL: return A_NORMAL;
      case DRAW_TITLE: return COLOR_PAIR (1) | A_BOLD;
      case DRAW_SELECT: return COLOR_PAIR (2);
      case DRAW_FOOTER: return COLOR_PAIR (3);
      case DRAW_KEY: return COLOR_PAIR (4) | A_BOLD;
      case DRAW_ERROR: return COLOR_PAIR (5) | A_BOLD;
      case DRAW_OK: return COLOR_PAIR (6) | A_BOLD;
      case DRAW_DIM: return COLOR_PAIR (7);
      case DRAW_WARN: return COLOR_PAIR (8) | A_BOLD;
      }
  switch (c)
    {
    case DRAW_TITLE: return A_REVERSE | A_BOLD;
    case DRAW_SELECT: return A_REVERSE;
    case DRAW_FOOTER: return A_REVERSE;
    case DRAW_KEY: return A_BOLD;
    case DRAW_ERROR: return A_BOLD | A_UNDERLINE;
    case DRAW_OK: return A_BOLD;
    case DRAW_WARN: return A_BOLD;
    default: return A_NORMAL;
    }
}

int
draw_row_attr (ui_t *ui, bool selected)
{
  return selected ? draw_attr (ui, DRAW_SELECT) : (int) A_NORMAL;
}

bool
draw_next_line (const char **p, char *line, size_t size)
{
  const char *q;
  size_t n;

  if (!*p || !**p)
    return false;
  q = strchr (*p, '\n');
  n = q ? (size_t) (q - *p) : strlen (*p);
  memcpy (line, *p, n < size ? n : size - 1);
  line[n < size ? n : size - 1] = 0;
  *p += q ? n + 1 : n;
  return true;
}

int
draw_width (const char *s)
{
  mbstate_t st;
  wchar_t wc;
  size_t n;
  int w = 0, cw;

  memset (&st, 0, sizeof st);
  while (*s)
    {
      n = mbrtowc (&wc, s, MB_CUR_MAX, &st);
      if (n == (size_t) -1 || n == (size_t) -2 || n == 0)
        {
          memset (&st, 0, sizeof st);
          s++;
          w++;
          continue;
        }
      cw = wcwidth (wc);
      w += cw > 0 ? cw : 0;
      s += n;
    }
  return w;
}

void
draw_text (ui_t *ui, int y, int x, int w, int attr, const char *s)
{
  mbstate_t st;
  wchar_t wc[2];
  size_t n;
  int used = 0, cw;
  cchar_t cc;
  char safe[2048];

  (void) ui;
  if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
    return;
  /* Text from a VSC, a card or the server may hold escape sequences:
   * shown escaped, as everywhere else (src/common/sanitize.h). */
  s = sanitize_text (s, safe, sizeof safe);
  if (x + w > COLS)
    w = COLS - x;
  memset (&st, 0, sizeof st);
  move (y, x);
  while (*s && used < w)
    {
      n = mbrtowc (&wc[0], s, MB_CUR_MAX, &st);
      if (n == (size_t) -1 || n == (size_t) -2 || n == 0)
        {
          memset (&st, 0, sizeof st);
          wc[0] = L'?';
          n = 1;
        }
      if (wc[0] == L'\t' || wc[0] < 0x20)
        wc[0] = L' ';
      cw = wcwidth (wc[0]);
      if (cw < 0)
        {
          wc[0] = L'?';
          cw = 1;
        }
      if (used + cw > w)
        break;
      wc[1] = 0;
      setcchar (&cc, wc, (attr_t) attr, (short) PAIR_NUMBER (attr), NULL);
      add_wch (&cc);
      used += cw;
      s += n;
    }
  if (attr != A_NORMAL)
    {
      attron (attr);
      for (; used < w; used++)
        addch (' ');
      attroff (attr);
    }
}

void
draw_textf (ui_t *ui, int y, int x, int w, int attr, const char *fmt, ...)
{
  char buf[1024];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (buf, sizeof buf, fmt, ap);
  va_end (ap);
  draw_text (ui, y, x, w, attr, buf);
}

static chtype
draw_line_char (ui_t *ui, char which)
{
  if (ui->settings.ascii)
    return which == '-' ? '-' : which == '|' ? '|' : '+';
  switch (which)
    {
    case '-': return ACS_HLINE;
    case '|': return ACS_VLINE;
    case 'a': return ACS_ULCORNER;
    case 'b': return ACS_URCORNER;
    case 'c': return ACS_LLCORNER;
    case 'd': return ACS_LRCORNER;
    default: return '+';
    }
}

void
draw_hline (ui_t *ui, int y, int x, int w)
{
  if (w > 0)
    mvhline (y, x, draw_line_char (ui, '-'), w);
}

void
draw_box (ui_t *ui, int y, int x, int h, int w, const char *title)
{
  if (h < 2 || w < 2)
    return;
  mvhline (y, x + 1, draw_line_char (ui, '-'), w - 2);
  mvhline (y + h - 1, x + 1, draw_line_char (ui, '-'), w - 2);
  mvvline (y + 1, x, draw_line_char (ui, '|'), h - 2);
  mvvline (y + 1, x + w - 1, draw_line_char (ui, '|'), h - 2);
  mvaddch (y, x, draw_line_char (ui, 'a'));
  mvaddch (y, x + w - 1, draw_line_char (ui, 'b'));
  mvaddch (y + h - 1, x, draw_line_char (ui, 'c'));
  mvaddch (y + h - 1, x + w - 1, draw_line_char (ui, 'd'));
  if (title && *title)
    {
      char buf[256];
      int tw;
      snprintf (buf, sizeof buf, " %s ", title);
      tw = draw_width (buf);
      draw_text (ui, y, x + 2, tw < w - 4 ? tw : w - 4, A_BOLD, buf);
    }
}

void
draw_dialog (ui_t *ui, int h, int w, const char *title, int *r_y, int *r_x)
{
  int y, x;
  if (w > ui->cols - 2)
    w = ui->cols - 2;
  if (h > ui->rows - 2)
    h = ui->rows - 2;
  y = (ui->rows - h) / 2;
  x = (ui->cols - w) / 2;
  for (int i = 0; i < h; i++)
    mvhline (y + i, x, ' ', w);
  draw_box (ui, y, x, h, w, title);
  *r_y = y;
  *r_x = x;
}

void
draw_bar (ui_t *ui, int y, int x, int w, double fraction)
{
  int fill;
  if (w < 3)
    return;
  if (fraction < 0)
    fraction = 0;
  if (fraction > 1)
    fraction = 1;
  fill = (int) ((w - 2) * fraction + 0.5);
  mvaddch (y, x, '[');
  for (int i = 0; i < w - 2; i++)
    {
      if (i < fill)
        {
          if (ui->color)
            mvaddch (y, x + 1 + i, ' ' | draw_attr (ui, DRAW_SELECT));
          else
            mvaddch (y, x + 1 + i, '#');
        }
      else
        mvaddch (y, x + 1 + i, ui->color ? ' ' : '.');
    }
  mvaddch (y, x + w - 1, ']');
}

void
draw_screen (ui_t *ui, ui_screen_t *s, const char *title)
{
  int x = 0;
  char buf[256], names[24][16];
  const char *labels[24];
  size_t n, i;

  snprintf (buf, sizeof buf, " vscman %s %s%s", ui->settings.ascii ? "-" : "\xe2\x80\x94",
            title, ui->kiosk ? _("  [kiosk]") : "");
  if (!ui->utf8 && !ui->settings.ascii)
    snprintf (buf, sizeof buf, " vscman - %s%s", title,
              ui->kiosk ? _("  [kiosk]") : "");
  draw_text (ui, 0, 0, ui->cols, draw_attr (ui, DRAW_TITLE), buf);

  /* Footer: the keys of the screen's table that work now, then the
   * global ones (keys.c), like htop/mc. */
  n = ui_keys_footer (ui, s, names, labels, DIM (labels));
  move (ui->rows - 1, 0);
  for (i = 0; i < n; i++)
    {
      int kw = draw_width (names[i]), lw = draw_width (labels[i]);
      char lab[128];
      if (x + kw + lw + 2 > ui->cols)
        break;
      draw_text (ui, ui->rows - 1, x, kw, draw_attr (ui, DRAW_KEY), names[i]);
      x += kw;
      snprintf (lab, sizeof lab, " %s ", labels[i]);
      draw_text (ui, ui->rows - 1, x, lw + 2, draw_attr (ui, DRAW_FOOTER), lab);
      x += lw + 2;
    }
  if (x < ui->cols)
    draw_text (ui, ui->rows - 1, x, ui->cols - x, draw_attr (ui, DRAW_FOOTER), "");

  if (ui->status[0])
    draw_text (ui, ui->rows - 2, 0, ui->cols,
               draw_attr (ui, ui->status_error ? DRAW_ERROR : DRAW_OK),
               ui->status);
}
