/* test-ui.c - the manager's screens without tmux: the key tables (every
 * key documented, none dead, F10 quits from every screen that is not a
 * dialog), dispatch/footer/help from one table, the tree model, and the
 * real loop on a pseudo terminal (newterm on a pty, the emulator
 * backend): start screen, help, card tree, quitting. */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <pthread.h>
#include <pty.h>
#include <poll.h>
#include <curses.h>
#include "cutest.h"
#include "common/util.h"
#include "common/errctx.h"
#include "ui/ui.h"
#include "ui/screens.h"
#include "ui/backend.h"
#include "ui/widget.h"
#include <sys/stat.h>

/* ---- key tables, without a terminal --------------------------------- */

static int fake_calls, fake_other_calls;
static bool fake_on;

static unsigned
fake_action (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  (void) s;
  fake_calls++;
  return UI_REDRAW;
}

static unsigned
fake_other (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  (void) s;
  fake_other_calls++;
  return UI_REDRAW;
}

static bool
fake_when (const ui_screen_t *s)
{
  (void) s;
  return fake_on;
}

static const char *
fake_label (ui_t *ui, ui_screen_t *s)
{
  (void) ui;
  (void) s;
  return fake_on ? "On" : "Off";
}

static const ui_key_t fake_sub[] = {
  UI_KEY ('z', 0, 0, "Zed", "the included key", fake_other),
  UI_KEY ('m', 0, 4, "Mode", "only in mode 4", fake_other),
  UI_KEYS_END
};

static const ui_key_t fake_keys[] = {
  UI_KEY (KEY_F (5), 'b', 0, "Five", "the fifth key", fake_action),
  { .key = '\n', .label = "Go", .help = "go", .action = fake_action,
    .when = fake_when },
  { .key = 'p', .help = "toggles", .action = fake_action,
    .label_fn = fake_label },
  UI_KEYS_INCLUDE (fake_sub),
  UI_KEYS_END
};

static const ui_screen_ops_t fake_ops = {
  .name = "fake", .keys = fake_keys, .help = "A fake screen."
};

static void
test_keys_dispatch (void)
{
  ui_t ui;
  ui_screen_t below, s;
  char names[16][16];
  const char *labels[16];
  size_t n, i;
  char *help;

  memset (&ui, 0, sizeof ui);
  memset (&below, 0, sizeof below);
  memset (&s, 0, sizeof s);
  below.ops = &screen_main_ops;
  s.ops = &fake_ops;
  s.below = &below;
  fake_calls = fake_other_calls = 0;
  fake_on = false;

  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, KEY_F (5)),
                   UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, 'b'), UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (fake_calls, 2);
  /* WHEN says no: not run, and Enter is not taken at all */
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, '\r'), 0);
  CU_ASSERT_EQUAL (fake_calls, 2);
  fake_on = true;
  /* Enter in any of its forms */
  CU_ASSERT_NOT_EQUAL (ui_keys_dispatch (&ui, &s, '\r'), 0);
  CU_ASSERT_NOT_EQUAL (ui_keys_dispatch (&ui, &s, KEY_ENTER), 0);
  CU_ASSERT_EQUAL (fake_calls, 4);
  /* an included table; a key of another mode is not taken */
  CU_ASSERT_NOT_EQUAL (ui_keys_dispatch (&ui, &s, 'z'), 0);
  CU_ASSERT_EQUAL (fake_other_calls, 1);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, 'm'), 0);
  s.mode = 4 | 1;
  CU_ASSERT_NOT_EQUAL (ui_keys_dispatch (&ui, &s, 'm'), 0);
  CU_ASSERT_EQUAL (fake_other_calls, 2);
  s.mode = 0;
  /* global keys: F10 quits, Esc goes back (there is a screen below) */
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, KEY_F (10)),
                   UI_HANDLED | UI_QUIT);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, UI_KEY_ESC),
                   UI_HANDLED | UI_POP);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, 'x'), 0);
  /* kiosk: F10 refused with a message, and not in the footer */
  ui.kiosk = true;
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, KEY_F (10)) & UI_QUIT, 0);
  CU_ASSERT_STRING_EQUAL (ui.status, "Kiosk mode: vscman cannot be left.");

  /* the footer: labelled keys that work now, then the global ones */
  n = ui_keys_footer (&ui, &s, names, labels, 16);
  CU_ASSERT (n >= 5);
  CU_ASSERT_STRING_EQUAL (names[0], "F5");
  CU_ASSERT_STRING_EQUAL (labels[0], "Five");
  CU_ASSERT_STRING_EQUAL (names[1], "Enter");
  CU_ASSERT_STRING_EQUAL (names[2], "p");
  CU_ASSERT_STRING_EQUAL (labels[2], "On");
  CU_ASSERT_STRING_EQUAL (names[3], "z");
  CU_ASSERT_STRING_NOT_EQUAL (names[4], "m");       /* not its mode */
  for (i = 0; i < n; i++)
    CU_ASSERT_STRING_NOT_EQUAL (names[i], "F10");   /* kiosk */
  ui.kiosk = false;
  fake_on = false;
  n = ui_keys_footer (&ui, &s, names, labels, 16);
  CU_ASSERT_STRING_EQUAL (names[1], "p");           /* Enter is off */
  CU_ASSERT_STRING_EQUAL (labels[1], "Off");
  CU_ASSERT_STRING_EQUAL (names[n - 1], "F10");
  CU_ASSERT_STRING_EQUAL (labels[n - 1], "Quit");

  /* the help: what the screen is, its keys, the global ones */
  help = ui_keys_help_text (&ui, &s);
  CU_ASSERT_PTR_NOT_NULL_FATAL (help);
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "A fake screen."));
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "F5, b"));
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "the fifth key"));
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "the included key"));
  CU_ASSERT_PTR_NULL (strstr (help, "go\n"));       /* Enter is off */
  CU_ASSERT_PTR_NULL (strstr (help, "only in mode 4"));
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "F10"));
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "Esc, q"));
  xfree (help);
}

/* One action for several keys (UI_KEY_ARG) and a label from a flag of
 * the state (UI_FLAG): the action gets each entry's argument; the
 * footer and the help show the label for the flag as it is now. */
typedef struct {
  int level;
  bool hex;
  enum { FAKE_FORM, FAKE_RUNNING, FAKE_DONE } phase;
} fake_state_t;

static unsigned
fake_step (ui_t *ui, ui_screen_t *s, int step)
{
  fake_state_t *st = s->state;
  (void) ui;
  st->level += step;
  return UI_REDRAW;
}

static const ui_key_t fake_arg_keys[] = {
  UI_KEY_ARG ('+', 0, 0, "More", "one more", fake_step, 1),
  UI_KEY_ARG ('-', 0, 0, NULL, "one less", fake_step, -1),
  UI_KEY_ARG ('0', 0, 0, NULL, NULL, fake_step, 0),
  { .key = '\t', .label = "TLV", .label_on = "Hex", .action = fake_action,
    .flag = UI_FLAG (fake_state_t, hex) },
  UI_KEY_ARG ('d', 0, 1u << FAKE_DONE, "Done", "only when done", fake_step,
              10),
  UI_KEYS_END
};

static const ui_screen_ops_t fake_arg_ops = {
  .name = "fake-arg", .keys = fake_arg_keys, .help = "Arguments and flags.",
  .phase = UI_PHASE (fake_state_t, phase)
};

static void
test_keys_arg_flag (void)
{
  ui_t ui;
  ui_screen_t s;
  fake_state_t st = { 5, false, FAKE_FORM };
  char names[16][16];
  const char *labels[16];
  size_t n;
  char *help;

  memset (&ui, 0, sizeof ui);
  memset (&s, 0, sizeof s);
  s.ops = &fake_arg_ops;
  s.state = &st;
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, '+'), UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (st.level, 6);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, '-'), UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, '-'), UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (st.level, 4);
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, '0'), UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (st.level, 4);
  CU_ASSERT_EQUAL (ui_keys_find (&ui, &s, fake_arg_keys, '-')->arg, -1);

  n = ui_keys_footer (&ui, &s, names, labels, 16);
  CU_ASSERT (n >= 2);
  CU_ASSERT_STRING_EQUAL (names[0], "+");
  CU_ASSERT_STRING_EQUAL (labels[0], "More");
  CU_ASSERT_STRING_EQUAL (names[1], "Tab");
  CU_ASSERT_STRING_EQUAL (labels[1], "TLV");
  help = ui_keys_help_text (&ui, &s);
  CU_ASSERT_PTR_NOT_NULL_FATAL (help);
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "one less"));
  CU_ASSERT_PTR_NOT_NULL (strstr (help, "TLV"));
  xfree (help);
  st.hex = true;
  n = ui_keys_footer (&ui, &s, names, labels, 16);
  CU_ASSERT_STRING_EQUAL (labels[1], "Hex");
  CU_ASSERT_EQUAL (st.level, 4);

  /* The modes are the phases (UI_PHASE): d works only when done. */
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, 'd'), 0);
  st.phase = FAKE_RUNNING;
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, 'd'), 0);
  st.phase = FAKE_DONE;
  CU_ASSERT_EQUAL (ui_keys_dispatch (&ui, &s, 'd'), UI_HANDLED | UI_REDRAW);
  CU_ASSERT_EQUAL (st.level, 14);
  CU_ASSERT_EQUAL (ui_keys_footer (&ui, &s, names, labels, 16), n + 1);
  CU_ASSERT_STRING_EQUAL (labels[2], "Done");
}

/* Every entry of TABLE (with its includes) into LIST. */
static size_t
test_flatten (const ui_key_t *table, const ui_key_t **list, size_t n,
              size_t max)
{
  for (const ui_key_t *k = table; k && (k->key || k->sub); k++)
    if (k->key == UI_KEY_INCLUDE)
      n = test_flatten (k->sub, list, n, max);
    else if (n < max)
      list[n++] = k;
  return n;
}

static bool
test_is_dialog (const ui_screen_ops_t *ops)
{
  return ops == &screen_password_ops || ops == &screen_confirm_ops
         || ops == &screen_pick_ops || ops == &screen_progress_ops;
}

/* The tables of all screens: every action is documented (an entry
 * without a help line or label must be an alias of one that has one),
 * no entry is dead (an unconditional key later in the table again),
 * and F10 quits from every screen that is not a dialog (no
 * unconditional binding of its own). */
static void
test_screen_tables (void)
{
  const ui_key_t *list[128];
  size_t n, i, j, screens = 0;

  for (const ui_screen_ops_t *const *t = ui_screen_table; *t; t++, screens++)
    {
      const ui_screen_ops_t *ops = *t;
      CU_ASSERT_PTR_NOT_NULL (ops->name);
      CU_ASSERT_PTR_NOT_NULL (ops->draw);
      CU_ASSERT_PTR_NOT_NULL (ops->help);
      n = test_flatten (ops->keys, list, 0, DIM (list));
      for (i = 0; i < n; i++)
        {
          bool documented = list[i]->help || list[i]->label
                            || list[i]->label_fn;
          CU_ASSERT (list[i]->action || list[i]->action_arg);
          /* a flag label: both labels, the flag inside the state */
          if (list[i]->flag)
            CU_ASSERT (list[i]->label && list[i]->label_on
                       && list[i]->flag - 1 + sizeof (bool)
                          <= ops->state_size);
          for (j = 0; j < i && !documented; j++)
            if (list[j]->action == list[i]->action
                && list[j]->action_arg == list[i]->action_arg
                && list[j]->arg == list[i]->arg
                && (list[j]->help || list[j]->label))
              documented = true;
          if (!documented && list[i]->key != UI_KEY_ESC)
            {
              fprintf (stderr, "screen %s: key %d undocumented\n", ops->name,
                       list[i]->key);
              CU_FAIL ("an undocumented key");
            }
          for (j = i + 1; j < n; j++)
            if (!list[i]->when && !list[i]->modes
                && (list[j]->key == list[i]->key
                                   || (list[i]->key2
                                       && list[j]->key == list[i]->key2)))
              {
                fprintf (stderr, "screen %s: key %d is dead\n", ops->name,
                         list[j]->key);
                CU_FAIL ("a dead key entry");
              }
          if (!test_is_dialog (ops) && !list[i]->when && !list[i]->modes)
            CU_ASSERT (list[i]->key != KEY_F (10)
                       && list[i]->key2 != KEY_F (10));
        }
    }
  CU_ASSERT (screens >= 15);
}

/* ---- the tree model -------------------------------------------------- */

static void
test_tree_model (void)
{
  image_t *img = NULL;
  image_node_t *node;
  widget_tree_t t;
  char **paths = NULL;
  size_t n = 0, i;
  bool all;
  ui_t ui;

  memset (&ui, 0, sizeof ui);
  CU_ASSERT_EQUAL_FATAL (image_new (&img), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/5015/4401",
                                    IMAGE_NODE_EF_TRANSPARENT, IMAGE_SRC_USER,
                                    &node), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/5015/4402",
                                    IMAGE_NODE_EF_TRANSPARENT, IMAGE_SRC_USER,
                                    &node), 0);
  CU_ASSERT_EQUAL (image_make_path (img, "3F00/2F00",
                                    IMAGE_NODE_EF_TRANSPARENT, IMAGE_SRC_USER,
                                    &node), 0);
  CU_ASSERT_EQUAL_FATAL (widget_tree_init (&t, img, true), 0);
  CU_ASSERT_EQUAL (t.n, 5);
  CU_ASSERT_EQUAL (t.n_vis, 5);                  /* top levels open */
  CU_ASSERT_EQUAL (widget_tree_count_selected (&t), 5);
  CU_ASSERT_EQUAL (widget_tree_selection (&t, &paths, &n, &all), 0);
  CU_ASSERT_TRUE (all);
  CU_ASSERT_EQUAL (n, 0);

  /* close 3F00: only it is visible; open everything again */
  widget_tree_close (&t);
  CU_ASSERT_EQUAL (t.n_vis, 1);
  widget_tree_open_all (&t);
  CU_ASSERT_EQUAL (t.n_vis, 5);

  /* deselect 5015 and what is below it: 3F00 is then not wholly
   * selected either, 2F00 stays */
  for (i = 0; i < t.n_vis; i++)
    {
      char comp[IMAGE_COMPONENT_MAX];
      t.menu.cur = i;
      image_node_component (widget_tree_current (&t), comp, sizeof comp);
      if (!strcmp (comp, "5015"))
        break;
    }
  CU_ASSERT_FATAL (i < t.n_vis);
  widget_tree_toggle (&t);
  CU_ASSERT_EQUAL (widget_tree_count_selected (&t), 1);
  CU_ASSERT_EQUAL (widget_tree_selection (&t, &paths, &n, &all), 0);
  CU_ASSERT_FALSE (all);
  CU_ASSERT_EQUAL_FATAL (n, 1);
  CU_ASSERT_STRING_EQUAL (paths[0], "3F00/2F00");
  widget_tree_free_paths (paths, n);
  widget_tree_toggle_all (&t);                    /* all on */
  CU_ASSERT_EQUAL (widget_tree_count_selected (&t), 5);
  widget_tree_toggle_all (&t);                    /* all off */
  CU_ASSERT_EQUAL (widget_tree_count_selected (&t), 0);

  /* search: typed into the field, Enter finds and opens the way */
  t.menu.cur = 0;
  widget_tree_close (&t);
  CU_ASSERT_EQUAL (t.n_vis, 1);
  widget_tree_search_start (&t);
  CU_ASSERT_TRUE (t.searching);
  widget_tree_search_key (&ui, &t, '4');
  widget_tree_search_key (&ui, &t, '4');
  widget_tree_search_key (&ui, &t, '0');
  widget_tree_search_key (&ui, &t, '2');
  CU_ASSERT_STRING_EQUAL (t.search, "4402");
  CU_ASSERT_NOT_EQUAL (widget_tree_search_key (&ui, &t, '\r'), 0);
  CU_ASSERT_FALSE (t.searching);
  node = widget_tree_current (&t);
  CU_ASSERT_PTR_NOT_NULL_FATAL (node);
  {
    char comp[IMAGE_COMPONENT_MAX];
    image_node_component (node, comp, sizeof comp);
    CU_ASSERT_STRING_EQUAL (comp, "4402");
  }
  CU_ASSERT (t.n_vis >= 4);
  widget_tree_free (&t);
  image_free (img);
}

/* ---- the real loop on a pty -------------------------------------------- */

static ui_t tui;
static int tmaster = -1;
static pthread_t tdrain;
static char tdir[64];

/* Nobody looks at the terminal: keep its output flowing. */
static void *
test_drain (void *arg)
{
  char buf[4096];
  (void) arg;
  while (read (tmaster, buf, sizeof buf) > 0)
    ;
  return NULL;
}

static int
test_loop_init (void)
{
  struct winsize ws = { 30, 100, 0, 0 };
  char opts[2048], vscdir[128];
  int slave;
  FILE *in, *out;
  const char *sd = cutest_srcdir ();

  snprintf (tdir, sizeof tdir, "/tmp/test-ui.XXXXXX");
  if (!mkdtemp (tdir))
    return -1;
  setenv ("XDG_CONFIG_HOME", tdir, 1);
  setenv ("XDG_DATA_HOME", tdir, 1);
  setenv ("TERM", "xterm-256color", 1);
  unsetenv ("NO_COLOR");
  if (openpty (&tmaster, &slave, NULL, NULL, &ws))
    return -1;
  in = fdopen (slave, "r");
  out = fdopen (dup (slave), "w");
  if (!in || !out || pthread_create (&tdrain, NULL, test_drain, NULL))
    return -1;

  settings_defaults (&tui.settings);
  snprintf (vscdir, sizeof vscdir, "%s/vsc", tdir);
  mkdir (vscdir, 0700);
  snprintf (tui.settings.vsc_dir, sizeof tui.settings.vsc_dir, "%s", vscdir);
  tui.config_dir = settings_config_dir ();
  tui.monitor_fd = -1;
  tui.emu = true;
  snprintf (opts, sizeof opts,
            "profile=%s/tests/cards/pkcs15.card,profile=%s/tests/cards/blank.card",
            sd, sd);
  tui.emu_opts = opts;
  if (backend_open (&tui))
    return -1;
  if (loop_init_term (&tui, in, out))
    return -1;
  return 0;
}

static int
test_loop_cleanup (void)
{
  char cmd[128];
  loop_shutdown (&tui);
  backend_close (&tui);
  xfree (tui.config_dir);
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", tdir);
  return system (cmd) ? 0 : 0;
}

/* The drawn screen as text, rows joined by newlines. */
static void
test_screen (char *buf, size_t n)
{
  size_t len = 0;
  int y;

  loop_redraw (&tui);
  buf[0] = 0;
  for (y = 0; y < LINES && len + (size_t) COLS + 2 < n; y++)
    {
      mvinnstr (y, 0, buf + len, COLS);
      len += strlen (buf + len);
      buf[len++] = '\n';
      buf[len] = 0;
    }
}

static bool
test_shows (const char *text)
{
  static char buf[8192];
  test_screen (buf, sizeof buf);
  return strstr (buf, text) != NULL;
}

/* Turn the loop until TEXT shows (at most SECS). */
static bool
test_wait_for (const char *text, int secs)
{
  static char buf[8192];
  long long end = loop_now_ms () + secs * 1000LL;
  while (loop_now_ms () < end)
    {
      if (test_shows (text))
        return true;
      loop_step (&tui, 100);
    }
  if (test_shows (text))
    return true;
  test_screen (buf, sizeof buf);
  fprintf (stderr, "no \"%s\" on the screen:\n%s", text, buf);
  return false;
}

static void
test_loop_start_and_help (void)
{
  CU_ASSERT_PTR_NOT_NULL_FATAL (tui.top);
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_main_ops);
  CU_ASSERT_TRUE (test_shows ("Readers (2) and cards (2)"));
  CU_ASSERT_TRUE (test_shows ("F5 Backup"));
  CU_ASSERT_TRUE (test_shows ("F8 Insert/Remove"));
  CU_ASSERT_TRUE (test_shows ("F10 Quit"));

  loop_key (&tui, '?');
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_help_ops);
  /* the help lists the start screen's keys from its table */
  CU_ASSERT_TRUE (test_shows ("back up the card under the cursor"));
  CU_ASSERT_TRUE (test_shows ("F7, d"));
  CU_ASSERT_TRUE (test_shows ("leave vscman (from any screen)"));
  loop_key (&tui, 'q');
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_main_ops);
  loop_key (&tui, KEY_F (9));
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_log_ops);
  loop_key (&tui, UI_KEY_ESC);
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_main_ops);
  CU_ASSERT_FALSE (tui.quitting);
}

/* A task that reports nothing and runs until released or cancelled. */
static int tick_release[2] = { -1, -1 };
static bool tick_done;

static gpg_error_t
test_tick_job (void *arg, const scapi_cb_t *cb)
{
  struct pollfd p = { tick_release[0], POLLIN, 0 };
  (void) arg;
  while (!*cb->cancel)
    if (poll (&p, 1, 20) > 0)
      return 0;
  return gpg_error (GPG_ERR_CANCELED);
}

static void
test_tick_finished (ui_t *ui, void *ctx, gpg_error_t err, const char *text)
{
  (void) ui; (void) ctx; (void) text;
  tick_done = !err;
}

/* The elapsed time of a running operation moves once a second although
 * the operation reports nothing (the loop's own tick, UI_EV_TASK_TICK),
 * and those are the only timed polls: none while idle. */
static void
test_loop_task_ticks (void)
{
  char buf[8192], seen[8][16];
  size_t n_seen = 0;
  unsigned long ticks0 = tui.stats.ticks, timed0 = tui.stats.timed_polls;
  long long end;

  CU_ASSERT_FATAL (pipe (tick_release) == 0);
  screen_run_task (&tui, "Tick test", test_tick_job, NULL,
                   test_tick_finished, NULL);
  loop_key (&tui, UI_CTRL ('l'));            /* applies the push */
  CU_ASSERT_PTR_EQUAL_FATAL (tui.top->ops, &screen_progress_ops);
  end = loop_now_ms () + 3500;
  while (loop_now_ms () < end)
    {
      char *e;
      loop_step (&tui, 5000);                /* returns at the tick */
      test_screen (buf, sizeof buf);
      e = strstr (buf, "elapsed: ");
      if (e && n_seen < DIM (seen))
        {
          snprintf (seen[n_seen], sizeof seen[n_seen], "%.8s", e + 9);
          if (!n_seen || strcmp (seen[n_seen], seen[n_seen - 1]))
            n_seen++;
        }
    }
  /* 3.5 s: the elapsed time showed at least three values, by ticks. */
  CU_ASSERT (n_seen >= 3);
  CU_ASSERT (tui.stats.ticks >= ticks0 + 3);
  CU_ASSERT (tui.stats.tick_polls > 0);
  CU_ASSERT_EQUAL (tui.stats.timed_polls, timed0);
  CU_ASSERT_FATAL (write (tick_release[1], "x", 1) == 1);
  end = loop_now_ms () + 5000;
  while (!tick_done && loop_now_ms () < end)
    loop_step (&tui, 200);
  CU_ASSERT_TRUE (tick_done);
  CU_ASSERT_PTR_NULL (tui.task);
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_main_ops);
  close (tick_release[0]);
  close (tick_release[1]);
}

/* Open the card, look at its tree and its help, quit with F10 from the
 * tree: the loop stops in the same turn (no poll() after the key) and
 * never used a timed poll. */
static void
test_loop_card_and_quit (void)
{
  unsigned long polls;

  loop_key (&tui, '\r');                     /* Enter on vscemu 0 */
  CU_ASSERT_TRUE (test_wait_for ("ef-transparent", 30));
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_card_ops);
  /* the background FID scan ends (its nodes are in the count below) */
  CU_ASSERT_TRUE (test_wait_for ("Scan complete", 60));
  CU_ASSERT_TRUE (test_shows ("Enter View"));
  CU_ASSERT_TRUE (test_shows ("F5 Backup"));
  CU_ASSERT_TRUE (test_shows ("27 selected"));
  loop_key (&tui, ' ');                      /* 3F00 and all below off */
  CU_ASSERT_TRUE (test_shows ("0 selected"));
  loop_key (&tui, 'a');                      /* everything again */
  CU_ASSERT_TRUE (test_shows ("27 selected"));
  loop_key (&tui, KEY_F (1));
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_help_ops);
  CU_ASSERT_TRUE (test_shows ("select everything, or nothing"));
  CU_ASSERT_TRUE (test_shows ("back up the selected nodes"));
  loop_key (&tui, KEY_F (1));                /* F1 closes it again */
  CU_ASSERT_PTR_EQUAL (tui.top->ops, &screen_card_ops);

  /* F10 from the tree: quit, through the loop's own terminal input */
  polls = tui.stats.polls;
  CU_ASSERT_FATAL (write (tmaster, "\033[21~", 5) == 5);   /* F10 */
  while (!tui.quitting && tui.stats.polls < polls + 50)
    loop_step (&tui, 200);
  CU_ASSERT_TRUE (tui.quitting);
  CU_ASSERT_EQUAL (tui.stats.quit_key, KEY_F (10));
  polls = tui.stats.polls;
  CU_ASSERT_EQUAL (loop_run (&tui), 0);      /* returns at once ... */
  CU_ASSERT_EQUAL (tui.stats.polls, polls);  /* ... without a poll */
  CU_ASSERT_EQUAL (tui.stats.timed_polls, 0);
}

/* Multi-line texts of dialogs, help and the node view, line by line. */
static void
test_next_line (void)
{
  const char *p = "one\n\nthree is long\n";
  char line[8];

  CU_ASSERT_TRUE (draw_next_line (&p, line, sizeof line));
  CU_ASSERT_STRING_EQUAL (line, "one");
  CU_ASSERT_TRUE (draw_next_line (&p, line, sizeof line));
  CU_ASSERT_STRING_EQUAL (line, "");
  CU_ASSERT_TRUE (draw_next_line (&p, line, sizeof line));
  CU_ASSERT_STRING_EQUAL (line, "three i");       /* cut to the buffer */
  CU_ASSERT_FALSE (draw_next_line (&p, line, sizeof line));   /* no "" */
  p = "last";
  CU_ASSERT_TRUE (draw_next_line (&p, line, sizeof line));
  CU_ASSERT_STRING_EQUAL (line, "last");
  CU_ASSERT_FALSE (draw_next_line (&p, line, sizeof line));
  p = "";
  CU_ASSERT_FALSE (draw_next_line (&p, line, sizeof line));
}

/* A list screen's failed task (server and history screens): the
 * error context's text kept on the worker, the message, and the
 * screen closing only when its first listing failed. */
static void
test_list_failed (void)
{
  ui_t ui;
  ui_screen_t s;
  screen_list_t list;
  char msg[64];
  gpg_error_t err = gpg_error (GPG_ERR_EPIPE);

  errctx_set ("%s", "the vault is read-only");
  snprintf (msg, sizeof msg, "%s", "kept");
  CU_ASSERT_EQUAL (screen_remote_failed (0, msg, sizeof msg), 0);
  CU_ASSERT_STRING_EQUAL (msg, "kept");
  CU_ASSERT_EQUAL (screen_remote_failed (err, msg, sizeof msg), err);
  CU_ASSERT_STRING_EQUAL (msg, "the vault is read-only");
  errctx_clear ();

  memset (&ui, 0, sizeof ui);
  memset (&s, 0, sizeof s);
  memset (&list, 0, sizeof list);
  s.state = &list;
  screen_list_failed (&ui, &s, err, false, msg, "History");
  CU_ASSERT_FALSE (s.close_on_resume);
  CU_ASSERT_STRING_EQUAL (ui.status, "History: the vault is read-only");
  CU_ASSERT_TRUE (ui.status_error);
  screen_list_failed (&ui, &s, err, true, msg, "Server");
  CU_ASSERT_TRUE (s.close_on_resume);
  CU_ASSERT_STRING_EQUAL (ui.status, "Server: the vault is read-only");
  /* Listed once: a failed refresh leaves the screen open. */
  s.close_on_resume = false;
  list.have = true;
  screen_list_failed (&ui, &s, err, true, msg, "Server");
  CU_ASSERT_FALSE (s.close_on_resume);
}

/* The rows a task made are handed to the list view in its done
 * callback (screen_list_take): shown from then on, the cursor kept
 * within them, the old rows freed; the list's leave frees the last. */
static void
test_list_take (void)
{
  ui_t ui;
  ui_screen_t s;
  screen_list_t list;
  int *rows = xtrycalloc (3, sizeof *rows);

  CU_ASSERT_PTR_NOT_NULL_FATAL (rows);
  rows[2] = 7;
  memset (&ui, 0, sizeof ui);
  memset (&s, 0, sizeof s);
  memset (&list, 0, sizeof list);
  s.state = &list;
  CU_ASSERT_EQUAL (screen_list_mode (&ui, &s), 0);
  screen_list_take (&list, rows, 3);
  CU_ASSERT_TRUE (list.have);
  CU_ASSERT_PTR_EQUAL (list.rows, rows);
  CU_ASSERT_EQUAL (list.menu.n, 3);
  CU_ASSERT_EQUAL (screen_list_mode (&ui, &s), UI_MODE_LIST | UI_MODE_ITEMS);
  list.menu.cur = 2;
  CU_ASSERT_EQUAL (((int *) list.rows)[list.menu.cur], 7);
  rows = xtrycalloc (1, sizeof *rows);
  CU_ASSERT_PTR_NOT_NULL_FATAL (rows);
  screen_list_take (&list, rows, 1);      /* the old three are freed */
  CU_ASSERT_PTR_EQUAL (list.rows, rows);
  CU_ASSERT_EQUAL (list.menu.cur, 0);
  screen_list_take (&list, NULL, 0);
  CU_ASSERT_PTR_NULL (list.rows);
  CU_ASSERT_EQUAL (screen_list_mode (&ui, &s), UI_MODE_LIST);
  screen_list_take (&list, xtrycalloc (2, sizeof *rows), 2);
  screen_list_leave (&ui, &s);
  CU_ASSERT_PTR_NULL (list.rows);
}

/* The scrolling of the node view and the backup summary: a line, a
 * page, the ends; never below the first line; other keys untouched. */
static void
test_key_scroll (void)
{
  size_t top = 0;

  CU_ASSERT_TRUE (ui_key_scroll (KEY_UP, &top, 10, 50));
  CU_ASSERT_EQUAL (top, 0);
  CU_ASSERT_TRUE (ui_key_scroll ('j', &top, 10, 50));
  CU_ASSERT_TRUE (ui_key_scroll (KEY_DOWN, &top, 10, 50));
  CU_ASSERT_EQUAL (top, 2);
  CU_ASSERT_TRUE (ui_key_scroll (' ', &top, 10, 50));
  CU_ASSERT_EQUAL (top, 12);
  CU_ASSERT_TRUE (ui_key_scroll (KEY_NPAGE, &top, 10, 50));
  CU_ASSERT_EQUAL (top, 22);
  CU_ASSERT_TRUE (ui_key_scroll ('k', &top, 10, 50));
  CU_ASSERT_TRUE (ui_key_scroll (KEY_PPAGE, &top, 10, 50));
  CU_ASSERT_EQUAL (top, 11);
  CU_ASSERT_TRUE (ui_key_scroll ('G', &top, 10, 50));
  CU_ASSERT_EQUAL (top, 50);
  CU_ASSERT_TRUE (ui_key_scroll (KEY_HOME, &top, 10, 50));
  CU_ASSERT_EQUAL (top, 0);
  CU_ASSERT_TRUE (ui_key_scroll (KEY_END, &top, 10, 7));
  CU_ASSERT_EQUAL (top, 7);
  CU_ASSERT_TRUE (ui_key_scroll (KEY_PPAGE, &top, 10, 7));
  CU_ASSERT_EQUAL (top, 0);
  CU_ASSERT_TRUE (ui_key_scroll ('g', &top, 10, 7));
  CU_ASSERT_FALSE (ui_key_scroll ('q', &top, 10, 7));
  CU_ASSERT_FALSE (ui_key_scroll ('\n', &top, 10, 7));
  CU_ASSERT_EQUAL (top, 0);
}

static const cutest_t tests[] = {
  CUTEST (test_next_line),
  CUTEST (test_keys_dispatch),
  CUTEST (test_keys_arg_flag),
  CUTEST (test_list_failed),
  CUTEST (test_list_take),
  CUTEST (test_key_scroll),
  CUTEST (test_screen_tables),
  CUTEST (test_tree_model),
  CUTEST (test_loop_start_and_help),
  CUTEST (test_loop_task_ticks),
  CUTEST (test_loop_card_and_quit),
  CUTEST_END
};

int
main (void)
{
  return cutest_main ("ui", tests, test_loop_init, test_loop_cleanup);
}
