/* proto.c - the vscd wire protocol: frame codec and message validation
 *
 * Everything that comes off the wire passes proto_read_frame (length
 * bounded before anything is allocated) and proto_msg_parse (strict
 * BER-TLV through src/common/tlv.c, every field checked for its tag,
 * form, size and content, and the set of fields checked against the
 * message type). The libFuzzer target tests/fuzz/fuzz-frame.c drives
 * exactly this path. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proto.h"
#include "common/tlv.h"
#include "common/util.h"

/* Which fields each message type requires and allows. */
struct proto_rule {
  unsigned type;
  unsigned required;
  unsigned allowed;
};

static const struct proto_rule proto_rules[] = {
  { PROTO_HELLO, PROTO_F_VMIN | PROTO_F_VMAX,
    PROTO_F_VMIN | PROTO_F_VMAX | PROTO_F_NAME },
  { PROTO_CREATE, 0, 0 },
  { PROTO_LIST, 0, 0 },
  { PROTO_STAT, PROTO_F_UUID, PROTO_F_UUID },
  { PROTO_GET, PROTO_F_UUID, PROTO_F_UUID | PROTO_F_GEN },
  { PROTO_PUT, PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA,
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA },
  { PROTO_DELETE, PROTO_F_UUID, PROTO_F_UUID | PROTO_F_GEN },
  { PROTO_BYE, 0, 0 },
  { PROTO_HISTORY, PROTO_F_UUID, PROTO_F_UUID },
  { PROTO_ERROR, PROTO_F_ERRCODE, PROTO_F_ERRCODE | PROTO_F_ERRTEXT },
  { PROTO_HELLO | PROTO_REPLY, PROTO_F_VMAX | PROTO_F_MAXFRAME,
    PROTO_F_VMAX | PROTO_F_MAXFRAME | PROTO_F_NAME },
  { PROTO_CREATE | PROTO_REPLY,
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_PASSWORD | PROTO_F_DATA,
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_PASSWORD | PROTO_F_DATA },
  { PROTO_LIST | PROTO_REPLY, 0, PROTO_F_ENTRY },
  { PROTO_STAT | PROTO_REPLY,
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME,
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME },
  { PROTO_GET | PROTO_REPLY, PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA,
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA | PROTO_F_MTIME },
  { PROTO_PUT | PROTO_REPLY, PROTO_F_UUID | PROTO_F_GEN,
    PROTO_F_UUID | PROTO_F_GEN },
  { PROTO_DELETE | PROTO_REPLY, PROTO_F_UUID, PROTO_F_UUID },
  { PROTO_BYE | PROTO_REPLY, 0, 0 },
  { PROTO_HISTORY | PROTO_REPLY, PROTO_F_UUID, PROTO_F_UUID | PROTO_F_VERSION }
};

static const struct proto_rule *
proto_rule_find (unsigned type)
{
  size_t i;
  for (i = 0; i < DIM (proto_rules); i++)
    if (proto_rules[i].type == type)
      return &proto_rules[i];
  return NULL;
}

const char *
proto_type_name (unsigned type)
{
  switch (type & ~(unsigned)PROTO_REPLY)
    {
    case PROTO_HELLO: return "hello";
    case PROTO_CREATE: return "create";
    case PROTO_LIST: return "list";
    case PROTO_STAT: return "stat";
    case PROTO_GET: return "get";
    case PROTO_PUT: return "put";
    case PROTO_DELETE: return "delete";
    case PROTO_BYE: return "bye";
    case PROTO_HISTORY: return "history";
    case PROTO_ERROR: return "error";
    default: return "?";
    }
}

static int
proto_hexval (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

bool
proto_uuid_valid (const char *s, size_t n)
{
  size_t i;
  if (!s || n != PROTO_UUID_LEN)
    return false;
  for (i = 0; i < n; i++)
    {
      if (i == 8 || i == 13 || i == 18 || i == 23)
        {
          if (s[i] != '-')
            return false;
        }
      else if (proto_hexval (s[i]) < 0)
        return false;
    }
  return true;
}

/* A uint field: 1 to 8 bytes, minimal (no leading zero byte unless the
 * value is 0 and one byte long). */
static gpg_error_t
proto_get_uint (const tlv_t *t, uint64_t *v)
{
  if (t->len < 1 || t->len > 8)
    return gpg_error (GPG_ERR_INV_LENGTH);
  if (t->len > 1 && t->value[0] == 0)
    return gpg_error (GPG_ERR_INV_VALUE);
  return tlv_get_uint (t, v);
}

/* Text fields: bounded, no NUL and no control characters except TAB. */
static gpg_error_t
proto_check_text (const tlv_t *t, size_t max)
{
  size_t i;
  if (t->len > max)
    return gpg_error (GPG_ERR_TOO_LARGE);
  for (i = 0; i < t->len; i++)
    if ((t->value[i] < 0x20 && t->value[i] != '\t') || t->value[i] == 0x7f)
      return gpg_error (GPG_ERR_INV_VALUE);
  return 0;
}

static gpg_error_t
proto_get_uuid (const tlv_t *t, char *out)
{
  if (!proto_uuid_valid ((const char *)t->value, t->len))
    return gpg_error (GPG_ERR_INV_NAME);
  memcpy (out, t->value, PROTO_UUID_LEN);
  out[PROTO_UUID_LEN] = 0;
  return 0;
}

/* Parse the value of one A0 entry. */
static gpg_error_t
proto_entry_parse (const uint8_t *p, size_t n, proto_entry_t *e)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  unsigned have = 0, bit;

  memset (e, 0, sizeof *e);
  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      switch (t.tag)
        {
        case PROTO_TAG_UUID:
          bit = PROTO_F_UUID;
          err = proto_get_uuid (&t, e->uuid);
          break;
        case PROTO_TAG_GEN:
          bit = PROTO_F_GEN;
          err = proto_get_uint (&t, &e->gen);
          break;
        case PROTO_TAG_SIZE:
          bit = PROTO_F_SIZE;
          err = proto_get_uint (&t, &e->size);
          break;
        case PROTO_TAG_MTIME:
          bit = PROTO_F_MTIME;
          err = proto_get_uint (&t, &e->mtime);
          break;
        default:
          return gpg_error (GPG_ERR_INV_TAG);
        }
      if (err)
        return err;
      if (have & bit)
        return gpg_error (GPG_ERR_INV_TAG);
      have |= bit;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return err;
  if (have != (PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME))
    return gpg_error (GPG_ERR_MISSING_VALUE);
  return 0;
}

/* Parse the value of one A1 generation. */
static gpg_error_t
proto_version_parse (const uint8_t *p, size_t n, proto_version_t *e)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  unsigned have = 0, bit;

  memset (e, 0, sizeof *e);
  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      switch (t.tag)
        {
        case PROTO_TAG_GEN:
          bit = 1;
          err = proto_get_uint (&t, &e->gen);
          break;
        case PROTO_TAG_SIZE:
          bit = 2;
          err = proto_get_uint (&t, &e->size);
          break;
        case PROTO_TAG_MTIME:
          bit = 4;
          err = proto_get_uint (&t, &e->mtime);
          break;
        case PROTO_TAG_BY:
          bit = 8;   /* local bits: GEN SIZE MTIME BY FROM */
          err = proto_check_text (&t, PROTO_WHO_MAX);
          if (!err)
            memcpy (e->by, t.value, t.len);
          break;
        case PROTO_TAG_FROM:
          bit = 16;
          err = proto_check_text (&t, PROTO_WHO_MAX);
          if (!err)
            memcpy (e->from, t.value, t.len);
          break;
        default:
          return gpg_error (GPG_ERR_INV_TAG);
        }
      if (err)
        return err;
      if (have & bit)
        return gpg_error (GPG_ERR_INV_TAG);
      have |= bit;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return err;
  if ((have & 7) != 7)   /* GEN SIZE MTIME are required */
    return gpg_error (GPG_ERR_MISSING_VALUE);
  return 0;
}

gpg_error_t
proto_msg_check (const proto_msg_t *m)
{
  const struct proto_rule *r = proto_rule_find (m->type);
  if (!r)
    return gpg_error (GPG_ERR_INV_OBJ);
  if ((m->have & r->required) != r->required)
    return gpg_error (GPG_ERR_MISSING_VALUE);
  if (m->have & ~r->allowed)
    return gpg_error (GPG_ERR_INV_TAG);
  return 0;
}

gpg_error_t
proto_msg_check_version (const proto_msg_t *m, unsigned version)
{
  if (version >= 2)
    return 0;
  if ((m->type & ~(unsigned)PROTO_REPLY) == PROTO_HISTORY)
    return gpg_error (GPG_ERR_INV_OBJ);
  if (m->type == PROTO_GET && (m->have & PROTO_F_GEN))
    return gpg_error (GPG_ERR_INV_TAG);
  return 0;
}

gpg_error_t
proto_msg_parse (const uint8_t *body, size_t n, proto_msg_t *m)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  unsigned bit;
  const uint8_t *entries_start = NULL, *entries_end = NULL;
  const uint8_t *versions_start = NULL, *versions_end = NULL;

  memset (m, 0, sizeof *m);
  if (!body || n < 1)
    return gpg_error (GPG_ERR_TOO_SHORT);
  m->type = body[0];
  if (!proto_rule_find (m->type))
    return gpg_error (GPG_ERR_INV_OBJ);

  tlv_iter_init (&it, body + 1, n - 1, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      err = 0;
      switch (t.tag)
        {
        case PROTO_TAG_VMIN:
          bit = PROTO_F_VMIN;
          err = proto_get_uint (&t, &m->vmin);
          break;
        case PROTO_TAG_VMAX:
          bit = PROTO_F_VMAX;
          err = proto_get_uint (&t, &m->vmax);
          break;
        case PROTO_TAG_NAME:
          bit = PROTO_F_NAME;
          err = proto_check_text (&t, PROTO_TEXT_MAX);
          m->name = (const char *)t.value;
          m->namelen = t.len;
          break;
        case PROTO_TAG_UUID:
          bit = PROTO_F_UUID;
          err = proto_get_uuid (&t, m->uuid);
          break;
        case PROTO_TAG_GEN:
          bit = PROTO_F_GEN;
          err = proto_get_uint (&t, &m->gen);
          break;
        case PROTO_TAG_DATA:
          bit = PROTO_F_DATA;
          m->data = t.value;
          m->datalen = t.len;
          break;
        case PROTO_TAG_PASSWORD:
          bit = PROTO_F_PASSWORD;
          err = proto_check_text (&t, PROTO_PASSWORD_MAX);
          if (!err && !t.len)
            err = gpg_error (GPG_ERR_INV_VALUE);
          m->password = (const char *)t.value;
          m->passwordlen = t.len;
          break;
        case PROTO_TAG_SIZE:
          bit = PROTO_F_SIZE;
          err = proto_get_uint (&t, &m->size);
          break;
        case PROTO_TAG_MTIME:
          bit = PROTO_F_MTIME;
          err = proto_get_uint (&t, &m->mtime);
          break;
        case PROTO_TAG_MAXFRAME:
          bit = PROTO_F_MAXFRAME;
          err = proto_get_uint (&t, &m->maxframe);
          break;
        case PROTO_TAG_ERRCODE:
          bit = PROTO_F_ERRCODE;
          err = proto_get_uint (&t, &m->errcode);
          if (!err && m->errcode > 0xffff)
            err = gpg_error (GPG_ERR_INV_VALUE);
          break;
        case PROTO_TAG_ERRTEXT:
          bit = PROTO_F_ERRTEXT;
          err = proto_check_text (&t, PROTO_TEXT_MAX);
          m->errtext = (const char *)t.value;
          m->errtextlen = t.len;
          break;
        case PROTO_TAG_ENTRY:
          {
            proto_entry_t e;
            /* Entries must be consecutive. */
            if ((m->have & PROTO_F_ENTRY) && entries_end != t.raw)
              return gpg_error (GPG_ERR_INV_TAG);
            err = proto_entry_parse (t.value, t.len, &e);
            if (err)
              return err;
            if (!entries_start)
              entries_start = t.raw;
            entries_end = t.raw + t.raw_len;
            m->nentries++;
            m->have |= PROTO_F_ENTRY;
            continue;
          }
        case PROTO_TAG_VERSION:
          {
            proto_version_t e;
            if ((m->have & PROTO_F_VERSION) && versions_end != t.raw)
              return gpg_error (GPG_ERR_INV_TAG);
            err = proto_version_parse (t.value, t.len, &e);
            if (err)
              return err;
            if (!versions_start)
              versions_start = t.raw;
            versions_end = t.raw + t.raw_len;
            m->nversions++;
            m->have |= PROTO_F_VERSION;
            continue;
          }
        default:
          return gpg_error (GPG_ERR_INV_TAG);
        }
      if (err)
        return err;
      if (m->have & bit)
        return gpg_error (GPG_ERR_INV_TAG);   /* duplicate field */
      m->have |= bit;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return err;
  if (entries_start)
    {
      m->entries = entries_start;
      m->entrieslen = (size_t)(entries_end - entries_start);
    }
  if (versions_start)
    {
      m->versions = versions_start;
      m->versionslen = (size_t)(versions_end - versions_start);
    }
  return proto_msg_check (m);
}

gpg_error_t
proto_entry_next (const proto_msg_t *m, size_t *off, proto_entry_t *e)
{
  gpg_error_t err;
  tlv_t t;
  size_t used;

  if (!m->entries || *off >= m->entrieslen)
    return gpg_error (GPG_ERR_EOF);
  err = tlv_parse (m->entries + *off, m->entrieslen - *off, &t, &used);
  if (err)
    return err;
  if (t.tag != PROTO_TAG_ENTRY)
    return gpg_error (GPG_ERR_INV_TAG);
  err = proto_entry_parse (t.value, t.len, e);
  if (err)
    return err;
  *off += used;
  return 0;
}

gpg_error_t
proto_version_next (const proto_msg_t *m, size_t *off, proto_version_t *e)
{
  gpg_error_t err;
  tlv_t t;
  size_t used;

  if (!m->versions || *off >= m->versionslen)
    return gpg_error (GPG_ERR_EOF);
  err = tlv_parse (m->versions + *off, m->versionslen - *off, &t, &used);
  if (err)
    return err;
  if (t.tag != PROTO_TAG_VERSION)
    return gpg_error (GPG_ERR_INV_TAG);
  err = proto_version_parse (t.value, t.len, e);
  if (err)
    return err;
  *off += used;
  return 0;
}

/* Text for 8C/8D: at most PROTO_WHO_MAX bytes, control characters
 * replaced, so what we send always parses. */
static gpg_error_t
proto_put_who (buf_t *b, unsigned tag, const char *s)
{
  char tmp[PROTO_WHO_MAX];
  size_t i, n = strnlen (s, PROTO_WHO_MAX);

  for (i = 0; i < n; i++)
    tmp[i] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
  return tlv_put (b, tag, tmp, n);
}

static gpg_error_t
proto_put_version (buf_t *b, const proto_version_t *e)
{
  gpg_error_t err;
  size_t mark;

  err = tlv_begin (b, PROTO_TAG_VERSION, &mark);
  if (!err)
    err = tlv_put_uint (b, PROTO_TAG_GEN, e->gen);
  if (!err)
    err = tlv_put_uint (b, PROTO_TAG_SIZE, e->size);
  if (!err)
    err = tlv_put_uint (b, PROTO_TAG_MTIME, e->mtime);
  if (!err && e->by[0])
    err = proto_put_who (b, PROTO_TAG_BY, e->by);
  if (!err && e->from[0])
    err = proto_put_who (b, PROTO_TAG_FROM, e->from);
  if (!err)
    err = tlv_end (b, mark);
  return err;
}

static gpg_error_t
proto_put_entry (buf_t *b, const proto_entry_t *e)
{
  gpg_error_t err;
  size_t mark;

  err = tlv_begin (b, PROTO_TAG_ENTRY, &mark);
  if (!err)
    err = tlv_put (b, PROTO_TAG_UUID, e->uuid, PROTO_UUID_LEN);
  if (!err)
    err = tlv_put_uint (b, PROTO_TAG_GEN, e->gen);
  if (!err)
    err = tlv_put_uint (b, PROTO_TAG_SIZE, e->size);
  if (!err)
    err = tlv_put_uint (b, PROTO_TAG_MTIME, e->mtime);
  if (!err)
    err = tlv_end (b, mark);
  return err;
}

gpg_error_t
proto_msg_build (buf_t *out, const proto_msg_t *m)
{
  gpg_error_t err;
  size_t start = out->len, i, bodylen;
  unsigned h = m->have;

  err = proto_msg_check (m);
  if (err)
    return err;
  if ((h & PROTO_F_UUID) && !proto_uuid_valid (m->uuid, strlen (m->uuid)))
    return gpg_error (GPG_ERR_INV_NAME);
  err = buf_append_be32 (out, 0);   /* length, filled in below */
  if (!err)
    err = buf_append_byte (out, (uint8_t)m->type);
  if (!err && (h & PROTO_F_VMIN))
    err = tlv_put_uint (out, PROTO_TAG_VMIN, m->vmin);
  if (!err && (h & PROTO_F_VMAX))
    err = tlv_put_uint (out, PROTO_TAG_VMAX, m->vmax);
  if (!err && (h & PROTO_F_NAME))
    err = tlv_put (out, PROTO_TAG_NAME, m->name, m->namelen);
  if (!err && (h & PROTO_F_UUID))
    err = tlv_put (out, PROTO_TAG_UUID, m->uuid, PROTO_UUID_LEN);
  if (!err && (h & PROTO_F_GEN))
    err = tlv_put_uint (out, PROTO_TAG_GEN, m->gen);
  if (!err && (h & PROTO_F_DATA))
    err = tlv_put (out, PROTO_TAG_DATA, m->data, m->datalen);
  if (!err && (h & PROTO_F_PASSWORD))
    err = tlv_put (out, PROTO_TAG_PASSWORD, m->password, m->passwordlen);
  if (!err && (h & PROTO_F_SIZE))
    err = tlv_put_uint (out, PROTO_TAG_SIZE, m->size);
  if (!err && (h & PROTO_F_MTIME))
    err = tlv_put_uint (out, PROTO_TAG_MTIME, m->mtime);
  if (!err && (h & PROTO_F_MAXFRAME))
    err = tlv_put_uint (out, PROTO_TAG_MAXFRAME, m->maxframe);
  if (!err && (h & PROTO_F_ERRCODE))
    err = tlv_put_uint (out, PROTO_TAG_ERRCODE, m->errcode);
  if (!err && (h & PROTO_F_ERRTEXT))
    err = tlv_put (out, PROTO_TAG_ERRTEXT, m->errtext, m->errtextlen);
  for (i = 0; !err && (h & PROTO_F_ENTRY) && i < m->nentries; i++)
    err = proto_put_entry (out, &m->entry_array[i]);
  for (i = 0; !err && (h & PROTO_F_VERSION) && i < m->nversions; i++)
    err = proto_put_version (out, &m->version_array[i]);
  if (err)
    {
      buf_truncate (out, start);
      return err;
    }
  bodylen = out->len - start - 4;
  if (bodylen > PROTO_MAX_FRAME_LIMIT)
    {
      buf_truncate (out, start);
      return gpg_error (GPG_ERR_TOO_LARGE);
    }
  put_be32 (out->data + start, (uint32_t)bodylen);
  return 0;
}

gpg_error_t
proto_build_error (buf_t *out, gpg_error_t err, const char *text)
{
  proto_msg_t m;
  size_t n = text ? strlen (text) : 0;

  memset (&m, 0, sizeof m);
  m.type = PROTO_ERROR;
  m.have = PROTO_F_ERRCODE;
  m.errcode = gpg_err_code (err) ? gpg_err_code (err) : GPG_ERR_GENERAL;
  if (n)
    {
      m.have |= PROTO_F_ERRTEXT;
      m.errtext = text;
      m.errtextlen = n > PROTO_TEXT_MAX ? PROTO_TEXT_MAX : n;
    }
  return proto_msg_build (out, &m);
}

gpg_error_t
proto_msg_error (const proto_msg_t *m)
{
  if (m->type != PROTO_ERROR)
    return 0;
  if (!m->errcode)
    return gpg_error (GPG_ERR_GENERAL);
  return gpg_error ((gpg_err_code_t)m->errcode);
}

/* Milliseconds on the monotonic clock. */
static int64_t
proto_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait until FD is ready for EVENTS, honouring the cancel fd and the
 * DEADLINE (monotonic ms, -1 = none): the timeout bounds a whole frame,
 * so a peer cannot keep a connection by trickling one byte at a time. */
static gpg_error_t
proto_wait (const proto_io_t *io, int fd, short events, int64_t deadline)
{
  struct pollfd pfd[2];
  int n, r, ms;

  if (io->cancel_fd < 0 && deadline < 0)
    return 0;   /* plain blocking I/O */
  for (;;)
    {
      pfd[0].fd = fd;
      pfd[0].events = events;
      pfd[0].revents = 0;
      n = 1;
      if (io->cancel_fd >= 0)
        {
          pfd[1].fd = io->cancel_fd;
          pfd[1].events = POLLIN;
          pfd[1].revents = 0;
          n = 2;
        }
      ms = -1;
      if (deadline >= 0)
        {
          int64_t left = deadline - proto_now_ms ();
          if (left <= 0)
            return gpg_error (GPG_ERR_TIMEOUT);
          ms = left > INT32_MAX ? INT32_MAX : (int)left;
        }
      r = poll (pfd, (nfds_t)n, ms);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return gpg_error_from_syserror ();
      if (!r)
        return gpg_error (GPG_ERR_TIMEOUT);
      if (n == 2 && pfd[1].revents)
        return gpg_error (GPG_ERR_CANCELED);
      return 0;
    }
}

static int64_t
proto_deadline (const proto_io_t *io)
{
  return io->timeout_ms < 0 ? -1 : proto_now_ms () + io->timeout_ms;
}

/* Read exactly N bytes; *GOT tells how many arrived before an EOF. */
static gpg_error_t
proto_read_exact (const proto_io_t *io, void *p, size_t n, size_t *got,
                  int64_t deadline)
{
  gpg_error_t err;
  uint8_t *q = p;
  ssize_t r;

  *got = 0;
  while (*got < n)
    {
      err = proto_wait (io, io->in, POLLIN, deadline);
      if (err)
        return err;
      r = read (io->in, q + *got, n - *got);
      if (r < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (r < 0)
        return gpg_error_from_syserror ();
      if (!r)
        return gpg_error (GPG_ERR_EOF);
      *got += (size_t)r;
    }
  return 0;
}

gpg_error_t
proto_read_frame (const proto_io_t *io, uint32_t max, buf_t *frame)
{
  gpg_error_t err;
  uint8_t hdr[4];
  size_t got;
  uint32_t len;
  int64_t deadline = proto_deadline (io);

  buf_clear (frame);
  err = proto_read_exact (io, hdr, 4, &got, deadline);
  if (gpg_err_code (err) == GPG_ERR_EOF)
    return gpg_error (got ? GPG_ERR_TOO_SHORT : GPG_ERR_EOF);
  if (err)
    return err;
  len = get_be32 (hdr);
  if (!len)
    return gpg_error (GPG_ERR_INV_LENGTH);
  if (len > max)
    return gpg_error (GPG_ERR_TOO_LARGE);
  err = buf_reserve (frame, len);
  if (err)
    return err;
  err = proto_read_exact (io, frame->data, len, &got, deadline);
  if (gpg_err_code (err) == GPG_ERR_EOF)
    return gpg_error (GPG_ERR_TOO_SHORT);
  if (err)
    return err;
  frame->len = len;
  return 0;
}

gpg_error_t
proto_write_all (const proto_io_t *io, const void *p, size_t n)
{
  gpg_error_t err;
  const uint8_t *q = p;
  ssize_t r;
  int64_t deadline = proto_deadline (io);

  while (n)
    {
      err = proto_wait (io, io->out, POLLOUT, deadline);
      if (err)
        return err;
      r = send (io->out, q, n, MSG_NOSIGNAL);
      if (r < 0 && errno == ENOTSOCK)
        r = write (io->out, q, n);
      if (r < 0 && (errno == EINTR || errno == EAGAIN))
        continue;
      if (r < 0)
        return gpg_error_from_syserror ();
      q += r;
      n -= (size_t)r;
    }
  return 0;
}
