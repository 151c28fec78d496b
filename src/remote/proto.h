/* proto.h - the vscd wire protocol: frames, messages, name validation
 *
 * A frame is a 4-byte big-endian length L (1 <= L <= the negotiated
 * maximum) followed by L bytes of body. A body is one message-type byte
 * followed by BER-TLV fields (context-class primitive tags 80..8B, the
 * constructed A0 for list entries), each field at most once except A0.
 * Unknown tags are refused. The full description is doc/vscd-protocol.md.
 *
 * The codec never reads outside the frame; decoded byte fields point
 * into the frame buffer, so the frame must outlive the message. */
#ifndef VSC_REMOTE_PROTO_H
#define VSC_REMOTE_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "common/error.h"
#include "common/buffer.h"

#define PROTO_VERSION            2                     /* the newest we speak */
#define PROTO_VERSION_MIN        1                     /* the oldest we speak */
#define PROTO_MAX_FRAME_DEFAULT  (16u * 1024 * 1024)   /* 16 MiB */
#define PROTO_MAX_FRAME_MIN      4096u
#define PROTO_MAX_FRAME_LIMIT    (1024u * 1024 * 1024) /* 1 GiB */
#define PROTO_UUID_LEN           36                    /* canonical text */
#define PROTO_TEXT_MAX           1024                  /* names, messages */
#define PROTO_PASSWORD_MAX       256

/* Message types. A successful reply has the request type | 0x80. */
enum proto_type {
  PROTO_HELLO  = 0x01,   /* version negotiation, must come first */
  PROTO_CREATE = 0x02,   /* server makes a VSC: UUID + password */
  PROTO_LIST   = 0x03,
  PROTO_STAT   = 0x04,
  PROTO_GET    = 0x05,
  PROTO_PUT    = 0x06,   /* compare-and-swap on the generation */
  PROTO_DELETE = 0x07,
  PROTO_BYE    = 0x08,   /* orderly end; server replies and closes */
  PROTO_HISTORY = 0x09,  /* version 2: the kept generations of a VSC */
  PROTO_ERROR  = 0x7F,   /* server -> client only */
  PROTO_REPLY  = 0x80
};

/* Field tags. */
enum proto_tag {
  PROTO_TAG_VMIN     = 0x80, /* uint: lowest version the sender speaks */
  PROTO_TAG_VMAX     = 0x81, /* uint: highest version / chosen version */
  PROTO_TAG_NAME     = 0x82, /* UTF-8: software name (informative) */
  PROTO_TAG_UUID     = 0x83, /* 36 bytes canonical lower-case UUID text */
  PROTO_TAG_GEN      = 0x84, /* uint: generation */
  PROTO_TAG_DATA     = 0x85, /* bytes: a VSC file */
  PROTO_TAG_PASSWORD = 0x86, /* UTF-8: the generated password (create) */
  PROTO_TAG_SIZE     = 0x87, /* uint: file size */
  PROTO_TAG_MTIME    = 0x88, /* uint: modification time, seconds */
  PROTO_TAG_MAXFRAME = 0x89, /* uint: largest frame body accepted */
  PROTO_TAG_ERRCODE  = 0x8A, /* uint: libgpg-error code */
  PROTO_TAG_ERRTEXT  = 0x8B, /* UTF-8: message for a person */
  PROTO_TAG_BY       = 0x8C, /* UTF-8: the account that stored a generation */
  PROTO_TAG_FROM     = 0x8D, /* UTF-8: where it was stored from */
  PROTO_TAG_ENTRY    = 0xA0, /* constructed: one list entry (83 84 87 88) */
  PROTO_TAG_VERSION  = 0xA1  /* constructed: one generation (84 87 88 8C 8D) */
};

/* Field presence bits (proto_msg_t.have). */
#define PROTO_F_VMIN     (1u << 0)
#define PROTO_F_VMAX     (1u << 1)
#define PROTO_F_NAME     (1u << 2)
#define PROTO_F_UUID     (1u << 3)
#define PROTO_F_GEN      (1u << 4)
#define PROTO_F_DATA     (1u << 5)
#define PROTO_F_PASSWORD (1u << 6)
#define PROTO_F_SIZE     (1u << 7)
#define PROTO_F_MTIME    (1u << 8)
#define PROTO_F_MAXFRAME (1u << 9)
#define PROTO_F_ERRCODE  (1u << 10)
#define PROTO_F_ERRTEXT  (1u << 11)
#define PROTO_F_ENTRY    (1u << 12)
#define PROTO_F_VERSION  (1u << 13)

/* One VSC in a vault, as listed. */
typedef struct proto_entry {
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t gen;
  uint64_t size;
  uint64_t mtime;
} proto_entry_t;

#define PROTO_WHO_MAX 64   /* bytes of an account or peer name (8C, 8D) */

/* One kept generation of a VSC, as listed by HISTORY. */
typedef struct proto_version {
  uint64_t gen;
  uint64_t size;
  uint64_t mtime;                 /* when it was stored */
  char by[PROTO_WHO_MAX + 1];     /* account that stored it ("" unknown) */
  char from[PROTO_WHO_MAX + 1];   /* peer it came from ("" unknown) */
} proto_version_t;

/* A decoded (or to-be-encoded) message. */
typedef struct proto_msg {
  unsigned type;
  unsigned have;                       /* PROTO_F_* */
  uint64_t vmin, vmax;
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t gen, size, mtime, maxframe, errcode;
  const char *name; size_t namelen;    /* not NUL-terminated */
  const char *errtext; size_t errtextlen;
  const char *password; size_t passwordlen;
  const uint8_t *data; size_t datalen;
  /* Decoding: the A0 entries (raw TLVs, use proto_entry_next).
   * Encoding: an array. */
  const uint8_t *entries; size_t entrieslen;
  const proto_entry_t *entry_array; size_t nentries;
  /* The same for A1 generations (proto_version_next). */
  const uint8_t *versions; size_t versionslen;
  const proto_version_t *version_array; size_t nversions;
} proto_msg_t;

/* True if S[0..N) is a canonical lower-case UUID text
 * (8-4-4-4-12 hex digits). Nothing else names a VSC on the wire. */
bool proto_uuid_valid(const char *s, size_t n);

/* Decode a frame body (without the length prefix). Checks the type, the
 * tags, each field's size and form, and the fields the type requires
 * (proto_msg_check). Errors: GPG_ERR_INV_OBJ (unknown type), INV_TAG,
 * INV_VALUE, INV_LENGTH, TOO_SHORT, INV_NAME (bad UUID), MISSING_VALUE. */
gpg_error_t proto_msg_parse(const uint8_t *body, size_t n, proto_msg_t *m);

/* The fields TYPE requires are present, no field it forbids. */
gpg_error_t proto_msg_check(const proto_msg_t *m);

/* M is allowed in a conversation of protocol VERSION (HISTORY and the
 * generation in GET came with version 2). */
gpg_error_t proto_msg_check_version(const proto_msg_t *m, unsigned version);

/* Iterate over decoded list entries: *OFF starts at 0; GPG_ERR_EOF at
 * the end. */
gpg_error_t proto_entry_next(const proto_msg_t *m, size_t *off,
                             proto_entry_t *e);
gpg_error_t proto_version_next(const proto_msg_t *m, size_t *off,
                               proto_version_t *e);

/* All decoded list entries (generations) of M in a new array (xfree
 * it), *R_N of them. */
gpg_error_t proto_msg_entries(const proto_msg_t *m, proto_entry_t **r_list,
                              size_t *r_n);
gpg_error_t proto_msg_versions(const proto_msg_t *m,
                               proto_version_t **r_list, size_t *r_n);

/* Append one frame (length prefix + body) for M to OUT. Fields are
 * written for the bits in M->have. */
gpg_error_t proto_msg_build(buf_t *out, const proto_msg_t *m);

/* Convenience: an error frame with the code of ERR and a message. */
gpg_error_t proto_build_error(buf_t *out, gpg_error_t err, const char *text);

/* Turn a received error message into a gpg_error_t. */
gpg_error_t proto_msg_error(const proto_msg_t *m);

/* Frame I/O on file descriptors. CANCEL_FD (or -1) aborts a wait with
 * GPG_ERR_CANCELED when it becomes readable; TIMEOUT_MS (or -1) bounds
 * the reading of one whole frame, and one proto_write_all call
 * (GPG_ERR_TIMEOUT). */
typedef struct proto_io {
  int in, out;
  int cancel_fd;
  int timeout_ms;
} proto_io_t;

/* Read one frame body into FRAME (replacing its content). Returns
 * GPG_ERR_EOF for a clean end before a frame, GPG_ERR_TOO_SHORT for an
 * end inside a frame, GPG_ERR_TOO_LARGE if the announced length exceeds
 * MAX (the body is not read), GPG_ERR_INV_LENGTH for a zero length. */
gpg_error_t proto_read_frame(const proto_io_t *io, uint32_t max, buf_t *frame);

/* Write all of P[0..N) (normally a frame from proto_msg_build). */
gpg_error_t proto_write_all(const proto_io_t *io, const void *p, size_t n);

/* Milliseconds on the monotonic clock (for deadlines). */
int64_t proto_now_ms(void);

/* Wait until FD is ready for EVENTS (poll(2) events; *R_REVENTS, if
 * not NULL, gets what it reported): GPG_ERR_TIMEOUT at DEADLINE
 * (proto_now_ms, -1: none), GPG_ERR_CANCELED when CANCEL_FD (or -1)
 * becomes readable first. */
gpg_error_t proto_poll(int fd, short events, int cancel_fd, int64_t deadline,
                       short *r_revents);

/* A short name for a message type ("get", "put", ...) for logs. */
const char *proto_type_name(unsigned type);

#endif /* VSC_REMOTE_PROTO_H */
