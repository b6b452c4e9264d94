"""ggml_quants.py: reference quantizers and dequantizers for the GGUF weight
types qcmp reads (F16, BF16, Q8_0, Q4_0, TQ2_0, TQ1_0), in plain Python.

Written from the block layouts as the GGUF format describes them, not from
qcmp's kernels, so that a file written here and read back by qcmp checks
qcmp's decoding against a second implementation.  Every quantizer returns
the bytes of the tensor; every dequantizer reads such bytes back, and tests
build their expected F32 weights from the dequantizer, never from the
quantizer's own arithmetic.

Run as a script it checks itself (the TQ1_0 trit packing over all 243
five-trit combinations, and round trips of every type).
"""
import math
import struct

# name -> (ggml type id, weights per block, bytes per block)
TYPES = {
    'f32': (0, 1, 4),
    'f16': (1, 1, 2),
    'q4_0': (2, 32, 18),
    'q8_0': (8, 32, 34),
    'bf16': (30, 1, 2),
    'tq1_0': (34, 256, 54),
    'tq2_0': (35, 256, 66),
}


def bits_per_weight(name):
    _, blk, nbytes = TYPES[name]
    return nbytes * 8.0 / blk


def _f16(x):
    """x rounded to the nearest fp16 value, as a Python float."""
    return struct.unpack('<e', struct.pack('<e', x))[0]


def _f32(x):
    return struct.unpack('<f', struct.pack('<f', x))[0]


def _round_away(x):
    """Rounds half away from zero, as C's roundf does."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def _blocks(xs, blk):
    if len(xs) % blk:
        raise ValueError('%d weights are not a whole number of %d-weight '
                         'blocks' % (len(xs), blk))
    for i in range(0, len(xs), blk):
        yield xs[i:i + blk]


# F16 and BF16

def f16_quantize(xs):
    return struct.pack('<%de' % len(xs), *xs)


def f16_dequantize(data, n):
    return list(struct.unpack('<%de' % n, data[:2 * n]))


def bf16_quantize(xs):
    out = bytearray()
    for x in xs:
        bits = struct.unpack('<I', struct.pack('<f', x))[0]
        # round to nearest, ties to even, on the 16 bits dropped
        bits = (bits + 0x7fff + ((bits >> 16) & 1)) & 0xffffffff
        out += struct.pack('<H', bits >> 16)
    return bytes(out)


def bf16_dequantize(data, n):
    hs = struct.unpack('<%dH' % n, data[:2 * n])
    return [struct.unpack('<f', struct.pack('<I', h << 16))[0] for h in hs]


# Q8_0: fp16 d, then 32 int8; value = q * d

def q8_0_quantize(xs):
    out = bytearray()
    for b in _blocks(xs, 32):
        amax = max(abs(x) for x in b)
        d = amax / 127.0
        inv = 1.0 / d if d else 0.0
        out += struct.pack('<e', d)
        out += struct.pack('<32b', *[max(-127, min(127, _round_away(x * inv)))
                                     for x in b])
    return bytes(out)


def q8_0_dequantize(data, n):
    out = []
    for i in range(n // 32):
        blk = data[34 * i:34 * i + 34]
        d = struct.unpack('<e', blk[:2])[0]
        out += [q * d for q in struct.unpack('<32b', blk[2:])]
    return out


# Q4_0: fp16 d, then 16 bytes; byte j holds weight j (low nibble) and
# weight j+16 (high nibble); value = (q - 8) * d

def q4_0_quantize(xs):
    out = bytearray()
    for b in _blocks(xs, 32):
        m = 0.0
        for x in b:
            if abs(x) > abs(m):
                m = x
        d = m / -8.0
        inv = 1.0 / d if d else 0.0
        q = [min(15, int(x * inv + 8.5)) for x in b]
        out += struct.pack('<e', d)
        out += bytes(q[j] | (q[j + 16] << 4) for j in range(16))
    return bytes(out)


def q4_0_dequantize(data, n):
    out = []
    for i in range(n // 32):
        blk = data[18 * i:18 * i + 18]
        d = struct.unpack('<e', blk[:2])[0]
        qs = blk[2:]
        lo = [((qs[j] & 15) - 8) * d for j in range(16)]
        hi = [((qs[j] >> 4) - 8) * d for j in range(16)]
        out += lo + hi
    return out


# Ternary: a trit t in {0, 1, 2} stands for (t - 1) * d, d = absmax

def _trits(b):
    amax = max(abs(x) for x in b)
    d = _f16(amax)
    inv = 1.0 / amax if amax else 0.0
    return d, [max(-1, min(1, _round_away(x * inv))) + 1 for x in b]


# TQ2_0: 64 bytes qs, fp16 d; weight 128h + 32l + m is bits 2l..2l+1 of
# qs[32h + m]

def tq2_0_quantize(xs):
    out = bytearray()
    for b in _blocks(xs, 256):
        d, t = _trits(b)
        qs = bytearray(64)
        for h in range(2):
            for l in range(4):
                for m in range(32):
                    qs[32 * h + m] |= t[128 * h + 32 * l + m] << (2 * l)
        out += qs + struct.pack('<e', d)
    return bytes(out)


def tq2_0_dequantize(data, n):
    out = []
    for i in range(n // 256):
        blk = data[66 * i:66 * i + 66]
        qs = blk[:64]
        d = struct.unpack('<e', blk[64:66])[0]
        w = [0.0] * 256
        for h in range(2):
            for l in range(4):
                for m in range(32):
                    code = (qs[32 * h + m] >> (2 * l)) & 3
                    w[128 * h + 32 * l + m] = (code - 1) * d
        out += w
    return out


# TQ1_0: 48 bytes qs, 4 bytes qh, fp16 d.  A byte holds up to five trits
# as q = sum t_n 3^(4-n) scaled to ceil(q * 256 / 243); trit n comes back as
# ((byte * 3^n mod 256) * 3) >> 8.

def tq1_pack(trits):
    """One byte for up to 5 trits (t0 first); missing trits count as 0."""
    t = list(trits) + [0] * (5 - len(trits))
    q = 0
    for n in range(5):
        q += t[n] * 3 ** (4 - n)
    return (q * 256 + 242) // 243


def tq1_unpack(byte, count=5):
    return [(((byte * 3 ** n) & 0xff) * 3) >> 8 for n in range(count)]


# (byte, weight indices of trit 0..k-1) for the 52 packed bytes of a block
def _tq1_layout():
    lay = []
    for m in range(32):
        lay.append([32 * n + m for n in range(5)])
    for m in range(16):
        lay.append([160 + 16 * n + m for n in range(5)])
    for m in range(4):
        lay.append([240 + 4 * n + m for n in range(4)])
    return lay


_TQ1_LAYOUT = _tq1_layout()


def tq1_0_quantize(xs):
    out = bytearray()
    for b in _blocks(xs, 256):
        d, t = _trits(b)
        packed = bytes(tq1_pack([t[i] for i in idx]) for idx in _TQ1_LAYOUT)
        out += packed + struct.pack('<e', d)
    return bytes(out)


def tq1_0_dequantize(data, n):
    out = []
    for i in range(n // 256):
        blk = data[54 * i:54 * i + 54]
        d = struct.unpack('<e', blk[52:54])[0]
        w = [0.0] * 256
        for j, idx in enumerate(_TQ1_LAYOUT):
            for k, t in zip(idx, tq1_unpack(blk[j], len(idx))):
                w[k] = (t - 1) * d
        out += w
    return out


_Q = {'f16': f16_quantize, 'bf16': bf16_quantize, 'q8_0': q8_0_quantize,
      'q4_0': q4_0_quantize, 'tq2_0': tq2_0_quantize,
      'tq1_0': tq1_0_quantize}
_DQ = {'f16': f16_dequantize, 'bf16': bf16_dequantize,
       'q8_0': q8_0_dequantize, 'q4_0': q4_0_dequantize,
       'tq2_0': tq2_0_dequantize, 'tq1_0': tq1_0_dequantize}


def quantize(name, xs):
    """The bytes of xs stored as type name."""
    if name == 'f32':
        return struct.pack('<%df' % len(xs), *xs)
    return _Q[name](list(xs))


def dequantize(name, data, n):
    """The n weights the bytes data of type name stand for, as floats that
    are exact in f32."""
    if name == 'f32':
        return list(struct.unpack('<%df' % n, data[:4 * n]))
    return _DQ[name](data, n)


def _selftest():
    import itertools
    import random

    # every 5-trit combination and every 4-trit one (qh) survives packing
    for t in itertools.product(range(3), repeat=5):
        b = tq1_pack(t)
        assert 0 <= b <= 255 and tq1_unpack(b) == list(t), (t, b)
    for t in itertools.product(range(3), repeat=4):
        assert tq1_unpack(tq1_pack(t), 4) == list(t), t
    # hand-checked bytes: all trits 2 -> q 242 -> ceil(242*256/243) = 255;
    # trit 0 alone = 1 -> q 81 -> 86 (81*256/243 = 85.33)
    assert tq1_pack([2] * 5) == 255 and tq1_pack([1, 0, 0, 0, 0]) == 86
    assert tq1_pack([0] * 5) == 0

    rng = random.Random(1)
    xs = [rng.uniform(-1, 1) for _ in range(512)]
    for name in _Q:
        data = quantize(name, xs)
        _, blk, nb = TYPES[name]
        assert len(data) == len(xs) // blk * nb, name
        back = dequantize(name, data, len(xs))
        assert all(_f32(v) == v for v in back), name
        tol = {'f16': 1e-3, 'bf16': 8e-3, 'q8_0': 5e-3, 'q4_0': 0.13,
               'tq2_0': 0.51, 'tq1_0': 0.51}[name]
        err = max(abs(a - b) for a, b in zip(xs, back))
        assert err <= tol, (name, err)
        # quantizing the dequantized weights again changes nothing
        assert dequantize(name, quantize(name, back), len(xs)) == back, name

    # ternary weights come back exactly, in the documented positions
    t = [rng.choice((-0.5, 0.0, 0.5)) for _ in range(256)]
    t[0] = 0.5
    for name in ('tq1_0', 'tq2_0'):
        assert dequantize(name, quantize(name, t), 256) == t, name
    # TQ2_0 by hand: weight 128 + 32*3 + 5 is bits 6..7 of qs[32 + 5]
    one = [0.0] * 256
    one[128 + 96 + 5] = 2.0
    data = tq2_0_quantize(one)
    assert data[37] == (2 << 6) | 0x15 and data[36] == 0x55, data[36:38]
    # Q4_0 by hand: block max -8 -> d 1; weight 3 -> q 11 (low nibble of
    # byte 3), weight 19 = -2 -> q 6 (high nibble of byte 3)
    b = [0.0] * 32
    b[0], b[3], b[19] = -8.0, 3.0, -2.0
    data = q4_0_quantize(b)
    assert struct.unpack('<e', data[:2])[0] == 1.0 and data[2 + 3] == 0x6b
    # BF16 ties go to even: 1 + 2^-8 sits halfway between 1 and 1 + 2^-7
    assert bf16_dequantize(bf16_quantize([1 + 2 ** -8]), 1) == [1.0]
    assert bf16_dequantize(bf16_quantize([1 + 3 * 2 ** -8]), 1) == \
        [1 + 2 ** -6]
    print('ggml_quants: self-test passed')


if __name__ == '__main__':
    _selftest()
