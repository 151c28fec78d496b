#!/usr/bin/env python3
# frames.py - a deliberately rude vscd client for the tests.
#
#   frames.py frames SOCKET           garbage, truncated, oversized and
#                                     out-of-order frames (server started
#                                     with --max-frame 65536)
#   frames.py kill9 VSCD VAULT N      kill -9 vscd --stdio during puts N
#                                     times; the vault must hold the old or
#                                     the new VSC, never a partial one
#   frames.py trickle SOCKET          a frame sent one byte at a time to a
#                                     server with --timeout 1 is cut off
#   frames.py put SOCKET UUID GEN FILE   one raw put (exit 0 ok, 6 conflict)
#   frames.py fakev1 SOCKET [UUID]    a server that speaks protocol version 1
#                                     only (like vscd before history), until
#                                     killed; for the client's side of the
#                                     version negotiation (its list is empty,
#                                     or the one VSC UUID at generation 1)
#
# Prints "PASS: ..." / "FAIL: ..." lines; exit status 1 if anything failed.
import os, random, signal, socket, struct, subprocess, sys, time

failed = 0
passed = 0

def ok(cond, what):
    global failed, passed
    if cond:
        passed += 1
        print("PASS: " + what)
    else:
        failed += 1
        print("FAIL: " + what)

# ---- codec (independent of the C one on purpose) ----
def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def tlv(tag, value):
    return bytes([tag]) + ber_len(len(value)) + value

def uint(v):
    return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")

def frame(body):
    return struct.pack(">I", len(body)) + body

HELLO, CREATE, LIST, STAT, GET, PUT, DELETE, BYE, HISTORY, ERROR = 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x7F

def hello(vmin=1, vmax=1):
    return frame(bytes([HELLO]) + tlv(0x80, uint(vmin)) + tlv(0x81, uint(vmax)))

def parse_fields(body):
    fields = {}
    i = 1
    while i < len(body):
        tag = body[i]; i += 1
        l = body[i]; i += 1
        if l & 0x80:
            nb = l & 0x7F
            l = int.from_bytes(body[i:i + nb], "big"); i += nb
        fields.setdefault(tag, []).append(body[i:i + l]); i += l
    return fields

def recv_exact(s, n):
    b = b""
    while len(b) < n:
        try:
            c = s.recv(n - len(b))
        except ConnectionResetError:
            return None
        if not c:
            return None
        b += c
    return b

def recv_frame(s):
    h = recv_exact(s, 4)
    if h is None:
        return None
    n = struct.unpack(">I", h)[0]
    body = recv_exact(s, n)
    return body

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s

def closed(s):
    try:
        return s.recv(1) == b""
    except (ConnectionResetError, socket.timeout):
        return True

def is_error(body, word=None):
    if not body or body[0] != ERROR:
        return False
    f = parse_fields(body)
    code = int.from_bytes(f.get(0x8A, [b"\0"])[0], "big")
    text = f.get(0x8B, [b""])[0].decode("utf-8", "replace")
    return code > 0 and (word is None or word in text)

def good_session(path):
    s = connect(path)
    s.sendall(hello())
    r = recv_frame(s)
    s.sendall(frame(bytes([LIST])))
    r2 = recv_frame(s)
    s.close()
    return r is not None and r[0] == (HELLO | 0x80) and r2 is not None and r2[0] == (LIST | 0x80)

UUID = b"0123abcd-4567-89ef-0123-456789abcdef"

def run_frames(path):
    ok(good_session(path), "a well-behaved client is served")

    # Oversized: announced length above --max-frame -> error frame, close.
    s = connect(path)
    s.sendall(struct.pack(">I", 0x7FFFFFFF) + b"junk")
    r = recv_frame(s)
    ok(is_error(r, "larger"), "oversized length gets an error frame")
    ok(closed(s), "... and the connection is closed")

    # Oversized after hello: a put bigger than the limit.
    s = connect(path)
    s.sendall(hello())
    recv_frame(s)
    body = bytes([PUT]) + tlv(0x83, UUID) + tlv(0x84, b"\1") + tlv(0x85, b"A" * 70000)
    try:
        s.sendall(frame(body))
    except (BrokenPipeError, ConnectionResetError):
        pass
    r = recv_frame(s)
    ok(is_error(r, "larger"), "put above --max-frame gets an error frame")

    # Zero length.
    s = connect(path)
    s.sendall(struct.pack(">I", 0))
    ok(is_error(recv_frame(s), "empty"), "zero-length frame gets an error frame")
    ok(closed(s), "... and the connection is closed")

    # Out of order: a request before hello.
    s = connect(path)
    s.sendall(frame(bytes([GET]) + tlv(0x83, UUID)))
    ok(is_error(recv_frame(s), "hello expected"), "get before hello is refused")
    ok(closed(s), "... and the connection is closed")

    # Unsupported versions (this server speaks 1 and 2).
    s = connect(path)
    s.sendall(hello(3, 9))
    ok(is_error(recv_frame(s), "not supported"), "hello for versions 3..9 is refused")
    ok(closed(s), "... and the connection is closed")

    # Version negotiation: the newest both speak. A version 1 client gets
    # version 1, and what came with version 2 is malformed there.
    s = connect(path)
    s.sendall(hello(1, 1))
    r = recv_frame(s)
    f = parse_fields(r) if r else {}
    ok(r is not None and r[0] == (HELLO | 0x80) and f.get(0x81) == [b"\1"],
       "a version 1 client is served with version 1")
    s.sendall(frame(bytes([HISTORY]) + tlv(0x83, UUID)))
    ok(is_error(recv_frame(s), "malformed"), "... HISTORY is malformed in version 1")
    s.sendall(frame(bytes([GET]) + tlv(0x83, UUID) + tlv(0x84, b"\1")))
    ok(is_error(recv_frame(s), "malformed"), "... and so is GET with a generation")
    s.sendall(frame(bytes([LIST])))
    r = recv_frame(s)
    ok(r is not None and r[0] == (LIST | 0x80), "... and the conversation goes on")
    s.close()
    s = connect(path)
    s.sendall(hello(1, 9))
    r = recv_frame(s)
    f = parse_fields(r) if r else {}
    ok(r is not None and f.get(0x81) == [b"\2"], "a client speaking 1..9 gets version 2")
    s.sendall(frame(bytes([HISTORY]) + tlv(0x83, UUID)))
    ok(is_error(recv_frame(s), "no VSC"), "... where HISTORY of an unknown VSC says so")
    s.sendall(frame(bytes([HISTORY])))
    ok(is_error(recv_frame(s), "malformed"), "... and HISTORY without a UUID is malformed")
    s.close()

    # Truncated: a length, part of the body, then EOF.
    s = connect(path)
    s.sendall(hello())
    recv_frame(s)
    s.sendall(struct.pack(">I", 100) + b"\x03\x00")
    s.shutdown(socket.SHUT_WR)
    ok(closed(s), "a truncated frame ends the connection cleanly")

    # Malformed requests after hello: error frames, conversation goes on.
    s = connect(path)
    s.sendall(hello())
    recv_frame(s)
    bad = [
        bytes([0x42]),                                   # unknown type
        bytes([GET | 0x80]) + tlv(0x83, UUID) + tlv(0x84, b"\1") + tlv(0x85, b"x"),  # a reply
        bytes([GET]) + tlv(0x83, b"../../../../etc/passwd"),  # path trick
        bytes([GET]) + tlv(0x83, UUID.upper()),          # not canonical
        bytes([GET]) + tlv(0x83, UUID[:-1] + b"/"),
        bytes([GET]) + b"\x83\x85\xff\xff\xff\xff\xff",  # absurd length
        bytes([PUT]) + tlv(0x83, UUID),                  # missing fields
        bytes([LIST]) + tlv(0x83, UUID),                 # field not allowed
    ]
    for i, b in enumerate(bad):
        s.sendall(frame(b))
        ok(is_error(recv_frame(s)), "malformed request %d gets an error frame" % i)
    s.sendall(frame(bytes([GET]) + tlv(0x83, b"../0/" + UUID[5:])))
    ok(is_error(recv_frame(s), "malformed"), "a UUID with '../' is refused as malformed")
    s.sendall(frame(bytes([LIST])))
    r = recv_frame(s)
    ok(r is not None and r[0] == (LIST | 0x80), "the connection still serves after bad requests")
    s.sendall(frame(bytes([HELLO]) + tlv(0x80, b"\1") + tlv(0x81, b"\1")))
    ok(is_error(recv_frame(s), "twice"), "a second hello is refused")
    s.close()

    # Too many malformed requests: the server hangs up.
    s = connect(path)
    s.sendall(hello())
    recv_frame(s)
    for i in range(40):
        try:
            s.sendall(frame(b"\x42"))
        except (BrokenPipeError, ConnectionResetError):
            break
    n = 0
    while True:
        r = recv_frame(s)
        if r is None:
            break
        n += 1
    ok(0 < n < 40, "after %d malformed requests the server closed the connection" % n)

    # Random garbage from many clients at once; a good client still works.
    rnd = random.Random(1234)
    socks = []
    for i in range(40):
        s = connect(path)
        if rnd.random() < 0.5:
            s.sendall(hello())
        blob = bytes(rnd.getrandbits(8) for _ in range(rnd.randint(1, 300)))
        if rnd.random() < 0.5:
            blob = frame(blob)
        try:
            s.sendall(blob)
        except OSError:
            pass
        socks.append(s)
    ok(good_session(path), "a good client is served while 40 rude ones are connected")
    for s in socks:
        s.close()
    time.sleep(0.2)
    ok(good_session(path), "the server still serves after the garbage")
    return

def stdio_put(vscd, vault, uuid, gen, data):
    """Start vscd --stdio, hello, send a put; return the process."""
    p = subprocess.Popen([vscd, "--stdio", "--no-check", "--vault", vault],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL)
    p.stdin.write(hello()); p.stdin.flush()
    body = bytes([PUT]) + tlv(0x83, uuid) + tlv(0x84, uint(gen)) + tlv(0x85, data)
    return p, frame(body)

def read_reply(p):
    h = p.stdout.read(4)
    if len(h) < 4:
        return None
    return p.stdout.read(struct.unpack(">I", h)[0])

def vault_files(vault, uuid):
    u = uuid.decode()
    gens = []
    for n in os.listdir(vault):
        if n.startswith(u + ".") and n.endswith(".vsc"):
            gens.append(int(n[len(u) + 1:-4]))
    return sorted(gens)

def run_kill9(vscd, vault, rounds):
    rnd = random.Random(99)
    uuid = b"11111111-2222-3333-4444-555555555555"
    size = 4 * 1024 * 1024
    versions = {}
    # generation 1
    data = bytes([1]) * size
    p, f = stdio_put(vscd, vault, uuid, 0, data)
    recv = read_reply(p)
    p.stdin.write(f); p.stdin.flush()
    r = read_reply(p)
    p.stdin.close(); p.wait()
    ok(r is not None and r[0] == (PUT | 0x80), "first put stored")
    versions[1] = data
    cur = 1
    killed = landed = mid_write = 0
    for i in range(rounds):
        new = bytes([(cur + 1) % 256]) * size
        p, f = stdio_put(vscd, vault, uuid, cur, new)
        read_reply(p)     # hello reply
        # Write the put in a thread-free way: the pipe buffer fills, so
        # write in pieces and kill at a random point (or after the end).
        cut = rnd.randint(0, len(f) + len(f) // 4)
        off = 0
        try:
            while off < min(cut, len(f)):
                n = min(65536, min(cut, len(f)) - off)
                p.stdin.write(f[off:off + n]); p.stdin.flush()
                off += n
            if cut >= len(f):
                time.sleep(rnd.random() * 0.08)
        except BrokenPipeError:
            pass
        p.send_signal(signal.SIGKILL)
        killed += 1
        p.wait()
        try:
            p.stdin.close()
        except BrokenPipeError:
            pass
        gens = vault_files(vault, uuid)
        top = gens[-1] if gens else 0
        if any(n.startswith(".tmp-") for n in os.listdir(vault)):
            mid_write += 1
        if top == cur + 1:
            landed += 1
        with open(os.path.join(vault, "%s.%d.vsc" % (uuid.decode(), top)), "rb") as fp:
            content = fp.read()
        if top == cur + 1:
            versions[top] = new
        good = top in (cur, cur + 1) and versions.get(top) == content
        if not good:
            ok(False, "round %d: generation %d on disk is not a complete version" % (i, top))
            return
        cur = top
    ok(True, "%d kill -9 during puts (%d while the temp file was being written, "
       "%d after the new generation landed): the vault always held a complete "
       "old or new VSC" % (killed, mid_write, landed))
    # A fresh server serves the survivor and accepts the next put.
    new = b"after" * 1000
    p, f = stdio_put(vscd, vault, uuid, cur, new)
    read_reply(p)
    p.stdin.write(f); p.stdin.flush()
    r = read_reply(p)
    p.stdin.close(); p.wait()
    ok(r is not None and r[0] == (PUT | 0x80), "after the crashes the next put (generation %d) works" % cur)
    leftovers = [n for n in os.listdir(vault) if n.startswith(".tmp-")]
    ok(not leftovers, "stale temporary files were cleaned up")
    versions[cur + 1] = new
    kept = vault_files(vault, uuid)
    whole = True
    for g in kept:
        with open(os.path.join(vault, "%s.%d.vsc" % (uuid.decode(), g)), "rb") as fp:
            whole = whole and versions.get(g) == fp.read()
    ok(kept and kept[-1] == cur + 1 and len(kept) <= 10 and whole,
       "the history holds at most 10 generations (--keep), each a complete "
       "version, the newest %d" % (cur + 1))

def run_trickle(path):
    """Server runs with --timeout 1: a frame trickled in byte by byte must
    not keep the connection alive past the limit."""
    s = connect(path)
    s.sendall(hello())
    recv_frame(s)
    s.sendall(struct.pack(">I", 100))
    t0 = time.time()
    sent = 0
    try:
        while sent < 100 and time.time() - t0 < 10:
            s.sendall(b"\x03")
            sent += 1
            time.sleep(0.2)
    except (BrokenPipeError, ConnectionResetError):
        pass
    took = time.time() - t0
    ok(sent < 100 and took < 5, "a trickled frame is cut off by the timeout (%d bytes, %.1f s)" % (sent, took))
    ok(good_session(path), "the server still serves others")

def run_put(path, uuid, gen, file):
    with open(file, "rb") as fp:
        data = fp.read()
    s = connect(path)
    s.sendall(hello()); recv_frame(s)
    s.sendall(frame(bytes([PUT]) + tlv(0x83, uuid.encode()) + tlv(0x84, uint(int(gen))) + tlv(0x85, data)))
    r = recv_frame(s)
    if r and r[0] == (PUT | 0x80):
        sys.exit(0)
    sys.exit(6 if is_error(r, "conflict") else 1)

def run_fakev1(path, uuid=None):
    """A version 1 server: hello (chooses 1), list (empty or UUID), bye."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    while True:
        c, _ = srv.accept()
        c.settimeout(10)
        while True:
            b = recv_frame(c)
            if b is None:
                break
            t = b[0]
            if t == HELLO:
                f = parse_fields(b)
                vmin = int.from_bytes(f.get(0x80, [b"\0"])[0], "big")
                if vmin > 1:
                    c.sendall(frame(bytes([ERROR]) + tlv(0x8A, uint(121)) + tlv(0x8B, b"protocol versions not supported (this server speaks 1)")))
                    break
                c.sendall(frame(bytes([HELLO | 0x80]) + tlv(0x81, b"\1") + tlv(0x89, uint(65536))))
            elif t == LIST:
                entry = b""
                if uuid:
                    entry = tlv(0xA0, tlv(0x83, uuid.encode()) + tlv(0x84, uint(1))
                                + tlv(0x87, uint(1234)) + tlv(0x88, uint(1700000000)))
                c.sendall(frame(bytes([LIST | 0x80]) + entry))
            elif t == BYE:
                c.sendall(frame(bytes([BYE | 0x80])))
                break
            else:
                c.sendall(frame(bytes([ERROR]) + tlv(0x8A, uint(1)) + tlv(0x8B, b"malformed request")))
        c.close()

if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "frames":
        run_frames(sys.argv[2])
    elif mode == "kill9":
        run_kill9(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif mode == "trickle":
        run_trickle(sys.argv[2])
    elif mode == "put":
        run_put(*sys.argv[2:6])
    elif mode == "fakev1":
        run_fakev1(*sys.argv[2:4])
    print("TOTALS: passed %d failed %d" % (passed, failed))
    sys.exit(1 if failed else 0)
