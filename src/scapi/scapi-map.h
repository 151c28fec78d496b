/* scapi-map.h - restore onto another card model through the mapping
 * (src/map/map.h): the target is read, described (what applications it
 * has, which keys and sizes it takes), every object of the VSC gets a
 * place on it or a reason, and the restore plan is made for the image
 * in the target's shape. That image is what scapi_restore then writes
 * (pass it as SRC). */
#ifndef VSC_SCAPI_MAP_H
#define VSC_SCAPI_MAP_H

#include "map/map.h"
#include "scapi/scapi.h"

typedef struct scapi_map_opts {
  map_opts_t opts;                  /* prefer, holder */
  const map_choices_t *choices;     /* the user's (a map file), or NULL */
} scapi_map_opts_t;

/* Read the target card, plan the mapping of SRC onto it and the restore
 * of the mapped image. *R_MAP, *R_MAPPED (the source for scapi_restore)
 * and *R_PLAN belong to the caller. A map file that does not fit the VSC
 * or the token: GPG_ERR_NOT_FOUND / GPG_ERR_INV_VALUE with the sentence
 * in scapi_last_error_text. */
gpg_error_t scapi_map_plan (scapi_card_t *card, const image_t *src,
                            const scapi_map_opts_t *mo, const scapi_cb_t *cb,
                            map_t **r_map, image_t **r_mapped,
                            plan_t **r_plan);

/* After map_choose changed MAP: the mapped image and the plan again,
 * against the target read by the last scapi_map_plan (no card I/O).
 * *R_MAPPED and *R_PLAN are replaced (the old ones freed). */
gpg_error_t scapi_map_replan (scapi_card_t *card, const image_t *src,
                              map_t *map, image_t **r_mapped,
                              plan_t **r_plan);

/* Parse a map file (map_choices_parse); a syntax error leaves its
 * sentence ("LINE: what is wrong") in scapi_last_error. */
gpg_error_t scapi_map_choices_parse (const char *text, size_t len,
                                     map_choices_t **r_choices);

#endif /* VSC_SCAPI_MAP_H */
