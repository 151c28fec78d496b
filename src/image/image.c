/* image.c - the in-memory card image: tree of DF/EF/DO/record/key nodes */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "image.h"
#include "common/util.h"

/* ---- helpers ---------------------------------------------------------- */

/* Replace *DST (length *DLEN) by a copy of P[0..N), wiping the old one. */
static gpg_error_t
image_setbytes (uint8_t **dst, size_t *dlen, const void *p, size_t n)
{
  return xbytes_set (dst, dlen, p, p ? n : 0);    /* NULL P: none */
}

gpg_error_t
image_setstr (char **dst, const char *s)
{
  char *copy = NULL;

  if (s)
    {
      copy = xtrystrdup (s);
      if (!copy)
        return gpg_error_from_syserror ();
    }
  xfree (*dst);
  *dst = copy;
  return 0;
}

static void
image_freebytes (uint8_t **p, size_t *n)
{
  xbytes_set (p, n, NULL, 0);    /* cannot fail */
}

void
image_keyinfo_release (image_keyinfo_t *ki)
{
  xfree (ki->algorithm);
  xfree (ki->fingerprint);
  xfree (ki->created);
  xfree (ki->usage);
  image_freebytes (&ki->pubkey, &ki->pubkey_len);
  memset (ki, 0, sizeof *ki);
}

static void
image_card_release (image_card_t *c)
{
  size_t i;

  image_freebytes (&c->atr, &c->atr_len);
  xfree (c->serial);
  xfree (c->label);
  xfree (c->reader);
  for (i = 0; i < c->n_aids; i++)
    xfree (c->aids[i]);
  xfree (c->aids);
  xfree (c->aid_lens);
  for (i = 0; i < c->n_agents; i++)
    xfree (c->agents[i]);
  xfree (c->agents);
  memset (c, 0, sizeof *c);
}

/* ---- names ------------------------------------------------------------ */

static const char *const image_type_names[] = {
  NULL, "mf", "df", "ef-transparent", "ef-linear-fixed",
  "ef-linear-variable", "ef-cyclic", "record", "do", "applet", "key"
};
static const char *const image_source_names[] = {
  "unknown", "ef-dir", "pkcs15", "known-fid", "fid-scan", "do-list",
  "user", "aid"
};
static const char *const image_area_names[] = {
  "public", "private", "secret-key"
};
static const char *const image_ac_names[] = {
  "unknown", "always", "pin", "never", "other"
};

const char *
image_type_name (image_type_t t)
{
  if (t < 1 || t > IMAGE_NODE_TYPE_MAX)
    return "?";
  return image_type_names[t];
}

const char *
image_source_name (image_source_t s)
{
  if ((unsigned)s > IMAGE_SRC_MAX)
    return "?";
  return image_source_names[s];
}

const char *
image_area_name (image_area_t a)
{
  if ((unsigned)a > IMAGE_AREA_MAX)
    return "?";
  return image_area_names[a];
}

const char *
image_ac_name (image_ac_t ac)
{
  if ((unsigned)ac > IMAGE_AC_MAX)
    return "?";
  return image_ac_names[ac];
}

int
image_area_parse (const char *s)
{
  size_t i;

  for (i = 0; i < DIM (image_area_names); i++)
    if (!strcmp (s, image_area_names[i]))
      return (int)i;
  return -1;
}

int
image_type_parse (const char *s)
{
  size_t i;

  for (i = 1; i < DIM (image_type_names); i++)
    if (!strcmp (s, image_type_names[i]))
      return (int)i;
  return -1;
}

/* ---- child index ------------------------------------------------------ */

/* A parent with at least this many children gets a hash index. */
#define IMAGE_INDEX_MIN 16

/* Open addressing (linear probing) over (hash, node) pairs, so that a
 * lookup touches one contiguous run of slots and only the nodes whose
 * hash matches. A removed entry leaves a tombstone until the next
 * rebuild. Each node keeps its hash in hval. */
typedef struct image_slot {
  uint32_t h;
  image_node_t *n;            /* NULL: empty */
} image_slot_t;

struct image_index {
  size_t cap;                 /* slots, a power of two */
  size_t used;                /* live entries + tombstones */
  image_slot_t *s;
};

static image_node_t image_tombstone;

/* FNV-1a of the lower-cased component, mixed. */
static uint32_t
image_hash (const char *s)
{
  uint32_t h = 2166136261u;

  for (; *s; s++)
    {
      unsigned char c = (unsigned char)*s;
      if (c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
      h ^= c;
      h *= 16777619u;
    }
  /* FNV's low bits are poorly mixed (bit 0 is the parity of the
   * characters' bit 0), and the table indexes by low bits: finish with
   * the MurmurHash3 mixer, or names like n000001, n000002 ... cluster
   * and the probes get long. */
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

static void
image_index_free (image_node_t *parent)
{
  if (!parent->index)
    return;
  xfree (parent->index->s);
  xfree (parent->index);
  parent->index = NULL;
}

static void
image_index_put (struct image_index *ix, image_node_t *n)
{
  size_t m = ix->cap - 1, i = n->hval & m;

  while (ix->s[i].n && ix->s[i].n != &image_tombstone)
    i = (i + 1) & m;
  if (!ix->s[i].n)
    ix->used++;
  ix->s[i].h = n->hval;
  ix->s[i].n = n;
}

static void
image_index_unlink (struct image_index *ix, image_node_t *n)
{
  size_t m = ix->cap - 1, i = n->hval & m;

  for (; ix->s[i].n; i = (i + 1) & m)
    if (ix->s[i].n == n)
      {
        ix->s[i].n = &image_tombstone;
        return;
      }
}

static uint32_t
image_node_hash (const image_node_t *n)
{
  char comp[IMAGE_COMPONENT_MAX];

  image_node_component (n, comp, sizeof comp);
  return image_hash (comp);
}

/* (Re)build PARENT's index for its children with room for at least WANT.
 * If memory is short the old index (or none: linear search) stays, which
 * is slower but still correct. */
static void
image_index_build (image_node_t *parent, size_t want)
{
  struct image_index *ix;
  image_node_t *c;
  size_t cap = 64;

  while (cap < 2 * want && cap < ((size_t)1 << 30))
    cap <<= 1;
  ix = xtrycalloc (1, sizeof *ix);
  if (!ix)
    return;
  ix->s = xtrycalloc (cap, sizeof *ix->s);
  if (!ix->s)
    {
      xfree (ix);
      return;
    }
  ix->cap = cap;
  if (parent->index)
    {
      /* From the old table: the hashes are there, no node is touched. */
      const struct image_index *old = parent->index;
      size_t i;
      for (i = 0; i < old->cap; i++)
        if (old->s[i].n && old->s[i].n != &image_tombstone)
          {
            size_t m = cap - 1, k = old->s[i].h & m;
            while (ix->s[k].n)
              k = (k + 1) & m;
            ix->s[k] = old->s[i];
            ix->used++;
          }
      /* A child linked but not yet in the old table (image_index_add). */
      for (c = parent->last_child; c && ix->used < parent->n_children;
           c = c->prev)
        {
          bool in = false;
          size_t m = cap - 1, k;
          for (k = c->hval & m; ix->s[k].n; k = (k + 1) & m)
            if (ix->s[k].n == c)
              {
                in = true;
                break;
              }
          if (!in)
            image_index_put (ix, c);
        }
    }
  else
    for (c = parent->first_child; c; c = c->next)
      image_index_put (ix, c);
  image_index_free (parent);
  parent->index = ix;
}

/* Add CHILD (hval set, already linked) to PARENT's index, growing it. */
static void
image_index_add (image_node_t *parent, image_node_t *child)
{
  struct image_index *ix = parent->index;

  if (!ix)
    {
      if (parent->n_children >= IMAGE_INDEX_MIN)
        image_index_build (parent, parent->n_children);
      return;
    }
  /* At most half full, tombstones included. */
  if (2 * (ix->used + 1) > ix->cap)
    {
      image_index_build (parent, parent->n_children);   /* CHILD too */
      if (parent->index == ix)
        image_index_free (parent);   /* no memory: search linearly */
      return;
    }
  image_index_put (ix, child);
}

/* NODE's component may have changed: move it to its new slot. */
static void
image_node_reindex (image_node_t *node)
{
  if (!node->parent || !node->parent->index)
    return;
  image_index_unlink (node->parent->index, node);
  node->hval = image_node_hash (node);
  image_index_add (node->parent, node);
}

/* ---- image ------------------------------------------------------------ */

gpg_error_t
image_new (image_t **r_image)
{
  image_t *image;

  *r_image = NULL;
  image = xtrycalloc (1, sizeof *image);
  if (!image)
    return gpg_error_from_syserror ();
  image->root.type = IMAGE_NODE_DF;  /* never looked at */
  *r_image = image;
  return 0;
}

static void
image_node_release (image_node_t *node)
{
  image_node_t *c, *next;

  for (c = node->first_child; c; c = next)
    {
      next = c->next;
      image_node_release (c);
      xfree (c);
    }
  node->first_child = node->last_child = NULL;
  node->n_children = 0;
  image_index_free (node);
  image_freebytes (&node->aid, &node->aid_len);
  xfree (node->name);
  node->name = NULL;
  image_freebytes (&node->fcp, &node->fcp_len);
  image_freebytes (&node->access.raw, &node->access.raw_len);
  image_freebytes (&node->content, &node->content_len);
  node->has_content = false;
  xfree (node->note);
  node->note = NULL;
  xfree (node->agent);
  node->agent = NULL;
  image_keyinfo_release (&node->key);
  image_node_state_clear (node);
}

void
image_free (image_t *image)
{
  if (!image)
    return;
  image_node_release (&image->root);
  image_card_release (&image->card);
  xfree (image);
}

gpg_error_t
image_set_atr (image_t *image, const uint8_t *atr, size_t n)
{
  return image_setbytes (&image->card.atr, &image->card.atr_len, atr, n);
}

gpg_error_t
image_set_serial (image_t *image, const char *serial)
{
  return image_setstr (&image->card.serial, serial);
}

gpg_error_t
image_set_label (image_t *image, const char *label)
{
  return image_setstr (&image->card.label, label);
}

gpg_error_t
image_set_reader (image_t *image, const char *reader)
{
  return image_setstr (&image->card.reader, reader);
}

gpg_error_t
image_add_aid (image_t *image, const uint8_t *aid, size_t n)
{
  image_card_t *c = &image->card;
  uint8_t **aids;
  size_t *lens;
  uint8_t *copy;

  if (!aid || !n || n > 16)
    return gpg_error (GPG_ERR_INV_ARG);
  if (c->n_aids >= IMAGE_MAX_AIDS)
    return gpg_error (GPG_ERR_LIMIT_REACHED);
  copy = xtrymemdup (aid, n);
  if (!copy)
    return gpg_error_from_syserror ();
  aids = xtryrealloc (c->aids, (c->n_aids + 1) * sizeof *aids);
  if (!aids)
    {
      xfree (copy);
      return gpg_error_from_syserror ();
    }
  c->aids = aids;
  lens = xtryrealloc (c->aid_lens, (c->n_aids + 1) * sizeof *lens);
  if (!lens)
    {
      xfree (copy);
      return gpg_error_from_syserror ();
    }
  c->aid_lens = lens;
  c->aids[c->n_aids] = copy;
  c->aid_lens[c->n_aids] = n;
  c->n_aids++;
  return 0;
}

gpg_error_t
image_add_agent (image_t *image, const char *agent)
{
  image_card_t *c = &image->card;
  char **v;
  char *copy;

  if (!agent)
    return gpg_error (GPG_ERR_INV_ARG);
  copy = xtrystrdup (agent);
  if (!copy)
    return gpg_error_from_syserror ();
  v = xtryrealloc (c->agents, (c->n_agents + 1) * sizeof *v);
  if (!v)
    {
      xfree (copy);
      return gpg_error_from_syserror ();
    }
  c->agents = v;
  c->agents[c->n_agents++] = copy;
  return 0;
}

static gpg_error_t
image_wipe_visit (image_node_t *node, unsigned depth, void *ctx)
{
  (void)depth;
  (void)ctx;
  if (image_node_effective_area (node) != IMAGE_AREA_PUBLIC)
    image_node_clear_content (node);
  return 0;
}

void
image_wipe_private (image_t *image)
{
  image_walk (image, image_wipe_visit, NULL);
}

struct count_ctx { size_t nodes, bytes; };

static gpg_error_t
image_count_visit (image_node_t *node, unsigned depth, void *ctx)
{
  struct count_ctx *c = ctx;
  (void)depth;
  c->nodes++;
  c->bytes += node->content_len;
  return 0;
}

size_t
image_count_nodes (const image_t *image, size_t *r_content_bytes)
{
  struct count_ctx c = { 0, 0 };

  image_walk (image, image_count_visit, &c);
  if (r_content_bytes)
    *r_content_bytes = c.bytes;
  return c.nodes;
}

/* ---- nodes ------------------------------------------------------------ */

gpg_error_t
image_node_new (image_type_t type, image_node_t **r_node)
{
  image_node_t *node;

  *r_node = NULL;
  if (type < 1 || type > IMAGE_NODE_TYPE_MAX)
    return gpg_error (GPG_ERR_INV_ARG);
  node = xtrycalloc (1, sizeof *node);
  if (!node)
    return gpg_error_from_syserror ();
  node->type = type;
  if (type == IMAGE_NODE_MF)
    {
      node->has_fid = true;
      node->fid = 0x3F00;
    }
  *r_node = node;
  return 0;
}

void
image_node_free (image_node_t *node)
{
  if (!node)
    return;
  image_node_detach (node);
  image_node_release (node);
  xfree (node);
}

void
image_node_set_fid (image_node_t *node, uint16_t fid)
{
  node->has_fid = true;
  node->fid = fid;
  image_node_reindex (node);
}

void
image_node_set_tag (image_node_t *node, unsigned tag)
{
  node->tag = tag;
  image_node_reindex (node);
}

void
image_node_set_recno (image_node_t *node, unsigned recno)
{
  node->recno = recno;
  image_node_reindex (node);
}

gpg_error_t
image_node_set_aid (image_node_t *node, const uint8_t *aid, size_t n)
{
  gpg_error_t err;

  if (n > 16)
    return gpg_error (GPG_ERR_INV_ARG);
  err = image_setbytes (&node->aid, &node->aid_len, aid, n);
  image_node_reindex (node);
  return err;
}

/* Whether NAME may be a path component. */
static bool
image_name_ok (const char *name)
{
  size_t i, n = strlen (name);

  if (!n || n > 64 || name[0] == '#')
    return false;
  /* "." and ".." are directory names wherever a path is used as a file
   * name (export-public), never node names. */
  if (!strcmp (name, ".") || !strcmp (name, ".."))
    return false;
  for (i = 0; i < n; i++)
    {
      unsigned char c = name[i];
      if (c <= ' ' || c >= 0x7f || c == '/')
        return false;
    }
  return true;
}

gpg_error_t
image_node_set_name (image_node_t *node, const char *name)
{
  gpg_error_t err;

  if (name && !image_name_ok (name))
    return gpg_error (GPG_ERR_INV_NAME);
  err = image_setstr (&node->name, name);
  image_node_reindex (node);
  return err;
}

gpg_error_t
image_node_set_content (image_node_t *node, const void *p, size_t n)
{
  gpg_error_t err;

  if (!p && n)
    return gpg_error (GPG_ERR_INV_ARG);
  err = image_setbytes (&node->content, &node->content_len, p, n);
  if (err)
    return err;
  node->has_content = (p != NULL);
  if (node->size < n)
    node->size = n;
  return 0;
}

gpg_error_t
image_node_set_empty (image_node_t *node)
{
  image_freebytes (&node->content, &node->content_len);
  node->has_content = true;
  return 0;
}

void
image_node_take_content (image_node_t *node, uint8_t *p, size_t n)
{
  image_freebytes (&node->content, &node->content_len);
  node->content = n ? p : NULL;
  node->content_len = n ? n : 0;
  if (!n)
    xfree (p);
  node->has_content = true;
  if (node->size < n)
    node->size = n;
}

void
image_node_clear_content (image_node_t *node)
{
  image_freebytes (&node->content, &node->content_len);
  node->has_content = false;
}

gpg_error_t
image_node_set_fcp (image_node_t *node, const uint8_t *fcp, size_t n)
{
  return image_setbytes (&node->fcp, &node->fcp_len, fcp, n);
}

const uint8_t *
image_node_get_fcp (const image_node_t *node, size_t *r_len)
{
  if (r_len)
    *r_len = node->fcp_len;
  return node->fcp;
}

gpg_error_t
image_node_set_access_raw (image_node_t *node, const uint8_t *p, size_t n)
{
  return image_setbytes (&node->access.raw, &node->access.raw_len, p, n);
}

gpg_error_t
image_node_set_note (image_node_t *node, const char *note)
{
  return image_setstr (&node->note, note);
}

gpg_error_t
image_node_set_agent (image_node_t *node, const char *agent)
{
  return image_setstr (&node->agent, agent);
}

gpg_error_t
image_node_set_keyinfo (image_node_t *node, const image_keyinfo_t *ki)
{
  gpg_error_t err;
  image_keyinfo_t n;

  memset (&n, 0, sizeof n);
  if (ki)
    {
      if ((err = image_setstr (&n.algorithm, ki->algorithm))
          || (err = image_setstr (&n.fingerprint, ki->fingerprint))
          || (err = image_setstr (&n.created, ki->created))
          || (err = image_setstr (&n.usage, ki->usage))
          || (err = image_setbytes (&n.pubkey, &n.pubkey_len,
                                    ki->pubkey, ki->pubkey_len)))
        {
          image_keyinfo_release (&n);
          return err;
        }
    }
  image_keyinfo_release (&node->key);
  node->key = n;
  return 0;
}

void
image_node_set_unreadable (image_node_t *node, unsigned sw)
{
  node->flags |= IMAGE_FLAG_UNREADABLE;
  node->sw = sw;
}

/* Upper-case hex of V in DIGITS digits at BUF (room checked by caller). */
static size_t
image_hex (unsigned long v, unsigned digits, char *buf)
{
  static const char hx[] = "0123456789ABCDEF";
  unsigned i;

  for (i = 0; i < digits; i++)
    buf[i] = hx[(v >> (4 * (digits - 1 - i))) & 0xF];
  buf[digits] = 0;
  return digits;
}

/* Upper-case hex of a tag with an even number of digits. */
static void
image_tag_hex (unsigned tag, char *buf, size_t bufsize)
{
  unsigned d = tag > 0xFFFFFF ? 8 : tag > 0xFFFF ? 6 : tag > 0xFF ? 4 : 2;

  if (bufsize > d)
    image_hex (tag, d, buf);
  else
    buf[0] = 0;
}

static void
image_copy_name (const char *name, char *buf, size_t bufsize)
{
  size_t n = strlen (name);

  if (n >= bufsize)
    n = bufsize - 1;
  memcpy (buf, name, n);
  buf[n] = 0;
}

void
image_node_component (const image_node_t *node, char *buf, size_t bufsize)
{
  size_t i, off;

  if (!bufsize)
    return;
  buf[0] = 0;
  switch (node->type)
    {
    case IMAGE_NODE_MF:
    case IMAGE_NODE_DF:
    case IMAGE_NODE_EF_TRANSPARENT:
    case IMAGE_NODE_EF_LINEAR_FIXED:
    case IMAGE_NODE_EF_LINEAR_VARIABLE:
    case IMAGE_NODE_EF_CYCLIC:
      if (node->has_fid)
        {
          if (bufsize > 4)
            image_hex (node->fid, 4, buf);
        }
      else if (node->name)
        image_copy_name (node->name, buf, bufsize);
      else
        goto aid;
      break;
    case IMAGE_NODE_RECORD:
      snprintf (buf, bufsize, "#%u", node->recno);
      break;
    case IMAGE_NODE_DO:
      image_tag_hex (node->tag, buf, bufsize);
      break;
    case IMAGE_NODE_APPLET:
    case IMAGE_NODE_KEY:
      if (node->name)
        image_copy_name (node->name, buf, bufsize);
      else
        goto aid;
      break;
    default:
      snprintf (buf, bufsize, "?");
      break;
    }
  return;

 aid:
  if (bufsize < 5)
    return;
  memcpy (buf, "aid-", 5);
  off = 4;
  for (i = 0; i < node->aid_len && off + 3 <= bufsize; i++)
    off += image_hex (node->aid[i], 2, buf + off);
}

unsigned
image_node_depth (const image_node_t *node)
{
  unsigned d = 0;

  for (; node && node->parent; node = node->parent)
    d++;
  return d;
}

char *
image_node_path (const image_node_t *node)
{
  const image_node_t *n;
  size_t len = 0, pos;
  char comp[IMAGE_COMPONENT_MAX];
  char *path;

  for (n = node; n && n->parent; n = n->parent)
    {
      image_node_component (n, comp, sizeof comp);
      len += strlen (comp) + 1;
    }
  path = xtrymalloc (len + 1);
  if (!path)
    return NULL;
  pos = len;
  path[len] = 0;
  for (n = node; n && n->parent; n = n->parent)
    {
      size_t cl;
      image_node_component (n, comp, sizeof comp);
      cl = strlen (comp);
      if (pos != len)
        path[--pos] = '/';
      pos -= cl;
      memcpy (path + pos, comp, cl);
    }
  /* If there was at least one component, the first byte is at 1 (one
   * separator too many was counted). */
  if (len)
    memmove (path, path + pos, len - pos + 1);
  return path;
}

image_area_t
image_node_effective_area (const image_node_t *node)
{
  image_area_t a = IMAGE_AREA_PUBLIC;

  for (; node && node->parent; node = node->parent)
    if (node->area > a)
      a = node->area;
  return a;
}

bool
image_node_is_ef (const image_node_t *node)
{
  return node->type >= IMAGE_NODE_EF_TRANSPARENT
         && node->type <= IMAGE_NODE_EF_CYCLIC;
}

bool
image_node_is_container (const image_node_t *node)
{
  switch (node->type)
    {
    case IMAGE_NODE_MF:
    case IMAGE_NODE_DF:
    case IMAGE_NODE_APPLET:
    case IMAGE_NODE_EF_LINEAR_FIXED:
    case IMAGE_NODE_EF_LINEAR_VARIABLE:
    case IMAGE_NODE_EF_CYCLIC:
    case IMAGE_NODE_DO:     /* constructed DOs may be split up */
      return true;
    default:
      return false;
    }
}

/* The child of PARENT whose component is COMPONENT (hash H). */
static image_node_t *
image_find_child_h (const image_node_t *parent, const char *component,
                    uint32_t h)
{
  image_node_t *c;
  char comp[IMAGE_COMPONENT_MAX];

  if (parent->index)
    {
      const struct image_index *ix = parent->index;
      size_t m = ix->cap - 1, i;
      for (i = h & m; ix->s[i].n; i = (i + 1) & m)
        if (ix->s[i].h == h && ix->s[i].n != &image_tombstone)
          {
            c = ix->s[i].n;
            image_node_component (c, comp, sizeof comp);
            if (!strcasecmp (comp, component))
              return c;
          }
      return NULL;
    }
  for (c = parent->first_child; c; c = c->next)
    {
      image_node_component (c, comp, sizeof comp);
      if (!strcasecmp (comp, component))
        return c;
    }
  return NULL;
}

image_node_t *
image_find_child (const image_node_t *parent, const char *component)
{
  return image_find_child_h (parent, component,
                             parent->index ? image_hash (component) : 0);
}

/* Levels below NODE (0 for a leaf). */
static unsigned
image_node_height (const image_node_t *node)
{
  const image_node_t *c;
  unsigned h = 0, ch;

  for (c = node->first_child; c; c = c->next)
    if ((ch = 1 + image_node_height (c)) > h)
      h = ch;
  return h;
}

gpg_error_t
image_add_child (image_node_t *parent, image_node_t *child)
{
  char comp[IMAGE_COMPONENT_MAX];
  uint32_t h;

  if (!parent || !child || child->parent || child == parent)
    return gpg_error (GPG_ERR_INV_STATE);
  image_node_component (child, comp, sizeof comp);
  if (!*comp || strchr (comp, '/') || !strcmp (comp, ".")
      || !strcmp (comp, ".."))
    return gpg_error (GPG_ERR_INV_NAME);
  if (image_node_depth (parent) + 1
      + (child->first_child ? image_node_height (child) : 0)
      > IMAGE_MAX_DEPTH)
    return gpg_error (GPG_ERR_LIMIT_REACHED);
  h = image_hash (comp);
  if (image_find_child_h (parent, comp, h))
    return gpg_error (GPG_ERR_EEXIST);
  child->parent = parent;
  child->next = NULL;
  child->prev = parent->last_child;
  if (parent->last_child)
    parent->last_child->next = child;
  else
    parent->first_child = child;
  parent->last_child = child;
  parent->n_children++;
  child->hval = h;
  image_index_add (parent, child);
  return 0;
}

void
image_node_detach (image_node_t *node)
{
  image_node_t *p = node->parent;

  if (!p)
    return;
  if (p->index)
    image_index_unlink (p->index, node);
  p->n_children--;
  if (node->prev)
    node->prev->next = node->next;
  else
    p->first_child = node->next;
  if (node->next)
    node->next->prev = node->prev;
  else
    p->last_child = node->prev;
  node->parent = node->next = node->prev = NULL;
}

void
image_node_remove (image_node_t *node)
{
  image_node_free (node);
}

image_node_t *
image_find_path (const image_t *image, const char *path)
{
  const image_node_t *cur = &image->root;
  char comp[IMAGE_COMPONENT_MAX];
  const char *p = path, *e;

  if (!path)
    return NULL;
  while (*p == '/')
    p++;
  if (!*p)
    return NULL;
  while (*p)
    {
      size_t n;
      e = strchr (p, '/');
      n = e ? (size_t)(e - p) : strlen (p);
      if (!n || n >= sizeof comp)
        return NULL;
      memcpy (comp, p, n);
      comp[n] = 0;
      cur = image_find_child (cur, comp);
      if (!cur)
        return NULL;
      p += n;
      if (*p == '/')
        p++;
    }
  return (image_node_t *)cur;
}

static bool
image_is_hex (const char *s, size_t n)
{
  size_t i;

  for (i = 0; i < n; i++)
    if (!isxdigit ((unsigned char)s[i]))
      return false;
  return n > 0;
}

/* Build a detached node for component COMP under PARENT; LEAF says
 * whether it is the last one (type LEAF_TYPE) or an intermediate. */
static gpg_error_t
image_node_for_component (const image_node_t *parent, const char *comp,
                          bool leaf, image_type_t leaf_type,
                          image_node_t **r_node)
{
  gpg_error_t err;
  image_node_t *node = NULL;
  size_t n = strlen (comp);
  bool top = !parent->parent;
  bool in_applet = !top && (parent->type == IMAGE_NODE_APPLET
                            || parent->type == IMAGE_NODE_DO);
  image_type_t type;

  *r_node = NULL;
  if (comp[0] == '#')
    {
      char *end;
      unsigned long r = strtoul (comp + 1, &end, 10);
      if (*end || r < 1 || r > 254 || !isdigit ((unsigned char)comp[1]))
        return gpg_error (GPG_ERR_INV_NAME);
      if (!(parent->type == IMAGE_NODE_EF_LINEAR_FIXED
            || parent->type == IMAGE_NODE_EF_LINEAR_VARIABLE
            || parent->type == IMAGE_NODE_EF_CYCLIC))
        return gpg_error (GPG_ERR_INV_OBJ);
      err = image_node_new (IMAGE_NODE_RECORD, &node);
      if (err)
        return err;
      node->recno = (unsigned)r;
      *r_node = node;
      return 0;
    }
  if (in_applet && image_is_hex (comp, n) && !(n & 1) && n <= 8
      && !(leaf && leaf_type == IMAGE_NODE_KEY))
    {
      err = image_node_new (IMAGE_NODE_DO, &node);
      if (err)
        return err;
      node->tag = (unsigned)strtoul (comp, NULL, 16);
      *r_node = node;
      return 0;
    }
  if (!in_applet && n == 4 && image_is_hex (comp, 4))
    {
      unsigned fid = (unsigned)strtoul (comp, NULL, 16);
      if (fid == 0x3F00 && top)
        type = IMAGE_NODE_MF;
      else if (leaf)
        type = leaf_type;
      else
        type = IMAGE_NODE_DF;
      if (type == IMAGE_NODE_RECORD || type == IMAGE_NODE_DO
          || type == IMAGE_NODE_APPLET || type == IMAGE_NODE_KEY)
        return gpg_error (GPG_ERR_INV_NAME);
      err = image_node_new (type, &node);
      if (err)
        return err;
      image_node_set_fid (node, (uint16_t)fid);
      *r_node = node;
      return 0;
    }
  /* A name. */
  if (!image_name_ok (comp))
    return gpg_error (GPG_ERR_INV_NAME);
  if (top)
    type = IMAGE_NODE_APPLET;
  else if (leaf)
    type = leaf_type;
  else
    type = IMAGE_NODE_DF;
  if (type == IMAGE_NODE_RECORD || type == IMAGE_NODE_DO)
    return gpg_error (GPG_ERR_INV_NAME);
  err = image_node_new (type, &node);
  if (err)
    return err;
  err = image_node_set_name (node, comp);
  if (err)
    {
      image_node_free (node);
      return err;
    }
  *r_node = node;
  return 0;
}

gpg_error_t
image_make_path (image_t *image, const char *path, image_type_t leaf_type,
                 image_source_t source, image_node_t **r_node)
{
  gpg_error_t err;
  image_node_t *cur = &image->root, *child;
  char comp[IMAGE_COMPONENT_MAX];
  const char *p = path, *e;

  if (r_node)
    *r_node = NULL;
  if (!path)
    return gpg_error (GPG_ERR_INV_NAME);
  while (*p == '/')
    p++;
  if (!*p)
    return gpg_error (GPG_ERR_INV_NAME);
  while (*p)
    {
      size_t n;
      bool leaf;

      e = strchr (p, '/');
      n = e ? (size_t)(e - p) : strlen (p);
      if (!n || n >= sizeof comp)
        return gpg_error (GPG_ERR_INV_NAME);
      memcpy (comp, p, n);
      comp[n] = 0;
      p += n;
      if (*p == '/')
        p++;
      leaf = !*p;
      if (cur->parent && !image_node_is_container (cur))
        return gpg_error (GPG_ERR_INV_OBJ);
      child = image_find_child (cur, comp);
      if (!child)
        {
          err = image_node_for_component (cur, comp, leaf, leaf_type, &child);
          if (err)
            return err;
          child->source = source;
          err = image_add_child (cur, child);
          if (err)
            {
              image_node_free (child);
              return err;
            }
        }
      cur = child;
    }
  if (r_node)
    *r_node = cur;
  return 0;
}

static gpg_error_t
image_walk_rec (image_node_t *node, unsigned depth, image_visit_fn fn,
                void *ctx)
{
  gpg_error_t err;
  image_node_t *c, *next;

  err = fn (node, depth, ctx);
  if (err)
    return err;
  for (c = node->first_child; c; c = next)
    {
      next = c->next;
      err = image_walk_rec (c, depth + 1, fn, ctx);
      if (err)
        return err;
    }
  return 0;
}

gpg_error_t
image_walk_node (const image_node_t *node, image_visit_fn fn, void *ctx)
{
  /* As image_walk: the visitor gets the nodes of the caller's tree. */
  return image_walk_rec ((image_node_t *)node, image_node_depth (node), fn,
                         ctx);
}

gpg_error_t
image_walk (const image_t *image, image_visit_fn fn, void *ctx)
{
  gpg_error_t err;
  image_node_t *c, *next;

  for (c = image->root.first_child; c; c = next)
    {
      next = c->next;
      err = image_walk_rec (c, 1, fn, ctx);
      if (err)
        return err;
    }
  return 0;
}

/* Copy the node's own data (not links, not children). */
static gpg_error_t
image_node_copy_one (const image_node_t *src, image_node_t **r_copy)
{
  gpg_error_t err;
  image_node_t *n;

  err = image_node_new (src->type, &n);
  if (err)
    return err;
  n->has_fid = src->has_fid;
  n->fid = src->fid;
  n->tag = src->tag;
  n->recno = src->recno;
  n->size = src->size;
  n->record_count = src->record_count;
  n->record_len = src->record_len;
  n->access.read = src->access.read;
  n->access.read_ref = src->access.read_ref;
  n->access.write = src->access.write;
  n->access.write_ref = src->access.write_ref;
  n->source = src->source;
  n->area = src->area;
  n->flags = src->flags;
  n->sw = src->sw;
  if ((err = image_setbytes (&n->aid, &n->aid_len, src->aid, src->aid_len))
      || (err = image_setstr (&n->name, src->name))
      || (err = image_setbytes (&n->fcp, &n->fcp_len, src->fcp, src->fcp_len))
      || (err = image_setbytes (&n->access.raw, &n->access.raw_len,
                                src->access.raw, src->access.raw_len))
      || (err = image_setbytes (&n->content, &n->content_len,
                                src->content, src->content_len))
      || (err = image_setstr (&n->note, src->note))
      || (err = image_setstr (&n->agent, src->agent))
      || (err = image_node_set_keyinfo (n, &src->key))
      || (err = image_node_state_copy (n, src)))
    {
      image_node_free (n);
      return err;
    }
  n->has_content = src->has_content;
  *r_copy = n;
  return 0;
}

static gpg_error_t
image_copy_children (const image_node_t *src, image_node_t *dst)
{
  gpg_error_t err;
  const image_node_t *c;
  image_node_t *n;

  for (c = src->first_child; c; c = c->next)
    {
      err = image_node_copy_one (c, &n);
      if (err)
        return err;
      err = image_add_child (dst, n);
      if (err)
        {
          image_node_free (n);
          return err;
        }
      err = image_copy_children (c, n);
      if (err)
        return err;
    }
  return 0;
}

gpg_error_t
image_node_copy (const image_node_t *src, image_node_t **r_copy)
{
  gpg_error_t err;
  image_node_t *n;

  *r_copy = NULL;
  err = image_node_copy_one (src, &n);
  if (err)
    return err;
  err = image_copy_children (src, n);
  if (err)
    {
      image_node_free (n);
      return err;
    }
  *r_copy = n;
  return 0;
}

gpg_error_t
image_copy (const image_t *src, image_t **r_copy)
{
  gpg_error_t err;
  image_t *img;
  size_t i;

  *r_copy = NULL;
  err = image_new (&img);
  if (err)
    return err;
  img->unverified = src->unverified;
  if ((err = image_set_atr (img, src->card.atr, src->card.atr_len))
      || (err = image_set_serial (img, src->card.serial))
      || (err = image_set_label (img, src->card.label))
      || (err = image_set_reader (img, src->card.reader)))
    goto leave;
  for (i = 0; i < src->card.n_aids; i++)
    if ((err = image_add_aid (img, src->card.aids[i], src->card.aid_lens[i])))
      goto leave;
  for (i = 0; i < src->card.n_agents; i++)
    if ((err = image_add_agent (img, src->card.agents[i])))
      goto leave;
  err = image_copy_children (&src->root, &img->root);

 leave:
  if (err)
    image_free (img);
  else
    *r_copy = img;
  return err;
}
