#!/usr/bin/env python3
"""make-vocab-gguf.py: writes a vocab-only GGUF from a Hugging Face
byte-level BPE tokenizer.json, the way a GGUF converter stores it
(tokenizer.ggml.model "gpt2", tokens, token_type, merges, pre), so the
tokenizer tests can check qcmp's BPE against Hugging Face's ids.

usage: make-vocab-gguf.py TOKENIZER_JSON OUT_GGUF
           [--cases VECTORS_JSON CASES_OUT] [--pre NAME]
           [--bos TEXT] [--eos TEXT]

--cases also turns a [{"text", "ids"}] vector file into lines of
"HEX<TAB>ID ID ..." (the UTF-8 text hex-encoded), which C reads easily.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gguf_writer as gw  # noqa: E402

NORMAL, CONTROL, USER_DEFINED = 1, 3, 4

GPT2_REGEX = ("'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}"
              "\\p{N}]+|\\s+(?!\\S)|\\s+")


def detect_pre(pt):
    """tokenizer.ggml.pre for the pre_tokenizer section, or None."""
    if pt is None:
        return None
    if pt.get('type') == 'ByteLevel' and pt.get('use_regex', True):
        return 'default'
    if pt.get('type') != 'Sequence':
        return None
    steps = pt.get('pretokenizers', [])
    kinds = [s.get('type') for s in steps]
    if (kinds == ['Digits', 'ByteLevel'] and
            steps[0].get('individual_digits') and
            steps[1].get('use_regex', True)):
        return 'smollm'
    if kinds and kinds[0] == 'Split':
        pattern = steps[0].get('pattern', {}).get('Regex', '')
        if '\\p{N}{1,3}' in pattern:
            return 'llama-bpe'
        if pattern.startswith("(?i:'s|'t|'re|'ve|'m|'ll|'d)") and \
                '\\p{N}|' in pattern:
            return 'qwen2'
    if kinds == ['ByteLevel'] and steps[0].get('use_regex', True):
        return 'default'
    return None


def first_present(names, ids):
    for n in names:
        if n in ids:
            return ids[n]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('tokenizer')
    ap.add_argument('out')
    ap.add_argument('--cases', nargs=2, metavar=('VECTORS', 'OUT'))
    ap.add_argument('--pre')
    ap.add_argument('--bos')
    ap.add_argument('--eos')
    a = ap.parse_args()

    with open(a.tokenizer, encoding='utf-8') as f:
        tj = json.load(f)
    model = tj['model']
    if model.get('type') != 'BPE':
        sys.exit('%s: model.type: not BPE' % a.tokenizer)

    by_id = {}
    for text, i in model['vocab'].items():
        by_id[i] = text
    types = {}
    for t in tj.get('added_tokens', []):
        by_id[t['id']] = t['content']
        types[t['id']] = CONTROL if t.get('special') else USER_DEFINED
    n = max(by_id) + 1
    missing = [i for i in range(n) if i not in by_id]
    if missing:
        sys.exit('%s: no token with id %d' % (a.tokenizer, missing[0]))
    tokens = [by_id[i] for i in range(n)]
    ttypes = [types.get(i, NORMAL) for i in range(n)]

    merges = []
    for m in model['merges']:
        merges.append(m if isinstance(m, str) else ' '.join(m))

    pre = a.pre or detect_pre(tj.get('pre_tokenizer'))
    if pre is None:
        sys.exit('%s: pre_tokenizer: not recognised; pass --pre' %
                 a.tokenizer)

    ids = {tokens[i]: i for i in range(n) if ttypes[i] == CONTROL}
    bos = ids.get(a.bos) if a.bos else first_present(
        ['<|begin_of_text|>', '<|im_start|>', '<s>', '<|endoftext|>'], ids)
    eos = ids.get(a.eos) if a.eos else first_present(
        ['<|im_end|>', '<|eot_id|>', '</s>', '<|endoftext|>'], ids)

    w = gw.Writer()
    w.add('general.architecture', gw.STRING, 'llama')
    w.add('general.name', gw.STRING, 'vocab only: ' +
          os.path.basename(a.tokenizer))
    w.add('tokenizer.ggml.model', gw.STRING, 'gpt2')
    w.add('tokenizer.ggml.pre', gw.STRING, pre)
    w.add('tokenizer.ggml.tokens', gw.ARRAY, (gw.STRING, tokens))
    w.add('tokenizer.ggml.token_type', gw.ARRAY, (gw.INT32, ttypes))
    w.add('tokenizer.ggml.merges', gw.ARRAY, (gw.STRING, merges))
    if bos is not None:
        w.add('tokenizer.ggml.bos_token_id', gw.UINT32, bos)
    if eos is not None:
        w.add('tokenizer.ggml.eos_token_id', gw.UINT32, eos)
    w.add('tokenizer.ggml.add_bos_token', gw.BOOL, False)
    w.write(a.out)

    if a.cases:
        with open(a.cases[0], encoding='utf-8') as f:
            vectors = json.load(f)
        with open(a.cases[1], 'w') as f:
            for v in vectors:
                f.write('%s\t%s\n' % (v['text'].encode('utf-8').hex(),
                                      ' '.join(str(i) for i in v['ids'])))


if __name__ == '__main__':
    main()
