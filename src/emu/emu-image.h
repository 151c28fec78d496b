/* emu-image.h - present a card image (e.g. from a VSC file) as a live
 * emulated card, and write the card's file system back into the image
 *
 * The ISO 7816-4 file system is presented (MF, DFs, EFs, records), with
 * an escrowed key (secret-key area) of a key file as that internal EF.
 * emu_image_present adds the OpenPGP and PIV applications as applets
 * loaded with their data objects and escrowed keys (emu-image-app.c);
 * emu_image_card leaves applet roots out and counts them.  Access
 * conditions come from the nodes' access summary: "PIN n" files need
 * VERIFY of PIN n, whose value is the one the image stores ("pins/RR",
 * backup --store-pins) or else the PIN given here; unknown conditions are
 * "always". */
#ifndef VSC_EMU_IMAGE_H
#define VSC_EMU_IMAGE_H

#include "emu.h"
#include "image/image.h"

/* Build a card from IMAGE.  PIN is the value of every PIN an access
 * condition names (NULL: "123456").  *R_SKIPPED (may be NULL) gets the
 * number of nodes that could not be presented. */
gpg_error_t emu_image_card (const image_t *image, const char *pin,
                            emu_card_t **r_card, unsigned *r_skipped);

/* What emu_image_present made of the image. */
typedef struct emu_image_report {
  unsigned skipped;         /* nodes that could not be presented */
  unsigned keys;            /* escrowed private keys presented */
  unsigned applets;         /* applets presented (openpgp, piv) */
  char nokey[256];          /* key nodes of keys born on the card (no
                               escrowed key): "piv/key-9C, ..." */
  char other[256];          /* other key nodes whose key is not presented:
                               metadata only, or a key the applet cannot
                               hold (algorithm; see the log) */
  char pins[512];           /* one line per applet PIN: where its value
                               comes from (never the value itself, unless
                               it is the applet's factory default) */
} emu_image_report_t;

/* Build a card from IMAGE with its applets: the file system as
 * emu_image_card does, and the top-level applet roots "openpgp" and
 * "piv" as the applets of that name holding the image's data objects,
 * certificates and escrowed keys.  PIN (NULL: none given) is the
 * applets' PIN (OpenPGP PW1, PIV PIN) unless the image stores one, and
 * the value of the file system's PINs ("123456" if NULL).  *REP gets
 * what was presented and what not. */
gpg_error_t emu_image_present (const image_t *image, const char *pin,
                               emu_card_t **r_card, emu_image_report_t *rep);

/* Internal (emu-image.c, emu-image-app.c).  The PIN the image stores for
 * reference REF of the applet APP ("openpgp", "piv"; NULL: the file
 * system), or NULL: a node "pins/RR" with a value of 1..127 bytes whose
 * PIN scope names APP (or the file system), or, without a scope, the
 * image's only applet (or the file system if there is none). */
const image_node_t *emu_image_stored_pin (const image_t *image,
                                          const char *app, unsigned ref);
/* Add the applet for the image's applet root APP to CARD. */
gpg_error_t emu_image_app_add (emu_card_t *card, const image_t *image,
                               const image_node_t *app, const char *pin,
                               emu_image_report_t *rep);

/* Bring the file-system nodes of IMAGE in line with CARD: contents and
 * records of EFs, files created and deleted on the card. */
gpg_error_t emu_image_sync (emu_card_t *card, image_t *image);

/* Call FN after every change the card makes persistent (before the state
 * file is written).  An error from FN makes the command answer 6581. */
void emu_image_set_hook (emu_card_t *card,
                         gpg_error_t (*fn) (void *ctx, emu_card_t *card),
                         void *ctx);

#endif /* VSC_EMU_IMAGE_H */
