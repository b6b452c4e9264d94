/*
 * test-sha256.c: SHA-256 against FIPS 180-4's test vectors, a million
 * 'a's fed in awkward pieces, and sha256sum on a real model file.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sha256.h"
#include "testutil.h"

static void
hex_of(const char *s, size_t n, char out[65])
{
	struct sha256	c;

	sha256_init(&c);
	sha256_update(&c, s, n);
	sha256_hex(&c, out);
}

static void
test_vectors(void **state)
{
	char	h[65];

	(void)state;
	hex_of("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	hex_of("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
	hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	    56, h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039"
	    "a33ce45964ff2167f6ecedd419db06c1");
}

/* A million 'a's in pieces of 1..97 bytes: every buffering path. */
static void
test_million_a(void **state)
{
	struct sha256	c;
	char		a[97], h[65];
	size_t		left = 1000000, n = 1;

	(void)state;
	memset(a, 'a', sizeof a);
	sha256_init(&c);
	while (left > 0) {
		size_t take = n < left ? n : left;

		sha256_update(&c, a, take);
		left -= take;
		n = n % 97 + 1;
	}
	sha256_hex(&c, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67"
	    "f1809a48a497200e046d39ccc7112cd0");
}

/* The file digest equals coreutils' sha256sum. */
static void
test_file_matches_sha256sum(void **state)
{
	const char	*path;
	char		 cmd[4096], want[65] = "", got[65];
	struct qerr	 err;
	FILE		*p;

	(void)state;
	path = tu_shared_or_skip("models/stories260K.gguf");
	snprintf(cmd, sizeof cmd, "sha256sum '%s'", path);
	assert_non_null(p = popen(cmd, "r"));
	assert_int_equal(fscanf(p, "%64s", want), 1);
	pclose(p);
	assert_int_equal(sha256_file(path, got, &err), Q_OK);
	assert_string_equal(got, want);
	assert_int_equal(sha256_file("/nonexistent/x", got, &err), Q_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/x"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_file_matches_sha256sum),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
