## bench/: make bench. Each benchmark prints a ratio against a reference
## measured in the same run. Add with: BENCHES += bench/foo ; noinst_PROGRAMS or scripts.
EXTRA_DIST += bench/README
