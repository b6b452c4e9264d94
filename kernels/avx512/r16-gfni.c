/*
 * r16-gfni.c: t2r16_matvec_ref's AVX-512 VNNI twins (one vector and
 * several) decoding codes with GFNI (r16.h has the kernel); built with
 * -mgfni and called only where dispatch.c found GFNI.
 */
#include "config.h"

#define R16_GFNI	1
#include "r16.h"

KERN_R16_MATVEC(t2r16_matvec_avx512_gfni, KERN_R16_T2)
KERN_R16_MATMAT(t2r16_matmat_avx512_gfni, KERN_R16_T2)
