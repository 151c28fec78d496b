## doc/: man pages and developer documentation
EXTRA_DIST += doc/HACKING.md
dist_man_MANS += doc/vscman.1
dist_man_MANS += doc/vsctool.1 doc/vsc.5
EXTRA_DIST += doc/vsc-format.md
dist_man_MANS += doc/vscemu.1
EXTRA_DIST += doc/card-profile.md
EXTRA_DIST += doc/security.md
