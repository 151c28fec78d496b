## src/agency: the agency (component 26) and its agents (component 28);
## also the restore planner src/image/plan.c (same owner).
libvscman_a_SOURCES += \
	src/agency/agency.h src/agency/agency.c \
	src/agency/iso7816.h src/agency/iso7816.c \
	src/agency/agent-iso7816.c src/agency/agent-pkcs15.c \
	src/image/plan.h src/image/plan.c
