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

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "image/image.h"

/* Result flags of key and event handlers. */
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
  UI_EV_LOG              /* a log line arrived */
};

/* Screen identifiers (index into the table in loop.c). */
enum ui_screen_id {
  UI_SCREEN_MAIN = 0,
  UI_SCREEN_CARD,
  UI_SCREEN_VSC,
  UI_SCREEN_BACKUP,
  UI_SCREEN_RESTORE,
  UI_SCREEN_DIFF,
  UI_SCREEN_PROGRESS,
  UI_SCREEN_PASSWORD,
  UI_SCREEN_CONFIRM,
  UI_SCREEN_VIEW,
  UI_SCREEN_SETTINGS,
  UI_SCREEN_LOG,
  UI_SCREEN_HELP,
  UI_SCREEN_PICK,
  UI_SCREEN_SERVER,
  UI_SCREEN_MAX
};

typedef struct ui ui_t;
typedef struct ui_screen ui_screen_t;

typedef struct ui_screen_ops {
  const char *name;
  /* Called once when pushed; S->arg holds the push argument (owned by
   * the screen from now on: leave frees it). An error pops the screen
   * again and shows the message. */
  gpg_error_t (*enter) (ui_t *ui, ui_screen_t *s);
  void (*draw) (ui_t *ui, ui_screen_t *s);
  unsigned (*key) (ui_t *ui, ui_screen_t *s, int ch);
  unsigned (*event) (ui_t *ui, ui_screen_t *s, int ev);   /* may be NULL */
  void (*leave) (ui_t *ui, ui_screen_t *s);               /* may be NULL */
  /* Help text key for this screen (untranslated, passed through _()). */
  const char *help;
} ui_screen_ops_t;

struct ui_screen {
  const ui_screen_ops_t *ops;
  enum ui_screen_id id;
  void *arg;
  void *state;
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

  /* screens */
  ui_screen_t *top;
  enum ui_screen_id push_id;
  void *push_arg;
  bool push_pending;

  /* task */
  ui_task_t *task;
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
};

/* ---- loop.c ------------------------------------------------------------ */

gpg_error_t loop_init (ui_t *ui);
/* Run until a screen returns UI_QUIT or a signal ends it. Returns 0 or
 * an error that ended the loop. */
gpg_error_t loop_run (ui_t *ui);
void loop_shutdown (ui_t *ui);
/* Ask the loop to push screen ID with ARG after the current handler
 * returns (the handler returns UI_PUSH). ARG is owned by the new screen
 * (xfree'd by its leave); on failure to enter it is freed there too. */
void ui_push (ui_t *ui, enum ui_screen_id id, void *arg);
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
/* Clear and draw the title bar with TITLE and the footer with F-key
 * hints "F1 Help", ... given as pairs KEY, LABEL, NULL-terminated. */
void draw_screen (ui_t *ui, const char *title, const char *const *keys);
/* Draw a box (ASCII or line drawing). */
void draw_box (ui_t *ui, int y, int x, int h, int w, const char *title);
void draw_hline (ui_t *ui, int y, int x, int w);
/* Print UTF-8 text clipped to W columns at Y,X with attribute A. */
void draw_text (ui_t *ui, int y, int x, int w, int attr, const char *s);
void draw_textf (ui_t *ui, int y, int x, int w, int attr, const char *fmt, ...)
  __attribute__ ((format (printf, 6, 7)));
/* Display width of UTF-8 text. */
int draw_width (const char *s);
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

/* ---- keys ------------------------------------------------------------- */
#define UI_KEY_ESC 27
#define UI_CTRL(c) ((c) & 0x1f)
bool ui_key_is_back (int ch);    /* Esc, q, F10 */
bool ui_key_is_up (int ch);
bool ui_key_is_down (int ch);
bool ui_key_is_enter (int ch);

#endif /* VSC_UI_H */
