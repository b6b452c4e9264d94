/*
 * r16.c: the AVX-512 VNNI twins of q8_0r16_matvec_ref and
 * t2r16_matvec_ref (r16.h has the kernels); t2r16 goes to r16-gfni.c's
 * twin where the CPU has GFNI.
 */
#include "config.h"

#define R16_GFNI	0
#include "r16.h"

KERN_R16_MATVEC(q8_0r16_matvec_avx512, KERN_R16_Q8)
KERN_R16_MATVEC(t2r16_matvec_avx512_shift, KERN_R16_T2)

void
t2r16_matvec_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, float *restrict y, int64_t r0, int64_t r1)
{
	(kern_cpu_gfni ? t2r16_matvec_avx512_gfni :
	    t2r16_matvec_avx512_shift)(w, cols, a, y, r0, r1);
}

KERN_R16_MATMAT(q8_0r16_matmat_avx512, KERN_R16_Q8)
KERN_R16_MATMAT(t2r16_matmat_avx512_shift, KERN_R16_T2)

void
t2r16_matmat_avx512(const void *restrict w, int64_t cols,
    const struct kact *restrict a, int n_vec, float *restrict y, int64_t ldy,
    int64_t r0, int64_t r1)
{
	(kern_cpu_gfni ? t2r16_matmat_avx512_gfni :
	    t2r16_matmat_avx512_shift)(w, cols, a, n_vec, y, ldy, r0, r1);
}
