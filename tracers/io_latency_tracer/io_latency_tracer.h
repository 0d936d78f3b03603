/* SPDX-License-Identifier: MIT */
/* Block I/O latency aggregates, shared by io_latency_tracer's kernel and user sides. */
#ifndef IO_LATENCY_TRACER_H
#define IO_LATENCY_TRACER_H

#include "ks_hist.h"

#define TASK_COMM_LEN 16
#define IO_MAX_KEYS 1024     /* (device, op) pairs per interval */
#define IO_MAX_PIDS 8192     /* (device, op, pid) triples per interval */
#define IO_MAX_INFLIGHT 16384
/* Latencies kept verbatim per (device, op): percentiles are exact while an
 * interval saw at most this many I/Os. */
#define IO_RAW 32

enum io_op { IO_READ = 0, IO_WRITE = 1, IO_OTHER = 2 };

struct io_key {
	__u32 dev; /* kernel dev_t of the disk: major << 20 | first_minor */
	__u32 op;  /* enum io_op */
};

struct io_stats {
	__u64 count;
	__u64 bytes;
	__u64 sum_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u64 raw[IO_RAW];
	__u32 hist[KS_HIST_SLOTS];
};

struct io_pid_key {
	__u32 dev;
	__u32 op;
	__u32 pid;
	__u32 pad;
};

struct io_pid_stats {
	__u64 count;
	char comm[TASK_COMM_LEN];
};

/* Counters, one per CPU, cumulative since load. Only __u64 fields: user space
 * sums them word by word (ks_sum_percpu). */
struct io_totals {
	__u64 completions;
	__u64 map_full;
};

#endif /* IO_LATENCY_TRACER_H */
