## src/image: the in-memory card image (component 10), image diff
## and the restore planner (plan.c)
libvscman_a_SOURCES += \
	src/image/image.h src/image/image.c src/image/image-state.c \
	src/image/diff.c \
	src/image/plan.h src/image/plan.c

check_PROGRAMS += tests/unit/test-image
TESTS += tests/unit/test-image
