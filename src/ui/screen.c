/* screen.c - helpers the screens share: ask for input or confirmation,
 * run an operation with a progress dialog, pick a card or VSC, the list
 * view */
#include <config.h>
#include <stdio.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <curses.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/errctx.h"
#include "ui/ui.h"
#include "ui/backend.h"
#include "ui/screens.h"

/* The input dialog; a secret one (NOECHO) takes an empty answer. */
static void
screen_ask (ui_t *ui, const char *title, const char *prompt,
            const char *info, bool noecho, const char *initial,
            screen_input_done done, void *ctx)
{
  screen_input_arg_t *a = ui_push_new (ui, &screen_password_ops, sizeof *a);
  if (!a)
    {
      ui_status (ui, true, "%s", _("out of memory"));
      if (done)
        done (ui, ctx, NULL);
      return;
    }
  snprintf (a->title, sizeof a->title, "%s", title);
  snprintf (a->prompt, sizeof a->prompt, "%s", prompt);
  snprintf (a->info, sizeof a->info, "%s", info ? info : "");
  snprintf (a->initial, sizeof a->initial, "%s", initial ? initial : "");
  a->noecho = noecho;
  a->allow_empty = noecho;
  a->done = done;
  a->ctx = ctx;
}

void
screen_ask_input (ui_t *ui, const char *title, const char *prompt,
                  const char *info, const char *initial,
                  screen_input_done done, void *ctx)
{
  screen_ask (ui, title, prompt, info, false, initial, done, ctx);
}

void
screen_ask_secret (ui_t *ui, const char *title, const char *prompt,
                   const char *info, screen_input_done done, void *ctx)
{
  screen_ask (ui, title, prompt, info, true, NULL, done, ctx);
}

void
screen_ask_vsc_password (ui_t *ui, const char *path, screen_input_done done,
                         void *ctx)
{
  char prompt[1200];

  snprintf (prompt, sizeof prompt, _("Password for %s:"), path);
  screen_ask_secret (ui, _("VSC password"), prompt,
                     _("Empty: open the public area only (not verified)."),
                     done, ctx);
}

/* The argument of a confirmation dialog titled TITLE that answers DONE
 * with CTX (NULL when out of memory). */
static screen_confirm_arg_t *
screen_confirm_new (const char *title, screen_confirm_done done, void *ctx)
{
  screen_confirm_arg_t *a = xtrycalloc (1, sizeof *a);

  if (a)
    {
      snprintf (a->title, sizeof a->title, "%s", title);
      a->done = done;
      a->ctx = ctx;
    }
  return a;
}

unsigned
screen_ask_confirm (ui_t *ui, const char *title, const char *message,
                    const char *typed, screen_confirm_done done, void *ctx)
{
  screen_confirm_arg_t *a = screen_confirm_new (title, done, ctx);
  if (!a)
    {
      ui_status (ui, true, "%s", _("out of memory"));
      if (done)
        done (ui, ctx, false);
      return UI_PUSH;
    }
  snprintf (a->message, sizeof a->message, "%s", message);
  snprintf (a->typed, sizeof a->typed, "%s", typed ? typed : "");
  ui_push (ui, &screen_confirm_ops, a);
  return UI_PUSH;
}

void
screen_run_task (ui_t *ui, const char *title, task_fn fn, void *fn_arg,
                 screen_progress_done done, void *ctx)
{
  screen_progress_arg_t *a = ui_push_new (ui, &screen_progress_ops,
                                          sizeof *a);
  if (!a)
    {
      if (done)
        done (ui, ctx, gpg_error_from_syserror (), "");
      return;
    }
  snprintf (a->title, sizeof a->title, "%s", title);
  a->fn = fn;
  a->fn_arg = fn_arg;
  a->done = done;
  a->ctx = ctx;
}

typedef struct {
  screen_source_done done;
  void *ctx;
  char **specs;
  size_t n;
} source_pick_t;

static void
screen_source_picked (ui_t *ui, void *vctx, size_t idx)
{
  source_pick_t *p = vctx;
  char *spec = NULL;
  if (idx < p->n)
    {
      spec = p->specs[idx];
      p->specs[idx] = NULL;
    }
  p->done (ui, p->ctx, spec);
  backend_free_list (p->specs, p->n);
  xfree (p);
}

unsigned
screen_pick_source (ui_t *ui, const char *title, bool cards, bool vscs,
                    screen_source_done done, void *ctx)
{
  screen_pick_arg_t *a = NULL;
  source_pick_t *p = NULL;
  char **vl = NULL;
  size_t nv = 0, cap;

  if (vscs)
    backend_vsc_list (ui, &vl, &nv);
  cap = ui->n_readers + nv + ui->n_recent + 1;
  a = xtrycalloc (1, sizeof *a);
  p = xtrycalloc (1, sizeof *p);
  if (a)
    a->items = xtrycalloc (cap, sizeof *a->items);
  if (p)
    p->specs = xtrycalloc (cap, sizeof *p->specs);
  if (!a || !p || !a->items || !p->specs)
    goto oom;
  if (cards)
    for (size_t i = 0; i < ui->n_readers; i++)
      {
        ui_reader_t *r = &ui->readers[i];
        char buf[400];
        if (!r->present)
          continue;
        snprintf (buf, sizeof buf, _("Card in %s  %s %s"), r->name, r->type,
                  r->label);
        a->items[a->n] = xtrystrdup (buf);
        snprintf (buf, sizeof buf, "card:%s", r->name);
        p->specs[a->n] = xtrystrdup (buf);
        if (!a->items[a->n] || !p->specs[a->n])
          goto oom;
        a->n++;
      }
  if (vscs)
    {
      for (size_t i = 0; i < nv; i++)
        {
          char buf[1200];
          snprintf (buf, sizeof buf, _("VSC %s"), vl[i]);
          a->items[a->n] = xtrystrdup (buf);
          p->specs[a->n] = xtrystrdup (vl[i]);
          if (!a->items[a->n] || !p->specs[a->n])
            goto oom;
          a->n++;
        }
      for (size_t i = 0; i < ui->n_recent; i++)
        {
          char buf[1200];
          bool dup = false;
          for (size_t j = 0; j < nv; j++)
            if (!strcmp (vl[j], ui->recent[i]))
              dup = true;
          if (dup)
            continue;
          snprintf (buf, sizeof buf, _("VSC %s"), ui->recent[i]);
          a->items[a->n] = xtrystrdup (buf);
          p->specs[a->n] = xtrystrdup (ui->recent[i]);
          if (!a->items[a->n] || !p->specs[a->n])
            goto oom;
          a->n++;
        }
    }
  backend_free_list (vl, nv);
  p->n = a->n;
  p->done = done;
  p->ctx = ctx;
  snprintf (a->title, sizeof a->title, "%s", title);
  snprintf (a->prompt, sizeof a->prompt, "%s",
            cards && vscs ? _("Choose a card or a VSC:")
            : cards ? _("Choose a card:") : _("Choose a VSC:"));
  a->done = screen_source_picked;
  a->ctx = p;
  ui_push (ui, &screen_pick_ops, a);
  return UI_PUSH;

 oom:
  backend_free_list (vl, nv);
  if (a)
    {
      for (size_t i = 0; i < a->n + 1 && a->items; i++)
        xfree (a->items[i]);
      xfree (a->items);
      xfree (a);
    }
  if (p)
    {
      backend_free_list (p->specs, a ? cap : 0);
      xfree (p);
    }
  ui_status (ui, true, "%s", _("out of memory"));
  done (ui, ctx, NULL);
  return UI_PUSH;      /* as a key action that asked (DONE was told) */
}

void
screen_error (ui_t *ui, gpg_error_t err, const char *text, const char *what)
{
  if (gpg_err_code (err) == GPG_ERR_CANCELED)
    ui_status (ui, true, _("%s: cancelled"), what);
  else if (text && *text)
    ui_status (ui, true, "%s: %s", what, text);
  else
    ui_status (ui, true, "%s: %s", what, vsc_strerror (err));
}

void
screen_format_utc (uint64_t secs, bool with_seconds, char *buf, size_t size)
{
  time_t t = (time_t) secs;
  struct tm tm;

  if (!secs || !gmtime_r (&t, &tm)
      || !strftime (buf, size, with_seconds ? "%Y-%m-%d %H:%M:%S"
                                             : "%Y-%m-%d %H:%M", &tm))
    snprintf (buf, size, "%s", "-");
}

unsigned
screen_close (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  (void) s;
  return UI_POP;
}

unsigned
screen_menu_key (ui_t *ui, ui_screen_t *s, int ch)
{
  (void) ui;
  return widget_menu_key ((widget_menu_t *) s->state, ch);
}

void
screen_list_set (screen_list_t *l, size_t n)
{
  if (l->have)
    widget_menu_set_count (&l->menu, n);
  else
    widget_menu_init (&l->menu, n);
  l->have = true;
}

void
screen_list_take (screen_list_t *l, void *rows, size_t n)
{
  xfree (l->rows);
  l->rows = rows;
  screen_list_set (l, n);
}

void
screen_list_leave (ui_t *ui, ui_screen_t *s)
{
  screen_list_t *l = s->state;
  (void) ui;
  xfree (l->rows);
  l->rows = NULL;
}

void
screen_list_draw (ui_t *ui, screen_list_t *l, int y, widget_menu_item_fn fn,
                  void *ctx, const char *header_fmt, ...)
{
  char header[1024];
  va_list ap;

  va_start (ap, header_fmt);
  vsnprintf (header, sizeof header, header_fmt, ap);
  va_end (ap);
  draw_text (ui, y, 0, ui->cols, A_BOLD, header);
  widget_menu_draw (ui, &l->menu, y + 1, 0, ui->rows - 3 - y, ui->cols, fn,
                    ctx);
}

/* The key hook: the rows move once they are there. */
unsigned
screen_list_key (ui_t *ui, ui_screen_t *s, int ch)
{
  screen_list_t *l = s->state;
  (void) ui;
  return l->have ? widget_menu_key (&l->menu, ch) : 0;
}

unsigned
screen_list_mode (ui_t *ui, ui_screen_t *s)
{
  screen_list_t *l = s->state;
  (void) ui;
  if (!l->have)
    return 0;
  return UI_MODE_LIST | (l->menu.n ? UI_MODE_ITEMS : 0);
}

void
screen_list_failed (ui_t *ui, ui_screen_t *s, gpg_error_t err, bool first,
                    const char *text, const char *what)
{
  screen_list_t *l = s->state;

  if (first && !l->have)
    s->close_on_resume = true;
  screen_error (ui, err, text, what);
}

gpg_error_t
screen_remote_failed (gpg_error_t err, char *msg, size_t size)
{
  if (err)
    snprintf (msg, size, "%s", errctx_text ());
  return err;
}

void
screen_failed (ui_t *ui, gpg_error_t err, const char *text,
               const char *what, char *buf, size_t size)
{
  snprintf (buf, size, "%s", text && *text ? text : vsc_strerror (err));
  screen_error (ui, err, text, what);
}

gpg_error_t
screen_discover_job (void *arg, const scapi_cb_t *cb)
{
  screen_discover_job_t *j = arg;
  scapi_card_t *card = NULL;
  scapi_discover_opts_t opts;
  scapi_cb_t mycb = *cb;
  gpg_error_t err;

  /* Discovery asks no PIN: protected objects are read at backup time,
   * and only those the user selected. */
  mycb.pin = NULL;
  cb = &mycb;
  memset (&opts, 0, sizeof opts);
  opts.read_content = true;
  opts.no_scan = j->no_scan;
  opts.defer = j->defer;
  err = scapi_card_open (backend_sc (j->ui), j->reader, &card);
  if (!err)
    err = scapi_discover (card, &opts, cb, &j->image);
  if (!err)   /* what the card is, from that discovery (not a second) */
    err = scapi_card_describe (card, j->image, &j->info);
  if (!err && j->keep_card)
    {
      j->card = card;
      card = NULL;
    }
  scapi_card_close (card);
  return err;
}

typedef struct {
  screen_image_done done;
  void *ctx;
  char spec[1024];
  screen_discover_job_t job;
  bool cancelled;
} image_load_t;

static void
screen_load_card_done (ui_t *ui, void *vctx, gpg_error_t err,
                       const char *text)
{
  image_load_t *l = vctx;
  if (err)
    {
      screen_error (ui, err, text, _("Reading the card"));
      image_free (l->job.image);
      l->done (ui, l->ctx, NULL, l->spec);
    }
  else
    l->done (ui, l->ctx, l->job.image, l->spec);
  xfree (l);
}

static void
screen_load_pw_done (ui_t *ui, void *vctx, char *pw)
{
  image_load_t *l = vctx;
  scapi_vsc_t *vsc = NULL;
  image_t *copy = NULL;
  gpg_error_t err;

  if (!pw)
    {
      l->done (ui, l->ctx, NULL, l->spec);
      xfree (l);
      return;
    }
  err = scapi_vsc_open (l->spec, *pw ? pw : NULL, &vsc);
  xfree_secure (pw);
  if (!err)
    err = image_copy (scapi_vsc_image (vsc), &copy);
  scapi_vsc_close (vsc);
  if (err)
    {
      screen_error (ui, err, scapi_last_error_text (), _("Opening the VSC"));
      copy = NULL;
    }
  l->done (ui, l->ctx, copy, l->spec);
  xfree (l);
}

void
screen_load_image (ui_t *ui, const char *spec, screen_image_done done,
                   void *ctx)
{
  image_load_t *l = xtrycalloc (1, sizeof *l);

  if (!l)
    {
      done (ui, ctx, NULL, spec);
      return;
    }
  l->done = done;
  l->ctx = ctx;
  snprintf (l->spec, sizeof l->spec, "%s", spec);
  if (!strncmp (spec, "card:", 5))
    {
      l->job.ui = ui;
      snprintf (l->job.reader, sizeof l->job.reader, "%s", spec + 5);
      screen_run_task (ui, _("Reading the card"), screen_discover_job,
                       &l->job, screen_load_card_done, l);
      return;
    }
  screen_ask_vsc_password (ui, spec, screen_load_pw_done, l);
}

char *
screen_group_password (const char *pw)
{
  /* Shown exactly as scapi made it (it is already grouped for copying
   * by hand); adding separators here would change the password. */
  return xtrystrdup_secure (pw);
}

typedef struct {
  screen_shown_done done;
  void *ctx;
  char *pw;               /* secure */
  char what[256];
} shown_t;

static void screen_show_password_push (ui_t *ui, shown_t *sh);

static void
screen_show_password_answer (ui_t *ui, void *vctx, bool yes)
{
  shown_t *sh = vctx;
  if (!yes)
    {
      screen_show_password_push (ui, sh);
      return;
    }
  xfree_secure (sh->pw);
  if (sh->done)
    sh->done (ui, sh->ctx);
  xfree (sh);
}

static void
screen_show_password_push (ui_t *ui, shown_t *sh)
{
  screen_confirm_arg_t *a = screen_confirm_new (_("New VSC password"),
                                                screen_show_password_answer,
                                                sh);
  if (!a)
    {
      screen_show_password_answer (ui, sh, true);
      return;
    }
  snprintf (a->message, sizeof a->message,
            _("%s\n\nPassword:   %s\n\nWrite it down now. It is shown only once and\n"
              "cannot be recovered; without it the private areas stay locked.\n\n"
              "I have written it down?"), sh->what, sh->pw);
  a->wipe = true;
  ui_push (ui, &screen_confirm_ops, a);
}

void
screen_show_password (ui_t *ui, const char *pw, const char *what,
                      screen_shown_done done, void *ctx)
{
  shown_t *sh = xtrycalloc (1, sizeof *sh);
  if (!sh || !(sh->pw = screen_group_password (pw)))
    {
      xfree (sh);
      ui_status (ui, true, "%s", _("out of memory"));
      if (done)
        done (ui, ctx);
      return;
    }
  sh->done = done;
  sh->ctx = ctx;
  snprintf (sh->what, sizeof sh->what, "%s", what);
  screen_show_password_push (ui, sh);
}
