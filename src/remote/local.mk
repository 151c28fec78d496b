## src/remote: vscd protocol, vault, server and client (claim 11)
libvscman_a_SOURCES += \
	src/remote/proto.h src/remote/proto.c \
	src/remote/vault.h src/remote/vault.c \
	src/remote/server.h src/remote/server.c \
	src/remote/client.h src/remote/client.c

vsctool_SOURCES += src/cli/cmd-remote.c
