## src/common: errors, buffers, BER-TLV, APDU codec, hex, log, i18n
libvscman_a_SOURCES += \
	src/common/i18n.h src/common/i18n.c \
	src/common/util.h src/common/util.c \
	src/common/error.h src/common/error.c \
	src/common/buffer.h src/common/buffer.c \
	src/common/tlv.h src/common/tlv.c \
	src/common/apdu.h src/common/apdu.c \
	src/common/hex.h src/common/hex.c \
	src/common/log.h src/common/log.c
