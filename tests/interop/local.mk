## tests/interop: backup and restore flows against a token we did not write
## (issue 12). `make interop` runs them against the command in
## $VSC_INTEROP_TOKEN (called as TOKEN STATE PORT, attached to vpcd) and
## skips, saying why, without it; `make check` runs the same scripts
## against tests/interop/vscemu-token, vscemu with the behaviours of real
## tokens turned on (tests/cards/canokey-blank.card).
INTEROP_TESTS = tests/interop/clone.sh tests/interop/escrow.sh \
	tests/interop/set-pins.sh tests/interop/interrupt.sh \
	tests/interop/wrong-pin.sh
## issue 17: an identity moved between card models (restore --map).
INTEROP_TESTS += tests/interop/map-p15.sh tests/interop/map-piv-fs.sh \
	tests/interop/map-cross.sh
TESTS += $(INTEROP_TESTS)
EXTRA_DIST += $(INTEROP_TESTS) tests/interop/interop-lib.sh \
	tests/interop/vscemu-token tests/interop/pinentry

interop: all
	@if test -z "$$VSC_INTEROP_TOKEN"; then \
	  echo "make interop: SKIP: VSC_INTEROP_TOKEN is not set."; \
	  echo "  Give the command that runs an independent token attached to vpcd,"; \
	  echo "  called as TOKEN STATE PORT (tests/interop/interop-lib.sh):"; \
	  echo "  VSC_INTEROP_TOKEN=/path/to/token make interop"; \
	  exit 0; \
	fi; \
	VSC_INTEROP_EXTERNAL=1; export VSC_INTEROP_EXTERNAL; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS="$(INTEROP_TESTS)"
.PHONY: interop
