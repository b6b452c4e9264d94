/*
 * r16-gfni.c: t2r16_matvec_ref's AVX-512 VNNI twins (one vector and
 * several) decoding codes with GFNI (r16.h has the kernel); built with -mgfni and called only where
 * dispatch.c found GFNI.
 */
#include "config.h"

#define R16_GFNI	1
#include "r16.h"

void
t2r16_matvec_avx512_gfni(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	r16_matvec(w, cols, a, y, r0, r1, sizeof(block_t2), T2R16_QBYTES, 1);
}

void
t2r16_matmat_avx512_gfni(const void *restrict w, int64_t cols,
    const struct kact *restrict a, int n_vec, float *restrict y, int64_t ldy,
    int64_t r0, int64_t r1)
{
	r16_matmat(w, cols, a, n_vec, y, ldy, r0, r1, sizeof(block_t2),
	    T2R16_QBYTES, 1);
}
