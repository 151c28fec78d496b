/* agent-openpgp.h - what agent-openpgp.c (discovery, planning) and
 * agent-openpgp-write.c (writing, key import) share; not for use outside
 * src/agency */
#ifndef VSC_AGENT_OPENPGP_H
#define VSC_AGENT_OPENPGP_H

#include "agency/agent.h"

#define AGENT_OPENPGP_NAME "openpgp"

/* Flags of a data object. */
#define F_6E    0x0001u   /* part of 6E (application related data) */
#define F_65    0x0002u   /* part of 65 (cardholder related data) */
#define F_RO    0x0004u   /* defined by the card: never written */
#define F_PW1   0x0008u   /* written after PW1 82 (else PW3) */
#define F_RPW1  0x0010u   /* read after PW1 82: private area */
#define F_RPW3  0x0020u   /* read after PW3 */
#define F_OPT   0x0040u   /* absent on cards without it (6A88, 6D00) */
#define F_FIRST 0x0080u   /* only the first byte is written (C4, UIF) */
#define F_KDF   0x0100u
#define F_CAFPR 0x0200u   /* C6: written as CA, CB, CC (20 bytes each) */

typedef struct agent_openpgp_def {
  unsigned tag;
  unsigned flags;
  const char *desc;
} agent_openpgp_def_t;

/* The data objects, in image order; NULL for a tag not listed. */
const agent_openpgp_def_t *agent_openpgp_def (unsigned tag);

/* Key slots: name, CRT tag, 7F21 occurrence, usage. */
typedef struct agent_openpgp_slot {
  const char *name;
  uint8_t crt;
  uint8_t occ;
  const char *usage;
} agent_openpgp_slot_t;
extern const agent_openpgp_slot_t agent_openpgp_slots[3];

/* Does N belong to this agent? Slot of a key node or a certificate
 * child (CRT tag), -1 if none. */
bool agent_openpgp_is_mine (const image_node_t *n);
/* Make CONT the certificate container 7F21 (no content of its own: one
 * child per key, by CRT tag; read always, never written as a whole). */
gpg_error_t agent_openpgp_cert_container (image_node_t *cont);
int agent_openpgp_slot_of (const image_node_t *n);

/* GET DATA / PUT DATA (INS DA or DB) / SELECT DATA of 7F21 occurrence
 * OCC. agent_openpgp_get_do takes TAG from its constructed DO (65, 6E,
 * 7A) when the card does not serve it on its own. */
gpg_error_t agent_openpgp_get_data (agency_card_t *card, unsigned tag,
                                    buf_t *out, unsigned *sw);
gpg_error_t agent_openpgp_get_do (agency_card_t *card, unsigned tag,
                                  buf_t *out, unsigned *sw);
gpg_error_t agent_openpgp_put_data (agency_card_t *card, unsigned ins,
                                    unsigned tag, const uint8_t *p, size_t n,
                                    unsigned *sw);
gpg_error_t agent_openpgp_select_cert (agency_card_t *card, unsigned occ,
                                       unsigned *sw);
/* Do algorithm attributes A and B describe the same key format? */
bool agent_openpgp_attr_same (const uint8_t *a, size_t an, const uint8_t *b,
                              size_t bn);

/* agent-openpgp-write.c: write one plan entry (the agent's write). */
gpg_error_t agent_openpgp_write_entry (agency_card_t *card,
                                       const image_t *src, plan_t *plan,
                                       plan_entry_t *e);

#endif /* VSC_AGENT_OPENPGP_H */
