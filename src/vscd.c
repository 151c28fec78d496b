/* vscd.c - the VSC server (front end; the work arrives with later issues) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"

int
main (int argc, char **argv)
{
  gpg_error_t err = util_program_init ();
  if (err)
    {
      fprintf (stderr, "vscd: %s\n", gpg_strerror (err));
      return 1;
    }
  if (argc > 1 && !strcmp (argv[1], "--version"))
    {
      printf ("vscd (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
      return 0;
    }
  if (argc > 1 && (!strcmp (argv[1], "--help") || !strcmp (argv[1], "-h")))
    {
      printf (_("usage: vscd [--help] [--version]\n"
                "the VSC server.\n"
                "This build has no further functions yet.\n"));
      return 0;
    }
  fprintf (stderr, _("vscd: not implemented in this build\n"));
  return 1;
}
