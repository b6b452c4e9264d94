/*
 * gguf-write.c: GGUF v3 out, little-endian as the format defines it
 * (this code assumes a little-endian host, as the reader does).
 */
#include "config.h"

#include "gguf-write.h"

#include <string.h>

#define GGUF_W_MAGIC	0x46554747u	/* "GGUF" */

void
gguf_w_init(struct gguf_writer *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
}

int
gguf_w_bytes(struct gguf_writer *w, const void *p, size_t n)
{
	if (w->failed)
		return (-1);
	if (n > 0 && fwrite(p, 1, n, w->f) != n) {
		w->failed = 1;
		return (-1);
	}
	w->off += n;
	return (0);
}

static int
gguf_w_u32(struct gguf_writer *w, uint32_t v)
{
	return (gguf_w_bytes(w, &v, sizeof v));
}

static int
gguf_w_u64(struct gguf_writer *w, uint64_t v)
{
	return (gguf_w_bytes(w, &v, sizeof v));
}

static int
gguf_w_str(struct gguf_writer *w, struct gguf_str s)
{
	gguf_w_u64(w, s.len);
	return (gguf_w_bytes(w, s.ptr, (size_t)s.len));
}

int
gguf_w_header(struct gguf_writer *w, uint64_t n_tensors, uint64_t n_kv)
{
	gguf_w_u32(w, GGUF_W_MAGIC);
	gguf_w_u32(w, 3);
	gguf_w_u64(w, n_tensors);
	return (gguf_w_u64(w, n_kv));
}

int
gguf_w_kv(struct gguf_writer *w, const struct gguf_kv *kv)
{
	uint8_t		b;
	uint16_t	h;
	uint32_t	u;
	float		fl;
	double		d;

	gguf_w_str(w, kv->key);
	gguf_w_u32(w, kv->type);
	switch (kv->type) {
	case GGUF_VT_UINT8:
	case GGUF_VT_BOOL:
		b = (uint8_t)kv->v.u64;
		return (gguf_w_bytes(w, &b, 1));
	case GGUF_VT_INT8:
		b = (uint8_t)(int8_t)kv->v.i64;
		return (gguf_w_bytes(w, &b, 1));
	case GGUF_VT_UINT16:
		h = (uint16_t)kv->v.u64;
		return (gguf_w_bytes(w, &h, 2));
	case GGUF_VT_INT16:
		h = (uint16_t)(int16_t)kv->v.i64;
		return (gguf_w_bytes(w, &h, 2));
	case GGUF_VT_UINT32:
		u = (uint32_t)kv->v.u64;
		return (gguf_w_bytes(w, &u, 4));
	case GGUF_VT_INT32:
		u = (uint32_t)(int32_t)kv->v.i64;
		return (gguf_w_bytes(w, &u, 4));
	case GGUF_VT_FLOAT32:
		fl = (float)kv->v.f64;	/* exact: it was read as a float */
		return (gguf_w_bytes(w, &fl, 4));
	case GGUF_VT_UINT64:
		return (gguf_w_u64(w, kv->v.u64));
	case GGUF_VT_INT64:
		return (gguf_w_u64(w, (uint64_t)kv->v.i64));
	case GGUF_VT_FLOAT64:
		d = kv->v.f64;
		return (gguf_w_bytes(w, &d, 8));
	case GGUF_VT_STRING:
		return (gguf_w_str(w, kv->v.str));
	case GGUF_VT_ARRAY:
		/* the elements as the file encoded them, nested ones too */
		gguf_w_u32(w, kv->v.arr.type);
		gguf_w_u64(w, kv->v.arr.n);
		return (gguf_w_bytes(w, kv->v.arr.data,
		    (size_t)kv->v.arr.nbytes));
	default:
		w->failed = 1;
		return (-1);
	}
}

int
gguf_w_kv_u32(struct gguf_writer *w, const char *key, uint32_t v)
{
	struct gguf_str	k = { strlen(key), key };

	gguf_w_str(w, k);
	gguf_w_u32(w, GGUF_VT_UINT32);
	return (gguf_w_u32(w, v));
}

int
gguf_w_tensor_info(struct gguf_writer *w, struct gguf_str name,
    uint32_t n_dims, const uint64_t *ne, uint32_t type, uint64_t offset)
{
	gguf_w_str(w, name);
	gguf_w_u32(w, n_dims);
	for (uint32_t i = 0; i < n_dims; i++)
		gguf_w_u64(w, ne[i]);
	gguf_w_u32(w, type);
	return (gguf_w_u64(w, offset));
}

int
gguf_w_pad(struct gguf_writer *w, uint64_t align)
{
	static const uint8_t	zero[256];
	uint64_t		n = (align - w->off % align) % align;

	while (n > 0 && !w->failed) {
		size_t	k = n > sizeof zero ? sizeof zero : (size_t)n;

		gguf_w_bytes(w, zero, k);
		n -= k;
	}
	return (w->failed ? -1 : 0);
}
