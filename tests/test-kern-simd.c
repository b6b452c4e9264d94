/*
 * test-kern-simd.c: every ISA's kernels against the scalar references, on
 * random and adversarial data: activation quantization bit for bit, and
 * matrix-vector products (one vector, and several sharing the weights)
 * within a tight bound (integer sums are exact;
 * only the float combination of block sums may round differently).
 * Weights are random block bytes, so every code and scale a file could
 * hold is exercised (-128 in Q8_0, ternary code 3, zero and subnormal
 * fp16 scales), with rows of awkward lengths at unaligned addresses.
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blocks.h"
#include "kern-impl.h"
#include "testutil.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	return (tu_rnd(&rng));
}

static float
rndf(void)
{
	return (tu_rndf(&rng));
}

/* A random fp16 bit pattern that is finite: any sign, exponent 0..30. */
static uint16_t
rnd_half(int kind)
{
	switch (kind) {
	case 0: return (0);				/* zero scale */
	case 1: return ((uint16_t)(rnd() & 0x83ff));	/* subnormal */
	case 2: return (0x7bff);			/* 65504 */
	default: return ((uint16_t)((rnd() & 0x8000) |
	    ((10 + rnd() % 10) << 10) | (rnd() & 0x3ff)));
	}
}

/* Fills rows of fmt with random bytes, then makes every scale finite. */
static void
fill_weights(enum kfmt fmt, uint8_t *w, int64_t rows, int64_t cols)
{
	const struct kern_traits	*kt = kern_get(fmt);
	size_t				 rb = kern_row_bytes(fmt, cols);
	float				*tmp;

	if (fmt == KFMT_F32 || fmt == KFMT_F16 || fmt == KFMT_BF16) {
		tmp = malloc((size_t)cols * sizeof(float));
		for (int64_t r = 0; r < rows; r++) {
			for (int64_t i = 0; i < cols; i++)
				tmp[i] = rndf() * (r % 3 == 0 ? 100.0f : 1.0f);
			kt->from_float_ref(tmp, w + r * rb, cols);
		}
		free(tmp);
		return;
	}
	for (size_t i = 0; i < rb * rows; i++)
		w[i] = (uint8_t)rnd();
	/* the fp16 scale sits first (q8_0, q4_0, t2) or last (tq*) */
	for (int64_t b = 0; b < rows * cols / kt->block_len; b++) {
		uint8_t		*blk = w + b * kt->block_bytes;
		size_t		 off = (fmt == KFMT_TQ1_0 || fmt == KFMT_TQ2_0) ?
		    kt->block_bytes - 2 : 0;
		uint16_t	 h = rnd_half((int)(rnd() % 8));

		memcpy(blk + off, &h, 2);
	}
}

/* Activation patterns: random, extremes that quantize to +-127, zeros,
 * tiny and huge magnitudes, a lone spike per block. */
static void
fill_act(float *x, int64_t n, int kind)
{
	for (int64_t i = 0; i < n; i++) {
		switch (kind) {
		case 0: x[i] = rndf(); break;
		case 1: x[i] = (rnd() & 1) ? 3.0f : -3.0f; break;
		case 2: x[i] = 0.0f; break;
		case 3: x[i] = rndf() * 1e-30f; break;
		case 4: x[i] = rndf() * 1e12f; break;
		default: x[i] = (i % 32 == 5) ? -7.0f : rndf() * 1e-3f; break;
		}
	}
}

static void
assert_act_equal(const struct kact *a, const struct kact *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->q, b->q, (size_t)a->n);
	assert_memory_equal(a->d, b->d, (size_t)(a->n / KACT_BLOCK) * 4);
	assert_memory_equal(a->sum, b->sum, (size_t)(a->n / KACT_BLOCK) * 4);
	assert_memory_equal(a->f, b->f, (size_t)a->n * 4);
	for (int64_t i = 0; i < a->n; i++)
		assert_true(a->q[i] != -128);
}

static void
test_act_quantize(void **state)
{
	static const int64_t lens[] = { 1, 31, 32, 33, 172, 288, 576, 1536,
	    2048, 4099 };
	struct kact	 ref, got;
	float		*x = malloc(5000 * sizeof(float));
	int		 tested = 0;

	assert_int_equal(kact_init(&ref, 5000), Q_OK);
	assert_int_equal(kact_init(&got, 5000), Q_OK);
	for (int isa = 1; isa < KISA_COUNT; isa++) {
		if (!kern_isa_available((enum kern_isa)isa))
			continue;
		assert_int_equal(kern_set_isa((enum kern_isa)isa, NULL), Q_OK);
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++)
			for (int kind = 0; kind < 6; kind++) {
				fill_act(x, lens[l], kind);
				kact_quantize_ref(&ref, x, lens[l]);
				memset(got.q, 0x55, (size_t)got.cap);
				kact_quantize(&got, x, lens[l]);
				assert_act_equal(&ref, &got);
				tested++;
			}
	}
	printf("# activation quantization: %d cases\n", tested);
	kact_free(&ref);
	kact_free(&got);
	free(x);
}

/* Upper bound of the float rounding a kernel may differ by: a few ulps of
 * the sum of |term| over the row. */
static float
row_bound(enum kfmt fmt, const uint8_t *row, int64_t cols,
    const struct kact *a)
{
	const struct kern_traits	*kt = kern_get(fmt);
	float				*w = malloc((size_t)cols * sizeof(float));
	double				 s = 0.0;

	kt->to_float(row, w, cols);
	for (int64_t i = 0; i < cols; i++) {
		double xi = kt->int_act ?
		    (double)a->q[i] * a->d[i / KACT_BLOCK] : a->f[i];

		s += fabs((double)w[i] * xi);
	}
	free(w);
	return ((float)(s * 4e-6) + 1e-30f);
}

static void
check_format(enum kfmt fmt, enum kern_isa isa, int *cases)
{
	static const int64_t cols_list[] = { 32, 64, 192, 288, 576, 1536,
	    2048, 256, 512, 4096 };
	static const int64_t rows_list[] = { 1, 3, 16, 17, 33 };
	const struct kern_traits	*kt = kern_get(fmt);
	struct kact			 a;
	float				*x, *yr, *yg, yone[64];

	assert_int_equal(kact_init(&a, 4096), Q_OK);
	x = malloc(4096 * sizeof(float));
	yr = malloc(64 * sizeof(float));
	yg = malloc(64 * sizeof(float));
	for (size_t c = 0; c < sizeof cols_list / sizeof cols_list[0]; c++) {
		int64_t cols = cols_list[c];

		if (cols % kt->block_len != 0)
			continue;
		for (size_t r = 0; r < sizeof rows_list / sizeof rows_list[0];
		    r++) {
			int64_t	 rows = rows_list[r];
			size_t	 rb = kern_row_bytes(fmt, cols);
			uint8_t	*buf = malloc(rb * rows + 64);
			uint8_t	*w = buf + 1 + (r % 3);	/* unaligned */

			fill_weights(fmt, w, rows, cols);
			for (int kind = 0; kind < 6; kind++) {
				fill_act(x, cols, kind);
				kact_quantize_ref(&a, x, cols);
				kt->matvec_ref(w, cols, &a, yr, 0, rows);
				kt->matvec(w, cols, &a, yg, 0, rows);
				for (int64_t i = 0; i < rows; i++) {
					float tol = row_bound(fmt, w + i * rb,
					    cols, &a);

					if (!(fabsf(yr[i] - yg[i]) <= tol))
						fail_msg("%s/%s rows %lld cols "
						    "%lld act %d row %lld: ref "
						    "%.9g got %.9g (tol %g)",
						    kt->name,
						    kern_isa_name(isa),
						    (long long)rows,
						    (long long)cols, kind,
						    (long long)i, yr[i], yg[i],
						    tol);
				}
				/* a row's result does not depend on which
				 * rows share its call (thread splits) */
				for (int64_t i = 0; i < rows; i++) {
					float one;

					kt->matvec(w, cols, &a, yone, i, i + 1);
					one = yone[i];
					if (memcmp(&one, &yg[i], 4) != 0)
						fail_msg("%s/%s cols %lld row "
						    "%lld alone %.9g, in a "
						    "batch %.9g: results must "
						    "not depend on the row "
						    "split", kt->name,
						    kern_isa_name(isa),
						    (long long)cols,
						    (long long)i, one, yg[i]);
				}
				/* a row range leaves other rows alone */
				if (rows > 2) {
					yg[0] = 12345.0f;
					kt->matvec(w, cols, &a, yg, 1, rows - 1);
					assert_true(yg[0] == 12345.0f);
					assert_true(fabsf(yg[1] - yr[1]) <=
					    row_bound(fmt, w + rb, cols, &a));
				}
				(*cases)++;
			}
			free(buf);
		}
	}
	kact_free(&a);
	free(x);
	free(yr);
	free(yg);
}

/*
 * The 16-row interleaved layouts (blocks.h: q8_0r16, t2r16 and t2mr16)
 * against their row formats.  Plain rows of random and adversarial
 * blocks are packed here from the layouts' definitions, not by the code
 * under test: q8_0 blocks of every byte (-128 included), all +-127, all
 * -128 and all-zero blocks; t2 blocks of every code (3 included), all
 * -1, all 0, all +1; zero, subnormal and 65504 scales.  The references
 * keep the row format's arithmetic in its order, and so do the twins, so
 * every result must equal the row format's reference on the plain rows
 * bit for bit (stronger than check_format's bound), for any row range
 * that starts on a group, with rows past r1 and before r0 left alone,
 * weights at odd addresses and activations at odd addresses too.
 */

/* Plain rows of fmt, nblk blocks in all, block kinds picked at random. */
static void
fill_plain_adv(enum kfmt fmt, void *rows, int64_t nblk)
{
	for (int64_t b = 0; b < nblk; b++) {
		int	kind = (int)(rnd() % 8);

		if (fmt == KFMT_Q8_0) {
			block_q8_0 *q = (block_q8_0 *)rows + b;

			for (int i = 0; i < QK_Q8_0; i++)
				q->qs[i] = kind == 1 ? -128 : kind == 2 ? 127 :
				    kind == 3 ? -127 : kind == 4 ? 0 :
				    (int8_t)(uint8_t)rnd();
			q->d = rnd_half((int)(rnd() % 8));
		} else if (fmt == KFMT_Q4_0) {
			block_q4_0 *q = (block_q4_0 *)rows + b;

			/* nibbles 0 and 15 are the extremes -8 and +7 */
			for (int i = 0; i < QK_Q4_0 / 2; i++)
				q->qs[i] = kind == 1 ? 0x00 : kind == 2 ? 0xff :
				    kind == 3 ? 0x88 : (uint8_t)rnd();
			q->d = rnd_half((int)(rnd() % 8));
		} else if (fmt == KFMT_TQ2_0) {
			block_tq2_0 *q = (block_tq2_0 *)rows + b;

			/* codes 0, 1, 2 and the 3 a file may hold */
			for (int i = 0; i < QK_TQ2_0 / 4; i++)
				q->qs[i] = kind == 1 ? 0x00 : kind == 2 ? 0xaa :
				    kind == 3 ? 0xff : (uint8_t)rnd();
			q->d = rnd_half((int)(rnd() % 8));
		} else {
			block_t2 *q = (block_t2 *)rows + b;

			for (int i = 0; i < QK_T2 / 4; i++)
				q->qs[i] = kind == 1 ? 0x00 : kind == 2 ? 0x55 :
				    kind == 3 ? 0xaa : (uint8_t)rnd();
			q->d = rnd_half((int)(rnd() % 8));
		}
	}
}

/* Weight k of a plain row as the unsigned code its layout stores (q8_0:
 * w ^ 0x80; t2, q4_0, tq2_0: the code), and its block's scale. */
static int
plain_code(enum kfmt fmt, const uint8_t *row, int64_t k, uint16_t *d)
{
	const struct kern_traits *bt = kern_get(fmt);
	const void	*blk = row + (size_t)(k / bt->block_len) * bt->block_bytes;

	k %= bt->block_len;
	if (fmt == KFMT_TQ2_0) {
		const block_tq2_0 *q = blk;

		*d = q->d;
		return ((q->qs[k / 128 * 32 + k % 32] >> (2 * (k % 128 / 32))) &
		    3);
	} else if (fmt == KFMT_Q8_0) {
		const block_q8_0 *q = blk;

		*d = q->d;
		return ((uint8_t)q->qs[k] ^ 0x80);
	} else if (fmt == KFMT_Q4_0) {
		const block_q4_0 *q = blk;

		*d = q->d;
		return (k < 16 ? q->qs[k] & 15 : q->qs[k - 16] >> 4);
	} else {
		const block_t2 *q = blk;

		*d = q->d;
		return ((q->qs[k % 8] >> (2 * (k / 8))) & 3);
	}
}

/* rows plain rows of fmt's row format (nb blocks of 32 weights each)
 * into groups at g, as blocks.h defines fmt; rows past the last are zero
 * weights with zero scales. */
static void
pack_r16(enum kfmt fmt, const void *plain, int64_t rows, int64_t nb,
    uint8_t *g)
{
	const struct kern_traits *kt = kern_get(fmt);
	enum kfmt	base = kt->base;
	int		t2 = base == KFMT_T2 || base == KFMT_T2M ||
			    base == KFMT_TQ2_0;
	int		q4 = base == KFMT_Q4_0;
	size_t		rb = kern_row_bytes(base, nb * 32);
	size_t		qb = t2 ? 128 : q4 ? 256 : 512;
	size_t		gb = kern_mat_bytes(fmt, 16, nb * 32);

	memset(g, 0, kern_mat_bytes(fmt, rows, nb * 32));
	for (int64_t r = 0; r < (rows + 15) / 16 * 16; r++) {
		uint8_t	*grp = g + (size_t)(r / 16) * gb;
		int	 rr = (int)(r % 16);

		for (int64_t b = 0; b < nb; b++) {
			const uint8_t	*row = (const uint8_t *)plain +
			    (size_t)r * rb;
			uint16_t	 d = 0;

			for (int k = 0; k < 32; k++) {
				int c = r < rows ? plain_code(base, row,
				    32 * b + k, &d) : t2 ? 1 : q4 ? 8 : 0x80;

				if (q4)		/* 2 runs of 4 a chunk */
					grp[b * qb + (k / 8) * 64 + rr * 4 +
					    k % 4] |= (uint8_t)(c << 4 *
					    (k / 4 % 2));
				else if (!t2)
					grp[b * qb + (k / 4) * 64 + rr * 4 +
					    k % 4] = (uint8_t)c;
				else
					grp[b * qb + (k / 16) * 64 + rr * 4 +
					    k % 4] |= (uint8_t)(c << 2 *
					    (k / 4 % 4));
			}
			memcpy(grp + nb * qb + b * 32 + rr * 2, &d, 2);
		}
	}
}

static void
check_interleaved(enum kfmt fmt, kern_matvec_fn fn, const char *isa,
    int *cases)
{
	static const int64_t cols_list[] = { 32, 192, 288, 576, 1536, 2048 };
	static const int64_t rows_list[] = { 1, 3, 15, 16, 17, 33, 100 };
	const struct kern_traits *kt = kern_get(fmt);
	kern_matvec_fn	 plain_ref = kern_get(kt->base)->matvec_ref;
	struct kact	 a, ua;
	float		*x = malloc(2048 * sizeof(float));
	float		*yr = malloc(128 * sizeof(float));
	float		*yg = malloc(128 * sizeof(float));
	uint8_t		*plain = malloc(100 * 64 * kt->block_bytes);
	int8_t		*uq = malloc(2048 + 64);

	assert_int_equal(kact_init(&a, 2048), Q_OK);
	for (size_t c = 0; c < sizeof cols_list / sizeof cols_list[0]; c++)
	for (size_t ri = 0; ri < sizeof rows_list / sizeof rows_list[0]; ri++) {
		int64_t	 cols = cols_list[c], rows = rows_list[ri];
		int64_t	 nb = cols / 32;
		size_t	 mb;
		uint8_t	*buf, *w;

		if (cols % kt->block_len != 0)	/* tq2_0r16: 256s */
			continue;
		mb = kern_mat_bytes(fmt, rows, cols);
		buf = malloc(mb + 64);
		w = buf + (ri % 2 ? 0 : 1 + ri % 3);	/* odd too */
		fill_plain_adv(kt->base, plain, rows * cols /
		    kern_get(kt->base)->block_len);
		pack_r16(fmt, plain, rows, nb, w);
		for (int kind = 0; kind < 6; kind++) {
			fill_act(x, cols, kind);
			kact_quantize_ref(&a, x, cols);
			plain_ref(plain, cols, &a, yr, 0, rows);
			/* the whole matrix, canaries past the last row */
			for (int i = 0; i < 128; i++)
				yg[i] = -7.0f;
			fn(w, cols, &a, yg, 0, rows);
			for (int64_t i = 0; i < rows; i++)
				if (memcmp(&yr[i], &yg[i], 4) != 0)
					fail_msg("%s/%s rows %lld cols %lld "
					    "act %d row %lld: %s ref %.9g got "
					    "%.9g", kt->name, isa,
					    (long long)rows, (long long)cols,
					    kind, (long long)i,
					    kern_get(kt->base)->name, yr[i],
					    yg[i]);
			for (int64_t i = rows; i < 128; i++)
				assert_true(yg[i] == -7.0f);
			/* every split on group boundaries: same bits, and
			 * rows outside [r0, r1) untouched */
			for (int64_t r0 = 0; r0 < rows; r0 += 16)
				for (int64_t r1 = r0 + 1; r1 <= rows;
				    r1 = r1 == rows ? rows + 1 :
				    (r1 + 16) / 16 * 16 < rows ?
				    (r1 + 16) / 16 * 16 : rows) {
					for (int i = 0; i < 128; i++)
						yg[i] = -7.0f;
					fn(w, cols, &a, yg, r0, r1);
					for (int64_t i = 0; i < 128; i++)
						if (i < r0 || i >= r1)
							assert_true(yg[i] ==
							    -7.0f);
						else if (memcmp(&yr[i], &yg[i],
						    4) != 0)
							fail_msg("%s/%s rows "
							    "[%lld, %lld) row "
							    "%lld differs",
							    kt->name, isa,
							    (long long)r0,
							    (long long)r1,
							    (long long)i);
				}
			/* activations at an odd address */
			ua = a;
			ua.q = uq + 1 + kind % 3;
			memcpy(ua.q, a.q, (size_t)cols);
			fn(w, cols, &ua, yg, 0, rows);
			assert_memory_equal(yr, yg, (size_t)rows * 4);
			(*cases)++;
		}
		free(buf);
	}
	kact_free(&a);
	free(x);
	free(yr);
	free(yg);
	free(plain);
	free(uq);
}

static void
test_matvec_twins(void **state)
{
	for (int isa = 1; isa < KISA_COUNT; isa++) {
		if (!kern_isa_available((enum kern_isa)isa)) {
			printf("# %s: not available here\n",
			    kern_isa_name((enum kern_isa)isa));
			continue;
		}
		assert_int_equal(kern_set_isa((enum kern_isa)isa, NULL), Q_OK);
		for (int f = 0; f < KFMT_COUNT; f++) {
			const struct kern_traits *kt = kern_get((enum kfmt)f);
			int cases = 0;

			if ((int)kt->matvec_isa != isa) {
				printf("# %s/%s: none (falls back to %s)\n",
				    kt->name, kern_isa_name((enum kern_isa)isa),
				    kern_isa_name(kt->matvec_isa));
				continue;
			}
			if (kt->row_group > 1)
				check_interleaved((enum kfmt)f, kt->matvec,
				    kern_isa_name((enum kern_isa)isa), &cases);
			else
				check_format((enum kfmt)f, (enum kern_isa)isa,
				    &cases);
			printf("# %s/%s: %d cases\n", kt->name,
			    kern_isa_name((enum kern_isa)isa), cases);
		}
	}
}

/* Every 16-bit pattern (NaNs signalling and quiet with their payloads,
 * infinities, subnormals, both zeros) at an odd address, first in order
 * and then at positions shifted by one so each meets other SIMD lanes,
 * then a random tail that is no multiple of any vector width: an f16 or
 * bf16 row converter must widen each exactly as the reference does. */
static void
check_half_patterns(const char *name, enum kern_isa isa,
    void (*ref)(const void *restrict, float *restrict, int64_t),
    void (*got)(const void *restrict, float *restrict, int64_t))
{
	const int64_t	 n = 2 * 65536 + 1 + 13;
	uint8_t		*buf = malloc((size_t)n * 2 + 1);
	float		*yr = malloc((size_t)n * sizeof(float));
	float		*yg = malloc((size_t)n * sizeof(float));
	uint16_t	 h;

	for (int64_t i = 0; i < n; i++) {
		h = (uint16_t)(i < 65536 ? i : i < 2 * 65536 + 1 ?
		    i - 65537 : rnd());
		memcpy(buf + 1 + 2 * i, &h, 2);
	}
	ref(buf + 1, yr, n);
	got(buf + 1, yg, n);
	for (int64_t i = 0; i < n; i++)
		if (memcmp(&yr[i], &yg[i], 4) != 0) {
			uint32_t br, bg;

			memcpy(&h, buf + 1 + 2 * i, 2);
			memcpy(&br, &yr[i], 4);
			memcpy(&bg, &yg[i], 4);
			fail_msg("%s/%s to_float of 0x%04x (at %lld): ref "
			    "0x%08x got 0x%08x", name, kern_isa_name(isa), h,
			    (long long)i, br, bg);
		}
	printf("# %s/%s to_float: all 65536 patterns exact\n", name,
	    kern_isa_name(isa));
	free(buf);
	free(yr);
	free(yg);
}

/* Row converters are exact, so every ISA's must equal the reference bit
 * for bit, on random blocks of every format at unaligned addresses; f16
 * and bf16 must have one on every ISA (the issue asks for it), checked on
 * every bit pattern. */
static void
test_to_float_twins(void **state)
{
	void		(*ref[KFMT_COUNT])(const void *restrict,
			    float *restrict, int64_t);
	int64_t		 n = 4096 + 256;
	uint8_t		*w = malloc(n * 4 + 8);
	float		*yr = malloc(n * sizeof(float));
	float		*yg = malloc(n * sizeof(float));

	assert_int_equal(kern_set_isa(KISA_SCALAR, NULL), Q_OK);
	for (int f = 0; f < KFMT_COUNT; f++)
		ref[f] = kern_get((enum kfmt)f)->to_float;
	for (int isa = 1; isa < KISA_COUNT; isa++) {
		if (!kern_isa_available((enum kern_isa)isa))
			continue;
		assert_int_equal(kern_set_isa((enum kern_isa)isa, NULL), Q_OK);
		for (int f = 0; f < KFMT_COUNT; f++) {
			const struct kern_traits *kt = kern_get((enum kfmt)f);
			int64_t len = n - (kt->block_len == 1 ? 3 : 0);

			if (f == KFMT_F16 || f == KFMT_BF16) {
				if (kt->to_float == ref[f])
					fail_msg("%s/%s: to_float is the scalar "
					    "reference", kt->name,
					    kern_isa_name((enum kern_isa)isa));
				check_half_patterns(kt->name,
				    (enum kern_isa)isa, ref[f], kt->to_float);
			}
			if (kt->to_float == ref[f] || kt->row_group > 1)
				continue;
			fill_weights((enum kfmt)f, w + 3, 1, len);
			ref[f](w + 3, yr, len);
			kt->to_float(w + 3, yg, len);
			assert_memory_equal(yr, yg, (size_t)len * 4);
			printf("# %s/%s to_float: exact\n", kt->name,
			    kern_isa_name((enum kern_isa)isa));
		}
	}
	free(w);
	free(yr);
	free(yg);
}

/* The ternary formats on every code byte: row k's code byte at position
 * p of block b is (k + 37p + 101b) mod 256, so over 256 rows every
 * position of every block holds every value, those the quantizer never
 * writes (tq1_0 bytes past 243 * 256 / 243, tq2_0 code 3) included.
 * Scales are 1 and the activations integers with a +-127 in each block,
 * so every product and sum is an exact float and each kernel must equal
 * the reference bit for bit: a single trit decoded wrongly shows.  Rows
 * are also taken one at a time and in ranges of 28, 13 and 215 rows, so
 * every group size of the kernels (16, 12, 8, 4, 1) runs: the row split
 * must not matter. */
static void
test_ternary_every_byte(void **state)
{
	static const enum kfmt fmts[] = { KFMT_TQ1_0, KFMT_TQ2_0 };
	static const int64_t cuts[] = { 0, 28, 41, 256 };
	const int64_t	 rows = 256, cols = 1024;
	struct kact	 a;
	float		*x = malloc((size_t)cols * sizeof(float));
	float		 yr[256], yg[256], y1[256];

	assert_int_equal(kact_init(&a, cols), Q_OK);
	for (int kind = 0; kind < 2; kind++) {
		for (int64_t i = 0; i < cols; i++) {
			x[i] = kind == 0 ? (float)((int)(rnd() % 255) - 127) :
			    (i & 1 ? -127.0f : 127.0f);
			if (i % KACT_BLOCK == 0)
				x[i] = rnd() & 1 ? 127.0f : -127.0f;
		}
		kact_quantize_ref(&a, x, cols);
		for (int64_t j = 0; j < cols / KACT_BLOCK; j++)
			assert_true(a.d[j] == 1.0f);
		for (size_t f = 0; f < sizeof fmts / sizeof fmts[0]; f++) {
			const struct kern_traits *kt = kern_get(fmts[f]);
			size_t	 rb = kern_row_bytes(fmts[f], cols);
			size_t	 bb = kt->block_bytes, nb = cols / 256;
			uint8_t	*buf = malloc(rb * rows + 1), *w = buf + 1;
			uint16_t one = 0x3c00;

			for (int64_t k = 0; k < rows; k++)
				for (size_t b = 0; b < nb; b++) {
					uint8_t *blk = w + k * rb + b * bb;

					for (size_t q = 0; q + 2 < bb; q++)
						blk[q] = (uint8_t)(k + 37 * q +
						    101 * b);
					memcpy(blk + bb - 2, &one, 2);
				}
			kt->matvec_ref(w, cols, &a, yr, 0, rows);
			for (int isa = 0; isa < KISA_COUNT; isa++) {
				if (!kern_isa_available((enum kern_isa)isa))
					continue;
				assert_int_equal(kern_set_isa(
				    (enum kern_isa)isa, NULL), Q_OK);
				/* ranges of 28 = 16 + 8 + 4, 13 = 8 + 4 + 1,
				 * 215 = 13 * 16 + 4 + 3: every group size
				 * the kernels have */
				for (int c = 0; c < 3; c++)
					kt->matvec(w, cols, &a, yg, cuts[c],
					    cuts[c + 1]);
				for (int64_t r = 0; r < rows; r++)
					if (yg[r] != yr[r])
						fail_msg("%s/%s every-byte row "
						    "%lld act %d in ranges: ref "
						    "%.9g got %.9g", kt->name,
						    kern_isa_name((enum kern_isa)
						    isa), (long long)r, kind,
						    yr[r], yg[r]);
				kt->matvec(w, cols, &a, yg, 0, rows);
				for (int64_t r = 0; r < rows; r++) {
					kt->matvec(w, cols, &a, y1, r, r + 1);
					if (yg[r] != yr[r] || y1[r] != yr[r])
						fail_msg("%s/%s every-byte row "
						    "%lld act %d: ref %.9g got "
						    "%.9g (alone %.9g)",
						    kt->name, kern_isa_name(
						    (enum kern_isa)isa),
						    (long long)r, kind, yr[r],
						    yg[r], y1[r]);
				}
				if (kind == 0)
					printf("# %s/%s: every code byte "
					    "exact\n", kt->name, kern_isa_name(
					    (enum kern_isa)isa));
			}
			free(buf);
		}
	}
	kact_free(&a);
	free(x);
}

/* The references themselves against a float dot product of dequantized
 * weights and activations. */
static void
test_refs_against_float(void **state)
{
	struct kact	a;
	float		x[576], w[576], y, want;
	uint8_t		blk[576 * 4];

	assert_int_equal(kact_init(&a, 576), Q_OK);
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		int64_t cols = kt->block_len == 256 ? 512 : 576;

		if (kt->row_group > 1)	/* whole groups: see below */
			continue;

		for (int64_t i = 0; i < cols; i++)
			x[i] = rndf();
		for (int64_t i = 0; i < cols; i++)
			w[i] = rndf();
		kt->from_float_ref(w, blk, cols);
		kt->to_float(blk, w, cols);
		kact_quantize_ref(&a, x, cols);
		want = 0.0f;
		for (int64_t i = 0; i < cols; i++)
			want += w[i] * (kt->int_act ?
			    a.q[i] * a.d[i / KACT_BLOCK] : a.f[i]);
		kt->matvec_ref(blk, cols, &a, &y, 0, 1);
		assert_float_equal(y, want, 1e-4f * (1.0f + fabsf(want)));
	}
	kact_free(&a);
}

/* A 172-weight row (stories260K's hidden size) fits no block: padded with
 * zeros to kern_pad() and multiplied by activations zero-padded the same
 * way, it gives the dot product over the 172 real weights. */
static void
test_padded_rows(void **state)
{
	struct kact	a;
	float		x[256] = { 0 }, w[256] = { 0 }, deq[256], y, want;
	uint8_t		blk[256 * 4];

	assert_int_equal(kact_init(&a, 256), Q_OK);
	for (int i = 0; i < 172; i++) {
		x[i] = rndf();
		w[i] = rndf();
	}
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		int64_t pad = kern_pad((enum kfmt)f, 172);

		if (kt->row_group > 1)	/* 172 -> 192: test_interleaved_rows */
			continue;

		assert_true(pad >= 172 && pad % kt->block_len == 0 &&
		    pad - 172 < kt->block_len);
		kt->from_float_ref(w, blk, pad);
		kt->to_float(blk, deq, pad);
		for (int64_t i = 172; i < pad; i++)
			assert_true(deq[i] == 0.0f);
		kact_quantize(&a, x, pad);
		want = 0.0f;
		for (int i = 0; i < 172; i++)
			want += deq[i] * (kt->int_act ?
			    a.q[i] * a.d[i / KACT_BLOCK] : x[i]);
		kt->matvec(blk, pad, &a, &y, 0, 1);
		assert_float_equal(y, want, 1e-4f * (1.0f + fabsf(want)));
	}
	kact_free(&a);
}

/* The interleaved references themselves (the twins: test_matvec_twins). */
static void
test_interleaved_ref(void **state)
{
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		int cases = 0;

		if (kt->row_group == 1)
			continue;
		check_interleaved((enum kfmt)f, kt->matvec_ref, "scalar",
		    &cases);
		printf("# %s/scalar: %d cases equal %s's reference\n",
		    kt->name, cases, kern_get(kt->base)->name);
	}
#ifdef QCMP_KERNELS_X86
	/* t2r16's AVX-512 twin is one of two, by GFNI: test_matvec_twins
	 * saw the one this CPU takes, here are both */
	if (kern_isa_available(KISA_AVX512)) {
		int cases = 0;

		check_interleaved(KFMT_T2R16, t2r16_matvec_avx512_shift,
		    "avx512 (shift)", &cases);
		printf("# t2r16/avx512 without GFNI: %d cases\n", cases);
		if (kern_cpu_gfni) {
			cases = 0;
			check_interleaved(KFMT_T2R16, t2r16_matvec_avx512_gfni,
			    "avx512 (gfni)", &cases);
			printf("# t2r16/avx512 with GFNI: %d cases\n", cases);
		} else
			printf("# t2r16/avx512 with GFNI: no GFNI here\n");
	}
#endif
}

/* A several-vector kernel (kern_matmat_fn) against its ISA's one-vector
 * kernel mv (which test_matvec_twins holds to the reference), bit for bit
 * vector by vector, as a prompt run in batches must give what one token
 * at a time gives: 1 to 9 vectors (every remainder of the
 * kernels' groups of 4), each of another kind, outputs ldy apart with
 * canaries between, in ranges on group boundaries. */
static void
check_matmat(enum kfmt fmt, kern_matmat_fn mm, kern_matvec_fn mv,
    const char *isa, int *cases)
{
	/* 8224 = 257 blocks: wider than the q4_0 kernel prepares */
	static const int64_t cols_list[] = { 32, 288, 768, 2048, 8224 };
	static const int64_t rows_list[] = { 1, 15, 16, 17, 48, 100 };
	enum { NV = 9, LDY = 128 + 5 };
	const struct kern_traits *kt = kern_get(fmt);
	struct kact	 a[NV];
	float		*x = malloc(8224 * sizeof(float));
	float		*yr = malloc(NV * LDY * sizeof(float));
	float		*yg = malloc(NV * LDY * sizeof(float));
	uint8_t		*plain = malloc(100 * 257 * kt->block_bytes);

	for (int v = 0; v < NV; v++)
		assert_int_equal(kact_init(&a[v], 8224), Q_OK);
	for (size_t c = 0; c < sizeof cols_list / sizeof cols_list[0]; c++)
	for (size_t ri = 0; ri < sizeof rows_list / sizeof rows_list[0]; ri++) {
		int64_t	 cols = cols_list[c], rows = rows_list[ri];
		int64_t	 nb = cols / 32;
		uint8_t	*buf, *w;

		if (cols % kt->block_len != 0)	/* tq2_0r16: 256s */
			continue;
		buf = malloc(kern_mat_bytes(fmt, rows, cols) + 64);
		w = buf + (ri % 2 ? 0 : 1);
		fill_plain_adv(kt->base, plain, rows * cols /
		    kern_get(kt->base)->block_len);
		if (kt->row_group > 1)
			pack_r16(fmt, plain, rows, nb, w);
		else
			memcpy(w, plain, kern_mat_bytes(fmt, rows, cols));
		for (int v = 0; v < NV; v++) {
			fill_act(x, cols, (int)(v + c + ri) % 6);
			kact_quantize_ref(&a[v], x, cols);
			mv(w, cols, &a[v], yr + v * LDY, 0, rows);
		}
		for (int nv = 1; nv <= NV; nv++)
		for (int64_t r0 = 0; r0 < rows; r0 += 32) {
			int64_t	r1 = r0 + 48 < rows ? r0 + 48 : rows;

			for (int i = 0; i < NV * LDY; i++)
				yg[i] = -7.0f;
			mm(w, cols, a, nv, yg, LDY, r0, r1);
			for (int v = 0; v < NV; v++)
				for (int64_t i = 0; i < LDY; i++) {
					float	got = yg[v * LDY + i];

					if (v >= nv || i < r0 || i >= r1)
						assert_true(got == -7.0f);
					else if (memcmp(&got, &yr[v * LDY + i],
					    4) != 0)
						fail_msg("%s/%s matmat rows "
						    "%lld cols %lld, %d vectors: "
						    "vector %d row %lld: ref "
						    "%.9g got %.9g", kt->name,
						    isa, (long long)rows,
						    (long long)cols, nv, v,
						    (long long)i,
						    yr[v * LDY + i], got);
				}
			(*cases)++;
		}
		free(buf);
	}
	for (int v = 0; v < NV; v++)
		kact_free(&a[v]);
	free(x);
	free(yr);
	free(yg);
	free(plain);
}

static void
test_matmat_twins(void **state)
{
	for (int isa = 1; isa < KISA_COUNT; isa++) {
		if (!kern_isa_available((enum kern_isa)isa))
			continue;
		assert_int_equal(kern_set_isa((enum kern_isa)isa, NULL), Q_OK);
		for (int f = 0; f < KFMT_COUNT; f++) {
			const struct kern_traits *kt = kern_get((enum kfmt)f);
			int cases = 0;

			if (kt->matmat == NULL)
				continue;
			check_matmat((enum kfmt)f, kt->matmat, kt->matvec,
			    kern_isa_name((enum kern_isa)isa), &cases);
			printf("# %s/%s matmat: %d cases\n", kt->name,
			    kern_isa_name((enum kern_isa)isa), cases);
		}
	}
#ifdef QCMP_KERNELS_X86
	if (kern_isa_available(KISA_AVX512)) {
		int cases = 0;

		check_matmat(KFMT_T2R16, t2r16_matmat_avx512_shift,
		    t2r16_matvec_avx512_shift, "avx512 (shift)", &cases);
		if (kern_cpu_gfni)
			check_matmat(KFMT_T2R16, t2r16_matmat_avx512_gfni,
			    t2r16_matvec_avx512_gfni, "avx512 (gfni)", &cases);
		printf("# t2r16/avx512 matmat, both decoders: %d cases\n",
		    cases);
	}
#endif
}

/* Whole groups through the table's converters: a group quantized from
 * 16 rows (172 real weights padded to 192, or 256 for tq2_0r16)
 * dequantizes to the row format's values of each row, and its product
 * is the dot product over the real weights. */
static void
test_interleaved_rows(void **state)
{
	enum { NMAX = 256 };
	float		*x = calloc((size_t)16 * NMAX, sizeof(float));
	float		*deq = malloc((size_t)16 * NMAX * sizeof(float));
	float		 row[NMAX], act[NMAX] = { 0 }, y[16];
	uint8_t		 plain[NMAX / 32 * sizeof(block_q8_0)];
	struct kact	 a;

	assert_int_equal(kact_init(&a, NMAX), Q_OK);
	for (int i = 0; i < 172; i++)
		act[i] = rndf();
	kact_quantize(&a, act, NMAX);
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		const struct kern_traits *bt = kern_get(kt->base);
		int64_t	 n = kern_pad((enum kfmt)f, 172);
		uint8_t *g;

		if (kt->row_group == 1)
			continue;
		assert_true(n == 192 || (n == NMAX && kt->block_len == NMAX));
		memset(x, 0, (size_t)16 * NMAX * sizeof(float));
		for (int r = 0; r < 16; r++)
			for (int i = 0; i < 172; i++)
				x[r * n + i] = rndf() * (r + 1);
		g = malloc(kern_mat_bytes((enum kfmt)f, 16, n));
		kt->from_float_ref(x, g, n);
		kt->to_float(g, deq, n);
		kt->matvec(g, n, &a, y, 0, 16);
		for (int r = 0; r < 16; r++) {
			float	want = 0.0f;

			bt->from_float_ref(x + r * n, plain, n);
			bt->to_float(plain, row, n);
			assert_memory_equal(row, deq + r * n, (size_t)n * 4);
			for (int i = 172; i < n; i++)
				assert_true(deq[r * n + i] == 0.0f);
			for (int i = 0; i < 172; i++)
				want += row[i] * a.q[i] * a.d[i / KACT_BLOCK];
			assert_float_equal(y[r], want, 1e-4f * (1.0f +
			    fabsf(want)));
		}
		free(g);
	}
	kact_free(&a);
	free(x);
	free(deq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refs_against_float),
		cmocka_unit_test(test_act_quantize),
		cmocka_unit_test(test_to_float_twins),
		cmocka_unit_test(test_matvec_twins),
		cmocka_unit_test(test_matmat_twins),
		cmocka_unit_test(test_ternary_every_byte),
		cmocka_unit_test(test_padded_rows),
		cmocka_unit_test(test_interleaved_ref),
		cmocka_unit_test(test_interleaved_rows),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
