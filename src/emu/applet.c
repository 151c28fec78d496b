/* applet.c - the table of applets the emulated card can host
 *
 * To add an applet: declare its ops here and add one line to the table
 * (see applet.h). */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>

#include "common/util.h"
#include "applet.h"

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

  if (!ops || !ops->name || !ops->create || !ops->select || !ops->apdu)
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
