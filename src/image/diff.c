/* diff.c - compare two card images node by node */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "common/util.h"
#include "common/array.h"
#include "common/tlv.h"

typedef struct diff_ctx {
  image_diff_t *d;
  size_t cap;
} diff_ctx_t;

static bool
diff_bytes_differ (const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  if (an != bn)
    return true;
  if (!an)
    return false;
  return memcmp (a, b, an) != 0;
}

static bool
diff_str_differ (const char *a, const char *b)
{
  if (!a || !b)
    return a != b;
  return strcmp (a, b) != 0;
}

/* The file attributes of an FCP (62) or FCI (6F) template: its items,
 * those of an FCP nested in an FCI, without the FMD (64). */
#define DIFF_FCP_MAX_ITEMS 64
typedef struct diff_fcp_item {
  const uint8_t *raw;
  size_t len;
} diff_fcp_item_t;

static bool
diff_fcp_items (const uint8_t *p, size_t n, diff_fcp_item_t *items,
                size_t *r_n)
{
  tlv_t outer, t, u;
  tlv_iter_t it, in;
  size_t k = 0;
  gpg_error_t err;

  if (tlv_parse (p, n, &outer, NULL) || outer.raw_len != n
      || (outer.tag != 0x62 && outer.tag != 0x6F))
    return false;
  tlv_iter_init (&it, outer.value, outer.len, 0);
  while (!(err = tlv_iter_next (&it, &t)))
    {
      if (t.tag == 0x64)
        continue;                 /* file management data: not attributes */
      if (t.tag == 0x62 && outer.tag == 0x6F)
        {
          tlv_iter_init (&in, t.value, t.len, 0);
          while (!(err = tlv_iter_next (&in, &u)))
            {
              if (k == DIFF_FCP_MAX_ITEMS)
                return false;
              items[k].raw = u.raw;
              items[k++].len = u.raw_len;
            }
          if (gpg_err_code (err) != GPG_ERR_EOF)
            return false;
          continue;
        }
      if (k == DIFF_FCP_MAX_ITEMS)
        return false;
      items[k].raw = t.raw;
      items[k++].len = t.raw_len;
    }
  if (gpg_err_code (err) != GPG_ERR_EOF)
    return false;
  *r_n = k;
  return true;
}

static int
diff_fcp_cmp (const void *x, const void *y)
{
  const diff_fcp_item_t *a = x, *b = y;
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp (a->raw, b->raw, n);
  if (c)
    return c;
  return a->len < b->len ? -1 : a->len > b->len;
}

bool
image_fcp_same (const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
  diff_fcp_item_t ia[DIFF_FCP_MAX_ITEMS], ib[DIFF_FCP_MAX_ITEMS];
  size_t na, nb, i;

  if (!diff_bytes_differ (a, an, b, bn))
    return true;
  if (!an || !bn || !diff_fcp_items (a, an, ia, &na)
      || !diff_fcp_items (b, bn, ib, &nb) || na != nb)
    return false;
  qsort (ia, na, sizeof *ia, diff_fcp_cmp);
  qsort (ib, nb, sizeof *ib, diff_fcp_cmp);
  for (i = 0; i < na; i++)
    if (diff_fcp_cmp (&ia[i], &ib[i]))
      return false;
  return true;
}

/* What differs between two nodes with the same path. */
static unsigned
diff_node_what (const image_node_t *a, const image_node_t *b)
{
  unsigned w = 0;

  if (a->type != b->type)
    w |= IMAGE_DIFF_TYPE;
  if (a->size != b->size || a->record_count != b->record_count
      || a->record_len != b->record_len)
    w |= IMAGE_DIFF_SIZE;
  if (a->has_content != b->has_content
      || diff_bytes_differ (a->content, a->content_len,
                            b->content, b->content_len))
    w |= IMAGE_DIFF_CONTENT;
  /* The attributes, not the wrapper: one card answers SELECT with an
   * FCP template (62), another with FCI (6F). */
  if (!image_fcp_same (a->fcp, a->fcp_len, b->fcp, b->fcp_len))
    w |= IMAGE_DIFF_FCP;
  if (a->access.read != b->access.read || a->access.write != b->access.write
      || a->access.read_ref != b->access.read_ref
      || a->access.write_ref != b->access.write_ref
      || diff_bytes_differ (a->access.raw, a->access.raw_len,
                            b->access.raw, b->access.raw_len))
    w |= IMAGE_DIFF_ACCESS;
  if (a->area != b->area)
    w |= IMAGE_DIFF_AREA;
  if (a->flags != b->flags
      || ((a->flags & IMAGE_FLAG_UNREADABLE) && a->sw != b->sw))
    w |= IMAGE_DIFF_FLAGS;
  if (diff_str_differ (a->key.algorithm, b->key.algorithm)
      || diff_str_differ (a->key.fingerprint, b->key.fingerprint)
      || diff_str_differ (a->key.created, b->key.created)
      || diff_str_differ (a->key.usage, b->key.usage)
      || diff_bytes_differ (a->key.pubkey, a->key.pubkey_len,
                            b->key.pubkey, b->key.pubkey_len))
    w |= IMAGE_DIFF_KEY;
  if (diff_bytes_differ (a->aid, a->aid_len, b->aid, b->aid_len))
    w |= IMAGE_DIFF_AID;
  return w;
}

static gpg_error_t
diff_add (diff_ctx_t *ctx, image_change_kind_t kind, unsigned what,
          const image_node_t *a, const image_node_t *b)
{
  image_diff_t *d = ctx->d;
  image_change_t *c;
  char *path;
  gpg_error_t err;

  path = image_node_path (a ? a : b);
  if (!path)
    return gpg_error_from_syserror ();
  err = ARRAY_GROW (d->changes, ctx->cap, d->n, 16);
  if (err)
    {
      xfree (path);
      return err;
    }
  c = &d->changes[d->n++];
  c->kind = kind;
  c->what = what;
  c->path = path;
  c->a = a;
  c->b = b;
  return 0;
}

/* Report NODE and its whole subtree as KIND. */
static gpg_error_t
diff_subtree (diff_ctx_t *ctx, image_change_kind_t kind,
              const image_node_t *node)
{
  gpg_error_t err;
  const image_node_t *c;

  err = diff_add (ctx, kind, 0,
                  kind == IMAGE_CHANGE_REMOVED ? node : NULL,
                  kind == IMAGE_CHANGE_ADDED ? node : NULL);
  if (err)
    return err;
  for (c = node->first_child; c; c = c->next)
    if ((err = diff_subtree (ctx, kind, c)))
      return err;
  return 0;
}

/* Compare the children of A and B (both may be the image roots). */
static gpg_error_t
diff_children (diff_ctx_t *ctx, const image_node_t *a, const image_node_t *b)
{
  gpg_error_t err;
  const image_node_t *ca, *cb;
  char comp[IMAGE_COMPONENT_MAX];

  for (ca = a->first_child; ca; ca = ca->next)
    {
      image_node_component (ca, comp, sizeof comp);
      cb = image_find_child (b, comp);
      if (!cb)
        err = diff_subtree (ctx, IMAGE_CHANGE_REMOVED, ca);
      else
        {
          unsigned w = diff_node_what (ca, cb);
          err = w ? diff_add (ctx, IMAGE_CHANGE_CHANGED, w, ca, cb) : 0;
          if (!err)
            err = diff_children (ctx, ca, cb);
        }
      if (err)
        return err;
    }
  for (cb = b->first_child; cb; cb = cb->next)
    {
      image_node_component (cb, comp, sizeof comp);
      if (!image_find_child (a, comp))
        if ((err = diff_subtree (ctx, IMAGE_CHANGE_ADDED, cb)))
          return err;
    }
  return 0;
}

static bool
diff_identity_differs (const image_card_t *a, const image_card_t *b)
{
  size_t i;

  if (diff_bytes_differ (a->atr, a->atr_len, b->atr, b->atr_len)
      || diff_str_differ (a->serial, b->serial)
      || a->n_aids != b->n_aids)
    return true;
  for (i = 0; i < a->n_aids; i++)
    if (diff_bytes_differ (a->aids[i], a->aid_lens[i],
                           b->aids[i], b->aid_lens[i]))
      return true;
  return false;
}

gpg_error_t
image_diff (const image_t *a, const image_t *b, image_diff_t **r_diff)
{
  gpg_error_t err;
  diff_ctx_t ctx;

  *r_diff = NULL;
  ctx.cap = 0;
  ctx.d = xtrycalloc (1, sizeof *ctx.d);
  if (!ctx.d)
    return gpg_error_from_syserror ();
  ctx.d->identity_changed = diff_identity_differs (&a->card, &b->card);
  err = diff_children (&ctx, &a->root, &b->root);
  if (err)
    {
      image_diff_free (ctx.d);
      return err;
    }
  *r_diff = ctx.d;
  return 0;
}

/* Free what change C owns. */
static void
diff_change_release (image_change_t *c)
{
  xfree (c->path);
}

void
image_diff_free (image_diff_t *diff)
{
  ARRAY_FREE_OWNER (diff, changes, n, diff_change_release);
}

const char *
image_change_kind_name (image_change_kind_t kind)
{
  switch (kind)
    {
    case IMAGE_CHANGE_ADDED: return "added";
    case IMAGE_CHANGE_REMOVED: return "removed";
    case IMAGE_CHANGE_CHANGED: return "changed";
    }
  return "?";
}

const char *
image_diff_what_name (unsigned bit)
{
  switch (bit)
    {
    case IMAGE_DIFF_TYPE: return "type";
    case IMAGE_DIFF_SIZE: return "size";
    case IMAGE_DIFF_CONTENT: return "content";
    case IMAGE_DIFF_FCP: return "fcp";
    case IMAGE_DIFF_ACCESS: return "access";
    case IMAGE_DIFF_AREA: return "area";
    case IMAGE_DIFF_FLAGS: return "flags";
    case IMAGE_DIFF_KEY: return "key";
    case IMAGE_DIFF_AID: return "aid";
    default: return NULL;
    }
}
