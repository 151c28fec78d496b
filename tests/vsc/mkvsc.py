#!/usr/bin/env python3
# mkvsc.py - write a hostile VSC file for the tests (doc/vsc-format.md)
#
#   mkvsc.py OUT [--label TEXT] [--note TEXT] [--name NAME] [--magic-only]
#
# The file is structurally valid but its keyslot, MACs and tags are
# random: it can only be opened without the password ("not verified"),
# which is exactly what an attacker who hands someone a file can make.
# --label and --note accept Python escapes ("\x1b[2J"); --name makes the
# public node 3F00/NAME (e.g. "..", which a writer would refuse).
import os, sys, argparse

def ber_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b

def tlv(tag, value):
    t = tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big")
    return t + ber_len(len(value)) + value

def uint(v):
    return v.to_bytes(max(1, (v.bit_length() + 7) // 8), "big")

def node(ntype, ppath, fields):
    return tlv(0xF0, tlv(0x80, bytes([ntype])) + tlv(0x81, ppath.encode())
               + fields + tlv(0x8F, b"\x00"))

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--label")
ap.add_argument("--note")
ap.add_argument("--name")
ap.add_argument("--magic-only", action="store_true")
ap.add_argument("--nodes", type=int, default=0, help="N more public EFs under 3F00/5015")
a = ap.parse_args()
MAGIC = b"\x89VSC\r\n\x1a\n"
if a.magic_only:
    open(a.out, "wb").write(MAGIC)
    sys.exit(0)
esc = lambda s: s.encode("latin-1").decode("unicode_escape").encode("latin-1")
uuid = os.urandom(16)
kdf = tlv(0xA1, tlv(0x80, b"\x01") + tlv(0x81, uint(19456)) + tlv(0x82, b"\x01")
          + tlv(0x83, b"\x01") + tlv(0x84, os.urandom(32)))
slot = tlv(0xA3, tlv(0x80, b"\x01") + kdf + tlv(0x82, os.urandom(12))
           + tlv(0x83, os.urandom(48)))
header = tlv(0xE2, tlv(0x80, b"\x01") + tlv(0x81, uuid) + tlv(0x82, b"\x01") + slot)
ident = tlv(0x80, uuid) + tlv(0x81, uint(1700000000)) + tlv(0x82, uint(1700000000))
if a.label is not None:
    ident += tlv(0x85, esc(a.label))
nodes = node(1, "", b"")                                   # 3F00
ef = tlv(0x8D, b"hostile content")
if a.note is not None:
    ef += tlv(0x92, esc(a.note))
if a.name is not None:
    nodes += node(3, "3F00", tlv(0x86, a.name.encode()) + ef)
else:
    nodes += node(3, "3F00", tlv(0x82, b"\x50\x31") + ef)
if a.nodes:
    nodes += node(2, "3F00", tlv(0x82, b"\x50\x15"))
    for i in range(a.nodes):
        nodes += node(3, "3F00/5015", tlv(0x86, ("n%d" % i).encode())
                      + tlv(0x8D, bytes([i & 0xFF]) * (i % 7)))
enc = lambda t: tlv(t, tlv(0x80, os.urandom(12)) + tlv(0x81, b"") + tlv(0x82, os.urandom(16)))
macs = b"".join(tlv(0x80 + i, os.urandom(32)) for i in range(4))
body = header + tlv(0xE3, ident) + tlv(0xE4, nodes) + enc(0xE5) + enc(0xE6) + tlv(0xE7, macs)
open(a.out, "wb").write(MAGIC + tlv(0xE1, body))
