/* SPDX-License-Identifier: MIT */
/* The life of a tracer, shared by all of them: start the process, load and
 * attach the skeleton, and (for the interval tracers) the report loop. Each
 * tool keeps its own open/rodata/destroy, which need its skeleton type. */
#ifndef KS_RUN_H
#define KS_RUN_H

#include <stdbool.h>

struct bpf_object_skeleton;

/* Process setup (ks_setup_process), the preflight checks for `hooks`, then
 * libbpf logging. Returns 0 or the exit code. */
int ks_start(const char *tool, const char *const *hooks, bool verbose);

/* Per-CPU maps need the number of possible CPUs; checked before loading so a
 * failure stops the tracer before it attaches anything. Returns 0 or the exit code. */
int ks_check_cpus(const char *tool);

/* Loads an opened skeleton (`skel->skeleton`, after its rodata is set) and
 * attaches it; `attach_what` names the hooks in the message. Returns 0 or the
 * exit code. */
int ks_load_attach(const char *tool, struct bpf_object_skeleton *s, const char *attach_what);

/* Announces "<tool>: <doing>, S s intervals" on stderr, then calls
 * emit(ctx, measured seconds) at every interval until a stop signal. Returns
 * emit's first non-zero result, else KS_EXIT_OK. */
int ks_run_intervals(const char *tool, const char *doing, double interval_s,
		     int (*emit)(void *ctx, double interval_s), void *ctx);

#endif /* KS_RUN_H */
