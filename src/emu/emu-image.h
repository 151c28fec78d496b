/* emu-image.h - present a card image (e.g. from a VSC file) as a live
 * emulated card, and write the card's file system back into the image
 *
 * Only the ISO 7816-4 file system is presented (MF, DFs, EFs, records);
 * applet roots (OpenPGP, PIV data objects) and key nodes are left out and
 * counted.  Access conditions come from the nodes' access summary:
 * "PIN n" files need VERIFY of PIN n, whose value is the PIN given here
 * (the image does not hold PIN values); unknown conditions are "always". */
#ifndef VSC_EMU_IMAGE_H
#define VSC_EMU_IMAGE_H

#include "emu.h"
#include "image/image.h"

/* Build a card from IMAGE.  PIN is the value of every PIN an access
 * condition names (NULL: "123456").  *R_SKIPPED (may be NULL) gets the
 * number of nodes that could not be presented. */
gpg_error_t emu_image_card (const image_t *image, const char *pin,
                            emu_card_t **r_card, unsigned *r_skipped);

/* Bring the file-system nodes of IMAGE in line with CARD: contents and
 * records of EFs, files created and deleted on the card. */
gpg_error_t emu_image_sync (emu_card_t *card, image_t *image);

/* Call FN after every change the card makes persistent (before the state
 * file is written).  An error from FN makes the command answer 6581. */
void emu_image_set_hook (emu_card_t *card,
                         gpg_error_t (*fn) (void *ctx, emu_card_t *card),
                         void *ctx);

#endif /* VSC_EMU_IMAGE_H */
