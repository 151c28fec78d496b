## src/reader: the reader handler (component 14): PC/SC and in-process
## backends, insertion monitor.
libvscman_a_SOURCES += \
	src/reader/reader.h src/reader/reader-int.h src/reader/reader.c \
	src/reader/reader-pcsc.c src/reader/reader-emu.c \
	src/reader/reader-monitor.c

check_PROGRAMS += tests/unit/test-reader
TESTS += tests/unit/test-reader

check_PROGRAMS += tests/reader/pcsc-check
tests_reader_pcsc_check_SOURCES = tests/reader/pcsc-check.c
tests_reader_pcsc_check_LDADD = $(VSC_LIBS)

TESTS += tests/reader/readers-vpcd.sh tests/reader/watch-vpcd.sh \
	tests/reader/pcsc-errors.sh tests/reader/pcscd-restart.sh
EXTRA_DIST += tests/reader/readers-vpcd.sh tests/reader/watch-vpcd.sh \
	tests/reader/pcsc-errors.sh tests/reader/pcscd-restart.sh
