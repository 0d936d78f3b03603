// SPDX-License-Identifier: GPL-2.0
/* Empty programs on the tracers' hooks: what attaching alone costs. The
 * benchmark compares each tracer's added cost with this floor. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter) { return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit) { return 0; }

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch) { return 0; }

SEC("tp_btf/sched_wakeup")
int BPF_PROG(sched_wakeup) { return 0; }

SEC("tp_btf/sched_wakeup_new")
int BPF_PROG(sched_wakeup_new) { return 0; }

SEC("tp_btf/page_fault_user")
int BPF_PROG(page_fault_user) { return 0; }

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(page_fault_kernel) { return 0; }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit) { return 0; }

char LICENSE[] SEC("license") = "GPL";
