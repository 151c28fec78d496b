/* fuzz-frame.c - libFuzzer target: vscd frames and requests
 *
 * Each input is used twice:
 *  1. as one frame body for proto_msg_parse; what parses must build
 *     again and parse to the same message;
 *  2. as the byte stream a client sends to server_serve (with a valid
 *     HELLO frame put in front when the first byte is odd, so the fuzzer
 *     reaches the requests), against a scratch vault; replies go to
 *     /dev/null. The server must neither crash nor leak. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>

#include "common/util.h"
#include "common/log.h"
#include "remote/proto.h"
#include "remote/vault.h"
#include "remote/server.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static vault_t *fuzz_vault;
static int fuzz_null = -1;
static char fuzz_dir[] = "/tmp/fuzz-frame-XXXXXX";

/* Remove the scratch vault when the fuzzer exits normally. */
static void
fuzz_frame_cleanup (void)
{
  char cmd[64];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", fuzz_dir);
  if (system (cmd))
    fprintf (stderr, "fuzz-frame: could not remove %s\n", fuzz_dir);
}

static void
fuzz_frame_init (void)
{
  if (fuzz_null >= 0)
    return;
  util_init_gcrypt ();
  log_set_quiet (true);
  signal (SIGPIPE, SIG_IGN);
  if (!mkdtemp (fuzz_dir) || vault_open (fuzz_dir, true, &fuzz_vault))
    abort ();
  atexit (fuzz_frame_cleanup);
  vault_set_fsync (fuzz_vault, false);
  fuzz_null = open ("/dev/null", O_WRONLY);
  if (fuzz_null < 0)
    abort ();
  /* Millions of refused requests: their audit records go nowhere. */
  vault_set_audit_fd (fuzz_vault, fuzz_null);
}

static void
fuzz_frame_roundtrip (const uint8_t *data, size_t size)
{
  proto_msg_t m, m2;
  buf_t b = BUF_INIT;
  proto_entry_t *ents = NULL;
  size_t off = 0, i = 0;

  if (proto_msg_parse (data, size, &m))
    return;
  if (m.have & PROTO_F_ENTRY)
    {
      ents = calloc (m.nentries, sizeof *ents);
      if (!ents)
        abort ();
      while (i < m.nentries && !proto_entry_next (&m, &off, &ents[i]))
        i++;
      if (i != m.nentries)
        abort ();   /* parse accepted entries that do not iterate */
      m.entry_array = ents;
    }
  if (proto_msg_build (&b, &m))
    abort ();     /* parse accepted what build refuses */
  if (get_be32 (b.data) != b.len - 4
      || proto_msg_parse (b.data + 4, b.len - 4, &m2)
      || m2.type != m.type || m2.have != m.have || m2.gen != m.gen
      || m2.datalen != m.datalen || m2.nentries != m.nentries
      || strcmp (m2.uuid, m.uuid))
    abort ();
  buf_free (&b);
  free (ents);
}

static void
fuzz_frame_serve (const uint8_t *data, size_t size)
{
  static const uint8_t hello[] = { 0, 0, 0, 7, 0x01, 0x80, 0x01, 0x01,
                                   0x81, 0x01, 0x01 };
  server_opts_t o;
  int sv[2];

  if (size > 60000 || socketpair (AF_UNIX, SOCK_STREAM, 0, sv))
    return;
  if (size && (data[0] & 1))
    (void)!write (sv[0], hello, sizeof hello);
  if (size)
    (void)!write (sv[0], data, size);
  shutdown (sv[0], SHUT_WR);
  memset (&o, 0, sizeof o);
  o.max_frame = 65536;
  o.timeout_ms = 1000;
  o.peer = "fuzz";
  server_serve (fuzz_vault, sv[1], fuzz_null, &o);
  close (sv[0]);
  close (sv[1]);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  fuzz_frame_init ();
  fuzz_frame_roundtrip (data, size);
  fuzz_frame_serve (data, size);
  return 0;
}
