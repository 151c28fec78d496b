/* fuzz-vscd.c - libFuzzer target: vscd's request dispatcher against a
 * temporary vault, with the server's create and check hooks
 *
 * fuzz-frame feeds raw bytes to the server; most of them die in the frame
 * parser. Here the input is a small program of requests that are always
 * well-framed (HELLO first): create, list, stat, get (of the current or
 * an older generation), history, put, delete on a few UUIDs and
 * generations, puts of a real VSC (with the UUID of the request patched
 * in, and some bytes of the input XORed over it) or of raw input bytes,
 * and now and then a raw frame. Byte 0 chooses the vault's quota, its
 * byte limit, how many generations it keeps and whether puts are checked
 * (vscd's structure-only open). So the fuzzer reaches compare-and-swap,
 * quota, history, lock files and the VSC checker quickly. The replies go
 * to a memory file and must all parse. After each input the vault must
 * be sound: per VSC the last KEEP generations without gaps, "who" files
 * only for kept generations, no more VSCs or bytes than the limits, no
 * temporary files, lock files only for VSCs that exist, no scratch
 * directories. Then the vault is emptied. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <gcrypt.h>

#include "common/util.h"
#include "common/log.h"
#include "vsc/vsc.h"
#include "remote/proto.h"
#include "remote/vault.h"
#include "remote/vault-dir.h"
#include "remote/server.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define FUZZ_MAX_OPS 48

static char fuzz_dir[] = "/tmp/fuzz-vscd-XXXXXX";
static vault_t *fuzz_vault;
static int fuzz_null = -1;
static uint8_t *fuzz_tpl;        /* a real VSC */
static size_t fuzz_tpl_len;
static uint8_t fuzz_tpl_uuid[16];
static const char *const fuzz_uuids[4] = {
  "00000000-0000-4000-8000-000000000001",
  "00000000-0000-4000-8000-000000000002",
  "ffffffff-ffff-4fff-bfff-ffffffffffff",
  "12345678-9abc-4def-8123-456789abcdef"
};

/* A cheap stand-in for Argon2id (different inputs, different keys). */
static gpg_error_t
fuzz_kdf (void *ctx, const char *pw, const vsc_kdf_params_t *p,
          const uint8_t *salt, uint8_t *kek)
{
  gcry_md_hd_t md;

  (void)ctx;
  if (vsc_kdf_check (p))
    abort ();
  gcry_md_open (&md, GCRY_MD_SHA256, 0);
  gcry_md_write (md, pw, strlen (pw));
  gcry_md_write (md, salt, VSC_SALT_LEN);
  memcpy (kek, gcry_md_read (md, 0), VSC_KEY_LEN);
  gcry_md_close (md);
  return 0;
}

/* vscd's create hook, with the cheap KDF. */
static gpg_error_t
fuzz_create (void *ctx, const char *scratch, char *uuid, char **r_password,
             buf_t *file)
{
  static const vsc_kdf_params_t min = { VSC_KDF_M_MIN, 1, 1 };
  vsc_opts_t o = { &min, fuzz_kdf, NULL };
  vsc_t *vsc = NULL;
  uint8_t *d = NULL;
  size_t n = 0;
  gpg_error_t err;

  (void)ctx;
  (void)scratch;
  *r_password = NULL;
  err = vsc_create (NULL, NULL, &o, &vsc, r_password);
  if (!err)
    err = vsc_encode (vsc, &d, &n);
  if (!err)
    err = buf_set (file, d, n);
  if (!err)
    memcpy (uuid, vsc_uuid (vsc), PROTO_UUID_LEN + 1);   /* lower case */
  xfree (d);
  vsc_close (vsc);
  if (err)
    {
      xfree_secure (*r_password);
      *r_password = NULL;
    }
  return err;
}

/* vscd's check hook: a VSC, and the right one. */
static gpg_error_t
fuzz_check (void *ctx, const char *uuid, const void *data, size_t len,
            char *text, size_t textsz)
{
  vsc_t *vsc = NULL;
  gpg_error_t err;

  (void)ctx;
  err = vsc_open_mem (data, len, NULL, NULL, &vsc);
  if (err)
    {
      snprintf (text, textsz, "not a valid VSC: %s", errctx_text ());
      return err;
    }
  if (strcasecmp (vsc_uuid (vsc), uuid))
    err = gpg_error (GPG_ERR_WRONG_NAME);
  vsc_close (vsc);
  return err;
}

static void
fuzz_cleanup (void)
{
  char cmd[64];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
  if (system (cmd))
    fprintf (stderr, "fuzz-vscd: could not remove %s\n", fuzz_dir);
}

static void
fuzz_init (void)
{
  static const vsc_kdf_params_t min = { VSC_KDF_M_MIN, 1, 1 };
  vsc_opts_t o = { &min, fuzz_kdf, NULL };
  vsc_t *vsc;
  const char *u;
  int i;

  if (fuzz_vault)
    return;
  util_init_gcrypt ();
  log_set_quiet (true);
  signal (SIGPIPE, SIG_IGN);
  if (!mkdtemp (fuzz_dir) || vault_open (fuzz_dir, true, &fuzz_vault))
    abort ();
  atexit (fuzz_cleanup);
  vault_set_fsync (fuzz_vault, false);
  /* Thousands of requests per second: their audit records go nowhere. */
  fuzz_null = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fuzz_null < 0)
    abort ();
  vault_set_audit_fd (fuzz_vault, fuzz_null);
  /* The template: a VSC with a few nodes. */
  if (vsc_create (NULL, "pw", &o, &vsc, NULL))
    abort ();
  for (i = 0; i < 4; i++)
    {
      image_node_t *n;
      char path[32];
      snprintf (path, sizeof path, "3F00/500%d", i);
      if (image_make_path (vsc_image (vsc), path, IMAGE_NODE_EF_TRANSPARENT,
                           IMAGE_SRC_USER, &n)
          || image_node_set_content (n, path, strlen (path)))
        abort ();
    }
  if (vsc_encode (vsc, &fuzz_tpl, &fuzz_tpl_len))
    abort ();
  u = vsc_uuid (vsc);
  for (i = 0; i < 16; i++)
    {
      unsigned v;
      while (*u == '-')
        u++;
      if (sscanf (u, "%2x", &v) != 1)
        abort ();
      fuzz_tpl_uuid[i] = (uint8_t)v;
      u += 2;
    }
  vsc_close (vsc);
}

/* The template with UUID (text) in place of its own. */
static void
fuzz_patch_uuid (uint8_t *p, size_t n, const char *uuid)
{
  uint8_t bin[16];
  size_t i, k = 0;

  for (i = 0; i < 16; i++)
    {
      unsigned v;
      while (uuid[k] == '-')
        k++;
      sscanf (uuid + k, "%2x", &v);
      bin[i] = (uint8_t)v;
      k += 2;
    }
  for (i = 0; i + 16 <= n; i++)
    if (!memcmp (p + i, fuzz_tpl_uuid, 16))
      memcpy (p + i, bin, 16);
}

/* ".<uuid>.<gen>.who" (who stored that generation)? */
static bool
fuzz_who_name (const char *n, char *uuid, uint64_t *gen)
{
  char tmp[96];
  size_t len = strlen (n);

  if (n[0] != '.' || len < 5 || len >= sizeof tmp
      || strcmp (n + len - 4, ".who"))
    return false;
  memcpy (tmp, n + 1, len - 5);
  strcpy (tmp + len - 5, ".vsc");
  return vault_dir_name_parse (tmp, uuid, gen);
}

typedef struct fuzz_vsc {
  char uuid[PROTO_UUID_LEN + 1];
  uint64_t lo, hi, n;        /* generations kept: lo..hi, n of them */
  uint64_t size;             /* of generation hi */
} fuzz_vsc_t;

static fuzz_vsc_t *
fuzz_vsc_find (fuzz_vsc_t *v, size_t *nv, const char *u)
{
  size_t i;

  for (i = 0; i < *nv; i++)
    if (!strcmp (v[i].uuid, u))
      return &v[i];
  if (*nv == 64)
    abort ();
  memset (&v[*nv], 0, sizeof v[*nv]);
  memcpy (v[*nv].uuid, u, PROTO_UUID_LEN + 1);
  return &v[(*nv)++];
}

/* Is the vault sound? Then empty it. */
static void
fuzz_check_vault (unsigned max_vscs, uint64_t max_bytes, unsigned keep)
{
  DIR *d = opendir (fuzz_dir);
  struct dirent *de;
  fuzz_vsc_t vscs[64];
  char locks[64][PROTO_UUID_LEN + 1], whos[256][PROTO_UUID_LEN + 1];
  uint64_t whogen[256], bytes = 0;
  size_t nv = 0, nl = 0, nw = 0, i, j;

  if (!d)
    abort ();
  while ((de = readdir (d)))
    {
      const char *n = de->d_name;
      char u[PROTO_UUID_LEN + 1];
      uint64_t g;
      struct stat st;
      if (!strcmp (n, ".") || !strcmp (n, ".."))
        continue;
      if (vault_dir_name_parse (n, u, &g))
        {
          fuzz_vsc_t *v = fuzz_vsc_find (vscs, &nv, u);
          if (fstatat (dirfd (d), n, &st, 0))
            abort ();
          if (!v->n || g < v->lo)
            v->lo = g;
          if (!v->n || g > v->hi)
            {
              v->hi = g;
              v->size = (uint64_t)st.st_size;
            }
          v->n++;
        }
      else if (fuzz_who_name (n, u, &g))
        {
          if (nw == 256)
            abort ();
          memcpy (whos[nw], u, sizeof u);
          whogen[nw++] = g;
        }
      else if (n[0] == '.' && strlen (n) == PROTO_UUID_LEN + 6
               && !strcmp (n + 1 + PROTO_UUID_LEN, ".lock"))
        {
          if (nl == 64)
            abort ();
          memcpy (locks[nl], n + 1, PROTO_UUID_LEN);
          locks[nl++][PROTO_UUID_LEN] = 0;
        }
      else
        abort ();   /* a temporary file or a scratch directory left */
      if (unlinkat (dirfd (d), n, 0))
        abort ();
    }
  closedir (d);
  if (max_vscs && nv > max_vscs)
    abort ();   /* the quota did not hold */
  for (i = 0; i < nv; i++)
    {
      /* The history: the last KEEP generations, none missing. */
      if (vscs[i].n > keep || vscs[i].hi - vscs[i].lo + 1 != vscs[i].n)
        abort ();
      if (vscs[i].n < keep && vscs[i].lo != 1)
        abort ();   /* an old generation dropped too early */
      bytes += vscs[i].size;
    }
  if (max_bytes && bytes > max_bytes)
    abort ();   /* the byte limit did not hold */
  for (i = 0; i < nl; i++)
    {
      for (j = 0; j < nv && strcmp (vscs[j].uuid, locks[i]); j++)
        ;
      if (j == nv)
        abort ();   /* a lock file of a VSC that does not exist */
    }
  for (i = 0; i < nw; i++)
    {
      for (j = 0; j < nv && strcmp (vscs[j].uuid, whos[i]); j++)
        ;
      if (j == nv || whogen[i] < vscs[j].lo || whogen[i] > vscs[j].hi)
        abort ();   /* who stored a generation that is gone */
    }
}

/* Every reply in the memory file must parse. */
static void
fuzz_check_replies (int fd)
{
  struct stat st;
  uint8_t *p;
  size_t off = 0;

  if (fstat (fd, &st))
    abort ();
  if (!st.st_size)
    return;
  p = mmap (NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED)
    abort ();
  while (off + 4 <= (size_t)st.st_size)
    {
      uint32_t n = get_be32 (p + off);
      proto_msg_t m;
      if (!n || n > (size_t)st.st_size - off - 4)
        abort ();   /* the server wrote a broken frame */
      if (proto_msg_parse (p + off + 4, n, &m)
          || !(m.type == PROTO_ERROR || (m.type & PROTO_REPLY)))
        abort ();
      off += 4 + n;
    }
  if (off != (size_t)st.st_size)
    abort ();
  munmap (p, (size_t)st.st_size);
}

static void
fuzz_frame (buf_t *b, const proto_msg_t *m)
{
  if (proto_msg_build (b, m))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  buf_t in = BUF_INIT;
  proto_msg_t m;
  server_opts_t o;
  unsigned ops = 0, max_vscs, keep;
  uint64_t max_bytes;
  size_t i = 1;
  int sv[2], out;

  fuzz_init ();
  if (!size)
    return 0;
  max_vscs = data[0] & 3;          /* 0: no quota, else 1..3 */
  keep = 1 + ((data[0] >> 3) & 3); /* generations kept: 1..4 */
  max_bytes = (data[0] & 0x20) ? 2 * fuzz_tpl_len : 0;
  memset (&o, 0, sizeof o);
  o.max_frame = 65536;
  o.timeout_ms = 1000;
  o.peer = "fuzz";
  o.vault_dir = fuzz_dir;
  o.create = fuzz_create;
  o.check = (data[0] & 4) ? fuzz_check : NULL;
  o.max_vscs = max_vscs;
  o.keep = keep;
  o.limits.max_bytes = max_bytes;

  memset (&m, 0, sizeof m);
  m.type = PROTO_HELLO;
  m.have = PROTO_F_VMIN | PROTO_F_VMAX;
  m.vmin = m.vmax = PROTO_VERSION;
  fuzz_frame (&in, &m);
  while (i < size && ops++ < FUZZ_MAX_OPS && in.len < 100000)
    {
      uint8_t op = data[i++];
      uint8_t arg = i < size ? data[i++] : 0;
      const char *u = fuzz_uuids[arg & 3];

      memset (&m, 0, sizeof m);
      memcpy (m.uuid, u, PROTO_UUID_LEN + 1);
      m.gen = arg >> 5;
      switch (op & 7)
        {
        case 0: m.type = PROTO_CREATE; break;
        case 1: m.type = PROTO_LIST; break;
        case 2: m.type = PROTO_STAT; m.have = PROTO_F_UUID; break;
        case 3:
          /* A get of the current or (op bit 3) of an older generation,
           * or (op bit 4) the history. */
          m.type = (op & 16) ? PROTO_HISTORY : PROTO_GET;
          m.have = PROTO_F_UUID | ((op & 24) == 8 ? PROTO_F_GEN : 0);
          break;
        case 4:
        case 5:
          {
            /* A put: the template (a real VSC of this UUID) with input
             * bytes XORed in, or input bytes alone. */
            size_t n = i < size ? data[i++] : 0, k;
            uint8_t *p;
            if (n > size - i)
              n = size - i;
            if (op & 8)
              {
                p = xtrymalloc (fuzz_tpl_len);
                if (!p)
                  abort ();
                memcpy (p, fuzz_tpl, fuzz_tpl_len);
                fuzz_patch_uuid (p, fuzz_tpl_len, u);
                for (k = 0; k < n; k++)
                  p[(arg * 37 + k * 131) % fuzz_tpl_len] ^= data[i + k];
                m.datalen = fuzz_tpl_len;
              }
            else
              {
                p = xtrymalloc (n + 1);
                if (!p)
                  abort ();
                memcpy (p, data + i, n);
                m.datalen = n;
              }
            i += n;
            m.type = PROTO_PUT;
            m.have = PROTO_F_UUID | PROTO_F_DATA | PROTO_F_GEN;
            m.data = p;
            fuzz_frame (&in, &m);
            xfree (p);
            continue;
          }
        case 6:
          m.type = PROTO_DELETE;
          m.have = PROTO_F_UUID | ((op & 8) ? PROTO_F_GEN : 0);
          break;
        default:
          {
            /* A raw frame body of input bytes. */
            size_t n = arg;
            uint8_t hdr[4];
            if (n > size - i)
              n = size - i;
            put_be32 (hdr, (uint32_t)n);
            if (buf_append (&in, hdr, 4) || buf_append (&in, data + i, n))
              abort ();
            i += n;
            continue;
          }
        }
      fuzz_frame (&in, &m);
    }

  if (socketpair (AF_UNIX, SOCK_STREAM, 0, sv))
    abort ();
  out = memfd_create ("fuzz-vscd-replies", 0);
  if (out < 0)
    abort ();
  /* The whole request stream fits the socket buffer (at most 48 frames
   * of a few KiB): write it, then let the server run to EOF. */
  {
    int sz = 1 << 21;
    setsockopt (sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    setsockopt (sv[1], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
  }
  if (write (sv[0], in.data, in.len) != (ssize_t)in.len)
    abort ();
  shutdown (sv[0], SHUT_WR);
  server_serve (fuzz_vault, sv[1], out, &o);
  close (sv[0]);
  close (sv[1]);
  fuzz_check_replies (out);
  close (out);
  buf_free (&in);
  fuzz_check_vault (max_vscs, max_bytes, keep);
  return 0;
}
