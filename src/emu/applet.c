/* applet.c - the table of applets the emulated card can host
 *
 * To add an applet: declare its ops here and add one line to the table
 * (see applet.h).  Below the table: the life cycle, command dispatch,
 * reference data checks and profile keys that every applet shares. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "common/tlv.h"
#include "applet.h"
#include "emu-appdata.h"

extern const applet_ops_t applet_openpgp_ops;
extern const applet_ops_t applet_piv_ops;

static const applet_ops_t *const applet_table[] = {
  &applet_openpgp_ops,
  &applet_piv_ops,
  NULL
};

static const applet_ops_t *applet_extra[8];

const applet_ops_t *
applet_find (const char *name)
{
  size_t i;

  for (i = 0; applet_table[i]; i++)
    if (!strcmp (applet_table[i]->name, name))
      return applet_table[i];
  for (i = 0; i < DIM (applet_extra) && applet_extra[i]; i++)
    if (!strcmp (applet_extra[i]->name, name))
      return applet_extra[i];
  return NULL;
}

gpg_error_t
applet_register (const applet_ops_t *ops)
{
  size_t i;

  if (!ops || !ops->name || !ops->life || !ops->life->size
      || !ops->life->option || !ops->select || !ops->apdu)
    return gpg_error (GPG_ERR_INV_ARG);
  if (applet_find (ops->name))
    return gpg_error (GPG_ERR_CONFLICT);
  for (i = 0; i < DIM (applet_extra); i++)
    if (!applet_extra[i])
      {
        applet_extra[i] = ops;
        return 0;
      }
  return gpg_error (GPG_ERR_TOO_LARGE);
}

/* Append ", NAME" (NAME when first) to NAMES[0..SIZE) at *OFF; false if
 * it does not fit. */
static bool
applet_names_add (char *names, size_t size, size_t *off, const char *name)
{
  size_t n = strlen (name);

  if (*off + n + 3 >= size)
    return false;
  if (*off)
    {
      memcpy (names + *off, ", ", 2);
      *off += 2;
    }
  memcpy (names + *off, name, n);
  *off += n;
  return true;
}

const char *
applet_names (void)
{
  static char names[256];
  size_t i, off = 0;

  for (i = 0; applet_table[i]; i++)
    if (!applet_names_add (names, sizeof names, &off, applet_table[i]->name))
      break;
  for (i = 0; i < DIM (applet_extra) && applet_extra[i]; i++)
    if (!applet_names_add (names, sizeof names, &off, applet_extra[i]->name))
      break;
  names[off] = 0;
  if (!off)
    strcpy (names, "(none)");
  return names;
}

/* ---- the shared life cycle ------------------------------------------ */

gpg_error_t
applet_create (const applet_ops_t *ops, const char *options,
               void **r_state, buf_t *aid)
{
  const applet_life_t *life = ops->life;
  void *state = xtrymalloc_secure (life->size);
  const uint8_t *id;
  size_t idlen = 0;
  gpg_error_t err = 0;

  *r_state = NULL;
  if (!state)
    return gpg_error_from_syserror ();
  memset (state, 0, life->size);
  if (life->init)
    err = life->init (state);
  if (!err)
    err = emu_appdata_parse (options, life->option, state);
  if (!err && life->aid)
    {
      id = life->aid (state, &idlen);
      err = buf_set (aid, id, idlen);
    }
  if (err)
    {
      applet_destroy (ops, state);
      return err;
    }
  *r_state = state;
  return 0;
}

void
applet_destroy (const applet_ops_t *ops, void *state)
{
  if (!state)
    return;
  if (ops->life->clear)
    ops->life->clear (state);
  wipememory (state, ops->life->size);
  xfree_secure (state);
}

/* ---- the command table ---------------------------------------------- */

const applet_command_t *
applet_command_find (const applet_command_t *table, unsigned ins)
{
  for (; table->run; table++)
    if (table->ins == ins)
      return table;
  return NULL;
}

gpg_error_t
applet_dispatch (const applet_command_t *table, unsigned have, void *state,
                 const applet_cmd_t *cmd, applet_reply_t *reply)
{
  const applet_command_t *c = applet_command_find (table, cmd->ins);
  gpg_error_t err = 0;

  if (!c || (c->flags & APPLET_CMD_VENDOR & ~have))
    reply->sw = SW_INS_NOT_SUPPORTED;
  else if ((c->flags & APPLET_CMD_P1P2_ZERO) && (cmd->p1 || cmd->p2))
    reply->sw = SW_INCORRECT_P1P2;
  else
    err = c->run (state, cmd, reply);
  if (reply->sw != SW_OK && !SW_IS_MORE_DATA (reply->sw))
    buf_clear (&reply->data);
  return err;
}

gpg_error_t
applet_cmd_not_found (void *state, const applet_cmd_t *cmd,
                      applet_reply_t *reply)
{
  (void)state;
  (void)cmd;
  return applet_reply_sw (reply, SW_FILE_NOT_FOUND);
}

gpg_error_t
applet_put_wrapped (buf_t *b, unsigned outer, unsigned inner, const void *p,
                    size_t n)
{
  size_t mark;
  gpg_error_t err = tlv_begin (b, outer, &mark);

  if (!err)
    err = tlv_put (b, inner, p, n);
  if (!err)
    err = tlv_end (b, mark);
  return err;
}

/* ---- reference data ------------------------------------------------- */

unsigned
applet_tries_sw (unsigned tries)
{
  return tries ? 0x63C0 | tries : SW_AUTH_BLOCKED;
}

unsigned
applet_secret_check (const uint8_t *ref, size_t len, uint8_t *tries,
                     uint8_t max, const uint8_t *p, size_t n, bool *changed)
{
  if (!*tries || !len)
    return SW_AUTH_BLOCKED;
  *changed = true;
  if (n == len && ct_memequal (ref, p, n))
    {
      *tries = max;
      return SW_OK;
    }
  (*tries)--;
  return 0x63C0 | *tries;
}

/* ---- keys given in the profile ------------------------------------- */

gpg_error_t
applet_key_option (const char *applet, const char *k, const char *value,
                   applet_alg_cb_t alg, void *ctx, emu_key_t *key,
                   bool *generated)
{
  char *pc[5];
  int n = emu_appdata_split (value, pc, 5), i;
  emu_key_type_t type;
  unsigned bits;
  buf_t b[3];
  gpg_error_t err = 0;

  *generated = false;
  for (i = 0; i < 3; i++)
    buf_init_secure (&b[i]);
  if (n < 0)
    return gpg_error_from_syserror ();
  if (n < 2 || n > 4 || !alg (ctx, pc[0], &type, &bits))
    {
      err = emu_appdata_bad (applet, k, _("ALG,gen or ALG,E,P,Q or ALG,D"));
      goto leave;
    }
  if (n == 2 && !strcmp (pc[1], "gen"))
    {
      *generated = true;
      err = emu_crypto_generate (key, type, bits);
      goto leave;
    }
  for (i = 1; i < n && !err; i++)
    err = emu_appdata_hex (pc[i], &b[i - 1]);
  if (err)
    {
      err = emu_appdata_bad (applet, k, _("bad hex value"));
      goto leave;
    }
  if (type == EMU_KEY_RSA && n == 4)
    err = emu_crypto_import_rsa (key, bits, b[0].data, b[0].len, b[1].data,
                                 b[1].len, b[2].data, b[2].len);
  else if (type != EMU_KEY_RSA && n == 2)
    err = emu_crypto_import_ecc (key, type, b[0].data, b[0].len);
  else
    err = gpg_error (GPG_ERR_INV_VALUE);
  if (gpg_err_code (err) == GPG_ERR_INV_VALUE)
    err = emu_appdata_bad (applet, k, _("not a valid key"));
 leave:
  for (i = 0; i < (n < 5 ? n : 5); i++)
    xfree_secure (pc[i]);
  for (i = 0; i < 3; i++)
    buf_free (&b[i]);
  return err;
}

gpg_error_t
applet_opt_bool (const char *applet, const char *k, const char *value,
                 bool *v)
{
  if (!emu_appdata_bool (value, v))
    return emu_appdata_bad (applet, k, _("yes or no"));
  return 0;
}

gpg_error_t
applet_opt_uint (const char *applet, const char *k, const char *value,
                 unsigned long min, unsigned long max, const char *why,
                 unsigned long *v)
{
  if (!emu_appdata_uint (value, max, v) || *v < min)
    return emu_appdata_bad (applet, k, why);
  return 0;
}
