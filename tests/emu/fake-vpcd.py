#!/usr/bin/env python3
# fake-vpcd.py PORT SCRIPT - a stand-in for pcscd's vpcd driver in tests:
# listens on 127.0.0.1:PORT, accepts the card, and runs SCRIPT: one
# command per line, "atr", "on", "off", "reset", "close" (drop the
# connection and accept the next one), or a hex C-APDU.  Prints one line
# per answer ("atr HEX", "rapdu HEX") and "closed" when the card hangs up.
import socket, sys

port, script = int(sys.argv[1]), sys.argv[2]
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', port))
srv.listen(1)
srv.settimeout(20)


def recv_exact(c, n):
    b = b''
    while len(b) < n:
        x = c.recv(n - len(b))
        if not x:
            return None
        b += x
    return b


def frame(c, payload):
    c.sendall(len(payload).to_bytes(2, 'big') + payload)


def answer(c):
    h = recv_exact(c, 2)
    if h is None:
        return None
    return recv_exact(c, int.from_bytes(h, 'big'))


conn, _ = srv.accept()
conn.settimeout(20)
for line in open(script):
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    if line == 'close':
        conn.close()
        conn, _ = srv.accept()
        conn.settimeout(20)
        print('accepted', flush=True)
        continue
    ctrl = {'off': 0, 'on': 1, 'reset': 2, 'atr': 4}
    if line in ctrl:
        frame(conn, bytes([ctrl[line]]))
        if line == 'atr':
            a = answer(conn)
            print('atr', a.hex().upper() if a is not None else 'none', flush=True)
        continue
    frame(conn, bytes.fromhex(line))
    a = answer(conn)
    if a is None:
        print('closed', flush=True)
        break
    print('rapdu', a.hex().upper(), flush=True)
else:
    # Wait for the card to hang up (or time out).
    try:
        print('closed' if conn.recv(1) == b'' else 'data', flush=True)
    except socket.timeout:
        print('timeout', flush=True)
