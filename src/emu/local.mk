## src/emu: the software card (ISO 7816-4 file system, applet slots)
libvscman_a_SOURCES += \
	src/emu/emu.h \
	src/emu/applet.h src/emu/applet.c
