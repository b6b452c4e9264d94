/*
 * cmd-quantize.c: `qcmp quantize IN OUT --type T`: a GGUF file with every
 * matrix re-encoded as qcmp's variant of that type holds it, in GGUF's
 * own block layouts, for llama.cpp and other tools.  Metadata is copied
 * (general.file_type set), 1-D tensors are copied as they are, tensor
 * data starts on the file's alignment.  A matrix whose rows are not a
 * whole number of the type's blocks keeps its type and is listed.  The
 * file is written beside OUT and renamed into place once complete.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "gguf-write.h"
#include "gguf.h"
#include "kern.h"
#include "model.h"
#include "variant.h"

static int cmd_quantize_exec(int, char **);

const struct cmd_entry cmd_quantize_entry = {
	.name = "quantize",
	.usage =
"  qcmp quantize IN OUT --type T: write OUT, a GGUF file with IN's\n"
"  matrices in type T as qcmp's variant of that type holds them (ternary\n"
"  types keep the embedding and output in q8_0), in GGUF's block layouts\n"
"  (llama.cpp reads them); metadata is copied and general.file_type set.\n"
"  A matrix whose rows do not fit T's blocks keeps its type and is listed.\n"
"      --type T            q8_0, q4_0, tq2_0 or tq1_0\n"
"      --ternary R         for tq2_0 and tq1_0: absmax (each block's\n"
"                          largest weight is the scale; the default) or\n"
"                          absmean (BitNet b1.58's round(w / mean|w|) per\n"
"                          row, clipped to -1, 0, 1: qcmp's t2m)\n",
	.exec = cmd_quantize_exec,
};

/* llama.cpp's general.file_type for each type qcmp writes. */
static int
quantize_ftype(enum kfmt fmt)
{
	switch (fmt) {
	case KFMT_Q8_0: return (7);
	case KFMT_Q4_0: return (2);
	case KFMT_TQ1_0: return (36);
	case KFMT_TQ2_0: return (37);
	default: return (-1);
	}
}

struct quantize_plan {
	enum kfmt	 to;		/* what the tensor becomes */
	int		 keep;		/* copied as it is */
	uint64_t	 offset, nbytes;
};

/* The rows of t (all its dimensions but the first). */
static uint64_t
quantize_rows(const struct gguf_tensor *t)
{
	return (t->nbytes / kern_row_bytes((enum kfmt)model_fmt_of(t->type),
	    (int64_t)t->ne[0]));
}

/* One row of n weights from src (format from) into dst as to; absmean
 * ternarizes the row as t2m does first.  tmp holds n floats and a t2m
 * row. */
static void
quantize_row(const void *src, enum kfmt from, void *dst, enum kfmt to,
    int64_t n, int absmean, float *tmp, void *t2m)
{
	kern_get(from)->to_float(src, tmp, n);
	if (absmean) {
		/* the t2m values are ternary times one scale per row, which
		 * tq blocks hold exactly: their absmax is that scale */
		kern_get(KFMT_T2M)->from_float(tmp, t2m, n);
		kern_get(KFMT_T2M)->to_float(t2m, tmp, n);
	}
	kern_get(to)->from_float(tmp, dst, n);
}

static int
quantize_write(const struct gguf_file *in, const char *tmp_path,
    enum kfmt type, int absmean, struct quantize_plan *plan)
{
	struct gguf_writer	 w;
	FILE			*f;
	uint64_t		 off = 0, n_kv = in->n_kv;
	int			 has_ftype = gguf_find(in, "general.file_type") !=
				    NULL, rc = 0;
	float			*tmp = NULL;
	uint8_t			*row = NULL, *t2m = NULL;
	size_t			 max_ne0 = 0;

	for (uint64_t i = 0; i < in->n_tensors; i++) {
		plan[i].nbytes = plan[i].keep ? in->tensors[i].nbytes :
		    kern_row_bytes(plan[i].to, (int64_t)in->tensors[i].ne[0]) *
		    quantize_rows(&in->tensors[i]);
		plan[i].offset = off;
		off += (plan[i].nbytes + in->alignment - 1) / in->alignment *
		    in->alignment;
		if (!plan[i].keep && in->tensors[i].ne[0] > max_ne0)
			max_ne0 = in->tensors[i].ne[0];
	}
	if ((tmp = malloc((max_ne0 + 1) * sizeof *tmp)) == NULL ||
	    (row = malloc(max_ne0 * 4 + 64)) == NULL ||
	    (t2m = malloc(max_ne0 + 64)) == NULL ||
	    (f = fopen(tmp_path, "wb")) == NULL) {
		free(tmp);
		free(row);
		free(t2m);
		return (-1);
	}
	gguf_w_init(&w, f);
	gguf_w_header(&w, in->n_tensors, n_kv + !has_ftype);
	for (uint64_t i = 0; i < in->n_kv; i++) {
		const struct gguf_kv *kv = &in->kv[i];

		if (gguf_str_eq(kv->key, "general.file_type"))
			gguf_w_kv_u32(&w, "general.file_type",
			    (uint32_t)quantize_ftype(type));
		else
			gguf_w_kv(&w, kv);
	}
	if (!has_ftype)
		gguf_w_kv_u32(&w, "general.file_type",
		    (uint32_t)quantize_ftype(type));
	for (uint64_t i = 0; i < in->n_tensors; i++) {
		const struct gguf_tensor *t = &in->tensors[i];

		gguf_w_tensor_info(&w, t->name, t->n_dims, t->ne, plan[i].keep ?
		    t->type : (uint32_t)model_ggml_of(plan[i].to),
		    plan[i].offset);
	}
	gguf_w_pad(&w, in->alignment);
	for (uint64_t i = 0; i < in->n_tensors && !w.failed; i++) {
		const struct gguf_tensor *t = &in->tensors[i];
		enum kfmt	 from;
		int64_t		 ne0 = (int64_t)t->ne[0];
		size_t		 sb, db;
		uint64_t	 rows;

		gguf_w_pad(&w, in->alignment);
		if (plan[i].keep) {
			gguf_w_bytes(&w, t->data, (size_t)t->nbytes);
			continue;
		}
		from = (enum kfmt)model_fmt_of(t->type);
		sb = kern_row_bytes(from, ne0);
		db = kern_row_bytes(plan[i].to, ne0);
		rows = quantize_rows(t);
		for (uint64_t r = 0; r < rows && !w.failed; r++) {
			quantize_row((const uint8_t *)t->data + r * sb, from, row,
			    plan[i].to, ne0, absmean && (plan[i].to ==
			    KFMT_TQ1_0 || plan[i].to == KFMT_TQ2_0), tmp, t2m);
			gguf_w_bytes(&w, row, db);
		}
	}
	if (w.failed || fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	free(tmp);
	free(row);
	free(t2m);
	return (rc);
}

static int
cmd_quantize_exec(int argc, char **argv)
{
	enum { O_TYPE = 256, O_TERNARY };
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, O_TYPE },
		{ "ternary", required_argument, NULL, O_TERNARY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct gguf_file	*in;
	struct quantize_plan	*plan;
	struct qerr		 err;
	const char		*type_s = NULL, *tern = NULL, *src, *dst;
	char			*tmp;
	int			 c, type, absmean = 0, kept = 0, rc;
	uint64_t		 n_q = 0, bytes = 0, weights = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case O_TYPE: type_s = optarg; break;
		case O_TERNARY: tern = optarg; break;
		case 'h':
			cli_usage(&cmd_quantize_entry, 1);
			return (0);
		default:
			return (cli_usage(&cmd_quantize_entry, 0));
		}
	}
	if (argc - optind != 2 || type_s == NULL) {
		cli_error("quantize: give IN, OUT and --type");
		return (cli_usage(&cmd_quantize_entry, 0));
	}
	src = argv[optind];
	dst = argv[optind + 1];
	if ((type = kern_find(type_s)) < 0 || quantize_ftype(type) < 0) {
		cli_error("--type: '%s' is not one of q8_0, q4_0, tq2_0, tq1_0",
		    type_s);
		return (CLI_EXIT_USAGE);
	}
	if (tern != NULL) {
		if (type != KFMT_TQ1_0 && type != KFMT_TQ2_0) {
			cli_error("--ternary: only for tq2_0 and tq1_0");
			return (CLI_EXIT_USAGE);
		}
		if (strcmp(tern, "absmean") == 0)
			absmean = 1;
		else if (strcmp(tern, "absmax") != 0) {
			cli_error("--ternary: '%s' is not absmax or absmean",
			    tern);
			return (CLI_EXIT_USAGE);
		}
	}
	if (gguf_open(src, &in, &err) != Q_OK) {
		cli_error("%s", err.msg);
		return (CLI_EXIT_FAIL);
	}
	if ((plan = calloc(in->n_tensors + 1, sizeof *plan)) == NULL) {
		gguf_close(in);
		cli_error("out of memory");
		return (CLI_EXIT_FAIL);
	}
	for (uint64_t i = 0; i < in->n_tensors; i++) {
		const struct gguf_tensor *t = &in->tensors[i];
		int	 matrix = t->n_dims == 2 && model_fmt_of(t->type) >= 0;
		int	 embed = gguf_str_eq(t->name, "token_embd.weight") ||
			    gguf_str_eq(t->name, "output.weight");
		enum kfmt to = embed ? variant_embed_fmt((enum kfmt)type) :
			    (enum kfmt)type;

		plan[i].keep = !matrix || t->ne[0] %
		    (uint64_t)kern_get(to)->block_len != 0;
		plan[i].to = to;
		if (matrix && plan[i].keep) {
			printf("kept %s: %.*s (rows of %llu weights are not "
			    "whole %s blocks of %d)\n", gguf_ttype_name(t->type),
			    (int)t->name.len, t->name.ptr,
			    (unsigned long long)t->ne[0], kern_get(to)->name,
			    kern_get(to)->block_len);
			kept++;
		}
		if (matrix && !plan[i].keep) {
			n_q++;
			weights += quantize_rows(t) * t->ne[0];
		}
	}
	if (asprintf(&tmp, "%s.tmp-%ld", dst, (long)getpid()) < 0) {
		free(plan);
		gguf_close(in);
		cli_error("out of memory");
		return (CLI_EXIT_FAIL);
	}
	if (quantize_write(in, tmp, (enum kfmt)type, absmean, plan) != 0 ||
	    rename(tmp, dst) != 0) {
		cli_error("%s: cannot write: %s", dst, strerror(errno));
		unlink(tmp);
		rc = CLI_EXIT_FAIL;
	} else {
		for (uint64_t i = 0; i < in->n_tensors; i++)
			if (!plan[i].keep && in->tensors[i].n_dims == 2)
				bytes += plan[i].nbytes;
		printf("wrote %s: %llu matrices in %s%s (%.2f bits/weight), "
		    "%d kept\n", dst, (unsigned long long)n_q, type_s,
		    absmean ? " (absmean)" : "", weights ? bytes * 8.0 /
		    weights : 0.0, kept);
		rc = 0;
	}
	free(tmp);
	free(plan);
	gguf_close(in);
	return (rc);
}
