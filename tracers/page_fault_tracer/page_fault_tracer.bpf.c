// SPDX-License-Identifier: GPL-2.0
/* Minor/major page faults per process. The fault tracepoints fire before the
 * fault is handled, so they cannot tell major from minor. The kernel's own
 * per-thread counters can (task->min_flt / maj_flt, what /proc/<pid>/stat sums):
 * at every fault, and when a thread exits, the growth of those counters since
 * the thread was last seen is added to its process. The split is therefore the
 * kernel's, and the counts match /proc/<pid>/stat by construction. Nothing is
 * sent per fault: user space drains the per-process map every interval. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "page_fault_tracer.h"

#define EEXIST 17

/* Threads created after this (CLOCK_MONOTONIC ns) are counted from their first
 * fault; older ones from the first fault we see (their past is not ours). */
const volatile __u64 attach_mono_ns = 0;

struct seen {
	__u64 min_flt;
	__u64 maj_flt;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct seen);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, PF_MAX_PROCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct proc_faults);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pf_totals);
} totals SEC(".maps");

static const struct proc_faults zero_proc;

static __always_inline struct pf_totals *cpu_totals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline void account(struct task_struct *t, bool is_fault)
{
	struct pf_totals *tot = cpu_totals();
	__u64 min_flt = t->min_flt, maj_flt = t->maj_flt;
	struct proc_faults *p;
	struct seen zero_seen = {}, *s;
	__u32 tgid;
	long err;

	if (tot && is_fault)
		tot->events++;
	s = bpf_task_storage_get(&seen, t, NULL, 0);
	if (!s) {
		if (t->start_time < attach_mono_ns) {
			/* Baseline: what happened before we attached is not ours to report. */
			if (!is_fault)
				return;
			s = bpf_task_storage_get(&seen, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
			if (s) {
				s->min_flt = min_flt;
				s->maj_flt = maj_flt;
			}
			return;
		}
		/* Born after attach: its counters started at zero. An exiting thread
		 * needs no storage, only the zero base. */
		s = is_fault ? bpf_task_storage_get(&seen, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE)
			     : &zero_seen;
		if (!s)
			return;
	}
	if (min_flt == s->min_flt && maj_flt == s->maj_flt)
		return;

	tgid = t->tgid;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p) {
		err = bpf_map_update_elem(&procs, &tgid, &zero_proc, BPF_NOEXIST);
		if (err && err != -EEXIST) {
			if (tot)
				tot->map_full++;
			return; /* keep the baseline: the delta is retried at the next fault */
		}
		p = bpf_map_lookup_elem(&procs, &tgid);
		if (!p)
			return;
		if (!err)
			BPF_CORE_READ_STR_INTO(&p->comm, t, group_leader, comm);
	}
	__sync_fetch_and_add(&p->minor, min_flt - s->min_flt);
	__sync_fetch_and_add(&p->major, maj_flt - s->maj_flt);
	s->min_flt = min_flt;
	s->maj_flt = maj_flt;
}

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	account(bpf_get_current_task_btf(), true);
	return 0;
}

/* Faults taken in kernel mode on user memory (read() into a fresh buffer, ...)
 * also count in the task's counters; hooking them keeps the deltas timely. */
SEC("tp_btf/page_fault_kernel")
int BPF_PROG(page_fault_kernel, unsigned long address, struct pt_regs *regs, unsigned long error_code)
{
	struct task_struct *t = bpf_get_current_task_btf();

	if (t->flags & 0x00200000 /* PF_KTHREAD */)
		return 0;
	account(t, true);
	return 0;
}

/* The last faults of an exiting thread are flushed to its process here. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *t)
{
	account(t, false);
	return 0;
}

/* A process named by exec: keep the interval's entry under its new name. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *t)
{
	__u32 tgid = t->tgid;
	struct proc_faults *p = bpf_map_lookup_elem(&procs, &tgid);

	if (p)
		BPF_CORE_READ_STR_INTO(&p->comm, t, comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
