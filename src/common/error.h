/* error.h - error codes (libgpg-error) and ISO 7816 status words */
#ifndef VSC_ERROR_H
#define VSC_ERROR_H

/* Every gpg_error_t made by vscman carries this source. */
#ifndef GPG_ERR_SOURCE_DEFAULT
#define GPG_ERR_SOURCE_DEFAULT GPG_ERR_SOURCE_USER_1
#endif
#include <gpg-error.h>

/* Status words. */
#define SW_OK                 0x9000
#define SW_EOF_REACHED        0x6282 /* end of file reached before Le bytes */
#define SW_FILE_DEACTIVATED   0x6283
#define SW_TERMINATED         0x6285 /* selected file in termination state */
#define SW_WRONG_LENGTH       0x6700
#define SW_INCOMPAT_FILE      0x6981
#define SW_SEC_NOT_SATISFIED  0x6982
#define SW_AUTH_BLOCKED       0x6983
#define SW_REF_DATA_UNUSABLE  0x6984
#define SW_COND_NOT_SATISFIED 0x6985
#define SW_NOT_ALLOWED        0x6986
#define SW_WRONG_DATA         0x6A80
#define SW_FUNC_NOT_SUPPORTED 0x6A81
#define SW_FILE_NOT_FOUND     0x6A82
#define SW_RECORD_NOT_FOUND   0x6A83
#define SW_NOT_ENOUGH_MEMORY  0x6A84
#define SW_INCORRECT_P1P2     0x6A86
#define SW_LC_INCONSISTENT    0x6A87
#define SW_REF_NOT_FOUND      0x6A88
#define SW_FILE_EXISTS        0x6A89
#define SW_WRONG_P1P2         0x6B00
#define SW_INS_NOT_SUPPORTED  0x6D00
#define SW_CLA_NOT_SUPPORTED  0x6E00
#define SW_UNKNOWN            0x6F00

#define SW_IS_MORE_DATA(sw)   (((sw) & 0xFF00) == 0x6100) /* 61xx */
#define SW_IS_WRONG_LE(sw)    (((sw) & 0xFF00) == 0x6C00) /* 6Cxx */
#define SW_IS_RETRIES(sw)     (((sw) & 0xFFF0) == 0x63C0) /* 63Cx */
#define SW_RETRIES(sw)        ((sw) & 0x0F)

/* Map a status word to a gpg_error_t (0 for 9000; 61xx/6Cxx/63Cx too map
 * to codes, see error.c). */
gpg_error_t sw_to_error(unsigned sw);

/* A human message for a status word, translated ("security status not
 * satisfied (6982)"). Returns a static string; for 63Cx and 61xx/6Cxx the
 * number is filled into a thread-local buffer. Never NULL. */
const char *sw_describe(unsigned sw);

/* gpg_strerror, translated where we have our own text. */
const char *vsc_strerror(gpg_error_t err);

#endif /* VSC_ERROR_H */
