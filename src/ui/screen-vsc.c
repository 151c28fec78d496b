/* screen-vsc.c - an open VSC: identifier, areas and tree; view, add and
 * remove nodes, change the password, verify, export the public part,
 * restore onto a card, compare. Without the password only the public
 * and identifier areas are shown, marked "not verified". */
#include <config.h>
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
  screen_tree_t view;      /* first: the tree view's state */
  scapi_vsc_t *vsc;
  char *password;          /* secure; NULL when opened without */
  char add_path[256];
} vsc_state_t;

static gpg_error_t
screen_vsc_rebuild (vsc_state_t *st)
{
  return screen_tree_set (&st->view, st->vsc ? scapi_vsc_image (st->vsc)
                                             : NULL, false);
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
      s->close_on_resume = true;
      return;
    }
  err = scapi_vsc_open (a->path, *pw ? pw : NULL, &st->vsc);
  if (err)
    {
      xfree_secure (pw);
      screen_error (ui, err, scapi_last_error_text (), _("Opening the VSC"));
      s->close_on_resume = true;
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

  screen_ask_vsc_password (ui, a->path, screen_vsc_pw_done, s);
  return 0;
}

static void
screen_vsc_draw (ui_t *ui, ui_screen_t *s)
{
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;
  const image_t *img;
  char atr[80] = "";
  size_t bytes = 0, nodes;

  draw_screen (ui, s, _("Virtual smart card"));
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
  screen_tree_draw (ui, &st->view, 4);
}

/* ---- actions ---------------------------------------------------------- */

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
  err = scapi_vsc_passwd (st->vsc, *pw ? pw : NULL, NULL, &generated);
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
  image_node_t *node = screen_tree_current (&st->view);
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
    err = scapi_vsc_put (st->vsc, st->add_path, b.data, b.len, -1, 0);
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
                    NULL, NULL, screen_vsc_add_data, s);
}

/* ---- keys ------------------------------------------------------------ */

static unsigned
screen_vsc_mode (ui_t *ui, ui_screen_t *s)
{
  vsc_state_t *st = s->state;
  (void) ui;
  return st->vsc ? screen_tree_mode (s) : 0;
}

/* Most changes need the password: say so instead of doing nothing. */
static bool
screen_vsc_need_unlocked (ui_t *ui, vsc_state_t *st, const char *msg)
{
  if (scapi_vsc_unlocked (st->vsc))
    return true;
  ui_status (ui, true, "%s", msg);
  return false;
}

/* Pick the card to write this VSC onto, then the restore screen (KEYS:
 * "write keys to card", keys-only): only with its password. */
static unsigned
screen_vsc_restore (ui_t *ui, ui_screen_t *s, int keys)
{
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;

  if (!screen_vsc_need_unlocked (ui, st, keys
                                 ? _("Open the VSC with its password to write its keys.")
                                 : _("Open the VSC with its password to restore it.")))
    return UI_REDRAW;
  return screen_pick_restore (ui, keys ? _("Write keys to") : _("Restore onto"),
                              NULL, a->path, st->vsc, keys != 0);
}

static unsigned
screen_vsc_diff (ui_t *ui, ui_screen_t *s)
{
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;

  return screen_pick_diff (ui, _("Compare this VSC with"), a->path,
                           scapi_vsc_image (st->vsc));
}

static unsigned
screen_vsc_passwd (ui_t *ui, ui_screen_t *s)
{
  if (!screen_vsc_need_unlocked (ui, s->state, _("Open the VSC with its password first.")))
    return UI_REDRAW;
  screen_ask_secret (ui, _("Change password"), _("New password:"),
                     _("Empty: generate a strong password (recommended)."),
                     screen_vsc_passwd_done, s);
  return UI_PUSH;
}

static unsigned
screen_vsc_verify (ui_t *ui, ui_screen_t *s)
{
  screen_vsc_arg_t *a = s->arg;
  vsc_state_t *st = s->state;
  gpg_error_t err = scapi_vsc_verify (a->path, st->password, NULL);

  if (err)
    screen_error (ui, err, scapi_last_error_text (), _("Verify"));
  else if (st->password)
    ui_status (ui, false, "%s", _("Verified: every byte is authentic."));
  else
    ui_status (ui, false, "%s", _("Structure is valid (no password: content not verified)."));
  return UI_REDRAW;
}

static unsigned
screen_vsc_export (ui_t *ui, ui_screen_t *s)
{
  screen_vsc_arg_t *a = s->arg;
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
      return UI_REDRAW;
    }
  screen_ask_input (ui, _("Export public part"), _("Write to file:"),
                    NULL, out, screen_vsc_export_done, s);
  return UI_PUSH;
}

static unsigned
screen_vsc_rm (ui_t *ui, ui_screen_t *s)
{
  vsc_state_t *st = s->state;
  image_node_t *node = screen_tree_current (&st->view);
  char msg[400], *path;

  if (!node || !screen_vsc_need_unlocked (ui, st, _("Open the VSC with its password first.")))
    return UI_REDRAW;
  path = image_node_path (node);
  snprintf (msg, sizeof msg, _("Remove %s and everything below it from the VSC?"),
            path ? path : "?");
  xfree (path);
  return screen_ask_confirm (ui, _("Remove node"), msg, NULL,
                             screen_vsc_rm_done, s);
}

static unsigned
screen_vsc_add (ui_t *ui, ui_screen_t *s)
{
  if (!screen_vsc_need_unlocked (ui, s->state, _("Open the VSC with its password first.")))
    return UI_REDRAW;
  screen_ask_input (ui, _("Add a node"), _("Node path (e.g. openpgp/5F50, 3F00/5015/4401):"),
                    NULL, NULL, screen_vsc_add_path, s);
  return UI_PUSH;
}

static const ui_key_t screen_vsc_keys_table[] = {
  SCREEN_TREE_KEYS,             /* first: Enter View, / */
  UI_KEY_ARG (KEY_F (6), 'r', UI_MODE_TREE, N_("Restore"),
              N_("restore the VSC onto a card"), screen_vsc_restore, false),
  UI_KEY_ARG ('K', 0, UI_MODE_TREE, N_("Write keys"),
              N_("write only the keys of the secret-key area to a card (also "
                 "one in use)"), screen_vsc_restore, true),
  UI_KEY (KEY_F (7), 'd', UI_MODE_TREE, N_("Diff"),
          N_("compare with a card or another VSC"), screen_vsc_diff),
  UI_KEY ('p', 0, UI_MODE_TREE, N_("Password"),
          N_("change the password (new key, the file is re-encrypted)"),
          screen_vsc_passwd),
  UI_KEY ('v', 0, UI_MODE_TREE, N_("Verify"),
          N_("verify every byte of the file"), screen_vsc_verify),
  UI_KEY ('e', 0, UI_MODE_TREE, N_("Export"),
          N_("export the public part as a VSC"), screen_vsc_export),
  UI_KEY ('a', KEY_IC, UI_MODE_TREE, N_("Add"),
          N_("add a node (path, then hex content)"), screen_vsc_add),
  UI_KEY ('x', KEY_DC, UI_MODE_TREE, N_("Remove"),
          N_("remove the node and what is below it"), screen_vsc_rm),
  UI_KEYS_END
};

static void
screen_vsc_leave (ui_t *ui, ui_screen_t *s)
{
  vsc_state_t *st = s->state;
  (void) ui;
  screen_tree_free (&st->view);
  scapi_vsc_close (st->vsc);   /* wipes */
  xfree_secure (st->password);
}

const ui_screen_ops_t screen_vsc_ops = {
  .name = "vsc", .enter = screen_vsc_enter, .draw = screen_vsc_draw,
  .key = screen_tree_key,
  .leave = screen_vsc_leave, .keys = screen_vsc_keys_table,
  .mode = screen_vsc_mode, .state_size = sizeof (vsc_state_t),
  .help = N_("A virtual smart card. With the password every area is shown and\n"
             "authenticated; without it only the public and identifier areas,\n"
             "marked NOT VERIFIED.")
};
