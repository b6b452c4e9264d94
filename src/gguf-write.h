/*
 * gguf-write.h: writing GGUF v3, the pieces qcmp quantize needs: the
 * header, key/values (new ones, or copies of a file's as gguf.h parsed
 * them), tensor infos and alignment padding.  Every call returns 0, or -1
 * once a write failed (errno set); the writer then stays failed.
 */
#ifndef QCMP_GGUF_WRITE_H
#define QCMP_GGUF_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "gguf.h"

struct gguf_writer {
	FILE		*f;
	uint64_t	 off;	/* bytes written */
	int		 failed;
};

void	gguf_w_init(struct gguf_writer *w, FILE *f);
int	gguf_w_header(struct gguf_writer *w, uint64_t n_tensors,
	    uint64_t n_kv);
/* kv as parsed from another file, re-encoded byte for byte. */
int	gguf_w_kv(struct gguf_writer *w, const struct gguf_kv *kv);
int	gguf_w_kv_u32(struct gguf_writer *w, const char *key, uint32_t v);
int	gguf_w_tensor_info(struct gguf_writer *w, struct gguf_str name,
	    uint32_t n_dims, const uint64_t *ne, uint32_t type,
	    uint64_t offset);
/* Zero bytes up to the next multiple of align. */
int	gguf_w_pad(struct gguf_writer *w, uint64_t align);
int	gguf_w_bytes(struct gguf_writer *w, const void *p, size_t n);

#endif
