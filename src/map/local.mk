## src/map: moving an identity between card models (the mapping step of a
## restore): the planner over images, map files, the PKCS#15 structure
## for blank file systems. Pure: uses image and common only.
libvscman_a_SOURCES += \
	src/map/map.h src/map/map-int.h src/map/map.c src/map/map-source.c \
	src/map/map-target.c src/map/map-x509.h src/map/map-x509.c src/map/map-file.c \
	src/map/map-p15.h src/map/map-p15.c src/map/map-apply.c

## The planner's decisions, map files, the PKCS#15 encoder (no card).
check_PROGRAMS += tests/unit/test-map tests/unit/test-map-apply
tests_unit_test_map_SOURCES = tests/unit/test-map.c \
	tests/unit/map-fixtures.c tests/unit/map-fixtures.h
TESTS += tests/unit/test-map
## What a mapped restore writes, the target read from its image.
tests_unit_test_map_apply_SOURCES = tests/unit/test-map-apply.c \
	tests/unit/map-fixtures.c tests/unit/map-fixtures.h
TESTS += tests/unit/test-map-apply

## OpenSC reads the PKCS#15 structure and uses its keys (vscemu --vsc of
## a VSC holding it: the stand-in token).
check_PROGRAMS += tests/map/p15-vsc
tests_map_p15_vsc_SOURCES = tests/map/p15-vsc.c
tests_map_p15_vsc_LDADD = $(VSC_LIBS)
TESTS += tests/map/p15-opensc.sh
EXTRA_DIST += tests/map/p15-opensc.sh
TESTS += tests/map/restore-map.sh
EXTRA_DIST += tests/map/restore-map.sh tests/map/keys.sh
## PIV targets with fewer retired slots and algorithms (vscemu profiles).
TESTS += tests/map/piv-target.sh
EXTRA_DIST += tests/map/piv-target.sh
## The manager shows the mapping in the restore plan; a target changed.
TESTS += tests/tui/map.sh
EXTRA_DIST += tests/tui/map.sh
