/* widget-confirm.c - a yes/no or typed confirmation dialog */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"

void
widget_confirm_draw (ui_t *ui, const char *title, const char *message,
                     const char *typed, widget_field_t *field)
{
  int lines = 1, w = 40, y, x, row;
  const char *p;
  char line[512];

  for (p = message; draw_next_line (&p, line, sizeof line); lines++)
    if (draw_width (line) + 4 > w)
      w = draw_width (line) + 4;
  if (w > ui->cols - 2)
    w = ui->cols - 2;
  draw_dialog (ui, lines + (typed ? 5 : 4), w, title, &y, &x);
  row = y + 1;
  for (p = message; draw_next_line (&p, line, sizeof line); )
    draw_text (ui, row++, x + 2, w - 4, A_NORMAL, line);
  row++;
  if (typed)
    {
      draw_textf (ui, row++, x + 2, w - 4, A_BOLD, _("Type %s and press Enter (Esc: cancel):"),
                  typed);
      widget_field_draw (ui, field, row, x + 2, w - 4);
    }
  else
    draw_text (ui, row, x + 2, w - 4, draw_attr (ui, DRAW_KEY),
               _("[y] Yes   [n] No"));
}
