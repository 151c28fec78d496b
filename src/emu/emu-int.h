/* emu-int.h - internals of the emulated card shared by the src/emu sources
 *
 * Not for use outside src/emu (reader-emu.c and vscemu use emu.h). */
#ifndef VSC_EMU_INT_H
#define VSC_EMU_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"
#include "emu.h"
#include "applet.h"

/* File types (ISO 7816-4 file descriptor byte, tag 82). */
enum emu_ftype {
  EMU_DF = 0,
  EMU_EF_TRANSPARENT,
  EMU_EF_LINEAR_FIXED,
  EMU_EF_LINEAR_VAR,
  EMU_EF_CYCLIC
};

/* Access conditions: one per operation class. */
enum emu_acop {
  EMU_AC_READ = 0,   /* READ BINARY/RECORD                         */
  EMU_AC_UPDATE,     /* UPDATE/WRITE/ERASE BINARY, UPDATE/APPEND RECORD */
  EMU_AC_CREATE,     /* CREATE FILE inside this DF                  */
  EMU_AC_DELETE,     /* DELETE FILE of this file                    */
  EMU_AC_ADMIN,      /* ACTIVATE / DEACTIVATE FILE                  */
  EMU_AC_N
};
#define EMU_AC_ALWAYS 0x000
#define EMU_AC_NEVER  0x100
/* any other value 0x01..0xFF: the PIN with that reference is verified */

#define EMU_MAX_AID     16
#define EMU_MAX_DEPTH   8     /* DF nesting limit below the MF */
#define EMU_MAX_FILES   1024  /* whole card */
#define EMU_MAX_EF_SIZE 65535 /* transparent EF */
#define EMU_MAX_RECORDS 254
#define EMU_MAX_RECLEN  65535

/* What SELECT with P2 04 ("return FCP") answers (profile
 * select-template). */
enum emu_template {
  EMU_TEMPLATE_FCP = 0,     /* FCP 62 (P2 00: FCI 6F) */
  EMU_TEMPLATE_FCI,         /* FCI 6F for P2 04 too */
  EMU_TEMPLATE_NONE         /* P2 00 and 04 answer 6F00; only 0C works */
};

typedef struct emu_file {
  struct emu_file *parent;
  struct emu_file *child;   /* first child (DF only) */
  struct emu_file *next;    /* next sibling */
  enum emu_ftype type;
  unsigned fid;             /* 0x0000..0xFFFF */
  uint8_t aid[EMU_MAX_AID]; /* DF name (tag 84), DF only */
  size_t aid_len;
  uint8_t sfi;              /* short EF identifier 1..30, 0 = none */
  bool deactivated;         /* LCS 04 (ISO 7816-9 DEACTIVATE FILE) */
  bool initialising;        /* LCS 01/03 (creation/initialisation state,
                               ISO 7816-4 5.3.3.2): created by CREATE FILE
                               with 8A 01/03; security attributes are not
                               enforced until ACTIVATE FILE */
  bool internal;            /* internal EF (FDB 09): a private key as DER;
                               never read, used by MSE/PSO (emu-iso8.c) */
  bool aid_only;            /* DF reached only by SELECT by DF name (P1 04):
                               SELECT by FID or path from outside it
                               answers 6A82 (profile select=aid) */
  unsigned ac[EMU_AC_N];
  buf_t data;               /* transparent EF: exactly `size' bytes */
  size_t rec_len;           /* record EFs: (max) record length */
  size_t rec_max;           /* record EFs: max number of records */
  buf_t *recs;              /* record 1 = recs[0] */
  size_t nrecs;
} emu_file_t;

typedef struct emu_pin {
  uint8_t ref;              /* P2 of VERIFY */
  char name[16];            /* "CHV1", for messages only */
  uint8_t *value;           /* secure memory */
  size_t len;
  unsigned retries_max;
  unsigned retries_left;
  size_t min_len, max_len;
  int pad;                  /* pad byte, -1 none */
  uint8_t puk;              /* reference of the unblocking PIN, 0 none */
  bool unset;               /* creation state: no value yet (VERIFY 6984);
                               CHANGE REFERENCE DATA P1 01 sets it; the
                               conditions naming it are not enforced */
  bool verified;            /* volatile */
} emu_pin_t;

typedef struct emu_applet {
  const applet_ops_t *ops;
  void *state;
  buf_t aid;
  char *options;
} emu_applet_t;

#define EMU_MAX_PINS    16
#define EMU_MAX_APPLETS 8

struct emu_card {
  char *profile_dir;        /* for @file references */
  char *state_path;         /* NULL: nothing persisted */
  uint8_t atr[33];
  size_t atr_len;
  bool t0;                  /* protocol T=0: case 4 answers 61xx */
  bool ext;                 /* extended length accepted */
  bool list_files;          /* proprietary LIST FILES (80 16) */
  bool isoapplet;           /* answer SELECT of the IsoApplet AID */
  bool no_fcp_access;       /* FCPs without security attributes (8C):
                               profile fcp-access no */
  int select_template;      /* EMU_TEMPLATE_*: what SELECT P2 04 answers */
  unsigned latency_ms;      /* every answer after this delay */
  /* What real tokens do with security state (DESIGN.md §9):
   * select_resets: a SELECT of one of these applets clears its own
   * security state (verified PINs, management-key authentication), even
   * when it was selected already: NULL none, "*" all, else a comma
   * separated list of applet names (profile select-resets-security);
   * switch_powers_off: selecting an applet (or leaving the applets for
   * the file system) powers every other applet off, so their security
   * state is lost (profile applet-switch-powers-off). */
  char *select_resets;
  bool switch_powers_off;
  emu_pin_t pins[EMU_MAX_PINS];
  size_t npins;
  emu_applet_t applets[EMU_MAX_APPLETS];
  size_t napplets;
  emu_file_t *mf;
  size_t nfiles;
  /* Called after every persistent change (emu-image.h). */
  gpg_error_t (*change_hook) (void *ctx, emu_card_t *card);
  void *change_ctx;

  /* Volatile state: cleared by power off / reset. */
  bool powered;
  emu_file_t *cur_df;
  emu_file_t *cur_ef;       /* NULL if the current file is a DF */
  bool no_df;               /* no current DF (after reset when the MF is
                               select=aid): only SELECT by name works */
  size_t cur_rec;           /* 1-based, 0 = none */
  int cur_applet;           /* index into applets[], -1 = file system */
  buf_t pending;            /* data waiting for GET RESPONSE */
  size_t pending_off;
  bool chaining;
  uint8_t chain_hdr[4];     /* CLA (without 0x10), INS, P1, P2 */
  buf_t chain;
  /* The current security environment (MSE SET, emu-iso8.c). */
  uint8_t se_crt;           /* B6, B8, A4; 0 = none */
  int se_alg;               /* algorithm reference, -1 = none given */
  emu_file_t *se_key;       /* the key's internal EF */
};

/* emu-fs.c: the file tree. */
emu_file_t *emu_fs_new (emu_card_t *card, emu_file_t *parent,
                        enum emu_ftype type, unsigned fid);
void emu_fs_free (emu_card_t *card, emu_file_t *f);  /* and its subtree */
void emu_fs_unlink (emu_file_t *f);
emu_file_t *emu_fs_child_fid (emu_file_t *df, unsigned fid);
emu_file_t *emu_fs_child_sfi (emu_file_t *df, unsigned sfi);
emu_file_t *emu_fs_find_aid (emu_file_t *root, const uint8_t *aid,
                             size_t len);
unsigned emu_fs_depth (const emu_file_t *f);
size_t emu_fs_size (const emu_file_t *f);   /* bytes for tag 80 */
gpg_error_t emu_fs_fcp (emu_card_t *card, const emu_file_t *f,
                        unsigned tag, buf_t *out);
/* Parse a CREATE FILE template into a new file under DF; *SW on refusal. */
gpg_error_t emu_fs_create (emu_card_t *card, emu_file_t *df,
                           const uint8_t *p, size_t n,
                           emu_file_t **r_file, unsigned *sw);
gpg_error_t emu_fs_add_record (emu_file_t *f, const uint8_t *p, size_t n,
                               bool at_front);
/* A linear fixed EF: empty records (zeros) up to its rec_max. */
gpg_error_t emu_fs_fill_records (emu_file_t *f);
/* Access check for operation OP on F: 0 if allowed, else the SW. */
unsigned emu_fs_check (emu_card_t *card, const emu_file_t *f,
                       enum emu_acop op);

/* emu-pin.c: PINs and the PIN commands. */
emu_pin_t *emu_pin_find (emu_card_t *card, unsigned ref);
gpg_error_t emu_pin_set (emu_pin_t *pin, const uint8_t *p, size_t n);
/* VERIFY (20), CHANGE REFERENCE DATA (24), RESET RETRY COUNTER (2C). */
applet_handler_fn emu_pin_command;

/* emu-cmd.c: the file system commands; STATE of a handler is the card. */
applet_handler_fn emu_cmd_select;
gpg_error_t emu_cmd_dispatch (emu_card_t *card, const applet_cmd_t *cmd,
                              applet_reply_t *r);
/* emu-record.c: READ RECORD (B2), UPDATE/WRITE/APPEND RECORD (DC D2 E2). */
applet_handler_fn emu_record_read, emu_record_write;

/* emu-iso8.c: key operations of the file-system card. */
void emu_iso8_reset (emu_card_t *card);
/* SELECT of the IsoApplet AID (if the profile asks): true if answered. */
bool emu_iso8_select (emu_card_t *card, const applet_cmd_t *cmd,
                      applet_reply_t *r, gpg_error_t *r_err);
/* MANAGE SECURITY ENVIRONMENT (22), PSO (2A), INTERNAL AUTHENTICATE
 * (88); STATE is the card. */
applet_handler_fn emu_iso8_mse, emu_iso8_pso, emu_iso8_internal_auth;

/* emu-profile.c: profile / state files. */
gpg_error_t emu_profile_load (emu_card_t *card, const char *path);
gpg_error_t emu_profile_save (emu_card_t *card, const char *path);
/* Whether the ATR or EF.ATR announce extended length. */
bool emu_profile_ext_announced (emu_card_t *card);

/* emu.c */
/* Add an instance of OPS made from OPTIONS to CARD; the card keeps KEPT
 * as the options it writes to a state file ("" where OPTIONS hold keys). */
gpg_error_t emu_card_applet_add (emu_card_t *card, const applet_ops_t *ops,
                                 const char *options, const char *kept,
                                 emu_applet_t **r_applet);
int emu_card_applet_by_aid (emu_card_t *card, const uint8_t *aid,
                            size_t len);
gpg_error_t emu_card_changed (emu_card_t *card);

#endif /* VSC_EMU_INT_H */
