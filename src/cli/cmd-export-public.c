/* cmd-export-public.c - vsctool export-public: public nodes as files */
#include <config.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/util.h"
#include "common/i18n.h"
#include "cli/cli-vsc.h"

CLI_COMMAND (export_public, "export-public", "FILE DIR",
             N_("write the content of every public node as a file under DIR"),
             CLI_CMD_PW, 2, 2,
             { "unverified", N_("without the password (the export is marked "
                                "not verified)") });

typedef struct cmd_export_ctx {
  const char *dir;
  FILE *index;
  unsigned count;
  gpg_error_t err;
  char *failed;
} cmd_export_ctx_t;

/* mkdir -p for the directories of FULL (not the last component). */
static gpg_error_t
cmd_export_mkdirs (char *full, size_t skip)
{
  char *p;

  for (p = full + skip + 1; (p = strchr (p, '/')); p++)
    {
      *p = 0;
      if (mkdir (full, 0700) && errno != EEXIST)
        {
          gpg_error_t err = gpg_error_from_syserror ();
          *p = '/';
          return err;
        }
      *p = '/';
    }
  return 0;
}

static gpg_error_t
cmd_export_write (const char *full, const unsigned char *p, size_t n)
{
  gpg_error_t err = 0;
  int fd = open (full, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

  if (fd < 0)
    return gpg_error_from_syserror ();
  while (n)
    {
      ssize_t w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0)
        {
          err = gpg_error_from_syserror ();
          break;
        }
      p += w;
      n -= (size_t)w;
    }
  if (close (fd) && !err)
    err = gpg_error_from_syserror ();
  if (err)
    unlink (full);
  return err;
}

static gpg_error_t
cmd_export_visit (image_node_t *node, unsigned depth, void *opaque)
{
  cmd_export_ctx_t *ctx = opaque;
  gpg_error_t err;
  char *path, *full;
  size_t dl = strlen (ctx->dir);

  (void)depth;
  if (!node->has_content || image_node_effective_area (node) != IMAGE_AREA_PUBLIC)
    return 0;
  path = image_node_path (node);
  if (!path)
    return gpg_error_from_syserror ();
  full = xtrymalloc (dl + strlen (path) + 12);
  if (!full)
    {
      err = gpg_error_from_syserror ();
      xfree (path);
      return err;
    }
  /* A node with children is a directory; its own content goes to
   * ".content" inside it. */
  sprintf (full, "%s/%s%s", ctx->dir, path,
           node->first_child ? "/.content" : "");
  err = cmd_export_mkdirs (full, dl);
  if (!err)
    err = cmd_export_write (full, node->content, node->content_len);
  if (err)
    {
      ctx->failed = full;
      full = NULL;
    }
  else
    {
      fprintf (ctx->index, "%s{\"path\":", ctx->count ? ",\n " : "");
      cli_json_str (ctx->index, path);
      fprintf (ctx->index, ",\"file\":");
      cli_json_str (ctx->index, full + dl + 1);
      fprintf (ctx->index, ",\"type\":\"%s\",\"size\":%zu}",
               image_type_name (node->type), node->content_len);
      ctx->count++;
    }
  xfree (full);
  xfree (path);
  return err;
}

static int
cmd_export_public_exec (cli_ctx_t *c)
{
  const char *file = c->argv[0], *dir = c->argv[1];
  vsc_t *vsc = NULL;
  char *idx = NULL;
  cmd_export_ctx_t ctx;
  gpg_error_t err;
  int rc;

  memset (&ctx, 0, sizeof ctx);
  rc = cli_vsc_open (c, file, !cli_has (c, "unverified"), &vsc);
  if (rc)
    return rc;
  if (mkdir (dir, 0755) && errno != EEXIST)
    {
      cli_error (gpg_error_from_syserror (), _("cannot create '%s'"), dir);
      rc = CLI_EXIT_FAIL;
      goto leave;
    }
  idx = xtrymalloc (strlen (dir) + 16);
  if (!idx)
    {
      rc = CLI_EXIT_FAIL;
      goto leave;
    }
  sprintf (idx, "%s/index.json", dir);
  {
    int fd = open (idx, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    ctx.index = fd >= 0 ? fdopen (fd, "w") : NULL;
    if (!ctx.index)
      {
        cli_error (gpg_error_from_syserror (), _("cannot create '%s'"), idx);
        if (fd >= 0)
          close (fd);
        rc = CLI_EXIT_FAIL;
        goto leave;
      }
  }
  ctx.dir = dir;
  fprintf (ctx.index, "{\"file\":");
  cli_json_str (ctx.index, file);
  fprintf (ctx.index, ",\"uuid\":\"%s\",\"verified\":%s,\"nodes\":[",
           vsc_uuid (vsc), vsc_unlocked (vsc) ? "true" : "false");
  err = image_walk (vsc_image (vsc), cmd_export_visit, &ctx);
  fprintf (ctx.index, "]}\n");
  if (fclose (ctx.index) && !err)
    err = gpg_error_from_syserror ();
  if (err)
    {
      cli_error (err, _("cannot write '%s'"), ctx.failed ? ctx.failed : idx);
      rc = CLI_EXIT_FAIL;
      goto leave;
    }
  fprintf (stderr, _("vsctool: %u public node(s) written to %s%s\n"), ctx.count,
           dir, vsc_unlocked (vsc) ? "" : _(" (not verified)"));

 leave:
  xfree (ctx.failed);
  xfree (idx);
  vsc_close (vsc);
  return rc;
}
