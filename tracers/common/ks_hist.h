/* SPDX-License-Identifier: MIT */
/* Log2 latency histograms, shared by the BPF side (which fills them) and the
 * user side (which turns them into percentiles). */
#ifndef KS_HIST_H
#define KS_HIST_H

/* Slot i counts values v (ns) with floor(log2(v)) == i, i.e. [2^i, 2^(i+1));
 * slot 0 also holds v == 0. 40 slots reach 2^40 ns ~ 18 minutes; anything
 * longer lands in the last slot (and max still holds the true value). */
#define KS_HIST_SLOTS 40

#ifdef __BPF__
static __always_inline __u32 ks_log2_u32(__u32 v)
{
	__u32 r, shift;

	r = (v > 0xFFFF) << 4; v >>= r;
	shift = (v > 0xFF) << 3; v >>= shift; r |= shift;
	shift = (v > 0xF) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return r;
}

static __always_inline __u32 ks_hist_slot(__u64 v)
{
	__u32 hi = v >> 32, slot;

	slot = hi ? ks_log2_u32(hi) + 32 : ks_log2_u32((__u32)v);
	return slot < KS_HIST_SLOTS ? slot : KS_HIST_SLOTS - 1;
}
#else
#include <stdint.h>

/* Percentile p (0..1) of a latency distribution, in ns. When every sample is
 * known (count <= nraw) the answer is exact (nearest rank over the sorted raw
 * samples). Otherwise it is interpolated linearly inside the log2 bucket that
 * holds the rank, then clamped to [min, max] so it never leaves the observed
 * range. `raw` is sorted in place. */
double ks_percentile(const uint64_t *hist, uint64_t count, uint64_t *raw, uint32_t nraw,
		     uint64_t min, uint64_t max, double p);
#endif

#endif /* KS_HIST_H */
