/* applet-openpgp.h - internals shared by applet-openpgp.c,
 * applet-openpgp-attr.c and applet-openpgp-key.c (not for use outside
 * src/emu) */
#ifndef VSC_APPLET_OPENPGP_H
#define VSC_APPLET_OPENPGP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "emu-crypto.h"
#include "applet.h"

#define OPG_SIG 0
#define OPG_DEC 1
#define OPG_AUT 2
#define OPG_MAXPW 127
#define OPG_MAXDO 255           /* private DOs, URL, login data */
#define OPG_MAXCERT 2048
#define OPG_MAXCMD 0x0C00       /* advertised in 7F66 */
#define OPG_TRIES 3
#define OPG_DEFAULT_TIME 1700000000u

/* One of the three keys: SIG, DEC, AUT. */
typedef struct opg_slot {
  uint8_t attr[16];
  size_t attr_len;
  emu_key_t key;
  uint8_t fpr[20], cafpr[20];
  uint32_t time;
  uint8_t status;               /* DE: 0 none, 1 generated, 2 imported */
  uint8_t uif[2];
} opg_slot_t;

/* Simple data objects stored as bytes. */
enum opg_do {
  DO_NAME, DO_LANG, DO_SEX, DO_LOGIN, DO_URL,
  DO_PRIV1, DO_PRIV2, DO_PRIV3, DO_PRIV4, DO_KDF,
  DO_N
};
enum opg_acc { ACC_ALWAYS, ACC_PW1, ACC_PW3, ACC_NEVER };

typedef struct opg_pw {
  uint8_t *v;                   /* secure memory */
  size_t len;
  uint8_t tries;
} opg_pw_t;

typedef struct opg {
  uint8_t aid[16];
  bool uif;                     /* user interaction flags offered */
  bool pw1_multi;               /* C4 byte 1 */
  opg_pw_t pw1, pw3, rc;
  buf_t dos[DO_N];
  uint32_t sigcount;
  opg_slot_t slot[3];
  buf_t cert[3];                /* by occurrence: 0 AUT, 1 DEC, 2 SIG */
  bool terminated;
  /* What other implementations do (profile options, doc/card-profile.md). */
  bool composite_only;          /* 5B.., C0-C6, CD, D6-D8, 93 only inside
                                   65, 6E, 7A (GET DATA of them: 6A88) */
  bool no_private_dos;          /* no 0101-0104 (GET 6A88, PUT 6A86) */
  bool put_pw3;                 /* every PUT DATA needs PW3 */
  bool rsa_crt;                 /* RSA keys imported in CRT form only
                                   (format 02: 91 of 4 bytes, 92-96) */
  bool wrong_pin_6982;          /* VERIFY with a wrong PIN answers 6982
                                   (6983 on the try that blocks it) */
  /* Volatile. */
  bool v81, v82, v83;
  int occ;                      /* 7F21 occurrence selected by A5 */
} opg_t;

/* Attributes (C1-C3) for algorithm NAME ("rsa2048", "nistp256",
 * "ed25519", "cv25519", ...) in SLOT; false if unknown there. */
bool applet_openpgp_attr_by_name (const char *name, int slot, uint8_t *a,
                                  size_t *alen);
/* Decode attributes: key type and bits; false if not supported. */
bool applet_openpgp_attr_parse (const uint8_t *a, size_t n, int slot,
                                emu_key_type_t *type, unsigned *bits);
/* The curve OID in the slot's ECC attributes (NULL for RSA). */
const uint8_t *applet_openpgp_attr_oid (const opg_slot_t *s, size_t *n);
/* OpenPGP v4 fingerprint of the slot's key and time into s->fpr. */
gpg_error_t applet_openpgp_attr_fingerprint (opg_slot_t *s, int slot);
/* Algorithm information DO FA. */
gpg_error_t applet_openpgp_attr_info (buf_t *b);

/* applet-openpgp-key.c: keys. */
/* Put KEY (already made) into SLOT; STATUS as in DE. */
gpg_error_t applet_openpgp_install (opg_t *o, int slot, emu_key_t *key,
                                    uint8_t status);
/* PUT DATA odd DB 3FFF: key import (extended header list 4D). */
gpg_error_t applet_openpgp_import (opg_t *o, const applet_cmd_t *cmd,
                                   applet_reply_t *r);
/* GENERATE ASYMMETRIC KEY PAIR (47); STATE is the opg_t (an
 * applet_handler_t of the command table). */
gpg_error_t applet_openpgp_generate (void *state, const applet_cmd_t *cmd,
                                     applet_reply_t *r);

#endif /* VSC_APPLET_OPENPGP_H */
