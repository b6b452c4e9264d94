/*
 * test-kern-quant.c: every ISA's weight quantizer (kern_traits.from_float)
 * against the scalar reference (from_float_ref), byte for byte: random
 * rows of every length a model has, written at odd addresses between
 * guard bytes, and adversarial rows: zero and -0 blocks, subnormals and
 * blocks whose inverse scale overflows, values up to 3e38, exact halves
 * between quantization steps, fp16 scales on rounding ties, underflow and
 * overflow, and t2m rows whose double sum of |x| depends on its order,
 * down to rows where that order changes the stored scale.  The ties are
 * checked to be sharp: a quantizer that rounds them the other way must
 * disagree with the reference on them.
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

#define TQ_MAXN		4096
#define TQ_GUARD	0xa5

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t
rnd(void)
{
	return (tu_rnd(&rng));
}

/* Uniform in [-1, 1). */
static float
rndf(void)
{
	return (tu_rndf(&rng));
}

/* Any finite float, every bit pattern equally likely. */
static float
rnd_bits(void)
{
	uint32_t	u;
	float		f;

	do
		u = rnd() ^ rnd() << 16;
	while ((u >> 23 & 0xff) == 0xff);
	memcpy(&f, &u, sizeof f);
	return (f);
}

/* 2^e for e in [lo, hi]. */
static float
rnd_pow2(int lo, int hi)
{
	return (ldexpf(1.0f, lo + (int)(rnd() % (unsigned)(hi - lo + 1))));
}

static float
rnd_sign(void)
{
	return ((rnd() & 1) ? 1.0f : -1.0f);
}

/* Quantizes x[0..n) with fn into a buffer at byte offset off, between
 * guard bytes, and fails unless the row equals want and the guards are
 * intact. */
static void
check_row(const char *what, enum kfmt fmt, enum kern_isa isa,
    const float *x, int64_t n, const uint8_t *want, size_t off)
{
	static uint8_t	buf[TQ_MAXN * 4 + 64];
	const struct kern_traits *kt = kern_get(fmt);
	size_t		rb = kern_row_bytes(fmt, n);

	memset(buf, TQ_GUARD, rb + off + 16);
	kt->from_float(x, buf + off, n);
	for (size_t i = 0; i < off; i++)
		if (buf[i] != TQ_GUARD)
			fail_msg("%s/%s %s n %lld: wrote before the row",
			    kt->name, kern_isa_name(isa), what, (long long)n);
	for (size_t i = 0; i < 16; i++)
		if (buf[off + rb + i] != TQ_GUARD)
			fail_msg("%s/%s %s n %lld: wrote past the row",
			    kt->name, kern_isa_name(isa), what, (long long)n);
	for (size_t i = 0; i < rb; i++)
		if (buf[off + i] != want[i])
			fail_msg("%s/%s %s n %lld: byte %zu (block %zu) is "
			    "%02x, the reference wrote %02x", kt->name,
			    kern_isa_name(isa), what, (long long)n, i,
			    i / kt->block_bytes, buf[off + i], want[i]);
}

/* Every available SIMD ISA's quantizer of fmt on x[0..n) against the
 * reference; returns how many quantizers were compared. */
static int
check_isas(enum kfmt fmt, const char *what, const float *x, int64_t n)
{
	static uint8_t	want[TQ_MAXN * 4 + 64];
	const struct kern_traits *kt = kern_get(fmt);
	int		tested = 0;

	kt->from_float_ref(x, want, n);
	for (int isa = 1; isa < KISA_COUNT; isa++) {
		if (!kern_isa_available((enum kern_isa)isa))
			continue;
		assert_int_equal(kern_set_isa((enum kern_isa)isa, NULL), Q_OK);
		if (kt->from_float == kt->from_float_ref)
			continue;
		check_row(what, fmt, (enum kern_isa)isa, x, n, want,
		    1 + (size_t)(rnd() % 7));
		tested++;
	}
	return (tested);
}

/* The ISA kern_init chose, put back after every test that forces one. */
static enum kern_isa tq_isa;

static int
tq_setup(void **state)
{
	(void)state;
	if (kern_init(NULL) != Q_OK)
		return (-1);
	tq_isa = kern_isa();
	return (0);
}

static int
tq_restore(void **state)
{
	(void)state;
	return (kern_set_isa(tq_isa, NULL) == Q_OK ? 0 : -1);
}

/* Every format has a quantizer under every ISA; scalar means the
 * reference itself. */
static void
test_from_float_set(void **state)
{
	(void)state;
	for (int isa = 0; isa < KISA_COUNT; isa++) {
		if (!kern_isa_available((enum kern_isa)isa))
			continue;
		assert_int_equal(kern_set_isa((enum kern_isa)isa, NULL), Q_OK);
		for (int f = 0; f < KFMT_COUNT; f++) {
			const struct kern_traits *kt = kern_get((enum kfmt)f);

			if (kt->from_float_ref == NULL)
				continue;
			assert_non_null(kt->from_float);
			if (isa == KISA_SCALAR)
				assert_ptr_equal(kt->from_float,
				    kt->from_float_ref);
		}
	}
	/* the formats this host is meant to speed up do have twins */
	if (kern_isa_available(KISA_AVX2)) {
		static const enum kfmt fast[] = { KFMT_Q8_0, KFMT_Q4_0,
		    KFMT_T2, KFMT_T2M, KFMT_TQ1_0, KFMT_TQ2_0 };

		assert_int_equal(kern_set_isa(KISA_AVX2, NULL), Q_OK);
		for (size_t i = 0; i < sizeof fast / sizeof fast[0]; i++)
			assert_true(kern_get(fast[i])->from_float !=
			    kern_get(fast[i])->from_float_ref);
	}
}

/* Random rows: kind picks the distribution of each 32-value stretch. */
static void
fill_random(float *x, int64_t n, int kind)
{
	static const float scale[] = { 1.0f, 0.02f, 1e-3f, 30.0f, 1e-6f,
	    500.0f, 1e-30f, 1e-38f, 1e-41f, 3e38f, 1e20f, 8e-6f };
	const int	ns = (int)(sizeof scale / sizeof scale[0]);

	for (int64_t i = 0; i < n; i++) {
		float s = scale[(i / 32 + kind) % ns];

		switch (kind % 5) {
		case 0:
			x[i] = rndf() * s;
			break;
		case 1:
			x[i] = rnd_bits();
			break;
		case 2:
			x[i] = (rnd() % 5 == 0) ? 0.0f : rndf() * 0.05f;
			break;
		case 3:		/* a spike of either sign per block */
			x[i] = (i % 32 == (int64_t)(rnd() % 32)) ?
			    rnd_sign() * s * 7 : rndf() * s;
			break;
		default:	/* weights of a trained model, roughly */
			x[i] = (rndf() + rndf() + rndf()) * 0.02f;
			break;
		}
	}
}

static void
test_random_rows(void **state)
{
	static const int64_t lens[] = { 32, 64, 256, 288, 576, 1536, 2048 };
	static float	 buf[TQ_MAXN + 8];
	int		 cases[KFMT_COUNT] = { 0 };

	(void)state;
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);

		if (kt->row_group > 1)	/* test_interleaved_groups */
			continue;
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
			if (lens[l] % kt->block_len != 0)
				continue;
			for (int kind = 0; kind < 40; kind++) {
				/* unaligned rows as well as aligned */
				float *x = buf + kind % 3;

				fill_random(x, lens[l], kind);
				cases[f] += check_isas((enum kfmt)f, "random",
				    x, lens[l]);
			}
		}
		printf("# %s: %d random rows\n", kt->name, cases[f]);
	}
}

/*
 * Adversarial rows, 32-value blocks of one pattern each.  Scales are
 * powers of two so that x / d is exact and lands on the ties themselves.
 */
enum adv {
	ADV_ZERO,	/* all +0, all -0, and mixed */
	ADV_TINY,	/* subnormals and blocks whose 1 / d overflows */
	ADV_HUGE,	/* up to 3e38, either sign */
	ADV_Q8_HALF,	/* k + 1/2 steps under d = 2^e (amax 127 d) */
	ADV_Q4_HALF,	/* k + 1/2 steps under d = 2^e (max -8 d) */
	ADV_T_HALF,	/* +-amax / 2 and neighbours: ternary ties */
	ADV_F16,	/* scales on fp16 ties, underflow and overflow */
	ADV_COUNT
};

static const char *const adv_names[ADV_COUNT] = {
	"zero", "tiny", "huge", "q8-halves", "q4-halves", "ternary-halves",
	"fp16-scales"
};

/* Scales whose fp16 rounding is a tie, a carry, subnormal, underflow or
 * overflow. */
static const float adv_f16[] = {
	1.0f + 0x1p-11f, 1.0f + 3 * 0x1p-11f, 65504.0f, 65519.0f, 65520.0f,
	65536.0f, 0x1p-14f, 0x1p-14f - 0x1p-25f, 0x1p-24f, 0x1p-25f,
	3 * 0x1p-25f, 0x1p-26f, 0x1p-15f + 0x1p-25f, 1e-8f, 6.1e-5f, 3e38f,
};

static void
fill_adv(float *x, int64_t n, enum adv kind)
{
	const int	nf = (int)(sizeof adv_f16 / sizeof adv_f16[0]);

	for (int64_t b = 0; b < n; b += 32) {
		float	*xb = x + b;
		float	 p, s;
		int	 pick = (int)(rnd() % 4);

		switch (kind) {
		case ADV_ZERO:
			for (int i = 0; i < 32; i++)
				xb[i] = pick == 0 ? 0.0f : pick == 1 ? -0.0f :
				    (rnd() & 1) ? 0.0f : -0.0f;
			break;
		case ADV_TINY:
			/* 2^-121 .. 2^-149: 1 / (amax / 127) overflows
			 * below about 2^-121, 1 / amax below 2^-128 */
			p = rnd_pow2(-149, -118);
			for (int i = 0; i < 32; i++)
				xb[i] = pick == 0 ? rnd_sign() * p :
				    rnd() % 3 == 0 ? 0.0f : rndf() * p;
			if (pick == 3)
				xb[rnd() % 32] = -0.0f;
			break;
		case ADV_HUGE:
			for (int i = 0; i < 32; i++)
				xb[i] = pick == 0 ? rnd_sign() * 3e38f :
				    rndf() * 3.4e38f;
			break;
		case ADV_Q8_HALF:
			p = rnd_pow2(-40, 40);
			for (int i = 0; i < 32; i++)
				xb[i] = ((float)(int)(rnd() % 254) - 127.0f +
				    0.5f) * p;
			xb[rnd() % 32] = rnd_sign() * 127.0f * p;
			break;
		case ADV_Q4_HALF:
			p = rnd_pow2(-40, 40);
			for (int i = 0; i < 32; i++)
				/* x / d + 8.5 lands on integers 1..16 */
				xb[i] = ((float)(int)(rnd() % 16) - 7.5f) * p;
			xb[rnd() % 32] = rnd_sign() * 8.0f * p;
			break;
		case ADV_T_HALF:
			p = rnd_pow2(-60, 60);
			for (int i = 0; i < 32; i++) {
				s = rnd_sign() * p;
				switch (rnd() % 5) {
				case 0: xb[i] = 0.5f * s; break;
				case 1: xb[i] = nextafterf(0.5f * s, 0.0f);
				    break;
				case 2: xb[i] = nextafterf(0.5f * s, s);
				    break;
				case 3: xb[i] = s; break;
				default: xb[i] = rndf() * p; break;
				}
			}
			xb[rnd() % 32] = p;
			break;
		default:	/* ADV_F16 */
			p = adv_f16[rnd() % (unsigned)nf];
			/* the scale is amax (t2, tq), -max / 8 (q4_0) or
			 * near amax / 127 (q8_0) */
			s = pick == 0 ? p : pick == 1 ? -8.0f * p :
			    pick == 2 ? 127.0f * p : p * 0.999f;
			for (int i = 0; i < 32; i++)
				xb[i] = rndf() * fabsf(s);
			xb[rnd() % 32] = s;
			break;
		}
	}
}

static void
test_adversarial_rows(void **state)
{
	static const int64_t lens[] = { 256, 288, 2048 };
	static float	 x[TQ_MAXN];
	int		 tested = 0;

	(void)state;
	for (int f = 0; f < KFMT_COUNT; f++)
		for (int a = 0; a < ADV_COUNT; a++)
			for (size_t l = 0; l < sizeof lens / sizeof lens[0];
			    l++) {
				if (lens[l] % kern_get((enum kfmt)f)->block_len ||
				    kern_get((enum kfmt)f)->row_group > 1)
					continue;
				for (int rep = 0; rep < 8; rep++) {
					fill_adv(x, lens[l], (enum adv)a);
					tested += check_isas((enum kfmt)f,
					    adv_names[a], x, lens[l]);
				}
			}
	printf("# adversarial rows: %d\n", tested);
	assert_true(tested > 0 || !kern_isa_available(KISA_AVX2));
}

/* The unsigned code an interleaved layout stores for weight k of a plain
 * row of base (q8_0: w ^ 0x80; t2, t2m, q4_0, tq2_0: the code), and in
 * *d where the row keeps the scale of k's block. */
static int
stored_code(enum kfmt base, const uint8_t *row, int64_t k, const uint8_t **d)
{
	const struct kern_traits *bt = kern_get(base);
	const uint8_t	*blk = row + (size_t)(k / bt->block_len) *
			    bt->block_bytes;

	k %= bt->block_len;
	*d = blk;	/* the scale first, but for tq2_0 */
	if (base == KFMT_Q8_0)
		return ((uint8_t)((const block_q8_0 *)blk)->qs[k] ^ 0x80);
	if (base == KFMT_Q4_0)
		return (k < 16 ? ((const block_q4_0 *)blk)->qs[k] & 15 :
		    ((const block_q4_0 *)blk)->qs[k - 16] >> 4);
	if (base == KFMT_TQ2_0) {
		*d = blk + offsetof(block_tq2_0, d);
		return ((((const block_tq2_0 *)blk)->qs[k / 128 * 32 + k % 32] >>
		    (2 * (k % 128 / 32))) & 3);
	}
	return ((((const block_t2 *)blk)->qs[k % 8] >> (2 * (k / 8))) & 3);
}

/* The 16-row interleaved layouts (q8_0r16, t2r16, t2mr16, q4_0r16,
 * tq2_0r16): the reference writes its row format's values of each of the
 * 16 rows where blocks.h's layout puts them (q8_0: chunk j of 32-weight
 * block b holds weights 4j..4j+3 at 512 b + 64 j + 4 r; t2 and tq2_0: at
 * 128 b + 64 (j / 4) + 4 r, bits 2 (j % 4); q4_0: at 256 b + 64 (j / 2) +
 * 4 r, bits 4 (j % 2); fp16 scales after all codes, one per 32 weights
 * (tq2_0's repeated); zero padding to 64 bytes), checked here from the
 * layout's definition; every ISA's quantizer writes those bytes exactly
 * and nothing around them.  A row format's matrices take the layout, or
 * where the ISA has no kernel of its own for it, the row format itself. */
static void
test_interleaved_groups(void **state)
{
	static const int64_t lens[] = { 32, 192, 256, 288, 576, 1536, 2048 };
	float		*x = malloc(16 * 2048 * sizeof(float));
	uint8_t		*want = malloc(16 * 2048 * 2);
	uint8_t		*got = malloc(16 * 2048 * 2 + 64);
	uint8_t		*plain = malloc(64 * sizeof(block_q8_0));
	int		 tested = 0;

	(void)state;
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		const struct kern_traits *bt = kern_get(kt->base);
		int	 t2 = kt->base == KFMT_T2 || kt->base == KFMT_T2M ||
			    kt->base == KFMT_TQ2_0;
		int	 q4 = kt->base == KFMT_Q4_0;
		size_t	 qb = t2 ? 128 : q4 ? 256 : 512;

		if (kt->row_group == 1)
			continue;
		assert_int_equal(kt->row_group, 16);
		/* tq2_0r16 holds tq2_0's values in t2's 2.5 bits */
		assert_true(kt->bits_per_weight == (kt->base == KFMT_TQ2_0 ?
		    kern_get(KFMT_T2)->bits_per_weight : bt->bits_per_weight));
		assert_int_equal(kt->block_len, bt->block_len);
		assert_int_equal(bt->row_group, 1);
		assert_true(bt->matrix_fmt == (enum kfmt)f || (bt->matrix_fmt ==
		    kt->base && kt->matvec_isa != kern_isa()));
		for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
			int64_t	n = lens[l], nb = n / 32;
			size_t	gb, codes;

			if (n % kt->block_len != 0)
				continue;
			gb = kern_mat_bytes((enum kfmt)f, 16, n);
			codes = (size_t)(n / kt->block_len) * 16 *
			    kt->block_bytes;
			assert_int_equal(codes, (size_t)nb * (qb + 32));
			assert_int_equal(gb, (codes + 63) / 64 * 64);
			assert_int_equal(kern_mat_bytes((enum kfmt)f, 17, n),
			    2 * gb);
			assert_int_equal(kern_mat_bytes((enum kfmt)f, 0, n), 0);
			assert_int_equal(kern_row_bytes((enum kfmt)f, n),
			    codes / 16);
			for (int kind = 0; kind < 15; kind++) {
				for (int r = 0; r < 16; r++)
					fill_random(x + r * n, n, kind + r);
				if (kind == 14)	/* +-max and zeros */
					for (int64_t i = 0; i < 16 * n; i++)
						x[i] = (i % 3 == 0) ? 0.0f :
						    (i % 3 == 1 ? 1.0f : -1.0f);
				memset(want, 0x5a, gb);
				kt->from_float_ref(x, want, n);
				for (int r = 0; r < 16; r++) {
					bt->from_float_ref(x + r * n, plain, n);
					for (int64_t k = 0; k < n; k++) {
						int64_t	 b = k / 32;
						int	 j = (int)(k % 32 / 4);
						int	 i = (int)(k % 4);
						const uint8_t *d;
						int c = t2 ? want[b * qb +
						    64 * (j / 4) + 4 * r +
						    i] >> (2 * (j % 4)) & 3 :
						    q4 ? want[b * qb +
						    64 * (j / 2) + 4 * r +
						    i] >> (4 * (j % 2)) & 15 :
						    want[b * qb + 64 * j +
						    4 * r + i];

						assert_int_equal(c, stored_code(
						    kt->base, plain, k, &d));
						assert_memory_equal(want + nb *
						    qb + b * 32 + 2 * r, d, 2);
					}
				}
				for (size_t i = codes; i < gb; i++)
					assert_int_equal(want[i], 0);
				for (int isa = 1; isa < KISA_COUNT; isa++) {
					size_t	off = 1 + rnd() % 7;

					if (!kern_isa_available(
					    (enum kern_isa)isa))
						continue;
					assert_int_equal(kern_set_isa(
					    (enum kern_isa)isa, NULL), Q_OK);
					memset(got, TQ_GUARD, gb + 64);
					kt->from_float(x, got + off, n);
					for (size_t i = 0; i < off; i++)
						assert_int_equal(got[i],
						    TQ_GUARD);
					for (size_t i = off + gb; i < gb + 64;
					    i++)
						assert_int_equal(got[i],
						    TQ_GUARD);
					assert_memory_equal(got + off, want,
					    gb);
					tested++;
				}
			}
		}
		printf("# %s groups: checked against the layout\n", kt->name);
	}
	printf("# interleaved groups: %d against the reference\n", tested);
	free(x);
	free(want);
	free(got);
	free(plain);
}

/* A row of an interleaved matrix read on its own (kern_row_to_float, the
 * token lookup of a tied embedding) is that row quantized by the row
 * format and dequantized by the row format's reference, in whole groups
 * and in a last partial group; row formats read the same way.  Rows
 * quantized in the row format and repacked (kern_interleave, what the
 * loader does to a GGUF file's matrices) are the layout's quantizer's
 * bytes exactly, zero rows and padding included. */
static void
test_interleaved_rows(void **state)
{
	enum { ROWS = 37, N = 512 };
	float	*x = calloc(48 * N, sizeof(float));
	float	 want[N], got[N];
	uint8_t	*plain = malloc(N * 2);
	uint8_t	*m = malloc(kern_mat_bytes(KFMT_Q8_0R16, ROWS, N));
	uint8_t	*rows = malloc(ROWS * N * 2);
	uint8_t	*packed = malloc(kern_mat_bytes(KFMT_Q8_0R16, ROWS, N));

	(void)state;
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);
		const struct kern_traits *bt = kern_get(kt->base);
		int64_t	 rg = kt->row_group;

		if (kt->block_len == 1)	/* floats: test-kern.c */
			continue;
		for (int r = 0; r < ROWS; r++)
			fill_random(x + r * N, N, r % 13);
		for (int64_t g = 0; g < ROWS; g += rg)
			kt->from_float_ref(x + g * N, m + kern_mat_bytes(
			    (enum kfmt)f, g, N), N);
		for (int r = 0; r < ROWS; r++) {
			bt->from_float_ref(x + r * N, plain, N);
			bt->to_float(plain, want, N);
			memset(got, 0xff, sizeof got);
			kern_row_to_float((enum kfmt)f, m, r, N, got);
			assert_memory_equal(got, want, sizeof want);
			memcpy(rows + kern_row_bytes(kt->base, N) * r, plain,
			    kern_row_bytes(kt->base, N));
		}
		if (rg == 1)
			continue;
		memset(packed, 0x5a, kern_mat_bytes((enum kfmt)f, ROWS, N));
		kern_interleave((enum kfmt)f, rows, ROWS, N, packed);
		assert_memory_equal(packed, m, kern_mat_bytes((enum kfmt)f,
		    ROWS, N));
	}
	free(x);
	free(plain);
	free(m);
	free(rows);
	free(packed);
}

/* A q8_0 quantizer that differs from the reference only in rounding
 * ties to even: the halves rows must tell them apart, or they could not
 * catch a twin that rounds a tie the wrong way. */
static void
q8_0_ties_even(const float *x, block_q8_0 *y, int64_t n)
{
	for (int64_t b = 0; b < n / 32; b++, x += 32) {
		float	amax = 0.0f, d, id;

		for (int i = 0; i < 32; i++)
			amax = fmaxf(amax, fabsf(x[i]));
		d = amax / 127.0f;
		id = d != 0.0f ? 1.0f / d : 0.0f;
		y[b].d = kern_f32_to_f16(d);
		for (int i = 0; i < 32; i++)
			y[b].qs[i] = (int8_t)nearbyintf(x[i] * id);
	}
}

/* t2 with ties rounded away from zero instead of to even. */
static void
t2_ties_away(const float *x, block_t2 *y, int64_t n)
{
	for (int64_t b = 0; b < n / 32; b++, x += 32) {
		float	amax = 0.0f, id;

		for (int i = 0; i < 32; i++)
			amax = fmaxf(amax, fabsf(x[i]));
		id = amax != 0.0f ? 1.0f / amax : 0.0f;
		y[b].d = kern_f32_to_f16(amax);
		memset(y[b].qs, 0, sizeof y[b].qs);
		for (int i = 0; i < 32; i++) {
			float	v = x[i] * id;
			int	t = (v >= 0.5f) - (v <= -0.5f);

			y[b].qs[i % 8] |= (uint8_t)((t + 1) << (2 * (i / 8)));
		}
	}
}

static void
test_ties_are_sharp(void **state)
{
	static float	 x[2048];
	static uint8_t	 r[2048 * 2], m[2048 * 2];
	size_t		 rb;

	(void)state;
	fill_adv(x, 2048, ADV_Q8_HALF);
	rb = kern_row_bytes(KFMT_Q8_0, 2048);
	q8_0_quantize_ref(x, r, 2048);
	q8_0_ties_even(x, (block_q8_0 *)m, 2048);
	assert_true(memcmp(r, m, rb) != 0);
	fill_adv(x, 2048, ADV_T_HALF);
	rb = kern_row_bytes(KFMT_T2, 2048);
	t2_quantize_ref(x, r, 2048);
	t2_ties_away(x, (block_t2 *)m, 2048);
	assert_true(memcmp(r, m, rb) != 0);
	/* and the same rounding on non-ties agrees: the mutants are
	 * otherwise faithful, so the difference is the ties */
	for (int i = 0; i < 2048; i++)
		x[i] = rndf() * 0.37f;
	t2_quantize_ref(x, r, 2048);
	t2_ties_away(x, (block_t2 *)m, 2048);
	assert_memory_equal(r, m, rb);
}

/*
 * A 32-weight t2m row on which the order of the double sum shows in the
 * bytes.  In units of 2^-50: 26 multiples of 2^25 near 2^48.9, then six
 * odd integers near 2^23 summing to 2^26, all adding up exactly to 32 B,
 * where B is the float tie between s_a and s_b = M16, itself an fp16 tie
 * that rounds up.  Past 2^53 a double holds only even integers, so the
 * in-order sum rounds each odd term; the row is drawn until those
 * roundings leave it below 32 B.  The reference's mean is then s_a, whose
 * fp16 is one step below s_b's: a sum in any other order that rounds
 * less (an exact one, or one whose bound on n * max is a bit too loose)
 * shows as a different scale.  n * max lies in [2^53, 2^54) units, just
 * past the edge the twins must respect.  Returns the fp16 the reference
 * must store.
 */
static kern_half
t2m_edge_row(float *x)
{
	const double	unit = 0x1p-50, m16 = 0x1p48 + 1003 * 0x1p37;
	double		bigs, rest, seq, t6;
	int64_t		o[5], so;

	for (;;) {
		bigs = 32 * m16 - 0x1p29 - 0x1p26;
		rest = bigs;
		for (int i = 0; i < 25; i++) {
			x[i] = (float)((floor(bigs / 26 / 0x1p25) +
			    (double)(rnd() % 2001) - 1000) * 0x1p25);
			rest -= x[i];
		}
		x[25] = (float)rest;
		assert_true((double)x[25] == rest && rest >= 0x1p48 &&
		    rest < 0x1p49);
		so = 0;
		for (int i = 0; i < 5; i++) {
			o[i] = (int64_t)(0x100000 + rnd() % 0x100000) | 1;
			so += o[i];
			x[26 + i] = (float)(0x1p23 + (double)o[i]);
		}
		t6 = 3 * 0x1p23 - (double)so;
		if (t6 < 0x1p23 || t6 >= 0x1p24)
			continue;
		x[31] = (float)t6;
		seq = 0.0;
		for (int i = 0; i < 32; i++)
			seq += x[i];
		if (seq < 32 * m16 - 0x1p29)
			break;
	}
	for (int i = 0; i < 32; i++)
		x[i] = (float)(x[i] * unit) * rnd_sign();
	return (kern_f32_to_f16((float)((m16 - 0x1p25) * unit)));
}

/*
 * t2m's scale is the mean of |x| summed in index order in double.  Rows
 * whose magnitudes span more and more binades cross the point past which
 * a sum in another order may round differently; the twins must still
 * match, and the rows must include some where order does matter.
 */
static void
test_t2m_sums(void **state)
{
	static const int64_t lens[] = { 32, 288, 1536, 4096 };
	static float	 x[TQ_MAXN];
	int		 sensitive = 0, tested = 0;

	(void)state;
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
		int64_t	n = lens[l];

		for (int spread = 10; spread <= 70; spread++)
			for (int rep = 0; rep < 3; rep++) {
				double	fwd = 0.0, rev = 0.0;

				for (int64_t i = 0; i < n; i++)
					x[i] = rnd_sign() * (1.0f + fabsf(
					    rndf())) * rnd_pow2(-spread / 2,
					    0) * ((rnd() % 9 == 0) ? 0.0f :
					    1.0f);
				/* one extreme at each end of the spread */
				x[rnd() % n] = 0x1p1f * (1.0f - 0x1p-23f);
				x[rnd() % n] = (1.0f + 0x1p-23f) *
				    ldexpf(1.0f, -spread + rep);
				for (int64_t i = 0; i < n; i++) {
					fwd += fabsf(x[i]);
					rev += fabsf(x[n - 1 - i]);
				}
				sensitive += fwd != rev;
				tested += check_isas(KFMT_T2M, "sum-order", x,
				    n);
			}
	}
	/* Dense rows: 15 in 16 |x| within 1% of one magnitude, the rest
	 * 2^-e of it, all with random last bits: as e grows the sum, near
	 * n * max, crosses the edge of the twins' test for an order-free
	 * sum, past which most small values round in the in-order sum. */
	for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
		int64_t	n = lens[l];

		for (int e = 0; e <= 40; e++)
			for (int rep = 0; rep < 6; rep++) {
				float	big = 1.0f + fabsf(rndf());

				for (int64_t i = 0; i < n; i++)
					x[i] = rnd_sign() * (rnd() % 16 ?
					    big * (1.0f + 0.01f *
					    fabsf(rndf())) : (1.0f +
					    fabsf(rndf())) * ldexpf(1.0f, -e));
				tested += check_isas(KFMT_T2M, "dense", x, n);
			}
	}
	/* rows where the summation order shows in the scale */
	for (int rep = 0; rep < 64; rep++) {
		kern_half	want, got, up;
		uint8_t		row[sizeof(block_t2)];

		want = t2m_edge_row(x);
		up = kern_f32_to_f16((float)((0x1p48 + 1003 * 0x1p37) *
		    0x1p-50));
		assert_int_not_equal(want, up);
		t2m_quantize_ref(x, row, 32);
		memcpy(&got, row, sizeof got);
		assert_int_equal(got, want);
		tested += check_isas(KFMT_T2M, "order-edge", x, 32);
	}
	/* a big value then many small ones: the small ones round away */
	for (int64_t i = 0; i < 1536; i++)
		x[i] = i == 0 ? 0x1p60f : 1.0f + (float)(i % 7);
	tested += check_isas(KFMT_T2M, "absorbing", x, 1536);
	/* ties under the row mean: mean |x| exactly 1 */
	for (int64_t i = 0; i < 1536; i++)
		x[i] = rnd_sign() * ((i & 1) ? 0.5f : 1.5f);
	tested += check_isas(KFMT_T2M, "mean-ties", x, 1536);
	printf("# t2m rows: %d, %d of them order-sensitive\n", tested,
	    sensitive);
	assert_true(sensitive > 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_from_float_set, tq_restore),
		cmocka_unit_test_teardown(test_random_rows, tq_restore),
		cmocka_unit_test_teardown(test_adversarial_rows, tq_restore),
		cmocka_unit_test_teardown(test_interleaved_groups, tq_restore),
		cmocka_unit_test(test_interleaved_rows),
		cmocka_unit_test(test_ties_are_sharp),
		cmocka_unit_test_teardown(test_t2m_sums, tq_restore),
	};

	return (cmocka_run_group_tests(tests, tq_setup, NULL));
}
