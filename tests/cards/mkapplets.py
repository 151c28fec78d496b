#!/usr/bin/env python3
# mkapplets.py - author-time generator of the OpenPGP / PIV test profiles
#
# Writes yubikey.card, openpgp.card, piv.card (populated: cardholder
# data, keys, one certificate per slot) and the three blank profiles.
# Key pairs and self-signed certificates come from openssl; the private
# key numbers go inline into the profiles (test keys, never real ones),
# so a populated card has the same keys every time it is loaded.
# Usage: cd tests/cards && python3 mkapplets.py    (needs openssl 3)
import os
import re
import subprocess
import tempfile

TMP = tempfile.mkdtemp()


def run(*args, data=None):
    return subprocess.run(args, check=True, capture_output=True,
                          input=data).stdout


def field(text, name):
    """Hex of a colon-dumped field of `openssl pkey -text`."""
    m = re.search(r'^' + name + r':\s*\n((?:\s+[0-9a-f:]+\n)+)', text, re.M)
    return re.sub(r'[\s:]', '', m.group(1)).upper()


def keypair(kind, name):
    path = os.path.join(TMP, name + '.pem')
    if kind.startswith('rsa'):
        run('openssl', 'genpkey', '-algorithm', 'RSA', '-pkeyopt',
            'rsa_keygen_bits:' + kind[3:], '-out', path)
    elif kind in ('ed25519', 'x25519'):
        run('openssl', 'genpkey', '-algorithm', kind.upper(), '-out', path)
    else:
        curve = {'nistp256': 'P-256', 'nistp384': 'P-384'}[kind]
        run('openssl', 'genpkey', '-algorithm', 'EC', '-pkeyopt',
            'ec_paramgen_curve:' + curve, '-out', path)
    text = run('openssl', 'pkey', '-in', path, '-text', '-noout').decode()
    if kind.startswith('rsa'):
        comp = ['010001', field(text, 'prime1'), field(text, 'prime2')]
    elif kind == 'x25519':
        # OpenPGP carries the cv25519 secret byte-reversed (big-endian MPI).
        raw = bytes.fromhex(field(text, 'priv'))
        comp = [raw[::-1].hex().upper()]
    else:
        comp = [field(text, 'priv')]
    return path, comp


def cert(keypath, cn, signer=None):
    out = os.path.join(TMP, cn.replace(' ', '_') + '.der')
    if signer is None:
        run('openssl', 'req', '-x509', '-new', '-key', keypath, '-subj',
            '/CN=' + cn + '/O=vscman test', '-days', '3650',
            '-set_serial', '1', '-outform', 'DER', '-out', out)
    else:
        # X25519 cannot sign: certify its public key with SIGNER.
        pub = os.path.join(TMP, 'pub.pem')
        run('openssl', 'pkey', '-in', keypath, '-pubout', '-out', pub)
        csr = os.path.join(TMP, 'req.pem')
        run('openssl', 'req', '-new', '-key', signer, '-subj',
            '/CN=' + cn + '/O=vscman test', '-out', csr)
        run('openssl', 'x509', '-req', '-in', csr, '-signkey', signer,
            '-force_pubkey', pub, '-days', '3650', '-set_serial', '2',
            '-outform', 'DER', '-out', out)
    with open(out, 'rb') as f:
        return f.read().hex().upper()


def wrap(prefix, value, width=64):
    """KEY=VALUE split over continuation lines."""
    lines = [value[i:i + width] for i in range(0, len(value), width)]
    return ' \\\n    '.join([prefix + lines[0]] + lines[1:])


def keyopt(name, kind, comp):
    alg = {'x25519': 'cv25519'}.get(kind, kind)
    return wrap(name + '=' + alg + ',', ','.join(comp))


def openpgp_lines(manufacturer, serial):
    sig, sigc = keypair('rsa2048', 'pgp-sig')
    dec, decc = keypair('x25519', 'pgp-dec')
    aut, autc = keypair('ed25519', 'pgp-aut')
    return [
        'applet openpgp manufacturer=%s serial=%s \\' % (manufacturer, serial),
        '    name=Doe<<Jane lang=en sex=2 login=jane \\',
        '    url=https://example.org/jane.asc \\',
        '    private1=hex:7072697661746520646174612031 \\',
        '    sigcount=5 time-sig=1700000000 time-dec=1700000001 \\',
        '    time-aut=1700000002 \\',
        '    ' + keyopt('key-sig', 'rsa2048', sigc) + ' \\',
        '    ' + keyopt('key-dec', 'x25519', decc) + ' \\',
        '    ' + keyopt('key-aut', 'ed25519', autc) + ' \\',
        '    ' + wrap('cert-sig=hex:', cert(sig, 'Jane Doe signature')) + ' \\',
        '    ' + wrap('cert-dec=hex:', cert(dec, 'Jane Doe encryption', aut))
        + ' \\',
        '    ' + wrap('cert-aut=hex:', cert(aut, 'Jane Doe authentication')),
    ]


def piv_lines(serial):
    out = ['applet piv serial=%d chuid=auto ccc=auto \\' % serial,
           '    object-5FC109=hex:' + b'vscemu printed info'.hex().upper()
           + ' \\']
    for slot, kind in (('9a', 'rsa2048'), ('9c', 'nistp256'),
                       ('9d', 'nistp384'), ('9e', 'nistp256')):
        path, comp = keypair(kind, 'piv-' + slot)
        out.append('    ' + keyopt('key-' + slot, kind, comp) + ' \\')
        out.append('    ' + wrap('cert-' + slot + '=hex:',
                                 cert(path, 'PIV slot ' + slot)) + ' \\')
    out[-1] = out[-1][:-2]
    return out


YUBIKEY_ATR = '3BFD1300008131FE158073C021C057597562694B657940'
PGP_ATR = '3BDA18FF81B1FE751F030031F573C001600090001C'
PIV_ATR = '3B8C80018073C021C05669766563656D7519'


def tck(atr):
    """Append the T=1 check byte (XOR of T0..last) to a hex ATR body."""
    b = bytes.fromhex(atr)
    x = 0
    for c in b[1:]:
        x ^= c
    return (b + bytes([x])).hex().upper()


# What a YubiKey does with security state (DESIGN.md section 9): a
# SELECT of PIV resets PIV, selecting another applet powers the others
# off.
YUBIKEY_SECURITY = ('# Like a YubiKey: a SELECT of PIV clears PIV\'s PIN and '
                    'management-key\n# state, switching applets powers the '
                    'others off.\nselect-resets-security piv\n'
                    'applet-switch-powers-off yes\n')


def write(name, comment, atr, lines, security=''):
    with open(name, 'w') as f:
        f.write('# %s - %s\n# (generated by mkapplets.py; test keys only)\n'
                % (name, comment))
        f.write('atr %s\nprotocol t1\nextended-length yes\n%s\n'
                % (atr, security))
        f.write('\n'.join(lines) + '\n')


PIV_ATR = tck('3B8C80018073C021C05669766563656D75')

write('yubikey.card', 'a YubiKey-like token: OpenPGP card 3.4 and PIV',
      YUBIKEY_ATR, openpgp_lines('0006', '01234567') + [''] +
      piv_lines(12345678), YUBIKEY_SECURITY)
write('openpgp.card', 'an OpenPGP card 3.4 with data and keys', PGP_ATR,
      openpgp_lines('FFFF', '00000042'))
write('piv.card', 'a PIV card (with the YubiKey extensions)', PIV_ATR,
      piv_lines(7654321))
write('yubikey-blank.card', 'a factory-fresh YubiKey-like token',
      YUBIKEY_ATR, ['applet openpgp manufacturer=0006 serial=01234568',
                    'applet piv serial=12345679'], YUBIKEY_SECURITY)
write('openpgp-blank.card', 'a factory-fresh OpenPGP card 3.4', PGP_ATR,
      ['applet openpgp serial=00000043'])
write('piv-blank.card', 'a factory-fresh PIV card', PIV_ATR,
      ['applet piv serial=7654322'])
