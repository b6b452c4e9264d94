/*
 * fuzz-tok-spm.c: libFuzzer harness for the SentencePiece tokenizer with
 * a real vocabulary: the 32,000-token Llama 2 tokenizer.bin (with byte
 * fallback) named by QCMP_FUZZ_SPM_VOCAB.  Arbitrary bytes are encoded
 * (and must decode back to the same text) or decoded as arbitrary ids;
 * see fuzz_tok_input.
 */
#include "config.h"

#include "fuzz.h"

#include "qerr.h"
#include "vocab.h"

static struct vocab	*spm;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct qerr	 err;
	const char	*path;

	path = fuzz_env_path("QCMP_FUZZ_SPM_VOCAB", "a llama2.c "
	    "tokenizer.bin of 32000 tokens (../shared/models/tokenizer.bin)");
	if (vocab_from_llama2c(path, 32000, &spm, &err) != Q_OK) {
		fprintf(stderr, "fuzz-tok-spm: %s\n", err.msg);
		exit(2);
	}
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_tok_input(spm, data, size);
	return (0);
}
