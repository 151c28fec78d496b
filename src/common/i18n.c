/* i18n.c - bind the gettext text domain
 *
 * Installed programs read their catalogues from LOCALEDIR. Programs run
 * from the build tree (scripts/demo, the tests) have none there, so make
 * copies the compiled catalogues to po/locale/LANG/LC_MESSAGES/ in the
 * build tree, next to the programs, together with a marker file. A
 * program whose own executable sits beside such a directory is running
 * uninstalled and binds its text domain there. An installed program
 * never finds one (nothing installs po/locale next to a bindir), and no
 * environment variable is consulted, so an installed program cannot be
 * pointed at another catalogue. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <locale.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "i18n.h"

#if ENABLE_NLS
/* The build tree's locale directory if this executable lies in a build
 * tree: DIR/po/locale with DIR/po/locale/I18N_BUILD_MARKER, where DIR
 * holds the executable. Else NULL. BUF has PATH_MAX bytes. */
static const char *
i18n_build_localedir (char *buf)
{
  char exe[PATH_MAX], marker[PATH_MAX];
  ssize_t n;
  char *slash;

  n = readlink ("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0)
    return NULL;
  exe[n] = 0;
  slash = strrchr (exe, '/');
  if (!slash)
    return NULL;
  *slash = 0;
  if (snprintf (buf, PATH_MAX, "%s/po/locale", exe) >= PATH_MAX
      || snprintf (marker, sizeof marker, "%s/%s", buf, I18N_BUILD_MARKER)
         >= (int)sizeof marker)
    return NULL;
  return access (marker, F_OK) == 0 ? buf : NULL;
}
#endif

const char *
i18n_localedir (void)
{
#if ENABLE_NLS
  static char buf[PATH_MAX];
  const char *d = i18n_build_localedir (buf);
  return d ? d : LOCALEDIR;
#else
  return LOCALEDIR;
#endif
}

void
i18n_init (void)
{
  setlocale (LC_ALL, "");
#if ENABLE_NLS
  bindtextdomain (PACKAGE, i18n_localedir ());
  bind_textdomain_codeset (PACKAGE, "UTF-8");
#endif
}
