## systemd/: vscd.socket and the per-connection vscd@.service (vscd(8)).
## ./configure --with-systemdsystemunitdir=DIR (default
## PREFIX/lib/systemd/system, which systemd searches; "no" leaves them out).
EXTRA_DIST += systemd/vscd.socket systemd/vscd@.service.in
if INSTALL_SYSTEMD_UNITS
systemdsystemunit_DATA = systemd/vscd.socket systemd/vscd@.service
endif
CLEANFILES += systemd/vscd@.service
noinst_DATA = systemd/vscd@.service
systemd/vscd@.service: $(srcdir)/systemd/vscd@.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) systemd && \
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/systemd/vscd@.service.in > $@.tmp && \
	mv $@.tmp $@
