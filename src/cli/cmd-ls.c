/* cmd-ls.c - vsctool ls: list the nodes of a VSC */
#include <config.h>
#include <stdio.h>
#include <string.h>

#include "common/sanitize.h"
#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (ls, "ls", "FILE [PATH]",
             N_("list the nodes of a VSC (-a: private ones too, asks the "
                "password)"),
             CLI_CMD_PW | CLI_CMD_JSON, 1, 2,
             { "l,long", N_("type, area, flags, size and note of every "
                            "node") },
             { "a,all", N_("private nodes too (asks the password, verifies "
                           "the file)") });

typedef struct cmd_ls_ctx {
  bool json, longfmt;
  unsigned count;
} cmd_ls_ctx_t;

static void
cmd_ls_flags (char *buf, size_t n, const image_node_t *node)
{
  snprintf (buf, n, "%s%s%s%s",
            node->flags & IMAGE_FLAG_NOT_EXTRACTABLE ? "X" : "-",
            node->flags & IMAGE_FLAG_TRUNCATED ? "T" : "-",
            node->flags & IMAGE_FLAG_UNREADABLE ? "U" : "-",
            node->flags & IMAGE_FLAG_DEACTIVATED ? "D" : "-");
}

/* The typed state (image_state_t) as JSON members. */
static void
cmd_ls_json_state (const image_node_t *node)
{
  const char *df;
  uint16_t fid;
  unsigned phase;
  uint8_t v[3];

  if (image_node_pin_scope (node))
    {
      printf (",\"pin_scope\":");
      cli_json_str (stdout, image_node_pin_scope (node));
    }
  if (image_node_pin_label (node))
    {
      printf (",\"pin_label\":");
      cli_json_str (stdout, image_node_pin_label (node));
    }
  if (image_node_scan_next (node, &df, &fid, &phase))
    {
      printf (",\"scan_next\":{\"df\":");
      cli_json_str (stdout, df);
      printf (",\"fid\":\"%04X\",\"phase\":%u}", fid, phase);
    }
  if (image_node_yubikey (node, v))
    printf (",\"yubikey_version\":\"%u.%u.%u\"", v[0], v[1], v[2]);
}

static gpg_error_t
cmd_ls_visit (image_node_t *node, unsigned depth, void *opaque)
{
  cmd_ls_ctx_t *ctx = opaque;
  char *path = image_node_path (node);
  char flags[8], state[512];

  (void)depth;
  if (!path)
    return gpg_error_from_syserror ();
  if (ctx->json)
    {
      printf ("%s{\"path\":", ctx->count ? "," : "");
      cli_json_str (stdout, path);
      printf (",\"type\":\"%s\",\"area\":\"%s\",\"size\":%zu,"
              "\"has_content\":%s,\"content_length\":%zu,\"source\":\"%s\","
              "\"flags\":[",
              image_type_name (node->type),
              image_area_name (image_node_effective_area (node)),
              node->size, node->has_content ? "true" : "false",
              node->content_len, image_source_name (node->source));
      {
        const char *sep = "";
        if (node->flags & IMAGE_FLAG_NOT_EXTRACTABLE)
          { printf ("%s\"not_extractable\"", sep); sep = ","; }
        if (node->flags & IMAGE_FLAG_TRUNCATED)
          { printf ("%s\"truncated\"", sep); sep = ","; }
        if (node->flags & IMAGE_FLAG_UNREADABLE)
          { printf ("%s\"unreadable\"", sep); sep = ","; }
        if (node->flags & IMAGE_FLAG_DEACTIVATED)
          printf ("%s\"deactivated\"", sep);
      }
      printf ("]");
      if (node->flags & IMAGE_FLAG_UNREADABLE)
        printf (",\"sw\":\"%04X\"", node->sw);
      if (node->note)
        {
          printf (",\"note\":");
          cli_json_str (stdout, node->note);
        }
      cmd_ls_json_state (node);
      if (node->aid)
        {
          printf (",\"aid\":");
          cli_json_hex (stdout, node->aid, node->aid_len);
        }
      if (node->fcp)
        {
          printf (",\"fcp\":");
          cli_json_hex (stdout, node->fcp, node->fcp_len);
        }
      if (node->key.algorithm)
        {
          printf (",\"key_algorithm\":");
          cli_json_str (stdout, node->key.algorithm);
        }
      if (node->key.fingerprint)
        {
          printf (",\"key_fingerprint\":");
          cli_json_str (stdout, node->key.fingerprint);
        }
      putchar ('}');
    }
  else if (ctx->longfmt)
    {
      cmd_ls_flags (flags, sizeof flags, node);
      printf ("%-18s %-10s %4s %8zu  %s", image_type_name (node->type),
              image_area_name (image_node_effective_area (node)), flags,
              node->has_content ? node->content_len : node->size,
              sanitize_str (path));
      image_node_state_text (node, state, sizeof state);
      if (*state || node->note)
        printf ("  (%s%s%s)", sanitize_str (state),
                *state && node->note ? "; " : "",
                node->note ? sanitize_str (node->note) : "");
      putchar ('\n');
    }
  else
    printf ("%s\n", sanitize_str (path));
  ctx->count++;
  xfree (path);
  return 0;
}

static int
cmd_ls_exec (cli_ctx_t *c)
{
  cmd_ls_ctx_t ctx;
  scapi_vsc_t *vsc;
  const char *file = c->argv[0], *path = c->argc > 1 ? c->argv[1] : NULL;
  const image_node_t *start = NULL;
  gpg_error_t err;
  int rc;

  memset (&ctx, 0, sizeof ctx);
  ctx.longfmt = cli_has (c, "long");
  ctx.json = c->json;

  rc = cli_vsc_open (c, file,
                     cli_has (c, "all") || c->pw.file || c->pw.fd >= 0, &vsc);
  if (rc)
    return rc;
  if (path && !(start = cli_vsc_node (vsc, file, path, true)))
    {
      scapi_vsc_close (vsc);
      return CLI_EXIT_FAIL;
    }
  if (ctx.json)
    {
      printf ("{\"file\":");
      cli_json_str (stdout, file);
      printf (",\"uuid\":\"%s\",\"verified\":%s,\"nodes\":[", scapi_vsc_uuid (vsc),
              scapi_vsc_unlocked (vsc) ? "true" : "false");
    }
  else if (!scapi_vsc_unlocked (vsc))
    fprintf (stderr, _("vsctool: %s: public nodes only, not verified "
                       "(use -a to verify and list private nodes)\n"), file);
  err = start ? image_walk_node (start, cmd_ls_visit, &ctx)
              : image_walk (scapi_vsc_image (vsc), cmd_ls_visit, &ctx);
  if (ctx.json)
    printf ("]}\n");
  scapi_vsc_close (vsc);
  if (err)
    {
      cli_error (err, "%s", file);
      return CLI_EXIT_FAIL;
    }
  return CLI_EXIT_OK;
}
