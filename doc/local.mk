## doc/: man pages and developer documentation
EXTRA_DIST += doc/HACKING.md
