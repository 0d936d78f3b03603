/* SPDX-License-Identifier: MIT */
/* Shared by the benchmark's hot-path loops. */
#ifndef KS_BENCH_H
#define KS_BENCH_H

#include <time.h>

/* A clock's reading in nanoseconds (CPU clocks and CLOCK_MONOTONIC alike). */
static inline double ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

#endif /* KS_BENCH_H */
