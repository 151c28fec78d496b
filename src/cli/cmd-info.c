/* cmd-info.c - vsctool info: what a VSC file holds (no password needed) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <getopt.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

static int cmd_info_run (int argc, char **argv);

const cli_cmd_t cli_cmd_info = {
  "info",
  "[--json] [--password-file F|--password-fd N] FILE",
  N_("show a VSC's UUID, card identity, areas, KDF and generation"),
  cmd_info_run
};

static void
cmd_info_hex (FILE *fp, const unsigned char *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    fprintf (fp, i ? " %02X" : "%02X", p[i]);
}

static void
cmd_info_json (const char *path, vsc_t *vsc, const vsc_info_t *in)
{
  const image_card_t *c = &vsc_image (vsc)->card;
  size_t i;
  int a;

  printf ("{\"file\":");
  cli_json_str (stdout, path);
  printf (",\"uuid\":\"%s\",\"format_version\":%u,\"generation\":%llu,"
          "\"created\":", in->uuid, in->version,
          (unsigned long long)in->generation);
  putchar ('"');
  cli_vsc_time (stdout, in->created);
  printf ("\",\"modified\":\"");
  cli_vsc_time (stdout, in->modified);
  printf ("\",\"verified\":%s,\"file_size\":%zu,", in->unlocked ? "true" : "false",
          in->file_size);
  printf ("\"kdf\":{\"algorithm\":\"argon2id\",\"memory_kib\":%lu,"
          "\"iterations\":%lu,\"parallelism\":%lu},\"keyslots\":%u,",
          in->kdf.m_kib, in->kdf.t, in->kdf.p, in->n_keyslots);
  printf ("\"card\":{\"atr\":");
  if (c->atr)
    cli_json_hex (stdout, c->atr, c->atr_len);
  else
    printf ("null");
  printf (",\"serial\":");
  if (c->serial) cli_json_str (stdout, c->serial); else printf ("null");
  printf (",\"label\":");
  if (c->label) cli_json_str (stdout, c->label); else printf ("null");
  printf (",\"reader\":");
  if (c->reader) cli_json_str (stdout, c->reader); else printf ("null");
  printf (",\"aids\":[");
  for (i = 0; i < c->n_aids; i++)
    {
      if (i)
        putchar (',');
      cli_json_hex (stdout, c->aids[i], c->aid_lens[i]);
    }
  printf ("],\"agents\":[");
  for (i = 0; i < c->n_agents; i++)
    {
      if (i)
        putchar (',');
      cli_json_str (stdout, c->agents[i]);
    }
  printf ("]},\"areas\":[");
  for (a = 0; a < VSC_AREA_COUNT; a++)
    {
      printf ("%s{\"name\":\"%s\",\"size\":%zu", a ? "," : "",
              vsc_area_name ((vsc_area_t)a), in->area_size[a]);
      if (a == VSC_AREA_PUBLIC)
        printf (",\"nodes\":%zu,\"content_bytes\":%zu",
                in->nodes[IMAGE_AREA_PUBLIC], in->content_bytes[IMAGE_AREA_PUBLIC]);
      if (a == VSC_AREA_PRIVATE || a == VSC_AREA_SECRET_KEY)
        {
          printf (",\"encrypted\":true");
          if (in->unlocked)
            printf (",\"nodes\":%zu,\"content_bytes\":%zu",
                    in->nodes[a - VSC_AREA_PUBLIC],
                    in->content_bytes[a - VSC_AREA_PUBLIC]);
        }
      putchar ('}');
    }
  printf ("]}\n");
}

static void
cmd_info_text (const char *path, vsc_t *vsc, const vsc_info_t *in)
{
  const image_card_t *c = &vsc_image (vsc)->card;
  size_t i;
  int a;

  printf (_("File:         %s\n"), sanitize_str (path));
  printf (_("UUID:         %s\n"), in->uuid);
  printf (_("Format:       version %u\n"), in->version);
  printf (_("Generation:   %llu\n"), (unsigned long long)in->generation);
  printf (_("Created:      "));
  cli_vsc_time (stdout, in->created);
  printf (_("\nModified:     "));
  cli_vsc_time (stdout, in->modified);
  printf (_("\nVerified:     %s\n"), in->unlocked ? _("yes")
          : _("no (opened without the password; contents not verified)"));
  printf (_("KDF:          Argon2id, memory %lu KiB, %lu iterations, "
            "parallelism %lu; %u keyslot(s)\n"),
          in->kdf.m_kib, in->kdf.t, in->kdf.p, in->n_keyslots);
  if (c->label)
    printf (_("Label:        %s\n"), sanitize_str (c->label));
  if (c->serial)
    printf (_("Card serial:  %s\n"), sanitize_str (c->serial));
  if (c->atr)
    {
      printf (_("Card ATR:     "));
      cmd_info_hex (stdout, c->atr, c->atr_len);
      putchar ('\n');
    }
  if (c->reader)
    printf (_("Reader:       %s\n"), sanitize_str (c->reader));
  for (i = 0; i < c->n_aids; i++)
    {
      printf (_("AID:          "));
      cmd_info_hex (stdout, c->aids[i], c->aid_lens[i]);
      putchar ('\n');
    }
  for (i = 0; i < c->n_agents; i++)
    printf (_("Agent:        %s\n"), sanitize_str (c->agents[i]));
  printf (_("Areas:\n"));
  for (a = 0; a < VSC_AREA_COUNT; a++)
    {
      printf ("  %-11s %8zu %s", vsc_area_name ((vsc_area_t)a), in->area_size[a],
              _("bytes"));
      if (a == VSC_AREA_PUBLIC)
        printf (_(", %zu node(s), %zu content bytes"),
                in->nodes[IMAGE_AREA_PUBLIC], in->content_bytes[IMAGE_AREA_PUBLIC]);
      else if ((a == VSC_AREA_PRIVATE || a == VSC_AREA_SECRET_KEY)
               && in->unlocked)
        printf (_(" (encrypted), %zu node(s), %zu content bytes"),
                in->nodes[a - VSC_AREA_PUBLIC],
                in->content_bytes[a - VSC_AREA_PUBLIC]);
      else if (a == VSC_AREA_PRIVATE || a == VSC_AREA_SECRET_KEY)
        printf (_(" (encrypted)"));
      putchar ('\n');
    }
  printf (_("File size:    %zu bytes\n"), in->file_size);
}

static int
cmd_info_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_JSON, CLI_VSC_LONGOPTS_HELP,
    { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  vsc_t *vsc;
  vsc_info_t in;
  int c, rc;

  cli_vsc_opts_init (&o);
  while ((c = getopt_long (argc, argv, "h", longopts, NULL)) != -1)
    {
      int r = cli_vsc_option (&o, c, optarg);
      if (r > 0)
        continue;
      if (r < 0)
        return CLI_EXIT_USAGE;
      if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_info.name, cli_cmd_info.args);
          return CLI_EXIT_OK;
        }
      return cli_usage (&cli_cmd_info);
    }
  if (optind + 1 != argc)
    return cli_usage (&cli_cmd_info);
  /* No password needed; with --password-file/--password-fd the file is
   * verified and the private areas are counted too. */
  rc = cli_vsc_open (&o, argv[optind], o.pw.file || o.pw.fd >= 0, &vsc);
  if (rc)
    return rc;
  vsc_info (vsc, &in);
  if (o.json)
    cmd_info_json (argv[optind], vsc, &in);
  else
    cmd_info_text (argv[optind], vsc, &in);
  vsc_close (vsc);
  return CLI_EXIT_OK;
}
