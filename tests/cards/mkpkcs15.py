#!/usr/bin/env python3
# mkpkcs15.py - author-time generator of tests/cards/pkcs15.card
#
# Builds the PKCS#15 (ISO 7816-15) directory files as DER by hand from
# the ASN.1 in PKCS #15 v1.1 and writes the profile.  The certificate and
# public key come from openssl (run once; the outputs are committed):
#   openssl req -x509 -newkey rsa:2048 -nodes -keyout /dev/null \
#     -subj "/CN=vscemu test card/O=vscman" -days 3650 -outform DER \
#     -out pkcs15/cert.der
#   openssl x509 -inform DER -in pkcs15/cert.der -pubkey -noout | \
#     openssl rsa -pubin -RSAPublicKey_out -outform DER -out pkcs15/pubkey.der
# Usage: cd tests/cards && python3 mkpkcs15.py [VARIANT] > CARD
#   (none)  pkcs15.card       EF.DIR and the ODF name the files by path
#   aid     pkcs15-aid.card   the application DF is reached only by its AID
#                             (select=aid): EF.DIR lists the AID without a
#                             path, the directory files use relative paths
#   nomf    pkcs15-nomf.card  no selectable MF either: only the PKCS#15 AID
#                             leads to the card's files
#   fci     pkcs15-fci.card   SELECT answers FCI (6F) instead of FCP (62)
#   opensc  opensc-init.card  the layout OpenSC's pkcs15-init writes with
#                             --profile pkcs15+onepin (pkcs15.profile: AODF
#                             4401, PrKDF 4402, PuKDF 4403, CDF 4404, DODF
#                             4405; pkcs15-lib.c: the OpenSC info file 4946
#                             that no directory file lists)

import sys

VARIANT = sys.argv[1] if len(sys.argv) > 1 else ''
if VARIANT not in ('', 'aid', 'nomf', 'fci', 'opensc'):
    sys.exit('mkpkcs15.py: unknown variant ' + VARIANT)
RELATIVE = VARIANT in ('aid', 'nomf')


def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b


def tlv(tag, *parts):
    v = b''.join(parts)
    return bytes([tag]) + der_len(len(v)) + v


def seq(*p): return tlv(0x30, *p)
def octets(b): return tlv(0x04, b)
def utf8(s): return tlv(0x0C, s.encode())
def integer(i): return tlv(0x02, i.to_bytes(max(1, (i.bit_length() + 8) // 8), 'big'))
def bits(unused, b): return tlv(0x03, bytes([unused]) + b)
def path(h):
    # Relative to the application DF where the DF has no path from the MF.
    if RELATIVE and h.startswith('3F005015') and len(h) > 8:
        h = h[8:]
    return seq(octets(bytes.fromhex(h)))


AID = 'A000000063504B43532D3135'

efdir = tlv(0x61, tlv(0x4F, bytes.fromhex(AID)),
            tlv(0x50, b'vscemu PKCS#15'),
            *([] if RELATIVE else [tlv(0x51, bytes.fromhex('3F005015'))]))

odf = (tlv(0xA8, path('3F0050154401')) +   # authObjects
       tlv(0xA0, path('3F0050154402')) +   # privateKeys
       tlv(0xA4, path('3F0050154403')) +   # certificates
       tlv(0xA1, path('3F0050154404')))    # publicKeys

tokeninfo = seq(integer(0), octets(bytes.fromhex('0123456789ABCDEF')),
                utf8('vscman'), tlv(0x80, b'vscemu test card'),
                bits(0, b''))

# PIN: flags case-sensitive(0) | initialized(4) | needs-padding(5)
pin = seq(seq(utf8('User PIN'), bits(6, b'\x40')),        # modifiable
          seq(octets(b'\x01')),                            # authId 01
          tlv(0xA1, seq(bits(2, b'\x8C'),
                        tlv(0x0A, b'\x01'),                # ascii-numeric
                        integer(4), integer(8),            # min, stored
                        integer(8),                        # max
                        tlv(0x80, b'\x01'),                # reference 1
                        octets(b'\xFF'),                   # pad char
                        path('3F005015'))))
aodf = pin

prkey = seq(seq(utf8('Signing key'), bits(7, b'\x80'), octets(b'\x01')),
            seq(octets(b'\x45'), bits(5, b'\x60'), integer(1)),
            tlv(0xA1, seq(path('3F0050154B01'), integer(2048))))
prkdf = prkey

cert = seq(seq(utf8('Test certificate')),
           seq(octets(b'\x45')),
           tlv(0xA1, seq(path('3F0050154301'))))
cdf = cert

pubkey = seq(seq(utf8('Public key')),
             seq(octets(b'\x45'), bits(1, b'\x82')),
             tlv(0xA1, seq(path('3F0050154501'), integer(2048))))
pukdf = pubkey


def hx(b):
    return b.hex().upper()


# ATR: T=0 and T=1 offered, historical bytes: category 80, card
# capabilities 73 00 00 80 (chaining, no extended length), issuer data.
hist = bytes.fromhex('80' + '73000080') + bytes([0x56]) + b'vscemu'
t0 = 0x80 | len(hist)
body = bytes([t0, 0x80, 0x01]) + hist
tck = 0
for x in body:
    tck ^= x
atr = bytes([0x3B]) + body + bytes([tck])

def opensc_card():
    """What pkcs15-init -C --profile pkcs15+onepin leaves on a card
    (pkcs15-init itself does not run on vscemu: it needs a card driver
    with personalisation operations, and all of them speak proprietary
    commands). The directory files are empty (zero-filled, as
    pkcs15-init creates them with the profile's sizes)."""
    ef_dir = tlv(0x61, tlv(0x4F, bytes.fromhex(AID)),
                 tlv(0x50, b'OpenSC Card'),
                 tlv(0x51, bytes.fromhex('3F005015')))
    o_df = (tlv(0xA8, path('3F0050154401')) + tlv(0xA0, path('3F0050154402'))
            + tlv(0xA1, path('3F0050154403')) + tlv(0xA4, path('3F0050154404'))
            + tlv(0xA7, path('3F0050154405')))
    t_info = seq(integer(0), octets(bytes.fromhex('1234567890ABCDEF')),
                 utf8('OpenSC Project'), tlv(0x80, b'OpenSC Card'),
                 bits(0, b''))
    user_pin = seq(seq(utf8('User PIN'), bits(6, b'\x40')),
                   seq(octets(b'\x01')),
                   tlv(0xA1, seq(bits(2, b'\x8C'), tlv(0x0A, b'\x01'),
                                 integer(4), integer(8), integer(8),
                                 tlv(0x80, b'\x01'), octets(b'\xFF'),
                                 path('3F005015'))))
    # OpenSC info file: 01 profile name, 02 option, zero padded (128).
    info = tlv(0x01, b'pkcs15') + tlv(0x02, b'onepin')
    info += bytes(128 - len(info))
    return f"""# opensc-init.card - a card as OpenSC's pkcs15-init personalises it
# (generated by mkpkcs15.py opensc): pkcs15-init -C --profile
# pkcs15+onepin writes EF.DIR, the PKCS#15 DF 5015 with ODF, TokenInfo,
# UnusedSpace, the AODF (one user PIN) and empty PrKDF, PuKDF, CDF and
# DODF, and its own info file 4946 (profile and option names) that no
# directory file lists: a backup must find it or report it.
atr {hx(atr)}
protocol t1

pin 0x01 name=User value=123456 retries=3 min=4 max=8 pad=FF puk=0x02
pin 0x02 name=PUK value=12345678 retries=7 min=4 max=8

df 3F00 create=always
ef 3F00/2F00 transparent size=128 content={hx(ef_dir)}
df 3F00/5015 aid={AID} create=always
ef 3F00/5015/5031 transparent size=128 content={hx(o_df)}
ef 3F00/5015/5032 transparent size=128 content={hx(t_info)}
ef 3F00/5015/5033 transparent size=128
ef 3F00/5015/4401 transparent size=256 update=pin:1 content={hx(user_pin)}
ef 3F00/5015/4402 transparent size=256 update=pin:1
ef 3F00/5015/4403 transparent size=256 update=pin:1
ef 3F00/5015/4404 transparent size=256 update=pin:1
ef 3F00/5015/4405 transparent size=256 update=pin:1
ef 3F00/5015/4946 transparent update=pin:1 content={hx(info)}
"""


if VARIANT == 'opensc':
    print(opensc_card(), end='')
    sys.exit(0)

NAME = {'': 'pkcs15.card', 'aid': 'pkcs15-aid.card',
        'nomf': 'pkcs15-nomf.card', 'fci': 'pkcs15-fci.card'}[VARIANT]
ARG = ' ' + VARIANT if VARIANT else ''
NOTE = {'': '',
        'aid': """
#
# Variant: DF 5015 is reached only by its AID (select=aid): SELECT of
# 3F00/5015 by path or FID answers 6A82, EF.DIR lists the AID without a
# path, and the directory files name their files relative to the DF.""",
        'nomf': """
#
# Variant: neither the MF nor DF 5015 can be selected by FID or path
# (select=aid); only SELECT of the PKCS#15 AID leads to the files, and a
# reset loses that selection. The directory files use relative paths.""",
        'fci': """
#
# Variant: SELECT with P2 04 answers the FCI template (6F) instead of
# the FCP template (62); the attributes inside are the same."""}[VARIANT]
CARDOPTS = '\nselect-template fci' if VARIANT == 'fci' else ''
MFOPTS = ' select=aid' if VARIANT == 'nomf' else ''
APPOPTS = ' select=aid' if RELATIVE else ''
# Without a selectable MF there is no EF.DIR or other DF to reach.
EFDIR = ('' if VARIANT == 'nomf' else
         'ef 3F00/2F00 transparent update=never delete=never '
         'content=' + hx(efdir) + '\n')
DF7000 = '' if VARIANT == 'nomf' else f'''
# A DF that neither EF.DIR nor the ODF mention.
df 3F00/7000 aid=D2760001FF7000
ef 3F00/7000/7001 transparent content={hx(b'hidden DF content')}
ef 3F00/7000/7002 linear-variable record-size=32 records=8
record {hx(b'short')}
record {hx(b'a longer variable record')}
'''

print(f"""# {NAME} - a PKCS#15 card for vscemu (generated by mkpkcs15.py{ARG})
#
# EF.DIR lists the PKCS#15 application (DF 5015); the application has
# ODF, TokenInfo, AODF (one PIN), PrKDF, CDF and PuKDF, a real X.509
# certificate (4301, from openssl), its public key (4501), a private key
# placeholder (4B01, never readable), an EF readable only after VERIFY
# CHV1 (4F01), a linear fixed and a cyclic record EF, and DF 7000 that no
# directory file mentions.{NOTE}
atr {hx(atr)}
protocol t1{CARDOPTS}

# CHV1 "123456", padded with FF to 8 bytes by PKCS#15 clients; PUK 2.
pin 0x01 name=CHV1 value=123456 retries=3 min=4 max=8 pad=FF puk=0x02
pin 0x02 name=PUK value=12345678 retries=10 min=8 max=8

df 3F00 create=pin:1 delete=never admin=never{MFOPTS}
{EFDIR}df 3F00/5015 aid={AID} create=pin:1 delete=never admin=never{APPOPTS}
ef 3F00/5015/5031 transparent update=pin:1 delete=never content={hx(odf)}
ef 3F00/5015/5032 transparent update=pin:1 delete=never content={hx(tokeninfo)}
ef 3F00/5015/4401 transparent update=pin:1 delete=never content={hx(aodf)}
ef 3F00/5015/4402 transparent update=pin:1 delete=never content={hx(prkdf)}
ef 3F00/5015/4403 transparent update=pin:1 delete=never content={hx(cdf)}
ef 3F00/5015/4404 transparent update=pin:1 delete=never content={hx(pukdf)}
ef 3F00/5015/4301 transparent update=pin:1 content=@pkcs15/cert.der
ef 3F00/5015/4501 transparent update=pin:1 content=@pkcs15/pubkey.der
ef 3F00/5015/4B01 transparent read=never update=pin:1 size=256
ef 3F00/5015/4F01 transparent read=pin:1 update=pin:1 \\
   content={hx(b'secret note: readable after VERIFY CHV1')}

# Record files: linear fixed (SFI 1) and cyclic (SFI 2).
ef 3F00/5015/5100 linear-fixed record-size=16 records=4 sfi=1 update=pin:1
record {hx(b'record one      ')}
record {hx(b'record two      ')}
record {hx(b'record three    ')}
ef 3F00/5015/5101 cyclic record-size=8 records=3 sfi=2
record {hx(b'newest..')}
record {hx(b'older...')}
{DF7000}""", end='')
