/*
 * test-tok-bpe.c: the byte-level BPE tokenizer against Hugging Face's ids
 * for SmolLM2 (../shared/reference/smollm2-bpe-vectors.json, with a
 * vocab-only GGUF that tests/tools/make-vocab-gguf.py builds from
 * smollm2-tokenizer.json), the four pre-tokenizers against splits made
 * with the real regexes (Python's regex module), small hand-built vocabs
 * for merge order and malformed metadata, and the Unicode tables.
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
#include "tok-int.h"
#include "tokenizer.h"
#include "unicode.h"
#include "vocab.h"

enum { V_SMOLLM, V_LLAMA3, V_QWEN2, V_DEFAULT, NV };

static const char *const pre_flag[NV] = {
	"", "--pre llama-bpe", "--pre qwen2", "--pre default"
};
static struct vocab	*vocabs[NV];
static char		 tmpdir[4096];
static char		 cases_path[4200];

/* Builds the GGUFs with the Python tool; SKIP (77) without python3. */
static int
setup(void **state)
{
	const char	*src, *tmp, *ci, *json, *vec;
	char		 jpath[4096], vpath[4096], cmd[20000], gpath[4200];
	size_t		 len;
	int		 i;

	(void)state;
	json = tu_shared_or_skip("reference/smollm2-tokenizer.json");
	snprintf(jpath, sizeof jpath, "%s", json);
	vec = tu_shared_or_skip("reference/smollm2-bpe-vectors.json");
	snprintf(vpath, sizeof vpath, "%s", vec);
	if (system("python3 -c 'import json' >/dev/null 2>&1") != 0) {
		ci = getenv("CI");
		if (ci != NULL && strcmp(ci, "true") == 0) {
			fprintf(stderr, "FAIL: python3 is missing (CI=true)\n");
			exit(1);
		}
		fprintf(stderr, "SKIP: python3 is missing\n");
		exit(77);
	}
	if ((src = getenv("QCMP_SRCDIR")) == NULL || *src == '\0')
		src = ".";
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(tmpdir, sizeof tmpdir, "%s/qcmp-bpe-XXXXXX", tmp);
	if (mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(cases_path, sizeof cases_path, "%s/cases.txt", tmpdir);
	for (i = 0; i < NV; i++) {
		snprintf(gpath, sizeof gpath, "%s/vocab%d.gguf", tmpdir, i);
		snprintf(cmd, sizeof cmd, "python3 '%s/tests/tools/"
		    "make-vocab-gguf.py' '%s' '%s' %s", src, jpath, gpath,
		    pre_flag[i]);
		if (i == V_SMOLLM) {
			len = strlen(cmd);
			snprintf(cmd + len, sizeof cmd - len,
			    " --cases '%s' '%s'", vpath, cases_path);
		}
		if (system(cmd) != 0) {
			fprintf(stderr, "failed: %s\n", cmd);
			return (-1);
		}
		vocabs[i] = tu_vocab_gguf(gpath);
		unlink(gpath);
		if (vocabs[i] == NULL)
			return (-1);
	}
	return (0);
}

static int
teardown(void **state)
{
	int	i;

	(void)state;
	for (i = 0; i < NV; i++)
		vocab_free(vocabs[i]);
	unlink(cases_path);
	rmdir(tmpdir);
	return (0);
}

static void
encode(const struct vocab *v, const char *s, size_t n, int add_bos,
    int special, int32_t **ids, size_t *nids)
{
	struct qerr	err;

	if (tok_encode(v, s, n, add_bos, special, ids, nids, &err) != Q_OK)
		fail_msg("tok_encode: %s", err.msg);
}

static void
expect_ids(const struct vocab *v, const char *s, int special,
    const int32_t *want, size_t nwant)
{
	int32_t	*ids;
	size_t	 n, i;

	encode(v, s, strlen(s), 0, special, &ids, &n);
	for (i = 0; i < n && i < nwant; i++)
		if (ids[i] != want[i])
			break;
	if (i != n || n != nwant)
		fail_msg("\"%s\": id %zu is %d, expected %d (%zu ids, "
		    "expected %zu)", s, i, i < n ? ids[i] : -1,
		    i < nwant ? want[i] : -1, n, nwant);
	free(ids);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	fail_msg("bad hex digit %c", c);
	return (0);
}

/* Every vector, as Hugging Face encodes it: added tokens in the text are
 * matched (parse_special) and no BOS is added (add_bos_token false, so
 * asking for BOS must not add one either). */
static void
test_hf_vectors(void **state)
{
	char		*data, *line, *next, *tab, *text;
	const char	*why;
	size_t		 n, len, i, ncase = 0;
	int32_t		*ids;

	(void)state;
	data = tu_read_file(cases_path, &n);
	assert_non_null(data);
	for (line = data; *line != '\0'; line = next + 1) {
		next = strchr(line, '\n');
		assert_non_null(next);
		*next = '\0';
		tab = strchr(line, '\t');
		assert_non_null(tab);
		len = (size_t)(tab - line) / 2;
		text = malloc(len + 1);
		assert_non_null(text);
		for (i = 0; i < len; i++)
			text[i] = (char)(hexval(line[2 * i]) * 16 +
			    hexval(line[2 * i + 1]));
		encode(vocabs[V_SMOLLM], text, len, 1, 1, &ids, &n);
		if ((why = tu_ids_differ(ids, n, tab + 1)) != NULL)
			fail_msg("case %zu \"%.*s\": %s", ncase, (int)len,
			    text, why);
		free(ids);
		free(text);
		ncase++;
	}
	assert_int_equal(ncase, 22);
	free(data);
}

/* Expected ids from a separate Python BPE over smollm2-tokenizer.json
 * (regex module, naive lowest-rank merging), which reproduces all the
 * Hugging Face vectors. */
static void
test_special_tokens(void **state)
{
	static const char chat[] = "<|im_start|>user\nhi<|im_end|>";
	static const int32_t with[] = { 1, 4093, 198, 6004, 2 };
	static const int32_t without[] = {
		44, 108, 306, 79, 3738, 108, 46, 4093, 198, 6004, 44, 108,
		306, 79, 486, 108, 46
	};
	int32_t	*ids;
	size_t	 n, i;

	(void)state;
	expect_ids(vocabs[V_SMOLLM], chat, 1, with, 5);
	expect_ids(vocabs[V_SMOLLM], chat, 0, without,
	    sizeof without / sizeof without[0]);
	encode(vocabs[V_SMOLLM], chat, strlen(chat), 0, 0, &ids, &n);
	for (i = 0; i < n; i++)
		assert_int_not_equal(ids[i], 1);
	free(ids);
	/* A special token's text cut short is plain text. */
	encode(vocabs[V_SMOLLM], "<|im_start|", 11, 0, 1, &ids, &n);
	for (i = 0; i < n; i++)
		assert_int_not_equal(ids[i], 1);
	free(ids);
}

static void
test_vocab_info(void **state)
{
	const struct vocab	*v = vocabs[V_SMOLLM];
	size_t			 len;
	const char		*p;

	(void)state;
	assert_int_equal(v->kind, VOCAB_BPE);
	assert_int_equal(v->pre, VOCAB_PRE_SMOLLM);
	assert_int_equal(v->n, 49152);
	assert_int_equal(v->bos, 1);
	assert_int_equal(v->eos, 2);
	assert_false(v->add_bos);
	assert_false(v->add_space_prefix);
	assert_string_equal(vocab_describe(v), "bpe (smollm)");
	assert_string_equal(vocab_describe(vocabs[V_LLAMA3]), "bpe (llama3)");
	assert_string_equal(vocab_describe(vocabs[V_QWEN2]), "bpe (qwen2)");
	assert_string_equal(vocab_describe(vocabs[V_DEFAULT]),
	    "bpe (default)");
	assert_true(vocab_is_eog(v, 2));	/* <|im_end|>, EOS */
	assert_true(vocab_is_eog(v, 0));	/* <|endoftext|> */
	assert_false(vocab_is_eog(v, 1));
	assert_false(vocab_is_eog(v, 4093));
	assert_int_equal(vocab_type(v, 1), VOCAB_TT_CONTROL);
	assert_int_equal(vocab_type(v, 4093), VOCAB_TT_NORMAL);
	/* "Ġworld" is " world" once decoded; control tokens decode to "". */
	assert_int_equal(vocab_lookup(v, "\xC4\xA0world", 7), 905);
	p = tok_piece(v, 905, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(p, " world", 6);
	p = tok_piece(v, 198, &len);
	assert_int_equal(len, 1);
	assert_int_equal(p[0], '\n');
	tok_piece(v, 1, &len);
	assert_int_equal(len, 0);
	tok_piece(v, -5, &len);
	assert_int_equal(len, 0);
}

struct split_case {
	const char	*text;
	size_t		 len;
	const char	*want[4];	/* gpt2, smollm, llama3, qwen2 */
};

/* Generated with Python's regex module from the regexes in tok-bpe.c's
 * comments (and, for smollm, a \p{N} split first); words joined by '|'. */
static const struct split_case split_cases[] = {
	{ "I'VE don'T it'S We'Re THEY'LL we've",
	    35, {
	    "I|'|VE| don|'|T| it|'|S| We|'|Re| THEY|'|LL| we|'ve",
	    "I|'|VE| don|'|T| it|'|S| We|'|Re| THEY|'|LL| we|'ve",
	    "I|'VE| don|'T| it|'S| We|'Re| THEY|'LL| we|'ve",
	    "I|'VE| don|'T| it|'S| We|'Re| THEY|'LL| we|'ve" } },
	{ "(hello) [world] \"quoted\" 'single'",
	    33, {
	    "(|hello|)| [|world|]| \"|quoted|\"| '|single|'",
	    "(|hello|)| [|world|]| \"|quoted|\"| '|single|'",
	    "(hello|)| [|world|]| \"|quoted|\"| '|single|'",
	    "(hello|)| [|world|]| \"|quoted|\"| '|single|'" } },
	{ "1234567 89 3.14159 x2y3",
	    23, {
	    "1234567| 89| 3|.|14159| x|2|y|3",
	    "1|2|3|4|5|6|7| |8|9| |3|.|1|4|1|5|9| x|2|y|3",
	    "123|456|7| |89| |3|.|141|59| x|2|y|3",
	    "1|2|3|4|5|6|7| |8|9| |3|.|1|4|1|5|9| x|2|y|3" } },
	{ "a\n\n  \n b\r\nc\r\n\r\n",
	    15, {
	    "a|\n\n  \n| b|\r|\n|c|\r\n\r\n",
	    "a|\n\n  \n| b|\r|\n|c|\r\n\r\n",
	    "a|\n\n  \n| b|\r\n|c|\r\n\r\n",
	    "a|\n\n  \n| b|\r\n|c|\r\n\r\n" } },
	{ "trailing   ",
	    11, {
	    "trailing|   ",
	    "trailing|   ",
	    "trailing|   ",
	    "trailing|   " } },
	{ "\ttab\t\tdouble \t mix",
	    18, {
	    "\t|tab|\t|\t|double| \t| mix",
	    "\t|tab|\t|\t|double| \t| mix",
	    "\ttab|\t|\tdouble| \t| mix",
	    "\ttab|\t|\tdouble| \t| mix" } },
	{ "caf\xC3\xA9 na\xC3\xAFve \xD9\xA1\xD9\xA2\xD9\xA3\xD9"
	    "\xA4 \xC2\xBD \xE2\x85\xA7 \xE2\x91\xA0\xE2\x91\xA1",
	    35, {
	    "caf\xC3\xA9| na\xC3\xAFve| \xD9\xA1\xD9\xA2\xD9\xA3\xD9"
	    "\xA4| \xC2\xBD| \xE2\x85\xA7| \xE2\x91\xA0\xE2\x91\xA1",
	    "caf\xC3\xA9| na\xC3\xAFve| |\xD9\xA1|\xD9\xA2|\xD9\xA3"
	    "|\xD9\xA4| |\xC2\xBD| |\xE2\x85\xA7| |\xE2\x91\xA0|\xE2"
	    "\x91\xA1",
	    "caf\xC3\xA9| na\xC3\xAFve| |\xD9\xA1\xD9\xA2\xD9\xA3"
	    "|\xD9\xA4| |\xC2\xBD| |\xE2\x85\xA7| |\xE2\x91\xA0\xE2"
	    "\x91\xA1",
	    "caf\xC3\xA9| na\xC3\xAFve| |\xD9\xA1|\xD9\xA2|\xD9\xA3"
	    "|\xD9\xA4| |\xC2\xBD| |\xE2\x85\xA7| |\xE2\x91\xA0|\xE2"
	    "\x91\xA1" } },
	{ "  lead ?!\n\nfoo...\n bar",
	    22, {
	    " | lead| ?!|\n|\n|foo|...|\n| bar",
	    " | lead| ?!|\n|\n|foo|...|\n| bar",
	    " | lead| ?!\n\n|foo|...\n| bar",
	    " | lead| ?!\n\n|foo|...\n| bar" } },
	{ "\xF0\x9F\x99\x82\xF0\x9F\x91\x8D x \xE6\x97\xA5\xE6\x9C"
	    "\xAC\xE8\xAA\x9E""123",
	    23, {
	    "\xF0\x9F\x99\x82\xF0\x9F\x91\x8D| x| \xE6\x97\xA5\xE6"
	    "\x9C\xAC\xE8\xAA\x9E|123",
	    "\xF0\x9F\x99\x82\xF0\x9F\x91\x8D| x| \xE6\x97\xA5\xE6"
	    "\x9C\xAC\xE8\xAA\x9E|1|2|3",
	    "\xF0\x9F\x99\x82\xF0\x9F\x91\x8D| x| \xE6\x97\xA5\xE6"
	    "\x9C\xAC\xE8\xAA\x9E|123",
	    "\xF0\x9F\x99\x82\xF0\x9F\x91\x8D| x| \xE6\x97\xA5\xE6"
	    "\x9C\xAC\xE8\xAA\x9E|1|2|3" } },
	{ "hello\xC2\xA0world\xE3\x80\x80""end \xE2\x80\xA8x",
	    23, {
	    "hello|\xC2\xA0|world|\xE3\x80\x80|end| |\xE2\x80\xA8"
	    "|x",
	    "hello|\xC2\xA0|world|\xE3\x80\x80|end| |\xE2\x80\xA8"
	    "|x",
	    "hello|\xC2\xA0world|\xE3\x80\x80""end| |\xE2\x80\xA8"
	    "x",
	    "hello|\xC2\xA0world|\xE3\x80\x80""end| |\xE2\x80\xA8"
	    "x" } },
	{ " ",
	    1, {
	    " ",
	    " ",
	    " ",
	    " " } },
	{ "  ",
	    2, {
	    "  ",
	    "  ",
	    "  ",
	    "  " } },
	{ "a  b",
	    4, {
	    "a| | b",
	    "a| | b",
	    "a| | b",
	    "a| | b" } },
	{ "''''s 'x ' '",
	    12, {
	    "''''|s| '|x| '| '",
	    "''''|s| '|x| '| '",
	    "''''|s| '|x| '| '",
	    "''''|s| '|x| '| '" } },
	{ "\n",
	    1, {
	    "\n",
	    "\n",
	    "\n",
	    "\n" } },
	{ " \n",
	    2, {
	    " \n",
	    " \n",
	    " \n",
	    " \n" } },
	{ "\n ",
	    2, {
	    "\n ",
	    "\n ",
	    "\n| ",
	    "\n| " } },
	{ "  \n  x",
	    6, {
	    "  \n | x",
	    "  \n | x",
	    "  \n| | x",
	    "  \n| | x" } },
	{ "abc!!!\n\n\ndef",
	    12, {
	    "abc|!!!|\n\n|\n|def",
	    "abc|!!!|\n\n|\n|def",
	    "abc|!!!\n\n\n|def",
	    "abc|!!!\n\n\n|def" } },
	{ "?\r\n\r\n x",
	    7, {
	    "?|\r\n\r\n| x",
	    "?|\r\n\r\n| x",
	    "?\r\n\r\n| x",
	    "?\r\n\r\n| x" } },
	{ "A1B22C333D4444",
	    14, {
	    "A|1|B|22|C|333|D|4444",
	    "A|1|B|2|2|C|3|3|3|D|4|4|4|4",
	    "A|1|B|22|C|333|D|444|4",
	    "A|1|B|2|2|C|3|3|3|D|4|4|4|4" } },
	{ "e\xCC\x81t\xC3\xA9 \xE0\xA4\x95\xE0\xA5\x8D\xE0\xA4\xB7",
	    16, {
	    "e|\xCC\x81|t\xC3\xA9| \xE0\xA4\x95|\xE0\xA5\x8D|\xE0"
	    "\xA4\xB7",
	    "e|\xCC\x81|t\xC3\xA9| \xE0\xA4\x95|\xE0\xA5\x8D|\xE0"
	    "\xA4\xB7",
	    "e|\xCC\x81t\xC3\xA9| \xE0\xA4\x95|\xE0\xA5\x8D\xE0\xA4"
	    "\xB7",
	    "e|\xCC\x81t\xC3\xA9| \xE0\xA4\x95|\xE0\xA5\x8D\xE0\xA4"
	    "\xB7" } },
	{ "$100 x=y+z;",
	    11, {
	    "$|100| x|=|y|+|z|;",
	    "$|1|0|0| x|=|y|+|z|;",
	    "$|100| x|=y|+z|;",
	    "$|1|0|0| x|=y|+z|;" } },
	{ "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 ok",
	    14, {
	    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9| ok",
	    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9| ok",
	    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9| ok",
	    "\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9| ok" } },
	{ "don't'",
	    6, {
	    "don|'t|'",
	    "don|'t|'",
	    "don|'t|'",
	    "don|'t|'" } },
	{ "\x01\x02""a\x7F",
	    4, {
	    "\x01\x02|a|\x7F",
	    "\x01\x02|a|\x7F",
	    "\x01\x02|a|\x7F",
	    "\x01\x02|a|\x7F" } },
	{ "\xC2\xAB\xC2\xBBword\xE2\x80\x94""dash",
	    15, {
	    "\xC2\xAB\xC2\xBB|word|\xE2\x80\x94|dash",
	    "\xC2\xAB\xC2\xBB|word|\xE2\x80\x94|dash",
	    "\xC2\xAB\xC2\xBB|word|\xE2\x80\x94""dash",
	    "\xC2\xAB\xC2\xBB|word|\xE2\x80\x94""dash" } },
};

static void
test_pretokenizers(void **state)
{
	static const enum vocab_pre pres[4] = {
		VOCAB_PRE_DEFAULT, VOCAB_PRE_SMOLLM, VOCAB_PRE_LLAMA3,
		VOCAB_PRE_QWEN2
	};
	const struct split_case	*c;
	size_t			*ends, nw, i, j, k, start, len;
	char			 got[512];

	(void)state;
	for (i = 0; i < sizeof split_cases / sizeof split_cases[0]; i++) {
		c = &split_cases[i];
		for (j = 0; j < 4; j++) {
			assert_int_equal(bpe_pretokenize(pres[j], c->text,
			    c->len, &ends, &nw), 0);
			len = 0;
			for (k = 0, start = 0; k < nw; start = ends[k++]) {
				assert_true(ends[k] > start);
				assert_true(len + ends[k] - start + 1 <
				    sizeof got);
				if (k > 0)
					got[len++] = '|';
				memcpy(got + len, c->text + start,
				    ends[k] - start);
				len += ends[k] - start;
			}
			got[len] = '\0';
			free(ends);
			if (strcmp(got, c->want[j]) != 0)
				fail_msg("case %zu, pre-tokenizer %zu: got "
				    "\"%s\", expected \"%s\"", i, j, got,
				    c->want[j]);
		}
	}
}

/* The same vocab under the other pre-tokenizers; ids from the Python
 * BPE with the Llama 3 / Qwen 2 / GPT-2 regexes. */
static void
test_other_pretokenizer_ids(void **state)
{
	static const char s1[] = "a\n\n  \n b\r\nc\r\n\r\n";
	static const int32_t l3_1[] = { 81, 1116, 32057, 278, 2738, 83,
	    18682 };
	static const int32_t gp_1[] = { 81, 1116, 32057, 278, 201, 198, 83,
	    18682 };
	static const char s2[] = "  lead ?!\n\nfoo...\n bar";
	static const int32_t l3_2[] = { 216, 1022, 9148, 17, 1116, 15236,
	    2026, 198, 2753 };
	static const int32_t gp_2[] = { 216, 1022, 9148, 17, 198, 198, 15236,
	    2026, 198, 2753 };
	static const char s3[] = "caf\xC3\xA9 na\xC3\xAFve "
	    "\xD9\xA1\xD9\xA2\xD9\xA3\xD9\xA4 \xC2\xBD \xE2\x85\xA7";
	static const int32_t l3_3[] = { 83, 1939, 2756, 15486, 46494, 216,
	    164, 111, 164, 112, 164, 113, 164, 114, 216, 16738, 216, 173,
	    223, 117 };
	static const int32_t gp_3[] = { 83, 1939, 2756, 15486, 46494, 16936,
	    111, 164, 112, 164, 113, 164, 114, 3351, 138, 4636, 223, 117 };
	static const char s4[] = "(hello) [world] \"quoted\" 'single'";
	static const int32_t all_4[] = { 24, 28120, 25, 933, 6693, 77, 476,
	    385, 5036, 18, 637, 18536, 23 };

	(void)state;
#define N(a) (sizeof a / sizeof a[0])
	expect_ids(vocabs[V_LLAMA3], s1, 0, l3_1, N(l3_1));
	expect_ids(vocabs[V_QWEN2], s1, 0, l3_1, N(l3_1));
	expect_ids(vocabs[V_DEFAULT], s1, 0, gp_1, N(gp_1));
	expect_ids(vocabs[V_LLAMA3], s2, 0, l3_2, N(l3_2));
	expect_ids(vocabs[V_QWEN2], s2, 0, l3_2, N(l3_2));
	expect_ids(vocabs[V_DEFAULT], s2, 0, gp_2, N(gp_2));
	expect_ids(vocabs[V_LLAMA3], s3, 0, l3_3, N(l3_3));
	expect_ids(vocabs[V_DEFAULT], s3, 0, gp_3, N(gp_3));
	expect_ids(vocabs[V_LLAMA3], s4, 0, all_4, N(all_4));
	expect_ids(vocabs[V_DEFAULT], s4, 0, all_4, N(all_4));
#undef N
}

static void
test_invalid_utf8(void **state)
{
	struct qerr	 err;
	int32_t		*ids;
	size_t		 n;

	(void)state;
	assert_int_equal(tok_encode(vocabs[V_SMOLLM], "hello \xC3(", 8, 0, 0,
	    &ids, &n, &err), Q_EUSAGE);
	assert_string_equal(err.msg, "prompt: invalid UTF-8 at byte 6");
	assert_null(ids);
	assert_int_equal(n, 0);
}

/* Byte-level BPE is lossless: the pieces give back the text exactly. */
static void
check_roundtrip(const struct vocab *v, const char *s, size_t n)
{
	int32_t		*ids;
	size_t		 nids, total;
	char		*buf;

	encode(v, s, n, 0, 0, &ids, &nids);
	assert_true(nids > 0 || n == 0);
	buf = tu_pieces(v, ids, nids, &total);
	assert_int_equal(total, n);
	assert_memory_equal(buf, s, n);
	free(buf);
	free(ids);
}

static void
test_long_input(void **state)
{
	static const char *const words[] = {
		"the ", "quick ", "brown ", "fox ", "12345 ", "caf\xC3\xA9 ",
		"\xF0\x9F\x99\x82 ", "\xE6\x97\xA5\xE6\x9C\xAC ", "\n", "\t",
		"jumps", "!!! ", "  ", "don't ", "\r\n", "x=y+1;"
	};
	size_t	 n, cap = 200 * 1024, i;
	char	*s;

	(void)state;
	s = tu_random_text(words, sizeof words / sizeof words[0], 7, cap, &n);
	for (i = 0; i < NV; i++)
		check_roundtrip(vocabs[i], s, n);
	/* Single words of 200 KB. */
	memset(s, 'a', cap);
	check_roundtrip(vocabs[V_SMOLLM], s, cap);
	check_roundtrip(vocabs[V_LLAMA3], s, cap);
	memset(s, ' ', cap);
	check_roundtrip(vocabs[V_SMOLLM], s, cap);
	for (i = 0; i < cap; i++)
		s[i] = (char)('0' + i % 10);
	check_roundtrip(vocabs[V_SMOLLM], s, cap);
	free(s);
}

/* --- small hand-built GGUFs ------------------------------------------ */

/* The key/values of a GGUF being built, and how many. */
struct gb {
	struct tu_buf	 kv;
	uint64_t	 nkv;
};

static void
gb_str(struct tu_buf *t, const char *s)
{
	tu_buf_le(t, strlen(s), 8);
	tu_buf_put(t, s, strlen(s));
}

/* Starts a key/value (key, value type); the caller appends the value. */
static struct tu_buf *
gb_kv(struct gb *b, const char *key, uint32_t type)
{
	gb_str(&b->kv, key);
	tu_buf_le(&b->kv, type, 4);
	b->nkv++;
	return (&b->kv);
}

/* Starts an array key/value; the caller appends the n elements. */
static struct tu_buf *
gb_kv_arr(struct gb *b, const char *key, uint32_t etype, size_t n)
{
	struct tu_buf	*t = gb_kv(b, key, GGUF_VT_ARRAY);

	tu_buf_le(t, etype, 4);
	tu_buf_le(t, n, 8);
	return (t);
}

static void
gb_kv_str(struct gb *b, const char *key, const char *val)
{
	gb_str(gb_kv(b, key, GGUF_VT_STRING), val);
}

static void
gb_kv_u32(struct gb *b, const char *key, uint32_t val)
{
	tu_buf_le(gb_kv(b, key, GGUF_VT_UINT32), val, 4);
}

static void
gb_kv_strs(struct gb *b, const char *key, const char *const *s, size_t n)
{
	struct tu_buf	*t = gb_kv_arr(b, key, GGUF_VT_STRING, n);
	size_t		 i;

	for (i = 0; i < n; i++)
		gb_str(t, s[i]);
}

static void
gb_kv_i32s(struct gb *b, const char *key, const int32_t *v, size_t n)
{
	tu_buf_put(gb_kv_arr(b, key, GGUF_VT_INT32, n), v, n * 4);
}

static void
gb_kv_f32s(struct gb *b, const char *key, const float *v, size_t n)
{
	tu_buf_put(gb_kv_arr(b, key, GGUF_VT_FLOAT32, n), v, n * 4);
}

static void
gb_kv_bool(struct gb *b, const char *key, int val)
{
	tu_buf_le(gb_kv(b, key, GGUF_VT_BOOL), val != 0, 1);
}

/* Opens the key/values in kv as a GGUF (no tensors) and builds a vocab;
 * returns its result code. */
static int
gb_vocab(struct gb *kv, struct vocab **v, struct qerr *err)
{
	struct tu_buf		 f = { NULL, 0, 0 };
	struct gguf_file	*g;
	static const char	 zero[32];
	int			 rc;

	tu_buf_put(&f, "GGUF", 4);
	tu_buf_le(&f, 3, 4);
	tu_buf_le(&f, 0, 8);
	tu_buf_le(&f, kv->nkv, 8);
	tu_buf_put(&f, kv->kv.p, kv->kv.n);
	tu_buf_put(&f, zero, (32 - f.n % 32) % 32);
	*v = NULL;
	rc = gguf_open_memory(f.p, f.n, "mem.gguf", &g, err);
	if (rc == Q_OK) {
		rc = vocab_from_gguf(g, v, err);
		gguf_close(g);
	}
	free(f.p);
	free(kv->kv.p);
	return (rc);
}

/* Tokens "a" "b" "c" and whatever the test adds, byte-level model. */
static void
gb_tiny(struct gb *b, const char *pre, const char *const *tokens,
    size_t ntok, const char *const *merges, size_t nmerges)
{
	memset(b, 0, sizeof *b);
	gb_kv_str(b, "tokenizer.ggml.model", "gpt2");
	if (pre != NULL)
		gb_kv_str(b, "tokenizer.ggml.pre", pre);
	gb_kv_strs(b, "tokenizer.ggml.tokens", tokens, ntok);
	gb_kv_strs(b, "tokenizer.ggml.merges", merges, nmerges);
}

static void
test_merge_order(void **state)
{
	static const char *const tok[] = {
		"a", "b", "c", "ab", "bc", "abc", "aa", "\xC4\xA0",
		"\xC4\xA0\x61"	/* "Ġa" */
	};
	static const char *const m1[] = { "b c", "a b", "a bc", "a a",
	    "\xC4\xA0 a", "ab c" };
	static const char *const m2[] = { "a b", "b c", "ab c", "a bc" };
	static const int32_t abc[] = { 5 };
	static const int32_t aaa[] = { 6, 0 };	/* leftmost pair first */
	static const int32_t sp[] = { 7, 6, 6, 7 };	/* " aaaa " */
	static const int32_t unk[] = { 0, 1 };	/* "x" has no token */
	struct vocab	*v;
	struct qerr	 err;
	struct gb	 b;

	(void)state;
	gb_tiny(&b, "default", tok, 9, m1, 6);
	if (gb_vocab(&b, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	expect_ids(v, "abc", 0, abc, 1);
	expect_ids(v, "aaa", 0, aaa, 2);
	expect_ids(v, " aaaa ", 0, sp, 4);
	expect_ids(v, "axb", 0, unk, 2);
	vocab_free(v);
	/* Ranks reversed: "ab" first, then "ab c". */
	gb_tiny(&b, NULL, tok, 9, m2, 4);
	if (gb_vocab(&b, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	expect_ids(v, "abc", 0, abc, 1);
	assert_int_equal(v->pre, VOCAB_PRE_DEFAULT);
	vocab_free(v);
}

static void
expect_vocab_error(struct gb *b, int rc, const char *what)
{
	struct vocab	*v;
	struct qerr	 err;

	assert_int_equal(gb_vocab(b, &v, &err), rc);
	assert_null(v);
	if (strstr(err.msg, "mem.gguf") == NULL ||
	    strstr(err.msg, what) == NULL)
		fail_msg("error \"%s\" should say \"%s\"", err.msg, what);
}

static void
test_bad_metadata(void **state)
{
	static const char *const tok[] = { "a", "b", "ab" };
	static const char *const m[] = { "a b" };
	static const char *const badm[] = { "ab" };
	static const int32_t types[] = { 1, 1 };
	static const int32_t badtypes[] = { 1, 9, 1 };
	struct gb	 b;

	(void)state;
	gb_tiny(&b, "no-such-pre", tok, 3, m, 1);
	expect_vocab_error(&b, Q_EUNSUP, "tokenizer.ggml.pre");
	gb_tiny(&b, "no-such-pre", tok, 3, m, 1);
	expect_vocab_error(&b, Q_EUNSUP, "no-such-pre");

	memset(&b, 0, sizeof b);
	gb_kv_str(&b, "tokenizer.ggml.model", "bert");
	gb_kv_strs(&b, "tokenizer.ggml.tokens", tok, 3);
	expect_vocab_error(&b, Q_EUNSUP, "bert");

	memset(&b, 0, sizeof b);
	gb_kv_str(&b, "tokenizer.ggml.model", "gpt2");
	gb_kv_strs(&b, "tokenizer.ggml.tokens", tok, 3);
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.merges");

	memset(&b, 0, sizeof b);
	gb_kv_str(&b, "general.name", "x");
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.model");

	gb_tiny(&b, "default", tok, 3, badm, 1);
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.merges");

	gb_tiny(&b, "default", tok, 3, m, 1);
	gb_kv_i32s(&b, "tokenizer.ggml.token_type", types, 2);
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.token_type");

	gb_tiny(&b, "default", tok, 3, m, 1);
	gb_kv_i32s(&b, "tokenizer.ggml.token_type", badtypes, 3);
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.token_type");

	gb_tiny(&b, "default", tok, 3, m, 1);
	gb_kv_u32(&b, "tokenizer.ggml.eos_token_id", 3);
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.eos_token_id");

	gb_tiny(&b, "default", tok, 3, m, 1);
	gb_kv_str(&b, "tokenizer.ggml.bos_token_id", "1");
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.bos_token_id");

	gb_tiny(&b, "default", tok, 3, m, 1);
	gb_kv_u32(&b, "tokenizer.ggml.add_bos_token", 1);
	expect_vocab_error(&b, Q_EFORMAT, "tokenizer.ggml.add_bos_token");
}

static void
test_chat_template(void **state)
{
	static const char *const tok[] = { "a", "b", "ab" };
	static const char *const m[] = { "a b" };
	struct vocab	*v;
	struct qerr	 err;
	struct gb	 b;

	(void)state;
	gb_tiny(&b, "smollm", tok, 3, m, 1);
	gb_kv_str(&b, "tokenizer.chat_template", "{{ messages }}");
	if (gb_vocab(&b, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	assert_non_null(v->chat_template);
	assert_string_equal(v->chat_template, "{{ messages }}");
	vocab_free(v);
	assert_null(vocabs[V_SMOLLM]->chat_template);
}

/* A SentencePiece vocab in GGUF form: scores decide the merge order,
 * add_space_prefix and the id keys are honoured. */
static void
test_spm_gguf(void **state)
{
	static const char *const tok[] = {
		"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a", "b",
		"\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab", "<0x63>",
		"<|user|>"
	};
	static const float score[] = { 0, 0, 0, -1, -2, -3, -5, -4, -6, 0,
	    0 };
	static const int32_t type[] = { 2, 3, 3, 1, 1, 1, 1, 1, 1, 6, 4 };
	static const int32_t pfx[] = { 8 };		/* "▁ab" */
	static const int32_t nopfx[] = { 7, 9 };	/* "ab", byte 'c' */
	static const int32_t user[] = { 10, 6 };	/* <|user|> ▁a */
	static const char *const empty[] = { "", "" };
	struct vocab	*v;
	struct qerr	 err;
	struct gb	 b;
	size_t		 len;

	(void)state;
	memset(&b, 0, sizeof b);
	gb_kv_str(&b, "tokenizer.ggml.model", "llama");
	gb_kv_strs(&b, "tokenizer.ggml.tokens", tok, 11);
	gb_kv_f32s(&b, "tokenizer.ggml.scores", score, 11);
	gb_kv_i32s(&b, "tokenizer.ggml.token_type", type, 11);
	gb_kv_u32(&b, "tokenizer.ggml.eot_token_id", 10);
	if (gb_vocab(&b, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(v->kind, VOCAB_SPM);
	assert_int_equal(v->bos, 1);
	assert_int_equal(v->eos, 2);
	assert_int_equal(v->unk, 0);
	assert_true(v->add_bos);
	assert_true(v->add_space_prefix);
	assert_true(vocab_is_eog(v, 10));
	assert_true(vocab_is_eog(v, 2));
	/* "ab" (-4) beats "▁a" (-5), then "▁ab". */
	expect_ids(v, "ab", 0, pfx, 1);
	/* The text after a special token gets the prefix again. */
	expect_ids(v, "<|user|>a", 1, user, 2);
	tok_piece(v, 9, &len);
	assert_int_equal(len, 1);
	vocab_free(v);

	memset(&b, 0, sizeof b);
	gb_kv_str(&b, "tokenizer.ggml.model", "llama");
	gb_kv_strs(&b, "tokenizer.ggml.tokens", tok, 11);
	gb_kv_f32s(&b, "tokenizer.ggml.scores", score, 11);
	gb_kv_i32s(&b, "tokenizer.ggml.token_type", type, 11);
	gb_kv_bool(&b, "tokenizer.ggml.add_space_prefix", 0);
	gb_kv_bool(&b, "tokenizer.ggml.add_bos_token", 0);
	if (gb_vocab(&b, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	assert_false(v->add_space_prefix);
	assert_false(v->add_bos);
	expect_ids(v, "abc", 0, nopfx, 2);
	vocab_free(v);

	/* Degenerate but well-formed: nothing to match, nothing breaks. */
	memset(&b, 0, sizeof b);
	gb_kv_str(&b, "tokenizer.ggml.model", "llama");
	gb_kv_strs(&b, "tokenizer.ggml.tokens", empty, 2);
	if (gb_vocab(&b, &v, &err) != Q_OK)
		fail_msg("%s", err.msg);
	expect_ids(v, "", 0, NULL, 0);
	vocab_free(v);
}

static void
test_unicode(void **state)
{
	static const struct {
		uint32_t	cp, flags;
	} want[] = {
		{ 'a', UNICODE_L }, { 'Z', UNICODE_L }, { '7', UNICODE_N },
		{ ' ', UNICODE_Z | UNICODE_WS },
		{ '\n', UNICODE_C | UNICODE_WS },
		{ '!', UNICODE_P }, { '+', UNICODE_S }, { 0x1C, UNICODE_C },
		{ 0x85, UNICODE_C | UNICODE_WS },
		{ 0xA0, UNICODE_Z | UNICODE_WS },
		{ 0xE9, UNICODE_L }, { 0xBD, UNICODE_N }, { 0x301, UNICODE_M },
		{ 0x378, 0 }, { 0x661, UNICODE_N }, { 0x2028, UNICODE_Z |
		UNICODE_WS }, { 0x2167, UNICODE_N }, { 0x3000, UNICODE_Z |
		UNICODE_WS }, { 0x4E00, UNICODE_L }, { 0xD800, UNICODE_C },
		{ 0x1F642, UNICODE_S }, { 0x10FFFF, 0 },
	};
	char		 buf[4];
	uint32_t	 cp, got;
	size_t		 i, len;

	(void)state;
	for (i = 0; i < sizeof want / sizeof want[0]; i++)
		if (unicode_flags(want[i].cp) != want[i].flags)
			fail_msg("U+%04X: flags %#x, expected %#x",
			    (unsigned)want[i].cp,
			    (unsigned)unicode_flags(want[i].cp),
			    (unsigned)want[i].flags);
	/* The ASCII shortcut agrees with the generated table. */
	for (cp = 0; cp < 0x80; cp++) {
		got = 0;
		for (i = 0; i < unicode_nranges; i++)
			if (cp >= unicode_ranges[i].lo &&
			    cp <= unicode_ranges[i].hi)
				got = unicode_ranges[i].flags;
		assert_int_equal(unicode_flags(cp), got);
	}
	for (cp = 0; cp <= UNICODE_MAX; cp++) {
		if (cp >= 0xD800 && cp <= 0xDFFF)
			continue;
		len = unicode_encode(cp, buf);
		assert_int_equal(unicode_decode(buf, len, &got), len);
		assert_int_equal(got, cp);
		assert_int_equal(unicode_seqlen((unsigned char)buf[0]), len);
	}
	assert_int_equal(unicode_decode("\xC1\xBF", 2, &got), 0);
	assert_int_equal(unicode_decode("\xE0\x9F\xBF", 3, &got), 0);
	assert_int_equal(unicode_decode("\xF0\x8F\xBF\xBF", 4, &got), 0);
	assert_int_equal(unicode_validate("ok\xE2\x82\xAC!", 6), 6);
	assert_int_equal(unicode_validate("ok\xE2\x82", 4), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hf_vectors),
		cmocka_unit_test(test_special_tokens),
		cmocka_unit_test(test_vocab_info),
		cmocka_unit_test(test_pretokenizers),
		cmocka_unit_test(test_other_pretokenizer_ids),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_long_input),
		cmocka_unit_test(test_merge_order),
		cmocka_unit_test(test_bad_metadata),
		cmocka_unit_test(test_chat_template),
		cmocka_unit_test(test_spm_gguf),
		cmocka_unit_test(test_unicode),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
