## tests/fuzz/: the libFuzzer targets (configure --enable-fuzzing, needs
## clang). Target NAME is tests/fuzz/fuzz-NAME.c, with a seed corpus in
## tests/fuzz/corpus/NAME/ and a make check regression run through its
## wrapper tests/fuzz/NAME.sh (tests/fuzz/run-corpus.sh NAME):
##   tlv     BER-TLV validation, iteration and search
##   rapdu   the APDU codec
##   vsc     the VSC reader on arbitrary bytes
##   emu     APDU sequences against a freshly loaded emulated card
##   agents  every agent's backup and restore against a card answering
##           from the fuzz input (issue 12 item 6); seeds made from the
##           emulated sample cards (FUZZ_AGENTS_MAKE_SEEDS=DIR
##           tests/fuzz/fuzz-agents)
##   frame   vscd's frame/request parser and the server loop
##   vscd    vscd's request dispatcher (programs of well-framed requests
##           against a temporary vault, with vscd's create/check hooks)
## Each target links with $(FUZZ_LDFLAGS) (libFuzzer's main), so it names
## its _LDFLAGS and _LDADD.
if ENABLE_FUZZING
check_PROGRAMS += tests/fuzz/fuzz-tlv tests/fuzz/fuzz-rapdu \
	tests/fuzz/fuzz-vsc tests/fuzz/fuzz-emu tests/fuzz/fuzz-agents \
	tests/fuzz/fuzz-frame tests/fuzz/fuzz-vscd
TESTS += tests/fuzz/tlv.sh tests/fuzz/rapdu.sh tests/fuzz/vsc.sh \
	tests/fuzz/emu.sh tests/fuzz/agents.sh tests/fuzz/frame.sh \
	tests/fuzz/vscd.sh
endif
EXTRA_DIST += tests/fuzz/run-corpus.sh \
	tests/fuzz/tlv.sh tests/fuzz/corpus/tlv \
	tests/fuzz/rapdu.sh tests/fuzz/corpus/rapdu \
	tests/fuzz/vsc.sh tests/fuzz/corpus/vsc \
	tests/fuzz/emu.sh tests/fuzz/corpus/emu \
	tests/fuzz/agents.sh tests/fuzz/corpus/agents \
	tests/fuzz/frame.sh tests/fuzz/corpus/frame \
	tests/fuzz/vscd.sh tests/fuzz/corpus/vscd
tests_fuzz_fuzz_tlv_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_tlv_LDADD = $(VSC_LIBS)
tests_fuzz_fuzz_rapdu_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_rapdu_LDADD = $(VSC_LIBS)
tests_fuzz_fuzz_vsc_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_vsc_LDADD = $(VSC_LIBS)
## fuzz-emu loads its cards from the source tree.
tests_fuzz_fuzz_emu_CFLAGS = $(AM_CFLAGS) -DFUZZ_CARDS=\"$(abs_top_srcdir)/tests/cards\"
tests_fuzz_fuzz_emu_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_emu_LDADD = $(VSC_LIBS)
tests_fuzz_fuzz_agents_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_agents_LDADD = $(VSC_LIBS)
## The vscd targets run vault code: they link libpq (src/remote/local.mk).
tests_fuzz_fuzz_frame_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_frame_LDADD = $(VSCD_LIBS)
tests_fuzz_fuzz_vscd_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_vscd_LDADD = $(VSCD_LIBS)
