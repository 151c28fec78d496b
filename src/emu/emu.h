/* emu.h - the software smart card behind vscemu and reader-emu.c
 *
 * Written from ISO 7816-4/-8/-9, OpenPGP card 3.4 and NIST SP 800-73-4;
 * never calls agency or agent code. */
#ifndef VSC_EMU_H
#define VSC_EMU_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"

typedef struct emu_card emu_card_t;

/* Load a card from a profile file (format: doc/card-profile.md). */
gpg_error_t emu_card_load(const char *profile_path, emu_card_t **r_card);
/* Persist writes: load STATE_PATH instead of the profile if it exists,
 * and save the card state there (atomically) after every change. */
gpg_error_t emu_card_set_state_file(emu_card_t *card, const char *state_path);
void emu_card_free(emu_card_t *card);

/* Power on (cold) / warm reset: returns the ATR; volatile state cleared. */
gpg_error_t emu_card_power_on(emu_card_t *card, uint8_t *atr, size_t *atr_len);
void emu_card_power_off(emu_card_t *card);
/* The ATR without a power cycle (vpcd asks for it while polling). */
gpg_error_t emu_card_get_atr(emu_card_t *card, uint8_t *atr, size_t *atr_len);
/* Answer every APDU after MS milliseconds (a slow card; overrides the
 * profile's `latency'; at most EMU_LATENCY_MAX). */
#define EMU_LATENCY_MAX 60000
void emu_card_set_latency(emu_card_t *card, unsigned ms);
/* Process one C-APDU; RESP must hold at least 65538 bytes. Always
 * produces a status word for malformed input (never fails on it); only
 * an internal error (out of memory) returns non-zero. */
gpg_error_t emu_card_apdu(emu_card_t *card, const uint8_t *capdu, size_t clen,
                          uint8_t *resp, size_t *resp_len);

#endif /* VSC_EMU_H */
