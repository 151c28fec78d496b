/* cli-map.c - vsctool restore --map: the option's value (auto, an
 * application to move everything to, or a map file) and the mapping as
 * vsctool prints it (the map file syntax, or JSON) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli.h"
#include "cli/cli-map.h"

#define CLI_MAP_FILE_MAX (1024u * 1024u)

int
cli_map_option (const char *arg, scapi_map_opts_t *mo,
                map_choices_t **r_choices)
{
  int a;
  FILE *fp;
  buf_t text = BUF_INIT;
  char tmp[4096];
  size_t n;
  gpg_error_t err;

  *r_choices = NULL;
  memset (mo, 0, sizeof *mo);
  if (!strcasecmp (arg, "auto"))
    return CLI_EXIT_OK;
  a = map_app_parse (arg);
  if (a > 0)
    {
      mo->opts.prefer = (map_app_t)a;
      return CLI_EXIT_OK;
    }
  fp = fopen (arg, "rb");
  if (!fp)
    {
      cli_msg (_("--map takes auto, pkcs15, openpgp, piv or a map file; "
                 "cannot open %s: %s"), arg, strerror (errno));
      return CLI_EXIT_USAGE;
    }
  while ((n = fread (tmp, 1, sizeof tmp, fp)) > 0)
    {
      if (text.len + n > CLI_MAP_FILE_MAX)
        {
          fclose (fp);
          buf_free (&text);
          cli_msg (_("%s: the map file is larger than 1 MiB"), arg);
          return CLI_EXIT_USAGE;
        }
      if (buf_append (&text, tmp, n))
        {
          fclose (fp);
          buf_free (&text);
          return CLI_EXIT_FAIL;
        }
    }
  if (ferror (fp))
    {
      cli_msg (_("cannot read %s: %s"), arg, strerror (errno));
      fclose (fp);
      buf_free (&text);
      return CLI_EXIT_FAIL;
    }
  fclose (fp);
  err = scapi_map_choices_parse ((const char *)text.data, text.len,
                                 r_choices);
  buf_free (&text);
  if (err)
    {
      cli_msg ("%s:%s", arg, scapi_last_error_text ());
      return CLI_EXIT_USAGE;
    }
  mo->choices = *r_choices;
  return CLI_EXIT_OK;
}

void
cli_map_print (const map_t *map, bool json, FILE *fp)
{
  size_t i;
  char *text = NULL;

  if (!json)
    {
      if (!map_format (map, &text))
        fputs (text, fp);
      xfree (text);
      return;
    }
  fprintf (fp, "[");
  for (i = 0; i < map->n; i++)
    {
      const map_entry_t *e = &map->e[i];
      char slot[MAP_SLOT_NAME_MAX];

      map_slot_name (&e->slot, e->kind, slot, sizeof slot);
      fprintf (fp, "%s{\"source\":", i ? "," : "");
      cli_json_str (fp, e->src);
      fprintf (fp, ",\"kind\":\"%s\",\"label\":", map_kind_name (e->kind));
      if (e->label)
        cli_json_str (fp, e->label);
      else
        fprintf (fp, "null");
      fprintf (fp, ",\"from\":\"%s\",\"purpose\":\"%s\",\"algorithm\":",
               map_app_name (e->src_app), map_purpose_name (e->purpose));
      if (e->alg)
        fprintf (fp, "\"%s\"", map_alg_name (e->alg));
      else
        fprintf (fp, "null");
      fprintf (fp, ",\"target\":\"%s\",\"stays\":%s,\"chosen\":%s,"
               "\"reason\":", slot, e->stays ? "true" : "false",
               e->fixed ? "true" : "false");
      if (e->reason)
        cli_json_str (fp, e->reason);
      else
        fprintf (fp, "null");
      fprintf (fp, ",\"howto\":");
      if (e->howto)
        cli_json_str (fp, e->howto);
      else
        fprintf (fp, "null");
      fprintf (fp, "}");
    }
  fprintf (fp, "]");
}
