/* screens.h - arguments of the screens that other screens push
 *
 * A dialog screen (password/text input, confirm, pick, progress) calls
 * its DONE callback from its key/event handler just before it pops; the
 * callback runs with CTX = the state of the screen that pushed it and
 * may itself ui_push() the next step. */
#ifndef VSC_UI_SCREENS_H
#define VSC_UI_SCREENS_H

#include <stddef.h>
#include <stdint.h>
#include "ui/ui.h"
#include "ui/task.h"

/* The screens (screen-list.h has one line per screen). */
#define UI_SCREEN(n) extern const ui_screen_ops_t screen_##n##_ops;
#include "ui/screen-list.h"
#undef UI_SCREEN
/* All of them, in the order of screen-list.h, NULL-terminated. */
extern const ui_screen_ops_t *const ui_screen_table[];

/* screen-dialog.c, the password screen: a text or secret input.
 * SECRET (secure memory when noecho, else plain) is owned by the callee;
 * NULL = cancelled. */
typedef void (*screen_input_done) (ui_t *ui, void *ctx, char *value);
typedef struct screen_input_arg {
  char title[128];
  char prompt[256];
  char info[256];          /* extra line, e.g. the retry counter */
  char info2[256];         /* second extra line */
  char initial[512];
  bool noecho;
  bool allow_empty;
  screen_input_done done;
  void *ctx;
} screen_input_arg_t;

/* screen-dialog.c, the confirm screen: yes/no, or type the word TYPED. */
typedef void (*screen_confirm_done) (ui_t *ui, void *ctx, bool yes);
typedef struct screen_confirm_arg {
  char title[128];
  char message[1024];
  char typed[32];          /* "" = y/n */
  bool wipe;               /* the message holds a secret: wipe it */
  screen_confirm_done done;
  void *ctx;
} screen_confirm_arg_t;

/* screen-dialog.c, the pick screen: choose one of ITEMS (allocated
 * strings, freed by the screen); IDX = (size_t)-1 when cancelled. */
typedef void (*screen_pick_done) (ui_t *ui, void *ctx, size_t idx);
typedef struct screen_pick_arg {
  char title[128];
  char prompt[256];
  char **items;
  size_t n;
  screen_pick_done done;
  void *ctx;
} screen_pick_arg_t;

/* screen-dialog.c: the frame of a dialog (and of the progress dialog):
 * the screen below S, then a centred box of H x W titled TITLE; its
 * origin into *R_Y, *R_X. */
void screen_dialog_frame (ui_t *ui, ui_screen_t *s, int h, int w,
                          const char *title, int *r_y, int *r_x);

/* screen-progress.c: run FN(FN_ARG) on a worker; PIN and password
 * requests are asked with the password screen; Esc cancels. */
typedef void (*screen_progress_done) (ui_t *ui, void *ctx, gpg_error_t err,
                                      const char *text);
typedef struct screen_progress_arg {
  char title[128];
  task_fn fn;
  void *fn_arg;
  screen_progress_done done;
  void *ctx;
} screen_progress_arg_t;

/* screen-view.c: show DATA (copied, wiped on leave) as hex+ASCII or as
 * decoded TLV. */
typedef struct screen_view_arg {
  char title[256];
  uint8_t *data;           /* secure memory; the screen frees it */
  size_t len;
  char info[512];          /* node description lines */
} screen_view_arg_t;
gpg_error_t screen_view_push (ui_t *ui, const image_node_t *node);

/* screen-card.c: REAEDER name of the card to discover. */
typedef struct screen_card_arg {
  char reader[128];
} screen_card_arg_t;
/* What the card screen's scan found, kept in ui->card_memo after it is
 * left: dropped when the card is removed (the reader list changed) and
 * when vscman ends. */
void screen_card_memo_check (ui_t *ui);
void screen_card_memo_free (ui_t *ui);

/* screen-vsc.c */
typedef struct screen_vsc_arg {
  char path[1024];
} screen_vsc_arg_t;

/* screen-backup.c: back up IMAGE (owned by the card screen below) from
 * READER; SELECT the chosen subtrees (owned by the backup screen). */
typedef struct screen_backup_arg {
  char reader[128];
  const image_t *image;
  char **select;
  size_t n_select;
  char label[64];
} screen_backup_arg_t;

/* screen-restore.c: restore the VSC at VSC_PATH (or the open VSC,
 * borrowed from the VSC screen) onto the card in READER. */
typedef struct screen_restore_arg {
  char reader[128];
  char vsc_path[1024];
  void *vsc;               /* scapi_vsc_t *, borrowed; NULL = open it */
  bool keys_only;          /* write only the secret-key-area keys */
} screen_restore_arg_t;

/* screen-history.c: the kept generations of UUID on a server, over the
 * server screen's connection (a remote_t *, borrowed). */
typedef struct screen_history_arg {
  void *remote;
  char uuid[64];
} screen_history_arg_t;

/* screen-diff.c: compare two sources ("card:READER" or a VSC path);
 * an already loaded image may be lent for A. */
typedef struct screen_diff_arg {
  char a[1024], b[1024];
  const image_t *image_a;  /* borrowed, may be NULL */
} screen_diff_arg_t;

/* screen-tree.c: the tree view of the card and VSC screens. Put a
 * screen_tree_t first in the screen's state, use screen_tree_key as the
 * key hook and end the key table with
 * { UI_KEY_INCLUDE, .sub = screen_tree_keys }. */
#include "ui/widget.h"
typedef struct screen_tree {
  widget_tree_t tree;
  bool have;
} screen_tree_t;
gpg_error_t screen_tree_set (screen_tree_t *t, const image_t *image,
                             bool selectable);
/* The same for a grown or replaced image (the old one still alive),
 * keeping open/closed, selection and cursor. */
gpg_error_t screen_tree_rebuild (screen_tree_t *t, const image_t *image);
void screen_tree_free (screen_tree_t *t);
void screen_tree_draw (ui_t *ui, screen_tree_t *t, int y);
image_node_t *screen_tree_current (screen_tree_t *t);
/* UI_MODE_TREE (and UI_MODE_SELECT) when the tree of S shows. */
unsigned screen_tree_mode (ui_screen_t *s);
unsigned screen_tree_key (ui_t *ui, ui_screen_t *s, int ch);
extern const ui_key_t screen_tree_keys[];
#define SCREEN_TREE_KEYS UI_KEYS_INCLUDE (screen_tree_keys)

/* screen.c: the list view of the server, history and compare screens:
 * a bold column header over the rows, down to the footer. Put a
 * screen_list_t first in the screen's state, use screen_list_key as the
 * key hook and screen_list_mode (or UI_MODE_LIST / UI_MODE_ITEMS in
 * your own mode) for the keys that need the rows. */
typedef struct screen_list {
  widget_menu_t menu;
  bool have;               /* the rows are there (listed, computed) */
  void *rows;              /* with screen_list_take: the rows, owned */
} screen_list_t;
/* The rows are there, N of them (the cursor stays where it can). */
void screen_list_set (screen_list_t *l, size_t n);
/* The same for ROWS, an xmalloc'd array of N that the list owns from
 * now on (the old one is freed). A task's result is handed over so,
 * in its done callback: the worker never changes rows that the screen
 * (drawn below the progress dialog) is showing. */
void screen_list_take (screen_list_t *l, void *rows, size_t n);
/* The list view's part of leaving: frees the rows of screen_list_take.
 * A list screen's leave ends with it. */
void screen_list_leave (ui_t *ui, ui_screen_t *s);
/* The header (printf-like) at row Y, the rows (FN with CTX) below it. */
void screen_list_draw (ui_t *ui, screen_list_t *l, int y,
                       widget_menu_item_fn fn, void *ctx,
                       const char *header_fmt, ...)
  __attribute__ ((format (printf, 6, 7)));
unsigned screen_list_key (ui_t *ui, ui_screen_t *s, int ch);
unsigned screen_list_mode (ui_t *ui, ui_screen_t *s);
/* A list screen's task failed: the message box shows TEXT (titled
 * WHAT); if it was the FIRST listing and nothing is listed yet, the
 * screen closes once the box is gone. */
void screen_list_failed (ui_t *ui, ui_screen_t *s, gpg_error_t err,
                         bool first, const char *text, const char *what);
/* The end of a remote call on the worker (server and history screens):
 * a failure keeps the error context's text (errctx_text) in MSG for the
 * message box. Returns ERR. */
gpg_error_t screen_remote_failed (gpg_error_t err, char *msg, size_t size);

/* Push the restore screen (READER, VSC_PATH; VSC an open scapi_vsc_t to
 * borrow, or NULL) and the compare screen (IMAGE_A lent, may be NULL). */
void screen_push_restore (ui_t *ui, const char *reader,
                          const char *vsc_path, void *vsc, bool keys_only);
void screen_push_diff (ui_t *ui, const char *spec_a, const char *spec_b,
                       const image_t *image_a);
/* Pick the other side first, then push the restore screen: with READER
 * a VSC to restore onto it, else a card for the VSC at VSC_PATH (VSC, an
 * open scapi_vsc_t to borrow, may be NULL). And the same for the
 * compare screen: what to compare SPEC_A (IMAGE_A lent, may be NULL)
 * with. Both return UI_PUSH, what the key action returns. */
unsigned screen_pick_restore (ui_t *ui, const char *title, const char *reader,
                              const char *vsc_path, void *vsc,
                              bool keys_only);
unsigned screen_pick_diff (ui_t *ui, const char *title, const char *spec_a,
                           const image_t *image_a);

/* Helpers shared by the screens (screen.c). */
void screen_ask_input (ui_t *ui, const char *title, const char *prompt,
                       const char *info, const char *initial,
                       screen_input_done done, void *ctx);
/* The same for a secret (not echoed; an empty answer is allowed). */
void screen_ask_secret (ui_t *ui, const char *title, const char *prompt,
                        const char *info, screen_input_done done, void *ctx);
/* The password of the VSC at PATH (empty: its public area only). */
void screen_ask_vsc_password (ui_t *ui, const char *path,
                              screen_input_done done, void *ctx);
/* Both return UI_PUSH, what a key action that asks returns. */
unsigned screen_ask_confirm (ui_t *ui, const char *title,
                             const char *message, const char *typed,
                             screen_confirm_done done, void *ctx);
void screen_run_task (ui_t *ui, const char *title, task_fn fn, void *fn_arg,
                      screen_progress_done done, void *ctx);
/* Offer the readers with a card (and optionally the VSCs) to pick a
 * source; DONE gets an allocated spec ("card:NAME" or a path) or NULL. */
typedef void (*screen_source_done) (ui_t *ui, void *ctx, char *spec);
unsigned screen_pick_source (ui_t *ui, const char *title, bool cards,
                             bool vscs, screen_source_done done, void *ctx);
/* Discover the card in READER with content (a task_fn). NO_SCAN: only
 * what the card lists (the card screen scans after, in the
 * background); DEFER: and leave what can wait (the PKCS#15 directory
 * files) to that background job too; KEEP_CARD: leave the session open
 * in CARD (closed by the job on failure) for the scan and a backup. */
typedef struct screen_discover_job {
  ui_t *ui;
  char reader[128];
  bool no_scan;
  bool defer;
  bool keep_card;
  scapi_card_t *card;      /* with keep_card: owned by the caller */
  image_t *image;          /* result, owned by whoever takes it */
  scapi_card_info_t info;
} screen_discover_job_t;
gpg_error_t screen_discover_job (void *arg, const scapi_cb_t *cb);
/* Load an image from SPEC ("card:READER" = discover with progress;
 * otherwise a VSC path: the password is asked, empty = public only).
 * DONE gets the image (owned by the callee) or NULL. */
typedef void (*screen_image_done) (ui_t *ui, void *ctx, image_t *image,
                                   const char *spec);
void screen_load_image (ui_t *ui, const char *spec, screen_image_done done,
                        void *ctx);
/* Show a generated password once; DONE is called after the user said
 * "I have written it down". PW is copied (secure). */
typedef void (*screen_shown_done) (ui_t *ui, void *ctx);
void screen_show_password (ui_t *ui, const char *pw, const char *what,
                           screen_shown_done done, void *ctx);
/* Secure copy of a password for showing. */
char *screen_group_password (const char *pw);

/* SECS since the epoch as "YYYY-MM-DD HH:MM[:SS]" (UTC), "-" for 0. */
void screen_format_utc (uint64_t secs, bool with_seconds, char *buf,
                        size_t size);
/* A key action that closes the screen (help, log). */
unsigned screen_close (ui_t *ui, ui_screen_t *s);
/* The key hook of a screen whose state starts with its widget_menu_t
 * (start screen, settings): the list moves. */
unsigned screen_menu_key (ui_t *ui, ui_screen_t *s, int ch);

/* The error sentence for a failed operation. */
void screen_error (ui_t *ui, gpg_error_t err, const char *text,
                   const char *what);
/* The same, and that message (TEXT, else ERR's) into BUF for the
 * screen's own "failed" line. */
void screen_failed (ui_t *ui, gpg_error_t err, const char *text,
                    const char *what, char *buf, size_t size);


#endif /* VSC_UI_SCREENS_H */
