## src/reader: the reader handler (component 14): PC/SC and in-process
## backends, insertion monitor, vsctool readers.
libvscman_a_SOURCES += \
	src/reader/reader.h src/reader/reader-int.h src/reader/reader.c \
	src/reader/reader-pcsc.c src/reader/reader-emu.c \
	src/reader/reader-monitor.c

vsctool_SOURCES += src/cli/cmd-readers.c

## tests/unit/test-reader (emu backend) is registered once src/emu links.
EXTRA_DIST += tests/unit/test-reader.c

TESTS += tests/reader/readers-vpcd.sh tests/reader/watch-vpcd.sh \
	tests/reader/pcscd-restart.sh
EXTRA_DIST += tests/reader/readers-vpcd.sh tests/reader/watch-vpcd.sh \
	tests/reader/pcscd-restart.sh
