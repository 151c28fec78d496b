/* iso7816.h - ISO 7816-4/-9 file system commands used by the agents
 *
 * Thin, stateless helpers over an apdu_chan_t (src/common/apdu.h): the
 * channel already does GET RESPONSE, 6Cxx and chaining; these build the
 * commands, read whole files in the largest chunks the channel allows
 * and parse file control parameters. Every function returns 0 when the
 * card answered (check *SW) and an error only for transport trouble
 * (card removed/reset, cancelled) or bad arguments. */
#ifndef VSC_ISO7816_H
#define VSC_ISO7816_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "common/apdu.h"
#include "image/image.h"

/* Maximum FIDs in a path from the MF (MF itself not counted). */
#define ISO7816_PATH_MAX 8

/* Parsed file control parameters (62 FCP / 6F FCI template). */
typedef struct iso7816_fcp {
  bool has_size;
  size_t size;              /* 80: data bytes (EF) */
  bool has_total;
  size_t total;             /* 81: total bytes incl. structure */
  bool has_fdb;
  uint8_t fdb;              /* 82 byte 1: file descriptor byte */
  uint8_t dcb;              /* 82 byte 2 (if present) */
  unsigned max_rec_len;     /* 82 bytes 3-4 (record files) */
  unsigned n_records;       /* 82 byte 5 (record files) */
  bool has_fid;
  uint16_t fid;             /* 83 */
  uint8_t name[16];         /* 84: DF name (AID) */
  size_t name_len;
  bool has_lcs;
  uint8_t lcs;              /* 8A life cycle status */
  image_type_t type;        /* derived from 82 (DF if absent and 84) */
  /* Security attributes (86, 8B, 8C, AB, A1) concatenated as raw TLVs. */
  uint8_t sec[256];
  size_t sec_len;
} iso7816_fcp_t;

/* Parse P[0..N) (the 62/6F template itself, or its content). An empty
 * response gives an FCP with nothing set (type unknown = 0).
 * GPG_ERR_INV_OBJ for malformed input. */
gpg_error_t iso7816_fcp_parse (const uint8_t *p, size_t n, iso7816_fcp_t *f);

/* Decode the security attributes in SEC (raw TLVs from the FCP) into an
 * access summary for read and write. Compact 8C (AM byte + SC bytes,
 * SC 00 = always, FF = never, otherwise a PIN/key reference in the low
 * nibble with b5 user authentication) and the emulator's/OpenSC-style
 * 86 proprietary bytes are understood; anything else gives
 * IMAGE_AC_UNKNOWN or IMAGE_AC_OTHER. */
void iso7816_decode_access (const uint8_t *sec, size_t n, bool is_df,
                            image_access_t *ac);

/* SELECT. P2 asks for the FCP (04) and falls back to no response data
 * (0C) if the card refuses; FCP gets the template (may be empty). */
gpg_error_t iso7816_select_mf (apdu_chan_t *c, buf_t *fcp, unsigned *sw);
gpg_error_t iso7816_select_fid (apdu_chan_t *c, uint16_t fid, buf_t *fcp,
                                unsigned *sw);
/* Path from the MF (FIDS without 3F00). Uses SELECT by path (P1 08);
 * if the card does not know it, selects step by step. */
gpg_error_t iso7816_select_path (apdu_chan_t *c, const uint16_t *fids,
                                 size_t n, buf_t *fcp, unsigned *sw);
gpg_error_t iso7816_select_aid (apdu_chan_t *c, const uint8_t *aid,
                                size_t n, buf_t *fcp, unsigned *sw);
/* Path from the current DF (P1 09), no fallback: check *SW with
 * iso7816_sw_unsupported. */
gpg_error_t iso7816_select_rel_path (apdu_chan_t *c, const uint16_t *fids,
                                     size_t n, buf_t *fcp, unsigned *sw);
/* Does SW say "this kind of command or P1/P2 is not supported" (6A86,
 * 6B00, 6A81, 6D00) rather than "no such file"? */
bool iso7816_sw_unsupported (unsigned sw);

/* Does SW from a SELECT mean "the file exists"? 9000/61xx, 6283
 * (deactivated), 6982, 6985 do; 6A82 does not. */
bool iso7816_sw_exists (unsigned sw);

/* Read a transparent EF: SIZE if known (> 0), else until a short read,
 * 6282 or 6B00. Chunks of c->max_le. Appends to OUT. *SW is the status of
 * the last command (9000 when the whole file was read). */
gpg_error_t iso7816_read_binary_all (apdu_chan_t *c, size_t size, buf_t *out,
                                     unsigned *sw);
/* Read record RECNO (P2 04) into OUT (replaced). 6A83 = no such record. */
gpg_error_t iso7816_read_record (apdu_chan_t *c, unsigned recno, buf_t *out,
                                 unsigned *sw);

/* Write the whole of P[0..N) at offset 0 in chunks of c->max_lc. */
gpg_error_t iso7816_update_binary_all (apdu_chan_t *c, const uint8_t *p,
                                       size_t n, unsigned *sw);
gpg_error_t iso7816_update_record (apdu_chan_t *c, unsigned recno,
                                   const uint8_t *p, size_t n, unsigned *sw);
gpg_error_t iso7816_append_record (apdu_chan_t *c, const uint8_t *p,
                                   size_t n, unsigned *sw);

/* CREATE FILE (E0) in the current DF with FCP (62 template) / DELETE
 * FILE (E4) of a child FID of the current DF / ACTIVATE (44) current. */
gpg_error_t iso7816_create_file (apdu_chan_t *c, const uint8_t *fcp,
                                 size_t n, unsigned *sw);
gpg_error_t iso7816_delete_file (apdu_chan_t *c, uint16_t fid, unsigned *sw);
gpg_error_t iso7816_activate (apdu_chan_t *c, unsigned *sw);
gpg_error_t iso7816_deactivate (apdu_chan_t *c, unsigned *sw);

/* Retry counter of PIN reference REF: VERIFY without data. *RETRIES is
 * the count (63Cx), -2 if already verified (9000), -1 if unknown. */
gpg_error_t iso7816_pin_retries (apdu_chan_t *c, uint8_t ref, int *retries,
                                 unsigned *sw);
/* VERIFY REF with PIN (not logged: INS 20 is redacted). */
gpg_error_t iso7816_verify (apdu_chan_t *c, uint8_t ref, const char *pin,
                            unsigned *sw);
/* VERIFY REF with DATA[0..N) as it is (an encoded or padded PIN). */
gpg_error_t iso7816_verify_data (apdu_chan_t *c, uint8_t ref,
                                 const uint8_t *data, size_t n,
                                 unsigned *sw);

/* CHANGE REFERENCE DATA (INS 24, P1 00, P2 REF, data OLD || NEW); the
 * command is built in secure memory and redacted in the transcript. */
gpg_error_t iso7816_change_reference_data (apdu_chan_t *c, uint8_t ref,
                                           const char *old_pin,
                                           const uint8_t *new_pin,
                                           size_t new_len, unsigned *sw);

/* The first value of PIN REF, which is in its creation state (CHANGE
 * REFERENCE DATA P1 01: new reference data only, no old value). */
gpg_error_t iso7816_set_reference_data (apdu_chan_t *c, uint8_t ref,
                                        const uint8_t *new_pin,
                                        size_t new_len, unsigned *sw);

/* Build a 62 FCP for CREATE FILE from a parsed FCP (80 size, 82, 83,
 * 84, 8A, security attributes as given). */
gpg_error_t iso7816_fcp_build (const iso7816_fcp_t *f, buf_t *out);

#endif /* VSC_ISO7816_H */
