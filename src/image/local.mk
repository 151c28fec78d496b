## src/image: the in-memory card image (component 10), image diff
## and the restore planner (plan.c)
libvscman_a_SOURCES += \
	src/image/image.h src/image/image.c src/image/image-state.c \
	src/image/diff.c \
	src/image/plan.h src/image/plan.c

check_PROGRAMS += tests/unit/test-image
tests_unit_test_image_SOURCES = tests/unit/test-image.c
tests_unit_test_image_CFLAGS = $(AM_CFLAGS) $(CUNIT_CFLAGS)
tests_unit_test_image_LDADD = $(CUTEST_LIBS)
TESTS += tests/unit/test-image
