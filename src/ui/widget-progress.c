/* widget-progress.c - the progress block of a running operation:
 * phase, node, bar, bytes, APDUs, elapsed time and ETA; Esc cancels. */
#include <config.h>
#include <stdio.h>
#include <curses.h>

#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"

void
widget_progress_format_time (double s, char *buf, size_t n)
{
  if (s < 0)
    snprintf (buf, n, "%s", _("unknown"));
  else if (s < 60)
    snprintf (buf, n, _("%.1f s"), s);
  else
    snprintf (buf, n, "%d:%02d", (int) s / 60, (int) s % 60);
}

void
widget_progress_draw (ui_t *ui, const scapi_progress_t *p, int y, int x,
                      int w, bool cancelling)
{
  char el[32], eta[32];
  double frac = 0;

  draw_box (ui, y, x, 8, w, scapi_phase_label (p->phase));
  if (p->bytes_total)
    frac = (double) p->bytes_done / (double) p->bytes_total;
  else if (p->nodes_total)
    frac = (double) p->nodes_done / (double) p->nodes_total;
  draw_textf (ui, y + 1, x + 2, w - 4, A_NORMAL, _("Node:  %s"),
              p->node[0] ? p->node : "-");
  draw_bar (ui, y + 2, x + 2, w - 10, frac);
  draw_textf (ui, y + 2, x + w - 7, 6, A_BOLD, "%3d%%", (int) (frac * 100 + 0.5));
  if (p->nodes_total)
    draw_textf (ui, y + 3, x + 2, w - 4, A_NORMAL, _("Nodes: %zu of %zu"),
                p->nodes_done, p->nodes_total);
  else
    draw_textf (ui, y + 3, x + 2, w - 4, A_NORMAL, _("Nodes: %zu"),
                p->nodes_done);
  if (p->bytes_total)
    draw_textf (ui, y + 4, x + 2, w - 4, A_NORMAL, _("Bytes: %zu of %zu"),
                p->bytes_done, p->bytes_total);
  else
    draw_textf (ui, y + 4, x + 2, w - 4, A_NORMAL, _("Bytes: %zu"),
                p->bytes_done);
  widget_progress_format_time (p->elapsed, el, sizeof el);
  widget_progress_format_time (p->eta, eta, sizeof eta);
  draw_textf (ui, y + 5, x + 2, w - 4, A_NORMAL,
              _("APDUs: %lu   elapsed: %s   left: %s"), p->apdus, el, eta);
  draw_text (ui, y + 6, x + 2, w - 4, draw_attr (ui, cancelling ? DRAW_WARN : DRAW_KEY),
             cancelling ? _("Cancelling at the next APDU boundary...")
                        : _("Esc: cancel"));
}
