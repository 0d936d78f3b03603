// SPDX-License-Identifier: MIT
/* Percentiles from log2 histograms. The original tracer reported the lower edge
 * of a bucket, so a single 8 ms I/O came out as "1 us"; here small counts are
 * exact and large ones are interpolated and clamped to what was observed. */
#include <stdlib.h>

#include "ks_hist.h"

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

double ks_percentile(const uint64_t *hist, uint64_t count, uint64_t *raw, uint32_t nraw,
		     uint64_t min, uint64_t max, double p)
{
	double rank, cum = 0, v = 0;

	if (count == 0)
		return 0;
	if (raw && count <= nraw) {
		/* Nearest rank: the smallest sample with at least p of them at or below it. */
		uint64_t idx = (uint64_t)(p * (double)count + 0.999999);

		qsort(raw, count, sizeof(*raw), cmp_u64);
		if (idx < 1)
			idx = 1;
		if (idx > count)
			idx = count;
		return (double)raw[idx - 1];
	}
	rank = p * (double)count;
	for (int i = 0; i < KS_HIST_SLOTS; i++) {
		double c = (double)hist[i];

		if (c == 0)
			continue;
		if (cum + c >= rank) {
			double lo = i == 0 ? 0 : (double)(1ull << i);
			double hi = (double)(1ull << (i + 1));

			v = lo + (rank - cum) / c * (hi - lo);
			break;
		}
		cum += c;
	}
	if (v < (double)min)
		v = (double)min;
	if (v > (double)max)
		v = (double)max;
	return v;
}
