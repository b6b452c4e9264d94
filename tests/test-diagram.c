/*
 * test-diagram.c: the reliability diagram against lines drawn by hand for
 * a ten-bin set in both ASCII and UTF-8, plus the properties every
 * rendering must keep: printable ASCII in ASCII mode, at most 80 display
 * columns, no trailing spaces, no bar for an empty bin.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>

#include "diagram.h"
#include "metrics.h"

/*
 * The fixture, bin by bin (rows 0..7 from the bottom; UTF-8 heights are
 * round(v * 64) eighths, the top cell of h eighths is row (h - 1) / 8;
 * ASCII heights are round(v * 8) rows, top row h - 1; h == 0 -> row 0):
 *
 *  bin  n   conf  acc   UTF-8 bar        mark       ASCII bar  mark
 *  0    0   (.05) -     dots             3 -> 0     dots       0 -> 0
 *  1    0   (.15) -     dots             10 -> 1    dots       1 -> 0
 *  2    3   .25   0     none             16 -> 1    none       2 -> 1
 *  3    5   .35   .2    13: row0 + 5/8   22 -> 2    2: 0-1     3 -> 2
 *  4    4   .45   .5    32: rows 0-3     29 -> 3    4: 0-3     4 -> 3
 *  5    0   (.55) -     dots             35 -> 4    dots       4 -> 3
 *  6    10  .65   .9    58: 0-6 + 2/8    42 -> 5    7: 0-6     5 -> 4
 *  7    2   .75   .75   48: rows 0-5     48 -> 5    6: 0-5     6 -> 5
 *  8    20  .85   .6    38: 0-3 + 6/8    54 -> 6    5: 0-4     7 -> 6
 *  9    50  .97   1     64: rows 0-7     62 -> 7    8: 0-7     8 -> 7
 *
 * (conf) is the midpoint used for an empty bin.  Each bin is 6 columns:
 * a space, three bar cells, the marker, a space; the gutter is "  1 " /
 * "    " / "  0 " and the axis; trailing spaces are trimmed.  The x axis
 * is 60 columns, "0" under its first, "1" under its last (column 64) and
 * "confidence" centred: 24 spaces either side.
 */
static const struct metrics_bin fixture[10] = {
	{ 0, 0.0, 0.0 }, { 0, 0.0, 0.0 }, { 3, 0.25, 0.0 },
	{ 5, 0.35, 0.2 }, { 4, 0.45, 0.5 }, { 0, 0.0, 0.0 },
	{ 10, 0.65, 0.9 }, { 2, 0.75, 0.75 }, { 20, 0.85, 0.6 },
	{ 50, 0.97, 1.0 }
};

#define B	"      "			/* a blank bin */
#define A	" ###  "			/* an ASCII bar row */
#define AM	" ###< "			/* ... with the marker */
#define M	"    < "			/* the marker alone */
#define U	" \u2588\u2588\u2588  "		/* a full UTF-8 bar row */
#define UM	" \u2588\u2588\u2588\u25c4 "	/* ... with the marker */
#define UO	"    \u25c4 "			/* the marker alone */

static const char *const want_ascii[DIAGRAM_LINES] = {
	"  1 +" B B B B B B B B B " ###<",
	"    |" B B B B B B A B M " ###",
	"    |" B B B B B B A AM B " ###",
	"    |" B B B B B B AM A A " ###",
	"    |" B B B B AM M A A A " ###",
	"    |" B B B M A B A A A " ###",
	"    |" B B M A A B A A A " ###",
	"    |" " ...< " " ...< " B A A " ...  " A A A " ###",
	"  0 +------------------------------------------------------------",
	"     0                        confidence                        1",
	"     # accuracy  < ideal (mean confidence)  . empty bin",
};

static const char *const want_utf8[DIAGRAM_LINES] = {
	"  1 \u2524" B B B B B B " \u2582\u2582\u2582  " B B
	    " \u2588\u2588\u2588\u25c4",
	"    \u2502" B B B B B B U B UO " \u2588\u2588\u2588",
	"    \u2502" B B B B B B UM UM B " \u2588\u2588\u2588",
	"    \u2502" B B B B B UO U U " \u2586\u2586\u2586  "
	    " \u2588\u2588\u2588",
	"    \u2502" B B B B UM B U U U " \u2588\u2588\u2588",
	"    \u2502" B B B UO U B U U U " \u2588\u2588\u2588",
	"    \u2502" B UO UO " \u2585\u2585\u2585  " U B U U U
	    " \u2588\u2588\u2588",
	"    \u2502" " \u00b7\u00b7\u00b7\u25c4 " " \u00b7\u00b7\u00b7  " B U U
	    " \u00b7\u00b7\u00b7  " U U U " \u2588\u2588\u2588",
	"  0 \u2514"
	    "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
	    "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
	    "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
	    "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
	    "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500"
	    "\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500\u2500",
	"     0                        confidence                        1",
	"     \u2588 accuracy  \u25c4 ideal (mean confidence)  \u00b7 empty bin",
};

static char **
render(const struct metrics_bin *bins, int nbins, int ascii)
{
	struct qerr	  err;
	char		**lines = NULL;
	int		  n = -1;

	err.msg[0] = '\0';
	assert_int_equal(diagram_render(bins, nbins, ascii, &lines, &n,
	    &err), Q_OK);
	assert_non_null(lines);
	assert_int_equal(n, DIAGRAM_LINES);
	return (lines);
}

static void
check_lines(char **got, const char *const *want)
{
	for (int i = 0; i < DIAGRAM_LINES; i++) {
		if (strcmp(got[i], want[i]) != 0)
			fail_msg("line %d:\n got  [%s]\n want [%s]", i, got[i],
			    want[i]);
	}
}

static void
test_ascii_exact(void **state)
{
	char	**lines;

	(void)state;
	lines = render(fixture, 10, 1);
	check_lines(lines, want_ascii);
	free(lines);
}

static void
test_utf8_exact(void **state)
{
	char	**lines;

	(void)state;
	lines = render(fixture, 10, 0);
	check_lines(lines, want_utf8);
	free(lines);
}

/*
 * Two bins, the narrow x-label path: bin 0 (n 1, conf .25, acc 1) is a
 * full 8-row bar with its marker at round(.25 * 8) = 2 -> row 1; bin 1 is
 * empty, midpoint .75 -> 6 -> row 5.  The x labels have no room for the
 * word: "0" under the first cell, "1" under the last (column 4 + 12).
 */
static void
test_two_bins(void **state)
{
	static const struct metrics_bin	bins[2] = {
		{ 1, 0.25, 1.0 }, { 0, 0.0, 0.0 }
	};
	static const char *const	want[DIAGRAM_LINES] = {
		"  1 + ###",
		"    | ###",
		"    | ###      <",
		"    | ###",
		"    | ###",
		"    | ###",
		"    | ###<",
		"    | ###   ...",
		"  0 +------------",
		"     0          1",
		"     # accuracy  < ideal (mean confidence)  . empty bin",
	};
	char				**lines;

	(void)state;
	lines = render(bins, 2, 1);
	check_lines(lines, want);
	free(lines);
}

/* Display columns of a UTF-8 line: wcswidth when a UTF-8 locale exists,
 * else one per code point (every glyph used is a narrow one). */
static int
display_width(const char *s)
{
	wchar_t	wbuf[256];
	size_t	n;
	int	w = 0;

	if (setlocale(LC_CTYPE, "C.UTF-8") != NULL ||
	    setlocale(LC_CTYPE, "en_US.UTF-8") != NULL) {
		n = mbstowcs(wbuf, s, 256);
		assert_true(n != (size_t)-1 && n < 256);
		w = wcswidth(wbuf, n);
		assert_true(w >= 0);
		setlocale(LC_CTYPE, "C");
		return (w);
	}
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return (w);
}

/* Bins of every shape: cycles through empty, zero, partial, full,
 * garbage (NaN, out of range, negative n). */
static void
make_bins(struct metrics_bin *b, int nbins, int seed)
{
	static const struct metrics_bin	shapes[] = {
		{ 0, 0.0, 0.0 }, { 1, 0.0, 0.0 }, { 7, 0.33, 0.61 },
		{ 9, 1.0, 1.0 }, { 3, NAN, NAN }, { 2, 1.7, -0.4 },
		{ -4, 0.5, 0.5 }, { 0, 1.0, 1.0 }, { 5, 0.999, 0.001 },
	};
	int				ns = sizeof shapes / sizeof shapes[0];

	for (int i = 0; i < nbins; i++)
		b[i] = shapes[(i + seed) % ns];
}

static void
test_properties(void **state)
{
	struct metrics_bin	  bins[DIAGRAM_MAX_BINS];
	char			**lines;
	size_t			  len;

	(void)state;
	for (int nbins = 1; nbins <= DIAGRAM_MAX_BINS; nbins++)
		for (int seed = 0; seed < 9; seed++)
			for (int ascii = 0; ascii <= 1; ascii++) {
				make_bins(bins, nbins, seed);
				lines = render(bins, nbins, ascii);
				for (int i = 0; i < DIAGRAM_LINES; i++) {
					const unsigned char *p =
					    (const unsigned char *)lines[i];

					len = strlen(lines[i]);
					assert_true(len > 0);
					assert_true(p[len - 1] != ' ');
					assert_true(display_width(lines[i]) <=
					    80);
					if (!ascii)
						continue;
					for (; *p != '\0'; p++)
						assert_true(*p >= 0x20 &&
						    *p <= 0x7e);
				}
				free(lines);
			}
}

/* Empty bins carrying garbage (acc 1, conf 1, even n < 0) draw no bar:
 * no '#' or block element anywhere above the axis, and their dots on the
 * bottom row (with the markers of the midpoints .05 and .15, round(.4) =
 * 0 and round(1.2) = 1 rows, both in row 0).  The same bins with n = 1
 * do draw full bars. */
static void
test_empty_no_bar(void **state)
{
	struct metrics_bin	  bins[10];
	char			**lines;
	int			  i, r;

	(void)state;
	for (i = 0; i < 10; i++) {
		bins[i].n = i == 3 ? -1 : 0;
		bins[i].conf = bins[i].acc = 1.0;
	}
	lines = render(bins, 10, 1);
	for (r = 0; r < DIAGRAM_ROWS; r++)
		assert_null(strchr(lines[r], '#'));
	assert_string_equal(lines[DIAGRAM_ROWS - 1],
	    "    | ...<  ...<  ...   ...   ...   ...   ...   ...   ...   ...");
	free(lines);
	lines = render(bins, 10, 0);
	for (r = 0; r < DIAGRAM_ROWS; r++)
		for (i = 0x81; i <= 0x88; i++) {
			char glyph[4] = { '\xe2', '\x96', (char)i, '\0' };

			assert_null(strstr(lines[r], glyph));
		}
	free(lines);

	for (i = 0; i < 10; i++)
		bins[i].n = 1;
	lines = render(bins, 10, 1);
	for (r = 0; r < DIAGRAM_ROWS; r++)
		assert_non_null(strstr(lines[r], " ###"));
	free(lines);
}

static void
test_bad_nbins(void **state)
{
	struct metrics_bin	  bins[DIAGRAM_MAX_BINS + 1];
	struct qerr		  err;
	char			**lines = (char **)&err;
	int			  n = 5;

	(void)state;
	memset(bins, 0, sizeof bins);
	err.msg[0] = '\0';
	assert_int_equal(diagram_render(bins, 0, 1, &lines, &n, &err),
	    Q_EUSAGE);
	assert_null(lines);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err.msg, "nbins"));
	assert_int_equal(diagram_render(bins, DIAGRAM_MAX_BINS + 1, 0,
	    &lines, &n, NULL), Q_EUSAGE);
	assert_null(lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_exact),
		cmocka_unit_test(test_utf8_exact),
		cmocka_unit_test(test_two_bins),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_empty_no_bar),
		cmocka_unit_test(test_bad_nbins),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
