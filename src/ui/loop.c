/* loop.c - the manager's event loop: poll(), screens, signals, terminal
 *
 * One thread owns ncurses. We poll() the terminal, the reader monitor
 * pipe, the task pipe, the log pipe and a self-pipe written by signal
 * handlers. Nothing of ours runs while nothing happens: the poll timeout
 * is -1 unless a kiosk idle timer is armed. The terminal is restored on
 * every exit path (atexit, SIGTERM, SIGHUP, fatal errors).
 */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <curses.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "ui/ui.h"
#include "ui/task.h"
#include "ui/backend.h"
#include "ui/screens.h"

/* The screen table (screen-list.h: one line per screen). */
const ui_screen_ops_t *const ui_screen_table[] = {
#define UI_SCREEN(n) &screen_##n##_ops,
#include "ui/screen-list.h"
#undef UI_SCREEN
  NULL
};

static int loop_sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t loop_curses_active;
static pthread_mutex_t loop_log_lock = PTHREAD_MUTEX_INITIALIZER;
static ui_t *loop_log_ui;

static void
loop_restore_terminal (void)
{
  if (loop_curses_active)
    {
      loop_curses_active = 0;
      endwin ();
    }
}

static void
loop_signal (int sig)
{
  int save = errno;
  unsigned char c = (unsigned char) sig;
  if (loop_sig_pipe[1] >= 0)
    {
      ssize_t n = write (loop_sig_pipe[1], &c, 1);
      (void) n;
    }
  errno = save;
}

static void
loop_fatal_signal (int sig)
{
  /* Crash: put the terminal back, then die with the same signal. */
  loop_restore_terminal ();
  signal (sig, SIG_DFL);
  raise (sig);
}

long long
loop_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static gpg_error_t
loop_make_pipe (int p[2])
{
  if (pipe (p))
    return gpg_error_from_syserror ();
  for (int i = 0; i < 2; i++)
    {
      fcntl (p[i], F_SETFL, fcntl (p[i], F_GETFL) | O_NONBLOCK);
      fcntl (p[i], F_SETFD, FD_CLOEXEC);
    }
  return 0;
}

/* Log sink: may be called from any thread. */
static void
loop_log_sink (void *ctx, int level, const char *line)
{
  ui_t *ui = ctx;
  char *copy;
  (void) level;
  copy = xtrystrdup (line);
  if (!copy)
    return;
  pthread_mutex_lock (&loop_log_lock);
  if (ui->log_count == UI_LOG_LINES)
    {
      xfree (ui->log[ui->log_head]);
      ui->log[ui->log_head] = copy;
      ui->log_head = (ui->log_head + 1) % UI_LOG_LINES;
    }
  else
    ui->log[(ui->log_head + ui->log_count++) % UI_LOG_LINES] = copy;
  pthread_mutex_unlock (&loop_log_lock);
  if (ui->log_pipe[1] >= 0)
    {
      char c = 'l';
      ssize_t n = write (ui->log_pipe[1], &c, 1);
      (void) n;
    }
}

/* Copy of log line I (0 = oldest) for the log view; caller frees. */
char *
loop_log_line (ui_t *ui, size_t i)
{
  char *s = NULL;
  pthread_mutex_lock (&loop_log_lock);
  if (i < ui->log_count)
    s = xtrystrdup (ui->log[(ui->log_head + i) % UI_LOG_LINES]);
  pthread_mutex_unlock (&loop_log_lock);
  return s;
}

size_t
loop_log_count (ui_t *ui)
{
  size_t n;
  pthread_mutex_lock (&loop_log_lock);
  n = ui->log_count;
  pthread_mutex_unlock (&loop_log_lock);
  return n;
}

void
ui_status (ui_t *ui, bool error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (ui->status, sizeof ui->status, fmt, ap);
  va_end (ap);
  ui->status_error = error;
  ui->need_redraw = true;
}

void
ui_push (ui_t *ui, const ui_screen_ops_t *ops, void *arg)
{
  if (ui->push_pending)
    xfree (ui->push_arg);
  ui->push_ops = ops;
  ui->push_arg = arg;
  ui->push_pending = true;
}

void *
ui_push_new (ui_t *ui, const ui_screen_ops_t *ops, size_t size)
{
  void *arg = xtrycalloc (1, size);

  if (arg)
    ui_push (ui, ops, arg);
  return arg;
}

/* Leave the loop at the end of this iteration (no further poll). */
static void
loop_quit (ui_t *ui)
{
  if (!ui->quitting)
    ui->stats.quit_ms = loop_now_ms ();
  ui->quitting = true;
}

static void
loop_screen_free (ui_t *ui, ui_screen_t *s)
{
  if (s->ops->leave)
    s->ops->leave (ui, s);
  xfree (s->state);
  xfree (s->arg);
  xfree (s);
}

static void
loop_pop (ui_t *ui)
{
  ui_screen_t *s = ui->top;
  unsigned r;

  /* The screen below may close itself when resumed (a dialog it opened
   * was cancelled), so this can pop more than one. */
  while (s && s->below)
    {
      ui->top = s->below;
      loop_screen_free (ui, s);
      ui->need_redraw = true;
      r = ui->top->ops->event ? ui->top->ops->event (ui, ui->top, UI_EV_RESUME) : 0;
      if (ui->top->close_on_resume)
        r |= UI_POP;
      if (r & UI_QUIT)
        loop_quit (ui);
      if (!(r & UI_POP) || ui->push_pending)
        break;
      s = ui->top;
    }
}

static void
loop_do_push (ui_t *ui)
{
  ui_screen_t *s;
  gpg_error_t err;

  while (ui->push_pending)
    {
      ui->push_pending = false;
      s = xtrycalloc (1, sizeof *s);
      if (!s)
        {
          xfree (ui->push_arg);
          ui_status (ui, true, "%s", _("out of memory"));
          return;
        }
      s->ops = ui->push_ops;
      s->arg = ui->push_arg;
      ui->push_arg = NULL;
      s->below = ui->top;
      ui->top = s;
      err = 0;
      if (s->ops->state_size && !(s->state = xtrycalloc (1, s->ops->state_size)))
        err = gpg_error_from_syserror ();
      if (!err && s->ops->enter)
        err = s->ops->enter (ui, s);
      if (err)
        {
          ui->top = s->below;
          loop_screen_free (ui, s);
          if (gpg_err_code (err) != GPG_ERR_CANCELED)
            ui_status (ui, true, "%s", vsc_strerror (err));
        }
      ui->need_redraw = true;
    }
}

static unsigned
loop_apply (ui_t *ui, unsigned r)
{
  if (r & UI_REDRAW)
    ui->need_redraw = true;
  if (r & UI_POP)
    loop_pop (ui);
  if ((r & UI_PUSH) || ui->push_pending)
    loop_do_push (ui);
  if (r & UI_QUIT)
    loop_quit (ui);
  return r;
}

void
loop_pop_to_main (ui_t *ui)
{
  while (ui->top && ui->top->below)
    loop_pop (ui);
}

void
loop_wipe_secrets (ui_t *ui)
{
  backend_wipe_secrets (ui);
}

void
loop_refresh_readers (ui_t *ui)
{
  gpg_error_t err = backend_readers (ui);
  if (err)
    ui_status (ui, true, _("Readers: %s"), vsc_strerror (err));
  ui->need_redraw = true;
}

static void
loop_resize (ui_t *ui, bool from_signal)
{
  struct winsize ws;
  /* resizeterm queues a KEY_RESIZE; that one only refreshes our idea
   * of the size (calling resizeterm again would loop). */
  if (from_signal && !ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws)
      && ws.ws_row && ws.ws_col)
    resizeterm (ws.ws_row, ws.ws_col);
  ui->rows = LINES;
  ui->cols = COLS;
  clearok (curscr, TRUE);
  ui->need_redraw = true;
  if (ui->top && ui->top->ops->event)
    ui->top->ops->event (ui, ui->top, UI_EV_RESIZE);
}

static void
loop_draw (ui_t *ui)
{
  erase ();
  curs_set (0);            /* a text field turns it on while drawing */
  if (ui->rows < 24 || ui->cols < 80)
    {
      /* Still draw the screen, but say that it is cramped. */
      ui->top->ops->draw (ui, ui->top);
      draw_text (ui, 0, 0, ui->cols, draw_attr (ui, DRAW_ERROR),
                 _("Terminal too small (80x24 needed)"));
    }
  else
    ui->top->ops->draw (ui, ui->top);
  wnoutrefresh (stdscr);
  doupdate ();
  ui->need_redraw = false;
}

void
loop_redraw (ui_t *ui)
{
  loop_draw (ui);
}

gpg_error_t
loop_init (ui_t *ui)
{
  ui->log_pipe[0] = ui->log_pipe[1] = -1;
  if (!isatty (STDIN_FILENO) || !isatty (STDOUT_FILENO))
    return gpg_error (GPG_ERR_ENOTTY);
  return loop_init_term (ui, stdin, stdout);
}

gpg_error_t
loop_init_term (ui_t *ui, FILE *in, FILE *out)
{
  gpg_error_t err;
  struct sigaction sa;
  const char *term;

  ui->log_pipe[0] = ui->log_pipe[1] = -1;
  ui->in_fd = fileno (in);
  err = loop_make_pipe (loop_sig_pipe);
  if (!err)
    err = loop_make_pipe (ui->log_pipe);
  if (err)
    return err;

  term = getenv ("TERM");
  if (!term || !*term)
    setenv ("TERM", "vt100", 1);
  if (!getenv ("ESCDELAY"))
    set_escdelay (50);

  if (!newterm (NULL, out, in))
    return gpg_error (GPG_ERR_ENOTTY);
  loop_curses_active = 1;
  atexit (loop_restore_terminal);
  if (ui->kiosk)
    raw ();              /* Ctrl-C, Ctrl-Z, Ctrl-\ arrive as keys */
  else
    cbreak ();
  noecho ();
  nonl ();
  keypad (stdscr, TRUE);
  nodelay (stdscr, TRUE);
  curs_set (0);
  draw_init (ui);
  ui->rows = LINES;
  ui->cols = COLS;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = loop_signal;
  sigemptyset (&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction (SIGWINCH, &sa, NULL);
  sigaction (SIGTERM, &sa, NULL);
  sigaction (SIGHUP, &sa, NULL);
  if (ui->kiosk)
    {
      signal (SIGINT, SIG_IGN);
      signal (SIGTSTP, SIG_IGN);
      signal (SIGQUIT, SIG_IGN);
    }
  else
    sigaction (SIGINT, &sa, NULL);
  signal (SIGPIPE, SIG_IGN);
  sa.sa_handler = loop_fatal_signal;
  sa.sa_flags = SA_RESETHAND;
  sigaction (SIGSEGV, &sa, NULL);
  sigaction (SIGABRT, &sa, NULL);
  sigaction (SIGBUS, &sa, NULL);
  sigaction (SIGFPE, &sa, NULL);

  loop_log_ui = ui;
  log_set_quiet (true);
  log_set_sink (loop_log_sink, ui);
  ui->last_input_ms = loop_now_ms ();

  ui_push (ui, &screen_main_ops, NULL);
  loop_do_push (ui);
  if (!ui->top)
    return gpg_error (GPG_ERR_GENERAL);
  return 0;
}

/* Handle the bytes from the signal self-pipe. */
static void
loop_signals (ui_t *ui)
{
  unsigned char buf[64];
  ssize_t n;

  while ((n = read (loop_sig_pipe[0], buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; i++)
      switch (buf[i])
        {
        case SIGWINCH:
          loop_resize (ui, true);
          break;
        case SIGHUP:
          /* The SSH session or terminal is gone: cancel what runs,
           * wait for it to stop at an APDU boundary, then quit. */
          ui->hangup = true;
          loop_quit (ui);
          break;
        case SIGINT:
        case SIGTERM:
          loop_quit (ui);
          break;
        default:
          break;
        }
}

unsigned
loop_key (ui_t *ui, int ch)
{
  ui_screen_t *s = ui->top;
  unsigned r = 0;

  if (ui->status[0])
    {
      ui->status[0] = 0;
      ui->need_redraw = true;
    }
  if (s->ops->key)
    r = s->ops->key (ui, s, ch);
  if (!(r & UI_HANDLED))
    r |= ui_keys_dispatch (ui, s, ch);
  return loop_apply (ui, r);
}

static void
loop_keys (ui_t *ui)
{
  int ch;

  while ((ch = getch ()) != ERR)
    {
      ui->last_input_ms = loop_now_ms ();
      if (ch == KEY_RESIZE)
        {
          loop_resize (ui, false);
          continue;
        }
      if (ui->kiosk && (ch == UI_CTRL ('c') || ch == UI_CTRL ('z')
                        || ch == UI_CTRL ('\\')))
        {
          ui_status (ui, false, "%s", _("Kiosk mode: this key is disabled."));
          continue;
        }
      loop_key (ui, ch);
      if (ui->quitting)
        {
          ui->stats.quit_key = ch;
          break;
        }
    }
}

static void
loop_event (ui_t *ui, int ev)
{
  if (ui->top && ui->top->ops->event)
    loop_apply (ui, ui->top->ops->event (ui, ui->top, ev));
}

/* Task events go to the progress screen that owns the task, even when a
 * PIN dialog is on top of it. */
static void
loop_task_event (ui_t *ui, int ev)
{
  for (ui_screen_t *s = ui->top; s; s = s->below)
    if (s == ui->task_owner
        || (!ui->task_owner && s->ops == &screen_progress_ops))
      {
        unsigned r = s->ops->event (ui, s, ev);
        if (s != ui->top)
          {
            r &= ~UI_POP;    /* it pops itself when on top again */
            if (r & UI_REDRAW)
              ui->need_redraw = true;   /* it may show through */
          }
        loop_apply (ui, r);
        return;
      }
}

/* Milliseconds until the running task's elapsed time reaches its next
 * whole second (at least 1). */
static int
loop_tick_ms (ui_t *ui)
{
  long long ms = task_elapsed_ms (ui->task);
  return (int) (1000 - ms % 1000);
}

gpg_error_t
loop_step (ui_t *ui, int max_ms)
{
  struct pollfd pfd[5];
  int n, timeout, wait;
  char buf[256];

  if (ui->need_redraw)
    loop_draw (ui);

  timeout = -1;
  if (ui->kiosk && ui->settings.idle_timeout > 0
      && (ui->top->below || backend_has_secrets (ui)))
    {
      long long due = ui->last_input_ms
        + (long long) ui->settings.idle_timeout * 1000;
      long long now = loop_now_ms ();
      if (due <= now)
        {
          if (!ui->task)
            {
              loop_pop_to_main (ui);
              loop_wipe_secrets (ui);
              ui_status (ui, false, "%s",
                         _("Idle timeout: returned to the start screen."));
              ui->last_input_ms = now;
              return 0;
            }
          timeout = 1000;
        }
      else
        timeout = (int) (due - now);
    }

  n = 0;
  pfd[n].fd = ui->in_fd; pfd[n++].events = POLLIN;
  pfd[n].fd = loop_sig_pipe[0]; pfd[n++].events = POLLIN;
  pfd[n].fd = ui->log_pipe[0]; pfd[n++].events = POLLIN;
  pfd[n].fd = ui->monitor_fd; pfd[n++].events = POLLIN;
  pfd[n].fd = ui->task ? task_fd (ui->task) : -1;
  pfd[n++].events = POLLIN;

  /* While no operation runs, only the kiosk idle timer gives poll() a
   * timeout of our own (MAX_MS is a caller's bound, tests); while one
   * runs, its elapsed time is redrawn once a second. */
  ui->stats.polls++;
  if (ui->task && !ui->quitting)
    {
      int tick = loop_tick_ms (ui);
      if (timeout < 0 || tick < timeout)
        timeout = tick;
      ui->stats.tick_polls++;
    }
  else if (timeout >= 0)
    ui->stats.timed_polls++;
  if (ui->quitting)
    ui->stats.polls_after_quit++;
  wait = timeout;
  if (max_ms >= 0 && (wait < 0 || wait > max_ms))
    wait = max_ms;
  if (poll (pfd, n, wait) < 0)
    return errno == EINTR ? 0 : gpg_error_from_syserror ();
  if (pfd[1].revents)
    loop_signals (ui);
  if (ui->quitting)
    return 0;
  if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
    {
      /* The terminal is gone (like SIGHUP). */
      ui->hangup = true;
      loop_quit (ui);
      return 0;
    }
  if (pfd[0].revents & POLLIN)
    loop_keys (ui);
  if (pfd[2].revents)
    {
      while (read (ui->log_pipe[0], buf, sizeof buf) > 0)
        ;
      loop_event (ui, UI_EV_LOG);
    }
  if (pfd[3].fd >= 0 && pfd[3].revents)
    {
      if (backend_monitor_drain (ui))
        loop_event (ui, UI_EV_READERS);
    }
  if (pfd[4].fd >= 0 && pfd[4].revents && ui->task)
    {
      bool done = task_drain (ui->task);
      loop_task_event (ui, done ? UI_EV_TASK_DONE : UI_EV_TASK_PROGRESS);
    }
  else if (pfd[4].fd >= 0 && ui->task && !ui->quitting
           && loop_tick_ms (ui) > 900)
    {
      /* A second of the operation has passed: its elapsed time and
       * ETA move on the screen even when the card is silent. */
      ui->stats.ticks++;
      loop_task_event (ui, UI_EV_TASK_TICK);
    }
  return 0;
}

gpg_error_t
loop_run (ui_t *ui)
{
  gpg_error_t err;

  while (!ui->quitting)
    if ((err = loop_step (ui, -1)))
      return err;
  loop_finish (ui);
  return 0;
}

void
loop_finish (ui_t *ui)
{
  /* Leaving: a running operation is cancelled and waited for, so the
   * card is left consistent (it stops at an APDU boundary). */
  if (ui->task)
    {
      task_cancel (ui->task);
      task_wait (ui->task);
      /* Close dialogs above the progress screen (a PIN question), so it
       * finishes the operation and its owner sees the result. */
      while (ui->top && ui->top->below && ui->top != ui->task_owner
             && ui->top->ops != &screen_progress_ops)
        loop_pop (ui);
      loop_task_event (ui, UI_EV_TASK_DONE);
    }
}

void
loop_shutdown (ui_t *ui)
{
  while (ui->top)
    {
      ui_screen_t *s = ui->top;
      ui->top = s->below;
      loop_screen_free (ui, s);
    }
  log_set_sink (NULL, NULL);
  loop_restore_terminal ();
  for (size_t i = 0; i < ui->log_count; i++)
    xfree (ui->log[(ui->log_head + i) % UI_LOG_LINES]);
  ui->log_count = 0;
  for (int i = 0; i < 2; i++)
    {
      if (ui->log_pipe[i] >= 0)
        close (ui->log_pipe[i]);
      ui->log_pipe[i] = -1;
    }
}
