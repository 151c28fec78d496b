## bench/: make bench. Each benchmark prints a ratio against a reference
## measured in the same run (bench/README); make bench runs $(BENCHES) in
## this order:
##   vsc-bench       VSC throughput vs raw AES-256-GCM, save, KDF, create,
##                   cat RSS
##   reader-latency  monitor latency (emu, and pcscd+vpcd vs the bare
##                   client bench/reader-bare)
##   agency-apdus    APDUs of a backup against the minimum (in-process)
##   agency-vpcd     vsctool against opensc-explorer / a 64 KiB card
##                   through pcscd+vpcd
##   scan-vpcd       (issue 18) backup/restore of the sample card at 0, 5
##                   and 40 ms per APDU against the minimal sequence and
##                   opensc-explorer
##   tree-vpcd       (issue 18) APDUs and seconds until the card screen's
##                   tree at 0, 5 and 40 ms per APDU against the full listed
##                   discovery (bench/tree-time measures)
##   apps-apdus      APDUs of a token backup and restore (OpenPGP card +
##                   PIV) against the minimal sequence
##   vscd-roundtrip  get+put round trips through vscd --socket vs a plain cat
##   vscd-backends   get+put/s on the directory and the PostgreSQL vault in
##                   the same run, vscd's memory per connection (starts a
##                   throw-away cluster; bench/vscd-backends-run measures)
##   vscman-ui       first frame, insertion-to-screen, idle CPU/wakeups/RSS
BENCHES += bench/vsc-bench bench/reader-latency bench/agency-apdus \
	bench/agency-vpcd bench/scan-vpcd bench/tree-vpcd bench/apps-apdus \
	bench/vscd-roundtrip bench/vscd-backends bench/vscman-ui
EXTRA_DIST += bench/README

## A program bench/NAME is built from bench/NAME.c (automake's default
## source) and names its _LDADD (the default would link CUnit).
noinst_PROGRAMS += bench/vsc-bench bench/reader-latency bench/reader-bare \
	bench/agency-apdus bench/tree-time bench/apps-apdus \
	bench/vscd-roundtrip bench/vscd-backends-run bench/vscman-ui
bench_vsc_bench_LDADD = $(VSC_LIBS)
bench_reader_latency_LDADD = $(VSC_LIBS)
bench_reader_bare_LDADD = $(PCSC_LIBS)
bench_agency_apdus_LDADD = $(VSC_LIBS)
bench_tree_time_LDADD = $(VSC_LIBS)
bench_apps_apdus_LDADD = $(VSC_LIBS)
bench_vscd_roundtrip_LDADD = $(VSCD_LIBS)
bench_vscd_backends_run_LDADD = $(VSC_LIBS)
bench_vscman_ui_LDADD =

## A script bench/NAME is bench/NAME.sh copied into the build tree
## (bench/vpcd-lib.sh is what the vpcd ones share).
SCRIPT_BENCHES = bench/agency-vpcd bench/scan-vpcd bench/tree-vpcd \
	bench/vscd-backends
$(SCRIPT_BENCHES): bench/%: $(srcdir)/bench/%.sh
	$(AM_V_GEN)cp $< $@ && chmod +x $@
CLEANFILES += $(SCRIPT_BENCHES)
EXTRA_DIST += $(SCRIPT_BENCHES:=.sh) bench/vpcd-lib.sh
