#!/usr/bin/env python3
"""make-seeds.py: writes the fuzz harnesses' small seed corpora into
fuzz/corpus/<harness>/ (a few kilobytes each): GGUF files with SentencePiece
and byte-level BPE vocabularies, tiny tensors and every metadata type; tiny
llama2.c checkpoints and a tokenizer.bin; texts and token ids for the
tokenizers; batch JSONL lines.  Everything is generated here, deterministic,
with the independent GGUF writer in tests/tools (no model files are copied).

usage: fuzz/make-seeds.py [OUTDIR]   (default: fuzz/corpus beside this file)
"""
import os
import shutil
import struct
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'tests', 'tools'))
import gguf_writer as G  # noqa: E402

SPACE = '\u2581'
NORMAL, UNKNOWN, CONTROL, USER, BYTE = 1, 2, 3, 4, 6
WORDS = ['a', 'the', 'he', 'llo', 'hello', 'world', 'on', 'ce', 'once',
         'up', 'upon', 'time', 'there', 'was', 'Lily', '\u00fc', '\u65e5',
         '\u672c', '1', '2', '3', ',', '.']


def spm_gguf():
    toks = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(256)]
    types = [UNKNOWN, CONTROL, CONTROL] + [BYTE] * 256
    for w in WORDS:
        toks += [w, SPACE + w]
        types += [NORMAL, NORMAL]
    toks += [SPACE, '<|user|>']
    types += [NORMAL, USER]
    scores = [0.0] * 259 + [-float(i) for i in range(len(toks) - 259)]
    w = G.Writer(version=3, alignment=16)
    w.add('general.architecture', G.STRING, 'llama')
    w.add('general.alignment', G.UINT32, 16)
    w.add('tokenizer.ggml.model', G.STRING, 'llama')
    w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, toks))
    w.add('tokenizer.ggml.scores', G.ARRAY, (G.FLOAT32, scores))
    w.add('tokenizer.ggml.token_type', G.ARRAY, (G.INT32, types))
    w.add('tokenizer.ggml.bos_token_id', G.UINT32, 1)
    w.add('tokenizer.ggml.eos_token_id', G.UINT32, 2)
    w.add('tokenizer.ggml.add_bos_token', G.BOOL, True)
    w.add('tokenizer.chat_template', G.STRING, '{{ messages }}')
    # one of every other value type, and a nested array
    w.add('t.u8', G.UINT8, 200)
    w.add('t.i8', G.INT8, -5)
    w.add('t.u16', G.UINT16, 60000)
    w.add('t.i16', G.INT16, -300)
    w.add('t.i32', G.INT32, -70000)
    w.add('t.f32', G.FLOAT32, 0.5)
    w.add('t.u64', G.UINT64, 1 << 40)
    w.add('t.i64', G.INT64, -(1 << 40))
    w.add('t.f64', G.FLOAT64, 1e-300)
    w.add('t.nested', G.ARRAY, (G.ARRAY, [(G.UINT8, [1, 2]), (G.BOOL, [True])]))
    w.add('t.f64s', G.ARRAY, (G.FLOAT64, [1.5, -2.0, float('inf')]))
    w.add_tensor('a.f32', [4, 2], 0, struct.pack('<8f', *range(8)))
    w.add_tensor('b.f16', [2], 1, b'\x00\x3c\x00\xc0')
    w.add_tensor('c.q8_0', [32], 8, bytes(34))
    w.add_tensor('d.empty', [0, 3], 0, b'')
    return w.tobytes()


def bpe_gguf():
    # GPT-2's byte -> character table: the 68 bytes that are not
    # printable Latin-1 stand for U+0100 onwards, in byte order
    def char(b):
        if b <= 0x20:
            return chr(0x100 + b)
        if 0x7f <= b <= 0xa0:
            return chr(0x121 + b - 0x7f)
        return chr(0x143) if b == 0xad else chr(b)
    chars = {b: char(b) for b in range(256)}
    toks = [chars[b] for b in range(256)]
    sp = chars[ord(' ')]
    merges = ['h e', 'l l', 'he ll', 'hell o', sp + ' w', 'o r', sp + 'w or',
              sp + 'wor l', sp + 'worl d', '1 2']
    for m in merges:
        toks.append(m.replace(' ', ''))
    toks += ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
    types = [NORMAL] * (len(toks) - 3) + [CONTROL] * 3
    w = G.Writer(version=3)
    w.add('tokenizer.ggml.model', G.STRING, 'gpt2')
    w.add('tokenizer.ggml.pre', G.STRING, 'smollm')
    w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, toks))
    w.add('tokenizer.ggml.token_type', G.ARRAY, (G.INT32, types))
    w.add('tokenizer.ggml.merges', G.ARRAY, (G.STRING, merges))
    w.add('tokenizer.ggml.bos_token_id', G.UINT32, len(toks) - 3)
    w.add('tokenizer.ggml.eos_token_id', G.UINT32, len(toks) - 1)
    return w.tobytes()


def small_gguf():
    w = G.Writer(version=2)
    w.add('general.name', G.STRING, 'x')
    w.add('tokenizer.ggml.model', G.STRING, 'llama')
    w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, ['<unk>', 'a']))
    return w.tobytes()


def checkpoint(vocab_size):
    dim, hidden, layers, heads, kv, vocab, seq = 8, 16, 1, 2, 1, 8, 4
    hs = dim // heads
    kvd = hs * kv
    n = (vocab * dim + layers * dim + layers * dim * dim +
         2 * layers * kvd * dim + layers * dim * dim + layers * dim +
         3 * layers * hidden * dim + dim + seq * hs)
    if vocab_size < 0:
        n += vocab * dim
    head = struct.pack('<7i', dim, hidden, layers, heads, kv, vocab_size, seq)
    return head + struct.pack('<%df' % n, *[(i % 13) / 13.0 for i in range(n)])


def tokenizer_bin():
    toks = [(0.0, b'<unk>'), (0.0, b'\n<s>\n'), (0.0, b'\n</s>\n')]
    toks += [(0.0, b'<0x%02X>' % b) for b in range(256)]
    for i, wd in enumerate(WORDS):
        toks.append((-float(i), wd.encode()))
        toks.append((-float(i) - 0.5, b' ' + wd.encode()))
    maxlen = max(len(t) for _, t in toks)
    out = struct.pack('<i', maxlen)
    for score, t in toks:
        out += struct.pack('<fi', score, len(t)) + t
    return len(toks), out


TEXTS = [b'Hello world', b'Once upon a time, there was a little girl named Lily.',
         b'  two  spaces\tand\nnewlines\r\n', '\u00fc\u65e5\u672c \U0001F600 \u2581x'.encode(),
         b'<s>hello</s><|im_start|>user<|im_end|>', b'12345 3.14 a1b2', b'',
         b'\xe2\x96', b'\x00\x01\x7f']

LINES = [
    b'{"prompt": "Q: max 37 73? A:", "expected": "73"}',
    b'{"prompt": "hi", "expected": "h.*", "match": "regex", "id": 7}',
    b'{"prompt": "a\\u00fcb\\ud83d\\ude00\\n\\t\\"\\\\\\/", "system": "be brief", '
    b'"id": "x-1", "match": "contains", "expected": "b"}',
    b'  {"prompt":"p","other":{"a":[1,-2.5e+3,true,false,null,{}],"b":[]}}  ',
    b'{"prompt": ""}',
    b'{"prompt": "x" "expected": 1}',
    b'[1, 2]',
]


def put(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, 'corpus')
    for h in ('gguf', 'llama2c', 'tok-spm', 'tok-bpe', 'batch-item'):
        shutil.rmtree(os.path.join(out, h), ignore_errors=True)
    d = os.path.join(out, 'gguf')
    put(d, 'spm-vocab.gguf', spm_gguf())
    put(d, 'bpe-vocab.gguf', bpe_gguf())
    put(d, 'v2-small.gguf', small_gguf())

    d = os.path.join(out, 'llama2c')
    put(d, 'ckpt-shared', b'\x00' + checkpoint(8))
    put(d, 'ckpt-unshared', b'\x00' + checkpoint(-8))
    n, tok = tokenizer_bin()
    put(d, 'tokenizer', b'\x01' + struct.pack('<H', n) + tok)

    for h in ('tok-spm', 'tok-bpe'):
        d = os.path.join(out, h)
        for i, t in enumerate(TEXTS):
            put(d, 'text-%d' % i, bytes([i & 1]) + t)
        ids = struct.pack('<12I', 1, 15043, 3186, 29871, 13, 0x80 + 3,
                          0xe2 + 3, 0x96 + 3, 2, 99999, 0xffffffff, 300)
        put(d, 'ids', b'\x02' + ids)

    d = os.path.join(out, 'batch-item')
    for i, line in enumerate(LINES):
        put(d, 'line-%d' % i, line)


if __name__ == '__main__':
    main()
