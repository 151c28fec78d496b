/* scapi-map.c - restore through the mapping (see scapi-map.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "common/i18n.h"
#include "scapi/scapi-int.h"
#include "scapi/scapi-map.h"

/* Does the mapped image lay out the file system differently from the
 * source (a new PKCS#15 structure)? Then the target is probed again at
 * the new paths. */
static bool
scapi_map_new_fs (const image_t *src, const image_t *mapped)
{
  const image_node_t *a, *b;
  a = image_find_path (src, "3F00/5015");
  b = image_find_path (mapped, "3F00/5015");
  return b && !a;
}

gpg_error_t
scapi_map_plan (scapi_card_t *card, const image_t *src,
                const scapi_map_opts_t *mo, const scapi_cb_t *cb,
                map_t **r_map, image_t **r_mapped, plan_t **r_plan)
{
  gpg_error_t err;
  scapi_op_t op;
  image_t *dst = NULL, *mapped = NULL;
  map_t *map = NULL;
  plan_t *plan = NULL;
  map_target_t t;

  *r_map = NULL;
  *r_mapped = NULL;
  *r_plan = NULL;
  scapi_op_begin (&op, card, cb);
  err = scapi_read_target (card, &op, src, true, &dst);
  if (err)
    goto leave;
  scapi_op_phase (&op, SCAPI_PHASE_PLAN, NULL);
  map_target_from_image (dst, agency_is_emulator (dst), &t);
  if (src->card.atr_len && src->card.atr_len == dst->card.atr_len
      && !memcmp (src->card.atr, dst->card.atr, src->card.atr_len))
    t.same_fs = true;       /* the same card model */
  if (card->rc)
    snprintf (t.reader, sizeof t.reader, "%s", reader_card_name (card->rc));
  err = map_plan (src, &t, mo ? &mo->opts : NULL, mo ? mo->choices : NULL,
                  &map);
  if (err)
    {
      reader_end (card->rc);
      scapi_set_error ("%s", errctx_message (err));
      goto leave;
    }
  err = map_apply (map, src, dst, &mapped);
  if (!err && scapi_map_new_fs (src, mapped))
    {
      /* What the card holds at the new structure's paths. */
      image_free (dst);
      dst = NULL;
      err = agency_plan_target (card->ac, mapped, false, &dst);
    }
  reader_end (card->rc);
  if (err)
    goto leave;     /* map_apply's sentence, if any, is in the context */
  image_free (card->target);
  card->target = dst;
  dst = NULL;
  err = scapi_plan_image (card, mapped, card->target, &plan);
  if (err)
    goto leave;
  *r_map = map;
  *r_mapped = mapped;
  *r_plan = plan;
  map = NULL;
  mapped = NULL;
  plan = NULL;

 leave:
  if (err && !scapi_last_error_text ()[0])
    err = scapi_op_fail (&op, err, _("reading the target card"));
  plan_free (plan);
  image_free (mapped);
  image_free (dst);
  map_free (map);
  op.keep_pins = !err;
  scapi_op_end (&op);
  return err;
}

gpg_error_t
scapi_map_replan (scapi_card_t *card, const image_t *src, map_t *map,
                  image_t **r_mapped, plan_t **r_plan)
{
  gpg_error_t err;
  image_t *mapped = NULL;
  plan_t *plan = NULL;

  if (!card->target)
    return gpg_error (GPG_ERR_INV_STATE);
  err = map_apply (map, src, card->target, &mapped);
  if (!err)
    err = scapi_plan_image (card, mapped, card->target, &plan);
  if (err)
    {
      image_free (mapped);
      return err;
    }
  plan_free (*r_plan);
  image_free (*r_mapped);
  *r_plan = plan;
  *r_mapped = mapped;
  return 0;
}

gpg_error_t
scapi_map_choices_parse (const char *text, size_t len,
                         map_choices_t **r_choices)
{
  gpg_error_t err;

  scapi_clear_error ();
  err = map_choices_parse (text, len, r_choices);
  if (err)
    {
      scapi_set_error ("%s", errctx_message (err));
      scapi_error_note (err, NULL, 0);
    }
  return err;
}
