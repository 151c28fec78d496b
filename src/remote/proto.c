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
#include <stddef.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "proto.h"
#include "common/tlv.h"
#include "common/util.h"

/* The fields a message requires and the fields it allows. */
struct proto_mask {
  unsigned required;
  unsigned allowed;
};

/* Each message type, indexed by its number: its name (for logs) and the
 * fields of the request and of its reply (the error message has no
 * reply). */
static const struct proto_rule {
  const char *name;
  bool has_reply;
  struct proto_mask msg[2];   /* the request, the reply */
} proto_rules[PROTO_REPLY] = {
  [PROTO_HELLO] = { "hello", true,
    { { PROTO_F_VMIN | PROTO_F_VMAX,
        PROTO_F_VMIN | PROTO_F_VMAX | PROTO_F_NAME },
      { PROTO_F_VMAX | PROTO_F_MAXFRAME,
        PROTO_F_VMAX | PROTO_F_MAXFRAME | PROTO_F_NAME } } },
  [PROTO_CREATE] = { "create", true,
    { { 0, 0 },
      { PROTO_F_UUID | PROTO_F_GEN | PROTO_F_PASSWORD | PROTO_F_DATA,
        PROTO_F_UUID | PROTO_F_GEN | PROTO_F_PASSWORD | PROTO_F_DATA } } },
  [PROTO_LIST] = { "list", true, { { 0, 0 }, { 0, PROTO_F_ENTRY } } },
  [PROTO_STAT] = { "stat", true,
    { { PROTO_F_UUID, PROTO_F_UUID },
      { PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME,
        PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME } } },
  [PROTO_GET] = { "get", true,
    { { PROTO_F_UUID, PROTO_F_UUID | PROTO_F_GEN },
      { PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA,
        PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA | PROTO_F_MTIME } } },
  [PROTO_PUT] = { "put", true,
    { { PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA,
        PROTO_F_UUID | PROTO_F_GEN | PROTO_F_DATA },
      { PROTO_F_UUID | PROTO_F_GEN, PROTO_F_UUID | PROTO_F_GEN } } },
  [PROTO_DELETE] = { "delete", true,
    { { PROTO_F_UUID, PROTO_F_UUID | PROTO_F_GEN },
      { PROTO_F_UUID, PROTO_F_UUID } } },
  [PROTO_BYE] = { "bye", true, { { 0, 0 }, { 0, 0 } } },
  [PROTO_HISTORY] = { "history", true,
    { { PROTO_F_UUID, PROTO_F_UUID },
      { PROTO_F_UUID, PROTO_F_UUID | PROTO_F_VERSION } } },
  [PROTO_ERROR] = { "error", false,
    { { PROTO_F_ERRCODE, PROTO_F_ERRCODE | PROTO_F_ERRTEXT }, { 0, 0 } } }
};

/* The fields of message TYPE, NULL for a type that does not exist. */
static const struct proto_mask *
proto_rule_find (unsigned type)
{
  const struct proto_rule *r;
  bool reply = (type & PROTO_REPLY) != 0;

  if (type > 0xff)
    return NULL;
  r = &proto_rules[type & ~(unsigned)PROTO_REPLY];
  if (!r->name || (reply && !r->has_reply))
    return NULL;
  return &r->msg[reply];
}

const char *
proto_type_name (unsigned type)
{
  type &= ~(unsigned)PROTO_REPLY;
  if (type >= DIM (proto_rules) || !proto_rules[type].name)
    return "?";
  return proto_rules[type].name;
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
      else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
        return false;
    }
  return true;
}

/* The fields, as data: one table each for a message, a list entry (A0)
 * and a kept generation (A1). Each row names the tag, its presence bit,
 * how the value is coded and where it lives in the C structure; the
 * rows stand in tag order, which is the order they are written in. */
enum proto_kind {
  PROTO_K_UINT,    /* uint64_t; minimal, 1 to 8 bytes, at most MAX (0: any) */
  PROTO_K_UUID,    /* char[PROTO_UUID_LEN + 1] */
  PROTO_K_TEXT,    /* const char * + size_t length, at most MAX, no controls */
  PROTO_K_BYTES,   /* const uint8_t * + size_t length */
  PROTO_K_WHO      /* char[PROTO_WHO_MAX + 1]; written only when not "" */
};

#define PROTO_NONEMPTY 1u   /* a text field that may not be empty */

struct proto_field {
  unsigned tag;
  unsigned bit;
  enum proto_kind kind;
  size_t off;       /* the value */
  size_t lenoff;    /* PROTO_K_TEXT and _BYTES: its length */
  size_t max;
  unsigned flags;
};

#define PF_UINT(tag, bit, type, f, max) \
  { tag, bit, PROTO_K_UINT, offsetof (type, f), 0, max, 0 }
#define PF_PTR(tag, bit, kind, type, f, max, flags) \
  { tag, bit, kind, offsetof (type, f), offsetof (type, f##len), max, flags }

static const struct proto_field proto_msg_fields[] = {
  PF_UINT (PROTO_TAG_VMIN, PROTO_F_VMIN, proto_msg_t, vmin, 0),
  PF_UINT (PROTO_TAG_VMAX, PROTO_F_VMAX, proto_msg_t, vmax, 0),
  PF_PTR (PROTO_TAG_NAME, PROTO_F_NAME, PROTO_K_TEXT, proto_msg_t, name,
          PROTO_TEXT_MAX, 0),
  { PROTO_TAG_UUID, PROTO_F_UUID, PROTO_K_UUID,
    offsetof (proto_msg_t, uuid), 0, 0, 0 },
  PF_UINT (PROTO_TAG_GEN, PROTO_F_GEN, proto_msg_t, gen, 0),
  PF_PTR (PROTO_TAG_DATA, PROTO_F_DATA, PROTO_K_BYTES, proto_msg_t, data,
          0, 0),
  PF_PTR (PROTO_TAG_PASSWORD, PROTO_F_PASSWORD, PROTO_K_TEXT, proto_msg_t,
          password, PROTO_PASSWORD_MAX, PROTO_NONEMPTY),
  PF_UINT (PROTO_TAG_SIZE, PROTO_F_SIZE, proto_msg_t, size, 0),
  PF_UINT (PROTO_TAG_MTIME, PROTO_F_MTIME, proto_msg_t, mtime, 0),
  PF_UINT (PROTO_TAG_MAXFRAME, PROTO_F_MAXFRAME, proto_msg_t, maxframe, 0),
  PF_UINT (PROTO_TAG_ERRCODE, PROTO_F_ERRCODE, proto_msg_t, errcode, 0xffff),
  PF_PTR (PROTO_TAG_ERRTEXT, PROTO_F_ERRTEXT, PROTO_K_TEXT, proto_msg_t,
          errtext, PROTO_TEXT_MAX, 0)
};

static const struct proto_field proto_entry_fields[] = {
  { PROTO_TAG_UUID, PROTO_F_UUID, PROTO_K_UUID,
    offsetof (proto_entry_t, uuid), 0, 0, 0 },
  PF_UINT (PROTO_TAG_GEN, PROTO_F_GEN, proto_entry_t, gen, 0),
  PF_UINT (PROTO_TAG_SIZE, PROTO_F_SIZE, proto_entry_t, size, 0),
  PF_UINT (PROTO_TAG_MTIME, PROTO_F_MTIME, proto_entry_t, mtime, 0)
};

/* BY and FROM have no message bit: they borrow two that a generation
 * does not otherwise use. */
#define PROTO_F_BY   PROTO_F_VMIN
#define PROTO_F_FROM PROTO_F_VMAX

static const struct proto_field proto_version_fields[] = {
  PF_UINT (PROTO_TAG_GEN, PROTO_F_GEN, proto_version_t, gen, 0),
  PF_UINT (PROTO_TAG_SIZE, PROTO_F_SIZE, proto_version_t, size, 0),
  PF_UINT (PROTO_TAG_MTIME, PROTO_F_MTIME, proto_version_t, mtime, 0),
  { PROTO_TAG_BY, PROTO_F_BY, PROTO_K_WHO,
    offsetof (proto_version_t, by), 0, PROTO_WHO_MAX, 0 },
  { PROTO_TAG_FROM, PROTO_F_FROM, PROTO_K_WHO,
    offsetof (proto_version_t, from), 0, PROTO_WHO_MAX, 0 }
};

/* A constructed field that may repeat (A0 list entries, A1 generations):
 * its record table, the fields a record requires, and where a message
 * keeps the decoded run (raw TLVs, count) and the array to encode. */
struct proto_list {
  unsigned tag;
  unsigned bit;
  const struct proto_field *fields;
  size_t nfields;
  unsigned required;
  size_t recsize;
  size_t raw_off, rawlen_off, count_off, array_off;
};

static const struct proto_list proto_lists[] = {
  { PROTO_TAG_ENTRY, PROTO_F_ENTRY, proto_entry_fields,
    DIM (proto_entry_fields),
    PROTO_F_UUID | PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME,
    sizeof (proto_entry_t), offsetof (proto_msg_t, entries),
    offsetof (proto_msg_t, entrieslen), offsetof (proto_msg_t, nentries),
    offsetof (proto_msg_t, entry_array) },
  { PROTO_TAG_VERSION, PROTO_F_VERSION, proto_version_fields,
    DIM (proto_version_fields),
    PROTO_F_GEN | PROTO_F_SIZE | PROTO_F_MTIME,
    sizeof (proto_version_t), offsetof (proto_msg_t, versions),
    offsetof (proto_msg_t, versionslen), offsetof (proto_msg_t, nversions),
    offsetof (proto_msg_t, version_array) }
};

#define PROTO_AT(rec, off, type) ((type *)(void *)((char *)(rec) + (off)))
#define PROTO_CAT(rec, off, type) \
  ((const type *)(const void *)((const char *)(rec) + (off)))

/* The pointer members (name, data, entries, entry_array, ...) are read
 * and written through memcpy, whatever they point to. */
static const void *
proto_ptr_get (const void *rec, size_t off)
{
  const void *p;
  memcpy (&p, (const char *)rec + off, sizeof p);
  return p;
}

static void
proto_ptr_set (void *rec, size_t off, const void *p)
{
  memcpy ((char *)rec + off, &p, sizeof p);
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

/* Decode T into REC by the row of TAB for its tag; *HAVE collects the
 * bits and refuses a repeated field. GPG_ERR_INV_TAG for a tag the
 * table does not have. */
static gpg_error_t
proto_field_get (const struct proto_field *tab, size_t ntab, const tlv_t *t,
                 void *rec, unsigned *have)
{
  gpg_error_t err = 0;
  const struct proto_field *f = NULL;
  uint64_t *u;
  size_t i;

  for (i = 0; i < ntab && !f; i++)
    if (tab[i].tag == t->tag)
      f = &tab[i];
  if (!f)
    return gpg_error (GPG_ERR_INV_TAG);
  switch (f->kind)
    {
    case PROTO_K_UINT:
      u = PROTO_AT (rec, f->off, uint64_t);
      err = proto_get_uint (t, u);
      if (!err && f->max && *u > f->max)
        err = gpg_error (GPG_ERR_INV_VALUE);
      break;
    case PROTO_K_UUID:
      if (!proto_uuid_valid ((const char *)t->value, t->len))
        return gpg_error (GPG_ERR_INV_NAME);
      memcpy (PROTO_AT (rec, f->off, char), t->value, PROTO_UUID_LEN);
      PROTO_AT (rec, f->off, char)[PROTO_UUID_LEN] = 0;
      break;
    case PROTO_K_TEXT:
      err = proto_check_text (t, f->max);
      if (!err && !t->len && (f->flags & PROTO_NONEMPTY))
        err = gpg_error (GPG_ERR_INV_VALUE);
      /* fall through */
    case PROTO_K_BYTES:
      proto_ptr_set (rec, f->off, t->value);
      *PROTO_AT (rec, f->lenoff, size_t) = t->len;
      break;
    case PROTO_K_WHO:
      err = proto_check_text (t, f->max);
      if (!err)
        memcpy (PROTO_AT (rec, f->off, char), t->value, t->len);
      break;
    }
  if (err)
    return err;
  if (*have & f->bit)
    return gpg_error (GPG_ERR_INV_TAG);   /* duplicate field */
  *have |= f->bit;
  return 0;
}

/* Encode the fields of REC whose bits are in HAVE, in table order. */
static gpg_error_t
proto_fields_put (buf_t *b, const struct proto_field *tab, size_t ntab,
                  const void *rec, unsigned have)
{
  gpg_error_t err = 0;
  const struct proto_field *f;
  char tmp[PROTO_WHO_MAX];
  const char *who;
  size_t i, j, n;

  for (i = 0; !err && i < ntab; i++)
    {
      f = &tab[i];
      if (!(have & f->bit))
        continue;
      switch (f->kind)
        {
        case PROTO_K_UINT:
          err = tlv_put_uint (b, f->tag, *PROTO_CAT (rec, f->off, uint64_t));
          break;
        case PROTO_K_UUID:
          err = tlv_put (b, f->tag, PROTO_CAT (rec, f->off, char),
                         PROTO_UUID_LEN);
          break;
        case PROTO_K_TEXT:
        case PROTO_K_BYTES:
          err = tlv_put (b, f->tag, proto_ptr_get (rec, f->off),
                         *PROTO_CAT (rec, f->lenoff, size_t));
          break;
        case PROTO_K_WHO:
          /* At most PROTO_WHO_MAX bytes, control characters replaced,
           * so what we send always parses. */
          who = PROTO_CAT (rec, f->off, char);
          n = strnlen (who, PROTO_WHO_MAX);
          for (j = 0; j < n; j++)
            tmp[j] = ((unsigned char)who[j] < 0x20 || who[j] == 0x7f)
                     ? '?' : who[j];
          if (n)
            err = tlv_put (b, f->tag, tmp, n);
          break;
        }
    }
  return err;
}

/* Parse the value of one record of list L (an A0 entry, an A1
 * generation). */
static gpg_error_t
proto_record_parse (const struct proto_list *l, const uint8_t *p, size_t n,
                    void *rec)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  unsigned have = 0;

  memset (rec, 0, l->recsize);
  tlv_iter_init (&it, p, n, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      err = proto_field_get (l->fields, l->nfields, &t, rec, &have);
      if (err)
        return err;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return err;
  if ((have & l->required) != l->required)
    return gpg_error (GPG_ERR_MISSING_VALUE);
  return 0;
}

/* The next record of list L in a decoded message. */
static gpg_error_t
proto_record_next (const struct proto_list *l, const proto_msg_t *m,
                   size_t *off, void *rec)
{
  gpg_error_t err;
  const uint8_t *raw = proto_ptr_get (m, l->raw_off);
  size_t rawlen = *PROTO_CAT (m, l->rawlen_off, size_t);
  tlv_t t;
  size_t used;

  if (!raw || *off >= rawlen)
    return gpg_error (GPG_ERR_EOF);
  err = tlv_parse (raw + *off, rawlen - *off, &t, &used);
  if (err)
    return err;
  if (t.tag != l->tag)
    return gpg_error (GPG_ERR_INV_TAG);
  err = proto_record_parse (l, t.value, t.len, rec);
  if (err)
    return err;
  *off += used;
  return 0;
}

/* Write the records of list L that M carries. */
static gpg_error_t
proto_records_put (buf_t *b, const struct proto_list *l, const proto_msg_t *m)
{
  gpg_error_t err = 0;
  const char *array = proto_ptr_get (m, l->array_off);
  size_t i, n = *PROTO_CAT (m, l->count_off, size_t), mark;

  for (i = 0; !err && (m->have & l->bit) && i < n; i++)
    {
      err = tlv_begin (b, l->tag, &mark);
      if (!err)
        err = proto_fields_put (b, l->fields, l->nfields,
                                array + i * l->recsize, ~0u);
      if (!err)
        err = tlv_end (b, mark);
    }
  return err;
}

gpg_error_t
proto_msg_check (const proto_msg_t *m)
{
  const struct proto_mask *r = proto_rule_find (m->type);
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

/* T is one record of a list: check it, and that the records of a list
 * stand together; remember where the run starts and ends. */
static gpg_error_t
proto_list_add (const struct proto_list *l, proto_msg_t *m, const tlv_t *t,
                const uint8_t **start, const uint8_t **end)
{
  gpg_error_t err;
  union { proto_entry_t e; proto_version_t v; } rec;

  if ((m->have & l->bit) && *end != t->raw)
    return gpg_error (GPG_ERR_INV_TAG);
  err = proto_record_parse (l, t->value, t->len, &rec);
  if (err)
    return err;
  if (!*start)
    *start = t->raw;
  *end = t->raw + t->raw_len;
  (*PROTO_AT (m, l->count_off, size_t))++;
  m->have |= l->bit;
  return 0;
}

gpg_error_t
proto_msg_parse (const uint8_t *body, size_t n, proto_msg_t *m)
{
  gpg_error_t err;
  tlv_iter_t it;
  tlv_t t;
  const uint8_t *start[DIM (proto_lists)] = { NULL };
  const uint8_t *end[DIM (proto_lists)] = { NULL };
  size_t i;

  memset (m, 0, sizeof *m);
  if (!body || n < 1)
    return gpg_error (GPG_ERR_TOO_SHORT);
  m->type = body[0];
  if (!proto_rule_find (m->type))
    return gpg_error (GPG_ERR_INV_OBJ);

  tlv_iter_init (&it, body + 1, n - 1, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      for (i = 0; i < DIM (proto_lists); i++)
        if (t.tag == proto_lists[i].tag)
          break;
      if (i < DIM (proto_lists))
        err = proto_list_add (&proto_lists[i], m, &t, &start[i], &end[i]);
      else
        err = proto_field_get (proto_msg_fields, DIM (proto_msg_fields), &t,
                               m, &m->have);
      if (err)
        return err;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return err;
  for (i = 0; i < DIM (proto_lists); i++)
    if (start[i])
      {
        proto_ptr_set (m, proto_lists[i].raw_off, start[i]);
        *PROTO_AT (m, proto_lists[i].rawlen_off, size_t)
          = (size_t)(end[i] - start[i]);
      }
  return proto_msg_check (m);
}

gpg_error_t
proto_entry_next (const proto_msg_t *m, size_t *off, proto_entry_t *e)
{
  return proto_record_next (&proto_lists[0], m, off, e);
}

gpg_error_t
proto_version_next (const proto_msg_t *m, size_t *off, proto_version_t *e)
{
  return proto_record_next (&proto_lists[1], m, off, e);
}

/* All records of list L in M, in a new array. */
static gpg_error_t
proto_records_decode (const struct proto_list *l, const proto_msg_t *m,
                      void *r_list, size_t *r_n)
{
  gpg_error_t err = 0;
  size_t n = *PROTO_CAT (m, l->count_off, size_t), off = 0, i = 0;
  char *list;

  list = xtrycalloc (n ? n : 1, l->recsize);
  if (!list)
    return gpg_error_from_syserror ();
  while (i < n && !(err = proto_record_next (l, m, &off,
                                              list + i * l->recsize)))
    i++;
  if (err)
    {
      xfree (list);
      return err;
    }
  memcpy (r_list, &list, sizeof list);
  *r_n = i;
  return 0;
}

gpg_error_t
proto_msg_entries (const proto_msg_t *m, proto_entry_t **r_list, size_t *r_n)
{
  return proto_records_decode (&proto_lists[0], m, r_list, r_n);
}

gpg_error_t
proto_msg_versions (const proto_msg_t *m, proto_version_t **r_list,
                    size_t *r_n)
{
  return proto_records_decode (&proto_lists[1], m, r_list, r_n);
}

gpg_error_t
proto_msg_build (buf_t *out, const proto_msg_t *m)
{
  gpg_error_t err;
  size_t start = out->len, i, bodylen;

  err = proto_msg_check (m);
  if (err)
    return err;
  if ((m->have & PROTO_F_UUID)
      && !proto_uuid_valid (m->uuid, strlen (m->uuid)))
    return gpg_error (GPG_ERR_INV_NAME);
  err = buf_append_be32 (out, 0);   /* length, filled in below */
  if (!err)
    err = buf_append_byte (out, (uint8_t)m->type);
  if (!err)
    err = proto_fields_put (out, proto_msg_fields, DIM (proto_msg_fields),
                            m, m->have);
  for (i = 0; !err && i < DIM (proto_lists); i++)
    err = proto_records_put (out, &proto_lists[i], m);
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

int64_t
proto_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

gpg_error_t
proto_poll (int fd, short events, int cancel_fd, int64_t deadline,
            short *r_revents)
{
  struct pollfd pfd[2];
  int n, r, ms;

  for (;;)
    {
      pfd[0].fd = fd;
      pfd[0].events = events;
      pfd[0].revents = 0;
      n = 1;
      if (cancel_fd >= 0)
        {
          pfd[1].fd = cancel_fd;
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
      if (r_revents)
        *r_revents = pfd[0].revents;
      return 0;
    }
}

/* Wait until FD is ready for EVENTS, honouring the cancel fd and the
 * DEADLINE (monotonic ms, -1 = none): the timeout bounds a whole frame,
 * so a peer cannot keep a connection by trickling one byte at a time. */
static gpg_error_t
proto_wait (const proto_io_t *io, int fd, short events, int64_t deadline)
{
  if (io->cancel_fd < 0 && deadline < 0)
    return 0;   /* plain blocking I/O */
  return proto_poll (fd, events, io->cancel_fd, deadline, NULL);
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
