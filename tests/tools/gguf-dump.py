#!/usr/bin/env python3
"""gguf-dump.py: an independent GGUF v2/v3 reader that prints a file's
header, every key/value and every tensor (shape, type, offset, size and a
hash of its bytes), one per line.

Written from the GGUF layout with struct, not from qcmp's reader, so that
facts asserted in tests/test-gguf.c (and other tests) can be read from the
real files by a second implementation first.  Usage:

    python3 tests/tools/gguf-dump.py FILE [--full]

Without --full, arrays longer than 8 elements are shortened.  Floats print
as %.17g; strings print with non-printable bytes as \\xNN.
"""
import struct
import sys

SCALAR = {0: '<B', 1: '<b', 2: '<H', 3: '<h', 4: '<I', 5: '<i', 6: '<f',
          7: '<?', 10: '<Q', 11: '<q', 12: '<d'}
STRING, ARRAY = 8, 9

# ggml type id -> (name, block length, bytes per block)
TTYPES = {
    0: ('F32', 1, 4), 1: ('F16', 1, 2), 2: ('Q4_0', 32, 18),
    3: ('Q4_1', 32, 20), 6: ('Q5_0', 32, 22), 7: ('Q5_1', 32, 24),
    8: ('Q8_0', 32, 34), 9: ('Q8_1', 32, 36), 10: ('Q2_K', 256, 84),
    11: ('Q3_K', 256, 110), 12: ('Q4_K', 256, 144), 13: ('Q5_K', 256, 176),
    14: ('Q6_K', 256, 210), 15: ('Q8_K', 256, 292),
    16: ('IQ2_XXS', 256, 66), 17: ('IQ2_XS', 256, 74),
    18: ('IQ3_XXS', 256, 98), 19: ('IQ1_S', 256, 50),
    20: ('IQ4_NL', 32, 18), 21: ('IQ3_S', 256, 110), 22: ('IQ2_S', 256, 82),
    23: ('IQ4_XS', 256, 136), 24: ('I8', 1, 1), 25: ('I16', 1, 2),
    26: ('I32', 1, 4), 27: ('I64', 1, 8), 28: ('F64', 1, 8),
    29: ('IQ1_M', 256, 56), 30: ('BF16', 1, 2), 34: ('TQ1_0', 256, 54),
    35: ('TQ2_0', 256, 66), 39: ('MXFP4', 32, 17),
}


class Reader:
    def __init__(self, data):
        self.d = data
        self.p = 0

    def get(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)[0]
        self.p += struct.calcsize(fmt)
        return v

    def string(self):
        n = self.get('<Q')
        if self.p + n > len(self.d):
            raise ValueError('string length %d past the end' % n)
        s = self.d[self.p:self.p + n]
        self.p += n
        return s

    def value(self, vtype):
        if vtype == STRING:
            return self.string()
        if vtype == ARRAY:
            etype = self.get('<I')
            n = self.get('<Q')
            return (etype, [self.value(etype) for _ in range(n)])
        return self.get(SCALAR[vtype])


def quote(b):
    return '"' + ''.join(chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c)
                         else '\\x%02x' % c for c in b) + '"'


def show(vtype, v, full):
    if vtype == STRING:
        return quote(v)
    if vtype == ARRAY:
        etype, items = v
        shown = items if full or len(items) <= 8 else items[:8]
        s = '[%d %d]' % (etype, len(items))
        s += ''.join(' ' + show(etype, x, full) for x in shown)
        return s + (' ...' if len(shown) < len(items) else '')
    if vtype in (6, 12):
        return '%.17g' % v
    return str(int(v))


def main():
    full = '--full' in sys.argv[2:]
    with open(sys.argv[1], 'rb') as f:
        r = Reader(f.read())
    if r.d[:4] != b'GGUF':
        sys.exit('not a GGUF file')
    r.p = 4
    version = r.get('<I')
    n_tensors = r.get('<Q')
    n_kv = r.get('<Q')
    align = 32
    lines = []
    for _ in range(n_kv):
        key = r.string()
        vtype = r.get('<I')
        v = r.value(vtype)
        if key == b'general.alignment':
            align = v
        lines.append('%s %d %s' % (quote(key), vtype, show(vtype, v, full)))
    infos = []
    for _ in range(n_tensors):
        name = r.string()
        n_dims = r.get('<I')
        ne = [r.get('<Q') for _ in range(n_dims)]
        infos.append((name, n_dims, ne + [1] * (4 - n_dims), r.get('<I'),
                      r.get('<Q')))
    data = (r.p + align - 1) // align * align
    print('v%d n_tensors %d n_kv %d alignment %d tensor infos end %d '
          'data %d size %d' % (version, n_tensors, n_kv, align, r.p, data,
                               len(r.d)))
    print('\n'.join(lines))
    for name, n_dims, ne, ttype, off in infos:
        tname, blck, tsize = TTYPES[ttype]
        nbytes = ne[0] // blck * tsize * ne[1] * ne[2] * ne[3]
        h = 0
        for c in r.d[data + off:data + off + nbytes]:
            h = (h * 31 + c) & 0xffffffff
        print('%s %d [%d %d %d %d] %s offset %d nbytes %d hash %d' %
              (quote(name), n_dims, *ne, tname, off, nbytes, h))


if __name__ == '__main__':
    main()
