/* emu-appdata.c - parse the OPTIONS of an `applet NAME OPTIONS' profile
 * line (shared by the OpenPGP and PIV applets) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <strings.h>

#include "common/util.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu-appdata.h"

gpg_error_t
emu_appdata_bad (const char *applet, const char *key, const char *why)
{
  log_error (_("applet %s: option %s: %s\n"), applet, key, why);
  return gpg_error (GPG_ERR_INV_VALUE);
}

/* Deliver the pending option in KEY/VAL (secure buffer) to CB. */
static gpg_error_t
emu_appdata_flush (buf_t *key, buf_t *val, emu_appdata_cb_t cb, void *ctx)
{
  gpg_error_t err;

  if (!key->len)
    return 0;
  err = buf_append_byte (key, 0);
  if (!err)
    err = buf_append_byte (val, 0);
  if (!err)
    err = cb (ctx, (const char *)key->data, (const char *)val->data);
  buf_clear (key);
  buf_clear (val);
  return err;
}

gpg_error_t
emu_appdata_parse (const char *options, emu_appdata_cb_t cb, void *ctx)
{
  buf_t key = BUF_INIT, val;
  const char *p = options ? options : "";
  gpg_error_t err = 0;

  buf_init_secure (&val);
  for (;;)
    {
      size_t n;
      const char *eq;

      p += strspn (p, " \t\r\n");
      if (!*p)
        break;
      n = strcspn (p, " \t\r\n");
      eq = memchr (p, '=', n);
      if (eq && eq > p)
        {
          err = emu_appdata_flush (&key, &val, cb, ctx);
          if (err)
            goto leave;
          err = buf_append (&key, p, (size_t)(eq - p));
          if (!err)
            err = buf_append (&val, eq + 1, n - (size_t)(eq - p) - 1);
        }
      else if (key.len)
        {
          /* Continuation of the value before. */
          if (!(val.len >= 4 && !strncasecmp ((char *)val.data, "hex:", 4)))
            err = buf_append_byte (&val, ' ');
          if (!err)
            err = buf_append (&val, p, n);
        }
      else
        {
          log_error (_("applet option without '=': %.*s\n"), (int)n, p);
          err = gpg_error (GPG_ERR_INV_VALUE);
        }
      if (err)
        goto leave;
      p += n;
    }
  err = emu_appdata_flush (&key, &val, cb, ctx);
 leave:
  buf_free (&key);
  buf_free (&val);
  return err;
}

gpg_error_t
emu_appdata_hex (const char *s, buf_t *out)
{
  char *t, *d;
  gpg_error_t err;

  if (!strncasecmp (s, "hex:", 4))
    s += 4;
  /* Pieces joined from continuation lines may split a byte: drop the
   * blanks before decoding. */
  t = xtrymalloc_secure (strlen (s) + 1);
  if (!t)
    return gpg_error_from_syserror ();
  for (d = t; *s; s++)
    if (*s != ' ' && *s != '\t')
      *d++ = *s;
  *d = 0;
  err = hex_decode (t, out);
  wipememory (t, (size_t)(d - t));
  xfree_secure (t);
  return err;
}

gpg_error_t
emu_appdata_bytes (const char *value, buf_t *out)
{
  if (!strncasecmp (value, "hex:", 4))
    return hex_decode (value + 4, out);
  return buf_append (out, value, strlen (value));
}

int
emu_appdata_split (const char *value, char **pieces, int max)
{
  int n = 0;
  const char *p = value;

  for (;;)
    {
      size_t len = strcspn (p, ",");
      char *s;

      if (n == max)
        return n + 1;   /* too many: caller sees count > max */
      s = xtrymalloc_secure (len + 1);
      if (!s)
        {
          while (n > 0)
            xfree_secure (pieces[--n]);
          return -1;
        }
      memcpy (s, p, len);
      s[len] = 0;
      pieces[n++] = s;
      if (!p[len])
        break;
      p += len + 1;
    }
  return n;
}

bool
emu_appdata_uint (const char *s, unsigned long max, unsigned long *v)
{
  char *end;

  if (!s || !*s || *s == '-')
    return false;
  errno = 0;
  *v = strtoul (s, &end, 0);
  return !errno && !*end && *v <= max;
}

bool
emu_appdata_bool (const char *s, bool *v)
{
  if (!strcasecmp (s, "yes") || !strcasecmp (s, "true") || !strcmp (s, "1"))
    *v = true;
  else if (!strcasecmp (s, "no") || !strcasecmp (s, "false")
           || !strcmp (s, "0"))
    *v = false;
  else
    return false;
  return true;
}

gpg_error_t
emu_appdata_rec_put (buf_t *out, uint8_t tag, const void *p, size_t n)
{
  gpg_error_t err = buf_append_byte (out, tag);
  if (!err)
    err = buf_append_be32 (out, (uint32_t)n);
  if (!err)
    err = buf_append (out, p, n);
  return err;
}

gpg_error_t
emu_appdata_rec_next (bufr_t *r, uint8_t *tag, const uint8_t **value,
                      uint32_t *len)
{
  if (bufr_u8 (r, tag) || bufr_be32 (r, len) || bufr_bytes (r, *len, value))
    return gpg_error (GPG_ERR_INV_VALUE);
  return 0;
}
