/* cmd-ls.c - vsctool ls: list the nodes of a VSC */
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

static int cmd_ls_run (int argc, char **argv);

const cli_cmd_t cli_cmd_ls = {
  "ls",
  "[-l] [-a] [--json] [--password-file F|--password-fd N] FILE [PATH]",
  N_("list the nodes of a VSC (-a: private ones too, asks the password)"),
  cmd_ls_run
};

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

static gpg_error_t
cmd_ls_visit (image_node_t *node, unsigned depth, void *opaque)
{
  cmd_ls_ctx_t *ctx = opaque;
  char *path = image_node_path (node);
  char flags[8];

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
      if (node->note)
        printf ("  (%s)", sanitize_str (node->note));
      putchar ('\n');
    }
  else
    printf ("%s\n", sanitize_str (path));
  ctx->count++;
  xfree (path);
  return 0;
}

static int
cmd_ls_run (int argc, char **argv)
{
  static const struct option longopts[] = {
    CLI_VSC_LONGOPTS_PW, CLI_VSC_LONGOPTS_JSON, CLI_VSC_LONGOPTS_HELP,
    { "all", 0, NULL, 'a' }, { "long", 0, NULL, 'l' }, { NULL, 0, NULL, 0 }
  };
  cli_vsc_opts_t o;
  cmd_ls_ctx_t ctx;
  bool all = false;
  vsc_t *vsc;
  const char *file, *path = NULL;
  image_node_t *start = NULL;
  gpg_error_t err;
  int c, rc;

  cli_vsc_opts_init (&o);
  memset (&ctx, 0, sizeof ctx);
  while ((c = getopt_long (argc, argv, "hla", longopts, NULL)) != -1)
    {
      int r = cli_vsc_option (&o, c, optarg);
      if (r > 0)
        continue;
      if (r < 0)
        return CLI_EXIT_USAGE;
      if (c == 'l')
        ctx.longfmt = true;
      else if (c == 'a')
        all = true;
      else if (c == 'h' || c == CLI_VSC_OPT_HELP)
        {
          printf (_("usage: vsctool %s %s\n"), cli_cmd_ls.name, cli_cmd_ls.args);
          return CLI_EXIT_OK;
        }
      else
        return cli_usage (&cli_cmd_ls);
    }
  if (optind + 1 != argc && optind + 2 != argc)
    return cli_usage (&cli_cmd_ls);
  file = argv[optind];
  if (optind + 2 == argc)
    path = argv[optind + 1];
  ctx.json = o.json;

  rc = cli_vsc_open (&o, file, all || o.pw.file || o.pw.fd >= 0, &vsc);
  if (rc)
    return rc;
  if (path)
    {
      start = image_find_path (vsc_image (vsc), path);
      if (!start)
        {
          cli_msg (_("%s: no node '%s'%s"), file, path,
                   vsc_unlocked (vsc) ? ""
                   : _(" (private nodes need -a and the password)"));
          vsc_close (vsc);
          return CLI_EXIT_FAIL;
        }
    }
  if (ctx.json)
    {
      printf ("{\"file\":");
      cli_json_str (stdout, file);
      printf (",\"uuid\":\"%s\",\"verified\":%s,\"nodes\":[", vsc_uuid (vsc),
              vsc_unlocked (vsc) ? "true" : "false");
    }
  else if (!vsc_unlocked (vsc))
    fprintf (stderr, _("vsctool: %s: public nodes only, not verified "
                       "(use -a to verify and list private nodes)\n"), file);
  err = start ? image_walk_node (start, cmd_ls_visit, &ctx)
              : image_walk (vsc_image (vsc), cmd_ls_visit, &ctx);
  if (ctx.json)
    printf ("]}\n");
  vsc_close (vsc);
  if (err)
    {
      cli_error (err, "%s", file);
      return CLI_EXIT_FAIL;
    }
  return CLI_EXIT_OK;
}
