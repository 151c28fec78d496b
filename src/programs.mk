## The four programs (their main() files live in src/). Every directory's
## local.mk lists exactly its own files: vsctool's commands are in
## src/cli/local.mk (libvsccli.a), the manager's screens in
## src/ui/local.mk.
bin_PROGRAMS += vscman vsctool vscemu
sbin_PROGRAMS += vscd

vsctool_SOURCES += src/vsctool.c
vsctool_LDADD = libvsccli.a $(VSC_LIBS)

vscman_SOURCES += src/vscman.c
vscman_CFLAGS = $(AM_CFLAGS) $(NCURSES_CFLAGS)
vscman_LDADD = libvscui.a $(VSC_LIBS) $(NCURSES_LIBS)

vscd_SOURCES += src/vscd.c
vscd_LDADD = $(VSCD_LIBS)

vscemu_SOURCES += src/vscemu.c
vscemu_LDADD = $(VSC_LIBS)
