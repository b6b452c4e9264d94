/*
 * gguf.h: read-only GGUF (v2, v3) reader over mmap.  Every count, length,
 * offset and size in the file is validated against the file size before it
 * is used; nothing in the file can make the reader allocate more than a
 * small multiple of the file's own size.
 */
#ifndef QCMP_GGUF_H
#define QCMP_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

/* Metadata value types, numbered as in the GGUF specification. */
enum gguf_vtype {
	GGUF_VT_UINT8 = 0, GGUF_VT_INT8, GGUF_VT_UINT16, GGUF_VT_INT16,
	GGUF_VT_UINT32, GGUF_VT_INT32, GGUF_VT_FLOAT32, GGUF_VT_BOOL,
	GGUF_VT_STRING, GGUF_VT_ARRAY, GGUF_VT_UINT64, GGUF_VT_INT64,
	GGUF_VT_FLOAT64,
	GGUF_VT_COUNT
};

/* Tensor types (ggml_type ids) that qcmp can load; others are listed by
 * name in gguf.c only so errors can name them. */
enum gguf_ttype {
	GGUF_TT_F32 = 0, GGUF_TT_F16 = 1, GGUF_TT_Q4_0 = 2, GGUF_TT_Q8_0 = 8,
	GGUF_TT_BF16 = 30, GGUF_TT_TQ1_0 = 34, GGUF_TT_TQ2_0 = 35
};

#define GGUF_MAX_DIMS 4

/* A string inside the mapped file: not NUL-terminated. */
struct gguf_str {
	uint64_t	 len;
	const char	*ptr;
};

struct gguf_kv {
	struct gguf_str	 key;
	uint32_t	 type;		/* enum gguf_vtype */
	union {
		uint64_t	 u64;	/* every unsigned integer type and bool */
		int64_t		 i64;	/* every signed integer type */
		double		 f64;	/* float32 and float64 */
		struct gguf_str	 str;
		struct {
			uint32_t	 type;	/* element type */
			uint64_t	 n;	/* element count */
			const uint8_t	*data;	/* first element in the map */
			uint64_t	 nbytes;/* encoded size of all elements */
			const uint64_t	*str_off; /* STRING arrays: offset of
						   * element i from data */
		} arr;
	} v;
};

struct gguf_tensor {
	struct gguf_str	 name;
	uint32_t	 n_dims;
	uint64_t	 ne[GGUF_MAX_DIMS];	/* ne[0] is the contiguous dim;
						 * unused dims are 1 */
	uint32_t	 type;			/* ggml type id */
	uint64_t	 offset;		/* from the start of the data */
	uint64_t	 nbytes;
	const void	*data;			/* in the map */
};

struct gguf_file {
	char			*path;
	const uint8_t		*map;
	size_t			 size;
	uint32_t		 version;
	uint64_t		 alignment;
	uint64_t		 data_offset;	/* start of the tensor data */
	uint64_t		 n_kv;
	struct gguf_kv		*kv;
	uint64_t		 n_tensors;
	struct gguf_tensor	*tensors;
};

/* Maps and validates path; on error returns non-zero with err set and
 * *out NULL. */
int	gguf_open(const char *path, struct gguf_file **out, struct qerr *err);
/* Parses an in-memory image (not copied; must outlive the file object);
 * path is used only in messages. */
int	gguf_open_memory(const void *buf, size_t size, const char *path,
	    struct gguf_file **out, struct qerr *err);
/* Unmaps and frees; NULL is ignored. */
void	gguf_close(struct gguf_file *f);

/* The key/value with this key, or NULL. */
const struct gguf_kv *gguf_find(const struct gguf_file *f, const char *key);
/* The tensor with this name, or NULL. */
const struct gguf_tensor *gguf_find_tensor(const struct gguf_file *f,
	    const char *name);

/* Typed getters: Q_OK, Q_EFORMAT when the key is missing (err names it) or
 * has a type/value that cannot convert exactly. */
int	gguf_get_u64(const struct gguf_file *f, const char *key, uint64_t *out,
	    struct qerr *err);
int	gguf_get_f64(const struct gguf_file *f, const char *key, double *out,
	    struct qerr *err);
int	gguf_get_str(const struct gguf_file *f, const char *key,
	    struct gguf_str *out, struct qerr *err);
/* An array of the given element type; *n and *data as in gguf_kv.arr. */
int	gguf_get_arr(const struct gguf_file *f, const char *key, uint32_t etype,
	    const struct gguf_kv **out, struct qerr *err);

/* Element i of a STRING array (i < n, checked by assert). */
struct gguf_str gguf_arr_str(const struct gguf_kv *kv, uint64_t i);
/* Element i of a numeric array converted to double / int64. */
double	gguf_arr_f64(const struct gguf_kv *kv, uint64_t i);
int64_t	gguf_arr_i64(const struct gguf_kv *kv, uint64_t i);

/* "F32", "Q4_K", ...; "unknown" for ids no ggml version defined. */
const char *gguf_ttype_name(uint32_t type);
/* Name of a metadata value type ("uint32", "array", ...). */
const char *gguf_vtype_name(uint32_t type);
/* 1 when s equals the NUL-terminated c. */
int	gguf_str_eq(struct gguf_str s, const char *c);

#endif
