/* SPDX-License-Identifier: MIT */
/* Per-process page-fault counts, shared by page_fault_tracer's kernel and user sides. */
#ifndef PAGE_FAULT_TRACER_H
#define PAGE_FAULT_TRACER_H

#define TASK_COMM_LEN 16
#define PF_MAX_PROCS 8192

/* Value of the `procs` hash map, keyed by tgid; drained every interval. */
struct proc_faults {
	__u64 minor;
	__u64 major;
	char comm[TASK_COMM_LEN];
};

/* Global counters, one per CPU, cumulative since load. Only __u64 fields: user
 * space sums them word by word (ks_sum_percpu). */
struct pf_totals {
	__u64 events;   /* fault tracepoint hits */
	__u64 map_full; /* deltas lost because `procs` was full */
};

#endif /* PAGE_FAULT_TRACER_H */
