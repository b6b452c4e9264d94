/*
 * test-tok-spm.c: the SentencePiece tokenizer against llama.cpp's own test
 * vectors for the Llama 2 vocab (../shared/reference/llama-spm-32000.*,
 * with the same vocab from ../shared/models/tokenizer.bin), the GGUF and
 * tokenizer.bin forms of the stories260K vocab against each other, and
 * malformed tokenizer.bin files and prompts.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gguf.h"
#include "qerr.h"
#include "testutil.h"
#include "tokenizer.h"
#include "vocab.h"

static struct vocab *llama;	/* tokenizer.bin, 32000 tokens */

static int
setup(void **state)
{
	(void)state;
	llama = tu_vocab_llama2c("models/tokenizer.bin", 32000);
	return (llama != NULL ? 0 : -1);
}

static int
teardown(void **state)
{
	(void)state;
	vocab_free(llama);
	return (0);
}

static void
encode(const struct vocab *v, const char *s, size_t n, int add_bos,
    int special, int32_t **ids, size_t *nids)
{
	struct qerr	err;
	int		rc;

	rc = tok_encode(v, s, n, add_bos, special, ids, nids, &err);
	if (rc != Q_OK)
		fail_msg("tok_encode: %s", err.msg);
}

static void
test_reference_vectors(void **state)
{
	static const char sep[] = "\n__ggml_vocab_test__\n";
	char		 path[4096], *inp, *outp, *pos, *end, *line, *next;
	const char	*why;
	size_t		 ninp, nout, nids, ncase = 0;
	int32_t		*ids;

	(void)state;
	snprintf(path, sizeof path, "%s",
	    tu_shared_or_skip("reference/llama-spm-32000.inp"));
	inp = tu_read_file(path, &ninp);
	snprintf(path, sizeof path, "%s",
	    tu_shared_or_skip("reference/llama-spm-32000.out"));
	outp = tu_read_file(path, &nout);
	assert_non_null(inp);
	assert_non_null(outp);

	pos = inp;
	line = outp;
	while ((end = strstr(pos, sep)) != NULL) {
		assert_true(*line != '\0');
		next = strchr(line, '\n');
		assert_non_null(next);
		*next = '\0';
		encode(llama, pos, (size_t)(end - pos), 0, 0, &ids, &nids);
		if ((why = tu_ids_differ(ids, nids, line)) != NULL)
			fail_msg("case %zu \"%.*s\": %s", ncase,
			    (int)(end - pos), pos, why);
		free(ids);
		ncase++;
		pos = end + sizeof sep - 1;
		line = next + 1;
	}
	assert_int_equal(ncase, 46);
	free(inp);
	free(outp);
}

static void
test_bos_and_special(void **state)
{
	int32_t	*ids;
	size_t	 n, i;

	(void)state;
	/* "▁Hello" 15043, "▁world" 3186 (the reference file's values). */
	encode(llama, "Hello world", 11, 1, 0, &ids, &n);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 15043);
	assert_int_equal(ids[2], 3186);
	free(ids);

	/* Empty text: BOS alone, or nothing (SentencePiece's behaviour). */
	encode(llama, "", 0, 1, 0, &ids, &n);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], 1);
	free(ids);
	encode(llama, "", 0, 0, 0, &ids, &n);
	assert_int_equal(n, 0);
	free(ids);

	/* "<s>" is BOS only when special tokens are parsed; the text after
	 * it gets the space prefix again (llama.cpp). */
	encode(llama, "<s>Hello", 8, 0, 1, &ids, &n);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 15043);
	free(ids);
	encode(llama, "<s>Hello", 8, 0, 0, &ids, &n);
	for (i = 0; i < n; i++)
		assert_int_not_equal(ids[i], 1);
	free(ids);

	assert_string_equal(vocab_describe(llama), "spm");
	assert_true(vocab_is_eog(llama, 2));
	assert_false(vocab_is_eog(llama, 1));
	assert_int_equal(vocab_type(llama, 0), VOCAB_TT_UNKNOWN);
	assert_int_equal(vocab_type(llama, 1), VOCAB_TT_CONTROL);
	assert_int_equal(vocab_type(llama, 13), VOCAB_TT_BYTE);
	assert_int_equal(vocab_lookup(llama, "\xE2\x96\x81Hello", 8), 15043);
	assert_int_equal(vocab_lookup(llama, "<0x0A>", 6), 13);
	assert_int_equal(vocab_lookup(llama, "no such token", 13), -1);
}

static void
test_invalid_utf8(void **state)
{
	static const struct {
		const char	*s;
		size_t		 n, at;
	} bad[] = {
		{ "ab\xFF", 3, 2 },
		{ "x\xC0\x80", 3, 1 },		/* overlong NUL */
		{ "\xED\xA0\x80", 3, 0 },	/* surrogate */
		{ "ok \xE2\x82", 5, 3 },	/* truncated */
		{ "\xF4\x90\x80\x80", 4, 0 },	/* past U+10FFFF */
		{ "caf\xC3\xA9\x80", 6, 5 },	/* stray continuation */
	};
	struct qerr	 err;
	char		 want[64];
	int32_t		*ids;
	size_t		 n, i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(tok_encode(llama, bad[i].s, bad[i].n, 1, 1,
		    &ids, &n, &err), Q_EUSAGE);
		snprintf(want, sizeof want, "prompt: invalid UTF-8 at byte %zu",
		    bad[i].at);
		assert_string_equal(err.msg, want);
		assert_null(ids);
	}
}

/* Pieces of the ids put together give back the text: an independent
 * check that does not need expected ids. */
static void
check_roundtrip(const struct vocab *v, const char *s, size_t n)
{
	int32_t		*ids;
	size_t		 nids, total;
	char		*buf;

	encode(v, s, n, 0, 0, &ids, &nids);
	buf = tu_pieces(v, ids, nids, &total);
	/* The space prefix SentencePiece adds. */
	assert_true(total >= 1);
	assert_int_equal(buf[0], ' ');
	assert_int_equal(total - 1, n);
	assert_memory_equal(buf + 1, s, n);
	free(buf);
	free(ids);
}

static void
test_long_input(void **state)
{
	static const char *const words[] = {
		"the ", "quick ", "brown ", "fox ", "12345 ", "caf\xC3\xA9 ",
		"\xF0\x9F\x99\x82 ", "\xE6\x97\xA5\xE6\x9C\xAC ", "\n", "\t",
		"jumps", "!!! ", "  ", "don't ", "\xE1\x9E\x80 "
	};
	size_t	 n, cap = 200 * 1024;
	char	*s;

	(void)state;
	s = tu_random_text(words, sizeof words / sizeof words[0], 1, cap, &n);
	check_roundtrip(llama, s, n);
	/* One 200 KB word: no spaces at all to split on. */
	memset(s, 'a', cap);
	check_roundtrip(llama, s, cap);
	free(s);
}

static char *
write_bin(const void *buf, size_t n)
{
	return (tu_write_temp(buf, n));
}

static void
expect_bad(const void *buf, size_t n, int32_t n_vocab, const char *what)
{
	struct vocab	*v;
	struct qerr	 err;
	char		*path;

	path = write_bin(buf, n);
	assert_int_not_equal(vocab_from_llama2c(path, n_vocab, &v, &err),
	    Q_OK);
	assert_null(v);
	if (strstr(err.msg, path) == NULL || strstr(err.msg, what) == NULL)
		fail_msg("error \"%s\" should name %s and say \"%s\"", err.msg,
		    path, what);
	unlink(path);
	free(path);
}

static void
put_i32(unsigned char *p, int32_t v)
{
	memcpy(p, &v, 4);
}

static void
test_bad_tokenizer_bin(void **state)
{
	unsigned char	 buf[256];
	struct vocab	*v;
	struct qerr	 err;
	char		*path;
	size_t		 n, len;
	float		 score = 0.0f;
	int		 i;
	static const char *const toks[] = {
		"<unk>", "\n<s>\n", "\n</s>\n", "<0x0A>", " a", "b"
	};

	(void)state;
	put_i32(buf, 6);
	n = 4;
	for (i = 0; i < 6; i++) {
		len = strlen(toks[i]);
		memcpy(buf + n, &score, 4);
		put_i32(buf + n + 4, (int32_t)len);
		memcpy(buf + n + 8, toks[i], len);
		n += 8 + len;
	}

	/* The well-formed file, normalised to the GGUF form. */
	path = write_bin(buf, n);
	if (vocab_from_llama2c(path, 6, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(vocab_lookup(v, "\xE2\x96\x81" "a", 4), 4);
	assert_int_equal(vocab_lookup(v, "<s>", 3), 1);
	assert_int_equal(vocab_lookup(v, "</s>", 4), 2);
	assert_int_equal(vocab_type(v, 3), VOCAB_TT_BYTE);
	assert_int_equal(vocab_type(v, 2), VOCAB_TT_CONTROL);
	assert_int_equal(v->bos, 1);
	assert_int_equal(v->eos, 2);
	assert_int_equal(v->unk, 0);
	assert_true(v->add_bos);
	assert_true(v->add_space_prefix);
	vocab_free(v);
	unlink(path);
	free(path);

	/* The same image from memory: the same vocab, the same refusals. */
	if (vocab_from_llama2c_memory(buf, n, NULL, 6, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(vocab_lookup(v, "\xE2\x96\x81" "a", 4), 4);
	assert_int_equal(vocab_type(v, 3), VOCAB_TT_BYTE);
	vocab_free(v);
	assert_int_equal(vocab_from_llama2c_memory(buf, n - 1, "m.bin", 6, &v,
	    &err), Q_EFORMAT);
	assert_null(v);
	assert_non_null(strstr(err.msg, "m.bin: token 5"));
	assert_int_equal(vocab_from_llama2c_memory(buf, n, "m.bin", 0, &v,
	    &err), Q_EFORMAT);
	assert_non_null(strstr(err.msg, "vocab size 0"));

	expect_bad(buf, n, 7, "token 6");		/* < n_vocab tokens */
	expect_bad(buf, n, 5, "follow");		/* trailing bytes */
	expect_bad(buf, n - 1, 6, "token 5");		/* cut short */
	expect_bad(buf, 2, 6, "max_token_length");
	put_i32(buf, 0);
	expect_bad(buf, n, 6, "max_token_length");
	put_i32(buf, 6);
	put_i32(buf + 4 + 4, -3);			/* token 0 length */
	expect_bad(buf, n, 6, "token 0");
	put_i32(buf + 4 + 4, 7);			/* > max_token_length */
	expect_bad(buf, n, 6, "token 0");
	put_i32(buf + 4 + 4, 1 << 30);
	expect_bad(buf, n, 6, "token 0");
	assert_int_not_equal(vocab_from_llama2c("/nonexistent/tok.bin", 6,
	    &v, &err), Q_OK);
	assert_non_null(strstr(err.msg, "/nonexistent/tok.bin"));
}

/* stories260K.gguf and tok512.bin hold the same 512-token vocab: loading
 * both must give the same tables and the same ids. */
static void
test_gguf_matches_bin(void **state)
{
	static const char *const texts[] = {
		"Once upon a time, there was a little girl named Lily.",
		"  Lily and Tom\twent to the park!\n\nThe end. 123",
		"caf\xC3\xA9 \xF0\x9F\x99\x82 \xE6\x97\xA5\xE6\x9C\xAC",
	};
	struct gguf_file *f;
	struct vocab	*a, *b;
	struct qerr	 err;
	const char	*ta, *tb;
	char		 gpath[4096], bpath[4096];
	int32_t		*ia, *ib;
	size_t		 la, lb, na, nb, i;
	int32_t		 id;

	(void)state;
	snprintf(gpath, sizeof gpath, "%s",
	    tu_shared_or_skip("models/stories260K.gguf"));
	snprintf(bpath, sizeof bpath, "%s",
	    tu_shared_or_skip("models/tok512.bin"));
	if (gguf_open(gpath, &f, &err) != Q_OK)
		fail_msg("%s", err.msg);
	if (vocab_from_gguf(f, &a, &err) != Q_OK)
		fail_msg("%s", err.msg);
	gguf_close(f);
	if (vocab_from_llama2c(bpath, 512, &b, &err) != Q_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->kind, VOCAB_SPM);
	assert_int_equal(a->bos, b->bos);
	assert_int_equal(a->eos, b->eos);
	assert_int_equal(a->add_bos, 1);
	assert_int_equal(a->add_space_prefix, 1);
	for (id = 0; id < a->n; id++) {
		ta = vocab_text(a, id, &la);
		tb = vocab_text(b, id, &lb);
		if (la != lb || memcmp(ta, tb, la) != 0)
			fail_msg("token %d: \"%.*s\" vs \"%.*s\"", (int)id,
			    (int)la, ta, (int)lb, tb);
		assert_int_equal(vocab_type(a, id), vocab_type(b, id));
	}
	for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
		encode(a, texts[i], strlen(texts[i]), 1, 1, &ia, &na);
		encode(b, texts[i], strlen(texts[i]), 1, 1, &ib, &nb);
		assert_int_equal(na, nb);
		assert_memory_equal(ia, ib, na * sizeof *ia);
		assert_int_equal(ia[0], 1);
		free(ia);
		free(ib);
		check_roundtrip(a, texts[i], strlen(texts[i]));
	}
	vocab_free(a);
	vocab_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_bos_and_special),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_bad_tokenizer_bin),
		cmocka_unit_test(test_gguf_matches_bin),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
