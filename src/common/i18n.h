/* i18n.h - gettext wrappers for vscman */
#ifndef VSC_I18N_H
#define VSC_I18N_H

#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#if ENABLE_NLS
#include <libintl.h>
#define _(s) dgettext(PACKAGE, s)
#else
#define _(s) ((const char *)(s))
#endif
#define N_(s) (s)

/* Bind the text domain; every program calls this first in main(). */
void i18n_init(void);

/* Where the catalogues are read from: LOCALEDIR, or the build tree's
 * po/locale when the program runs uninstalled (see i18n.c). */
const char *i18n_localedir(void);

/* The file make puts into the build tree's po/locale (Makefile.am). */
#define I18N_BUILD_MARKER "vscman-build-tree"

#endif /* VSC_I18N_H */
