## src/agency: the agency (component 26) and its agents (component 28)
libvscman_a_SOURCES += \
	src/agency/agency.h src/agency/agent.h src/agency/agency.c \
	src/agency/agency-auth.c \
	src/agency/iso7816.h src/agency/iso7816.c \
	src/agency/agent-iso7816.h src/agency/agent-iso7816.c \
	src/agency/agent-iso7816-scan.c src/agency/agent-iso7816-restore.c \
	src/agency/agent-pkcs15.c \
	src/agency/agent-pkcs15.h src/agency/agent-pkcs15-keys.c

## Tests: the agents and scapi against the in-process emulator.
check_PROGRAMS += tests/unit/test-agency
TESTS += tests/unit/test-agency
TESTS += tests/agency/cli-emu.sh tests/agency/backup-restore-vpcd.sh
EXTRA_DIST += tests/agency/cli-emu.sh tests/agency/backup-restore-vpcd.sh

check_PROGRAMS += tests/unit/test-pins
TESTS += tests/unit/test-pins
TESTS += tests/agency/pins.sh tests/agency/pins-vpcd.sh
EXTRA_DIST += tests/agency/pins.sh tests/agency/pins-vpcd.sh

## Cards that behave as independent ones (issue 12 item 7), in-process.
TESTS += tests/agency/realcards.sh tests/agency/progress.sh
EXTRA_DIST += tests/agency/realcards.sh tests/agency/progress.sh
## The file-system agents on independent-like cards and the scan.
check_PROGRAMS += tests/unit/test-fs-agent
TESTS += tests/unit/test-fs-agent
EXTRA_DIST += tests/cards/hidden.card tests/cards/opensc-init.card \
	tests/cards/blank-unset.card tests/cards/blank-nopin.card \
	tests/cards/noattr.card
