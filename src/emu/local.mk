## src/emu: the software card (ISO 7816-4 file system, applet slots,
## vpcd link).  Written from the standards; never uses src/agency.
libvscman_a_SOURCES += \
	src/emu/emu.h src/emu/emu-int.h src/emu/emu.c \
	src/emu/emu-fs.c src/emu/emu-cmd.c src/emu/emu-record.c \
	src/emu/emu-pin.c src/emu/emu-profile.c \
	src/emu/emu-vpcd.h src/emu/emu-vpcd.c \
	src/emu/applet.h src/emu/applet.c
