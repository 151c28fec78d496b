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

## make bench: APDUs of a backup against the minimum (in-process), and
## vsctool against opensc-explorer / a 64 KiB card through pcscd+vpcd.
noinst_PROGRAMS += bench/agency-apdus
bench_agency_apdus_SOURCES = bench/agency-apdus.c
bench_agency_apdus_LDADD = $(VSC_LIBS)
BENCHES += bench/agency-apdus
bench/agency-vpcd: $(srcdir)/bench/agency-vpcd.sh
	$(AM_V_GEN)cp $(srcdir)/bench/agency-vpcd.sh $@ && chmod +x $@
CLEANFILES += bench/agency-vpcd
EXTRA_DIST += bench/agency-vpcd.sh
BENCHES += bench/agency-vpcd

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
## make bench (issue 18): backup/restore of the sample card at 0, 5 and
## 40 ms per APDU against the minimal sequence and opensc-explorer.
bench/scan-vpcd: $(srcdir)/bench/scan-vpcd.sh
	$(AM_V_GEN)cp $(srcdir)/bench/scan-vpcd.sh $@ && chmod +x $@
CLEANFILES += bench/scan-vpcd
EXTRA_DIST += bench/scan-vpcd.sh bench/vpcd-lib.sh
BENCHES += bench/scan-vpcd
## make bench (issue 18): APDUs and seconds until the card screen's tree
## at 0, 5 and 40 ms per APDU against the full listed discovery.
noinst_PROGRAMS += bench/tree-time
bench_tree_time_SOURCES = bench/tree-time.c
bench_tree_time_LDADD = $(VSC_LIBS)
bench/tree-vpcd: $(srcdir)/bench/tree-vpcd.sh
	$(AM_V_GEN)cp $(srcdir)/bench/tree-vpcd.sh $@ && chmod +x $@
CLEANFILES += bench/tree-vpcd
EXTRA_DIST += bench/tree-vpcd.sh
BENCHES += bench/tree-vpcd

## libFuzzer target (issue 12 item 6): every agent's backup and restore
## against a card answering from the fuzz input; seeds made from the
## emulated sample cards (FUZZ_AGENTS_MAKE_SEEDS=DIR tests/fuzz/fuzz-agents).
EXTRA_DIST += tests/fuzz/fuzz-agents.c tests/fuzz/agents.sh tests/fuzz/corpus/agents
tests_fuzz_fuzz_agents_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_agents_LDADD = $(VSC_LIBS)
if ENABLE_FUZZING
check_PROGRAMS += tests/fuzz/fuzz-agents
TESTS += tests/fuzz/agents.sh
endif
