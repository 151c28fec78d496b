/* tree-time.c - for bench/tree-vpcd.sh (issue 18): how long the
 * manager's card screen takes to show the tree of a card in READER
 * (PC/SC), in APDUs and seconds from the connect on:
 *
 *   tree    scapi_discover with no_scan and defer, as the card screen
 *           does: the tree it shows first;
 *   listed  the same plus what it deferred (scapi_scan with no_scan, as
 *           the card screen's background job before the FID scan):
 *           every listed node;
 *   full    scapi_discover with no_scan but no defer on a new session:
 *           what the tree waited for before it was deferred.
 *
 * Each line: NAME APDUS SECONDS MINIMAL NODES, where MINIMAL is the
 * least a reader needs for the nodes it has: one SELECT per MF/DF/EF
 * and, for an EF whose content it read, ceil(size / 256) READ BINARY
 * (at least one) or one READ RECORD per record. Exit 1 on a failure. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "scapi/scapi.h"

static double
tree_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static gpg_error_t
tree_min_visit (image_node_t *n, unsigned depth, void *ctx)
{
  unsigned long *apdus = ctx;
  (void)depth;
  switch (n->type)
    {
    case IMAGE_NODE_MF:
    case IMAGE_NODE_DF:
      *apdus += 1;
      break;
    case IMAGE_NODE_EF_TRANSPARENT:
      *apdus += 1;
      if (n->has_content)
        *apdus += n->content_len ? (n->content_len + 255) / 256 : 1;
      break;
    case IMAGE_NODE_EF_LINEAR_FIXED:
    case IMAGE_NODE_EF_LINEAR_VARIABLE:
    case IMAGE_NODE_EF_CYCLIC:
      *apdus += 1;
      break;
    case IMAGE_NODE_RECORD:
      if (n->has_content)
        *apdus += 1;
      break;
    default:
      break;
    }
  return 0;
}

static void
tree_print (const char *name, unsigned long apdus, double secs,
            const image_t *image)
{
  unsigned long min = 0;
  image_walk ((image_t *)image, tree_min_visit, &min);
  printf ("%s %lu %.3f %lu %zu\n", name, apdus, secs, min,
          image_count_nodes (image, NULL));
}

int
main (int argc, char **argv)
{
  const char *reader = argc > 1 ? argv[1] : NULL;
  scapi_t *s = NULL;
  scapi_card_t *card = NULL;
  scapi_discover_opts_t o;
  scapi_scan_report_t rep;
  image_t *image = NULL;
  gpg_error_t err;
  double t0;
  unsigned long a;

  memset (&rep, 0, sizeof rep);
  err = scapi_new (NULL, &s);
  if (err)
    goto leave;

  /* The card screen: connect, the tree, then the deferred rest. */
  t0 = tree_now ();
  err = scapi_card_open (s, reader, &card);
  if (err)
    goto leave;
  memset (&o, 0, sizeof o);
  o.read_content = true;
  o.no_scan = true;
  o.defer = true;
  err = scapi_discover (card, &o, NULL, &image);
  if (err)
    goto leave;
  a = scapi_card_apdus (card);
  tree_print ("tree", a, tree_now () - t0, image);
  o.defer = false;
  err = scapi_scan (card, image, &o, NULL, &rep);
  if (err)
    goto leave;
  tree_print ("listed", scapi_card_apdus (card), tree_now () - t0, image);
  scapi_card_close (card);
  card = NULL;
  image_free (image);
  image = NULL;

  /* The reference: the whole listed discovery before the tree. */
  t0 = tree_now ();
  err = scapi_card_open (s, reader, &card);
  if (err)
    goto leave;
  err = scapi_discover (card, &o, NULL, &image);
  if (err)
    goto leave;
  tree_print ("full", scapi_card_apdus (card), tree_now () - t0, image);

 leave:
  if (err)
    fprintf (stderr, "tree-time: %s\n", scapi_last_error_text ()[0]
             ? scapi_last_error_text () : gpg_strerror (err));
  scapi_scan_report_free (&rep);
  image_free (image);
  scapi_card_close (card);
  scapi_free (s);
  return err ? 1 : 0;
}
