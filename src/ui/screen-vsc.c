/* screen-vsc.c - an open VSC: identifier, areas and tree; view, add and
 * remove nodes, change the password, verify, export the public part,
 * restore onto a card, compare. Without the password only the public
 * and identifier areas are shown, marked "not verified". */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/hex.h"
#include "common/buffer.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

typedef struct {
  scapi_vsc_t *vsc;
  char *password;          /* secure; NULL when opened without */
  widget_tree_t tree;
  bool have_tree;
  bool cancelled;
  char add_path[256];
} vsc_state_t;

static gpg_error_t
screen_vsc_rebuild (vsc_state_t *st)
{
  if (st->have_tree)
    widget_tree_free (&st->tree);
  st->have_tree = false;
  if (!st->vsc)
    return 0;
  if (widget_tree_init (&st->tree, scapi_vsc_image (st->vsc), false))
    return gpg_error_from_syserror ();
  st->have_tree = true;
  return 0;
}

static void
screen_vsc_pw_done (ui_t *ui, void *ctx, char *pw)
{
  ui_screen_t *s = ctx;
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;
  gpg_error_t err;

  if (!pw)
    {
      st->cancelled = true;
      return;
    }
  err = scapi_vsc_open (a->path, *pw ? pw : NULL, &st->vsc);
  if (err)
    {
      xfree_secure (pw);
      screen_error (ui, err, scapi_last_error_text (), _("Opening the VSC"));
      st->cancelled = true;
      return;
    }
  if (*pw)
    st->password = pw;
  else
    xfree_secure (pw);
  settings_add_recent (ui, a->path);
  err = screen_vsc_rebuild (st);
  if (err)
    ui_status (ui, true, "%s", vsc_strerror (err));
  else if (!scapi_vsc_unlocked (st->vsc))
    ui_status (ui, false, "%s",
               _("Opened without password: public area only, not verified."));
}

static gpg_error_t
screen_vsc_enter (ui_t *ui, ui_screen_t *s)
{
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = xtrycalloc (1, sizeof *st);
  char prompt[1200];
  if (!st)
    return gpg_error_from_syserror ();
  s->state = st;
  snprintf (prompt, sizeof prompt, _("Password for %s:"), a->path);
  screen_ask_input (ui, _("VSC password"), prompt,
                    _("Empty: open the public area only (not verified)."),
                    true, NULL, screen_vsc_pw_done, s);
  if (ui->push_pending && ui->push_id == UI_SCREEN_PASSWORD)
    ((screen_input_arg_t *) ui->push_arg)->allow_empty = true;
  return 0;
}

static void
screen_vsc_draw (ui_t *ui, ui_screen_t *s)
{
  static const char *keys[20];
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;
  const image_t *img;
  char atr[80] = "";
  size_t bytes = 0, nodes;
  int k = 0;

  keys[k++] = "Enter"; keys[k++] = _("View");
  keys[k++] = "F6"; keys[k++] = _("Restore");
  keys[k++] = "K"; keys[k++] = _("Write keys");
  keys[k++] = "F7"; keys[k++] = _("Diff");
  keys[k++] = "p"; keys[k++] = _("Password");
  keys[k++] = "v"; keys[k++] = _("Verify");
  keys[k++] = "e"; keys[k++] = _("Export");
  keys[k++] = "a/x"; keys[k++] = _("Add/Remove");
  keys[k++] = "Esc"; keys[k++] = _("Back");
  keys[k] = NULL;
  draw_screen (ui, _("Virtual smart card"), keys);
  draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("File: %s"), a->path);
  if (!st->vsc)
    {
      draw_text (ui, 3, 1, ui->cols - 2, A_NORMAL, _("Not open."));
      return;
    }
  img = scapi_vsc_image (st->vsc);
  nodes = image_count_nodes (img, &bytes);
  if (img->card.atr_len)
    hex_encode (img->card.atr, img->card.atr_len > 36 ? 36 : img->card.atr_len, atr);
  draw_textf (ui, 2, 1, ui->cols - 2, A_NORMAL, _("UUID %s   card ATR %s   %s"),
              scapi_vsc_uuid (st->vsc), atr[0] ? atr : "-",
              img->card.label ? img->card.label : "");
  if (scapi_vsc_unlocked (st->vsc))
    draw_textf (ui, 3, 1, ui->cols - 2, draw_attr (ui, DRAW_OK),
                _("Unlocked and verified: %zu nodes, %zu bytes (public, private, secret-key areas)"),
                nodes, bytes);
  else
    draw_textf (ui, 3, 1, ui->cols - 2, draw_attr (ui, DRAW_WARN),
                _("NOT VERIFIED: public and identifier areas only (%zu nodes). Private areas need the password."),
                nodes);
  if (st->have_tree)
    widget_tree_draw (ui, &st->tree, 4, 0, ui->rows - 6, ui->cols);
}

/* ---- actions ---------------------------------------------------------- */

static void
screen_vsc_restore_pick (ui_t *ui, ui_screen_t *s, char *spec,
                         bool keys_only)
{
  screen_vsc_arg_t *va = s->arg;
  vsc_state_t *st = s->state;
  screen_restore_arg_t *a;
  if (!spec)
    return;
  a = xtrycalloc (1, sizeof *a);
  if (a)
    {
      snprintf (a->reader, sizeof a->reader, "%s", spec + 5);
      snprintf (a->vsc_path, sizeof a->vsc_path, "%s", va->path);
      a->vsc = st->vsc;
      a->keys_only = keys_only;
      ui_push (ui, UI_SCREEN_RESTORE, a);
    }
  xfree (spec);
}

static void
screen_vsc_restore_picked (ui_t *ui, void *ctx, char *spec)
{
  screen_vsc_restore_pick (ui, ctx, spec, false);
}

/* "Write keys to card": the same pick, then the restore screen in
 * keys-only mode. */
static void
screen_vsc_keys_picked (ui_t *ui, void *ctx, char *spec)
{
  screen_vsc_restore_pick (ui, ctx, spec, true);
}

static void
screen_vsc_diff_picked (ui_t *ui, void *ctx, char *spec)
{
  ui_screen_t *s = ctx;
  screen_vsc_arg_t *va = s->arg;
  vsc_state_t *st = s->state;
  screen_diff_arg_t *a;
  if (!spec)
    return;
  a = xtrycalloc (1, sizeof *a);
  if (a)
    {
      snprintf (a->a, sizeof a->a, "%s", va->path);
      snprintf (a->b, sizeof a->b, "%s", spec);
      a->image_a = scapi_vsc_image (st->vsc);
      ui_push (ui, UI_SCREEN_DIFF, a);
    }
  xfree (spec);
}

static void
screen_vsc_passwd_shown (ui_t *ui, void *ctx)
{
  (void) ctx;
  ui_status (ui, false, "%s", _("Password changed; the VSC was re-encrypted."));
}

static void
screen_vsc_passwd_done (ui_t *ui, void *ctx, char *pw)
{
  ui_screen_t *s = ctx;
  vsc_state_t *st = s->state;
  char *generated = NULL;
  gpg_error_t err;

  if (!pw)
    return;
  err = scapi_vsc_passwd (st->vsc, *pw ? pw : NULL, &generated);
  if (err)
    {
      xfree_secure (pw);
      screen_error (ui, err, scapi_last_error_text (), _("Changing the password"));
      return;
    }
  xfree_secure (st->password);
  if (generated)
    {
      xfree_secure (pw);
      st->password = xtrystrdup_secure (generated);
      screen_show_password (ui, generated,
                            _("The VSC now has a new generated password."),
                            screen_vsc_passwd_shown, s);
      wipememory (generated, strlen (generated));
      xfree_secure (generated);
    }
  else
    {
      st->password = pw;
      ui_status (ui, false, "%s", _("Password changed; the VSC was re-encrypted."));
    }
}

static void
screen_vsc_export_done (ui_t *ui, void *ctx, char *path)
{
  ui_screen_t *s = ctx;
  vsc_state_t *st = s->state;
  gpg_error_t err;
  if (!path)
    return;
  err = scapi_vsc_export_public (st->vsc, path);
  if (err)
    screen_error (ui, err, scapi_last_error_text (), _("Export"));
  else
    ui_status (ui, false, _("Public part written to %s"), path);
  xfree (path);
}

static void
screen_vsc_rm_done (ui_t *ui, void *ctx, bool yes)
{
  ui_screen_t *s = ctx;
  vsc_state_t *st = s->state;
  image_node_t *node = widget_tree_current (&st->tree);
  char *path;
  gpg_error_t err;

  if (!yes || !node)
    return;
  path = image_node_path (node);
  if (!path)
    return;
  err = scapi_vsc_rm (st->vsc, path);
  if (!err)
    err = scapi_vsc_save (st->vsc);
  if (err)
    screen_error (ui, err, scapi_last_error_text (), _("Removing"));
  else
    ui_status (ui, false, _("Removed %s"), path);
  xfree (path);
  screen_vsc_rebuild (st);
}

static void
screen_vsc_add_data (ui_t *ui, void *ctx, char *hexdata)
{
  ui_screen_t *s = ctx;
  vsc_state_t *st = s->state;
  buf_t b = BUF_INIT;
  gpg_error_t err;

  if (!hexdata)
    return;
  err = hex_decode (hexdata, &b);
  xfree (hexdata);
  if (!err)
    err = scapi_vsc_put (st->vsc, st->add_path, b.data, b.len, -1);
  if (!err)
    err = scapi_vsc_save (st->vsc);
  buf_free (&b);
  if (err)
    screen_error (ui, err, scapi_last_error_text (), _("Adding"));
  else
    ui_status (ui, false, _("Stored %s"), st->add_path);
  screen_vsc_rebuild (st);
}

static void
screen_vsc_add_path (ui_t *ui, void *ctx, char *path)
{
  ui_screen_t *s = ctx;
  vsc_state_t *st = s->state;
  if (!path)
    return;
  snprintf (st->add_path, sizeof st->add_path, "%s", path);
  xfree (path);
  screen_ask_input (ui, _("Add a node"), _("Content in hex (e.g. 5F2D 02 6465):"),
                    NULL, false, NULL, screen_vsc_add_data, s);
}

static unsigned
screen_vsc_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;
  unsigned r;
  gpg_error_t err;

  if (!st->vsc || !st->have_tree)
    return 0;
  r = widget_tree_key (ui, &st->tree, ch);
  if (r)
    return r;
  if (ui_key_is_enter (ch))
    {
      image_node_t *node = widget_tree_current (&st->tree);
      if (node && !screen_view_push (ui, node))
        return UI_HANDLED | UI_PUSH;
      return UI_HANDLED | UI_REDRAW;
    }
  switch (ch)
    {
    case KEY_F (6):
    case 'r':
      if (!scapi_vsc_unlocked (st->vsc))
        {
          ui_status (ui, true, "%s", _("Open the VSC with its password to restore it."));
          return UI_HANDLED | UI_REDRAW;
        }
      screen_pick_source (ui, _("Restore onto"), true, false,
                          screen_vsc_restore_picked, s);
      return UI_HANDLED | UI_PUSH;
    case 'K':
      if (!scapi_vsc_unlocked (st->vsc))
        {
          ui_status (ui, true, "%s", _("Open the VSC with its password to write its keys."));
          return UI_HANDLED | UI_REDRAW;
        }
      screen_pick_source (ui, _("Write keys to"), true, false,
                          screen_vsc_keys_picked, s);
      return UI_HANDLED | UI_PUSH;
    case KEY_F (7):
    case 'd':
      screen_pick_source (ui, _("Compare this VSC with"), true, true,
                          screen_vsc_diff_picked, s);
      return UI_HANDLED | UI_PUSH;
    case 'p':
      if (!scapi_vsc_unlocked (st->vsc))
        {
          ui_status (ui, true, "%s", _("Open the VSC with its password first."));
          return UI_HANDLED | UI_REDRAW;
        }
      screen_ask_input (ui, _("Change password"), _("New password:"),
                        _("Empty: generate a strong password (recommended)."),
                        true, NULL, screen_vsc_passwd_done, s);
      if (ui->push_pending)
        ((screen_input_arg_t *) ui->push_arg)->allow_empty = true;
      return UI_HANDLED | UI_PUSH;
    case 'v':
      err = scapi_vsc_verify (a->path, st->password);
      if (err)
        screen_error (ui, err, scapi_last_error_text (), _("Verify"));
      else if (st->password)
        ui_status (ui, false, "%s", _("Verified: every byte is authentic."));
      else
        ui_status (ui, false, "%s", _("Structure is valid (no password: content not verified)."));
      return UI_HANDLED | UI_REDRAW;
    case 'e':
      {
        char out[1100];
        size_t l = strlen (a->path);
        if (l > 4 && !strcmp (a->path + l - 4, ".vsc"))
          snprintf (out, sizeof out, "%.*s-public.vsc", (int) (l - 4), a->path);
        else
          snprintf (out, sizeof out, "%s-public.vsc", a->path);
        if (ui->kiosk)
          {
            char *p = xtrystrdup (out);
            if (p)
              screen_vsc_export_done (ui, s, p);
            return UI_HANDLED | UI_REDRAW;
          }
        screen_ask_input (ui, _("Export public part"), _("Write to file:"),
                          NULL, false, out, screen_vsc_export_done, s);
        return UI_HANDLED | UI_PUSH;
      }
    case 'x':
    case KEY_DC:
      {
        image_node_t *node = widget_tree_current (&st->tree);
        char msg[400], *path;
        if (!node || !scapi_vsc_unlocked (st->vsc))
          {
            ui_status (ui, true, "%s", _("Open the VSC with its password first."));
            return UI_HANDLED | UI_REDRAW;
          }
        path = image_node_path (node);
        snprintf (msg, sizeof msg, _("Remove %s and everything below it from the VSC?"),
                  path ? path : "?");
        xfree (path);
        screen_ask_confirm (ui, _("Remove node"), msg, NULL, screen_vsc_rm_done, s);
        return UI_HANDLED | UI_PUSH;
      }
    case 'a':
    case KEY_IC:
      if (!scapi_vsc_unlocked (st->vsc))
        {
          ui_status (ui, true, "%s", _("Open the VSC with its password first."));
          return UI_HANDLED | UI_REDRAW;
        }
      screen_ask_input (ui, _("Add a node"), _("Node path (e.g. openpgp/5F50, 3F00/5015/4401):"),
                        NULL, false, NULL, screen_vsc_add_path, s);
      return UI_HANDLED | UI_PUSH;
    default:
      return 0;
    }
}

static unsigned
screen_vsc_event (ui_t *ui, ui_screen_t *s, int ev)
{
  vsc_state_t *st = s->state;
  (void) ui;
  if (ev == UI_EV_RESUME && st->cancelled)
    return UI_POP;
  return ev == UI_EV_RESUME || ev == UI_EV_RESIZE ? UI_REDRAW : 0;
}

static void
screen_vsc_leave (ui_t *ui, ui_screen_t *s)
{
  vsc_state_t *st = s->state;
  (void) ui;
  if (st)
    {
      if (st->have_tree)
        widget_tree_free (&st->tree);
      scapi_vsc_close (st->vsc);   /* wipes */
      xfree_secure (st->password);
      xfree (st);
    }
  xfree (s->arg);
}

const ui_screen_ops_t screen_vsc_ops = {
  "vsc", screen_vsc_enter, screen_vsc_draw, screen_vsc_key, screen_vsc_event,
  screen_vsc_leave,
  N_("A virtual smart card. With the password every area is shown and\n"
     "authenticated; without it only the public and identifier areas, marked\n"
     "NOT VERIFIED. Enter views a node; a (or Insert) adds a node (path,\n"
     "then hex content), x removes one; p changes the password (new key, file\n"
     "re-encrypted); v verifies every byte; e exports the public part;\n"
     "F6/r restores onto a card; K writes only the keys of the secret-key\n"
     "area to a card (also one in use); F7/d compares with a card or VSC.")
};
