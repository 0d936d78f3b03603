/* SPDX-License-Identifier: MIT */
/* Per-process scheduler aggregates, shared by sched_tracer's kernel and user sides. */
#ifndef SCHED_TRACER_H
#define SCHED_TRACER_H

#include "ks_hist.h"

#define TASK_COMM_LEN 16
#define SCHED_MAX_PROCS 8192
/* Run-queue latencies kept verbatim per process: percentiles are exact while a
 * process waited at most this many times in the interval. */
#define SCHED_RAW 8

/* Value of the `procs` hash map, keyed by tgid; drained every interval. */
struct proc_sched {
	__u64 oncpu_ns;
	__u64 runq_max_ns;
	__u32 voluntary;
	__u32 involuntary;
	__u32 wakeups;
	__u32 runq_count;
	__u64 runq_raw[SCHED_RAW];
	__u32 runq_hist[KS_HIST_SLOTS];
	char comm[TASK_COMM_LEN];
};

/* System totals, one per CPU, cumulative since load (user side takes deltas).
 * Only __u64 fields: user space sums them word by word (ks_sum_percpu). */
struct sched_totals {
	__u64 switches;
	__u64 voluntary;
	__u64 involuntary;
	__u64 wakeups;
	__u64 map_full;
};

#endif /* SCHED_TRACER_H */
