/* screen-card.c - a card's discovered tree (DF/EF/DO/record/key with
 * size, access, area, source, "not extractable"), `/` search, select
 * for backup, view content as hex + ASCII or decoded TLV.
 *
 * The tree first, the scan after: the screen shows what the card lists
 * (scapi_discover with no_scan) and then runs the FID scan on the worker
 * in the background. The scan works on its own copy of the image; every
 * node it finds arrives as a queued event (task_post_node) and is added
 * to the screen's image, so the tree grows while the scan runs. When the
 * scan ends (done, Esc, or stopped for a backup) its image, which has
 * the content of what it found and the position where it stopped,
 * replaces the screen's. Esc stops it before its next APDU; F5 stops it
 * and backs up what is known; s scans on from the recorded position,
 * and so does coming back from a backup that stopped it.
 *
 * Leaving the screen keeps what the scan found and where it stopped
 * (ui->card_memo, one card): opening the same card again (same reader,
 * ATR, serial and label, not removed since) shows those nodes at once
 * and scans on from that position instead of from the start; a scan
 * that was complete is not run again. */
#include <config.h>
#include <stdio.h>
#include <string.h>
#include <curses.h>

#include "common/util.h"
#include "common/hex.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/widget.h"
#include "ui/backend.h"
#include "ui/screens.h"

/* The card screen's own modes (ui_screen_t.mode bits 0..7). */
enum { CARD_SCANNING = 0x1, CARD_SCAN_PENDING = 0x2 };

typedef struct {
  scapi_card_t *card;          /* the screen's session, borrowed */
  image_t *image;              /* the scan's copy (the job mutates it) */
  scapi_scan_report_t rep;
} card_scan_job_t;

typedef struct {
  screen_tree_t view;          /* first: the tree view's state */
  screen_discover_job_t job;   /* job.card: the session, kept open */
  image_t *image;
  bool failed;
  char error[512];
  char diff_a[160];
  /* the background scan */
  ui_task_t *scan;
  card_scan_job_t sjob;
  scapi_progress_t rep;        /* its progress as reported */
  long long rep_ms;
  scapi_progress_t prog;       /* as shown (elapsed/ETA move on) */
  size_t found;                /* nodes the scans found */
  bool stopping;               /* Esc was pressed */
  bool scan_on_return;         /* stopped for a backup: go on after */
  bool scan_pending;           /* the image records where it stopped */
  bool scan_complete;          /* a scan ran to its end */
  char scan_next[SCAPI_PATH_MAX];
  char scan_line[512];         /* how the last scan ended */
  int scan_line_attr;
} card_state_t;

static unsigned screen_card_scan_start (ui_t *ui, ui_screen_t *s);

/* The scan on the worker: scapi_scan of the job's image copy, every
 * node found queued for the screen. */
static gpg_error_t
screen_card_scan_job (void *arg, const scapi_cb_t *cb)
{
  card_scan_job_t *j = arg;
  scapi_discover_opts_t opts;
  scapi_cb_t mycb = *cb;

  memset (&opts, 0, sizeof opts);
  opts.read_content = true;
  mycb.pin = NULL;                  /* the scan asks for no PIN */
  mycb.node_added = task_post_node;
  mycb.node_ctx = cb->progress_ctx;
  scapi_scan_report_free (&j->rep);
  return scapi_scan (j->card, j->image, &opts, &mycb, &j->rep);
}

/* A node the scan found: into the screen's image (the scan has it in
 * its copy; the content comes with that copy when the scan ends). */
static bool
screen_card_add_node (card_state_t *st, const scapi_node_event_t *ev)
{
  image_node_t *node;

  if (!ev->path[0] || image_find_path (st->image, ev->path))
    return false;
  if (image_make_path (st->image, ev->path, ev->type, IMAGE_SRC_FID_SCAN,
                       &node))
    return false;
  node->size = ev->size;
  node->flags |= ev->flags;
  node->access.read = ev->read;
  node->access.read_ref = ev->read_ref;
  node->access.write = ev->write;
  node->access.write_ref = ev->write_ref;
  node->area = ev->area;
  if (ev->flags & IMAGE_FLAG_UNREADABLE)
    image_node_set_unreadable (node, ev->sw);
  st->found++;
  return true;
}

/* Take the queued nodes; true if the tree grew. */
static bool
screen_card_take_nodes (ui_t *ui, card_state_t *st)
{
  scapi_node_event_t ev;
  bool grew = false;
  gpg_error_t err;

  while (st->scan && task_next_node (st->scan, &ev))
    grew |= screen_card_add_node (st, &ev);
  if (grew && (err = screen_tree_rebuild (&st->view, st->image)))
    ui_status (ui, true, "%s", vsc_strerror (err));
  return grew;
}

/* ---- what the scan found, kept for the next visit ----------------------- */

struct screen_card_memo {
  char reader[128];
  scapi_card_info_t info;      /* ATR, serial, label: the same card? */
  image_t *image;              /* the scanned nodes and the position */
  size_t found;
  bool complete;
};

void
screen_card_memo_free (ui_t *ui)
{
  screen_card_memo_t *m = ui->card_memo;

  if (!m)
    return;
  image_free (m->image);      /* wipes content */
  xfree (m);
  ui->card_memo = NULL;
}

/* The reader list changed: a memo of a card that is gone is dropped
 * (put back, it may have been changed elsewhere). */
void
screen_card_memo_check (ui_t *ui)
{
  screen_card_memo_t *m = ui->card_memo;

  if (!m)
    return;
  for (size_t i = 0; i < ui->n_readers; i++)
    if (!strcmp (ui->readers[i].name, m->reader) && ui->readers[i].present)
      return;
  screen_card_memo_free (ui);
}

static bool
screen_card_memo_matches (const screen_card_memo_t *m, const char *reader,
                          const scapi_card_info_t *info)
{
  return m && !strcmp (m->reader, reader)
         && m->info.atr_len == info->atr_len
         && !memcmp (m->info.atr, info->atr, info->atr_len)
         && !strcmp (m->info.serial, info->serial)
         && !strcmp (m->info.label, info->label);
}

/* Leaving: keep IMAGE (taken) if a scan ran on it. */
static void
screen_card_memo_keep (ui_t *ui, const char *reader,
                       const scapi_card_info_t *info, image_t *image,
                       size_t found, bool complete)
{
  screen_card_memo_t *m;

  screen_card_memo_free (ui);
  if (!complete && !scapi_image_scan_position (image, NULL, 0))
    {
      image_free (image);      /* no scan ran (or it failed) */
      return;
    }
  m = xtrycalloc (1, sizeof *m);
  if (!m)
    {
      image_free (image);
      return;
    }
  snprintf (m->reader, sizeof m->reader, "%s", reader);
  m->info = *info;
  m->image = image;
  m->found = found;
  m->complete = complete;
  ui->card_memo = m;
}

/* The nodes of SRC that the scan found and DST lacks, into DST (with
 * their content and subtrees). */
static gpg_error_t
screen_card_memo_merge (image_node_t *dst, const image_node_t *src)
{
  gpg_error_t err = 0;
  char comp[IMAGE_COMPONENT_MAX];

  for (const image_node_t *c = src->first_child; c && !err; c = c->next)
    {
      image_node_t *d, *copy;

      image_node_component (c, comp, sizeof comp);
      if ((d = image_find_child (dst, comp)))
        err = screen_card_memo_merge (d, c);
      else if (c->source == IMAGE_SRC_FID_SCAN)
        {
          err = image_node_copy (c, &copy);
          if (!err && (err = image_add_child (dst, copy)))
            image_node_free (copy);
        }
    }
  return err;
}

/* Entering with a fresh discovery: what the last visit's scan found,
 * and where it stopped, from the memo. True if there was one. */
static bool
screen_card_memo_use (ui_t *ui, card_state_t *st, const char *reader)
{
  screen_card_memo_t *m = ui->card_memo;
  gpg_error_t err;

  if (!screen_card_memo_matches (m, reader, &st->job.info))
    return false;
  err = screen_card_memo_merge (&st->image->root, &m->image->root);
  if (!err)
    err = scapi_image_scan_position_copy (st->image, m->image);
  if (err)
    {
      ui_status (ui, true, "%s", vsc_strerror (err));
      return false;
    }
  st->found = m->found;
  st->scan_complete = m->complete;
  st->scan_pending = scapi_image_scan_position (st->image, st->scan_next,
                                                sizeof st->scan_next);
  if (m->complete && !st->scan_pending)
    {
      st->scan_line_attr = draw_attr (ui, DRAW_OK);
      snprintf (st->scan_line, sizeof st->scan_line,
                _("Scan complete: %zu found"), st->found);
    }
  return true;
}

/* The scan has returned (task done, or cancelled and waited for): its
 * image replaces the screen's, and the line says how it ended. */
static void
screen_card_scan_end (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  const char *text;
  char textcopy[512];
  gpg_error_t err;
  bool cancelled;

  task_wait (st->scan);
  screen_card_take_nodes (ui, st);
  err = task_result (st->scan, &text);
  snprintf (textcopy, sizeof textcopy, "%s", text ? text : "");
  cancelled = task_cancelled (st->scan);
  if (ui->task == st->scan)
    {
      ui->task = NULL;
      ui->task_owner = NULL;
    }
  task_free (st->scan);
  st->scan = NULL;
  st->stopping = false;

  if (st->sjob.image)
    {
      /* Done, stopped or failed: the copy has all that was found (with
       * content) and where the scan stopped. */
      gpg_error_t err2 = screen_tree_rebuild (&st->view, st->sjob.image);
      if (!err2)
        {
          image_free (st->image);
          st->image = st->sjob.image;
        }
      else
        {
          ui_status (ui, true, "%s", vsc_strerror (err2));
          image_free (st->sjob.image);
        }
      st->sjob.image = NULL;
    }
  st->scan_pending = scapi_image_scan_position (st->image, st->scan_next,
                                                sizeof st->scan_next);
  st->scan_line_attr = draw_attr (ui, st->scan_pending ? DRAW_WARN : DRAW_OK);
  if (err && (!cancelled || gpg_err_code (err) != GPG_ERR_CANCELED))
    {
      st->scan_line_attr = draw_attr (ui, DRAW_ERROR);
      snprintf (st->scan_line, sizeof st->scan_line, _("Scan failed: %s"),
                textcopy[0] ? textcopy : vsc_strerror (err));
    }
  else if (st->scan_pending)
    snprintf (st->scan_line, sizeof st->scan_line,
              _("Scan stopped: %zu found; not scanned: %s (s scans on)"),
              st->found, st->scan_next);
  else
    {
      st->scan_complete = true;
      snprintf (st->scan_line, sizeof st->scan_line,
                _("Scan complete: %zu found"), st->found);
    }
  ui->need_redraw = true;
}

/* Stop a running scan now: cancel, wait for its APDU, take what it
 * found (before a backup, a restore or a comparison). */
static void
screen_card_scan_stop (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;

  if (!st->scan)
    return;
  task_cancel (st->scan);
  task_wait (st->scan);
  screen_card_scan_end (ui, s);
}

static unsigned
screen_card_scan_start (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  gpg_error_t err;

  if (st->scan || !st->image || !st->job.card)
    return 0;
  if (ui->task)
    {
      ui_status (ui, true, "%s", _("Another operation is running."));
      return UI_REDRAW;
    }
  st->sjob.card = st->job.card;
  err = image_copy (st->image, &st->sjob.image);
  if (!err)
    err = task_start (screen_card_scan_job, &st->sjob, &st->scan);
  if (err)
    {
      image_free (st->sjob.image);
      st->sjob.image = NULL;
      ui_status (ui, true, "%s: %s", _("Scanning"), vsc_strerror (err));
      return UI_REDRAW;
    }
  ui->task = st->scan;
  ui->task_owner = s;
  memset (&st->rep, 0, sizeof st->rep);
  st->rep.phase = SCAPI_PHASE_SCAN;
  st->rep.eta = -1;
  st->rep.percent = st->rep.scan_percent = -1;
  st->rep_ms = 0;
  st->prog = st->rep;
  st->scan_line[0] = 0;
  return UI_REDRAW;
}

static void
screen_card_discovered (ui_t *ui, void *ctx, gpg_error_t err,
                        const char *text)
{
  ui_screen_t *s = ctx;
  card_state_t *st = s->state;
  if (err)
    {
      st->failed = true;
      screen_failed (ui, err, text, _("Reading the card"), st->error,
                     sizeof st->error);
      image_free (st->job.image);
      st->job.image = NULL;
      return;
    }
  st->image = st->job.image;
  st->job.image = NULL;
  /* Opened before: what that scan found, and scan on from where it
   * stopped (not again if it was complete). */
  screen_card_memo_use (ui, st, ((screen_card_arg_t *) s->arg)->reader);
  err = screen_tree_set (&st->view, st->image, true);
  if (err)
    ui_status (ui, true, "%s", vsc_strerror (err));
  else if (!st->scan_complete || st->scan_pending)
    screen_card_scan_start (ui, s);   /* the tree shows; now the scan */
}

static gpg_error_t
screen_card_enter (ui_t *ui, ui_screen_t *s)
{
  screen_card_arg_t *a = s->arg;
  card_state_t *st = s->state;

  st->job.ui = ui;
  st->job.no_scan = true;
  st->job.keep_card = true;
  snprintf (st->job.reader, sizeof st->job.reader, "%s", a->reader);
  screen_run_task (ui, _("Reading the card"), screen_discover_job, &st->job,
                   screen_card_discovered, s);
  return 0;
}

static void
screen_card_draw (ui_t *ui, ui_screen_t *s)
{
  screen_card_arg_t *a = s->arg;
  card_state_t *st = s->state;
  char title[300], atr[80] = "";
  size_t bytes = 0, nodes = 0;

  snprintf (title, sizeof title, _("Card in %s"), a->reader);
  draw_screen (ui, s, title);
  if (st->job.info.atr_len)
    hex_encode (st->job.info.atr,
                st->job.info.atr_len > 36 ? 36 : st->job.info.atr_len, atr);
  if (st->image)
    nodes = image_count_nodes (st->image, &bytes);
  {
    char agents[160] = "";
    for (size_t i = 0; i < st->job.info.n_agents && i < 8; i++)
      {
        size_t l = strlen (agents);
        snprintf (agents + l, sizeof agents - l, "%s%s", i ? "+" : "",
                  st->job.info.agents[i]);
      }
    draw_textf (ui, 1, 1, ui->cols - 2, A_NORMAL, _("Type: %s  Label: %s  Serial: %s"),
                agents[0] ? agents : "-", st->job.info.label[0] ? st->job.info.label : "-",
                st->job.info.serial[0] ? st->job.info.serial : "-");
  }
  draw_textf (ui, 2, 1, ui->cols - 2, A_NORMAL, _("ATR %s   %zu nodes, %zu bytes, %zu selected"),
              atr[0] ? atr : "-", nodes, bytes,
              st->view.have ? widget_tree_count_selected (&st->view.tree) : 0);
  if (st->failed)
    draw_text (ui, 4, 1, ui->cols - 2, draw_attr (ui, DRAW_ERROR), st->error);
  else if (!st->view.have)
    draw_text (ui, 4, 1, ui->cols - 2, A_NORMAL, _("Reading the card..."));
  else if (st->scan)
    {
      const scapi_progress_t *p = &st->prog;
      char el[32], eta[32];

      widget_progress_format_time (p->elapsed, el, sizeof el);
      widget_progress_format_time (p->eta, eta, sizeof eta);
      draw_text (ui, 3, 1, ui->cols - 2, draw_attr (ui, DRAW_WARN),
                 st->stopping
                 ? _("stopping the scan at the next APDU...")
                 : _("scanning... (Esc stops, F5 backs up what is known)"));
      draw_textf (ui, 4, 3, ui->cols - 4, A_NORMAL,
                  _("%s  %d%% of the scan budget (%lu of %lu SELECTs), "
                    "%zu found  elapsed %s, left %s"),
                  p->scope[0] ? p->scope : "-",
                  p->scan_percent >= 0 ? p->scan_percent : 0,
                  p->scan_done, p->scan_budget, st->found, el, eta);
      screen_tree_draw (ui, &st->view, 5);
    }
  else
    {
      if (st->scan_line[0])
        draw_text (ui, 3, 1, ui->cols - 2, st->scan_line_attr, st->scan_line);
      screen_tree_draw (ui, &st->view, st->scan_line[0] ? 4 : 3);
    }
}

static unsigned
screen_card_backup (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  screen_card_arg_t *ca = s->arg;
  screen_backup_arg_t *a;
  bool all, was_scanning = st->scan != NULL;
  gpg_error_t err;

  /* During the scan: stop it, back up what is known (the summary says
   * what was not scanned), and scan on when back. */
  screen_card_scan_stop (ui, s);
  if (!widget_tree_count_selected (&st->view.tree))
    {
      ui_status (ui, true, "%s", _("Nothing selected (Space selects, a selects all)."));
      return UI_REDRAW;
    }
  a = xtrycalloc (1, sizeof *a);
  if (!a)
    return UI_HANDLED;
  err = widget_tree_selection (&st->view.tree, &a->select, &a->n_select, &all);
  if (err)
    {
      xfree (a);
      ui_status (ui, true, "%s", vsc_strerror (err));
      return UI_REDRAW;
    }
  snprintf (a->reader, sizeof a->reader, "%s", ca->reader);
  snprintf (a->label, sizeof a->label, "%.63s",
            st->job.info.label[0] ? st->job.info.label
            : st->job.info.serial[0] ? st->job.info.serial
            : st->job.info.n_agents ? st->job.info.agents[0] : "card");
  a->image = st->image;
  st->scan_on_return = was_scanning && st->scan_pending;
  ui_push (ui, &screen_backup_ops, a);
  return UI_PUSH;
}

static unsigned
screen_card_restore (ui_t *ui, ui_screen_t *s)
{
  screen_card_arg_t *ca = s->arg;

  screen_card_scan_stop (ui, s);
  return screen_pick_restore (ui, _("Restore onto this card"), ca->reader,
                              NULL, NULL, false);
}

static unsigned
screen_card_diff (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  screen_card_arg_t *ca = s->arg;
  char a[160];

  screen_card_scan_stop (ui, s);
  snprintf (a, sizeof a, "card:%s", ca->reader);
  return screen_pick_diff (ui, _("Compare this card with"), a, st->image);
}

/* Esc while the scan runs: stop it before its next APDU; what it
 * found stays (a second Esc goes back). */
static unsigned
screen_card_scan_cancel (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  (void) ui;
  if (st->scan)
    {
      task_cancel (st->scan);
      st->stopping = true;
    }
  return UI_REDRAW;
}

static unsigned
screen_card_scan_on (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  st->scan_on_return = false;
  return screen_card_scan_start (ui, s);
}

static unsigned
screen_card_mode (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;
  (void) ui;
  return screen_tree_mode (s)
         | (st->scan && !st->stopping ? CARD_SCANNING : 0)
         | (!st->scan && st->scan_pending && st->job.card
            ? CARD_SCAN_PENDING : 0);
}

static const ui_key_t screen_card_keys[] = {
  SCREEN_TREE_KEYS,             /* first: Enter View, Space, / */
  UI_KEY (UI_KEY_ESC, 0, CARD_SCANNING, N_("Stop scan"),
          N_("stop the FID scan before its next APDU; what it found stays"),
          screen_card_scan_cancel),
  UI_KEY ('s', 0, CARD_SCAN_PENDING, N_("Scan on"),
          N_("scan on from where the FID scan stopped"), screen_card_scan_on),
  UI_KEY (KEY_F (5), 'b', UI_MODE_TREE, N_("Backup"),
          N_("back up the selected nodes into a new VSC (during the scan: "
             "stop it and back up what is known)"), screen_card_backup),
  UI_KEY (KEY_F (6), 'r', UI_MODE_TREE, N_("Restore"),
          N_("restore a VSC onto this card"), screen_card_restore),
  UI_KEY (KEY_F (7), 'd', UI_MODE_TREE, N_("Diff"),
          N_("compare this card with a card or VSC"), screen_card_diff),
  UI_KEYS_END
};

static unsigned
screen_card_event (ui_t *ui, ui_screen_t *s, int ev)
{
  screen_card_arg_t *a = s->arg;
  card_state_t *st = s->state;

  if (st->scan)
    switch (ev)
      {
      case UI_EV_TASK_PROGRESS:
        screen_card_take_nodes (ui, st);
        task_progress (st->scan, &st->rep);
        st->rep_ms = task_elapsed_ms (st->scan);
        widget_progress_at (&st->rep, st->rep_ms, st->rep_ms, &st->prog);
        return UI_REDRAW;
      case UI_EV_TASK_TICK:
        widget_progress_at (&st->rep, st->rep_ms,
                            task_elapsed_ms (st->scan), &st->prog);
        return UI_REDRAW;
      case UI_EV_TASK_DONE:
        screen_card_scan_end (ui, s);
        return UI_REDRAW;
      default:
        break;
      }
  if (ev == UI_EV_RESUME && st->scan_on_return && ui->top == s)
    {
      /* Back from the backup that stopped the scan: scan on. */
      st->scan_on_return = false;
      if (st->scan_pending)
        return screen_card_scan_start (ui, s) | UI_REDRAW;
    }
  if (ev == UI_EV_READERS)
    {
      for (size_t i = 0; i < ui->n_readers; i++)
        if (!strcmp (ui->readers[i].name, a->reader) && !ui->readers[i].present)
          ui_status (ui, true, "%s", _("The card was removed; the tree shows what was read."));
      return UI_REDRAW;
    }
  return 0;      /* the loop redraws after a resume and a resize */
}

static void
screen_card_leave (ui_t *ui, ui_screen_t *s)
{
  card_state_t *st = s->state;

  if (st->scan)
    {
      task_cancel (st->scan);
      task_free (st->scan);     /* waits for its APDU */
      if (ui->task == st->scan)
        {
          ui->task = NULL;
          ui->task_owner = NULL;
        }
      st->scan = NULL;
    }
  scapi_scan_report_free (&st->sjob.rep);
  screen_tree_free (&st->view);
  /* Kept for the next visit: the scan's copy if it was stopped just
   * now (it has the position), else the screen's image. */
  if (st->sjob.image || st->image)
    {
      bool stopped_now = st->sjob.image != NULL;
      screen_card_memo_keep (ui, ((screen_card_arg_t *) s->arg)->reader,
                             &st->job.info,
                             stopped_now ? st->sjob.image : st->image,
                             st->found, st->scan_complete && !stopped_now);
      if (stopped_now)
        st->sjob.image = NULL;
      else
        st->image = NULL;
    }
  image_free (st->sjob.image);
  image_free (st->image);   /* wipes content */
  image_free (st->job.image);
  scapi_card_close (st->job.card);
}

const ui_screen_ops_t screen_card_ops = {
  .name = "card", .enter = screen_card_enter, .draw = screen_card_draw,
  .key = screen_tree_key, .event = screen_card_event,
  .leave = screen_card_leave, .keys = screen_card_keys,
  .mode = screen_card_mode, .state_size = sizeof (card_state_t),
  .help = N_("The card's tree as the agents discovered it: type, size, read\n"
             "access, VSC area, where it was found and flags. Keys generated on\n"
             "the card are \"not extractable\": regenerate or re-import them after\n"
             "a restore. Everything is selected for the backup at first.\n"
             "The tree shows what the card lists at once; the FID scan then\n"
             "runs in the background and adds what it finds. Esc stops it\n"
             "(what it found stays), s scans on, F5 backs up what is known.")
};
