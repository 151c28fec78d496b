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
  int dfd;                    /* DIR, opened once: everything is below it */
  FILE *index;
  unsigned count;
  gpg_error_t err;
  char *failed;
} cmd_export_ctx_t;

/* Whether C (a path component taken from the VSC) may be a file name in
 * the output directory: never empty, ".", ".." or anything with a '/'.
 * The VSC reader refuses such names already; this is the second wall. */
static bool
cmd_export_component_ok (const char *c, size_t n)
{
  if (!n || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
    return false;
  return !memchr (c, '/', n) && !memchr (c, 0, n);
}

/* Create (if missing) and open the directories of REL below DFD, one
 * component at a time with O_NOFOLLOW, so that nothing (a "..", a
 * symlink planted in the output directory) leads outside DFD. Returns
 * the fd of the last directory (the caller closes it) in *R_FD and the
 * file name part in *R_NAME (pointing into REL). */
static gpg_error_t
cmd_export_open_parent (int dfd, char *rel, int *r_fd, const char **r_name)
{
  gpg_error_t err = 0;
  char *p = rel, *slash;
  int fd = dup (dfd), nfd = -1;

  if (fd < 0)
    return gpg_error_from_syserror ();
  while ((slash = strchr (p, '/')))
    {
      *slash = 0;
      if (!cmd_export_component_ok (p, strlen (p)))
        err = gpg_error (GPG_ERR_INV_NAME);
      else if (mkdirat (fd, p, 0700) && errno != EEXIST)
        err = gpg_error_from_syserror ();
      else if ((nfd = openat (fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                              | O_CLOEXEC)) < 0)
        err = gpg_error_from_syserror ();
      *slash = '/';
      if (err)
        {
          close (fd);
          return err;
        }
      close (fd);
      fd = nfd;
      p = slash + 1;
    }
  if (!cmd_export_component_ok (p, strlen (p)))
    {
      close (fd);
      return gpg_error (GPG_ERR_INV_NAME);
    }
  *r_fd = fd;
  *r_name = p;
  return 0;
}

/* Write a new file NAME in directory DFD (never through a symlink, never
 * over an existing file). */
static gpg_error_t
cmd_export_write (int dfd, const char *name, const unsigned char *p,
                  size_t n)
{
  gpg_error_t err;
  int fd = openat (dfd, name,
                   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

  if (fd < 0)
    return gpg_error_from_syserror ();
  err = util_write_all (fd, p, n);
  if (close (fd) && !err)
    err = gpg_error_from_syserror ();
  if (err)
    unlinkat (dfd, name, 0);
  return err;
}

static gpg_error_t
cmd_export_visit (image_node_t *node, unsigned depth, void *opaque)
{
  cmd_export_ctx_t *ctx = opaque;
  gpg_error_t err;
  char *path, *rel;
  const char *name = NULL;
  int pfd = -1;

  (void)depth;
  if (!node->has_content || image_node_effective_area (node) != IMAGE_AREA_PUBLIC)
    return 0;
  path = image_node_path (node);
  if (!path)
    return gpg_error_from_syserror ();
  rel = xtrymalloc (strlen (path) + 12);
  if (!rel)
    {
      err = gpg_error_from_syserror ();
      xfree (path);
      return err;
    }
  /* A node with children is a directory; its own content goes to
   * ".content" inside it. */
  sprintf (rel, "%s%s", path, node->first_child ? "/.content" : "");
  err = cmd_export_open_parent (ctx->dfd, rel, &pfd, &name);
  if (!err)
    err = cmd_export_write (pfd, name, node->content, node->content_len);
  if (pfd >= 0)
    close (pfd);
  if (err)
    {
      ctx->failed = xtrymalloc (strlen (ctx->dir) + strlen (rel) + 2);
      if (ctx->failed)
        sprintf (ctx->failed, "%s/%s", ctx->dir, rel);
    }
  else
    {
      fprintf (ctx->index, "%s{\"path\":", ctx->count ? ",\n " : "");
      cli_json_str (ctx->index, path);
      fprintf (ctx->index, ",\"file\":");
      cli_json_str (ctx->index, rel);
      fprintf (ctx->index, ",\"type\":\"%s\",\"size\":%zu}",
               image_type_name (node->type), node->content_len);
      ctx->count++;
    }
  xfree (rel);
  xfree (path);
  return err;
}

static int
cmd_export_public_exec (cli_ctx_t *c)
{
  const char *file = c->argv[0], *dir = c->argv[1];
  scapi_vsc_t *vsc = NULL;
  char *idx = NULL;
  cmd_export_ctx_t ctx;
  gpg_error_t err;
  int rc;

  memset (&ctx, 0, sizeof ctx);
  ctx.dfd = -1;
  rc = cli_vsc_open (c, file, !cli_has (c, "unverified"), &vsc);
  if (rc)
    return rc;
  if ((mkdir (dir, 0755) && errno != EEXIST)
      || (ctx.dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
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
    int fd = openat (ctx.dfd, "index.json",
                     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0644);
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
           scapi_vsc_uuid (vsc), scapi_vsc_unlocked (vsc) ? "true" : "false");
  err = image_walk (scapi_vsc_image (vsc), cmd_export_visit, &ctx);
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
           dir, scapi_vsc_unlocked (vsc) ? "" : _(" (not verified)"));

 leave:
  if (ctx.dfd >= 0)
    close (ctx.dfd);
  xfree (ctx.failed);
  xfree (idx);
  scapi_vsc_close (vsc);
  return rc;
}
