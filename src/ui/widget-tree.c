/* widget-tree.c - the card / VSC image as an expandable, selectable,
 * searchable tree (DF/EF/DO/record/key rows with size, access, area,
 * discovery source and flags such as "not extractable"). */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"

/* The rows are allocated for the nodes counted before the walk. */
struct widget_tree_build {
  widget_tree_t *t;
  size_t cap;
};

static gpg_error_t
widget_tree_add (image_node_t *node, unsigned depth, void *ctx)
{
  struct widget_tree_build *b = ctx;
  widget_tree_t *t = b->t;
  if (t->n == b->cap)
    return gpg_error (GPG_ERR_BUG);     /* more nodes than counted */
  t->rows[t->n].node = node;
  t->rows[t->n].depth = depth;
  /* Top levels open, deeper DFs closed (cards can be big). */
  t->rows[t->n].expanded = depth < 3;
  t->rows[t->n].selected = t->selectable;
  t->n++;
  return 0;
}

static void
widget_tree_update (widget_tree_t *t)
{
  unsigned hide_below = 0;   /* 0 = nothing hidden */
  t->n_vis = 0;
  for (size_t i = 0; i < t->n; i++)
    {
      widget_tree_row_t *r = &t->rows[i];
      if (hide_below && r->depth > hide_below)
        {
          r->hidden = true;
          continue;
        }
      hide_below = 0;
      r->hidden = false;
      t->vis[t->n_vis++] = i;
      if (!r->expanded && r->node->first_child)
        hide_below = r->depth;
    }
  widget_menu_set_count (&t->menu, t->n_vis);
}

gpg_error_t
widget_tree_init (widget_tree_t *t, const image_t *image, bool selectable)
{
  gpg_error_t err;
  struct widget_tree_build b = { t, 0 };

  memset (t, 0, sizeof *t);
  t->selectable = selectable;
  b.cap = image_count_nodes (image, NULL);
  t->rows = xtrycalloc (b.cap ? b.cap : 1, sizeof *t->rows);
  if (!t->rows)
    return gpg_error_from_syserror ();
  err = image_walk (image, widget_tree_add, &b);
  if (err)
    goto leave;
  t->vis = xtrycalloc (t->n ? t->n : 1, sizeof *t->vis);
  if (!t->vis)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  widget_menu_init (&t->menu, 0);
  widget_tree_update (t);
 leave:
  if (err)
    widget_tree_free (t);
  return err;
}

void
widget_tree_free (widget_tree_t *t)
{
  xfree (t->rows);
  xfree (t->vis);
  t->rows = NULL;
  t->vis = NULL;
  t->n = t->n_vis = 0;
}

/* The row of PATH among OLD (N paths), looking at HINT first (both
 * trees are in pre-order, so the next match is usually the next row). */
static size_t
widget_tree_find_old (char **old, size_t n, const char *path, size_t hint)
{
  if (!path)
    return n;
  if (hint < n && old[hint] && !strcmp (old[hint], path))
    return hint;
  for (size_t i = 0; i < n; i++)
    if (old[i] && !strcmp (old[i], path))
      return i;
  return n;
}

gpg_error_t
widget_tree_rebuild (widget_tree_t *t, const image_t *image)
{
  gpg_error_t err = 0;
  widget_tree_t nt;
  char **old = NULL, **cur = NULL;
  size_t hint = 0, want = (size_t) -1, i, j, n_old = t->n;
  image_node_t *cur_node = widget_tree_current (t);

  err = widget_tree_init (&nt, image, t->selectable);
  if (err)
    return err;
  old = xtrycalloc (n_old ? n_old : 1, sizeof *old);
  cur = xtrycalloc (1, sizeof *cur);
  if (!old || !cur)
    {
      err = gpg_error_from_syserror ();
      goto leave;
    }
  for (i = 0; i < n_old; i++)
    old[i] = image_node_path (t->rows[i].node);
  if (cur_node)
    *cur = image_node_path (cur_node);
  for (i = 0; i < nt.n; i++)
    {
      widget_tree_row_t *r = &nt.rows[i];
      char *path = image_node_path (r->node);
      size_t k = widget_tree_find_old (old, n_old, path, hint);

      if (k < n_old)
        {
          r->expanded = t->rows[k].expanded;
          r->selected = t->rows[k].selected;
          hint = k + 1;
        }
      else
        /* New: selected when its parent is (the nearest row above
         * that is less deep). */
        for (j = i; j-- > 0;)
          if (nt.rows[j].depth < r->depth)
            {
              r->selected = nt.rows[j].selected;
              break;
            }
      if (*cur && path && !strcmp (*cur, path))
        want = i;
      xfree (path);
    }
  widget_tree_update (&nt);
  for (i = 0; i < nt.n_vis; i++)
    if (nt.vis[i] == want)
      nt.menu.cur = i;
  nt.menu.top = t->menu.top < nt.n_vis ? t->menu.top : 0;
  nt.menu.height = t->menu.height;
  memcpy (nt.search, t->search, sizeof nt.search);
  nt.searching = t->searching;
  nt.search_len = t->search_len;
  widget_tree_free (t);
  *t = nt;
  memset (&nt, 0, sizeof nt);

 leave:
  if (old)
    for (i = 0; i < n_old; i++)
      xfree (old[i]);
  xfree (old);
  widget_tree_free (&nt);
  if (cur)
    xfree (*cur);
  xfree (cur);
  return err;
}

image_node_t *
widget_tree_current (widget_tree_t *t)
{
  if (!t->n_vis)
    return NULL;
  return t->rows[t->vis[t->menu.cur]].node;
}

/* Set the selection of row I and its subtree. */
static void
widget_tree_select (widget_tree_t *t, size_t i, bool on)
{
  unsigned d = t->rows[i].depth;
  t->rows[i].selected = on;
  for (size_t j = i + 1; j < t->n && t->rows[j].depth > d; j++)
    t->rows[j].selected = on;
  /* A parent is selected if all its children are. */
  for (size_t k = i; k-- > 0;)
    if (t->rows[k].depth < d)
      {
        bool all = true;
        for (size_t j = k + 1; j < t->n && t->rows[j].depth > t->rows[k].depth; j++)
          if (!t->rows[j].selected)
            all = false;
        t->rows[k].selected = all;
        d = t->rows[k].depth;
      }
}

static bool
widget_tree_matches (const image_node_t *node, const char *needle)
{
  char comp[IMAGE_COMPONENT_MAX];
  size_t nl = strlen (needle);
  image_node_component (node, comp, sizeof comp);
  for (const char *p = comp; *p; p++)
    if (!strncasecmp (p, needle, nl))
      return true;
  if (node->name)
    for (const char *p = node->name; *p; p++)
      if (!strncasecmp (p, needle, nl))
        return true;
  if (node->note)
    for (const char *p = node->note; *p; p++)
      if (!strncasecmp (p, needle, nl))
        return true;
  return false;
}

/* Find the next node matching the search after the cursor; expand its
 * ancestors and move there. */
static bool
widget_tree_find (widget_tree_t *t, bool from_next)
{
  size_t start, i;
  if (!t->search[0] || !t->n)
    return false;
  start = t->n_vis ? t->vis[t->menu.cur] : 0;
  for (size_t k = from_next ? 1 : 0; k <= t->n; k++)
    {
      i = (start + k) % t->n;
      if (widget_tree_matches (t->rows[i].node, t->search))
        {
          unsigned d = t->rows[i].depth;
          for (size_t j = i; j-- > 0;)
            if (t->rows[j].depth < d)
              {
                t->rows[j].expanded = true;
                d = t->rows[j].depth;
              }
          widget_tree_update (t);
          for (size_t v = 0; v < t->n_vis; v++)
            if (t->vis[v] == i)
              t->menu.cur = v;
          return true;
        }
    }
  return false;
}

/* While the search field has focus it takes every key: text, Enter
 * (find), Esc (leave it). Otherwise 0. */
unsigned
widget_tree_search_key (ui_t *ui, widget_tree_t *t, int ch)
{
  if (!t->searching)
    return 0;
  if (ui_key_is_enter (ch))
    {
      t->searching = false;
      if (!widget_tree_find (t, false))
        ui_status (ui, true, _("Not found: %s"), t->search);
      return UI_HANDLED | UI_REDRAW;
    }
  if (ch == UI_KEY_ESC)
    {
      t->searching = false;
      return UI_HANDLED | UI_REDRAW;
    }
  if (ch == KEY_BACKSPACE || ch == 127 || ch == 8)
    {
      if (t->search_len)
        t->search[--t->search_len] = 0;
      return UI_HANDLED | UI_REDRAW;
    }
  if (ch >= 0x20 && ch < 0x7f && t->search_len < sizeof t->search - 1)
    {
      t->search[t->search_len++] = (char) ch;
      t->search[t->search_len] = 0;
      return UI_HANDLED | UI_REDRAW;
    }
  return UI_HANDLED;
}

void
widget_tree_search_start (widget_tree_t *t)
{
  t->searching = true;
  t->search[0] = 0;
  t->search_len = 0;
}

bool
widget_tree_search_next (widget_tree_t *t)
{
  return widget_tree_find (t, true);
}

/* The row under the cursor, or NULL. */
static widget_tree_row_t *
widget_tree_row (widget_tree_t *t)
{
  return t->n_vis ? &t->rows[t->vis[t->menu.cur]] : NULL;
}

void
widget_tree_open (widget_tree_t *t)
{
  widget_tree_row_t *row = widget_tree_row (t);

  if (row && row->node->first_child && !row->expanded)
    {
      row->expanded = true;
      widget_tree_update (t);
    }
}

void
widget_tree_close (widget_tree_t *t)
{
  widget_tree_row_t *row = widget_tree_row (t);
  size_t i, j, v;

  if (!row)
    return;
  if (row->node->first_child && row->expanded)
    {
      row->expanded = false;
      widget_tree_update (t);
      return;
    }
  /* Already closed (or a leaf): go to the parent. */
  i = t->vis[t->menu.cur];
  for (j = i; j-- > 0;)
    if (t->rows[j].depth < row->depth)
      {
        for (v = 0; v < t->n_vis; v++)
          if (t->vis[v] == j)
            t->menu.cur = v;
        break;
      }
}

void
widget_tree_open_all (widget_tree_t *t)
{
  for (size_t i = 0; i < t->n; i++)
    t->rows[i].expanded = true;
  widget_tree_update (t);
}

void
widget_tree_toggle (widget_tree_t *t)
{
  widget_tree_row_t *row = widget_tree_row (t);

  if (!row || !t->selectable)
    return;
  widget_tree_select (t, t->vis[t->menu.cur], !row->selected);
  if (t->menu.cur + 1 < t->n_vis)
    t->menu.cur++;
}

void
widget_tree_toggle_all (widget_tree_t *t)
{
  bool all = true;

  if (!t->selectable)
    return;
  for (size_t i = 0; i < t->n; i++)
    if (!t->rows[i].selected)
      all = false;
  for (size_t i = 0; i < t->n; i++)
    t->rows[i].selected = !all;
}

/* A node's flag word and read access ("pin 01"); SHORT: the flag words
 * of the narrow form. */
static const char *
widget_tree_flags_access (const image_node_t *node, bool short_form,
                          char *acc, size_t acc_size)
{
  const char *flags = "";

  if (node->flags & IMAGE_FLAG_NOT_EXTRACTABLE)
    flags = short_form ? _("no-extract") : _("not extractable");
  else if (node->flags & IMAGE_FLAG_UNREADABLE)
    flags = _("unreadable");
  else if (node->flags & IMAGE_FLAG_TRUNCATED)
    flags = _("truncated");
  else if (node->flags & IMAGE_FLAG_DEACTIVATED)
    flags = short_form ? _("deactiv.") : _("deactivated");
  if (node->access.read == IMAGE_AC_PIN)
    snprintf (acc, acc_size, "pin %02X", node->access.read_ref);
  else
    snprintf (acc, acc_size, "%s", image_ac_name (node->access.read));
  return flags;
}

void
widget_tree_describe (const image_node_t *node, char *buf, size_t n)
{
  char acc[48];
  const char *flags = widget_tree_flags_access (node, false, acc, sizeof acc);

  snprintf (buf, n, "%-14s %7zu  %-9s %-10s %-9s %s",
            image_type_name (node->type), node->size, acc,
            image_area_name (image_node_effective_area (node)),
            image_source_name (node->source), flags);
}

/* The narrow form (under 110 columns): no source column and short flag
 * words, so that "not extractable" still fits at 80 columns. */
static void
widget_tree_describe_short (const image_node_t *node, char *buf, size_t n)
{
  char acc[48];
  const char *flags = widget_tree_flags_access (node, true, acc, sizeof acc);

  snprintf (buf, n, "%-14s %7zu  %-9s %-10s %s", image_type_name (node->type),
            node->size, acc,
            image_area_name (image_node_effective_area (node)), flags);
}

void
widget_tree_draw (ui_t *ui, widget_tree_t *t, int y, int x, int h, int w)
{
  bool narrow = w < 110;
  int namew = w >= 130 ? 40 : narrow ? 20 : 28;
  int body = t->searching ? h - 1 : h;

  if (narrow)
    draw_textf (ui, y, x, w, A_BOLD, "%s%-*s %-14s %7s  %-9s %-10s %s",
                t->selectable ? "    " : "", namew, _("Node"), _("Type"),
                _("Size"), _("Read"), _("Area"), _("Flags"));
  else
    draw_textf (ui, y, x, w, A_BOLD, "%s%-*s %-14s %7s  %-9s %-10s %-9s %s",
                t->selectable ? "    " : "", namew, _("Node"), _("Type"),
                _("Size"), _("Read"), _("Area"), _("Source"), _("Flags"));
  y++;
  body--;
  if (body < 1)
    return;
  t->menu.height = body;
  if (t->menu.cur < t->menu.top)
    t->menu.top = t->menu.cur;
  if (t->menu.cur >= t->menu.top + (size_t) body)
    t->menu.top = t->menu.cur - (size_t) body + 1;
  for (int i = 0; i < body && t->menu.top + (size_t) i < t->n_vis; i++)
    {
      size_t vi = t->menu.top + (size_t) i;
      widget_tree_row_t *r = &t->rows[t->vis[vi]];
      char comp[IMAGE_COMPONENT_MAX], name[160], desc[160];
      const char *marker;
      int attr = draw_row_attr (ui, vi == t->menu.cur);

      image_node_component (r->node, comp, sizeof comp);
      if (r->node->first_child)
        marker = r->expanded ? (ui->settings.ascii || !ui->utf8 ? "- " : "\xe2\x96\xbe ")
                             : (ui->settings.ascii || !ui->utf8 ? "+ " : "\xe2\x96\xb8 ");
      else
        marker = "  ";
      snprintf (name, sizeof name, "%*s%s%s%s%s", (int) (r->depth - 1) * 2, "",
                marker, comp,
                r->node->name && strcmp (r->node->name, comp) ? " " : "",
                r->node->name && strcmp (r->node->name, comp) ? r->node->name : "");
      if (narrow)
        widget_tree_describe_short (r->node, desc, sizeof desc);
      else
        widget_tree_describe (r->node, desc, sizeof desc);
      {
        /* Pad by display width: the markers are multi-byte in UTF-8. */
        int off = 0;
        draw_text (ui, y + i, x, w, attr, "");
        if (t->selectable)
          {
            draw_text (ui, y + i, x, 4, attr, r->selected ? "[x] " : "[ ] ");
            off = 4;
          }
        draw_text (ui, y + i, x + off, namew, attr, name);
        draw_text (ui, y + i, x + off + namew + 1, w - off - namew - 1, attr,
                   desc);
      }
      if (r->node->flags & (IMAGE_FLAG_NOT_EXTRACTABLE | IMAGE_FLAG_UNREADABLE))
        mvchgat (y + i, x + w - 1, 1, attr | draw_attr (ui, DRAW_WARN), 0, NULL);
    }
  if (t->searching)
    draw_textf (ui, y + body, x, w, draw_attr (ui, DRAW_SELECT), "/%s",
                t->search);
}

gpg_error_t
widget_tree_selection (widget_tree_t *t, char ***r_paths, size_t *r_n,
                       bool *r_all)
{
  gpg_error_t err = 0;
  char **paths = NULL;
  size_t n = 0;
  bool all = true;

  for (size_t i = 0; i < t->n; i++)
    if (!t->rows[i].selected)
      all = false;
  *r_all = all;
  *r_paths = NULL;
  *r_n = 0;
  if (all)
    return 0;
  paths = xtrycalloc (t->n ? t->n : 1, sizeof *paths);
  if (!paths)
    return gpg_error_from_syserror ();
  for (size_t i = 0; i < t->n; i++)
    {
      widget_tree_row_t *r = &t->rows[i];
      bool parent_selected = false;
      if (!r->selected)
        continue;
      /* Skip when the parent row is selected (covered by its subtree). */
      for (size_t j = i; j-- > 0;)
        if (t->rows[j].depth < r->depth)
          {
            parent_selected = t->rows[j].selected;
            break;
          }
      if (parent_selected)
        continue;
      paths[n] = image_node_path (r->node);
      if (!paths[n])
        {
          err = gpg_error_from_syserror ();
          goto leave;
        }
      n++;
    }
 leave:
  if (err)
    {
      widget_tree_free_paths (paths, n);
      return err;
    }
  *r_paths = paths;
  *r_n = n;
  return 0;
}

size_t
widget_tree_count_selected (widget_tree_t *t)
{
  size_t n = 0;
  for (size_t i = 0; i < t->n; i++)
    if (t->rows[i].selected)
      n++;
  return n;
}

void
widget_tree_free_paths (char **paths, size_t n)
{
  for (size_t i = 0; i < n; i++)
    xfree (paths[i]);
  xfree (paths);
}
