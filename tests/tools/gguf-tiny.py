"""gguf-tiny.py: writes a tiny random-weight Llama GGUF, whole or broken in
one chosen way, for the loader's bad-input tests.

usage: gguf-tiny.py OUT [DEFECT]
DEFECT: none (default), arch, missing-tensor, shape, type-q4k, no-vocab,
        vocab-mismatch, bad-head-count, truncated, magic, version
"""
import random
import struct
import sys

sys.path.insert(0, __import__('os').path.dirname(__file__))
import gguf_writer as G  # noqa: E402

DIM, HIDDEN, LAYERS, HEADS, KV, VOCAB, CTX = 32, 64, 2, 4, 2, 40, 64


def f32(n, rng):
    return struct.pack('<%df' % n, *[rng.uniform(-0.5, 0.5) for _ in range(n)])


def build(defect):
    rng = random.Random(7)
    w = G.Writer()
    w.add('general.architecture', G.STRING, 'gpt2' if defect == 'arch' else 'llama')
    w.add('general.name', G.STRING, 'tiny')
    w.add('llama.embedding_length', G.UINT32, DIM)
    w.add('llama.feed_forward_length', G.UINT32, HIDDEN)
    w.add('llama.block_count', G.UINT32, LAYERS)
    w.add('llama.attention.head_count', G.UINT32, HEADS)
    w.add('llama.attention.head_count_kv', G.UINT32, 3 if defect == 'bad-head-count' else KV)
    w.add('llama.context_length', G.UINT32, CTX)
    w.add('llama.rope.freq_base', G.FLOAT32, 10000.0)
    w.add('llama.attention.layer_norm_rms_epsilon', G.FLOAT32, 1e-5)
    nvocab = VOCAB + (1 if defect == 'vocab-mismatch' else 0)
    if defect != 'no-vocab':
        toks = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(32)]
        toks += ['\u2581', 'a', 'b', '\u2581a', 'ab'][:VOCAB - len(toks)]
        w.add('tokenizer.ggml.model', G.STRING, 'llama')
        w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, toks))
        w.add('tokenizer.ggml.scores', G.ARRAY, (G.FLOAT32, [0.0] * len(toks)))
        types = [2, 3, 3] + [6] * 32 + [1] * (len(toks) - 35)
        w.add('tokenizer.ggml.token_type', G.ARRAY, (G.INT32, types))
        w.add('tokenizer.ggml.bos_token_id', G.UINT32, 1)
        w.add('tokenizer.ggml.eos_token_id', G.UINT32, 2)
    kvd = DIM // HEADS * KV
    w.add_tensor('token_embd.weight', [DIM, nvocab], 0, f32(DIM * nvocab, rng))
    w.add_tensor('output_norm.weight', [DIM], 0, f32(DIM, rng))
    for l in range(LAYERS):
        p = 'blk.%d.' % l
        w.add_tensor(p + 'attn_norm.weight', [DIM], 0, f32(DIM, rng))
        if defect == 'type-q4k' and l == 1:
            w.add_tensor(p + 'attn_q.weight', [256, 4], 12, bytes(144 * 4))
        elif defect == 'shape' and l == 1:
            w.add_tensor(p + 'attn_q.weight', [DIM, DIM // 2], 0, f32(DIM * DIM // 2, rng))
        else:
            w.add_tensor(p + 'attn_q.weight', [DIM, DIM], 0, f32(DIM * DIM, rng))
        w.add_tensor(p + 'attn_k.weight', [DIM, kvd], 0, f32(DIM * kvd, rng))
        w.add_tensor(p + 'attn_v.weight', [DIM, kvd], 0, f32(DIM * kvd, rng))
        w.add_tensor(p + 'attn_output.weight', [DIM, DIM], 0, f32(DIM * DIM, rng))
        w.add_tensor(p + 'ffn_norm.weight', [DIM], 0, f32(DIM, rng))
        w.add_tensor(p + 'ffn_gate.weight', [DIM, HIDDEN], 0, f32(DIM * HIDDEN, rng))
        if not (defect == 'missing-tensor' and l == 1):
            w.add_tensor(p + 'ffn_up.weight', [DIM, HIDDEN], 0, f32(DIM * HIDDEN, rng))
        w.add_tensor(p + 'ffn_down.weight', [HIDDEN, DIM], 0, f32(DIM * HIDDEN, rng))
    data = w.tobytes()
    if defect == 'truncated':
        data = data[:len(data) - 100]
    elif defect == 'magic':
        data = b'GGUX' + data[4:]
    elif defect == 'version':
        data = data[:4] + struct.pack('<I', 7) + data[8:]
    return data


if __name__ == '__main__':
    with open(sys.argv[1], 'wb') as f:
        f.write(build(sys.argv[2] if len(sys.argv) > 2 else 'none'))
