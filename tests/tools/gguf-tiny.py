"""gguf-tiny.py: writes tiny random-weight Llama GGUFs: one whole or broken
in one chosen way, for the loader's bad-input tests; one whose weight
matrices are stored in a chosen type, with its F32 twin holding exactly the
weights that type decodes to, for the weight-type tests; one with a real
byte-level BPE vocabulary, for the BPE end-to-end test.

usage: gguf-tiny.py OUT [DEFECT]
       gguf-tiny.py OUT --type TYPE [--twin OUT_F32]
       gguf-tiny.py OUT --bpe TOKENIZER_JSON
DEFECT: none (default), arch, missing-tensor, shape, type-q4k, no-vocab,
        vocab-mismatch, bad-head-count, truncated, magic, version
TYPE:   f32, f16, bf16, q8_0, q4_0, tq2_0, tq1_0 (every 2-D weight matrix,
        token_embd included; norms stay F32)
"""
import argparse
import importlib.util
import json
import os
import random
import struct
import sys

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_writer as G  # noqa: E402
import ggml_quants as Q  # noqa: E402

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
    if defect == 'vocab-zero':
        nvocab = 0
    if defect != 'no-vocab':
        toks = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(32)]
        toks += ['\u2581', 'a', 'b', '\u2581a', 'ab'][:VOCAB - len(toks)]
        if defect == 'vocab-zero':
            toks = []
        w.add('tokenizer.ggml.model', G.STRING, 'llama')
        w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, toks))
        w.add('tokenizer.ggml.scores', G.ARRAY, (G.FLOAT32, [0.0] * len(toks)))
        types = ([2, 3, 3] + [6] * 32 + [1] * (len(toks) - 35))[:len(toks)]
        w.add('tokenizer.ggml.token_type', G.ARRAY, (G.INT32, types))
        w.add('tokenizer.ggml.bos_token_id', G.UINT32, 1)
        w.add('tokenizer.ggml.eos_token_id', G.UINT32, 2)
    kvd = DIM // HEADS * KV
    emb = f32(DIM * nvocab, rng)
    if defect == 'inf':
        emb = emb[:12] + struct.pack('<f', float('inf')) + emb[16:]
    w.add_tensor('token_embd.weight', [DIM, nvocab], 0, emb)
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
        gate = f32(DIM * HIDDEN, rng)
        if defect == 'nan' and l == 1:
            gate = gate[:20] + struct.pack('<f', float('nan')) + gate[24:]
        w.add_tensor(p + 'ffn_gate.weight', [DIM, HIDDEN], 0, gate)
        if not (defect == 'missing-tensor' and l == 1):
            w.add_tensor(p + 'ffn_up.weight', [DIM, HIDDEN], 0, f32(DIM * HIDDEN, rng))
        w.add_tensor(p + 'ffn_down.weight', [HIDDEN, DIM], 0, f32(DIM * HIDDEN, rng))
    names = [t[0] for t in w.tensors]
    if defect == 'offset-outside':
        w.offsets[names[-1]] = 1 << 40
    elif defect == 'overlap':
        w.offsets[names[3]] = 0
    elif defect == 'misaligned':
        w.offsets[names[3]] = 4
    data = w.tobytes()
    head = len(w.header())
    if defect == 'tensors-huge':
        data = data[:8] + struct.pack('<Q', 1 << 40) + data[16:]
    elif defect == 'kv-huge':
        data = data[:16] + struct.pack('<Q', 1 << 40) + data[24:]
    elif defect == 'string-long':
        data = data[:24] + struct.pack('<Q', 1 << 40) + data[32:]
    elif defect == 'trunc-header':
        data = data[:20]
    elif defect == 'trunc-kv':
        data = data[:head // 3]
    elif defect == 'trunc-info':
        data = data[:head - 10]
    if defect == 'truncated':
        data = data[:len(data) - 100]
    elif defect == 'magic':
        data = b'GGUX' + data[4:]
    elif defect == 'version':
        data = data[:4] + struct.pack('<I', 7) + data[8:]
    return data


# The weight-type models: rows of 256 so every matrix is whole blocks of
# any type; a vocabulary of printable pieces so the text shows the tokens.
T_DIM, T_HIDDEN, T_LAYERS, T_HEADS, T_KV, T_CTX = 256, 256, 2, 4, 2, 64
T_PIECES = ['\u2581', 'a', 'b', '\u2581a', 'ab'] + list('cdefghijklmnopqrstuvwxyz')


def llama_keys(w, dim, hidden, layers, heads, kv, ctx, name):
    w.add('general.architecture', G.STRING, 'llama')
    w.add('general.name', G.STRING, name)
    w.add('llama.embedding_length', G.UINT32, dim)
    w.add('llama.feed_forward_length', G.UINT32, hidden)
    w.add('llama.block_count', G.UINT32, layers)
    w.add('llama.attention.head_count', G.UINT32, heads)
    w.add('llama.attention.head_count_kv', G.UINT32, kv)
    w.add('llama.context_length', G.UINT32, ctx)
    w.add('llama.rope.freq_base', G.FLOAT32, 10000.0)
    w.add('llama.attention.layer_norm_rms_epsilon', G.FLOAT32, 1e-5)


def llama_tensors(dim, hidden, layers, heads, kv, nvocab, rng):
    """(name, [ne0, ne1...], floats) for a model with a tied output: the
    matrices uniform in +-1 so the logits spread over many tokens, the
    norms near 1."""
    kvd = dim // heads * kv

    def mat(ne0, ne1, scale=1.0):
        return [rng.uniform(-scale, scale) for _ in range(ne0 * ne1)]

    def norm(n):
        return [rng.uniform(0.8, 1.2) for _ in range(n)]

    out = [('token_embd.weight', [dim, nvocab], mat(dim, nvocab)),
           ('output_norm.weight', [dim], norm(dim))]
    for l in range(layers):
        p = 'blk.%d.' % l
        out += [(p + 'attn_norm.weight', [dim], norm(dim)),
                (p + 'attn_q.weight', [dim, dim], mat(dim, dim)),
                (p + 'attn_k.weight', [dim, kvd], mat(dim, kvd)),
                (p + 'attn_v.weight', [dim, kvd], mat(dim, kvd)),
                (p + 'attn_output.weight', [dim, dim], mat(dim, dim)),
                (p + 'ffn_norm.weight', [dim], norm(dim)),
                (p + 'ffn_gate.weight', [dim, hidden], mat(dim, hidden)),
                (p + 'ffn_up.weight', [dim, hidden], mat(dim, hidden)),
                (p + 'ffn_down.weight', [hidden, dim], mat(hidden, dim))]
    return out


def build_typed(qtype):
    """(file in qtype, its F32 twin): the same model, the twin's weights
    being exactly what the qtype bytes decode to."""
    rng = random.Random(11)
    toks = ['<unk>', '<s>', '</s>'] + ['<0x%02X>' % b for b in range(32)]
    toks += T_PIECES
    types = [2, 3, 3] + [6] * 32 + [1] * len(T_PIECES)
    ws = []
    for _ in range(2):
        w = G.Writer()
        llama_keys(w, T_DIM, T_HIDDEN, T_LAYERS, T_HEADS, T_KV, T_CTX,
                   'tiny ' + qtype)
        w.add('tokenizer.ggml.model', G.STRING, 'llama')
        w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, toks))
        w.add('tokenizer.ggml.scores', G.ARRAY,
              (G.FLOAT32, [0.0] * len(toks)))
        w.add('tokenizer.ggml.token_type', G.ARRAY, (G.INT32, types))
        w.add('tokenizer.ggml.bos_token_id', G.UINT32, 1)
        w.add('tokenizer.ggml.eos_token_id', G.UINT32, 2)
        ws.append(w)
    for name, dims, xs in llama_tensors(T_DIM, T_HIDDEN, T_LAYERS, T_HEADS,
                                        T_KV, len(toks), rng):
        if name == 'token_embd.weight':
            # the control and byte tokens' rows are small, so the tied
            # classifier mostly picks printable pieces
            for i in range(35 * T_DIM):
                xs[i] *= 0.05
        t = qtype if len(dims) == 2 else 'f32'
        if name == 'token_embd.weight' and qtype.startswith('tq'):
            # ternary files keep the embedding in 8 bits, as llama.cpp's
            # and qcmp's ternary variants do
            t = 'q8_0'
        data = Q.quantize(t, xs)
        ws[0].add_tensor(name, dims, Q.TYPES[t][0], data)
        ws[1].add_tensor(name, dims, 0,
                         Q.quantize('f32', Q.dequantize(t, data, len(xs))))
    return ws[0].tobytes(), ws[1].tobytes()


SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] "
    "!= 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant "
    "named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|im_start|>assistant\n' }}{% endif %}")


def build_bpe(tokenizer_json):
    """A tiny model over a Hugging Face byte-level BPE vocabulary, stored
    the way a GGUF converter stores SmolLM2's: tied output, grouped-query
    attention, ChatML template, bos <|im_start|> 1 not added, eos
    <|im_end|> 2."""
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        'make_vocab_gguf', os.path.join(here, 'make-vocab-gguf.py'))
    mv = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mv)
    with open(tokenizer_json, encoding='utf-8') as f:
        tj = json.load(f)
    by_id = {i: text for text, i in tj['model']['vocab'].items()}
    ttype = {}
    for t in tj.get('added_tokens', []):
        by_id[t['id']] = t['content']
        ttype[t['id']] = mv.CONTROL if t.get('special') else mv.USER_DEFINED
    toks = [by_id[i] for i in range(max(by_id) + 1)]
    types = [ttype.get(i, mv.NORMAL) for i in range(len(toks))]
    merges = [m if isinstance(m, str) else ' '.join(m)
              for m in tj['model']['merges']]
    pre = mv.detect_pre(tj.get('pre_tokenizer'))
    dim, hidden, layers, heads, kv, ctx = 64, 128, 2, 4, 2, 256

    rng = random.Random(5)
    w = G.Writer()
    llama_keys(w, dim, hidden, layers, heads, kv, ctx, 'tiny bpe')
    w.add('tokenizer.ggml.model', G.STRING, 'gpt2')
    w.add('tokenizer.ggml.pre', G.STRING, pre)
    w.add('tokenizer.ggml.tokens', G.ARRAY, (G.STRING, toks))
    w.add('tokenizer.ggml.token_type', G.ARRAY, (G.INT32, types))
    w.add('tokenizer.ggml.merges', G.ARRAY, (G.STRING, merges))
    w.add('tokenizer.ggml.bos_token_id', G.UINT32, 1)
    w.add('tokenizer.ggml.eos_token_id', G.UINT32, 2)
    w.add('tokenizer.ggml.padding_token_id', G.UINT32, 2)
    w.add('tokenizer.ggml.add_bos_token', G.BOOL, False)
    w.add('tokenizer.chat_template', G.STRING, SMOLLM2_TEMPLATE)
    for name, dims, xs in llama_tensors(dim, hidden, layers, heads, kv,
                                        len(toks), rng):
        # f16 halves a 49152-row embedding; the rest stays f32
        t = 'f16' if name == 'token_embd.weight' else 'f32'
        w.add_tensor(name, dims, Q.TYPES[t][0], Q.quantize(t, xs))
    return w.tobytes()


def main():
    ap = argparse.ArgumentParser(
        description='writes tiny random-weight llama GGUF files')
    ap.add_argument('out')
    ap.add_argument('defect', nargs='?', default='none')
    ap.add_argument('--type', choices=sorted(Q.TYPES))
    ap.add_argument('--twin', metavar='OUT_F32')
    ap.add_argument('--bpe', metavar='TOKENIZER_JSON')
    a = ap.parse_intermixed_args()
    if a.type and a.defect != 'none' or a.bpe and (a.type or a.twin):
        ap.error('--type, --bpe and a defect do not combine')
    if a.twin and not a.type:
        ap.error('--twin needs --type')
    if a.type:
        data, twin = build_typed(a.type)
        if a.twin:
            with open(a.twin, 'wb') as f:
                f.write(twin)
    elif a.bpe:
        data = build_bpe(a.bpe)
    else:
        data = build(a.defect)
    with open(a.out, 'wb') as f:
        f.write(data)


if __name__ == '__main__':
    main()
