/* agent-piv.c - PIV (NIST SP 800-73-4) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <string.h>
#include "common/util.h"
#include "common/i18n.h"
#include "agency/agency.h"
#include "agency/agent-apps.h"

bool
agent_piv_node_blank (const image_node_t *n)
{
  (void)n;
  return true;
}
