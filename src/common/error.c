/* error.c - ISO 7816 status words to libgpg-error codes and messages
 *
 * The mapping, one row per status word (xx = any byte, x = any nibble).
 * Callers may test gpg_err_code (sw_to_error (sw)) against these codes;
 * the exact SW is always available to the caller too.
 *
 *   SW     meaning (ISO 7816-4)                      gpg_err_code_t
 *   ----   ---------------------------------------   ----------------------
 *   9000   success                                   0
 *   61xx   xx more bytes available (GET RESPONSE)    GPG_ERR_TRUNCATED
 *   6281   returned data may be corrupted            GPG_ERR_CHECKSUM
 *   6282   end of file before Ne bytes               GPG_ERR_EOF
 *   6283   selected file deactivated                 GPG_ERR_NOT_ENABLED
 *   6285   selected file in termination state        GPG_ERR_OBJ_TERM_STATE
 *   62xx   other warning, state unchanged            GPG_ERR_CARD
 *   6300   verification failed                       GPG_ERR_BAD_AUTH
 *   63Cx   wrong PIN, x tries left                   GPG_ERR_BAD_PIN
 *   63xx   other warning, state changed              GPG_ERR_CARD
 *   6581   memory failure                            GPG_ERR_HARDWARE
 *   6700   wrong length                              GPG_ERR_INV_LENGTH
 *   6881   logical channel not supported             GPG_ERR_NOT_SUPPORTED
 *   6882   secure messaging not supported            GPG_ERR_NOT_SUPPORTED
 *   6883   last command of the chain expected        GPG_ERR_CARD
 *   6884   command chaining not supported            GPG_ERR_NOT_SUPPORTED
 *   6981   command incompatible with file structure  GPG_ERR_INV_OBJ
 *   6982   security status not satisfied             GPG_ERR_NO_AUTH
 *   6983   authentication method blocked             GPG_ERR_PIN_BLOCKED
 *   6984   reference data not usable                 GPG_ERR_NOT_INITIALIZED
 *   6985   conditions of use not satisfied           GPG_ERR_USE_CONDITIONS
 *   6986   command not allowed (no current EF)       GPG_ERR_NOT_OPERATIONAL
 *   6A80   incorrect data field                      GPG_ERR_INV_VALUE
 *   6A81   function not supported                    GPG_ERR_NOT_SUPPORTED
 *   6A82   file or application not found             GPG_ERR_ENOENT
 *   6A83   record not found                          GPG_ERR_NOT_FOUND
 *   6A84   not enough memory in the file             GPG_ERR_ENOSPC
 *   6A85   Nc inconsistent with TLV structure        GPG_ERR_INV_LENGTH
 *   6A86   incorrect P1-P2                           GPG_ERR_INV_ARG
 *   6A87   Nc inconsistent with P1-P2                GPG_ERR_INV_LENGTH
 *   6A88   referenced data not found                 GPG_ERR_NOT_FOUND
 *   6A89   file already exists                       GPG_ERR_EEXIST
 *   6A8A   DF name already exists                    GPG_ERR_EEXIST
 *   6B00   wrong P1-P2 (e.g. offset outside EF)      GPG_ERR_INV_ARG
 *   6Cxx   wrong Le, xx is the exact length          GPG_ERR_INV_LENGTH
 *   6D00   instruction not supported                 GPG_ERR_UNSUPPORTED_OPERATION
 *   6E00   class not supported                       GPG_ERR_UNSUPPORTED_OPERATION
 *   6F00   no precise diagnosis                      GPG_ERR_CARD
 *   other                                            GPG_ERR_CARD
 *
 * Rationale for the less obvious rows: 6982 means "a PIN or key must be
 * verified first", which GPG_ERR_NO_AUTH ("Not authenticated") says
 * exactly; 6300 without a counter comes from failed external/general
 * authentication as often as from a PIN, hence GPG_ERR_BAD_AUTH; 6A82
 * (files and applications) and 6A88/6A83 (data objects, keys, records)
 * get different codes so callers can tell "no such applet" from "no such
 * object". */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>

#include "error.h"
#include "util.h"
#include "i18n.h"

struct sw_entry {
  unsigned sw;
  gpg_err_code_t code;
  const char *text;
};

static const struct sw_entry sw_table[] = {
  { 0x9000, GPG_ERR_NO_ERROR,      N_("success") },
  { 0x6281, GPG_ERR_CHECKSUM,      N_("returned data may be corrupted") },
  { 0x6282, GPG_ERR_EOF,           N_("end of file reached") },
  { 0x6283, GPG_ERR_NOT_ENABLED,   N_("selected file deactivated") },
  { 0x6285, GPG_ERR_OBJ_TERM_STATE, N_("selected file in termination state") },
  { 0x6300, GPG_ERR_BAD_AUTH,      N_("verification failed") },
  { 0x6581, GPG_ERR_HARDWARE,      N_("card memory failure") },
  { 0x6700, GPG_ERR_INV_LENGTH,    N_("wrong length") },
  { 0x6881, GPG_ERR_NOT_SUPPORTED, N_("logical channel not supported") },
  { 0x6882, GPG_ERR_NOT_SUPPORTED, N_("secure messaging not supported") },
  { 0x6883, GPG_ERR_CARD,          N_("last command of the chain expected") },
  { 0x6884, GPG_ERR_NOT_SUPPORTED, N_("command chaining not supported") },
  { 0x6981, GPG_ERR_INV_OBJ,       N_("command incompatible with file structure") },
  { 0x6982, GPG_ERR_NO_AUTH,       N_("security status not satisfied") },
  { 0x6983, GPG_ERR_PIN_BLOCKED,   N_("authentication method blocked") },
  { 0x6984, GPG_ERR_NOT_INITIALIZED, N_("reference data not usable") },
  { 0x6985, GPG_ERR_USE_CONDITIONS, N_("conditions of use not satisfied") },
  { 0x6986, GPG_ERR_NOT_OPERATIONAL, N_("command not allowed") },
  { 0x6A80, GPG_ERR_INV_VALUE,     N_("incorrect data field") },
  { 0x6A81, GPG_ERR_NOT_SUPPORTED, N_("function not supported") },
  { 0x6A82, GPG_ERR_ENOENT,        N_("file or application not found") },
  { 0x6A83, GPG_ERR_NOT_FOUND,     N_("record not found") },
  { 0x6A84, GPG_ERR_ENOSPC,        N_("not enough memory space in the file") },
  { 0x6A85, GPG_ERR_INV_LENGTH,    N_("data length inconsistent with TLV structure") },
  { 0x6A86, GPG_ERR_INV_ARG,       N_("incorrect parameters P1-P2") },
  { 0x6A87, GPG_ERR_INV_LENGTH,    N_("data length inconsistent with P1-P2") },
  { 0x6A88, GPG_ERR_NOT_FOUND,     N_("referenced data not found") },
  { 0x6A89, GPG_ERR_EEXIST,        N_("file already exists") },
  { 0x6A8A, GPG_ERR_EEXIST,        N_("DF name already exists") },
  { 0x6B00, GPG_ERR_INV_ARG,       N_("wrong parameters P1-P2") },
  { 0x6D00, GPG_ERR_UNSUPPORTED_OPERATION, N_("instruction not supported") },
  { 0x6E00, GPG_ERR_UNSUPPORTED_OPERATION, N_("class not supported") },
  { 0x6F00, GPG_ERR_CARD,          N_("no precise diagnosis") },
};

static const struct sw_entry *
sw_lookup (unsigned sw)
{
  size_t i;

  for (i = 0; i < DIM (sw_table); i++)
    if (sw_table[i].sw == sw)
      return &sw_table[i];
  return NULL;
}

gpg_error_t
sw_to_error (unsigned sw)
{
  const struct sw_entry *e;

  sw &= 0xFFFF;
  if (sw == SW_OK)
    return 0;
  e = sw_lookup (sw);
  if (e)
    return gpg_error (e->code);
  if (SW_IS_MORE_DATA (sw))
    return gpg_error (GPG_ERR_TRUNCATED);
  if (SW_IS_WRONG_LE (sw))
    return gpg_error (GPG_ERR_INV_LENGTH);
  if (SW_IS_RETRIES (sw))
    return gpg_error (GPG_ERR_BAD_PIN);
  return gpg_error (GPG_ERR_CARD);
}

const char *
sw_describe (unsigned sw)
{
  static _Thread_local char buf[160];
  const struct sw_entry *e;

  sw &= 0xFFFF;
  e = sw_lookup (sw);
  if (e)
    snprintf (buf, sizeof buf, "%s (%04X)", _(e->text), sw);
  else if (SW_IS_MORE_DATA (sw))
    snprintf (buf, sizeof buf, _("%u more bytes available (%04X)"),
              (sw & 0xFF) ? (sw & 0xFF) : 256, sw);
  else if (SW_IS_WRONG_LE (sw))
    snprintf (buf, sizeof buf, _("wrong Le, %u bytes available (%04X)"),
              (sw & 0xFF) ? (sw & 0xFF) : 256, sw);
  else if (SW_IS_RETRIES (sw) && SW_RETRIES (sw) == 1)
    snprintf (buf, sizeof buf, _("wrong PIN, 1 try left (%04X)"), sw);
  else if (SW_IS_RETRIES (sw))
    snprintf (buf, sizeof buf, _("wrong PIN, %u tries left (%04X)"),
              SW_RETRIES (sw), sw);
  else if ((sw & 0xFF00) == 0x6200)
    snprintf (buf, sizeof buf, _("warning, card state unchanged (%04X)"), sw);
  else if ((sw & 0xFF00) == 0x6300)
    snprintf (buf, sizeof buf, _("warning, card state changed (%04X)"), sw);
  else
    snprintf (buf, sizeof buf, _("card error (%04X)"), sw);
  return buf;
}

const char *
vsc_strerror (gpg_error_t err)
{
  /* libgpg-error translates its own texts; we have none of our own yet. */
  return gpg_strerror (err);
}
