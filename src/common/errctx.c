/* errctx.c - the error context of this thread (see errctx.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "errctx.h"

static _Thread_local errctx_t errctx_cur = { .area = -1 };

errctx_t *
errctx_get (void)
{
  return &errctx_cur;
}

void
errctx_clear (void)
{
  memset (&errctx_cur, 0, sizeof errctx_cur);
  errctx_cur.area = -1;
}

void
errctx_vset (const char *fmt, va_list ap)
{
  char text[sizeof errctx_cur.text];

  /* Through a copy: the arguments may point into the old sentence. */
  vsnprintf (text, sizeof text, fmt, ap);
  memcpy (errctx_cur.text, text, sizeof text);
}

void
errctx_set (const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  errctx_vset (fmt, ap);
  va_end (ap);
}

bool
errctx_set_first (const char *fmt, ...)
{
  va_list ap;

  if (errctx_cur.text[0])
    return false;
  va_start (ap, fmt);
  errctx_vset (fmt, ap);
  va_end (ap);
  return true;
}

void
errctx_note (gpg_error_t code, const char *path, unsigned sw)
{
  if (!errctx_cur.code)
    errctx_cur.code = code;
  if (!errctx_cur.path[0] && path)
    snprintf (errctx_cur.path, sizeof errctx_cur.path, "%s", path);
  if (!errctx_cur.sw)
    errctx_cur.sw = sw;
}

const char *
errctx_text (void)
{
  return errctx_cur.text;
}

const char *
errctx_message (gpg_error_t err)
{
  return errctx_cur.text[0] ? errctx_cur.text : gpg_strerror (err);
}
