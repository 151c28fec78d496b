/* diff.c - compare two card images node by node */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "image.h"
#include "common/util.h"

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
  if (diff_bytes_differ (a->fcp, a->fcp_len, b->fcp, b->fcp_len))
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

  path = image_node_path (a ? a : b);
  if (!path)
    return gpg_error_from_syserror ();
  if (d->n == ctx->cap)
    {
      size_t ncap = ctx->cap ? 2 * ctx->cap : 16;
      image_change_t *v = xtryrealloc (d->changes, ncap * sizeof *v);
      if (!v)
        {
          xfree (path);
          return gpg_error_from_syserror ();
        }
      d->changes = v;
      ctx->cap = ncap;
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

void
image_diff_free (image_diff_t *diff)
{
  size_t i;

  if (!diff)
    return;
  for (i = 0; i < diff->n; i++)
    xfree (diff->changes[i].path);
  xfree (diff->changes);
  xfree (diff);
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
