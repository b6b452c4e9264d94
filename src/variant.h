/*
 * variant.h: a precision variant of a model: the same network with every
 * weight matrix re-encoded in one kernel format, built in memory from the
 * master (whose file stays mapped and whose vocabulary it shares).
 */
#ifndef QCMP_VARIANT_H
#define QCMP_VARIANT_H

#include <stdint.h>

#include "kern.h"
#include "model.h"
#include "qerr.h"

/* The format the embedding and output matrices take in a variant of fmt:
 * ternary variants keep them in q8_0 (as BitNet keeps them in high
 * precision), every other format uses fmt itself. */
enum kfmt variant_embed_fmt(enum kfmt fmt);
/* The reference precision of a model: its file's own 16-bit type when all
 * its matrices are F16 (or all BF16), else f32. */
enum kfmt variant_ref_fmt(const struct model *m);
/* Expands a --variants list: "ref" is variant_ref_fmt's name and
 * "default" is ref,q8_0,q4_0,t2m; malloc'ed. */
char	*variant_expand(const struct model *m, const char *list);
/* Builds master's variant in fmt: rows that fit no whole block are padded
 * with zeros; norms stay f32.  *out is freed with model_free, before the
 * master. */
int	variant_build(const struct model *master, enum kfmt fmt,
	    struct model **out, struct qerr *err);
/* Bytes of weight data the variant allocated. */
uint64_t variant_bytes(const struct model *v);
/* What comparisons call v (a built variant or a loaded model): its label,
 * else its layer matrices' format ("q8_0", "f32"). */
const char *variant_name(const struct model *v);
/* Bits per weight of v's layer matrices. */
double	variant_bpw(const struct model *v);
/* Bytes of v's weights: allocated for a built variant, else its file's. */
uint64_t variant_weight_bytes(const struct model *v);

#endif
