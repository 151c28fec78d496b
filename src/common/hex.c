/* hex.c - hex encoding, decoding and dumps */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "hex.h"
#include "util.h"

static const char hex_digits[] = "0123456789ABCDEF";

void
hex_encode (const uint8_t *p, size_t n, char *out)
{
  size_t i;

  for (i = 0; i < n; i++)
    {
      *out++ = hex_digits[p[i] >> 4];
      *out++ = hex_digits[p[i] & 15];
    }
  *out = 0;
}

gpg_error_t
hex_append (buf_t *b, const uint8_t *p, size_t n, char sep)
{
  gpg_error_t err;
  size_t i, per = sep ? 3 : 2;
  uint8_t *o;

  if (!n)
    return 0;
  if (n > (SIZE_MAX / 4))
    return gpg_error (GPG_ERR_ENOMEM);
  err = buf_reserve (b, n * per);
  if (err)
    return err;
  o = b->data + b->len;
  for (i = 0; i < n; i++)
    {
      if (sep && i)
        *o++ = (uint8_t)sep;
      *o++ = (uint8_t)hex_digits[p[i] >> 4];
      *o++ = (uint8_t)hex_digits[p[i] & 15];
    }
  b->len = (size_t)(o - b->data);
  return 0;
}

static int
hex_nibble (int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

gpg_error_t
hex_decode (const char *s, buf_t *out)
{
  gpg_error_t err = 0;
  size_t start = out->len;
  int hi = -1, v;

  for (; *s; s++)
    {
      if (*s == ' ' || *s == ':' || *s == '\t' || *s == '\n')
        {
          if (hi >= 0)
            {
              err = gpg_error (GPG_ERR_INV_VALUE);  /* odd digit group */
              goto leave;
            }
          continue;
        }
      v = hex_nibble ((unsigned char)*s);
      if (v < 0)
        {
          err = gpg_error (GPG_ERR_INV_VALUE);
          goto leave;
        }
      if (hi < 0)
        hi = v;
      else
        {
          err = buf_append_byte (out, (uint8_t)(hi << 4 | v));
          if (err)
            goto leave;
          hi = -1;
        }
    }
  if (hi >= 0)
    err = gpg_error (GPG_ERR_INV_VALUE);

 leave:
  if (err)
    buf_truncate (out, start);
  return err;
}

/* One dump line for P[0..N) (N <= 16) at OFFSET into LINE (>= 80 bytes). */
static size_t
hex_dump_line (char *line, size_t offset, const uint8_t *p, size_t n)
{
  size_t i, k = 0;

  for (i = 0; i < 8; i++)
    line[k++] = hex_digits[(offset >> (4 * (7 - i))) & 15];
  line[k++] = ' ';
  line[k++] = ' ';
  for (i = 0; i < 16; i++)
    {
      if (i < n)
        {
          line[k++] = hex_digits[p[i] >> 4];
          line[k++] = hex_digits[p[i] & 15];
        }
      else
        {
          line[k++] = ' ';
          line[k++] = ' ';
        }
      line[k++] = ' ';
      if (i == 7)
        line[k++] = ' ';
    }
  line[k++] = ' ';
  line[k++] = '|';
  for (i = 0; i < n; i++)
    line[k++] = (p[i] >= 0x20 && p[i] < 0x7F) ? (char)p[i] : '.';
  line[k++] = '|';
  line[k++] = '\n';
  line[k] = 0;
  return k;
}

void
hex_dump (FILE *fp, const uint8_t *p, size_t n)
{
  char line[96];
  size_t off;

  for (off = 0; off < n; off += 16)
    {
      hex_dump_line (line, off, p + off, n - off < 16 ? n - off : 16);
      fputs (line, fp);
    }
}

gpg_error_t
hex_dump_buf (buf_t *out, const uint8_t *p, size_t n)
{
  char line[96];
  size_t off, k;
  gpg_error_t err;

  for (off = 0; off < n; off += 16)
    {
      k = hex_dump_line (line, off, p + off, n - off < 16 ? n - off : 16);
      err = buf_append (out, line, k);
      if (err)
        return err;
    }
  return 0;
}
