/*
 * rows.h: what the NEON kernels of the integer formats share: setting a
 * constant lane, and the pairwise-add tree that turns four rows' int32x4
 * partial sums into one vector of their block sums (one row's, when a row
 * goes alone, through the same additions).
 */
#ifndef QCMP_NEON_ROWS_H
#define QCMP_NEON_ROWS_H

#include <arm_neon.h>
#include <stdint.h>

#define NEON_INLINE	static inline __attribute__((always_inline))

/* v with lane j set to h; j is a constant once inlined, as it must be. */
NEON_INLINE uint16x4_t
neon_set_lane(uint16x4_t v, uint16_t h, int j)
{
	switch (j) {
	case 0:
		return (vset_lane_u16(h, v, 0));
	case 1:
		return (vset_lane_u16(h, v, 1));
	case 2:
		return (vset_lane_u16(h, v, 2));
	default:
		return (vset_lane_u16(h, v, 3));
	}
}

/* Lane j: the sum of s[j]'s lanes (every lane: s[0]'s when nr is 1). */
NEON_INLINE int32x4_t
neon_reduce4(const int32x4_t s[4], int nr)
{
	int32x4_t	t;

	if (nr == 1) {
		t = vpaddq_s32(s[0], s[0]);
		return (vpaddq_s32(t, t));
	}
	return (vpaddq_s32(vpaddq_s32(s[0], s[1]), vpaddq_s32(s[2], s[3])));
}

#endif
