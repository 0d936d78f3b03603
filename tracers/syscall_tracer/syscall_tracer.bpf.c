// SPDX-License-Identifier: GPL-2.0
/* Slow system calls. The hot path is every syscall on the machine, so it is as
 * small as it can be: tp_btf (no argument copying) and per-task storage (no hash
 * lookup, no pid-keyed map to leak). Only calls slower than the threshold
 * reach the ring buffer. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "syscall_tracer.h"

/* Set by user space between open and load; the verifier prunes unused filters. */
const volatile __u64 min_ns = 10 * 1000 * 1000;
/* A call that spanned at most this many jiffies is certainly faster than
 * min_ns (user space: min_ns / tick - 2, allowing one tick of resolution and
 * one of lag); negative disables the shortcut. */
const volatile __s64 max_fast_jiffies = 0;
const volatile __u32 targ_tgid = 0;
const volatile __u32 self_tgid = 0; /* our own writes would feed back at low thresholds */
const volatile bool filter_comm = false;
const volatile char targ_comm[TASK_COMM_LEN] = {};
/* Syscall numbers never to report (--skip-idle): one bit each. Tested only for
 * calls already over the threshold, so the hot path does not pay for it. */
const volatile __u64 skip_nr[SKIP_WORDS] = {};
/* --skip-idle too: this call (futex) when it ended by its own timeout (-ETIMEDOUT).
 * Nobody woke the thread: it slept on a timer, as nanosleep does, which is how
 * idle pollers wait (on a quiet host they were half of what crossed the
 * threshold). A futex that was woken, a lock handed over, is still reported.
 * -1: none. */
const volatile __s64 skip_timedout_nr = -1;
#ifndef ETIMEDOUT
#define ETIMEDOUT 110
#endif

struct start {
	__u64 ts;
	__u64 jiffies;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct start);
} starts SEC(".maps");

#define RINGBUF_BYTES (256 * 1024)
#define WAKEUP_BYTES (RINGBUF_BYTES / 4)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, RINGBUF_BYTES);
} events SEC(".maps");

__u64 drops = 0; /* ring buffer full: read by user space, never silent */

static __always_inline bool comm_matches(const char *comm)
{
#pragma unroll
	for (int i = 0; i < TASK_COMM_LEN; i++) {
		if (comm[i] != targ_comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	struct start *s;

	if (targ_tgid && (bpf_get_current_pid_tgid() >> 32) != targ_tgid)
		return 0;
	s = bpf_task_storage_get(&starts, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!s)
		return 0;
	s->ts = bpf_ktime_get_ns();
	s->jiffies = bpf_jiffies64();
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct syscall_event *e;
	struct start *s;
	__u64 delta, id, nr;

	s = bpf_task_storage_get(&starts, task, NULL, 0);
	if (!s || !s->ts)
		return 0;
	/* Nearly every call is far below the threshold. Reading the precise clock
	 * costs a clocksource read (an indirect call under retpolines), the largest
	 * part of this program; jiffies is a plain memory read, enough to clear
	 * calls that did not even span a couple of ticks. The verifier drops this
	 * test when it is disabled. */
	if (max_fast_jiffies >= 0 && (__s64)(bpf_jiffies64() - s->jiffies) <= max_fast_jiffies)
		return 0;
	delta = bpf_ktime_get_ns() - s->ts;
	if (delta < min_ns)
		return 0;
	if (filter_comm && !comm_matches(task->comm))
		return 0;
	nr = regs->orig_ax;
	if (nr < SKIP_WORDS * 64 && (skip_nr[nr / 64] >> (nr % 64)) & 1)
		return 0;
	if ((__s64)nr == skip_timedout_nr && ret == -ETIMEDOUT)
		return 0;
	id = bpf_get_current_pid_tgid();
	if ((id >> 32) == self_tgid)
		return 0;

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&drops, 1);
		return 0;
	}
	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->latency_ns = delta;
	e->ret = ret;
	/* The saved user registers hold the first argument (and, above, the number). */
	e->arg0 = regs->di;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->cpu = bpf_get_smp_processor_id();
	e->nr = nr;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	/* A trickle of events does not wake user space one by one: it collects
	 * them every poll interval. Only a filling buffer forces a wakeup. */
	bpf_ringbuf_submit(e, bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= WAKEUP_BYTES
				      ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
