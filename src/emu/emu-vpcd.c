/* emu-vpcd.c - the vpcd link of vscemu (see emu-vpcd.h) */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>
#include <time.h>
#include <netdb.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "common/util.h"
#include "common/log.h"
#include "common/i18n.h"
#include "emu-vpcd.h"

#define EMU_VPCD_PORT 35963

/* Move exactly N bytes: into IN (read) or from OUT (write), the other
 * NULL; 0 on success, -1 on EOF/error/stop (STOP is looked at while
 * reading). */
static int
emu_vpcd_io (int fd, uint8_t *in, const uint8_t *out, size_t n,
             volatile sig_atomic_t *stop)
{
  while (n)
    {
      ssize_t r;
#ifdef TCP_QUICKACK
      /* vpcd sends a frame's length and its payload in two writes without
       * TCP_NODELAY: if we delayed our ACK of the first, Nagle would hold
       * the second back for the delayed-ACK time (40 ms a frame). Quick
       * ACK mode does not stick, so ask for it before every read. */
      int one = 1;
      if (in)
        setsockopt (fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
#endif
      r = in ? read (fd, in, n) : send (fd, out, n, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR)
        {
          if (in && stop && *stop)
            return -1;
          continue;
        }
      if (r <= 0)
        return -1;
      if (in)
        in += r;
      else
        out += r;
      n -= (size_t)r;
    }
  return 0;
}

static int
emu_vpcd_send (int fd, const uint8_t *p, size_t n)
{
  uint8_t hdr[2];

  if (n > 0xFFFF)
    n = 0xFFFF;   /* cannot happen: responses are at most 65538 bytes,
                     and Ne over vpcd is capped below */
  put_be16 (hdr, (unsigned)n);
  if (emu_vpcd_io (fd, NULL, hdr, 2, NULL))
    return -1;
  return emu_vpcd_io (fd, NULL, p, n, NULL);
}

static void
emu_vpcd_sleep_ms (unsigned ms)
{
  struct timespec ts;

  ts.tv_sec = ms / 1000;
  ts.tv_nsec = (long)(ms % 1000) * 1000000L;
  nanosleep (&ts, NULL);
}

/* Connect once.  Returns the socket, -1 on a retryable failure, -2 on a
 * permanent one (*ERR set). */
static int
emu_vpcd_connect (const char *host, unsigned port, gpg_error_t *err)
{
  struct addrinfo hints, *res = NULL, *ai;
  char service[16];
  int fd = -1, rc, one = 1;

  memset (&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  snprintf (service, sizeof service, "%u", port);
  rc = getaddrinfo (host ? host : "localhost", service, &hints, &res);
  if (rc)
    {
      log_error (_("cannot resolve %s: %s\n"), host ? host : "localhost",
                 gai_strerror (rc));
      *err = gpg_error (GPG_ERR_ENOENT);
      return -2;
    }
  for (ai = res; ai; ai = ai->ai_next)
    {
      fd = socket (ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                   ai->ai_protocol);
      if (fd < 0)
        continue;
      if (!connect (fd, ai->ai_addr, ai->ai_addrlen))
        break;
      close (fd);
      fd = -1;
    }
  freeaddrinfo (res);
  if (fd >= 0)
    setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* Serve one connection.  Returns 1 when removal was requested (after N
 * APDUs), 0 when the peer went away or stop was set, -1 on an internal
 * error (*ERR set). */
static int
emu_vpcd_serve (emu_card_t *card, int fd, const emu_vpcd_opts_t *o,
                unsigned long *napdus, gpg_error_t *err)
{
  uint8_t hdr[2];
  uint8_t *in = NULL, *out = NULL;
  size_t len, rlen;
  int ret = 0;
  log_redact_t redact;
  bool secret;

  memset (&redact, 0, sizeof redact);

  in = xtrymalloc (65536);
  out = xtrymalloc (65538);
  if (!in || !out)
    {
      *err = gpg_error_from_syserror ();
      ret = -1;
      goto leave;
    }
  while (!(o->stop && *o->stop))
    {
      if (emu_vpcd_io (fd, hdr, NULL, 2, o->stop))
        break;
      len = get_be16 (hdr);
      if (len && emu_vpcd_io (fd, in, NULL, len, o->stop))
        break;
      if (len == 1)
        {
          switch (in[0])
            {
            case 0x00:
              log_debug ("vpcd: power off\n");
              emu_card_power_off (card);
              break;
            case 0x01:
            case 0x02:
              log_debug ("vpcd: %s\n", in[0] == 1 ? "power on" : "reset");
              emu_card_power_on (card, NULL, NULL);
              break;
            case 0x04:
              rlen = 33;
              if (emu_card_get_atr (card, out, &rlen))
                rlen = 0;
              if (emu_vpcd_send (fd, out, rlen))
                goto leave;
              break;
            default:
              log_debug ("vpcd: unknown control byte %02X\n", in[0]);
              break;
            }
          continue;
        }
      if (!len)
        continue;
      secret = log_redact_command (&redact, in, len, false);
      log_apdu_command (in, len, secret);
      *err = emu_card_apdu (card, in, len, out, &rlen);
      if (*err)
        {
          ret = -1;
          goto leave;
        }
      if (rlen > 0xFFFF)
        {
          /* More than a vpcd frame holds: say so rather than cut data. */
          out[0] = 0x67;
          out[1] = 0x00;
          rlen = 2;
        }
      log_apdu_response (out, rlen, log_redact_response (&redact));
      if (emu_vpcd_send (fd, out, rlen))
        break;
      (*napdus)++;
      if (o->remove_after && *napdus >= o->remove_after)
        {
          log_info (_("card removed after %lu APDUs\n"), *napdus);
          ret = 1;
          goto leave;
        }
    }
 leave:
  xfree (in);
  xfree (out);
  return ret;
}

gpg_error_t
emu_vpcd_run (emu_card_t *card, const emu_vpcd_opts_t *o)
{
  gpg_error_t err = 0;
  unsigned port = o->port ? o->port : EMU_VPCD_PORT;
  unsigned cap = o->max_backoff_ms ? o->max_backoff_ms : 2000;
  unsigned delay = 50;
  unsigned long napdus = 0;
  bool said = false;
  int fd, rc;

  while (!(o->stop && *o->stop))
    {
      fd = emu_vpcd_connect (o->host, port, &err);
      if (fd == -2)
        return err;
      if (fd < 0)
        {
          if (!said)
            log_info (_("waiting for vpcd on %s:%u\n"),
                      o->host ? o->host : "localhost", port);
          said = true;
          emu_vpcd_sleep_ms (delay);
          delay = delay * 2 > cap ? cap : delay * 2;
          continue;
        }
      log_info (_("connected to vpcd on %s:%u\n"),
                o->host ? o->host : "localhost", port);
      said = false;
      delay = 50;
      rc = emu_vpcd_serve (card, fd, o, &napdus, &err);
      close (fd);
      emu_card_power_off (card);
      if (rc < 0)
        return err;
      if (rc > 0)
        return 0;
      if (!(o->stop && *o->stop))
        log_info (_("vpcd closed the connection; reconnecting\n"));
    }
  return 0;
}
