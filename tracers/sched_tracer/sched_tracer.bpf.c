// SPDX-License-Identifier: GPL-2.0
/* Context switches, on-CPU time and run-queue latency. Switches happen tens of
 * thousands of times a second, so nothing is sent per event: the kernel side
 * aggregates per process (tgid) and user space drains the map every interval.
 * Per-thread timestamps live in task storage, which the kernel frees with the
 * task: no pid-keyed map that exited threads could leak. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sched_tracer.h"

struct task_ts {
	__u64 oncpu;   /* when the thread last got a CPU (0: unknown) */
	__u64 enqueue; /* when it became runnable (0: not waiting) */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_ts);
} task_ts SEC(".maps");

/* No prealloc: a drained element is freed after an RCU grace period instead of
 * being reused at once, so a concurrent update never lands in another pid. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SCHED_MAX_PROCS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct proc_sched);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_totals);
} totals SEC(".maps");

#define EEXIST 17

static const struct proc_sched zero_proc;

static __always_inline struct sched_totals *cpu_totals(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&totals, &zero);
}

static __always_inline struct proc_sched *proc_of(struct task_struct *t)
{
	__u32 tgid = t->tgid;
	struct proc_sched *p;
	struct sched_totals *tot;
	long err;

	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p)
		return p;
	err = bpf_map_update_elem(&procs, &tgid, &zero_proc, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		tot = cpu_totals();
		if (tot)
			tot->map_full++;
		return NULL;
	}
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p && !err)
		BPF_CORE_READ_STR_INTO(&p->comm, t, group_leader, comm);
	return p;
}

static __always_inline void record_runq(struct proc_sched *p, __u64 delta)
{
	__u32 idx = __sync_fetch_and_add(&p->runq_count, 1);
	__u32 slot = ks_hist_slot(delta);

	if (idx < SCHED_RAW)
		p->runq_raw[idx] = delta;
	if (slot < KS_HIST_SLOTS)
		__sync_fetch_and_add(&p->runq_hist[slot], 1);
	if (delta > p->runq_max_ns)
		p->runq_max_ns = delta;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct sched_totals *tot = cpu_totals();
	__u64 now = bpf_ktime_get_ns();
	struct proc_sched *p;
	struct task_ts *ts;

	if (tot)
		tot->switches++;
	/* pid 0 is the per-CPU idle task: not a process. */
	if (prev->pid) {
		/* The kernel's own rule (nvcsw vs nivcsw in __schedule). */
		bool voluntary = !preempt && prev_state;

		ts = bpf_task_storage_get(&task_ts, prev, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
		p = proc_of(prev);
		if (p) {
			if (ts && ts->oncpu)
				__sync_fetch_and_add(&p->oncpu_ns, now - ts->oncpu);
			if (voluntary)
				__sync_fetch_and_add(&p->voluntary, 1);
			else
				__sync_fetch_and_add(&p->involuntary, 1);
		}
		if (tot) {
			if (voluntary)
				tot->voluntary++;
			else
				tot->involuntary++;
		}
		if (ts) {
			ts->oncpu = 0;
			/* Preempted: still runnable, so its wait for a CPU starts now.
			 * Going to sleep: its wait starts at the next wakeup, and a
			 * wakeup seen while it was still running must not count. */
			ts->enqueue = voluntary ? 0 : now;
		}
	}
	if (next->pid) {
		ts = bpf_task_storage_get(&task_ts, next, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts) {
			ts->oncpu = now;
			if (ts->enqueue) {
				p = proc_of(next);
				if (p)
					record_runq(p, now - ts->enqueue);
				ts->enqueue = 0;
			}
		}
	}
	return 0;
}

static __always_inline int on_wakeup(struct task_struct *t)
{
	struct sched_totals *tot;
	struct proc_sched *p;
	struct task_ts *ts;

	if (!t->pid)
		return 0;
	ts = bpf_task_storage_get(&task_ts, t, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		ts->enqueue = bpf_ktime_get_ns();
	p = proc_of(t);
	if (p)
		__sync_fetch_and_add(&p->wakeups, 1);
	tot = cpu_totals();
	if (tot)
		tot->wakeups++;
	return 0;
}

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup, struct task_struct *t)
{
	return on_wakeup(t);
}

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new, struct task_struct *t)
{
	return on_wakeup(t);
}

/* A process named by exec: keep the interval's entry under its new name. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *t)
{
	__u32 tgid = t->tgid;
	struct proc_sched *p = bpf_map_lookup_elem(&procs, &tgid);

	if (p)
		BPF_CORE_READ_STR_INTO(&p->comm, t, comm);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
