/* widget.h - small reusable pieces of the manager's screens
 *
 * menu: a list with a cursor that scrolls; tree: the card/VSC image as
 * an expandable, selectable, searchable tree; field: a one-line text
 * input, with a no-echo mode whose buffer lives in secure memory;
 * progress: the progress block of a running operation (the dialogs
 * themselves are screens: screen-dialog.c). Key handlers return UI_* flags. */
#ifndef VSC_UI_WIDGET_H
#define VSC_UI_WIDGET_H

#include <stddef.h>
#include <stdbool.h>
#include "ui/ui.h"
#include "image/image.h"
#include "scapi/scapi.h"

/* ---- widget-menu.c ---------------------------------------------------- */

typedef struct widget_menu {
  size_t n;          /* items */
  size_t cur;        /* cursor */
  size_t top;        /* first visible item */
  int height;        /* rows of the last draw */
} widget_menu_t;

typedef void (*widget_menu_item_fn) (ui_t *ui, void *ctx, size_t idx,
                                     int y, int x, int w, bool selected);

void widget_menu_init (widget_menu_t *m, size_t n);
void widget_menu_set_count (widget_menu_t *m, size_t n);
unsigned widget_menu_key (widget_menu_t *m, int ch);
void widget_menu_draw (ui_t *ui, widget_menu_t *m, int y, int x, int h,
                       int w, widget_menu_item_fn fn, void *ctx);

/* ---- widget-tree.c ---------------------------------------------------- */

typedef struct widget_tree_row {
  image_node_t *node;
  unsigned depth;
  bool expanded;
  bool selected;
  bool hidden;       /* an ancestor is collapsed */
} widget_tree_row_t;

typedef struct widget_tree {
  widget_tree_row_t *rows;      /* every node, pre-order */
  size_t n;
  size_t *vis;                  /* indices of visible rows */
  size_t n_vis;
  widget_menu_t menu;           /* cursor over visible rows */
  bool selectable;
  char search[64];
  bool searching;               /* the search field has focus */
  size_t search_len;
} widget_tree_t;

gpg_error_t widget_tree_init (widget_tree_t *t, const image_t *image,
                              bool selectable);
void widget_tree_free (widget_tree_t *t);
/* The tree of IMAGE in place of T's, keeping what T had for the nodes
 * that are in both (by path): open/closed, selected, the cursor. A new
 * node is selected when its parent is. T's image must still be alive. */
gpg_error_t widget_tree_rebuild (widget_tree_t *t, const image_t *image);
/* The tree's operations; the keys are in the tree view's table
 * (screen-tree.c). */
unsigned widget_tree_search_key (ui_t *ui, widget_tree_t *t, int ch);
void widget_tree_search_start (widget_tree_t *t);
bool widget_tree_search_next (widget_tree_t *t);
void widget_tree_open (widget_tree_t *t);      /* expand the current node */
void widget_tree_close (widget_tree_t *t);     /* collapse, or go up */
void widget_tree_open_all (widget_tree_t *t);
void widget_tree_toggle (widget_tree_t *t);    /* select/deselect, move on */
void widget_tree_toggle_all (widget_tree_t *t);
void widget_tree_draw (ui_t *ui, widget_tree_t *t, int y, int x, int h,
                       int w);
image_node_t *widget_tree_current (widget_tree_t *t);
/* Paths of the selected subtrees (top-most selected nodes), allocated;
 * *R_ALL true when everything is selected (then the list is empty). */
gpg_error_t widget_tree_selection (widget_tree_t *t, char ***r_paths,
                                   size_t *r_n, bool *r_all);
size_t widget_tree_count_selected (widget_tree_t *t);
void widget_tree_free_paths (char **paths, size_t n);
/* One-line summary of a node: type, size, access, area, source, flags. */
void widget_tree_describe (const image_node_t *node, char *buf, size_t n);

/* ---- widget-field.c --------------------------------------------------- */

typedef struct widget_field {
  char *buf;         /* secure memory when noecho */
  size_t len, cap;
  bool noecho;
} widget_field_t;

gpg_error_t widget_field_init (widget_field_t *f, size_t cap, bool noecho,
                               const char *initial);
void widget_field_free (widget_field_t *f);   /* wipes */
void widget_field_clear (widget_field_t *f);
/* Edit keys: printable bytes, Backspace, Ctrl-U. UI_HANDLED|UI_REDRAW
 * if used. Enter/Esc are left to the caller. */
unsigned widget_field_key (widget_field_t *f, int ch);
void widget_field_draw (ui_t *ui, widget_field_t *f, int y, int x, int w);
/* Hand over the content (secure copy when noecho); caller frees. */
char *widget_field_take (widget_field_t *f);

/* ---- widget-progress.c ------------------------------------------------ */

/* Draw the progress block (phase, node, bar, bytes, APDUs, ETA) in a
 * box at Y, X of width W (7 rows). */
void widget_progress_draw (ui_t *ui, const scapi_progress_t *p, int y,
                           int x, int w, bool cancelling);
/* Format seconds as "1:05" / "12 s". */
void widget_progress_format_time (double s, char *buf, size_t n);
/* Progress REP (reported at REP_MS of the task's clock) as it stands at
 * NOW_MS: the elapsed time from the clock, the ETA counted down. */
void widget_progress_at (const scapi_progress_t *rep, long long rep_ms,
                         long long now_ms, scapi_progress_t *out);
/* Percentage of the known work (0..100). */
int widget_progress_percent (const scapi_progress_t *p);

#endif /* VSC_UI_WIDGET_H */
