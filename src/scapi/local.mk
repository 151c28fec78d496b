## src/scapi: the smart card API facade (component 12)
libvscman_a_SOURCES += src/scapi/scapi.h src/scapi/scapi.c
