/* reader-int.h - what the reader backends share (not for other components)
 *
 * reader.c dispatches the public reader_* calls through a table of
 * backend operations. A backend context embeds reader_ctx_t as its first
 * member, a backend connection embeds reader_card_t; the monitor queue
 * (reader-monitor.c) is fed by the PC/SC monitor thread or, for the
 * in-process emulator, directly by reader-emu.c. */
#ifndef VSC_READER_INT_H
#define VSC_READER_INT_H

#include <pthread.h>
#include <winscard.h>
#include "reader/reader.h"

typedef struct reader_ops {
  void (*close) (reader_ctx_t *ctx);
  gpg_error_t (*list) (reader_ctx_t *ctx, reader_info_t **r_list, size_t *r_n);
  gpg_error_t (*connect) (reader_ctx_t *ctx, const char *name, int share,
                          int protos, reader_card_t **r_card);
  void (*disconnect) (reader_card_t *card, bool reset);
  gpg_error_t (*reconnect) (reader_card_t *card, bool reset);
  gpg_error_t (*begin) (reader_card_t *card);
  void (*end) (reader_card_t *card);
  gpg_error_t (*transmit) (reader_card_t *card, const uint8_t *capdu,
                           size_t clen, uint8_t *resp, size_t *resp_len);
  bool (*has_pinpad) (reader_card_t *card);
  gpg_error_t (*verify_pinpad) (reader_card_t *card, uint8_t cla,
                                uint8_t p2_ref,
                                const reader_pin_format_t *fmt,
                                unsigned *sw);
  /* Monitor hooks: attach starts delivering events into MON (and takes
   * the baseline so only later changes are reported); detach stops it. */
  gpg_error_t (*monitor_attach) (reader_ctx_t *ctx, reader_monitor_t *mon);
  void (*monitor_detach) (reader_ctx_t *ctx, reader_monitor_t *mon);
} reader_ops_t;

struct reader_ctx {
  const reader_ops_t *ops;
  enum reader_backend backend;
};

struct reader_card {
  reader_ctx_t *ctx;
  char name[READER_NAME_MAX];
  uint8_t atr[READER_ATR_MAX];
  size_t atr_len;
  int proto;              /* READER_PROTO_T0 / _T1 */
  bool ext_ok;            /* extended length usable (ATR rule, T=1) */
  size_t max_le;          /* reader/transport limit for Ne */
  size_t max_lc;          /* reader/transport limit for Nc */
};

/* Backends. */
gpg_error_t reader_pcsc_open (const char *opts, reader_ctx_t **r_ctx);
gpg_error_t reader_emu_open (const char *opts, reader_ctx_t **r_ctx);

/* The reader names pcscd knows on HCTX: a list of NUL-terminated names
 * ending with an empty one (also when there is no reader), *R_N of them.
 * Returns the PC/SC result; *R_NAMES is then NULL unless it succeeded. */
LONG reader_pcsc_list_names (SCARDCONTEXT hctx, char **r_names, size_t *r_n);
/* The current state of the N readers NAMES (as from
 * reader_pcsc_list_names) into a new array *R_ST (freed with xfree);
 * the state of every reader is asked for at once, without waiting. */
LONG reader_pcsc_states (SCARDCONTEXT hctx, const char *names, size_t n,
                         SCARD_READERSTATE **r_st);

/* The PC/SC monitor thread (reader-monitor.c), as the pcsc ops hooks. */
gpg_error_t reader_monitor_pcsc_attach (reader_ctx_t *ctx,
                                        reader_monitor_t *mon);
void reader_monitor_pcsc_detach (reader_ctx_t *ctx, reader_monitor_t *mon);

/* Fill the common part of a connection (name, ATR, protocol) and apply
 * the extended-length rule of reader_atr_ext_ok. */
void reader_card_setup (reader_card_t *card, reader_ctx_t *ctx,
                        const char *name, const uint8_t *atr, size_t atr_len,
                        int proto);

/* Copy NAME into a fixed-size reader name field (truncating safely). */
void reader_copy_name (char dst[READER_NAME_MAX], const char *name);

/* Monitor queue (reader-monitor.c). The caller fills EV except when_ns,
 * which is stamped here. Thread-safe; writes one byte to the pipe when
 * the queue goes from empty to non-empty. */
void reader_monitor_push (reader_monitor_t *mon, enum reader_event_type type,
                          const char *reader, const uint8_t *atr,
                          size_t atr_len);

/* CLOCK_MONOTONIC in nanoseconds. */
long long reader_now_ns (void);

#endif /* VSC_READER_INT_H */
