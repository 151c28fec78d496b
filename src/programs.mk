## The four programs. Components add their own front-end files with +=
## in their local.mk (for example vsctool_SOURCES += src/cli/cmd-backup.c).
bin_PROGRAMS += vscman vsctool vscemu
sbin_PROGRAMS += vscd

vsctool_SOURCES += src/vsctool.c src/cli/cli.h src/cli/cli.c
vsctool_LDADD = $(VSC_LIBS)

vscman_SOURCES += src/vscman.c
vscman_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
vscman_LDADD = $(VSC_LIBS) $(NCURSES_LIBS)

vscd_SOURCES += src/vscd.c
vscd_LDADD = $(VSCD_LIBS)

vscemu_SOURCES += src/vscemu.c
vscemu_LDADD = $(VSC_LIBS)
