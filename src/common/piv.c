/* piv.c - PIV facts shared by the agency, the mapping and the emulator. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include "piv.h"

unsigned
piv_cert_tag (unsigned ref)
{
  switch (ref)
    {
    case 0x9A: return 0x5FC105;
    case 0x9C: return 0x5FC10A;
    case 0x9D: return 0x5FC10B;
    case 0x9E: return 0x5FC101;
    default:
      if (ref >= 0x82 && ref <= 0x95)
        return 0x5FC10D + (ref - 0x82);
      return 0;
    }
}
