/*
 * llama2c.h: llama2.c checkpoints in the legacy (version 0) layout, mapped
 * read-only: a 7-int header followed by f32 weights in a fixed order.
 */
#ifndef QCMP_LLAMA2C_H
#define QCMP_LLAMA2C_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

struct llama2c_file {
	char		*path;
	const uint8_t	*map;
	size_t		 size;
	int		 dim, hidden_dim, n_layers, n_heads, n_kv_heads;
	int		 vocab_size;	/* always positive here */
	int		 seq_len;
	int		 shared_classifier; /* header vocab_size was > 0 */
	int		 mapped;	/* map is ours to unmap */
	const float	*token_embedding;	/* (vocab, dim) */
	const float	*rms_att;		/* (layer, dim) */
	const float	*wq;			/* (layer, dim, dim) */
	const float	*wk;			/* (layer, kv_dim, dim) */
	const float	*wv;			/* (layer, kv_dim, dim) */
	const float	*wo;			/* (layer, dim, dim) */
	const float	*rms_ffn;		/* (layer, dim) */
	const float	*w1;			/* (layer, hidden, dim) gate */
	const float	*w2;			/* (layer, dim, hidden) down */
	const float	*w3;			/* (layer, hidden, dim) up */
	const float	*rms_final;		/* (dim) */
	const float	*wcls;			/* (vocab, dim) */
};

/* 1 when the first bytes look like a llama2.c checkpoint of any version
 * rather than some other format (used to pick a loader). */
int	llama2c_sniff(const uint8_t *head, size_t n);
/* Maps and validates path: header values in range and a file size that
 * equals exactly what the header implies. */
int	llama2c_open(const char *path, struct llama2c_file **out,
	    struct qerr *err);
/* The same checks on an in-memory image (not copied; it must be aligned
 * for floats and outlive the file object); path is used only in messages. */
int	llama2c_open_memory(const void *buf, size_t size, const char *path,
	    struct llama2c_file **out, struct qerr *err);
/* Unmaps (llama2c_open only) and frees; NULL is ignored. */
void	llama2c_close(struct llama2c_file *f);

#endif
