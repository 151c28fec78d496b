/* widget-progress.c - the progress block of a running operation: phase
 * and where (the DF being scanned), node, bar of the known work, nodes
 * and bytes, the scan's share of its budget, APDUs and their rate,
 * elapsed time (ticking on the UI's own clock) and the ETA from the
 * APDU rate (counted down between reports); Esc cancels. */
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
widget_progress_at (const scapi_progress_t *rep, long long rep_ms,
                    long long now_ms, scapi_progress_t *out)
{
  double since = (double) (now_ms - rep_ms) / 1000.0;

  *out = *rep;
  out->elapsed = (double) now_ms / 1000.0;
  if (rep->eta >= 0)
    out->eta = rep->eta > since ? rep->eta - since : 0;
}

int
widget_progress_percent (const scapi_progress_t *p)
{
  if (p->percent >= 0 && p->percent <= 100
      && (p->percent || p->nodes_total || p->bytes_total))
    return p->percent;
  if (p->bytes_total)
    return (int) (100.0 * (double) p->bytes_done / (double) p->bytes_total
                  + 0.5);
  if (p->nodes_total)
    return (int) (100.0 * (double) p->nodes_done / (double) p->nodes_total
                  + 0.5);
  if (p->scan_budget && p->scan_percent >= 0)
    return p->scan_percent;
  return 0;
}

void
widget_progress_draw (ui_t *ui, const scapi_progress_t *p, int y, int x,
                      int w, bool cancelling)
{
  char el[32], eta[32], title[SCAPI_PATH_MAX + 64];
  int pc = widget_progress_percent (p);

  if (p->phase == SCAPI_PHASE_SCAN && p->scope[0])
    snprintf (title, sizeof title, "%s %s", scapi_phase_label (p->phase),
              p->scope);
  else
    snprintf (title, sizeof title, "%s", scapi_phase_label (p->phase));
  draw_box (ui, y, x, 8, w, title);
  draw_textf (ui, y + 1, x + 2, w - 4, A_NORMAL, _("Node:  %s"),
              p->node[0] ? p->node : "-");
  draw_bar (ui, y + 2, x + 2, w - 10, pc / 100.0);
  draw_textf (ui, y + 2, x + w - 7, 6, A_BOLD, "%3d%%", pc);
  if (p->nodes_total)
    draw_textf (ui, y + 3, x + 2, w / 2 - 2, A_NORMAL, _("Nodes: %zu of %zu"),
                p->nodes_done, p->nodes_total);
  else
    draw_textf (ui, y + 3, x + 2, w / 2 - 2, A_NORMAL, _("Nodes: %zu"),
                p->nodes_done);
  if (p->bytes_total)
    draw_textf (ui, y + 3, x + w / 2, w / 2 - 2, A_NORMAL,
                _("Bytes: %zu of %zu"), p->bytes_done, p->bytes_total);
  else
    draw_textf (ui, y + 3, x + w / 2, w / 2 - 2, A_NORMAL, _("Bytes: %zu"),
                p->bytes_done);
  if (p->scan_budget)
    draw_textf (ui, y + 4, x + 2, w - 4, A_NORMAL,
                _("Scan: %lu of %lu SELECTs (%d%% of its budget)"),
                p->scan_done, p->scan_budget,
                p->scan_percent >= 0 ? p->scan_percent : 0);
  widget_progress_format_time (p->elapsed, el, sizeof el);
  widget_progress_format_time (p->eta, eta, sizeof eta);
  if (p->apdu_rate > 0)
    draw_textf (ui, y + 5, x + 2, w - 4, A_NORMAL,
                _("APDUs: %lu (%.1f/s)   elapsed: %s   left: %s"),
                p->apdus, p->apdu_rate, el, eta);
  else
    draw_textf (ui, y + 5, x + 2, w - 4, A_NORMAL,
                _("APDUs: %lu   elapsed: %s   left: %s"), p->apdus, el, eta);
  draw_text (ui, y + 6, x + 2, w - 4, draw_attr (ui, cancelling ? DRAW_WARN : DRAW_KEY),
             cancelling ? _("Cancelling at the next APDU boundary...")
                        : _("Esc: cancel"));
}
