## debian/: the native Debian package (dpkg-buildpackage -us -uc -b).
## Listed here so that "make dist" carries it; scripts/test builds the
## packages from the distributed tarball.
EXTRA_DIST += debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format \
	debian/vscman.install debian/vscman.docs \
	debian/vscd.install debian/vscd.docs debian/vscd.postinst debian/vscd.postrm \
	debian/vscemu.install debian/vscemu.docs \
	debian/dist.mk
