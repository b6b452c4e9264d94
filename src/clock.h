/*
 * clock.h: milliseconds on a POSIX clock, the one timing primitive every
 * measurement in qcmp uses (CLOCK_MONOTONIC for wall time,
 * CLOCK_THREAD_CPUTIME_ID for the work a thread did).
 */
#ifndef QCMP_CLOCK_H
#define QCMP_CLOCK_H

#include <time.h>

/* The time on clock id in milliseconds. */
static inline double
clock_ms(clockid_t id)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (ts.tv_sec * 1e3 + ts.tv_nsec / 1e6);
}

#endif
