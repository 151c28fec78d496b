/* agent-pkcs15.h - the PKCS#15 agent's key files (agent-pkcs15-keys.c)
 *
 * Escrowed keys of a PKCS#15 structure on a file-system card: a key node
 * with a FID is written as an internal EF holding the key's DER (the
 * format of doc/card-profile.md, "Keys in the file system"), then proved
 * by a signature the escrowed key verifies. */
#ifndef VSC_AGENT_PKCS15_H
#define VSC_AGENT_PKCS15_H

#include "agency/agent.h"

/* The key of node S (libgcrypt S-expression content, algorithm in its
 * key info: rsa*, nistp256, nistp384) as PKCS #1 RSAPrivateKey or SEC 1
 * ECPrivateKey DER into OUT (secure). GPG_ERR_PUBKEY_ALGO otherwise. */
gpg_error_t agent_pkcs15_keys_der (const image_node_t *s, buf_t *out);
/* plan_restore: key nodes with a FID become "import into key file"
 * (emulator or same model), else not restorable. */
gpg_error_t agent_pkcs15_keys_plan (agency_card_t *card, const image_t *src,
                                    const image_t *dst, plan_t *plan);
/* write: CREATE the key file, write the DER, ACTIVATE, sign a test value
 * and verify it with the escrowed key (e->verified). */
gpg_error_t agent_pkcs15_keys_write (agency_card_t *card, const image_t *src,
                                     plan_t *plan, plan_entry_t *e);

#endif /* VSC_AGENT_PKCS15_H */
