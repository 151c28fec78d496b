/* keys.c - keys as data: one table per screen feeds the footer, the key
 * dispatch and the help screen (like tmux's key tables and the menu
 * items of window_buffer_menu_items: each key next to its label)
 *
 * A screen's keys are tried after its own key hook (text fields, lists)
 * and before the global keys below; an entry whose WHEN says no is
 * skipped everywhere, so a key that does nothing now is neither shown
 * nor run. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/screens.h"

bool
ui_key_is_back (int ch)
{
  return ch == UI_KEY_ESC || ch == 'q' || ch == KEY_EXIT;
}

bool
ui_key_is_up (int ch)
{
  return ch == KEY_UP || ch == 'k';
}

bool
ui_key_is_down (int ch)
{
  return ch == KEY_DOWN || ch == 'j';
}

bool
ui_key_is_enter (int ch)
{
  return ch == '\n' || ch == '\r' || ch == KEY_ENTER;
}

bool
ui_key_scroll (int ch, size_t *top, size_t page, size_t end)
{
  if (ui_key_is_up (ch))
    *top = *top ? *top - 1 : 0;
  else if (ui_key_is_down (ch))
    (*top)++;
  else if (ch == KEY_NPAGE || ch == ' ')
    *top += page;
  else if (ch == KEY_PPAGE)
    *top = *top > page ? *top - page : 0;
  else if (ch == KEY_HOME || ch == 'g')
    *top = 0;
  else if (ch == KEY_END || ch == 'G')
    *top = end;
  else
    return false;
  return true;
}

/* ---- the global keys ---------------------------------------------------- */

static bool
keys_not_help (const ui_screen_t *s)
{
  return s->ops != &screen_help_ops;
}

static bool
keys_not_log (const ui_screen_t *s)
{
  return s->ops != &screen_log_ops;
}

static bool
keys_has_below (const ui_screen_t *s)
{
  return s->below != NULL;
}

static unsigned
keys_help (ui_t *ui, ui_screen_t *s)
{
  (void) s;
  ui_push (ui, &screen_help_ops, NULL);
  return UI_HANDLED | UI_PUSH;
}

static unsigned
keys_log (ui_t *ui, ui_screen_t *s)
{
  (void) s;
  ui_push (ui, &screen_log_ops, NULL);
  return UI_HANDLED | UI_PUSH;
}

static unsigned
keys_back (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  (void) s;
  return UI_HANDLED | UI_POP;
}

unsigned
ui_keys_quit (ui_t *ui, ui_screen_t *s)
{
  (void) s;
  if (ui->kiosk)
    {
      ui_status (ui, true, "%s", _("Kiosk mode: vscman cannot be left."));
      return UI_HANDLED | UI_REDRAW;
    }
  return UI_HANDLED | UI_QUIT;
}

static unsigned
keys_redraw (ui_t *ui, ui_screen_t *s)
{
  (void) s;
  clearok (curscr, TRUE);
  ui->need_redraw = true;
  return UI_HANDLED | UI_REDRAW;
}

/* F10 quits from every screen (a running operation is cancelled at an
 * APDU boundary first); in kiosk mode it says that it cannot. */
const ui_key_t ui_keys_global[] = {
  { .key = KEY_F (1), .key2 = '?', .label = N_("Help"),
    .help = N_("this help"), .action = keys_help, .when = keys_not_help },
  { .key = KEY_F (9), .help = N_("the log"), .action = keys_log,
    .when = keys_not_log },
  { .key = UI_KEY_ESC, .key2 = 'q', .label = N_("Back"),
    .help = N_("back to the previous screen"), .action = keys_back,
    .when = keys_has_below },
  UI_KEY (KEY_F (10), 0, 0, N_("Quit"), N_("leave vscman (from any screen)"),
          ui_keys_quit),
  UI_KEY (UI_CTRL ('l'), 0, 0, NULL, N_("redraw the screen"), keys_redraw),
  UI_KEYS_END
};

/* ---- tables --------------------------------------------------------------- */

/* The screen's mode now (ui_screen_ops_t.mode, .phase, or its own). */
static unsigned
keys_mode (ui_t *ui, ui_screen_t *s)
{
  if (s->ops->mode)
    return s->ops->mode (ui, s);
  if (s->ops->phase)
    return 1u << *(const unsigned *) ((const char *) s->state
                                      + s->ops->phase - 1);
  return s->mode;
}

/* Does K work now (its modes, its condition)? */
static bool
keys_works (ui_t *ui, ui_screen_t *s, const ui_key_t *k)
{
  unsigned mode = keys_mode (ui, s);
  return (!k->modes || (mode & k->modes)) && (!k->when || k->when (s));
}

bool
ui_key_active (ui_t *ui, ui_screen_t *s, const ui_key_t *k)
{
  if (k->key == KEY_F (10) && k->action == ui_keys_quit && ui->kiosk)
    return false;        /* not shown in kiosk mode (but still refused) */
  return keys_works (ui, s, k);
}

const ui_key_t *
ui_keys_find (ui_t *ui, ui_screen_t *s, const ui_key_t *table, int ch)
{
  const ui_key_t *k, *f;

  if (ui_key_is_enter (ch))
    ch = '\n';            /* tables name Enter as '\n' */
  for (k = table; k && (k->key || k->sub); k++)
    {
      if (k->key == UI_KEY_INCLUDE)
        {
          if ((f = ui_keys_find (ui, s, k->sub, ch)))
            return f;
          continue;
        }
      if ((k->key == ch || (k->key2 && k->key2 == ch))
          && keys_works (ui, s, k))
        return k;
    }
  return NULL;
}

unsigned
ui_keys_dispatch (ui_t *ui, ui_screen_t *s, int ch)
{
  const ui_key_t *k = ui_keys_find (ui, s, s->ops->keys, ch);

  if (!k)
    k = ui_keys_find (ui, s, ui_keys_global, ch);
  if (!k)
    return 0;
  if (k->action_arg)
    return k->action_arg (ui, s, k->arg) | UI_HANDLED;
  if (!k->action)
    return 0;
  return k->action (ui, s) | UI_HANDLED;
}

void
ui_key_name (int key, char *buf, size_t n)
{
  if (key >= KEY_F (1) && key <= KEY_F (24))
    snprintf (buf, n, "F%d", key - KEY_F (0));
  else
    switch (key)
      {
      case '\n': case '\r': case KEY_ENTER:
        snprintf (buf, n, "Enter"); break;
      case ' ': snprintf (buf, n, "Space"); break;
      case '\t': snprintf (buf, n, "Tab"); break;
      case UI_KEY_ESC: snprintf (buf, n, "Esc"); break;
      case KEY_DC: snprintf (buf, n, "Del"); break;
      case KEY_IC: snprintf (buf, n, "Ins"); break;
      case KEY_UP: snprintf (buf, n, "Up"); break;
      case KEY_DOWN: snprintf (buf, n, "Down"); break;
      case KEY_LEFT: snprintf (buf, n, "Left"); break;
      case KEY_RIGHT: snprintf (buf, n, "Right"); break;
      case KEY_PPAGE: snprintf (buf, n, "PgUp"); break;
      case KEY_NPAGE: snprintf (buf, n, "PgDn"); break;
      case KEY_HOME: snprintf (buf, n, "Home"); break;
      case KEY_END: snprintf (buf, n, "End"); break;
      default:
        if (key > 0 && key < 0x20)
          snprintf (buf, n, "Ctrl-%c", key + '@');
        else if (key > 0x20 && key < 0x7f)
          snprintf (buf, n, "%c", key);
        else
          snprintf (buf, n, "#%d", key);
      }
}

static const char *
keys_label (ui_t *ui, ui_screen_t *s, const ui_key_t *k)
{
  if (k->label_fn)
    return k->label_fn (ui, s);
  if (k->flag && *(const bool *) ((const char *) s->state + k->flag - 1))
    return _(k->label_on);
  return k->label ? _(k->label) : NULL;
}

typedef struct keys_footer {
  char (*names)[16];
  const char **labels;
  size_t n, max;
} keys_footer_t;

static void
keys_footer_add (ui_t *ui, ui_screen_t *s, const ui_key_t *table,
                 keys_footer_t *f)
{
  const ui_key_t *k;

  for (k = table; k && (k->key || k->sub) && f->n < f->max; k++)
    {
      const char *label;
      if (k->key == UI_KEY_INCLUDE)
        {
          keys_footer_add (ui, s, k->sub, f);
          continue;
        }
      if (!ui_key_active (ui, s, k) || !(label = keys_label (ui, s, k)))
        continue;
      /* A global key the screen takes now (Esc stopping a scan) is not
       * shown with its global label: it would not do that. */
      if (table == ui_keys_global && s->ops->keys
          && ui_keys_find (ui, s, s->ops->keys, k->key))
        continue;
      ui_key_name (k->key, f->names[f->n], sizeof f->names[f->n]);
      f->labels[f->n++] = label;
    }
}

size_t
ui_keys_footer (ui_t *ui, ui_screen_t *s, char names[][16],
                const char **labels, size_t max)
{
  keys_footer_t f = { names, labels, 0, max };

  keys_footer_add (ui, s, s->ops->keys, &f);
  keys_footer_add (ui, s, ui_keys_global, &f);
  return f.n;
}

/* ---- help text ----------------------------------------------------------- */

typedef struct keys_text {
  char *buf;
  size_t len, cap;
  bool failed;
} keys_text_t;

static void
keys_text_add (keys_text_t *t, const char *s)
{
  size_t n = strlen (s);
  char *nb;

  if (t->failed)
    return;
  if (t->len + n + 1 > t->cap)
    {
      size_t cap = (t->cap + n + 1) * 2;
      nb = xtrymalloc (cap);
      if (!nb)
        {
          t->failed = true;
          return;
        }
      if (t->buf)
        memcpy (nb, t->buf, t->len);
      xfree (t->buf);
      t->buf = nb;
      t->cap = cap;
    }
  memcpy (t->buf + t->len, s, n + 1);
  t->len += n;
}

/* "  F5, b        the help line" for every entry that works now. */
static void
keys_text_table (ui_t *ui, ui_screen_t *s, const ui_key_t *table,
                 keys_text_t *t)
{
  const ui_key_t *k;
  char a[16], b[16], line[512];

  for (k = table; k && (k->key || k->sub); k++)
    {
      const char *help;
      if (k->key == UI_KEY_INCLUDE)
        {
          keys_text_table (ui, s, k->sub, t);
          continue;
        }
      if (!ui_key_active (ui, s, k))
        continue;
      help = k->help ? _(k->help) : keys_label (ui, s, k);
      if (!help)
        continue;            /* a key with nothing to say (Esc on main) */
      ui_key_name (k->key, a, sizeof a);
      if (k->key2)
        {
          ui_key_name (k->key2, b, sizeof b);
          snprintf (line, sizeof line, "  %s, %s", a, b);
        }
      else
        snprintf (line, sizeof line, "  %s", a);
      {
        int pad = 16 - (int) strlen (line);
        snprintf (line + strlen (line), sizeof line - strlen (line),
                  "%*s%s\n", pad > 1 ? pad : 1, "", help);
      }
      keys_text_add (t, line);
    }
}

char *
ui_keys_help_text (ui_t *ui, ui_screen_t *s)
{
  keys_text_t t = { NULL, 0, 0, false };

  if (s->ops->help)
    {
      keys_text_add (&t, _(s->ops->help));
      keys_text_add (&t, "\n\n");
    }
  if (s->ops->keys)
    {
      keys_text_add (&t, _("Keys here:"));
      keys_text_add (&t, "\n");
      keys_text_table (ui, s, s->ops->keys, &t);
      keys_text_add (&t, "\n");
    }
  keys_text_add (&t, _("Everywhere (arrows or j/k move, Enter chooses):"));
  keys_text_add (&t, "\n");
  keys_text_table (ui, s, ui_keys_global, &t);
  if (t.failed)
    {
      xfree (t.buf);
      return NULL;
    }
  return t.buf;
}
