// SPDX-License-Identifier: GPL-2.0
/* Block I/O latency from issue (handed to the driver) to completion, per disk
 * and per operation, aggregated in the kernel into log2 histograms plus the
 * first IO_RAW latencies of the interval (exact small-count percentiles). The
 * submitting process is taken at block_io_start, which runs in the submitter's
 * context; block_rq_issue may run in a kworker once the scheduler queues. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "io_latency_tracer.h"

#define EEXIST 17
#define REQ_OP_MASK 0xff /* (1 << REQ_OP_BITS) - 1 */
#define MINORBITS 20

const volatile __u32 targ_tgid = 0;

struct inflight {
	__u64 issue_ns;
	__u32 pid;
	__u32 bytes;
	char comm[TASK_COMM_LEN];
};

/* LRU: a request whose completion we never see (driver reset, tracer started
 * mid-flight) is evicted instead of filling the map. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IO_MAX_INFLIGHT);
	__type(key, __u64);
	__type(value, struct inflight);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IO_MAX_KEYS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct io_key);
	__type(value, struct io_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IO_MAX_PIDS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct io_pid_key);
	__type(value, struct io_pid_stats);
} pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct io_totals);
} totals SEC(".maps");

static const struct io_stats zero_stats;
static const struct io_pid_stats zero_pid;

static __always_inline struct io_totals *cpu_totals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline void *get_or_create(void *map, void *key, const void *zero)
{
	struct io_totals *tot;
	void *v = bpf_map_lookup_elem(map, key);
	long err;

	if (v)
		return v;
	err = bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		tot = cpu_totals();
		if (tot)
			tot->map_full++;
		return NULL;
	}
	return bpf_map_lookup_elem(map, key);
}

static __always_inline struct inflight *track(struct request *rq)
{
	__u64 key = (__u64)rq;
	struct inflight *f = bpf_map_lookup_elem(&inflight, &key);
	struct inflight fresh = {};

	if (f)
		return f;
	fresh.pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(fresh.comm, sizeof(fresh.comm));
	bpf_map_update_elem(&inflight, &key, &fresh, BPF_ANY);
	return bpf_map_lookup_elem(&inflight, &key);
}

SEC("tp_btf/block_io_start")
int BPF_PROG(block_io_start, struct request *rq)
{
	track(rq);
	return 0;
}

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue, struct request *rq)
{
	struct inflight *f = track(rq);

	if (!f)
		return 0;
	f->issue_ns = bpf_ktime_get_ns();
	f->bytes = BPF_CORE_READ(rq, __data_len);
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete, struct request *rq, blk_status_t error, unsigned int nr_bytes)
{
	__u64 key = (__u64)rq, now = bpf_ktime_get_ns(), delta, idx;
	struct io_pid_stats *ps;
	struct io_pid_key pk = {};
	struct io_key k = {};
	struct io_stats *s;
	struct io_totals *tot;
	struct inflight *f;
	struct gendisk *disk;
	__u32 op, slot;

	f = bpf_map_lookup_elem(&inflight, &key);
	if (!f)
		return 0;
	if (!f->issue_ns || (targ_tgid && f->pid != targ_tgid)) {
		bpf_map_delete_elem(&inflight, &key);
		return 0;
	}
	delta = now - f->issue_ns;

	disk = BPF_CORE_READ(rq, q, disk);
	k.dev = disk ? (BPF_CORE_READ(disk, major) << MINORBITS) | BPF_CORE_READ(disk, first_minor) : 0;
	op = BPF_CORE_READ(rq, cmd_flags) & REQ_OP_MASK;
	k.op = op == 0 /* REQ_OP_READ */ ? IO_READ : op == 1 /* REQ_OP_WRITE */ ? IO_WRITE : IO_OTHER;

	s = get_or_create(&stats, &k, &zero_stats);
	if (s) {
		idx = __sync_fetch_and_add(&s->count, 1);
		if (idx < IO_RAW)
			s->raw[idx] = delta;
		__sync_fetch_and_add(&s->bytes, f->bytes);
		__sync_fetch_and_add(&s->sum_ns, delta);
		if (delta > s->max_ns)
			s->max_ns = delta;
		if (!s->min_ns || delta < s->min_ns)
			s->min_ns = delta;
		slot = ks_hist_slot(delta);
		if (slot < KS_HIST_SLOTS)
			__sync_fetch_and_add(&s->hist[slot], 1);
	}
	pk.dev = k.dev;
	pk.op = k.op;
	pk.pid = f->pid;
	ps = get_or_create(&pids, &pk, &zero_pid);
	if (ps) {
		if (__sync_fetch_and_add(&ps->count, 1) == 0)
			__builtin_memcpy(ps->comm, f->comm, sizeof(ps->comm));
	}
	tot = cpu_totals();
	if (tot)
		tot->completions++;
	bpf_map_delete_elem(&inflight, &key);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
