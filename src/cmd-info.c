/*
 * cmd-info.c: `qcmp info`, what a model file holds: architecture, size,
 * context, vocabulary, weight types with their bits per weight, and with
 * --tensors the whole tensor table.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "cli.h"
#include "gguf.h"
#include "kern.h"
#include "model.h"

static int cmd_info_exec(int, char **);

const struct cmd_entry cmd_info_entry = {
	.name = "info",
	.usage =
"  Describe a model file.\n"
"  -m, --model FILE        GGUF file or llama2.c checkpoint\n"
"  -z, --tokenizer FILE    tokenizer.bin for a llama2.c checkpoint\n"
"      --tensors           also list every tensor: name, type, shape, bytes,\n"
"                          offset\n"
"      --cpu               print the CPU features qcmp detected and the kernel\n"
"                          each weight format runs (without -m: only that)\n",
	.exec = cmd_info_exec,
};

/* v scaled to kilo/mega/giga with the given unit suffixes ("" for none). */
static void
info_human(char *buf, size_t n, double v, const char *const unit[4])
{
	if (v >= 1e9)
		snprintf(buf, n, "%.2f %s", v / 1e9, unit[3]);
	else if (v >= 1e6)
		snprintf(buf, n, "%.2f %s", v / 1e6, unit[2]);
	else if (v >= 1e3)
		snprintf(buf, n, "%.2f %s", v / 1e3, unit[1]);
	else
		snprintf(buf, n, "%.0f%s%s", v, *unit[0] ? " " : "", unit[0]);
}

static void
info_size(char *buf, size_t n, double bytes)
{
	static const char *const unit[4] = { "B", "kB", "MB", "GB" };

	info_human(buf, n, bytes, unit);
}

static void
info_count(char *buf, size_t n, double v)
{
	static const char *const unit[4] = { "", "K", "M", "B" };

	info_human(buf, n, v, unit);
}

static uint64_t
info_elems(const struct model_tensor *t)
{
	return ((uint64_t)(t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3]));
}

static void
info_types(const struct model *m)
{
	uint32_t	seen[64];
	int		n_seen = 0;
	char		sz[32];
	uint64_t	total_bytes = 0, total_w = 0;

	printf("weights by type:\n");
	for (int i = 0; i < m->n_tensors; i++) {
		uint32_t	ty = m->tensors[i].ggml_type;
		uint64_t	bytes = 0, w = 0;
		int		count = 0, dup = 0;

		for (int j = 0; j < n_seen; j++)
			dup |= seen[j] == ty;
		if (dup || n_seen == 64)
			continue;
		seen[n_seen++] = ty;
		for (int j = i; j < m->n_tensors; j++)
			if (m->tensors[j].ggml_type == ty) {
				count++;
				bytes += m->tensors[j].nbytes;
				w += info_elems(&m->tensors[j]);
			}
		info_size(sz, sizeof sz, (double)bytes);
		printf("  %-8s %4d tensors %12llu weights %11s %7.4f bits/weight\n",
		    gguf_ttype_name(ty), count, (unsigned long long)w, sz,
		    w ? bytes * 8.0 / w : 0.0);
		total_bytes += bytes;
		total_w += w;
	}
	info_size(sz, sizeof sz, (double)total_bytes);
	printf("  %-8s %4d tensors %12llu weights %11s %7.4f bits/weight\n",
	    "total", m->n_tensors, (unsigned long long)total_w, sz,
	    total_w ? total_bytes * 8.0 / total_w : 0.0);
}

static void
info_tensors(const struct model *m)
{
	char	shape[96];

	printf("tensors:\n  %-32s %-6s %-24s %12s %12s\n", "name", "type",
	    "shape", "bytes", "offset");
	for (int i = 0; i < m->n_tensors; i++) {
		const struct model_tensor	*t = &m->tensors[i];
		int				 o = 0;

		for (int d = 0; d < t->n_dims; d++)
			o += snprintf(shape + o, sizeof shape - o, "%s%lld",
			    d ? " x " : "", (long long)t->ne[d]);
		printf("  %-32s %-6s %-24s %12llu %12llu\n", t->name,
		    gguf_ttype_name(t->ggml_type), shape,
		    (unsigned long long)t->nbytes,
		    (unsigned long long)t->offset);
	}
}

static void
info_print(const struct model *m, int tensors)
{
	const struct model_config	*c = &m->cfg;
	const struct vocab		*v = m->vocab;
	char				 sz[32], np[32];

	info_size(sz, sizeof sz, (double)m->file_size);
	info_count(np, sizeof np, (double)m->n_params);
	printf("file:           %s\n", m->path);
	if (m->source == MODEL_GGUF)
		printf("format:         GGUF v%u, %s\n", m->gguf_version, sz);
	else
		printf("format:         llama2.c checkpoint (legacy), %s\n"
		    "tokenizer:      %s\n", sz, m->tokenizer_path);
	printf("name:           %s\n", m->name);
	printf("architecture:   %s\n", c->arch);
	printf("parameters:     %s (%llu)\n", np,
	    (unsigned long long)m->n_params);
	printf("layers:         %d\n", c->n_layers);
	printf("embedding:      %d\n", c->dim);
	printf("feed-forward:   %d\n", c->hidden_dim);
	printf("heads:          %d query, %d key/value%s, head size %d\n",
	    c->n_heads, c->n_kv_heads, c->n_kv_heads < c->n_heads ?
	    " (grouped-query)" : "", c->head_size);
	printf("context:        %d\n", c->n_ctx_train);
	printf("rope:           base %g, %d dims per head\n", c->rope_theta,
	    c->rope_dim);
	printf("rms epsilon:    %g\n", c->norm_eps);
	printf("vocab:          %d tokens, %s, bos %d, eos %d%s\n", v->n,
	    vocab_describe(v), v->bos, v->eos, v->add_bos ? ", adds bos" : "");
	printf("chat template:  %s%s\n", chat_name(chat_detect(
	    v->chat_template)), v->chat_template ? "" : " (none in file)");
	printf("output:         %s\n", m->tied_output ?
	    "tied to the token embedding" : "its own matrix");
	info_types(m);
	if (tensors)
		info_tensors(m);
}

static void
info_cpu(void)
{
	printf("cpu features:   %s\n", kern_cpu_features());
	printf("instruction set: %s%s\n", kern_isa_name(kern_isa()),
	    getenv("QCMP_ISA") && *getenv("QCMP_ISA") ? " (from QCMP_ISA)" :
	    " (best available)");
	printf("kernels:\n");
	for (int f = 0; f < KFMT_COUNT; f++) {
		const struct kern_traits *kt = kern_get((enum kfmt)f);

		printf("  %-8s %-7s %3d-weight blocks of %2zu bytes, %.5g "
		    "bits/weight\n", kt->name, kern_isa_name(kt->matvec_isa),
		    kt->block_len, kt->block_bytes, kt->bits_per_weight);
	}
}

static int
cmd_info_exec(int argc, char **argv)
{
	enum { O_TENSORS = 256, O_CPU };
	static const struct option longopts[] = {
		{ "model", required_argument, NULL, 'm' },
		{ "tokenizer", required_argument, NULL, 'z' },
		{ "tensors", no_argument, NULL, O_TENSORS },
		{ "cpu", no_argument, NULL, O_CPU },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char	*model = NULL, *tokenizer = NULL;
	struct model	*m;
	int		 c, tensors = 0, cpu = 0, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:z:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': model = optarg; break;
		case 'z': tokenizer = optarg; break;
		case O_TENSORS: tensors = 1; break;
		case O_CPU: cpu = 1; break;
		case 'h': return (cli_usage(&cmd_info_entry, 1));
		default: return (cli_usage(&cmd_info_entry, 0));
		}
	}
	if (optind < argc) {
		cli_error("info: unexpected argument '%s'", argv[optind]);
		return (cli_usage(&cmd_info_entry, 0));
	}
	if (cpu) {
		info_cpu();
		if (model == NULL)
			return (0);
	}
	if ((rc = cli_load_model(model, tokenizer, &m)) != 0)
		return (rc);
	info_print(m, tensors);
	model_free(m);
	return (0);
}
