/* emu-vpcd.h - attach an emulated card to pcscd's vpcd reader driver
 *
 * vpcd (vsmartcard) listens on TCP (35963 for "Virtual PCD 00 00",
 * 35964 for "00 01"); the card connects as a client.  Frames are a
 * 2-byte big-endian length and a payload; a 1-byte payload is a control
 * message (00 power off, 01 power on, 02 reset, 04 get ATR -> the ATR),
 * anything longer a C-APDU answered with the R-APDU. */
#ifndef VSC_EMU_VPCD_H
#define VSC_EMU_VPCD_H

#include <signal.h>
#include "emu.h"

typedef struct emu_vpcd_opts {
  const char *host;              /* NULL = localhost */
  unsigned port;                 /* 0 = 35963 */
  unsigned long remove_after;    /* 0 = never; else drop after N APDUs */
  volatile sig_atomic_t *stop;   /* set by a signal handler: leave */
  unsigned max_backoff_ms;       /* reconnect delay cap; 0 = 2000 */
} emu_vpcd_opts_t;

/* Connect (retrying with a bounded backoff while vpcd is not there),
 * serve the card, reconnect when vpcd goes away.  Returns 0 when *stop
 * was set or the card was removed after remove_after APDUs, or an error
 * that retrying cannot fix (bad host name). */
gpg_error_t emu_vpcd_run (emu_card_t *card, const emu_vpcd_opts_t *opts);

#endif /* VSC_EMU_VPCD_H */
