/*
 * testutil.h: what the unit tests share: finding the real models and
 * reference data in ../shared (or $QCMP_SHARED), temporary files, a loud
 * skip when the data is absent, hand-built files and tokenizer fixtures.
 */
#ifndef QCMP_TESTUTIL_H
#define QCMP_TESTUTIL_H

#include <stddef.h>

#include "model.h"
#include <stdint.h>

struct vocab;

/* Path of rel under the shared data directory in a static buffer, or NULL
 * (after printing why) when it is missing.  Under CI=true a missing file
 * is a hard failure (exit 1) rather than a skip. */
const char *tu_shared(const char *rel);
/* Like tu_shared, but exits 77 (automake's SKIP) when the file is absent. */
const char *tu_shared_or_skip(const char *rel);
/* xorshift64 (*state non-zero): the next 32 random bits.  Inline, so
 * the kernel test's cross build needs nothing else of testutil. */
static inline uint32_t
tu_rnd(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return ((uint32_t)(*state >> 16));
}

/* Uniform in [-1, 1). */
static inline float
tu_rndf(uint64_t *state)
{
	return ((float)tu_rnd(state) / 4294967296.0f * 2.0f - 1.0f);
}
/* Writes n bytes to a fresh temporary file; returns its malloc'ed path. */
char	*tu_write_temp(const void *buf, size_t n);
/* Reads a whole file into a malloc'ed NUL-terminated buffer; NULL on error. */
char	*tu_read_file(const char *path, size_t *n);

/* A growable byte buffer for hand-built files; start it zeroed. */
struct tu_buf {
	unsigned char	*p;
	size_t		 n, cap;
};
/* Appends n bytes of src (aborts when out of memory). */
void	tu_buf_put(struct tu_buf *b, const void *src, size_t n);
/* Appends the low n (at most 8) bytes of v, little-endian. */
void	tu_buf_le(struct tu_buf *b, uint64_t v, size_t n);

/* At least len bytes of words[] picked by a fixed LCG from seed, joined;
 * malloc'ed with room for len bytes whatever *n (its length) is. */
char	*tu_random_text(const char *const *words, size_t nwords,
	    unsigned seed, size_t len, size_t *n);
/* The llama2.c tokenizer.bin vocab at rel under the shared data (SKIP when
 * absent); NULL after printing why it would not load. */
struct vocab *tu_vocab_llama2c(const char *rel, int32_t n_vocab);
/* The vocab of the GGUF at path; NULL after printing why it would not load. */
struct vocab *tu_vocab_gguf(const char *path);
/* The pieces of ids[0..n) joined, malloc'ed; their length in *len. */
char	*tu_pieces(const struct vocab *v, const int32_t *ids, size_t n,
	    size_t *len);
/* NULL when ids[0..n) are the space-separated decimal ids in want, else a
 * (static) message saying where they first differ. */
const char *tu_ids_differ(const int32_t *ids, size_t n, const char *want);

/* A hand-checkable model: dim 4, 1 layer, 2 query heads sharing 1 kv
 * head of size 2, hidden 4, vocab 3, context 16; every weight zero but
 * the norms (1) and token 1's embedding (1 2 3 4) until a test sets them. */
struct tu_tiny {
	struct model		m;
	struct layer_weights	lw;
	float			embd[3 * 4], out[3 * 4], ones[4];
	float			wq[4 * 4], wk[2 * 4], wv[2 * 4], wo[4 * 4];
	float			gate[4 * 4], up[4 * 4], down[4 * 4];
};
void	tu_tiny_init(struct tu_tiny *t);

#endif
