/* applet-openpgp.h - internals shared by applet-openpgp.c and
 * applet-openpgp-attr.c (not for use outside src/emu) */
#ifndef VSC_APPLET_OPENPGP_H
#define VSC_APPLET_OPENPGP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "emu-crypto.h"

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

#endif /* VSC_APPLET_OPENPGP_H */
