/* ui.h - the manager's screens, widgets and event loop (component 18)
 *
 * One thread owns ncurses. loop.c poll()s the terminal, the reader
 * monitor pipe, the task (worker) pipe and a self-pipe fed by signal
 * handlers; it drains the terminal, hands keys to the top screen, and
 * redraws when a screen asks for it. Screens are a table of
 * enter/draw/key/event/leave functions (like htop's panels and ncdu's
 * per-screen init/draw/key); key and event handlers return UI_* flags and
 * never reach into the loop. Draw functions only draw from state.
 */
#ifndef VSC_UI_H
#define VSC_UI_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "image/image.h"

/* Result flags of key actions and event handlers. */
#define UI_HANDLED 0x01u  /* the key/event was used */
#define UI_REDRAW  0x02u  /* state changed: draw again */
#define UI_QUIT    0x04u  /* leave the program */
#define UI_PUSH    0x08u  /* ui_push() was called: enter the new screen */
#define UI_POP     0x10u  /* close this screen */

/* Events other than keys. */
enum ui_event {
  UI_EV_READERS = 1,     /* reader list / cards changed */
  UI_EV_TASK_PROGRESS,   /* the running task reported progress */
  UI_EV_TASK_DONE,       /* the running task finished */
  UI_EV_RESIZE,          /* terminal size changed */
  UI_EV_RESUME,          /* the screen is on top again (child popped) */
  UI_EV_LOG,             /* a log line arrived */
  UI_EV_TASK_TICK        /* a second of the running task has passed */
};

typedef struct ui ui_t;
typedef struct ui_screen ui_screen_t;

/* Keys as data (keys.c): each screen has one table of its keys. The
 * footer shows the entries with a label, the dispatcher runs the action
 * of the entry whose KEY or KEY2 was pressed, the help screen lists
 * every entry with its help line; none of the three is written by hand,
 * so they cannot disagree. An entry works only in the MODES of the
 * screen it names (ui_screen_t.mode; 0 = in every mode) and when WHEN
 * (may be NULL) says so, from the screen alone; LABEL_FN gives a label that changes ("Set
 * PINs: on"). An entry with KEY == UI_KEY_INCLUDE stands for the
 * entries of SUB (the tree view's keys in the card and VSC screens).
 * One action may serve several entries with a parameter: ACTION_ARG
 * gets the entry's ARG (a dialog's OK and Cancel, download or restore
 * the generation under the cursor). A label that says whether a flag
 * of the screen's state is on needs no function: FLAG is the bool's
 * offset in the state + 1 (UI_FLAG), LABEL is shown while it is off,
 * LABEL_ON while it is on.
 * Write entries with UI_KEY (...), the rest with designators. */
typedef struct ui_key {
  int key;                     /* curses key code or character */
  int key2;                    /* a second key for the same action, or 0 */
  unsigned modes;              /* ui_screen_t.mode bits, 0 = always */
  const char *label;           /* N_(): footer label, NULL = not shown */
  const char *help;            /* N_(): help line, NULL = the label */
  unsigned (*action) (ui_t *ui, ui_screen_t *s);
  const char *(*label_fn) (ui_t *ui, ui_screen_t *s);
  bool (*when) (const ui_screen_t *s);   /* from the state only */
  const struct ui_key *sub;    /* with UI_KEY_INCLUDE */
  unsigned (*action_arg) (ui_t *ui, ui_screen_t *s, int arg);
  int arg;                     /* for ACTION_ARG */
  size_t flag;                 /* UI_FLAG (state type, bool member), 0 = none */
  const char *label_on;        /* N_(): the label while FLAG is on */
} ui_key_t;
#define UI_KEY(k, k2, m, lbl, hlp, fn)                                     \
  { .key = (k), .key2 = (k2), .modes = (m), .label = (lbl), .help = (hlp), \
    .action = (fn) }
#define UI_KEY_ARG(k, k2, m, lbl, hlp, fn, a)                              \
  { .key = (k), .key2 = (k2), .modes = (m), .label = (lbl), .help = (hlp), \
    .action_arg = (fn), .arg = (a) }
#define UI_FLAG(type, member) (offsetof (type, member) + 1)
/* ui_screen_ops_t.phase: an enum member (no negative values, so an
 * unsigned int) of the screen's state. */
#define UI_PHASE(type, member) (offsetof (type, member) + 1)
#define UI_KEY_INCLUDE (-2)
#define UI_KEYS_INCLUDE(table) { .key = UI_KEY_INCLUDE, .sub = (table) }
#define UI_KEYS_END { .key = 0 }
/* Modes every screen may use (a screen's own start at bit 0). */
#define UI_MODE_TREE   0x100u  /* the tree view shows an image */
#define UI_MODE_SELECT 0x200u  /* ... whose nodes can be selected */
#define UI_MODE_LIST   0x400u  /* the list view shows its rows */
#define UI_MODE_ITEMS  0x800u  /* ... and there is at least one */

typedef struct ui_screen_ops {
  const char *name;
  /* Called once when pushed; S->arg holds the push argument (owned by
   * the screen from now on: leave frees it). An error pops the screen
   * again and shows the message. */
  gpg_error_t (*enter) (ui_t *ui, ui_screen_t *s);
  void (*draw) (ui_t *ui, ui_screen_t *s);
  /* Keys before the table: a text field or list that takes what it
   * can (may be NULL); unhandled keys go to KEYS, then to the global
   * keys (keys.c). */
  unsigned (*key) (ui_t *ui, ui_screen_t *s, int ch);
  unsigned (*event) (ui_t *ui, ui_screen_t *s, int ev);   /* may be NULL */
  void (*leave) (ui_t *ui, ui_screen_t *s);               /* may be NULL */
  /* What the screen is, for the help screen (untranslated, passed
   * through _()); the keys are listed from KEYS. */
  const char *help;
  const ui_key_t *keys;
  /* The screen's mode for its keys (ui_key_t.modes) from its state;
   * NULL: 1u << PHASE, or ui_screen_t.mode as the screen sets it. */
  unsigned (*mode) (ui_t *ui, ui_screen_t *s);
  /* A screen whose modes are its phases (backup, restore): the phase
   * enum member of the state, UI_PHASE (state type, member); 0 = none. */
  size_t phase;
  /* The loop allocates a zeroed state of this size before ENTER and
   * frees state and argument after LEAVE (LEAVE frees what they point
   * to, wiping secrets). */
  size_t state_size;
} ui_screen_ops_t;

struct ui_screen {
  const ui_screen_ops_t *ops;
  void *arg;
  void *state;
  unsigned mode;             /* which keys work now (ui_key_t.modes) */
  /* What the screen waited for was cancelled or failed (a password,
   * an image to load, a first connection): it closes when it is on top
   * again (loop_pop), without an event handler of its own. */
  bool close_on_resume;
  ui_screen_t *below;
};

/* Settings (settings.c), persisted in $XDG_CONFIG_HOME/vscman/settings. */
typedef struct ui_settings {
  bool ascii;             /* ASCII line drawing */
  bool mono;              /* no colours */
  int idle_timeout;       /* kiosk idle timeout, seconds (0 = off) */
  int log_level;          /* LOG_LEVEL_* shown in the log view */
  bool verify_after_restore;
  char vsc_dir[512];      /* where VSCs are kept */
  char server[256];       /* last vscd URL */
} ui_settings_t;

/* A recent VSC. */
#define UI_RECENT_MAX 8

/* Reader list as the start screen shows it. */
typedef struct ui_reader {
  char name[128];
  unsigned index;          /* index in the backend's reader list */
  bool present;
  char atr[80];           /* hex */
  char type[64];          /* card type from the agent, "" if unknown */
  char label[64];         /* token label / serial */
} ui_reader_t;

/* The running long operation (task.c). */
typedef struct ui_task ui_task_t;

/* Log lines kept for the log view. */
#define UI_LOG_LINES 500

typedef struct screen_card_memo screen_card_memo_t;

struct ui {
  /* options */
  bool kiosk;
  bool emu;
  char *emu_opts;         /* "profile=A,profile=B" */
  char *reader_filter;    /* --reader */
  bool cli_vsc_dir;       /* --vsc-dir given */
  ui_settings_t settings;
  char *config_dir;

  /* backend */
  void *sc;               /* scapi context (opaque to the screens) */
  int monitor_fd;         /* readable when reader events are queued */
  ui_reader_t *readers;
  size_t n_readers;
  /* what the card screen's last scan found (screen-card.c) */
  struct screen_card_memo *card_memo;

  /* screens */
  ui_screen_t *top;
  const ui_screen_ops_t *push_ops;
  void *push_arg;
  bool push_pending;

  /* task: the running operation and the screen that gets its events
   * (the progress dialog, or the card screen's background scan) */
  ui_task_t *task;
  ui_screen_t *task_owner;
  bool task_was_cancelled;  /* the finished task had been cancelled */

  /* terminal */
  int rows, cols;
  bool color;
  bool utf8;
  char status[256];       /* one-line message at the bottom */
  bool status_error;
  bool need_redraw;

  /* log ring */
  char *log[UI_LOG_LINES];
  size_t log_head, log_count;
  int log_pipe[2];

  /* recent VSCs (paths) */
  char *recent[UI_RECENT_MAX];
  size_t n_recent;

  /* idle handling (kiosk) */
  long long last_input_ms;
  bool quitting;
  bool hangup;

  /* terminal input (stdin, or the tests' pty) */
  int in_fd;

  /* What the loop did, for tests and make bench: a quit ends the loop
   * in the iteration that read it (no poll() after it); while no
   * operation runs only a kiosk idle timer gives poll() a timeout;
   * while one runs, the loop wakes once a second of its elapsed time
   * to redraw it (UI_EV_TASK_TICK). */
  struct {
    unsigned long polls;        /* poll() calls */
    unsigned long timed_polls;  /* of which with a timeout while no
                                   operation ran */
    unsigned long tick_polls;   /* with a timeout: a task's ticks */
    unsigned long ticks;        /* UI_EV_TASK_TICK sent */
    unsigned long polls_after_quit;
    int quit_key;               /* the key that quit, 0 = none */
    long long quit_ms;          /* loop_now_ms when the quit was asked */
    long long exit_ms;          /* when loop_shutdown had finished */
  } stats;
};

/* ---- loop.c ------------------------------------------------------------ */

gpg_error_t loop_init (ui_t *ui);
/* The same on the terminal IN/OUT (the unit tests use a pty). */
gpg_error_t loop_init_term (ui_t *ui, FILE *in, FILE *out);
/* Handle one key as the loop does (the screen's hook, its key table,
 * the global keys); returns the UI_* flags. */
unsigned loop_key (ui_t *ui, int ch);
/* Run until a screen returns UI_QUIT or a signal ends it. Returns 0 or
 * an error that ended the loop. */
gpg_error_t loop_run (ui_t *ui);
/* One turn of the loop: draw if needed, poll (at most MAX_MS when >= 0),
 * handle what arrived. loop_run is loop_step until ui->quitting, then
 * loop_finish (a running operation is cancelled and waited for). */
gpg_error_t loop_step (ui_t *ui, int max_ms);
void loop_finish (ui_t *ui);
/* Draw the screen now. */
void loop_redraw (ui_t *ui);
void loop_shutdown (ui_t *ui);
/* Ask the loop to push the screen OPS (&screen_NAME_ops, screens.h)
 * with ARG after the current handler returns (the handler returns
 * UI_PUSH). ARG is owned by the new screen (xfree'd by its leave); on
 * failure to enter it is freed there too. */
void ui_push (ui_t *ui, const ui_screen_ops_t *ops, void *arg);
/* The same with a new zeroed argument of SIZE bytes, returned for the
 * caller to fill in (NULL when out of memory: nothing is pushed). */
void *ui_push_new (ui_t *ui, const ui_screen_ops_t *ops, size_t size);
/* Set the status line (printf-like); ERROR shows it highlighted. */
void ui_status (ui_t *ui, bool error, const char *fmt, ...)
  __attribute__ ((format (printf, 3, 4)));
/* Pop screens down to the start screen (kiosk idle, cancel). */
void loop_pop_to_main (ui_t *ui);
/* Reload the reader list (after insert/remove). */
void loop_refresh_readers (ui_t *ui);
/* Log lines for the log view (copy, caller frees; NULL past the end). */
char *loop_log_line (ui_t *ui, size_t i);
size_t loop_log_count (ui_t *ui);
/* Milliseconds of CLOCK_MONOTONIC. */
long long loop_now_ms (void);
/* Wipe every secret held by screens (kiosk idle). */
void loop_wipe_secrets (ui_t *ui);

/* ---- draw.c (frames, footer, colours) --------------------------------- */

enum draw_color {
  DRAW_NORMAL = 0, DRAW_TITLE, DRAW_SELECT, DRAW_FOOTER, DRAW_KEY,
  DRAW_ERROR, DRAW_OK, DRAW_DIM, DRAW_WARN
};
void draw_init (ui_t *ui);
int draw_attr (ui_t *ui, enum draw_color c);
/* A list row's attribute: the cursor's row highlighted. */
int draw_row_attr (ui_t *ui, bool selected);
/* Clear and draw the title bar with TITLE and the footer: the labelled
 * keys of screen S that work now, then the global ones (keys.c). */
void draw_screen (ui_t *ui, ui_screen_t *s, const char *title);
/* Draw a box (ASCII or line drawing). */
void draw_box (ui_t *ui, int y, int x, int h, int w, const char *title);
void draw_hline (ui_t *ui, int y, int x, int w);
/* Print UTF-8 text clipped to W columns at Y,X with attribute A. */
void draw_text (ui_t *ui, int y, int x, int w, int attr, const char *s);
void draw_textf (ui_t *ui, int y, int x, int w, int attr, const char *fmt, ...)
  __attribute__ ((format (printf, 6, 7)));
/* Display width of UTF-8 text. */
int draw_width (const char *s);
/* The next line of the multi-line text at *P into LINE (SIZE bytes, cut
 * if longer); *P moves past it. False once the text is used up (a final
 * newline ends the last line, it does not start an empty one). */
bool draw_next_line (const char **p, char *line, size_t size);
/* A centred dialog box of H x W; returns its origin. */
void draw_dialog (ui_t *ui, int h, int w, const char *title, int *r_y, int *r_x);
/* Progress bar of width W, FRACTION 0..1. */
void draw_bar (ui_t *ui, int y, int x, int w, double fraction);

/* ---- settings.c ------------------------------------------------------- */

void settings_defaults (ui_settings_t *s);
/* Load from CONFIG_DIR/settings (missing file = defaults). */
gpg_error_t settings_load (ui_t *ui);
gpg_error_t settings_save (ui_t *ui);
gpg_error_t settings_load_recent (ui_t *ui);
gpg_error_t settings_add_recent (ui_t *ui, const char *path);
/* The configuration directory: $XDG_CONFIG_HOME/vscman or
 * ~/.config/vscman; allocated. */
char *settings_config_dir (void);

/* ---- keys.c ------------------------------------------------------------ */
#define UI_KEY_ESC 27
#define UI_CTRL(c) ((c) & 0x1f)
bool ui_key_is_back (int ch);    /* Esc, q */
bool ui_key_is_up (int ch);
bool ui_key_is_down (int ch);
bool ui_key_is_enter (int ch);
/* Scroll a text whose first shown line is *TOP by the key CH: the
 * arrows and j/k a line, PgUp/PgDn (and Space) PAGE lines, Home/g the
 * start, End/G to END. False (nothing changed) for any other key. The
 * caller keeps *TOP within the text (the drawing, or after the call). */
bool ui_key_scroll (int ch, size_t *top, size_t page, size_t end);

/* The keys every screen has: help, log, back, quit, redraw. */
extern const ui_key_t ui_keys_global[];
/* Does entry K work now on screen S? */
bool ui_key_active (ui_t *ui, ui_screen_t *s, const ui_key_t *k);
/* The entry of TABLE (with its includes) for key CH that works now. */
const ui_key_t *ui_keys_find (ui_t *ui, ui_screen_t *s,
                              const ui_key_t *table, int ch);
/* Run the action for CH: the screen's table, then the global keys;
 * 0 if no entry took it. */
unsigned ui_keys_dispatch (ui_t *ui, ui_screen_t *s, int ch);
/* "F5", "Enter", "Space", "Esc", "q"... */
void ui_key_name (int key, char *buf, size_t n);
/* The footer of S: up to MAX pairs (key name, translated label) into
 * NAMES/LABELS (NAMES point into BUF). Returns the number. */
size_t ui_keys_footer (ui_t *ui, ui_screen_t *s, char names[][16],
                       const char **labels, size_t max);
/* The help text for screen S: what it is, its keys, the global keys
 * (allocated, caller frees). */
char *ui_keys_help_text (ui_t *ui, ui_screen_t *s);
/* The global quit: UI_QUIT, or a refusal in kiosk mode. */
unsigned ui_keys_quit (ui_t *ui, ui_screen_t *s);

#endif /* VSC_UI_H */
