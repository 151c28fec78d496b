## src/remote: vscd protocol, vault, server and client (claim 11)
if HAVE_LIBPQ
libvscman_a_SOURCES += src/remote/vault-pg.h src/remote/vault-pg.c \
	src/remote/vault-pg-schema.c
endif
libvscman_a_CFLAGS += $(LIBPQ_CFLAGS)
vscd_CFLAGS = $(AM_CFLAGS) $(LIBPQ_CFLAGS)
## vscd and everything that runs vault code link libpq; vsctool and
## vscman do not (they never reach src/remote/vault*.c).
VSCD_LIBS = $(VSC_LIBS) $(LIBPQ_LIBS)

libvscman_a_SOURCES += \
	src/remote/proto.h src/remote/proto.c \
	src/remote/vault.h src/remote/vault.c src/remote/vault-be.h \
	src/remote/vault-dir.h src/remote/vault-dir.c \
	src/remote/vault-dir-audit.c \
	src/remote/server.h src/remote/server.c \
	src/remote/server-uid.h src/remote/server-uid.c \
	src/remote/slots.h src/remote/slots.c \
	src/remote/client.h src/remote/client.c

vscd_SOURCES += src/vscd-admin.h src/vscd-admin.c

## CUnit: frame codec, name validation, vault CAS (incl. a fork race), URLs.
check_PROGRAMS += tests/unit/test-remote
tests_unit_test_remote_LDADD = $(CUTEST_LIBS) $(LIBPQ_LIBS)
TESTS += tests/unit/test-remote

## CUnit: the vault contract, the same tests for every back end
## (tests/remote/vault-pg.sh runs it against PostgreSQL).
check_PROGRAMS += tests/unit/test-vault
tests_unit_test_vault_LDADD = $(CUTEST_LIBS) $(LIBPQ_LIBS)
TESTS += tests/unit/test-vault

## The many-clients and fault client of tests/remote/vault-*.sh.
check_PROGRAMS += tests/remote/vault-clients
tests_remote_vault_clients_SOURCES = tests/remote/vault-clients.c
tests_remote_vault_clients_LDADD = $(VSC_LIBS)

## Shell tests (tests/remote/frames.py is the raw-frame client they use).
TESTS += tests/remote/frames.sh tests/remote/socket.sh \
	tests/remote/authz.sh tests/remote/kill9.sh tests/remote/ssh.sh \
	tests/remote/inetd.sh tests/remote/hardening.sh
EXTRA_DIST += tests/remote/lib-remote.sh tests/remote/frames.py \
	tests/remote/frames.sh tests/remote/socket.sh tests/remote/authz.sh \
	tests/remote/kill9.sh tests/remote/ssh.sh tests/remote/inetd.sh \
	tests/remote/hardening.sh

## The vault tests, on both back ends (lib-vault.sh has the shared part;
## lib-pg.sh starts a throw-away PostgreSQL cluster).
TESTS += tests/remote/vault-dir.sh tests/remote/vault-pg.sh \
	tests/remote/vault-pg-fault.sh
EXTRA_DIST += tests/remote/lib-vault.sh tests/remote/lib-pg.sh \
	tests/remote/vault-dir.sh tests/remote/vault-pg.sh \
	tests/remote/vault-pg-fault.sh

## vsctool backup --remote (src/cli/cmd-backup.c) against vscd --socket
## and, as root, over ssh.
TESTS += tests/remote/backup-remote.sh
EXTRA_DIST += tests/remote/backup-remote.sh

## The manager's history screen against a protocol version 1 server and
## on a PostgreSQL vault.
TESTS += tests/remote/history-v1.sh tests/remote/history-pg.sh
EXTRA_DIST += tests/remote/history-v1.sh tests/remote/history-pg.sh

## Documentation.
dist_man_MANS += doc/vscd.8
EXTRA_DIST += doc/vscd-protocol.md
