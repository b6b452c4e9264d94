/*
 * fuzz-tok-bpe.c: libFuzzer harness for the byte-level BPE tokenizer
 * with a real vocabulary: a vocab-only GGUF (SmolLM2's, made by
 * tests/tools/make-vocab-gguf.py) named by QCMP_FUZZ_BPE_VOCAB.
 * Arbitrary bytes are encoded (and must decode back to the same text) or
 * decoded as arbitrary ids; see fuzz_tok_input.
 */
#include "config.h"

#include "fuzz.h"

#include "gguf.h"
#include "qerr.h"
#include "vocab.h"

static struct vocab	*bpe;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gguf_file	*f;
	struct qerr		 err;
	const char		*path;

	path = fuzz_env_path("QCMP_FUZZ_BPE_VOCAB", "a vocab-only GGUF of "
	    "a byte-level BPE tokenizer (tests/tools/make-vocab-gguf.py "
	    "../shared/reference/smollm2-tokenizer.json OUT)");
	if (gguf_open(path, &f, &err) != Q_OK ||
	    vocab_from_gguf(f, &bpe, &err) != Q_OK) {
		fprintf(stderr, "fuzz-tok-bpe: %s\n", err.msg);
		exit(2);
	}
	if (bpe->kind != VOCAB_BPE) {
		fprintf(stderr, "fuzz-tok-bpe: %s: not a BPE vocabulary\n",
		    path);
		exit(2);
	}
	/* The vocab keeps pointers into nothing of f: it may go. */
	gguf_close(f);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_tok_input(bpe, data, size);
	return (0);
}
