/* fakecard.h - a scripted card for apdu_chan tests (header-only)
 *
 * Each step optionally checks the C-APDU it receives (hex) and answers
 * with a fixed R-APDU (hex). With REPEAT_LAST the last step answers
 * forever. */
#ifndef VSC_FAKECARD_H
#define VSC_FAKECARD_H

#include <string.h>
#include "common/apdu.h"
#include "common/hex.h"

#define FAKE_MAX 16

struct fakecard {
  const char *expect[FAKE_MAX];   /* NULL = accept anything */
  const char *resp[FAKE_MAX];
  int nsteps;
  int pos;
  int calls;
  int mismatches;
  bool repeat_last;
  gpg_error_t fail;               /* returned by transmit if set */
  volatile int *cancel_after_first; /* set to 1 after the first answer */
  buf_t sent[FAKE_MAX];           /* what we received, per step */
};

static inline void
fake_init (struct fakecard *f)
{
  memset (f, 0, sizeof *f);
}

static inline void
fake_step (struct fakecard *f, const char *expect, const char *resp)
{
  f->expect[f->nsteps] = expect;
  f->resp[f->nsteps] = resp;
  f->nsteps++;
}

static inline void
fake_free (struct fakecard *f)
{
  int i;
  for (i = 0; i < FAKE_MAX; i++)
    buf_free (&f->sent[i]);
}

static inline gpg_error_t
fake_transmit (void *ctx, const uint8_t *capdu, size_t clen,
               uint8_t *resp, size_t *resp_len)
{
  struct fakecard *f = ctx;
  buf_t want = BUF_INIT, r = BUF_INIT;
  int step;

  f->calls++;
  if (f->fail)
    return f->fail;
  if (f->pos >= f->nsteps)
    {
      if (!f->repeat_last || !f->nsteps)
        return gpg_error (GPG_ERR_CARD_REMOVED);
      step = f->nsteps - 1;
    }
  else
    step = f->pos++;
  if (step < FAKE_MAX && !f->sent[step].len)
    buf_set (&f->sent[step], capdu, clen);
  if (f->expect[step])
    {
      hex_decode (f->expect[step], &want);
      if (want.len != clen || memcmp (want.data, capdu, clen))
        f->mismatches++;
    }
  hex_decode (f->resp[step], &r);
  if (r.len > *resp_len)
    {
      buf_free (&want);
      buf_free (&r);
      return gpg_error (GPG_ERR_TOO_LARGE);
    }
  memcpy (resp, r.data, r.len);
  *resp_len = r.len;
  buf_free (&want);
  buf_free (&r);
  if (f->cancel_after_first)
    *f->cancel_after_first = 1;
  return 0;
}

#endif
