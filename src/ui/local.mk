## src/ui: the manager's event loop, screens and widgets, built as a
## library so that the screens have unit tests (tests/unit/test-ui);
## src/vscman.c is the program around it.
noinst_LIBRARIES += libvscui.a
libvscui_a_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
libvscui_a_SOURCES = src/ui/ui.h src/ui/widget.h src/ui/screens.h \
	src/ui/screen-list.h src/ui/task.h src/ui/backend.h \
	src/ui/loop.c src/ui/keys.c src/ui/draw.c src/ui/settings.c \
	src/ui/task.c src/ui/backend.c src/ui/screen.c src/ui/screen-tree.c \
	src/ui/widget-menu.c src/ui/widget-tree.c src/ui/widget-field.c \
	src/ui/widget-progress.c \
	src/ui/screen-main.c src/ui/screen-card.c src/ui/screen-vsc.c \
	src/ui/screen-backup.c src/ui/screen-restore.c src/ui/screen-diff.c \
	src/ui/screen-progress.c src/ui/screen-dialog.c src/ui/screen-view.c \
	src/ui/screen-settings.c src/ui/screen-log.c src/ui/screen-help.c \
	src/ui/screen-server.c src/ui/screen-history.c

## Screens without a terminal of their own: key tables, footers, help,
## the tree model, and the loop on a pty (newterm).
check_PROGRAMS += tests/unit/test-ui
tests_unit_test_ui_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS) $(NCURSES_CFLAGS)
tests_unit_test_ui_LDADD = libvscui.a $(CUTEST_LIBS) $(NCURSES_LIBS)
TESTS += tests/unit/test-ui

## tmux-driven tests of the manager (tests/tui/tui-lib.sh has the helpers)
TESTS += tests/tui/options.sh tests/tui/start.sh tests/tui/walk.sh tests/tui/kiosk.sh \
	tests/tui/german.sh tests/tui/server.sh tests/tui/server-slow.sh \
	tests/tui/pcsc.sh tests/tui/ssh.sh tests/tui/keys.sh tests/tui/escapes.sh tests/tui/quit.sh \
	tests/tui/history.sh tests/tui/scan.sh tests/tui/scan-pin.sh \
	tests/tui/scan-tree.sh tests/tui/scan-noattr.sh
EXTRA_DIST += tests/tui/tui-lib.sh tests/tui/scan-lib.sh tests/tui/options.sh tests/tui/start.sh tests/tui/walk.sh \
	tests/tui/kiosk.sh tests/tui/german.sh tests/tui/server.sh \
	tests/tui/server-slow.sh \
	tests/tui/pcsc.sh tests/tui/ssh.sh tests/tui/keys.sh tests/tui/escapes.sh tests/tui/quit.sh \
	tests/tui/history.sh tests/tui/scan.sh tests/tui/scan-pin.sh \
	tests/tui/scan-tree.sh tests/tui/scan-noattr.sh
