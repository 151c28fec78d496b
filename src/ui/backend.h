/* backend.h - the manager's link to scapi: reader list with card types,
 * monitor events, emulator insert/remove, the VSC directory listing */
#ifndef VSC_UI_BACKEND_H
#define VSC_UI_BACKEND_H

#include "ui/ui.h"
#include "scapi/scapi.h"

gpg_error_t backend_open (ui_t *ui);
void backend_close (ui_t *ui);
static inline scapi_t *backend_sc (ui_t *ui) { return (scapi_t *) ui->sc; }
/* Re-read the reader list (and identify newly inserted cards). */
gpg_error_t backend_readers (ui_t *ui);
/* Take the queued monitor events; true if something changed. */
bool backend_monitor_drain (ui_t *ui);
/* Emulator only: insert or remove the card of reader INDEX. */
gpg_error_t backend_emu_toggle (ui_t *ui, size_t index);
/* Readers that hold a card, as indices into ui->readers. */
size_t backend_cards (ui_t *ui, size_t *idx, size_t max);
/* *.vsc files in the VSC directory (sorted, allocated full paths). */
gpg_error_t backend_vsc_list (ui_t *ui, char ***r_paths, size_t *r_n);
void backend_free_list (char **list, size_t n);
/* Create the VSC directory (and its parents) if missing. */
void backend_make_vsc_dir (ui_t *ui);
/* A new file name in the VSC directory for a backup of READER's card. */
char *backend_new_vsc_path (ui_t *ui, const char *label);
bool backend_has_secrets (ui_t *ui);
void backend_wipe_secrets (ui_t *ui);

#endif /* VSC_UI_BACKEND_H */
