/* apdu.h - ISO 7816-4 APDU codec and exchange helpers
 *
 * Encoding (both directions) is pure; apdu_chan_* adds the transport
 * rules every card needs: 61xx GET RESPONSE (T=0 and T=1), 6Cxx resend
 * with the right Le, command chaining (CLA bit 0x10) and transcript
 * logging with secrets redacted (see log.h). */
#ifndef VSC_APDU_H
#define VSC_APDU_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "buffer.h"
#include "log.h"

#define APDU_MAX_SHORT_LC  255
#define APDU_MAX_SHORT_LE  256
#define APDU_MAX_EXT_LC    65535
#define APDU_MAX_EXT_LE    65536
#define APDU_MAX_RAPDU     (65536 + 2)

/* A command APDU. LE is Ne: 0 means "no Le field"; 256 is the short
 * maximum (Le byte 00), 65536 the extended maximum (Le 0000). */
typedef struct apdu {
  uint8_t cla, ins, p1, p2;
  const uint8_t *data;
  size_t lc;
  size_t le;
  bool extended;   /* force extended encoding even if short fits */
  bool secret;     /* caller marks this exchange as secret (redact log) */
} apdu_t;

/* Encode: short if lc <= 255 and le <= 256 and !extended, otherwise
 * extended. GPG_ERR_INV_LENGTH if lc > 65535 or le > 65536. */
gpg_error_t apdu_encode(const apdu_t *a, buf_t *out);

/* Parse a C-APDU (cases 1, 2S, 3S, 4S, 2E, 3E, 4E per ISO 7816-4 5.1).
 * On success A->data points into RAW. Returns GPG_ERR_INV_LENGTH with
 * *SW set to the status word a card should answer (6700 wrong length,
 * ...). Used by the emulator. */
gpg_error_t apdu_decode(const uint8_t *raw, size_t n, apdu_t *a, unsigned *sw);

/* Split an R-APDU into data and status word. GPG_ERR_TOO_SHORT if n < 2. */
gpg_error_t apdu_parse_response(const uint8_t *raw, size_t n,
                                const uint8_t **data, size_t *len,
                                unsigned *sw);

/* Transport callback: send one raw C-APDU, receive one raw R-APDU into
 * RESP (capacity *RESP_LEN on entry, length on return). */
typedef gpg_error_t (*apdu_transmit_fn)(void *ctx, const uint8_t *capdu,
                                        size_t clen, uint8_t *resp,
                                        size_t *resp_len);

#define APDU_PROTO_T0 0
#define APDU_PROTO_T1 1

typedef struct apdu_chan {
  apdu_transmit_fn transmit;
  void *ctx;
  int proto;              /* APDU_PROTO_T0 or _T1 */
  bool ext_ok;            /* card and reader take extended length */
  size_t max_le;          /* largest Ne to ask for: 256 or up to 65536 */
  size_t max_lc;          /* largest Lc in one command: 255 or up to 65535 */
  unsigned long apdus;    /* APDUs sent on this channel (statistics) */
  unsigned long selects;  /* SELECTs sent and transport failures: when it
                             changes, the card's current file and
                             application are no longer what they were */
  unsigned long bytes_in; /* response data bytes received */
  log_redact_t redact;    /* redaction state for the transcript */
  volatile int *cancel;   /* if set and non-zero: stop before next APDU */
  bool secret_binary;     /* apdu_chan_read/update_binary redact their
                             data in the transcript (PIN-gated EFs);
                             set around such calls, false by default */
} apdu_chan_t;

void apdu_chan_init(apdu_chan_t *c, apdu_transmit_fn fn, void *ctx, int proto);

/* Send A and collect the complete answer: GET RESPONSE while 61xx
 * (appending), resend with Le = xx on 6Cxx, chain (CLA|0x10) if
 * lc > max_lc. RESP gets the data (not the SW). *SW is the final status
 * word. Returns 0 whenever a status word was received (check *SW),
 * GPG_ERR_CANCELED if cancelled, or the transport error. */
gpg_error_t apdu_chan_exchange(apdu_chan_t *c, const apdu_t *a,
                               buf_t *resp, unsigned *sw);

/* READ BINARY of up to LE bytes at OFFSET: B0 for offsets <= 0x7FFF,
 * odd INS B1 with the offset in DO 54 and the data unwrapped from DO 53
 * above that. Data is appended to OUT. */
gpg_error_t apdu_chan_read_binary(apdu_chan_t *c, size_t offset, size_t le,
                                  buf_t *out, unsigned *sw);

/* UPDATE BINARY at OFFSET: D6, or odd INS D7 (54 offset, 53 data). */
gpg_error_t apdu_chan_update_binary(apdu_chan_t *c, size_t offset,
                                    const uint8_t *p, size_t n,
                                    unsigned *sw);

#endif /* VSC_APDU_H */
