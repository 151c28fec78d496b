/* i18n.c - bind the gettext text domain */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <locale.h>
#include "i18n.h"

void
i18n_init (void)
{
  setlocale (LC_ALL, "");
#if ENABLE_NLS
  bindtextdomain (PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (PACKAGE, "UTF-8");
#endif
}
