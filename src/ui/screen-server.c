/* screen-server.c - a vscd server (src/remote client): list the
 * account's VSCs, download one into the VSC directory, upload a local
 * VSC, let the server create a new VSC (its password is shown once),
 * delete, show a VSC's history (screen-history.c: old generations, and
 * restoring one onto a card). The connection runs on the worker (calls
 * block). */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "remote/client.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

enum srv_op { SRV_CONNECT, SRV_LIST, SRV_GET, SRV_PUT, SRV_CREATE, SRV_DELETE };

typedef struct {
  ui_t *ui;
  enum srv_op op;
  char url[512];
  remote_t *r;
  proto_entry_t *list;     /* the fresh list, until the done callback */
  size_t n;
  char uuid[64];
  uint64_t gen;
  char path[1024];
  char *password;          /* secure, from create */
  char msg[256];
} srv_job_t;

typedef struct {
  screen_list_t list;      /* first: the list view (proto_entry_t rows);
                              there once connected */
  srv_job_t job;
} srv_state_t;

static gpg_error_t
screen_server_job (void *arg, const scapi_cb_t *cb)
{
  srv_job_t *j = arg;
  gpg_error_t err = 0;
  remote_opts_t opts = REMOTE_OPTS_INIT;
  (void) cb;

  j->msg[0] = 0;
  if (!j->r)
    {
      opts.ssh_stderr_fd = -1;
      err = remote_open (j->url, &opts, &j->r);
      if (err)
        goto leave;
    }
  switch (j->op)
    {
    case SRV_GET:
      err = remote_get_file (j->r, j->uuid, j->path, &j->gen);
      break;
    case SRV_PUT:
      err = remote_put_file (j->r, j->uuid, j->gen, j->path, &j->gen);
      break;
    case SRV_CREATE:
      err = remote_create_file (j->r, j->path, j->uuid, &j->gen, &j->password);
      break;
    case SRV_DELETE:
      err = remote_delete (j->r, j->uuid, j->gen);
      break;
    default:
      break;
    }
  if (err)
    goto leave;
  /* Every operation ends with a fresh list. */
  xfree (j->list);
  j->list = NULL;
  j->n = 0;
  err = remote_list (j->r, &j->list, &j->n);

 leave:
  return screen_remote_failed (err, j->msg, sizeof j->msg);
}

static unsigned screen_server_run (ui_t *ui, ui_screen_t *s, int op);

static void
screen_server_created_shown (ui_t *ui, void *ctx)
{
  (void) ctx;
  ui_status (ui, false, "%s", _("The server created the VSC; a copy is in the VSC directory."));
}

static void
screen_server_done (ui_t *ui, void *ctx, gpg_error_t err, const char *text)
{
  ui_screen_t *s = ctx;
  srv_state_t *st = s->state;
  srv_job_t *j = &st->job;
  (void) text;

  if (err)
    {
      screen_list_failed (ui, s, err, j->op == SRV_CONNECT && !j->r, j->msg,
                          _("Server"));
      return;
    }
  screen_list_take (&st->list, j->list, j->n);
  j->list = NULL;
  switch (j->op)
    {
    case SRV_GET:
      settings_add_recent (ui, j->path);
      ui_status (ui, false, _("Downloaded to %s"), j->path);
      break;
    case SRV_PUT:
      ui_status (ui, false, _("Uploaded %s (generation %llu)"), j->uuid,
                 (unsigned long long) j->gen);
      break;
    case SRV_DELETE:
      ui_status (ui, false, _("Deleted %s"), j->uuid);
      break;
    case SRV_CREATE:
      settings_add_recent (ui, j->path);
      if (j->password)
        {
          screen_show_password (ui, j->password,
                                _("The server created a new VSC with this password."),
                                screen_server_created_shown, s);
          wipememory (j->password, strlen (j->password));
          xfree_secure (j->password);
          j->password = NULL;
        }
      break;
    default:
      break;
    }
}

/* Run OP (enum srv_op) with a progress dialog; also the key action of
 * Refresh (SRV_LIST). */
static unsigned
screen_server_run (ui_t *ui, ui_screen_t *s, int op)
{
  srv_state_t *st = s->state;
  st->job.op = op;
  screen_run_task (ui, _("Talking to the server"), screen_server_job,
                   &st->job, screen_server_done, s);
  return UI_PUSH;
}

static void
screen_server_url_done (ui_t *ui, void *ctx, char *url)
{
  ui_screen_t *s = ctx;
  srv_state_t *st = s->state;
  if (!url)
    {
      s->close_on_resume = true;
      return;
    }
  snprintf (st->job.url, sizeof st->job.url, "%s", url);
  snprintf (ui->settings.server, sizeof ui->settings.server, "%s", url);
  settings_save (ui);
  xfree (url);
  screen_server_run (ui, s, SRV_CONNECT);
}

static gpg_error_t
screen_server_enter (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;

  if (ui->kiosk)
    {
      ui_status (ui, true, "%s", _("The server screen is not available in kiosk mode."));
      return gpg_error (GPG_ERR_CANCELED);
    }
  st->job.ui = ui;
  screen_ask_input (ui, _("Server"),
                    _("Server (ssh://[user@]host[:port][/vault] or unix:/path/to/socket):"),
                    NULL,
                    ui->settings.server[0] ? ui->settings.server : "ssh://",
                    screen_server_url_done, s);
  return 0;
}

static void
screen_server_item (ui_t *ui, void *ctx, size_t idx, int y, int x, int w,
                    bool sel)
{
  srv_state_t *st = ctx;
  const proto_entry_t *e = (const proto_entry_t *) st->list.rows + idx;
  char when[32];

  screen_format_utc (e->mtime, false, when, sizeof when);
  draw_textf (ui, y, x, w, draw_row_attr (ui, sel),
              " %-36s %6llu %10llu  %s", e->uuid, (unsigned long long) e->gen,
              (unsigned long long) e->size, when);
}

static void
screen_server_draw (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;

  draw_screen (ui, s, _("Server"));
  draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("Server: %s  %s"), st->job.url,
              st->list.have ? _("(connected)") : _("(not connected)"));
  if (!st->list.have)
    return;
  draw_textf (ui, 2, 1, ui->cols - 2, A_BOLD, _("%zu VSCs on the server (encrypted; the server never sees a password)"),
              st->list.menu.n);
  screen_list_draw (ui, &st->list, 3, screen_server_item, st,
                    " %-36s %6s %10s  %s", "UUID", _("Gen."), _("Bytes"),
                    _("Modified (UTC)"));
}

static void
screen_server_upload_picked (ui_t *ui, void *ctx, char *spec)
{
  ui_screen_t *s = ctx;
  srv_state_t *st = s->state;
  scapi_vsc_t *vsc = NULL;
  gpg_error_t err;

  if (!spec)
    return;
  err = scapi_vsc_open (spec, NULL, &vsc);
  if (err)
    {
      screen_error (ui, err, scapi_last_error_text (), _("Upload"));
      xfree (spec);
      return;
    }
  snprintf (st->job.uuid, sizeof st->job.uuid, "%s", scapi_vsc_uuid (vsc));
  scapi_vsc_close (vsc);
  snprintf (st->job.path, sizeof st->job.path, "%s", spec);
  xfree (spec);
  st->job.gen = 0;
  for (size_t i = 0; i < st->list.menu.n; i++)
    {
      const proto_entry_t *e = (const proto_entry_t *) st->list.rows + i;
      if (!strcmp (e->uuid, st->job.uuid))
        st->job.gen = e->gen;
    }
  screen_server_run (ui, s, SRV_PUT);
}

static void
screen_server_delete_confirmed (ui_t *ui, void *ctx, bool yes)
{
  ui_screen_t *s = ctx;
  if (yes)
    screen_server_run (ui, s, SRV_DELETE);
}

/* ---- keys ------------------------------------------------------------ */

/* The keys' mode: connected (the list view shows the VSCs). */
enum { SRV_CONNECTED = UI_MODE_LIST };

static const proto_entry_t *
screen_server_current (srv_state_t *st)
{
  return st->list.menu.n
    ? (const proto_entry_t *) st->list.rows + st->list.menu.cur : NULL;
}

static unsigned
screen_server_get (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;
  const proto_entry_t *e = screen_server_current (st);

  if (!e)
    return 0;
  snprintf (st->job.uuid, sizeof st->job.uuid, "%s", e->uuid);
  backend_make_vsc_dir (ui);
  snprintf (st->job.path, sizeof st->job.path, "%.900s/%s.vsc",
            ui->settings.vsc_dir, e->uuid);
  return screen_server_run (ui, s, SRV_GET);
}

static unsigned
screen_server_put (ui_t *ui, ui_screen_t *s)
{
  return screen_pick_source (ui, _("Upload a VSC"), false, true,
                             screen_server_upload_picked, s);
}

static unsigned
screen_server_create (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;
  char *p = backend_new_vsc_path (ui, "server");

  if (!p)
    return UI_HANDLED;
  snprintf (st->job.path, sizeof st->job.path, "%s", p);
  xfree (p);
  return screen_server_run (ui, s, SRV_CREATE);
}

static unsigned
screen_server_delete (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;
  const proto_entry_t *e = screen_server_current (st);
  char msg[200];

  if (!e)
    return UI_HANDLED;
  snprintf (st->job.uuid, sizeof st->job.uuid, "%s", e->uuid);
  st->job.gen = e->gen;
  snprintf (msg, sizeof msg, _("Delete %s from the server?"), e->uuid);
  return screen_ask_confirm (ui, _("Delete"), msg, NULL,
                             screen_server_delete_confirmed, s);
}

static unsigned
screen_server_history (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;
  const proto_entry_t *e = screen_server_current (st);
  screen_history_arg_t *a;

  if (!e || !st->job.r)
    return UI_HANDLED;
  a = ui_push_new (ui, &screen_history_ops, sizeof *a);
  if (!a)
    return UI_HANDLED;
  a->remote = st->job.r;
  snprintf (a->uuid, sizeof a->uuid, "%s", e->uuid);
  return UI_PUSH;
}

static const ui_key_t screen_server_keys[] = {
  UI_KEY ('\n', 'g', SRV_CONNECTED, N_("Download"),
          N_("download the VSC under the cursor into the VSC directory"),
          screen_server_get),
  UI_KEY ('h', 0, SRV_CONNECTED, N_("History"),
          N_("the generations the server keeps of the VSC under the cursor: "
             "download one or restore it onto a card"), screen_server_history),
  UI_KEY ('u', 0, SRV_CONNECTED, N_("Upload"),
          N_("upload a local VSC (a new generation if it is there already)"),
          screen_server_put),
  UI_KEY ('c', 0, SRV_CONNECTED, N_("Create"),
          N_("let the server create a new VSC (its password is shown once)"),
          screen_server_create),
  UI_KEY ('x', KEY_DC, SRV_CONNECTED, N_("Delete"),
          N_("delete the VSC under the cursor"), screen_server_delete),
  UI_KEY_ARG (KEY_F (3), 0, SRV_CONNECTED, N_("Refresh"),
              N_("list the VSCs again"), screen_server_run, SRV_LIST),
  UI_KEYS_END
};

static void
screen_server_leave (ui_t *ui, ui_screen_t *s)
{
  srv_state_t *st = s->state;
  remote_close (st->job.r);
  xfree (st->job.list);      /* a list the done callback did not take */
  xfree_secure (st->job.password);
  screen_list_leave (ui, s);
}

const ui_screen_ops_t screen_server_ops = {
  .name = "server", .enter = screen_server_enter,
  .draw = screen_server_draw, .key = screen_list_key,
  .leave = screen_server_leave,
  .keys = screen_server_keys, .mode = screen_list_mode,
  .state_size = sizeof (srv_state_t),
  .help = N_("A vscd server: the VSCs of your account there (encrypted; the server\n"
             "never stores a password).")
};
