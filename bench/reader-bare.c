/* reader-bare.c - the reference for bench/reader-latency: the smallest
 * pcsc-lite client that waits for a card in one reader.
 *
 *   reader-bare READER
 *
 * Prints "ready" once it waits, then "I <ns>" for every insertion and
 * "R <ns>" for every removal (CLOCK_MONOTONIC, which all processes on
 * the machine share), until killed. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <winscard.h>

static long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main (int argc, char **argv)
{
  SCARDCONTEXT ctx;
  SCARD_READERSTATE st;
  LONG rv;
  int present;

  if (argc != 2)
    {
      fprintf (stderr, "usage: reader-bare READER\n");
      return 2;
    }
  rv = SCardEstablishContext (SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
  if (rv != SCARD_S_SUCCESS)
    {
      fprintf (stderr, "reader-bare: %s\n", pcsc_stringify_error (rv));
      return 1;
    }
  memset (&st, 0, sizeof st);
  st.szReader = argv[1];
  st.dwCurrentState = SCARD_STATE_UNAWARE;
  rv = SCardGetStatusChange (ctx, 0, &st, 1);
  if (rv != SCARD_S_SUCCESS)
    {
      fprintf (stderr, "reader-bare: %s\n", pcsc_stringify_error (rv));
      return 1;
    }
  present = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
  printf ("ready %d\n", present);
  fflush (stdout);
  for (;;)
    {
      int now;
      st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
      rv = SCardGetStatusChange (ctx, INFINITE, &st, 1);
      if (rv == SCARD_E_TIMEOUT)
        continue;
      if (rv != SCARD_S_SUCCESS)
        {
          fprintf (stderr, "reader-bare: %s\n", pcsc_stringify_error (rv));
          return 1;
        }
      now = (st.dwEventState & SCARD_STATE_PRESENT) != 0;
      if (now != present)
        {
          printf ("%c %lld\n", now ? 'I' : 'R', now_ns ());
          fflush (stdout);
          present = now;
        }
    }
}
