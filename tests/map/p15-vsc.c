/* p15-vsc.c - test helper: a VSC holding a PKCS#15 structure (map-p15.c)
 * with keys and their certificates, as a blank file-system card would
 * get it from a mapped restore; vscemu --vsc presents it.
 *
 *   p15-vsc [--backup] OUT.vsc PASSWORD-FILE KEY.der:CERT.der:PURPOSE:LABEL ...
 *
 * With --backup the keys are recorded as a backup of the card records
 * them: key nodes without content, "not extractable" (the pkcs15 agent's
 * view); without it they are escrowed with the FID of their key file.
 * KEY.der is a private key as openssl writes it (PKCS #1, SEC 1 or
 * PKCS #8 DER), CERT.der its certificate, PURPOSE auth|sign|decrypt|
 * cardauth. The VSC uses the smallest KDF parameters (tests only). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gcrypt.h>

#include "common/util.h"
#include "vsc/vsc.h"
#include "map/map-p15.h"
#include "emu/emu-crypto.h"

static int
read_file (const char *path, buf_t *out)
{
  FILE *fp = fopen (path, "rb");
  uint8_t tmp[4096];
  size_t n;

  if (!fp)
    {
      perror (path);
      return -1;
    }
  while ((n = fread (tmp, 1, sizeof tmp, fp)) > 0)
    buf_append (out, tmp, n);
  fclose (fp);
  return 0;
}

int
main (int argc, char **argv)
{
  vsc_kdf_params_t kdf = { VSC_KDF_M_MIN, 1, 1 };
  vsc_opts_t opts = { &kdf, NULL, NULL };
  map_p15_obj_t objs[8];
  buf_t keys[8], certs[8], pw = BUF_INIT;
  char *labels[8];
  map_p15_layout_t l;
  vsc_t *vsc = NULL;
  int i, n;
  gpg_error_t err;
  bool backup = argc > 1 && !strcmp (argv[1], "--backup");

  if (backup)
    {
      argv++;
      argc--;
    }
  n = argc - 3;
  if (argc < 4 || n > 8)
    {
      fprintf (stderr, "usage: p15-vsc OUT.vsc PWFILE "
               "KEY.der:CERT.der:PURPOSE:LABEL...\n");
      return 2;
    }
  if (util_init_gcrypt ())
    return 1;
  if (read_file (argv[2], &pw))
    return 1;
  while (pw.len && (pw.data[pw.len - 1] == '\n' || pw.data[pw.len - 1] == '\r'))
    pw.len--;
  buf_append_byte (&pw, 0);
  memset (objs, 0, sizeof objs);
  for (i = 0; i < n; i++)
    {
      char *spec = xtrystrdup (argv[3 + i]);
      char *kf = strtok (spec, ":"), *cf = strtok (NULL, ":");
      char *purpose = strtok (NULL, ":"), *label = strtok (NULL, "");
      emu_key_t key;
      size_t len;

      memset (&key, 0, sizeof key);
      buf_init_secure (&keys[i]);
      buf_init (&certs[i]);
      if (!kf || !cf || !purpose || !label
          || read_file (kf, &keys[i]) || read_file (cf, &certs[i]))
        return 2;
      err = emu_crypto_der_load (&key, keys[i].data, keys[i].len);
      if (err)
        {
          fprintf (stderr, "%s: not a key: %s\n", kf, gpg_strerror (err));
          return 1;
        }
      buf_clear (&keys[i]);
      len = gcry_sexp_sprint (key.sexp, GCRYSEXP_FMT_CANON, NULL, 0);
      buf_reserve (&keys[i], len);
      keys[i].len = gcry_sexp_sprint (key.sexp, GCRYSEXP_FMT_CANON,
                                      keys[i].data, len);
      objs[i].kind = MAP_KIND_KEY;
      objs[i].id[0] = (uint8_t)(0x45 + i);
      objs[i].id_len = 1;
      objs[i].alg = key.type == EMU_KEY_RSA
        ? (key.bits == 2048 ? MAP_ALG_RSA2048 : key.bits == 3072
           ? MAP_ALG_RSA3072 : key.bits == 4096 ? MAP_ALG_RSA4096
           : MAP_ALG_RSA1024)
        : key.type == EMU_KEY_NISTP256 ? MAP_ALG_NISTP256 : MAP_ALG_NISTP384;
      objs[i].purpose = !strcmp (purpose, "sign") ? MAP_PURPOSE_SIGN
        : !strcmp (purpose, "decrypt") ? MAP_PURPOSE_DECRYPT
        : !strcmp (purpose, "cardauth") ? MAP_PURPOSE_CARDAUTH
        : MAP_PURPOSE_AUTH;
      objs[i].key = keys[i].data;
      objs[i].key_len = keys[i].len;
      objs[i].cert = certs[i].data;
      objs[i].cert_len = certs[i].len;
      labels[i] = xtrystrdup (label);
      objs[i].label = labels[i];
      emu_crypto_key_free (&key);
      xfree (spec);
    }
  memset (&l, 0, sizeof l);
  l.label = "p15-vsc";
  l.serial = "0011223344556677";
  l.pin_ref = 1;
  l.pin_label = "User PIN";
  l.pin_min = 4;
  l.pin_max = 8;
  l.objs = objs;
  l.n = (size_t)n;
  err = vsc_create (argv[1], (const char *)pw.data, &opts, &vsc, NULL);
  if (!err)
    err = map_p15_build (&l, vsc_image (vsc));
  if (!err)
    {
      /* As vscemu presents it: PIN 1 for the structure. */
      image_node_t *mf = image_find_path (vsc_image (vsc), "3F00");
      mf->access.write = IMAGE_AC_PIN;
      mf->access.write_ref = 1;
      for (i = 0; backup && i < n; i++)
        {
          char kp[32];
          image_node_t *k;
          snprintf (kp, sizeof kp, "3F00/5015/key-%02X", 0x45 + i);
          k = image_find_path (vsc_image (vsc), kp);
          if (k)
            {
              image_node_clear_content (k);
              image_node_set_note (k, "not extractable");
              k->size = 0;
              k->has_fid = false;
              k->flags |= IMAGE_FLAG_NOT_EXTRACTABLE;
            }
        }
      err = vsc_save (vsc);
    }
  if (err)
    {
      fprintf (stderr, "p15-vsc: %s: %s\n", gpg_strerror (err),
               errctx_text ());
      return 1;
    }
  vsc_close (vsc);
  for (i = 0; i < n; i++)
    {
      buf_free (&keys[i]);
      buf_free (&certs[i]);
      xfree (labels[i]);
    }
  buf_free (&pw);
  return 0;
}
