/* sanitize.c - text from outside, made safe to show on a terminal */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "sanitize.h"

#define SANITIZE_RING 4
#define SANITIZE_RING_SIZE 16384

bool
sanitize_unsafe (uint32_t c)
{
  return c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0x9F)
         || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

/* Decode one UTF-8 sequence at P (N > 0 bytes): its length, or 0 if it is
 * not well-formed (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t
sanitize_utf8 (const unsigned char *p, size_t n, uint32_t *r_c)
{
  uint32_t c;
  size_t len, i;

  if (p[0] < 0x80)
    {
      *r_c = p[0];
      return 1;
    }
  if (p[0] >= 0xC2 && p[0] <= 0xDF)
    len = 2, c = p[0] & 0x1F;
  else if (p[0] >= 0xE0 && p[0] <= 0xEF)
    len = 3, c = p[0] & 0x0F;
  else if (p[0] >= 0xF0 && p[0] <= 0xF4)
    len = 4, c = p[0] & 0x07;
  else
    return 0;
  if (len > n)
    return 0;
  for (i = 1; i < len; i++)
    {
      if ((p[i] & 0xC0) != 0x80)
        return 0;
      c = (c << 6) | (p[i] & 0x3F);
    }
  if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF))
      || (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *r_c = c;
  return len;
}

/* The escaped form of the next character of P into OUT (at least 12
 * bytes); returns its length and sets *R_USED to the input consumed. */
static size_t
sanitize_one (const unsigned char *p, size_t n, char *out, size_t *r_used)
{
  static const char hx[] = "0123456789abcdef";
  uint32_t c = 0;
  size_t len = sanitize_utf8 (p, n, &c);

  if (!len)
    {
      *r_used = 1;
      out[0] = '\\';
      out[1] = 'x';
      out[2] = hx[p[0] >> 4];
      out[3] = hx[p[0] & 15];
      return 4;
    }
  *r_used = len;
  if (c == '\\')
    {
      out[0] = out[1] = '\\';
      return 2;
    }
  if (!sanitize_unsafe (c))
    {
      memcpy (out, p, len);
      return len;
    }
  if (c < 0x80)
    {
      out[0] = '\\';
      out[1] = 'x';
      out[2] = hx[c >> 4];
      out[3] = hx[c & 15];
      return 4;
    }
  out[0] = '\\';
  out[1] = 'u';
  out[2] = hx[(c >> 12) & 15];
  out[3] = hx[(c >> 8) & 15];
  out[4] = hx[(c >> 4) & 15];
  out[5] = hx[c & 15];
  return 6;
}

char *
sanitize_mem (const void *p, size_t n, char *buf, size_t bufsize)
{
  const unsigned char *s = p;
  size_t o = 0, used, k;
  char one[12];

  if (!bufsize)
    return buf;
  while (n)
    {
      k = sanitize_one (s, n, one, &used);
      if (o + k + 1 > bufsize)
        {
          /* Cut, and say so. */
          while (o + 4 > bufsize && o)
            o--;
          /* do not end inside a UTF-8 sequence */
          while (o && ((unsigned char)buf[o] & 0xC0) == 0x80)
            o--;
          if (o + 4 <= bufsize)
            {
              memcpy (buf + o, "...", 3);
              o += 3;
            }
          break;
        }
      memcpy (buf + o, one, k);
      o += k;
      s += used;
      n -= used;
    }
  buf[o] = 0;
  return buf;
}

char *
sanitize_text (const char *s, char *buf, size_t bufsize)
{
  return sanitize_mem (s ? s : "", s ? strlen (s) : 0, buf, bufsize);
}

const char *
sanitize_str (const char *s)
{
  static __thread char ring[SANITIZE_RING][SANITIZE_RING_SIZE];
  static __thread unsigned next;
  char *buf = ring[next++ % SANITIZE_RING];

  return sanitize_text (s, buf, SANITIZE_RING_SIZE);
}

void
sanitize_fputs (const char *s, FILE *fp)
{
  size_t n = s ? strlen (s) : 0, used, k;
  const unsigned char *p = (const unsigned char *)s;
  char one[12];

  while (n)
    {
      k = sanitize_one (p, n, one, &used);
      fwrite (one, 1, k, fp);
      p += used;
      n -= used;
    }
}
