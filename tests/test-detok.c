/*
 * test-detok.c: the streaming detokenizer.  Text whose characters are
 * split over several tokens (SentencePiece byte fallback, byte-level BPE)
 * is fed one id at a time: no chunk may be invalid UTF-8 and the chunks
 * together must be the original text.  Malformed byte sequences must come
 * out as U+FFFD, control tokens as nothing.
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
#include "unicode.h"
#include "vocab.h"

#define FFFD	"\xEF\xBF\xBD"

static struct vocab	*spm;	/* tokenizer.bin */

static int
setup(void **state)
{
	(void)state;
	spm = tu_vocab_llama2c("models/tokenizer.bin", 32000);
	return (spm != NULL ? 0 : -1);
}

static int
teardown(void **state)
{
	(void)state;
	vocab_free(spm);
	return (0);
}

/* Feeds ids one at a time into text; returns how many pushes held bytes
 * back (returned less than the piece had). */
static size_t
stream(const struct vocab *v, struct detok *d, const int32_t *ids,
    size_t n, char *text, size_t *len)
{
	char	 chunk[256];
	size_t	 i, got, plen, held = 0;

	*len = 0;
	for (i = 0; i < n; i++) {
		tok_piece(v, ids[i], &plen);
		got = detok_push(d, ids[i], chunk, sizeof chunk);
		assert_true(got <= sizeof chunk);
		if (unicode_validate(chunk, got) != got)
			fail_msg("push of id %d gave invalid UTF-8",
			    (int)ids[i]);
		if (got < plen)
			held++;
		memcpy(text + *len, chunk, got);
		*len += got;
	}
	got = detok_flush(d, chunk, sizeof chunk);
	memcpy(text + *len, chunk, got);
	*len += got;
	return (held);
}

static void
test_spm_byte_fallback(void **state)
{
	/* U+1F642 and U+1F44D have no token in the Llama 2 vocab. */
	static const char text[] = "Hi \xF0\x9F\x99\x82 caf\xC3\xA9 "
	    "\xE6\x97\xA5\xE6\x9C\xAC\xF0\x9F\x91\x8D!";
	struct detok	 d;
	struct qerr	 err;
	int32_t		*ids;
	size_t		 n, i, len, nbytes = 0;
	char		 out[256];

	(void)state;
	assert_int_equal(tok_encode(spm, text, strlen(text), 1, 0, &ids, &n,
	    &err), Q_OK);
	assert_int_equal(ids[0], 1);
	for (i = 0; i < n; i++)
		if (vocab_type(spm, ids[i]) == VOCAB_TT_BYTE)
			nbytes++;
	assert_true(nbytes >= 8);	/* both emoji went to bytes */
	detok_init(&d, spm);
	assert_true(stream(spm, &d, ids, n, out, &len) >= 6);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(out, text, len);
	free(ids);
}

static void
test_spm_leading_space(void **state)
{
	/* <s> Hello world </s> */
	static const int32_t ids[] = { 1, 15043, 3186, 2 };
	struct detok	 d;
	char		 out[256];
	size_t		 len;

	(void)state;
	detok_init(&d, spm);
	stream(spm, &d, ids, 4, out, &len);
	assert_int_equal(len, 11);
	assert_memory_equal(out, "Hello world", 11);
	/* A caller continuing a text says so by clearing first. */
	detok_init(&d, spm);
	d.first = 0;
	stream(spm, &d, ids, 4, out, &len);
	assert_int_equal(len, 12);
	assert_memory_equal(out, " Hello world", 12);
}

static int32_t
byte_tok(uint8_t b)
{
	char	name[8];

	snprintf(name, sizeof name, "<0x%02X>", b);
	return (vocab_lookup(spm, name, 6));
}

static void
expect_stream(const uint8_t *bytes, size_t n, const char *want)
{
	struct detok	 d;
	int32_t		 ids[16];
	char		 out[256];
	size_t		 i, len;

	for (i = 0; i < n; i++) {
		ids[i] = byte_tok(bytes[i]);
		assert_true(ids[i] >= 0);
	}
	detok_init(&d, spm);
	stream(spm, &d, ids, n, out, &len);
	if (len != strlen(want) || memcmp(out, want, len) != 0)
		fail_msg("got \"%.*s\", expected \"%s\"", (int)len, out, want);
}

static void
test_malformed(void **state)
{
	static const uint8_t a[] = { 0xE2, 'a' };
	static const uint8_t b[] = { 0xFF, 'x' };
	static const uint8_t c[] = { 0xF0, 0x9F };		/* cut off */
	static const uint8_t e[] = { 0xE0, 0x80 };		/* overlong */
	static const uint8_t f[] = { 0xED, 0xA0, 0x80 };	/* surrogate */
	static const uint8_t g[] = { 0x80, 0xC3, 0xA9 };
	static const uint8_t h[] = { 0xC3, 0xC3, 0xA9 };

	(void)state;
	expect_stream(a, 2, FFFD "a");
	expect_stream(b, 2, FFFD "x");
	expect_stream(c, 2, FFFD);
	expect_stream(e, 2, FFFD FFFD);
	expect_stream(f, 3, FFFD FFFD FFFD);
	expect_stream(g, 3, FFFD "\xC3\xA9");
	expect_stream(h, 3, FFFD "\xC3\xA9");
}

static void
test_control_and_capacity(void **state)
{
	struct detok	 d;
	char		 out[64];
	int32_t		 e9[2];

	(void)state;
	detok_init(&d, spm);
	assert_int_equal(detok_push(&d, 1, out, sizeof out), 0);
	assert_int_equal(detok_push(&d, 2, out, sizeof out), 0);
	assert_int_equal(detok_push(&d, -1, out, sizeof out), 0);
	assert_int_equal(detok_push(&d, 999999, out, sizeof out), 0);
	assert_true(d.first);	/* nothing emitted yet */
	assert_int_equal(detok_flush(&d, out, sizeof out), 0);

	/* Never past cap, even when that loses text. */
	e9[0] = byte_tok(0xC3);
	e9[1] = byte_tok(0xA9);
	memset(out, '#', sizeof out);
	assert_int_equal(detok_push(&d, e9[0], out, 1), 0);
	assert_int_equal(detok_push(&d, e9[1], out, 1), 0);
	assert_int_equal(out[0], '#');
	assert_int_equal(detok_push(&d, e9[0], out, 2), 0);
	assert_int_equal(detok_push(&d, e9[1], out, 2), 2);
	assert_memory_equal(out, "\xC3\xA9", 2);
	assert_int_equal(out[2], '#');
}

static void
test_bpe(void **state)
{
	/* Hugging Face's ids for this text (smollm2-bpe-vectors.json). */
	static const char text[] = "caf\xC3\xA9 na\xC3\xAFve "
	    "r\xC3\xA9sum\xC3\xA9";
	static const int32_t ids[] = { 83, 1939, 2756, 15486, 46494, 412,
	    2756, 5422, 2756 };
	static const int32_t hello[] = { 38699, 905 };	/* " Hello world"*/
	/* "日本語のテキスト", whose characters straddle tokens. */
	static const char jp[] = "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"
	    "\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9"
	    "\xE3\x83\x88";
	static const int32_t jp_ids[] = { 23274, 115, 40993, 179, 120, 248,
	    26453, 11100, 224, 10391, 251, 10391, 134, 11100, 226 };
	const char	*src, *tmp, *ci, *json;
	char		 dir[4096], gpath[4200], cmd[12000], out[256];
	struct vocab	*v;
	struct detok	 d;
	size_t		 len;

	(void)state;
	json = tu_shared_or_skip("reference/smollm2-tokenizer.json");
	if (system("python3 -c 'import json' >/dev/null 2>&1") != 0) {
		ci = getenv("CI");
		if (ci != NULL && strcmp(ci, "true") == 0)
			fail_msg("python3 is missing (CI=true)");
		skip();
	}
	if ((src = getenv("QCMP_SRCDIR")) == NULL || *src == '\0')
		src = ".";
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof dir, "%s/qcmp-detok-XXXXXX", tmp);
	assert_non_null(mkdtemp(dir));
	snprintf(gpath, sizeof gpath, "%s/vocab.gguf", dir);
	snprintf(cmd, sizeof cmd, "python3 '%s/tests/tools/"
	    "make-vocab-gguf.py' '%s' '%s'", src, json, gpath);
	assert_int_equal(system(cmd), 0);
	v = tu_vocab_gguf(gpath);
	assert_non_null(v);
	unlink(gpath);
	rmdir(dir);

	detok_init(&d, v);
	stream(v, &d, ids, 9, out, &len);
	assert_int_equal(len, strlen(text));
	assert_memory_equal(out, text, len);

	/* 23274 is the first two bytes of U+65E5, 115 the third, ... */
	detok_init(&d, v);
	assert_true(stream(v, &d, jp_ids, 15, out, &len) >= 6);
	assert_int_equal(len, strlen(jp));
	assert_memory_equal(out, jp, len);

	/* No space to drop in byte-level BPE; BOS-like control tokens
	 * (<|im_start|> = 1) say nothing. */
	detok_init(&d, v);
	assert_int_equal(detok_push(&d, 1, out, sizeof out), 0);
	stream(v, &d, hello, 2, out, &len);
	assert_int_equal(len, 12);
	assert_memory_equal(out, " Hello world", 12);
	vocab_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spm_byte_fallback),
		cmocka_unit_test(test_spm_leading_space),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_control_and_capacity),
		cmocka_unit_test(test_bpe),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
