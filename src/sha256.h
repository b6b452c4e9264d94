/*
 * sha256.h: SHA-256 (FIPS 180-4) of a file, to tell model files apart in
 * the history whatever their names.
 */
#ifndef QCMP_SHA256_H
#define QCMP_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "qerr.h"

struct sha256 {
	uint32_t	h[8];
	uint8_t		buf[64];
	size_t		nbuf;
	uint64_t	len;		/* bytes so far */
};

void	sha256_init(struct sha256 *c);
void	sha256_update(struct sha256 *c, const void *p, size_t n);
/* The digest as 64 lowercase hex digits and a NUL. */
void	sha256_hex(struct sha256 *c, char out[65]);
/* out = the hex digest of the file at path. */
int	sha256_file(const char *path, char out[65], struct qerr *err);

#endif
