/*
 * fuzz.h: what the libFuzzer harnesses share: the entry point libFuzzer
 * calls, and a check that aborts (a finding, with its reproducer saved by
 * libFuzzer) when an invariant the code promises does not hold.
 */
#ifndef QCMP_FUZZ_H
#define QCMP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: invariant failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

struct vocab;

/* fuzz-util.c */
/* The path in environment variable var; exits with a message naming var
 * and what it must hold when it is unset (a harness that needs a real
 * vocabulary cannot run without one). */
const char *fuzz_env_path(const char *var, const char *what);
/* Reads every byte of p[0..n) (so the sanitizer sees any out of bounds). */
void	fuzz_touch(const void *p, size_t n);
/* A malloc'ed copy of data[0..size), so that reads past the end are
 * caught even where the harness skipped a prefix (never NULL). */
uint8_t	*fuzz_copy(const uint8_t *data, size_t size);
/* Decodes ids[0..n) with the streaming decoder into a malloc'ed string
 * (*len bytes), checking it is valid UTF-8. */
char	*fuzz_detok(const struct vocab *v, const int32_t *ids, size_t n,
	    size_t *len);
/* Encodes text[0..len) both with and without special-token parsing and
 * checks what any encoding promises: invalid UTF-8 is refused with no
 * ids, valid UTF-8 gives ids inside the vocabulary (BOS first when asked
 * for) whose decoding is valid UTF-8.  Returns the ids of the plain
 * (parse_special 0) encoding, malloc'ed, or NULL when refused. */
int32_t	*fuzz_encode(const struct vocab *v, const char *text, size_t len,
	    int add_bos, size_t *n);
/* Walks every token of v through the public accessors: texts found by
 * look-up, types in range, pieces no longer than the decoder allows; then
 * encodes a fixed sample and the token texts themselves. */
void	fuzz_vocab_walk(const struct vocab *v);
/* The tokenizer harnesses' input: data[0] bit 1 set, the rest is ids (4
 * bytes each) to decode, checked against the pieces; clear, the rest is
 * text to encode (BOS when bit 0 is set), which must decode back to
 * itself when it is valid UTF-8 (v must cover every byte). */
void	fuzz_tok_input(const struct vocab *v, const uint8_t *data,
	    size_t size);

#endif
