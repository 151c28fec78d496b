## src/scapi: the smart card API facade (component 12)
libvscman_a_SOURCES += src/scapi/scapi.h src/scapi/scapi-int.h \
	src/scapi/scapi.c src/scapi/scapi-backup.c src/scapi/scapi-restore.c \
	src/scapi/scapi-vsc.c \
	src/scapi/scapi-map.h src/scapi/scapi-map.c src/scapi/scapi-keyfile.c

## scapi-keys.c: off-card key generation into a VSC (vsctool keygen)
libvscman_a_SOURCES += src/scapi/scapi-keys.h src/scapi/scapi-keys.c

## worker.c: generic job thread with progress through a pipe (reader owner)
libvscman_a_SOURCES += src/scapi/worker.h src/scapi/worker.c
check_PROGRAMS += tests/unit/test-worker
TESTS += tests/unit/test-worker
