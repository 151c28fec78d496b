## src/cli: vsctool's commands (one file each, a cli_cmd_t table entry)
## and the one parser they share. Built as a library so the parser has
## unit tests; src/vsctool.c holds the command table and main().
noinst_LIBRARIES += libvsccli.a
libvsccli_a_SOURCES = \
	src/cli/cli.h src/cli/cli.c src/cli/cli-parse.c \
	src/cli/cli-vsc.h src/cli/cli-vsc.c \
	src/cli/cli-card.h src/cli/cli-card.c \
	src/cli/cmd-readers.c src/cli/cmd-remote.c \
	src/cli/cmd-backup.c src/cli/cmd-restore.c src/cli/cmd-diff.c \
	src/cli/cmd-keygen.c src/cli/cli-map.h src/cli/cli-map.c \
	src/cli/cmd-create.c src/cli/cmd-info.c src/cli/cmd-ls.c \
	src/cli/cmd-cat.c src/cli/cmd-put.c src/cli/cmd-rm.c \
	src/cli/cmd-passwd.c src/cli/cmd-verify.c src/cli/cmd-export-public.c
libvsccli_a_CFLAGS = $(AM_CFLAGS)

## The parser: options, groups, argument counts, --help, --list-options.
check_PROGRAMS += tests/unit/test-cli
tests_unit_test_cli_LDADD = libvsccli.a $(CUTEST_LIBS)
TESTS += tests/unit/test-cli

## Every command answers --help and --list-options; vsctool
## --list-commands names them all (for shell completion).
TESTS += tests/cli/commands.sh
EXTRA_DIST += tests/cli/commands.sh
