/* cmd-info.c - vsctool info: what a VSC file holds (no password needed) */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (info, "info", "FILE",
             N_("show a VSC's UUID, card identity, areas, KDF and generation"),
             CLI_CMD_PW | CLI_CMD_JSON, 1, 1);

static void
cmd_info_hex (FILE *fp, const unsigned char *p, size_t n)
{
  size_t i;
  for (i = 0; i < n; i++)
    fprintf (fp, i ? " %02X" : "%02X", p[i]);
}

static void
cmd_info_json (const char *path, scapi_vsc_t *vsc, const vsc_info_t *in)
{
  const image_card_t *c = &scapi_vsc_image (vsc)->card;
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
  cli_json_field (stdout, "serial", c->serial);
  cli_json_field (stdout, "label", c->label);
  cli_json_field (stdout, "reader", c->reader);
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
              scapi_vsc_area_name ((vsc_area_t)a), in->area_size[a]);
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
cmd_info_text (const char *path, scapi_vsc_t *vsc, const vsc_info_t *in)
{
  const image_card_t *c = &scapi_vsc_image (vsc)->card;
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
      printf ("  %-11s %8zu %s", scapi_vsc_area_name ((vsc_area_t)a), in->area_size[a],
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
cmd_info_exec (cli_ctx_t *c)
{
  scapi_vsc_t *vsc;
  vsc_info_t in;
  int rc;

  /* No password needed; with --password-file/--password-fd the file is
   * verified and the private areas are counted too. */
  rc = cli_vsc_open (c, c->argv[0], c->pw.file || c->pw.fd >= 0, &vsc);
  if (rc)
    return rc;
  scapi_vsc_info (vsc, &in);
  if (c->json)
    cmd_info_json (c->argv[0], vsc, &in);
  else
    cmd_info_text (c->argv[0], vsc, &in);
  scapi_vsc_close (vsc);
  return CLI_EXIT_OK;
}
