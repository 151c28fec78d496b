/* agent-iso7816.h - what the file-system agents share (not for the
 * facade): the session's knowledge of how to reach files, the FID scan
 *
 * The generic agent is split by job: agent-iso7816.c (reaching files:
 * the MF, applications selected by AID, SELECT routing, reading,
 * discovery), agent-iso7816-scan.c (the bounded FID scan) and
 * agent-iso7816-restore.c (plan and write). agent-pkcs15.c uses the
 * routing and the application table too.
 *
 * REACHING FILES
 *
 * Image paths are FIDs from the MF ("3F00/5015/4401"). Most cards take
 * such a path in one SELECT (P1 08). Some do not lead from the MF to an
 * application: its DF is reached only by SELECT of its AID (a PKCS#15
 * application on a Java card), there may be no selectable MF at all, and
 * every reset loses the selection. The session therefore keeps a table
 * of "AID applications": the image path of the DF (its FID from the FCP
 * it answered, or the conventional one, e.g. 5015 for PKCS#15) and its
 * AID. A path below such a DF is selected as SELECT AID (unless the card
 * is known to be in it still: no SELECT and no reset since, counted by
 * apdu_chan_t.selects) followed by SELECT by path from the current DF
 * (P1 09) for the rest. Everything else goes by path from the MF. */
#ifndef VSC_AGENT_ISO7816_H
#define VSC_AGENT_ISO7816_H

#include "agency/agent.h"
#include "agency/iso7816.h"

#define ISO_MAX_APPS 8

typedef struct iso_app {
  uint16_t fids[ISO7816_PATH_MAX];   /* the DF's path under the MF */
  size_t depth;
  uint8_t aid[16];
  size_t aid_len;
} iso_app_t;

/* What the file-system agents learned about this card in this session
 * (agency_card_t.fs, made on first use). */
typedef struct iso_fs {
  bool mf_known;            /* SELECT of the MF was tried */
  bool mf_hidden;           /* ... and the card has no selectable MF */
  bool no_rel_path;         /* the card refuses SELECT P1 09 */
  bool no_fcp;              /* SELECT gives no FCP (P2 04 answered 6F00
                               or nothing): not asked for again */
  iso_app_t apps[ISO_MAX_APPS];
  size_t n_apps;
  /* The card is in application CUR_APP's DF (its root), as left by our
   * own SELECT, while chan.selects is still CUR_SELECTS. */
  int cur_app;
  unsigned long cur_selects;
  /* What the card has selected, as far as our own commands tell: the
   * file at cur_fids (an EF if cur_ef, else a DF), while chan.selects is
   * still cur_sel (any other SELECT or a reset makes it unknown). */
  bool cur_known;
  uint16_t cur_fids[ISO7816_PATH_MAX];
  size_t cur_n;
  bool cur_ef;
  unsigned long cur_sel;
  /* FCPs of DFs selected in this session (a DF need not be selected
   * again only to learn its FCP); emptied before writing. */
  struct {
    uint16_t fids[ISO7816_PATH_MAX];
    size_t n;
    uint8_t fcp[256];
    size_t fcp_len;
  } dfs[8];
  size_t n_dfs, next_df;
  /* PIN references of the target as an empty VERIFY answered
   * (agent_iso7816_probe_image; enum iso_pin_probe). */
  uint8_t target_pin[256];
  /* Node-added events of the scan (agency_card_set_node_fn). */
  agency_node_fn node_fn;
  void *node_ctx;
  /* Scan state for progress (agency_scan_status) and the summary. */
  unsigned long scan_used, scan_budget;
  char scan_scope[256];
  char *coverage;           /* text, see agency_scan_coverage */
} iso_fs_t;

/* The session's state (NULL only if out of memory: callers then act as
 * on a card with neither AID applications nor a hidden MF). */
iso_fs_t *agent_iso7816_fs (agency_card_t *card);

/* Register DF path FIDS[0..N) as reached by AID (once per path). */
void agent_iso7816_add_app (agency_card_t *card, const uint16_t *fids,
                            size_t n, const uint8_t *aid, size_t aid_len);
/* SELECT the application AID and add its DF to the image below the MF
 * (made if missing): its FID from the FCP (83), else HINT_FID (0: none;
 * then nothing is added). *R_NODE the DF node or NULL if the card has no
 * such application. The MF node is made when the card has none. */
gpg_error_t agent_iso7816_app_by_aid (agency_card_t *card, image_t *image,
                                      const uint8_t *aid, size_t aid_len,
                                      uint16_t hint_fid, image_source_t src,
                                      image_node_t **r_node);
/* SELECT the MF (once per session) and make its node with the FCP.
 * *R_MF NULL (and no error) when the card has no selectable MF and no
 * application made one. */
gpg_error_t agent_iso7816_discover_mf (agency_card_t *card, image_t *image,
                                       image_node_t **r_mf);
/* Read EF.DIR (once) and add the applications it lists: by path, or
 * by AID where the path does not lead there or is not given. */
gpg_error_t agent_iso7816_efdir (agency_card_t *card, image_t *image,
                                 image_node_t *mf);
/* The MF node of IMAGE, made (without FCP) if missing. */
gpg_error_t agent_iso7816_mf_node (agency_card_t *card, image_t *image,
                                   image_node_t **r_mf);
/* SELECT the file at FIDS[0..N) under the MF by the route this card
 * needs. N 0 = the MF. FCP (may be NULL) gets the template. */
gpg_error_t agent_iso7816_select_fids (agency_card_t *card,
                                       const uint16_t *fids, size_t n,
                                       buf_t *fcp, unsigned *sw);
/* The card's current file is now FIDS[0..N) (IS_EF: an EF, its DF the
 * parent), e.g. after CREATE FILE, which makes the new file current. */
void agent_iso7816_set_current (agency_card_t *card, const uint16_t *fids,
                                size_t n, bool is_ef);
/* Is FIDS[0..N) the current file (AS_DF: the current DF, which an EF
 * in it being current also makes it) with no SELECT since? */
bool agent_iso7816_is_current (agency_card_t *card, const uint16_t *fids,
                               size_t n, bool as_df);
/* Forget the DF FCPs seen (before writing to the card). */
void agent_iso7816_forget_fcps (agency_card_t *card);
/* Child of PARENT with FID, or NULL; the MF node of IMAGE or NULL. */
image_node_t *agent_iso7816_child (const image_node_t *parent, uint16_t fid);
image_node_t *agent_iso7816_mf (const image_t *image);
/* Is N a file-system node (MF, DF, EF or record)? */
bool agent_iso7816_is_fs (const image_node_t *n);
/* Probe every step of FIDS (path under the MF), adding missing nodes. */
gpg_error_t agent_iso7816_probe_path (agency_card_t *card, image_t *image,
                                      image_node_t *mf, const uint16_t *fids,
                                      size_t n, image_source_t src,
                                      image_node_t **r_node);
/* The PIN reference to VERIFY for compact reference REF (matched against
 * the PINs the agents registered). */
uint8_t agent_iso7816_pin_ref (agency_card_t *card, uint8_t ref);
/* Read the EF of NODE that is selected now (no SELECT); *SW the final
 * status. */
gpg_error_t agent_iso7816_read_selected (agency_card_t *card, image_t *image,
                                         image_node_t *node, unsigned *sw);
/* agent_iso7816_read_selected; if the card answers RETRY_SW, SELECT SEL
 * once more and read again (some cards want a fresh SELECT after VERIFY
 * or after a write). */
gpg_error_t agent_iso7816_read_reselect (agency_card_t *card, image_t *image,
                                         const image_node_t *sel,
                                         image_node_t *node,
                                         unsigned retry_sw, unsigned *sw);

/* What the target said about a PIN reference the source's files need. */
enum iso_pin_probe {
  ISO_PIN_UNPROBED = 0,
  ISO_PIN_USABLE,           /* 63Cx, 9000, 6983: it exists and counts */
  ISO_PIN_UNSET,            /* 6984: in its creation state, no value */
  ISO_PIN_ABSENT,           /* 6A88, 6A86, 6A80, 6B00, 6D00: no such PIN */
  ISO_PIN_OTHER             /* anything else: cannot tell */
};

/* ---- the scan (agent-iso7816-scan.c) -------------------------------- */

#define ISO_SCAN_BUDGET_DEFAULT 2048

/* The bounded FID scan of every DF of IMAGE (new DFs too), continuing
 * card->resume's position. */
gpg_error_t agent_iso7816_scan (agency_card_t *card, image_t *image,
                                image_node_t *mf);

#endif /* VSC_AGENT_ISO7816_H */
