/* errctx.h - the error context: what the last failure was, for people
 * and for programs
 *
 * One context per thread, filled by every layer that knows something
 * about a failure (the agents and the agency, the VSC file code, the
 * mapping planner, the facade, the vscd client and the vault) and read
 * by the programs and screens that report it. The innermost layer that
 * fails writes its sentence first; an outer layer may replace it with a
 * sentence that includes it ("cannot create F: <inner>"). Card work runs
 * on the manager's worker thread: the worker reads the context of its
 * own thread and hands the sentence over (ui/task.c). */
#ifndef VSC_ERRCTX_H
#define VSC_ERRCTX_H

#include <stdarg.h>
#include <stdbool.h>
#include "error.h"

#define ERRCTX_TEXT_MAX 1025    /* a server's message (1024) fits */
#define ERRCTX_PATH_MAX 256

typedef struct errctx {
  gpg_error_t code;             /* 0 if none */
  char text[ERRCTX_TEXT_MAX];   /* the sentence for people, "" if none */
  char path[ERRCTX_PATH_MAX];   /* the node it is about, "" if none */
  unsigned sw;                  /* the card's status word, 0 if none */
  int area;                     /* the VSC file area (vsc_area_t) that
                                   failed, -1 if none */
} errctx_t;

/* This thread's context (never NULL). */
errctx_t *errctx_get (void);

/* Forget the last failure: a call that starts an operation does this. */
void errctx_clear (void);

/* Replace the sentence. The arguments may point into the sentence
 * itself (errctx_set ("%s: %s", path, errctx_text ())). */
void errctx_set (const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void errctx_vset (const char *fmt, va_list ap)
  __attribute__((format(printf, 1, 0)));

/* Set the sentence only if there is none yet (the first failure is the
 * one that counts); true if it was set. */
bool errctx_set_first (const char *fmt, ...)
  __attribute__((format(printf, 1, 2)));

/* Fill the code, node path and status word where they are still empty
 * (the innermost failure knows them best). PATH may be NULL. */
void errctx_note (gpg_error_t code, const char *path, unsigned sw);

/* The sentence, "" if none. */
const char *errctx_text (void);

/* The sentence, or gpg_strerror (ERR) if there is none. */
const char *errctx_message (gpg_error_t err);

#endif /* VSC_ERRCTX_H */
