/*
 * float.c: NEON twins of the F32, F16 and BF16 matrix-vector products,
 * which read the f32 activations a->f.  Four rows go together so each
 * activation load feeds four rows; each row keeps two f32x4 accumulators
 * (16 columns a step, 8 independent FMA chains in flight; more spill
 * registers once the loads are scheduled early), summed in a fixed order
 * at the end, then a scalar tail for columns past the last
 * multiple of 16 (F32/F16/BF16 rows may be any length).  Halves become
 * floats by fcvtl, which is exact for every half including subnormals;
 * bfloat16 is a 16-bit shift.  Weights are read as bytes, so any address
 * works.  A row's arithmetic is the same whether it goes in a group of
 * four or alone, so results do not depend on how rows are split.
 * The F16 and BF16 row converters (to_float) widen the same way, sixteen
 * at a time, equal to the references bit for bit: fcvtl quiets a
 * signalling NaN (sets mantissa bit 22) where the reference keeps the
 * payload as it is, so that bit is flipped back in those lanes.
 */
#include "config.h"

#include "kern-impl.h"

#include "blocks.h"

#include <arm_neon.h>
#include <math.h>
#include <string.h>

#define FLOAT_ROWS	4

/* The weight formats this file serves. */
enum float_kind {
	FLOAT_F32,
	FLOAT_F16,
	FLOAT_BF16
};

/* Sixteen weights at p (any alignment) as four f32x4. */
static inline __attribute__((always_inline)) void
float_load16(enum float_kind k, const uint8_t *p, float32x4_t w[4])
{
	uint16x8_t	h0, h1;

	switch (k) {
	case FLOAT_F32:
		w[0] = vreinterpretq_f32_u8(vld1q_u8(p));
		w[1] = vreinterpretq_f32_u8(vld1q_u8(p + 16));
		w[2] = vreinterpretq_f32_u8(vld1q_u8(p + 32));
		w[3] = vreinterpretq_f32_u8(vld1q_u8(p + 48));
		break;
	case FLOAT_F16:
		h0 = vreinterpretq_u16_u8(vld1q_u8(p));
		h1 = vreinterpretq_u16_u8(vld1q_u8(p + 16));
		w[0] = vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h0)));
		w[1] = vcvt_high_f32_f16(vreinterpretq_f16_u16(h0));
		w[2] = vcvt_f32_f16(vreinterpret_f16_u16(vget_low_u16(h1)));
		w[3] = vcvt_high_f32_f16(vreinterpretq_f16_u16(h1));
		break;
	case FLOAT_BF16:
		h0 = vreinterpretq_u16_u8(vld1q_u8(p));
		h1 = vreinterpretq_u16_u8(vld1q_u8(p + 16));
		w[0] = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h0),
		    16));
		w[1] = vreinterpretq_f32_u32(vshll_high_n_u16(h0, 16));
		w[2] = vreinterpretq_f32_u32(vshll_n_u16(vget_low_u16(h1),
		    16));
		w[3] = vreinterpretq_f32_u32(vshll_high_n_u16(h1, 16));
		break;
	}
}

/* Lanes of the sixteen halves at p that are signalling NaNs, as the bit
 * fcvtl set in their floats (0x400000), for float_load16's F16 lanes. */
static inline __attribute__((always_inline)) void
float_snan16(const uint8_t *p, uint32x4_t q[4])
{
	const uint16x8_t	abs = vdupq_n_u16(0x7fff);
	uint16x8_t		h[2], a, m;
	int			i;

	h[0] = vreinterpretq_u16_u8(vld1q_u8(p));
	h[1] = vreinterpretq_u16_u8(vld1q_u8(p + 16));
	for (i = 0; i < 2; i++) {
		/* 0x7c00 < |h| < 0x7e00: all-ones exponent, quiet bit 0,
		 * payload not 0 */
		a = vandq_u16(h[i], abs);
		m = vandq_u16(vcgtq_u16(a, vdupq_n_u16(0x7c00)),
		    vcltq_u16(a, vdupq_n_u16(0x7e00)));
		m = vandq_u16(m, vdupq_n_u16(0x40));
		q[2 * i] = vshll_n_u16(vget_low_u16(m), 16);
		q[2 * i + 1] = vshll_high_n_u16(m, 16);
	}
}

/* n weights of kind k at x into y, as the reference converts them. */
static inline __attribute__((always_inline)) void
float_widen(enum float_kind k, const uint8_t *x, float *y, int64_t n)
{
	float32x4_t	w[4];
	uint32x4_t	q[4];
	int64_t		i;
	int		l;

	for (i = 0; i + 16 <= n; i += 16) {
		float_load16(k, x + 2 * i, w);
		if (k == FLOAT_F16) {
			float_snan16(x + 2 * i, q);
			for (l = 0; l < 4; l++)
				w[l] = vreinterpretq_f32_u32(veorq_u32(
				    vreinterpretq_u32_f32(w[l]), q[l]));
		}
		for (l = 0; l < 4; l++)
			vst1q_f32(y + i + 4 * l, w[l]);
	}
	if (i < n) {
		if (k == FLOAT_F16)
			f16_dequantize_ref(x + 2 * i, y + i, n - i);
		else
			bf16_dequantize_ref(x + 2 * i, y + i, n - i);
	}
}

void
f16_dequantize_neon(const void *restrict x, float *restrict y, int64_t n)
{
	float_widen(FLOAT_F16, x, y, n);
}

void
bf16_dequantize_neon(const void *restrict x, float *restrict y, int64_t n)
{
	float_widen(FLOAT_BF16, x, y, n);
}

/* One weight at p as f32, for the column tail. */
static inline __attribute__((always_inline)) float
float_load1(enum float_kind k, const uint8_t *p)
{
	float		f;
	uint16_t	h;

	switch (k) {
	case FLOAT_F32:
		memcpy(&f, p, sizeof f);
		return (f);
	case FLOAT_F16:
		memcpy(&h, p, sizeof h);
		return (vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(
		    vdup_n_u16(h))), 0));
	default:
		memcpy(&h, p, sizeof h);
		return (vget_lane_f32(vreinterpret_f32_u32(vdup_n_u32(
		    (uint32_t)h << 16)), 0));
	}
}

/* Rows r .. r+nr-1 (nr <= FLOAT_ROWS, a constant after inlining). */
static inline __attribute__((always_inline)) void
float_rows(enum float_kind k, const uint8_t *w, size_t rb, int64_t cols,
    const float *x, float *y, int64_t r, int nr)
{
	const size_t	 es = k == FLOAT_F32 ? 4 : 2;
	float32x4_t	 acc[FLOAT_ROWS][2], xv[4], wv[4];
	int64_t		 i;
	int		 j, l;

	for (j = 0; j < nr; j++) {
		acc[j][0] = vdupq_n_f32(0.0f);
		acc[j][1] = vdupq_n_f32(0.0f);
	}
	for (i = 0; i + 16 <= cols; i += 16) {
#pragma GCC unroll 8
		for (l = 0; l < 4; l++)
			xv[l] = vld1q_f32(x + i + 4 * l);
#pragma GCC unroll 8
		for (j = 0; j < nr; j++) {
			float_load16(k, w + (size_t)(r + j) * rb + i * es, wv);
#pragma GCC unroll 8
			for (l = 0; l < 4; l++)
				acc[j][l & 1] = vfmaq_f32(acc[j][l & 1], wv[l],
				    xv[l]);
		}
	}
#pragma GCC unroll 8
	for (j = 0; j < nr; j++) {
		const uint8_t	*row = w + (size_t)(r + j) * rb;
		float		 s;
		int64_t		 t;

		s = vaddvq_f32(vaddq_f32(acc[j][0], acc[j][1]));
		for (t = i; t < cols; t++)
			s = fmaf(float_load1(k, row + t * es), x[t], s);
		y[r + j] = s;
	}
}

static inline __attribute__((always_inline)) void
float_matvec(enum float_kind k, const void *restrict vw, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	const size_t	 rb = (size_t)cols * (k == FLOAT_F32 ? 4 : 2);
	int64_t		 r;

	for (r = r0; r + FLOAT_ROWS <= r1; r += FLOAT_ROWS)
		float_rows(k, vw, rb, cols, a->f, y, r, FLOAT_ROWS);
	for (; r < r1; r++)
		float_rows(k, vw, rb, cols, a->f, y, r, 1);
}

void
f32_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(FLOAT_F32, w, cols, a, y, r0, r1);
}

void
f16_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(FLOAT_F16, w, cols, a, y, r0, r1);
}

void
bf16_matvec_neon(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	float_matvec(FLOAT_BF16, w, cols, a, y, r0, r1);
}
