/* image-state.c - the typed machine state of image nodes
 *
 * Agents, the restore planner and the facade tell each other a few facts
 * through the image: which application a stored PIN belongs to, where a
 * bounded FID scan stopped, whether a PIV applet is YubiKey-compatible.
 * These used to travel in the node's note as text; they are typed fields
 * now (image_state_t), and the note is human text only. The VSC node
 * codec writes them as tags of their own (doc/vsc-format.md) and, for
 * older readers, also in the old note form, which this file formats and
 * parses (image_node_state_text, image_node_state_from_note). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "image.h"
#include "common/util.h"

#define IMAGE_STATE_SCAN_PREFIX "fid-scan-next="
#define IMAGE_STATE_YK_PREFIX   "yubikey-compatible"

/* "" is no value: the VSC format has no empty one. */
static gpg_error_t
image_state_setstr (char **dst, const char *s)
{
  return image_setstr (dst, s && *s ? s : NULL);
}

gpg_error_t
image_node_set_pin_scope (image_node_t *node, const char *scope,
                          const char *label)
{
  gpg_error_t err;
  char *old_scope = NULL;

  /* Both or neither. */
  if ((err = image_state_setstr (&old_scope, node->state.pin_scope)))
    return err;
  if ((err = image_state_setstr (&node->state.pin_scope, scope)))
    goto leave;
  if ((err = image_state_setstr (&node->state.pin_label, label)))
    {
      xfree (node->state.pin_scope);
      node->state.pin_scope = old_scope;
      old_scope = NULL;
    }
 leave:
  xfree (old_scope);
  return err;
}

const char *
image_node_pin_scope (const image_node_t *node)
{
  return node ? node->state.pin_scope : NULL;
}

const char *
image_node_pin_label (const image_node_t *node)
{
  return node ? node->state.pin_label : NULL;
}

gpg_error_t
image_node_set_scan_next (image_node_t *node, const char *df, uint16_t fid,
                          unsigned phase)
{
  gpg_error_t err = image_state_setstr (&node->state.scan_df, df);

  if (err)
    return err;
  node->state.scan_fid = df ? fid : 0;
  node->state.scan_phase = df && phase <= 255 ? (uint8_t)phase : 0;
  return 0;
}

bool
image_node_scan_next (const image_node_t *node, const char **r_df,
                      uint16_t *r_fid, unsigned *r_phase)
{
  if (!node || !node->state.scan_df)
    return false;
  if (r_df)
    *r_df = node->state.scan_df;
  if (r_fid)
    *r_fid = node->state.scan_fid;
  if (r_phase)
    *r_phase = node->state.scan_phase;
  return true;
}

void
image_node_set_yubikey (image_node_t *node, const uint8_t *version)
{
  node->state.yubikey = !!version;
  if (version)
    memcpy (node->state.yubikey_version, version, 3);
  else
    memset (node->state.yubikey_version, 0, 3);
}

bool
image_node_yubikey (const image_node_t *node, uint8_t *r_version)
{
  if (!node || !node->state.yubikey)
    return false;
  if (r_version)
    memcpy (r_version, node->state.yubikey_version, 3);
  return true;
}

bool
image_node_has_state (const image_node_t *node)
{
  return node->state.pin_scope || node->state.pin_label
         || node->state.scan_df || node->state.yubikey;
}

void
image_node_state_clear (image_node_t *node)
{
  xfree (node->state.pin_scope);
  xfree (node->state.pin_label);
  xfree (node->state.scan_df);
  memset (&node->state, 0, sizeof node->state);
}

gpg_error_t
image_node_state_copy (image_node_t *dst, const image_node_t *src)
{
  gpg_error_t err;

  if ((err = image_node_set_pin_scope (dst, src->state.pin_scope,
                                       src->state.pin_label))
      || (err = image_node_set_scan_next (dst, src->state.scan_df,
                                          src->state.scan_fid,
                                          src->state.scan_phase)))
    return err;
  image_node_set_yubikey (dst, src->state.yubikey
                               ? src->state.yubikey_version : NULL);
  return 0;
}

/* Append to BUF (of SIZE, holding a string); false if it did not fit. */
static bool
image_state_append (char *buf, size_t size, const char *fmt, ...)
  GPGRT_ATTR_PRINTF (3, 4);

static bool
image_state_append (char *buf, size_t size, const char *fmt, ...)
{
  va_list ap;
  size_t len = strlen (buf);
  int n;

  if (len >= size)
    return false;
  va_start (ap, fmt);
  n = vsnprintf (buf + len, size - len, fmt, ap);
  va_end (ap);
  return n >= 0 && (size_t)n < size - len;
}

bool
image_node_state_text (const image_node_t *node, char *buf, size_t size)
{
  const image_state_t *s = &node->state;
  bool ok = true;
  const char *sep = "";

  if (!size)
    return false;
  *buf = 0;
  if (s->pin_scope || s->pin_label)
    {
      if (s->pin_scope)
        ok &= image_state_append (buf, size, "scope=%s", s->pin_scope);
      if (s->pin_label)
        ok &= image_state_append (buf, size, "%slabel=%s",
                                  s->pin_scope ? " " : "", s->pin_label);
      sep = "; ";
    }
  if (s->scan_df)
    {
      ok &= image_state_append (buf, size, "%s" IMAGE_STATE_SCAN_PREFIX
                                "%s:%04X", sep, s->scan_df, s->scan_fid);
      if (s->scan_phase)
        ok &= image_state_append (buf, size, " phase=%u", s->scan_phase);
      sep = "; ";
    }
  if (s->yubikey)
    ok &= image_state_append (buf, size, "%s" IMAGE_STATE_YK_PREFIX
                              " %u.%u.%u", sep, s->yubikey_version[0],
                              s->yubikey_version[1], s->yubikey_version[2]);
  if (!ok)
    *buf = 0;
  return ok;
}

/* Is NODE a stored PIN "pins/RR" (a node right below the top-level
 * "pins")? */
static bool
image_state_is_pin_node (const image_node_t *node)
{
  const image_node_t *p = node->parent;

  return p && p->parent && !p->parent->parent && p->name
         && !strcasecmp (p->name, "pins");
}

/* "fid-scan-next=DFPATH:FID[ phase=P]" */
static gpg_error_t
image_state_parse_scan (image_node_t *node, const char *s, bool *r_done)
{
  const char *colon, *ph;
  char df[IMAGE_MAX_DEPTH * 5 + 1];
  unsigned fid, phase = 0;
  int used = 0;

  s += strlen (IMAGE_STATE_SCAN_PREFIX);
  colon = strchr (s, ':');
  if (!colon || colon == s || (size_t)(colon - s) >= sizeof df)
    return 0;
  if (sscanf (colon + 1, "%4x%n", &fid, &used) != 1)
    return 0;
  ph = colon + 1 + used;
  if (!strncmp (ph, " phase=", 7)
      && (sscanf (ph + 7, "%u", &phase) != 1 || phase > 255))
    phase = 0;
  memcpy (df, s, colon - s);
  df[colon - s] = 0;
  *r_done = true;
  return image_node_set_scan_next (node, df, (uint16_t)fid, phase);
}

gpg_error_t
image_node_state_from_note (image_node_t *node, bool *r_done)
{
  gpg_error_t err = 0;
  const char *note = node->note;
  bool done = false;

  if (!note)
    goto leave;
  if (node->type == IMAGE_NODE_MF
      && !strncmp (note, IMAGE_STATE_SCAN_PREFIX,
                   strlen (IMAGE_STATE_SCAN_PREFIX)))
    err = image_state_parse_scan (node, note, &done);
  else if (node->type == IMAGE_NODE_APPLET
           && !strncmp (note, IMAGE_STATE_YK_PREFIX,
                        strlen (IMAGE_STATE_YK_PREFIX)))
    {
      unsigned v[3] = { 0, 0, 0 };
      uint8_t ver[3];
      const char *p = note + strlen (IMAGE_STATE_YK_PREFIX);
      if (*p == ' ' && sscanf (p + 1, "%u.%u.%u", &v[0], &v[1], &v[2]) == 3
          && v[0] <= 255 && v[1] <= 255 && v[2] <= 255)
        ;
      else
        v[0] = v[1] = v[2] = 0;
      ver[0] = (uint8_t)v[0];
      ver[1] = (uint8_t)v[1];
      ver[2] = (uint8_t)v[2];
      image_node_set_yubikey (node, ver);
      done = true;
    }
  else if (image_state_is_pin_node (node)
           && (!strncmp (note, "scope=", 6) || !strncmp (note, "label=", 6)))
    {
      /* "scope=PATH[ label=LABEL]" or "label=LABEL"; the label runs to
       * the end (it may contain blanks). */
      char *scope = NULL;
      const char *label = NULL;
      if (!strncmp (note, "scope=", 6))
        {
          size_t n = strcspn (note + 6, " ");
          scope = xtrymalloc (n + 1);
          if (!scope)
            {
              err = gpg_error_from_syserror ();
              goto leave;
            }
          memcpy (scope, note + 6, n);
          scope[n] = 0;
          if (!strncmp (note + 6 + n, " label=", 7))
            label = note + 6 + n + 7;
          if (!*scope)
            {
              xfree (scope);
              scope = NULL;
            }
        }
      else
        label = note + 6;
      err = image_node_set_pin_scope (node, scope, label);
      xfree (scope);
      done = !err;
    }
  if (!err && done)
    err = image_node_set_note (node, NULL);

 leave:
  if (r_done)
    *r_done = !err && done;
  return err;
}
