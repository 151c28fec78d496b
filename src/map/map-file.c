/* map-file.c - map files: the user's mapping table (vsctool restore
 * --map FILE) and the planner's mapping printed in the same syntax
 * (vsctool restore --dry-run), so a printed mapping can be edited and
 * given back.
 *
 *   # a comment (also after a blank at the end of a line)
 *   prefer piv              where objects go first: pkcs15, openpgp,
 *                           piv, none (only what has no place otherwise)
 *   holder yes              cardholder name, URL, login onto OpenPGP
 *                           from the source's certificate subject
 *   SOURCE-PATH  TARGET     TARGET: a slot (piv:9a, openpgp:sig,
 *                           openpgp:0101, openpgp:name, pkcs15:auth,
 *                           pkcs15:data, ...), none or auto
 *
 * Lines are at most 1024 bytes; a file at most 1 MiB. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <stdarg.h>

#include "common/util.h"
#include "common/array.h"
#include "common/i18n.h"
#include "common/errctx.h"
#include "map/map-int.h"

#define MAP_FILE_MAX (1024u * 1024u)
#define MAP_LINE_MAX 1024u
#define MAP_CHOICES_MAX 4096u

/* Free what choice C owns. */
static void
map_choice_release (map_choice_t *c)
{
  xfree (c->src);
}

void
map_choices_free (map_choices_t *choices)
{
  ARRAY_FREE_OWNER (choices, c, n, map_choice_release);
}

/* Split LINE into at most 3 words (the third is an error). */
static size_t
map_file_words (char *line, char **w, size_t max)
{
  size_t n = 0;
  char *p = line;

  while (*p)
    {
      while (*p == ' ' || *p == '\t')
        p++;
      if (!*p || *p == '#')
        break;
      if (n == max)
        return max + 1;
      w[n++] = p;
      while (*p && *p != ' ' && *p != '\t')
        p++;
      if (*p)
        *p++ = 0;
    }
  return n;
}

static gpg_error_t
map_file_add (map_choices_t *ch, const char *src, unsigned line,
              map_choice_t **r_c)
{
  map_choice_t *c;
  size_t i;

  for (i = 0; i < ch->n; i++)
    if (!strcasecmp (ch->c[i].src, src))
      {
        errctx_set (_("%u: %s is given twice (also line %u)"), line, src,
                       ch->c[i].line);
        return gpg_error (GPG_ERR_INV_DATA);
      }
  if (ch->n >= MAP_CHOICES_MAX)
    {
      errctx_set (_("%u: too many lines"), line);
      return gpg_error (GPG_ERR_INV_DATA);
    }
  c = xtryrealloc (ch->c, (ch->n + 1) * sizeof *c);
  if (!c)
    return gpg_error_from_syserror ();
  ch->c = c;
  c = &ch->c[ch->n];
  memset (c, 0, sizeof *c);
  c->src = xtrystrdup (*src == '/' ? src + 1 : src);
  if (!c->src)
    return gpg_error_from_syserror ();
  c->line = line;
  ch->n++;
  *r_c = c;
  return 0;
}

static gpg_error_t
map_file_line (map_choices_t *ch, char *text, unsigned line)
{
  char *w[3];
  size_t n = map_file_words (text, w, 2);
  map_choice_t *c = NULL;
  gpg_error_t err;
  size_t i;

  if (!n)
    return 0;
  if (n != 2)
    {
      errctx_set (_("%u: expected two words: SOURCE TARGET, \"prefer "
                       "APP\" or \"holder yes|no\""), line);
      return gpg_error (GPG_ERR_INV_DATA);
    }
  for (i = 0; w[0][i]; i++)
    if ((unsigned char)w[0][i] < 0x21 || (unsigned char)w[0][i] > 0x7E)
      {
        errctx_set (_("%u: the source path must be printable ASCII"),
                       line);
        return gpg_error (GPG_ERR_INV_DATA);
      }
  if (!strcasecmp (w[0], "prefer"))
    {
      int a = map_app_parse (w[1]);
      if (a < 0)
        {
          errctx_set (_("%u: prefer takes pkcs15, openpgp, piv or "
                           "none, not \"%s\""), line, w[1]);
          return gpg_error (GPG_ERR_INV_DATA);
        }
      ch->opts.prefer = (map_app_t)a;
      ch->has_prefer = true;
      return 0;
    }
  if (!strcasecmp (w[0], "holder"))
    {
      if (strcasecmp (w[1], "yes") && strcasecmp (w[1], "no"))
        {
          errctx_set (_("%u: holder takes yes or no"), line);
          return gpg_error (GPG_ERR_INV_DATA);
        }
      ch->opts.holder = !strcasecmp (w[1], "yes");
      ch->has_holder = true;
      return 0;
    }
  if (!strchr (w[0], '/'))
    {
      errctx_set (_("%u: \"%s\" is not a path of the VSC (like "
                       "3F00/5015/key-45 or openpgp/key-sig)"), line, w[0]);
      return gpg_error (GPG_ERR_INV_DATA);
    }
  err = map_file_add (ch, w[0], line, &c);
  if (err)
    return err;
  snprintf (c->target, sizeof c->target, "%s", w[1]);
  if (!strcasecmp (w[1], "auto"))
    {
      c->automatic = true;
      return 0;
    }
  /* The kind is not known yet: accept any slot name; map_plan checks it
   * against the object. */
  {
    static const map_kind_t kinds[] = { MAP_KIND_KEY, MAP_KIND_DATA,
                                        MAP_KIND_HOLDER };
    for (i = 0; i < DIM (kinds); i++)
      {
        err = map_slot_parse (w[1], kinds[i], &c->slot);
        if (!err || gpg_err_code (err) != GPG_ERR_INV_VALUE)
          break;
      }
  }
  if (err)
    {
      errctx_set (_("%u: \"%s\" is not a place on a token (piv:9a, "
                       "openpgp:sig, openpgp:0101, openpgp:name, "
                       "pkcs15:sign, pkcs15:data, none, auto)"), line, w[1]);
      return gpg_error (GPG_ERR_INV_DATA);
    }
  return 0;
}

gpg_error_t
map_choices_parse (const char *text, size_t len, map_choices_t **r_choices)
{
  gpg_error_t err = 0;
  map_choices_t *ch;
  char line[MAP_LINE_MAX + 1];
  size_t off = 0;
  unsigned lineno = 0;

  *r_choices = NULL;
  errctx_clear ();
  if (len > MAP_FILE_MAX)
    {
      errctx_set (_("the map file is larger than 1 MiB"));
      return gpg_error (GPG_ERR_INV_DATA);
    }
  ch = xtrycalloc (1, sizeof *ch);
  if (!ch)
    return gpg_error_from_syserror ();
  while (!err && off < len)
    {
      size_t end = off, n;
      while (end < len && text[end] != '\n')
        end++;
      n = end - off;
      lineno++;
      if (n && text[off + n - 1] == '\r')
        n--;
      if (n > MAP_LINE_MAX)
        {
          errctx_set (_("%u: line longer than %u bytes"), lineno,
                         MAP_LINE_MAX);
          err = gpg_error (GPG_ERR_INV_DATA);
          break;
        }
      memcpy (line, text + off, n);
      line[n] = 0;
      if (memchr (line, 0, n))
        {
          errctx_set (_("%u: NUL byte"), lineno);
          err = gpg_error (GPG_ERR_INV_DATA);
          break;
        }
      err = map_file_line (ch, line, lineno);
      off = end + 1;
    }
  if (err)
    {
      map_choices_free (ch);
      return err;
    }
  *r_choices = ch;
  return 0;
}

/* ---- printing --------------------------------------------------------- */

static gpg_error_t
map_fmt (buf_t *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

static gpg_error_t
map_fmt (buf_t *b, const char *fmt, ...)
{
  char tmp[1400];
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (tmp, sizeof tmp, fmt, ap);
  va_end (ap);
  if (n < 0)
    return gpg_error (GPG_ERR_INTERNAL);
  if ((size_t)n >= sizeof tmp)
    n = sizeof tmp - 1;
  return buf_append (b, tmp, (size_t)n);
}

static void
map_fmt_algs (unsigned set, char *buf, size_t size)
{
  unsigned bit;
  size_t k = 0;
  buf[0] = 0;
  for (bit = 1; bit <= MAP_ALG_CV25519; bit <<= 1)
    if (set & bit)
      {
        int r = snprintf (buf + k, size - k, "%s%s", k ? "," : "",
                          map_alg_name (bit));
        if (r < 0 || (size_t)r >= size - k)
          break;
        k += (size_t)r;
      }
  if (!k)
    snprintf (buf, size, "-");
}

gpg_error_t
map_format (const map_t *map, char **r_text)
{
  gpg_error_t err = 0;
  buf_t b = BUF_INIT;
  const map_target_t *t = &map->target;
  char algs[3][160], slot[MAP_SLOT_NAME_MAX];
  size_t i;

  *r_text = NULL;
  err = map_fmt (&b, "%s", _("# The mapping: SOURCE TARGET (edit it and "
                             "give it back with --map FILE)\n"));
  if (!err && t->piv)
    {
      map_fmt_algs (t->piv_algs, algs[0], sizeof algs[0]);
      err = map_fmt (&b, _("# target: PIV, key import %s, %s, %u retired "
                           "slots\n"), t->piv_import ? _("yes") : _("no"),
                     algs[0], t->piv_retired);
    }
  if (!err && t->openpgp)
    {
      for (i = 0; i < 3; i++)
        map_fmt_algs (t->openpgp_algs[i], algs[i], sizeof algs[i]);
      err = map_fmt (&b, _("# target: OpenPGP, key import %s, sig %s, dec "
                           "%s, aut %s, private-use DOs %zu bytes\n"),
                     t->openpgp_import ? _("yes") : _("no"), algs[0],
                     algs[1], algs[2], t->openpgp_private_max);
    }
  if (!err && map_target_has (map, MAP_APP_PKCS15, MAP_APP_NONE)
      && t->pkcs15)
    {
      map_fmt_algs (t->pkcs15_algs, algs[0], sizeof algs[0]);
      err = map_fmt (&b, _("# target: blank file system, new PKCS#15 "
                           "structure, key import %s, %s\n"),
                     t->pkcs15_import ? _("yes") : _("no"), algs[0]);
    }
  if (!err)
    err = map_fmt (&b, "prefer %s\nholder %s\n",
                   map_app_name (map->opts.prefer),
                   map->opts.holder ? "yes" : "no");
  for (i = 0; !err && i < map->n; i++)
    {
      const map_entry_t *e = &map->e[i];
      const char *what = map_kind_name (e->kind);
      char extra[160];

      if (e->kind == MAP_KIND_OTHER && e->stays)
        continue;         /* copied as it is: not part of the mapping */
      map_slot_name (&e->slot, e->kind, slot, sizeof slot);
      extra[0] = 0;
      if (e->kind == MAP_KIND_KEY)
        snprintf (extra, sizeof extra, ", %s, %s%s", map_alg_name (e->alg),
                  map_purpose_name (e->purpose),
                  e->escrowed ? ", escrowed" : e->born_on_card
                  ? ", born on the card" : "");
      else if (e->kind == MAP_KIND_CERT || e->kind == MAP_KIND_DATA)
        snprintf (extra, sizeof extra, ", %zu bytes", e->size);
      else if (e->kind == MAP_KIND_HOLDER && e->value)
        snprintf (extra, sizeof extra, ", \"%.60s\"", (const char *)e->value);
      err = map_fmt (&b, "%-32s %-14s # %s%s%s%s%s%s\n", e->src, slot, what,
                     e->label ? ": " : "", e->label ? e->label : "", extra,
                     e->reason ? "; " : "", e->reason ? e->reason : "");
      if (!err && e->howto)
        {
          const char *p = e->howto, *nl;
          while (!err && *p)
            {
              nl = strchr (p, '\n');
              err = map_fmt (&b, "#     %.*s\n",
                             (int)(nl ? (size_t)(nl - p) : strlen (p)), p);
              p = nl ? nl + 1 : p + strlen (p);
            }
        }
    }
  if (!err)
    err = buf_append_byte (&b, 0);
  if (err)
    {
      buf_free (&b);
      return err;
    }
  *r_text = (char *)buf_steal (&b, NULL);
  return 0;
}
