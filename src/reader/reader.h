/* reader.h - the reader handler (component 14): PC/SC or in-process card
 *
 * One small interface over two backends: pcsc-lite (reader-pcsc.c) and
 * the in-process vscemu card (reader-emu.c). The insertion monitor
 * (reader-monitor.c) reports changes through a pipe a poll() loop watches.
 */
#ifndef VSC_READER_H
#define VSC_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/apdu.h"

typedef struct reader_ctx reader_ctx_t;     /* a backend context */
typedef struct reader_card reader_card_t;   /* a connection to one card */

enum reader_backend {
  READER_BACKEND_PCSC = 0,
  READER_BACKEND_EMU  = 1
};

#define READER_NAME_MAX 128
#define READER_ATR_MAX  33

typedef struct reader_info {
  char name[READER_NAME_MAX];
  bool present;            /* a card is in the reader */
  bool in_use;             /* a program is connected (shared or exclusive) */
  bool exclusive;          /* a program holds it exclusively */
  bool mute;               /* card present but does not answer */
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
} reader_info_t;

/* Open a backend. For READER_BACKEND_EMU, OPTS names the card profile(s):
 * "profile=PATH[,profile=PATH...]" - one virtual reader per profile,
 * named "vscemu 0", "vscemu 1", ... For PCSC, OPTS is unused (NULL). */
gpg_error_t reader_open(enum reader_backend backend, const char *opts,
                        reader_ctx_t **r_ctx);
void reader_close(reader_ctx_t *ctx);

/* List readers; *R_LIST is allocated (xfree), *R_N entries. An empty list
 * is not an error. pcscd not running: GPG_ERR_ENXIO, for which
 * reader_strerror gives a message naming pcscd. reader_open itself
 * succeeds without pcscd (every call tries to reach it again). */
gpg_error_t reader_list(reader_ctx_t *ctx, reader_info_t **r_list, size_t *r_n);

#define READER_SHARED    0
#define READER_EXCLUSIVE 1
#define READER_PROTO_ANY 0
#define READER_PROTO_T0  1
#define READER_PROTO_T1  2

/* Connect to the card in reader NAME (NULL: the first reader with a card).
 * Errors: GPG_ERR_CARD_NOT_PRESENT, GPG_ERR_ENODEV (no such reader),
 * GPG_ERR_EBUSY (in exclusive use elsewhere). */
gpg_error_t reader_connect(reader_ctx_t *ctx, const char *name,
                           int share, int protos, reader_card_t **r_card);
void reader_disconnect(reader_card_t *card, bool reset);
/* Reconnect; RESET true = warm reset (PIN state lost). */
gpg_error_t reader_reconnect(reader_card_t *card, bool reset);

/* Transaction bracket for multi-APDU sequences. Returns
 * GPG_ERR_CARD_RESET if another process reset the card since we last
 * used it (PIN state lost), GPG_ERR_CARD_REMOVED if it was pulled.
 * Nothing is retried: after GPG_ERR_CARD_RESET the caller decides, and
 * acknowledges with reader_reconnect (card, false) before going on
 * (every call fails with CARD_RESET until then on PC/SC). After
 * GPG_ERR_CARD_REMOVED the connection is dead: disconnect. */
gpg_error_t reader_begin(reader_card_t *card);
void reader_end(reader_card_t *card);

/* Raw exchange of one APDU (suitable as an apdu_transmit_fn with the card
 * as CTX). Errors as for reader_begin. */
gpg_error_t reader_transmit(void *card, const uint8_t *capdu, size_t clen,
                            uint8_t *resp, size_t *resp_len);

/* An apdu_chan_t bound to this card (protocol, extended length). */
void reader_chan_init(reader_card_t *card, apdu_chan_t *chan);

/* The extended-length rule used by reader_chan_init: true if the ATR's
 * historical bytes (category 00 or 80, compact-TLV) hold a card
 * capabilities object (tag 7) with a third software-function byte whose
 * bit 0x40 ("extended Lc and Le fields", ISO 7816-4 table 118) is set.
 * The caller must also require T=1: T=0 never gets extended length (that
 * needs ENVELOPE). Agents may raise chan->ext_ok later from EF.ATR or
 * OpenPGP DO 7F66. */
bool reader_atr_ext_ok(const uint8_t *atr, size_t atr_len);

/* Protocols an ATR offers (READER_PROTO_T0 | READER_PROTO_T1 bits): the
 * low nibbles of TD1, TD2, ...; no TD1 means T=0 only. 0 for a
 * malformed ATR. The emu backend negotiates from this as pcscd does
 * (T=1 preferred). */
int reader_atr_protocols(const uint8_t *atr, size_t atr_len);

/* Short human name of a backend error for messages ("pcscd is not
 * running ..."); falls back to vsc_strerror. */
const char *reader_strerror(gpg_error_t err);

/* Name, ATR and active protocol of a connected card. */
const char *reader_card_name(reader_card_t *card);
const uint8_t *reader_card_atr(reader_card_t *card, size_t *len);
int reader_card_proto(reader_card_t *card);  /* READER_PROTO_T0/_T1 */
/* The largest Ne and Lc an extended-length APDU may carry on this
 * reader (65536/65535; vpcd frames: 65533/65526), whether or not the
 * ATR announced extended length (a card may say so in EF.ATR). */
void reader_card_ext_limits(reader_card_t *card, size_t *max_le,
                            size_t *max_lc);

/* PIN pad: true if the reader offers FEATURE_VERIFY_PIN_DIRECT. Then
 * reader_verify_pinpad sends a VERIFY for PIN reference REF that the
 * user types on the reader; FMT says how the reader builds its data
 * field (NULL: ASCII, variable length 4..15 digits); OK key, 30 s. *SW
 * is the card's answer, or the reader's own 6400 (timeout), 6401
 * (cancelled on the keypad), 6B80 (parameters refused).
 * GPG_ERR_NOT_SUPPORTED without a PIN pad. */
typedef struct reader_pin_format {
  uint8_t min_len, max_len;   /* digits the keypad accepts */
  uint8_t block_len;          /* 0: Lc is the PIN length; else the PIN
                                 fills a block of this many bytes */
  uint8_t pad;                /* pad byte of that block (PIV: FF) */
} reader_pin_format_t;

bool reader_has_pinpad(reader_card_t *card);
gpg_error_t reader_verify_pinpad(reader_card_t *card, uint8_t cla,
                                 uint8_t p2_ref,
                                 const reader_pin_format_t *fmt,
                                 unsigned *sw);

/* ---- insertion monitor (reader-monitor.c) ---------------------------- */

typedef struct reader_monitor reader_monitor_t;

enum reader_event_type {
  READER_EV_READER_ADDED = 1,
  READER_EV_READER_REMOVED,
  READER_EV_CARD_INSERTED,
  READER_EV_CARD_REMOVED,
  READER_EV_SERVICE_LOST,      /* pcscd went away; monitor keeps trying */
  READER_EV_SERVICE_BACK
};

typedef struct reader_event {
  enum reader_event_type type;
  char reader[READER_NAME_MAX];
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
  long long when_ns;           /* CLOCK_MONOTONIC at detection */
} reader_event_t;

/* Start a thread that blocks for changes (pcsc: SCardGetStatusChange on
 * all readers + \\?PnP?\Notification; emu: condition variable) and makes
 * *R_FD readable when events are queued. No sleeps, no busy polling. */
gpg_error_t reader_monitor_start(reader_ctx_t *ctx, reader_monitor_t **r_mon,
                                 int *r_fd);
/* Take the next queued event: 0, or GPG_ERR_EAGAIN if none. */
gpg_error_t reader_monitor_next(reader_monitor_t *mon, reader_event_t *ev);
/* Stop the thread (SCardCancel) and free. */
void reader_monitor_stop(reader_monitor_t *mon);

/* ---- emu backend control (tests and the offline demo) ---------------- */

/* Insert / remove the emulated card of reader INDEX (emu backend only). */
gpg_error_t reader_emu_set_present(reader_ctx_t *ctx, unsigned index,
                                   bool present);
/* Drop the card after N more APDUs (fault tests); 0 = never. */
gpg_error_t reader_emu_remove_after(reader_ctx_t *ctx, unsigned index,
                                    unsigned long n);
/* Give reader INDEX a PIN pad on which the "user" types DIGITS (NULL:
 * no PIN pad): reader_verify_pinpad builds the VERIFY as a PC/SC reader
 * would from the format and sends it to the card (tests of the PIN-pad
 * path). */
gpg_error_t reader_emu_set_pinpad(reader_ctx_t *ctx, unsigned index,
                                  const char *digits);

#endif /* VSC_READER_H */
