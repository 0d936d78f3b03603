/* SPDX-License-Identifier: MIT */
/* The one record syscall_tracer's kernel side sends per slow system call. */
#ifndef SYSCALL_TRACER_H
#define SYSCALL_TRACER_H

#define TASK_COMM_LEN 16
/* Bitmap words for syscall numbers (0..511) the kernel side skips. */
#define SKIP_WORDS 8

struct syscall_event {
	__u64 ts_boot_ns; /* bpf_ktime_get_boot_ns() at exit; user side adds the epoch offset */
	__u64 latency_ns;
	__s64 ret;
	__s64 arg0;       /* first argument: the fd for fd-taking syscalls */
	__u32 pid;        /* tgid */
	__u32 tid;
	__u32 uid;
	__u32 cpu;
	__u32 nr;
	char comm[TASK_COMM_LEN];
};

#endif /* SYSCALL_TRACER_H */
