/* applet.h - how an applet (OpenPGP card, PIV, ...) plugs into the
 * emulated card
 *
 * The card (emu.c) owns everything that is transport: APDU decoding
 * (short and extended length), command chaining (CLA bit 0x10; the applet
 * only ever sees the complete command), Ne truncation, 61xx and GET
 * RESPONSE (C0) over T=0 and T=1, and the power cycle.  An applet sees
 * one decoded command at a time and answers with response data and a
 * status word.
 *
 * Plugging in an applet:
 *
 *   1. Write src/emu/applet-NAME.c defining
 *        const applet_ops_t applet_NAME_ops = { "NAME", aid, aidlen, ... };
 *      (functions prefixed applet_NAME_), add the file to src/emu/local.mk.
 *      Its applet_life_t (the instance's size, defaults, option parser,
 *      AID) tells the card how to make and free an instance; apdu() hands
 *      a table of applet_command_t (INS, conditions, handler) to
 *      applet_dispatch.  See the shared part below.
 *   2. Add one line to applet_table[] in src/emu/applet.c (and an extern
 *      declaration there).
 *   3. A profile enables it with a line `applet NAME [KEY=VALUE...]`; each
 *      option goes to the life's option().  Unknown names are a profile
 *      error.
 *
 * Selection: SELECT (INS A4) with P1 04 whose data is a prefix of (or equal
 * to) an enabled applet's AID (at least 5 bytes) calls that applet's
 * select(); if it answers 9000 or 61xx the applet becomes current and
 * every following APDU goes to its apdu() handler - including SELECT by
 * AID that matches no applet and no DF name (the applet may answer it
 * itself, e.g. 6A82).  A SELECT by AID of another applet, or a SELECT (any
 * P1) that the file system can satisfy, deselects it.  Power off / reset
 * calls power_off() of every applet and deselects.
 *
 * Persistence: after an apdu() that set reply->changed, the card saves its
 * state file (if one is set) and asks every applet for save(); at load,
 * load() gets back exactly the bytes save() produced.  Applet state lives
 * in the state file as hex; keep it compact.
 *
 * Errors: handlers return gpg_error_t only for internal failures (out of
 * memory); every card-level answer is a status word in reply->sw.  An
 * internal error makes the card answer 6F00 for that command. */
#ifndef VSC_EMU_APPLET_H
#define VSC_EMU_APPLET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "emu-crypto.h"

/* One complete, decoded command (chains already joined). */
typedef struct applet_cmd {
  uint8_t cla;            /* chaining bit 0x10 already cleared */
  uint8_t ins, p1, p2;
  const uint8_t *data;    /* command data (NULL if lc == 0) */
  size_t lc;
  size_t ne;              /* Ne: 0 = no Le field, 256 = short Le 00,
                             65536 = extended Le 0000 */
  bool extended;          /* the command used extended length fields */
} applet_cmd_t;

/* The applet's answer.  DATA is empty on entry; append to it (it may be
 * longer than Ne: the card then answers with 61xx and keeps the rest for
 * GET RESPONSE, as ISO 7816-4 5.3.4 allows).  SW is preset to 9000. */
typedef struct applet_reply {
  buf_t data;
  unsigned sw;
  bool changed;           /* persistent applet state changed: save */
  bool secret;            /* response data is secret (not logged) */
} applet_reply_t;

/* Answer with the status word STATUS and no data: the command was
 * handled (refused); for "return applet_reply_sw (r, SW_...);". */
static inline gpg_error_t
applet_reply_sw (applet_reply_t *r, unsigned status)
{
  r->sw = status;
  return 0;
}

/* An applet instance: how to make and free one.  INIT, CLEAR and AID may
 * be NULL (nothing to set, nothing to free, the default AID). */
typedef struct applet_life {
  size_t size;              /* the instance, in secure memory, zeroed */
  /* Defaults and the factory state, before the options. */
  gpg_error_t (*init) (void *state);
  /* One KEY=VALUE option of the profile line (emu-appdata.h). */
  gpg_error_t (*option) (void *state, const char *key, const char *value);
  /* Free what the instance holds (not the instance itself). */
  void (*clear) (void *state);
  /* The instance's AID, after the options. */
  const uint8_t *(*aid) (void *state, size_t *len);
} applet_life_t;

typedef struct applet_ops {
  const char *name;        /* profile name: "openpgp", "piv" */
  const uint8_t *aid;      /* default AID (life->aid may name another) */
  size_t aid_len;
  /* The instance (applet_create/applet_destroy). */
  const applet_life_t *life;

  /* SELECT by AID reached this applet: answer FCI/FCP or nothing. */
  gpg_error_t (*select) (void *state, const applet_cmd_t *cmd,
                         applet_reply_t *reply);
  /* Every other command while the applet is current. */
  gpg_error_t (*apdu) (void *state, const applet_cmd_t *cmd,
                       applet_reply_t *reply);
  /* Power off or reset: drop volatile state (verified PINs, ...). */
  void (*power_off) (void *state);

  /* Optional persistence: serialise / restore the persistent state. */
  gpg_error_t (*save) (void *state, buf_t *out);
  gpg_error_t (*load) (void *state, const uint8_t *p, size_t n);
} applet_ops_t;

/* ---- the life cycle and commands every applet shares (applet.c) ----
 *
 * An applet describes its instance once (applet_life_t, in its ops) and
 * its commands as a table (applet_command_t) that its apdu() hands to
 * applet_dispatch.  The applet keeps only its own handlers. */

/* Make an instance of OPS from the profile line's OPTIONS (may be "" or
 * NULL): zeroed secure memory, init(), each KEY=VALUE to option().  Put
 * the instance's full AID into AID (left empty = the default AID).  Bad
 * options: GPG_ERR_INV_VALUE (the profile loader reports the line). */
gpg_error_t applet_create (const applet_ops_t *ops, const char *options,
                           void **r_state, buf_t *aid);
/* Free what STATE holds (clear()), wipe and free it; NULL is fine. */
void applet_destroy (const applet_ops_t *ops, void *state);


/* A command handler; STATE is the applet instance (the card for the file
 * system's commands).  Declare handlers with the function type:
 * "applet_handler_fn emu_record_read;". */
typedef gpg_error_t applet_handler_fn (void *state, const applet_cmd_t *cmd,
                                       applet_reply_t *reply);
typedef applet_handler_fn *applet_handler_t;

/* Conditions of a command, checked before its handler runs. */
#define APPLET_CMD_P1P2_ZERO 0x01  /* P1 P2 must be 00 00, else 6A86 */
#define APPLET_CMD_VENDOR    0x02  /* only where the applet offers its
                                      vendor extensions, else 6D00 */

typedef struct applet_command {
  uint8_t ins;
  unsigned flags;           /* APPLET_CMD_* */
  applet_handler_t run;     /* NULL ends the table */
} applet_command_t;

/* Run the entry of TABLE for CMD's INS (6D00 for none); HAVE is the set
 * of conditional flags (APPLET_CMD_VENDOR) the instance offers.  Response
 * data of a command that is refused (neither 9000 nor 61xx) is dropped. */
gpg_error_t applet_dispatch (const applet_command_t *table, unsigned have,
                             void *state, const applet_cmd_t *cmd,
                             applet_reply_t *reply);
/* The entry of TABLE for INS, NULL if none. */
const applet_command_t *applet_command_find (const applet_command_t *table,
                                             unsigned ins);
/* A handler for SELECT of something the applet does not have: 6A82. */
applet_handler_fn applet_cmd_not_found;

/* Append the constructed TLV OUTER holding the one TLV INNER with
 * [P, P+N) (a dynamic authentication template 7C with its 80, 81 or 82;
 * 7A with 93). */
gpg_error_t applet_put_wrapped (buf_t *b, unsigned outer, unsigned inner,
                                const void *p, size_t n);

/* ---- reference data (PINs, passwords) held by an applet ------------- */

/* 63Cx with the tries left, or 6983 when none are. */
unsigned applet_tries_sw (unsigned tries);
/* Compare the presented [P, P+N) with the reference [REF, REF+LEN)
 * (constant time), counting the try in *TRIES (MAX again after a
 * match).  9000, 63Cx (63C0 on the try that blocks it) or 6983 (blocked
 * or no reference).  *CHANGED is set when the counter was touched. */
unsigned applet_secret_check (const uint8_t *ref, size_t len,
                              uint8_t *tries, uint8_t max,
                              const uint8_t *p, size_t n, bool *changed);

/* ---- keys given in the profile ------------------------------------- */

/* Resolve the algorithm name of a key option into TYPE and BITS (and
 * remember what the applet needs of it); false: not one it takes. */
typedef bool (*applet_alg_cb_t) (void *ctx, const char *alg,
                                 emu_key_type_t *type, unsigned *bits);

/* The key of option K=VALUE, VALUE being ALG,gen (generate) or ALG,E,P,Q
 * (RSA) or ALG,D (ECC private scalar), numbers in hex.  Refusals are
 * logged for APPLET (GPG_ERR_INV_VALUE).  *GENERATED tells the origin. */
gpg_error_t applet_key_option (const char *applet, const char *k,
                               const char *value, applet_alg_cb_t alg,
                               void *ctx, emu_key_t *key, bool *generated);

/* Option K's VALUE as yes/no into *V.  A refusal is logged for APPLET:
 * GPG_ERR_INV_VALUE. */
gpg_error_t applet_opt_bool (const char *applet, const char *k,
                             const char *value, bool *v);
/* Option K's VALUE as a number MIN..MAX into *V; WHY for a refusal. */
gpg_error_t applet_opt_uint (const char *applet, const char *k,
                             const char *value, unsigned long min,
                             unsigned long max, const char *why,
                             unsigned long *v);

/* The applet table (applet.c).  Returns NULL for unknown names. */
const applet_ops_t *applet_find (const char *name);
/* Add an applet at run time (unit tests, experiments); the built-in
 * table is searched first.  OPS must stay valid.  GPG_ERR_TOO_LARGE when
 * the small run-time table is full, GPG_ERR_CONFLICT for a taken name. */
gpg_error_t applet_register (const applet_ops_t *ops);
/* Names of all applets, for messages ("openpgp, piv"); static string. */
const char *applet_names (void);

#endif /* VSC_EMU_APPLET_H */
