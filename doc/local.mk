## doc/: man pages and developer documentation
EXTRA_DIST += doc/HACKING.md
dist_man_MANS += doc/vscman.1
